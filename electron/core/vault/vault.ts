/**
 * Envelope encryption of secrets at rest.
 *
 * A random 256-bit data key lives in the OS keychain, one per data folder (so two `--home` folders
 * never share or overwrite each other's key). Every secret is sealed with AES-256-GCM under it, with
 * a fresh 96-bit nonce per write and the record's identity as associated data: a sealed blob copied
 * onto another record, or another data folder, fails to open instead of decrypting as the wrong thing.
 *
 * Sealed layout: version (1 byte) | nonce (12) | tag (16) | ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { KeywardenError } from '../errors.js';
import type { Keychain } from './keychain.js';

export const KEYCHAIN_SERVICE = 'Keywarden';
const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_PLAINTEXT = 'keywarden-data-key-check';

/** Where the vault keeps its two non-secret facts: which keychain entry is ours, and a known-plaintext check. */
export interface VaultMetaStore {
  getMeta(name: string): string | null;
  setMeta(name: string, value: string): void;
  /** True once anything sealed exists, so a missing data key is reported instead of silently replaced. */
  hasAnySealedRecord(): boolean;
}

export class Vault {
  private dataKey: Buffer | null = null;
  private pending: Promise<Buffer> | null = null;

  constructor(
    private readonly meta: VaultMetaStore,
    private readonly keychain: Keychain,
  ) {}

  /** The keychain account name of this data folder's key. */
  get keychainAccount(): string {
    let vaultId = this.meta.getMeta('vault_id');
    if (!vaultId) {
      vaultId = randomUUID();
      this.meta.setMeta('vault_id', vaultId);
    }
    return `data-key:${vaultId}`;
  }

  /**
   * Unlocks (or creates) the data key now. Called before any request that will return a shown-once
   * secret, so that a keychain problem is found before the vendor issues a key, not after.
   */
  async ensureReady(): Promise<void> {
    await this.key();
  }

  async seal(recordIdentity: string, plaintext: string): Promise<Buffer> {
    return sealWith(await this.key(), recordIdentity, plaintext);
  }

  async open(recordIdentity: string, sealed: Buffer): Promise<string> {
    const key = await this.key();
    try {
      return openWith(key, recordIdentity, sealed);
    } catch {
      throw new KeywardenError('vault_key_mismatch', `a cached secret (${recordIdentity}) cannot be decrypted: it was altered or sealed for another record`, {
        record: recordIdentity,
      });
    }
  }

  /** Loads (or on first use creates) the data key. Concurrent callers share one keychain round-trip. */
  private key(): Promise<Buffer> {
    if (this.dataKey) return Promise.resolve(this.dataKey);
    this.pending ??= this.loadKey().then(
      (key) => {
        this.dataKey = key;
        return key;
      },
      (error: unknown) => {
        this.pending = null;
        throw error;
      },
    );
    return this.pending;
  }

  private async loadKey(): Promise<Buffer> {
    const account = this.keychainAccount;
    const stored = await this.keychain.get(KEYCHAIN_SERVICE, account);
    const check = this.meta.getMeta('vault_check');
    if (stored) {
      const key = Buffer.from(stored, 'base64');
      if (key.length !== 32 || (check && !opens(key, check))) {
        throw new KeywardenError('vault_key_mismatch', `the keychain entry "${KEYCHAIN_SERVICE} / ${account}" does not hold this data folder's key; cached secrets cannot be read`, {
          account,
        });
      }
      if (!check) this.meta.setMeta('vault_check', sealWith(key, 'vault-check', CHECK_PLAINTEXT).toString('base64'));
      return key;
    }
    if (check || this.meta.hasAnySealedRecord()) {
      // Making a new key here would orphan every sealed secret without a word; say so instead.
      throw new KeywardenError(
        'vault_key_mismatch',
        `this data folder's key ("${KEYCHAIN_SERVICE} / ${account}") is missing from the OS keychain, so its cached secrets and credentials cannot be read. Restore the keychain entry, or remove the backends and add them again`,
        { account },
      );
    }
    const key = randomBytes(32);
    await this.keychain.set(KEYCHAIN_SERVICE, account, key.toString('base64'));
    this.meta.setMeta('vault_check', sealWith(key, 'vault-check', CHECK_PLAINTEXT).toString('base64'));
    return key;
  }
}

function sealWith(key: Buffer, recordIdentity: string, plaintext: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(recordIdentity, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), nonce, cipher.getAuthTag(), ciphertext]);
}

function openWith(key: Buffer, recordIdentity: string, sealed: Buffer): string {
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
