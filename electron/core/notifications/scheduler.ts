/**
 * The reminder scheduler of the desktop app (and of anything else that runs for long): it asks the engine for
 * the reminders that reached a stage (a reminder lead time, or overdue) not notified yet, at start, after each sync
 * and every hour, and hands each to `notify` (the Electron main process shows an OS notification; tests collect
 * them). "Never twice for the same key and stage" is the engine's (a row per notification in SQLite, claimed in one
 * transaction), so this stays a timer and nothing else: restarting the app, or two processes checking at once, shows
 * nothing twice.
 *
 * Where alert channels exist, each check also sends what is due to them (`alerts`, the engine's `deliverAlerts`), one
 * run at a time; the engine claims each alert before sending it, so the app and a `keywarden notify` cron job never
 * both send one. A failed alert waits for its retry: the scheduler comes back at that time when it is sooner than
 * the next hourly check.
 */
import type { ReminderNotice } from '../workflows/reminders.js';

export const REMINDER_CHECK_INTERVAL_MS = 60 * 60 * 1000;

export interface ReminderSchedulerOptions {
  engine: { claimReminderNotifications(): ReminderNotice[] };
  notify: (notice: ReminderNotice) => void;
  /**
   * Sends what is due to the alert channels (the engine's `deliverAlerts`, run as background work); resolves with
   * when the next retry may go. Absent: no alerts from this process.
   */
  alerts?: () => Promise<{ nextAttemptAt: string | null }>;
  /** Default: one hour. */
  intervalMs?: number;
  /** Where a failed check is reported (the store busy, the disk full); the next check tries again. */
  log?: (message: string) => void;
  /** The clock for retry times (tests). */
  now?: () => number;
}

export class ReminderScheduler {
  private timer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private sending: Promise<void> | null = null;
  private sendAgain = false;

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
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = null;
    this.retryTimer = null;
  }

  /** One check (also called after each sync): notifies what is newly due and returns it; alerts go in the background. */
  check(): ReminderNotice[] {
    let notices: ReminderNotice[] = [];
    try {
      notices = this.options.engine.claimReminderNotifications();
    } catch (error) {
      this.options.log?.(`reminder check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const notice of notices) {
      try {
        this.options.notify(notice);
      } catch (error) {
        // One notification the OS refused must not hide the others.
        this.options.log?.(`notification for ${notice.reminder.ref} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    void this.sendAlerts();
    return notices;
  }

  /** The alert run under way, if any (tests wait for it). */
  alertsSettled(): Promise<void> {
    return this.sending ?? Promise.resolve();
  }

  /** One alert run at a time; a check that comes meanwhile runs once more after it. */
  private sendAlerts(): Promise<void> {
    const alerts = this.options.alerts;
    if (!alerts) return Promise.resolve();
    if (this.sending) {
      this.sendAgain = true;
      return this.sending;
    }
    this.sending = (async () => {
      do {
        this.sendAgain = false;
        try {
          const { nextAttemptAt } = await alerts();
          this.comeBackAt(nextAttemptAt);
        } catch (error) {
          this.options.log?.(`alerts could not be sent: ${error instanceof Error ? error.message : String(error)}`);
        }
      } while (this.sendAgain);
    })().finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  /** A retry sooner than the next hourly check: come back for it then. */
  private comeBackAt(nextAttemptAt: string | null): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (nextAttemptAt === null || !this.timer) return;
    const wait = Math.max(1_000, Date.parse(nextAttemptAt) - (this.options.now?.() ?? Date.now()));
    if (wait >= (this.options.intervalMs ?? REMINDER_CHECK_INTERVAL_MS)) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.sendAlerts();
    }, wait);
    this.retryTimer.unref?.();
  }
}
