/**
 * The audit view's store and a key's history store, over a real ContractClient with an in-memory transport that
 * filters a trail as the engine does (exact backend, ref and action; the newest `limit`, oldest first): the
 * queries the filters make, the outcome filter applied to what is loaded, Load more, a key typed wrongly, the
 * export of the same filtered trail handed to `save`, and the newest answer winning.
 */
import { actionLabel } from '../../../renderer/src/audit/labels.js';
import { describe, expect, it } from 'vitest';
import type { AuditChainStatus } from '../../../shared/audit.js';
import { buildContractClient, type ContractMethod } from '../../../shared/contract.js';
import type { AuditEvent, AuditQuery } from '../../../shared/domain.js';
import {
  AUDIT_PAGE,
  auditQueryOf,
  createAuditStore,
  createKeyHistoryStore,
  exportFileName,
  KEY_HISTORY_LIMIT,
  NO_AUDIT_FILTERS,
  refProblem,
  type SavedFile,
  shownEvents,
} from '../../../renderer/src/state/audit-store.js';

const ACTIONS = ['sync', 'test', 'reveal', 'key.add'] as const;

function makeTrail(count: number): AuditEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    at: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
    osUser: 'ada',
    action: ACTIONS[i % ACTIONS.length]!,
    backend: i % 2 === 0 ? 'hand' : 'nb',
    ref: i % ACTIONS.length === 0 ? null : `${i % 2 === 0 ? 'hand' : 'nb'}/key-${i % 5}`,
    outcome: i % 7 === 0 ? 'failed' : i % 11 === 0 ? 'unknown' : 'ok',
    detail: null,
  }));
}

function matching(trail: AuditEvent[], query: AuditQuery): AuditEvent[] {
  const found = trail.filter((event) => (!query.backend || event.backend === query.backend) && (!query.ref || event.ref === query.ref) && (!query.action || event.action === query.action));
  return found.slice(-(query.limit ?? 1000));
}

const HEAD = 'ab'.repeat(32);
const VERIFIED: AuditChainStatus = { ok: true, events: 1200, verified: 1200, headHash: HEAD, genesis: 'cd'.repeat(32), firstBreak: null };

function fakeEngine(trail: AuditEvent[], chain: { status: AuditChainStatus | Error } = { status: VERIFIED }) {
  const calls: Array<[ContractMethod, unknown]> = [];
  let held: Array<() => void> | null = null;
  const client = buildContractClient({
    async invoke(method: ContractMethod, args: unknown[]) {
      calls.push([method, args[0]]);
      if (held) await new Promise<void>((resolve) => held?.push(resolve));
      switch (method) {
        case 'audit:list':
          return matching(trail, args[0] as AuditQuery);
        case 'export:audit': {
          const { format, ...query } = args[0] as AuditQuery & { format: 'csv' | 'json' };
          const events = matching(trail, query);
          return { format, events: events.length, content: format === 'json' ? JSON.stringify(events) : `id,action\n${events.map((e) => `${e.id},${e.action}`).join('\n')}` };
        }
        case 'backend:list':
          return [];
        case 'audit:verify':
          if (chain.status instanceof Error) throw chain.status;
          return chain.status;
        default:
          throw new Error(`not faked: ${method}`);
      }
    },
  });
  return {
    client,
    calls,
    queries: () => calls.filter(([method]) => method === 'audit:list').map(([, query]) => query),
    hold(): () => void {
      held = [];
      return () => {
        const waiting = held ?? [];
        held = null;
        for (const release of waiting.reverse()) release();
      };
    },
  };
}

function setup(trail = makeTrail(1200)) {
  const engine = fakeEngine(trail);
  const saved: SavedFile[] = [];
  const store = createAuditStore(engine.client, { save: (file) => saved.push(file), now: () => new Date(2026, 10, 24, 9) });
  return { engine, store, saved, trail };
}

describe('audit action labels', () => {
  it('reads every action in words, a rotation step too, and makes an unknown code readable', () => {
    expect(actionLabel('rotation.step')).toBe('Rotation step');
    expect(actionLabel('rotation.abandon')).toBe('Rotation abandoned');
    expect(actionLabel('unlock')).toBe('Unlock');
    expect(actionLabel('backend.set-thing')).toBe('Backend set thing');
  });
});

