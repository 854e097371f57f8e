import type { Migration } from './index.js';

/**
 * Indexes for the console's audit view and the key detail's history, which ask for the newest events of one
 * key, one backend or one action. The trail only grows (every reveal, copy, test and sync is an event), so
 * without them each filter reads the whole table from the newest end until it has found `limit` matches, or
 * to the start when there are fewer. With `id` as the index's second column, SQLite walks only the matching
 * entries, newest first. No data changes, so an older file still reads (readCompatible).
 */
export const migration003AuditFilterIndexes: Migration = {
  version: 3,
  name: 'indexes for the audit trail filtered by key, backend or action',
  readCompatible: true,
  up: `
    CREATE INDEX audit_by_ref ON audit(ref, id);
    CREATE INDEX audit_by_backend ON audit(backend, id);
    CREATE INDEX audit_by_action ON audit(action, id);
  `,
};
