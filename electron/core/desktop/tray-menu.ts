/**
 * What the desktop app's tray shows, as plain data: the icon's state (overdue / due soon / clear, from
 * `KeywardenEngine.trayStatus()`, whose window follows the reminder lead times: 7 days with the defaults), its tooltip, and the menu (the next due keys, then Sync now, Open Keywarden, Lock,
 * Quit). electron/main/tray.ts turns it into Electron's Tray and Menu; keeping the words and the rules here lets
 * them be tested in Node.
 */
import type { LockState, Reminder } from '../../../shared/domain.js';
import type { RotationGraceWarning } from '../../../shared/rotation.js';
import type { TrayState, TrayStatus } from '../workflows/reminders.js';
import { VIEWER_SYNC_WORDS } from './background-sync.js';

export type TrayAction = 'sync' | 'open' | 'lock' | 'quit';

/** One choice of the Snooze submenu: a key, put off for a day or a week. */
export interface TraySnoozeChoice {
  ref: string;
  days: 1 | 7;
  label: string;
}

export type TrayMenuItem =
  | { type: 'key'; ref: string; label: string }
  | { type: 'action'; action: TrayAction; label: string; enabled: boolean }
  | { type: 'heading'; label: string }
  | { type: 'snooze'; label: string; choices: TraySnoozeChoice[] }
  | { type: 'separator' };

export interface TrayModel {
  icon: TrayState;
  tooltip: string;
  items: TrayMenuItem[];
}

/** The tray icon file of each state, under build/tray/ (a `@2x` variant beside each is picked up by Electron). */
export const TRAY_ICON_FILES: Readonly<Record<TrayState, string>> = Object.freeze({
  overdue: 'tray-overdue.png',
  'due-soon': 'tray-due-soon.png',
  clear: 'tray-clear.png',
});

/**
 * macOS draws menu-bar icons as template images (black and alpha, tinted by the system for light, dark and
 * highlighted menus; a file name ending in "Template" makes one), so there the state is a dot or none: an
 * attention icon for overdue and due soon, the plain shield when all is clear.
 */
export const MAC_TRAY_ICON_FILES: Readonly<Record<TrayState, string>> = Object.freeze({
  overdue: 'trayAttentionTemplate.png',
  'due-soon': 'trayAttentionTemplate.png',
  clear: 'trayTemplate.png',
});

/** The icon file for a tray state on a platform. */
export function trayIconFile(state: TrayState, platform: NodeJS.Platform): string {
  return (platform === 'darwin' ? MAC_TRAY_ICON_FILES : TRAY_ICON_FILES)[state];
}

/**
 * Where the tray's icons are: in a package, `resources/tray/` (electron-builder's extraResources), outside the asar
 * archive, because icons read from inside it have been reported to vanish from the Windows tray (electron#30911);
 * from the project, `build/tray/`.
 */
export function trayIconFolder(where: { packaged: boolean; resourcesPath: string | undefined; appRoot: string }): string {
  if (where.packaged && where.resourcesPath) return `${where.resourcesPath}/tray`;
  return `${where.appRoot}/build/tray`;
}

/** When a key is due, in the words the console uses: "overdue by 3 days", "due today", "due in 5 days". */
export function dueWords(reminder: Pick<Reminder, 'daysLeft'>): string {
  const days = reminder.daysLeft;
  if (days < 0) return `overdue by ${-days} day${days === -1 ? '' : 's'}`;
  if (days === 0) return 'due today';
  return `due in ${days} day${days === 1 ? '' : 's'}`;
}

function count(n: number, what: string): string {
  return `${n} ${what}`;
}

