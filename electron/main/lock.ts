/**
 * When the desktop app locks Keywarden: the tray's Lock (and the console's, through the contract's `vault:lock`),
 * after the `lockAfterIdleMinutes` setting of idle time (electron/core/desktop/idle-lock.ts, polling
 * `powerMonitor.getSystemIdleTime()`), and when the screen locks (`powerMonitor` 'lock-screen'). Each path is
 * `engine.lock(reason)` followed by the `onLockChanged` event, so the console hides what it revealed and the tray
 * says so. While locked the engine refuses reveal and copy, whoever asks; the inventory, reminders and tray go on.
 */
import { powerMonitor } from 'electron';
import type { LockState, Settings } from '../../shared/domain.js';
import type { ContractEventSink } from '../core/contract-handlers.js';
import { IdleLock, lockAndAnnounce } from '../core/desktop/idle-lock.js';

export interface LockWatchOptions {
  engine: { lock(reason: 'manual' | 'idle' | 'screen'): LockState; lockState(): LockState; settings(): Promise<Pick<Settings, 'lockAfterIdleMinutes'>> };
  events: Pick<ContractEventSink, 'onLockChanged'>;
  pollMs?: number;
  log: (message: string) => void;
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
    log: options.log,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
  });
  const onScreenLocked = () => {
    try {
      lockAndAnnounce(options.engine, options.events, 'screen');
    } catch (error) {
      options.log(`could not lock on the screen lock: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  powerMonitor.on('lock-screen', onScreenLocked);
  idle.start();
  return {
    lockNow: () => lockAndAnnounce(options.engine, options.events, 'manual'),
    checkIdle: () => idle.check(),
    stop: () => {
      idle.stop();
      powerMonitor.removeListener('lock-screen', onScreenLocked);
    },
  };
}
