/**
 * Where imported keys came from (the `import_sources` table, migration 012): a source entry's identity, the key it
 * became, and hashes of what the import wrote, so a second import updates instead of duplicating and leaves alone a
 * key edited in Keywarden since. Reached as `InventoryStore.imports`; its writes join the batch's transaction
 * (`KeyTables.recordBatch`).
 */
import type { StoreConnection } from './connection.js';

export interface ImportSourceRow {
  sourceId: string;
  keyId: string;
  fieldsHash: string;
  secretHash: string | null;
}

/** A recorded source and the key's columns as they are now, to tell an untouched key from an edited one. */
export interface ImportedKeyNow extends ImportSourceRow {
  name: string;
  prefix: string | null;
  createdAt: string | null;
  expiresAt: string | null;
  details: string;
  owner: string | null;
  environment: string | null;
  /** The tags column as stored: a JSON array, or null for none. */
  tags: string | null;
  notes: string | null;
  sealed: Buffer | null;
  /** The cached secret's keyed fingerprint (`Vault.sealSecret`): the same for the same secret however often it is sealed again. */
  fingerprint: Buffer | null;
  /**
   * Not recorded by an import in this data folder: a key of a team's inventory that an import elsewhere made from the
   * same source entry (team imports give such keys an id of their own: `teamImportKeyId`). Its state now is taken as
   * what was imported.
   */
  adopted?: boolean;
}

/** A key's columns as an import compares them, without a source record. */
export type KeyNow = Omit<ImportedKeyNow, 'sourceId' | 'fieldsHash' | 'secretHash' | 'adopted'>;

const KEY_NOW_COLUMNS = 'k.key_id, k.name, k.prefix, k.created_at, k.expires_at, k.details, k.owner, k.environment, k.tags, k.notes, ks.sealed, ks.fingerprint';

interface KeyNowRow {
  key_id: string;
  name: string;
  prefix: string | null;
  created_at: string | null;
  expires_at: string | null;
  details: string;
  owner: string | null;
  environment: string | null;
  tags: string | null;
  notes: string | null;
  sealed: Buffer | null;
  fingerprint: Buffer | null;
}

function keyNow(row: KeyNowRow): KeyNow {
  return {
    keyId: row.key_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    details: row.details,
    owner: row.owner,
    environment: row.environment,
    tags: row.tags,
    notes: row.notes,
    sealed: row.sealed,
    fingerprint: row.fingerprint,
  };
}

export class ImportSources {
  constructor(private readonly conn: StoreConnection) {}

  /** Every source recorded for a backend whose key still exists (a deleted key took its row with it), with the key now. */
  imported(backendId: number): Map<string, ImportedKeyNow> {
    return this.conn.guard(() => {
      const rows = this.conn.db
        .prepare<KeyNowRow & { source_id: string; fields_hash: string; secret_hash: string | null }>(
          `SELECT s.source_id, s.fields_hash, s.secret_hash, ${KEY_NOW_COLUMNS}
           FROM import_sources s
           JOIN keys k ON k.backend_id = s.backend_id AND k.key_id = s.key_id
           LEFT JOIN key_secrets ks ON ks.backend_id = s.backend_id AND ks.key_id = s.key_id
           WHERE s.backend_id = ?`,
        )
        .all(backendId);
      return new Map(rows.map((row) => [row.source_id, { ...keyNow(row), sourceId: row.source_id, fieldsHash: row.fields_hash, secretHash: row.secret_hash }]));
    });
  }

  /** The backend's keys that no import in this data folder recorded, by id: what a team import may find another folder imported. */
  unrecorded(backendId: number): Map<string, KeyNow> {
    return this.conn.guard(() => {
      const rows = this.conn.db
        .prepare<KeyNowRow>(
          `SELECT ${KEY_NOW_COLUMNS} FROM keys k
           LEFT JOIN key_secrets ks ON ks.backend_id = k.backend_id AND ks.key_id = k.key_id
           WHERE k.backend_id = ? AND NOT EXISTS (SELECT 1 FROM import_sources s WHERE s.backend_id = k.backend_id AND s.key_id = k.key_id)`,
        )
        .all(backendId);
      return new Map(rows.map((row) => [row.key_id, keyNow(row)]));
    });
  }

  /** The keys of a backend as they are now, by id (the ones given that exist): what a team import's batch left after its pull. */
  keysNow(backendId: number, keyIds: readonly string[]): Map<string, KeyNow> {
    return this.conn.guard(() => {
      const select = this.conn.db.prepare<KeyNowRow>(
        `SELECT ${KEY_NOW_COLUMNS} FROM keys k LEFT JOIN key_secrets ks ON ks.backend_id = k.backend_id AND ks.key_id = k.key_id WHERE k.backend_id = ? AND k.key_id = ?`,
      );
      const found = new Map<string, KeyNow>();
      for (const keyId of keyIds) {
        const row = select.get(backendId, keyId);
        if (row) found.set(keyId, keyNow(row));
      }
      return found;
    });
  }

  /** Records (or replaces) the sources of a batch; called inside its transaction, after its keys are written. */
  putMany(backendId: number, rows: readonly ImportSourceRow[], at: string): void {
    this.conn.guard(() => {
      const put = this.conn.db.prepare(
        `INSERT INTO import_sources (backend_id, source_id, key_id, fields_hash, secret_hash, imported_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(backend_id, source_id) DO UPDATE SET key_id = excluded.key_id, fields_hash = excluded.fields_hash, secret_hash = excluded.secret_hash, imported_at = excluded.imported_at`,
      );
      for (const row of rows) put.run(backendId, row.sourceId, row.keyId, row.fieldsHash, row.secretHash, at);
    });
  }
}
