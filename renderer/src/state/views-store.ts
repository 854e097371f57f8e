/**
 * Saved views of the inventory (shared/views.ts): the list the engine keeps in the data folder, which one is applied,
 * and saving, renaming and deleting them. Applying a view sets the inventory store's search, filters, sort and columns
 * at once (`applyLayout`); saving takes them from it. The engine checks every rule; a refusal is kept here as its
 * message (with the field it names) for the dialog that asked.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import { sameViewName } from '../../../shared/rules.js';
import type { SavedView } from '../../../shared/views.js';
import { ALL_KEYS_LAYOUT, type InventoryLayout, type InventoryStore, layoutOf, messageOf, sameLayout, savedViewOf } from './inventory-store.js';

/** What a dialog's action ended with: done, or the engine's refusal in words (and the field it is about). */
export type ViewActionResult = { ok: true } | { ok: false; error: string; field: string | null };

export interface ViewsState {
  /** The saved views, by name; null until the engine answered. */
  views: SavedView[] | null;
  /** Why the list could not be read (the menu says so in place of the views). */
  loadError: string | null;
  /** The view applied last, by name; null for the built-in "All keys". */
  active: string | null;
  /** A save, rename or delete is under way. */
  busy: boolean;

  load: () => Promise<void>;
  /** Applies a saved view (or "All keys" for null): its search, filters, sort and columns at once. */
  apply: (name: string | null) => void;
  /** Saves the inventory's search, filters, sort and columns under `name`; `overwrite` replaces a view of that name. */
  save: (name: string, options?: { overwrite?: boolean }) => Promise<ViewActionResult>;
  rename: (from: string, to: string) => Promise<ViewActionResult>;
  remove: (name: string) => Promise<ViewActionResult>;
}

export type ViewsStore = StoreApi<ViewsState>;

/** The layout of the inventory store now (what a save takes, and what "changed" compares). */
export function currentLayout(inventory: InventoryStore): InventoryLayout {
  const { filters, sort, columns } = inventory.getState();
  return { filters, sort, columns };
}

/** The saved view of that name (in any case), if any. */
export function findView(views: readonly SavedView[] | null, name: string | null): SavedView | undefined {
  return name === null ? undefined : views?.find((view) => sameViewName(view.name, name));
}

/**
 * Whether the inventory shows something else than the applied view (a filter, the sort or a column changed since): the
 * menu then offers to save the change. "All keys" compares with its own defaults.
 */
export function viewChanged(views: readonly SavedView[] | null, active: string | null, layout: InventoryLayout): boolean {
  const view = findView(views, active);
  return !sameLayout(view ? layoutOf(view) : ALL_KEYS_LAYOUT, layout);
}

function refusal(error: unknown): ViewActionResult {
  const details = (error as { details?: Record<string, unknown> }).details;
  const field = typeof details?.field === 'string' ? details.field : null;
  return { ok: false, error: messageOf(error), field };
}

export function createViewsStore(client: ContractClient, inventory: InventoryStore): ViewsStore {
  return createStore<ViewsState>()((set, get) => {
    /** Runs one change; its answer is every view, as the engine now keeps them. */
    const change = async (run: () => Promise<SavedView[]>, then: (views: SavedView[]) => Partial<ViewsState> = () => ({})): Promise<ViewActionResult> => {
      if (get().busy) return { ok: false, error: 'Another change to the views is under way.', field: null };
      set({ busy: true });
      try {
        const views = await run();
        set({ views, loadError: null, busy: false, ...then(views) });
        return { ok: true };
      } catch (error) {
        set({ busy: false });
        return refusal(error);
      }
    };

    return {
      views: null,
      loadError: null,
      active: null,
      busy: false,

      async load() {
        try {
          const views = await client['views:list']();
          // The applied view may have been deleted or renamed elsewhere (another console): then none is applied.
          set((state) => ({ views, loadError: null, active: findView(views, state.active)?.name ?? null }));
        } catch (error) {
          set({ loadError: messageOf(error) });
        }
      },

      apply(name) {
        const view = findView(get().views, name);
        inventory.getState().applyLayout(view ? layoutOf(view) : ALL_KEYS_LAYOUT);
        set({ active: view?.name ?? null });
      },

      save(name, options = {}) {
        const view = savedViewOf(name, currentLayout(inventory));
        // The saved view is the one applied from now on (under the name the engine kept: trimmed).
        return change(
          () => client['views:save'](view, options),
          (views) => ({ active: findView(views, name.trim())?.name ?? null }),
        );
      },

      rename(from, to) {
        return change(
          () => client['views:rename'](from, to),
          (views) => ({ active: get().active !== null && sameViewName(get().active!, from) ? (findView(views, to.trim())?.name ?? null) : get().active }),
        );
      },

      remove(name) {
        // The deleted view's search, filters and columns stay on screen, as "All keys" changed: nothing moves under the
        // administrator's eyes, and it can be saved again.
        return change(
          () => client['views:delete'](name),
          () => ({ active: get().active !== null && sameViewName(get().active!, name) ? null : get().active }),
        );
      },
    };
  });
}
