/**
 * The backends view's state: the list (`backend:list`), and each change an administrator makes to a backend (add,
 * credential, rotation policy, CommBox's replacement interval, remove) with its progress and the engine's answer.
 * Like every store it calls only the ContractClient it was created with; components read it and call its actions.
 *
 * Each action reports in `actions[actionKey(kind, name)]`: busy while it runs, then the engine's error message
 * (shown as-is where the action was taken) or a short confirmation. A credential passes through as an argument
 * only: it is never kept in the state. Syncing is the inventory store's (`syncBackends`), whose progress events
 * the app already routes there.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { BackendSummary, NewBackendInput } from '../../../shared/domain.js';
import { VENDOR_LABEL } from '../inventory/labels.js';
import { messageOf } from './inventory-store.js';

export type BackendActionKind = 'add' | 'credential' | 'policy' | 'interval' | 'remove';

export interface ActionState {
  busy: boolean;
  error: string | null;
  /** What was done, in words, once it succeeded. */
  done: string | null;
}

export const IDLE: ActionState = { busy: false, error: null, done: null };

/** Where an action's state is kept: `add` has no backend yet, the others are per backend. */
export function actionKey(kind: BackendActionKind, name = ''): string {
  return kind === 'add' ? 'add' : `${kind}:${name}`;
}

export interface BackendsState {
  /** Null until the first answer. */
  backends: BackendSummary[] | null;
  loadError: string | null;
  actions: Record<string, ActionState>;
  /** The backend the last successful add created (the view offers to sync it). */
  added: BackendSummary | null;
  /** What the page says after a removal (the backend's card is gone). */
  notice: string | null;

  load: () => Promise<void>;
  /** Each returns whether the engine accepted; on a refusal its message is in `actions`. */
  add: (input: NewBackendInput) => Promise<boolean>;
  setCredential: (name: string, credential: string) => Promise<boolean>;
  setPolicy: (name: string, days: number | null) => Promise<boolean>;
  setInterval: (name: string, days: number) => Promise<boolean>;
  remove: (name: string) => Promise<boolean>;
  /** Forgets an action's outcome (a dialog closed, the form reset). */
  clearAction: (kind: BackendActionKind, name?: string) => void;
  dismissAdded: () => void;
}

export type BackendsStore = StoreApi<BackendsState>;

export function createBackendsStore(client: ContractClient): BackendsStore {
  return createStore<BackendsState>()((set, get) => {
    const report = (key: string, state: ActionState) => set((current) => ({ actions: { ...current.actions, [key]: state } }));

    /** Puts a backend's new summary in the list (the change event reloads it all shortly after, too). */
    const replace = (summary: BackendSummary) =>
      set((current) => {
        const list = current.backends ?? [];
        const at = list.findIndex((backend) => backend.name === summary.name);
        const backends = at < 0 ? [...list, summary].sort((a, b) => a.name.localeCompare(b.name)) : list.map((backend, i) => (i === at ? summary : backend));
        return { backends };
      });

    /** Runs one action: busy, then the engine's answer or its refusal in words. */
    const run = async (key: string, action: () => Promise<string>): Promise<boolean> => {
      if (get().actions[key]?.busy) return false;
      report(key, { busy: true, error: null, done: null });
      try {
        const done = await action();
        report(key, { busy: false, error: null, done });
        return true;
      } catch (error) {
        report(key, { busy: false, error: messageOf(error), done: null });
        return false;
      }
    };

    return {
      backends: null,
      loadError: null,
      actions: {},
      added: null,
      notice: null,

      async load() {
        try {
          set({ backends: await client['backend:list'](), loadError: null });
        } catch (error) {
          set({ loadError: messageOf(error) });
        }
      },

      add(input) {
        set({ added: null, notice: null });
        return run(actionKey('add'), async () => {
          const summary = await client['backend:add'](input);
          replace(summary);
          set({ added: summary });
          return `Added ${summary.name}.`;
        });
      },

      setCredential(name, credential) {
        return run(actionKey('credential', name), async () => {
          replace(await client['backend:credential'](name, credential));
          return 'Credential tested and saved.';
        });
      },

      setPolicy(name, days) {
        return run(actionKey('policy', name), async () => {
          const summary = await client['backend:policy'](name, days);
          replace(summary);
          return days === null ? 'Rotation policy set to the vendor default.' : `Rotation policy set to every ${days} ${days === 1 ? 'day' : 'days'}.`;
        });
      },

      setInterval(name, days) {
        return run(actionKey('interval', name), async () => {
          const { backend, intervalDays } = await client['backend:interval'](name, days);
          replace(backend);
          return `Replacement interval at CommBox set to ${intervalDays} ${intervalDays === 1 ? 'day' : 'days'}.`;
        });
      },

      remove(name) {
        set({ notice: null });
        return run(actionKey('remove', name), async () => {
          const removed = get().backends?.find((backend) => backend.name === name);
          await client['backend:remove'](name);
          const keys = removed ? ` and its ${removed.keyCount} cached ${removed.keyCount === 1 ? 'key' : 'keys'}` : '';
          const vendor = removed && removed.type !== 'manual' ? ` Nothing was changed at ${VENDOR_LABEL[removed.type]}.` : '';
          const notice = `Removed ${name}${keys} from Keywarden.${vendor}`;
          set((current) => ({
            backends: (current.backends ?? []).filter((backend) => backend.name !== name),
            added: current.added?.name === name ? null : current.added,
            notice,
          }));
          return notice;
        });
      },

      clearAction(kind, name) {
        const key = actionKey(kind, name);
        if (!get().actions[key]) return;
        set((current) => {
          const actions = { ...current.actions };
          delete actions[key];
          return { actions };
        });
      },

      dismissAdded() {
        set({ added: null, notice: null });
      },
    };
  });
}
