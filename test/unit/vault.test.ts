/**
 * The vault: secrets sealed with AES-256-GCM under a data key kept in the OS keychain.
 *
 * What an administrator relies on: a cached secret opens again (also in the next session), nothing
 * readable is left on disk, a blob copied onto another record or altered does not open, a lost or
 * replaced keychain entry is reported (never silently replaced by a new key), and a missing or locked
 * keychain is a clear error, never a hang.
 *
 * Most tests use an in-memory keychain; the real OS keychain is used only inside the private keyring
 * started by test/support/with-test-keychain.mjs (KEYWARDEN_TEST_KEYCHAIN=isolated).
 * Secrets are generated at run time; none is written here.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenError } from '../../electron/core/errors.js';
import { createOsKeychain, type Keychain, translateKeychainError } from '../../electron/core/vault/keychain.js';
import { KEYCHAIN_SERVICE, Vault } from '../../electron/core/vault/vault.js';
import { MemoryMeta } from '../support/memory-meta.js';

const ROOT = resolve(__dirname, '../..');

// ---- fakes ----------------------------------------------------------------------------------------

class MemoryKeychain implements Keychain {
  readonly entries = new Map<string, string>();
  gets = 0;
  sets = 0;
  deletes = 0;
  /** When set, every call rejects with this (raw, as keytar would) error before touching the entries. */
  failWith: Error | null = null;

  private static id(service: string, account: string): string {
    return `${service}\u0000${account}`;
  }

  private async pause(): Promise<void> {
    // A real keychain answers asynchronously; give concurrent callers a chance to overlap.
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.failWith) throw this.failWith;
  }

  async get(service: string, account: string): Promise<string | null> {
    this.gets++;
    await this.pause();
    return this.entries.get(MemoryKeychain.id(service, account)) ?? null;
  }

  async set(service: string, account: string, value: string): Promise<void> {
    this.sets++;
    await this.pause();
    this.entries.set(MemoryKeychain.id(service, account), value);
  }

  async delete(service: string, account: string): Promise<boolean> {
    this.deletes++;
    await this.pause();
    return this.entries.delete(MemoryKeychain.id(service, account));
  }

  peek(service: string, account: string): string | undefined {
    return this.entries.get(MemoryKeychain.id(service, account));
  }

  put(service: string, account: string, value: string): void {
    this.entries.set(MemoryKeychain.id(service, account), value);
  }

  remove(service: string, account: string): void {
    this.entries.delete(MemoryKeychain.id(service, account));
  }
}

/** Wraps a keychain the way createOsKeychain does: every raw failure goes through translateKeychainError. */
function translating(inner: Keychain): Keychain {
  const wrap = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw translateKeychainError(error, what);
    }
  };
  return {
    get: (service, account) => wrap('reading the data key', () => inner.get(service, account)),
    set: (service, account, value) => wrap('storing the data key', () => inner.set(service, account, value)),
    delete: (service, account) => wrap('deleting the data key', () => inner.delete(service, account)),
  };
}

/** Cheap scrypt parameters for the in-memory tests; the product's own are tested once on their own. */
const FAST_KDF = { N: 2 ** 10, r: 8, p: 1 };

/** A keychain whose collection reports itself locked: get answers null for every entry, as keytar does. */
class LockedKeychain extends MemoryKeychain {
  locked = true;
  override async get(service: string, account: string): Promise<string | null> {
    return this.locked ? null : super.get(service, account);
  }
  async isLocked(): Promise<boolean> {
    return this.locked;
  }
}

/** A secret shaped like a BoxWatch key, made at run time. */
function sampleSecret(): string {
  return `bw_${randomBytes(32).toString('hex')}`;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    return (error as KeywardenError).code;
  }
  throw new Error('expected the promise to reject');
}

// ---- in-memory keychain ---------------------------------------------------------------------------

