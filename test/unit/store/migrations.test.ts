/**
 * The schema migrations, on real SQLite files in a temporary folder.
 *
 * What an administrator relies on: a fresh data folder gets the whole schema, re-opening keeps the
 * inventory, and a file Keywarden cannot use (written by a newer version, or not a database at all)
 * is refused with a clear error and left exactly as it was.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenError } from '../../../electron/core/errors.js';
import { type BackendTypeRow, keyConditions, STORED_STATUS } from '../../../electron/core/store/key-rows.js';
import { MIGRATIONS, migrate, schemaVersion } from '../../../electron/core/store/migrations/index.js';
import { openSqlite, PAGE_CACHE_KIB, type SqlDatabase } from '../../../electron/core/store/sqlite.js';
import { InventoryStore } from '../../../electron/core/store/store.js';

/** The schema version a fresh or upgraded file reaches: the last migration's. */
const LATEST = MIGRATIONS.at(-1)!.version;
let folder: string;
let dbPath: string;
const opened: Array<{ close(): void }> = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'keywarden-migrations-'));
  dbPath = join(folder, 'keywarden.db');
});

afterEach(() => {
  for (const handle of opened.splice(0)) {
    try {
      handle.close();
    } catch {
      // already closed
    }
  }
  rmSync(folder, { recursive: true, force: true });
});

function openRaw(path = dbPath): SqlDatabase {
  const db = openSqlite(path);
  opened.push(db);
  return db;
}

/** How SQLite would run `sql` (with its named `params`) on `db`: the steps of its query plan, joined by " | ". */
function queryPlan(db: SqlDatabase, sql: string, params: Record<string, string> = {}): string {
  return db
    .prepare<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(params as never)
    .map((row) => row.detail)
    .join(' | ');
}

/**
 * The file at `dbPath`, of an older version, gives the `expected` answers to a read-only look (nothing upgrades it),
 * and the same once a store has opened it (and upgraded it); returns a raw connection to the upgraded file.
 */
function answersSameBeforeAndAfterUpgrade<T>(answers: (store: InventoryStore) => T, expected: T): SqlDatabase {
  const readOnly = InventoryStore.open(dbPath, { readOnly: true });
  opened.push(readOnly);
  expect(answers(readOnly)).toEqual(expected);
  readOnly.close();
  const store = openStore();
  expect(answers(store)).toEqual(expected);
  store.close();
  const upgraded = openRaw();
  expect(schemaVersion(upgraded)).toBe(LATEST);
  return upgraded;
}

function openStore(path = dbPath): InventoryStore {
  const store = InventoryStore.open(path);
  opened.push(store);
  return store;
}

function tableNames(db: SqlDatabase): string[] {
  return db
    .prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((row) => row.name);
}

function expectCode(fn: () => unknown, code: string): KeywardenError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected an error').toBeInstanceOf(KeywardenError);
  expect((caught as KeywardenError).code).toBe(code);
  return caught as KeywardenError;
}

describe('migration 001 on a fresh file', () => {
  it('creates every table and records schema version 1', () => {
    openStore().close();
    const db = openRaw();
    expect(tableNames(db)).toEqual([
      'alert_channels',
      'alert_deliveries',
      'audit',
      'backends',
      'import_sources',
      'key_consumers',
      // Migration 018's index of character pairs (FTS5) and its tables.
      'key_pairs',
      'key_pairs_config',
      'key_pairs_data',
      'key_pairs_docsize',
      'key_pairs_idx',
      'key_replacements',
      // Migration 011's trigram index (FTS5) and the tables FTS5 keeps it in.
      'key_search',
      'key_search_config',
      'key_search_data',
      'key_search_docsize',
      'key_search_idx',
      'key_secrets',
      'keys',
      'meta',
      'reminder_notifications',
      'reminder_snoozes',
      'rotation_consumers',
      'rotation_steps',
      'rotations',
      'team_link',
    ]);
    expect(schemaVersion(db)).toBe(LATEST);
    expect(db.pragma('user_version')).toEqual([{ user_version: LATEST }]);
    expect(LATEST).toBe(18);
  });

  it('has the columns the engine reads and writes', () => {
    openStore().close();
    const db = openRaw();
    const columns = (table: string) =>
      db
        .prepare<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
        .all()
        .map((c) => c.name);
    expect(columns('keys')).toEqual(
      expect.arrayContaining([
        'backend_id',
        'key_id',
        'name',
        'prefix',
        'status',
        'created_at',
        'expires_at',
        'grace_ends_at',
        'rotation_due_at',
        'next_due_at',
        'last_tested_at',
        'last_test_ok',
        'first_seen_at',
        'synced_at',
      ]),
    );
    expect(columns('key_secrets')).toEqual(expect.arrayContaining(['backend_id', 'key_id', 'sealed', 'cached_at']));
    expect(columns('backends')).toEqual(expect.arrayContaining(['name', 'type', 'url', 'credential_sealed', 'rotate_every_days']));
    // No column anywhere is meant for a plaintext secret.
    for (const table of tableNames(db)) for (const column of columns(table)) expect(column).not.toMatch(/^(secret|password|token|credential)$/);
  });

  it('uses WAL journaling, enforces foreign keys and keeps a page cache for large inventories, without a memory map', () => {
    const store = openStore();
    const db = openRaw();
    expect(db.pragma('journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(db.pragma('foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    expect(db.pragma('cache_size')).toEqual([{ cache_size: -PAGE_CACHE_KIB }]);
    // No memory map: an I/O error must be an error, not a SIGBUS.
    expect(db.pragma('mmap_size')).toEqual([{ mmap_size: 0 }]);
    store.close();
    // The setting is persistent in the file: a plain reader sees WAL too.
    const header = readFileSync(dbPath);
    expect(header.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000');
    expect(header[18]).toBe(2);
    expect(header[19]).toBe(2);
  });

  it('a foreign key violation is refused (a secret for a key that does not exist)', () => {
    openStore().close();
    const db = openRaw();
    expect(() => db.prepare("INSERT INTO key_secrets (backend_id, key_id, sealed, cached_at) VALUES (99, 'nope', x'00', 'now')").run()).toThrow(/FOREIGN KEY/);
    expect(db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM key_secrets').get()?.n).toBe(0);
  });
});

describe('migration 002: the console inventory order', () => {
  it('upgrades a version-1 database in place: its keys stay, and the default page order reads an index instead of sorting', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 1)).toBe(1);
    db.prepare("INSERT INTO backends (name, type, created_at) VALUES ('hand', 'manual', '2026-01-01T00:00:00.000Z')").run();
    db.prepare(
      "INSERT INTO keys (backend_id, key_id, name, status, next_due_at, first_seen_at) VALUES (1, 'k1', 'Stripe', 'active', '2026-03-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    ).run();
    db.close();

    // A read-only open (a backup copy) lists it before any upgrade: 002 only adds indexes.
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    expect(readOnly.keys.list({}, new Date('2026-02-01T00:00:00.000Z')).map((key) => key.ref)).toEqual(['hand/k1']);
    readOnly.close();
    const check = openRaw();
    expect(schemaVersion(check)).toBe(1);
    check.close();

    const store = openStore();
    expect(store.keys.list({}, new Date('2026-02-01T00:00:00.000Z')).map((key) => key.ref)).toEqual(['hand/k1']);
    store.close();
    const upgraded = openRaw();
    expect(schemaVersion(upgraded)).toBe(LATEST);
    const plan = (order: string) => queryPlan(upgraded, `SELECT k.key_id FROM keys k JOIN backends b ON b.id = k.backend_id ORDER BY ${order} LIMIT 100`);
    // The ORDER BY that InventoryStore.queryKeys builds for the default sort and for the name sort.
    expect(plan('k.next_due_at IS NULL, k.next_due_at ASC, k.backend_id ASC, k.key_id ASC')).toMatch(/USING (COVERING )?INDEX keys_due_order/);
    expect(plan('k.name COLLATE NOCASE ASC, k.backend_id ASC, k.key_id ASC')).toMatch(/USING (COVERING )?INDEX keys_name_order/);
    expect(plan('k.next_due_at IS NULL, k.next_due_at ASC, k.backend_id ASC, k.key_id ASC')).not.toMatch(/TEMP B-TREE/);
  });
});

describe('migration 003: the audit trail filtered by key, backend or action', () => {
  it("upgrades a version-2 database in place: its events stay, and a key's newest events read an index instead of the whole trail", () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 2)).toBe(2);
    const insert = db.prepare("INSERT INTO audit (at, os_user, action, backend, ref, outcome) VALUES ('2026-01-01T00:00:00.000Z', 'admin', ?, 'hand', ?, 'ok')");
    insert.run('reveal', 'hand/k1');
    insert.run('test', 'hand/k2');
    db.close();

    const store = openStore();
    expect(store.audit.list(10, { ref: 'hand/k1' }).map((event) => event.action)).toEqual(['reveal']);
    expect(store.audit.list(10, { action: 'test' }).map((event) => event.ref)).toEqual(['hand/k2']);
    expect(store.audit.list(10, { backend: 'hand' })).toHaveLength(2);
    store.close();
    const upgraded = openRaw();
    expect(schemaVersion(upgraded)).toBe(LATEST);
    const plan = (where: string) => queryPlan(upgraded, `SELECT id FROM audit WHERE ${where} ORDER BY id DESC LIMIT 100`);
    expect(plan("ref = 'hand/k1'")).toMatch(/USING (COVERING )?INDEX audit_by_ref/);
    expect(plan("backend = 'hand'")).toMatch(/USING (COVERING )?INDEX audit_by_backend/);
    expect(plan("action = 'reveal'")).toMatch(/USING (COVERING )?INDEX audit_by_action/);
    expect(plan("ref = 'hand/k1'")).not.toMatch(/TEMP B-TREE/);
  });
});