describe('the audit store', () => {
  it('loads the newest page of the trail and shows it newest first', async () => {
    const { engine, store, trail } = setup();
    await store.getState().load();
    expect(engine.queries()).toEqual([{ limit: AUDIT_PAGE }]);
    const events = store.getState().events!;
    expect(events).toHaveLength(AUDIT_PAGE);
    expect(events.at(-1)!.id).toBe(trail.length);
    const shown = shownEvents(events, null);
    expect(shown[0]!.id).toBe(trail.length);
    expect(shown.at(-1)!.id).toBe(trail.length - AUDIT_PAGE + 1);
  });

  it('asks the engine for backend, key and action; filters the outcome over what is loaded', async () => {
    const { engine, store } = setup();
    await store.getState().load();
    store.getState().setFilter('backend', 'nb');
    store.getState().setFilter('action', 'test');
    store.getState().setFilter('ref', '  nb/key-1 ');
    await expect.poll(() => store.getState().loading).toBe(false);
    expect(engine.queries().at(-1)).toEqual({ limit: AUDIT_PAGE, backend: 'nb', ref: 'nb/key-1', action: 'test' });
    const events = store.getState().events!;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.backend === 'nb' && event.action === 'test' && event.ref === 'nb/key-1')).toBe(true);

    const asked = engine.queries().length;
    store.getState().setFilter('outcome', 'failed');
    expect(engine.queries()).toHaveLength(asked);
    const failed = shownEvents(store.getState().events, store.getState().filters.outcome);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((event) => event.outcome === 'failed')).toBe(true);

    store.getState().clearFilters();
    await expect.poll(() => store.getState().loading).toBe(false);
    expect(store.getState().filters).toEqual(NO_AUDIT_FILTERS);
    expect(engine.queries().at(-1)).toEqual({ limit: AUDIT_PAGE });
  });

  it('takes part of a reference: every key is asked for, and the events loaded are narrowed to the matching ones', async () => {
    const { engine, store } = setup();
    store.getState().setFilter('ref', 'hand/key-2');
    await expect.poll(() => store.getState().loading).toBe(false);
    store.getState().setFilter('ref', 'key-2');
    expect(store.getState().refError).toBeNull();
    expect(store.getState().filters).toMatchObject({ ref: null, refPart: 'key-2' });
    await expect.poll(() => store.getState().loading).toBe(false);
    expect(engine.queries().at(-1)).toEqual({ limit: AUDIT_PAGE });
    const { events, filters } = store.getState();
    const shown = shownEvents(events, null, filters.refPart);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((event) => event.ref?.includes('key-2'))).toBe(true);
    // The name counts too.
    expect(shownEvents(events, null, 'Billing', { 'hand/key-2': { name: 'Billing API', prefix: null } }).every((event) => event.ref === 'hand/key-2')).toBe(true);
    // Emptying the field means every key again.
    store.getState().setFilter('ref', '');
    expect(store.getState().filters).toMatchObject({ ref: null, refPart: null });
    expect(refProblem('hand/key-2')).toBeNull();
    expect(refProblem('')).toBeNull();
  });

  it("shows one key's events alone when a link asks for it", async () => {
    const { engine, store } = setup();
    store.getState().setFilter('action', 'test');
    store.getState().setFilter('outcome', 'failed');
    store.getState().showKey('hand/key-2');
    await expect.poll(() => store.getState().loading).toBe(false);
    expect(store.getState().filters).toEqual({ ...NO_AUDIT_FILTERS, ref: 'hand/key-2' });
    expect(engine.queries().at(-1)).toEqual({ limit: AUDIT_PAGE, ref: 'hand/key-2' });
  });

  it('opens on a key from a link, and drops one that is not a reference', async () => {
    const linked = createAuditStore(fakeEngine(makeTrail(10)).client, { save: () => {}, initialFilters: { ...NO_AUDIT_FILTERS, ref: 'hand/key-2' } });
    expect(linked.getState().filters.ref).toBe('hand/key-2');
    const wrong = createAuditStore(fakeEngine(makeTrail(10)).client, { save: () => {}, initialFilters: { ...NO_AUDIT_FILTERS, ref: 'nonsense' } });
    expect(wrong.getState().filters.ref).toBeNull();
    expect(wrong.getState().refError).not.toBeNull();
  });

  it('loads older events on request, up to the whole trail', async () => {
    const { engine, store, trail } = setup();
    await store.getState().load();
    await store.getState().loadMore();
    expect(engine.queries().at(-1)).toEqual({ limit: 2 * AUDIT_PAGE });
    expect(store.getState().events).toHaveLength(2 * AUDIT_PAGE);
    await store.getState().loadMore();
    expect(store.getState().events).toHaveLength(trail.length);
    expect(store.getState().events![0]!.id).toBe(1);
  });

  it('exports the same filtered trail and saves it under a name that says what it holds', async () => {
    const { engine, store, saved } = setup();
    store.getState().setFilter('backend', 'hand');
    await expect.poll(() => store.getState().loading).toBe(false);
    await store.getState().exportTrail('csv');
    expect(engine.calls.filter(([method]) => method === 'export:audit').map(([, args]) => args)).toEqual([{ limit: AUDIT_PAGE, backend: 'hand', format: 'csv' }]);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ name: 'keywarden-audit-2026-11-24_hand.csv', type: 'text/csv;charset=utf-8' });
    expect(saved[0]!.content.split('\n')).toHaveLength(AUDIT_PAGE + 1);
    expect(store.getState().exporting).toEqual({ running: null, done: { format: 'csv', events: AUDIT_PAGE, name: 'keywarden-audit-2026-11-24_hand.csv' }, error: null });

    await store.getState().exportTrail('json');
    expect(saved[1]).toMatchObject({ name: 'keywarden-audit-2026-11-24_hand.json', type: 'application/json' });
    expect((JSON.parse(saved[1]!.content) as AuditEvent[]).every((event) => event.backend === 'hand')).toBe(true);
  });

  it('shows an export that fails in place, and saves nothing', async () => {
    const saved: SavedFile[] = [];
    const store = createAuditStore(buildContractClient({ invoke: () => Promise.reject(new Error('the data folder is locked')) }), { save: (file) => saved.push(file) });
    await store.getState().exportTrail('json');
    expect(saved).toEqual([]);
    expect(store.getState().exporting).toEqual({ running: null, done: null, error: 'the data folder is locked' });
  });

  it('keeps the newest answer when an older one arrives last', async () => {
    const { engine, store } = setup();
    const release = engine.hold();
    const first = store.getState().load();
    store.getState().setFilter('action', 'sync');
    release();
    await first;
    await expect.poll(() => store.getState().loading).toBe(false);
    expect(store.getState().events!.every((event) => event.action === 'sync')).toBe(true);
  });

  it("says whether the trail's chain verifies, again on request; a failed check keeps the last verdict", async () => {
    const chain: { status: AuditChainStatus | Error } = { status: VERIFIED };
    const engine = fakeEngine(makeTrail(10), chain);
    const store = createAuditStore(engine.client, { save: () => {} });
    expect(store.getState().chain).toBeNull();
    await store.getState().verifyChain();
    expect(store.getState()).toMatchObject({ chain: VERIFIED, chainError: null });

    const broken: AuditChainStatus = {
      ...VERIFIED,
      ok: false,
      verified: 6,
      firstBreak: { id: 7, at: '2026-11-01T09:07:00.000Z', kind: 'missing-before', problem: 'an event is missing before event 7 (id 6)' },
    };
    chain.status = broken;
    await store.getState().verifyChain();
    expect(store.getState().chain).toEqual(broken);

    chain.status = new Error('the database is busy');
    await store.getState().verifyChain();
    expect(store.getState()).toMatchObject({ chain: broken, chainError: 'the database is busy' });
    expect(engine.calls.filter(([method]) => method === 'audit:verify')).toHaveLength(3);
  });

  it('makes file names safe and the query without an outcome', () => {
    expect(exportFileName({ backend: null, ref: 'nb/weird key/../x', action: 'key.add', outcome: 'failed' }, 'json', new Date(2026, 0, 5))).toBe(
      'keywarden-audit-2026-01-05_nb-weird-key-..-x_key.add.json',
    );
    expect(auditQueryOf({ backend: 'hand', ref: null, action: null, outcome: 'failed' }, 20)).toEqual({ limit: 20, backend: 'hand' });
  });
});

describe("a key's history store", () => {
  it("asks for the key's last events, and never shows one key's events under another", async () => {
    const trail = makeTrail(200);
    const engine = fakeEngine(trail);
    const store = createKeyHistoryStore(engine.client);
    await store.getState().load('nb/key-1');
    expect(engine.calls.at(-1)).toEqual(['audit:list', { ref: 'nb/key-1', limit: KEY_HISTORY_LIMIT }]);
    expect(store.getState().events).toHaveLength(KEY_HISTORY_LIMIT);
    expect(store.getState().events!.every((event) => event.ref === 'nb/key-1')).toBe(true);

    const release = engine.hold();
    const loading = store.getState().load('hand/key-2');
    expect(store.getState()).toMatchObject({ ref: 'hand/key-2', events: null });
    release();
    await loading;
    expect(store.getState().events!.every((event) => event.ref === 'hand/key-2')).toBe(true);
  });
});
