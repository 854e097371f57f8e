/**
 * The vault as the administrator manages it: how the data key is opened (keychain, passphrase) and
 * the one explicit way to start over.
 */
import type { LockState } from '../../../shared/domain.js';
import { toKeywardenError } from '../errors.js';
import { plural } from '../text.js';
import { VAULT_META, type VaultStatus } from '../vault/vault.js';
import type { EngineContext } from './context.js';

export class VaultWorkflows {
  constructor(private readonly ctx: EngineContext) {}

  async vaultStatus(): Promise<VaultStatus & { sealed: { keySecrets: number; credentials: number } }> {
    return { ...(await this.ctx.vault.status()), sealed: this.ctx.store.countSealed() };
  }

  /** Locks Keywarden: reveal and copy are refused, and the data key leaves memory. Locking again keeps the first time and reason. */
  lock(reason: 'manual' | 'idle' | 'screen'): LockState {
    if (!this.ctx.lock.locked) {
      this.ctx.lock = { locked: true, since: new Date().toISOString(), reason };
      this.ctx.audit('lock', null, null, 'ok', reason);
    }
    this.ctx.vault.dropKeyFromMemory();
    return this.ctx.lock;
  }

  /**
   * Unlocks by reading the data key from the keychain again (or the passphrase where there is no keychain):
   * proof that whoever unlocks can still open the vault. A folder without a vault yet has nothing to open.
   */
  async unlock(): Promise<LockState> {
    if (!this.ctx.lock.locked) return this.ctx.lock;
    try {
      if (this.ctx.vault.exists()) await this.ctx.vault.ensureReady();
    } catch (error) {
      this.ctx.audit('unlock', null, null, 'failed', toKeywardenError(error).code);
      throw error;
    }
    this.ctx.lock = { locked: false, since: null, reason: null };
    this.ctx.audit('unlock', null, null, 'ok', null);
    return this.ctx.lock;
  }

  lockState(): LockState {
    return this.ctx.lock;
  }

  /** Adds (or replaces) the passphrase that opens this data folder's key without the keychain. */
  async addPassphrase(passphrase: string): Promise<VaultStatus> {
    await this.ctx.vault.addPassphrase(passphrase);
    this.ctx.audit('vault.add-passphrase', null, null, 'ok', null);
    return this.ctx.vault.status();
  }

  async removePassphrase(): Promise<VaultStatus> {
    await this.ctx.vault.removePassphrase();
    this.ctx.audit('vault.remove-passphrase', null, null, 'ok', null);
    return this.ctx.vault.status();
  }

  /**
   * Starts the vault over: every cached secret and backend credential is dropped (they were sealed
   * under the old key), with the vault's records and its keychain entry; the inventory, dates and
   * audit trail stay. Backends then need their credentials again; CommBox secrets are cached again on
   * the next sync. The one explicit way out of a lost key, confirmed by the caller.
   */
  async resetVault(): Promise<{
    dropped: { keySecrets: number; credentials: number };
    backendsNeedingCredential: string[];
    keychainEntry: string | null;
    keychainEntryRemoved: boolean;
    keychainProblem: string | null;
  }> {
    const forgotten = await this.ctx.vault.forgetKey();
    const dropped = this.ctx.store.dropSealedRecords(Object.values(VAULT_META));
    await Promise.all([...this.ctx.connectors.keys()].map((name) => this.ctx.dropConnector(name)));
    this.ctx.audit('vault.reset', null, null, 'ok', `${plural(dropped.keySecrets, 'cached secret')} and ${plural(dropped.credentials, 'credential')} dropped`);
    return {
      dropped: { keySecrets: dropped.keySecrets, credentials: dropped.credentials },
      backendsNeedingCredential: dropped.backends,
      keychainEntry: forgotten.keychainEntry,
      keychainEntryRemoved: forgotten.removed,
      keychainProblem: forgotten.problem,
    };
  }
}
