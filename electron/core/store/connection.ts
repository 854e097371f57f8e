/**
 * The one SQLite connection every part of the store shares, and its one transaction helper. Each aggregate
 * (`backends.ts`, `keys.ts`, `audit.ts`, `reminders.ts`, `meta.ts`, `rotations.ts`) runs its queries through
 * `guard` and its multi-row writes through `transaction`; a workflow wraps calls to several aggregates in
 * `InventoryStore.transaction`, which is this one. better-sqlite3 runs a transaction begun inside another as a
 * savepoint of it, so nothing commits until the outermost one does: an action's rows and its audit event commit
 * together or not at all.
 */
import { withBackupHint } from './integrity.js';
import { type SqlDatabase, translateSqliteError } from './sqlite.js';

export class StoreConnection {
  constructor(readonly db: SqlDatabase) {}

  get path(): string {
    return this.db.path;
  }

  /** Runs `fn` in one write transaction (a savepoint when one is already open). */
  transaction<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn));
  }

  /** Runs `fn` in one read snapshot (BEGIN DEFERRED): no write lock, so a read-only connection can too. */
  readTransaction<T>(fn: () => T): T {
    return this.guard(() => this.db.readTransaction(fn));
  }

  /** Runs queries, reporting a SQLite error as a `KeywardenError` (an arrow function: aggregates pass it on). */
  readonly guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      // A damaged page met by any query (reading commands skip the check at open) names the newest good backup too.
      throw withBackupHint(translateSqliteError(error, this.db.path), this.db.path);
    }
  };
}
