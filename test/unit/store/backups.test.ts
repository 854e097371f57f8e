/**
 * Rolling backups and restore, on real SQLite files in a temporary data folder: what a backup holds
 * (committed state only), its modes, the backup before a migration, the daily rule (by back-dating the
 * newest backup's name), pruning to seven only after a checked copy, and restore: a round trip whose
 * sealed secret still opens with the same data key, the current file kept aside, and a refusal while
 * another process (or another connection of this one) has the database open.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../../electron/core/engine.js';
import { KeywardenError } from '../../../electron/core/errors.js';
import { backupName, listBackups } from '../../../electron/core/store/backup-files.js';

/** The documented number (docs/cli.md: "the last 7 are kept"), pinned here, not read from the code it checks. */
const KEEP_BACKUPS = 7;
import { dailyBackupIfDue, makeBackup } from '../../../electron/core/store/backups.js';
import { MIGRATIONS, migrate, schemaVersion } from '../../../electron/core/store/migrations/index.js';
import { openSqlite } from '../../../electron/core/store/sqlite.js';
import { InventoryStore } from '../../../electron/core/store/store.js';
import { memoryKeychain } from '../../support/memory-keychain.js';
import { holdWriteLock } from '../../support/sqlite-lock.js';

const LATEST = MIGRATIONS.at(-1)!.version;
const DAY = 86_400_000;
let home: string;
let dbPath: string;
const keychain = memoryKeychain();
const engines: KeywardenEngine[] = [];

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'keywarden-backups-'));
  dbPath = join(home, 'keywarden.db');
});

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close().catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

async function start(): Promise<KeywardenEngine> {
  const engine = await KeywardenEngine.start({ home, keychain });
  engines.push(engine);
  return engine;
}

async function closeAll(): Promise<void> {
  for (const engine of engines.splice(0)) await engine.close();
}

/** An engine-made inventory: a manual backend with one key whose secret is cached (sealed by the vault). */
async function inventoryWithSecret(secret: string): Promise<string> {
  const engine = KeywardenEngine.open({ home, keychain });
  try {
    await engine.addBackend({ name: 'hand', type: 'manual' });
    const key = await engine.addManualKey('hand', { name: 'Stripe prod', secret, expiresAt: new Date(Date.now() + 90 * DAY).toISOString() });
    return key.ref;
  } finally {
    await engine.close();
  }
}

