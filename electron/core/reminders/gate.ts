/**
 * The pipeline gate behind `keywarden check`: every key in scope judged against a window of calendar days, with
 * one verdict per key and one exit status for the whole run. Pure, over domain values, using the same due-date
 * rules as reminders (reminders.ts), so a key the gate fails is a key the tray and `keywarden reminders` show.
 */
import type { Key, ReminderKind } from '../../../shared/domain.js';
import { dayNumberCounter, hasPassed, localDayNumber } from '../dates.js';
import { dueEventFor } from './reminders.js';

/**
 * - `overdue`: the due moment has passed (an expiry, a rotation date or a grace end), or the vendor reports the key
 *   expired. Something is already broken or about to break today.
 * - `due`: due within the window.
 * - `ok`: due later than the window.
 * - `no-date`: nothing tells when the key must change (no expiry, no rotation policy): not a failure, but shown, so a
 *   gate that passes does not hide keys it could not judge.
 */
export type GateVerdict = 'overdue' | 'due' | 'ok' | 'no-date';

export interface GateEntry {
  ref: string;
  name: string;
  backend: string;
  verdict: GateVerdict;
  /** What falls due: the expiry, the rotation date or the end of a grace period; null when no date is known. */
  kind: ReminderKind | null;
  dueAt: string | null;
  /** Calendar days from today to the due day, in the local zone; negative when past. Null when no date is known. */
  daysLeft: number | null;
}

export interface GateReport {
  checkedAt: string;
  withinDays: number;
  /** Overdue first, then due, ok and undated; within each, soonest first. */
  entries: GateEntry[];
  counts: Record<GateVerdict, number> & { checked: number };
  /** 0 nothing due within the window, 1 something due within it, 2 something overdue, expired or past its grace. */
  exitCode: 0 | 1 | 2;
}

const ORDER: Record<GateVerdict, number> = { overdue: 0, due: 1, ok: 2, 'no-date': 3 };
/** Wider than any day number (days since 1970, about 20k now): the verdict's band is never overlapped by a date. */
const SORT_BAND = 10_000_000;

/**
 * Judges `keys` at `now`. Revoked keys are not checked (nothing depends on them any more); an expired one is, and is
 * overdue: a pipeline that still deploys it is about to fail.
 *
 * The rules are reminders.ts's (`dueEventFor`, a due date passed from its moment, or a calendar day from its first
 * moment; days counted in local calendar days); each date is read once, through one day counter, because Health
 * runs this over the whole inventory (100k keys within its 200 ms).
 */
export function judgeKeys(keys: readonly Key[], now: Date, withinDays: number): GateReport {
  const dayOf = dayNumberCounter();
  const today = localDayNumber(now);
  const entries: GateEntry[] = [];
  // Verdict first, then the due day: one number per entry, so the sort compares numbers (and references on a tie).
  const sortKeys: number[] = [];
  for (const key of keys) {
    if (key.status === 'revoked') continue;
    const expired = key.status === 'expired';
    // A manual key shows `expired` once its date passes; a vendor's `expired` key may carry no date at all.
    const event = dueEventFor({ status: expired ? 'active' : key.status, expiresAt: key.expiresAt, graceEndsAt: key.graceEndsAt, rotationDueAt: key.rotationDueAt });
    if (!event) {
      const verdict: GateVerdict = expired ? 'overdue' : 'no-date';
      entries.push({ ref: key.ref, name: key.name, backend: key.backend, verdict, kind: expired ? 'expiry' : null, dueAt: null, daysLeft: null });
      // Undated last in its band: a date to act by reads first.
      sortKeys.push(ORDER[verdict] * SORT_BAND + SORT_BAND / 2);
      continue;
    }
    const day = dayOf(event.dueAt);
    const days = day - today;
    const verdict: GateVerdict = expired || hasPassed(event.dueAt, now) ? 'overdue' : days <= withinDays ? 'due' : 'ok';
    entries.push({ ref: key.ref, name: key.name, backend: key.backend, verdict, kind: event.kind, dueAt: event.dueAt, daysLeft: days });
    sortKeys.push(ORDER[verdict] * SORT_BAND + day);
  }
  const order = entries.map((_, index) => index);
  order.sort((a, b) => sortKeys[a]! - sortKeys[b]! || compareText(entries[a]!.ref, entries[b]!.ref));
  const sorted = order.map((index) => entries[index]!);
  const counts = { checked: sorted.length, overdue: 0, due: 0, ok: 0, 'no-date': 0 };
  for (const entry of sorted) counts[entry.verdict] += 1;
  const exitCode = counts.overdue > 0 ? 2 : counts.due > 0 ? 1 : 0;
  return { checkedAt: now.toISOString(), withinDays, entries: sorted, counts, exitCode };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
