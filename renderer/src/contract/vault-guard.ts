/**
 * One place where the console learns that the vault wants its passphrase: where no OS keychain holds the data key
 * (a jump host, WSL, an SSH session), the engine answers a Reveal, Copy, Test, Create or Sync with `vault_locked`
 * (and `unlockWith: passphrase`), or an Unlock with `passphrase_required`. Whatever view made the call, the shell
 * opens its passphrase dialog, and the view shows a short console message instead of the CLI's advice about
 * KEYWARDEN_PASSPHRASE_FILE. Every method of the client passes through; nothing else is changed.
 */
import type { ContractClient } from '../../../shared/contract.js';

/** The message a view shows for the refused call: what to do here, in the console. */
export const PASSPHRASE_NEEDED_MESSAGE = "This needs the data folder's passphrase (no OS keychain holds its key here): enter it in the dialog, then try again.";

export function needsPassphrase(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, details } = error as { code?: unknown; details?: { unlockWith?: unknown } };
  return code === 'passphrase_required' || (code === 'vault_locked' && details?.unlockWith === 'passphrase');
}

/** The client, each method wrapped: a passphrase refusal calls `onPassphraseNeeded` and is re-thrown in the console's words. */
export function guardVault(client: ContractClient, onPassphraseNeeded: () => void): ContractClient {
  const guarded: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, call] of Object.entries(client) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
    guarded[name] = async (...args) => {
      try {
        return await call(...args);
      } catch (error) {
        if (!needsPassphrase(error)) throw error;
        onPassphraseNeeded();
        throw Object.assign(new Error(PASSPHRASE_NEEDED_MESSAGE), { code: (error as { code: string }).code });
      }
    };
  }
  return guarded as ContractClient;
}
