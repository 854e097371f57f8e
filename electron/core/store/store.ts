/**
 * The inventory store: every read and write of Keywarden's SQLite file goes through this class.
 * It knows tables and transactions, not vendors or encryption: sealed blobs come in and go out as
 * opaque bytes, and the vault is the only thing that can open them.
 */
import type { AuditEvent, AuditOutcome, BackendType, InventoryFacets, InventoryPage, InventoryQuery, Key, KeyFilter, KeyStatus } from '../../../shared/domain.js';
import { BACKEND_TYPES, KEY_STATUSES } from '../../../shared/rules.js';
import type { RemoteKey } from '../backends/backend.js';
import { KeywardenError } from '../errors.js';
import { redactKeyShapes } from '../redact.js';
import { endOfWindow } from '../dates.js';
import { computeRotationDueAt, dueEventFor } from '../reminders/reminders.js';
import type { AuditChainStatus } from '../../../shared/audit.js';
import { AUDIT_GENESIS_AT_META, appendChainedAudit, type ChainedAuditEvent, findChainedEvent, hasAuditChain, listChainedAudit, verifyAuditChain } from './audit-chain.js';
import { requireIntact, requireNotEmptied, withBackupHint } from './integrity.js';
import { MIGRATIONS, migrate, schemaVersion } from './migrations/index.js';
import { RotationTables } from './rotations.js';
import {
  BACKEND_SELECT,
  FIRST_SEEN_COLUMN,
  type InventoryWrites,
  type KeyRowValues,
  SORT_EXPRESSIONS,
  STORED_KEY_COLUMNS,
  type StoredKeyRow,
  keyConditions,
  keyRotationDays,
  keyRowValues,
  requireCurrentSchema,
  sameAsStored,
  toBackendRow,
  toKey,
  EFFECTIVE_STATUS,
  LAST_OK_SYNC_STARTED,
  KEY_SELECT,
  type RawBackendRow,
} from './key-rows.js';
import { openSqlite, type OpenOptions, type SqlDatabase, translateSqliteError } from './sqlite.js';

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

export interface BackendRow {
  id: number;
  name: string;
  type: BackendType;
  url: string | null;
  settings: Record<string, unknown>;
  rotateEveryDays: number | null;
  hasCredential: boolean;
  createdAt: string;
  lastSyncAt: string | null;
  lastSyncOkAt: string | null;
  lastError: string | null;
  keyCount: number;
}

export interface NewBackend {
  name: string;
  type: BackendType;
  url: string | null;
  settings: Record<string, unknown>;
  rotateEveryDays: number | null;
  createdAt: string;
}

export interface AuditEntry {
  at: string;
  osUser: string;
  action: string;
  backend: string | null;
  ref: string | null;
  outcome: AuditOutcome;
  detail: string | null;
}

export class InventoryStore {
  /** The rotation journal's tables (`rotations.ts`), over this connection: its writes join this store's transactions. */
  readonly rotations: RotationTables;

  private constructor(private readonly db: SqlDatabase) {
    this.rotations = new RotationTables(db, (fn) => this.guard(fn));
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
    return this.guard(() => {
      const version = schemaVersion(this.db);
      return MIGRATIONS.filter((migration) => migration.version > version).length;
    });
  }

  migrate(): number {
    return this.guard(() => migrate(this.db));
  }

  /** Whether the file holds anything worth a backup: a backend, or an audit trail (which outlives removed backends). */
  hasData(): boolean {
    return this.guard(() => {
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

  /** Runs several store calls as one transaction (e.g. a created key and its shown-once secret). */
  transaction<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn));
  }

  // ---- meta -------------------------------------------------------------------------------------

  getMeta(name: string): string | null {
    return this.guard(() => this.db.prepare<{ value: string }>('SELECT value FROM meta WHERE name = ?').get(name)?.value ?? null);
  }

