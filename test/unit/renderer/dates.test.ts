/**
 * The console's one date formatter (renderer/src/lib/dates.ts): a day, a day and time, a day count in words, and
 * engine text without ISO times. Pinned to en-US in a zone west of UTC (Los Angeles), where a calendar day read as
 * UTC midnight would show the day before: Node re-reads process.env.TZ when it is assigned, and the module's
 * formatters are built when it is imported, after that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const savedTz = process.env.TZ;
let dates: typeof import('../../../renderer/src/lib/dates.js');

beforeAll(async () => {
  process.env.TZ = 'America/Los_Angeles';
  dates = await import('../../../renderer/src/lib/dates.js');
});

afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('the console date formatter', () => {
  it('writes a calendar day as that day, and an instant as the day it falls on here', () => {
    expect(dates.formatDay('2026-12-07')).toMatch(/^Mon, Dec 7, 2026$/);
    // 03:00 UTC on the 7th is still the 6th in Los Angeles.
    expect(dates.formatDay('2026-12-07T03:00:00.000Z')).toBe('Sun, Dec 6, 2026');
    expect(dates.formatDay(null)).toBe('—');
  });

  it('writes a day and time for an instant, and only the day for a calendar day (it has no time)', () => {
    expect(dates.formatDayTime('2026-12-04T19:12:59.800Z')).toMatch(/^Fri, Dec 4, 2026, 11:12\s?AM$/);
    expect(dates.formatDayTime('2026-12-07')).toBe('Mon, Dec 7, 2026');
    expect(dates.formatDayTimeSeconds('2026-12-04T19:12:59.800Z')).toMatch(/^Fri, Dec 4, 2026, 11:12:59\s?AM$/);
  });

  it('counts calendar days here, and a calendar day is due from its first moment', () => {
    const now = new Date('2026-12-04T23:30:00.000Z'); // 15:30 on the 4th in Los Angeles
    expect(dates.calendarDaysUntil('2026-12-07', now)).toBe(3);
    expect(dates.calendarDaysUntil('2026-12-07T03:00:00.000Z', now)).toBe(2);
    expect(dates.hasPassed('2026-12-04', now)).toBe(true);
    expect(dates.hasPassed('2026-12-05', now)).toBe(false);
    expect(dates.hasPassed('2026-12-04T23:00:00.000Z', now)).toBe(true);
    expect(dates.hasPassed('2026-12-05T00:00:00.000Z', now)).toBe(false);
  });

  it('says day counts the same way everywhere', () => {
    expect([5, 1, 0, -1, -20].map((days) => dates.daysInWords(days, days < 0))).toEqual(['in 5 days', 'tomorrow', 'today', '1 day overdue', '20 days overdue']);
    expect(dates.daysInWords(0, true)).toBe('overdue today');
    expect([0, 1, 2].map((count) => dates.plural(count, 'key'))).toEqual(['0 keys', '1 key', '2 keys']);
  });

  it('writes the ISO times and plain days in engine and vendor text as the console writes them', () => {
    const text = dates.datesInText('until 2026-12-05T23:14:42.123Z, created 2026-12-04, revoked 2026-12-04T19:12:59+02:00');
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(text).toMatch(/^until Sat, Dec 5, 2026, 3:14\s?PM, created Fri, Dec 4, 2026, revoked Fri, Dec 4, 2026, 9:12\s?AM$/);
    // Not inside an identifier or a version.
    expect(dates.datesInText('key_2026-12-04-a1 v2026-12-04.1')).toBe('key_2026-12-04-a1 v2026-12-04.1');
  });
});
