import type { Migration } from './index.js';

/**
 * Indexes for the console's inventory table, which asks for one page at a time in a chosen order.
 * Without them SQLite sorts every key to return the first 100 (about 30 ms at 100k keys); with them
 * it reads the first 100 entries of an index (well under 1 ms).
 * - Soonest due first (the default): keys with no due date last, ties by backend and id, exactly
 *   the ORDER BY of `InventoryStore.queryKeys` (an index on expressions serves only an identical
 *   expression).
 * - By name, case-insensitively, ties by backend and id.
 * No data changes: a database that has run 001 gains only the two indexes, and reads the same without
 * them (a read-only copy that has not run this migration can still be listed).
 */
export const migration002InventoryOrderIndexes: Migration = {
  version: 2,
  name: 'indexes for the console inventory order: by due date and by name',
  readCompatible: true,
  up: `
    CREATE INDEX keys_due_order ON keys((next_due_at IS NULL), next_due_at, backend_id, key_id);
    CREATE INDEX keys_name_order ON keys(name COLLATE NOCASE, backend_id, key_id);
  `,
};
