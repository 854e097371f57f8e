/**
 * The console's inventory queries on a real SQLite file: one page at a time, filtered, sorted and
 * counted by SQLite, as the table asks for them; and the counts behind its filters. What an
 * administrator checks: the soonest-due key comes first, every key appears on exactly one page,
 * filters combine, and the counts agree with what the filters then show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InventoryQuery } from '../../../shared/domain.js';
import type { RemoteKey } from '../../../electron/core/backends/backend.js';
import { InventoryStore, type NewBackend } from '../../../electron/core/store/store.js';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY_MS = 86_400_000;
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY_MS).toISOString();

let folder: string;
let store: InventoryStore;

function addBackend(name: string, type: NewBackend['type']): number {
  return store.backends.insert({ name, type, url: type === 'manual' ? null : 'https://api.example.com', settings: {}, rotateEveryDays: null, createdAt: NOW.toISOString() }, null).id;
}

function key(id: string, fields: Partial<RemoteKey> = {}): RemoteKey {
  return { id, name: id, prefix: null, status: 'active', createdAt: inDays(-100), expiresAt: null, graceEndsAt: null, lastUsedAt: null, ...fields };
}

function refs(query: InventoryQuery): string[] {
  return store.keys.query(query, NOW).rows.map((row) => row.ref);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  folder = mkdtempSync(join(tmpdir(), 'keywarden-query-'));
  store = InventoryStore.open(join(folder, 'keywarden.db'));
  const commbox = addBackend('cb', 'commbox');
  const nitrobox = addBackend('nb', 'nitrobox');
  const manual = addBackend('hand', 'manual');
  const synced = { syncStartedAt: NOW.toISOString(), syncedAt: NOW.toISOString(), rotateEveryDays: null };
  store.keys.replaceInventory(commbox, [key('cb-active', { expiresAt: inDays(20), prefix: '…a1B2' }), key('cb-grace', { status: 'grace', graceEndsAt: inDays(5) })], synced);
  store.keys.replaceInventory(nitrobox, [key('overdue-client', { expiresAt: inDays(-3) }), key('Billing', { expiresAt: inDays(60) }), key('no-date'), key('old', { status: 'revoked' })], {
    ...synced,
    rotateEveryDays: null,
  });
  store.keys.upsert(manual, key('stripe', { name: 'Stripe prod', expiresAt: inDays(2) }), null, null);
});

afterEach(() => {
  store.close();
  vi.useRealTimers();
  rmSync(folder, { recursive: true, force: true });
});

describe('inventory pages', () => {
  it('sorts soonest due first by default: overdue, then by date; keys with no due date last', () => {
    expect(refs({})).toEqual(['nb/overdue-client', 'hand/stripe', 'cb/cb-grace', 'cb/cb-active', 'nb/Billing', 'nb/no-date', 'nb/old']);
  });

  it('sorts by any column in either direction, with empty values last', () => {
    expect(refs({ sort: { field: 'name', direction: 'asc' } })).toEqual(['nb/Billing', 'cb/cb-active', 'cb/cb-grace', 'nb/no-date', 'nb/old', 'nb/overdue-client', 'hand/stripe']);
    expect(refs({ sort: { field: 'due', direction: 'desc' } }).slice(0, 2)).toEqual(['nb/Billing', 'cb/cb-active']);
    expect(
      refs({ sort: { field: 'due', direction: 'desc' } })
        .slice(-2)
        .sort(),
    ).toEqual(['nb/no-date', 'nb/old']);
    // Status by urgency: active, grace, expired, revoked.
    expect(refs({ sort: { field: 'status', direction: 'asc' } }).slice(-2)).toEqual(['cb/cb-grace', 'nb/old']);
  });

  it('pages without overlap or gaps, and counts every match whatever the page', () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 7; offset += 3) {
      const page = store.keys.query({ offset, limit: 3 }, NOW);
      expect(page.total).toBe(7);
      expect(page.offset).toBe(offset);
      seen.push(...page.rows.map((row) => row.ref));
    }
    expect(seen).toEqual(refs({}));
  });

  it('combines filters: vendor, status, overdue, due window, backend and search', () => {
    expect(refs({ vendor: 'nitrobox' }).sort()).toEqual(['nb/Billing', 'nb/no-date', 'nb/old', 'nb/overdue-client']);
    expect(refs({ overdue: true })).toEqual(['nb/overdue-client']);
    expect(refs({ dueWithinDays: 30 })).toEqual(['nb/overdue-client', 'hand/stripe', 'cb/cb-grace', 'cb/cb-active']);
    expect(refs({ vendor: 'commbox', status: 'grace' })).toEqual(['cb/cb-grace']);
    expect(refs({ search: 'a1b2' })).toEqual(['cb/cb-active']);
    expect(refs({ search: 'stripe', backend: 'hand' })).toEqual(['hand/stripe']);
    expect(store.keys.query({ vendor: 'boxwatch' }, NOW)).toEqual({ total: 0, offset: 0, rows: [] });
  });

  it('treats LIKE wildcards in a search as text', () => {
    expect(refs({ search: '%' })).toEqual([]);
    expect(refs({ search: '_' })).toEqual(['nb/overdue-client', 'cb/cb-active', 'cb/cb-grace', 'nb/no-date'].filter((ref) => ref.includes('_')));
  });
});

describe('inventory facets', () => {
  it('counts per status, vendor, backend and due window, agreeing with what the filters show', () => {
    const facets = store.keys.facets(NOW);
    expect(facets.total).toBe(7);
    expect(facets.status).toEqual({ active: 5, grace: 1, revoked: 1, expired: 0 });
    expect(facets.vendors).toEqual({ commbox: 2, boxwatch: 0, nitrobox: 4, manual: 1 });
    expect(facets.backends).toEqual([
      { name: 'cb', type: 'commbox', count: 2 },
      { name: 'hand', type: 'manual', count: 1 },
      { name: 'nb', type: 'nitrobox', count: 4 },
    ]);
    expect(facets.due).toEqual({ overdue: 1, within7: 2, within30: 1, later: 1, none: 1 });
    expect(facets.due.overdue).toBe(store.keys.query({ overdue: true }, NOW).total);
    expect(facets.due.overdue + facets.due.within7 + facets.due.within30).toBe(store.keys.query({ dueWithinDays: 30 }, NOW).total);
    for (const [status, count] of Object.entries(facets.status)) expect(store.keys.query({ status: status as never }, NOW).total).toBe(count);
  });
});
