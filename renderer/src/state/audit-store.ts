/**
 * The audit view's state: the filters (backend, key, action: asked of the engine; outcome: applied here to the
 * events loaded), how many of the newest matching events to load, the events, and the export of the same
 * filtered trail as CSV or JSON. A key's own history (the inventory's detail panel) has a small store of its
 * own below. Both call only the ContractClient; saving a file goes through the `save` function given.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AuditChainStatus } from '../../../shared/audit.js';
import type { ContractClient } from '../../../shared/contract.js';
import { type AuditEvent, type AuditOutcome, type AuditQuery, KeyRef } from '../../../shared/domain.js';
import { messageOf } from './inventory-store.js';

/** Events loaded at first, and added by each "Load more". */
export const AUDIT_PAGE = 500;
/** The contract's ceiling for one answer. */
export const AUDIT_MAX = 100_000;

export interface AuditFilters {
  backend: string | null;
  /** A key reference (`<backend>/<id>`), exact. */
  ref: string | null;
  action: string | null;
  /** Applied to the events loaded, not asked of the engine. */
  outcome: AuditOutcome | null;
  /**
   * Part of a reference or of a key's name ("stripe-prod", "hand/str"), applied to the events loaded: what the
   * Key field holds when it is not a whole reference the trail names (the engine matches references exactly).
   */
  refPart?: string | null;
}

export const NO_AUDIT_FILTERS: AuditFilters = { backend: null, ref: null, action: null, outcome: null, refPart: null };

export type ExportFormat = 'csv' | 'json';

/** What the export hands to `save`: a file's name, its text and its media type. */
export interface SavedFile {
  name: string;
  content: string;
  type: string;
}

export interface ExportState {
  running: ExportFormat | null;
  /** The last export done, in words for a status line. */
  done: { format: ExportFormat; events: number; name: string } | null;
  error: string | null;
}

export interface AuditState {
  filters: AuditFilters;
  limit: number;
  /** Oldest first, as the engine answers; null until the first answer. */
  events: AuditEvent[] | null;
  loading: boolean;
  error: string | null;
  /** Why the key typed cannot be asked for (the filter keeps its previous key meanwhile). */
  refError: string | null;
  /**
   * The names and prefixes of the keys the loaded events refer to, by reference (looked up in the inventory as the
   * events arrive, `inventory:lookup`); a key no longer in the inventory (deleted) has none, and the row shows its
   * reference alone.
   */
  keyNames: Record<string, KeyNaming>;
  /** The backends' names for the filter (from backend:list), null until known. */
  backends: string[] | null;
  exporting: ExportState;
  /** Whether the trail's hash chain verifies (`audit:verify`), null until the first answer. */
  chain: AuditChainStatus | null;
  /** Why the chain could not be checked (not whether it verifies: that is `chain`). */
  chainError: string | null;

  /** The backends for the filter (again after a change: one may have been added). */
  loadBackends: () => Promise<void>;
  /** Asks again with the current filters (after a change in the engine, too); the rows stay until it answers. */
  load: () => Promise<void>;
  /** Sets engine-side filters (backend, key, action) and loads; an outcome only filters what is loaded. */
  setFilter: <F extends keyof AuditFilters>(field: F, value: AuditFilters[F]) => void;
  clearFilters: () => void;
  /** One key's events only (a link from a key's history): its filter alone, the others cleared. */
  showKey: (ref: string) => void;
  /** Loads the next AUDIT_PAGE older events too. */
  loadMore: () => Promise<void>;
  /** Exports the trail as filtered (backend, key, action, the same limit) and saves it. */
  exportTrail: (format: ExportFormat) => Promise<void>;
  /** Walks the whole trail's hash chain (again after a change: every action adds an event). */
  verifyChain: () => Promise<void>;
  /** The evidence pack for auditors (the inventory by prefix, the chained trail, its verdict), saved as JSON. */
  evidence: { running: boolean; done: { name: string; keys: number; events: number; verified: boolean } | null; error: string | null };
  exportEvidence: () => Promise<void>;
}

export type AuditStore = StoreApi<AuditState>;

/** A key as the trail names it: its name, and its prefix (else the ID in its reference tells it apart). */
export interface KeyNaming {
  name: string;
  prefix: string | null;
}

/** How many references one `inventory:lookup` asks about (the contract's bound). */
export const LOOKUP_BATCH = 500;

/** The engine's query for the filters (the outcome is not part of it). */
export function auditQueryOf(filters: AuditFilters, limit: number): AuditQuery {
  const query: AuditQuery = { limit };
  if (filters.backend) query.backend = filters.backend;
  if (filters.ref) query.ref = filters.ref;
  if (filters.action) query.action = filters.action;
  return query;
}

