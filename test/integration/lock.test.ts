/**
 * Keywarden's own lock, with the real OS keychain (the isolated test keyring) and real SQLite: while locked,
 * reveal and copy are refused whoever asks, the inventory and reminders keep working, and unlocking reads the
 * data key from the keychain again, so it fails while the keychain cannot give it and works once it can.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { KeywardenError } from '../../electron/core/errors.js';
import { createOsKeychain, type Keychain } from '../../electron/core/vault/keychain.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { failure } from '../support/connectors.js';

/**
 * The OS keychain (the isolated test keyring) behind a switch: while `answers` is false the keyring stands for a
 * locked one whose prompt was cancelled (`locked`: no entry, isLocked true) or for a machine without a Secret
 * Service (`unavailable`: every read refused). `reads` counts reads, so a test can see nothing reached for the key.
 */
function switchedKeychain(when: { answers: boolean; reads: number; off: 'locked' | 'unavailable' }): Keychain {
  const os = createOsKeychain();
  return {
    get: (service, account) => {
      when.reads += 1;
      if (when.answers) return os.get(service, account);
      return when.off === 'locked' ? Promise.resolve(null) : Promise.reject(new KeywardenError('keychain_unavailable', 'no Secret Service on this machine'));
    },
    set: (service, account, value) => os.set(service, account, value),
    delete: (service, account) => os.delete(service, account),
    isLocked: async () => when.off === 'locked' && !when.answers,
  };
}

describe.skipIf(!hasIsolatedKeychain)('the lock', () => {
  let home: string;
  let engine: KeywardenEngine;
  const keychain = { answers: true, reads: 0, off: 'locked' as const };
  let ref: string;
  const secret = randomBytes(24).toString('base64url');

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-lock-'));
    engine = KeywardenEngine.open({ home, keychain: switchedKeychain(keychain) });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    ref = (await engine.addManualKey('hand', { name: 'Mailer', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString(), secret })).ref;
  });

  afterEach(async () => {
    keychain.answers = true;
    await engine.resetVault();
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses reveal and copy while locked, keeps the inventory and reminders, and audits both', async () => {
    expect(await engine.reveal(ref)).toBe(secret);
    expect(engine.lock('idle')).toMatchObject({ locked: true, reason: 'idle' });
    expect((await failure(engine.reveal(ref))).code).toBe('locked');
    expect((await failure(engine.reveal(ref, 'copy'))).message).toBe('Keywarden is locked: unlock it to copy a secret');
    expect(engine.listKeys({}).map((key) => key.ref)).toEqual([ref]);
    expect(engine.reminders().map((reminder) => reminder.ref)).toEqual([ref]);
    // Locking again keeps the first reason and time.
    const first = engine.lockState();
    expect(engine.lock('manual')).toEqual(first);
    expect(engine.auditTrail({ ref }).map((event) => `${event.action}:${event.outcome}`)).toEqual(['key.add:ok', 'reveal:ok', 'reveal:failed', 'copy:failed']);
    expect(engine.auditTrail({ action: 'lock' })).toHaveLength(1);
  });

  it('unlocking reads the data key from the keychain again: refused while the keychain cannot give it', async () => {
    engine.lock('screen');
    keychain.answers = false;
    const refused = await failure(engine.unlock());
    expect(refused.code).toMatch(/keychain_locked|vault_locked/);
    expect(engine.lockState().locked).toBe(true);
    expect((await failure(engine.reveal(ref))).code).toBe('locked');

    keychain.answers = true;
    expect(await engine.unlock()).toEqual({ locked: false, since: null, reason: null, unlockWith: 'keychain' });
    expect(await engine.reveal(ref)).toBe(secret);
    expect(engine.auditTrail({ action: 'unlock' }).map((event) => event.outcome)).toEqual(['failed', 'ok']);
  });
});

/**
 * The lock against real vendors (the emulators on loopback): locked means nothing uses the data key, whatever path
 * asks, and a lock that lands in the middle of a create waits for it, so a shown-once key is never lost to it.
 */
