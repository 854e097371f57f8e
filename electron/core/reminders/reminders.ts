/**
 * Reminder arithmetic: which date a key is due on, how many days are left, and which notification
 * threshold (30, 7, 1 days, overdue) it has reached. Pure functions over domain values, so the CLI,
 * the tray and the notification scheduler all agree to the minute.
 */
import type { KeyStatus, ReminderKind, ReminderThreshold } from '../../../shared/domain.js';

export const DAY_MS = 86_400_000;

/** Default thresholds, largest first; CommBox's own advance notice is 30 days, so ours starts there. */
export const DEFAULT_THRESHOLD_DAYS = [30, 7, 1] as const;

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
  return new Date(Date.parse(createdAt) + rotateEveryDays * DAY_MS).toISOString();
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

/** Whole days left, rounded down: due in 6.5 days is 6; overdue by half a day is -1. */
export function daysLeft(dueAt: string, now: Date): number {
  return Math.floor((Date.parse(dueAt) - now.getTime()) / DAY_MS);
}

/** The tightest threshold reached, or null when the date is further away than every threshold. */
export function thresholdReached(dueAt: string, now: Date, thresholds: readonly number[] = DEFAULT_THRESHOLD_DAYS): ReminderThreshold | null {
  const remainingMs = Date.parse(dueAt) - now.getTime();
  if (remainingMs <= 0) return 'overdue';
  let reached: number | null = null;
  for (const days of thresholds) if (remainingMs <= days * DAY_MS && (reached === null || days < reached)) reached = days;
  return reached as ReminderThreshold | null;
}
