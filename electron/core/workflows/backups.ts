/**
 * Backups as the engine runs them (the files and SQLite's copy are `store/backup-files.ts`, `store/backups.ts`, loaded
 * when a backup is made): one on request, the day's rolling backup while a host runs (after a sync, and with the
 * hourly reminder check; `close` waits for one under way), and, on a closed data folder, inspecting and restoring one.
 */
import { join, resolve } from 'node:path';
import { KeywardenError } from '../errors.js';
import { DATABASE_FILE } from '../paths.js';
import { BACKUP_FOLDER, type BackupFile, dailyBackupDue, listBackups } from '../store/backup-files.js';
import type { BackupMade } from '../store/backups.js';
import { type FileCheck, newestGoodBackup, requireRestorable } from '../store/integrity.js';
import type { RestoreResult } from '../store/restore.js';
import type { EngineContext } from './context.js';
import { binding, requireTrustedDataFolder } from './data-folder.js';

export class BackupWorkflows {
  /** Set by `KeywardenEngine.start`: this process backs the database up once a day while it runs. */
  automatic = false;
  /** A daily backup under way in the background; `settled` waits for it. */
  private running: Promise<void> | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly binding: { nativeBinding?: string },
    /** The engine's warnings: a failed daily backup is told there, never thrown. */
    private readonly warnings: string[],
  ) {}

  /**
   * Makes a backup now: into the rolling set of `backups/` (pruned to the last 7), or to `output`, never over an
   * existing file or through a link unless `force`, which replaces it with a new 0600 file.
   */
  async backup(output?: string, options: { force?: boolean } = {}): Promise<BackupMade> {
    const { makeBackup } = await import('../store/backups.js');
    const store = this.ctx.store;
    return makeBackup(store, { databasePath: store.path, reason: 'manual', ...(output === undefined ? {} : { output, force: options.force === true }), ...this.binding });
  }

  /** The rolling backups, newest first (not re-checked: each was checked when it was made). */
  list(): BackupFile[] {
    return listBackups(this.ctx.store.path);
  }

  /** The day's backup if it is due; a failure is kept in `warnings`, never thrown: the next day's check tries again. */
  async daily(): Promise<void> {
    const store = this.ctx.store;
    try {
      const { dailyBackupIfDue } = await import('../store/backups.js');
      await dailyBackupIfDue(store, { databasePath: store.path, ...this.binding });
    } catch (error) {
      this.warnings.push(`the daily backup of ${store.path} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Starts the day's backup in the background when it is due (a directory listing decides; nothing else on the common path). */
  dailySoon(): void {
    if (!this.automatic || this.running || !dailyBackupDue(this.ctx.store.path, new Date())) return;
    this.running = this.daily().finally(() => {
      this.running = null;
    });
  }

  /** Waits for a daily backup under way (before the store closes). */
  async settled(): Promise<void> {
    await this.running;
  }
}

/** The backup `restore` would bring back, checked: `source`, or (none given) the newest rolling backup that passes its check. */
export function inspectBackup(options: { home: string; source?: string; nativeBinding?: string }): { path: string; createdAt: string | null; check: FileCheck } {
  const databasePath = join(options.home, DATABASE_FILE);
  if (options.source !== undefined) {
    const path = resolve(options.source);
    return { path, createdAt: listBackups(databasePath).find((backup) => backup.path === path)?.createdAt ?? null, check: requireRestorable(path, binding(options)) };
  }
  const latest = newestGoodBackup(databasePath, binding(options));
  if (!latest) {
    const count = listBackups(databasePath).length;
    throw new KeywardenError(
      'not_found',
      count === 0
        ? `there is no backup in ${join(options.home, BACKUP_FOLDER)}; name a backup file instead of --latest`
        : `none of the ${count} backups in ${join(options.home, BACKUP_FOLDER)} passes its check; name another backup file instead of --latest`,
      { path: join(options.home, BACKUP_FOLDER) },
    );
  }
  return { path: latest.path, createdAt: latest.createdAt, check: latest.check };
}

/**
 * Replaces the data folder's database with a backup (checked first), keeping the current file aside; refused while
 * any process has the database open. No engine may be open on the folder.
 */
export async function restoreBackup(options: { home: string; source: string; nativeBinding?: string }): Promise<RestoreResult> {
  requireTrustedDataFolder(options.home);
  const { restoreDatabase } = await import('../store/restore.js');
  return restoreDatabase(join(options.home, DATABASE_FILE), options.source, binding(options));
}
