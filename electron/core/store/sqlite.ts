/**
 * The only file that imports better-sqlite3. Everything else sees the small `SqlDatabase` interface,
 * so the Electron build of the native module (loaded through `nativeBinding`) can be swapped in by the
 * main process without any other file knowing.
 */
import Database from 'better-sqlite3';
import { KeywardenError } from '../errors.js';

export type SqlValue = string | number | bigint | null | Buffer;

export interface SqlStatement<Row> {
  all(...params: SqlValue[]): Row[];
  get(...params: SqlValue[]): Row | undefined;
  run(...params: SqlValue[]): { changes: number; lastInsertRowid: number | bigint };
  /** Rows as arrays in column order: several times cheaper than objects for large result sets. */
  raw(): SqlStatement<unknown[]>;
}

export interface SqlDatabase {
  readonly path: string;
  prepare<Row = unknown>(sql: string): SqlStatement<Row>;
  exec(sql: string): void;
  /** Runs `fn` in one transaction (BEGIN IMMEDIATE), rolled back if it throws. */
  transaction<T>(fn: () => T): T;
  pragma(statement: string): unknown;
  close(): void;
}

export interface OpenOptions {
  /** How long to wait for another process (the app, a cron job) holding the write lock. */
  busyTimeoutMs?: number;
  /** Path of an alternative native binding, e.g. the Electron ABI build made by electron-builder. */
  nativeBinding?: string;
}

export function openSqlite(path: string, options: OpenOptions = {}): SqlDatabase {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // WAL lets the desktop app read while a CLI sync writes; it is also what makes readers never block.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
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
    pragma: (statement) => open.pragma(statement),
    close: () => open.close(),
  };
}

/** Turns SQLite's codes into the messages an administrator can act on. */
export function translateSqliteError(error: unknown, path: string): KeywardenError {
  if (error instanceof KeywardenError) return error;
  const code = (error as { code?: string } | null)?.code ?? '';
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new KeywardenError(
      'store_corrupt',
      `the inventory database ${path} is damaged or not a Keywarden database (${code}); it was left untouched: move it aside to start afresh, or restore it from a backup`,
      { path },
      { cause: error },
    );
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new KeywardenError('store_busy', `the inventory database ${path} is busy in another Keywarden process; try again in a moment`, { path }, { cause: error });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new KeywardenError('invalid_input', `cannot open the inventory database ${path} (${code}): check the folder exists and is writable`, { path }, { cause: error });
  }
  return new KeywardenError('internal', `database error in ${path}: ${text}`, { path }, { cause: error });
}
