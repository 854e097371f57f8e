/**
 * What a reminder notification carries and what a click on it means, without Electron (electron/main/notifications.ts
 * gives these Electron's Notification), after Electron 45's Notification docs:
 *
 * - Each reminder has a stable `id` (the toast's Tag on Windows, the request identifier on macOS): the key's ref,
 *   so a notification restored after a restart (macOS `Notification.getHistory()`) or activated with no object
 *   left (Windows `Notification.handleActivation`) still names its key, and a newer reminder for the same key
 *   replaces the older one in the notification centre.
 * - The buttons are Snooze 1 day / 1 week, where the platform shows buttons: macOS and Windows. Linux's
 *   notifications (libnotify) show none (electron#24333), so there Snooze is in the tray's menu and the console.
 * - A `close` whose reason is `timedOut` is not the end on Windows: the toast went to the Action Center, where a
 *   click or a Snooze may still come, so its handlers are kept.
 */
export const REMINDER_ID_PREFIX = 'keywarden-reminder:';

/** The notification's buttons (where the platform shows them: macOS, Windows): put the reminder off. */
export const SNOOZE_ACTIONS = [
  { days: 1, text: 'Snooze 1 day' },
  { days: 7, text: 'Snooze 1 week' },
] as const;

export function reminderNotificationId(ref: string): string {
  return `${REMINDER_ID_PREFIX}${encodeURIComponent(ref)}`;
}

/** The key a reminder notification's id (or a text holding it, such as a toast's activation arguments) names. */
export function refFromNotificationId(text: string | undefined): string | null {
  if (!text) return null;
  const at = text.indexOf(REMINDER_ID_PREFIX);
  if (at < 0) return null;
  const encoded = /^[^\s&"'<>]*/.exec(text.slice(at + REMINDER_ID_PREFIX.length))?.[0] ?? '';
  if (!encoded) return null;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/** Whether the platform's notifications show action buttons (Electron's NotificationAction docs: macOS, Windows). */
export function notificationsShowButtons(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}

/** Whether a `close` ends the notification's life (its handlers may go), by the reason Electron gives. */
export function closeEndsNotification(reason: string | undefined): boolean {
  return reason !== 'timedOut';
}

export type ReminderActivation = { kind: 'open'; ref: string } | { kind: 'snooze'; ref: string; days: 1 | 7 } | { kind: 'show-window' };

/**
 * What an activation means: a click opens the key, a button snoozes it. `ref` is the key if known (from the
 * notification held, or its id in the activation's arguments); without it the window is shown (the reminders are
 * there), never nothing.
 */
export function reminderActivation(details: { type: string; actionIndex?: number | undefined }, ref: string | null): ReminderActivation {
  if (ref === null) return { kind: 'show-window' };
  if (details.type === 'action') {
    const chosen = details.actionIndex === undefined ? undefined : SNOOZE_ACTIONS[details.actionIndex];
    return chosen ? { kind: 'snooze', ref, days: chosen.days } : { kind: 'open', ref };
  }
  return { kind: 'open', ref };
}
