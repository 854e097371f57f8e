/**
 * The inventory store on a real SQLite file: what an administrator sees after a sync, a filter, a
 * removal or a policy change. The wall clock (used for `first_seen_at`) is pinned with fake Date
 * timers so every "before / after the sync started" case is exact.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Key, KeyFilter } from '../../../shared/domain.js';
import type { RemoteKey } from '../../../electron/core/backends/backend.js';
import { KeywardenError } from '../../../electron/core/errors.js';
import { DAY_MS } from '../../../electron/core/reminders/reminders.js';
import { type AuditEntry, type BackendRow, InventoryStore, type NewBackend } from '../../../electron/core/store/store.js';
import type { SealedSecret } from '../../../electron/core/vault/vault.js';

const T0 = new Date('2026-04-01T10:00:00.000Z');
const iso = (date: Date) => date.toISOString();
const plusDays = (date: Date, days: number) => new Date(date.getTime() + days * DAY_MS);
const plusMs = (date: Date, ms: number) => new Date(date.getTime() + ms);

let folder: string;
let store: InventoryStore;
/** Extra connections a test opened on the same file (closed after it). */
const connections: Database.Database[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  folder = mkdtempSync(join(tmpdir(), 'keywarden-store-'));
  store = InventoryStore.open(join(folder, 'keywarden.db'));
});

afterEach(() => {
  for (const connection of connections.splice(0)) connection.close();
  store.close();
  vi.useRealTimers();
  rmSync(folder, { recursive: true, force: true });
});

function addBackend(name: string, type: NewBackend['type'] = 'boxwatch', rotateEveryDays: number | null = null): BackendRow {
  return store.backends.insert({ name, type, url: type === 'manual' ? null : 'https://api.example.com', settings: {}, rotateEveryDays, createdAt: iso(T0) }, null);
}

function remote(id: string, fields: Partial<RemoteKey> = {}): RemoteKey {
  return { id, name: `key ${id}`, prefix: null, status: 'active', createdAt: null, expiresAt: null, graceEndsAt: null, lastUsedAt: null, ...fields };
}

function ids(filter: KeyFilter, now = T0): string[] {
  return store.keys
    .list(filter, now)
    .map((k) => k.ref)
    .sort();
}

/** What the vault hands the store for a key's secret: opaque sealed bytes and a fingerprint (random here: never opened). */
function sealedBlob(): SealedSecret {
  return { sealed: randomBytes(48), fingerprint: randomBytes(32) };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    return (error as KeywardenError).code;
  }
  throw new Error('expected an error');
}

