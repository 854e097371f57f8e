/**
 * Envelope encryption of secrets at rest.
 *
 * A random 256-bit data key, one per data folder (so two `--home` folders never share or overwrite
 * each other's key), opens every sealed record. It can be opened two ways:
 * - the OS keychain (the default): service "Keywarden", account `data-key:<vault id>`;
 * - an optional passphrase slot: the same data key wrapped with AES-256-GCM under a key derived from a
 *   passphrase with scrypt, for machines without an unlocked Secret Service (SSH, cron, containers,
 *   WSL) and as a way back when the keychain entry is lost. The passphrase itself is never stored.
 *
 * Every secret is sealed with AES-256-GCM under the data key, with a fresh 96-bit nonce per write and
 * the record's identity as associated data: a sealed blob copied onto another record, or another data
 * folder, fails to open instead of decrypting as the wrong thing.
 *
 * Sealed layout: version (1 byte) | nonce (12) | tag (16) | ciphertext.
 *
 * A key's secret is sealed with its **fingerprint** (`sealSecret`): HMAC-SHA256 of the secret under a fingerprint key
 * derived from the data key with HKDF-SHA256 (info "keywarden secret fingerprint v1"). The same secret under two keys
 * has the same fingerprint, so Health finds it from the store alone, never comparing plaintext; without the data key
 * a fingerprint cannot be tested against a guess (an unkeyed hash of a short secret could). The fingerprint key is
 * derived for each use and overwritten after it, never stored; a fingerprint is never shown.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomUUID, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import type { LockState } from '../../../shared/domain.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import type { Keychain, KeychainAsker } from './keychain.js';

export const KEYCHAIN_SERVICE = 'Keywarden';
const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_PLAINTEXT = 'keywarden-data-key-check';
/** HKDF's info for the fingerprint key: a new version of the fingerprint gets a new info, never a reused key. */
const FINGERPRINT_INFO = 'keywarden secret fingerprint v1';

/** A key's secret as the store keeps it: sealed, with its keyed fingerprint (see the header). */
export interface SealedSecret {
  sealed: Buffer;
  fingerprint: Buffer;
}

/** The vault's own records in the store's meta table. None of them is secret. */
export const VAULT_META = {
  id: 'vault_id',
  /** The data key's known-plaintext check; its presence is what "the vault exists" means. */
  check: 'vault_check',
  passphraseSlot: 'vault_passphrase_slot',
} as const;

/**
 * scrypt at N = 2^17, r = 8, p = 1 costs 128 MiB and about 0.4 s on a 2-core machine: dear for an
 * attacker trying passphrases offline, tolerable once per command. The parameters are stored with
 * each slot, so they can be raised later without breaking existing slots.
 */
export const DEFAULT_KDF: KdfParams = { N: 2 ** 17, r: 8, p: 1 };
export const MIN_PASSPHRASE_LENGTH = 12;

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

interface PassphraseSlot extends KdfParams {
  version: 1;
  kdf: 'scrypt';
  salt: string;
  wrapped: string;
}

/** Where the vault keeps its non-secret facts: which keychain entry is ours, the key check, the passphrase slot. */
export interface VaultMetaStore {
  getMeta(name: string): string | null;
  setMeta(name: string, value: string): void;
  deleteMeta(name: string): void;
  /** Writes all entries in one transaction only if `guard` is unset; false when another process got there first. */
  setMetaIfAbsent(guard: string, entries: Readonly<Record<string, string>>): boolean;
  /** True once anything sealed exists, so a missing data key is reported instead of silently replaced. */
  hasAnySealedRecord(): boolean;
}

/**
 * Supplies the data folder's passphrase when the keychain cannot open the data key (or cannot store a
 * new one): from the file named by KEYWARDEN_PASSPHRASE_FILE, or a prompt at a terminal. Null when
 * none can be had (a script without the variable): the caller then reports the keychain problem.
 */
