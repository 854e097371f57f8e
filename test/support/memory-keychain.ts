/**
 * A keychain in memory, for tests that need secrets sealed and opened (reveal, copy) without the OS keychain: the
 * vault's behaviour is the same, only the data key lives in this Map. Tests of the keychain itself use the real one.
 */
import type { Keychain } from '../../electron/core/vault/keychain.js';

export function memoryKeychain(): Keychain & { readonly entries: Map<string, string> } {
  const entries = new Map<string, string>();
  const key = (service: string, account: string) => `${service}\u0000${account}`;
  return {
    entries,
    get: async (service, account) => entries.get(key(service, account)) ?? null,
    set: async (service, account, value) => {
      entries.set(key(service, account), value);
    },
    delete: async (service, account) => entries.delete(key(service, account)),
    isLocked: async () => false,
  };
}
