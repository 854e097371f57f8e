import type { Migration } from './index.js';

/**
 * The searched text of every key indexed for two-character terms, which the trigram index of migration 011 cannot
 * answer (a trigram is three characters). Until now such a term was matched by LIKE on every key, read from migration
 * 017's index of the joined text: at 100k keys, 9 to 15 ms to count "al", whatever it found, against a target of 10 ms
 * for a whole search.
 *
 * The same trigram tokenizer, fed the joined text with U+0002 between every two characters: "stripe" is indexed as
 * "s\u0002t\u0002r\u0002i\u0002p\u0002e", whose trigrams are "s\u0002t", "\u0002t\u0002", "t\u0002r", ... So every pair
 * of adjacent characters is one token ("st" is the token "s\u0002t"), and a two-character term is one token looked up
 * in the index: "al" at 100k keys, 0.2 ms to name its 5,206 keys. `detail = 'none'` keeps only which keys hold a token
 * (no columns or positions: a pair is matched alone), so the index is a quarter of key_search's size. The tokenizer
 * folds case as key_search does (É finds é), so a two-character term finds what its three-character continuation
 * would, and more.
 *
 * The text is key-rows.ts JOINED_SEARCHED_TEXT's columns (name, prefix, key ID, owner, environment, tags, notes) and a
 * key's own vendor (a manual key's `details.vendor`, which key_search's vendor column holds too), U+0001 between them:
 * a term never matches across two of them. The backend's name and type are judged once per backend, as before. The spacing is
 * done by a recursive CTE in the trigger, plain SQL, so any connection that writes a key keeps the index right, with
 * no function of Keywarden's registered (PAIRED_TEXT; key-rows.ts PAIR_MARK is the mark). Kept like key_search: a
 * contentless table, one row per key whose rowid is the key's, and triggers on every insert, delete and change of a
 * searched column.
 *
 * No data changes, and a read-only look at a file without this table matches two-character terms by LIKE as before
 * (KeyTables asks once per connection): read-compatible.
 */
const JOINED = (row: string) =>
  `concat_ws(char(1), ${['name', 'prefix', 'key_id', 'owner', 'environment', 'tags', 'notes'].map((column) => `${row}.${column}`).join(', ')}, json_extract(${row}.details, '$.vendor'))`;
/**
 * How many characters one step of PAIRED_TEXT's recursion spaces out. Each step copies the rest of the text, so one
 * character a step made a key's indexing quadratic in its length (a 4,000-character note: 4,000 copies of it); sixteen
 * a step, 5,000 keys took 44 ms to space out, against 333 ms reading one character by its position each step.
 */
const CHARACTERS_PER_STEP = 16;
/**
 * The joined text with U+0002 between every two characters: each step appends the next CHARACTERS_PER_STEP characters,
 * marks between them, and drops them from `rest`. The last step finds fewer than that (substr gives '' past the end),
 * which leaves marks at the end, trimmed with the one at the start.
 */
const PAIRED_TEXT = (row: string) => {
  const spaced = Array.from({ length: CHARACTERS_PER_STEP }, (_, at) => `substr(rest, ${at + 1}, 1)`).join(' || char(2) || ');
  return `(WITH RECURSIVE spacing(rest, out) AS (SELECT ${JOINED(row)}, '' UNION ALL SELECT substr(rest, ${CHARACTERS_PER_STEP + 1}), out || char(2) || ${spaced} FROM spacing WHERE rest <> '') SELECT trim(out, char(2)) FROM spacing WHERE rest = '')`;
};

export const migration018KeyPairIndex: Migration = {
  version: 18,
  name: 'every pair of adjacent characters of the searched text indexed, for two-character search terms',
  readCompatible: true,
  up: `
    CREATE VIRTUAL TABLE key_pairs USING fts5(text, tokenize = 'trigram', content = '', contentless_delete = 1, detail = 'none');
    CREATE TRIGGER key_pairs_insert AFTER INSERT ON keys BEGIN
      INSERT INTO key_pairs (rowid, text) VALUES (new.rowid, ${PAIRED_TEXT('new')});
    END;
    CREATE TRIGGER key_pairs_delete AFTER DELETE ON keys BEGIN
      DELETE FROM key_pairs WHERE rowid = old.rowid;
    END;
    CREATE TRIGGER key_pairs_update AFTER UPDATE OF name, prefix, key_id, details, owner, environment, tags, notes ON keys
    WHEN old.name IS NOT new.name OR old.prefix IS NOT new.prefix OR old.key_id IS NOT new.key_id
      OR json_extract(old.details, '$.vendor') IS NOT json_extract(new.details, '$.vendor')
      OR old.owner IS NOT new.owner OR old.environment IS NOT new.environment OR old.tags IS NOT new.tags OR old.notes IS NOT new.notes
    BEGIN
      DELETE FROM key_pairs WHERE rowid = old.rowid;
      INSERT INTO key_pairs (rowid, text) VALUES (new.rowid, ${PAIRED_TEXT('new')});
    END;
    INSERT INTO key_pairs (rowid, text) SELECT new.rowid, ${PAIRED_TEXT('new')} FROM (SELECT rowid, * FROM keys) AS new;
    INSERT INTO key_pairs (key_pairs) VALUES ('optimize');
  `,
};