export type PassphraseSource = (purpose: 'open' | 'create') => Promise<string | null>;

export type KeychainState = 'holds-key' | 'missing' | 'locked' | 'unavailable' | 'wrong-key';

export interface VaultStatus {
  /** False until the first secret is sealed in this data folder. */
  created: boolean;
  vaultId: string | null;
  keychainEntry: string | null;
  keychain: KeychainState | null;
  /** The keychain's own explanation when it is locked or unreachable. */
  keychainDetail: string | null;
  passphraseSlot: (KdfParams & { kdf: 'scrypt' }) | null;
}

/**
 * Who is asking for the data key, for the whole of an operation (a sync reaches the vault through the engine and its
 * workflows, which need not know): a person, by default, or background work (the desktop app's background sync),
 * which never raises the keychain's unlock prompt nor waits on one. The keychain is told on each call (keychain.ts).
 */
const asking = new AsyncLocalStorage<KeychainAsker>();

/**
 * Runs `work` as background work: where the data key is not in memory and the OS keyring is locked, the vault
 * refuses at once (`keychain_locked`, details `{ asker: 'background' }`) instead of reading the keychain, which would
 * put the unlock prompt in front of someone who did not ask for anything.
 */
export function asBackgroundWork<T>(work: () => Promise<T>): Promise<T> {
  return asking.run('background', work);
}

/** Who the operation under way is for. */
export function currentAsker(): KeychainAsker {
  return asking.getStore() ?? 'person';
}

/** Why Keywarden was locked: the administrator's Lock, idle time, or the screen lock. */
export type LockReason = NonNullable<LockState['reason']>;

/** The data key in memory, with the check value it was proven against (so a key whose vault was reset is noticed). */
interface LoadedKey {
  key: Buffer;
  check: string;
  /** Set when the key was overwritten: a caller that awaited it just before a lock must not seal with zeros. */
  wiped?: true;
}

export class Vault {
  private loaded: LoadedKey | null = null;
  private pending: Promise<LoadedKey> | null = null;
  /** Bumped by every lock and reset, so a keychain read that finishes afterwards is not kept. */
  private generation = 0;
  private lockState: { locked: boolean; since: string | null; reason: LockReason | null } = { locked: false, since: null, reason: null };
  /**
   * The key an operation under way holds (see `hold`): a lock that arrives mid-operation refuses every new use
   * of the key, but this operation finishes with it, so a vendor's shown-once answer is still sealed.
   */
  private readonly held = new AsyncLocalStorage<{ loaded: LoadedKey }>();
  private holders = 0;

  constructor(
    private readonly meta: VaultMetaStore,
    private readonly keychain: Keychain,
    private readonly passphrase: PassphraseSource = async () => null,
    private readonly kdf: KdfParams = DEFAULT_KDF,
  ) {}

  /** The keychain account name of this data folder's key, or null before the vault exists. */
  get keychainAccount(): string | null {
    const vaultId = this.meta.getMeta(VAULT_META.id);
    return vaultId && this.meta.getMeta(VAULT_META.check) ? accountOf(vaultId) : null;
  }

  /**
   * Reads (or creates) the data key now, so a keychain problem is found before anything depends on it. Operations
   * that receive a shown-once secret use `hold` instead, which also keeps the key until they are done.
   */
  async ensureReady(): Promise<void> {
    await this.key();
  }

  /**
   * Runs `operation` holding the data key from start to end: it is read (or created) first, so a vault problem is
   * found before the operation sends anything, and a lock that comes while the operation runs (the screen locks in
   * the middle of a create) waits for it: every new use of the key is refused at once, but this operation still
   * seals what the vendor answered, and the key is wiped from memory when the last holder is done.
   */
  async hold<T>(operation: () => Promise<T>): Promise<T> {
    const current = this.held.getStore();
    if (current) return operation();
    const loaded = await this.current();
    this.holders += 1;
    try {
      return await this.held.run({ loaded }, operation);
    } finally {
      this.holders -= 1;
      if (this.holders === 0 && this.lockState.locked) this.wipe();
    }
  }

