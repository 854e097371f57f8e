/**
 * Keys and their sealed secrets (the `keys` and `key_secrets` tables): a backend's inventory as its vendor lists it,
 * the queries the inventory, the console and the reminders run, and the secrets Keywarden caches, sealed by the vault
 * (opaque bytes here). Reached as `InventoryStore.keys`. The rule lives here, once: **a key Keywarden records with
 * its secret (a vendor's shown-once answer, a manual key, a secret pasted in a rotation) is committed in one
 * transaction with that secret and the action's audit event** (`record`): no key without its secret, no secret or
 * key without its event. Row shapes and shared SQL text: `key-rows.ts`.
 */
import type { BackendType, InventoryFacets, InventoryPage, InventoryQuery, Key, KeyDescription, KeyFilter, KeyLineage, KeyStatus, LinkedKey } from '../../../shared/domain.js';
import { BACKEND_TYPES, KEY_STATUSES } from '../../../shared/rules.js';
import type { RemoteKey } from '../backends/backend.js';
import type { SealedSecret } from '../vault/vault.js';
import { endOfWindow } from '../dates.js';
import { KeywardenError } from '../errors.js';
import { computeRotationDueAt, dueEventFor } from '../reminders/reminders.js';
import type { AuditEntry, AuditLog } from './audit.js';
import type { BackendTable } from './backends.js';
import type { StoreConnection } from './connection.js';
import { type KeyHealthFacts, keyHealthFacts, type KeyHealthQuery } from './key-health.js';
import {
  boundParams,
  FIRST_SEEN_COLUMN,
  type InventoryWrites,
  KEY_SELECT,
  type KeyRowValues,
  keyRotationDays,
  keyRowValues,
  manualPastExpiry,
  onOrBefore,
  onOrBeforeQuick,
  quickBound,
  sameAsStored,
  STORED_KEY_COLUMNS,
  STORED_STATUS,
  type StoredKeyRow,
  toKey,
} from './key-rows.js';
import type { MetaRecords } from './meta.js';
import { KeySearch, type KeySort } from './key-search.js';
import type { SqlStatement } from './sqlite.js';

export type { KeySort } from './key-search.js';

/**
 * Keys written by bulk writes (a sync, a team's pull, an import, a description) since the trigram index was last merged
 * into one segment (`countSearchedWrites`): a record of the file's meta table, so the CLI's writes and the app's add up.
 */
const SEARCH_INDEX_WRITES = 'search_index.writes_since_merge';
/**
 * The index is merged once the keys written since the last merge reach this share of the inventory, and this many. A
 * merge rewrites the whole index, so an inventory that grows by imports is merged each time it has grown by half: in
 * all, about three times the final index's size is written (at 100k keys, some 2 s over the import), where a quarter
 * wrote five times.
 */
const MERGE_AFTER_SHARE = 0.5;
const MERGE_AFTER_MIN = 1_000;

/**
 * What `KeyTables.writeTeamCopies` sets aside to fill an empty inventory at once: each search index's insert trigger
 * (its name, its text, and its INSERT for every key at once) and the keys' own indexes (name and text).
 */
interface SearchIndexFill {
  triggers: Array<{ name: 'key_search_insert' | 'key_pairs_insert'; sql: string; fill: string }>;
  indexes: Array<{ name: string; sql: string }>;
}

/** A key to record with `KeyTables.record`, and its secret. */
export interface KeyRecord {
  key: RemoteKey;
  /** The secret, sealed with its fingerprint by the vault for this key (`EngineContext.sealKeySecret`); null records the key alone and keeps a secret already cached. */
  sealed: SealedSecret | null;
  /** When: the secret's `cached_at`. */
  at: string;
  /** The key as the vendor just answered it (`at`), or null for a key the administrator typed in (its listing time is kept). */
  syncedAt: string | null;
  /** The backend's effective rotation policy, for the key's due dates. */
  rotateEveryDays: number | null;
  /** The administrator's description of the key, written with it; undefined keeps the one it has. */
  description?: KeyDescription;
  /** The key this one replaces (a rotation's new key, CommBox's replacement), linked both ways (`linkReplacement`). */
  replaces?: ReplacedKey;
}

/** A key as a replacement remembers it, in case it is deleted: its ID, name and prefix then. */
export interface ReplacedKey {
  id: string;
  name: string;
  prefix: string | null;
}

/**
 * The columns a key row's first fourteen parameters fill (`rowValuesParams`), the start of every statement that writes a
 * key's row: a vendor row's upsert, a sync's new keys, a team copy.
 */
const KEY_ROW_COLUMNS = `backend_id, key_id, name, prefix, status, created_at, expires_at, grace_ends_at, rotation_due_at,
                        next_due_at, last_used_at, details, first_seen_at, synced_at`;

