/**
 * The data folder and its database, before any workflow runs: the folder created 0700 and refused when another user
 * could change it, the store opened (checked, migrated), and for the hosts (`KeywardenEngine.start`) the backup
 * before a schema upgrade. The rolling backups while the engine runs, and restore, are `backups.ts`.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { KeywardenError } from '../errors.js';
import { DATABASE_FILE, DEMO_PASSPHRASE_FILE } from '../paths.js';
import { requireOwnPath } from '../private-files.js';
import { BACKUP_FOLDER, listBackups, STAGING_PREFIX } from '../store/backup-files.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { InventoryStore } from '../store/store.js';

/** How the data folder is opened (a part of `EngineOptions`). */
export interface DataFolderOptions {
  home: string;
  nativeBinding?: string;
  readOnly?: boolean;
  mustExist?: boolean;
}

/**
 * Opens the data folder's store (see `KeywardenEngine.open`): checked (quick_check, when opening for writing) and
 * migrated. Returns warnings for what could not be done to the folder, for the caller to show.
 */
export function openDataFolder(options: DataFolderOptions): { store: InventoryStore; warnings: string[] } {
  return openStore(options, true);
}

/**
 * Opens the data folder as the hosts do (see `KeywardenEngine.start`): a database with data is backed up before any
 * pending migration, and not migrated if that backup fails.
 */
export async function startDataFolder(options: DataFolderOptions): Promise<{ store: InventoryStore; warnings: string[] }> {
  const { store, warnings } = openStore(options, false);
  try {
    if (store.pendingMigrations() > 0 && store.hasData()) {
      const { makeBackup } = await import('../store/backups.js');
      const latest = MIGRATIONS.at(-1)?.version ?? 0;
      try {
        await makeBackup(store, { databasePath: store.path, reason: `before-schema-${latest}`, ...binding(options) });
      } catch (error) {
        const typed = error instanceof KeywardenError ? error : null;
        throw new KeywardenError(
          typed?.code ?? 'internal',
          `could not back up ${store.path} before upgrading its schema, so it was not upgraded (${typed?.message ?? String(error)}); free some space or fix the backups folder's permissions, then try again`,
          { path: store.path },
          { cause: error },
        );
      }
    }
    store.migrate();
  } catch (error) {
    store.close();
    throw error;
  }
  return { store, warnings };
}

/**
 * Refuses a data folder, or a database file (with its -wal, -shm or -journal), that another local user could
 * change: owned by someone else, or writable by group or others. Whoever can write the folder can move the
 * database aside and put another in its place (secrets sealed by the administrator's next command would go
 * into it, a restore could be faked); whoever owns it can do that and more. The message says the chmod or chown
 * that fixes it; nothing is changed. A folder or file only readable by others is not refused here: the folder
 * is narrowed when Keywarden opens it for writing, and the files are created 0600. Windows: skipped (NTFS ACLs
 * of the per-user profile keep other users out).
 */
export function requireTrustedDataFolder(home: string): void {
  requireOwnPath(home, { what: 'the data folder', risk: 'move the inventory database aside or replace it', fixMode: 0o700 });
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const what = suffix === '' ? 'the inventory database' : `the database's ${suffix.slice(1)} file`;
    requireOwnPath(join(home, `${DATABASE_FILE}${suffix}`), { what, risk: 'change the inventory and the audit trail', fixMode: 0o600 });
  }
}

/**
 * Prepares the data folder: created 0700, refused when another user could change it (see
 * `requireTrustedDataFolder`), or narrowed to 0700 when it is the user's with wider read rights (the
 * database inside holds sealed secrets and the audit trail). Returns warnings for what could not be
 * done, for the caller to show.
 */
function prepareDataFolder(home: string): string[] {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new KeywardenError('invalid_input', `cannot create the data folder ${home}: ${(error as Error).message}`, { path: home });
  }
  requireTrustedDataFolder(home);
  if (process.platform === 'win32') return []; // NTFS ACLs of the per-user profile already keep other users out
  try {
    const { mode } = statSync(home);
    if ((mode & 0o077) === 0) return [];
    // A folder that also holds other things (a home folder given as --home) keeps its mode: narrowing
    // it would surprise whoever owns those things. Keywarden's own folder, or an empty one, is narrowed.
    const foreign = readdirSync(home).filter((name) => !name.startsWith(DATABASE_FILE) && name !== DEMO_PASSPHRASE_FILE && name !== BACKUP_FOLDER && !name.startsWith(STAGING_PREFIX));
    if (foreign.length > 0)
      return [`the data folder ${home} is readable by other users and holds other files, so Keywarden left it as it is; give Keywarden a folder of its own, or run "chmod 700 ${home}"`];
    chmodSync(home, 0o700);
    return [];
  } catch (error) {
    return [`the data folder ${home} is readable by other users and could not be restricted to you (${(error as Error).message}); run "chmod 700 ${home}"`];
  }
}

/** Opens the data folder's store; `migrate: false` leaves pending migrations to `startDataFolder`. */
function openStore(options: DataFolderOptions, migrate: boolean): { store: InventoryStore; warnings: string[] } {
  const databasePath = join(options.home, DATABASE_FILE);
  if ((options.mustExist || options.readOnly) && !existsSync(databasePath)) {
    throw new KeywardenError(
      'no_inventory',
      existsSync(options.home)
        ? `${options.home} holds no Keywarden inventory (no ${DATABASE_FILE}); check --home or KEYWARDEN_HOME, or add a backend there with "keywarden backend add"${restorable(databasePath)}`
        : `no Keywarden data folder at ${options.home}; check --home or KEYWARDEN_HOME, or add a backend with "keywarden backend add" to create it`,
      { path: options.home },
    );
  }
  if (options.readOnly) requireTrustedDataFolder(options.home);
  const warnings = options.readOnly ? [] : prepareDataFolder(options.home);
  const store = InventoryStore.open(databasePath, {
    ...binding(options),
    ...(options.readOnly ? { readOnly: true } : {}),
    ...(migrate ? {} : { migrate: false }),
  });
  return { store, warnings };
}

/** A data folder whose database is gone but whose backups are there says so. */
function restorable(databasePath: string): string {
  const newest = listBackups(databasePath)[0];
  return newest ? `; its backups folder holds ${newest.path}: "keywarden restore --latest" brings the newest good one back` : '';
}

/** The native binding option, only when one is given. */
export function binding(options: { nativeBinding?: string }): { nativeBinding?: string } {
  return options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
}

/** Who is auditing: the OS user running Keywarden. */
export function currentOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