describe.skipIf(!hasIsolatedKeychain)('the lock and the vendors', () => {
  const HTTP = { responseTimeoutMs: 5000, connectTimeoutMs: 2000, baseBackoffMs: 5, maxAttempts: 1 };
  let home: string;
  let engine: KeywardenEngine;
  const keychain = { answers: true, reads: 0, off: 'locked' as const };
  let nitrobox: NitroboxEmulator;
  let commbox: CommBoxEmulator;

  beforeEach(async () => {
    keychain.answers = true;
    keychain.reads = 0;
    home = mkdtempSync(join(tmpdir(), 'keywarden-lock-vendors-'));
    nitrobox = await startNitroboxEmulator();
    commbox = await startCommBoxEmulator();
    commbox.state.issueActiveKey('Production', { validityDays: 365 });
    engine = KeywardenEngine.open({ home, keychain: switchedKeychain(keychain), http: HTTP });
    await engine.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: nitrobox.state.addUser('admin@acme.example', { role: true }) });
    await engine.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: commbox.state.addAdminToken() });
    expect((await engine.sync()).ok).toBe(true);
  });

  afterEach(async () => {
    keychain.answers = true;
    await engine.resetVault();
    await engine.close();
    await nitrobox.emulator.close();
    await commbox.emulator.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('a lock (and a locked keyring) in the middle of a create waits for it: the shown-once key is cached and the create audited', async () => {
    nitrobox.emulator.setLatency(1500);
    const creating = engine.createKey('nb', 'billing-sync');
    // The request has reached the vendor, which holds its answer: now the screen locks, and the keyring with it.
    while (!nitrobox.emulator.requestLog.includes('POST /api/v1/api-keys')) await new Promise((resolve) => setTimeout(resolve, 10));
    engine.lock('screen');
    keychain.answers = false;
    const issued = await creating;
    expect(issued.cached).toBe(true);
    expect(engine.lockState().locked).toBe(true);
    expect(engine.auditTrail({ action: 'create' })).toEqual([expect.objectContaining({ ref: issued.key.ref, outcome: 'ok', detail: 'secret cached encrypted' })]);
    // Still locked: nothing opens it until unlocked, and then it is the secret the vendor issued.
    expect((await failure(engine.reveal(issued.key.ref))).code).toBe('locked');
    keychain.answers = true;
    await engine.unlock();
    expect(await engine.reveal(issued.key.ref)).toBe(issued.secret);
    expect(nitrobox.state.authenticateClient('billing-sync', issued.secret!)).not.toBeNull();
  });

  it('while locked, create, revoke (with its replacement), test and sync are refused before anything is sent, and the keychain is not read', async () => {
    const production = engine.listKeys({ backend: 'cb' })[0]!;
    engine.lock('manual');
    const readsBefore = keychain.reads;
    const requestsBefore = [nitrobox.emulator.requestLog.length, commbox.emulator.requestLog.length];
    expect((await failure(engine.createKey('nb', 'while-locked'))).code).toBe('locked');
    expect((await failure(engine.revokeKey(production.ref, { revealReplacement: true }))).code).toBe('locked');
    expect((await failure(engine.testKey(production.ref))).code).toBe('locked');
    const refusedSync = await failure(engine.sync());
    expect(refusedSync.code).toBe('locked');
    expect(keychain.reads).toBe(readsBefore);
    expect([nitrobox.emulator.requestLog.length, commbox.emulator.requestLog.length]).toEqual(requestsBefore);
    expect(engine.getKey(production.ref).status).toBe('active');
    // The backends did not fail: the lock was the reason, and their last sync stays as it was.
    expect(engine.listBackends().map((backend) => backend.lastError)).toEqual([null, null]);
  });

  it('a sync that cannot open the vault reports that one problem once, and marks no backend as failing', async () => {
    // A new engine (a new process): the data key is not in memory, and the keyring is locked.
    await engine.close();
    keychain.answers = false;
    engine = KeywardenEngine.open({ home, keychain: switchedKeychain(keychain), http: HTTP });
    const refused = await failure(engine.sync());
    expect(refused.code).toBe('keychain_locked');
    expect(engine.listBackends().map((backend) => [backend.name, backend.lastError])).toEqual([
      ['cb', null],
      ['nb', null],
    ]);
  });
});

