/**
 * Dates as administrators read and type them (electron/core/dates.ts): local calendar days, windows
 * that end at local midnight, DST changes, and typed dates that must be on the calendar. Every case
 * pins a time zone (Node re-reads process.env.TZ when it is assigned) and uses fixed instants.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { addLocalDays, calendarDaysBetween, dayNumberCounter, dayNumberOf, endOfWindow, localDate, parseUserDate } from '../../electron/core/dates.js';
import { KeywardenError } from '../../electron/core/errors.js';
import { daysLeft, thresholdReached } from '../../electron/core/reminders/reminders.js';

const savedTz = process.env.TZ;

/** Runs the rest of a test in `zone`, checking that the zone really applies (a missing zone would silently be UTC). */
function inZone(zone: string, januaryOffsetMinutes: number): void {
  process.env.TZ = zone;
  expect(new Date('2026-01-15T12:00:00.000Z').getTimezoneOffset(), `time zone ${zone} is not available`).toBe(januaryOffsetMinutes);
}

afterEach(() => {
  process.env.TZ = 'UTC';
});

afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

function refusal(value: string): string {
  try {
    parseUserDate(value, 'expiry date');
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    expect((error as KeywardenError).code).toBe('invalid_input');
    return (error as KeywardenError).message;
  }
  throw new Error(`"${value}" was accepted`);
}

describe('day counts from the review: on 2026-11-24 (Europe/Berlin)', () => {
  it('a key due 2026-11-04 is 20 days overdue and one due 2026-11-30 is 6 days away, at any hour of either day', () => {
    inZone('Europe/Berlin', -60);
    for (const nowLocal of ['2026-11-24T00:05:00', '2026-11-24T15:00:00', '2026-11-24T23:55:00']) {
      const now = new Date(nowLocal);
      for (const dueLocal of ['2026-11-04T00:00:00', '2026-11-04T09:00:00', '2026-11-04T23:59:00']) {
        expect(daysLeft(new Date(dueLocal).toISOString(), now), `${dueLocal} seen at ${nowLocal}`).toBe(-20);
      }
      for (const dueLocal of ['2026-11-30T00:00:00', '2026-11-30T09:00:00', '2026-11-30T23:59:00']) {
        expect(daysLeft(new Date(dueLocal).toISOString(), now), `${dueLocal} seen at ${nowLocal}`).toBe(6);
      }
    }
  });

  it('the same instants count by the local date of another zone: New York is still on the 23rd at 03:00 UTC', () => {
    inZone('America/New_York', 300);
    const now = new Date('2026-11-24T03:00:00.000Z'); // 22:00 on the 23rd in New York
    expect(daysLeft('2026-11-24T06:00:00.000Z', now)).toBe(1); // 01:00 on the 24th there
    expect(localDate('2026-11-24T03:00:00.000Z')).toBe('2026-11-23');
  });
});

describe('across DST changes (Europe/Berlin: clocks forward 2026-03-29, back 2026-10-25)', () => {
  it('counts a 23-hour day as a day: 23.75 hours from Saturday 23:30 to Monday 00:15 are 2 calendar days', () => {
    inZone('Europe/Berlin', -60);
    const now = new Date('2026-03-28T23:30:00'); // +01:00
    const due = new Date('2026-03-30T00:15:00').toISOString(); // +02:00
    expect(Date.parse(due) - now.getTime()).toBe(23.75 * 3_600_000);
    expect(daysLeft(due, now)).toBe(2);
    expect(calendarDaysBetween(now, new Date(due))).toBe(2);
  });

  it('counts a 25-hour day as a day: a key due 7 calendar days ahead, 8 days and 40 minutes away, has reached the 7-day threshold', () => {
    inZone('Europe/Berlin', -60);
    const now = new Date('2026-10-18T00:10:00'); // +02:00
    const due = new Date('2026-10-25T23:50:00').toISOString(); // +01:00
    expect(Date.parse(due) - now.getTime()).toBe((8 * 24 + 2 / 3) * 3_600_000);
    expect(daysLeft(due, now)).toBe(7);
    expect(thresholdReached(due, now)).toBe(7);
  });

  it('ends a window at local midnight, also on the 25-hour day', () => {
    inZone('Europe/Berlin', -60);
    const now = new Date('2026-10-24T12:00:00'); // +02:00
    // Within 1 day: up to the end of Sunday the 25th, which is 23:59:59.999 at +01:00.
    expect(endOfWindow(now, 1).toISOString()).toBe('2026-10-25T22:59:59.999Z');
    expect(endOfWindow(now, 0).toISOString()).toBe('2026-10-24T21:59:59.999Z');
    expect(endOfWindow(now, 30).toISOString()).toBe('2026-11-23T22:59:59.999Z');
  });

  it('adds rotation days as calendar days, keeping the local time of day', () => {
    inZone('Europe/Berlin', -60);
    // A key made at local midnight in summer is due at local midnight in winter, not at 23:00 the day before.
    expect(addLocalDays(new Date('2026-06-01T00:00:00'), 180).toISOString()).toBe(new Date('2026-11-28T00:00:00').toISOString());
    expect(localDate(addLocalDays(new Date('2026-06-01T00:00:00'), 180).toISOString())).toBe('2026-11-28');
  });
});

