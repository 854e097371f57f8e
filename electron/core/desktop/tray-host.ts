/**
 * Whether the tray icon can be seen, and so what closing the window does.
 *
 * On Linux Electron's Tray is a StatusNotifierItem over D-Bus (since Electron 8, electron#21445, following Chromium);
 * it is shown only where a host has registered `org.kde.StatusNotifierWatcher` on the session bus: KDE Plasma, Xfce,
 * Cinnamon and most panels do, stock GNOME Shell does not (GNOME dropped status icons in 3.26; the "AppIndicator and
 * KStatusNotifierItem Support" extension adds the host). Without a host the icon is created and never shown
 * (nothing checks for one: i3-gnome#59), so a window hidden "to the tray" would leave Keywarden running with nothing
 * on screen. So on Linux closing the window hides it only while a host owns that name; otherwise it minimises, and
 * the log says once how to get a tray. macOS (the menu bar) and Windows (the notification area) always show it.
 *
 * The answer is kept current: the bus is asked once at start, and `NameOwnerChanged` for the name is followed, so an
 * extension enabled (or GNOME Shell restarted) while Keywarden runs counts at the next close. The close handler
 * reads the last answer synchronously, as it must decide before Electron's 'close' event returns.
 */
import type { DbusBus, DbusMonitor, DbusSignal, DbusTools } from './dbus.js';

export const STATUS_NOTIFIER_WATCHER = 'org.kde.StatusNotifierWatcher';

const APPINDICATOR_HINT = 'On GNOME the "AppIndicator and KStatusNotifierItem Support" extension (package gnome-shell-extension-appindicator) gives Keywarden a tray';

export const NO_TRAY_HOST_MESSAGE = `no tray on this desktop (nothing owns org.kde.StatusNotifierWatcher on the session bus, as on stock GNOME): closing the window minimises it instead of hiding it to the tray. ${APPINDICATOR_HINT}`;

const CANNOT_TELL_MESSAGE = `whether this desktop shows a tray cannot be told (no dbus-send, or no session bus): closing the window minimises it instead of hiding it to the tray. ${APPINDICATOR_HINT}`;

export type CloseAction = 'hide' | 'minimize';

/**
 * What the window's close button does. `trayHost` is whether a StatusNotifierItem host is there (Linux), null when
 * it cannot be told (no dbus-send, no session bus): hiding is chosen only where the icon is known to be shown.
 */
export function closeAction(platform: NodeJS.Platform, trayHost: boolean | null): CloseAction {
  if (platform !== 'linux') return 'hide';
  return trayHost === true ? 'hide' : 'minimize';
}

/** The match rule for the name's owner changing (the bus daemon's own signal, for this name only). */
export function trayHostRules(): string[] {
  return [`type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${STATUS_NOTIFIER_WATCHER}'`];
}

/** NameOwnerChanged(name, old owner, new owner) for the watcher's name: whether it now has an owner; null if another signal. */
export function hostFromSignal(signal: DbusSignal): boolean | null {
  if (signal.interface !== 'org.freedesktop.DBus' || signal.member !== 'NameOwnerChanged') return null;
  if (signal.args[0] !== JSON.stringify(STATUS_NOTIFIER_WATCHER) || signal.args.length < 3) return null;
  // dbus-monitor prints strings quoted: the new owner is "" when the name was released.
  return signal.args[2] !== '""';
}

export interface TrayHostWatch {
  /** Whether a host owns the name now: true, false, or null until the bus has answered (or when it cannot). */
  present(): boolean | null;
  /** Resolves once the first answer is in (the query at start, or a signal before it). */
  readonly ready: Promise<void>;
  stop(): void;
}

export interface TrayHostWatchOptions {
  dbus: DbusTools;
  /** The session bus; tests give their private one. */
  bus?: DbusBus;
  log: (message: string) => void;
}

/** Asks the session bus whether a StatusNotifierItem host is there, and follows it changing, until stopped. Linux only. */
export function watchTrayHost(options: TrayHostWatchOptions): TrayHostWatch {
  const bus = options.bus ?? 'session';
  let present: boolean | null = null;
  let heardSignal = false;
  let toldNoHost = false;
  const update = (value: boolean | null) => {
    present = value;
    if (value !== true && !toldNoHost) {
      toldNoHost = true;
      options.log(value === false ? NO_TRAY_HOST_MESSAGE : CANNOT_TELL_MESSAGE);
    }
  };
  const monitor: DbusMonitor = options.dbus.monitor(bus, trayHostRules(), (signal) => {
    const host = hostFromSignal(signal);
    if (host === null) return;
    heardSignal = true;
    update(host);
  });
  // Asked after the monitor started, so a change meanwhile is not missed; a signal that came first is newer than the answer.
  const ready = options.dbus.nameHasOwner(bus, STATUS_NOTIFIER_WATCHER).then((owned) => {
    if (!heardSignal) update(owned);
  });
  return { present: () => present, ready, stop: () => monitor.stop() };
}
