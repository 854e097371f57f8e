/**
 * Reminder arithmetic: which date a key is due on, how many days are left, and which stage it has reached: one of
 * the reminder lead times (the `reminderLeadDays` setting: 30, 7 and 1 days by default) or overdue. Pure functions
 * over domain values, so the CLI, the tray, notifications, alerts and Health all agree. Days are local calendar days
 * (see ../dates.ts).
 */
import type { KeyStatus, ReminderKind, ReminderThreshold } from '../../../shared/domain.js';
import { DEFAULT_LEAD_DAYS } from '../../../shared/rules.js';
import { addCalendarDays, addLocalDays, daysUntil, hasPassed, isCalendarDay } from '../dates.js';

export { DAY_MS } from '../dates.js';

/** The default lead times, largest first (shared/rules.ts); the setting replaces them. */
export const DEFAULT_THRESHOLD_DAYS: readonly number[] = DEFAULT_LEAD_DAYS;

/**
 * How far ahead the tray's icon says "due soon" and its menu lists the next due keys: the smallest lead time that
 * still gives a week's notice (7 days or more), or the largest where every lead time is shorter. With the default
 * lead times that is 7 days, as it always was; the first stages (30 days by default) are said by notifications,
 * alerts and Health, and the tray turns only when there is a week or less to act.
 */
export function trayWindowDays(leadDays: readonly number[]): number {
  const weekOrMore = leadDays.filter((days) => days >= 7);
  return weekOrMore.length > 0 ? Math.min(...weekOrMore) : Math.max(...leadDays);
}

/** How close to its date a stage is, in days: its lead time, and 0 for overdue. A smaller rank is a later stage. */
export function stageRank(stage: ReminderThreshold): number {
  return stage === 'overdue' ? 0 : stage;
}

/** A stage as the store records it (`'30'`, `'overdue'`), or null for text that is neither. */
export function parseStage(text: string): ReminderThreshold | null {
  if (text === 'overdue') return 'overdue';
  const days = Number(text);
  return /^\d+$/.test(text) && days >= 1 ? days : null;
}

/**
 * Whether a reminder at `stage` is news, given the stages already said for the same due date (notified, or sent to a
 * channel): only when it is later than every one of them. So a lead time added or changed after a stage was said
 * never says an earlier stage again: told at 7 days, a key is not told again at 10 or 14 days because those lead
 * times were added since; a snooze forgets the stage it put off, so that one is said again when the snooze ends.
 */
export function isNewStage(stage: ReminderThreshold, said: readonly string[]): boolean {
  const rank = stageRank(stage);
  for (const text of said) {
    const earlier = parseStage(text);
    if (earlier !== null && stageRank(earlier) <= rank) return false;
  }
  return true;
}

/** What falls due, as a notification or a calendar event says it after the key's name: "Stripe prod expires". */
export const REMINDER_KIND_WORDS: Readonly<Record<ReminderKind, string>> = { expiry: 'expires', rotation: 'is due for rotation', 'grace-end': 'grace period ends' };

export interface DueFields {
  status: KeyStatus;
  expiresAt: string | null;
  graceEndsAt: string | null;
  rotationDueAt: string | null;
}

export interface DueEvent {
  kind: ReminderKind;
  dueAt: string;
}

/**
 * `expiresAt` where the vendor sets one; otherwise `createdAt` + the backend's rotation policy.
 * Null when neither is known (the key then never reminds, and the UI says so).
 */
export function computeRotationDueAt(createdAt: string | null, expiresAt: string | null, rotateEveryDays: number | null): string | null {
  if (expiresAt) return expiresAt;
  if (!createdAt || !rotateEveryDays) return null;
  // A key created on a typed day is due on a day too, the same one wherever it is read.
  if (isCalendarDay(createdAt)) return addCalendarDays(createdAt, rotateEveryDays);
  // Calendar days, like every other day count: 90 days after a key made at local midnight is a local
  // midnight too, not 23:00 the day before because a DST change fell in between.
  return addLocalDays(new Date(createdAt), rotateEveryDays).toISOString();
}

/**
 * The one date that matters for a key now: its grace end while in grace (consumers must switch),
 * its expiry or rotation date while active, nothing once revoked or expired.
 */
export function dueEventFor(key: DueFields): DueEvent | null {
  if (key.status === 'grace') return key.graceEndsAt ? { kind: 'grace-end', dueAt: key.graceEndsAt } : null;
  if (key.status !== 'active') return null;
  if (key.expiresAt) return { kind: 'expiry', dueAt: key.expiresAt };
  if (key.rotationDueAt) return { kind: 'rotation', dueAt: key.rotationDueAt };
  return null;
}

/**
 * Calendar days from today to the day of `dueAt`, in the local time zone: 0 when due today (whether
 * or not that moment has passed), 6 on the 24th for a key due on the 30th at any hour, negative when
 * the due day is past.
 */
export function daysLeft(dueAt: string, now: Date): number {
  return daysUntil(dueAt, now);
}

/**
 * The tightest stage reached, or null when the date is further away than every lead time:
 * overdue once the due date has come (an instant once past, a calendar day from its first moment), else the smallest lead time not below the calendar days
 * left (due later today or tomorrow: the 1-day lead time, or the smallest there is).
 */
export function thresholdReached(dueAt: string, now: Date, thresholds: readonly number[] = DEFAULT_THRESHOLD_DAYS): ReminderThreshold | null {
  if (hasPassed(dueAt, now)) return 'overdue';
  const days = daysLeft(dueAt, now);
  let reached: number | null = null;
  for (const threshold of thresholds) if (days <= threshold && (reached === null || threshold < reached)) reached = threshold;
  return reached;
}
