/**
 * The vault as the administrator manages it: how the data key is opened (keychain, passphrase) and
 * the one explicit way to start over. Also the vault's view of the store (`vaultRecords`, `countSealed`,
 * `dropSealedRecords`): its own records, and everything sealed under its key, across backends and keys.
 */
import type { LockState } from '../../../shared/domain.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import { plural } from '../text.js';
import { type LockReason, VAULT_META, type VaultStatus } from '../vault/vault.js';
import type { BackendRow, InventoryStore } from '../store/store.js';
import type { VaultMetaStore } from '../vault/vault.js';
import type { EngineContext } from './context.js';

/** How many secrets the backfill opens per step: it yields between steps, so an operation under way is not held up. */
const BACKFILL_BATCH = 200;

export class VaultWorkflows {
  /** The fingerprint backfill under way, or done, in this process (it runs once: see `backfillFingerprints`). */
  private backfill: Promise<number> | null = null;

  constructor(private readonly ctx: EngineContext) {}

  /**
   * Gives a fingerprint to every cached secret that has none (cached before migration 009), so Health can find the
   * same secret under two keys. Runs once per process, in the background, the first time the data key comes into
   * memory (any operation that opens or seals a secret, or an unlock: `Vault.onKeyReady`), since it must open each
   * secret; never from a read-only process. A secret that does not open keeps no fingerprint. Batches of
   * BACKFILL_BATCH, yielding between them; each batch commits on its own, so a process that ends early leaves the
   * rest to the next one. Resolves to how many fingerprints it wrote; `settled` waits for it before the store closes.
   */
  backfillFingerprints(): Promise<number> {
    if (this.backfill) return this.backfill;
    this.backfill = (async () => {
      if (this.ctx.store.readOnly) return 0;
      let written = 0;
      const skipped = new Set<string>();
      const rows = new Map<number, BackendRow>(this.ctx.store.backends.list().map((row) => [row.id, row]));
      for (;;) {
        // Yield first: the operation that brought the key in goes on before any of this.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = this.ctx.store.keys.secretsWithoutFingerprint(BACKFILL_BATCH + skipped.size).filter((entry) => !skipped.has(`${entry.backendId}/${entry.keyId}`));
        if (batch.length === 0) break;
        const records = batch.slice(0, BACKFILL_BATCH).map((entry) => {
          return { ...entry, identity: this.ctx.keySecretIdentity(rows.get(entry.backendId)!, entry.keyId) };
        });
        const fingerprints = await this.ctx.vault.fingerprintsOf(records);
        const done = records.flatMap((record, index) => {
          const fingerprint = fingerprints[index];
          if (!fingerprint) skipped.add(`${record.backendId}/${record.keyId}`);
          return fingerprint ? [{ ...record, fingerprint }] : [];
        });
        written += this.ctx.store.keys.setFingerprints(done);
      }
      if (written > 0) this.ctx.audit('vault.fingerprint', null, null, 'ok', `${plural(written, 'cached secret')} fingerprinted for Health`);
      return written;
    })().catch(() => {
      // Locked, the keychain gone, the store closed: the secrets keep no fingerprint until a later process tries again.
      return 0;
    });
    return this.backfill;
  }

  /** Waits for the backfill under way, if any (the engine, before it closes the store). */
  async settled(): Promise<void> {
    await this.backfill;
  }

  async vaultStatus(): Promise<VaultStatus & { sealed: { keySecrets: number; credentials: number; alertSecrets: number } }> {
    return { ...(await this.ctx.vault.status()), sealed: countSealed(this.ctx.store) };
  }

  /**
   * Locks Keywarden: every use of the data key is refused until unlocked (reveal, copy, test, create, revoke,
   * sync), and the key leaves memory, overwritten, once the operations under way are done. Locking again keeps
   * the first time and reason.
   */
  lock(reason: LockReason): LockState {
    const wasLocked = this.ctx.vault.locked;
    const state = this.ctx.vault.lock(reason);
    if (!wasLocked) this.ctx.audit('lock', null, null, 'ok', reason);
    return state;
  }

  /**
   * Unlocks, proving that whoever unlocks can still open the vault: with the passphrase where this data folder has
   * one, else by reading the data key from the keychain again. Failures are audited; a wrong passphrase stays locked.
   */
  async unlock(passphrase?: string): Promise<LockState> {
    if (!this.ctx.vault.locked && passphrase === undefined) return this.ctx.vault.lockStatus();
    try {
      const state = await this.ctx.vault.unlock(passphrase);
      this.ctx.audit('unlock', null, null, 'ok', passphrase === undefined ? null : 'with the passphrase');
      return state;
    } catch (error) {
      this.ctx.audit('unlock', null, null, 'failed', toKeywardenError(error).code);
      throw error;
    }
  }

  lockState(): LockState {
    return this.ctx.vault.lockStatus();
  }

  /** Adds (or replaces) the passphrase that opens this data folder's key without the keychain. */
  async addPassphrase(passphrase: string): Promise<VaultStatus> {
    await this.ctx.vault.addPassphrase(passphrase);
    this.ctx.audit('vault.add-passphrase', null, null, 'ok', null);
    return this.ctx.vault.status();
  }