/** Why a typed key reference cannot be asked for, or null when it can (empty means "every key"). */
export function refProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const parsed = KeyRef.safeParse(trimmed);
  return parsed.success ? null : 'A key reference looks like <backend>/<id>, as the inventory shows it (e.g. hand/stripe-prod).';
}

/** The events to show: newest first, the outcome filter and a part of a reference or key name applied. */
export function shownEvents(events: readonly AuditEvent[] | null, outcome: AuditOutcome | null, refPart: string | null = null, names: Readonly<Record<string, KeyNaming>> = {}): AuditEvent[] {
  if (!events) return [];
  const part = refPart?.trim().toLowerCase() || null;
  const shown: AuditEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (outcome !== null && event.outcome !== outcome) continue;
    if (part !== null && !(event.ref !== null && (event.ref.toLowerCase().includes(part) || (names[event.ref]?.name ?? '').toLowerCase().includes(part)))) continue;
    shown.push(event);
  }
  return shown;
}

export function hasAuditFilters(filters: AuditFilters): boolean {
  return Boolean(filters.backend || filters.ref || filters.refPart || filters.action || filters.outcome);
}

/** `keywarden-audit-2026-11-24.csv`, with the engine-side filters in the name so two exports do not collide. */
export function exportFileName(filters: AuditFilters, format: ExportFormat, today: Date): string {
  const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  const parts = [filters.backend, filters.ref, filters.action].filter((part): part is string => Boolean(part)).map((part) => part.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60));
  return `keywarden-audit-${[day, ...parts].join('_')}.${format}`;
}