/** A grace period ending while consumers still use the old key, in words: "Billing API: grace ends in 3 days; not switched: CI". */
export function graceWarningWords(warning: RotationGraceWarning): string {
  const when = warning.daysLeft < 0 ? 'grace ended' : warning.daysLeft === 0 ? 'grace ends today' : `grace ends in ${warning.daysLeft} day${warning.daysLeft === 1 ? '' : 's'}`;
  const who = warning.unticked.length > 0 ? `not switched: ${warning.unticked.join(', ')}` : 'consumers not confirmed';
  return `${warning.ref}: ${when}; ${who}`;
}

/**
 * `snooze`: where notifications have no buttons (Linux: libnotify shows none, electron#24333), the tray's menu
 * offers the notifications' Snooze for the next due keys, in a submenu. `viewer`: the data folder is a team home where
 * this member is a viewer, whose vendor syncs the team refuses: the menu says that the background sync is off, and
 * why, where Sync now would be (background-sync.ts).
 */
export function trayModel(status: TrayStatus, lock: LockState, options: { syncing: boolean; graceWarnings?: readonly RotationGraceWarning[]; snooze?: boolean; viewer?: boolean }): TrayModel {
  // The window is the tray's share of the reminder lead times (`trayWindowDays`: 7 days with the defaults).
  const within = `due within ${status.windowDays} day${status.windowDays === 1 ? '' : 's'}`;
  const summary =
    status.state === 'clear'
      ? `nothing ${within}`
      : [status.overdue > 0 ? count(status.overdue, 'overdue') : null, status.dueSoon > 0 ? count(status.dueSoon, within) : null].filter(Boolean).join(', ');
  const items: TrayMenuItem[] = [];
  // First: an old key about to stop working while consumers still use it is the most urgent thing the tray can say.
  const graceWarnings = options.graceWarnings ?? [];
  if (graceWarnings.length > 0) {
    items.push({ type: 'heading', label: 'Switch consumers before the grace ends' });
    for (const warning of graceWarnings) items.push({ type: 'key', ref: warning.ref, label: graceWarningWords(warning).replaceAll('&', '&&') });
    items.push({ type: 'separator' });
  }
  if (status.next.length > 0) {
    items.push({ type: 'heading', label: 'Next due' });
    // Menu labels are plain text on every platform, but '&' marks a mnemonic on Windows and Linux: doubled, it shows as itself.
    for (const reminder of status.next) items.push({ type: 'key', ref: reminder.ref, label: `${reminder.name} (${reminder.backend}): ${dueWords(reminder)}`.replaceAll('&', '&&') });
    if (options.snooze) {
      const choices: TraySnoozeChoice[] = status.next.flatMap((reminder) =>
        ([1, 7] as const).map((days) => ({ ref: reminder.ref, days, label: `${reminder.name} (${reminder.backend}): ${days === 1 ? '1 day' : '1 week'}`.replaceAll('&', '&&') })),
      );
      items.push({ type: 'snooze', label: 'Snooze a reminder', choices });
    }
    items.push({ type: 'separator' });
  }
  items.push(
    options.viewer
      ? { type: 'action', action: 'sync', label: `Background sync: ${VIEWER_SYNC_WORDS}`, enabled: false }
      : { type: 'action', action: 'sync', label: options.syncing ? 'Syncing…' : 'Sync now', enabled: !options.syncing },
    { type: 'action', action: 'open', label: 'Open Keywarden', enabled: true },
    { type: 'action', action: 'lock', label: lock.locked ? 'Locked' : 'Lock', enabled: !lock.locked },
    { type: 'separator' },
    { type: 'action', action: 'quit', label: 'Quit Keywarden', enabled: true },
  );
  const graceNote = graceWarnings.length > 0 ? `; ${graceWarnings.length} grace period${graceWarnings.length === 1 ? '' : 's'} ending with consumers not switched` : '';
  // A grace ending with consumers unswitched is due soon at least, whatever the reminders say.
  const icon = status.state === 'clear' && graceWarnings.length > 0 ? 'due-soon' : status.state;
  return { icon, tooltip: `Keywarden: ${summary}${graceNote}${lock.locked ? ' (locked)' : ''}`, items };
}