describe('Vault with an in-memory keychain', () => {
  let keychain: MemoryKeychain;
  let meta: MemoryMeta;
  let vault: Vault;

  beforeEach(() => {
    keychain = new MemoryKeychain();
    meta = new MemoryMeta();
    vault = new Vault(meta, keychain);
  });

  it('opens what it sealed', async () => {
    const secret = sampleSecret();
    const sealed = await vault.seal('boxwatch-prod/key-1', secret);
    expect(await vault.open('boxwatch-prod/key-1', sealed)).toBe(secret);
  });

  it('round-trips non-ASCII and empty plaintexts', async () => {
    for (const plaintext of ['', 'pässwörd-✓-鍵', 'x'.repeat(10_000)]) {
      const sealed = await vault.seal('manual/k', plaintext);
      expect(await vault.open('manual/k', sealed)).toBe(plaintext);
    }
  });

  it('two seals of the same secret differ (fresh nonce each time)', async () => {
    const secret = sampleSecret();
    const a = await vault.seal('boxwatch-prod/key-1', secret);
    const b = await vault.seal('boxwatch-prod/key-1', secret);
    expect(a.equals(b)).toBe(false);
    // The nonce (bytes 1..12) differs, not only the ciphertext.
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(await vault.open('boxwatch-prod/key-1', a)).toBe(secret);
    expect(await vault.open('boxwatch-prod/key-1', b)).toBe(secret);
  });

  it('a blob sealed for one record does not open as another record', async () => {
    const sealed = await vault.seal('boxwatch-prod/key-1', sampleSecret());
    expect(await codeOf(vault.open('boxwatch-prod/key-2', sealed))).toBe('vault_key_mismatch');
    expect(await codeOf(vault.open('boxwatch-test/key-1', sealed))).toBe('vault_key_mismatch');
  });

  it('an altered blob does not open (flipped ciphertext byte, flipped tag byte, truncated)', async () => {
    const sealed = await vault.seal('commbox/k1', sampleSecret());
    const flippedCiphertext = Buffer.from(sealed);
    flippedCiphertext[flippedCiphertext.length - 1]! ^= 0x01;
    expect(await codeOf(vault.open('commbox/k1', flippedCiphertext))).toBe('vault_key_mismatch');

    const flippedTag = Buffer.from(sealed);
    flippedTag[1 + 12 + 3]! ^= 0x80;
    expect(await codeOf(vault.open('commbox/k1', flippedTag))).toBe('vault_key_mismatch');

    expect(await codeOf(vault.open('commbox/k1', sealed.subarray(0, 20)))).toBe('vault_key_mismatch');
    // The untouched blob still opens.
    expect(typeof (await vault.open('commbox/k1', sealed))).toBe('string');
  });

  it('the error for a blob that does not open names the record but never the secret', async () => {
    const secret = sampleSecret();
    const sealed = await vault.seal('commbox/k1', secret);
    const error = await vault.open('commbox/other', sealed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeywardenError);
    expect((error as KeywardenError).message).toContain('commbox/other');
    expect((error as KeywardenError).message).not.toContain(secret);
  });

  it('the sealed bytes, the metadata and the keychain never contain the plaintext', async () => {
    const secret = sampleSecret();
    const sealed = await vault.seal('boxwatch-prod/key-1', secret);
    expect(sealed.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    // Not even a recognisable chunk of it.
    expect(sealed.includes(Buffer.from(secret.slice(3, 19), 'utf8'))).toBe(false);
    expect(sealed.toString('latin1')).not.toContain(secret.slice(3, 19));
    for (const value of [...meta.values.values(), ...keychain.entries.values()]) expect(value).not.toContain(secret.slice(3, 19));
    // Layout: version | 12-byte nonce | 16-byte tag | ciphertext as long as the plaintext.
    expect(sealed[0]).toBe(1);
    expect(sealed.length).toBe(1 + 12 + 16 + Buffer.byteLength(secret));
  });

  it('creates the data key once and stores it in the keychain under "Keywarden" / data-key:<vault_id>', async () => {
    expect(keychain.entries.size).toBe(0);
    await vault.seal('a/1', 'one');
    await vault.seal('a/2', 'two');
    await vault.ensureReady();

    const vaultId = meta.getMeta('vault_id');
    expect(vaultId).toBeTruthy();
    expect(KEYCHAIN_SERVICE).toBe('Keywarden');
    expect(vault.keychainAccount).toBe(`data-key:${vaultId}`);
    expect(keychain.entries.size).toBe(1);
    const stored = keychain.peek('Keywarden', `data-key:${vaultId}`);
    expect(stored).toBeDefined();
    expect(Buffer.from(stored!, 'base64').length).toBe(32);
    expect(keychain.sets).toBe(1);
    // A new vault has nothing to read back: its key is made and stored, and the next session reads it.
    expect(keychain.gets).toBe(0);
    // A known-plaintext check is recorded so a wrong key is detected later.
    expect(meta.getMeta('vault_check')).toBeTruthy();
  });

  it('two data folders (two metadata stores) get two different keychain entries and keys', async () => {
    const otherMeta = new MemoryMeta();
    const other = new Vault(otherMeta, keychain);
    const sealed = await vault.seal('a/1', 'secret-one');
    await other.seal('a/1', 'secret-two');
    expect(vault.keychainAccount).not.toBe(other.keychainAccount);
    expect(keychain.entries.size).toBe(2);
    // A blob from one data folder does not open in the other.
    expect(await codeOf(other.open('a/1', sealed))).toBe('vault_key_mismatch');
  });

  it('a second Vault over the same metadata and keychain (next session) opens what the first sealed', async () => {
    const secret = sampleSecret();
    const sealed = await vault.seal('nitrobox/n1', secret);
    const next = new Vault(meta, keychain);
    expect(await next.open('nitrobox/n1', sealed)).toBe(secret);
    expect(keychain.sets).toBe(1);
    expect(keychain.entries.size).toBe(1);
  });

  it('refuses with vault_key_mismatch when the keychain entry was deleted after something was sealed, and writes no new key', async () => {
    const sealed = await vault.seal('nitrobox/n1', sampleSecret());
    meta.sealedRecords = true;
    keychain.remove(KEYCHAIN_SERVICE, vault.keychainAccount!);
    const setsBefore = keychain.sets;
    const checkBefore = meta.getMeta('vault_check');

    const next = new Vault(meta, keychain);
    expect(await codeOf(next.open('nitrobox/n1', sealed))).toBe('vault_key_missing');
    expect(await codeOf(next.seal('nitrobox/n2', 'new'))).toBe('vault_key_missing');
    const error = await next.ensureReady().catch((e: unknown) => e);
    expect((error as KeywardenError).message).toMatch(/is not in the OS keychain/);
    // The way out offered is the explicit reset, never removing backends (which loses shown-once keys for nothing).
    expect((error as KeywardenError).message).toMatch(/keywarden vault reset/);
    expect((error as KeywardenError).message).not.toMatch(/remove the backends/);

    expect(keychain.sets).toBe(setsBefore);
    expect(keychain.entries.size).toBe(0);
    expect(meta.getMeta('vault_check')).toBe(checkBefore);
  });

  it('refuses when the key is missing and sealed records exist even if the check value was lost', async () => {
    meta.setMeta('vault_id', randomUUID());
    meta.sealedRecords = true;
    expect(await codeOf(vault.seal('a/1', 'x'))).toBe('vault_key_missing');
    expect(keychain.sets).toBe(0);
    expect(keychain.entries.size).toBe(0);
  });

  it('refuses with vault_key_mismatch when the keychain holds a different 32-byte key', async () => {
    const sealed = await vault.seal('commbox/c1', sampleSecret());
    const account = vault.keychainAccount!;
    const intruder = randomBytes(32).toString('base64');
    keychain.put(KEYCHAIN_SERVICE, account, intruder);

    const next = new Vault(meta, keychain);
    expect(await codeOf(next.open('commbox/c1', sealed))).toBe('vault_key_mismatch');
    expect(await codeOf(next.seal('commbox/c2', 'new'))).toBe('vault_key_mismatch');
    // Nothing overwritten: the foreign entry is left for the administrator to sort out.
    expect(keychain.peek(KEYCHAIN_SERVICE, account)).toBe(intruder);
  });

  it('refuses a keychain entry that is not a 32-byte key', async () => {
    await vault.ensureReady();
    keychain.put(KEYCHAIN_SERVICE, vault.keychainAccount!, randomBytes(16).toString('base64'));
    expect(await codeOf(new Vault(meta, keychain).seal('a/1', 'x'))).toBe('vault_key_mismatch');
  });

  it('concurrent seals share one keychain read and one write', async () => {
    const secrets = Array.from({ length: 12 }, () => sampleSecret());
    const sealed = await Promise.all(secrets.map((secret, i) => vault.seal(`boxwatch/k${i}`, secret)));
    expect(keychain.gets).toBe(0);
    expect(keychain.sets).toBe(1);
    expect(keychain.entries.size).toBe(1);
    for (const [i, blob] of sealed.entries()) expect(await vault.open(`boxwatch/k${i}`, blob)).toBe(secrets[i]);
  });

  it('two processes creating the vault at once agree on one key, and the loser leaves no keychain entry', async () => {
    // Two Vault objects over one metadata store and one keychain are two processes on one new data folder.
    const first = new Vault(meta, keychain);
    const second = new Vault(meta, keychain);
    const [sealedByFirst, sealedBySecond] = await Promise.all([first.seal('m/a', 'secret-a'), second.seal('m/b', 'secret-b')]);
    expect(keychain.sets).toBe(2); // both made a candidate...
    expect(keychain.entries.size).toBe(1); // ...and the loser deleted its own
    expect(first.keychainAccount).toBe(second.keychainAccount);
    // Whatever each sealed opens in a third session: one key for the folder.
    const third = new Vault(meta, keychain);
    expect(await third.open('m/a', sealedByFirst)).toBe('secret-a');
    expect(await third.open('m/b', sealedBySecond)).toBe('secret-b');
  });

  it('a locked keychain is reported as locked (unlock it), never as a missing key, and no key is made', async () => {
    const locked = new LockedKeychain();
    const sealed = await new Vault(meta, Object.assign(locked, { locked: false })).seal('n/1', 'secret');
    meta.sealedRecords = true;
    locked.locked = true;
    const setsBefore = locked.sets;
    const error = (await new Vault(meta, locked).open('n/1', sealed).catch((e: unknown) => e)) as KeywardenError;
    expect(error.code).toBe('keychain_locked');
    expect(error.message).toMatch(/locked/);
    expect(error.message).toMatch(/unlock/);
    expect(error.message).not.toMatch(/not in the OS keychain|missing|reset|remove/);
    expect(locked.sets).toBe(setsBefore);
    locked.locked = false;
    expect(await new Vault(meta, locked).open('n/1', sealed)).toBe('secret');
  });

  describe('the passphrase slot', () => {
    const passphrase = 'correct horse battery staple';

    it('opens the same data key when the keychain entry is gone, and only with the right passphrase', async () => {
      const sealed = await vault.seal('b/1', 'the-secret');
      await new Vault(meta, keychain, undefined, FAST_KDF).addPassphrase(passphrase);
      expect(JSON.stringify([...meta.values])).not.toContain(passphrase);
      keychain.remove(KEYCHAIN_SERVICE, vault.keychainAccount!);
      meta.sealedRecords = true;

      expect(await new Vault(meta, keychain, async () => passphrase).open('b/1', sealed)).toBe('the-secret');
      expect(await codeOf(new Vault(meta, keychain, async () => 'not the passphrase at all').open('b/1', sealed))).toBe('invalid_input');
      // No passphrase to be had (a script without KEYWARDEN_PASSPHRASE_FILE): say both ways in.
      const error = (await new Vault(meta, keychain).open('b/1', sealed).catch((e: unknown) => e)) as KeywardenError;
      expect(error.code).toBe('vault_locked');
      expect(error.message).toMatch(/KEYWARDEN_PASSPHRASE_FILE/);
      expect(keychain.sets).toBe(1); // never a second key
    });

    it('creates a passphrase-only vault where no keychain is reachable, and says how when no passphrase is given', async () => {
      keychain.failWith = new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
      const error = (await new Vault(meta, translating(keychain)).seal('a/1', 'x').catch((e: unknown) => e)) as KeywardenError;
      expect(error.code).toBe('keychain_unavailable');
      expect(error.message).toMatch(/vault add-passphrase/);
      expect(meta.getMeta('vault_check')).toBeNull();

      const withPassphrase = new Vault(meta, translating(keychain), async () => passphrase, FAST_KDF);
      const sealed = await withPassphrase.seal('a/1', 'secret');
      expect(keychain.entries.size).toBe(0);
      expect(await new Vault(meta, translating(keychain), async () => passphrase).open('a/1', sealed)).toBe('secret');
      const status = await new Vault(meta, translating(keychain)).status();
      expect(status).toMatchObject({ created: true, keychain: 'unavailable', passphraseSlot: { kdf: 'scrypt', N: FAST_KDF.N } });
    });

    it('refuses a passphrase shorter than 12 characters', async () => {
      expect(await codeOf(vault.addPassphrase('short'))).toBe('invalid_input');
      expect(meta.getMeta('vault_passphrase_slot')).toBeNull();
    });

    it('is not removed while the keychain does not hold the key: it would be the last way in', async () => {
      await vault.seal('a/1', 'x');
      await new Vault(meta, keychain, undefined, FAST_KDF).addPassphrase(passphrase);
      keychain.remove(KEYCHAIN_SERVICE, vault.keychainAccount!);
      expect(await codeOf(new Vault(meta, keychain).removePassphrase())).toBe('invalid_input');
      expect(meta.getMeta('vault_passphrase_slot')).not.toBeNull();
    });

    it('uses scrypt with N = 2^17, r = 8, p = 1 by default', async () => {
      await vault.addPassphrase(passphrase);
      expect(JSON.parse(meta.getMeta('vault_passphrase_slot')!)).toMatchObject({ kdf: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
      expect((await vault.status()).passphraseSlot).toEqual({ kdf: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    });
  });

  it('forgetKey deletes the keychain entry it created', async () => {
    await vault.ensureReady();
    expect(keychain.entries.size).toBe(1);
    expect(await vault.forgetKey(() => null)).toMatchObject({ removed: true });
    expect(keychain.entries.size).toBe(0);
  });

  describe('the lock', () => {
    /** The data key as the vault holds it in memory (a private field: what a memory dump would find). */
    const keyInMemory = (of: Vault) => (of as unknown as { loaded: { key: Buffer } | null }).loaded?.key ?? null;

    it('overwrites the data key in memory when it locks, and refuses every use of it until unlocked', async () => {
      await vault.seal('hand/1', sampleSecret());
      const inMemory = keyInMemory(vault)!;
      const copy = Buffer.from(inMemory);
      expect(copy.equals(Buffer.alloc(32))).toBe(false);
      const readsBefore = keychain.gets;
      vault.lock('manual');
      expect(inMemory.equals(Buffer.alloc(32))).toBe(true);
      expect(keyInMemory(vault)).toBeNull();
      await expect(vault.seal('hand/2', 'x')).rejects.toMatchObject({ code: 'locked' });
      await expect(vault.ensureReady()).rejects.toMatchObject({ code: 'locked' });
      expect(keychain.gets).toBe(readsBefore);
      await vault.unlock();
      expect(keyInMemory(vault)!.equals(copy)).toBe(true);
    });

    it('a lock during a held operation waits for it: the operation still seals, then the key is overwritten', async () => {
      let sealedDuring: Buffer | null = null;
      let release!: () => void;
      const operation = vault.hold(async () => {
        await new Promise<void>((resolve) => (release = resolve));
        sealedDuring = await vault.seal('nb/new', 'shown-once');
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const inMemory = keyInMemory(vault)!;
      vault.lock('screen');
      // Others are refused at once; the key itself stays until the holder is done.
      await expect(vault.seal('hand/other', 'x')).rejects.toMatchObject({ code: 'locked' });
      expect(inMemory.equals(Buffer.alloc(32))).toBe(false);
      release();
      await operation;
      expect(inMemory.equals(Buffer.alloc(32))).toBe(true);
      await vault.unlock();
      expect(await vault.open('nb/new', sealedDuring!)).toBe('shown-once');
    });

    it('from the lock screen, a passphrase can be required where only the keychain guards the folder (it stays locked); never changed without the old one', async () => {
      await vault.seal('hand/1', sampleSecret());
      vault.lock('manual');
      await vault.addPassphrase('correct horse battery staple');
      expect(vault.lockStatus()).toMatchObject({ locked: true, unlockWith: 'passphrase' });
      await expect(vault.addPassphrase('another long passphrase here')).rejects.toMatchObject({ code: 'locked' });
      await expect(vault.unlock()).rejects.toMatchObject({ code: 'passphrase_required' });
      await vault.unlock('correct horse battery staple');
      expect(vault.locked).toBe(false);
    });

    it('a keychain read that finishes after the lock is not kept', async () => {
      await vault.ensureReady();
      const next = new Vault(meta, keychain);
      const reading = next.ensureReady();
      next.lock('idle');
      // The read it waited for is refused too: it began before the lock, but its key is not used after it.
      await expect(reading).rejects.toMatchObject({ code: 'locked' });
      expect(keyInMemory(next)).toBeNull();
      await expect(next.seal('hand/1', 'x')).rejects.toMatchObject({ code: 'locked' });
    });
  });

  describe('keychain failures', () => {
    it('no D-Bus session becomes keychain_unavailable with a fix, and nothing is written', async () => {
      keychain.failWith = new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
      const v = new Vault(meta, translating(keychain));
      const error = await v.seal('a/1', 'x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeywardenError);
      expect((error as KeywardenError).code).toBe('keychain_unavailable');
      expect((error as KeywardenError).message).toMatch(/Secret Service|dbus-run-session/);
      expect(keychain.entries.size).toBe(0);
      expect(meta.getMeta('vault_check')).toBeNull();
    });

    it('a locked login keyring becomes keychain_locked', async () => {
      keychain.failWith = new Error('Object does not exist at path “/org/freedesktop/secrets/collection/login”');
      const v = new Vault(meta, translating(keychain));
      const error = await v.ensureReady().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeywardenError);
      expect((error as KeywardenError).code).toBe('keychain_locked');
      expect((error as KeywardenError).message).toMatch(/unlock/i);
      expect(keychain.entries.size).toBe(0);
    });

    it('after a keychain failure the vault tries again once the keychain is back', async () => {
      keychain.failWith = new Error('Object does not exist at path “/org/freedesktop/secrets/collection/login”');
      const v = new Vault(meta, translating(keychain));
      expect(await codeOf(v.seal('a/1', 'x'))).toBe('keychain_locked');
      keychain.failWith = null;
      const sealed = await v.seal('a/1', 'hello');
      expect(await v.open('a/1', sealed)).toBe('hello');
      expect(keychain.entries.size).toBe(1);
    });

    it('translateKeychainError maps the raw platform messages', () => {
      expect(translateKeychainError(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'), 'reading').code).toBe('keychain_unavailable');
      expect(translateKeychainError(new Error('The name org.freedesktop.secrets was not provided by any .service files'), 'reading').code).toBe('keychain_unavailable');
      expect(translateKeychainError(new Error('Object does not exist at path “/org/freedesktop/secrets/collection/login”'), 'reading').code).toBe('keychain_locked');
      // Anything else is still a typed keychain error, with the operation named.
      const other = translateKeychainError(new Error('something odd'), 'storing the data key');
      expect(other.code).toBe('keychain_unavailable');
      expect(other.message).toContain('storing the data key');
      // Already-typed errors pass through unchanged.
      const typed = new KeywardenError('keychain_locked', 'already typed');
      expect(translateKeychainError(typed, 'x')).toBe(typed);
    });
  });
});

// ---- the real OS keychain (private test keyring only) ---------------------------------------------

describe.skipIf(process.env.KEYWARDEN_TEST_KEYCHAIN !== 'isolated')('the real OS keychain (private test keyring)', () => {
  const cleanup: Array<[string, string]> = [];

  afterEach(async () => {
    const keychain = createOsKeychain();
    for (const [service, account] of cleanup.splice(0)) await keychain.delete(service, account).catch(() => false);
  });

  it('set, get and delete round-trip', async () => {
    const keychain = createOsKeychain();
    const account = `unit-test:${randomUUID()}`;
    cleanup.push([KEYCHAIN_SERVICE, account]);
    const value = randomBytes(32).toString('base64');

    expect(await keychain.get(KEYCHAIN_SERVICE, account)).toBeNull();
    await keychain.set(KEYCHAIN_SERVICE, account, value);
    expect(await keychain.get(KEYCHAIN_SERVICE, account)).toBe(value);
    // A fresh instance (another process, in effect) reads the same entry.
    expect(await createOsKeychain().get(KEYCHAIN_SERVICE, account)).toBe(value);
    expect(await keychain.delete(KEYCHAIN_SERVICE, account)).toBe(true);
    expect(await keychain.get(KEYCHAIN_SERVICE, account)).toBeNull();
    expect(await keychain.delete(KEYCHAIN_SERVICE, account)).toBe(false);
  });

  it('a Vault over it seals and opens, and the next session opens the same blob', async () => {
    const meta = new MemoryMeta();
    const vault = new Vault(meta, createOsKeychain());
    const secret = sampleSecret();

    const sealed = await vault.seal('boxwatch-prod/key-1', secret);
    cleanup.push([KEYCHAIN_SERVICE, vault.keychainAccount!]);
    expect(sealed.includes(Buffer.from(secret))).toBe(false);
    expect(await vault.open('boxwatch-prod/key-1', sealed)).toBe(secret);

    const stored = await createOsKeychain().get(KEYCHAIN_SERVICE, vault.keychainAccount!);
    expect(Buffer.from(stored ?? '', 'base64').length).toBe(32);

    const next = new Vault(meta, createOsKeychain());
    expect(await next.open('boxwatch-prod/key-1', sealed)).toBe(secret);
  });
});

// ---- no keychain reachable: a child process without any D-Bus session -----------------------------

describe.skipIf(process.platform !== 'linux' || process.env.KEYWARDEN_TEST_KEYCHAIN !== 'isolated')('the compiled keychain module with no D-Bus session', () => {
  const compiled = join(ROOT, 'dist/electron/core/vault/keychain.js');
  let emptyRuntimeDir: string;

  beforeAll(async () => {
    const sources = ['electron/core/vault/keychain.ts', 'electron/core/errors.ts'].map((p) => join(ROOT, p));
    const compiledErrors = join(ROOT, 'dist/electron/core/errors.js');
    const stale =
      !existsSync(compiled) || !existsSync(compiledErrors) || sources.some((source) => statSync(source).mtimeMs > Math.min(statSync(compiled).mtimeMs, statSync(compiledErrors).mtimeMs));
    if (stale) {
      // tsc emits even when unrelated files have type errors, so only the output file is checked.
      await run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['tsc', '-b'], { cwd: ROOT, env: process.env }, 170_000);
    }
    expect(existsSync(compiled)).toBe(true);
    emptyRuntimeDir = mkdtempSync(join(tmpdir(), 'keywarden-no-dbus-'));
  }, 180_000);

  afterAll(() => {
    if (emptyRuntimeDir) rmSync(emptyRuntimeDir, { recursive: true, force: true });
  });

  it('get() rejects at once with keychain_unavailable naming the Secret Service / D-Bus, without hanging', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, KW_KEYCHAIN_MODULE: compiled, XDG_RUNTIME_DIR: emptyRuntimeDir };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const script = `
        const { createOsKeychain } = require(process.env.KW_KEYCHAIN_MODULE);
        createOsKeychain().get('Keywarden', 'unit-test-no-dbus').then(
          (value) => console.log(JSON.stringify({ resolved: true, isNull: value === null })),
          (error) => console.log(JSON.stringify({ resolved: false, code: error && error.code, message: String(error && error.message) })),
        );
      `;
    // The keychain's own timeout is 15 s; a child still running at 45 s has hung.
    const { stdout, exitCode, killed } = await run(process.execPath, ['-e', script], { cwd: ROOT, env }, 45_000);
    expect(killed, 'the child process hung and was killed').toBe(false);
    expect(exitCode).toBe(0);
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { resolved: boolean; code?: string; message?: string };
    expect(outcome.resolved).toBe(false);
    expect(outcome.code).toBe('keychain_unavailable');
    expect(outcome.message).toMatch(/Secret Service|D-Bus/);
  }, 60_000);
});

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  killAfterMs: number,
): Promise<{ stdout: string; stderr: string; exitCode: number | null; killed: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolvePromise({ stdout, stderr, exitCode, killed });
    });
  });
}
