/**
 * The same secret under two keys, as an administrator meets it: two manual keys typed in with one secret are listed by
 * Health, naming each other, from the store alone; the fingerprint that finds them is keyed (not a plain hash of the
 * secret) and never shown. Secrets cached before fingerprints existed get theirs once the data key is next in memory
 * (here: a reveal), and `vault reset` drops them with the secrets. A real engine and SQLite file; the data key in an
 * in-memory keychain. Secrets are made at run time.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { openSqlite } from '../../electron/core/store/sqlite.js';
import { memoryKeychain, type MemoryKeychain } from '../support/memory-keychain.js';

describe('health: the same secret under two keys', () => {
  let home: string;
  let keychain: MemoryKeychain;
  let engine: KeywardenEngine;
  const secret = `sk_live_${randomBytes(18).toString('base64url')}`;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-fingerprints-'));
    keychain = memoryKeychain();
    engine = KeywardenEngine.open({ home, keychain });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', secret, expiresAt: '2099-01-01' });
    await engine.addManualKey('hand', { name: 'Stripe (old copy)', vendor: 'Stripe', secret, expiresAt: '2099-01-01' });
    await engine.addManualKey('hand', { name: 'Mailgun', vendor: 'Mailgun', secret: `key-${randomBytes(16).toString('hex')}`, expiresAt: '2099-01-01' });
  });

  afterEach(async () => {
    await engine?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const duplicates = async () => (await engine.health()).findings.find((finding) => finding.category === 'duplicate-secret')?.subjects.map((subject) => `${subject.name}: ${subject.detail}`);
  const fingerprints = (): Buffer[] => {
    const db = openSqlite(join(home, 'keywarden.db'), { readOnly: true });
    try {
      return db
        .prepare<{ fingerprint: Buffer | null }>('SELECT fingerprint FROM key_secrets ORDER BY key_id')
        .all()
        .flatMap((row) => (row.fingerprint ? [row.fingerprint] : []));
    } finally {
      db.close();
    }
  };

  it('a secret shared with a revoked key is no duplicate: only keys still in use count', async () => {
    const copy = engine.listKeys({ search: 'old copy' })[0]!;
    expect(await duplicates()).toHaveLength(2);
    const db = openSqlite(join(home, 'keywarden.db'));
    try {
      db.prepare("UPDATE keys SET status = 'revoked' WHERE key_id = ?").run(copy.id);
    } finally {
      db.close();
    }
    expect(await duplicates()).toBeUndefined();
  });

  it('lists both keys, each naming the other, without opening a secret; the fingerprint is keyed and never shown', async () => {
    const refOf = (name: string) => engine.listKeys({ search: name }).find((key) => key.name === name)!.ref;
    const [prod, copy] = [refOf('Stripe prod'), refOf('Stripe (old copy)')];
    keychain.locked = true; // Health reads metadata only: a locked keyring is never asked.
    expect((await duplicates())?.sort()).toEqual([`Stripe (old copy): same secret as ${prod}`, `Stripe prod: same secret as ${copy}`]);
    expect(keychain.prompts).toBe(0);
    keychain.locked = false;

    const stored = fingerprints();
    expect(stored).toHaveLength(3);
    // Keyed: neither a plain hash of the secret nor an HMAC under no key.
    for (const unkeyed of [createHash('sha256').update(secret).digest(), createHmac('sha256', Buffer.alloc(0)).update(secret).digest()]) {
      expect(stored.some((fingerprint) => fingerprint.equals(unkeyed))).toBe(false);
    }
    const json = JSON.stringify(await engine.health());
    for (const fingerprint of stored) {
      expect(json).not.toContain(fingerprint.toString('hex'));
      expect(json).not.toContain(fingerprint.toString('base64'));
    }
    expect(json).not.toContain(secret);
  });

  it('secrets cached before fingerprints get theirs when the data key is next in memory; vault reset drops them', async () => {
    await engine.close();
    // As a file upgraded by migration 009 holds them: sealed secrets, no fingerprints.
    const db = openSqlite(join(home, 'keywarden.db'));
    db.prepare('UPDATE key_secrets SET fingerprint = NULL').run();
    db.close();

    engine = KeywardenEngine.open({ home, keychain });
    expect(await duplicates()).toBeUndefined();
    const mailgun = engine.listKeys({ search: 'Mailgun' })[0]!;
    await engine.reveal(mailgun.ref);
    await engine.close(); // waits for the backfill the reveal started
    engine = KeywardenEngine.open({ home, keychain });
    expect(fingerprints()).toHaveLength(3);
    expect(await duplicates()).toHaveLength(2);
    expect(engine.auditTrail({ limit: 50 }).map((event) => [event.action, event.detail])).toContainEqual(['vault.fingerprint', '3 cached secrets fingerprinted for Health']);

    await engine.resetVault();
    expect(fingerprints()).toEqual([]);
    expect(await duplicates()).toBeUndefined();
  });
});
