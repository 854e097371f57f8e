/**
 * Dates as import sources write them: ISO (checked by `dates.ts` parseUserDate, calendar days kept as typed), the
 * day/month forms of spreadsheets (31/12/2027, 12/31/2027, 31.12.2027) and month names (31 Dec 2027, Dec 31, 2027).
 *
 * 03/04/2027 is the 3rd of April or the 4th of March. The file decides when it can: a date with a first part above 12
 * says day/month, one with a second part above 12 says month/day. When nothing in the file says, a date whose parts
 * could be either is refused (`--date-order` says which), never guessed; the order used is stated in the plan.
 */
import type { DateOrder } from '../../../shared/imports.js';
import { parseUserDate } from '../dates.js';
import { KeywardenError } from '../errors.js';
import { CLI_WORDS, type ImportWords } from './words.js';

const NUMERIC = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_MONTH_NAME = /^(\d{1,2})[\s-]+([a-z]{3,9})\.?[\s-,]+(\d{4})$/i;
const MONTH_NAME_DAY = /^([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$/i;
/** What a spreadsheet starts a formula with: such a cell is text that was never evaluated, never a date. */
export const FORMULA_START = /^[=+\-@\t\r]/;

export interface DateOrderDecision {
  order: DateOrder | null;
  /** Said in the plan: how day/month dates were read and why. Null when the source has none. */
  statement: string | null;
}

/** Decides the order of the file's numeric dates from the dates themselves, or from `given`. */
export function decideDateOrder(values: Iterable<string>, given: DateOrder | null, words: ImportWords = CLI_WORDS): DateOrderDecision {
  let dayFirst: string | null = null;
  let monthFirst: string | null = null;
  let any = false;
  for (const value of values) {
    const match = NUMERIC.exec(value.trim());
    if (!match) continue;
    any = true;
    if (Number(match[1]) > 12) dayFirst ??= value.trim();
    if (Number(match[2]) > 12) monthFirst ??= value.trim();
  }
  if (given) return { order: given, statement: any ? `dates read as ${given} (${words.dateOrderChosen})` : null };
  if (!any) return { order: null, statement: null };
  if (dayFirst && monthFirst) {
    throw new KeywardenError('invalid_input', `the file's dates mix day/month (${dayFirst}) and month/day (${monthFirst}); correct them, or ${words.giveDateOrder} to read every date one way`, {
      field: 'dateOrder',
    });
  }
  if (dayFirst) return { order: 'day-month', statement: `dates read as day/month, since ${dayFirst} can only be day/month` };
  if (monthFirst) return { order: 'month-day', statement: `dates read as month/day, since ${monthFirst} can only be month/day` };
  return { order: null, statement: `day/month order unknown: no date in the file says it, so dates such as 03/04/2027 are refused (${words.giveDateOrder})` };
}

/** A date from a source, as an ISO instant or a calendar day; a problem (the plan's skip reason) when it is none. */
export function readImportDate(raw: string, what: string, order: DateOrder | null, words: ImportWords = CLI_WORDS): { value: string } | { problem: string } {
  const value = raw.trim();
  if (FORMULA_START.test(value)) return { problem: `the ${what} cell is a spreadsheet formula, which Keywarden never evaluates` };
  const numeric = NUMERIC.exec(value);
  const named = DAY_MONTH_NAME.exec(value) ?? null;
  const namedUs = named ? null : MONTH_NAME_DAY.exec(value);
  let iso: string | null = null;
  if (numeric) {
    const [a, b] = [Number(numeric[1]), Number(numeric[2])];
    let dayMonth = order;
    if (a > 12) dayMonth = 'day-month';
    else if (b > 12) dayMonth = 'month-day';
    else if (a === b) dayMonth = 'day-month';
    if (!dayMonth) return { problem: `ambiguous ${what} "${value}": day/month or month/day? (${words.giveDateOrder})` };
    const [day, month] = dayMonth === 'day-month' ? [a, b] : [b, a];
    iso = `${numeric[3]}-${pad(month)}-${pad(day)}`;
  } else if (named || namedUs) {
    const [dayText, monthText, year] = named ? [named[1]!, named[2]!, named[3]!] : [namedUs![2]!, namedUs![1]!, namedUs![3]!];
    const month = MONTH_NAMES.indexOf(monthText.slice(0, 3).toLowerCase());
    if (month < 0) return { problem: `unreadable ${what} "${value}"` };
    iso = `${year}-${pad(month + 1)}-${pad(Number(dayText))}`;
  } else {
    iso = value.replace(' ', 'T');
  }
  try {
    return { value: parseUserDate(iso, what) };
  } catch {
    return { problem: `unreadable ${what} "${value}"` };
  }
}

/** "90", "90 days", "90d", "12 weeks": a whole number of days, or a problem. */
export function readRotationDays(raw: string): { value: number } | { problem: string } {
  const match = /^(\d{1,5})\s*(d|days?|w|weeks?)?$/i.exec(raw.trim());
  if (!match) return { problem: `unreadable rotation interval "${raw.trim()}" (say 90 or 90 days)` };
  return { value: Number(match[1]) * (match[2]?.toLowerCase().startsWith('w') ? 7 : 1) };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
