/**
 * The expiry calendar: the inventory's due dates as an iCalendar file (RFC 5545) for the administrator's own calendar.
 * The only import of ical-generator, which writes the format (folding, escaping, alarms); this file decides what goes
 * in it:
 *
 * - one all-day event per due date of a key: its expiry, its rotation date (when the vendor sets no expiry) and the end
 *   of its grace period, on the calendar day the CLI and the console show for it;
 * - a UID per key and kind that never changes (the key's reference, not its name), so importing a newer file
 *   updates the events instead of adding copies, and a key that moves its date moves its event;
 * - alarms at the reminder lead times (30, 7 and 1 days before, by default);
 * - revoked keys, and keys deleted from Keywarden, as CANCELLED, so a calendar that imported them earlier drops them;
 * - (this file is loaded only by the calendar export, so `keywarden list` never loads the generator);
 * - the key's name, backend, reference and prefix; never a secret, and no link (a calendar is shared more widely than
 *   the inventory).
 */
import { createHash } from 'node:crypto';
import ical, { ICalAlarmType, ICalEventStatus } from 'ical-generator';
import type { Key, ReminderKind } from '../../shared/domain.js';
import { localDate, DAY_MS } from './dates.js';
import { REMINDER_KIND_WORDS } from './reminders/reminders.js';
import { visible } from './text.js';

/** A key removed from Keywarden, as the audit trail remembers it: its events are cancelled. */
export interface DeletedKey {
  ref: string;
  backend: string;
  at: string;
}

export interface CalendarInput {
  keys: readonly Key[];
  deleted: readonly DeletedKey[];
  /** Days before each due date at which the calendar alarms (the reminder lead times). */
  alarmDays: readonly number[];
  now: Date;
}

const KINDS: readonly ReminderKind[] = ['expiry', 'rotation', 'grace-end'];

/** The event's UID: stable per key and kind (the reference is hashed so that any character in it is safe in a UID). */
export function calendarUid(ref: string, kind: ReminderKind): string {
  return `${kind}-${createHash('sha256').update(ref).digest('hex').slice(0, 32)}@keywarden`;
}

/** The date each kind of event falls on for a key, or null when the key has none. */
function dueDateOf(key: Key, kind: ReminderKind): string | null {
  if (kind === 'expiry') return key.expiresAt;
  if (kind === 'grace-end') return key.graceEndsAt;
  // A rotation date matters only when the vendor sets no expiry: the expiry is then the date to act by.
  return key.expiresAt ? null : key.rotationDueAt;
}

/** The all-day event's start: the calendar day shown for the date, as a UTC midnight (ical-generator writes all-day dates in UTC). */
function dayStart(value: string): Date {
  return new Date(`${localDate(value)}T00:00:00.000Z`);
}

export function formatCalendar(input: CalendarInput): { text: string; events: number } {
  const calendar = ical({ name: 'Keywarden: API key due dates', prodId: { company: 'Keywarden', product: 'keywarden', language: 'EN' } });
  const stamp = input.now;
  for (const key of input.keys) {
    for (const kind of KINDS) {
      const due = dueDateOf(key, kind);
      if (!due) continue;
      const start = dayStart(due);
      const name = visible(key.name);
      // A revoked key needs nothing more from anyone: its events stay only to be cancelled where they were imported.
      const cancelled = key.status === 'revoked';
      calendar.createEvent({
        id: calendarUid(key.ref, kind),
        start,
        end: new Date(start.getTime() + DAY_MS),
        allDay: true,
        stamp,
        summary: `${name} ${REMINDER_KIND_WORDS[kind]}${cancelled ? ' (revoked)' : ''}`,
        description: [`Key: ${name}`, `Backend: ${key.backend} (${key.backendType})`, `Reference: ${key.ref}`, key.prefix ? `Identified by: ${visible(key.prefix)}` : null, `Status: ${key.status}`]
          .filter(Boolean)
          .join('\n'),
        status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
        alarms: cancelled
          ? []
          : input.alarmDays.map((days) => ({ type: ICalAlarmType.display, trigger: days * 86_400, description: `${name} ${REMINDER_KIND_WORDS[kind]} in ${days} day${days === 1 ? '' : 's'}` })),
      });
    }
  }
  const present = new Set(input.keys.map((key) => key.ref));
  for (const gone of latestPerRef(input.deleted)) {
    if (present.has(gone.ref)) continue;
    // The date is not remembered once the key is gone; a cancelled event needs one, and the deletion's day is honest.
    const start = dayStart(gone.at);
    for (const kind of KINDS) {
      calendar.createEvent({
        id: calendarUid(gone.ref, kind),
        start,
        end: new Date(start.getTime() + DAY_MS),
        allDay: true,
        stamp,
        summary: `${gone.ref} removed from Keywarden`,
        description: `Reference: ${gone.ref}\nBackend: ${gone.backend}`,
        status: ICalEventStatus.CANCELLED,
      });
    }
  }
  return { text: calendar.toString(), events: calendar.length() };
}

/** The newest deletion of each reference (a key can be added and removed again). */
function latestPerRef(deleted: readonly DeletedKey[]): DeletedKey[] {
  const latest = new Map<string, DeletedKey>();
  for (const entry of deleted) {
    const seen = latest.get(entry.ref);
    if (!seen || entry.at > seen.at) latest.set(entry.ref, entry);
  }
  return [...latest.values()];
}
