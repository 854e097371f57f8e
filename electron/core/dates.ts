/**
 * Dates as an administrator reads and types them.
 *
 * Stored dates are instants (ISO 8601 UTC). Everything that counts days counts calendar days in the
 * local time zone of the machine running Keywarden (the CLI or the desktop app, which share the
 * machine): "in 6d", "overdue 20d", the 30/7/1-day thresholds and the `--due-within` / `--within`
 * windows are the difference between today's local date and the local date the due instant falls on.
 * So a key due tomorrow at 09:00 is "in 1d" at 08:00 and at 23:00 alike, and a day with a DST change
 * (23 or 25 hours long) is still one day.
 *
 * Plain only: no time zone database beyond what `Date` already uses, so the CLI's hot path stays cheap.
 */
import { KeywardenError } from './errors.js';

export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of the local calendar date `instant` falls on. */
export function localDayNumber(instant: Date): number {
  // Counted in UTC from the local Y-M-D, so neither the offset nor a DST change can shift the count.
  const utc = new Date(0);
  utc.setUTCFullYear(instant.getFullYear(), instant.getMonth(), instant.getDate());
  return Math.round(utc.getTime() / DAY_MS);
}

/** Calendar days from the local date of `from` to the local date of `to`: 0 on the same day, negative when `to` is earlier. */
export function calendarDaysBetween(from: Date, to: Date): number {
  return localDayNumber(to) - localDayNumber(from);
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

/** The same local wall-clock time `days` calendar days later (a rotation policy of 90 days keeps the hour across DST). */
export function addLocalDays(instant: Date, days: number): Date {
  const result = new Date(instant.getTime());
  result.setDate(result.getDate() + days);
  return result;
}

/** `YYYY-MM-DD` of the local calendar date of an ISO instant: the day the counts above count to. */
export function localDate(iso: string): string {
  const date = new Date(iso);
  return `${String(date.getFullYear()).padStart(4, '0')}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DATE_FORMAT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a date typed by an administrator (`--created-at`, `--expires-at`) into an ISO instant, refusing
 * anything that is not on the calendar (2027-02-30, month 13, 24:61) instead of letting `Date` roll it
 * over into another day.
 *
 * - `YYYY-MM-DD` means that day in the local time zone, from its first instant (local midnight). Local,
 *   because day counts are local calendar days: the key then shows as due on exactly the date typed, in
 *   any time zone (UTC midnight would be the day before anywhere west of Greenwich). From its first
 *   instant, because "expires on the 30th" must not leave a day in which the key looks valid but is not.
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
