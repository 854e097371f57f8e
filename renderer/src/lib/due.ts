/**
 * When a key is due, in the administrator's words: the date that matters now (as the engine sorts by it) and
 * the calendar days to it in this browser's time zone (`dates.ts`). Pure: the tests pass `now`.
 */
import type { Key } from '../../../shared/domain.js';
import { calendarDaysUntil, daysInWords, hasPassed } from './dates.js';

/** The date that matters now: a grace key's grace end; an active key's expiry, else its rotation date; none otherwise. */
export function dueDateOf(key: Pick<Key, 'status' | 'expiresAt' | 'graceEndsAt' | 'rotationDueAt'>): string | null {
  if (key.status === 'grace') return key.graceEndsAt;
  if (key.status !== 'active') return null;
  return key.expiresAt ?? key.rotationDueAt;
}

export type DueTone = 'overdue' | 'soon' | 'month' | 'later';

export interface DueLabel {
  /** "today", "tomorrow", "in 6 days", "20 days overdue", "overdue today" (`daysInWords`, as the reminders say it). */
  text: string;
  tone: DueTone;
  days: number;
}

/** The words and colour beside a due date: overdue once the date has come, as the reminders count it. */
export function dueLabel(due: string, now: Date): DueLabel {
  const days = calendarDaysUntil(due, now);
  const passed = hasPassed(due, now);
  const tone: DueTone = passed || days < 0 ? 'overdue' : days <= 7 ? 'soon' : days <= 30 ? 'month' : 'later';
  return { text: daysInWords(days, passed), tone, days };
}
