/**
 * The desktop app's timed decisions, in Node with fake timers: the background sync (electron/core/desktop/
 * background-sync.ts: due by the oldest listable backend's last sync, skipped offline, locked or busy, never for a
 * team's viewer) and the idle
 * lock (idle-lock.ts: polled against the setting), plus the event fan-out they and the window share (events.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LockState } from '../../../shared/domain.js';
import { BACKGROUND_SYNC_CHECK_MS, BACKGROUND_SYNC_FIRST_CHECK_MS, BackgroundSync, backgroundSyncDecision } from '../../../electron/core/desktop/background-sync.js';
import { fanOutEvents } from '../../../electron/core/desktop/events.js';
import { IDLE_POLL_MS, IdleLock, lockAndAnnounce, shouldLockForIdle } from '../../../electron/core/desktop/idle-lock.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const listable = (lastSyncAt: string | null) => ({ capabilities: ['list' as const], lastSyncAt });
const manual = { capabilities: [] as Array<'list'>, lastSyncAt: null };

describe('when the background sync runs', () => {
  const decide = (overrides: Partial<Parameters<typeof backgroundSyncDecision>[0]>) =>
    backgroundSyncDecision({ now: NOW, backends: [listable(new Date(NOW - 7 * HOUR).toISOString())], intervalHours: 6, online: true, locked: false, busy: false, ...overrides });

  it('syncs once the oldest listable backend is older than the interval, or was never synced', () => {
    expect(decide({})).toEqual({ action: 'sync' });
    expect(decide({ backends: [listable(new Date(NOW - 5 * HOUR).toISOString())] })).toEqual({ action: 'wait', reason: 'not-due', dueAt: NOW + HOUR });
    expect(decide({ backends: [listable(new Date(NOW - HOUR).toISOString()), listable(null)] })).toEqual({ action: 'sync' });
    expect(decide({ intervalHours: 12 })).toMatchObject({ action: 'wait', reason: 'not-due' });
  });

  it('has nothing to sync without a listable backend (manual ones are never synced)', () => {
    expect(decide({ backends: [] })).toEqual({ action: 'wait', reason: 'nothing-to-sync' });
    expect(decide({ backends: [manual] })).toEqual({ action: 'wait', reason: 'nothing-to-sync' });
  });

  it('skips a due sync while offline, while Keywarden is locked, and while the last one still runs', () => {
    expect(decide({ online: false })).toEqual({ action: 'wait', reason: 'offline' });
    expect(decide({ locked: true })).toEqual({ action: 'wait', reason: 'locked' });
    expect(decide({ busy: true })).toEqual({ action: 'wait', reason: 'busy' });
  });

  it("never syncs for a viewer in a team home (the team's operators sync its backends), due or not; operators and admins sync as usual", () => {
    expect(decide({ teamRole: 'viewer' })).toEqual({ action: 'wait', reason: 'viewer' });
    expect(decide({ teamRole: 'viewer', backends: [listable(null)] })).toEqual({ action: 'wait', reason: 'viewer' });
    expect(decide({ teamRole: 'operator' })).toEqual({ action: 'sync' });
    expect(decide({ teamRole: 'admin' })).toEqual({ action: 'sync' });
    // A personal folder, or a team home whose role is not known yet: as before.
    expect(decide({ teamRole: null })).toEqual({ action: 'sync' });
  });

  describe('on its timer', () => {
    let online: boolean;
    let locked: boolean;
    let lastSyncAt: string | null;
    let syncs: number;
    let logs: string[];
    let finishSync: (() => void) | null;
    let sync: BackgroundSync;

    beforeEach(() => {
      vi.useFakeTimers({ now: NOW });
      online = true;
      locked = false;
      lastSyncAt = new Date(NOW - 7 * HOUR).toISOString();
      syncs = 0;
      logs = [];
      finishSync = null;
      sync = new BackgroundSync({
        engine: {
          listBackends: () => [listable(lastSyncAt)],
          settings: async () => ({ backgroundSyncHours: 6 }),
          lockState: () => ({ locked, since: null, reason: null, unlockWith: null }),
        },
        isOnline: () => online,
        sync: () => {
          syncs += 1;
          return new Promise<void>((resolve) => {
            finishSync = () => {
              lastSyncAt = new Date(Date.now()).toISOString();
              resolve();
            };
          });
        },
        log: (message) => logs.push(message),
      });
    });

    afterEach(() => {
      sync.stop();
      vi.useRealTimers();
    });

    it('checks shortly after start, then every few minutes, and syncs only when due', async () => {
      sync.start();
      await vi.advanceTimersByTimeAsync(BACKGROUND_SYNC_FIRST_CHECK_MS - 1);
      expect(syncs).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(syncs).toBe(1);
      // Still running at the next check: not started twice.
      await vi.advanceTimersByTimeAsync(BACKGROUND_SYNC_CHECK_MS);
      expect(syncs).toBe(1);
      finishSync?.();
      // Synced just now: not due again for 6 hours.
      await vi.advanceTimersByTimeAsync(5 * HOUR);
      expect(syncs).toBe(1);
      await vi.advanceTimersByTimeAsync(HOUR + BACKGROUND_SYNC_CHECK_MS);
      expect(syncs).toBe(2);
    });

    it('skips while offline or locked, saying why, and syncs once it can', async () => {
      online = false;
      sync.start();
      await vi.advanceTimersByTimeAsync(BACKGROUND_SYNC_FIRST_CHECK_MS);
      expect(syncs).toBe(0);
      expect(logs).toEqual(['background sync due but skipped: offline']);
      online = true;
      locked = true;
      await vi.advanceTimersByTimeAsync(BACKGROUND_SYNC_CHECK_MS);
      expect(syncs).toBe(0);
      expect(logs.at(-1)).toBe('background sync due but skipped: Keywarden is locked');
      locked = false;
      await vi.advanceTimersByTimeAsync(BACKGROUND_SYNC_CHECK_MS);
      expect(syncs).toBe(1);
    });

    it("a viewer's folder never syncs and says so once; approved as operator (the role a later pull brings), it syncs at the next check", async () => {
      let role: 'viewer' | 'operator' = 'viewer';
      const teamSync = new BackgroundSync({
        engine: {
          listBackends: () => [listable(lastSyncAt)],
          settings: async () => ({ backgroundSyncHours: 6 }),
          lockState: () => ({ locked: false, since: null, reason: null, unlockWith: null }),
          teamRole: () => role,
        },
        isOnline: () => true,
        sync: async () => {
          syncs += 1;
        },
        log: (message) => logs.push(message),
      });
      teamSync.start();
      await vi.advanceTimersByTimeAsync(BACKGROUND_SYNC_FIRST_CHECK_MS + 5 * BACKGROUND_SYNC_CHECK_MS);
      expect(syncs).toBe(0);
      expect(logs).toEqual(["background sync off: not for a viewer: the team's operators sync its backends"]);
      role = 'operator';
      await vi.advanceTimersByTimeAsync(BACKGROUND_SYNC_CHECK_MS);
      teamSync.stop();
      expect(syncs).toBe(1);
      expect(logs).toEqual(["background sync off: not for a viewer: the team's operators sync its backends", "background sync on again: this member may now sync the team's backends"]);
    });

    it('logs a failed sync and keeps checking', async () => {
      const failing = new BackgroundSync({
        engine: { listBackends: () => [listable(null)], settings: async () => ({ backgroundSyncHours: 1 }), lockState: () => ({ locked: false, since: null, reason: null, unlockWith: null }) },
        isOnline: () => true,
        sync: () => Promise.reject(new Error('vendor down')),
        log: (message) => logs.push(message),
      });
      failing.start();
      await vi.advanceTimersByTimeAsync(BACKGROUND_SYNC_FIRST_CHECK_MS + BACKGROUND_SYNC_CHECK_MS);
      failing.stop();
      expect(logs).toEqual(['background sync failed: vendor down', 'background sync failed: vendor down']);
    });
  });
});

describe('the idle lock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('locks once the machine has been idle for the setting', () => {
    expect(shouldLockForIdle(14 * 60 + 59, 15)).toBe(false);
    expect(shouldLockForIdle(15 * 60, 15)).toBe(true);
    expect(shouldLockForIdle(Number.NaN, 15)).toBe(false);
  });

  it('polls, locks with the reason "idle", announces it once, and stops', async () => {
    let state: LockState = { locked: false, since: null, reason: null, unlockWith: null };
    let idle = 0;
    const announced: LockState[] = [];
    const lock = new IdleLock({
      engine: {
        lock: (reason) => (state = { locked: true, since: new Date().toISOString(), reason, unlockWith: null }),
        lockState: () => state,
        settings: async () => ({ lockAfterIdleMinutes: 2 }),
      },
      events: { onLockChanged: (payload) => announced.push(payload) },
      idleSeconds: () => idle,
    });
    lock.start();
    idle = 60;
    await vi.advanceTimersByTimeAsync(IDLE_POLL_MS);
    expect(announced).toEqual([]);
    idle = 120;
    await vi.advanceTimersByTimeAsync(IDLE_POLL_MS);
    expect(announced).toEqual([expect.objectContaining({ locked: true, reason: 'idle' })]);
    await vi.advanceTimersByTimeAsync(IDLE_POLL_MS * 3);
    expect(announced).toHaveLength(1);
    lock.stop();
    state = { locked: false, since: null, reason: null, unlockWith: null };
    await vi.advanceTimersByTimeAsync(IDLE_POLL_MS * 3);
    expect(announced).toHaveLength(1);
  });

  it('announces every lock it makes', () => {
    const announced: LockState[] = [];
    const state = lockAndAnnounce(
      { lock: (reason) => ({ locked: true, since: '2026-03-01T12:00:00.000Z', reason, unlockWith: null }) },
      { onLockChanged: (payload) => announced.push(payload) },
      'screen',
    );
    expect(announced).toEqual([state]);
  });
});

describe('the event fan-out', () => {
  it('tells every listener of an event, even when one of them throws', () => {
    const heard: string[] = [];
    const logs: string[] = [];
    const sink = fanOutEvents(
      [
        {
          onOpenKey: () => {
            throw new Error('window gone');
          },
        },
        { onOpenKey: ({ ref }) => heard.push(ref) },
        {},
      ],
      (message) => logs.push(message),
    );
    sink.onOpenKey({ ref: 'hand/k1' });
    sink.onSyncProgress({ backend: 'hand', phase: 'done', keys: 0, pages: 0, error: null });
    expect(heard).toEqual(['hand/k1']);
    expect(logs).toEqual(['a listener of onOpenKey failed: window gone']);
  });
});
