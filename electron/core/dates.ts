/**
 * Dates as an administrator reads and types them.
 *
 * A stored date is one of two things. An instant (ISO 8601 UTC, `2026-12-07T19:12:59.800Z`): what vendors
 * report and what Keywarden records when something happens. Or a calendar day (`2026-12-07`): a date an
 * administrator typed without a time (`--expires-at 2026-12-07`). A calendar day has no time zone: it is the
 * 7th wherever it is read, in the CLI's zone, a console in Los Angeles or one in Auckland. No single instant
 * can be that (the 7th in Auckland begins while it is still the 6th in Los Angeles), so the day is kept as
 * typed rather than turned into some zone's midnight. It is due from its first moment in the reader's zone
 * ("expires on the 7th": on the 7th it is no longer valid; see `hasPassed`).
 *
 * Everything that counts days counts calendar days in the local time zone of whoever reads: the CLI or
 * the desktop app in the machine's zone, the console in the browser's: "in 6d", "overdue 20d", the 30/7/1-day thresholds and the `--due-within` / `--within`
 * windows are the difference between today's local date and the local date the due instant falls on.
 * So a key due tomorrow at 09:00 is "in 1d" at 08:00 and at 23:00 alike, and a day with a DST change
 * (23 or 25 hours long) is still one day.
 *
 * Plain only: no time zone database beyond what `Date` already uses, so the CLI's hot path stays cheap.
 */
import { KeywardenError } from './errors.js';

export const DAY_MS = 86_400_000;

/** `YYYY-MM-DD`: a calendar day as typed, with no time and no zone. */
export const CALENDAR_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a stored date is a calendar day (`2026-12-07`) rather than an instant. */
export function isCalendarDay(value: string): boolean {
  return CALENDAR_DAY.test(value);
}

/** Days since 1970-01-01 of the local calendar date `instant` falls on. */
export function localDayNumber(instant: Date): number {
  // Counted in UTC from the local Y-M-D, so neither the offset nor a DST change can shift the count.
  const utc = new Date(0);
  utc.setUTCFullYear(instant.getFullYear(), instant.getMonth(), instant.getDate());
  return Math.round(utc.getTime() / DAY_MS);
}

/** `YYYY-MM-DD` of a day number (days since 1970-01-01, as `localDayNumber` and `dayNumberOf` count them). */
export function dayNumberDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Calendar days from the local date of `from` to the local date of `to`: 0 on the same day, negative when `to` is earlier. */
export function calendarDaysBetween(from: Date, to: Date): number {
  return localDayNumber(to) - localDayNumber(from);
}

/** Days since 1970-01-01 of a stored date's day: a calendar day's own, an instant's local one. */
export function dayNumberOf(value: string): number {
  const day = CALENDAR_DAY.exec(value);
  if (day) return Math.round(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) / DAY_MS);
  return localDayNumber(new Date(value));
}

/** Calendar days from the local day of `now` to the day of a stored date (calendar day or instant). */
export function daysUntil(value: string, now: Date): number {
  return dayNumberOf(value) - localDayNumber(now);
}

/**
 * The same day numbers as `dayNumberOf`, for a scan of many dates (the pipeline gate and Health over 100k keys): an
 * instant's local day from its UTC milliseconds and the zone's offset then, instead of two `Date` objects per value.
 * The offset is read once per quarter hour of UTC time: every zone's offset is a multiple of 15 minutes and changes
 * only at a local quarter hour, so it is constant within each such slot.
 */
export function dayNumberCounter(): (value: string) => number {
  const QUARTER_HOUR = 900_000;
  const offsets = new Map<number, number>();
  return (value) => {
    if (value.length === 10) return dayNumberOf(value);
    const ms = Date.parse(value);
    const slot = Math.floor(ms / QUARTER_HOUR);
    let offset = offsets.get(slot);
    if (offset === undefined) {
      offset = new Date(ms).getTimezoneOffset() * 60_000;
      offsets.set(slot, offset);
    }
    return Math.floor((ms - offset) / DAY_MS);
  };
}

/**
 * Whether a stored date has come: an instant once it is past, a calendar day from its first moment in the local
 * zone (the whole of an expiry day counts as expired, so no day looks valid when the key is not).
 */
export function hasPassed(value: string, now: Date): boolean {
  if (isCalendarDay(value)) return dayNumberOf(value) <= localDayNumber(now);
  return Date.parse(value) <= now.getTime();
}

