import type { Migration } from './index.js';

/**
 * Snoozed reminders: the desktop app's notification can be put off for a day or a week. One row per key:
 * snoozing again replaces the date, and a snooze that has passed is simply ignored (and replaced by the
 * next one), so the table never holds more than one row per key. New table only, so an older file still
 * reads (readCompatible): a read-only copy without it has nothing snoozed.
 */
export const migration004ReminderSnoozes: Migration = {
  version: 4,
  name: 'snoozed reminder notifications',
  readCompatible: true,
  up: `
    CREATE TABLE reminder_snoozes (
      ref   TEXT PRIMARY KEY,
      until TEXT NOT NULL
    ) STRICT;
  `,
};
