/**
 * Search over a real SQLite file: the trigram index (migration 011) answers what a LIKE scan answers, for every form of
 * the syntax, short terms and other scripts included; and its triggers keep it right through every write of a key's
 * searched text (a sync, a describe, a manual key's vendor, a delete, a backend removed). A team's first copy, which
 * fills the index once after its rows, finds what a copy made key by key finds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RemoteKey } from '../../../electron/core/backends/backend.js';
import { keyConditions } from '../../../electron/core/store/key-rows.js';
import type { KeySort, TeamKeyCopy } from '../../../electron/core/store/keys.js';
import { openSqlite } from '../../../electron/core/store/sqlite.js';
import { InventoryStore } from '../../../electron/core/store/store.js';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY_MS = 86_400_000;
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY_MS).toISOString();
const synced = { syncStartedAt: NOW.toISOString(), syncedAt: NOW.toISOString(), rotateEveryDays: null };

let folder: string;
let store: InventoryStore;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'keywarden-search-'));
  store = InventoryStore.open(join(folder, 'keywarden.db'));
});

afterEach(() => {
  store.close();
  rmSync(folder, { recursive: true, force: true });
});

function addBackend(name: string, type: 'commbox' | 'nitrobox' | 'manual'): number {
  return store.backends.insert({ name, type, url: type === 'manual' ? null : 'https://api.example.com', settings: {}, rotateEveryDays: null, createdAt: NOW.toISOString() }, null).id;
}

function key(id: string, fields: Partial<RemoteKey> = {}): RemoteKey {
  return { id, name: id, prefix: null, status: 'active', createdAt: inDays(-100), expiresAt: null, graceEndsAt: null, lastUsedAt: null, ...fields };
}

const event = (ref: string) => ({ at: NOW.toISOString(), osUser: 'ana', action: 'key.describe', backend: ref.split('/')[0]!, ref, outcome: 'ok' as const, detail: null });

function refs(search: string, on: InventoryStore = store): string[] {
  return on.keys.list({ search }, NOW).map((row) => row.ref);
}

/** Words of several scripts and cases, so the generated names, owners and notes are not all ASCII. */
const WORDS = ['payments', 'Billing', 'café', 'Łódź', '東京', 'партнёр', 'ingest', 'stripe', 'ÉTÉ', 'x', 'ab', 'shop-eu', '50%_off', 'naïve'];
const PEOPLE = ['Ana Lima', 'bruno', 'Chen Wei', 'Dara', 'Émile', null];
const TAGS = [['prod'], ['prod', 'pci'], ['staging'], [], ['Prod-EU'], ['測試']];
const ENVS = ['prod', 'staging', 'dev', null, 'EU'];

/** A generated inventory of 240 keys over three backends, with descriptions. */
function generate(): void {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const backends = [addBackend('acme', 'commbox'), addBackend('nb', 'nitrobox'), addBackend('hand', 'manual')];
  for (const [position, backendId] of backends.entries()) {
    const keys = Array.from({ length: 80 }, (_, index) =>
      key(`k${position}-${index}`, {
        name: `${pick(WORDS)} ${pick(WORDS)} ${index}`,
        prefix: next() < 0.5 ? `pk_${pick(WORDS).slice(0, 3)}` : null,
        status: pick(['active', 'active', 'grace', 'revoked', 'expired'] as const),
        expiresAt: next() < 0.6 ? inDays(Math.floor(next() * 90) - 20) : null,
        details: position === 2 ? { vendor: pick(['Stripe', 'Twilio', 'Mailgun', null]) } : {},
      }),
    );
    store.keys.replaceInventory(backendId, keys, synced);
    for (const remote of keys) {
      const tags = pick(TAGS);
      store.keys.describe(backendId, remote.id, { owner: pick(PEOPLE), environment: pick(ENVS), tags, notes: next() < 0.3 ? `rotate with ${pick(WORDS)}` : null }, event(`x/${remote.id}`));
    }
  }
}

/**
 * The same file without the search indexes (the trigram index and the pair index): a copy whose searches fall back to
 * LIKE, as a file older than migration 011.
 */
async function withoutIndex(name = 'like.db'): Promise<InventoryStore> {
  const copy = join(folder, name);
  await store.backup(copy);
  const db = openSqlite(copy);
  db.exec('DROP TABLE key_search; DROP TABLE key_pairs');
  db.close();
  return InventoryStore.open(copy, { readOnly: true });
}