describe('migration 004: snoozed reminders', () => {
  it('upgrades a version-3 database: nothing is snoozed, and a snooze replaces an earlier one for the same key', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 3)).toBe(3);
    db.close();
    const store = openStore();
    expect(store.reminders.activeSnoozes('2026-01-01T00:00:00.000Z').size).toBe(0);
    store.reminders.snooze('hand/k1', '2026-01-02T00:00:00.000Z');
    store.reminders.snooze('hand/k1', '2026-01-08T00:00:00.000Z');
    expect([...store.reminders.activeSnoozes('2026-01-03T00:00:00.000Z')]).toEqual([['hand/k1', '2026-01-08T00:00:00.000Z']]);
    expect(store.reminders.activeSnoozes('2026-01-09T00:00:00.000Z').size).toBe(0);
    store.close();
    const upgraded = openRaw();
    expect(schemaVersion(upgraded)).toBe(LATEST);
    expect(tableNames(upgraded)).toContain('reminder_snoozes');
  });
});

describe('migration 005: the rotation journal and key consumers', () => {
  const at = '2026-01-01T00:00:00.000Z';

  function seedVersion4(): void {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 4)).toBe(4);
    db.prepare("INSERT INTO backends (id, name, type, created_at) VALUES (1, 'nb', 'nitrobox', ?)").run(at);
    db.prepare("INSERT INTO keys (backend_id, key_id, name, status, first_seen_at) VALUES (1, 'billing-sync', 'billing-sync', 'active', ?)").run(at);
    db.close();
  }

  it('a read-only copy of a version-4 database reads as having no rotations; upgrading keeps its keys', () => {
    seedVersion4();
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    expect(readOnly.rotations.list({ all: true })).toEqual([]);
    expect(readOnly.rotations.keyConsumers(1, 'billing-sync')).toEqual([]);
    expect(readOnly.keys.list({}, new Date(at)).map((key) => key.ref)).toEqual(['nb/billing-sync']);
    readOnly.close();

    const store = openStore();
    expect(store.keys.list({}, new Date(at)).map((key) => key.ref)).toEqual(['nb/billing-sync']);
    store.close();
    const upgraded = openRaw();
    expect(schemaVersion(upgraded)).toBe(LATEST);
  });

  it('journals a rotation: steps in order, one open rotation per key, its consumers ticked, a process claiming it', () => {
    seedVersion4();
    const store = openStore();
    const id = store.rotations.insert({
      backendId: 1,
      keyId: 'billing-sync',
      plan: 'create-overlap',
      options: { newName: 'billing-sync-2' },
      steps: ['create-new', 'test-new'],
      consumers: ['CI', 'billing'],
      at,
    });
    expect(() => store.rotations.insert({ backendId: 1, keyId: 'billing-sync', plan: 'create-overlap', options: {}, steps: ['create-new'], consumers: [], at })).toThrow(
      /already has a rotation in progress/,
    );

    store.rotations.setStep(id, 'create-new', 'intent', at);
    store.rotations.setStep(id, 'create-new', 'done', at, 'created');
    expect(store.rotations.tickConsumer(id, 'CI', at)).toBe(true);
    expect(store.rotations.tickConsumer(id, 'CI', at)).toBe(false);
    const row = store.rotations.get(id)!;
    expect(row).toMatchObject({ backendName: 'nb', keyId: 'billing-sync', plan: 'create-overlap', state: 'active', options: { newName: 'billing-sync-2' } });
    expect(row.steps.map((step) => [step.name, step.status, step.attempts, step.detail])).toEqual([
      ['create-new', 'done', 1, 'created'],
      ['test-new', 'pending', 0, null],
    ]);
    expect(row.consumers).toEqual([
      { name: 'CI', switchedAt: at },
      { name: 'billing', switchedAt: null },
    ]);

    // A live owner keeps it; a dead one (killed) is taken over.
    expect(store.rotations.claim(id, 111, () => true)).toBeNull();
    expect(store.rotations.claim(id, 222, () => true)).toBe(111);
    expect(store.rotations.claim(id, 222, () => false)).toBeNull();
    store.rotations.update(id, { state: 'done', finishedAt: at }, at);
    expect(store.rotations.get(id)).toMatchObject({ state: 'done', ownerPid: null });
    expect(store.rotations.list()).toEqual([]);
    // Finished, the key can be rotated again.
    expect(store.rotations.insert({ backendId: 1, keyId: 'billing-sync', plan: 'create-overlap', options: {}, steps: ['create-new'], consumers: [], at })).toBeGreaterThan(id);
    store.close();

    const db = openRaw();
    expect(() => db.prepare("UPDATE rotation_steps SET status = 'maybe'").run()).toThrow(/CHECK constraint/);
    expect(() => db.prepare("INSERT INTO rotations (backend_id, key_id, plan, state, started_at, updated_at) VALUES (1, 'k', 'guess', 'active', 'now', 'now')").run()).toThrow(/CHECK constraint/);
  });

  it("a key's consumers go with the key, and a backend's rotations with the backend", () => {
    seedVersion4();
    const store = openStore();
    store.rotations.setKeyConsumers(1, 'billing-sync', ['CI', 'CI', 'billing'], at);
    expect(store.rotations.keyConsumers(1, 'billing-sync')).toEqual(['CI', 'billing']);
    store.rotations.insert({ backendId: 1, keyId: 'billing-sync', plan: 'create-overlap', options: {}, steps: ['create-new'], consumers: ['CI'], at });
    store.keys.delete(1, 'billing-sync');
    expect(store.rotations.keyConsumers(1, 'billing-sync')).toEqual([]);
    expect(store.rotations.list()).toHaveLength(1);
    store.backends.delete(1);
    expect(store.rotations.list({ all: true })).toEqual([]);
    store.close();
    const db = openRaw();
    expect(db.prepare<{ n: number }>('SELECT (SELECT COUNT(*) FROM rotation_steps) + (SELECT COUNT(*) FROM rotation_consumers) AS n').get()?.n).toBe(0);
  });
});

