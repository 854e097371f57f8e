/**
 * The inventory's state: the query (search, filters, sort), a cache of pages of the result, the facets, the
 * backends, the selection and what the detail panel and the sync show. It is the only place that calls the
 * engine, and only through the ContractClient; components read it and call its actions.
 *
 * Pages: the table asks for the rows it shows (`ensureRange`); each page of PAGE_SIZE rows is fetched once
 * (a page in flight is not asked for again). A new query starts a new generation: answers for an older one are
 * dropped, so a slow answer to "stri" never overwrites the rows for "stripe". The rows on screen stay until the new
 * query's first answer replaces them all at once (`rowsQuery`): a keystroke costs one render of the table, when its
 * rows arrive, not a second one of "Loading…" rows in between (bench `console`, keystroke_in_page).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type {
  BackendSummary,
  BackendSyncResult,
  BackendType,
  BulkChange,
  BulkKeyResult,
  BulkReport,
  InventoryFacets,
  InventoryQuery,
  Key,
  KeySelection,
  KeySortField,
  KeyStatus,
  SyncProgress,
  TestResult,
} from '../../../shared/domain.js';
import { DEFAULT_SETTINGS } from '../../../shared/domain.js';
import { INVENTORY_COLUMNS, type InventoryColumn, MAX_SEARCH_CHARS, MAX_SELECTED_REFS } from '../../../shared/rules.js';
import type { SavedView, ViewQuery } from '../../../shared/views.js';
import { parseSearch } from '../../../shared/search-query.js';

export const PAGE_SIZE = 100;
/**
 * How long typing in the search box waits before it asks. Zero: the engine answers a page in 1-25 ms
 * even at 100k keys (bench `inventory_query`), and answers to older keystrokes are dropped by generation,
 * so each keystroke asks at once, in its own task. An 80 ms wait made
 * every keystroke cost over 100 ms (bench `console`), far past the one-frame target.
 */
export const SEARCH_DEBOUNCE_MS = 0;

export interface Filters {
  search: string;
  status: KeyStatus | null;
  vendor: BackendType | null;
  backend: string | null;
  /** The quick filters. */
  overdue: boolean;
  dueWithin30: boolean;
}

export interface Sort {
  field: KeySortField;
  direction: 'asc' | 'desc';
}

/**
 * How long a finished sync or export that went well stays in words on screen: long enough to read, short of
 * "all session". A failure stays until dismissed (or the next sync or export).
 */
export const RESULT_FADE_MS = 12_000;

export const NO_FILTERS: Filters = { search: '', status: null, vendor: null, backend: null, overdue: false, dueWithin30: false };
export const DEFAULT_SORT: Sort = { field: 'due', direction: 'asc' };
/** The optional columns shown until the administrator chooses (the built-in "All keys" view): every one. */
export const DEFAULT_COLUMNS: readonly InventoryColumn[] = INVENTORY_COLUMNS;

/** What a saved view holds of the inventory's state: the search and filters, the sort, the columns shown. */
export interface InventoryLayout {
  filters: Filters;
  sort: Sort;
  columns: readonly InventoryColumn[];
}

/** The built-in "All keys": no search, no filter, soonest due first, every column. */
export const ALL_KEYS_LAYOUT: InventoryLayout = { filters: NO_FILTERS, sort: DEFAULT_SORT, columns: DEFAULT_COLUMNS };

export interface SyncState {
  running: boolean;
  progress: Record<string, SyncProgress>;
  results: BackendSyncResult[] | null;
  error: string | null;
}

export interface DetailState {
  testing: boolean;
  test: TestResult | null;
  testError: string | null;
  revealing: boolean;
  secret: string | null;
  /** When the revealed secret hides itself (epoch ms), for the countdown beside it. */
  secretHidesAt: number | null;
  revealError: string | null;
}

/**
 * The rows an administrator selected for a bulk action: rows ticked one by one (their references), or every key
 * matching the current query ("all matching", Ctrl/Cmd-A) but those unticked since. The latter is the query itself, so
 * selecting 100,000 keys holds no reference in the page; the engine resolves it (`keys:bulk`, `export:inventory`).
 * A new query (typing, a filter) clears the selection: what is selected is always what the table can show.
 */
export type Selection = { mode: 'refs'; refs: Record<string, true>; anchor: number | null } | { mode: 'all'; except: Record<string, true> };
export const NO_SELECTION: Selection = { mode: 'refs', refs: {}, anchor: null };

