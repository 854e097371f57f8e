/**
 * The settings view's state: the preferences as the engine has them, each field's mistake, and the last save's
 * confirmation. A value is checked with the shared schema (admin/fields.ts) before it is sent, and the engine checks
 * it again; on a refusal the stored value stays. `onSaved` tells the rest of the console (the inventory's reveal
 * timer reads `revealHideSeconds`), so a change takes effect without a reload.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { Settings } from '../../../shared/domain.js';
import { parseSetting, type SettingField, type SettingName, showValue, valueInWords } from '../admin/fields.js';
import { messageOf } from './inventory-store.js';

export interface SettingsState {
  settings: Settings | null;
  loadError: string | null;
  /** A field's mistake (typed, or the engine's refusal), by setting. */
  errors: Partial<Record<SettingName, string>>;
  saving: SettingName | null;
  /** The last save, said in words: "Saved: revealed secrets now hide after 10 seconds." */
  saved: { name: SettingName; message: string } | null;
  load: () => Promise<void>;
  /** Checks and saves one setting; unchanged values are not sent. True when the value is (now) stored. */
  save: (field: SettingField, typed: string | boolean) => Promise<boolean>;
}

export type SettingsStore = StoreApi<SettingsState>;

export function createSettingsStore(client: ContractClient, options: { onSaved?: (settings: Settings) => void } = {}): SettingsStore {
  return createStore<SettingsState>()((set, get) => ({
    settings: null,
    loadError: null,
    errors: {},
    saving: null,
    saved: null,

    async load() {
      try {
        set({ settings: await client['settings:get'](), loadError: null });
      } catch (error) {
        set({ loadError: messageOf(error) });
      }
    },

    async save(field, typed) {
      const parsed = parseSetting(field, typed);
      const withoutError = (errors: SettingsState['errors']) => Object.fromEntries(Object.entries(errors).filter(([name]) => name !== field.name));
      if ('error' in parsed) {
        set((state) => ({ errors: { ...state.errors, [field.name]: parsed.error }, saved: state.saved?.name === field.name ? null : state.saved }));
        return false;
      }
      const current = get().settings;
      if (current && showValue(field, current[field.name]) === showValue(field, parsed.value)) {
        set((state) => ({ errors: withoutError(state.errors) }));
        return true;
      }
      set({ saving: field.name });
      try {
        const settings = await client['settings:set']({ [field.name]: parsed.value });
        set((state) => ({
          settings,
          saving: null,
          errors: withoutError(state.errors),
          saved: { name: field.name, message: `Saved: ${field.words.saved(valueInWords(field, settings[field.name]))}.` },
        }));
        options.onSaved?.(settings);
        return true;
      } catch (error) {
        set((state) => ({ saving: null, errors: { ...state.errors, [field.name]: `Not saved: ${messageOf(error)}` } }));
        return false;
      }
    },
  }));
}
