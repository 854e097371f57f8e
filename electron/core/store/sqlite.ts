/**
 * The only file that imports better-sqlite3. Everything else sees the small `SqlDatabase` interface,
 * so the Electron build of the native module (loaded through `nativeBinding`) can be swapped in by the
 * main process without any other file knowing.
 */
import Database from 'better-sqlite3';
import { accessSync, chmodSync, closeSync, constants, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeywardenError } from '../errors.js';

export type SqlValue = string | number | bigint | null | Buffer;

export interface SqlStatement<Row> {
  all(...params: SqlValue[]): Row[];
  get(...params: SqlValue[]): Row | undefined;
  run(...params: SqlValue[]): { changes: number; lastInsertRowid: number | bigint };
  /** Rows as arrays in column order: several times cheaper than objects for large result sets. */
  raw(): SqlStatement<unknown[]>;
  /**
   * Rows one at a time, without holding them all (a walk over the whole audit trail). The connection runs no
   * other statement until the iteration ends: finish (or break out of) the loop before the next query.
   */
  iterate(...params: SqlValue[]): IterableIterator<Row>;
}

export interface SqlDatabase {
  readonly path: string;
  prepare<Row = unknown>(sql: string): SqlStatement<Row>;
  exec(sql: string): void;
  /** Runs `fn` in one transaction (BEGIN IMMEDIATE), rolled back if it throws. */
  transaction<T>(fn: () => T): T;
  /**
   * Runs `fn` in a read transaction (BEGIN DEFERRED): every query in it sees one snapshot of the file, even while
   * another process writes. Takes no write lock, so it works on a read-only connection too.
   */
  readTransaction<T>(fn: () => T): T;
  pragma(statement: string): unknown;
  close(): void;
  readonly readOnly: boolean;
  /**
   * Copies the database to `destination` with SQLite's online backup API, all pages in one step: a
   * consistent snapshot of what is committed (the WAL's committed frames included), never a write still
   * in progress in another connection. The destination is created or overwritten.
   */
  backup(destination: string): Promise<void>;
}

export interface OpenOptions {
  /** How long to wait for another process (the app, a cron job) holding the write lock. */
  busyTimeoutMs?: number;
  /** Path of an alternative native binding, e.g. the Electron ABI build made by electron-builder. */
  nativeBinding?: string;
  /**
   * Open for reading only: nothing is created, migrated or written, so a read-only copy of a data
   * folder (a backup, a mounted snapshot) can still be listed.
   */
  readOnly?: boolean;
  /**
   * A self-contained copy (a backup): the rollback journal instead of WAL, so the copy is one file with
   * no -wal or -shm beside it, and opens read-only anywhere.
   */
  standalone?: boolean;
}

/** The database and its WAL and shared-memory files hold sealed secrets and the audit trail: owner only. */
const PRIVATE_FILE_MODE = 0o600;
const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

/**
 * Creates the database file 0600 before SQLite does (SQLite would use 0644 less the umask), and
 * narrows an existing one. SQLite gives its -wal and -shm files the database file's mode, so this
 * one file decides all three; existing side files from older versions are narrowed too.
 */
function makePrivate(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  for (const suffix of SIDE_FILES) {
    const file = `${path}${suffix}`;
    try {
      const stat = statSync(file);
      if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) chmodSync(file, PRIVATE_FILE_MODE);
    } catch {
      // Absent side file, or a file owned by someone else: SQLite's own open reports what matters.
    }
  }
}

/**
 * SQLite's page cache of each connection, in KiB (`PRAGMA cache_size` takes KiB as a negative number): the database's
 * pages stay in the process after their first read, up to 64 MiB. SQLite's default, 2 MiB, holds none of a large
 * inventory's search indexes: at 100k keys a search read the 15 MB index of the joined searched text (migration 017)
 * from the OS again on every keystroke, a third to half of its time ("due<30 billing" 21 ms, with this 11). The cache
 * only grows with what is read (a 10k-key database is 12 MB in all), and what reads every page once, a check or a
 * backup, reads through the default cache instead (`readingEveryPage`).
 * Not a memory map (`mmap_size`), though a little faster still: an I/O error under a mapped page kills the process
 * with SIGBUS, where a failed read is an error SQLite reports in words (a data folder on NFS, a failing disk).
 */
export const PAGE_CACHE_KIB = 64 * 1024;

export function openSqlite(path: string, options: OpenOptions = {}): SqlDatabase {
  let db: Database.Database | undefined;
  try {
    if (!options.readOnly) makePrivate(path);
    const binding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
    db = options.readOnly ? openReadOnly(path, binding) : new Database(path, binding);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // WAL lets the desktop app read while a CLI sync writes; it is also what makes readers never block.
    // A read-only connection uses whatever mode the file has; changing it would be a write.
    if (options.standalone) db.pragma('journal_mode = DELETE');
    else if (!options.readOnly) enableWal(db, busyTimeoutMs);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  } catch (error) {
    // A refused file must not stay open: the message tells the admin to move it aside (impossible on Windows while open).
    db?.close();
    throw translateSqliteError(error, path);
  }
  const open = db;
  return {
    path,
    prepare<Row>(sql: string): SqlStatement<Row> {
      return open.prepare(sql) as unknown as SqlStatement<Row>;
    },
    exec: (sql) => void open.exec(sql),
    transaction: <T>(fn: () => T) => open.transaction(fn).immediate(),
    readTransaction: <T>(fn: () => T) => open.transaction(fn).deferred(),
    pragma: (statement) => open.pragma(statement),
    close: () => open.close(),
    readOnly: Boolean(options.readOnly),
    async backup(destination) {
      try {
        // better-sqlite3 steps the backup on the event loop; asking for every page at once makes the copy
        // one step, so it never restarts and never mixes two states of a database another process writes.
        await readingEveryPage(open, () => open.backup(destination, { progress: () => ALL_PAGES }));
      } catch (error) {
        throw translateSqliteError(error, path);
      }
    },
  };
}