/** Each search, in each sort, at each offset: the page and count `store` answers are those of `like` (no index). */
function expectPagesAsLike(like: InventoryStore, searches: string[], sorts: Array<KeySort | undefined>, offsets: number[]): void {
  for (const search of searches) {
    for (const sort of sorts) {
      for (const offset of offsets) {
        const query = { search, offset, limit: 100, ...(sort ? { sort } : {}) };
        const page = (on: InventoryStore) => {
          const answer = on.keys.query(query, NOW);
          return { total: answer.total, refs: answer.rows.map((row) => row.ref) };
        };
        expect({ query, ...page(store) }).toEqual({ query, ...page(like) });
      }
    }
  }
}

/**
 * Each search, in the default order, by name descending and by backend (an order without an index), at each offset: the
 * page and count `query` answers are those of the whole list `list` returns in the same order, which makes no choice of
 * how to read a page.
 */
function expectPagesAsWholeList(searches: string[], offsets: number[]): void {
  for (const search of searches) {
    for (const sort of [undefined, { field: 'name', direction: 'desc' }, { field: 'backend', direction: 'asc' }] as const) {
      const all = store.keys.list({ search }, NOW, sort ?? { field: 'due', direction: 'asc' }).map((row) => row.ref);
      for (const offset of offsets) {
        const page = store.keys.query({ search, offset, limit: 100, ...(sort ? { sort } : {}) }, NOW);
        expect({ search, sort, offset, total: page.total, refs: page.rows.map((row) => row.ref) }).toEqual({ search, sort, offset, total: all.length, refs: all.slice(offset, offset + 100) });
      }
    }
  }
}

const keyConditionsFor = (search: string) => keyConditions({ search }, NOW, { searchIndex: true, backends: [] });

const SEARCHES = [
  // free text: long (the index), short (LIKE), other scripts in their own case, LIKE wildcards taken literally
  'payments',
  'PAYMENTS',
  'pay',
  'pa',
  'p',
  'café',
  'Łódź',
  '東京',
  '東',
  'партнёр',
  'naïve',
  '50%_',
  '%',
  '_off',
  'shop-eu',
  'k1-1',
  'ana lima',
  '"Ana Lima"',
  'lima',
  'emile',
  'Émile',
  'stripe',
  'twilio',
  'commbox',
  'nitro',
  'hand',
  'acme',
  'rotate with',
  // fields
  'vendor:commbox',
  'vendor:stripe',
  'vendor:man',
  'backend:acme',
  'backend:ACME',
  'backend:ac',
  'status:grace',
  'status:expired',
  'owner:ana',
  'owner:"Chen Wei"',
  'owner:da',
  'tag:prod',
  'tag:PROD',
  'tag:pci',
  'tag:pr',
  'tag:測試',
  'env:prod',
  'env:eu',
  'env:st',
  // due, negation, combinations
  'due<30',
  'due<0',
  'overdue',
  '-overdue',
  '-tag:prod',
  '-stripe',
  '-pa',
  'tag:prod -tag:pci',
  'payments tag:prod owner:ana',
  'café -env:prod',
  'status:active due<30 -vendor:nitrobox',
  '-owner:lima -"Billing"',
];