/** KEY_ROW_COLUMNS and the administrator's description of the key: a new key's whole row, as an import writes it. */
const DESCRIBED_KEY_ROW_COLUMNS = `${KEY_ROW_COLUMNS}, owner, environment, tags, notes`;

/** One row's positional parameters for a list of columns: `(?, ?, ...)`, one per column. */
const placeholdersFor = (columns: string) =>
  `(${columns
    .split(',')
    .map(() => '?')
    .join(', ')})`;

/**
 * How many new keys a sync or an import inserts with one statement. Each statement that writes keys is a savepoint, and
 * FTS5 writes what it holds of the search indexes (migrations 011 and 018) at every savepoint: inserted one key a
 * statement, each key cost a tiny segment of each index, about 50 µs apiece (5,000 keys: 620 ms with both indexes, 400
 * with the trigram index alone); a hundred a statement, 240 ms with both.
 */
const INSERT_BATCH = 100;

/** A description's four columns (owner, environment, tags, notes) as their parameters: no tags is NULL, as a sync leaves it. */
function descriptionParams(description: KeyDescription | undefined) {
  return [description?.owner ?? null, description?.environment ?? null, description?.tags.length ? JSON.stringify(description.tags) : null, description?.notes ?? null] as const;
}

/**
 * A key row's first fourteen parameters, in the order of KEY_ROW_COLUMNS: one list, so no statement can bind them
 * differently.
 */
function rowValuesParams(backendId: number, values: KeyRowValues, firstSeenAt: string, syncedAt: string | null) {
  return [
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
  ] as const;
}

/** A cached secret with its fingerprint, written by `putSecret` and, a batch at a time, by `recordBatch`. */
const PUT_SECRET = `INSERT INTO key_secrets (backend_id, key_id, sealed, fingerprint, cached_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(backend_id, key_id) DO UPDATE SET sealed = excluded.sealed, fingerprint = excluded.fingerprint, cached_at = excluded.cached_at`;

/** A key's link to the key it replaces (migration 014), by `linkReplacement` and `writeTeamCopies`. Recorded again, it moves. */
const LINK_REPLACEMENT = `INSERT INTO key_replacements (backend_id, key_id, replaces_key_id, replaces_name, replaces_prefix, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT(backend_id, key_id) DO UPDATE SET replaces_key_id = excluded.replaces_key_id, replaces_name = excluded.replaces_name,
    replaces_prefix = excluded.replaces_prefix, recorded_at = excluded.recorded_at`;

/** A key as a team's pull brings it, for `writeTeamCopies`. */
export interface TeamKeyCopy {
  backendId: number;
  key: RemoteKey;
  /** When a vendor last listed the key as it is now (the team's record); null keeps the local one. */
  syncedAt: string | null;
  /** The backend's effective rotation policy, for the key's due dates. */
  rotateEveryDays: number | null;
  description: KeyDescription;
  replaces: ReplacedKey | null;
  /** When the pull ran: a replacement link's `recorded_at`. */
  at: string;
}

export class KeyTables {
  /** The search's reading side (key-search.ts): `list`, `query`, and which search indexes the file has. */
  private readonly search: KeySearch;

  constructor(
    private readonly conn: StoreConnection,
    private readonly backends: BackendTable,
    private readonly audit: AuditLog,
    private readonly meta: MetaRecords,
  ) {
    this.search = new KeySearch(conn);
  }

  /**
   * A key, its secret and the audit event of the action that brought them, in one transaction (the caller's, when it
   * holds one: a rotation's journal step, a revoked key's new status). The one way a key and its secret are written
   * together: a vendor's shown-once answer (`workflows/vendor-changes.ts` `commitIssuedKey`), a manual key added or
   * edited (`workflows/keys.ts`), a secret pasted in a rotation (`rotation/steps.ts`).
   */
  record(backendId: number, record: KeyRecord, event: AuditEntry): void {
    this.conn.transaction(() => {
      this.upsert(backendId, record.key, record.syncedAt, record.rotateEveryDays);
      if (record.description) this.writeDescription(backendId, record.key.id, record.description);
      if (record.replaces) this.linkReplacement(backendId, record.key.id, record.replaces, record.at);
      if (record.sealed) this.putSecret(backendId, record.key.id, record.sealed, record.at);
      this.audit.append(event);
    });
  }

  /**
   * A replacement found by re-listing (its answer was lost) takes over the key it replaces, in the caller's transaction:
   * what `record` writes with `description` and `replaces` (`vendor-changes.ts` `takeOver`).
   */
  recordReplacement(backendId: number, keyId: string, over: { description: KeyDescription; replaces: ReplacedKey }, at: string): void {
    this.writeDescription(backendId, keyId, over.description);
    this.linkReplacement(backendId, keyId, over.replaces, at);
  }

