/**
 * A keychain in memory, for tests that need secrets sealed and opened (reveal, copy) without the OS keychain: the
 * vault's behaviour is the same, only the data key lives in this Map. Tests of the keychain itself use the real one.
 *
 * It can be locked like a login keyring: `isLocked()` then says so (as the Secret Service's Locked property does),
 * and a read or write raises the "unlock prompt" and waits for it, as libsecret does (Service.Unlock, then
 * Prompt.Prompt): `prompts` counts them, and `answerPrompts()` unlocks and lets the waiting calls go on. Each call
 * records who asked (`askers`).
 */
import type { Keychain, KeychainAsker } from '../../electron/core/vault/keychain.js';

export interface MemoryKeychain extends Keychain {
  readonly entries: Map<string, string>;
  /** Locked: calls raise the unlock prompt and wait until `answerPrompts`. */
  locked: boolean;
  /** How many unlock prompts calls raised. */
  prompts: number;
  /** Who each get/set/delete was for. */
  readonly askers: Array<KeychainAsker | undefined>;
  /** The person types the password: the keyring unlocks and the waiting calls go on. */
  answerPrompts(): void;
}

export function memoryKeychain(): MemoryKeychain {
  const entries = new Map<string, string>();
  const key = (service: string, account: string) => `${service}\u0000${account}`;
  let waiting: Array<() => void> = [];
  const unlocked = async (asker: KeychainAsker | undefined) => {
    keychain.askers.push(asker);
    if (!keychain.locked) return;
    keychain.prompts += 1;
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const keychain: MemoryKeychain = {
    entries,
    locked: false,
    prompts: 0,
    askers: [],
    answerPrompts() {
      keychain.locked = false;
      const go = waiting;
      waiting = [];
      for (const resolve of go) resolve();
    },
    get: async (service, account, asker) => {
      await unlocked(asker);
      return entries.get(key(service, account)) ?? null;
    },
    set: async (service, account, value, asker) => {
      await unlocked(asker);
      entries.set(key(service, account), value);
    },
    delete: async (service, account, asker) => {
      await unlocked(asker);
      return entries.delete(key(service, account));
    },
    isLocked: async () => keychain.locked,
  };
  return keychain;
}
