/**
 * When a key is due, in the administrator's words: the date that matters now (as the engine sorts by it) and
 * the calendar days to it in the LOCAL time zone. Pure: the tests pass `now`.
 */
import type { Key } from '../../../shared/domain.js';

/** The date that matters now: a grace key's grace end; an active key's expiry, else its rotation date; none otherwise. */
export function dueDateOf(key: Pick<Key, 'status' | 'expiresAt' | 'graceEndsAt' | 'rotationDueAt'>): string | null {
  if (key.status === 'grace') return key.graceEndsAt;
  if (key.status !== 'active') return null;
  return key.expiresAt ?? key.rotationDueAt;
}

/** Calendar days from `now`'s local day to `due`'s local day: 0 the same day at any hour, negative when past. */
export function calendarDaysUntil(due: Date, now: Date): number {
  const dueDay = Date.UTC(due.getFullYear(), due.getMonth(), due.getDate());
  const today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  return Math.round((dueDay - today) / 86_400_000);
}

export type DueTone = 'overdue' | 'soon' | 'month' | 'later';

export interface DueLabel {
  /** "today", "in 6d", "overdue 20d", "overdue today". */
  text: string;
  tone: DueTone;
  days: number;
}

/** The short label beside a due date. Overdue once the due moment has passed, as the reminders count it. */
export function dueLabel(dueIso: string, now: Date): DueLabel {
  const due = new Date(dueIso);
  const days = calendarDaysUntil(due, now);
  const passed = due.getTime() <= now.getTime();
  if (days < 0) return { text: `overdue ${-days}d`, tone: 'overdue', days };
  if (days === 0) return passed ? { text: 'overdue today', tone: 'overdue', days } : { text: 'today', tone: 'soon', days };
  return { text: `in ${days}d`, tone: days <= 7 ? 'soon' : days <= 30 ? 'month' : 'later', days };
}

const DATE = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** A date in the administrator's locale, or an em dash. */
export function formatDate(iso: string | null): string {
  return iso ? DATE.format(new Date(iso)) : '—';
}

export function formatDateTime(iso: string | null): string {
  return iso ? DATE_TIME.format(new Date(iso)) : '—';
}