  setMeta(name: string, value: string): void {
    this.guard(() => this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value));
  }

  deleteMeta(name: string): void {
    this.guard(() => this.db.prepare('DELETE FROM meta WHERE name = ?').run(name));
  }

  /**
   * Writes every entry, in one transaction, only if `guard` is not yet set; returns whether it did.
   * The write lock taken by the transaction makes the check and the write one step across processes:
   * of two processes creating the vault at once, exactly one wins and the other re-reads.
   */
  setMetaIfAbsent(guard: string, entries: Readonly<Record<string, string>>): boolean {
    return this.transaction(() => {
      if (this.getMeta(guard) !== null) return false;
      for (const [name, value] of Object.entries(entries)) this.setMeta(name, value);
      return true;
    });
  }

  // ---- backends ---------------------------------------------------------------------------------

  insertBackend(backend: NewBackend, credentialSealed: Buffer | null): BackendRow {
    return this.guard(() => {
      if (this.findBackend(backend.name)) {
        throw new KeywardenError('conflict', `a backend named "${backend.name}" already exists; choose another name or remove it first`, { backend: backend.name });
      }
      this.db
        .prepare('INSERT INTO backends (name, type, url, settings, rotate_every_days, credential_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(backend.name, backend.type, backend.url, JSON.stringify(backend.settings), backend.rotateEveryDays, credentialSealed, backend.createdAt);
      return this.requireBackend(backend.name);
    });
  }

  findBackend(name: string): BackendRow | null {
    return this.guard(() => {
      const row = this.db.prepare<RawBackendRow>(`${BACKEND_SELECT} WHERE b.name = ?`).get(name);
      return row ? toBackendRow(row) : null;
    });
  }

  requireBackend(name: string): BackendRow {
    const backend = this.findBackend(name);
    if (!backend) {
      const known = this.listBackends().map((b) => b.name);
      throw new KeywardenError('not_found', `no backend named "${name}"${known.length ? `; known: ${known.join(', ')}` : '; add one with "keywarden backend add"'}`, {
        backend: name,
      });
    }
    return backend;
  }

  listBackends(): BackendRow[] {
    return this.guard(() => this.db.prepare<RawBackendRow>(`${BACKEND_SELECT} ORDER BY b.name`).all().map(toBackendRow));
  }

  deleteBackend(id: number): void {
    this.guard(() => this.db.prepare('DELETE FROM backends WHERE id = ?').run(id));
  }

  getCredentialSealed(backendId: number): Buffer | null {
    return this.guard(() => this.db.prepare<{ credential_sealed: Buffer | null }>('SELECT credential_sealed FROM backends WHERE id = ?').get(backendId)?.credential_sealed ?? null);
  }

  setCredentialSealed(backendId: number, sealed: Buffer): void {
    this.guard(() => this.db.prepare('UPDATE backends SET credential_sealed = ? WHERE id = ?').run(sealed, backendId));
  }

  /**
   * Forgets a backend's credential (the key it was revoked), saying why in its last error: its next sync then
   * asks for a new credential instead of failing with a bare 401.
   */
  clearCredential(backendId: number, reason: string): void {
    this.guard(() => this.db.prepare('UPDATE backends SET credential_sealed = NULL, last_error = ? WHERE id = ?').run(reason, backendId));
  }

  clearBackendError(backendId: number): void {
    this.guard(() => this.db.prepare('UPDATE backends SET last_error = NULL WHERE id = ?').run(backendId));
  }

  /** The demo's emulators start on new ports each run: its backends follow them without losing their keys. */
  updateBackendEndpoint(backendId: number, url: string, credentialSealed: Buffer): void {
    this.guard(() => this.db.prepare('UPDATE backends SET url = ?, credential_sealed = ? WHERE id = ?').run(url, credentialSealed, backendId));
  }

  /** Replaces a backend's settings (the store's own record of its last good sync start is kept: see `SYNCED_AT`). */
  updateBackendSettings(backendId: number, settings: Record<string, unknown>): void {
    this.guard(() =>
      this.db
        .prepare(`UPDATE backends SET settings = json_set(?, '$.${LAST_OK_SYNC_STARTED}', json_extract(settings, '$.${LAST_OK_SYNC_STARTED}')) WHERE id = ?`)
        .run(JSON.stringify(settings), backendId),
    );
  }

  /** Changes the rotation policy and recomputes every affected key's due dates in the same transaction. */
  setRotationPolicy(backendId: number, rotateEveryDays: number | null, effectiveDays: number | null): void {
    this.transaction(() => {
      this.db.prepare('UPDATE backends SET rotate_every_days = ? WHERE id = ?').run(rotateEveryDays, backendId);
      const rows = this.db
        .prepare<{ key_id: string; status: KeyStatus; created_at: string | null; expires_at: string | null; grace_ends_at: string | null; details: string }>(
          'SELECT key_id, status, created_at, expires_at, grace_ends_at, details FROM keys WHERE backend_id = ?',
        )
        .all(backendId);
      const update = this.db.prepare('UPDATE keys SET rotation_due_at = ?, next_due_at = ? WHERE backend_id = ? AND key_id = ?');
      for (const row of rows) {
        const details = JSON.parse(row.details) as RemoteKey['details'];
        const rotationDueAt = computeRotationDueAt(row.created_at, row.expires_at, keyRotationDays(details, effectiveDays));
        const due = dueEventFor({ status: row.status, expiresAt: row.expires_at, graceEndsAt: row.grace_ends_at, rotationDueAt });
        update.run(rotationDueAt, due?.dueAt ?? null, backendId, row.key_id);
      }
    });
  }

  /** The error is kept without anything key-shaped in it, whoever built it (the engine already redacts vendor text: redact.ts). */
  recordSyncFailure(backendId: number, at: string, error: string): void {
    this.guard(() => this.db.prepare('UPDATE backends SET last_sync_at = ?, last_error = ? WHERE id = ?').run(at, redactKeyShapes(error), backendId));
  }

  // ---- keys -------------------------------------------------------------------------------------

  /**
   * Replaces a backend's inventory with what the vendor listed, in one transaction: listed keys are
   * inserted or updated (keeping Keywarden's own columns such as the last test), and keys the vendor
   * no longer lists are removed, except those first seen after this sync started.
   *
   * A listed key whose stored row already says exactly what the vendor says is not written at all: a
   * sync that finds nothing changed writes no key row (only the backend's sync times). The key's
   * `syncedAt` stays honest through the backend's record of when its last good sync started (see
   * `SYNCED_AT`): every key first seen before then was listed by that sync.
   */
  replaceInventory(backendId: number, keys: readonly RemoteKey[], options: { syncStartedAt: string; syncedAt: string; rotateEveryDays: number | null }): InventoryWrites {
    return this.transaction(() => {
      const stored = new Map<string, StoredKeyRow>();
      for (const row of this.db
        .prepare(`SELECT ${STORED_KEY_COLUMNS.join(', ')} FROM keys WHERE backend_id = ?`)
        .raw()
        .all(backendId) as StoredKeyRow[]) {
        stored.set(row[0], row);
      }
      const upsert = this.prepareUpsert();
      // One moment for every key this sync stores first: after the sync started, as the removal rule needs.
      const firstSeenAt = new Date().toISOString();
      const listed = new Set<string>();
      const writes: InventoryWrites = { inserted: 0, updated: 0, removed: 0, unchanged: 0 };
      for (const key of keys) {
        listed.add(key.id);
        const values = keyRowValues(key, options.rotateEveryDays);
        const before = stored.get(key.id);
        // A key first seen after this sync started was stored by another workflow meanwhile: it is written, so its
        // own syncedAt says this sync saw it (the backend's record covers only keys first seen before the start).
        if (before && before[FIRST_SEEN_COLUMN] < options.syncStartedAt && sameAsStored(before, values)) {
          writes.unchanged += 1;
          continue;
        }
        upsert(backendId, values, options.syncedAt, firstSeenAt);
        if (before) writes.updated += 1;
        else writes.inserted += 1;
      }
      const remove = this.db.prepare('DELETE FROM keys WHERE backend_id = ? AND key_id = ?');
      for (const [keyId, row] of stored) {
        if (listed.has(keyId) || row[FIRST_SEEN_COLUMN] >= options.syncStartedAt) continue;
        remove.run(backendId, keyId);
        writes.removed += 1;
      }
      this.db
        .prepare(`UPDATE backends SET last_sync_at = ?, last_sync_ok_at = ?, last_error = NULL, settings = json_set(settings, '$.${LAST_OK_SYNC_STARTED}', ?) WHERE id = ?`)
        .run(options.syncedAt, options.syncedAt, options.syncStartedAt, backendId);
      return writes;
    });
  }

  /** Inserts or updates one key (a key just created, revoked or entered by hand). */
  upsertKey(backendId: number, key: RemoteKey, syncedAt: string | null, rotateEveryDays: number | null): void {
    this.guard(() => this.prepareUpsert()(backendId, keyRowValues(key, rotateEveryDays), syncedAt));
  }

  private prepareUpsert(): (backendId: number, values: KeyRowValues, syncedAt: string | null, firstSeenAt?: string) => void {
    // Positional parameters: binding fourteen values by name costs about a third of each row's insert.
    const statement = this.db.prepare(`
      INSERT INTO keys (backend_id, key_id, name, prefix, status, created_at, expires_at, grace_ends_at, rotation_due_at,
                        next_due_at, last_used_at, details, first_seen_at, synced_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(backend_id, key_id) DO UPDATE SET
        name = excluded.name, prefix = excluded.prefix, status = excluded.status, created_at = excluded.created_at,
        expires_at = excluded.expires_at, grace_ends_at = excluded.grace_ends_at, rotation_due_at = excluded.rotation_due_at,
        next_due_at = excluded.next_due_at, last_used_at = excluded.last_used_at, details = excluded.details,
        synced_at = COALESCE(excluded.synced_at, keys.synced_at)`);
    return (backendId, values, syncedAt, firstSeenAt = new Date().toISOString()) => {
      statement.run(
        backendId,
        values.id,
        values.name,
        values.prefix,
        values.status,
        values.createdAt,
        values.expiresAt,
        values.graceEndsAt,
        values.rotationDueAt,
        values.nextDueAt,
        values.lastUsedAt,
        values.details,
        firstSeenAt,
        syncedAt,
      );
    };
  }

  setKeyStatus(backendId: number, keyId: string, status: KeyStatus): void {
    this.guard(() =>
      this.db
        .prepare(`UPDATE keys SET status = ?, next_due_at = CASE WHEN ? IN ('revoked', 'expired') THEN NULL ELSE next_due_at END WHERE backend_id = ? AND key_id = ?`)
        .run(status, status, backendId, keyId),
    );
  }

  deleteKey(backendId: number, keyId: string): void {
    this.guard(() => this.db.prepare('DELETE FROM keys WHERE backend_id = ? AND key_id = ?').run(backendId, keyId));
  }

  recordTest(backendId: number, keyId: string, at: string, ok: boolean): void {
    this.guard(() => this.db.prepare('UPDATE keys SET last_tested_at = ?, last_test_ok = ? WHERE backend_id = ? AND key_id = ?').run(at, ok ? 1 : 0, backendId, keyId));
  }

  getKey(backendName: string, keyId: string, now: Date): Key | null {
    return this.guard(() => {
      const row = this.db
        .prepare(`${KEY_SELECT} WHERE b.name = @backend AND k.key_id = @keyId`)
        .raw()
        .get({ backend: backendName, keyId, now: now.toISOString() } as never);
      return row ? toKey(row) : null;
    });
  }

  /** Remote-shaped view of a stored key, for connectors that need the key's own fields (e.g. to test it). */
  getRemoteKey(backendId: number, keyId: string): RemoteKey | null {
    return this.guard(() => {
      const row = this.db
        .prepare<{
          key_id: string;
          name: string;
          prefix: string | null;
          status: KeyStatus;
          created_at: string | null;
          expires_at: string | null;
          grace_ends_at: string | null;
          last_used_at: string | null;
          details: string;
        }>('SELECT key_id, name, prefix, status, created_at, expires_at, grace_ends_at, last_used_at, details FROM keys WHERE backend_id = ? AND key_id = ?')
        .get(backendId, keyId);
      if (!row) return null;
      return {
        id: row.key_id,
        name: row.name,
        prefix: row.prefix,
        status: row.status,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        graceEndsAt: row.grace_ends_at,
        lastUsedAt: row.last_used_at,
        details: JSON.parse(row.details) as Record<string, string | number | boolean | null>,
      };
    });
  }

  listKeys(filter: KeyFilter, now: Date): Key[] {
    return this.guard(() => {
      const { where, params } = keyConditions(filter, now);
      const sql = `${KEY_SELECT} ${where} ORDER BY b.name, k.name, k.key_id`;
      return this.db
        .prepare(sql)
        .raw()
        .all(params as never)
        .map(toKey);
    });
  }

  /**
   * One page of the inventory, filtered, sorted and paged by SQLite, with the number of keys that match:
   * the console shows 100k keys without ever holding them.
   */
  queryKeys(query: InventoryQuery, now: Date): InventoryPage {
    return this.guard(() => {
      const { where, params } = keyConditions(query, now);
      const sort = query.sort ?? { field: 'due', direction: 'asc' };
      const { expression, nullable } = SORT_EXPRESSIONS[sort.field];
      const direction = sort.direction === 'desc' ? 'DESC' : 'ASC';
      // Keys without the sorted value (no due date, never tested) come last in either direction. Ties
      // go by backend and id: unique and stable, so pages never overlap; and the same ORDER BY as the
      // indexes of migration 002, so the default order reads an index instead of sorting every key.
      const order = `${nullable ? `${expression} IS NULL, ` : ''}${expression} ${direction}, k.backend_id ${direction}, k.key_id ${direction}`;
      const offset = query.offset ?? 0;
      const limit = query.limit ?? 100;
      // Counting needs the backends table only when a condition reads it.
      const from = where.includes('b.') ? 'keys k JOIN backends b ON b.id = k.backend_id' : 'keys k';
      const total = (
        this.db
          .prepare(`SELECT COUNT(*) FROM ${from} ${where}`)
          .raw()
          .get(params as never) as [number]
      )[0];
      const rows = this.db
        .prepare(`${KEY_SELECT} ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
        .raw()
        .all({ ...params, limit, offset } as never)
        .map(toKey);
      return { total, offset, rows };
    });
  }

  /** Counts for the console's filters: per status, vendor, backend, and due window (local calendar days). */
  facets(now: Date): InventoryFacets {
    return this.guard(() => {
      const at = { now: now.toISOString() };
      const status = Object.fromEntries(KEY_STATUSES.map((name) => [name, 0])) as Record<KeyStatus, number>;
      for (const [name, count] of this.db
        .prepare(`SELECT ${EFFECTIVE_STATUS} AS s, COUNT(*) FROM keys k JOIN backends b ON b.id = k.backend_id GROUP BY s`)
        .raw()
        .all(at as never) as Array<[KeyStatus, number]>) {
        status[name] = count;
      }
      const vendors = Object.fromEntries(BACKEND_TYPES.map((name) => [name, 0])) as Record<BackendType, number>;
      const backends = (
        this.db.prepare('SELECT b.name, b.type, COUNT(k.key_id) FROM backends b LEFT JOIN keys k ON k.backend_id = b.id GROUP BY b.id ORDER BY b.name').raw().all() as Array<
          [string, BackendType, number]
        >
      ).map(([name, type, count]) => {
        vendors[type] += count;
        return { name, type, count };
      });
      const due = this.db
        .prepare(
          `SELECT
             COALESCE(SUM(next_due_at IS NOT NULL AND next_due_at <= @now), 0),
             COALESCE(SUM(next_due_at > @now AND next_due_at <= @end7), 0),
             COALESCE(SUM(next_due_at > @end7 AND next_due_at <= @end30), 0),
             COALESCE(SUM(next_due_at > @end30), 0),
             COALESCE(SUM(next_due_at IS NULL), 0)
           FROM keys WHERE status IN ('active', 'grace')`,
        )
        .raw()
        .get({ ...at, end7: endOfWindow(now, 7).toISOString(), end30: endOfWindow(now, 30).toISOString() } as never) as [number, number, number, number, number];
      return {
        total: backends.reduce((sum, backend) => sum + backend.count, 0),
        status,
        vendors,
        backends,
        due: { overdue: due[0], within7: due[1], within30: due[2], later: due[3], none: due[4] },
      };
    });
  }

  /**
   * Keys that can produce a reminder, for the reminder scan: active or in grace as last stored, with a
   * due date. A manual key past its expiry is included (overdue): nobody else will tell the admin.
   */
  listDueKeys(before: Date, now: Date): Key[] {
    return this.guard(() =>
      this.db
        .prepare(
          `${KEY_SELECT}
           WHERE k.next_due_at IS NOT NULL AND k.next_due_at <= @before AND k.status IN ('active', 'grace')
           ORDER BY k.next_due_at, b.name, k.name`,
        )
        .raw()
        .all({ before: before.toISOString(), now: now.toISOString() } as never)
        .map(toKey),
    );
  }

  // ---- secrets ----------------------------------------------------------------------------------

  /**
   * A key the vendor just issued and its shown-once secret, sealed: written together, so neither is ever kept
   * without the other. Callers run it inside the transaction that also writes the action's audit event
   * (workflows/vendor-changes.ts `commitIssuedKey`, the one caller for keys a vendor issues).
   */
  recordIssuedKey(backendId: number, key: RemoteKey, sealed: Buffer, at: string, rotateEveryDays: number | null): void {
    this.transaction(() => {
      this.upsertKey(backendId, key, at, rotateEveryDays);
      this.putKeySecret(backendId, key.id, sealed, at);
    });
  }

  putKeySecret(backendId: number, keyId: string, sealed: Buffer, at: string): void {
    this.guard(() =>
      this.db
        .prepare(
          'INSERT INTO key_secrets (backend_id, key_id, sealed, cached_at) VALUES (?, ?, ?, ?) ON CONFLICT(backend_id, key_id) DO UPDATE SET sealed = excluded.sealed, cached_at = excluded.cached_at',
        )
        .run(backendId, keyId, sealed, at),
    );
  }

  /** Drops a cached secret (a revoked key's: nothing should reveal a key that no longer works). */
  deleteKeySecret(backendId: number, keyId: string): void {
    this.guard(() => this.db.prepare('DELETE FROM key_secrets WHERE backend_id = ? AND key_id = ?').run(backendId, keyId));
  }

  getKeySecret(backendId: number, keyId: string): Buffer | null {
    return this.guard(() => this.db.prepare<{ sealed: Buffer }>('SELECT sealed FROM key_secrets WHERE backend_id = ? AND key_id = ?').get(backendId, keyId)?.sealed ?? null);
  }

  /** How many secrets and backend credentials are sealed under the data key (for `vault status`). */
  countSealed(): { keySecrets: number; credentials: number } {
    return this.guard(() => {
      const row = this.db
        .prepare<{ secrets: number; credentials: number }>(
          'SELECT (SELECT COUNT(*) FROM key_secrets) AS secrets, (SELECT COUNT(*) FROM backends WHERE credential_sealed IS NOT NULL) AS credentials',
        )
        .get()!;
      return { keySecrets: row.secrets, credentials: row.credentials };
    });
  }

  /**
   * `vault reset`: forgets everything sealed under the old data key, and the vault's own records, in
   * one transaction. The inventory (keys, dates, audit) stays; backends lose their credentials.
   */
  dropSealedRecords(vaultMetaNames: readonly string[]): { keySecrets: number; credentials: number; backends: string[] } {
    return this.transaction(() => {
      const counts = this.countSealed();
      const backends = this.db
        .prepare<{ name: string }>('SELECT name FROM backends WHERE credential_sealed IS NOT NULL ORDER BY name')
        .all()
        .map((row) => row.name);
      this.db.exec('DELETE FROM key_secrets; UPDATE backends SET credential_sealed = NULL WHERE credential_sealed IS NOT NULL;');
      for (const name of vaultMetaNames) this.deleteMeta(name);
      return { ...counts, backends };
    });
  }

  hasAnySealedRecord(): boolean {
    return this.guard(() => this.db.prepare<{ n: number }>('SELECT (SELECT COUNT(*) FROM key_secrets) + (SELECT COUNT(*) FROM backends WHERE credential_sealed IS NOT NULL) AS n').get()!.n > 0);
  }

  // ---- audit ------------------------------------------------------------------------------------

  /** Appends an event to the hash chain: the head is read and the event written in one write transaction. */
  appendAudit(entry: AuditEntry): void {
    this.transaction(() => appendChainedAudit(this.db, entry));
  }

  /** Walks the audit trail's hash chain in one read snapshot and names the first break (store/audit-chain.ts). */
  verifyAudit(): AuditChainStatus {
    return this.guard(() =>
      this.db.readTransaction(() => {
        this.requireAuditChain();
        return verifyAuditChain(this.db);
      }),
    );
  }

  /** The chain's verdict and every event with its hashes, from one snapshot: what the evidence pack holds. */
  auditEvidence(): { status: AuditChainStatus; events: ChainedAuditEvent[]; genesisAt: string | null } {
    return this.guard(() =>
      this.db.readTransaction(() => {
        this.requireAuditChain();
        return { status: verifyAuditChain(this.db), events: listChainedAudit(this.db), genesisAt: this.getMeta(AUDIT_GENESIS_AT_META) };
      }),
    );
  }

  /** The event that carries `hash` (a head hash recorded earlier) and how many came after it, or null. */
  findAuditByHash(hash: string): { id: number; at: string; after: number } | null {
    return this.guard(() =>
      this.db.readTransaction(() => {
        this.requireAuditChain();
        return findChainedEvent(this.db, hash);
      }),
    );
  }

  private requireAuditChain(): void {
    if (!hasAuditChain(this.db)) {
      throw new KeywardenError(
        'store_read_only',
        `the audit trail in ${this.db.path} is not chained yet: it was written by an older Keywarden; run a command that writes (e.g. "keywarden sync") once to chain it, then verify`,
        { path: this.db.path },
      );
    }
  }

  /** The newest `limit` events that match every given filter, oldest first. */
  listAudit(limit: number, filter: { backend?: string | undefined; ref?: string | undefined; action?: string | undefined } = {}): AuditEvent[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    for (const [column, value] of [
      ['backend', filter.backend],
      ['ref', filter.ref],
      ['action', filter.action],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    return this.guard(() =>
      this.db
        .prepare<{ id: number; at: string; os_user: string; action: string; backend: string | null; ref: string | null; outcome: AuditOutcome; detail: string | null }>(
          `SELECT id, at, os_user, action, backend, ref, outcome, detail FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
        )
        .all(...params, limit)
        .reverse()
        .map((row) => ({ id: row.id, at: row.at, osUser: row.os_user, action: row.action, backend: row.backend, ref: row.ref, outcome: row.outcome, detail: row.detail })),
    );
  }

  // ---- reminder notification state --------------------------------------------------------------

  /** Records that a reminder was notified; returns false when it already had been (so it is never shown twice). */
  markReminderNotified(ref: string, kind: string, dueAt: string, threshold: string, at: string): boolean {
    return this.guard(
      () =>
        this.db.prepare('INSERT INTO reminder_notifications (ref, kind, due_at, threshold, notified_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(ref, kind, dueAt, threshold, at)
          .changes === 1,
    );
  }

  /** Forgets that a reminder was notified at a threshold, so that it is notified again (after a snooze). */
  forgetReminderNotified(ref: string, kind: string, dueAt: string, threshold: string): void {
    this.guard(() => this.db.prepare('DELETE FROM reminder_notifications WHERE ref = ? AND kind = ? AND due_at = ? AND threshold = ?').run(ref, kind, dueAt, threshold));
  }

  /** Snoozes a key's reminder notifications until `until` (replacing an earlier snooze). */
  snoozeReminder(ref: string, until: string): void {
    this.guard(() => this.db.prepare('INSERT INTO reminder_snoozes (ref, until) VALUES (?, ?) ON CONFLICT (ref) DO UPDATE SET until = excluded.until').run(ref, until));
  }

  /** Keys whose reminders are snoozed beyond `now`, with the date each snooze ends. */
  activeSnoozes(now: string): Map<string, string> {
    return this.guard(
      () =>
        new Map(
          this.db
            .prepare<{ ref: string; until: string }>('SELECT ref, until FROM reminder_snoozes WHERE until > ?')
            .all(now)
            .map((row) => [row.ref, row.until] as const),
        ),
    );
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      // A damaged page met by any query (reading commands skip the check at open) names the newest good backup too.
      throw withBackupHint(translateSqliteError(error, this.db.path), this.db.path);
    }
  }
}
