/**
 * The meta table: named records, one text value each. What lives there: the administrator's settings and the desktop
 * window's place (`workflows/settings.ts`), the inventory's saved views (`workflows/saved-views.ts`), the vault's
 * records (`vault/vault.ts`: which keychain entry, the key check, the passphrase slot; none secret), the audit
 * chain's genesis (`audit-chain.ts`), and the keys written since the search index was last merged (`keys.ts`).
 * Reached as `InventoryStore.meta`.
 */
import type { StoreConnection } from './connection.js';

export class MetaRecords {
  constructor(private readonly conn: StoreConnection) {}

  get(name: string): string | null {
    return this.conn.guard(() => this.conn.db.prepare<{ value: string }>('SELECT value FROM meta WHERE name = ?').get(name)?.value ?? null);
  }

  set(name: string, value: string): void {
    this.conn.guard(() => this.conn.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value));
  }

  delete(name: string): void {
    this.conn.guard(() => this.conn.db.prepare('DELETE FROM meta WHERE name = ?').run(name));
  }

  /**
   * Writes every entry, in one transaction, only if `guard` is not yet set; returns whether it did.
   * The write lock taken by the transaction makes the check and the write one step across processes:
   * of two processes creating the vault at once, exactly one wins and the other re-reads.
   */
  setIfAbsent(guard: string, entries: Readonly<Record<string, string>>): boolean {
    return this.conn.transaction(() => {
      if (this.get(guard) !== null) return false;
      for (const [name, value] of Object.entries(entries)) this.set(name, value);
      return true;
    });
  }
}
