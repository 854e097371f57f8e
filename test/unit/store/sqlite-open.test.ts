/**
 * Opening the store while another process holds the database: a new data folder opened by several
 * processes at once (the app and a cron job, parallel CLI calls) must not fail because SQLite refuses
 * a contended switch to WAL without waiting. And the connection's page cache: what reads every page
 * once (a check, a backup) does not fill it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqlite, PAGE_CACHE_KIB, readingEveryPage } from '../../../electron/core/store/sqlite.js';
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

it('reads every page of a quick_check or a backup through the default page cache, and puts the connection’s back after, a failure and an await included', async () => {
  const path = join(folder, 'keywarden.db');
  const db = openSqlite(path);
  try {
    const cacheSize = () => (db.pragma('cache_size') as [{ cache_size: number }])[0].cache_size;
    expect(cacheSize()).toBe(-PAGE_CACHE_KIB);
    expect(readingEveryPage(db, cacheSize)).toBe(-2000);
    expect(cacheSize()).toBe(-PAGE_CACHE_KIB);
    expect(() =>
      readingEveryPage(db, () => {
        throw new Error('the read failed');
      }),
    ).toThrow('the read failed');
    expect(cacheSize()).toBe(-PAGE_CACHE_KIB);
    let during = 0;
    await readingEveryPage(db, async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      during = cacheSize();
    });
    expect([during, cacheSize()]).toEqual([-2000, -PAGE_CACHE_KIB]);
    await expect(readingEveryPage(db, () => Promise.reject(new Error('the copy failed')))).rejects.toThrow('the copy failed');
    expect(cacheSize()).toBe(-PAGE_CACHE_KIB);
    // A backup copies the whole file and leaves the connection's cache as it was.
    db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
    await db.backup(join(folder, 'copy.db'));
    expect(cacheSize()).toBe(-PAGE_CACHE_KIB);
  } finally {
    db.close();
  }
});