describe.skipIf(!hasIsolatedKeychain)('unlocking with the passphrase', () => {
  const PASSPHRASE = 'correct horse battery staple';
  let home: string;
  let engine: KeywardenEngine;
  const keychain = { answers: true, reads: 0, off: 'unavailable' as const };
  let ref: string;
  const secret = randomBytes(24).toString('base64url');

  beforeEach(async () => {
    keychain.answers = true;
    home = mkdtempSync(join(tmpdir(), 'keywarden-lock-passphrase-'));
    engine = KeywardenEngine.open({ home, keychain: switchedKeychain(keychain) });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    ref = (await engine.addManualKey('hand', { name: 'Mailer', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString(), secret })).ref;
    await engine.addPassphrase(PASSPHRASE);
  });

  afterEach(async () => {
    keychain.answers = true;
    await engine.resetVault();
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('asks for the passphrase even when the keychain would answer silently; a wrong one stays locked', async () => {
    engine.lock('manual');
    expect(engine.lockState()).toMatchObject({ locked: true, unlockWith: 'passphrase' });
    expect((await failure(engine.unlock())).code).toBe('passphrase_required');
    expect((await failure(engine.unlock('not the passphrase at all'))).message).toBe("the passphrase does not open this data folder's key");
    expect(engine.lockState().locked).toBe(true);
    expect((await failure(engine.reveal(ref))).code).toBe('locked');
    expect(await engine.unlock(PASSPHRASE)).toMatchObject({ locked: false, unlockWith: 'passphrase' });
    expect(await engine.reveal(ref)).toBe(secret);
    expect(engine.auditTrail({ action: 'unlock' }).map((event) => `${event.outcome}:${event.detail ?? ''}`)).toEqual([
      'failed:passphrase_required',
      'failed:invalid_input',
      'ok:with the passphrase',
    ]);
  });

  it('where no keychain answers (a console on a jump host), the passphrase opens the vault, and again after a lock', async () => {
    await engine.close();
    keychain.answers = false;
    // As `keywarden ui` opens it: no prompt in a terminal, no passphrase file.
    engine = KeywardenEngine.open({ home, keychain: switchedKeychain(keychain), passphrase: async () => null });
    const refused = await failure(engine.reveal(ref));
    expect(refused.code).toBe('vault_locked');
    expect(refused.details).toMatchObject({ unlockWith: 'passphrase' });
    await engine.unlock(PASSPHRASE);
    expect(await engine.reveal(ref)).toBe(secret);
    engine.lock('idle');
    expect((await failure(engine.reveal(ref))).code).toBe('locked');
    await engine.unlock(PASSPHRASE);
    expect(await engine.reveal(ref)).toBe(secret);
  });
});

describe.skipIf(!hasIsolatedKeychain)('vault reset by another process', () => {
  it('a long-lived process notices the reset before it seals, so what it caches opens in every process afterwards', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keywarden-lock-reset-'));
    const console = KeywardenEngine.open({ home });
    try {
      await console.addBackend({ name: 'hand', type: 'manual' });
      await console.addManualKey('hand', { name: 'Before', secret: 'sealed-before-the-reset' });
      // The console holds the data key in memory; another process resets the vault.
      const other = KeywardenEngine.open({ home });
      await other.resetVault();
      await other.close();
      const after = await console.addManualKey('hand', { name: 'After', secret: 'sealed-after-the-reset' });
      expect(after.secretCached).toBe(true);
      // A third process (the CLI) opens what the console sealed: it was sealed under the new key, not the deleted one.
      const cli = KeywardenEngine.open({ home });
      expect(await cli.reveal(after.ref)).toBe('sealed-after-the-reset');
      await cli.resetVault();
      await cli.close();
    } finally {
      await console.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
