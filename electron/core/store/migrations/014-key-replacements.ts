import type { Migration } from './index.js';

/**
 * Which key a replacement replaces: a rotation's new key, or the key CommBox issues with a revoke. One row per
 * replacement, written in the transaction that records it (`store/keys.ts` `record`, `linkReplacement`), read both
 * ways: "Replaces" on the new key, "Replaced by" on the old one (`replaces_key_id` is indexed for that).
 *
 * The replaced key is usually deleted at the end of its rotation, so its name and prefix are kept here as they were:
 * the new key still says what it replaced once the old one is gone. The row goes with the replacement (foreign key),
 * not with the key it replaced. Nothing here is secret.
 *
 * A new table only: an older file still reads, through an empty TEMP table of the same name (`readShim`).
 */
const COLUMNS = `
      backend_id       INTEGER NOT NULL,
      key_id           TEXT NOT NULL,
      replaces_key_id  TEXT NOT NULL,
      replaces_name    TEXT NOT NULL,
      replaces_prefix  TEXT,
      recorded_at      TEXT NOT NULL`;

export const migration014KeyReplacements: Migration = {
  version: 14,
  name: 'which key a replacement replaces',
  readCompatible: true,
  readShim: `CREATE TEMP TABLE key_replacements (${COLUMNS});`,
  up: `
    CREATE TABLE key_replacements (${COLUMNS},
      PRIMARY KEY (backend_id, key_id),
      FOREIGN KEY (backend_id, key_id) REFERENCES keys(backend_id, key_id) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX key_replacements_replaced ON key_replacements(backend_id, replaces_key_id);
  `,
};