/** Tested one after another, a few at a time: each test is a request to the vendor, and vendors limit their rate. */
export const BULK_TEST_CONCURRENCY = 3;
/** The most keys one bulk Test asks the vendors about. */
export const MAX_BULK_TEST = 500;

export interface BulkState {
  running: boolean;
  /** What runs or ran, in words ("Tag prod"). */
  title: string | null;
  /** Keys done of all, while a test runs. */
  progress: { done: number; of: number } | null;
  report: BulkReport | null;
  error: string | null;
}
const NO_BULK: BulkState = { running: false, title: null, progress: null, report: null, error: null };

const NO_DETAIL: DetailState = { testing: false, test: null, testError: null, revealing: false, secret: null, secretHidesAt: null, revealError: null };

export interface InventoryState {
  /** What the search box shows now; `filters.search` follows it after the debounce. */
  searchInput: string;
  /** Why the search box's text cannot be searched (an unknown field...), shown under it; the table keeps the last search. */
  searchError: string | null;
  selection: Selection;
  bulk: BulkState;
  filters: Filters;
  sort: Sort;
  /** The optional columns the table shows, in the table's order (Name is always shown). */
  columns: readonly InventoryColumn[];
  /** Rows matching the query; null until the first page answers. */
  total: number | null;
  /** Page index to its rows: the current generation's, or the previous query's until the new one first answers. */
  pages: Record<number, Key[]>;
  generation: number;
  /** Queries started (a new search, filter or sort; not a refresh of the same one). */
  query: number;
  /** The query whose rows `pages` holds; behind `query` until the new query's first answer (the table then starts at the top). */
  rowsQuery: number;
  loadError: string | null;
  facets: InventoryFacets | null;
  backends: BackendSummary[] | null;
  revealHideSeconds: number;
  selected: Key | null;
  detail: DetailState;
  sync: SyncState;

  init: () => Promise<void>;
  setSearchInput: (text: string) => void;
  /** Ticks or unticks the row at `index`; with `range`, every cached row from the last ticked one (Shift-click). */
  toggleRow: (index: number, key: Key, range: boolean) => void;
  /** Every key matching the query (Ctrl/Cmd-A, or the header's box). */
  selectAllMatching: () => void;
  clearSelection: () => void;
  /** The selection as the engine reads it; null when nothing is selected. */
  selectionArg: () => KeySelection | null;
  /** A change to every selected key through `keys:bulk`; the report goes to `bulk`. */
  bulkChange: (title: string, change: BulkChange) => Promise<void>;
  /** Tests every selected key (at most MAX_BULK_TEST), a few at a time; each key's answer goes to the report. */
  bulkTest: () => Promise<void>;
  /** The selected keys as CSV or JSON (the export's fields, never a secret), handed to `save`. */
  exportSelection: (format: 'csv' | 'json', save: (file: { name: string; content: string; type: string }) => void) => Promise<void>;
  dismissBulk: () => void;
  setFilter: <F extends Exclude<keyof Filters, 'search'>>(field: F, value: Filters[F]) => void;
  clearFilters: () => void;
  setSort: (field: KeySortField) => void;
  /** Shows or hides one optional column; applied at once. */
  setColumnShown: (column: InventoryColumn, shown: boolean) => void;
  /** A saved view (or "All keys"): its search, filters, sort and columns at once, and one new query. */
  applyLayout: (layout: InventoryLayout) => void;
  /** Fetches the pages that hold rows first..last (inclusive) and are neither cached nor in flight. */
  ensureRange: (first: number, last: number) => Promise<void>;
  /** After a change in the engine: facets, backends and the cached pages again (the table refetches what it shows). */
  refresh: () => Promise<void>;
  select: (key: Key | null) => void;
  /** Opens a key by reference (a link from a reminder or the audit trail); an unknown one shows the engine's message. */
  openRef: (ref: string) => Promise<void>;
  /**
   * A key is being deleted (`removed` undefined), or its delete ended. Meanwhile the engine's change event may
   * arrive before the delete's own answer (a slow link to `keywarden ui`): the refresh then does not ask for the
   * key (it would be a 404 for a key that is gone); once deleted, its panel closes.
   */
  keyRemoval: (ref: string, removed?: boolean) => void;
  testSelected: () => Promise<void>;
  revealSelected: () => Promise<void>;
  hideSecret: () => void;
  syncAll: () => Promise<void>;
  /** The whole inventory as CSV or JSON (domain fields only, never a secret), handed to `save`. */
  exportInventory: (format: 'csv' | 'json', save: (file: { name: string; content: string; type: string }) => void) => Promise<void>;
  exporting: { running: boolean; done: string | null; error: string | null };
  /** Syncs the named backends (the backends view's "Sync now" on one of them); progress and results as for syncAll. */
  syncBackends: (names: string[]) => Promise<void>;
  onSyncProgress: (progress: SyncProgress) => void;
  /** Drops the last sync's results and error (the administrator read them). */
  dismissSync: () => void;
  /** Drops the last export's message. */
  dismissExport: () => void;
  /**
   * Keywarden locked or unlocked: after an unlock, a refusal the panel still shows ("Keywarden is locked", "this
   * needs the passphrase") is no longer true, and goes, so it does not sit beside a Reveal that now works.
   */
  lockChanged: (locked: boolean) => void;
}

