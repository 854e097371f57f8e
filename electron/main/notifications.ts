/**
 * Reminder notifications and the background sync, as the desktop app runs them. The decisions are electron/core's
 * (ReminderScheduler: what is newly due, once per key and threshold across restarts and processes;
 * BackgroundSync: when a sync is due, skipped offline or locked); this file gives them Electron's Notification and
 * `net.isOnline()`.
 */
import { net, Notification } from 'electron';
import { BackgroundSync, type BackgroundSyncOptions } from '../core/desktop/background-sync.js';
import { ReminderScheduler } from '../core/notifications/scheduler.js';
import type { ReminderNotice } from '../core/workflows/reminders.js';

/** Notifications shown and not yet clicked or closed: Electron forgets a Notification's click handler once nothing holds it. */
const MAX_HELD_NOTIFICATIONS = 50;

/** The notification's buttons (where the platform shows them: macOS, Windows): put the reminder off. */
export const SNOOZE_ACTIONS = [
  { days: 1, text: 'Snooze 1 day' },
  { days: 7, text: 'Snooze 1 week' },
] as const;

export interface ReminderNotificationsOptions {
  engine: { claimReminderNotifications(): ReminderNotice[] };
  /** Shows the window and opens the key (the `onOpenKey` event). */
  openKey: (ref: string) => void;
  /** Puts the key's reminder off (engine.snoozeReminder); its notification comes back when the snooze ends. */
  snooze: (ref: string, days: 1 | 7) => void;
  intervalMs?: number;
  log: (message: string) => void;
}

/** Turns a reminder into an OS notification; clicking it opens that key. */
export function showReminderNotification(notice: ReminderNotice, openKey: (ref: string) => void, snooze: (ref: string, days: 1 | 7) => void, held: Set<Notification>): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: notice.title, body: notice.body, actions: SNOOZE_ACTIONS.map(({ text }) => ({ type: 'button' as const, text })) });
  const release = () => held.delete(notification);
  notification.on('click', () => {
    release();
    openKey(notice.reminder.ref);
  });
  notification.on('action', (_event, index) => {
    release();
    const chosen = SNOOZE_ACTIONS[index];
    if (chosen) snooze(notice.reminder.ref, chosen.days);
  });
  notification.on('close', release);
  held.add(notification);
  // The oldest beyond the cap are let go (their click then does nothing; the reminder stays in the app).
  for (const old of held) {
    if (held.size <= MAX_HELD_NOTIFICATIONS) break;
    held.delete(old);
  }
  notification.show();
}

/** Starts the reminder checks: at once, then hourly; `check()` is called again after each sync. */
export function startReminderNotifications(options: ReminderNotificationsOptions): ReminderScheduler {
  const held = new Set<Notification>();
  const scheduler = new ReminderScheduler({
    engine: options.engine,
    notify: (notice) => showReminderNotification(notice, options.openKey, options.snooze, held),
    log: options.log,
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
  });
  scheduler.start();
  return scheduler;
}

/** Starts the background sync, online state from Chromium's network service. */
export function startBackgroundSync(options: Omit<BackgroundSyncOptions, 'isOnline'>): BackgroundSync {
  const sync = new BackgroundSync({ ...options, isOnline: () => net.isOnline() });
  sync.start();
  return sync;
}