describe('migration 006: the audit trail as a hash chain', () => {
  /** The chain's hash, computed here from its documented serialization (not with the engine's code). */
  const sha = (prev: string, e: { at: string; os_user: string; action: string; backend: string | null; ref: string | null; outcome: string; detail: string | null }) =>
    createHash('sha256')
      .update(`keywarden-audit-chain/1\n${JSON.stringify([prev, e.at, e.os_user, e.action, e.backend, e.ref, e.outcome, e.detail])}`, 'utf8')
      .digest('hex');
  type Row = {
    id: number;
    at: string;
    os_user: string;
    action: string;
    backend: string | null;
    ref: string | null;
    outcome: string;
    detail: string | null;
    chain_version: number;
    prev_hash: string;
    hash: string;
  };

  it('chains the events of a version-5 trail in id order from a recorded random genesis; a read-only copy still lists them first', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 5)).toBe(5);
    const insert = db.prepare("INSERT INTO audit (at, os_user, action, backend, ref, outcome, detail) VALUES (?, 'admin', ?, 'hand', ?, 'ok', ?)");
    insert.run('2026-01-01T00:00:00.000Z', 'backend.add', null, 'Manual');
    insert.run('2026-01-02T00:00:00.000Z', 'key.add', 'hand/k1', 'no secret');
    insert.run('2026-01-03T00:00:00.000Z', 'reveal', 'hand/k1', null);
    db.close();

    // Listing needs nothing of 006 (readCompatible); verifying does, and says what to do.
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    expect(readOnly.audit.list(10).map((event) => event.action)).toEqual(['backend.add', 'key.add', 'reveal']);
    expectCode(() => readOnly.audit.verify(), 'store_read_only');
    readOnly.close();

    const store = openStore();
    expect(store.audit.list(10).map((event) => event.action)).toEqual(['backend.add', 'key.add', 'reveal']);
    const genesis = store.meta.get('audit_chain_genesis')!;
    expect(genesis).toMatch(/^[0-9a-f]{64}$/);
    expect(store.meta.get('audit_chain_genesis_at')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(store.audit.verify()).toMatchObject({ ok: true, events: 3, verified: 3, genesis, firstBreak: null });
    store.close();

    const upgraded = openRaw();
    expect(schemaVersion(upgraded)).toBe(LATEST);
    const rows = upgraded.prepare<Row>('SELECT * FROM audit ORDER BY id').all();
    let prev = genesis;
    for (const row of rows) {
      expect(row.chain_version).toBe(1);
      expect(row.prev_hash).toBe(prev);
      expect(row.hash).toBe(sha(prev, row));
      prev = row.hash;
    }
  });

  it('a fresh file starts its chain from a genesis of its own: two folders never share one', () => {
    const first = openStore();
    first.audit.append({ at: '2026-01-01T00:00:00.000Z', osUser: 'admin', action: 'sync', backend: 'nb', ref: null, outcome: 'ok', detail: null });
    const other = InventoryStore.open(join(folder, 'other.db'));
    opened.push(other);
    expect(first.meta.get('audit_chain_genesis')).not.toBe(other.meta.get('audit_chain_genesis'));
    expect(first.audit.verify()).toMatchObject({ ok: true, events: 1 });
    expect(other.audit.verify()).toMatchObject({ ok: true, events: 0, headHash: other.meta.get('audit_chain_genesis') });
    const genesis = first.meta.get('audit_chain_genesis');
    first.close();
    expect(openRaw().prepare<Row>('SELECT * FROM audit').get()!.prev_hash).toBe(genesis);
  });

  it('is applied once: a second open neither re-chains nor replaces the genesis', () => {
    const store = openStore();
    store.audit.append({ at: '2026-01-01T00:00:00.000Z', osUser: 'admin', action: 'sync', backend: 'nb', ref: null, outcome: 'ok', detail: null });
    const genesis = store.meta.get('audit_chain_genesis');
    store.close();
    const again = openStore();
    expect(again.meta.get('audit_chain_genesis')).toBe(genesis);
    expect(again.audit.verify()).toMatchObject({ ok: true, events: 1 });
  });
});