  get locked(): boolean {
    return this.lockState.locked;
  }

  /** What unlocking needs: the passphrase where this data folder has one, else the OS keychain; null before the vault exists. */
  unlockWith(): LockState['unlockWith'] {
    if (!this.exists()) return null;
    return this.meta.getMeta(VAULT_META.passphraseSlot) ? 'passphrase' : 'keychain';
  }

  lockStatus(): LockState {
    return { ...this.lockState, unlockWith: this.unlockWith() };
  }

  /**
   * Locks: from now on every use of the data key is refused (`locked`) until `unlock`, and the key leaves memory,
   * overwritten, as soon as no operation under way holds it. Locking again keeps the first time and reason.
   */
  lock(reason: LockReason): LockState {
    if (!this.lockState.locked) this.lockState = { locked: true, since: new Date().toISOString(), reason };
    this.generation += 1;
    this.pending = null;
    if (this.holders === 0) this.wipe();
    return this.lockStatus();
  }

  /**
   * Unlocks, proving again that whoever unlocks can open the vault. Where this data folder has a passphrase, it is
   * required (even when the keychain would answer without asking: the passphrase is what the lock then protects);
   * otherwise the data key is read from the OS keychain again (which asks only where the OS keyring is locked).
   * Also the way a console without a keychain opens the vault with its passphrase, locked or not.
   */
  async unlock(passphrase?: string): Promise<LockState> {
    if (this.exists()) {
      const slot = this.readSlot();
      if (slot && passphrase === undefined) {
        throw new KeywardenError('passphrase_required', "this data folder's passphrase is needed to unlock Keywarden", { unlockWith: 'passphrase' });
      }
      if (!slot && passphrase !== undefined) throw new KeywardenError('invalid_input', 'this data folder has no passphrase: unlocking reads its key from the OS keychain');
      const vaultId = this.meta.getMeta(VAULT_META.id)!;
      const check = this.meta.getMeta(VAULT_META.check)!;
      const key = slot ? await unwrapWithPassphrase(slot, vaultId, check, passphrase!) : await this.openExisting(vaultId, check);
      this.generation += 1;
      this.pending = null;
      if (this.holders === 0) this.wipe();
      this.loaded = { key, check };
    }
    this.lockState = { locked: false, since: null, reason: null };
    if (this.loaded) this.onKeyReady?.();
    return this.lockStatus();
  }

  async seal(recordIdentity: string, plaintext: string): Promise<Buffer> {
    return sealWith(await this.key(), recordIdentity, plaintext);
  }

  /** A key's secret, sealed, with its fingerprint (the header): what `store.keys` takes, so no secret is cached without one. */
  async sealSecret(recordIdentity: string, plaintext: string): Promise<SealedSecret> {
    const key = await this.key();
    return { sealed: sealWith(key, recordIdentity, plaintext), fingerprint: fingerprintsWith(key, [plaintext])[0]! };
  }

  /**
   * `sealSecret` for many secrets (a team's pull re-seals every secret it brings): the data key read and the
   * fingerprint key derived once for the batch, not once per secret. `plaintextOf` gives each item's secret as it is
   * sealed (a team record opened then), so no list of plaintexts is ever made.
   */
  async sealSecrets<T>(items: readonly T[], plaintextOf: (item: T) => { identity: string; plaintext: string }): Promise<SealedSecret[]> {
    if (items.length === 0) return [];
    const key = await this.key();
    return withFingerprintKey(key, (fingerprint) =>
      items.map((item) => {
        const { identity, plaintext } = plaintextOf(item);
        return { sealed: sealWith(key, identity, plaintext), fingerprint: fingerprint(plaintext) };
      }),
    );
  }

