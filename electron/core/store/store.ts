/**
 * The inventory store: Keywarden's SQLite file, opened once, and its parts, each owning its tables and the queries
 * over them (sealed blobs come in and go out as opaque bytes; the vault is the only thing that can open them):
 *
 * - `backends` (`backends.ts`): vendor accounts and their sealed credentials;
 * - `keys` (`keys.ts`): keys and their sealed secrets, and `record`, the one write of a key with its secret and audit event;
 * - `audit` (`audit.ts`): the hash-chained audit trail;
 * - `reminders` (`reminders.ts`): reminders notified, snoozes;
 * - `meta` (`meta.ts`): named records (settings, the window's place, the vault's records);
 * - `rotations` (`rotations.ts`): the rotation journal;
 * - `team` (`team.ts`): the team inventory this data folder copies, if any.
 * - `imports` (`imports.ts`): where imported keys came from.
 * - `alerts` (`alerts.ts`): alert channels, their sealed secrets, and each alert claimed, sent or waiting for a retry.
 *
 * All share one connection and one transaction helper (`connection.ts`): `transaction` around calls to several parts
 * commits them together. This class itself only opens, checks, migrates, backs up and closes the file.
 */
import { AlertTables } from './alerts.js';
import { AuditLog } from './audit.js';
import { BackendTable } from './backends.js';
import { StoreConnection } from './connection.js';
import { ImportSources } from './imports.js';
import { requireIntact, requireNotEmptied, withBackupHint } from './integrity.js';
import { requireCurrentSchema } from './key-rows.js';
import { KeyTables } from './keys.js';
import { MetaRecords } from './meta.js';
import { MIGRATIONS, migrate, schemaVersion } from './migrations/index.js';
import { ReminderState } from './reminders.js';
import { RotationTables } from './rotations.js';
import { TeamLinkTable } from './team.js';
import { openSqlite, type OpenOptions, type SqlDatabase, translateSqliteError } from './sqlite.js';

export type { AuditEntry } from './audit.js';
export type { AlertChannelRow, DeliveryKey, DeliveryRow, DeliveryState } from './alerts.js';
export type { BackendRow, NewBackend } from './backends.js';
export type { KeyRecord } from './keys.js';

export interface StoreOpenOptions extends OpenOptions {
  /**
   * Run SQLite's quick_check before anything is written (default: on every open for writing). Reading
   * opens skip it, so `keywarden list` stays fast; there a damaged page is still reported when SQLite
   * meets it (SQLITE_CORRUPT / SQLITE_NOTADB), with the same message.
   */
  checkIntegrity?: boolean;
  /** Apply pending migrations at once (default). `false` lets the caller back the file up first, then call `migrate()`. */
  migrate?: boolean;
}

export class InventoryStore {
  readonly backends: BackendTable;
  readonly keys: KeyTables;
  readonly audit: AuditLog;
  readonly reminders: ReminderState;
  readonly meta: MetaRecords;
  /** The rotation journal's tables (`rotations.ts`): its writes join this store's transactions. */
  readonly rotations: RotationTables;
  /** The team link (`team.ts`, migration 013): null for a personal data folder. */
  readonly team: TeamLinkTable;
  /** Where imported keys came from (`imports.ts`): its writes join an import batch's transaction. */
  readonly imports: ImportSources;
  /** Alert channels and their deliveries (`alerts.ts`, migration 010). */
  readonly alerts: AlertTables;
  private readonly conn: StoreConnection;

  private constructor(private readonly db: SqlDatabase) {
    this.conn = new StoreConnection(db);
    this.meta = new MetaRecords(this.conn);
    this.audit = new AuditLog(this.conn, this.meta);
    this.backends = new BackendTable(this.conn);
    this.keys = new KeyTables(this.conn, this.backends, this.audit, this.meta);
    this.reminders = new ReminderState(this.conn);
    this.rotations = new RotationTables(db, this.conn.guard);
    this.team = new TeamLinkTable(this.conn);
    this.imports = new ImportSources(this.conn);
    this.alerts = new AlertTables(this.conn);
  }

  static open(path: string, options: StoreOpenOptions = {}): InventoryStore {
    let db: SqlDatabase;
    try {
      if (!options.readOnly) requireNotEmptied(path);
      db = openSqlite(path, options);
    } catch (error) {
      throw withBackupHint(translateSqliteError(error, path), path);
    }
    try {
      if (options.readOnly) requireCurrentSchema(db);
      else {
        // Before any write: a migration or a sync writing into a damaged b-tree could spread the damage.
        if (options.checkIntegrity !== false) requireIntact(db);
        if (options.migrate !== false) migrate(db);
      }
    } catch (error) {
      db.close();
      throw withBackupHint(translateSqliteError(error, path), path);
    }
    return new InventoryStore(db);
  }

  get path(): string {
    return this.db.path;
  }

  get readOnly(): boolean {
    return this.db.readOnly;
  }

  /** Migrations this file still needs (after an open with `migrate: false`). */
  pendingMigrations(): number {
    return this.conn.guard(() => {
      const version = schemaVersion(this.db);
      return MIGRATIONS.filter((migration) => migration.version > version).length;
    });
  }

  migrate(): number {
    return this.conn.guard(() => migrate(this.db));
  }

  /** Whether the file holds anything worth a backup: a backend, or an audit trail (which outlives removed backends). */
  hasData(): boolean {
    return this.conn.guard(() => {
      if (schemaVersion(this.db) === 0) return false;
      return this.db.prepare<{ found: number }>('SELECT EXISTS (SELECT 1 FROM backends) OR EXISTS (SELECT 1 FROM audit) AS found').get()?.found === 1;
    });
  }

  /** A copy of the database at `destination`, made with SQLite's online backup API (see `SqlDatabase.backup`). */
  async backup(destination: string): Promise<void> {
    try {
      await this.db.backup(destination);
    } catch (error) {
      throw withBackupHint(translateSqliteError(error, this.db.path), this.db.path);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Runs calls to several parts of the store as one transaction (a savepoint inside another): all commit, or none. */
  transaction<T>(fn: () => T): T {
    return this.conn.transaction(fn);
  }
}
