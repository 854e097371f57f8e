/**
 * Bringing a backup back (`keywarden restore`). In order, each step before the next:
 * 1. the backup is checked (quick_check, a Keywarden schema this version can use);
 * 2. it is copied into the data folder through SQLite (a consistent copy even of a live file), made
 *    one self-contained file and checked again, 0600;
 * 3. the current database must not be open anywhere: its exclusive lock is taken without waiting
 *    (`lockExclusively`), and refused (`store_busy`) while any other connection has it open;
 * 4. holding that lock, the current file and its -wal/-shm are renamed aside with a timestamp
 *    (`keywarden.db.replaced-<UTC time>`, the side files keeping their suffix, so the pair still opens);
 * 5. the checked copy takes the database's name by a hard link, which fails rather than replace a
 *    database another process created in the meantime.
 * Nothing is deleted: the replaced file stays beside the restored one until the administrator removes it.
 */
import { chmodSync, existsSync, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KeywardenError } from '../errors.js';
import { makePrivateFolder, syncToDisk } from '../private-files.js';
import { STAGING_PREFIX } from './backup-files.js';
import { settleCopy } from './backups.js';
import { commandFor, requireRestorable } from './integrity.js';
import { lockExclusively, openSqlite, type OpenOptions, type SqlDatabase } from './sqlite.js';

export interface RestoreResult {
  database: string;
  restoredFrom: string;
  /** The replaced database and its side files, renamed aside; empty when there was no database. */
  setAside: string[];
  schema: number;
  backends: number;
  keys: number;
  secrets: number;
  /** What the administrator should know: e.g. the backup's secrets are sealed under another data key. */
  warnings: string[];
}

const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

export async function restoreDatabase(databasePath: string, source: string, options: { now?: Date; nativeBinding?: string } = {}): Promise<RestoreResult> {
  const from = resolve(source);
  const target = resolve(databasePath);
  if (SIDE_FILES.some((suffix) => `${target}${suffix}` === from)) throw new KeywardenError('invalid_input', `${from} is the inventory database itself; name a backup`, { path: from });
  const binding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
  const check = requireRestorable(from, binding);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const previousVault = readVaultId(target, binding);

  // SQLite writes the copy by path: into a fresh 0700 folder of the user's, where nobody else can plant a link.
  const staging = makePrivateFolder(dirname(target), STAGING_PREFIX);
  const staged = join(staging, 'restored.db');
  try {
    let copySource: SqlDatabase | undefined;
    try {
      copySource = openSqlite(from, { readOnly: true, ...binding });
      await copySource.backup(staged);
    } finally {
      copySource?.close();
    }
    settleCopy(staged, binding);
    chmodSync(staged, 0o600);
    syncToDisk(staged);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }

  const setAside = moveCurrentAside(target, options.now ?? new Date(), binding, staging);
  try {
    linkSync(staged, target);
    rmSync(staging, { recursive: true, force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || existsSync(target)) {
      throw new KeywardenError(
        'conflict',
        `another Keywarden process created a new inventory at ${target} during the restore; close it, move that file aside, and restore again (the checked copy of the backup is ${staged}, the replaced database ${setAside[0] ?? 'none'})`,
        { path: target },
      );
    }
    renameSync(staged, target); // a file system without hard links
    rmSync(staging, { recursive: true, force: true });
  }
  syncToDisk(dirname(target));

  const warnings: string[] = [];
  if (previousVault && check.vaultId && previousVault !== check.vaultId) {
    warnings.push(
      `the backup's secrets are sealed under another data key (vault ${check.vaultId}, this folder had ${previousVault}): they open only while that key is in the keychain or with that vault's passphrase; "${commandFor(target)} vault status" tells`,
    );
  }
  return { database: target, restoredFrom: from, setAside, schema: check.schema!, backends: check.backends!, keys: check.keys!, secrets: check.secrets!, warnings };
}

/**
 * Renames the current database and its side files aside, under its exclusive lock. A -wal or -shm left
 * without its database (a crash, a hand-deleted file) goes aside too: SQLite would replay an old WAL
 * into the restored file.
 */
function moveCurrentAside(target: string, now: Date, binding: Pick<OpenOptions, 'nativeBinding'>, staging: string): string[] {
  const present = SIDE_FILES.filter((suffix) => existsSync(`${target}${suffix}`));
  if (present.length === 0) return [];
  const aside = `${target}.replaced-${now.toISOString().replace(/[:.]/g, '-')}`;
  const lock = existsSync(target) ? lockExclusively(target, binding) : null;
  if (lock?.state === 'busy') {
    rmSync(staging, { recursive: true, force: true });
    throw new KeywardenError(
      'store_busy',
      `the inventory database ${target} is open in another process (the desktop app, "keywarden ui", a sync or another command); close it and run the restore again; nothing was changed`,
      { path: target },
    );
  }
  // Windows cannot rename a file it holds open; elsewhere the lock is kept until the file has moved.
  if (lock?.state === 'locked' && process.platform === 'win32') lock.release();
  const moved: string[] = [];
  try {
    for (const suffix of present) {
      renameSync(`${target}${suffix}`, `${aside}${suffix}`);
      moved.push(`${aside}${suffix}`);
    }
  } catch (error) {
    // Put back what moved, so the folder is as it was.
    for (const path of moved) renameSync(path, `${target}${path.slice(aside.length)}`);
    rmSync(staging, { recursive: true, force: true });
    throw new KeywardenError('store_read_only', `cannot move ${target} aside: ${(error as Error).message}; nothing was changed`, { path: target }, { cause: error });
  } finally {
    if (lock?.state === 'locked' && process.platform !== 'win32') lock.release();
  }
  syncToDisk(dirname(target));
  return moved;
}

/** The vault the current database's secrets are sealed for, when it can still be read. */
function readVaultId(path: string, binding: Pick<OpenOptions, 'nativeBinding'>): string | null {
  if (!existsSync(path)) return null;
  let db: SqlDatabase | undefined;
  try {
    db = openSqlite(path, { readOnly: true, busyTimeoutMs: 1000, ...binding });
    return db.prepare<{ value: string }>("SELECT value FROM meta WHERE name = 'vault_id'").get()?.value ?? null;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}
