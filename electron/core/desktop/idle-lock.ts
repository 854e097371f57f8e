/**
 * Keywarden's automatic lock in the desktop app: after the machine has been idle for the `lockAfterIdleMinutes`
 * setting (polled, since the OS reports idle time but sends no event for it), and when the screen locks (the same
 * poll asks the idle state for 'locked'; electron/main/lock.ts also listens for the screen lock's events, the
 * session's D-Bus signals on Linux (session-lock.ts) and the machine going to sleep). Locking is the engine's (reveal and copy refused, the data key dropped
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
  /**
   * The system's state against a threshold in seconds (Electron's `powerMonitor.getSystemIdleState()`): 'locked'
   * means the screen is locked ("on supported systems only", the powerMonitor docs say), which the poll treats as
   * the screen lock where no event told of it (Linux has no 'lock-screen' event).
   */
  idleState?: (thresholdSeconds: number) => 'active' | 'idle' | 'locked' | 'unknown';
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

  /** One poll: locks (and returns true) when the screen is locked, or idle long enough, and not locked yet. */
  async check(): Promise<boolean> {
    try {
      if (this.options.engine.lockState().locked) return false;
      const { lockAfterIdleMinutes } = await this.options.engine.settings();
      if (this.options.idleState?.(lockAfterIdleMinutes * 60) === 'locked') {
        lockAndAnnounce(this.options.engine, this.options.events, 'screen');
        return true;
      }
      if (!shouldLockForIdle(this.options.idleSeconds(), lockAfterIdleMinutes)) return false;
      lockAndAnnounce(this.options.engine, this.options.events, 'idle');
      return true;
    } catch (error) {
      this.options.log?.(`idle lock check failed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }
}
