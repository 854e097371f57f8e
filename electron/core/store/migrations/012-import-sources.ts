import type { Migration } from './index.js';

/**
 * Where imported keys came from (`keywarden import`): one row per source entry and backend (a KeePass UUID, a
 * Bitwarden or 1Password id, a CSV row's name hash) with the key it became and hashes of what the import wrote (the
 * key's fields, and the sealed secret's bytes: a hash of ciphertext, nothing about the secret). A second import of the
 * same file updates those keys instead of adding copies; a key whose fields or secret no longer hash the same was
 * edited in Keywarden since, and is left alone unless the import says --overwrite. Deleting the key deletes its row.
 *
 * New table only, so an older file still reads (readCompatible).
 */
export const migration012ImportSources: Migration = {
  version: 12,
  name: 'import sources: what each imported key came from',
  readCompatible: true,
  up: `
    CREATE TABLE import_sources (
      backend_id  INTEGER NOT NULL,
      source_id   TEXT NOT NULL,
      key_id      TEXT NOT NULL,
      fields_hash TEXT NOT NULL,
      secret_hash TEXT,
      imported_at TEXT NOT NULL,
      PRIMARY KEY (backend_id, source_id),
      FOREIGN KEY (backend_id, key_id) REFERENCES keys(backend_id, key_id) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX import_sources_key ON import_sources(backend_id, key_id);
  `,
};
