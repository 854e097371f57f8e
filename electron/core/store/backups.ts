/**
 * Making backups: SQLite's online backup API copies the open database (committed state only, the WAL's
 * committed frames included) to a hidden partial file; the copy is made self-contained (no WAL), checked
 * with quick_check, flushed, made 0600 and only then given its final name; older rolling backups are
 * pruned after that, never before. Loaded only when a backup is made.
 */
import { chmodSync, closeSync, existsSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { KeywardenError } from '../errors.js';
import { type BackupFile, type BackupReason, backupName, dailyBackupDue, ensureBackupFolder, partialName, pruneBackups, syncToDisk, withBackupLock } from './backup-files.js';
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
  /** A file of the administrator's choosing instead of the rolling set: never overwritten, not pruned. */
  output?: string;
  nativeBinding?: string;
}

export interface BackupMade extends BackupFile {
  /** Older rolling backups removed after this one passed its check. */
  pruned: string[];
}

export async function makeBackup(source: BackupSource, options: BackupOptions): Promise<BackupMade> {
  const now = options.now ?? new Date();
  const rolling = options.output === undefined;
  let finalPath = resolve(options.output ?? ensureBackupFolder(options.databasePath));
  let madeAt = now;
  if (rolling) {
    const folder = finalPath;
    // Two backups in the same millisecond (a migration's and a command's): the second takes the next one.
    while (existsSync((finalPath = resolve(folder, backupName(madeAt, options.reason))))) madeAt = new Date(madeAt.getTime() + 1);
  }
  if (!rolling) {
    if (existsSync(finalPath)) throw new KeywardenError('invalid_input', `${finalPath} already exists; a backup never overwrites a file: choose a new name`, { path: finalPath });
    if (!existsSync(dirname(finalPath))) throw new KeywardenError('invalid_input', `the folder ${dirname(finalPath)} does not exist`, { path: finalPath });
  }
  const partial = partialName(finalPath);
  try {
    // Created 0600 before SQLite writes into it: the copy holds sealed secrets and the audit trail.
    closeSync(openSync(partial, 'w', 0o600));
    await source.backup(partial);
    settleCopy(partial, options);
    chmodSync(partial, 0o600);
    syncToDisk(partial);
    placeWithoutOverwriting(partial, finalPath);
    syncToDisk(dirname(finalPath));
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof KeywardenError) throw error;
    throw new KeywardenError('internal', `the backup to ${finalPath} failed: ${(error as Error).message}`, { path: finalPath }, { cause: error });
  }
  const pruned = rolling ? pruneBackups(options.databasePath, now) : [];
  return { path: finalPath, name: basename(finalPath), createdAt: madeAt.toISOString(), reason: options.reason, bytes: statSync(finalPath).size, pruned };
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

/** Gives the checked copy its name; a link fails on an existing name, where a rename would replace it. */
function placeWithoutOverwriting(partial: string, finalPath: string): void {
  try {
    linkSync(partial, finalPath);
    rmSync(partial, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new KeywardenError('invalid_input', `${finalPath} already exists; a backup never overwrites a file: choose a new name`, { path: finalPath });
    // A file system without hard links (FAT, some network shares): checked, then renamed.
    if (existsSync(finalPath)) throw new KeywardenError('invalid_input', `${finalPath} already exists; a backup never overwrites a file: choose a new name`, { path: finalPath });
    renameSync(partial, finalPath);
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