function rows(path: string, sql: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

function backendNames(path: string): string[] {
  return (rows(path, 'SELECT name FROM backends ORDER BY name') as Array<{ name: string }>).map((row) => row.name);
}

/** Renames the newest rolling backup as if it had been made `days` days ago. */
function backdateNewest(days: number): void {
  const newest = listBackups(dbPath)[0]!;
  renameSync(newest.path, join(home, 'backups', backupName(new Date(Date.parse(newest.createdAt) - days * DAY), newest.reason as 'daily')));
}

describe('a backup', () => {
  it('is a checked, self-contained copy, 0600 in a 0700 folder, holding what is committed and never a write still in progress', async () => {
    await inventoryWithSecret(`sk_live_${randomBytes(12).toString('hex')}`);
    const engine = KeywardenEngine.open({ home, keychain });
    engines.push(engine);
    // Another connection: one committed row that is still only in the WAL, and one write in progress.
    const other = new Database(dbPath);
    other.pragma('wal_autocheckpoint = 0');
    other.prepare("INSERT INTO meta (name, value) VALUES ('committed-in-wal', 'yes')").run();
    other.exec('BEGIN IMMEDIATE');
    other.prepare("INSERT INTO meta (name, value) VALUES ('uncommitted', 'no')").run();
    try {
      const made = await engine.backup();
      expect(made.path).toMatch(/\/backups\/keywarden-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-manual\.db$/);
      expect(statSync(made.path).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, 'backups')).mode & 0o777).toBe(0o700);
      // One file: no -wal or -shm beside it, rollback-journal mode in its header, sound.
      expect(readdirSync(join(home, 'backups'))).toEqual([made.name]);
      expect(readFileSync(made.path).subarray(18, 20)).toEqual(Buffer.from([1, 1]));
      expect(rows(made.path, 'PRAGMA quick_check')).toEqual([{ quick_check: 'ok' }]);
      const meta = (rows(made.path, 'SELECT name FROM meta') as Array<{ name: string }>).map((row) => row.name);
      expect(meta).toContain('committed-in-wal');
      expect(meta).not.toContain('uncommitted');
      expect(rows(made.path, 'SELECT COUNT(*) AS n FROM key_secrets')).toEqual([{ n: 1 }]);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('to --output never overwrites a file, and is 0600 too', async () => {
    await inventoryWithSecret('sk_test_output_000000000000');
    const engine = KeywardenEngine.open({ home, keychain, readOnly: true });
    engines.push(engine);
    const output = join(home, 'copy.db');
    const made = await engine.backup(output);
    expect(made).toMatchObject({ path: output, pruned: [] });
    expect(statSync(output).mode & 0o777).toBe(0o600);
    expect(backendNames(output)).toEqual(['hand']);
    const before = readFileSync(output);
    await expect(engine.backup(output)).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/already exists; a backup never overwrites a file/) });
    expect(readFileSync(output).equals(before)).toBe(true);
    expect(existsSync(join(home, 'backups'))).toBe(false);
  });

  it('of a database damaged under an open connection fails its check: nothing is kept and nothing is pruned', async () => {
    await inventoryWithSecret('sk_test_damage_0000000000000');
    // Nine older backups, all good copies.
    mkdirSync(join(home, 'backups'), { mode: 0o700 });
    for (let day = 9; day >= 1; day--) copyFileSync(dbPath, join(home, 'backups', backupName(new Date(Date.now() - day * DAY), 'daily')));
    const before = readdirSync(join(home, 'backups')).sort();
    const store = InventoryStore.open(dbPath, { readOnly: true });
    try {
      // The file is damaged after the store opened it (a failing disk): the header and every page after the schema.
      const fd = openSync(dbPath, 'r+');
      writeSync(fd, randomBytes(statSync(dbPath).size - 8192), 0, statSync(dbPath).size - 8192, 8192);
      closeSync(fd);
      await expect(makeBackup(store, { databasePath: dbPath, reason: 'manual' })).rejects.toMatchObject({ code: 'store_corrupt' });
    } finally {
      store.close();
    }
    expect(readdirSync(join(home, 'backups')).sort()).toEqual(before);
  });
});

describe('the backup before a migration', () => {
  function versionFourFile(withData: boolean): void {
    const db = openSqlite(dbPath);
    migrate(db, MIGRATIONS, 4);
    if (withData) db.prepare("INSERT INTO backends (name, type, url, settings, created_at) VALUES ('old', 'manual', NULL, '{}', ?)").run(new Date().toISOString());
    db.close();
  }

  it('is made when a database with data has migrations pending, holding the old schema; then the file is migrated', async () => {
    versionFourFile(true);
    await start();
    const backups = listBackups(dbPath);
    expect(backups.map((backup) => backup.reason)).toEqual([`before-schema-${LATEST}`]);
    expect(rows(backups[0]!.path, 'PRAGMA user_version')).toEqual([{ user_version: 4 }]);
    expect(backendNames(backups[0]!.path)).toEqual(['old']);
    expect(statSync(backups[0]!.path).mode & 0o777).toBe(0o600);
    await closeAll();
    const db = openSqlite(dbPath, { readOnly: true });
    expect(schemaVersion(db)).toBe(LATEST);
    db.close();
  });

  it('is not made for a database without data, nor for a new data folder', async () => {
    versionFourFile(false);
    await start();
    await closeAll();
    expect(listBackups(dbPath)).toEqual([]);
    rmSync(home, { recursive: true, force: true });
    await start();
    await closeAll();
    expect(existsSync(join(home, 'backups'))).toBe(false);
  });

  it('failing (the backups folder cannot be made) leaves the file unmigrated', async () => {
    versionFourFile(true);
    // A file where the backups folder should be.
    closeSync(openSync(join(home, 'backups'), 'w'));
    await expect(start()).rejects.toMatchObject({ message: expect.stringMatching(/could not back up .* before upgrading its schema, so it was not upgraded/) });
    const db = openSqlite(dbPath, { readOnly: true });
    expect(schemaVersion(db)).toBe(4);
    db.close();
  });
});

