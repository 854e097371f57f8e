/**
 * The rolling backups as files: where they live (`<data folder>/backups/`, 0700), how they are named
 * (a UTC timestamp and why it was made), listing, pruning to the last seven, and the lock file that
 * lets only one process make the day's backup. Plain file work, no SQLite: cheap enough for the read
 * path, which only lists them when it must name one in an error.
 */
import { KEEP_BACKUPS } from '../../../shared/rules.js';
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KeywardenError } from '../errors.js';
import { requireOwnPath } from '../private-files.js';

export const BACKUP_FOLDER = 'backups';
/** How many rolling backups are kept: a week of daily ones. */
export { KEEP_BACKUPS };

/** Why a backup was made: every day a writing process runs, before a schema migration, when asked, or before the console restores another. */
export type BackupReason = 'daily' | 'manual' | 'before-restore' | `before-schema-${number}`;

export interface BackupFile {
  path: string;
  name: string;
  /** When it was made (UTC, from its name). */
  createdAt: string;
  reason: string;
  bytes: number;
}

/** `keywarden-2026-01-15T10-20-30-123Z-daily.db`: sorts by time, and says when (UTC) and why. */
const NAME = /^keywarden-(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-([a-z0-9-]+)\.db$/;

export function backupFolder(databasePath: string): string {
  return join(dirname(databasePath), BACKUP_FOLDER);
}

export function backupName(at: Date, reason: BackupReason): string {
  return `keywarden-${at.toISOString().replace(/[:.]/g, '-')}-${reason}.db`;
}

function parseName(name: string): { createdAt: string; reason: string } | null {
  const match = NAME.exec(name);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, ms, reason] = match;
  const createdAt = `${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}Z`;
  return Number.isNaN(Date.parse(createdAt)) ? null : { createdAt, reason: reason! };
}

/** The rolling backups of the database at `databasePath`, newest first; none when the folder does not exist. */
export function listBackups(databasePath: string): BackupFile[] {
  const folder = backupFolder(databasePath);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const found: BackupFile[] = [];
  for (const name of names) {
    const parsed = parseName(name);
    if (!parsed) continue;
    try {
      // lstat: a link planted under a backup's name is not a backup (restore --latest would follow it elsewhere).
      const stat = lstatSync(join(folder, name));
      if (stat.isFile()) found.push({ path: join(folder, name), name, ...parsed, bytes: stat.size });
    } catch {
      // removed meanwhile (pruned by another process)
    }
  }
  return found.sort((a, b) => (a.createdAt === b.createdAt ? b.name.localeCompare(a.name) : b.createdAt.localeCompare(a.createdAt)));
}

/**
 * Creates the backups folder 0700, or narrows an existing one of the user's that is wider. One owned by another
 * user is refused (its owner could read every backup, or plant one for `restore --latest`).
 */
export function ensureBackupFolder(databasePath: string): string {
  const folder = backupFolder(databasePath);
  let owner: number | undefined;
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') {
      const { mode, uid } = statSync(folder);
      owner = uid;
      if ((mode & 0o077) !== 0 && uid === process.geteuid?.()) chmodSync(folder, 0o700);
    }
  } catch (error) {
    throw new KeywardenError('store_read_only', `cannot create the backups folder ${folder}: ${(error as Error).message}`, { path: folder }, { cause: error });
  }
  // Windows: no owner to check (see private-files.ts).
  if (owner !== undefined) requireOwnPath(folder, { what: 'the backups folder', risk: 'read every backup, or put one of theirs among them for a restore', fixMode: 0o700 });
  return folder;
}

/** The UTC calendar day of an instant, `2026-01-15`. */
export function utcDay(at: Date | string): string {
  return (typeof at === 'string' ? at : at.toISOString()).slice(0, 10);
}

/** True when no rolling backup was made on the current UTC calendar day: the day's backup is due. */
export function dailyBackupDue(databasePath: string, now: Date): boolean {
  const newest = listBackups(databasePath)[0];
  return !newest || utcDay(newest.createdAt) < utcDay(now);
}

/**
 * Where a copy of the database is made before it takes its name: a fresh 0700 folder of this prefix in the data
 * folder (see `makePrivateFolder`). One left by a crash is removed after an hour, with the `.partial` files of
 * older versions and of copies between file systems.
 */
export const STAGING_PREFIX = '.keywarden-staging-';

const STALE_PARTIAL_MS = 60 * 60_000;

/**
 * Keeps the newest `keep` rolling backups and removes the older ones (and copies a crash left half
 * written). Called only after a new backup has passed its check. Returns the paths removed.
 */
export function pruneBackups(databasePath: string, now: Date, keep = KEEP_BACKUPS): string[] {
  const removed: string[] = [];
  for (const old of listBackups(databasePath).slice(keep)) {
    try {
      rmSync(old.path, { force: true });
      removed.push(old.path);
    } catch {
      // another process pruned it, or it cannot be removed: the next backup tries again
    }
  }
  removeStale(backupFolder(databasePath), (name) => name.endsWith('.partial'), now);
  removeStale(dirname(databasePath), (name) => name.startsWith(STAGING_PREFIX), now);
  return removed;
}

/** Removes what a crash left (a partial file, a staging folder) once it is an hour old: by then no process is writing it. */
function removeStale(folder: string, matches: (name: string) => boolean, now: Date): void {
  let names: string[] = [];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names.filter(matches)) {
    try {
      if (now.getTime() - lstatSync(join(folder, name)).mtimeMs > STALE_PARTIAL_MS) rmSync(join(folder, name), { recursive: true, force: true });
    } catch {
      // gone meanwhile
    }
  }
}

const LOCK_FILE = '.lock';
/** A lock older than this was left by a process that died while backing up (a backup of 100k keys takes well under a second). */
const STALE_LOCK_MS = 10 * 60_000;

/**
 * Runs `fn` holding the backups folder's lock file (created exclusively, holding the pid), so that of
 * several processes starting on a new day only one makes the day's backup. Returns null, without
 * running `fn`, when another live process holds it.
 */
export async function withBackupLock<T>(databasePath: string, fn: () => Promise<T>): Promise<T | null> {
  const lock = join(ensureBackupFolder(databasePath), LOCK_FILE);
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !staleLock(lock)) return null;
    rmSync(lock, { force: true });
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch {
      return null;
    }
  }
  try {
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function staleLock(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(readFileSync(lock, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written right now
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ESRCH: its process is gone. ENOENT: released meanwhile. EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}
