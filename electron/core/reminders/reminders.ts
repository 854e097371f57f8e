/**
 * Reminder arithmetic: which date a key is due on, how many days are left, and which notification
 * threshold (30, 7, 1 days, overdue) it has reached. Pure functions over domain values, so the CLI,
 * the tray and the notification scheduler all agree. Days are local calendar days (see ../dates.ts).
 */
import type { KeyStatus, ReminderKind, ReminderThreshold } from '../../../shared/domain.js';
import { addCalendarDays, addLocalDays, daysUntil, hasPassed, isCalendarDay } from '../dates.js';

export { DAY_MS } from '../dates.js';

/** Default thresholds, largest first; CommBox's own advance notice is 30 days, so ours starts there. */
export const DEFAULT_THRESHOLD_DAYS = [30, 7, 1] as const;

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
 * The tightest threshold reached, or null when the date is further away than every threshold:
 * overdue once the due date has come (an instant once past, a calendar day from its first moment), else the smallest threshold not below the calendar days
 * left (due later today or tomorrow: the 1-day threshold).
 */
export function thresholdReached(dueAt: string, now: Date, thresholds: readonly number[] = DEFAULT_THRESHOLD_DAYS): ReminderThreshold | null {
  if (hasPassed(dueAt, now)) return 'overdue';
  const days = daysLeft(dueAt, now);
  let reached: number | null = null;
  for (const threshold of thresholds) if (days <= threshold && (reached === null || threshold < reached)) reached = threshold;
  return reached as ReminderThreshold | null;
}
