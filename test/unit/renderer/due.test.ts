/** The console's due labels: local calendar days, as the administrator reads a calendar. */
import { describe, expect, it } from 'vitest';
import { calendarDaysUntil } from '../../../renderer/src/lib/dates.js';
import { dueDateOf, dueLabel } from '../../../renderer/src/lib/due.js';

/** A local date and time (the tests run in whatever zone the machine has; the helper counts local days). */
const local = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m - 1, d, h, min);
const iso = (y: number, m: number, d: number, h = 12, min = 0) => local(y, m, d, h, min).toISOString();

describe('calendarDaysUntil', () => {
  it('counts local calendar days, whatever the hour', () => {
    expect(calendarDaysUntil(iso(2026, 11, 30, 0, 5), local(2026, 11, 24, 23, 50))).toBe(6);
    expect(calendarDaysUntil(iso(2026, 11, 24, 23, 59), local(2026, 11, 24, 0, 1))).toBe(0);
    expect(calendarDaysUntil(iso(2026, 11, 23, 23, 59), local(2026, 11, 24, 0, 1))).toBe(-1);
  });

  it('is not thrown off by a month end, a year end or a daylight-saving change', () => {
    expect(calendarDaysUntil(iso(2027, 1, 1), local(2026, 12, 31))).toBe(1);
    expect(calendarDaysUntil(iso(2026, 3, 1), local(2026, 2, 28))).toBe(1);
    // Spanning the spring and autumn changes of most zones that have them.
    expect(calendarDaysUntil(iso(2026, 4, 15), local(2026, 3, 15))).toBe(31);
    expect(calendarDaysUntil(iso(2026, 11, 15), local(2026, 10, 15))).toBe(31);
  });
});

describe('dueLabel', () => {
  const now = local(2026, 11, 24, 10);

  it('says "in N days" ahead, "today" later today, "N days overdue" behind, as the reminders say it', () => {
    expect(dueLabel(local(2026, 11, 30, 9).toISOString(), now)).toEqual({ text: 'in 6 days', tone: 'soon', days: 6 });
    expect(dueLabel(local(2026, 12, 14).toISOString(), now)).toMatchObject({ text: 'in 20 days', tone: 'month' });
    expect(dueLabel(local(2027, 3, 1).toISOString(), now)).toMatchObject({ tone: 'later' });
    expect(dueLabel(local(2026, 11, 24, 18).toISOString(), now)).toEqual({ text: 'today', tone: 'soon', days: 0 });
    expect(dueLabel(local(2026, 11, 4, 18).toISOString(), now)).toEqual({ text: '20 days overdue', tone: 'overdue', days: -20 });
    expect(dueLabel(local(2026, 11, 25, 18).toISOString(), now)).toMatchObject({ text: 'tomorrow', days: 1 });
  });

  it('is overdue once the moment has passed, even on the same day', () => {
    expect(dueLabel(local(2026, 11, 24, 8).toISOString(), now)).toEqual({ text: 'overdue today', tone: 'overdue', days: 0 });
  });

  it('reads a calendar day as that day, due from its first moment', () => {
    expect(dueLabel('2026-11-27', now)).toEqual({ text: 'in 3 days', tone: 'soon', days: 3 });
    expect(dueLabel('2026-11-24', now)).toEqual({ text: 'overdue today', tone: 'overdue', days: 0 });
  });
});

describe('dueDateOf', () => {
  const base = { expiresAt: null, graceEndsAt: null, rotationDueAt: null };
  it('is the date that matters now, as the engine sorts by it', () => {
    expect(dueDateOf({ ...base, status: 'active', expiresAt: '2026-12-01T00:00:00.000Z', rotationDueAt: '2026-11-30T00:00:00.000Z' })).toBe('2026-12-01T00:00:00.000Z');
    expect(dueDateOf({ ...base, status: 'active', rotationDueAt: '2026-11-30T00:00:00.000Z' })).toBe('2026-11-30T00:00:00.000Z');
    expect(dueDateOf({ ...base, status: 'grace', graceEndsAt: '2026-11-28T00:00:00.000Z', expiresAt: '2026-12-01T00:00:00.000Z' })).toBe('2026-11-28T00:00:00.000Z');
    expect(dueDateOf({ ...base, status: 'revoked', expiresAt: '2026-12-01T00:00:00.000Z' })).toBeNull();
    expect(dueDateOf({ ...base, status: 'expired', expiresAt: '2026-11-01T00:00:00.000Z' })).toBeNull();
  });
});
