/**
 * What every view shares: which host serves the console (and whether it holds the demo's data), a counter that
 * moves whenever the engine says the inventory or what is due changed (views that keep their own data reload
 * on it), and the first run's demo. Views with data of their own (backends, reminders, audit) create their
 * store from the same ContractClient (`useClient()`), and reload when `changes` moves.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { HostInfo, LockState } from '../../../shared/domain.js';
import { needsPassphrase } from '../contract/vault-guard.js';
import { messageOf } from './inventory-store.js';

export interface ShellState {
  host: HostInfo | null;
  /** Moves on every onInventoryChanged / onRemindersChanged (coalesced). */
  changes: number;
  startingDemo: boolean;
  demoError: string | null;
  /** Keywarden's own lock: while locked, nothing uses a secret (the engine refuses). */
  lock: LockState | null;
  lockError: string | null;
  /**
   * The passphrase dialog: `unlock` asks for the data folder's passphrase (to unlock, or to open the vault where no
   * keychain holds its key), `require` sets one so that unlocking asks for it. The passphrase itself is never kept
   * here: the dialog holds it in its field and hands it to the engine once.
   */
  passphraseDialog: 'unlock' | 'require' | null;
  passphraseError: string | null;
  passphraseBusy: boolean;
  load: () => Promise<void>;
  lockNow: () => Promise<void>;
  /** Unlocks; where unlocking needs the passphrase and none is given, opens the dialog instead. */
  unlock: (passphrase?: string) => Promise<void>;
  askPassphrase: (dialog: 'unlock' | 'require') => void;
  closePassphrase: () => void;
  requirePassphrase: (passphrase: string) => Promise<void>;
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
    passphraseDialog: null,
    passphraseError: null,
    passphraseBusy: false,

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

    async unlock(passphrase) {
      if (passphrase === undefined && get().lock?.unlockWith === 'passphrase') {
        get().askPassphrase('unlock');
        return;
      }
      if (passphrase !== undefined) set({ passphraseBusy: true, passphraseError: null });
      try {
        const lock = await (passphrase === undefined ? client['vault:unlock']() : client['vault:unlock']({ passphrase }));
        set({ lock, lockError: null, passphraseDialog: null, passphraseBusy: false, passphraseError: null });
      } catch (error) {
        if (needsPassphrase(error)) get().askPassphrase('unlock');
        else if (passphrase !== undefined) set({ passphraseBusy: false, passphraseError: messageOf(error) });
        else set({ lockError: messageOf(error) });
      }
    },

    askPassphrase(dialog) {
      set({ passphraseDialog: dialog, passphraseError: null, passphraseBusy: false });
    },

    closePassphrase() {
      set({ passphraseDialog: null, passphraseError: null, passphraseBusy: false });
    },

    async requirePassphrase(passphrase) {
      set({ passphraseBusy: true, passphraseError: null });
      try {
        const lock = await client['vault:passphrase']({ passphrase });
        set({ lock, passphraseDialog: null, passphraseBusy: false });
      } catch (error) {
        set({ passphraseBusy: false, passphraseError: messageOf(error) });
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