export function createAuditStore(client: ContractClient, options: { save: (file: SavedFile) => void; now?: () => Date; initialFilters?: AuditFilters }): AuditStore {
  const now = options.now ?? (() => new Date());
  const initial = options.initialFilters ?? NO_AUDIT_FILTERS;
  const initialRefProblem = initial.ref ? refProblem(initial.ref) : null;
  let generation = 0;
  let chainGeneration = 0;
  /** References already looked up (found or not): each is asked for once per store. */
  const looked = new Set<string>();
  return createStore<AuditState>()((set, get) => {
    /**
     * The names and prefixes of the events' keys, from the inventory: the references not looked up yet, a batch of
     * LOOKUP_BATCH per `inventory:lookup` (one call for a page of events, never one per key), which leaves out keys that
     * are gone (never `key:show`, which would be a 404 in the console for every deleted key the trail names).
     */
    const lookUpNames = async (events: readonly AuditEvent[]): Promise<void> => {
      const refs = [...new Set(events.map((event) => event.ref).filter((ref): ref is string => ref !== null && !looked.has(ref) && KeyRef.safeParse(ref).success))];
      if (refs.length === 0) return;
      for (const ref of refs) looked.add(ref);
      const found: Record<string, KeyNaming> = {};
      for (let start = 0; start < refs.length; start += LOOKUP_BATCH) {
        try {
          for (const key of await client['inventory:lookup'](refs.slice(start, start + LOOKUP_BATCH))) found[key.ref] = { name: key.name, prefix: key.prefix };
        } catch {
          // No names then: the references alone, as before.
        }
      }
      if (Object.keys(found).length) set((state) => ({ keyNames: { ...state.keyNames, ...found } }));
    };
    return {
      filters: initialRefProblem ? { ...initial, ref: null } : initial,
      limit: AUDIT_PAGE,
      events: null,
      loading: false,
      error: null,
      refError: initialRefProblem,
      keyNames: {},
      backends: null,
      exporting: { running: null, done: null, error: null },
      evidence: { running: false, done: null, error: null },
      chain: null,
      chainError: null,

      async loadBackends() {
        try {
          set({ backends: (await client['backend:list']()).map((backend) => backend.name) });
        } catch {
          // The filter then offers the backends the trail names; the trail itself says what failed, if anything.
          set((state) => ({ backends: state.backends ?? [] }));
        }
      },

      async load() {
        const mine = ++generation;
        const { filters, limit } = get();
        set({ loading: true });
        try {
          const events = await client['audit:list'](auditQueryOf(filters, limit));
          // A reference the trail never names may be the start of one ("hand/stripe"): asked again as a part of one.
          if (mine === generation && events.length === 0 && filters.ref) {
            set({ filters: { ...filters, ref: null, refPart: filters.ref } });
            return await get().load();
          }
          if (mine === generation) set({ events, loading: false, error: null });
          if (mine === generation) await lookUpNames(events);
        } catch (error) {
          if (mine === generation) set({ loading: false, error: messageOf(error) });
        }
      },

      setFilter(field, value) {
        let next = value;
        if (field === 'ref' && typeof value === 'string') {
          set({ refError: null });
          const text = value.trim();
          // Not a whole reference: part of one (or of a name), applied to the events loaded, with every key's asked.
          if (text !== '' && refProblem(text)) {
            const current = get().filters;
            if (current.refPart === text && current.ref === null) return;
            set({ filters: { ...current, ref: null, refPart: text } });
            if (current.ref !== null) {
              set({ limit: AUDIT_PAGE, events: null, exporting: { running: null, done: null, error: null } });
              void get().load();
            }
            return;
          }
          next = text as AuditFilters[typeof field];
          if (get().filters.refPart) set((state) => ({ filters: { ...state.filters, refPart: null } }));
        }
        const filters = { ...get().filters, [field]: next === '' ? null : next };
        if (filters[field] === get().filters[field]) return;
        if (field === 'outcome') {
          set({ filters });
          return;
        }
        // A new question: back to the first page, and the rows of the old one are not this one's answer.
        set({ filters, limit: AUDIT_PAGE, events: null, exporting: { running: null, done: null, error: null } });
        void get().load();
      },

      clearFilters() {
        set({ filters: NO_AUDIT_FILTERS, refError: null, limit: AUDIT_PAGE, events: null, exporting: { running: null, done: null, error: null } });
        void get().load();
      },

      showKey(ref) {
        const problem = refProblem(ref);
        if (problem) {
          set({ refError: problem });
          return;
        }
        set({ filters: { ...NO_AUDIT_FILTERS, ref: ref.trim() }, refError: null, limit: AUDIT_PAGE, events: null, exporting: { running: null, done: null, error: null } });
        void get().load();
      },

      async loadMore() {
        set((state) => ({ limit: Math.min(state.limit + AUDIT_PAGE, AUDIT_MAX) }));
        await get().load();
      },

      async exportTrail(format) {
        if (get().exporting.running) return;
        const { filters, limit } = get();
        set({ exporting: { running: format, done: null, error: null } });
        try {
          const result = await client['export:audit']({ ...auditQueryOf(filters, limit), format });
          const name = exportFileName(filters, format, now());
          options.save({ name, content: result.content, type: format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json' });
          set({ exporting: { running: null, done: { format, events: result.events, name }, error: null } });
        } catch (error) {
          set({ exporting: { running: null, done: null, error: messageOf(error) } });
        }
      },

      async exportEvidence() {
        if (get().evidence.running) return;
        set({ evidence: { running: true, done: null, error: null } });
        try {
          const result = await client['audit:evidence']();
          const name = `keywarden-evidence-${now().toISOString().slice(0, 10)}.json`;
          options.save({ name, content: result.content, type: 'application/json' });
          set({ evidence: { running: false, done: { name, keys: result.keys, events: result.events, verified: result.verified }, error: null } });
        } catch (error) {
          set({ evidence: { running: false, done: null, error: messageOf(error) } });
        }
      },

      async verifyChain() {
        const mine = ++chainGeneration;
        try {
          const chain = await client['audit:verify']();
          if (mine === chainGeneration) set({ chain, chainError: null });
        } catch (error) {
          // The last verdict stays shown: a failed check says nothing about the chain.
          if (mine === chainGeneration) set({ chainError: messageOf(error) });
        }
      },
    };
  });
}

/** How many events a key's history shows. */
export const KEY_HISTORY_LIMIT = 10;

export interface KeyHistoryState {
  ref: string | null;
  /** Oldest first, as the engine answers; null until the answer for `ref`. */
  events: AuditEvent[] | null;
  error: string | null;
  load: (ref: string) => Promise<void>;
}

export type KeyHistoryStore = StoreApi<KeyHistoryState>;

/** The last KEY_HISTORY_LIMIT audit events of one key, for the inventory's detail panel. */
export function createKeyHistoryStore(client: ContractClient): KeyHistoryStore {
  let generation = 0;
  return createStore<KeyHistoryState>()((set, get) => ({
    ref: null,
    events: null,
    error: null,

    async load(ref) {
      const mine = ++generation;
      // Another key: its rows only, never the previous key's while it loads.
      if (get().ref !== ref) set({ ref, events: null, error: null });
      try {
        const events = await client['audit:list']({ ref, limit: KEY_HISTORY_LIMIT });
        if (mine === generation) set({ events, error: null });
      } catch (error) {
        if (mine === generation) set({ error: messageOf(error) });
      }
    },
  }));
}
