/**
 * The screen lock on Linux, which Electron does not report: `powerMonitor`'s 'lock-screen' event is macOS and
 * Windows only (Electron's powerMonitor docs), and the idle time it reports is unreliable there (0 on GNOME under
 * Wayland, electron#34826; keyboard-only use counted as idle on Wayland, electron#27912). So the session's own
 * signals are followed over D-Bus (dbus.ts):
 *
 * - org.freedesktop.login1.Session `Lock` on the system bus, for this session's object path: what
 *   `loginctl lock-session` and the lock key ask of every desktop (systemd-logind's D-Bus API);
 * - `ActiveChanged(true)` of org.freedesktop.ScreenSaver (KDE, Xfce, and GNOME's compatibility interface) and of
 *   org.gnome.ScreenSaver (GNOME Shell), on the session bus: the screen shield came up.
 *
 * The rules match the interface, member and path, not the sender: the name is owned by different programs on
 * different desktops, and a forged signal can only lock Keywarden, which the tray's Lock does anyway.
 */
import type { DbusBus, DbusMonitor, DbusSignal, DbusTools } from './dbus.js';

export const SCREENSAVER_INTERFACES = ['org.freedesktop.ScreenSaver', 'org.gnome.ScreenSaver'] as const;

/**
 * systemd's object path of a login session: /org/freedesktop/login1/session/ and the id escaped as sd_bus_path_encode
 * does (every character other than [A-Za-z0-9], and a leading digit, as _ and two hex digits): "2" is "_32".
 */
export function login1SessionPath(sessionId: string): string {
  let escaped = '';
  for (const [index, char] of [...sessionId].entries()) {
    const plain = /[A-Za-z0-9]/.test(char) && !(index === 0 && /[0-9]/.test(char));
    escaped += plain ? char : `_${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  }
  return `/org/freedesktop/login1/session/${escaped}`;
}

/** The match rules: the session bus's screensavers, and the system bus's login session (when we know ours). */
export function sessionLockRules(sessionId: string | undefined): { session: string[]; system: string[] } {
  return {
    session: SCREENSAVER_INTERFACES.map((name) => `type='signal',interface='${name}',member='ActiveChanged'`),
    system: sessionId ? [`type='signal',interface='org.freedesktop.login1.Session',member='Lock',path='${login1SessionPath(sessionId)}'`] : [],
  };
}

/** Whether a signal says the session is now locked. */
export function isLockSignal(signal: DbusSignal, sessionId: string | undefined): boolean {
  if (signal.interface === 'org.freedesktop.login1.Session') return signal.member === 'Lock' && sessionId !== undefined && signal.path === login1SessionPath(sessionId);
  if ((SCREENSAVER_INTERFACES as readonly string[]).includes(signal.interface)) return signal.member === 'ActiveChanged' && signal.args[0] === 'true';
  return false;
}

export interface SessionLockWatchOptions {
  dbus: DbusTools;
  /** XDG_SESSION_ID: which login1 session is ours (unset outside a logind session: then only the screensavers). */
  sessionId: string | undefined;
  onLocked: (source: string) => void;
  log: (message: string) => void;
  /** The buses, replaced by the tests' private one. */
  sessionBus?: DbusBus;
  systemBus?: DbusBus;
}

/** Follows the session's lock signals until stopped. Linux only: the caller decides (lock.ts). */
export function watchSessionLock(options: SessionLockWatchOptions): { stop(): void } {
  const rules = sessionLockRules(options.sessionId);
  const monitors: DbusMonitor[] = [];
  const onSignal = (signal: DbusSignal) => {
    if (isLockSignal(signal, options.sessionId)) options.onLocked(`${signal.interface}.${signal.member}`);
  };
  const onExit = (bus: string) => (reason: string) => options.log(`the ${bus} bus's lock signals are not followed (${reason}); Keywarden locks on the idle time and the idle state instead`);
  monitors.push(options.dbus.monitor(options.sessionBus ?? 'session', rules.session, onSignal, onExit('session')));
  if (rules.system.length > 0) monitors.push(options.dbus.monitor(options.systemBus ?? 'system', rules.system, onSignal, onExit('system')));
  return {
    stop: () => {
      for (const monitor of monitors) monitor.stop();
    },
  };
}
