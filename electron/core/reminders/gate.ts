/**
 * The pipeline gate behind `keywarden check`: every key in scope judged against a window of calendar days, with
 * one verdict per key and one exit status for the whole run. Pure, over domain values, using the same due-date
 * rules as reminders (reminders.ts), so a key the gate fails is a key the tray and `keywarden reminders` show.
 */
import type { Key, ReminderKind } from '../../../shared/domain.js';
import { daysLeft, dueEventFor, thresholdReached } from './reminders.js';

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

/**
 * Judges `keys` at `now`. Revoked keys are not checked (nothing depends on them any more); an expired one is, and is
 * overdue: a pipeline that still deploys it is about to fail.
 */
export function judgeKeys(keys: readonly Key[], now: Date, withinDays: number): GateReport {
  const entries: GateEntry[] = [];
  for (const key of keys) {
    if (key.status === 'revoked') continue;
    entries.push(judgeKey(key, now, withinDays));
  }
  entries.sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict] || (a.dueAt === null || b.dueAt === null ? 0 : Date.parse(a.dueAt) - Date.parse(b.dueAt)) || a.ref.localeCompare(b.ref));
  const counts = { checked: entries.length, overdue: 0, due: 0, ok: 0, 'no-date': 0 };
  for (const entry of entries) counts[entry.verdict] += 1;
  const exitCode = counts.overdue > 0 ? 2 : counts.due > 0 ? 1 : 0;
  return { checkedAt: now.toISOString(), withinDays, entries, counts, exitCode };
}

function judgeKey(key: Key, now: Date, withinDays: number): GateEntry {
  const base = { ref: key.ref, name: key.name, backend: key.backend };
  // A manual key shows `expired` once its date passes; a vendor's `expired` key may carry no date at all.
  const event = dueEventFor(key.status === 'expired' ? { ...key, status: 'active' } : key);
  if (!event) return { ...base, verdict: key.status === 'expired' ? 'overdue' : 'no-date', kind: key.status === 'expired' ? 'expiry' : null, dueAt: null, daysLeft: null };
  const days = daysLeft(event.dueAt, now);
  const verdict: GateVerdict = key.status === 'expired' || thresholdReached(event.dueAt, now, []) === 'overdue' ? 'overdue' : days <= withinDays ? 'due' : 'ok';
  return { ...base, verdict, kind: event.kind, dueAt: event.dueAt, daysLeft: days };
}
