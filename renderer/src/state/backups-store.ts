/**
 * The backups view's state: the rolling backups (each checked by the engine), making one now, and restoring one
 * after the administrator confirmed (the engine backs the current state up first, then restores). A backup is
 * named by its file name only: the page never chooses a path.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient, ContractResult } from '../../../shared/contract.js';
import { messageOf } from './inventory-store.js';

export type BackupListing = ContractResult<'store:backups'>[number];
export type RestoreDone = ContractResult<'store:restore'>;

export interface BackupsState {
  backups: BackupListing[] | null;
  loadError: string | null;
  making: boolean;
  /** The backup just made (its name), or the refusal. */
  made: { name: string } | null;
  makeError: string | null;
  /** The backup the confirmation dialog is open for. */
  confirming: BackupListing | null;
  restoring: boolean;
  restoreError: string | null;
  restored: RestoreDone | null;
  load: () => Promise<void>;
  makeNow: () => Promise<void>;
  askRestore: (backup: BackupListing) => void;
  cancelRestore: () => void;
  restore: () => Promise<void>;
}

export type BackupsStore = StoreApi<BackupsState>;

const baseName = (path: string) => path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);

export function createBackupsStore(client: ContractClient): BackupsStore {
  return createStore<BackupsState>()((set, get) => ({
    backups: null,
    loadError: null,
    making: false,
    made: null,
    makeError: null,
    confirming: null,
    restoring: false,
    restoreError: null,
    restored: null,

    async load() {
      try {
        set({ backups: await client['store:backups'](), loadError: null });
      } catch (error) {
        set({ loadError: messageOf(error) });
      }
    },

    async makeNow() {
      if (get().making) return;
      set({ making: true, made: null, makeError: null, restored: null });
      try {
        const { path } = await client['store:backup']();
        set({ making: false, made: { name: baseName(path) } });
        await get().load();
      } catch (error) {
        set({ making: false, makeError: messageOf(error) });
      }
    },

    askRestore(backup) {
      set({ confirming: backup, restoreError: null, restoring: false });
    },

    cancelRestore() {
      if (!get().restoring) set({ confirming: null, restoreError: null });
    },

    async restore() {
      const backup = get().confirming;
      if (!backup || get().restoring) return;
      set({ restoring: true, restoreError: null, made: null, makeError: null });
      try {
        const restored = await client['store:restore']({ name: backup.name });
        set({ restoring: false, confirming: null, restored });
        await get().load();
      } catch (error) {
        set({ restoring: false, restoreError: messageOf(error) });
        await get().load();
      }
    },
  }));
}
