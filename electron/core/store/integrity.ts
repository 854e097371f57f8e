/**
 * Is a database file sound? `PRAGMA quick_check` when the store opens for writing, the same check on
 * every backup copy and on a file about to be restored, and the message an administrator gets when a
 * file is damaged: what is wrong, that the file was left untouched, and the newest good backup with the
 * command that restores it.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KeywardenError } from '../errors.js';
import { resolveHome } from '../paths.js';
import { type BackupFile, backupFolder, listBackups } from './backup-files.js';
import { MIGRATIONS, schemaVersion } from './migrations/index.js';
import { openSqlite, type OpenOptions, readingEveryPage, type SqlDatabase, translateSqliteError } from './sqlite.js';

/**
 * What SQLite's quick_check finds wrong, one line each; empty when the file is sound. It checks every
 * page of every b-tree (the structure integrity_check checks, without comparing indexes to their
 * tables), reading the whole file: about 70 ms for 100,000 keys (a 43 MB file) on a warm cache.
 */
export function quickCheckProblems(db: SqlDatabase): string[] {
  const rows = readingEveryPage(db, () => checkOneSnapshot(db));
  return rows
    .map((row) => String(Object.values(row)[0] ?? ''))
    .flatMap((text) => text.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== 'ok' && !line.startsWith('*** in database'));
}

/**
 * quick_check in one read transaction whose snapshot is taken before the check is compiled. Another process may be
 * creating the schema of the same new data folder meanwhile (four CLI calls at once): a check compiled against one
 * schema and run against the next connects each FTS5 table to check it, and that connect failed with SQLITE_SCHEMA,
 * "vtable constructor failed: key_search". Reading the header first opens the snapshot, and the check then compiles
 * and runs against that one state of the file, whatever commits meanwhile (WAL: a reader never waits for a writer).
 */
function checkOneSnapshot(db: SqlDatabase): Array<Record<string, string>> {
  return db.readTransaction(() => {
    schemaVersion(db);
    return db.pragma('quick_check') as Array<Record<string, string>>;
  });
}

/** Throws `store_corrupt` (damaged) when quick_check finds anything wrong with the open database. */
export function requireIntact(db: SqlDatabase): void {
  let problems: string[];
  try {
    problems = quickCheckProblems(db);
  } catch (error) {
    throw translateSqliteError(error, db.path);
  }
  if (problems.length > 0) throw damagedError(db.path, `SQLite's check found ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${oneLine(problems[0]!)}`);
}

/** A damaged database, left untouched; `withBackupHint` adds what to do about it. */
export function damagedError(path: string, what: string, cause?: unknown): KeywardenError {
  return new KeywardenError('store_corrupt', `the inventory database ${path} is damaged (${what}); it was left untouched`, { path, damaged: true }, cause === undefined ? undefined : { cause });
}

/**
 * A file that was emptied (0 bytes) while backups exist beside it is damaged, not a new inventory:
 * SQLite would take it for an empty database and Keywarden would start afresh over it.
 */
export function requireNotEmptied(databasePath: string): void {
  let size: number;
  try {
    size = statSync(databasePath).size;
  } catch {
    return; // absent: a new data folder
  }
  if (size === 0 && listBackups(databasePath).length > 0) throw damagedError(databasePath, 'it is empty, 0 bytes, though backups of it exist');
}

export interface FileCheck {
  ok: boolean;
  /** What is wrong, for the administrator, when not ok. */
  problem: string | null;
  schema: number | null;
  backends: number | null;
  keys: number | null;
  secrets: number | null;
  /** The data folder's vault this file's secrets are sealed for (the keychain entry that opens them). */
  vaultId: string | null;
}

const NOT_CHECKED = { schema: null, backends: null, keys: null, secrets: null, vaultId: null };

/**
 * Checks a database file without changing it (opened read-only): SQLite's quick_check, a Keywarden
 * schema this version can use, and what it holds. Never throws for a bad file: says why it is bad.
 */