describe('backends', () => {
  it('a second backend with the same name is refused with conflict and the first is unchanged', () => {
    const first = addBackend('prod', 'boxwatch', 90);
    const error = (() => {
      try {
        store.backends.insert({ name: 'prod', type: 'commbox', url: 'https://other.example.com', settings: {}, rotateEveryDays: null, createdAt: iso(T0) }, null);
      } catch (e) {
        return e as KeywardenError;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(KeywardenError);
    expect(error?.code).toBe('conflict');
    expect(error?.message).toContain('prod');
    expect(store.backends.list()).toHaveLength(1);
    const kept = store.backends.require('prod');
    expect(kept).toMatchObject({ id: first.id, type: 'boxwatch', url: 'https://api.example.com', rotateEveryDays: 90 });
  });

  it('an unknown backend is not_found and lists the known ones', () => {
    addBackend('prod');
    let caught: unknown;
    try {
      store.backends.require('staging');
    } catch (e) {
      caught = e;
    }
    expect((caught as KeywardenError).code).toBe('not_found');
    expect((caught as KeywardenError).message).toContain('prod');
  });
});

describe('replaceInventory', () => {
  let alpha: BackendRow;
  let beta: BackendRow;

  beforeEach(() => {
    alpha = addBackend('alpha', 'boxwatch', 90);
    beta = addBackend('beta', 'nitrobox', 180);
    store.keys.replaceInventory(alpha.id, [remote('a1', { createdAt: iso(T0) }), remote('a2'), remote('a3')], {
      syncStartedAt: iso(T0),
      syncedAt: iso(T0),
      rotateEveryDays: 90,
    });
    store.keys.replaceInventory(beta.id, [remote('b1'), remote('b2')], { syncStartedAt: iso(T0), syncedAt: iso(T0), rotateEveryDays: 180 });
    store.keys.recordTest(alpha.id, 'a1', iso(plusMs(T0, 500)), true);
    store.keys.recordTest(beta.id, 'b1', iso(plusMs(T0, 500)), false);
  });

  it('removes keys the vendor no longer lists, updates listed ones, and leaves other backends alone', () => {
    vi.setSystemTime(plusDays(T0, 1));
    const syncStartedAt = iso(plusDays(T0, 1));
    const syncedAt = iso(plusMs(plusDays(T0, 1), 2000));
    store.backends.recordSyncFailure(alpha.id, iso(plusDays(T0, 0.5)), 'earlier failure');

    store.keys.replaceInventory(alpha.id, [remote('a1', { name: 'renamed by vendor', createdAt: iso(T0) }), remote('a4', { name: 'new one' })], {
      syncStartedAt,
      syncedAt,
      rotateEveryDays: 90,
    });

    const now = plusDays(T0, 1);
    expect(ids({ backend: 'alpha' }, now)).toEqual(['alpha/a1', 'alpha/a4']);
    expect(ids({ backend: 'beta' }, now)).toEqual(['beta/b1', 'beta/b2']);

    const a1 = store.keys.get('alpha', 'a1', now)!;
    expect(a1.name).toBe('renamed by vendor');
    expect(a1.syncedAt).toBe(syncedAt);
    // Keywarden's own columns survive the vendor's update.
    expect(a1.lastTestedAt).toBe(iso(plusMs(T0, 500)));
    expect(a1.lastTestOk).toBe(true);
    expect(a1.rotationDueAt).toBe(iso(plusDays(T0, 90)));

    const b1 = store.keys.get('beta', 'b1', now)!;
    expect(b1.lastTestOk).toBe(false);
    expect(b1.syncedAt).toBe(iso(T0));

    const row = store.backends.require('alpha');
    expect(row.lastSyncAt).toBe(syncedAt);
    expect(row.lastSyncOkAt).toBe(syncedAt);
    expect(row.lastError).toBeNull();
    expect(row.keyCount).toBe(2);
  });

  it('a key without any date that the vendor now lists as revoked is revoked after the re-sync (status alone is a change)', () => {
    vi.setSystemTime(plusDays(T0, 1));
    const at = iso(plusDays(T0, 1));
    // a2 has no created, expiry, grace or last-used date: only its status changes at the vendor.
    const writes = store.keys.replaceInventory(alpha.id, [remote('a1', { createdAt: iso(T0) }), remote('a2', { status: 'revoked' }), remote('a3')], {
      syncStartedAt: at,
      syncedAt: at,
      rotateEveryDays: 90,
    });
    expect(store.keys.get('alpha', 'a2', plusDays(T0, 1))?.status).toBe('revoked');
    expect(writes).toMatchObject({ updated: 1, unchanged: 2 });
  });

  it('a first sync of many keys (inserted a hundred to a statement) stores each as a resync would, a key listed twice as its later listing', () => {
    vi.setSystemTime(plusDays(T0, 1));
    const gamma = addBackend('gamma', 'nitrobox', 30);
    const at = iso(plusDays(T0, 1));
    const listing = Array.from({ length: 250 }, (_, index) =>
      remote(`g${index}`, { name: `Key ${index}`, createdAt: iso(plusDays(T0, -index)), expiresAt: index % 2 ? iso(plusDays(T0, index)) : null }),
    );
    // Listed again: g7 after its hundred was written, g120 while its hundred is still waiting to be.
    const twice = [...listing.slice(0, 130), remote('g7', { name: 'Key 7, listed again' }), remote('g120', { name: 'Key 120, listed again' }), ...listing.slice(130)];
    const writes = store.keys.replaceInventory(gamma.id, twice, { syncStartedAt: at, syncedAt: at, rotateEveryDays: 30 });
    expect(writes).toMatchObject({ inserted: 252, updated: 0, removed: 0 });
    const now = plusDays(T0, 1);
    const firstSync = store.keys.list({ backend: 'gamma' }, now);
    expect(firstSync).toHaveLength(250);
    expect([store.keys.get('gamma', 'g7', now)!.name, store.keys.get('gamma', 'g120', now)!.name]).toEqual(['Key 7, listed again', 'Key 120, listed again']);
    // The same listing written one key at a time (each key's upsert, as a resync of changed keys does) stores the same.
    const delta = addBackend('delta', 'nitrobox', 30);
    for (const key of twice) store.keys.upsert(delta.id, key, at, 30);
    const asDelta = (key: Key) => ({ ...key, ref: key.ref.replace('gamma/', 'delta/'), backend: 'delta', firstSeenAt: undefined, syncedAt: undefined });
    expect(store.keys.list({ backend: 'delta' }, now).map((key) => ({ ...key, firstSeenAt: undefined, syncedAt: undefined }))).toEqual(firstSync.map(asDelta));
    // And the search indexes hold every one of them.
    expect([store.keys.list({ backend: 'gamma', search: '"key 2"' }, now).length, store.keys.list({ backend: 'gamma', search: 'ag' }, now).length]).toEqual([61, 2]);
  });

  it('is one transaction: a bad key in the listing changes nothing at all', () => {
    vi.setSystemTime(plusDays(T0, 1));
    const before = store.keys.list({ backend: 'alpha' }, T0);
    const error = codeOf(() =>
      store.keys.replaceInventory(alpha.id, [remote('a1', { name: 'should not stick' }), remote('a9', { createdAt: 'not a date' })], {
        syncStartedAt: iso(plusDays(T0, 1)),
        syncedAt: iso(plusDays(T0, 1)),
        rotateEveryDays: 90,
      }),
    );
    expect(error).toBe('invalid_input');
    expect(store.keys.list({ backend: 'alpha' }, T0)).toEqual(before);
    expect(store.backends.require('alpha').lastSyncAt).toBe(iso(T0));
  });

  it('keeps a key first seen after the sync started (created while the sync was running)', () => {
    const syncStartedAt = plusDays(T0, 1);
    // The slow sync starts; meanwhile the administrator creates a key and its secret is cached.
    vi.setSystemTime(plusMs(syncStartedAt, 1500));
    store.keys.upsert(alpha.id, remote('created-during-sync', { createdAt: iso(plusMs(syncStartedAt, 1500)) }), null, 90);
    store.keys.putSecret(alpha.id, 'created-during-sync', sealedBlob(), iso(plusMs(syncStartedAt, 1500)));
    // The vendor's listing was taken before the new key existed.
    vi.setSystemTime(plusMs(syncStartedAt, 3000));
    store.keys.replaceInventory(alpha.id, [remote('a1')], { syncStartedAt: iso(syncStartedAt), syncedAt: iso(plusMs(syncStartedAt, 3000)), rotateEveryDays: 90 });

    expect(ids({ backend: 'alpha' })).toEqual(['alpha/a1', 'alpha/created-during-sync']);
    expect(store.keys.getSecret(alpha.id, 'created-during-sync')).not.toBeNull();
    // That sync listed a1 (unchanged, so not rewritten) but never saw the new key: only a1 says it was synced then.
    expect(store.keys.get('alpha', 'a1', T0)?.syncedAt).toBe(iso(plusMs(syncStartedAt, 3000)));
    expect(store.keys.get('alpha', 'created-during-sync', T0)?.syncedAt).toBeNull();

    // The next sync, started after the key was first seen, removes it if the vendor does not list it.
    vi.setSystemTime(plusDays(T0, 2));
    store.keys.replaceInventory(alpha.id, [remote('a1')], { syncStartedAt: iso(plusDays(T0, 2)), syncedAt: iso(plusDays(T0, 2)), rotateEveryDays: 90 });
    expect(ids({ backend: 'alpha' })).toEqual(['alpha/a1']);
  });

  /** Counts every row written to `keys` from now on, by any connection: a trigger on the file, as a second process would see it. */
  function countKeyWrites(): () => number {
    const counter = new Database(join(folder, 'keywarden.db'));
    connections.push(counter);
    counter.exec(`
      CREATE TABLE test_key_writes (n INTEGER NOT NULL);
      INSERT INTO test_key_writes VALUES (0);
      CREATE TRIGGER test_count_insert AFTER INSERT ON keys BEGIN UPDATE test_key_writes SET n = n + 1; END;
      CREATE TRIGGER test_count_update AFTER UPDATE ON keys BEGIN UPDATE test_key_writes SET n = n + 1; END;
      CREATE TRIGGER test_count_delete AFTER DELETE ON keys BEGIN UPDATE test_key_writes SET n = n + 1; END;`);
    return () => (counter.prepare('SELECT n FROM test_key_writes').get() as { n: number }).n;
  }

  it('a sync that finds nothing changed writes no key row, and every key still says that sync saw it', () => {
    const writes = countKeyWrites();
    vi.setSystemTime(plusDays(T0, 1));
    const syncedAt = iso(plusMs(plusDays(T0, 1), 2000));
    const result = store.keys.replaceInventory(alpha.id, [remote('a1', { createdAt: iso(T0) }), remote('a2'), remote('a3')], {
      syncStartedAt: iso(plusDays(T0, 1)),
      syncedAt,
      rotateEveryDays: 90,
    });
    expect(result).toEqual({ inserted: 0, updated: 0, removed: 0, unchanged: 3 });
    expect(writes()).toBe(0);
    expect(store.keys.list({ backend: 'alpha' }, T0).map((key) => [key.id, key.syncedAt])).toEqual([
      ['a1', syncedAt],
      ['a2', syncedAt],
      ['a3', syncedAt],
    ]);
    // Keywarden's own columns and the other backend are untouched; the backend records the sync.
    expect(store.keys.get('alpha', 'a1', T0)).toMatchObject({ lastTestOk: true, rotationDueAt: iso(plusDays(T0, 90)) });
    expect(store.keys.get('beta', 'b1', T0)?.syncedAt).toBe(iso(T0));
    expect(store.backends.require('alpha')).toMatchObject({ lastSyncOkAt: syncedAt, settings: {} });
    // Sorting by the time a key was last synced reads the same value.
    const page = store.keys.query({ sort: { field: 'syncedAt', direction: 'desc' }, limit: 5 }, T0).rows.map((key) => key.ref);
    expect(page.slice(0, 3).sort()).toEqual(['alpha/a1', 'alpha/a2', 'alpha/a3']);
  });

  it('writes only what changed: one key renamed, one gone, one new, a policy change counts as a change', () => {
    const writes = countKeyWrites();
    vi.setSystemTime(plusDays(T0, 1));
    expect(
      store.keys.replaceInventory(alpha.id, [remote('a1', { createdAt: iso(T0), name: 'renamed' }), remote('a2'), remote('a4')], {
        syncStartedAt: iso(plusDays(T0, 1)),
        syncedAt: iso(plusDays(T0, 1)),
        rotateEveryDays: 90,
      }),
    ).toEqual({ inserted: 1, updated: 1, removed: 1, unchanged: 1 });
    expect(writes()).toBe(3);
    vi.setSystemTime(plusDays(T0, 2));
    // a1's rotation date follows a new interval: written; the others have no creation date, so nothing to recompute.
    expect(
      store.keys.replaceInventory(alpha.id, [remote('a1', { createdAt: iso(T0), name: 'renamed' }), remote('a2'), remote('a4')], {
        syncStartedAt: iso(plusDays(T0, 2)),
        syncedAt: iso(plusDays(T0, 2)),
        rotateEveryDays: 30,
      }),
    ).toEqual({ inserted: 0, updated: 1, removed: 0, unchanged: 2 });
    expect(store.keys.get('alpha', 'a1', T0)?.rotationDueAt).toBe(iso(plusDays(T0, 30)));
  });

  it("a backend's settings written later keep its record of the last good sync", () => {
    vi.setSystemTime(plusDays(T0, 1));
    store.keys.replaceInventory(alpha.id, [remote('a1', { createdAt: iso(T0) }), remote('a2'), remote('a3')], {
      syncStartedAt: iso(plusDays(T0, 1)),
      syncedAt: iso(plusDays(T0, 1)),
      rotateEveryDays: 90,
    });
    store.backends.updateSettings(alpha.id, { vendorFacts: { plan: 'team' } });
    expect(store.backends.require('alpha').settings).toEqual({ vendorFacts: { plan: 'team' } });
    expect(store.keys.get('alpha', 'a2', T0)?.syncedAt).toBe(iso(plusDays(T0, 1)));
  });

  it("a removed key's cached secret goes with it", () => {
    store.keys.putSecret(alpha.id, 'a2', sealedBlob(), iso(T0));
    expect(store.keys.get('alpha', 'a2', T0)?.secretCached).toBe(true);
    expect(store.keys.countSecrets()).toBe(1);

    vi.setSystemTime(plusDays(T0, 1));
    store.keys.replaceInventory(alpha.id, [remote('a1'), remote('a3')], { syncStartedAt: iso(plusDays(T0, 1)), syncedAt: iso(plusDays(T0, 1)), rotateEveryDays: 90 });

    expect(store.keys.get('alpha', 'a2', T0)).toBeNull();
    expect(store.keys.getSecret(alpha.id, 'a2')).toBeNull();
    expect(store.keys.countSecrets()).toBe(0);
    // Re-listing the same id later does not bring an old secret back.
    store.keys.upsert(alpha.id, remote('a2'), iso(plusDays(T0, 1)), 90);
    expect(store.keys.get('alpha', 'a2', T0)?.secretCached).toBe(false);
  });

  it('keys.delete removes the key and its cached secret', () => {
    store.keys.putSecret(alpha.id, 'a3', sealedBlob(), iso(T0));
    store.keys.delete(alpha.id, 'a3');
    expect(store.keys.get('alpha', 'a3', T0)).toBeNull();
    expect(store.keys.getSecret(alpha.id, 'a3')).toBeNull();
  });

  it('deleting a backend removes its keys and their secrets, and nothing of the other backend', () => {
    store.keys.putSecret(alpha.id, 'a1', sealedBlob(), iso(T0));
    store.keys.putSecret(beta.id, 'b1', sealedBlob(), iso(T0));
    store.backends.delete(alpha.id);

    expect(store.backends.find('alpha')).toBeNull();
    expect(ids({})).toEqual(['beta/b1', 'beta/b2']);
    expect(store.keys.getSecret(alpha.id, 'a1')).toBeNull();
    expect(store.keys.getSecret(beta.id, 'b1')).not.toBeNull();

    // A backend added again under the same name starts empty.
    const again = addBackend('alpha');
    expect(ids({ backend: 'alpha' })).toEqual([]);
    expect(store.keys.getSecret(again.id, 'a1')).toBeNull();
  });
});

describe('keys.list filters', () => {
  let alpha: BackendRow;

  beforeEach(() => {
    alpha = addBackend('alpha', 'boxwatch', 90);
    const beta = addBackend('beta', 'manual', null);
    store.keys.replaceInventory(
      alpha.id,
      [
        // rotation due in 10 days
        remote('k1', { name: 'Payments API', prefix: 'PK9F', createdAt: iso(plusDays(T0, -80)) }),
        // rotation due in 80 days
        remote('k2', { name: 'payroll_v2', prefix: 'ZZ01', createdAt: iso(plusDays(T0, -10)) }),
        remote('k3', { name: '100% coverage', prefix: 'QQ77', status: 'revoked', createdAt: iso(plusDays(T0, -200)) }),
        // grace ends in 2 days
        remote('k4', { name: 'Reports', prefix: 'xy_9', status: 'grace', createdAt: iso(plusDays(T0, -30)), graceEndsAt: iso(plusDays(T0, 2)) }),
      ],
      { syncStartedAt: iso(T0), syncedAt: iso(T0), rotateEveryDays: 90 },
    );
    // Manual keys: one past its expiry, one due in 20 days, one with no dates at all.
    store.keys.upsert(beta.id, remote('m1', { name: 'Legacy payments', prefix: 'LG55', createdAt: iso(plusDays(T0, -400)), expiresAt: iso(plusDays(T0, -1)) }), null, null);
    store.keys.upsert(beta.id, remote('m2', { name: 'Mail relay', prefix: 'MR42', createdAt: iso(plusDays(T0, -5)), expiresAt: iso(plusDays(T0, 20)) }), null, null);
    store.keys.upsert(beta.id, remote('m3', { name: 'Forever' }), null, null);
  });

  it('by backend', () => {
    expect(ids({ backend: 'alpha' })).toEqual(['alpha/k1', 'alpha/k2', 'alpha/k3', 'alpha/k4']);
    expect(ids({ backend: 'beta' })).toEqual(['beta/m1', 'beta/m2', 'beta/m3']);
    expect(ids({ backend: 'gamma' })).toEqual([]);
  });

  it('by status', () => {
    expect(ids({ status: 'active' })).toEqual(['alpha/k1', 'alpha/k2', 'beta/m2', 'beta/m3']);
    expect(ids({ status: 'grace' })).toEqual(['alpha/k4']);
    expect(ids({ status: 'revoked' })).toEqual(['alpha/k3']);
    expect(ids({ status: 'expired' })).toEqual(['beta/m1']);
    expect(ids({ status: 'active', backend: 'beta' })).toEqual(['beta/m2', 'beta/m3']);
  });

  it('by search: case-insensitive substring of the name or the prefix', () => {
    expect(ids({ search: 'PAY' })).toEqual(['alpha/k1', 'alpha/k2', 'beta/m1']);
    expect(ids({ search: 'payments' })).toEqual(['alpha/k1', 'beta/m1']);
    expect(ids({ search: 'pk9f' })).toEqual(['alpha/k1']);
    expect(ids({ search: 'lay' })).toEqual(['beta/m2']);
    expect(ids({ search: 'no such thing' })).toEqual([]);
    expect(ids({ search: '' })).toHaveLength(7);
  });

  it('by search: % and _ are taken literally, not as wildcards', () => {
    expect(ids({ search: '%' })).toEqual(['alpha/k3']);
    expect(ids({ search: '100%' })).toEqual(['alpha/k3']);
    expect(ids({ search: '_' })).toEqual(['alpha/k2', 'alpha/k4']);
    expect(ids({ search: 'll_v' })).toEqual(['alpha/k2']);
    // "P_9F" would match "PK9F" if _ were a wildcard.
    expect(ids({ search: 'P_9F' })).toEqual([]);
    expect(ids({ search: '\\' })).toEqual([]);
  });

  it('by dueWithinDays: active or in-grace keys due within the window, overdue ones included', () => {
    // m1 (manual) passed its expiry yesterday: it is overdue, so it is due within any window.
    expect(ids({ dueWithinDays: 0 })).toEqual(['beta/m1']);
    expect(ids({ dueWithinDays: 1 })).toEqual(['beta/m1']);
    expect(ids({ dueWithinDays: 3 })).toEqual(['alpha/k4', 'beta/m1']);
    expect(ids({ dueWithinDays: 30 })).toEqual(['alpha/k1', 'alpha/k4', 'beta/m1', 'beta/m2']);
    expect(ids({ dueWithinDays: 90 })).toEqual(['alpha/k1', 'alpha/k2', 'alpha/k4', 'beta/m1', 'beta/m2']);
    // Revoked keys and keys without any date never show up.
    expect(ids({ dueWithinDays: 36500 })).not.toContain('alpha/k3');
    expect(ids({ dueWithinDays: 36500 })).not.toContain('beta/m3');
    expect(ids({ dueWithinDays: 30, backend: 'alpha', search: 'pay' })).toEqual(['alpha/k1']);
  });

  it('the reminder scan (keys.listDue) lists due keys most urgent first, the overdue manual key included', () => {
    expect(store.keys.listDue(plusDays(T0, 30), T0).map((k) => k.ref)).toEqual(['beta/m1', 'alpha/k4', 'alpha/k1', 'beta/m2']);
  });

  it('a manual key past its expiry reads as expired (derived from the clock at read time)', () => {
    expect(store.keys.get('beta', 'm1', T0)?.status).toBe('expired');
    // Before its expiry the same row reads as active.
    expect(store.keys.get('beta', 'm1', plusDays(T0, -2))?.status).toBe('active');
    expect(ids({ status: 'expired' }, plusDays(T0, -2))).toEqual([]);
    // Once m2's expiry passes it is found as expired too.
    expect(ids({ status: 'expired' }, plusDays(T0, 21))).toEqual(['beta/m1', 'beta/m2']);
    // The stored status is untouched: only the view is derived.
    expect(store.keys.getRemote(store.backends.require('beta').id, 'm1')?.status).toBe('active');
  });

  it('a vendor key past its expiry shows what the vendor last said', () => {
    store.keys.upsert(alpha.id, remote('k5', { name: 'vendor says active', expiresAt: iso(plusDays(T0, -1)) }), iso(T0), 90);
    expect(store.keys.get('alpha', 'k5', T0)?.status).toBe('active');
  });
});

describe('keys.setRotationPolicy: the policy and every due date together', () => {
  it('recomputes rotationDueAt = createdAt + days for keys without an expiry, and keeps vendor expiries', () => {
    const backend = addBackend('nb', 'nitrobox', 180);
    const createdAt = plusDays(T0, -20);
    const expiresAt = plusDays(T0, 45);
    store.keys.replaceInventory(backend.id, [remote('n1', { createdAt: iso(createdAt) }), remote('n2', { createdAt: iso(createdAt), expiresAt: iso(expiresAt) }), remote('n3')], {
      syncStartedAt: iso(T0),
      syncedAt: iso(T0),
      rotateEveryDays: 180,
    });
    expect(store.keys.get('nb', 'n1', T0)?.rotationDueAt).toBe(iso(plusDays(createdAt, 180)));

    store.keys.setRotationPolicy(backend.id, 30, 30);
    expect(store.backends.require('nb').rotateEveryDays).toBe(30);
    expect(store.keys.get('nb', 'n1', T0)?.rotationDueAt).toBe(iso(plusDays(createdAt, 30)));
    expect(store.keys.get('nb', 'n2', T0)?.rotationDueAt).toBe(iso(expiresAt));
    expect(store.keys.get('nb', 'n3', T0)?.rotationDueAt).toBeNull();
    // The reminder window follows: n1 is now due in 10 days.
    expect(ids({ dueWithinDays: 15 })).toEqual(['nb/n1']);

    store.keys.setRotationPolicy(backend.id, null, null);
    expect(store.backends.require('nb').rotateEveryDays).toBeNull();
    expect(store.keys.get('nb', 'n1', T0)?.rotationDueAt).toBeNull();
    expect(store.keys.get('nb', 'n2', T0)?.rotationDueAt).toBe(iso(expiresAt));
    expect(ids({ dueWithinDays: 15 })).toEqual([]);
  });

  it('does not touch keys of other backends', () => {
    const a = addBackend('a', 'boxwatch', 90);
    const b = addBackend('b', 'boxwatch', 90);
    for (const backend of [a, b]) store.keys.upsert(backend.id, remote('k', { createdAt: iso(T0) }), iso(T0), 90);
    store.keys.setRotationPolicy(a.id, 10, 10);
    expect(store.keys.get('a', 'k', T0)?.rotationDueAt).toBe(iso(plusDays(T0, 10)));
    expect(store.keys.get('b', 'k', T0)?.rotationDueAt).toBe(iso(plusDays(T0, 90)));
  });
});

describe('reminder notification state', () => {
  it('reminders.markNotified is true the first time and false afterwards for the same reminder', () => {
    const due = iso(plusDays(T0, 7));
    expect(store.reminders.markNotified('alpha/k1', 'rotation', due, '7', iso(T0))).toBe(true);
    expect(store.reminders.markNotified('alpha/k1', 'rotation', due, '7', iso(plusDays(T0, 1)))).toBe(false);
    // Another threshold, another due date or another key is a new reminder.
    expect(store.reminders.markNotified('alpha/k1', 'rotation', due, '1', iso(T0))).toBe(true);
    expect(store.reminders.markNotified('alpha/k1', 'rotation', iso(plusDays(T0, 97)), '7', iso(T0))).toBe(true);
    expect(store.reminders.markNotified('alpha/k2', 'rotation', due, '7', iso(T0))).toBe(true);
  });

  it('remembers across a re-open (no repeated notification after a restart)', () => {
    const due = iso(plusDays(T0, 30));
    expect(store.reminders.markNotified('alpha/k1', 'expiry', due, '30', iso(T0))).toBe(true);
    const path = store.path;
    store.close();
    store = InventoryStore.open(path);
    expect(store.reminders.markNotified('alpha/k1', 'expiry', due, '30', iso(T0))).toBe(false);
  });
});

describe('audit', () => {
  it('lists entries in the order they happened, the latest N when limited', () => {
    const entries = ['backend add', 'sync', 'key revoke', 'key copy'].map((action, i): AuditEntry => ({
      at: iso(plusMs(T0, i * 1000)),
      osUser: 'admin',
      action,
      backend: 'alpha',
      ref: i >= 2 ? 'alpha/k1' : null,
      outcome: i === 2 ? 'unknown' : 'ok',
      detail: null,
    }));
    for (const entry of entries) store.audit.append(entry);

    const all = store.audit.list(100);
    expect(all.map((e) => e.action)).toEqual(['backend add', 'sync', 'key revoke', 'key copy']);
    expect(all.map((e) => e.at)).toEqual(entries.map((e) => e.at));
    expect(all[2]).toMatchObject({ osUser: 'admin', backend: 'alpha', ref: 'alpha/k1', outcome: 'unknown', detail: null });
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((x, y) => x - y));

    expect(store.audit.list(2).map((e) => e.action)).toEqual(['key revoke', 'key copy']);
  });
});

describe('a key recorded with its secret (keys.record)', () => {
  let hand: BackendRow;
  const event = (action: string, ref: string): AuditEntry => ({ at: iso(T0), osUser: 'admin', action, backend: 'hand', ref, outcome: 'ok', detail: null });
  const record = (id: string, sealed: SealedSecret | null) => ({ key: remote(id, { createdAt: iso(T0) }), sealed, at: iso(T0), syncedAt: null, rotateEveryDays: null });

  beforeEach(() => {
    hand = addBackend('hand', 'manual');
  });

  /** A real failure in the middle of the write: a trigger, in the file, that refuses one table's insert. */
  function refuseInsertsInto(table: 'key_secrets' | 'audit'): void {
    const db = new Database(join(folder, 'keywarden.db'));
    connections.push(db);
    db.exec(`CREATE TRIGGER refuse_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'write failed (test)'); END`);
  }

  it('commits the key, its secret and its audit event together', () => {
    const sealed = sealedBlob();
    store.keys.record(hand.id, record('k1', sealed), event('key.add', 'hand/k1'));
    expect(store.keys.get('hand', 'k1', T0)).toMatchObject({ secretCached: true, createdAt: iso(T0) });
    expect(store.keys.getSecret(hand.id, 'k1')).toEqual(sealed.sealed);
    expect(store.audit.list(10).map((e) => [e.action, e.ref])).toEqual([['key.add', 'hand/k1']]);
  });

  it('a secret that cannot be written leaves no key and no event', () => {
    refuseInsertsInto('key_secrets');
    expect(() => store.keys.record(hand.id, record('k1', sealedBlob()), event('key.add', 'hand/k1'))).toThrow(/write failed/);
    expect(store.keys.get('hand', 'k1', T0)).toBeNull();
    expect(store.audit.list(10)).toEqual([]);
  });

  it('an audit event that cannot be written leaves no key and no secret', () => {
    refuseInsertsInto('audit');
    expect(() => store.keys.record(hand.id, record('k1', sealedBlob()), event('key.add', 'hand/k1'))).toThrow(/write failed/);
    expect(store.keys.get('hand', 'k1', T0)).toBeNull();
    expect(store.keys.getSecret(hand.id, 'k1')).toBeNull();
  });

  it('inside a caller transaction that fails afterwards, nothing of it is kept', () => {
    expect(() =>
      store.transaction(() => {
        store.keys.record(hand.id, record('k1', sealedBlob()), event('key.add', 'hand/k1'));
        throw new Error('the journal step failed');
      }),
    ).toThrow(/journal step failed/);
    expect(store.keys.get('hand', 'k1', T0)).toBeNull();
    expect(store.keys.countSecrets()).toBe(0);
    expect(store.audit.list(10)).toEqual([]);
  });

  it('an import batch (recordBatch) of 250 keys stores each key, description and secret as record would, a held key keeping its own columns', () => {
    // One key held before the batch, tested: the batch updates it and leaves its test as it was.
    store.keys.record(hand.id, record('k5', null), event('key.add', 'hand/k5'));
    store.keys.recordTest(hand.id, 'k5', iso(T0), true);
    const described = (index: number) => ({ owner: `Owner ${index % 3}`, environment: index % 2 ? 'prod' : null, tags: index % 4 ? ['imported'] : [], notes: index % 5 ? null : `note ${index}` });
    const secrets = new Map<string, SealedSecret>();
    const batch = Array.from({ length: 250 }, (_, index) => {
      const sealed = index % 3 ? sealedBlob() : null;
      if (sealed) secrets.set(`k${index}`, sealed);
      return { ...record(`k${index}`, sealed), key: remote(`k${index}`, { name: `Imported ${index}`, createdAt: iso(T0) }), description: described(index) };
    });
    // k120 twice, the second while its hundred is still waiting to be written: the later one is kept.
    const twice = [...batch.slice(0, 130), { ...batch[120]!, key: remote('k120', { name: 'Imported 120, again', createdAt: iso(T0) }) }, ...batch.slice(130)];
    store.keys.recordBatch(hand.id, twice, event('import', 'hand'));
    const keys = store.keys.list({ backend: 'hand' }, T0);
    expect(keys).toHaveLength(250);
    for (const [index, entry] of batch.entries()) {
      const key = store.keys.get('hand', `k${index}`, T0)!;
      const { owner, environment, tags, notes } = described(index);
      expect({ name: key.name, owner: key.owner, environment: key.environment, tags: key.tags, notes: key.notes, secretCached: key.secretCached }).toEqual({
        name: index === 120 ? 'Imported 120, again' : entry.key.name,
        owner,
        environment,
        tags,
        notes,
        secretCached: secrets.has(`k${index}`),
      });
    }
    expect([...secrets].every(([id, sealed]) => store.keys.getSecret(hand.id, id)?.equals(sealed.sealed))).toBe(true);
    expect(store.keys.get('hand', 'k5', T0)).toMatchObject({ lastTestedAt: iso(T0), lastTestOk: true, owner: 'Owner 2' });
    // The search indexes hold the new keys and their descriptions.
    expect([store.keys.list({ search: 'owner:"owner 1"' }, T0).length, store.keys.list({ search: 'tag:imported' }, T0).length, store.keys.list({ search: 'ag' }, T0).length]).toEqual([83, 187, 1]);
    expect(store.audit.list(10).map((entry) => entry.action)).toEqual(['key.add', 'import']);
  });

  it('recorded without a secret (an edit), the cached one is kept', () => {
    const sealed = sealedBlob();
    store.keys.record(hand.id, record('k1', sealed), event('key.add', 'hand/k1'));
    store.keys.record(hand.id, { ...record('k1', null), key: remote('k1', { createdAt: iso(plusDays(T0, -3)) }) }, event('key.edit', 'hand/k1'));
    expect(store.keys.get('hand', 'k1', T0)?.createdAt).toBe(iso(plusDays(T0, -3)));
    expect(store.keys.getSecret(hand.id, 'k1')).toEqual(sealed.sealed);
  });
});
