/**
 * Keywarden's automatic lock in the desktop app: after the machine has been idle for the `lockAfterIdleMinutes`
 * setting (polled, since the OS reports idle time but sends no event for it), and when the screen locks
 * (electron/main/lock.ts listens for that). Locking is the engine's (reveal and copy refused, the data key dropped
 * from memory); this module decides when, and announces the new state so the window hides what it revealed.
 */
import type { LockState, Settings } from '../../../shared/domain.js';
import type { ContractEventSink } from '../contract-handlers.js';

export const IDLE_POLL_MS = 30 * 1000;

/** Whether `idleSeconds` of inactivity reach the setting. */
export function shouldLockForIdle(idleSeconds: number, lockAfterMinutes: number): boolean {
  return Number.isFinite(idleSeconds) && idleSeconds >= lockAfterMinutes * 60;
}

/** Locks the engine and tells the window (and the tray): one path for the tray's Lock, idle time and the screen lock. */
export function lockAndAnnounce(
  engine: { lock(reason: 'manual' | 'idle' | 'screen'): LockState },
  events: Pick<ContractEventSink, 'onLockChanged'>,
  reason: 'manual' | 'idle' | 'screen',
): LockState {
  const state = engine.lock(reason);
  events.onLockChanged(state);
  return state;
}

export interface IdleLockOptions {
  engine: { lock(reason: 'manual' | 'idle' | 'screen'): LockState; lockState(): LockState; settings(): Promise<Pick<Settings, 'lockAfterIdleMinutes'>> };
  events: Pick<ContractEventSink, 'onLockChanged'>;
  /** Seconds since the last keyboard or mouse input (Electron's `powerMonitor.getSystemIdleTime()`). */
  idleSeconds: () => number;
  pollMs?: number;
  log?: (message: string) => void;
}

export class IdleLock {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly options: IdleLockOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.options.pollMs ?? IDLE_POLL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One poll: locks (and returns true) when idle long enough and not locked yet. */
  async check(): Promise<boolean> {
    try {
      if (this.options.engine.lockState().locked) return false;
      const { lockAfterIdleMinutes } = await this.options.engine.settings();
      if (!shouldLockForIdle(this.options.idleSeconds(), lockAfterIdleMinutes)) return false;
      lockAndAnnounce(this.options.engine, this.options.events, 'idle');
      return true;
    } catch (error) {
      this.options.log?.(`idle lock check failed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }
}
