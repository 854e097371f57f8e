import type { Migration } from './index.js';

/**
 * What the search box searches, indexed for substring search: an FTS5 table with the trigram tokenizer (every run of
 * three characters is a token, so "ripe" finds "Stripe prod" through the index instead of a LIKE '%ripe%' scan of
 * every key). One row per key, its rowid the key's rowid (SQLite keeps a table's rowids through VACUUM and the backups'
 * page copies), with a column per searched field so a field term (`owner:ana`) matches its own column.
 *
 * Contentless (`content=''`, with `contentless_delete=1` so a row can be replaced): the text is read from `keys`, the
 * index holds only the trigrams. Kept right by triggers on `keys`, the one place every write goes through (a sync's
 * replaceInventory, a describe, a manual key, a delete, a backend removed by cascade): a rule in the schema cannot be
 * forgotten by a new workflow. An UPDATE that changes none of the searched columns (a test, a status) writes nothing here.
 *
 * The backend's name and vendor are written with each key (a backend is never renamed; its type never changes). The
 * vendor column holds the backend type (its display name in any case: "CommBox" is "commbox") and a manual key's own
 * vendor (details.vendor). The environment and each tag are written between U+0001 marks (a character neither can hold,
 * workflows/key-descriptions.ts), so `tag:prod` and `env:eu` match a whole value through the index: the phrase
 * "\u0001prod\u0001", never "production". Fields are separate columns, so a phrase never matches across two of them.
 *
 * A read-only open of a file without this migration still searches: keyConditions falls back to LIKE when the table
 * is absent (KeyTables asks once per connection), so no read shim is needed.
 */
const SEARCHED = `
  new.name,
  new.prefix,
  new.key_id,
  (SELECT name FROM backends WHERE id = new.backend_id),
  (SELECT type FROM backends WHERE id = new.backend_id) || ' ' || COALESCE(json_extract(new.details, '$.vendor'), ''),
  new.owner,
  char(1) || new.environment || char(1),
  char(1) || (SELECT group_concat(value, char(1)) FROM json_each(new.tags)) || char(1),
  new.notes`;

export const migration011KeySearchIndex: Migration = {
  version: 11,
  name: 'the searched text of every key, indexed by trigrams (FTS5)',
  readCompatible: true,
  up: `
    CREATE VIRTUAL TABLE key_search USING fts5(
      name, prefix, key_id, backend, vendor, owner, environment, tags, notes,
      tokenize = 'trigram', content = '', contentless_delete = 1
    );
    CREATE TRIGGER key_search_insert AFTER INSERT ON keys BEGIN
      INSERT INTO key_search (rowid, name, prefix, key_id, backend, vendor, owner, environment, tags, notes) VALUES (new.rowid, ${SEARCHED});
    END;
    CREATE TRIGGER key_search_delete AFTER DELETE ON keys BEGIN
      DELETE FROM key_search WHERE rowid = old.rowid;
    END;
    CREATE TRIGGER key_search_update AFTER UPDATE OF name, prefix, key_id, details, owner, environment, tags, notes ON keys
    WHEN old.name IS NOT new.name OR old.prefix IS NOT new.prefix OR old.key_id IS NOT new.key_id
      OR json_extract(old.details, '$.vendor') IS NOT json_extract(new.details, '$.vendor')
      OR old.owner IS NOT new.owner OR old.environment IS NOT new.environment OR old.tags IS NOT new.tags OR old.notes IS NOT new.notes
    BEGIN
      DELETE FROM key_search WHERE rowid = old.rowid;
      INSERT INTO key_search (rowid, name, prefix, key_id, backend, vendor, owner, environment, tags, notes) VALUES (new.rowid, ${SEARCHED});
    END;
    INSERT INTO key_search (rowid, name, prefix, key_id, backend, vendor, owner, environment, tags, notes)
      SELECT new.rowid, ${SEARCHED} FROM (SELECT rowid, * FROM keys) AS new;
  `,
};