describe('migration 007: vendor error text stored without key shapes', () => {
  it("takes an echoed bearer token and a key out of a version-6 file's last errors, keeps the status and code, and leaves no copy in the file's bytes", () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 6)).toBe(6);
    // Made at run time, never written as literals: a portal token (base64url) and a CommBox-shaped key.
    const token = randomBytes(32).toString('base64url');
    const key = `cbx_${randomBytes(27)
      .toString('base64')
      .replace(/[^0-9A-Za-z]/g, '0')
      .slice(0, 36)}`;
    const insert = db.prepare("INSERT INTO backends (name, type, url, created_at, last_error) VALUES (?, 'commbox', 'https://vendor.example', '2026-01-01T00:00:00.000Z', ?)");
    // The token early and often: a value rewritten shorter leaves its first bytes in the page unless they are zeroed.
    const echoed = `acme: (403) (forbidden: Bearer ${token} may not read ${key}; Bearer ${token}; Bearer ${token}; Bearer ${token})`;
    insert.run('acme', echoed);
    insert.run('plain', 'plain: cannot reach the backend (ECONNREFUSED)');
    db.close();
    expect(readFileSync(dbPath).includes(token) || readFileSync(`${dbPath}-wal`).includes(token)).toBe(true);

    const store = openStore();
    expect(store.backends.list().map((row) => [row.name, row.lastError])).toEqual([
      ['acme', 'acme: (403) (forbidden: Bearer [redacted] may not read [redacted]; Bearer [redacted]; Bearer [redacted]; Bearer [redacted])'],
      ['plain', 'plain: cannot reach the backend (ECONNREFUSED)'],
    ]);
    store.close();
    // Closing checkpoints the WAL into the file; secure_delete zeroed the bytes the old values held.
    const bytes = Buffer.concat(readdirSync(folder).map((name) => readFileSync(join(folder, name))));
    expect(bytes.includes(token)).toBe(false);
    expect(bytes.includes(key)).toBe(false);
  });
});

describe("migration 008: a key's owner, environment, tags and notes", () => {
  it('upgrades a version-7 file: its keys keep everything and have no description yet, and a description then reads back', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 7)).toBe(7);
    db.exec(`
      INSERT INTO backends (id, name, type, created_at) VALUES (1, 'hand', 'manual', '2026-01-01T00:00:00.000Z');
      INSERT INTO keys (backend_id, key_id, name, status, expires_at, next_due_at, first_seen_at)
        VALUES (1, 'k1', 'Stripe', 'active', '2027-01-01', '2027-01-01', '2026-01-01T00:00:00.000Z');`);
    db.close();
    const now = new Date('2026-06-01T00:00:00.000Z');
    // A read-only look (a backup, a mount) reads the older file as it is: its keys, without descriptions.
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    expect(readOnly.keys.list({ search: 'str' }, now).map((key) => [key.ref, key.owner, key.tags])).toEqual([['hand/k1', null, []]]);
    readOnly.close();
    expect(schemaVersion(openRaw())).toBe(7);
    const store = openStore();
    expect(store.keys.get('hand', 'k1', now)).toMatchObject({ name: 'Stripe', expiresAt: '2027-01-01', owner: null, environment: null, tags: [], notes: null });
    store.keys.describe(
      1,
      'k1',
      { owner: 'Ana', environment: 'prod', tags: ['pci'], notes: 'two\nlines' },
      { at: now.toISOString(), osUser: 'ana', action: 'key.describe', backend: 'hand', ref: 'hand/k1', outcome: 'ok', detail: null },
    );
    expect(store.keys.get('hand', 'k1', now)).toMatchObject({ owner: 'Ana', environment: 'prod', tags: ['pci'], notes: 'two\nlines' });
    store.close();
    const upgraded = openRaw();
    expect(schemaVersion(upgraded)).toBe(LATEST);
    // Tags are a JSON array or nothing: anything else is refused by the file itself.
    expect(() => upgraded.prepare(`UPDATE keys SET tags = '{"pci":1}' WHERE key_id = 'k1'`).run()).toThrow(/CHECK constraint/);
    expect(() => upgraded.prepare("UPDATE keys SET tags = 'pci' WHERE key_id = 'k1'").run()).toThrow(/malformed JSON/);
  });
});

describe('migration 009: what Health counts and lists in SQL', () => {
  const now = new Date('2026-02-01T00:00:00.000Z');
  const facts = (store: InventoryStore) => store.keys.healthFacts({ now, leadDays: 30, unusedDays: 90, maxRotationDays: null, shownOnceBackends: [], limit: 200 });

  function seedVersion7(): void {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 7)).toBe(7);
    db.prepare("INSERT INTO backends (name, type, created_at) VALUES ('hand', 'manual', '2026-01-01T00:00:00.000Z')").run();
    const key = db.prepare("INSERT INTO keys (backend_id, key_id, name, status, next_due_at, first_seen_at) VALUES (1, ?, ?, 'active', '2026-01-20T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
    key.run('k1', 'Stripe');
    key.run('k2', 'Stripe copy');
    const secret = db.prepare("INSERT INTO key_secrets (backend_id, key_id, sealed, cached_at) VALUES (1, ?, ?, '2026-01-01T00:00:00.000Z')");
    secret.run('k1', randomBytes(48));
    secret.run('k2', randomBytes(48));
    db.close();
  }

  it('a read-only copy of a version-7 file answers Health without fingerprints; upgrading keeps its secrets, to be fingerprinted', () => {
    seedVersion7();
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    expect(facts(readOnly).lists.overdue.keys.map((key) => key.ref)).toEqual(['hand/k1', 'hand/k2']);
    expect(facts(readOnly).lists['duplicate-secret'].count).toBe(0);
    readOnly.close();

    const store = openStore();
    expect(store.keys.secretsWithoutFingerprint(10).map((row) => row.keyId)).toEqual(['k1', 'k2']);
    store.close();
    const upgraded = openRaw();
    expect(schemaVersion(upgraded)).toBe(LATEST);
    const plan = (sql: string) => queryPlan(upgraded, sql);
    // Overdue keys are read from the open keys' due-date index, in its order: the first 200 without sorting them all.
    expect(
      plan(
        "SELECT key_id FROM keys k WHERE k.status IN ('active', 'grace') AND k.next_due_at IS NOT NULL AND k.next_due_at <= '2026-02-01' ORDER BY k.next_due_at, k.backend_id, k.key_id LIMIT 200",
      ),
    ).toMatch(/INDEX keys_open_due/);
    expect(plan('SELECT key_id FROM keys k WHERE k.last_test_ok = 0')).toMatch(/INDEX keys_test_failed/);
    expect(plan('SELECT fingerprint FROM key_secrets WHERE fingerprint IS NOT NULL GROUP BY fingerprint HAVING COUNT(*) > 1')).toMatch(/INDEX key_secrets_fingerprint/);
  });
});