export type InventoryStore = StoreApi<InventoryState>;

/** The inventory query a state asks for (without offset and limit). */
export function queryOf(filters: Filters, sort: Sort): InventoryQuery {
  const query: InventoryQuery = { sort: { field: sort.field, direction: sort.direction } };
  const search = filters.search.trim();
  if (search) query.search = search.slice(0, MAX_SEARCH_CHARS);
  if (filters.status) query.status = filters.status;
  if (filters.vendor) query.vendor = filters.vendor;
  if (filters.backend) query.backend = filters.backend;
  if (filters.overdue) query.overdue = true;
  if (filters.dueWithin30) query.dueWithinDays = 30;
  return query;
}

/** The layout as a saved view under `name`: the engine's query (as `keywarden list --view` applies it) and the columns. */
export function savedViewOf(name: string, layout: InventoryLayout): SavedView {
  const { sort, ...query } = queryOf(layout.filters, layout.sort);
  return { name, query, sort: sort ?? DEFAULT_SORT, columns: INVENTORY_COLUMNS.filter((column) => layout.columns.includes(column)) };
}

/**
 * A saved view as the console's layout. Its due window is the quick filter's (the console saves no other); the
 * columns keep the table's order.
 */
export function layoutOf(view: SavedView): InventoryLayout {
  const query: ViewQuery = view.query;
  return {
    filters: {
      search: query.search ?? '',
      status: query.status ?? null,
      vendor: query.vendor ?? null,
      backend: query.backend ?? null,
      overdue: query.overdue === true,
      dueWithin30: query.dueWithinDays !== undefined,
    },
    sort: { field: view.sort.field, direction: view.sort.direction },
    columns: INVENTORY_COLUMNS.filter((column) => view.columns.includes(column)),
  };
}

/** Whether two layouts show the same keys, in the same order, with the same columns (a view "changed" or not). */
export function sameLayout(a: InventoryLayout, b: InventoryLayout): boolean {
  return JSON.stringify(savedViewOf('', a)) === JSON.stringify(savedViewOf('', b));
}

