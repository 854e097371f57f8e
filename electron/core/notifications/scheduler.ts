/**
 * The reminder scheduler of the desktop app (and of anything else that runs for long): it asks the engine for
 * the reminders that reached a threshold not notified yet, at start, after each sync and every hour, and hands
 * each to `notify` (the Electron main process shows an OS notification; tests collect them). "Never twice for the
 * same key and threshold" is the engine's (a row per notification in SQLite, claimed in one transaction), so
 * this stays a timer and nothing else: restarting the app, or two processes checking at once, shows nothing twice.
 */
import type { ReminderNotice } from '../workflows/reminders.js';

export const REMINDER_CHECK_INTERVAL_MS = 60 * 60 * 1000;

export interface ReminderSchedulerOptions {
  engine: { claimReminderNotifications(): ReminderNotice[] };
  notify: (notice: ReminderNotice) => void;
  /** Default: one hour. */
  intervalMs?: number;
  /** Where a failed check is reported (the store busy, the disk full); the next check tries again. */
  log?: (message: string) => void;
}

export class ReminderScheduler {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly options: ReminderSchedulerOptions) {}

  /** Checks now, then on the interval. The timer does not keep the process alive by itself. */
  start(): void {
    if (this.timer) return;
    this.check();
    this.timer = setInterval(() => this.check(), this.options.intervalMs ?? REMINDER_CHECK_INTERVAL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check (also called after each sync): notifies what is newly due and returns it. */
  check(): ReminderNotice[] {
    let notices: ReminderNotice[];
    try {
      notices = this.options.engine.claimReminderNotifications();
    } catch (error) {
      this.options.log?.(`reminder check failed: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
    for (const notice of notices) {
      try {
        this.options.notify(notice);
      } catch (error) {
        // One notification the OS refused must not hide the others.
        this.options.log?.(`notification for ${notice.reminder.ref} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return notices;
  }
}