describe('migration 016: the searched columns in one narrow index, for terms shorter than a trigram', () => {
  const now = new Date('2026-06-01T00:00:00.000Z');

  it('a version-15 file finds the same keys without it, read-only too; upgraded, a short term is judged from the index alone and a rare one is not found by walking every key', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 15)).toBe(15);
    const values = Array.from({ length: 300 }, (_, index) => {
      const name = index % 100 === 7 ? `Xy feed ${index}` : `payments ${index}`;
      return `(${index < 200 ? 1 : 2}, 'k${index}', '${name}', 'active', '2026-0${1 + (index % 9)}-15T00:00:00.000Z', '2026-01-01T00:00:00.000Z', ${index < 200 ? "'{}'" : `'{"vendor": "${index % 3 ? 'Stripe' : 'Twilio'}"}'`})`;
    });
    db.exec(`
      INSERT INTO backends (id, name, type, created_at) VALUES (1, 'cb', 'commbox', '2026-01-01T00:00:00.000Z'), (2, 'hand', 'manual', '2026-01-01T00:00:00.000Z');
      INSERT INTO keys (backend_id, key_id, name, status, next_due_at, first_seen_at, details) VALUES ${values.join(', ')};`);
    db.close();
    const answers = (store: InventoryStore) => {
      const page = (search: string) => store.keys.query({ search, limit: 5 }, now);
      return { xy: page('xy'), tw: page('tw').total, cb: page('cb').total, pa: page('pa').total };
    };
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    const before = answers(readOnly);
    // Three keys named "Xy", on both backends; Twilio is the manual keys' own vendor; "cb" names the first backend.
    expect(before.xy.total).toBe(3);
    expect(before.xy.rows.map((key) => key.name).sort()).toEqual(['Xy feed 107', 'Xy feed 207', 'Xy feed 7']);
    expect(before).toMatchObject({ tw: 33, cb: 200, pa: 297 });
    readOnly.close();

    // Upgraded to 16 (migration 017 then replaces its index: its own test below).
    const upgraded = openRaw();
    expect(migrate(upgraded, MIGRATIONS, 16)).toBe(16);
    const like = (column: string) => `${column} LIKE '%xy%' ESCAPE '\\'`;
    const shortTerm = ['k.name', 'k.prefix', 'k.key_id', 'k.owner', 'k.environment', 'k.tags', 'k.notes'].map(like).join(' OR ');
    // Counted from the index alone: no key's row is read.
    expect(queryPlan(upgraded, `SELECT COUNT(*) FROM keys k WHERE k.backend_id IN (1) OR ${shortTerm} OR (k.backend_id IN (2) AND ${like("json_extract(k.details, '$.vendor')")})`)).toBe(
      'SCAN k USING COVERING INDEX keys_searched_text',
    );
  });
});

describe('migration 017: the searched columns joined into one indexed text', () => {
  const now = new Date('2026-06-01T00:00:00.000Z');

  it("a version-16 file finds the same keys without it, read-only too; upgraded, the search engine's own short-term condition is counted from the new index alone", () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 16)).toBe(16);
    const values = Array.from({ length: 300 }, (_, index) => {
      const name = index % 100 === 7 ? `Xy feed ${index}` : `payments ${index}`;
      // Every tenth key has no owner (NULL is left out of the joined text) and an environment of "ab"; the rest "cd".
      // Only the manual keys (200 on) have a vendor of their own, as in a real inventory.
      const owner = index % 10 === 3 ? 'NULL' : `'owner ${index % 4}'`;
      return `(${index < 200 ? 1 : 2}, 'k${index}', '${name}', 'sk_${index % 5}', ${owner}, '${index % 10 === 3 ? 'ab' : 'cd'}', 'active', '2026-0${1 + (index % 9)}-15T00:00:00.000Z', '2026-01-01T00:00:00.000Z', ${index < 200 ? "'{}'" : `'{"vendor": "${index % 3 ? 'Stripe' : 'Twilio'}"}'`})`;
    });
    db.exec(`
      INSERT INTO backends (id, name, type, created_at) VALUES (1, 'cb', 'commbox', '2026-01-01T00:00:00.000Z'), (2, 'hand', 'manual', '2026-01-01T00:00:00.000Z');
      INSERT INTO keys (backend_id, key_id, name, prefix, owner, environment, status, next_due_at, first_seen_at, details) VALUES ${values.join(', ')};`);
    db.close();
    const answers = (store: InventoryStore) => {
      const page = (search: string) => store.keys.query({ search, limit: 5 }, now);
      const xy = page('xy');
      return {
        xy: { total: xy.total, names: xy.rows.map((key) => key.name).sort() },
        counts: Object.fromEntries(['tw', 'cb', 'pa', '"r 2"', 'ab', '-ab', 'owner:r', 'k1', '_3'].map((search) => [search, page(search).total])),
        // The last character of one column and the first of the next never match as one term: "s" ends "…payments 12"
        // and "sk" begins its prefix; U+0001 between them is not text anyone typed, and a term holding it is judged per column.
        across: page('2\u0001').total,
      };
    };
    const expected = {
      xy: { total: 3, names: ['Xy feed 107', 'Xy feed 207', 'Xy feed 7'] },
      counts: { tw: 33, cb: 200, pa: 297, '"r 2"': 75, ab: 30, '-ab': 270, 'owner:r': 270, k1: 111, _3: 60 },
      across: 0,
    };
    const upgraded = answersSameBeforeAndAfterUpgrade(answers, expected);
    const indexes = upgraded
      .prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'keys'")
      .all()
      .map((row) => row.name);
    expect(indexes).toContain('keys_joined_searched_text');
    expect(indexes).not.toContain('keys_searched_text');
    // The condition the engine writes for a short term (its backends and the joined text), counted from the index
    // alone: the index's expression is the engine's, or SQLite would read every key's row.
    const backends = upgraded.prepare<BackendTypeRow>('SELECT id, name, type FROM backends').all();
    for (const search of ['xy', 'c', '-ab', 'owner:r']) {
      const { where, params } = keyConditions({ search }, now, { searchIndex: true, joinedSearchedText: true, backends });
      expect(queryPlan(upgraded, `SELECT COUNT(*) FROM keys k ${where}`, params), search).toBe('SCAN k USING COVERING INDEX keys_joined_searched_text');
    }
  });
});