describe('daily backups while a writing process runs', () => {
  it('one per UTC calendar day at start: none again the same day, a new one once the newest is from yesterday', async () => {
    await inventoryWithSecret('sk_test_daily_00000000000000');
    await start();
    await closeAll();
    expect(listBackups(dbPath).map((backup) => backup.reason)).toEqual(['daily']);
    await start();
    await closeAll();
    expect(listBackups(dbPath)).toHaveLength(1);

    backdateNewest(1);
    await start();
    await closeAll();
    const backups = listBackups(dbPath);
    expect(backups).toHaveLength(2);
    expect(backups[0]!.createdAt.slice(0, 10)).toBe(new Date().toISOString().slice(0, 10));
  });

  it("a long-running process makes the next day's backup after a sync", async () => {
    await inventoryWithSecret('sk_test_sync_000000000000000');
    const engine = await start();
    expect(listBackups(dbPath)).toHaveLength(1);
    backdateNewest(1);
    await engine.sync(['hand']);
    await engine.close(); // waits for the backup started in the background
    engines.splice(0);
    expect(listBackups(dbPath)).toHaveLength(2);
  });

  it('the plain open (tests, tools) and reading opens make none', async () => {
    await inventoryWithSecret('sk_test_plain_00000000000000');
    await (await KeywardenEngine.start({ home, keychain, readOnly: true })).close();
    expect(listBackups(dbPath)).toEqual([]);
  });

  it('several processes starting at once make one: the lock file decides', async () => {
    await inventoryWithSecret('sk_test_lock_000000000000000');
    const store = InventoryStore.open(dbPath);
    try {
      const made = await Promise.all([dailyBackupIfDue(store, { databasePath: dbPath }), dailyBackupIfDue(store, { databasePath: dbPath }), dailyBackupIfDue(store, { databasePath: dbPath })]);
      expect(made.filter((backup) => backup !== null)).toHaveLength(1);
    } finally {
      store.close();
    }
    expect(listBackups(dbPath)).toHaveLength(1);
    expect(existsSync(join(home, 'backups', '.lock'))).toBe(false);
  });
});

describe('pruning', () => {
  it(`keeps the newest ${KEEP_BACKUPS}, removed only after the new backup passed its check`, async () => {
    await inventoryWithSecret('sk_test_prune_00000000000000');
    mkdirSync(join(home, 'backups'), { mode: 0o700 });
    const old = Array.from({ length: 9 }, (_, index) => backupName(new Date(Date.now() - (index + 1) * DAY), 'daily'));
    for (const name of old) copyFileSync(dbPath, join(home, 'backups', name));
    // Not a backup: left alone.
    closeSync(openSync(join(home, 'backups', 'notes.txt'), 'w'));

    const engine = KeywardenEngine.open({ home, keychain });
    engines.push(engine);
    const made = await engine.backup();
    const kept = listBackups(dbPath).map((backup) => backup.name);
    expect(kept).toEqual([made.name, ...old.slice(0, KEEP_BACKUPS - 1)]);
    expect(made.pruned.map((path) => path.split('/').pop()).sort()).toEqual(old.slice(KEEP_BACKUPS - 1).sort());
    expect(existsSync(join(home, 'backups', 'notes.txt'))).toBe(true);
  });
});

