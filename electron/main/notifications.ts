/**
 * Reminder notifications and the background sync, as the desktop app runs them. The decisions are electron/core's
 * (ReminderScheduler: what is newly due, once per key and stage across restarts and processes, and the alerts to the
 * configured channels;
 * reminder-notices.ts: the notification's id, buttons and what a click or close means; BackgroundSync: when a sync
 * is due, skipped offline or locked); this file gives them Electron's Notification and `net.isOnline()`.
 */
import { net, Notification } from 'electron';
import { BackgroundSync, type BackgroundSyncOptions } from '../core/desktop/background-sync.js';
import {
  closeEndsNotification,
  notificationsShowButtons,
  refFromNotificationId,
  reminderActivation,
  reminderNotificationId,
  type ReminderActivation,
  SNOOZE_ACTIONS,
} from '../core/desktop/reminder-notices.js';
import { ReminderScheduler } from '../core/notifications/scheduler.js';
import type { ReminderNotice } from '../core/workflows/reminders.js';

/** Notifications held (Electron forgets a Notification's handlers once nothing holds it), by id; the oldest go beyond this. */
const MAX_HELD_NOTIFICATIONS = 50;
/** How long after a notification's own click its activation callback (which comes as well, in either order) is ignored. */
const ANSWERED_WINDOW_MS = 10_000;

export interface ReminderNotificationsOptions {
  engine: { claimReminderNotifications(): ReminderNotice[] };
  /** Shows the window and opens the key (the `onOpenKey` event). */
  openKey: (ref: string) => void;
  /** Shows the window (an activation whose key is not known). */
  showWindow: () => void;
  /** Puts the key's reminder off (engine.snoozeReminder); its notification comes back when the snooze ends. */
  snooze: (ref: string, days: 1 | 7) => void;
  /** Sends what is due to the alert channels (as background work); absent: none from this process. */
  alerts?: () => Promise<{ nextAttemptAt: string | null }>;
  intervalMs?: number;
  log: (message: string) => void;
  platform?: NodeJS.Platform;
}

/** The reminder notifications shown and still answerable, by id. */
class HeldNotifications {
  private readonly byId = new Map<string, Notification>();
  /** When each id was last answered by its own object's event (for `answeredRecently`). */
  private readonly answeredAt = new Map<string, number>();

  /** The notification's own event answered it: Windows' activation callback for the same click must not answer again. */
  answered(id: string, notification: Notification): void {
    this.release(id, notification);
    this.answeredAt.set(id, Date.now());
    for (const [old, at] of this.answeredAt) if (Date.now() - at > ANSWERED_WINDOW_MS) this.answeredAt.delete(old);
  }

  answeredRecently(id: string): boolean {
    const at = this.answeredAt.get(id);
    return at !== undefined && Date.now() - at <= ANSWERED_WINDOW_MS;
  }

  hold(id: string, notification: Notification): void {
    this.byId.delete(id);
    this.byId.set(id, notification);
    // The oldest beyond the cap are let go (their click then does nothing; the reminder stays in the app and tray).
    for (const old of this.byId.keys()) {
      if (this.byId.size <= MAX_HELD_NOTIFICATIONS) break;
      this.byId.delete(old);
    }
  }

  release(id: string, notification: Notification): void {
    if (this.byId.get(id) === notification) this.byId.delete(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get size(): number {
    return this.byId.size;
  }
}

function act(outcome: ReminderActivation, options: Pick<ReminderNotificationsOptions, 'openKey' | 'showWindow' | 'snooze'>): void {
  if (outcome.kind === 'open') options.openKey(outcome.ref);
  else if (outcome.kind === 'snooze') options.snooze(outcome.ref, outcome.days);
  else options.showWindow();
}

/** Gives a notification (new, or restored from macOS's history) its handlers and holds it. */
function attach(notification: Notification, id: string, ref: string, held: HeldNotifications, options: ReminderNotificationsOptions): void {
  notification.on('click', () => {
    held.answered(id, notification);
    act(reminderActivation({ type: 'click' }, ref), options);
  });
  // Electron 45 passes the details object first; the positional actionIndex after it is deprecated.
  notification.on('action', (details) => {
    held.answered(id, notification);
    act(reminderActivation({ type: 'action', actionIndex: details.actionIndex }, ref), options);
  });
  notification.on('close', (details) => {
    // Windows: a toast that timed out went to the Action Center, where it may still be clicked or snoozed.
    if (closeEndsNotification(details?.reason)) held.release(id, notification);
  });
  held.hold(id, notification);
}

/** Turns a reminder into an OS notification; clicking it opens that key, its buttons (macOS, Windows) snooze it. */
function showReminderNotification(notice: ReminderNotice, held: HeldNotifications, options: ReminderNotificationsOptions): void {
  if (!Notification.isSupported()) {
    options.log(`reminder (no notifications here): ${notice.title}: ${notice.body}`);
    return;
  }
  const platform = options.platform ?? process.platform;
  const id = reminderNotificationId(notice.reminder.ref);
  const notification = new Notification({
    id,
    title: notice.title,
    body: notice.body,
    ...(notificationsShowButtons(platform) ? { actions: SNOOZE_ACTIONS.map(({ text }) => ({ type: 'button' as const, text })) } : {}),
  });
  attach(notification, id, notice.reminder.ref, held, options);
  // macOS (an unsigned build) and Windows may refuse to show it: the reminder is then in the log, and stays in the
  // tray's menu and the console.
  notification.on('failed', (_event, error) => {
    held.release(id, notification);
    options.log(`a reminder could not be shown as a notification (${error}): ${notice.title}: ${notice.body}`);
  });
  notification.show();
}

/**
 * Starts the reminder checks: at once, then hourly; `check()` is called again after each sync. Once, at start
 * (after ready): on Windows, `Notification.handleActivation` for clicks that find no object to tell (a cold start
 * from a toast, a toast in the Action Center after a restart); on macOS, the reminders still in Notification
 * Center from an earlier run get their handlers back (`Notification.getHistory()`).
 */
export function startReminderNotifications(options: ReminderNotificationsOptions): ReminderScheduler {
  const held = new HeldNotifications();
  const platform = options.platform ?? process.platform;
  if (platform === 'win32' && typeof Notification.handleActivation === 'function') {
    Notification.handleActivation((details) => {
      const ref = refFromNotificationId(details.arguments);
      // The docs: the callback comes in addition to the events of a notification still in memory, before or after
      // them; those answer it.
      if (ref !== null) {
        const id = reminderNotificationId(ref);
        if (held.has(id) || held.answeredRecently(id)) return;
      } else if (held.size > 0) return;
      act(reminderActivation({ type: details.type, actionIndex: details.actionIndex }, ref), options);
    });
  }
  if (platform === 'darwin' && typeof Notification.getHistory === 'function') {
    Notification.getHistory().then(
      (delivered) => {
        for (const notification of delivered) {
          const ref = refFromNotificationId(notification.id);
          if (ref !== null) attach(notification, notification.id, ref, held, options);
        }
      },
      (error: unknown) => options.log(`the reminders in Notification Center could not be read: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
  const scheduler = new ReminderScheduler({
    engine: options.engine,
    notify: (notice) => showReminderNotification(notice, held, options),
    ...(options.alerts ? { alerts: options.alerts } : {}),
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