describe('migration 018: every pair of adjacent characters indexed, for two-character terms', () => {
  const now = new Date('2026-06-01T00:00:00.000Z');

  it('a version-17 file finds the same keys without it, read-only too; upgraded, its triggers keep it right and a two-character term is answered from it alone', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 17)).toBe(17);
    const values = Array.from({ length: 300 }, (_, index) => {
      const name = index % 100 === 7 ? `Xy feed ${index}` : `payments ${index}`;
      const owner = index % 10 === 3 ? 'NULL' : `'owner ${index % 4}'`;
      const vendor = index < 200 ? "'{}'" : `'{"vendor": "${index % 3 ? 'Stripe' : 'Twilio'}"}'`;
      return `(${index < 200 ? 1 : 2}, 'k${index}', '${name}', 'sk_${index % 5}', ${owner}, '${index % 10 === 3 ? 'ab' : 'cd'}', '${index % 6 === 3 ? '["zq"]' : '[]'}', 'active', '2026-01-01T00:00:00.000Z', ${vendor})`;
    });
    db.exec(`
      INSERT INTO backends (id, name, type, created_at) VALUES (1, 'cb', 'commbox', '2026-01-01T00:00:00.000Z'), (2, 'hand', 'manual', '2026-01-01T00:00:00.000Z');
      INSERT INTO keys (backend_id, key_id, name, prefix, owner, environment, tags, status, first_seen_at, details) VALUES ${values.join(', ')};`);
    db.close();
    const answers = (store: InventoryStore) => {
      const total = (search: string) => store.keys.query({ search, limit: 5 }, now).total;
      return {
        xy: store.keys
          .query({ search: 'xy', limit: 5 }, now)
          .rows.map((key) => key.name)
          .sort(),
        // Name, prefix, owner, environment, tags, a manual key's own vendor; negated; two terms; a backend named ("cb").
        counts: Object.fromEntries(['ay', 'k_', 'er', 'ab', 'zq', 'tw', '-ab', 'ab -zq', '-zq ab', 'cb', '-cb', 'pa xy'].map((search) => [search, total(search)])),
      };
    };
    const expected = {
      xy: ['Xy feed 107', 'Xy feed 207', 'Xy feed 7'],
      counts: { ay: 297, k_: 300, er: 270, ab: 30, zq: 50, tw: 33, '-ab': 270, 'ab -zq': 20, '-zq ab': 20, cb: 200, '-cb': 100, 'pa xy': 0 },
    };
    const upgraded = answersSameBeforeAndAfterUpgrade(answers, expected);
    // One row per key, filled by the migration; the engine's condition for a two-character term reads the index alone.
    expect(upgraded.prepare('SELECT COUNT(*) AS n FROM key_pairs').get()).toEqual({ n: 300 });
    const backends = upgraded.prepare<BackendTypeRow>('SELECT id, name, type FROM backends').all();
    const { where, params } = keyConditions({ search: 'xy' }, now, { searchIndex: true, joinedSearchedText: true, pairIndex: true, backends });
    expect(queryPlan(upgraded, `SELECT COUNT(*) FROM keys k ${where}`, params)).toMatch(
      /^SEARCH k USING INTEGER PRIMARY KEY \(rowid=\?\) \| LIST SUBQUERY \d+ \| SCAN key_pairs VIRTUAL TABLE INDEX/,
    );
    upgraded.close();
    // Its triggers: a rename, a describe, a manual key's new vendor and a delete are found at once.
    const store = openStore();
    const hand = store.backends.require('hand').id;
    store.transaction(() => {
      store.keys.describe(
        hand,
        'k203',
        { owner: 'Quinn', environment: null, tags: [], notes: 'jw rotation' },
        { at: now.toISOString(), osUser: 'ana', action: 'key.describe', backend: 'hand', ref: 'hand/k203', outcome: 'ok', detail: null },
      );
    });
    store.keys.upsert(
      hand,
      { id: 'k204', name: 'Vq relay', prefix: null, status: 'active', createdAt: null, expiresAt: null, graceEndsAt: null, lastUsedAt: null, details: { vendor: 'Adyen' } },
      null,
      null,
    );
    store.keys.delete(hand, 'k201');
    const found = (search: string) => store.keys.list({ search }, now).map((key) => key.ref);
    expect([found('jw'), found('qu'), found('vq'), found('dy'), found('k201')]).toEqual([['hand/k203'], ['hand/k203'], ['hand/k204'], ['hand/k204'], []]);
    expect(found('tw')).not.toContain('hand/k204');
  });
});

describe("migration 015: the stored status indexed in the console's order", () => {
  const now = new Date('2026-06-01T00:00:00.000Z');

  it('a version-14 file reads the same without it, read-only too; upgraded, a status is counted and paged from it while Health keeps its own index', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 14)).toBe(14);
    db.exec(`
      INSERT INTO backends (id, name, type, created_at) VALUES (1, 'cb', 'commbox', '2026-01-01T00:00:00.000Z'), (2, 'hand', 'manual', '2026-01-01T00:00:00.000Z');
      INSERT INTO keys (backend_id, key_id, name, status, expires_at, next_due_at, first_seen_at) VALUES
        (1, 'a', 'A', 'active', NULL, '2026-07-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
        (1, 'g', 'G', 'grace', NULL, '2026-06-10T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
        (1, 'x', 'X', 'expired', NULL, NULL, '2026-01-01T00:00:00.000Z'),
        (2, 'm', 'M', 'active', '2026-05-01', '2026-05-01', '2026-01-01T00:00:00.000Z');`);
    db.close();
    const answers = (store: InventoryStore) => ({
      active: store.keys.query({ status: 'active' }, now).rows.map((key) => key.ref),
      expired: store.keys.query({ status: 'expired' }, now).rows.map((key) => key.ref),
      notActive: store.keys.query({ search: '-status:active' }, now).rows.map((key) => key.ref),
      facets: store.keys.facets(now).status,
    });
    // The manual key is past its expiry: it reads as expired, with or without the index.
    const expected = { active: ['cb/a'], expired: ['hand/m', 'cb/x'], notActive: ['hand/m', 'cb/g', 'cb/x'], facets: { active: 1, grace: 1, revoked: 0, expired: 2 } };
    const upgraded = answersSameBeforeAndAfterUpgrade(answers, expected);
    const plan = (sql: string) => queryPlan(upgraded, sql);
    // A status's first page in the default order, straight from the index: no sort of every key of that status.
    expect(plan(`SELECT k.key_id FROM keys k WHERE ${STORED_STATUS} IN ('active') ORDER BY (k.next_due_at IS NULL), k.next_due_at, k.backend_id, k.key_id LIMIT 100`)).toBe(
      'SEARCH k USING COVERING INDEX keys_status_due_order (status=?)',
    );
    // Health's open keys by due date keep the index they are written for (with the status index as `status` is,
    // SQLite chose it for them, and Health at 100k keys took seconds).
    expect(
      plan(
        "SELECT key_id FROM keys k WHERE k.status IN ('active', 'grace') AND k.next_due_at IS NOT NULL AND k.next_due_at <= '2026-02-01' ORDER BY k.next_due_at, k.backend_id, k.key_id LIMIT 200",
      ),
    ).toMatch(/INDEX keys_open_due/);
  });
});