  /**
   * Keys as a team's pull brings them (docs/team.md), in one transaction (the caller's, when it holds one): each one's row with the
   * administrators' description of it in one statement (so the search index of migration 011 is written once per key,
   * not once for the row and again for its description), and the key it replaces. Statements are prepared once for
   * the whole batch. Secrets, where the member may read them, are written apart (`putSecrets`).
   *
   * A first copy (every key of the team into a data folder that holds none) fills the search index once, after the
   * rows (`withSearchIndexFilledOnce`): measured at 10,000 keys, the trigger's insert per key costs about three times
   * the rows themselves; and builds the keys' plain indexes once, after the rows too (an insert in name order per key
   * into the index of the searched columns alone took 300 ms; CREATE INDEX sorts the lot once). Returns how the index was written.
   */
  writeTeamCopies(copies: readonly TeamKeyCopy[]): { searchIndex: 'per key' | 'filled once' } {
    if (copies.length === 0) return { searchIndex: 'per key' };
    return this.conn.transaction(() => {
      const once = this.emptyInventory() ? this.searchIndexFill() : null;
      if (once) this.withSearchIndexFilledOnce(once, () => this.writeTeamCopyRows(copies, 'an empty table'));
      else this.writeTeamCopyRows(copies, 'the inventory');
      this.countSearchedWrites(copies.length);
      return { searchIndex: once ? 'filled once' : 'per key' };
    });
  }

  private emptyInventory(): boolean {
    return this.conn.db.prepare('SELECT 1 FROM keys LIMIT 1').get() === undefined;
  }

  /**
   * The search indexes' insert triggers (key_search's of migration 011, key_pairs' of 018, when the file has it) as they
   * are in this file, and each one's INSERT made one statement for every key of the table: the trigger's VALUES read
   * from each row (`new`) as the migration's own backfill reads them. Taken from the trigger's text, so the two cannot
   * differ; null when a trigger is not the single INSERT its migration made (a later migration changed it, or the file
   * has no index): then keys are written through the triggers.
   */
  private searchIndexFill(): SearchIndexFill | null {
    const triggers: SearchIndexFill['triggers'] = [];
    for (const [name, table] of [
      ['key_search_insert', 'key_search'],
      ['key_pairs_insert', 'key_pairs'],
    ] as const) {
      const trigger = this.conn.db.prepare<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?").get(name)?.sql;
      if (trigger === undefined && table === 'key_pairs') continue; // a file before migration 018
      const shape = trigger ? new RegExp(`^CREATE TRIGGER ${name} AFTER INSERT ON keys BEGIN\\s+(INSERT INTO ${table} \\([^)]*\\)) VALUES \\(([^;]*)\\);\\s*END$`).exec(trigger) : null;
      if (!trigger || !shape) return null;
      triggers.push({ name, sql: trigger, fill: `${shape[1]} SELECT ${shape[2]} FROM (SELECT rowid, * FROM keys) AS new` });
    }
    // The keys' own indexes as this file has them, word for word; not the unique ones (a constraint, and SQLite's own).
    const indexes = this.conn.db
      .prepare<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'keys' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'")
      .all();
    return { triggers, indexes };
  }

  /**
   * Runs `write`, which inserts keys into a table that held none, with the search indexes' insert triggers and the keys'
   * own indexes set aside, then indexes every key in one statement per search index, builds the indexes again from their
   * own text and puts the triggers back, all in one transaction (`writeTeamCopies`): it
   * commits with the rows or not at all, and no other connection ever sees the file without its trigger. SQLite calls
   * an FTS5 table once per key from a trigger and flushes its pending terms each time; one INSERT ... SELECT feeds them
   * all at once. Updates and deletes (the other two triggers) are untouched.
   */
  private withSearchIndexFilledOnce(once: SearchIndexFill, write: () => void): void {
    for (const trigger of once.triggers) this.conn.db.exec(`DROP TRIGGER ${trigger.name}`);
    // Names from sqlite_master, quoted: the keys' own indexes (migration 002 onwards), built again below as they were.
    for (const index of once.indexes) this.conn.db.exec(`DROP INDEX "${index.name.replace(/"/g, '""')}"`);
    write();
    for (const index of once.indexes) this.conn.db.exec(index.sql);
    for (const trigger of once.triggers) {
      this.conn.db.exec(trigger.fill);
      this.conn.db.exec(trigger.sql);
    }
  }