/**
 * Runs `read`, which reads every page of the file once (a quick_check, a backup), through SQLite's default page cache
 * (2 MiB) instead of the connection's PAGE_CACHE_KIB: pages read once are not worth keeping, and filling 64 MiB with
 * them made an open at 100k keys, which checks the file, take half as long again. The connection's cache size is put
 * back after, whatever `read` did.
 */
export function readingEveryPage<T>(db: Pick<SqlDatabase, 'pragma'>, read: () => T): T {
  const [{ cache_size: cacheSize }] = db.pragma('cache_size') as [{ cache_size: number }];
  db.pragma('cache_size = -2000');
  const restore = () => void db.pragma(`cache_size = ${cacheSize}`);
  let result: T;
  try {
    result = read();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/** The most pages better-sqlite3 accepts for one backup step: in practice, all of them. */
const ALL_PAGES = 0x7fffffff;

/** Another connection (in any process) has the database open, or nothing could lock it: see `lockExclusively`. */
export type ExclusiveLock = { state: 'locked'; release(): void } | { state: 'busy' } | { state: 'unreadable'; code: string };

/**
 * Tries to take the database file's exclusive lock at once, without waiting, to learn whether any other
 * connection has it open: in WAL mode every open connection keeps a shared lock on the file, even when
 * idle, so an exclusive lock is refused (SQLITE_BUSY) while the desktop app, `keywarden ui` or a running
 * command has the database open. `locking_mode = EXCLUSIVE` keeps the lock after the transaction until
 * `release()`, so nothing else can open the database while it is moved aside. A file SQLite cannot
 * read as a database (a destroyed header) cannot be locked this way: `unreadable`.
 */
export function lockExclusively(path: string, options: Pick<OpenOptions, 'nativeBinding'> = {}): ExclusiveLock {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}) });
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (error) {
    db?.close();
    const code = (error as { code?: string }).code ?? '';
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return { state: 'busy' };
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return { state: 'unreadable', code };
    throw translateSqliteError(error, path);
  }
  const held = db;
  return { state: 'locked', release: () => held.close() };
}

/** Lets the synchronous open wait a moment without spinning. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Switches a database to WAL. The mode is stored in the file, so only a new database needs it; but
 * several processes can open a new data folder at once, and SQLite answers a contended journal-mode
 * change with SQLITE_BUSY at once, without its busy handler. So the switch is retried here, for as
 * long as the busy timeout would have waited.
 */
function enableWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 20);
    }
  }
}

/**
 * A read-only connection. SQLite can read a WAL database without writing only when its -wal and -shm
 * files exist or can be created; a cleanly closed database on a read-only mount or in a backup copy
 * has neither, and the open fails with SQLITE_CANTOPEN. Then the file is read into memory, marked as
 * a rollback-journal database in the copy's header (bytes 18-19, never in the file itself), and opened
 * from there: a consistent snapshot, since without a -wal file every commit is in the main file.
 */
function openReadOnly(path: string, binding: { nativeBinding?: string }): Database.Database {
  let direct: Database.Database | undefined;
  try {
    direct = new Database(path, { ...binding, readonly: true, fileMustExist: true });
    direct.pragma('user_version'); // SQLite opens lazily: the first read is where CANTOPEN shows
    return direct;
  } catch (error) {
    direct?.close();
    if ((error as { code?: string }).code !== 'SQLITE_CANTOPEN' || existsSync(`${path}-wal`) || !existsSync(path)) throw error;
    const image = readFileSync(path);
    if (image.length >= 100 && image[18] === 2 && image[19] === 2) {
      image[18] = 1;
      image[19] = 1;
    }
    return new Database(image, { ...binding, readonly: true });
  }
}

/** Turns SQLite's codes into the messages an administrator can act on. */
export function translateSqliteError(error: unknown, path: string): KeywardenError {
  if (error instanceof KeywardenError) return error;
  const code = (error as { code?: string } | null)?.code ?? '';
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new KeywardenError('store_corrupt', `the inventory database ${path} is damaged or not a Keywarden database (${code}); it was left untouched`, { path, damaged: true }, { cause: error });
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new KeywardenError('store_busy', `the inventory database ${path} is busy in another Keywarden process; try again in a moment`, { path }, { cause: error });
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    return new KeywardenError(
      'store_read_only',
      `the inventory database ${path} cannot be written (${code}): it is read-only here (a backup or a read-only mount?); reading commands such as "keywarden list" still work`,
      { path },
      { cause: error },
    );
  }
  if (code === 'SQLITE_CANTOPEN' && existsSync(path) && !isWritable(dirname(path))) {
    // A WAL database needs its folder writable for the -wal and -shm files, even to open it for writing.
    return new KeywardenError(
      'store_read_only',
      `the data folder ${dirname(path)} is read-only here (a backup or a read-only mount?): this command needs to write; reading commands such as "keywarden list" still work`,
      { path },
      { cause: error },
    );
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    return new KeywardenError('invalid_input', `cannot open the inventory database ${path} (${code}): check the folder exists and is readable`, { path }, { cause: error });
  }
  return new KeywardenError('internal', `database error in ${path}: ${text}`, { path }, { cause: error });
}

function isWritable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