describe('migration 014: which key a replacement replaces', () => {
  const at = '2026-01-01T00:00:00.000Z';

  it('a version-13 file reads with no links, read-only too; upgraded, a link reads both ways, outlives the old key and goes with the new one', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 13)).toBe(13);
    db.exec(`
      INSERT INTO backends (id, name, type, created_at) VALUES (1, 'cb', 'commbox', '${at}');
      INSERT INTO keys (backend_id, key_id, name, prefix, status, first_seen_at) VALUES
        (1, 'old', 'Production', 'cb_live_aa', 'grace', '${at}'), (1, 'new', 'Production', 'cb_live_bb', 'active', '${at}');`);
    db.close();
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    expect(readOnly.keys.lineage(1, 'cb', 'new')).toEqual({ replaces: null, replacedBy: null });
    readOnly.close();

    const store = openStore();
    const description = { owner: 'Ana', environment: null, tags: ['prod'], notes: null };
    store.transaction(() => store.keys.recordReplacement(1, 'new', { description, replaces: { id: 'old', name: 'Production', prefix: 'cb_live_aa' } }, at));
    expect(store.keys.lineage(1, 'cb', 'new')).toEqual({ replaces: { ref: 'cb/old', name: 'Production', prefix: 'cb_live_aa', inInventory: true }, replacedBy: null });
    expect(store.keys.lineage(1, 'cb', 'old')).toEqual({ replaces: null, replacedBy: { ref: 'cb/new', name: 'Production', prefix: 'cb_live_bb', inInventory: true } });
    expect(store.keys.get('cb', 'new', new Date(at))).toMatchObject({ owner: 'Ana', tags: ['prod'] });
    // The old key deleted at the end of a rotation: the new key still says what it replaced, as it was.
    store.keys.delete(1, 'old');
    expect(store.keys.lineage(1, 'cb', 'new').replaces).toEqual({ ref: 'cb/old', name: 'Production', prefix: 'cb_live_aa', inInventory: false });
    // The replacement deleted: its link goes with it.
    store.keys.delete(1, 'new');
    expect(openRaw().prepare('SELECT COUNT(*) AS n FROM key_replacements').get()).toEqual({ n: 0 });
  });
});

describe('migration 013: the team link', () => {
  const at = '2026-01-01T00:00:00.000Z';

  it('a version-7 file reads as a personal data folder, read-only too; upgraded, it links to one team and unlinks', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 7)).toBe(7);
    db.prepare("INSERT INTO backends (id, name, type, created_at) VALUES (1, 'hand', 'manual', ?)").run(at);
    db.close();
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    expect(readOnly.team.get()).toBeNull();
    readOnly.close();

    const store = openStore();
    expect(store.team.get()).toBeNull();
    const link = {
      teamId: 't-1',
      team: 'ops',
      databaseUrl: 'postgresql://bob@db/keys',
      member: 'bob',
      publicKey: randomBytes(32),
      privateKeySealed: randomBytes(61),
      linkedAt: at,
      inventorySeq: 0,
      secretsSeq: 0,
    };
    store.team.insert(link);
    // One team per data folder: a second link is refused by the table itself.
    expect(() => store.team.insert({ ...link, team: 'other' })).toThrow();
    store.team.advance(7, 5, at);
    expect(store.team.get()).toEqual({ ...link, inventorySeq: 7, secretsSeq: 5, pulledAt: at });
    store.team.delete();
    expect(store.team.get()).toBeNull();
    expect(store.backends.list().map((b) => b.name)).toEqual(['hand']);
    expect(schemaVersion(openRaw())).toBe(LATEST);
  });
});

describe('migration 011: the searched text indexed by trigrams', () => {
  const now = new Date('2026-06-01T00:00:00.000Z');
  const refsFor = (store: InventoryStore, search: string) => store.keys.list({ search }, now).map((key) => key.ref);

  it('indexes the keys of a version-8 file; a read-only look before the upgrade finds the same keys without the index', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 8)).toBe(8);
    db.exec(`
      INSERT INTO backends (id, name, type, created_at) VALUES (1, 'hand', 'manual', '2026-01-01T00:00:00.000Z'), (2, 'acme', 'commbox', '2026-01-01T00:00:00.000Z');
      INSERT INTO keys (backend_id, key_id, name, status, details, owner, tags, first_seen_at) VALUES
        (1, 'k1', 'Payments', 'active', '{"vendor":"Stripe"}', 'Ana Lima', '["prod","pci"]', '2026-01-01T00:00:00.000Z'),
        (2, 'k2', 'Billing feed', 'active', '{}', NULL, NULL, '2026-01-01T00:00:00.000Z');`);
    db.close();
    const searches = ['stripe', 'ana lima', 'tag:pci', 'vendor:commbox', 'feed', 'owner:lima', '-tag:prod', 'xyz'];
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    const before = searches.map((search) => refsFor(readOnly, search));
    readOnly.close();
    expect(schemaVersion(openRaw())).toBe(8);
    const store = openStore();
    expect(schemaVersion(openRaw())).toBe(LATEST);
    expect(searches.map((search) => refsFor(store, search))).toEqual(before);
    expect(before).toEqual([['hand/k1'], ['hand/k1'], ['hand/k1'], ['acme/k2'], ['acme/k2'], ['hand/k1'], ['acme/k2'], []]);
    // The upgrade filled the index itself: its rows are the keys' rows.
    expect(openRaw().prepare('SELECT rowid FROM key_search ORDER BY rowid').all()).toEqual(openRaw().prepare('SELECT rowid FROM keys ORDER BY rowid').all());
  });
});