/** The first instant of the local day `daysAhead` days after the local day of `now`. */
export function startOfLocalDay(now: Date, daysAhead = 0): Date {
  // Built from the local Y-M-D (never by adding 24-hour days), so it is midnight after a DST change too;
  // where a zone skips midnight itself, Date moves to the first instant that exists, which is that day's start.
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + daysAhead);
}

/**
 * The end of a "within N days" window: the last millisecond of the local day N days after today.
 * Due "within 0 days" is due today (or overdue); within 30 days includes a key due on day 30 at 23:59.
 */
export function endOfWindow(now: Date, withinDays: number): Date {
  return new Date(startOfLocalDay(now, withinDays + 1).getTime() - 1);
}

/** A calendar day `days` days after another (`2026-12-07` + 90); through UTC, where every day is 24 hours. */
export function addCalendarDays(day: string, days: number): string {
  return new Date((dayNumberOf(day) + days) * DAY_MS).toISOString().slice(0, 10);
}

/** The same local wall-clock time `days` calendar days later (a rotation policy of 90 days keeps the hour across DST). */
export function addLocalDays(instant: Date, days: number): Date {
  const result = new Date(instant.getTime());
  result.setDate(result.getDate() + days);
  return result;
}

/** `YYYY-MM-DD` of the local calendar date of an ISO instant (a calendar day is its own): the day the counts above count to. */
export function localDate(iso: string): string {
  if (isCalendarDay(iso)) return iso;
  const date = new Date(iso);
  return `${String(date.getFullYear()).padStart(4, '0')}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DATE_FORMAT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a date typed by an administrator (`--created-at`, `--expires-at`) into a calendar day (`YYYY-MM-DD`) or an ISO instant, refusing
 * anything that is not on the calendar (2027-02-30, month 13, 24:61) instead of letting `Date` roll it
 * over into another day.
 *
 * - `YYYY-MM-DD` is a calendar day and stays one (returned as typed, once checked): the key is then due on
 *   exactly the date typed wherever it is read. Turned into an instant it would be some zone's midnight, and
 *   the day before (or after) in another zone: the CLI in UTC and a console in Los Angeles would disagree.
 * - `YYYY-MM-DDTHH:MM[:SS[.fff]]` without an offset is local time, as in ECMAScript; a local time that
 *   does not exist (skipped by a DST change) is refused rather than moved.
 * - With `Z` or `±HH:MM` it is that exact instant.
 */
export function parseUserDate(value: string, what: string): string {
  const refuse = (why: string) =>
    new KeywardenError('invalid_input', `the ${what} "${value}" is not a date${why ? `: ${why}` : ''}; use YYYY-MM-DD or an ISO 8601 time such as 2027-02-28T17:00:00Z`);
  const match = DATE_FORMAT.exec(value);
  if (!match) throw refuse('');
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const dayOfMonth = Number(d);
  if (year < 1970) throw refuse('the year must be 1970 or later');
  if (month < 1 || month > 12) throw refuse(`there is no month ${month}`);
  const monthLength = daysInMonth(year, month);
  if (dayOfMonth < 1 || dayOfMonth > monthLength) throw refuse(`${MONTHS[month - 1]} ${year} has ${monthLength} days`);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (h === undefined) return `${y}-${mo}-${d}`;
  if (hour > 23 || minute > 59 || second > 59) throw refuse(`${h}:${mi}${s === undefined ? '' : `:${s}`} is not a time of day`);

  if (offset !== undefined) {
    let offsetMinutes = 0;
    if (offset !== 'Z') {
      const digits = offset.replace(':', '');
      const offsetHours = Number(digits.slice(1, 3));
      const extraMinutes = Number(digits.slice(3, 5));
      if (offsetHours > 14 || extraMinutes > 59) throw refuse(`${offset} is not a UTC offset`);
      offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + extraMinutes);
    }
    return new Date(Date.UTC(year, month - 1, dayOfMonth, hour, minute, second, ms) - offsetMinutes * 60_000).toISOString();
  }

  const local = new Date(year, month - 1, dayOfMonth, hour, minute, second, ms);
  if (h !== undefined && (local.getHours() !== hour || local.getMinutes() !== minute || local.getDate() !== dayOfMonth)) {
    throw refuse(`${h}:${mi} does not exist in the local time zone on that day (the clocks skip it); give the time with an offset, e.g. ${y}-${mo}-${d}T${h}:${mi}:00Z`);
  }
  return local.toISOString();
}

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one; in UTC, so no time zone can interfere.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}
