import type { Migration } from './index.js';

/**
 * The first schema.
 * - Secrets and credentials are stored only as sealed blobs (AES-256-GCM, see vault/); no column
 *   ever holds plaintext.
 * - `keys.first_seen_at` lets a sync delete only rows that existed when it started, so a key created
 *   (and its shown-once secret cached) while a slower sync was running is never swept away.
 * - `keys.next_due_at` is the earliest reminder date, precomputed on write so that `--due-within`
 *   and the reminder scan are index lookups even at 100k keys.
 */
export const migration001Initial: Migration = {
  version: 1,
  name: 'initial schema: backends, keys, key secrets, audit, reminder state',
  up: `
    CREATE TABLE meta (
      name  TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE backends (
      id                INTEGER PRIMARY KEY,
      name              TEXT NOT NULL UNIQUE,
      type              TEXT NOT NULL CHECK (type IN ('commbox', 'boxwatch', 'nitrobox', 'manual')),
      url               TEXT,
      settings          TEXT NOT NULL DEFAULT '{}',
      rotate_every_days INTEGER CHECK (rotate_every_days IS NULL OR rotate_every_days > 0),
      credential_sealed BLOB,
      created_at        TEXT NOT NULL,
      last_sync_at      TEXT,
      last_sync_ok_at   TEXT,
      last_error        TEXT
    ) STRICT;

    CREATE TABLE keys (
      backend_id      INTEGER NOT NULL REFERENCES backends(id) ON DELETE CASCADE,
      key_id          TEXT NOT NULL,
      name            TEXT NOT NULL,
      prefix          TEXT,
      status          TEXT NOT NULL CHECK (status IN ('active', 'grace', 'revoked', 'expired')),
      created_at      TEXT,
      expires_at      TEXT,
      grace_ends_at   TEXT,
      rotation_due_at TEXT,
      next_due_at     TEXT,
      last_used_at    TEXT,
      last_tested_at  TEXT,
      last_test_ok    INTEGER CHECK (last_test_ok IS NULL OR last_test_ok IN (0, 1)),
      details         TEXT NOT NULL DEFAULT '{}',
      first_seen_at   TEXT NOT NULL,
      synced_at       TEXT,
      PRIMARY KEY (backend_id, key_id)
    ) STRICT;
    CREATE INDEX keys_next_due ON keys(next_due_at) WHERE next_due_at IS NOT NULL;

    CREATE TABLE key_secrets (
      backend_id INTEGER NOT NULL,
      key_id     TEXT NOT NULL,
      sealed     BLOB NOT NULL,
      cached_at  TEXT NOT NULL,
      PRIMARY KEY (backend_id, key_id),
      FOREIGN KEY (backend_id, key_id) REFERENCES keys(backend_id, key_id) ON DELETE CASCADE
    ) STRICT;

    CREATE TABLE audit (
      id      INTEGER PRIMARY KEY AUTOINCREMENT,
      at      TEXT NOT NULL,
      os_user TEXT NOT NULL,
      action  TEXT NOT NULL,
      backend TEXT,
      ref     TEXT,
      outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'unknown')),
      detail  TEXT
    ) STRICT;

    CREATE TABLE reminder_notifications (
      ref         TEXT NOT NULL,
      kind        TEXT NOT NULL,
      due_at      TEXT NOT NULL,
      threshold   TEXT NOT NULL,
      notified_at TEXT NOT NULL,
      PRIMARY KEY (ref, kind, due_at, threshold)
    ) STRICT;
  `,
};
