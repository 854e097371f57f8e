/**
 * When the desktop app locks Keywarden: the tray's Lock (and the console's, through the contract's `vault:lock`),
 * after the `lockAfterIdleMinutes` setting of idle time (electron/core/desktop/idle-lock.ts, polling
 * `powerMonitor.getSystemIdleTime()`), and when the screen locks or the machine sleeps:
 *
 * - `powerMonitor` 'lock-screen' (macOS, Windows only, per Electron's powerMonitor docs);
 * - `powerMonitor` 'suspend' (every platform): a machine put to sleep is a machine left;
 * - `powerMonitor.getSystemIdleState()` answering 'locked' at the idle poll (where the platform supports it);
 * - on Linux, the session's own lock signals over D-Bus (electron/core/desktop/session-lock.ts), since Electron
 *   reports neither the screen lock nor, on GNOME/Wayland, a usable idle time there (electron#34826, #27912).
 *
 * Each path is `engine.lock(reason)` followed by the `onLockChanged` event, so the console hides what it revealed
 * and the tray says so. While locked the engine refuses reveal and copy, whoever asks; the inventory, reminders and
 * tray go on.
 */
import { powerMonitor } from 'electron';
import type { LockState, Settings } from '../../shared/domain.js';
import type { ContractEventSink } from '../core/contract-handlers.js';
import { dbusTools, type DbusBus, type DbusTools } from '../core/desktop/dbus.js';
import { IdleLock, lockAndAnnounce } from '../core/desktop/idle-lock.js';
import { watchSessionLock } from '../core/desktop/session-lock.js';

export interface LockWatchOptions {
  engine: { lock(reason: 'manual' | 'idle' | 'screen'): LockState; lockState(): LockState; settings(): Promise<Pick<Settings, 'lockAfterIdleMinutes'>> };
  events: Pick<ContractEventSink, 'onLockChanged'>;
  pollMs?: number;
  log: (message: string) => void;
  /** Linux's session lock over D-Bus; tests give their private bus. Default: on Linux, the real session and system buses. */
  sessionLock?: { dbus?: DbusTools; sessionId?: string | undefined; sessionBus?: DbusBus; systemBus?: DbusBus } | false;
  platform?: NodeJS.Platform;
}

export interface LockWatch {
  /** The tray's Lock. */
  lockNow(): LockState;
  /** One idle check now (the tests call it; the timer calls it every 30 s). */
  checkIdle(): Promise<boolean>;
  stop(): void;
}

export function watchLock(options: LockWatchOptions): LockWatch {
  const idle = new IdleLock({
    engine: options.engine,
    events: options.events,
    idleSeconds: () => powerMonitor.getSystemIdleTime(),
    idleState: (threshold) => powerMonitor.getSystemIdleState(threshold),
    log: options.log,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
  });
  const lockFor = (what: string) => () => {
    try {
      // Already locked (the screen lock after a suspend, both D-Bus signals): nothing to announce again.
      if (options.engine.lockState().locked) return;
      lockAndAnnounce(options.engine, options.events, 'screen');
    } catch (error) {
      options.log(`could not lock on ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const onScreenLocked = lockFor('the screen lock');
  const onSuspend = lockFor('suspend');
  powerMonitor.on('lock-screen', onScreenLocked);
  powerMonitor.on('suspend', onSuspend);
  const platform = options.platform ?? process.platform;
  const session =
    platform === 'linux' && options.sessionLock !== false
      ? watchSessionLock({
          dbus: options.sessionLock?.dbus ?? dbusTools(),
          sessionId: options.sessionLock && 'sessionId' in options.sessionLock ? options.sessionLock.sessionId : process.env.XDG_SESSION_ID,
          onLocked: lockFor('the session lock'),
          log: options.log,
          ...(options.sessionLock?.sessionBus ? { sessionBus: options.sessionLock.sessionBus } : {}),
          ...(options.sessionLock?.systemBus ? { systemBus: options.sessionLock.systemBus } : {}),
        })
      : null;
  idle.start();
  return {
    lockNow: () => lockAndAnnounce(options.engine, options.events, 'manual'),
    checkIdle: () => idle.check(),
    stop: () => {
      idle.stop();
      session?.stop();
      powerMonitor.removeListener('lock-screen', onScreenLocked);
      powerMonitor.removeListener('suspend', onSuspend);
    },
  };
}
