import type { Migration } from './index.js';

/**
 * What Health (../../health/findings.ts) needs at 100k keys, where it counts and lists each finding in SQL instead of
 * reading every key:
 * - `key_secrets.fingerprint`: a keyed fingerprint of the cached secret (HMAC-SHA256 under a key derived from the
 *   data key, ../../vault/vault.ts), written with the sealed secret, so two keys holding the same secret are found
 *   without opening either. NULL for secrets cached before this migration until the backfill fills it
 *   (../../workflows/vault.ts), and gone with the secret (`vault reset` drops both). Indexed for the duplicates.
 * - Partial indexes over the keys each finding reads: open keys (active or in grace) by due date (overdue, due
 *   soon, no due date: counted and listed in due order from the index), keys the vendor reports expired by the date
 *   they were due (rotation_due_at holds that date: the expiry, or the creation plus the rotation policy), open keys
 *   by last use (unused), keys whose last test failed, and open keys without an owner (migration 008's column). keys_open_due holds `status` although its condition fixes
 *   it: SQLite reads a partial index alone (without the table) only when the index has every column the query names. Each WHERE is written exactly as the queries write it
 *   (../key-health.ts): SQLite uses a partial index only for a query that repeats its condition.
 *
 * readCompatible: a read-only copy of an older file (a backup) still lists its keys, and Health on it finds no
 * duplicate secrets (store/key-health.ts asks whether the column exists) and reads without these indexes.
 */
export const migration009HealthFindings: Migration = {
  version: 9,
  name: 'health findings: secret fingerprints, indexes per finding',
  readCompatible: true,
  up: `
    ALTER TABLE key_secrets ADD COLUMN fingerprint BLOB;
    CREATE INDEX key_secrets_fingerprint ON key_secrets(fingerprint) WHERE fingerprint IS NOT NULL;
    CREATE INDEX keys_open_due ON keys(next_due_at, backend_id, key_id, status) WHERE status IN ('active', 'grace');
    CREATE INDEX keys_expired_due ON keys(rotation_due_at, backend_id, key_id) WHERE status = 'expired';
    CREATE INDEX keys_open_last_used ON keys(last_used_at, backend_id, key_id) WHERE status IN ('active', 'grace') AND last_used_at IS NOT NULL;
    CREATE INDEX keys_test_failed ON keys(backend_id, key_id) WHERE last_test_ok = 0;
    CREATE INDEX keys_open_without_owner ON keys(backend_id, key_id, status) WHERE owner IS NULL AND status IN ('active', 'grace');
  `,
};