  /**
   * The fingerprints of secrets cached before fingerprints existed (the backfill, workflows/vault.ts): each record
   * opened and fingerprinted here, its plaintext never handed out. A record that does not open gives null (it stays
   * without one; `reveal` reports it as it always did).
   */
  async fingerprintsOf(records: ReadonlyArray<{ identity: string; sealed: Buffer }>): Promise<Array<Buffer | null>> {
    const key = await this.key();
    const plaintexts = records.map(({ identity, sealed }) => {
      try {
        return openWith(key, identity, sealed);
      } catch {
        return null;
      }
    });
    const fingerprints = fingerprintsWith(
      key,
      plaintexts.filter((text): text is string => text !== null),
    );
    let next = 0;
    return plaintexts.map((text) => (text === null ? null : fingerprints[next++]!));
  }

  /**
   * Called each time a data key comes into memory (read from the keychain or a passphrase, created, unlocked): the
   * engine runs the fingerprint backfill then, once per process, since it needs the key.
   */
  onKeyReady: (() => void) | null = null;

  async open(recordIdentity: string, sealed: Buffer): Promise<string> {
    const key = await this.key();
    try {
      return openWith(key, recordIdentity, sealed);
    } catch {
      throw new KeywardenError(
        'vault_key_mismatch',
        `a cached secret (${recordIdentity.split('\n')[0]}) cannot be decrypted: it was altered, sealed for another record, or the backend's URL, type or test target was changed in the database since it was stored`,
        { record: recordIdentity.split('\n')[0]! },
      );
    }
  }

  /** What `keywarden vault status` shows. Never creates anything and never asks for the passphrase. */
  async status(): Promise<VaultStatus> {
    const vaultId = this.meta.getMeta(VAULT_META.id);
    const check = this.meta.getMeta(VAULT_META.check);
    const slot = this.readSlot();
    const passphraseSlot = slot ? { kdf: slot.kdf, N: slot.N, r: slot.r, p: slot.p } : null;
    if (!vaultId || !check) return { created: false, vaultId: null, keychainEntry: null, keychain: null, keychainDetail: null, passphraseSlot };
    const probe = await this.readKeychain(vaultId, check);
    return {
      created: true,
      vaultId,
      keychainEntry: `${KEYCHAIN_SERVICE} / ${accountOf(vaultId)}`,
      keychain: probe.state,
      keychainDetail: probe.problem?.message ?? null,
      passphraseSlot,
    };
  }

  /**
   * Adds (or replaces) the passphrase slot. The data key is opened first (or created, when this data
   * folder has none yet); a passphrase never creates a second key.
   */
  async addPassphrase(passphrase: string): Promise<void> {
    checkPassphraseStrength(passphrase);
    if (this.lockState.locked) {
      // From the lock screen ("require a passphrase to unlock"): allowed only where the OS keychain alone guards this
      // folder, since it hands the key over without asking anyway; Keywarden stays locked, and now unlocks with it.
      // Where a passphrase exists, changing it needs that passphrase: unlock first.
      const vaultId = this.meta.getMeta(VAULT_META.id);
      const check = this.meta.getMeta(VAULT_META.check);
      if (!vaultId || !check || this.readSlot()) throw new KeywardenError('locked', 'Keywarden is locked: unlock it with the current passphrase to change it');
      const key = await this.openExisting(vaultId, check);
      try {
        this.meta.setMeta(VAULT_META.passphraseSlot, JSON.stringify(await wrapWithPassphrase(key, vaultId, passphrase, this.kdf)));
      } finally {
        key.fill(0);
      }
      return;
    }
    if (!this.meta.getMeta(VAULT_META.check)) {
      // A new data folder: create the key with this passphrase as (one of) its ways in.
      this.remember(await this.create(passphrase), this.generation);
      if (this.readSlot()) return;
    }
    // A copy: the key derivation takes a while, and a lock meanwhile overwrites the vault's own buffer.
    const key = Buffer.from(await this.key());
    const vaultId = this.meta.getMeta(VAULT_META.id)!;
    try {
      this.meta.setMeta(VAULT_META.passphraseSlot, JSON.stringify(await wrapWithPassphrase(key, vaultId, passphrase, this.kdf)));
    } finally {
      key.fill(0);
    }
  }

