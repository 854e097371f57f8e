import { redactKeyShapes } from '../../redact.js';
import type { SqlDatabase } from '../sqlite.js';
import type { Migration } from './index.js';

/**
 * Vendor error text stored before it was redacted: a vendor that echoed the bearer token or a key in an error put
 * it into a backend's last error (shown by `backend list` and the console, copied into every backup), a rotation's
 * problem or a journal step's detail. Each such value is rewritten with everything key-shaped taken out
 * (redact.ts); the backend's own credential, which only the vault can open, is taken out by shape like any key.
 * `secure_delete` zeroes the old bytes SQLite frees while rewriting a value, so they are not left in the page (and
 * copied into the next backup). The audit trail is left as it is: its events are hash-chained, and rewriting one
 * would break the chain (docs/security.md says so). No schema change, so an older file still reads (readCompatible).
 */
export const migration007RedactVendorText: Migration = {
  version: 7,
  name: 'vendor error text stored without anything shaped like a key',
  readCompatible: true,
  up: '',
  run: redactStoredVendorText,
};

const COLUMNS: ReadonlyArray<{ table: string; column: string }> = [
  { table: 'backends', column: 'last_error' },
  { table: 'rotations', column: 'problem' },
  { table: 'rotation_steps', column: 'detail' },
];

function redactStoredVendorText(db: SqlDatabase): void {
  db.pragma('secure_delete = ON');
  try {
    for (const { table, column } of COLUMNS) {
      const update = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`);
      for (const row of db.prepare<{ id: number; text: string }>(`SELECT rowid AS id, ${column} AS text FROM ${table} WHERE ${column} IS NOT NULL`).all()) {
        const redacted = redactKeyShapes(row.text);
        if (redacted !== row.text) update.run(redacted, row.id);
      }
    }
  } finally {
    db.pragma('secure_delete = OFF');
  }
}
