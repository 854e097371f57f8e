import type { Migration } from './index.js';

/**
 * The rotation journal (electron/core/rotation/) and the consumers of keys.
 * - `rotations`: one row per guided rotation, its plan and options, the new key once it exists, what blocks it,
 *   and the process running it (`owner_pid`, so two processes never run one rotation at once; a killed owner is
 *   recognised as gone). At most one open (`active`) rotation per key.
 * - `rotation_steps`: the state machine. Each step is written `intent` before the vendor is called and its
 *   outcome after, so a step found at `intent` after a crash is reconciled by re-listing, never re-sent blindly.
 * - `new_secret_sealed`: a pasted secret (sealed, as every secret) between the step that received it and the
 *   step that stores it in place. A shown-once key goes straight to `key_secrets`, in the transaction of its step.
 * - `rotation_consumers`: the consumers to tick off in one rotation; `key_consumers`: the consumers a key has,
 *   carried over to the new key when a rotation completes.
 * New tables only, so an older file still reads (readCompatible): a read-only copy without them has no rotations.
 */
export const migration005RotationJournal: Migration = {
  version: 5,
  name: 'rotation journal and key consumers',
  readCompatible: true,
  up: `
    CREATE TABLE rotations (
      id                INTEGER PRIMARY KEY AUTOINCREMENT,
      backend_id        INTEGER NOT NULL REFERENCES backends(id) ON DELETE CASCADE,
      key_id            TEXT NOT NULL,
      plan              TEXT NOT NULL CHECK (plan IN ('revoke-replace', 'create-overlap', 'paste-first', 'revoke-first', 'paste-secret')),
      state             TEXT NOT NULL CHECK (state IN ('active', 'done', 'abandoned')),
      options           TEXT NOT NULL DEFAULT '{}',
      new_key_id        TEXT,
      new_secret_sealed BLOB,
      grace_ends_at     TEXT,
      problem           TEXT,
      problem_kind      TEXT,
      owner_pid         INTEGER,
      started_at        TEXT NOT NULL,
      updated_at        TEXT NOT NULL,
      finished_at       TEXT
    ) STRICT;
    CREATE UNIQUE INDEX rotations_one_open_per_key ON rotations(backend_id, key_id) WHERE state = 'active';

    CREATE TABLE rotation_steps (
      rotation_id INTEGER NOT NULL REFERENCES rotations(id) ON DELETE CASCADE,
      position    INTEGER NOT NULL,
      name        TEXT NOT NULL,
      status      TEXT NOT NULL CHECK (status IN ('pending', 'intent', 'done', 'skipped', 'failed', 'unknown')),
      attempts    INTEGER NOT NULL DEFAULT 0,
      at          TEXT,
      detail      TEXT,
      PRIMARY KEY (rotation_id, position),
      UNIQUE (rotation_id, name)
    ) STRICT;

    CREATE TABLE rotation_consumers (
      rotation_id INTEGER NOT NULL REFERENCES rotations(id) ON DELETE CASCADE,
      name        TEXT NOT NULL,
      switched_at TEXT,
      PRIMARY KEY (rotation_id, name)
    ) STRICT;

    CREATE TABLE key_consumers (
      backend_id INTEGER NOT NULL,
      key_id     TEXT NOT NULL,
      name       TEXT NOT NULL,
      added_at   TEXT NOT NULL,
      PRIMARY KEY (backend_id, key_id, name),
      FOREIGN KEY (backend_id, key_id) REFERENCES keys(backend_id, key_id) ON DELETE CASCADE
    ) STRICT;
  `,
};
