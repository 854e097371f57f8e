/**
 * What every view shares: which host serves the console (and whether it holds the demo's data), a counter that
 * moves whenever the engine says the inventory or what is due changed (views that keep their own data reload
 * on it), and the first run's demo. Views with data of their own (backends, reminders, audit) create their
 * store from the same ContractClient (`useClient()`), and reload when `changes` moves.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { HostInfo } from '../../../shared/domain.js';
import { messageOf } from './inventory-store.js';

export interface ShellState {
  host: HostInfo | null;
  /** Moves on every onInventoryChanged / onRemindersChanged (coalesced). */
  changes: number;
  startingDemo: boolean;
  demoError: string | null;
  load: () => Promise<void>;
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

    async load() {
      try {
        set({ host: await client['host:info']() });
      } catch {
        // An older host without host:info: the console works, only without the demo offer and the folder's name.
      }
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