export function checkDatabaseFile(path: string, options: Pick<OpenOptions, 'nativeBinding'> = {}): FileCheck {
  let db: SqlDatabase | undefined;
  try {
    db = openSqlite(path, { readOnly: true, busyTimeoutMs: 2000, ...options });
    const problems = quickCheckProblems(db);
    if (problems.length > 0) return { ok: false, problem: `it is damaged (SQLite's check: ${oneLine(problems[0]!)})`, ...NOT_CHECKED };
    const schema = schemaVersion(db);
    const latest = MIGRATIONS.at(-1)?.version ?? 0;
    if (schema === 0) return { ok: false, problem: 'it is not a Keywarden inventory (it has no schema)', ...NOT_CHECKED };
    if (schema > latest) return { ok: false, problem: `it was written by a newer Keywarden (schema ${schema}, this one knows ${latest})`, ...NOT_CHECKED };
    const count = (table: string) => db!.prepare<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? 0;
    const vaultId = db.prepare<{ value: string }>("SELECT value FROM meta WHERE name = 'vault_id'").get()?.value ?? null;
    return { ok: true, problem: null, schema, backends: count('backends'), keys: count('keys'), secrets: count('key_secrets'), vaultId };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const text = error instanceof KeywardenError ? error.message : `${code || 'error'}: ${(error as Error).message}`;
    const problem =
      /SQLITE_(NOTADB|CORRUPT)/.test(code) || (error instanceof KeywardenError && error.code === 'store_corrupt') ? `it is damaged or not a database (${text})` : `it cannot be read (${text})`;
    return { ok: false, problem, ...NOT_CHECKED };
  } finally {
    db?.close();
  }
}

/** Checks a file about to be restored; throws, saying why, when it cannot be. */
export function requireRestorable(source: string, options: Pick<OpenOptions, 'nativeBinding'> = {}): FileCheck & { ok: true } {
  const path = resolve(source);
  if (!existsSync(path)) throw new KeywardenError('invalid_input', `no file ${path}`, { path });
  const check = checkDatabaseFile(path, options);
  if (!check.ok) throw new KeywardenError(check.problem?.includes('damaged') ? 'store_corrupt' : 'invalid_input', `${path} cannot be restored: ${check.problem}; nothing was changed`, { path });
  return check as FileCheck & { ok: true };
}

/** The newest rolling backup that passes its check now, or null. Reads each one: for error paths and restore, never at open. */
export function newestGoodBackup(databasePath: string, options: Pick<OpenOptions, 'nativeBinding'> = {}): (BackupFile & { check: FileCheck }) | null {
  for (const backup of listBackups(databasePath)) {
    const check = checkDatabaseFile(backup.path, options);
    if (check.ok) return { ...backup, check };
  }
  return null;
}

/** `keywarden`, with `--home DIR` when the data folder is not the one the command finds by itself. */
export function commandFor(databasePath: string): string {
  const home = dirname(databasePath);
  return home === resolveHome(undefined) ? 'keywarden' : `keywarden --home ${/^[\w@%+=:,./-]+$/.test(home) ? home : JSON.stringify(home)}`;
}

/**
 * Adds to a damaged-database error the newest good backup and the command that restores it (or says
 * there is none). Other errors pass unchanged; so does one already told.
 */
export function withBackupHint(error: unknown, databasePath: string): unknown {
  if (!(error instanceof KeywardenError) || error.code !== 'store_corrupt' || error.details.damaged !== true || 'backup' in error.details) return error;
  let backup: ReturnType<typeof newestGoodBackup> = null;
  try {
    backup = newestGoodBackup(databasePath);
  } catch {
    // the backups cannot be read either: say there is none usable
  }
  const command = commandFor(databasePath);
  const advice = backup
    ? `; the newest good backup is ${backup.path} (made ${backup.createdAt.replace('T', ' ').slice(0, 19)} UTC, ${backup.check.keys} keys): restore it with "${command} restore --latest"`
    : `; there is no good backup in ${backupFolder(databasePath)}: move the file aside to start afresh, or restore a copy with "${command} restore FILE"`;
  return new KeywardenError('store_corrupt', `${error.message}${advice}`, { ...error.details, backup: backup?.path ?? null }, { cause: error.cause ?? error });
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
