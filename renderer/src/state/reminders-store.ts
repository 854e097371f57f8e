/**
 * The reminders view's state: what `reminders:list` says is due within the window (90 days), loaded again
 * whenever the engine says something changed (the shell's `changes`). The engine picks the keys and their due
 * dates; the days left and whether one is overdue are counted again here (`inBrowserDays`), in this browser's
 * time zone, as the inventory counts them: the engine's zone may be another (a server in UTC, a console in
 * Los Angeles), and a view that mixed the two would say "in 3 days" beside a date two days away.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { Reminder, ReminderKind } from '../../../shared/domain.js';
import type { DueTone } from '../lib/due.js';
import { calendarDaysUntil, dateOrder, daysInWords, hasPassed } from '../lib/dates.js';
import { newestAnswerLoader } from './newest-answer.js';

/** How far ahead the view looks. */
export const REMINDER_WINDOW_DAYS = 90;

export interface RemindersState {
  /** Null until the first answer. */
  reminders: Reminder[] | null;
  loading: boolean;
  error: string | null;
  /** Asks again; the reminders on screen stay until the answer (a refresh does not blank the view). */
  load: () => Promise<void>;
}

export type RemindersStore = StoreApi<RemindersState>;

export function createRemindersStore(client: ContractClient): RemindersStore {
  return createStore<RemindersState>()((set) => ({
    reminders: null,
    loading: false,
    error: null,
    load: newestAnswerLoader(
      () => client['reminders:list']({ withinDays: REMINDER_WINDOW_DAYS }),
      ({ data, ...rest }) => set(data === undefined ? rest : { ...rest, reminders: data }),
    ),
  }));
}

/**
 * The reminders with `daysLeft` and the overdue stage counted in this browser's zone from `now`, the way the
 * inventory counts (the engine's stages, at the reminder lead times, stay, but for one that has come due since or is not yet).
 */
export function inBrowserDays(reminders: readonly Reminder[], now: Date): Reminder[] {
  return reminders.map((reminder) => {
    const daysLeft = calendarDaysUntil(reminder.dueAt, now);
    const threshold = hasPassed(reminder.dueAt, now) ? 'overdue' : reminder.threshold === 'overdue' ? null : reminder.threshold;
    return { ...reminder, daysLeft, threshold };
  });
}

/** Overdue as the inventory counts it: the due moment has passed (earlier today included). */
export function isOverdue(reminder: Pick<Reminder, 'daysLeft' | 'threshold'>): boolean {
  return reminder.threshold === 'overdue' || reminder.daysLeft < 0;
}

export interface ReminderSummary {
  overdue: number;
  /** Not overdue and due within 7 days (today included). */
  within7: number;
  /** Within 30 days, the 7-day ones included (as the inventory's header counts). */
  within30: number;
  /** Within the whole window, the 30-day ones included. */
  within90: number;
}

export function summarize(reminders: readonly Reminder[]): ReminderSummary {
  const summary: ReminderSummary = { overdue: 0, within7: 0, within30: 0, within90: 0 };
  for (const reminder of reminders) {
    if (isOverdue(reminder)) {
      summary.overdue++;
      continue;
    }
    if (reminder.daysLeft <= 7) summary.within7++;
    if (reminder.daysLeft <= 30) summary.within30++;
    if (reminder.daysLeft <= REMINDER_WINDOW_DAYS) summary.within90++;
  }
  return summary;
}

const byDueThenName = (a: Reminder, b: Reminder) => dateOrder(a.dueAt) - dateOrder(b.dueAt) || a.name.localeCompare(b.name) || a.ref.localeCompare(b.ref);

/** The overdue reminders, most overdue first. */
export function overdueReminders(reminders: readonly Reminder[]): Reminder[] {
  return reminders.filter(isOverdue).sort(byDueThenName);
}

export interface ReminderWeek {
  /** 0 for the next 7 days (today to day 6), 1 for days 7 to 13, and so on. */
  index: number;
  firstDay: number;
  lastDay: number;
  /** The local days the week spans, from today. */
  start: Date;
  end: Date;
  /** Soonest first. */
  items: Reminder[];
}

/**
 * The window ahead in weeks of 7 days counted from today (not calendar weeks: "the next 7 days" is what the
 * 7-day threshold means), every week of the window, empty ones included, each with its reminders soonest first.
 */
export function weeksAhead(reminders: readonly Reminder[], today: Date, windowDays = REMINDER_WINDOW_DAYS): ReminderWeek[] {
  // Days 0 to windowDays inclusive: 90 days ahead are 13 weeks, the last one of days 84 to 90.
  const count = Math.floor(windowDays / 7) + 1;
  const weeks: ReminderWeek[] = [];
  for (let index = 0; index < count; index++) {
    const firstDay = index * 7;
    const lastDay = Math.min(firstDay + 6, windowDays);
    weeks.push({ index, firstDay, lastDay, start: addLocalDays(today, firstDay), end: addLocalDays(today, lastDay), items: [] });
  }
  for (const reminder of [...reminders].sort(byDueThenName)) {
    if (isOverdue(reminder) || reminder.daysLeft > windowDays) continue;
    weeks[Math.floor(reminder.daysLeft / 7)]?.items.push(reminder);
  }
  return weeks;
}

export function startOfLocalDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

function addLocalDays(day: Date, days: number): Date {
  // Through the calendar, not milliseconds: a daylight-saving change must not move the day.
  const start = startOfLocalDay(day);
  return new Date(start.getFullYear(), start.getMonth(), start.getDate() + days);
}

/** The urgency as the rest of the console colours it (tone-overdue, tone-soon, tone-month, tone-later). */
export function reminderTone(reminder: Pick<Reminder, 'daysLeft' | 'threshold'>): DueTone {
  if (isOverdue(reminder)) return 'overdue';
  return reminder.daysLeft <= 7 ? 'soon' : reminder.daysLeft <= 30 ? 'month' : 'later';
}

export const TONE_WORDS: Record<DueTone, string> = { overdue: 'overdue', soon: 'within 7 days', month: 'within 30 days', later: 'later' };

/** What happens to the key, in words: "expires", "rotation due", "grace ends" (past tense once overdue). */
export function kindWords(kind: ReminderKind, overdue: boolean): string {
  switch (kind) {
    case 'expiry':
      return overdue ? 'expired' : 'expires';
    case 'rotation':
      return overdue ? 'rotation was due' : 'rotation due';
    case 'grace-end':
      return overdue ? 'grace ended' : 'grace ends';
  }
}

/** "today", "tomorrow", "in 20 days", "overdue today", "20 days overdue": the inventory's words too. */
export function daysWords(reminder: Pick<Reminder, 'daysLeft' | 'threshold'>): string {
  return daysInWords(reminder.daysLeft, isOverdue(reminder));
}

/** "30, 7 and 1 days", "14 days", "1 day": the lead times, largest first. */
export function leadDaysInWords(leadDays: readonly number[]): string {
  const sorted = [...leadDays].sort((a, b) => b - a);
  const unit = sorted.length === 1 && sorted[0] === 1 ? 'day' : 'days';
  const list = sorted.length <= 1 ? String(sorted[0] ?? '') : `${sorted.slice(0, -1).join(', ')} and ${sorted.at(-1)}`;
  return `${list} ${unit}`;
}