describe('search with the trigram index', () => {
  it('finds exactly what a LIKE scan finds, for every form of the syntax, short terms and other scripts included', async () => {
    generate();
    const like = await withoutIndex();
    try {
      for (const search of SEARCHES) expect({ search, refs: refs(search) }).toEqual({ search, refs: refs(search, like) });
      // Not vacuous: most searches find some keys and leave others out.
      const sizes = SEARCHES.map((search) => refs(search).length);
      expect(sizes.filter((size) => size > 0 && size < 240).length).toBeGreaterThan(SEARCHES.length * 0.75);
    } finally {
      like.close();
    }
  });

  it('pages and counts as LIKE does, when the index names few keys and when it names many (the page then walks the order)', async () => {
    const acme = addBackend('acme', 'commbox');
    // 1,300 keys name "payments": more than the index hands to SQLite to sort (WALK_ORDER_ABOVE in keys.ts).
    const keys = Array.from({ length: 1500 }, (_, index) =>
      key(`k${index}`, { name: `${index % 13 === 0 ? 'Billing' : 'Payments'} ${index % 7}`, expiresAt: index % 3 ? inDays((index * 37) % 400) : null }),
    );
    store.keys.replaceInventory(acme, keys, synced);
    const like = await withoutIndex();
    try {
      expectPagesAsLike(like, ['payments', 'billing', 'payments 3', 'tag:x', '-billing'], [undefined, { field: 'name', direction: 'desc' }, { field: 'status', direction: 'asc' }], [0, 1200]);
      expect(store.keys.query({ search: 'payments', limit: 1 }, NOW).total).toBe(1384);
    } finally {
      like.close();
    }
  });

  it('pages and counts as LIKE does when the index names more keys than it sorts but few enough to be listed in their place (one in ten)', async () => {
    const acme = addBackend('acme', 'commbox');
    // 12,000 keys: "billing" names 1,091 (over WALK_ORDER_ABOVE, under one key in LISTED_DENSE: its MATCH runs once and
    // the list of keys it named stands for it in the count and the walked page); "payments" names 10,909 (counted
    // from the index, the MATCH kept in the query).
    const keys = Array.from({ length: 12_000 }, (_, index) =>
      key(`k${index}`, {
        name: `${index % 11 === 0 ? 'Billing' : 'Payments'} ${index % 7}`,
        status: index % 17 === 0 ? 'revoked' : 'active',
        expiresAt: index % 3 ? inDays(((index * 37) % 400) - 30) : null,
      }),
    );
    store.keys.replaceInventory(acme, keys, synced);
    const like = await withoutIndex();
    try {
      expectPagesAsLike(
        like,
        ['billing', 'billing due<30', 'billing -status:revoked', 'payments', 'payments overdue'],
        [undefined, { field: 'name', direction: 'asc' }, { field: 'backend', direction: 'desc' }],
        [0, 1000],
      );
      // Not vacuous: each search is in the range it is meant for.
      expect(store.keys.query({ search: 'billing', limit: 1 }, NOW).total).toBe(1091);
      expect(store.keys.query({ search: 'payments', limit: 1 }, NOW).total).toBe(10_909);
    } finally {
      like.close();
    }
  });

  it('pages a term shorter than a trigram as the whole list orders it, found densely (the order walked) or rarely (the searched columns first)', () => {
    const acme = addBackend('acme', 'commbox');
    const hand = addBackend('hand', 'manual');
    // 2,400 keys: "pa" in nearly all (walked), "bi" in one in thirteen, "zq" in twenty (rare: one pass over migration 017's index collects them, and their page is sorted from their rowids).
    const keys = (prefix: string) =>
      Array.from({ length: 1200 }, (_, index) =>
        key(`${prefix}${index}`, {
          name: index % 120 === 5 ? `Zq relay ${index}` : `${index % 13 === 0 ? 'Billing' : 'Payments'} ${index % 7}`,
          status: index % 11 === 0 ? 'expired' : 'active',
          expiresAt: index % 3 ? inDays((index * 37) % 400) : null,
          details: prefix === 'h' ? { vendor: index % 2 ? 'Stripe' : 'Twilio' } : {},
        }),
      );
    store.keys.replaceInventory(acme, keys('a'), synced);
    store.keys.replaceInventory(hand, keys('h'), synced);
    expectPagesAsWholeList(['pa', 'bi', 'zq', 'tw', 'ac', 'p', '-pa', 'zq status:active', 'zq -tw'], [0, 100, 1500]);
    // Not vacuous: the rare term is rare, the dense one dense.
    expect(store.keys.query({ search: 'zq', limit: 1 }, NOW).total).toBe(20);
    expect(store.keys.query({ search: 'pa', limit: 1 }, NOW).total).toBeGreaterThan(2000);
  });

  it('pages a short term as the whole list orders it, however the sample of keys before it judges the term (40,000 keys)', () => {
    const acme = addBackend('acme', 'commbox');
    // Rowids follow the array: the sample is the run of 1,000 keys from the middle (19,500 to 20,499).
    // - "qv" is in one key in 26 everywhere: sampled rare, counted and listed in one pass, and with over 1,000 listed, the
    //   order's index walked keeping them (sorted from the list in the backend's order, which has no index);
    // - "jx" is in the first 16,000 keys, none in the run: sampled as absent and listed, but found in 40 % of the keys by
    //   that pass, so the order's index is walked after all, with the pass's count;
    // - "wz" is in 100 keys, all in the run: sampled dense, the first page walks the order; deeper, the walk would read
    //   more rows than listing them, so the next pages are listed and sorted.
    const marker = (index: number) => (index % 26 === 0 ? 'qv ' : '') + (index < 16_000 ? 'jx ' : '') + (index >= 19_600 && index < 19_700 ? 'wz ' : '');
    const keys = Array.from({ length: 40_000 }, (_, index) =>
      key(`k${index}`, {
        name: `${marker(index)}Payments ${index % 7}`,
        status: index % 11 === 0 ? 'expired' : 'active',
        expiresAt: index % 3 ? inDays((index * 37) % 400) : null,
      }),
    );
    store.keys.replaceInventory(acme, keys, synced);
    expectPagesAsWholeList(['qv', 'jx', 'wz', 'qv status:active', 'jx -qv'], [0, 100, 1450]);
    // Not vacuous: each term is found as often as it is meant to be.
    expect(store.keys.query({ search: 'qv', limit: 1 }, NOW).total).toBe(1539);
    expect(store.keys.query({ search: 'jx', limit: 1 }, NOW).total).toBe(16_000);
    expect(store.keys.query({ search: 'wz', limit: 1 }, NOW).total).toBe(100);
  });

  it('answers through the index: a term of three characters or more never scans the keys with LIKE', () => {
    generate();
    const db = openSqlite(join(folder, 'keywarden.db'), { readOnly: true });
    try {
      const plan = (search: string) => {
        const { where, params } = keyConditionsFor(search);
        return (db.prepare(`EXPLAIN QUERY PLAN SELECT k.key_id FROM keys k JOIN backends b ON b.id = k.backend_id ${where}`).all(params as never) as Array<{ detail: string }>)
          .map((row) => row.detail)
          .join('\n');
      };
      expect(plan('payments')).toMatch(/VIRTUAL TABLE INDEX/);
      expect(plan('owner:lima')).toMatch(/VIRTUAL TABLE INDEX/);
    } finally {
      db.close();
    }
  });

  it('folds the case of letters beyond ASCII (É finds é) where LIKE cannot', () => {
    const hand = addBackend('hand', 'manual');
    store.keys.replaceInventory(hand, [key('k1', { name: 'Été sale' })], synced);
    expect(refs('été')).toEqual(['hand/k1']);
  });

  it('refuses a search it cannot read, in words', () => {
    expect(() => refs('colour:red')).toThrow('search: "colour:" is not a search field');
  });
});

