/**
 * Making backups: SQLite's online backup API copies the open database (committed state only, the WAL's
 * committed frames included) into a fresh 0700 staging folder of the user's (SQLite opens its destination by
 * path, following links, so it never writes where another user could plant one); the copy is made
 * self-contained (no WAL), checked with quick_check, and only then given its final name as a new 0600 file
 * (private-files.ts: never over an existing name, never through a link); older rolling backups are pruned after
 * that, never before. Loaded only when a backup is made.
 */
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { KeywardenError } from '../errors.js';
import { checkDestination, makePrivateFolder, placePrivateFile, type PrivateFileOptions } from '../private-files.js';
import { type BackupFile, type BackupReason, backupName, dailyBackupDue, ensureBackupFolder, pruneBackups, STAGING_PREFIX, withBackupLock } from './backup-files.js';
import { quickCheckProblems } from './integrity.js';
import { openSqlite, type OpenOptions, type SqlDatabase } from './sqlite.js';

/** What can be copied: the store, or a bare connection. */
export interface BackupSource {
  readonly path: string;
  backup(destination: string): Promise<void>;
}

export interface BackupOptions {
  /** Where the database lives (its backups go to `backups/` beside it). */
  databasePath: string;
  reason: BackupReason;
  now?: Date;
  /** A file of the administrator's choosing instead of the rolling set: not pruned, and never overwritten unless `force`. */
  output?: string;
  /** With `output`: replace an existing file there (atomically, as a new 0600 file; never through a link). */
  force?: boolean;
  nativeBinding?: string;
  /**
   * Rolling backups only: prune the set to the last KEEP_BACKUPS after this one (the default). The backup made before
   * a restore does not prune: the backup about to be restored may be the oldest one kept.
   */
  prune?: boolean;
}

export interface BackupMade extends BackupFile {
  /** Older rolling backups removed after this one passed its check. */
  pruned: string[];
}

export async function makeBackup(source: BackupSource, options: BackupOptions): Promise<BackupMade> {
  const now = options.now ?? new Date();
  const rolling = options.output === undefined;
  const placing: PrivateFileOptions = {
    what: 'the backup',
    force: !rolling && options.force === true,
    whenExists: rolling ? 'a backup never overwrites a file' : 'a backup never overwrites a file: choose a new name, or add --force to replace it with a new file only you can read',
  };
  let finalPath: string;
  let madeAt = now;
  if (rolling) {
    const folder = ensureBackupFolder(options.databasePath);
    // Two backups in the same millisecond (a migration's and a command's): the second takes the next one.
    while (existsSync((finalPath = resolve(folder, backupName(madeAt, options.reason))))) madeAt = new Date(madeAt.getTime() + 1);
  } else {
    // Refused before the copy is made: an existing name (a link included) costs nothing.
    finalPath = checkDestination(options.output!, placing);
  }
  const staging = stagingFolder(options.databasePath, rolling);
  let bytes: number;
  try {
    const staged = join(staging, 'copy.db');
    await source.backup(staged);
    settleCopy(staged, options);
    bytes = placePrivateFile(staged, finalPath, placing).bytes;
  } catch (error) {
    if (error instanceof KeywardenError) throw error;
    throw new KeywardenError('internal', `the backup to ${finalPath} failed: ${(error as Error).message}`, { path: finalPath }, { cause: error });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const pruned = rolling && options.prune !== false ? pruneBackups(options.databasePath, now) : [];
  return { path: finalPath, name: basename(finalPath), createdAt: madeAt.toISOString(), reason: options.reason, bytes, pruned };
}

/**
 * The staging folder: in the data folder (checked to be the user's alone when the engine opened it, and on the
 * same file system as the rolling backups, so the copy takes its name by a link). A backup to `--output` from a
 * data folder that cannot be written (a read-only mount) stages in the system's temporary folder instead.
 */
function stagingFolder(databasePath: string, rolling: boolean): string {
  try {
    return makePrivateFolder(dirname(databasePath), STAGING_PREFIX);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (rolling || (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM')) {
      if (error instanceof KeywardenError) throw error;
      throw new KeywardenError('store_read_only', `cannot make a working copy for the backup in ${dirname(databasePath)}: ${(error as Error).message}`, { path: databasePath }, { cause: error });
    }
    return makePrivateFolder(tmpdir(), STAGING_PREFIX.slice(1));
  }
}

/**
 * Makes the copy one self-contained file (the backup API copies the source's WAL flag into its header)
 * and checks it: a copy that fails quick_check is refused, and the rolling set is left as it was.
 */
export function settleCopy(partial: string, options: Pick<OpenOptions, 'nativeBinding'>): void {
  let copy: SqlDatabase | undefined;
  let problems: string[];
  try {
    copy = openSqlite(partial, { standalone: true, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}) });
    problems = quickCheckProblems(copy);
  } catch (error) {
    problems = [(error as Error).message];
  } finally {
    copy?.close();
  }
  for (const side of ['-wal', '-shm', '-journal']) rmSync(`${partial}${side}`, { force: true });
  if (problems.length > 0) {
    throw new KeywardenError(
      'store_corrupt',
      `the backup copy failed its check (${problems[0]!.replace(/\s+/g, ' ').slice(0, 160)}), so it was not kept: the database itself is probably damaged`,
      { damaged: true },
    );
  }
}

/**
 * The day's backup, when none was made on the current UTC calendar day and the file holds something.
 * Several processes starting together make one: the backups folder's lock file decides, and the
 * winner looks again under it. Null when nothing was due (or another process is making it).
 */
export async function dailyBackupIfDue(source: BackupSource & { hasData(): boolean }, options: { databasePath: string; now?: Date; nativeBinding?: string }): Promise<BackupMade | null> {
  const now = options.now ?? new Date();
  if (!dailyBackupDue(options.databasePath, now) || !source.hasData()) return null;
  return withBackupLock(options.databasePath, async () => {
    if (!dailyBackupDue(options.databasePath, now)) return null;
    return makeBackup(source, { ...options, now, reason: 'daily' });
  });
}
