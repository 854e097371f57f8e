/**
 * The vault's meta records (`VaultMetaStore`) in memory, for vault tests that need no SQLite file. Whether sealed
 * records exist elsewhere in the store is the test's to say (`sealedRecords`), since no record is sealed here.
 */
import type { VaultMetaStore } from '../../electron/core/vault/vault.js';

export class MemoryMeta implements VaultMetaStore {
  readonly values = new Map<string, string>();
  sealedRecords = false;
  getMeta(name: string): string | null {
    return this.values.get(name) ?? null;
  }
  setMeta(name: string, value: string): void {
    this.values.set(name, value);
  }
  deleteMeta(name: string): void {
    this.values.delete(name);
  }
  setMetaIfAbsent(guard: string, entries: Readonly<Record<string, string>>): boolean {
    if (this.values.has(guard)) return false;
    for (const [name, value] of Object.entries(entries)) this.values.set(name, value);
    return true;
  }
  hasAnySealedRecord(): boolean {
    return this.sealedRecords;
  }
}
