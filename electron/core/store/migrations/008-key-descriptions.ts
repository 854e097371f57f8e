import type { Migration } from './index.js';

/**
 * What an administrator says about a key, beside what its vendor says: who owns it, which environment it serves,
 * free tags and notes. Columns of `keys` that no sync writes (the upsert names its columns), so a resync keeps them;
 * a key the vendor no longer lists goes with its description. `tags` is a JSON array of strings, NULL when there are
 * none. Nothing here is secret (docs/security.md): it is searched and exported as it is. A read-only look at an older
 * file (a backup, a mount) reads its keys through a TEMP view that adds the four columns, empty, since every key query
 * reads them.
 */
export const migration008KeyDescriptions: Migration = {
  version: 8,
  name: "a key's owner, environment, tags and notes",
  readCompatible: true,
  readShim: `CREATE TEMP VIEW keys AS SELECT *, NULL AS owner, NULL AS environment, NULL AS tags, NULL AS notes FROM main.keys;`,
  up: `
    ALTER TABLE keys ADD COLUMN owner TEXT;
    ALTER TABLE keys ADD COLUMN environment TEXT;
    ALTER TABLE keys ADD COLUMN tags TEXT CHECK (tags IS NULL OR json_type(tags) = 'array');
    ALTER TABLE keys ADD COLUMN notes TEXT;
    -- "owner:ana" and the health finding for keys without an owner read this.
    CREATE INDEX keys_owner ON keys(owner COLLATE NOCASE) WHERE owner IS NOT NULL;
  `,
};
