import type { Migration } from './index.js';

/**
 * An index on each key's stored status, then the console's default order (soonest due first, keys without a due
 * date last, ties by backend and ID: exactly the ORDER BY of `KeyTables.query`): a status (the sidebar's filter, the
 * search box's `status:`, `vendor:commbox status:grace`) is counted from index entries instead of reading every key,
 * and its first page read in order from its own range instead of sorting every key of that status (at 100k keys,
 * "Active" sorted 80,000 rows for a page of 100; "expired", whose keys have no due date, could not be found by
 * walking the due order either: they are all at its end). The facet counts per status read this index alone.
 *
 * The status is indexed as \`status COLLATE NOCASE\` (key-rows.ts STORED_STATUS), which only the queries written for
 * this index compare: with \`status\` as it is, SQLite took it for Health's counts of open keys, which the open keys'
 * due-date index of migration 009 answers over a range of due dates, and Health at 100k keys took seconds.
 *
 * The index holds the stored status; the one status derived at read time (a manual key past its expiry reads as
 * expired, key-rows.ts EFFECTIVE_STATUS) is judged on the rows the index narrowed to, so results are the same.
 * No data changes: a file without this index reads the same (read-compatible).
 */
export const migration015KeyStatusIndex: Migration = {
  version: 15,
  name: "an index on the stored status of keys, in the console's default order",
  readCompatible: true,
  up: `
    CREATE INDEX keys_status_due_order ON keys(status COLLATE NOCASE, (next_due_at IS NULL), next_due_at, backend_id, key_id);
  `,
};