  /** Removes the passphrase slot, only while the keychain holds the key: it must never remove the last way in. */
  async removePassphrase(): Promise<void> {
    const status = await this.status();
    if (!status.passphraseSlot) throw new KeywardenError('invalid_input', 'this data folder has no passphrase');
    if (status.keychain !== 'holds-key') {
      throw new KeywardenError(
        'invalid_input',
        `the OS keychain does not hold this data folder's key (${status.keychain}); without the passphrase nothing could open the cached secrets, so it stays`,
      );
    }
    this.meta.deleteMeta(VAULT_META.passphraseSlot);
  }

  /** Whether this data folder has a vault yet (a data key was created for it). */
  exists(): boolean {
    return this.meta.getMeta(VAULT_META.id) !== null;
  }

  /** Overwrites the data key in memory and lets it go; callers make sure no operation under way holds it. */
  private wipe(): void {
    if (this.loaded) {
      this.loaded.key.fill(0);
      this.loaded.wiped = true;
    }
    this.loaded = null;
  }

  /**
   * `vault reset`: forgets the key in memory, runs `dropRecords` (the caller's transaction that drops the sealed
   * records and the vault's meta rows), and only once that has committed deletes the keychain entry: a reset whose
   * database write fails leaves a vault that still opens. Returns the entry, and whether it was removed: a locked
   * or absent keychain leaves it, and the administrator is told.
   */
  async forgetKey<T>(dropRecords: () => T): Promise<{ keychainEntry: string | null; removed: boolean; problem: string | null; dropped: T }> {
    const vaultId = this.meta.getMeta(VAULT_META.id);
    const dropped = dropRecords();
    this.generation += 1;
    this.pending = null;
    if (this.holders === 0) this.wipe();
    else this.loaded = null;
    if (!vaultId) return { keychainEntry: null, removed: false, problem: null, dropped };
    const entry = `${KEYCHAIN_SERVICE} / ${accountOf(vaultId)}`;
    try {
      return { keychainEntry: entry, removed: await this.keychain.delete(KEYCHAIN_SERVICE, accountOf(vaultId)), problem: null, dropped };
    } catch (error) {
      return { keychainEntry: entry, removed: false, problem: toKeywardenError(error).message, dropped };
    }
  }

  /**
   * The data key, for one seal or open. Inside `hold` it is the held key, lock or not; otherwise a lock refuses it.
   * Either way the key must still be this data folder's: the vault's check value is read again (one small query),
   * so a long-lived process (the desktop app, `keywarden ui`) notices that another process ran `vault reset` and
   * opens the new key instead of sealing secrets under the deleted one, which nothing could ever open again.
   * Concurrent callers share one keychain round-trip.
   */
  private async key(): Promise<Buffer> {
    const loaded = await this.current();
    // A lock can land between the key's promise settling and this line; the crypto that follows is synchronous.
    if (loaded.wiped) throw new KeywardenError('locked', 'Keywarden is locked: unlock it to use a secret or reach a vendor');
    return loaded.key;
  }

  private async current(): Promise<LoadedKey> {
    const check = this.meta.getMeta(VAULT_META.check);
    const hold = this.held.getStore();
    if (hold) {
      if (hold.loaded.check !== check) hold.loaded = await this.load();
      return hold.loaded;
    }
    if (this.lockState.locked) throw new KeywardenError('locked', 'Keywarden is locked: unlock it to use a secret or reach a vendor');
    if (this.loaded && this.loaded.check === check) return this.loaded;
    if (currentAsker() === 'background') await this.refuseBackgroundPrompt();
    const loaded = await this.load();
    // Locked while the keychain was being read (a person at its unlock prompt may take minutes, and the screen may
    // lock meanwhile): the key read for the operation is not used, and leaves memory.
    if (this.lockState.locked) {
      if (loaded !== this.loaded) {
        loaded.key.fill(0);
        loaded.wiped = true;
      }
      throw new KeywardenError('locked', 'Keywarden is locked: unlock it to use a secret or reach a vendor');
    }
    return loaded;
  }