describe('two-character terms through the pair index (migration 018)', () => {
  /** Every pair of adjacent characters in the generated keys' names, notes and owners (ASCII-folded), and some in none. */
  function pairsInInventory(): string[] {
    const found = new Set<string>();
    for (const row of store.keys.list({}, NOW)) {
      for (const text of [row.name, row.prefix ?? '', row.owner ?? '', row.notes ?? '']) {
        const characters = [...text];
        for (let at = 0; at + 1 < characters.length; at++) found.add(`${characters[at]}${characters[at + 1]}`);
      }
    }
    return [...found, 'zq', 'qz', '"x', 'x"'];
  }

  it('finds exactly what LIKE finds, for every pair of characters in the inventory, negated, combined and beside a backend named by the term', async () => {
    generate();
    const pairs = pairsInInventory();
    // LIKE folds ASCII letters only, the index every script's (É finds é): compared on terms whose case means nothing else.
    const comparable = pairs.filter((pair) => pair.toLowerCase() === pair.toUpperCase() || /^[\x20-\x7e]+$/.test(pair));
    expect(comparable.length).toBeGreaterThan(150);
    const like = await withoutIndex();
    try {
      const searches = [
        ...comparable,
        ...comparable.slice(0, 40).map((pair) => `-${pair}`),
        // Two short terms, one negated; with a trigram term (which then narrows first); with fields.
        'pa -ab',
        'ym ng',
        'payments li',
        'li payments -ab',
        'ab status:active',
        'ca tag:prod',
        // "ac" names the backend acme, "co" the type commbox: their keys match whole, beside what the index finds.
        'ac',
        'co',
        '-co',
        'nb',
        // A manual key's own vendor.
        'ri',
        'gu',
      ];
      for (const search of searches) expect({ search, refs: refs(search) }).toEqual({ search, refs: refs(search, like) });
      // Not vacuous: most of them find some keys and leave others out.
      const sizes = searches.map((search) => refs(search).length);
      expect(sizes.filter((size) => size > 0 && size < 240).length).toBeGreaterThan(searches.length * 0.5);
    } finally {
      like.close();
    }
  });

  it("folds the case of letters beyond ASCII as the trigram index does, so a term's first two letters find what it finds", () => {
    const hand = addBackend('hand', 'manual');
    store.keys.replaceInventory(hand, [key('k1', { name: 'Été sale' }), key('k2', { name: 'ÉTÉ' })], synced);
    expect([refs('ét').sort(), refs('été').sort(), refs('ÉT').sort()]).toEqual([
      ['hand/k1', 'hand/k2'],
      ['hand/k1', 'hand/k2'],
      ['hand/k1', 'hand/k2'],
    ]);
  });

  it('answers from the pair index alone: a two-character term never reads the keys with LIKE', () => {
    generate();
    const db = openSqlite(join(folder, 'keywarden.db'), { readOnly: true });
    try {
      const plan = (search: string) => {
        const { where, params } = keyConditions({ search }, NOW, { searchIndex: true, joinedSearchedText: true, pairIndex: true, backends: [] });
        expect(where, search).not.toMatch(/LIKE/);
        return (db.prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) FROM keys k ${where}`).all(params as never) as Array<{ detail: string }>).map((row) => row.detail).join('\n');
      };
      for (const search of ['pa', '-pa', 'zq ab']) expect(plan(search), search).toMatch(/VIRTUAL TABLE INDEX/);
      // One character is not a pair: LIKE over the joined text, as before.
      expect(keyConditions({ search: 'p' }, NOW, { searchIndex: true, joinedSearchedText: true, pairIndex: true, backends: [] }).where).toMatch(/LIKE/);
    } finally {
      db.close();
    }
  });
});

describe('status and vendor, answered from the backends and the status index', () => {
  /** What each status and vendor term must find, judged apart from the query's own conditions. */
  function oracle(): { status: (key: { status: string }) => string; vendor: (term: string) => string[] } {
    const db = openSqlite(join(folder, 'keywarden.db'), { readOnly: true });
    try {
      const rows = db
        .prepare<{ ref: string; type: string; vendor: string | null }>(
          "SELECT b.name || '/' || k.key_id AS ref, b.type, json_extract(k.details, '$.vendor') AS vendor FROM keys k JOIN backends b ON b.id = k.backend_id",
        )
        .all();
      return {
        status: (key) => key.status,
        vendor: (term) =>
          rows
            .filter((row) => row.type.includes(term.toLowerCase()) || (row.type === 'manual' && (row.vendor ?? '').toLowerCase().includes(term.toLowerCase())))
            .map((row) => row.ref)
            .sort(),
      };
    } finally {
      db.close();
    }
  }

  it('a status finds the keys that show it (a manual key past its expiry is expired), negated too, in the search, the filter and the counts', () => {
    generate();
    const all = store.keys.list({}, NOW);
    // Not vacuous: manual keys stored active read as expired, past their expiry.
    const manualPast = all.filter((key) => key.backendType === 'manual' && key.status === 'expired');
    expect(manualPast.length).toBeGreaterThan(0);
    const facets = store.keys.facets(NOW).status;
    for (const status of ['active', 'grace', 'revoked', 'expired'] as const) {
      const showing = all
        .filter((key) => key.status === status)
        .map((key) => key.ref)
        .sort();
      const others = all
        .filter((key) => key.status !== status)
        .map((key) => key.ref)
        .sort();
      expect({ status, refs: refs(`status:${status}`).sort() }).toEqual({ status, refs: showing });
      expect({ status, refs: refs(`-status:${status}`).sort() }).toEqual({ status, refs: others });
      expect({
        status,
        refs: store.keys
          .list({ status }, NOW)
          .map((key) => key.ref)
          .sort(),
      }).toEqual({ status, refs: showing });
      expect({ status, total: store.keys.query({ status, limit: 5 }, NOW).total, facet: facets[status] }).toEqual({ status, total: showing.length, facet: showing.length });
    }
  });

  it('a vendor finds the keys of backends of that type and the manual keys of that vendor, in any case', () => {
    generate();
    const expected = oracle();
    for (const term of ['commbox', 'CommBox', 'nitro', 'man', 'stripe', 'TWI', 'o', 'nobody']) {
      expect({ term, refs: refs(`vendor:${term}`).sort() }).toEqual({ term, refs: expected.vendor(term) });
    }
    const everyone = store.keys.list({}, NOW).map((key) => key.ref);
    expect(refs('-vendor:stripe').sort()).toEqual(everyone.filter((ref) => !expected.vendor('stripe').includes(ref)).sort());
    // Without manual backends, a vendor is its backends' keys alone.
    expect(expected.vendor('commbox').every((ref) => ref.startsWith('acme/'))).toBe(true);
  });

  it("a short term (the pair index, or LIKE for one character) finds a key by its backend's name and type and a manual key's own vendor, the backend judged once per backend", () => {
    generate();
    const db = openSqlite(join(folder, 'keywarden.db'), { readOnly: true });
    const rows = db
      .prepare<{ ref: string; fields: string }>(
        `SELECT b.name || '/' || k.key_id AS ref,
           lower(concat_ws(char(31), k.name, k.prefix, k.key_id, b.name, b.type, json_extract(k.details, '$.vendor'), k.owner, k.environment, k.tags, k.notes)) AS fields
         FROM keys k JOIN backends b ON b.id = k.backend_id`,
      )
      .all();
    db.close();
    // Every searched field read in one string (ASCII terms: LIKE's folding and lower() agree), judged in JavaScript.
    const containing = (term: string) =>
      rows
        .filter((row) => row.fields.includes(term.toLowerCase()))
        .map((row) => row.ref)
        .sort();
    // "ac" and "nb" are backend names, "co" in commbox, "ma" in manual, "Tw" and "Ma" in a manual key's own vendor.
    for (const term of ['ac', 'nb', 'co', 'ma', 'Tw', 'MA', 'ha', 'q']) {
      const found = refs(term).sort();
      expect({ term, found }).toEqual({ term, found: containing(term) });
    }
    // Not vacuous: a backend's name finds every key of that backend, which no other field holds.
    expect(refs('nb').filter((ref) => ref.startsWith('nb/'))).toHaveLength(80);
    expect(refs('-nb').some((ref) => ref.startsWith('nb/'))).toBe(false);
  });

  it('pages past the last key of a narrowed search still give the count', () => {
    generate();
    const first = store.keys.query({ search: 'payments tag:prod', limit: 100 }, NOW);
    expect(first.total).toBeGreaterThan(0);
    expect(store.keys.query({ search: 'payments tag:prod', offset: first.total + 50, limit: 100 }, NOW)).toEqual({ total: first.total, offset: first.total + 50, rows: [] });
  });
});

describe('the index follows every write of a key', () => {
  it('a sync adds, changes and removes keys; a describe changes their owner and tags; a delete and a removed backend take them out', () => {
    const hand = addBackend('hand', 'manual');
    const acme = addBackend('acme', 'commbox');
    store.keys.replaceInventory(acme, [key('k1', { name: 'Payments prod' }), key('k2', { name: 'Billing' })], synced);
    expect(refs('payments')).toEqual(['acme/k1']);
    // A resync renames k1 and drops k2.
    store.keys.replaceInventory(acme, [key('k1', { name: 'Ledger prod' })], { ...synced, syncStartedAt: new Date(Date.now() + DAY_MS).toISOString() });
    expect(refs('payments')).toEqual([]);
    expect(refs('ledger')).toEqual(['acme/k1']);
    expect(refs('billing')).toEqual([]);
    // The pair index too ("ym" of Payments, "dg" of Ledger, "ll" of Billing).
    expect([refs('ym'), refs('dg'), refs('ll')]).toEqual([[], ['acme/k1'], []]);
    // A test or a status change leaves the text as it is.
    store.keys.recordTest(acme, 'k1', NOW.toISOString(), true);
    store.keys.setStatus(acme, 'k1', 'grace');
    expect(refs('ledger')).toEqual(['acme/k1']);
    store.keys.describe(acme, 'k1', { owner: 'Ana Lima', environment: 'staging', tags: ['pci', 'prod'], notes: 'ask finance' }, event('acme/k1'));
    expect([refs('owner:lima'), refs('tag:pci'), refs('env:staging'), refs('finance')]).toEqual([['acme/k1'], ['acme/k1'], ['acme/k1'], ['acme/k1']]);
    expect([refs('im'), refs('fi'), refs('ci'), refs('un')]).toEqual([['acme/k1'], ['acme/k1'], ['acme/k1'], []]);
    store.keys.describe(acme, 'k1', { owner: 'Bruno', environment: null, tags: ['prod'], notes: null }, event('acme/k1'));
    expect([refs('owner:lima'), refs('owner:bruno'), refs('tag:pci'), refs('env:staging'), refs('finance')]).toEqual([[], ['acme/k1'], [], [], []]);
    expect([refs('im'), refs('fi'), refs('ci'), refs('un')]).toEqual([[], [], [], ['acme/k1']]);
    // A manual key's own vendor is searched as the vendor.
    store.keys.upsert(hand, key('s1', { name: 'Checkout', details: { vendor: 'Stripe' } }), null, null);
    expect([refs('stripe'), refs('vendor:stripe'), refs('ip'), refs('dy')]).toEqual([['hand/s1'], ['hand/s1'], ['hand/s1'], []]);
    store.keys.upsert(hand, key('s1', { name: 'Checkout', details: { vendor: 'Adyen' } }), null, null);
    expect([refs('stripe'), refs('vendor:adyen'), refs('ip'), refs('dy')]).toEqual([[], ['hand/s1'], [], ['hand/s1']]);
    store.keys.delete(hand, 's1');
    expect([refs('checkout'), refs('ko')]).toEqual([[], []]);
    store.backends.delete(acme);
    expect(refs('ledger')).toEqual([]);
    // Nothing is left in the index for keys that are gone.
    const db = openSqlite(join(folder, 'keywarden.db'), { readOnly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM key_search').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM key_pairs').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});

/**
 * How many segments FTS5 holds the trigram index in, from its structure record (row 10 of key_search_data; format in
 * SQLite's fts5_index.c): a 4-byte cookie, in newer files a 4-byte version marker, then varints, the number of levels
 * and the number of segments. A header this does not know fails the test rather than guess.
 */
function searchIndexSegments(): number {
  const db = openSqlite(join(folder, 'keywarden.db'), { readOnly: true });
  try {
    const record = (db.prepare('SELECT block FROM key_search_data WHERE id = 10').get() as { block: Buffer }).block;
    let at = record.subarray(4, 8).equals(Buffer.from([0xff, 0, 0, 1])) ? 8 : 4;
    const varint = () => {
      let value = 0;
      for (let byte = 0; byte < 8; byte++) {
        const next = record[at++]!;
        value = value * 128 + (next & 0x7f);
        if (!(next & 0x80)) return value;
      }
      throw new Error('an FTS5 structure record this test cannot read');
    };
    varint(); // the levels
    return varint();
  } finally {
    db.close();
  }
}

describe('the index merged after bulk writes', () => {
  it('is merged into one segment once the keys bulk writes wrote reach half the inventory (and 1,000), and finds what LIKE finds before and after', async () => {
    const acme = addBackend('acme', 'commbox');
    const inventory = (renamed: number, word: string) =>
      Array.from({ length: 2_000 }, (_, index) => key(`k${index}`, { name: `${index < renamed ? word : 'Payments'} ${index % 7}`, prefix: `pk_${index % 13}` }));
    // Each resync starts after the keys were first seen (the real clock), so only the renamed ones are written.
    const later = (days: number) => ({ ...synced, syncStartedAt: new Date(Date.now() + days * DAY_MS).toISOString() });
    const writesSinceMerge = () => store.meta.get('search_index.writes_since_merge');
    // A first sync of 2,000 keys, written key by key, ends in one merged segment.
    store.keys.replaceInventory(acme, inventory(0, ''), synced);
    expect([writesSinceMerge(), searchIndexSegments()]).toEqual(['0', 1]);
    // 400 keys renamed: under half the inventory and under 1,000: counted, not merged (a new segment).
    store.keys.replaceInventory(acme, inventory(400, 'Billing'), later(1));
    expect(writesSinceMerge()).toBe('400');
    expect(searchIndexSegments()).toBeGreaterThan(1);
    const like = await withoutIndex();
    try {
      expectPagesAsLike(like, ['payments', 'billing', 'pk_1', '-billing payments'], [undefined], [0, 1500]);
    } finally {
      like.close();
    }
    // 700 more renamed: 1,100 since the merge, and merged again, with the same answers.
    store.keys.replaceInventory(acme, inventory(1_100, 'Ledger'), later(2));
    expect([writesSinceMerge(), searchIndexSegments()]).toEqual(['0', 1]);
    const likeAfter = await withoutIndex('like-after.db');
    try {
      expectPagesAsLike(likeAfter, ['payments', 'billing', 'ledger', 'pk_1', '-ledger payments'], [undefined], [0, 1500]);
    } finally {
      likeAfter.close();
    }
    expect(store.keys.query({ search: 'ledger', limit: 1 }, NOW).total).toBe(1_100);
  });
});

describe("a team's copy of its keys (writeTeamCopies)", () => {
  /** What `generate()` wrote, as a team's pull brings it: each key with its description, per backend by name. */
  function copiesOfGenerated(): Array<{ backend: string; copy: Omit<TeamKeyCopy, 'backendId'> }> {
    return store.backends.list().flatMap((row) =>
      store.keys.list({ backend: row.name }, NOW).map((listed) => ({
        backend: row.name,
        copy: {
          key: store.keys.getRemote(row.id, listed.id)!,
          syncedAt: listed.syncedAt,
          rotateEveryDays: null,
          description: { owner: listed.owner, environment: listed.environment, tags: listed.tags, notes: listed.notes },
          replaces: null,
          at: NOW.toISOString(),
        },
      })),
    );
  }

  /** A new data folder with the same backends (a team's pull adds them before its keys). */
  function newCopy(name: string): InventoryStore {
    const copy = InventoryStore.open(join(folder, `${name}.db`));
    for (const row of store.backends.list()) copy.backends.insert({ name: row.name, type: row.type, url: row.url, settings: {}, rotateEveryDays: null, createdAt: row.createdAt }, null);
    return copy;
  }

  const write = (into: InventoryStore, copies: ReturnType<typeof copiesOfGenerated>) =>
    into.transaction(() => into.keys.writeTeamCopies(copies.map(({ backend, copy }) => ({ ...copy, backendId: into.backends.require(backend).id }))));

  const schemaOf = (on: InventoryStore) => openSqliteReading(on, (db) => db.prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('keys', 'key_search') ORDER BY name").all());
  /** Rows in the search indexes (the trigram index and the pair index), which must agree: one per key in each. */
  const indexRows = (on: InventoryStore) =>
    openSqliteReading(on, (db) => {
      const [trigrams, pairs] = ['key_search', 'key_pairs'].map((table) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
      if (trigrams !== pairs) throw new Error(`the trigram index holds ${trigrams} keys, the pair index ${pairs}`);
      return trigrams!;
    });

  function openSqliteReading<T>(on: InventoryStore, read: (db: ReturnType<typeof openSqlite>) => T): T {
    const db = openSqlite(on.path, { readOnly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  }

  const health = (on: InventoryStore) => on.keys.healthFacts({ now: NOW, leadDays: 14, unusedDays: 90, maxRotationDays: 180, shownOnceBackends: ['acme'], limit: 1000 });

  it('a first copy fills the index once and finds, pages, counts and judges exactly what the copy made key by key finds', () => {
    generate();
    const copies = copiesOfGenerated();
    expect(copies.length).toBe(240);
    const first = newCopy('first');
    const incremental = newCopy('incremental');
    const schema = schemaOf(first);
    try {
      // Into an empty inventory: the whole batch, the index filled after the rows.
      expect(write(first, copies)).toEqual({ searchIndex: 'filled once' });
      // The same data key by key: one key first, then the rest into an inventory that holds it (the trigger per key).
      expect(write(incremental, copies.slice(0, 1))).toEqual({ searchIndex: 'filled once' });
      expect(write(incremental, copies.slice(1))).toEqual({ searchIndex: 'per key' });
      // The insert trigger is back, word for word, and the index holds one row per key.
      expect(schemaOf(first)).toEqual(schema);
      expect([indexRows(first), indexRows(incremental)]).toEqual([240, 240]);
      for (const search of SEARCHES) {
        const expected = { search, refs: refs(search) };
        expect({ search, refs: refs(search, first) }).toEqual(expected);
        expect({ search, refs: refs(search, incremental) }).toEqual(expected);
      }
      const page = (on: InventoryStore) => on.keys.query({ search: 'payments', offset: 0, limit: 50, sort: { field: 'due', direction: 'asc' } }, NOW);
      expect(page(first)).toEqual(page(incremental));
      expect(first.keys.facets(NOW)).toEqual(incremental.keys.facets(NOW));
      expect(health(first)).toEqual(health(incremental));
      expect(first.keys.list({}, NOW)).toEqual(incremental.keys.list({}, NOW));
    } finally {
      first.close();
      incremental.close();
    }
  });

  it('after a first copy the triggers keep the index right; a first copy that fails leaves no key and the trigger in place', () => {
    generate();
    const copies = copiesOfGenerated();
    const first = newCopy('first');
    const schema = schemaOf(first);
    try {
      // A key of a backend the copy does not have: the batch is refused whole (the foreign key), nothing is kept.
      expect(() => first.transaction(() => first.keys.writeTeamCopies([{ ...copies[0]!.copy, backendId: 999 }, ...copies.map(({ copy }) => ({ ...copy, backendId: 1 }))]))).toThrow();
      expect([first.keys.list({}, NOW).length, indexRows(first)]).toEqual([0, 0]);
      expect(schemaOf(first)).toEqual(schema);
      expect(write(first, copies)).toEqual({ searchIndex: 'filled once' });
      // Later writes go through the triggers as before: a describe, a new key, a delete.
      const acme = first.backends.require('acme').id;
      const [one, two] = first.keys.list({ backend: 'acme' }, NOW);
      first.keys.describe(acme, one!.id, { owner: 'Zoë Quist', environment: 'sandbox', tags: ['zq'], notes: null }, event(one!.ref));
      first.keys.upsert(acme, key('late', { name: 'Quokka late' }), null, null);
      first.keys.delete(acme, two!.id);
      expect([refs('owner:zoë', first), refs('env:sandbox', first), refs('tag:zq', first), refs('quokka', first), refs(two!.name, first).includes(two!.ref)]).toEqual([
        [one!.ref],
        [one!.ref],
        [one!.ref],
        ['acme/late'],
        false,
      ]);
      expect(indexRows(first)).toBe(240);
    } finally {
      first.close();
    }
  });
});