describe('restore', () => {
  it('round trip: the secret cached before the backup reveals after the restore (same data key); the replaced file is kept aside', async () => {
    const secret = `sk_live_${randomBytes(16).toString('hex')}`;
    const ref = await inventoryWithSecret(secret);
    let engine = KeywardenEngine.open({ home, keychain });
    const backup = await engine.backup();
    await engine.addBackend({ name: 'later', type: 'manual' });
    await engine.close();

    const chosen = KeywardenEngine.inspectBackup({ home });
    expect(chosen).toMatchObject({ path: backup.path, check: { ok: true, backends: 1, keys: 1, secrets: 1 } });
    const result = await KeywardenEngine.restore({ home, source: chosen.path });
    expect(result).toMatchObject({ database: dbPath, restoredFrom: backup.path, backends: 1, keys: 1, secrets: 1, warnings: [] });
    expect(result.setAside[0]).toMatch(/\/keywarden\.db\.replaced-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(backendNames(result.setAside[0]!)).toEqual(['hand', 'later']);
    expect(statSync(dbPath).mode & 0o777).toBe(0o600);

    engine = KeywardenEngine.open({ home, keychain });
    try {
      expect(engine.listBackends().map((backend) => backend.name)).toEqual(['hand']);
      expect(await engine.reveal(ref)).toBe(secret);
    } finally {
      await engine.close();
    }
  });

  it('brings back a damaged database: the damaged file and its side files go aside as they were', async () => {
    await inventoryWithSecret('sk_test_restore_damaged_0000');
    const engine = KeywardenEngine.open({ home, keychain });
    await engine.backup();
    await engine.close();
    const fd = openSync(dbPath, 'r+');
    writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
    closeSync(fd);
    const damaged = readFileSync(dbPath);
    await expect(KeywardenEngine.start({ home, keychain })).rejects.toMatchObject({ code: 'store_corrupt' });

    const result = await KeywardenEngine.restore({ home, source: KeywardenEngine.inspectBackup({ home }).path });
    expect(readFileSync(result.setAside[0]!).equals(damaged)).toBe(true);
    const reopened = await start();
    expect(reopened.listBackends().map((backend) => backend.name)).toEqual(['hand']);
  });

  it('refuses while another process holds the database, and changes nothing', async () => {
    await inventoryWithSecret('sk_test_restore_busy_0000000');
    const engine = KeywardenEngine.open({ home, keychain });
    const backup = await engine.backup();
    await engine.close();
    const before = readFileSync(dbPath);
    const held = await holdWriteLock(dbPath, 1500);
    try {
      const error = await KeywardenEngine.restore({ home, source: backup.path }).then(
        () => null,
        (caught: unknown) => caught as KeywardenError,
      );
      expect(error).toBeInstanceOf(KeywardenError);
      expect(error!.code).toBe('store_busy');
      expect(error!.message).toMatch(/is open in another process .*close it and run the restore again; nothing was changed/);
    } finally {
      await held.done;
    }
    expect(readFileSync(dbPath).equals(before)).toBe(true);
    expect(readdirSync(home).filter((name) => name.includes('replaced') || name.endsWith('.partial'))).toEqual([]);
  });

  it('refuses while an engine of this process has the database open, even idle', async () => {
    await inventoryWithSecret('sk_test_restore_idle_0000000');
    const engine = KeywardenEngine.open({ home, keychain });
    engines.push(engine);
    const backup = await engine.backup();
    engine.listBackends();
    await expect(KeywardenEngine.restore({ home, source: backup.path })).rejects.toMatchObject({ code: 'store_busy' });
  });

  it('refuses a damaged backup or a file that is not a Keywarden inventory, before touching anything', async () => {
    await inventoryWithSecret('sk_test_restore_bad_00000000');
    const bad = join(home, 'bad.db');
    copyFileSync(dbPath, bad);
    const fd = openSync(bad, 'r+');
    writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
    closeSync(fd);
    const before = readFileSync(dbPath);
    await expect(KeywardenEngine.restore({ home, source: bad })).rejects.toMatchObject({ code: 'store_corrupt', message: expect.stringMatching(/cannot be restored: it is damaged/) });
    const other = join(home, 'other.db');
    new Database(other).exec('CREATE TABLE t (x)');
    await expect(KeywardenEngine.restore({ home, source: other })).rejects.toMatchObject({ message: expect.stringMatching(/not a Keywarden inventory/) });
    expect(() => KeywardenEngine.inspectBackup({ home })).toThrow(/there is no backup in/);
    expect(readFileSync(dbPath).equals(before)).toBe(true);
  });
});