  /**
   * Background work needs the keychain (the key is not in memory): where the keyring is locked, reading it would
   * raise the unlock prompt (libsecret unlocks first) and wait on it, so background work stops here instead. Where
   * that cannot be told (macOS, Windows: `isLocked` answers null) the read goes ahead with the short time limit.
   */
  private async refuseBackgroundPrompt(): Promise<void> {
    if ((await this.keychain.isLocked?.()) !== true) return;
    throw new KeywardenError(
      'keychain_locked',
      'the OS keychain is locked, and background work does not ask to unlock it: it runs again once the login keyring is unlocked (or once Keywarden is used: a reveal or copy asks)',
      { asker: 'background' },
    );
  }

  private load(): Promise<LoadedKey> {
    if (this.loaded && this.loaded.check !== this.meta.getMeta(VAULT_META.check)) {
      // The vault was reset (or replaced) by another process: this key opens nothing stored any more.
      if (this.holders === 0) this.wipe();
      else this.loaded = null;
    }
    if (this.loaded) return Promise.resolve(this.loaded);
    const generation = this.generation;
    this.pending ??= this.loadKey().then(
      (loaded) => {
        this.remember(loaded, generation);
        return loaded;
      },
      (error: unknown) => {
        this.pending = null;
        throw error;
      },
    );
    return this.pending;
  }

  /** Keeps a key read from the keychain, unless a lock or reset came while it was being read. */
  private remember(loaded: LoadedKey, generation: number): void {
    if (generation !== this.generation || this.lockState.locked) return;
    this.pending = null;
    this.loaded = loaded;
    this.onKeyReady?.();
  }

  private async loadKey(): Promise<LoadedKey> {
    const vaultId = this.meta.getMeta(VAULT_META.id);
    const check = this.meta.getMeta(VAULT_META.check);
    if (vaultId && check) return { key: await this.openExisting(vaultId, check), check };
    if (this.meta.hasAnySealedRecord()) {
      // Sealed records without the vault's check cannot be opened by any key we could make now.
      throw new KeywardenError('vault_key_missing', 'this data folder holds sealed secrets but no record of their data key; "keywarden vault reset" drops them and keeps the inventory');
    }
    return this.create();
  }

  private async openExisting(vaultId: string, check: string): Promise<Buffer> {
    const probe = await this.readKeychain(vaultId, check);
    if (probe.key) return probe.key;
    const slot = this.readSlot();
    if (slot) {
      const passphrase = await this.passphrase('open');
      if (passphrase !== null) return unwrapWithPassphrase(slot, vaultId, check, passphrase);
      throw new KeywardenError(
        'vault_locked',
        `${probe.problem!.message}. This data folder also opens with its passphrase: give it at the prompt, or name a file holding it in KEYWARDEN_PASSPHRASE_FILE`,
        { keychain: probe.state, unlockWith: 'passphrase' },
      );
    }
    throw probe.problem!;
  }

