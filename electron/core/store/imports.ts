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
}

export class ImportSources {
  constructor(private readonly conn: StoreConnection) {}

  /** Every source recorded for a backend whose key still exists (a deleted key took its row with it), with the key now. */
  imported(backendId: number): Map<string, ImportedKeyNow> {
    return this.conn.guard(() => {
      const rows = this.conn.db
        .prepare<{
          source_id: string;
          key_id: string;
          fields_hash: string;
          secret_hash: string | null;
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
        }>(
          `SELECT s.source_id, s.key_id, s.fields_hash, s.secret_hash, k.name, k.prefix, k.created_at, k.expires_at, k.details, k.owner, k.environment, k.tags, k.notes, ks.sealed
           FROM import_sources s
           JOIN keys k ON k.backend_id = s.backend_id AND k.key_id = s.key_id
           LEFT JOIN key_secrets ks ON ks.backend_id = s.backend_id AND ks.key_id = s.key_id
           WHERE s.backend_id = ?`,
        )
        .all(backendId);
      return new Map(
        rows.map((row) => [
          row.source_id,
          {
            sourceId: row.source_id,
            keyId: row.key_id,
            fieldsHash: row.fields_hash,
            secretHash: row.secret_hash,
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
          },
        ]),
      );
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
