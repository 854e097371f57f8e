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
import { KeywardenEngine } from '../../electron/core/engine.js';
import { createOsKeychain, type Keychain } from '../../electron/core/vault/keychain.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { failure } from '../support/connectors.js';

describe.skipIf(!hasIsolatedKeychain)('the lock', () => {
  let home: string;
  let engine: KeywardenEngine;
  let keychainAnswers = true;
  let ref: string;
  const secret = randomBytes(24).toString('base64url');

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-lock-'));
    const os = createOsKeychain();
    // The OS keychain, with a switch standing for "the keyring is locked and the user cancelled its prompt".
    const keychain: Keychain = {
      get: (service, account) => (keychainAnswers ? os.get(service, account) : Promise.resolve(null)),
      set: (service, account, value) => os.set(service, account, value),
      delete: (service, account) => os.delete(service, account),
      isLocked: async () => (keychainAnswers ? false : true),
    };
    engine = KeywardenEngine.open({ home, keychain });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    ref = (await engine.addManualKey('hand', { name: 'Mailer', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString(), secret })).ref;
  });

  afterEach(async () => {
    keychainAnswers = true;
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
    keychainAnswers = false;
    const refused = await failure(engine.unlock());
    expect(refused.code).toMatch(/keychain_locked|vault_locked/);
    expect(engine.lockState().locked).toBe(true);
    expect((await failure(engine.reveal(ref))).code).toBe('locked');

    keychainAnswers = true;
    expect(await engine.unlock()).toEqual({ locked: false, since: null, reason: null });
    expect(await engine.reveal(ref)).toBe(secret);
    expect(engine.auditTrail({ action: 'unlock' }).map((event) => event.outcome)).toEqual(['failed', 'ok']);
  });
});
