/**
 * Backups as the engine runs them (the files and SQLite's copy are `store/backup-files.ts`, `store/backups.ts`, loaded
 * when a backup is made): one on request, the day's rolling backup while a host runs (after a sync, and with the
 * hourly reminder check; `close` waits for one under way), and, on a closed data folder, inspecting and restoring one.
 */
import { join, resolve } from 'node:path';
import type { AuditOutcome } from '../../../shared/domain.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import { DATABASE_FILE } from '../paths.js';
import { BACKUP_FOLDER, type BackupFile, dailyBackupDue, listBackups } from '../store/backup-files.js';
import type { BackupMade } from '../store/backups.js';
import { checkDatabaseFile, type FileCheck, newestGoodBackup, requireRestorable } from '../store/integrity.js';
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
  async backup(output?: string, options: { force?: boolean; reason?: 'manual' | 'before-restore' } = {}): Promise<BackupMade> {
    const { makeBackup } = await import('../store/backups.js');
    const store = this.ctx.store;
    const reason = options.reason ?? 'manual';
    return makeBackup(store, {
      databasePath: store.path,
      reason,
      ...(reason === 'before-restore' ? { prune: false } : {}),
      ...(output === undefined ? {} : { output, force: options.force === true }),
      ...this.binding,
    });
  }

  /** The rolling backups, newest first (not re-checked: each was checked when it was made). */
  list(): BackupFile[] {
    return listBackups(this.ctx.store.path);
  }

  /** The rolling backups, newest first, each checked now (quick_check, schema, what it holds): what the console lists before a restore. */
  checked(): Array<BackupFile & { check: FileCheck }> {
    return this.list().map((backup) => ({ ...backup, check: checkDatabaseFile(backup.path, this.binding) }));
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

/** What the console's restore did: what came back, and where the state it replaced is kept. */
export interface ConsoleRestore {
  restoredFrom: BackupFile;
  /** The backup of the state before the restore (a rolling backup, reason `before-restore`): restoring it undoes this. */
  before: BackupFile;
  /** The database file moved aside (`keywarden.db.replaced-…`), with its side files. */
  setAside: string[];
  schema: number;
  backends: number;
  keys: number;
  warnings: string[];
}

/**
 * Restores a rolling backup under an engine that holds the database open (the console's, the desktop app's). In
 * order, each step only once the one before succeeded:
 * 1. the backup is named by its file name among the rolling backups (never a path from the window) and checked;
 * 2. the current state is backed up (`before-restore`, not pruning: the one to restore may be the oldest kept);
 * 3. the engine releases the database (waits for a daily backup under way, closes its store);
 * 4. `restoreDatabase` replaces it (refused, nothing changed, while another process has it open);
 * 5. the engine opens the database again (migrated where the backup is older) and the restore is audited there.
 * If step 4 fails, the engine opens the database it had, and the failure is audited in its trail.
 */
export async function restoreWhileOpen(steps: {
  home: string;
  name: string;
  nativeBinding?: string;
  current: () => BackupFile[];
  safetyBackup: () => Promise<BackupMade>;
  release: () => Promise<void>;
  reopen: () => Promise<void>;
  audit: (outcome: AuditOutcome, detail: string) => void;
}): Promise<ConsoleRestore> {
  const chosen = steps.current().find((backup) => backup.name === steps.name);
  if (!chosen) throw new KeywardenError('not_found', `there is no backup named ${steps.name} in the data folder's backups; the list may have changed`);
  inspectBackup({ home: steps.home, source: chosen.path, ...binding(steps) });
  const before = await steps.safetyBackup();
  await steps.release();
  let restored: RestoreResult;
  try {
    restored = await restoreBackup({ home: steps.home, source: chosen.path, ...binding(steps) });
  } catch (error) {
    await steps.reopen();
    steps.audit('failed', `restoring ${chosen.name}: ${toKeywardenError(error).code}; the database was not replaced`);
    throw error;
  }
  await steps.reopen();
  steps.audit('ok', `restored ${chosen.name}; the state before was backed up as ${before.name}`);
  return {
    restoredFrom: chosen,
    before: { path: before.path, name: before.name, createdAt: before.createdAt, reason: before.reason, bytes: before.bytes },
    setAside: restored.setAside,
    schema: restored.schema,
    backends: restored.backends,
    keys: restored.keys,
    warnings: restored.warnings,
  };
}
