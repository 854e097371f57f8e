import type { Migration } from './index.js';

/**
 * A data folder linked to a team inventory on PostgreSQL (docs/team.md): one row at most. It holds the team's id and
 * schema, the database URL (never with a password: refused before it gets here), this member's PostgreSQL role and
 * X25519 public key, the private key sealed by this data folder's vault, and the pull cursors: the team's change
 * sequence up to which the inventory, and the secrets, were copied. Number 013: 008 to 012 are other branches' (the
 * runner applies what is above the file's version, so they must be merged in order before a file reaches 13). New
 * table only (readCompatible): an older file read-only is simply not a team home.
 */
export const migration013TeamLink: Migration = {
  version: 13,
  name: 'team link: the team inventory this data folder copies',
  readCompatible: true,
  up: `
    CREATE TABLE team_link (
      only               INTEGER PRIMARY KEY CHECK (only = 1),
      team_id            TEXT NOT NULL,
      team               TEXT NOT NULL,
      database_url       TEXT NOT NULL,
      member             TEXT NOT NULL,
      public_key         BLOB NOT NULL,
      private_key_sealed BLOB NOT NULL,
      linked_at          TEXT NOT NULL,
      inventory_seq      INTEGER NOT NULL DEFAULT 0,
      secrets_seq        INTEGER NOT NULL DEFAULT 0,
      pulled_at          TEXT
    ) STRICT;
  `,
};
