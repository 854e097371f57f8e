/**
 * Every date the console shows goes through here: one look for a day ("Mon, Dec 7, 2026"), a day and time
 * ("Mon, Dec 7, 2026, 7:12 PM"), a time to the second (the audit trail), and day counts in words ("in 5 days").
 * Never an ISO string on screen: engine and vendor text goes through `datesInText`.
 *
 * A stored date is an instant (`2026-12-04T19:12:59.800Z`), read in this browser's time zone, or a calendar day
 * (`2026-12-07`, typed without a time), which is that day in every zone: it is formatted in UTC, where its
 * midnight falls on the day itself. Day counts are calendar days in this browser's zone, from this browser's
 * clock, in every view (the inventory and the reminders count the same way, as the CLI does on its machine).
 * Pure but for the clock the callers pass.
 */

const CALENDAR_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Whether a stored date is a calendar day (`2026-12-07`) rather than an instant. */
export function isCalendarDay(value: string): boolean {
  return CALENDAR_DAY.test(value);
}

/** Days since 1970-01-01 of the local calendar date `instant` falls on (from the local Y-M-D, so DST cannot shift it). */
function localDayNumber(instant: Date): number {
  return Math.round(Date.UTC(instant.getFullYear(), instant.getMonth(), instant.getDate()) / DAY_MS);
}

/** Days since 1970-01-01 of a stored date's day: a calendar day's own, an instant's in this browser's zone. */
function dayNumberOf(value: string): number {
  const day = CALENDAR_DAY.exec(value);
  if (day) return Math.round(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) / DAY_MS);
  return localDayNumber(new Date(value));
}

/** Calendar days from `now`'s local day to the day of `value`: 0 the same day at any hour, negative when past. */
export function calendarDaysUntil(value: string, now: Date): number {
  return dayNumberOf(value) - localDayNumber(now);
}

/** Whether a due date has come: an instant once past; a calendar day from its first moment here (an expiry day is not a valid day). */
export function hasPassed(value: string, now: Date): boolean {
  if (isCalendarDay(value)) return dayNumberOf(value) <= localDayNumber(now);
  return Date.parse(value) <= now.getTime();
}

/** For sorting: a calendar day as its UTC midnight, an instant as itself. */
export function dateOrder(value: string): number {
  return Date.parse(isCalendarDay(value) ? `${value}T00:00:00Z` : value);
}

const DAY_PARTS: Intl.DateTimeFormatOptions = { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' };
const DAY = new Intl.DateTimeFormat(undefined, DAY_PARTS);
const DAY_OF_CALENDAR = new Intl.DateTimeFormat(undefined, { ...DAY_PARTS, timeZone: 'UTC' });
const DAY_TIME = new Intl.DateTimeFormat(undefined, { ...DAY_PARTS, hour: 'numeric', minute: '2-digit' });
const DAY_SECONDS = new Intl.DateTimeFormat(undefined, { ...DAY_PARTS, hour: 'numeric', minute: '2-digit', second: '2-digit' });
const SHORT_DAY = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const TABLE_DAY_PARTS: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' };
const TABLE_DAY = new Intl.DateTimeFormat(undefined, TABLE_DAY_PARTS);
const TABLE_DAY_OF_CALENDAR = new Intl.DateTimeFormat(undefined, { ...TABLE_DAY_PARTS, timeZone: 'UTC' });

/** "Mon, Dec 7, 2026": the day a stored date falls on here (a calendar day: itself), or an em dash. */
export function formatDay(value: string | Date | null): string {
  if (value === null) return '—';
  if (value instanceof Date) return DAY.format(value);
  return isCalendarDay(value) ? DAY_OF_CALENDAR.format(dateOrder(value)) : DAY.format(new Date(value));
}

/**
 * "Dec 7, 2026": the same day as `formatDay` without its weekday, for a table column, where the days left beside it
 * matter more and the weekday would push them out of a narrow window (the cell's title gives `formatDay`).
 */
export function formatTableDay(value: string): string {
  return isCalendarDay(value) ? TABLE_DAY_OF_CALENDAR.format(dateOrder(value)) : TABLE_DAY.format(new Date(value));
}

/** "Mon, Dec 7, 2026, 7:12 PM" for an instant; a calendar day has no time, so it is its day alone. */
export function formatDayTime(value: string | null): string {
  if (value === null) return '—';
  return isCalendarDay(value) ? formatDay(value) : DAY_TIME.format(new Date(value));
}

/** "Mon, Dec 7, 2026, 7:12:59 PM": the audit trail's time, to the second. */
export function formatDayTimeSeconds(value: string): string {
  return isCalendarDay(value) ? formatDay(value) : DAY_SECONDS.format(new Date(value));
}

/** "Dec 7": a day in a heading where the year is plain (the week strip). */
export function formatShortDay(day: Date): string {
  return SHORT_DAY.format(day);
}

/** "1 day", "5 days", "1 key", "3 keys". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * A day count in words: "today", "tomorrow", "in 5 days"; once the date has come, "overdue today",
 * "1 day overdue", "20 days overdue".
 */
export function daysInWords(days: number, passed: boolean): string {
  if (days < 0) return `${plural(-days, 'day')} overdue`;
  if (days === 0) return passed ? 'overdue today' : 'today';
  if (days === 1) return 'tomorrow';
  return `in ${plural(days, 'day')}`;
}

/** An ISO 8601 date-time as the engine and vendors write them (`2026-12-04T19:12:59.800Z`, with an offset, or local). */
export const ISO_TIMESTAMP = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?(?![\d:.])/g;

/** A plain `YYYY-MM-DD` day standing alone in text (not part of a timestamp, an ID or a longer number). */
const PLAIN_DAY = /(?<![\w.:-])\d{4}-\d{2}-\d{2}(?![\w:.-])/g;

/**
 * Engine and vendor text (an audit detail, a vendor's "Revoked at", a rotation step) with each ISO timestamp and
 * plain day in it written as the console writes them ("until 2026-12-11T19:12:59.800Z" reads "until Fri, Dec 11,
 * 2026, 11:12 AM", "created 2026-12-04" reads "created Fri, Dec 4, 2026"). Only for text the engine or vendor
 * wrote about dates: never for names or IDs, which are shown exactly.
 */
export function datesInText(text: string): string {
  const timed = text.replace(ISO_TIMESTAMP, (match) => {
    const time = Date.parse(match);
    return Number.isNaN(time) ? match : DAY_TIME.format(new Date(time));
  });
  return timed.replace(PLAIN_DAY, (match) => (Number.isNaN(dateOrder(match)) ? match : formatDay(match)));
}

/** `YYYY-MM-DD` of the day a stored date falls on here (a calendar day is its own): what a date field starts from. */
export function dayInput(value: string | null): string {
  if (value === null) return '';
  if (isCalendarDay(value)) return value;
  const date = new Date(value);
  return `${String(date.getFullYear()).padStart(4, '0')}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}
