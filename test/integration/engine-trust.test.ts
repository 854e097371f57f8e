/**
 * The engine's trust guarantees, against the real emulators on loopback, real SQLite files and the
 * private test keychain:
 * - a sync commits all it learned from a backend or nothing (a failed secret fetch or a failed later
 *   page leaves the previous inventory and its last good sync time as they were);
 * - what decides where a secret is sent is bound into the sealed record: a backend URL edited in the
 *   database makes the credential fail to open, and nothing reaches the other listener;
 * - a shown-once key is never lost to a busy database: the engine waits for another process's write
 *   lock, and if it cannot store the secret it returns it, uncached, instead of failing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { type BoxWatchEmulator, startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { holdWriteLock } from '../support/sqlite-lock.js';

const HTTP = { responseTimeoutMs: 2000, connectTimeoutMs: 2000, baseBackoffMs: 5, maxAttempts: 2 };

describe.skipIf(!hasIsolatedKeychain)('engine trust guarantees', () => {
  let home: string;
  let engine: KeywardenEngine;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-engine-trust-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
  });

  afterEach(async () => {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  describe('a CommBox sync is all or nothing', () => {
    let commbox: CommBoxEmulator;

    beforeEach(async () => {
      commbox = await startCommBoxEmulator();
      commbox.state.issueActiveKey('Production', { validityDays: 365 });
      await engine.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: commbox.state.addAdminToken() });
      expect((await engine.sync(['cb'])).ok).toBe(true);
    });

    afterEach(async () => {
      await commbox.emulator.close();
    });

    it('a secret fetch answered 500 fails the sync and changes nothing: not the keys, not the last good sync time', async () => {
      const before = engine.listKeys({ backend: 'cb' });
      const lastOk = engine.getBackend('cb').lastSyncOkAt;
      // A year later CommBox has rotated: a new active key whose secret Keywarden does not hold yet.
      commbox.emulator.clock.advanceDays(366);
      commbox.emulator.addFault({ kind: 'status', status: 500, method: 'GET', pathPrefix: '/v1/api-keys/', times: 100 });

      const report = await engine.sync(['cb']);
      expect(report.ok).toBe(false);
      expect(report.results[0]!.errorCode).toBe('vendor_unavailable');
      expect(engine.listKeys({ backend: 'cb' })).toEqual(before);
      const backend = engine.getBackend('cb');
      expect(backend.lastSyncOkAt).toBe(lastOk);
      expect(backend.lastError).toMatch(/HTTP 500/);

      // Once the vendor answers again, the same sync commits the rotation and the new key's secret.
      commbox.emulator.clearFaults();
      expect((await engine.sync(['cb'])).ok).toBe(true);
      const after = engine.listKeys({ backend: 'cb' });
      expect(after.map((key) => key.status).sort()).toEqual(['active', 'grace']);
      expect(after.find((key) => key.status === 'active')!.secretCached).toBe(true);
    });
  });

  describe('a sync of several pages is all or nothing', () => {
    let nitrobox: NitroboxEmulator;

    beforeEach(async () => {
      nitrobox = await startNitroboxEmulator();
      const token = nitrobox.state.addUser('admin@acme.example', { role: true });
      for (let i = 0; i < 150; i++) nitrobox.state.seedClient(`client-${String(i).padStart(3, '0')}`, { createdAt: new Date().toISOString(), createdBy: 'admin@acme.example' });
      await engine.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: token });
      expect((await engine.sync(['nb'])).ok).toBe(true);
    });

    afterEach(async () => {
      await nitrobox.emulator.close();
    });

    it('a second page that fails leaves the first page uncommitted: the keys the vendor dropped are still listed', async () => {
      const before = engine.listKeys({ backend: 'nb' }).map((key) => key.ref);
      expect(before).toHaveLength(150);
      // The vendor now lists fewer clients; page 2 of that answer fails. Committing page 1 alone would
      // sweep away keys that exist (they are on page 2).
      for (let i = 0; i < 10; i++) nitrobox.state.deleteClient(`client-${String(i).padStart(3, '0')}`);
      nitrobox.emulator.addFault({ kind: 'status', status: 503, method: 'GET', hasQuery: 'cursor', times: 100 });
      const report = await engine.sync(['nb']);
      expect(report.ok).toBe(false);
      expect(report.results[0]!.pages).toBe(1);
      expect(engine.listKeys({ backend: 'nb' }).map((key) => key.ref)).toEqual(before);
    });

    it('a sync that runs past its deadline fails and keeps the previous inventory', async () => {
      await engine.close();
      engine = KeywardenEngine.open({ home, http: HTTP, syncLimits: { deadlineMs: 500 } });
      for (let i = 0; i < 10; i++) nitrobox.state.deleteClient(`client-${String(i).padStart(3, '0')}`);
      // Page 2 is answered "429, retry after 1 s" once: the retry succeeds, but the sync's time is up.
      nitrobox.emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'GET', hasQuery: 'cursor', times: 1 });
      const report = await engine.sync(['nb']);
      expect(report.ok).toBe(false);
      expect(report.results[0]).toMatchObject({ errorCode: 'timeout', pages: 2 });
      expect(report.results[0]!.error).toMatch(/did not finish within 1 s; the cached inventory is kept/);
      expect(engine.listKeys({ backend: 'nb' })).toHaveLength(150);
    });

    it('a sync that receives more bytes than its bound fails and keeps the previous inventory', async () => {
      await engine.close();
      engine = KeywardenEngine.open({ home, http: HTTP, syncLimits: { maxBytes: 4 * 1024 } });
      for (let i = 0; i < 10; i++) nitrobox.state.deleteClient(`client-${String(i).padStart(3, '0')}`);
      const report = await engine.sync(['nb']);
      expect(report.ok).toBe(false);
      expect(report.results[0]).toMatchObject({ errorCode: 'malformed_response' });
      expect(report.results[0]!.error).toMatch(/more than 4 KiB in one sync/);
      expect(engine.listKeys({ backend: 'nb' })).toHaveLength(150);
    });
  });

  it('a backend URL edited in the database makes the credential fail to open; nothing is sent to the new address', async () => {
    const boxwatch: BoxWatchEmulator = await startBoxWatchEmulator();
    const account = boxwatch.state.addAccount('ops@acme.example', 'Acme Ops');
    const issued = boxwatch.state.issueKey(account.id, 'CI pipeline');
    const received: string[] = [];
    const listener = http.createServer((request, response) => {
      received.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[],"nextCursor":null}');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      await engine.addBackend({ name: 'bw', type: 'boxwatch', url: boxwatch.emulator.url, credential: issued.secret });
      expect((await engine.sync(['bw'])).ok).toBe(true);
      await engine.close();

      // Someone with write access to the file points the backend at their own listener.
      const db = new Database(join(home, 'keywarden.db'));
      db.prepare('UPDATE backends SET url = ? WHERE name = ?').run(`http://127.0.0.1:${(listener.address() as AddressInfo).port}`, 'bw');
      db.close();

      engine = KeywardenEngine.open({ home, http: HTTP });
      const report = await engine.sync(['bw']);
      expect(report.ok).toBe(false);
      expect(report.results[0]!.errorCode).toBe('vault_key_mismatch');
      expect(report.results[0]!.error).toMatch(/URL, type or test target was changed/);
      expect(received).toEqual([]);
      // The cached key secret is bound the same way: it does not open either.
      const [key] = engine.listKeys({ backend: 'bw' });
      await expect(engine.reveal(key!.ref)).rejects.toMatchObject({ code: 'vault_key_mismatch' });
    } finally {
      listener.close();
      await boxwatch.emulator.close();
    }
  });

  describe('a shown-once key and a busy database', () => {
    let nitrobox: NitroboxEmulator;

    beforeEach(async () => {
      nitrobox = await startNitroboxEmulator();
      await engine.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: nitrobox.state.addUser('admin@acme.example', { role: true }) });
    });

    afterEach(async () => {
      await nitrobox.emulator.close();
    });

    it('waits for another process holding the write lock longer than the busy timeout, then caches the key', async () => {
      const holder = await holdWriteLock(join(home, 'keywarden.db'), 7_000);
      const started = Date.now();
      const issued = await engine.createKey('nb', 'during-lock');
      expect(Date.now() - started).toBeGreaterThanOrEqual(5_000); // it did wait past the 5 s busy timeout
      await holder.done;
      expect(issued.cached).toBe(true);
      expect(await engine.reveal(issued.key.ref)).toBe(issued.secret);
      expect(engine.auditTrail().at(-2)).toMatchObject({ action: 'create', ref: issued.key.ref, outcome: 'ok' });
    });

    it('returns the secret, marked uncached, when the database never frees up; the vendor has exactly one new client', async () => {
      await engine.close();
      engine = KeywardenEngine.open({ home, http: HTTP, shownOnceStoreWaitMs: 500 });
      const holder = await holdWriteLock(join(home, 'keywarden.db'), 6_500);
      const issued = await engine.createKey('nb', 'during-lock');
      await holder.done;
      expect(issued.cached).toBe(false);
      expect(issued.secret).toBeTruthy();
      expect(issued.key).toMatchObject({ name: 'during-lock', secretCached: false });
      // The secret handed back is the real one: the vendor accepts it for that client.
      expect(nitrobox.state.findClient('during-lock')).not.toBeNull();
      expect(nitrobox.state.authenticateClient('during-lock', issued.secret!)).not.toBeNull();
    });
  });
});