  /**
   * Adds a passphrase, or replaces the one this data folder has: replacing needs the current one, checked against
   * the passphrase slot before anything changes (the console's dialog; `vault add-passphrase` in a terminal is
   * `addPassphrase`). A wrong current passphrase is audited as a failure, never with what was typed.
   */
  async changePassphrase(passphrase: string, current?: string): Promise<VaultStatus> {
    if (this.ctx.vault.unlockWith() === 'passphrase') {
      if (this.ctx.vault.locked) throw new KeywardenError('locked', 'Keywarden is locked: unlock it with the current passphrase, then change it');
      if (current === undefined) throw new KeywardenError('invalid_input', 'this data folder has a passphrase: give the current one to change it');
      try {
        await this.ctx.vault.unlock(current);
      } catch (error) {
        const typed = toKeywardenError(error);
        this.ctx.audit('vault.add-passphrase', null, null, 'failed', typed.code === 'invalid_input' ? 'the current passphrase was wrong' : typed.code);
        if (typed.code === 'invalid_input') throw new KeywardenError('invalid_input', 'the current passphrase is not right: nothing was changed');
        throw error;
      }
    }
    return this.addPassphrase(passphrase);
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
   *
   * In a team home the member's private key (which opens the team key) is sealed under the data key too: a reset would
   * leave the folder linked to a team it can no longer read. It is refused unless `leaveTeam`, which unlinks the folder
   * in the same transaction (the copied inventory stays, as after `team leave`; the team still lists the member until
   * an admin removes them, which also rotates the team key).
   */
  async resetVault(options: { leaveTeam?: boolean } = {}): Promise<{
    dropped: { keySecrets: number; credentials: number; alertSecrets: number };
    backendsNeedingCredential: string[];
    keychainEntry: string | null;
    keychainEntryRemoved: boolean;
    keychainProblem: string | null;
    /** The team this folder was unlinked from (`leaveTeam`), or null for a personal folder. */
    leftTeam: { team: string; member: string } | null;
  }> {
    const link = this.ctx.store.team.get();
    if (link && !options.leaveTeam) {
      throw new KeywardenError(
        'conflict',
        `this data folder is the home of team "${link.team}" (as ${link.member}): your member key, which opens the team's secrets, is sealed under the data key, and a reset would leave the folder unable to read them. Run "keywarden team leave" first, or reset with --leave-team to unlink this folder now (an admin then runs "keywarden team remove ${link.member}"), and join again with "keywarden team join"`,
        { team: link.team, member: link.member },
      );
    }
    // The sealed records and the vault's meta rows go in one transaction first; the keychain entry only after it committed.
    const forgotten = await this.ctx.vault.forgetKey(() =>
      this.ctx.store.transaction(() => {
        if (link) this.ctx.store.team.delete();
        return dropSealedRecords(this.ctx.store);
      }),
    );
    const dropped = forgotten.dropped;
    await this.ctx.dropAllConnectors();
    this.ctx.audit(
      'vault.reset',
      null,
      null,
      'ok',
      `${plural(dropped.keySecrets, 'cached secret')}, ${plural(dropped.credentials, 'credential')} and ${plural(dropped.alertChannels.length, 'alert channel secret')} dropped${link ? `; unlinked from team ${link.team}` : ''}`,
    );
    return {
      dropped: { keySecrets: dropped.keySecrets, credentials: dropped.credentials, alertSecrets: dropped.alertChannels.length },
      backendsNeedingCredential: dropped.backends,
      keychainEntry: forgotten.keychainEntry,
      keychainEntryRemoved: forgotten.removed,
      keychainProblem: forgotten.problem,
      leftTeam: link ? { team: link.team, member: link.member } : null,
    };
  }
}

/** The vault's records in the store's meta table, and whether anything is sealed under its key (a missing key is then reported, never replaced). */
export function vaultRecords(store: InventoryStore): VaultMetaStore {
  return {
    getMeta: (name) => store.meta.get(name),
    setMeta: (name, value) => store.meta.set(name, value),
    deleteMeta: (name) => store.meta.delete(name),
    setMetaIfAbsent: (guard, entries) => store.meta.setIfAbsent(guard, entries),
    // A team member's private key is sealed too: a new data key would orphan it.
    hasAnySealedRecord: () => store.keys.countSecrets() > 0 || store.backends.countCredentials() > 0 || store.alerts.countSecrets() > 0 || store.team.get() !== null,
  };
}

/** How many secrets, backend credentials and alert channel secrets are sealed under the data key (for `vault status`). */
function countSealed(store: InventoryStore): { keySecrets: number; credentials: number; alertSecrets: number } {
  return { keySecrets: store.keys.countSecrets(), credentials: store.backends.countCredentials(), alertSecrets: store.alerts.countSecrets() };
}

/**
 * `vault reset`: forgets everything sealed under the old data key, and the vault's own records, in one transaction.
 * The inventory (keys, dates, audit) stays; backends lose their credentials, and alert channels their secrets.
 */
function dropSealedRecords(store: InventoryStore): { keySecrets: number; credentials: number; backends: string[]; alertChannels: string[] } {
  return store.transaction(() => {
    const keySecrets = store.keys.dropAllSecrets();
    const backends = store.backends.dropAllCredentials();
    const alertChannels = store.alerts.dropAllSecrets('its secret was dropped by "keywarden vault reset": remove the channel and add it again');
    for (const name of Object.values(VAULT_META)) store.meta.delete(name);
    return { keySecrets, credentials: backends.length, backends, alertChannels };
  });
}