export function hasFilters(filters: Filters): boolean {
  return Boolean(filters.search.trim() || filters.status || filters.vendor || filters.backend || filters.overdue || filters.dueWithin30);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createInventoryStore(client: ContractClient, options: { debounceMs?: number; resultFadeMs?: number } = {}): InventoryStore {
  const debounceMs = options.debounceMs ?? SEARCH_DEBOUNCE_MS;
  const resultFadeMs = options.resultFadeMs ?? RESULT_FADE_MS;
  /** Clears a sync's or an export's success message after resultFadeMs. */
  let syncFade: ReturnType<typeof setTimeout> | null = null;
  let exportFade: ReturnType<typeof setTimeout> | null = null;
  /** Pages asked for in the current generation (cached or in flight). */
  let requested = new Set<number>();
  let searchTimer: ReturnType<typeof setTimeout> | null = null;
  /** Hides a revealed secret after `revealHideSeconds`; cleared by every hide. */
  let hideTimer: ReturnType<typeof setTimeout> | null = null;
  /** The rows the table showed last, to fetch again after a refresh or a new query. */
  let lastRange: [number, number] = [0, PAGE_SIZE - 1];
  /** Keys being deleted or deleted: never asked for again (see keyRemoval). */
  const removing = new Set<string>();

  const store = createStore<InventoryState>()((set, get) => {
    /** A new query (or a refresh): drop the cache, and fetch again what the table shows. */
    const restart = async (keepRows: boolean): Promise<void> => {
      requested = new Set();
      // A new query (not a refresh of the same one) starts with nothing selected.
      // The rows stay on screen until the answer replaces them; a new query (not a refresh) starts with nothing selected.
      set((state) => ({ generation: state.generation + 1, loadError: null, ...(keepRows ? {} : { query: state.query + 1, selection: NO_SELECTION }) }));
      await get().ensureRange(lastRange[0], lastRange[1]);
    };

    const loadFacets = async (): Promise<void> => {
      try {
        const [facets, backends] = await Promise.all([client['inventory:facets'](), client['backend:list']()]);
        set({ facets, backends });
      } catch (error) {
        set({ loadError: messageOf(error) });
      }
    };

    const selectedCount = (): number => {
      const { selection, total } = get();
      return selection.mode === 'refs' ? Object.keys(selection.refs).length : Math.max(0, (total ?? 0) - Object.keys(selection.except).length);
    };

    return {
      searchInput: '',
      searchError: null,
      selection: NO_SELECTION,
      bulk: NO_BULK,
      filters: NO_FILTERS,
      sort: DEFAULT_SORT,
      columns: DEFAULT_COLUMNS,
      total: null,
      pages: {},
      generation: 0,
      query: 0,
      rowsQuery: 0,
      loadError: null,
      facets: null,
      backends: null,
      revealHideSeconds: DEFAULT_SETTINGS.revealHideSeconds,
      selected: null,
      detail: NO_DETAIL,
      sync: { running: false, progress: {}, results: null, error: null },
      exporting: { running: false, done: null, error: null },

      async init() {
        const settings = client['settings:get']().then(
          (value) => set({ revealHideSeconds: value.revealHideSeconds }),
          () => {},
        );
        // The first page is asked for before the facets: the engine answers calls one at a time, and the rows are what
        // the console is opened for (the sidebar's counts follow them).
        await Promise.all([get().ensureRange(0, PAGE_SIZE - 1), loadFacets(), settings]);
      },

      setSearchInput(text) {
        // Read with the engine's own parser: a search it cannot read is said under the box, and not asked for.
        const parsed = parseSearch(text);
        set({ searchInput: text, searchError: parsed.ok ? null : parsed.error });
        if (!parsed.ok) {
          if (searchTimer) clearTimeout(searchTimer);
          searchTimer = null;
          return;
        }
        if (searchTimer) clearTimeout(searchTimer);
        searchTimer = null;
        const ask = () => {
          searchTimer = null;
          if (get().filters.search === text) return;
          set((state) => ({ filters: { ...state.filters, search: text } }));
          void restart(false);
        };
        // Without a debounce, ask in the keystroke's own task: a timer would only add a turn of the event loop.
        if (debounceMs <= 0) ask();
        else searchTimer = setTimeout(ask, debounceMs);
      },

      setFilter(field, value) {
        set((state) => {
          const filters = { ...state.filters, [field]: value };
          // The two quick filters exclude each other: overdue keys are also due within 30 days.
          if (field === 'overdue' && value) filters.dueWithin30 = false;
          if (field === 'dueWithin30' && value) filters.overdue = false;
          return { filters };
        });
        void restart(false);
      },

      clearFilters() {
        if (searchTimer) clearTimeout(searchTimer);
        searchTimer = null;
        set({ filters: NO_FILTERS, searchInput: '', searchError: null });
        void restart(false);
      },

      setSort(field) {
        set((state) => ({
          sort: state.sort.field === field ? { field, direction: state.sort.direction === 'asc' ? 'desc' : 'asc' } : { field, direction: 'asc' },
        }));
        void restart(false);
      },

      setColumnShown(column, shown) {
        set((state) => ({ columns: INVENTORY_COLUMNS.filter((each) => (each === column ? shown : state.columns.includes(each))) }));
      },

      applyLayout(layout) {
        if (searchTimer) clearTimeout(searchTimer);
        searchTimer = null;
        const sameQuery = JSON.stringify(queryOf(layout.filters, layout.sort)) === JSON.stringify(queryOf(get().filters, get().sort));
        set({
          filters: layout.filters,
          sort: layout.sort,
          columns: layout.columns,
          searchInput: layout.filters.search,
          // A view's search was read by the engine when it was saved; a view saved by a newer version may not be.
          searchError: (() => {
            const parsed = parseSearch(layout.filters.search);
            return parsed.ok ? null : parsed.error;
          })(),
        });
        // Only the columns changed: the rows on screen are the view's already.
        if (!sameQuery) void restart(false);
      },

      toggleRow(index, key, range) {
        set((state) => {
          const selection = state.selection;
          if (selection.mode === 'all') {
            const except = { ...selection.except };
            if (except[key.ref]) delete except[key.ref];
            else except[key.ref] = true;
            return { selection: { mode: 'all', except } };
          }
          const refs = { ...selection.refs };
          const on = !refs[key.ref];
          const from = range && selection.anchor !== null ? Math.min(selection.anchor, index) : index;
          const to = range && selection.anchor !== null ? Math.max(selection.anchor, index) : index;
          for (let at = from; at <= to; at++) {
            const row = at === index ? key : rowAt(state.pages, at);
            if (!row) continue;
            if (on) refs[row.ref] = true;
            else delete refs[row.ref];
          }
          // Beyond what a page sends as references, the rows ticked so far stay, and the rest is refused in words.
          if (Object.keys(refs).length > MAX_SELECTED_REFS)
            return { bulk: { ...NO_BULK, error: `Select at most ${MAX_SELECTED_REFS} keys one by one; to act on more, select every key matching a search (Ctrl+A).` } };
          return { selection: { mode: 'refs', refs, anchor: index } };
        });
      },

      selectAllMatching() {
        if ((get().total ?? 0) > 0) set({ selection: { mode: 'all', except: {} } });
      },

      clearSelection() {
        set({ selection: NO_SELECTION });
      },

      selectionArg() {
        const { selection, filters, sort } = get();
        if (selectedCount() === 0) return null;
        if (selection.mode === 'refs') return { refs: Object.keys(selection.refs) };
        const { sort: _sort, ...query } = queryOf(filters, sort);
        return { query, except: Object.keys(selection.except) };
      },

      async bulkChange(title, change) {
        const selection = get().selectionArg();
        if (!selection || get().bulk.running) return;
        set({ bulk: { ...NO_BULK, running: true, title } });
        try {
          const report = await client['keys:bulk'](selection, change);
          set({ bulk: { ...NO_BULK, title, report } });
        } catch (error) {
          set({ bulk: { ...NO_BULK, title, error: messageOf(error) } });
        }
      },

      async bulkTest() {
        const selection = get().selectionArg();
        if (!selection || get().bulk.running) return;
        const count = selectedCount();
        if (count > MAX_BULK_TEST) {
          set({ bulk: { ...NO_BULK, title: 'Test', error: `Test asks each key's vendor, one request per key: select at most ${MAX_BULK_TEST} keys to test at once (${count} are selected).` } });
          return;
        }
        set({ bulk: { ...NO_BULK, running: true, title: 'Test', progress: { done: 0, of: count } } });
        try {
          // The references: ticked rows as they are; "all matching" read from the engine, one page (it is at most 500).
          let refs: Array<{ ref: string; name: string }>;
          if ('refs' in selection) {
            const names = new Map(
              Object.values(get().pages)
                .flat()
                .map((key) => [key.ref, key.name]),
            );
            refs = selection.refs.map((ref) => ({ ref, name: names.get(ref) ?? ref }));
          } else {
            const except = new Set(selection.except);
            const page = await client['inventory:query']({ ...selection.query, sort: { field: 'backend', direction: 'asc' }, limit: MAX_BULK_TEST });
            refs = page.rows.filter((key) => !except.has(key.ref)).map((key) => ({ ref: key.ref, name: key.name }));
          }
          const results: BulkKeyResult[] = [];
          let next = 0;
          const worker = async () => {
            while (next < refs.length) {
              const { ref, name } = refs[next++]!;
              try {
                const test = await client['key:test'](ref);
                results.push({ ref, name, outcome: 'ok', detail: test.ok ? `works (${test.detail})` : `does not work: ${test.detail}` });
              } catch (error) {
                results.push({ ref, name, outcome: 'refused', detail: messageOf(error) });
              }
              set((state) => ({ bulk: { ...state.bulk, progress: { done: results.length, of: refs.length } } }));
            }
          };
          await Promise.all(Array.from({ length: BULK_TEST_CONCURRENCY }, worker));
          const refused = results.filter((result) => result.outcome === 'refused');
          const report: BulkReport = {
            keys: results.length,
            ok: results.length - refused.length,
            unchanged: 0,
            refused: refused.length,
            results: [...refused, ...results.filter((result) => result.outcome !== 'refused')],
            truncated: false,
          };
          set({ bulk: { ...NO_BULK, title: 'Test', report } });
        } catch (error) {
          set({ bulk: { ...NO_BULK, title: 'Test', error: messageOf(error) } });
        }
      },

      async exportSelection(format, save) {
        const selection = get().selectionArg();
        if (!selection || get().exporting.running) return;
        set({ exporting: { running: true, done: null, error: null } });
        try {
          const result = await client['export:inventory']({ format, selection });
          const name = `keywarden-selected-keys-${new Date().toISOString().slice(0, 10)}.${format}`;
          save({ name, content: result.content, type: format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json' });
          set({ exporting: { running: false, done: `Exported ${result.keys} selected ${result.keys === 1 ? 'key' : 'keys'} as ${name}`, error: null } });
        } catch (error) {
          set({ exporting: { running: false, done: null, error: messageOf(error) } });
        }
      },

      dismissBulk() {
        if (!get().bulk.running) set({ bulk: NO_BULK });
      },

      async ensureRange(first, last) {
        lastRange = [Math.max(0, first), Math.max(0, last)];
        const { generation, filters, sort, total } = get();
        const lastRow = total === null ? lastRange[1] : Math.min(lastRange[1], Math.max(total - 1, 0));
        const wanted: number[] = [];
        for (let page = Math.floor(lastRange[0] / PAGE_SIZE); page <= Math.floor(lastRow / PAGE_SIZE); page++) {
          if (!requested.has(page)) wanted.push(page);
        }
        const query = queryOf(filters, sort);
        await Promise.all(
          wanted.map(async (page) => {
            requested.add(page);
            try {
              const answer = await client['inventory:query']({ ...query, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
              if (get().generation !== generation) return;
              // The first answer to a new query replaces the previous query's rows; later pages join it.
              set((state) => ({
                total: answer.total,
                pages: state.rowsQuery === state.query ? { ...state.pages, [page]: answer.rows } : { [page]: answer.rows },
                rowsQuery: state.query,
                loadError: null,
              }));
            } catch (error) {
              if (get().generation !== generation) return;
              requested.delete(page);
              // A new query that failed shows no rows: the previous query's would pass for its answer.
              set((state) => (state.rowsQuery === state.query ? { loadError: messageOf(error) } : { loadError: messageOf(error), pages: {}, total: null, rowsQuery: state.query }));
            }
          }),
        );
        // A refresh keeps the old rows on screen until the new ones arrive; drop what the new answer did not cover.
        if (get().generation === generation) {
          set((state) => {
            const pages: Record<number, Key[]> = {};
            for (const page of requested) if (state.pages[page]) pages[page] = state.pages[page];
            return Object.keys(pages).length === Object.keys(state.pages).length ? {} : { pages };
          });
        }
      },

      async refresh() {
        await Promise.all([loadFacets(), restart(true)]);
        const selected = get().selected;
        if (selected && !removing.has(selected.ref)) {
          try {
            const fresh = await client['key:show'](selected.ref);
            if (get().selected?.ref === fresh.ref) set({ selected: fresh });
          } catch {
            // The key is gone (deleted, or its backend removed): the panel keeps what it showed.
          }
        }
      },

      select(key) {
        if (key?.ref === get().selected?.ref) return;
        if (hideTimer) clearTimeout(hideTimer);
        hideTimer = null;
        set({ selected: key, detail: NO_DETAIL });
      },

      keyRemoval(ref, removed) {
        if (removed === undefined) {
          removing.add(ref);
          return;
        }
        if (!removed) {
          removing.delete(ref);
          return;
        }
        // Kept in `removing`: a reference of a deleted key does not come back (a vendor never reuses its IDs).
        if (get().selected?.ref === ref) get().select(null);
      },

      async openRef(ref) {
        try {
          get().select(await client['key:show'](ref));
        } catch (error) {
          set({ loadError: messageOf(error) });
        }
      },

      async testSelected() {
        const key = get().selected;
        if (!key) return;
        set((state) => ({ detail: { ...state.detail, testing: true, testError: null } }));
        try {
          const test = await client['key:test'](key.ref);
          if (get().selected?.ref === key.ref) set((state) => ({ detail: { ...state.detail, testing: false, test } }));
        } catch (error) {
          if (get().selected?.ref === key.ref) set((state) => ({ detail: { ...state.detail, testing: false, test: null, testError: messageOf(error) } }));
        }
      },

      async revealSelected() {
        const key = get().selected;
        if (!key) return;
        set((state) => ({ detail: { ...state.detail, revealing: true, revealError: null } }));
        try {
          const secret = await client['key:reveal'](key.ref);
          if (get().selected?.ref !== key.ref) return;
          const delay = get().revealHideSeconds * 1000;
          set((state) => ({ detail: { ...state.detail, revealing: false, secret, secretHidesAt: Date.now() + delay } }));
          // Hidden again after the setting's delay, whatever the view does meanwhile: the store owns the timer.
          if (hideTimer) clearTimeout(hideTimer);
          hideTimer = setTimeout(() => get().hideSecret(), delay);
        } catch (error) {
          if (get().selected?.ref === key.ref) set((state) => ({ detail: { ...state.detail, revealing: false, revealError: messageOf(error) } }));
        }
      },

      hideSecret() {
        if (hideTimer) clearTimeout(hideTimer);
        hideTimer = null;
        set((state) => ({ detail: { ...state.detail, secret: null, secretHidesAt: null } }));
      },

      async exportInventory(format, save) {
        if (get().exporting.running) return;
        if (exportFade) clearTimeout(exportFade);
        exportFade = null;
        set({ exporting: { running: true, done: null, error: null } });
        try {
          const result = await client['export:inventory']({ format });
          const name = `keywarden-inventory-${new Date().toISOString().slice(0, 10)}.${format}`;
          save({ name, content: result.content, type: format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json' });
          set({ exporting: { running: false, done: `Exported ${result.keys} ${result.keys === 1 ? 'key' : 'keys'} as ${name}`, error: null } });
          exportFade = setTimeout(() => {
            exportFade = null;
            get().dismissExport();
          }, resultFadeMs);
        } catch (error) {
          set({ exporting: { running: false, done: null, error: messageOf(error) } });
        }
      },

      async syncAll() {
        const backends = await client['backend:list']().catch(() => get().backends ?? []);
        // Manual backends have nothing to fetch: only backends that can list are synced.
        await get().syncBackends(backends.filter((backend) => backend.capabilities.includes('list')).map((backend) => backend.name));
      },

      async syncBackends(names) {
        if (get().sync.running) return;
        if (syncFade) clearTimeout(syncFade);
        syncFade = null;
        set({ sync: { running: true, progress: {}, results: null, error: null } });
        try {
          const report = await client['sync:run'](names);
          set((state) => ({ sync: { ...state.sync, running: false, results: report.results } }));
          if (report.results.every((result) => result.ok)) {
            syncFade = setTimeout(() => {
              syncFade = null;
              get().dismissSync();
            }, resultFadeMs);
          }
        } catch (error) {
          set((state) => ({ sync: { ...state.sync, running: false, error: messageOf(error) } }));
        }
        await get().refresh();
      },

      dismissSync() {
        if (syncFade) clearTimeout(syncFade);
        syncFade = null;
        if (!get().sync.running) set({ sync: { running: false, progress: {}, results: null, error: null } });
      },

      dismissExport() {
        if (exportFade) clearTimeout(exportFade);
        exportFade = null;
        if (!get().exporting.running) set({ exporting: { running: false, done: null, error: null } });
      },

      lockChanged(locked) {
        if (locked) {
          get().hideSecret();
          return;
        }
        set((state) => ({ detail: { ...state.detail, revealError: null, testError: null } }));
      },

      onSyncProgress(progress) {
        set((state) => ({ sync: { ...state.sync, progress: { ...state.sync.progress, [progress.backend]: progress } } }));
      },
    };
  });
  return store;
}

/** The row at `index`, if its page is cached. */
export function rowAt(pages: Record<number, Key[]>, index: number): Key | undefined {
  return pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE];
}
