/**
 * What the console writes about keys, beside the vendor workflows: a manual key added (`manual:add`) or its dates
 * edited (`manual:edit`), any key's description (`key:describe`: owner, environment, tags, notes), and a key's named
 * consumers (`consumers:list` / `consumers:set`, the list its rotations tick off). Like every store it calls only the
 * ContractClient it was created with.
 *
 * The engine's rules are the truth: nothing here checks a date, a tag or a test URL. A refusal is kept as the engine
 * words it, with the field it names (`details.field`), so the form shows it under that field.
 *
 * Secrets: a manual key's secret passes through `addManualKey`'s argument to `manual:add`, once; it is never put in
 * the state, and a failure's message is the engine's, which never contains it.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractArgs, ContractClient } from '../../../shared/contract.js';
import type { Key, KeyDescriptionChange, NewManualKeyInput } from '../../../shared/domain.js';
import { messageOf } from './inventory-store.js';

/** One form's request: running, or the engine's refusal with the field it is about (null: the form as a whole). */
export interface FormRequest {
  /** The key the request is about (null for an add). */
  ref: string | null;
  running: boolean;
  error: string | null;
  field: string | null;
}

export interface ConsumersState {
  ref: string | null;
  /** The key's consumers as the engine last answered; null until loaded. */
  names: string[] | null;
  loading: boolean;
  saving: boolean;
  error: string | null;
}

export type ManualKeyChanges = ContractArgs<'manual:edit'>[1];

export interface KeyEditState {
  add: FormRequest;
  edit: FormRequest;
  describe: FormRequest;
  consumers: ConsumersState;

  /** Adds a manual key; the new key, or null with `add.error`. The secret in `input` goes to the engine and nowhere else. */
  addManualKey: (backend: string, input: NewManualKeyInput) => Promise<Key | null>;
  /** Changes a manual key's dates; the key as it is now, or null with `edit.error`. */
  editManualKey: (ref: string, changes: ManualKeyChanges) => Promise<Key | null>;
  /** Changes any key's description; the key as it is now, or null with `describe.error`. */
  describeKey: (ref: string, change: KeyDescriptionChange) => Promise<Key | null>;
  /** Forgets a form's refusal (it was cancelled or opened again). */
  resetForm: (form: 'add' | 'edit' | 'describe') => void;
  loadConsumers: (ref: string) => Promise<void>;
  addConsumer: (ref: string, name: string) => Promise<boolean>;
  removeConsumer: (ref: string, name: string) => Promise<boolean>;
}

export type KeyEditStore = StoreApi<KeyEditState>;

export const IDLE_FORM: FormRequest = { ref: null, running: false, error: null, field: null };
const NO_CONSUMERS: ConsumersState = { ref: null, names: null, loading: false, saving: false, error: null };

/** The field an engine refusal names (`details.field`), from the contract client's error (HTTP or IPC); else null. */
export function fieldOf(error: unknown): string | null {
  const details = (error as { details?: unknown } | null)?.details;
  if (typeof details !== 'object' || details === null) return null;
  const field = (details as Record<string, unknown>).field;
  return typeof field === 'string' ? field : null;
}

export function createKeyEditStore(client: ContractClient): KeyEditStore {
  return createStore<KeyEditState>()((set, get) => {
    /** Runs one form's request: one at a time per form, the refusal kept with its field. */
    const request = async <T>(form: 'add' | 'edit' | 'describe', ref: string | null, call: () => Promise<T>): Promise<T | null> => {
      if (get()[form].running) return null;
      set({ [form]: { ref, running: true, error: null, field: null } });
      try {
        const result = await call();
        set({ [form]: IDLE_FORM });
        return result;
      } catch (error) {
        set({ [form]: { ref, running: false, error: messageOf(error), field: fieldOf(error) } });
        return null;
      }
    };

    const saveConsumers = async (ref: string, names: string[]): Promise<boolean> => {
      if (get().consumers.saving) return false;
      set((state) => ({ consumers: { ...state.consumers, ref, saving: true, error: null } }));
      try {
        const saved = await client['consumers:set'](ref, names);
        if (get().consumers.ref === ref) set({ consumers: { ref, names: saved, loading: false, saving: false, error: null } });
        return true;
      } catch (error) {
        if (get().consumers.ref === ref) set((state) => ({ consumers: { ...state.consumers, saving: false, error: messageOf(error) } }));
        return false;
      }
    };

    return {
      add: IDLE_FORM,
      edit: IDLE_FORM,
      describe: IDLE_FORM,
      consumers: NO_CONSUMERS,

      addManualKey: (backend, input) => request('add', null, () => client['manual:add'](backend, input)),
      editManualKey: (ref, changes) => request('edit', ref, () => client['manual:edit'](ref, changes)),
      describeKey: (ref, change) => request('describe', ref, () => client['key:describe'](ref, change)),

      resetForm(form) {
        if (!get()[form].running) set({ [form]: IDLE_FORM });
      },

      async loadConsumers(ref) {
        // Another key starts from nothing; the same key keeps its list on screen while it reloads.
        set((state) => ({ consumers: state.consumers.ref === ref ? { ...state.consumers, loading: true } : { ...NO_CONSUMERS, ref, loading: true } }));
        try {
          const names = await client['consumers:list'](ref);
          if (get().consumers.ref === ref) set((state) => ({ consumers: { ...state.consumers, names, loading: false, error: null } }));
        } catch (error) {
          if (get().consumers.ref === ref) set((state) => ({ consumers: { ...state.consumers, loading: false, error: messageOf(error) } }));
        }
      },

      async addConsumer(ref, name) {
        const current = get().consumers.ref === ref ? (get().consumers.names ?? []) : [];
        // The engine trims, checks and de-duplicates: the name goes as typed.
        return saveConsumers(ref, [...current, name]);
      },

      async removeConsumer(ref, name) {
        const current = get().consumers.ref === ref ? (get().consumers.names ?? []) : [];
        return saveConsumers(
          ref,
          current.filter((candidate) => candidate !== name),
        );
      },
    };
  });
}
