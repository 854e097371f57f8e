/**
 * The vault view's state: how this data folder's key is opened (`vault:status`: the OS keychain's entry and its
 * state, the passphrase slot, how much is sealed) and the passphrase dialog's progress. The passphrases themselves
 * never enter this store: the dialog holds them in its fields and hands them to `changePassphrase` once.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { LockState, VaultState } from '../../../shared/domain.js';
import { messageOf } from './inventory-store.js';

export interface VaultViewState {
  status: VaultState | null;
  loadError: string | null;
  dialogOpen: boolean;
  busy: boolean;
  /** The engine's refusal of the last change (a wrong current passphrase...), shown in the dialog. */
  dialogError: string | null;
  /** What the last change did, in words, shown on the view after the dialog closes. */
  done: string | null;
  load: () => Promise<void>;
  openDialog: () => void;
  closeDialog: () => void;
  /** Adds the passphrase, or replaces it (then `current` is required by the engine); the lock state comes back. */
  changePassphrase: (passphrase: string, current?: string) => Promise<LockState | null>;
}

export type VaultViewStore = StoreApi<VaultViewState>;

export function createVaultStore(client: ContractClient): VaultViewStore {
  return createStore<VaultViewState>()((set, get) => ({
    status: null,
    loadError: null,
    dialogOpen: false,
    busy: false,
    dialogError: null,
    done: null,

    async load() {
      try {
        set({ status: await client['vault:status'](), loadError: null });
      } catch (error) {
        set({ loadError: messageOf(error) });
      }
    },

    openDialog() {
      set({ dialogOpen: true, dialogError: null, busy: false, done: null });
    },

    closeDialog() {
      set({ dialogOpen: false, dialogError: null, busy: false });
    },

    async changePassphrase(passphrase, current) {
      if (get().busy) return null;
      const replacing = get().status?.passphraseSlot != null;
      set({ busy: true, dialogError: null });
      try {
        const lock = await client['vault:passphrase'](current === undefined ? { passphrase } : { passphrase, current });
        set({
          busy: false,
          dialogOpen: false,
          done: replacing ? 'The passphrase was changed: unlocking now asks for the new one.' : 'The passphrase was added: unlocking now asks for it.',
        });
        await get().load();
        return lock;
      } catch (error) {
        set({ busy: false, dialogError: messageOf(error) });
        return null;
      }
    },
  }));
}
