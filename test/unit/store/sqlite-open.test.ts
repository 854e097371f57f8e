/**
 * Opening the store while another process holds the database: a new data folder opened by several
 * processes at once (the app and a cron job, parallel CLI calls) must not fail because SQLite refuses
 * a contended switch to WAL without waiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqlite } from '../../../electron/core/store/sqlite.js';
import { holdWriteLock } from '../../support/sqlite-lock.js';

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'keywarden-sqlite-open-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

it('waits for another process writing to a new database before switching it to WAL, instead of failing at once', async () => {
  const path = join(folder, 'keywarden.db');
  // A new database, still in rollback-journal mode, as another process's first open leaves it.
  const first = new Database(path);
  first.exec('CREATE TABLE t (x INTEGER)');
  first.close();

  // Another process holds a write lock for 1.5 s (as the first process does while it switches the file
  // to WAL): SQLite refuses the second switch at once, without its busy handler.
  const { done } = await holdWriteLock(path, 1500);

  const db = openSqlite(path, { busyTimeoutMs: 5000 });
  try {
    expect(db.pragma('journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  } finally {
    db.close();
    await done;
  }
});