  /**
   * The rows of `writeTeamCopies`. `into`: "an empty table" inserts without ON CONFLICT, since no key can be there
   * already: an upsert's statement also carries the search index's update trigger, and SQLite then opens the FTS5 table
   * for every row it runs, which costs as much as indexing the row.
   */
  private writeTeamCopyRows(copies: readonly TeamKeyCopy[], into: 'an empty table' | 'the inventory'): void {
    const insert = `
      INSERT INTO keys (${DESCRIBED_KEY_ROW_COLUMNS})
      VALUES ${placeholdersFor(DESCRIBED_KEY_ROW_COLUMNS)}`;
    const upsert = this.conn.db.prepare(
      into === 'an empty table'
        ? insert
        : `${insert}
      ON CONFLICT(backend_id, key_id) DO UPDATE SET
        name = excluded.name, prefix = excluded.prefix, status = excluded.status, created_at = excluded.created_at,
        expires_at = excluded.expires_at, grace_ends_at = excluded.grace_ends_at, rotation_due_at = excluded.rotation_due_at,
        next_due_at = excluded.next_due_at, last_used_at = excluded.last_used_at, details = excluded.details,
        synced_at = COALESCE(excluded.synced_at, keys.synced_at),
        owner = excluded.owner, environment = excluded.environment, tags = excluded.tags, notes = excluded.notes`,
    );
    const link = this.conn.db.prepare(LINK_REPLACEMENT);
    const firstSeenAt = new Date().toISOString();
    for (const { backendId, key, syncedAt, rotateEveryDays, description, replaces, at } of copies) {
      const values = keyRowValues(key, rotateEveryDays);
      upsert.run(...rowValuesParams(backendId, values, firstSeenAt, syncedAt), ...descriptionParams(description));
      if (replaces) link.run(backendId, key.id, replaces.id, replaces.name, replaces.prefix, at);
    }
  }

  /** Records that key `keyId` replaces `replaced` (migration 014), in the caller's transaction. Recorded again, it moves. */
  private linkReplacement(backendId: number, keyId: string, replaced: ReplacedKey, at: string): void {
    this.conn.db.prepare(LINK_REPLACEMENT).run(backendId, keyId, replaced.id, replaced.name, replaced.prefix, at);
  }

  /**
   * Which key `keyId` replaces (named as it is now, or as it was when it is gone) and the newest key that replaced it
   * (always in the inventory: a link goes with its replacement).
   */
  lineage(backendId: number, backendName: string, keyId: string): KeyLineage {
    return this.conn.guard(() => {
      const linked = (row: [string, string, string | null, number] | undefined): LinkedKey | null =>
        row ? { ref: `${backendName}/${row[0]}`, name: row[1], prefix: row[2], inInventory: row[3] === 1 } : null;
      const replaces = this.conn.db
        .prepare(
          `SELECT r.replaces_key_id, COALESCE(k.name, r.replaces_name), CASE WHEN k.key_id IS NULL THEN r.replaces_prefix ELSE k.prefix END, k.key_id IS NOT NULL
           FROM key_replacements r LEFT JOIN keys k ON k.backend_id = r.backend_id AND k.key_id = r.replaces_key_id
           WHERE r.backend_id = ? AND r.key_id = ?`,
        )
        .raw()
        .get(backendId, keyId) as [string, string, string | null, number] | undefined;
      const replacedBy = this.conn.db
        .prepare(
          `SELECT k.key_id, k.name, k.prefix, 1 FROM key_replacements r JOIN keys k ON k.backend_id = r.backend_id AND k.key_id = r.key_id
           WHERE r.backend_id = ? AND r.replaces_key_id = ? ORDER BY r.recorded_at DESC LIMIT 1`,
        )
        .raw()
        .get(backendId, keyId) as [string, string, string | null, number] | undefined;
      return { replaces: linked(replaces), replacedBy: linked(replacedBy) };
    });
  }

  /** A key's description and the audit event that says what changed, in one transaction. */
  describe(backendId: number, keyId: string, description: KeyDescription, event: AuditEntry): void {
    this.describeMany([{ backendId, keyId, description, event }]);
  }

  /**
   * Keys' descriptions, each with the audit event that says what changed, in one transaction (the caller's, when it
   * holds one): a batch of the console's bulk actions (`workflows/keys.ts` `describeKeys`), counted once for the
   * search index's merge.
   */
  describeMany(changes: ReadonlyArray<{ backendId: number; keyId: string; description: KeyDescription; event: AuditEntry }>): void {
    this.conn.transaction(() => {
      for (const change of changes) {
        this.writeDescription(change.backendId, change.keyId, change.description);
        this.audit.append(change.event);
      }
      this.countSearchedWrites(changes.length);
    });
  }

  private writeDescription(backendId: number, keyId: string, description: KeyDescription): void {
    this.conn.db.prepare('UPDATE keys SET owner = ?, environment = ?, tags = ?, notes = ? WHERE backend_id = ? AND key_id = ?').run(...descriptionParams(description), backendId, keyId);
  }

