/**
 * Another process holding a Keywarden database's write lock, as a second Keywarden (a long sync, a
 * migration) would: the lock is taken in a child process, so SQLite's locking is exercised for real.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './cli.js';

/** Holds the write lock (BEGIN IMMEDIATE) on `path` for `ms`; resolves once it is held. `done` resolves when it is released. */
export async function holdWriteLock(path: string, ms: number): Promise<{ done: Promise<void> }> {
  const script = `
    const Database = require(${JSON.stringify(join(PROJECT_ROOT, 'node_modules', 'better-sqlite3'))});
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, path, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
  return { done };
}
