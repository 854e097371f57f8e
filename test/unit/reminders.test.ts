/**
 * Reminder arithmetic: the date a key is due on, the whole days an administrator sees, and the
 * notification threshold (30, 7, 1 days, overdue) it has reached. Pure functions, fixed clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeRotationDueAt, DAY_MS, daysLeft, type DueFields, dueEventFor, thresholdReached } from '../../electron/core/reminders/reminders.js';

const NOW = new Date('2026-05-10T12:00:00.000Z');

// Day counts are local calendar days: pin the zone so these cases mean the same on every machine.
const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});
/** An ISO date `days` (may be fractional or negative) from NOW. */
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY_MS).toISOString();

function key(fields: Partial<DueFields>): DueFields {
  return { status: 'active', expiresAt: null, graceEndsAt: null, rotationDueAt: null, ...fields };
}

describe('computeRotationDueAt', () => {
  it('uses the vendor expiry when there is one, whatever the policy', () => {
    expect(computeRotationDueAt('2026-01-01T00:00:00.000Z', '2026-02-15T08:30:00.000Z', 90)).toBe('2026-02-15T08:30:00.000Z');
    expect(computeRotationDueAt(null, '2026-02-15T08:30:00.000Z', null)).toBe('2026-02-15T08:30:00.000Z');
  });

  it('is createdAt plus the rotation policy when the vendor sets no expiry', () => {
    expect(computeRotationDueAt('2026-01-01T00:00:00.000Z', null, 90)).toBe('2026-04-01T00:00:00.000Z');
    expect(computeRotationDueAt('2026-01-01T06:15:00.000Z', null, 180)).toBe('2026-06-30T06:15:00.000Z');
  });

  it('is null when neither an expiry nor a created date with a policy is known', () => {
    expect(computeRotationDueAt(null, null, 90)).toBeNull();
    expect(computeRotationDueAt('2026-01-01T00:00:00.000Z', null, null)).toBeNull();
    expect(computeRotationDueAt(null, null, null)).toBeNull();
  });
});

describe('dueEventFor', () => {
  it('an active key with an expiry is due on its expiry', () => {
    const expiresAt = inDays(20);
    expect(dueEventFor(key({ expiresAt, rotationDueAt: expiresAt }))).toEqual({ kind: 'expiry', dueAt: expiresAt });
  });

  it('an active key without an expiry is due for rotation', () => {
    const rotationDueAt = inDays(45);
    expect(dueEventFor(key({ rotationDueAt }))).toEqual({ kind: 'rotation', dueAt: rotationDueAt });
  });

  it('an active key with no date at all never reminds', () => {
    expect(dueEventFor(key({}))).toBeNull();
  });

  it('a key in grace is due when its grace ends, not on its old expiry or rotation date', () => {
    const graceEndsAt = inDays(3);
    expect(dueEventFor(key({ status: 'grace', graceEndsAt, expiresAt: inDays(60), rotationDueAt: inDays(60) }))).toEqual({
      kind: 'grace-end',
      dueAt: graceEndsAt,
    });
  });

  it('revoked and expired keys never remind', () => {
    expect(dueEventFor(key({ status: 'revoked', expiresAt: inDays(5), rotationDueAt: inDays(5), graceEndsAt: inDays(1) }))).toBeNull();
    expect(dueEventFor(key({ status: 'expired', expiresAt: inDays(-5), rotationDueAt: inDays(-5) }))).toBeNull();
  });
});

describe('daysLeft: calendar days in the local time zone', () => {
  // NOW is 12:00 UTC, which is 12:00 local in the UTC zone these tests pin; other zones: dates.test.ts and day-counts.test.ts.
  it('counts days between calendar dates, whatever the hour: due in 6.5 days is 7 days away', () => {
    expect(daysLeft(inDays(6.5), NOW)).toBe(7);
    expect(daysLeft(inDays(6.4), NOW)).toBe(6);
  });

  it('is exact on whole days, and 0 for any time today', () => {
    expect(daysLeft(inDays(30), NOW)).toBe(30);
    expect(daysLeft(inDays(0), NOW)).toBe(0);
    expect(daysLeft(inDays(0.45), NOW)).toBe(0);
    expect(daysLeft(inDays(-0.45), NOW)).toBe(0);
  });

  it('is negative when the due day is past: yesterday is -1, whatever the hour', () => {
    expect(daysLeft(inDays(-0.6), NOW)).toBe(-1);
    expect(daysLeft(inDays(-1.4), NOW)).toBe(-1);
    expect(daysLeft(inDays(-3), NOW)).toBe(-3);
  });
});

describe('thresholdReached (default thresholds 30, 7, 1, overdue)', () => {
  it.each([
    [40, null],
    [31, null],
    // Day 30 at 23:00 is still within the 30-day notice: days are calendar days.
    [30.45, 30],
    [30, 30],
    [20, 30],
    [7.6, 30],
    [7.45, 7],
    [7, 7],
    [3, 7],
    [1.45, 1],
    [1, 1],
    [0.5, 1],
    [0.01, 1],
    [0, 'overdue'],
    [-0.01, 'overdue'],
    [-0.5, 'overdue'],
    [-10, 'overdue'],
  ] as const)('due in %s days -> %s', (days, expected) => {
    expect(thresholdReached(inDays(days), NOW)).toBe(expected);
  });

  it('honours custom thresholds', () => {
    expect(thresholdReached(inDays(10), NOW, [14, 3])).toBe(14);
    expect(thresholdReached(inDays(2), NOW, [14, 3])).toBe(3);
    expect(thresholdReached(inDays(20), NOW, [14, 3])).toBeNull();
  });
});