  /** Reads the data key from the keychain and classifies what went wrong, telling locked from missing. */
  private async readKeychain(vaultId: string, check: string): Promise<{ key: Buffer | null; state: KeychainState; problem: KeywardenError | null }> {
    const account = accountOf(vaultId);
    const entry = `${KEYCHAIN_SERVICE} / ${account}`;
    let stored: string | null;
    try {
      stored = await this.keychain.get(KEYCHAIN_SERVICE, account, currentAsker());
    } catch (error) {
      const typed = toKeywardenError(error);
      return { key: null, state: typed.code === 'keychain_locked' ? 'locked' : 'unavailable', problem: typed };
    }
    if (stored) {
      const key = Buffer.from(stored, 'base64');
      if (key.length === 32 && opens(key, check)) return { key, state: 'holds-key', problem: null };
      return {
        key: null,
        state: 'wrong-key',
        problem: new KeywardenError('vault_key_mismatch', `the keychain entry "${entry}" does not hold this data folder's key; cached secrets cannot be read`, { account }),
      };
    }
    // keytar answers null for a missing entry and for every entry of a locked collection alike.
    if ((await this.keychain.isLocked?.()) === true) {
      return {
        key: null,
        state: 'locked',
        problem: new KeywardenError(
          'keychain_locked',
          `the OS keychain is locked, so this data folder's key ("${entry}") cannot be read: unlock your login keyring and try again. Nothing is lost; the inventory and reminders still work`,
          { account },
        ),
      };
    }
    return {
      key: null,
      state: 'missing',
      problem: new KeywardenError(
        'vault_key_missing',
        `this data folder's key ("${entry}") is not in the OS keychain, so its cached secrets and credentials cannot be read. Restore the keychain entry if it was moved, or open it with this folder's passphrase if one was added; "keywarden vault reset" starts over (it drops the cached secrets and credentials and keeps the inventory)`,
        { account },
      ),
    };
  }

  /**
   * Creates the data key. Two processes can do this at once on a new data folder; each makes its own
   * candidate under its own keychain account, and the store's guarded write lets exactly one record
   * its id. The loser deletes its keychain entry and re-reads, so both use the winner's key and no
   * stray entry is left behind.
   */
  private async create(explicitPassphrase?: string): Promise<LoadedKey> {
    const vaultId = randomUUID();
    const account = accountOf(vaultId);
    const key = randomBytes(32);
    const entries: Record<string, string> = {
      [VAULT_META.id]: vaultId,
      [VAULT_META.check]: sealWith(key, 'vault-check', CHECK_PLAINTEXT).toString('base64'),
    };
    let inKeychain = false;
    let keychainProblem: KeywardenError | null = null;
    try {
      await this.keychain.set(KEYCHAIN_SERVICE, account, key.toString('base64'), currentAsker());
      inKeychain = true;
    } catch (error) {
      keychainProblem = toKeywardenError(error);
    }
    const passphrase = explicitPassphrase ?? (inKeychain ? null : await this.passphrase('create'));
    if (!inKeychain && passphrase === null) {
      throw new KeywardenError(
        keychainProblem!.code,
        `${keychainProblem!.message}. To use Keywarden without a keychain, protect this data folder's key with a passphrase: "keywarden vault add-passphrase", or name a file holding one in KEYWARDEN_PASSPHRASE_FILE`,
        keychainProblem!.details,
        { cause: keychainProblem },
      );
    }
    if (passphrase !== null) {
      if (explicitPassphrase === undefined) checkPassphraseStrength(passphrase);
      entries[VAULT_META.passphraseSlot] = JSON.stringify(await wrapWithPassphrase(key, vaultId, passphrase, this.kdf));
    }
    let won: boolean;
    try {
      won = this.meta.setMetaIfAbsent(VAULT_META.check, entries);
    } catch (error) {
      if (inKeychain) await this.keychain.delete(KEYCHAIN_SERVICE, account, currentAsker()).catch(() => false);
      throw error;
    }
    if (won) return { key, check: entries[VAULT_META.check]! };
    key.fill(0);
    if (inKeychain) await this.keychain.delete(KEYCHAIN_SERVICE, account, currentAsker()).catch(() => false);
    const winnerId = this.meta.getMeta(VAULT_META.id)!;
    const winnerCheck = this.meta.getMeta(VAULT_META.check)!;
    return { key: await this.openExisting(winnerId, winnerCheck), check: winnerCheck };
  }