describe('re-opening', () => {
  it('does not run migration 001 again and keeps the data', () => {
    const first = openStore();
    first.backends.insert({ name: 'prod', type: 'manual', url: null, settings: {}, rotateEveryDays: 30, createdAt: '2026-01-01T00:00:00.000Z' }, null);
    first.meta.set('vault_id', 'kept-id');
    first.close();

    const second = openStore();
    expect(second.backends.list().map((b) => b.name)).toEqual(['prod']);
    expect(second.meta.get('vault_id')).toBe('kept-id');
    second.close();

    const db = openRaw();
    expect(schemaVersion(db)).toBe(LATEST);
    // Running the migrations again explicitly is a no-op too.
    expect(migrate(db)).toBe(LATEST);
    expect(db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM backends').get()?.n).toBe(1);
  });

  it('a migration that fails is rolled back as a whole and leaves user_version unchanged', () => {
    const db = openRaw();
    const latest = MIGRATIONS.at(-1)!.version;
    const broken = [...MIGRATIONS, { version: latest + 1, name: 'broken', up: 'CREATE TABLE extra (x INTEGER); INSERT INTO no_such_table VALUES (1);' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(latest);
    expect(tableNames(db)).not.toContain('extra');
  });
});

describe('files Keywarden cannot use are refused and left untouched', () => {
  it('a database written by a newer Keywarden (higher user_version) is refused with store_corrupt', () => {
    openStore().close();
    const raw = openRaw();
    raw.exec("INSERT INTO meta (name, value) VALUES ('vault_id', 'from-the-future')");
    raw.pragma(`user_version = ${LATEST + 1}`);
    raw.close();
    const before = readFileSync(dbPath);

    const error = expectCode(() => InventoryStore.open(dbPath), 'store_corrupt');
    expect(error.message).toMatch(/newer Keywarden/);
    expect(error.message).toContain(dbPath);

    expect(readFileSync(dbPath).equals(before)).toBe(true);
    const after = openRaw();
    expect(schemaVersion(after)).toBe(LATEST + 1);
    expect(after.prepare<{ value: string }>("SELECT value FROM meta WHERE name = 'vault_id'").get()?.value).toBe('from-the-future');
  });

  it('a file that is not SQLite is refused with store_corrupt and its bytes are unchanged', () => {
    const garbage = randomBytes(8192);
    // Make sure it cannot be mistaken for an SQLite header.
    garbage.write('NOT A DATABASE!!', 0, 'latin1');
    writeFileSync(dbPath, garbage);

    const error = expectCode(() => InventoryStore.open(dbPath), 'store_corrupt');
    expect(error.message).toContain(dbPath);
    expect(error.message).toMatch(/left untouched|damaged|not a Keywarden database/);

    expect(readFileSync(dbPath).equals(garbage)).toBe(true);
    // Trying again gives the same answer, and still changes nothing.
    expectCode(() => InventoryStore.open(dbPath), 'store_corrupt');
    expect(readFileSync(dbPath).equals(garbage)).toBe(true);
    expect(readdirSync(folder).filter((name) => name !== 'keywarden.db' && !/-(wal|shm|journal)$/.test(name))).toEqual([]);
  });
});

/** Paths of this process's open file descriptors inside the test folder (Linux /proc). */
function openHandlesInFolder(): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(folder));
}

// A refused file must not stay open: on Windows an open handle stops the administrator from moving it
// aside as the error message tells them to, and a long-running app would keep it until garbage collection.
describe.skipIf(process.platform !== 'linux')('a refused file is not kept open', () => {
  it('after refusing a database from a newer Keywarden', () => {
    openStore().close();
    const raw = openRaw();
    raw.pragma(`user_version = ${LATEST + 1}`);
    raw.close();
    expect(openHandlesInFolder()).toEqual([]);
    expectCode(() => InventoryStore.open(dbPath), 'store_corrupt');
    expect(openHandlesInFolder()).toEqual([]);
  });

  // Regression: a refused file used to stay open until garbage collection (it cannot be moved aside on Windows then).
  it('after refusing a file that is not SQLite', () => {
    writeFileSync(dbPath, Buffer.concat([Buffer.from('NOT A DATABASE!!', 'latin1'), randomBytes(8000)]));
    expectCode(() => InventoryStore.open(dbPath), 'store_corrupt');
    expect(openHandlesInFolder()).toEqual([]);
  });
});

describe('CHECK constraints', () => {
  let db: SqlDatabase;

  beforeEach(() => {
    openStore().close();
    db = openRaw();
    db.exec("INSERT INTO backends (id, name, type, created_at) VALUES (1, 'prod', 'boxwatch', '2026-01-01T00:00:00.000Z')");
  });

  const insertKey = (status: string) =>
    db.prepare("INSERT INTO keys (backend_id, key_id, name, status, first_seen_at) VALUES (1, ?, 'label', ?, '2026-01-01T00:00:00.000Z')").run(`k-${status}`, status);

  it('accept the four key statuses', () => {
    for (const status of ['active', 'grace', 'revoked', 'expired']) insertKey(status);
    expect(db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM keys').get()?.n).toBe(4);
  });

  it('reject an unknown key status', () => {
    expect(() => insertKey('suspended')).toThrow(/CHECK constraint/);
    expect(() => insertKey('ACTIVE')).toThrow(/CHECK constraint/);
    expect(db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM keys').get()?.n).toBe(0);
  });

  it('reject an unknown backend type and a non-positive rotation policy', () => {
    expect(() => db.exec("INSERT INTO backends (name, type, created_at) VALUES ('x', 'awsbox', 'now')")).toThrow(/CHECK constraint/);
    expect(() => db.exec("INSERT INTO backends (name, type, rotate_every_days, created_at) VALUES ('y', 'manual', 0, 'now')")).toThrow(/CHECK constraint/);
  });

  it('reject an unknown audit outcome', () => {
    expect(() => db.exec("INSERT INTO audit (at, os_user, action, outcome) VALUES ('now', 'me', 'sync', 'maybe')")).toThrow(/CHECK constraint/);
  });
});

describe('migration 012: import sources', () => {
  const at = '2026-01-01T00:00:00.000Z';

  it('a version-7 file upgrades and keeps its keys; a read-only copy still reads before it', () => {
    const db = openRaw();
    expect(migrate(db, MIGRATIONS, 7)).toBe(7);
    db.prepare("INSERT INTO backends (id, name, type, created_at) VALUES (1, 'hand', 'manual', ?)").run(at);
    db.prepare("INSERT INTO keys (backend_id, key_id, name, status, first_seen_at) VALUES (1, 'stripe', 'Stripe', 'active', ?)").run(at);
    db.close();
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    expect(readOnly.keys.list({}, new Date(at)).map((key) => key.name)).toEqual(['Stripe']);
    readOnly.close();

    const store = openStore();
    store.transaction(() => store.imports.putMany(1, [{ sourceId: 'keepass:abc', keyId: 'stripe', fieldsHash: 'f', secretHash: null }], at));
    expect([...store.imports.imported(1).keys()]).toEqual(['keepass:abc']);
    // Deleting the key deletes where it came from: a later import creates it again instead of pointing at nothing.
    store.keys.delete(1, 'stripe');
    expect(store.imports.imported(1).size).toBe(0);
    store.close();
    expect(schemaVersion(openRaw())).toBe(LATEST);
  });
});

describe('migration 010: alert channels', () => {
  it('upgrades a version-7 file; a read-only copy before it has no channels', () => {
    const raw = openRaw();
    expect(migrate(raw, MIGRATIONS, 7)).toBe(7);
    raw.close();
    const readOnly = InventoryStore.open(dbPath, { readOnly: true });
    opened.push(readOnly);
    expect(readOnly.alerts.listChannels()).toEqual([]);
    expect(readOnly.alerts.countSecrets()).toBe(0);
    readOnly.close();

    const store = openStore();
    const channel = store.alerts.insertChannel({ name: 'ops', type: 'webhook', config: { url: 'https://alerts.example.com/hook' }, createdAt: '2026-01-01T00:00:00.000Z' }, null);
    const key = { channelId: channel.id, ref: 'hand/k', kind: 'expiry', dueAt: '2026-02-01', stage: '7' };
    const claim = { owner: 'one', until: '2026-01-01T00:10:00.000Z', at: '2026-01-01T00:00:00.000Z' };
    // One row per (channel, key, due date, stage): a second claim of the same alert loses.
    expect(store.alerts.claimNew(key, claim)).toBe(true);
    expect(store.alerts.claimNew(key, { ...claim, owner: 'two' })).toBe(false);
    // Only the claim's holder records the outcome.
    expect(store.alerts.markSent(key, 'two', claim.at)).toBe(false);
    expect(store.alerts.markSent(key, 'one', claim.at)).toBe(true);
    expect(store.alerts.counts(channel.id)).toEqual({ sent: 1, pending: 0, nextAttemptAt: null });
    store.close();
    expect(schemaVersion(openRaw())).toBe(LATEST);
  });
});
