/**
 * The console's inventory store over a real ContractClient (buildContractClient) with an in-memory transport
 * that answers from a list of keys: pages fetched once, later pages on demand, stale answers dropped, the query
 * the filters make, and a refresh after a change.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildContractClient, type ContractMethod } from '../../../shared/contract.js';
import type { InventoryQuery, Key } from '../../../shared/domain.js';
import { failuresOf } from '../../../renderer/src/inventory/labels.js';
import { createInventoryStore, PAGE_SIZE, queryOf, rowAt, NO_FILTERS, DEFAULT_SORT } from '../../../renderer/src/state/inventory-store.js';

function makeKey(i: number): Key {
  const name = `client-${String(i).padStart(3, '0')}`;
  return {
    ref: `nb/${name}`,
    backend: 'nb',
    backendType: 'nitrobox',
    id: name,
    name,
    prefix: name,
    status: 'active',
    createdAt: '2026-11-01T00:00:00.000Z',
    expiresAt: null,
    graceEndsAt: null,
    rotationDueAt: new Date(Date.UTC(2027, 0, 1) + i * 86_400_000).toISOString(),
    lastUsedAt: null,
    lastTestedAt: null,
    lastTestOk: null,
    secretCached: false,
    syncedAt: '2026-11-24T00:00:00.000Z',
    owner: null,
    environment: null,
    tags: [],
    notes: null,
  };
}

/** An in-memory transport: `inventory:query` filters by search and pages; each answer may be held. */
function fakeEngine(count: number, settingsFail = false) {
  let keys = Array.from({ length: count }, (_, i) => makeKey(i));
  const queries: InventoryQuery[] = [];
  /** While held, each call waits here for its release. */
  let held: Array<() => void> | null = null;
  /** Backends whose sync fails, all with the same error. */
  const syncFails: string[] = [];
  /** The next inventory:query fails with this message. */
  let queryFails: string | null = null;
  const transport = {
    async invoke(method: ContractMethod, args: unknown[]): Promise<unknown> {
      if (method === 'inventory:query') queries.push(args[0] as InventoryQuery);
      if (held) await new Promise<void>((resolve) => held?.push(resolve));
      switch (method) {
        case 'inventory:query': {
          if (queryFails) {
            const message = queryFails;
            queryFails = null;
            throw new Error(message);
          }
          const query = args[0] as InventoryQuery;
          const matching = keys.filter((key) => !query.search || key.name.includes(query.search));
          const offset = query.offset ?? 0;
          return { total: matching.length, offset, rows: matching.slice(offset, offset + (query.limit ?? 100)) };
        }
        case 'inventory:facets':
          return {
            total: keys.length,
            status: { active: keys.length, grace: 0, revoked: 0, expired: 0 },
            vendors: { commbox: 0, boxwatch: 0, nitrobox: keys.length, manual: 0 },
            backends: [{ name: 'nb', type: 'nitrobox', count: keys.length }],
            due: { overdue: 0, within7: 0, within30: 0, later: keys.length, none: 0 },
          };
        case 'backend:list':
          return [];
        case 'settings:get':
          if (settingsFail) throw new Error('settings unavailable');
          return { clipboardClearSeconds: 30, backgroundSyncHours: 6, revealHideSeconds: 12, lockAfterIdleMinutes: 15, maxRotationDays: null, reminderLeadDays: [30, 7, 1] };
        case 'key:reveal':
          return 'revealed-secret';
        case 'sync:run':
          return {
            ok: syncFails.length === 0,
            startedAt: '2026-11-24T00:00:00.000Z',
            results: (args[0] as string[]).map((backend) => ({
              backend,
              pages: 1,
              durationMs: 5,
              note: null,
              ...(syncFails.includes(backend) ? { ok: false, keyCount: 0, error: 'proxy refused the connection', errorCode: 'network' } : { ok: true, keyCount: 2, error: null, errorCode: null }),
            })),
          };
        case 'export:inventory':
          return { format: 'csv', content: 'ref\n', keys: 0 };
        default:
          throw new Error(`not faked: ${method}`);
      }
    },
  };
  return {
    client: buildContractClient(transport),
    queries,
    syncFails,
    setKeys: (next: Key[]) => (keys = next),
    failNext: (message: string) => (queryFails = message),
    /** Holds every answer until the returned function releases them, in the order asked or newest first. */
    holdAnswers(): (order?: 'asked' | 'newest-first') => void {
      held = [];
      return (order = 'asked') => {
        const waiting = held ?? [];
        held = null;
        for (const release of order === 'asked' ? waiting : waiting.reverse()) release();
      };
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the inventory store', () => {
  describe('messages that stop being true go', () => {
    afterEach(() => vi.useRealTimers());

    it('a sync that went well fades after a while; a failure stays until dismissed', async () => {
      vi.useFakeTimers();
      const engine = fakeEngine(3);
      const store = createInventoryStore(engine.client, { resultFadeMs: 10_000 });
      await store.getState().syncBackends(['a', 'b']);
      expect(store.getState().sync.results).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(10_100);
      expect(store.getState().sync.results).toBeNull();

      engine.syncFails.push('b');
      await store.getState().syncBackends(['a', 'b']);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(store.getState().sync.results?.map((result) => result.ok)).toEqual([true, false]);
      store.getState().dismissSync();
      expect(store.getState().sync.results).toBeNull();
    });

    it('an export that went well fades too', async () => {
      vi.useFakeTimers();
      const store = createInventoryStore(fakeEngine(3).client, { resultFadeMs: 10_000 });
      await store.getState().exportInventory('csv', () => {});
      expect(store.getState().exporting.done).toMatch(/^Exported 0 keys as keywarden-inventory-/);
      await vi.advanceTimersByTimeAsync(10_100);
      expect(store.getState().exporting.done).toBeNull();
    });

    it('a refusal beside Reveal or Test goes when Keywarden is unlocked', async () => {
      const store = createInventoryStore(fakeEngine(3).client);
      store.getState().select(makeKey(0));
      store.setState((state) => ({ detail: { ...state.detail, revealError: 'Keywarden is locked: unlock it to reveal a secret', testError: 'Keywarden is locked' } }));
      store.getState().lockChanged(true);
      expect(store.getState().detail.revealError).not.toBeNull();
      store.getState().lockChanged(false);
      expect(store.getState().detail).toMatchObject({ revealError: null, testError: null });
    });

    it('one failure at several backends is said once, with the backends', () => {
      const result = (backend: string, error: string | null) => ({ backend, ok: error === null, keyCount: 0, pages: 0, error, errorCode: error ? 'network' : null, durationMs: 1, note: null });
      expect(failuresOf([result('a', 'proxy down'), result('b', null), result('c', 'c: proxy down'), result('d', '401')])).toEqual([
        { error: 'proxy down', backends: ['a', 'c'] },
        { error: '401', backends: ['d'] },
      ]);
    });
  });

  describe('a revealed secret is hidden again by the store, after the setting', () => {
    afterEach(() => vi.useRealTimers());

    it('after revealHideSeconds (12 s here), whichever view shows it', async () => {
      vi.useFakeTimers();
      const engine = fakeEngine(3);
      const store = createInventoryStore(engine.client);
      await store.getState().init();
      store.getState().select(makeKey(0));
      await store.getState().revealSelected();
      expect(store.getState().detail.secret).toBe('revealed-secret');
      vi.advanceTimersByTime(11_900);
      expect(store.getState().detail.secret).toBe('revealed-secret');
      vi.advanceTimersByTime(200);
      expect(store.getState().detail.secret).toBeNull();
    });

    it('after 30 s, the documented default, when the settings cannot be read', async () => {
      vi.useFakeTimers();
      const engine = fakeEngine(3, true);
      const store = createInventoryStore(engine.client);
      await store.getState().init();
      expect(store.getState().revealHideSeconds).toBe(30);
      store.getState().select(makeKey(0));
      await store.getState().revealSelected();
      vi.advanceTimersByTime(29_900);
      expect(store.getState().detail.secret).toBe('revealed-secret');
      vi.advanceTimersByTime(200);
      expect(store.getState().detail.secret).toBeNull();
    });
  });

  it('loads the first page, the facets and the reveal delay', async () => {
    const engine = fakeEngine(250);
    const store = createInventoryStore(engine.client);
    await store.getState().init();
    const state = store.getState();
    expect(state.total).toBe(250);
    expect(Object.keys(state.pages)).toEqual(['0']);
    expect(rowAt(state.pages, 0)?.name).toBe('client-000');
    expect(rowAt(state.pages, PAGE_SIZE)).toBeUndefined();
    expect(state.facets?.total).toBe(250);
    expect(state.revealHideSeconds).toBe(12);
    expect(engine.queries).toEqual([{ sort: { field: 'due', direction: 'asc' }, offset: 0, limit: PAGE_SIZE }]);
  });

  it('fetches a later page when its rows are shown, each page once', async () => {
    const engine = fakeEngine(250);
    const store = createInventoryStore(engine.client);
    await store.getState().init();
    await Promise.all([store.getState().ensureRange(90, 130), store.getState().ensureRange(95, 140), store.getState().ensureRange(0, 30)]);
    await store.getState().ensureRange(200, 260);
    expect(engine.queries.map((query) => query.offset)).toEqual([0, 100, 200]);
    expect(rowAt(store.getState().pages, 249)?.name).toBe('client-249');
  });

  it('drops an answer to an older query: slow "client-1" never replaces the rows for "client-12"', async () => {
    const engine = fakeEngine(250);
    const store = createInventoryStore(engine.client, { debounceMs: 0 });
    await store.getState().init();
    const release = engine.holdAnswers();
    store.getState().setSearchInput('client-1');
    await new Promise((resolve) => setTimeout(resolve, 5));
    store.getState().setSearchInput('client-12');
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Both questions are out; the answer to the older one arrives last.
    expect(engine.queries.map((query) => query.search)).toEqual([undefined, 'client-1', 'client-12']);
    release('newest-first');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const state = store.getState();
    expect(state.filters.search).toBe('client-12');
    expect(state.total).toBe(10);
    expect(state.pages[0]?.map((key) => key.name)).toEqual(Array.from({ length: 10 }, (_, i) => `client-12${i}`));
  });

  it('a new query keeps the rows on screen until its first answer, which replaces them all; a failed one shows none', async () => {
    const engine = fakeEngine(250);
    const store = createInventoryStore(engine.client, { debounceMs: 0 });
    await store.getState().init();
    await store.getState().ensureRange(0, 199);
    expect(Object.keys(store.getState().pages)).toEqual(['0', '1']);
    const release = engine.holdAnswers();
    store.getState().setSearchInput('client-12');
    await settle();
    // Asked, not yet answered: the previous rows stay (no "Loading…" rows in between), the new query is pending.
    expect(rowAt(store.getState().pages, 0)?.name).toBe('client-000');
    expect(store.getState().rowsQuery).toBeLessThan(store.getState().query);
    release();
    await settle();
    const answered = store.getState();
    expect(answered.rowsQuery).toBe(answered.query);
    expect(answered.total).toBe(10);
    expect(Object.values(answered.pages).flat()).toHaveLength(10);
    expect(answered.pages[0]?.map((key) => key.name)).toEqual(Array.from({ length: 10 }, (_, i) => `client-12${i}`));

    engine.failNext('the engine is gone');
    store.getState().setSearchInput('client-2');
    await settle();
    expect(store.getState()).toMatchObject({ pages: {}, total: null, loadError: 'the engine is gone' });
  });

  it('waits for typing to pause before it asks', async () => {
    const engine = fakeEngine(20);
    const store = createInventoryStore(engine.client, { debounceMs: 20 });
    await store.getState().init();
    for (const text of ['c', 'cl', 'cli', 'client-01']) store.getState().setSearchInput(text);
    expect(store.getState().searchInput).toBe('client-01');
    await new Promise((resolve) => setTimeout(resolve, 40));
    await settle();
    expect(engine.queries.map((query) => query.search)).toEqual([undefined, 'client-01']);
  });

  it('a refresh fetches the shown pages again and keeps the rows on screen meanwhile', async () => {
    const engine = fakeEngine(150);
    const store = createInventoryStore(engine.client);
    await store.getState().init();
    await store.getState().ensureRange(60, 120);
    engine.setKeys(Array.from({ length: 120 }, (_, i) => makeKey(i + 1000)));
    const release = engine.holdAnswers();
    const refreshing = store.getState().refresh();
    await settle();
    expect(rowAt(store.getState().pages, 0)?.name).toBe('client-000');
    release();
    await refreshing;
    const state = store.getState();
    expect(state.total).toBe(120);
    expect(state.facets?.total).toBe(120);
    expect(rowAt(state.pages, 0)?.name).toBe('client-1000');
    expect(rowAt(state.pages, 119)?.name).toBe('client-1119');
  });

  it('turns the filters into the contract query', () => {
    expect(queryOf(NO_FILTERS, DEFAULT_SORT)).toEqual({ sort: { field: 'due', direction: 'asc' } });
    expect(queryOf({ search: '  stripe ', status: 'grace', vendor: 'commbox', backend: 'acme', overdue: false, dueWithin30: true }, { field: 'name', direction: 'desc' })).toEqual({
      search: 'stripe',
      status: 'grace',
      vendor: 'commbox',
      backend: 'acme',
      dueWithinDays: 30,
      sort: { field: 'name', direction: 'desc' },
    });
    expect(queryOf({ ...NO_FILTERS, overdue: true }, DEFAULT_SORT)).toMatchObject({ overdue: true });
  });

  it('sorting by a column asks again, ascending first, then descending', async () => {
    const engine = fakeEngine(10);
    const store = createInventoryStore(engine.client);
    await store.getState().init();
    store.getState().setSort('name');
    store.getState().setSort('name');
    await settle();
    expect(store.getState().sort).toEqual({ field: 'name', direction: 'desc' });
    expect(engine.queries.at(-1)?.sort).toEqual({ field: 'name', direction: 'desc' });
  });
});
