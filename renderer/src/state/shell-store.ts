/**
 * What every view shares: which host serves the console (and whether it holds the demo's data), a counter that
 * moves whenever the engine says the inventory or what is due changed (views that keep their own data reload
 * on it), and the first run's demo. Views with data of their own (backends, reminders, audit) create their
 * store from the same ContractClient (`useClient()`), and reload when `changes` moves.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { HostInfo, LockState } from '../../../shared/domain.js';
import { messageOf } from './inventory-store.js';

export interface ShellState {
  host: HostInfo | null;
  /** Moves on every onInventoryChanged / onRemindersChanged (coalesced). */
  changes: number;
  startingDemo: boolean;
  demoError: string | null;
  /** Keywarden's own lock: while locked, no secret is revealed or copied (the engine refuses). */
  lock: LockState | null;
  lockError: string | null;
  load: () => Promise<void>;
  lockNow: () => Promise<void>;
  unlock: () => Promise<void>;
  /** The host says the lock changed (idle time, the screen lock, another window). */
  lockChanged: (state: LockState) => void;
  changed: () => void;
  startDemo: () => Promise<void>;
}

export type ShellStore = StoreApi<ShellState>;

export function createShellStore(client: ContractClient): ShellStore {
  return createStore<ShellState>()((set, get) => ({
    host: null,
    changes: 0,
    startingDemo: false,
    demoError: null,
    lock: null,
    lockError: null,

    async load() {
      const [host, lock] = await Promise.allSettled([client['host:info'](), client['vault:lockstate']()]);
      // Either may be missing on an older host: the console works, only without the demo offer or the lock button.
      if (host.status === 'fulfilled') set({ host: host.value });
      if (lock.status === 'fulfilled') set({ lock: lock.value });
    },

    async lockNow() {
      try {
        set({ lock: await client['vault:lock'](), lockError: null });
      } catch (error) {
        set({ lockError: messageOf(error) });
      }
    },

    async unlock() {
      try {
        set({ lock: await client['vault:unlock'](), lockError: null });
      } catch (error) {
        set({ lockError: messageOf(error) });
      }
    },

    lockChanged(lock) {
      set({ lock, lockError: null });
    },

    changed() {
      set((state) => ({ changes: state.changes + 1 }));
    },

    async startDemo() {
      if (get().startingDemo) return;
      set({ startingDemo: true, demoError: null });
      try {
        set({ host: await client['demo:start'](), startingDemo: false });
        get().changed();
      } catch (error) {
        set({ startingDemo: false, demoError: messageOf(error) });
      }
    },
  }));
}