  private readSlot(): PassphraseSlot | null {
    const text = this.meta.getMeta(VAULT_META.passphraseSlot);
    if (!text) return null;
    try {
      const slot = JSON.parse(text) as PassphraseSlot;
      if (slot.version === 1 && slot.kdf === 'scrypt') return slot;
    } catch {
      // fall through
    }
    throw new KeywardenError('store_corrupt', 'this data folder\'s passphrase slot is unreadable; it can be removed with "keywarden vault reset"');
  }
}

function accountOf(vaultId: string): string {
  return `data-key:${vaultId}`;
}

function checkPassphraseStrength(passphrase: string): void {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new KeywardenError('invalid_input', `the passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters; a few unrelated words make a good one`);
  }
}

function deriveKey(passphrase: string, salt: Buffer, params: KdfParams): Promise<Buffer> {
  // 128 * N * r bytes, plus headroom: Node refuses anything over its 32 MiB default otherwise.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    // NFC: the same passphrase typed on two systems may arrive in two Unicode normal forms.
    scryptCallback(passphrase.normalize('NFC'), salt, 32, options, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}

async function wrapWithPassphrase(key: Buffer, vaultId: string, passphrase: string, params: KdfParams): Promise<PassphraseSlot> {
  const salt = randomBytes(16);
  const kek = await deriveKey(passphrase, salt, params);
  try {
    return {
      version: 1,
      kdf: 'scrypt',
      ...params,
      salt: salt.toString('base64'),
      wrapped: sealWith(kek, `passphrase-slot:${vaultId}`, key.toString('base64')).toString('base64'),
    };
  } finally {
    kek.fill(0);
  }
}

async function unwrapWithPassphrase(slot: PassphraseSlot, vaultId: string, check: string, passphrase: string): Promise<Buffer> {
  const kek = await deriveKey(passphrase, Buffer.from(slot.salt, 'base64'), slot);
  let key: Buffer;
  try {
    key = Buffer.from(openWith(kek, `passphrase-slot:${vaultId}`, Buffer.from(slot.wrapped, 'base64')), 'base64');
  } catch {
    throw new KeywardenError('invalid_input', "the passphrase does not open this data folder's key");
  } finally {
    kek.fill(0);
  }
  if (key.length !== 32 || !opens(key, check)) throw new KeywardenError('vault_key_mismatch', "the passphrase slot holds another data folder's key");
  return key;
}

/**
 * Seals `plaintext` under `key` in the record format above. Exported for the team inventory (`team/`), which seals
 * under the team key instead of the data key: one record format, one AES-GCM implementation.
 */
export function sealWith(key: Buffer, recordIdentity: string, plaintext: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(recordIdentity, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), nonce, cipher.getAuthTag(), ciphertext]);
}

/** Fingerprints under one fingerprint key, derived here and overwritten before returning. */
function fingerprintsWith(dataKey: Buffer, plaintexts: readonly string[]): Buffer[] {
  return withFingerprintKey(dataKey, (fingerprint) => plaintexts.map(fingerprint));
}

/** Runs `work` with the fingerprint of a secret under `dataKey`'s fingerprint key, which is overwritten afterwards. */
function withFingerprintKey<T>(dataKey: Buffer, work: (fingerprint: (plaintext: string) => Buffer) => T): T {
  const fingerprintKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), FINGERPRINT_INFO, 32));
  try {
    return work((plaintext) => createHmac('sha256', fingerprintKey).update(plaintext, 'utf8').digest());
  } finally {
    fingerprintKey.fill(0);
  }
}

/** Opens a record sealed by `sealWith`; throws when the key, the identity or the bytes do not match. */
export function openWith(key: Buffer, recordIdentity: string, sealed: Buffer): string {
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== FORMAT_VERSION) throw new Error('unknown sealed format');
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(recordIdentity, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

function opens(key: Buffer, checkBase64: string): boolean {
  try {
    return openWith(key, 'vault-check', Buffer.from(checkBase64, 'base64')) === CHECK_PLAINTEXT;
  } catch {
    return false;
  }
}