  /**
   * `record` for many keys at once (an import's batch): every key, its secret, what `alongside` writes (the import's
   * source rows) and the one audit event commit together, or none of them. Statements are prepared once per batch.
   */
  recordBatch(backendId: number, records: readonly KeyRecord[], event: AuditEntry, alongside?: () => void): void {
    this.conn.transaction(() => {
      const upsert = this.prepareUpsert();
      const putSecret = this.conn.db.prepare(PUT_SECRET);
      // Keys the backend does not hold yet (a first import: all of them) are inserted whole, description included, a
      // hundred to a statement (INSERT_BATCH); a key it holds is updated as `record` does, keeping its own columns.
      const held = new Set((this.conn.db.prepare('SELECT key_id FROM keys WHERE backend_id = ?').raw().all(backendId) as Array<[string]>).map(([keyId]) => keyId));
      const firstSeenAt = new Date().toISOString();
      const inserts = this.batchedInserts(DESCRIBED_KEY_ROW_COLUMNS);
      for (const record of records) {
        const values = keyRowValues(record.key, record.rotateEveryDays);
        if (held.has(record.key.id)) {
          inserts.flush(); // the key may be waiting there, listed earlier in this batch
          upsert(backendId, values, record.syncedAt);
          if (record.description) this.writeDescription(backendId, record.key.id, record.description);
        } else {
          held.add(record.key.id);
          inserts.add([...rowValuesParams(backendId, values, firstSeenAt, record.syncedAt), ...descriptionParams(record.description)]);
        }
      }
      inserts.flush();
      // The secrets after their keys: each belongs to a key row (a foreign key).
      for (const record of records) {
        if (record.sealed) putSecret.run(backendId, record.key.id, record.sealed.sealed, record.sealed.fingerprint, record.at);
      }
      this.countSearchedWrites(records.length);
      alongside?.();
      this.audit.append(event);
    });
  }

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
    return this.conn.transaction(() => {
      const stored = new Map<string, StoredKeyRow>();
      for (const row of this.conn.db
        .prepare(`SELECT ${STORED_KEY_COLUMNS.join(', ')} FROM keys WHERE backend_id = ?`)
        .raw()
        .all(backendId) as StoredKeyRow[]) {
        stored.set(row[0], row);
      }
      const upsert = this.prepareUpsert();
      // One moment for every key this sync stores first: after the sync started, as the removal rule needs.
      const firstSeenAt = new Date().toISOString();
      const inserts = this.batchedInserts(KEY_ROW_COLUMNS);
      const listed = new Set<string>();
      const writes: InventoryWrites = { inserted: 0, updated: 0, removed: 0, unchanged: 0 };
      for (const key of keys) {
        const listedBefore = listed.has(key.id);
        listed.add(key.id);
        const values = keyRowValues(key, options.rotateEveryDays);
        const before = stored.get(key.id);
        // A key first seen after this sync started was stored by another workflow meanwhile: it is written, so its
        // own syncedAt says this sync saw it (the backend's record covers only keys first seen before the start).
        if (before && before[FIRST_SEEN_COLUMN] < options.syncStartedAt && sameAsStored(before, values)) {
          writes.unchanged += 1;
          continue;
        }
        if (before || listedBefore) {
          // A key listed twice by the vendor is written as its later listing says, after the first is in the table.
          if (listedBefore) inserts.flush();
          upsert(backendId, values, options.syncedAt, firstSeenAt);
        } else inserts.add(rowValuesParams(backendId, values, firstSeenAt, options.syncedAt));
        if (before) writes.updated += 1;
        else writes.inserted += 1;
      }
      inserts.flush();
      const remove = this.conn.db.prepare('DELETE FROM keys WHERE backend_id = ? AND key_id = ?');
      for (const [keyId, row] of stored) {
        if (listed.has(keyId) || row[FIRST_SEEN_COLUMN] >= options.syncStartedAt) continue;
        remove.run(backendId, keyId);
        writes.removed += 1;
      }
      this.countSearchedWrites(writes.inserted + writes.updated + writes.removed);
      this.backends.recordSyncSuccess(backendId, options);
      return writes;
    });
  }

  /** Inserts or updates one key (a key just created, revoked or entered by hand). */
  upsert(backendId: number, key: RemoteKey, syncedAt: string | null, rotateEveryDays: number | null): void {
    this.conn.guard(() => this.prepareUpsert()(backendId, keyRowValues(key, rotateEveryDays), syncedAt));
  }

  /**
   * Keys no row holds yet, inserted INSERT_BATCH to a statement into `columns` (KEY_ROW_COLUMNS, or with the
   * description): `add` takes a row's parameters in their order, `flush` writes what is waiting (at the end, and before
   * anything that must find those keys in the table). In the caller's transaction.
   */
  private batchedInserts(columns: string): { add(params: ReadonlyArray<string | number | null>): void; flush(): void } {
    const width = columns.split(',').length;
    const row = placeholdersFor(columns);
    const statement = (rows: number) => this.conn.db.prepare(`INSERT INTO keys (${columns}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`);
    let full: SqlStatement<unknown> | undefined;
    let waiting: Array<ReadonlyArray<string | number | null>> = [];
    const flush = () => {
      if (waiting.length === 0) return;
      const insert = waiting.length === INSERT_BATCH ? (full ??= statement(INSERT_BATCH)) : statement(waiting.length);
      insert.run(...waiting.flat());
      waiting = [];
    };
    return {
      add(params) {
        if (params.length !== width) throw new KeywardenError('internal', `a key row of ${params.length} values for ${width} columns`);
        waiting.push(params);
        if (waiting.length === INSERT_BATCH) flush();
      },
      flush,
    };
  }

  private prepareUpsert(): (backendId: number, values: KeyRowValues, syncedAt: string | null, firstSeenAt?: string) => void {
    // Positional parameters: binding fourteen values by name costs about a third of each row's insert.
    const statement = this.conn.db.prepare(`
      INSERT INTO keys (${KEY_ROW_COLUMNS})
      VALUES ${placeholdersFor(KEY_ROW_COLUMNS)}
      ON CONFLICT(backend_id, key_id) DO UPDATE SET
        name = excluded.name, prefix = excluded.prefix, status = excluded.status, created_at = excluded.created_at,
        expires_at = excluded.expires_at, grace_ends_at = excluded.grace_ends_at, rotation_due_at = excluded.rotation_due_at,
        next_due_at = excluded.next_due_at, last_used_at = excluded.last_used_at, details = excluded.details,
        synced_at = COALESCE(excluded.synced_at, keys.synced_at)`);
    return (backendId, values, syncedAt, firstSeenAt = new Date().toISOString()) => {
      statement.run(...rowValuesParams(backendId, values, firstSeenAt, syncedAt));
    };
  }

  setStatus(backendId: number, keyId: string, status: KeyStatus): void {
    this.conn.guard(() =>
      this.conn.db
        .prepare(`UPDATE keys SET status = ?, next_due_at = CASE WHEN ? IN ('revoked', 'expired') THEN NULL ELSE next_due_at END WHERE backend_id = ? AND key_id = ?`)
        .run(status, status, backendId, keyId),
    );
  }

  delete(backendId: number, keyId: string): void {
    this.conn.guard(() => this.conn.db.prepare('DELETE FROM keys WHERE backend_id = ? AND key_id = ?').run(backendId, keyId));
  }

  recordTest(backendId: number, keyId: string, at: string, ok: boolean): void {
    this.conn.guard(() => this.conn.db.prepare('UPDATE keys SET last_tested_at = ?, last_test_ok = ? WHERE backend_id = ? AND key_id = ?').run(at, ok ? 1 : 0, backendId, keyId));
  }

  get(backendName: string, keyId: string, now: Date): Key | null {
    return this.conn.guard(() => {
      const row = this.conn.db
        .prepare(`${KEY_SELECT} WHERE b.name = @backend AND k.key_id = @keyId`)
        .raw()
        .get({ backend: backendName, keyId, ...boundParams('now', now) } as never);
      return row ? toKey(row) : null;
    });
  }

  /** Remote-shaped view of a stored key, for connectors that need the key's own fields (e.g. to test it). */
  getRemote(backendId: number, keyId: string): RemoteKey | null {
    return this.conn.guard(() => {
      const row = this.conn.db
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

  /** Every key matching `filter`: by backend and name, or in the console's `sort` (key-search.ts). */
  list(filter: KeyFilter & { vendor?: BackendType; overdue?: boolean }, now: Date, sort?: KeySort): Key[] {
    return this.search.list(filter, now, sort);
  }

  /** One page of the inventory, filtered, sorted and paged by SQLite, with the number of keys that match (key-search.ts). */
  query(query: InventoryQuery, now: Date): InventoryPage {
    return this.search.query(query, now);
  }

  /**
   * FTS5 writes the trigram index (migration 011) as segments and merges them only now and then, and a search reads
   * every segment. Written key by key (a first sync, a team's pull, an import, a bulk action), the index had 13
   * segments at 100k keys and 19 at 10k, and answered in up to twice the time of the same index merged into one
   * ("payments env:prod -tag:legacy" at 100k keys, 10 ms against 4). So each of those writes counts the keys it wrote,
   * in its own transaction, and the one that brings the count since the last merge to half the inventory (and
   * MERGE_AFTER_MIN) merges the whole index ('optimize': 0.6 s at 100k keys, 60 ms at 10k) as part of its commit.
   */
  private countSearchedWrites(written: number): void {
    if (written === 0 || !this.search.has('key_search')) return;
    const stored = Number(this.meta.get(SEARCH_INDEX_WRITES));
    const since = (Number.isSafeInteger(stored) && stored > 0 ? stored : 0) + written;
    const merge = since >= Math.max(MERGE_AFTER_MIN, this.search.keyCountEstimate() * MERGE_AFTER_SHARE);
    if (merge) {
      this.conn.db.exec("INSERT INTO key_search (key_search) VALUES ('optimize')");
      // The pair index (migration 018) is written by the same writes, so it gathers segments alike.
      if (this.search.has('key_pairs')) this.conn.db.exec("INSERT INTO key_pairs (key_pairs) VALUES ('optimize')");
    }
    this.meta.set(SEARCH_INDEX_WRITES, String(merge ? 0 : since));
  }

  /** Counts for the console's filters: per status, vendor, backend, and due window (local calendar days). */
  facets(now: Date): InventoryFacets {
    return this.conn.guard(() => {
      const at = boundParams('now', now);
      const status = Object.fromEntries(KEY_STATUSES.map((name) => [name, 0])) as Record<KeyStatus, number>;
      // Counted by stored status from its index (migration 015), then the manual keys past their expiry, which read as
      // expired (EFFECTIVE_STATUS), moved over: reading every key's row to judge it costs ten times as much at 100k.
      for (const [name, count] of this.conn.db.prepare(`SELECT k.status, COUNT(*) FROM keys k GROUP BY ${STORED_STATUS}`).raw().all() as Array<[KeyStatus, number]>) {
        status[name] = count;
      }
      const [pastExpiry] = this.conn.db
        .prepare(`SELECT COUNT(*) FROM keys k WHERE ${manualPastExpiry("k.backend_id IN (SELECT id FROM backends WHERE type = 'manual')")}`)
        .raw()
        .get(at as never) as [number];
      status.active -= pastExpiry;
      status.expired += pastExpiry;
      const vendors = Object.fromEntries(BACKEND_TYPES.map((name) => [name, 0])) as Record<BackendType, number>;
      const backends = (
        this.conn.db.prepare('SELECT b.name, b.type, COUNT(k.key_id) FROM backends b LEFT JOIN keys k ON k.backend_id = b.id GROUP BY b.id ORDER BY b.name').raw().all() as Array<
          [string, BackendType, number]
        >
      ).map(([name, type, count]) => {
        vendors[type] += count;
        return { name, type, count };
      });
      // One bucket per open key, from keys_open_due alone, each date judged against the bounds in turn (the buckets are
      // ordered: a date that has come is within 7 days too): at 100k keys 13 ms, where a sum per bucket judging every
      // date against every bound took 64.
      const due = [0, 0, 0, 0, 0];
      const buckets = this.conn.db
        .prepare(
          `SELECT CASE
             WHEN next_due_at IS NULL THEN 4
             WHEN ${onOrBeforeQuick('next_due_at', 'now')} THEN 0
             WHEN ${onOrBeforeQuick('next_due_at', 'end7')} THEN 1
             WHEN ${onOrBeforeQuick('next_due_at', 'end30')} THEN 2
             ELSE 3
           END AS bucket, COUNT(*)
           FROM keys WHERE status IN ('active', 'grace') GROUP BY bucket`,
        )
        .raw()
        .all({ ...quickBound('now', now), ...quickBound('end7', endOfWindow(now, 7)), ...quickBound('end30', endOfWindow(now, 30)) } as never) as Array<[number, number]>;
      for (const [bucket, count] of buckets) due[bucket] = count;
      return {
        total: backends.reduce((sum, backend) => sum + backend.count, 0),
        status,
        vendors,
        backends,
        due: { overdue: due[0]!, within7: due[1]!, within30: due[2]!, later: due[3]!, none: due[4]! },
      };
    });
  }

  /**
   * Keys that can produce a reminder, for the reminder scan: active or in grace as last stored, with a
   * due date. A manual key past its expiry is included (overdue): nobody else will tell the admin.
   */
  listDue(before: Date, now: Date): Key[] {
    return this.conn.guard(() =>
      this.conn.db
        .prepare(
          `${KEY_SELECT}
           WHERE k.next_due_at IS NOT NULL AND ${onOrBefore('k.next_due_at', 'before')} AND k.status IN ('active', 'grace')
           ORDER BY k.next_due_at, b.name, k.name`,
        )
        .raw()
        .all({ ...boundParams('before', before), ...boundParams('now', now) } as never)
        .map(toKey),
    );
  }

  /**
   * Changes a backend's rotation policy (`BackendTable.setRotateEveryDays`) and recomputes its keys' due dates in the
   * same transaction: reminders never follow a policy that was not saved. `effectiveDays` is the policy or, when it is
   * null, the vendor's default.
   */
  setRotationPolicy(backendId: number, rotateEveryDays: number | null, effectiveDays: number | null): void {
    this.conn.transaction(() => {
      this.backends.setRotateEveryDays(backendId, rotateEveryDays);
      const rows = this.conn.db
        .prepare<{ key_id: string; status: KeyStatus; created_at: string | null; expires_at: string | null; grace_ends_at: string | null; details: string }>(
          'SELECT key_id, status, created_at, expires_at, grace_ends_at, details FROM keys WHERE backend_id = ?',
        )
        .all(backendId);
      const update = this.conn.db.prepare('UPDATE keys SET rotation_due_at = ?, next_due_at = ? WHERE backend_id = ? AND key_id = ?');
      for (const row of rows) {
        const details = JSON.parse(row.details) as RemoteKey['details'];
        const rotationDueAt = computeRotationDueAt(row.created_at, row.expires_at, keyRotationDays(details, effectiveDays));
        const due = dueEventFor({ status: row.status, expiresAt: row.expires_at, graceEndsAt: row.grace_ends_at, rotationDueAt });
        update.run(rotationDueAt, due?.dueAt ?? null, backendId, row.key_id);
      }
    });
  }

  /** Health's key findings, counted and listed by SQL (`key-health.ts`). */
  healthFacts(query: KeyHealthQuery): KeyHealthFacts {
    return this.conn.guard(() => keyHealthFacts(this.conn, query));
  }

  /** The keys named by `refs` (`backend/id`) that exist, by reference: the few a rotation or grace warning names. */
  byRefs(refs: Iterable<string>, now: Date): Map<string, Key> {
    const found = new Map<string, Key>();
    for (const ref of new Set(refs)) {
      const slash = ref.indexOf('/');
      if (slash <= 0) continue;
      const key = this.get(ref.slice(0, slash), ref.slice(slash + 1), now);
      if (key) found.set(ref, key);
    }
    return found;
  }

  // ---- secrets ----------------------------------------------------------------------------------

  /**
   * Caches the secret of a key already stored (listed by a sync, fetched again from a vendor that shows keys,
   * re-sealed for a backend's new URL). A key recorded with its secret goes through `record`. The secret comes with its
   * fingerprint (`Vault.sealSecret`), written beside it, so every cached secret can be compared by Health.
   */
  putSecret(backendId: number, keyId: string, secret: SealedSecret, at: string): void {
    this.conn.guard(() => this.conn.db.prepare(PUT_SECRET).run(backendId, keyId, secret.sealed, secret.fingerprint, at));
  }

  /** `putSecret` for many secrets, the statement prepared once (a team's pull), in the caller's transaction. */
  putSecrets(secrets: Iterable<{ backendId: number; keyId: string; secret: SealedSecret; at: string }>): void {
    this.conn.guard(() => {
      const put = this.conn.db.prepare(PUT_SECRET);
      for (const { backendId, keyId, secret, at } of secrets) put.run(backendId, keyId, secret.sealed, secret.fingerprint, at);
    });
  }

  /** Cached secrets that have no fingerprint yet (cached before migration 009), for the backfill: at most `limit`. */
  secretsWithoutFingerprint(limit: number): Array<{ backendId: number; keyId: string; sealed: Buffer }> {
    return this.conn.guard(() =>
      this.conn.db
        .prepare<{ backendId: number; keyId: string; sealed: Buffer }>(
          'SELECT backend_id AS backendId, key_id AS keyId, sealed FROM key_secrets WHERE fingerprint IS NULL ORDER BY backend_id, key_id LIMIT ?',
        )
        .all(limit),
    );
  }

  /**
   * Writes backfilled fingerprints, each only if its record is still the one fingerprinted (same sealed bytes): a
   * secret replaced meanwhile already came with its own.
   */
  setFingerprints(entries: ReadonlyArray<{ backendId: number; keyId: string; sealed: Buffer; fingerprint: Buffer }>): number {
    return this.conn.transaction(() => {
      const update = this.conn.db.prepare('UPDATE key_secrets SET fingerprint = ? WHERE backend_id = ? AND key_id = ? AND sealed = ? AND fingerprint IS NULL');
      let written = 0;
      for (const entry of entries) written += update.run(entry.fingerprint, entry.backendId, entry.keyId, entry.sealed).changes;
      return written;
    });
  }

  /** Drops a cached secret (a revoked key's: nothing should reveal a key that no longer works). */
  deleteSecret(backendId: number, keyId: string): void {
    this.conn.guard(() => this.conn.db.prepare('DELETE FROM key_secrets WHERE backend_id = ? AND key_id = ?').run(backendId, keyId));
  }

  getSecret(backendId: number, keyId: string): Buffer | null {
    return this.conn.guard(() => this.conn.db.prepare<{ sealed: Buffer }>('SELECT sealed FROM key_secrets WHERE backend_id = ? AND key_id = ?').get(backendId, keyId)?.sealed ?? null);
  }

  /** How many key secrets are cached (for `vault status`). */
  countSecrets(): number {
    return this.conn.guard(() => this.conn.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM key_secrets').get()!.n);
  }

  /** `vault reset`: forgets every cached secret (the keys stay); returns how many there were. */
  dropAllSecrets(): number {
    return this.conn.guard(() => this.conn.db.prepare('DELETE FROM key_secrets').run().changes);
  }
}