describe('the day counter of the gate and Health (one offset per quarter hour)', () => {
  // The fast path must give the day dayNumberOf gives, every quarter hour across a DST change in each direction and
  // in zones with half- and quarter-hour offsets, or a key would be due a day early or late around a change.
  it.each([
    ['Europe/Berlin', -60],
    ['America/Los_Angeles', 480],
    ['Australia/Lord_Howe', -660],
    ['Asia/Kathmandu', -345],
    ['Pacific/Chatham', -825],
  ])('%s: every quarter hour of March, April, October and November 2026 and calendar days alike', (zone, offset) => {
    inZone(zone, offset);
    const dayOf = dayNumberCounter();
    for (const month of [2, 3, 9, 10]) {
      const start = Date.UTC(2026, month, 1);
      for (let ms = start; ms < start + 31 * 86_400_000; ms += 7 * 60_000) {
        const iso = new Date(ms).toISOString();
        expect(dayOf(iso), iso).toBe(dayNumberOf(iso));
      }
    }
    expect(dayOf('2026-12-07')).toBe(dayNumberOf('2026-12-07'));
  });
});

describe('parseUserDate', () => {
  it("keeps a plain date as that calendar day, in any time zone (no zone's midnight, which is another day elsewhere)", () => {
    for (const [zone, offset] of [
      ['Europe/Berlin', -60],
      ['Pacific/Kiritimati', -840],
      ['America/Los_Angeles', 480],
      ['UTC', 0],
    ] as const) {
      inZone(zone, offset);
      expect(parseUserDate('2027-02-28', 'expiry date')).toBe('2027-02-28');
      expect(localDate(parseUserDate('2027-02-28', 'expiry date'))).toBe('2027-02-28');
    }
    expect(parseUserDate('2024-02-29', 'expiry date')).toBe('2024-02-29');
    expect(() => parseUserDate('2027-02-29', 'expiry date')).toThrow(/February 2027 has 28 days/);
  });

  it('reads times with an offset as that instant, and without one as local time', () => {
    inZone('America/New_York', 300);
    expect(parseUserDate('2027-02-28T17:00:00Z', 'expiry date')).toBe('2027-02-28T17:00:00.000Z');
    expect(parseUserDate('2027-02-28T17:00:00.25+02:00', 'expiry date')).toBe('2027-02-28T15:00:00.250Z');
    expect(parseUserDate('2027-02-28T17:00-0530', 'expiry date')).toBe('2027-02-28T22:30:00.000Z');
    expect(parseUserDate('2027-02-28T17:00', 'expiry date')).toBe('2027-02-28T22:00:00.000Z');
  });

  it.each([
    ['2027-02-30', /February 2027 has 28 days/],
    ['2027-02-29', /February 2027 has 28 days/],
    ['2026-04-31', /April 2026 has 30 days/],
    ['2026-13-01', /no month 13/],
    ['2026-00-10', /no month 0/],
    ['2026-01-00', /January 2026 has 31 days/],
    ['2026-13-45', /no month 13/],
    ['2027-01-10T24:00:00Z', /24:00:00 is not a time of day/],
    ['2027-01-10T12:60Z', /12:60 is not a time of day/],
    ['2027-01-10T12:00:61Z', /is not a time of day/],
    ['2027-01-10T12:00+15:00', /\+15:00 is not a UTC offset/],
    ['1969-12-31', /1970 or later/],
    ['27-01-10', /^the expiry date "27-01-10" is not a date; use YYYY-MM-DD/],
    ['last tuesday', /is not a date; use YYYY-MM-DD/],
    ['2027-1-10', /is not a date; use YYYY-MM-DD/],
    ['2027-01-10 12:00', /is not a date; use YYYY-MM-DD/],
  ])('refuses %s, saying why', (value, why) => {
    const message = refusal(value);
    expect(message).toMatch(why);
    expect(message).toContain(`"${value}"`);
    expect(message).toMatch(/YYYY-MM-DD/);
  });

  it('refuses a local time that a DST change skips, instead of moving it', () => {
    inZone('Europe/Berlin', -60);
    expect(refusal('2026-03-29T02:30')).toMatch(/does not exist in the local time zone/);
    // With an offset the same wall-clock time is an exact instant, so it is accepted.
    expect(parseUserDate('2026-03-29T02:30:00+01:00', 'expiry date')).toBe('2026-03-29T01:30:00.000Z');
  });
});
