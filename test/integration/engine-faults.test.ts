/**
 * What the engine tells the administrator when a vendor's answer goes missing, against the real
 * emulators on loopback, a real SQLite store and the real (isolated) keychain: a revoke or delete whose
 * answer was lost is reconciled by re-listing, never assumed; a lost CommBox revoke that did happen still
 * hands over the replacement's secret; Retry-After is waited for; and a manual key's test target is
 * checked before the key is sent anywhere.
 *
 * `drop` cuts the connection without carrying the request out; `lost-reply` carries it out first. The
 * client cannot tell them apart, which is the point: only re-listing can.
 *
 *   node test/support/with-test-keychain.mjs npx vitest run test/integration/engine-faults.test.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import { startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import type { RunningEmulator } from '../../electron/core/backends/emulator-kit.js';
import type { HttpOptions } from '../../electron/core/backends/http.js';
import { startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { failure } from '../support/connectors.js';

const HTTP: Partial<Omit<HttpOptions, 'backendName'>> = { baseBackoffMs: 5, responseTimeoutMs: 800 };

describe.skipIf(process.env.KEYWARDEN_TEST_KEYCHAIN !== 'isolated')('engine when answers go missing (real keychain)', () => {
  let home: string;
  let engine: KeywardenEngine | null = null;
  const emulators: RunningEmulator[] = [];

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'keywarden-engine-faults-'));
  });

  afterEach(async () => {
    await engine?.close();
    engine = null;
    await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
    await rm(home, { recursive: true, force: true });
  });

  function open(http: Partial<Omit<HttpOptions, 'backendName'>> = HTTP): KeywardenEngine {
    engine = KeywardenEngine.open({ home, http });
    return engine;
  }

  async function commBox() {
    const started = await startCommBoxEmulator();
    emulators.push(started.emulator);
    const token = started.state.addAdminToken();
    const active = started.state.issueActiveKey('Production');
    const kw = open();
    await kw.addBackend({ name: 'cb', type: 'commbox', url: started.emulator.url, credential: token });
    expect((await kw.sync(['cb'])).ok).toBe(true);
    return { ...started, kw, active, ref: `cb/${active.key.id}` };
  }

  async function nitrobox() {
    const started = await startNitroboxEmulator();
    emulators.push(started.emulator);
    const token = started.state.addUser('admin@acme.example', { role: true });
    started.state.seedClient('old-client');
    const kw = open();
    await kw.addBackend({ name: 'nb', type: 'nitrobox', url: started.emulator.url, credential: token });
    expect((await kw.sync(['nb'])).ok).toBe(true);
    return { ...started, kw, ref: 'nb/old-client' };
  }

  function lastAudit(kw: KeywardenEngine, action: string) {
    return kw.auditTrail().find((event) => event.action === action);
  }

  describe('revoke', () => {
    it('CommBox: a revoke cut before CommBox acted is outcome_unknown, and the key stays active here and there', async () => {
      const { kw, emulator, state, active, ref } = await commBox();
      emulator.addFault({ kind: 'drop', method: 'POST', pathPrefix: `/v1/api-keys/${active.key.id}/revoke` });

      const error = await failure(kw.revokeKey(ref, { validityDays: 90 }));

      expect(error.code).toBe('outcome_unknown');
      expect(error.details.revoked).toBe(false);
      expect(error.message).toMatch(/still active/);
      expect(state.findKey(active.key.id)?.status).toBe('active');
      expect(kw.getKey(ref).status).toBe('active');
      expect(kw.listKeys({ backend: 'cb' }).map((key) => key.ref)).toEqual([ref]);
      expect(lastAudit(kw, 'revoke')).toMatchObject({ ref, outcome: 'failed' });
    });

    it('BoxWatch: a revoke (DELETE) cut before BoxWatch acted is outcome_unknown, sent once, and the key stays active', async () => {
      const { emulator, state } = await startBoxWatchEmulator();
      emulators.push(emulator);
      const account = state.addAccount('ops@acme.example');
      const credential = state.issueKey(account.id, 'Keywarden');
      const other = state.issueKey(account.id, 'CI', { allowSecond: true });
      const kw = open();
      await kw.addBackend({ name: 'bw', type: 'boxwatch', url: emulator.url, credential: credential.secret });
      expect((await kw.sync(['bw'])).ok).toBe(true);
      const ref = `bw/${other.key.id}`;
      emulator.addFault({ kind: 'drop', method: 'DELETE', pathPrefix: `/api-keys/${other.key.id}`, times: 10 });

      const error = await failure(kw.revokeKey(ref));

      expect(error.code).toBe('outcome_unknown');
      expect(error.details.revoked).toBe(false);
      // A revoke is never resent: one DELETE, then the re-listing.
      expect(emulator.requestLog.filter((line) => line === `DELETE /api-keys/${other.key.id}`)).toHaveLength(1);
      expect(state.keys.some((key) => key.id === other.key.id)).toBe(true);
      expect(kw.getKey(ref).status).toBe('active');
    });

    it('CommBox: a revoke whose answer was lost after CommBox did it returns the replacement with its secret, cached', async () => {
      const { kw, emulator, state, active, ref } = await commBox();
      emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: `/v1/api-keys/${active.key.id}/revoke` });

      const result = await kw.revokeKey(ref, { validityDays: 90, revealReplacement: true });

      const replacement = state.activeKey()!;
      expect(replacement.id).not.toBe(active.key.id);
      expect(result.revoked).toMatchObject({ ref, status: 'grace' });
      expect(result.replacement?.key.ref).toBe(`cb/${replacement.id}`);
      expect(result.replacement?.secret).toBe(replacement.secret);
      expect(result.replacement?.key.secretCached).toBe(true);
      // Cached: revealed from the encrypted cache with CommBox gone.
      await emulator.close();
      expect(await kw.reveal(`cb/${replacement.id}`)).toBe(replacement.secret);
      expect(lastAudit(kw, 'revoke')).toMatchObject({ ref, outcome: 'ok' });
    });
  });

  describe('a gateway that answers 5xx after the vendor acted (one rule for every change, in workflows/vendor-changes.ts)', () => {
    it('Nitrobox: a create answered 502 after the client was made is re-listed, not reported as a failure to retry', async () => {
      const { kw, emulator, state } = await nitrobox();
      emulator.addFault({ kind: 'gateway-status', status: 502, method: 'POST', pathPrefix: '/api/v1/api-keys' });

      const error = await failure(kw.createKey('nb', 'gw-502'));

      expect(error.code).toBe('outcome_unknown');
      expect(error.details).toMatchObject({ created: true, ref: 'nb/gw-502' });
      expect(error.message).toMatch(/was created \(nb\/gw-502\) but its one-time secret was lost in transit/);
      // Sent once, then the list: never a second create.
      expect(emulator.requestLog.filter((line) => line === 'POST /api/v1/api-keys')).toHaveLength(1);
      expect(state.findClient('gw-502')).not.toBeNull();
      expect(kw.listKeys({ backend: 'nb' }).map((key) => key.name)).toContain('gw-502');
      expect(lastAudit(kw, 'create')).toMatchObject({ ref: 'nb/gw-502', outcome: 'unknown' });
    });

    it('Nitrobox: a create answered 408 after the client was made is re-listed too: a timeout on the way is no refusal', async () => {
      const { kw, emulator, state } = await nitrobox();
      emulator.addFault({ kind: 'gateway-status', status: 408, method: 'POST', pathPrefix: '/api/v1/api-keys' });

      const error = await failure(kw.createKey('nb', 'gw-408'));

      expect(error.code).toBe('outcome_unknown');
      expect(error.details).toMatchObject({ created: true, ref: 'nb/gw-408' });
      expect(emulator.requestLog.filter((line) => line === 'POST /api/v1/api-keys')).toHaveLength(1);
      expect(state.findClient('gw-408')).not.toBeNull();
      expect(lastAudit(kw, 'create')).toMatchObject({ ref: 'nb/gw-408', outcome: 'unknown' });
    });

    it('Nitrobox: a create answered 503 before anything was made says so after re-listing: it can be tried again', async () => {
      const { kw, emulator, state } = await nitrobox();
      emulator.addFault({ kind: 'status', status: 503, method: 'POST', pathPrefix: '/api/v1/api-keys' });

      const error = await failure(kw.createKey('nb', 'gw-503'));

      expect(error.code).toBe('outcome_unknown');
      expect(error.details).toMatchObject({ created: false });
      expect(error.message).toMatch(/re-listing shows no key "gw-503", so it was not created and can be tried again/);
      expect(state.findClient('gw-503')).toBeNull();
      expect(emulator.requestLog.filter((line) => line === 'POST /api/v1/api-keys')).toHaveLength(1);
    });

    it('CommBox: a revoke answered 504 after CommBox revoked is confirmed by re-listing, with the replacement recovered and cached', async () => {
      const { kw, emulator, state, active, ref } = await commBox();
      emulator.addFault({ kind: 'gateway-status', status: 504, method: 'POST', pathPrefix: `/v1/api-keys/${active.key.id}/revoke` });

      const result = await kw.revokeKey(ref, { validityDays: 90 });

      const replacement = state.activeKey()!;
      expect(result.revoked).toMatchObject({ ref, status: 'grace' });
      expect(result.replacement?.key.ref).toBe(`cb/${replacement.id}`);
      expect(result.replacement?.key.secretCached).toBe(true);
      expect(emulator.requestLog.filter((line) => line === `POST /v1/api-keys/${active.key.id}/revoke`)).toHaveLength(1);
      expect(lastAudit(kw, 'revoke')).toMatchObject({ ref, outcome: 'ok', detail: 'answer lost; confirmed by re-listing' });
    });

    it("a 4xx the vendor explained is a refusal: nothing is re-listed, and the error is the vendor's", async () => {
      const { kw, emulator } = await nitrobox();
      const before = emulator.requestLog.length;
      emulator.addFault({ kind: 'status', status: 400, method: 'POST', pathPrefix: '/api/v1/api-keys' });

      const error = await failure(kw.createKey('nb', 'refused'));

      expect(error.code).not.toBe('outcome_unknown');
      expect(emulator.requestLog.slice(before)).toEqual(['POST /api/v1/api-keys']);
      expect(lastAudit(kw, 'create')).toMatchObject({ ref: null, outcome: 'failed' });
    });
    it('a change the connector refuses before sending anything is a refusal too: nothing is sent, nothing is re-listed', async () => {
      const { kw, emulator, state, active, ref } = await commBox();
      const before = emulator.requestLog.length;

      const error = await failure(kw.revokeKey(ref, { validityDays: 400 }));

      expect(error.code).toBe('invalid_input');
      expect(emulator.requestLog.slice(before)).toEqual([]);
      expect(state.findKey(active.key.id)?.status).toBe('active');
      expect(lastAudit(kw, 'revoke')).toMatchObject({ ref, outcome: 'failed', detail: 'invalid_input' });
    });
  });

  describe('delete', () => {
    it('Nitrobox: a delete whose every try is cut before Nitrobox acted keeps the key, after re-listing finds it', async () => {
      const { kw, emulator, state, ref } = await nitrobox();
      emulator.addFault({ kind: 'drop', method: 'DELETE', times: 10 });

      const error = await failure(kw.deleteKey(ref));

      expect(error.code).toBe('outcome_unknown');
      expect(error.message).toMatch(/not deleted/);
      expect(state.findClient('old-client')).not.toBeNull();
      expect(kw.listKeys({ backend: 'nb' }).map((key) => key.ref)).toEqual([ref]);
      // The re-listing happened: the list was requested again after the failed deletes.
      const log = emulator.requestLog;
      expect(log.lastIndexOf('GET /api/v1/api-keys')).toBeGreaterThan(log.lastIndexOf('DELETE /api/v1/api-keys/old-client'));
      expect(lastAudit(kw, 'delete')).toMatchObject({ ref, outcome: 'unknown' });
    });

    it('Nitrobox: a delete whose answer was lost after Nitrobox did it is resent, and its 404 completes the delete', async () => {
      const { kw, emulator, state, ref } = await nitrobox();
      emulator.addFault({ kind: 'lost-reply', method: 'DELETE' });

      await kw.deleteKey(ref);

      expect(state.findClient('old-client')).toBeNull();
      expect(kw.listKeys({ backend: 'nb' })).toEqual([]);
      expect(lastAudit(kw, 'delete')).toMatchObject({ ref, outcome: 'ok' });
    });
  });

  describe('Retry-After', () => {
    // Lower bounds only: with a 5 ms backoff base, a client ignoring Retry-After retries within milliseconds.
    it('a list answered 503 with Retry-After: 1 is retried no sooner than a second later, and the sync succeeds', async () => {
      const { kw, emulator } = await commBox();
      emulator.addFault({ kind: 'status', status: 503, retryAfterSeconds: 1, method: 'GET', pathPrefix: '/v1/api-keys' });
      const started = performance.now();
      const report = await kw.sync(['cb']);
      expect(report.ok).toBe(true);
      expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    });

    it('a delete answered 429 with Retry-After: 1 is retried no sooner than a second later, and completes', async () => {
      const { kw, emulator, state, ref } = await nitrobox();
      emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'DELETE' });
      const started = performance.now();
      await kw.deleteKey(ref);
      expect(performance.now() - started).toBeGreaterThanOrEqual(950);
      expect(state.findClient('old-client')).toBeNull();
    });
  });

  describe('manual key test target', () => {
    async function manualWithTarget(http: Partial<Omit<HttpOptions, 'backendName'>> = HTTP) {
      const { emulator, state } = await startBoxWatchEmulator();
      emulators.push(emulator);
      const secret = state.issueKey(state.addAccount('ops@acme.example').id, 'By hand').secret;
      const kw = open(http);
      await kw.addBackend({ name: 'hand', type: 'manual' });
      return { kw, emulator, secret };
    }

    it('refuses link-local, user info, a fragment and a reserved header at add time, storing nothing', async () => {
      const { kw, secret } = await manualWithTarget();
      const template = { url: 'https://api.example.com/v1/me', header: 'Authorization', valueTemplate: 'Bearer {secret}', expectStatus: 200 };
      for (const change of [
        { url: 'https://169.254.169.254/latest/meta-data/' },
        { url: 'https://user:pw@example.com/x' },
        { url: 'https://example.com/x#y' },
        { header: 'Host' },
        { header: 'Proxy-Authorization' },
        { header: 'X Key' },
      ]) {
        const error = await failure(kw.addManualKey('hand', { name: 'k', secret, test: { ...template, ...change } }));
        expect(error.code, JSON.stringify(change)).toBe('invalid_input');
      }
      expect(kw.listKeys({ backend: 'hand' })).toEqual([]);
      // Allowed explicitly, a private address is accepted.
      await kw.addManualKey('hand', { name: 'intranet', secret, test: { ...template, url: 'https://10.0.0.5/v1/me', allowPrivateNetwork: true } });
      expect(kw.listKeys({ backend: 'hand' })).toHaveLength(1);
    });

    it('refuses at test time a host name that resolves to a link-local address, and loopback without the consent', async () => {
      const resolveHost = async () => [{ address: '169.254.169.254', family: 4 }];
      const { kw, emulator, secret } = await manualWithTarget({ ...HTTP, resolveHost });
      const template = { header: 'Authorization', valueTemplate: 'Bearer {secret}', expectStatus: 200 };
      const guarded = await kw.addManualKey('hand', { name: 'guarded', secret, test: { ...template, url: 'https://api.vendor.example/auth/me' } });
      const local = `http://localhost:${emulator.port}/auth/me`;
      const refusedAtAdd = await failure(kw.addManualKey('hand', { name: 'local', secret, test: { ...template, url: local } }));
      const allowed = await kw.addManualKey('hand', { name: 'allowed', secret, test: { ...template, url: local, allowPrivateNetwork: true } });

      const error = await failure(kw.testKey(guarded.ref));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('169.254.169.254');
      expect(error.message).not.toContain(secret);
      expect(refusedAtAdd.message).toMatch(/a loopback address \(this machine\).*--test-allow-private-network/);
      expect(kw.listKeys({ backend: 'hand' }).map((key) => key.name)).toEqual(expect.arrayContaining(['guarded', 'allowed']));
      expect(kw.listKeys({ backend: 'hand' })).toHaveLength(2);
      expect(emulator.requestLog).toEqual([]);

      // The stored consent turns the guard off: the operating system resolves localhost and the test runs.
      expect(await kw.testKey(allowed.ref)).toMatchObject({ ok: true });
      expect(emulator.requestLog).toEqual(['GET /auth/me']);
    });

    it('a secret stays out of every refusal message', async () => {
      const { kw } = await manualWithTarget();
      const secret = `sk_${randomBytes(16).toString('hex')}`;
      const error = await failure(
        kw.addManualKey('hand', { name: 'k', secret, test: { url: 'https://example.com/x', header: 'Authorization', valueTemplate: `Bearer ${secret}`, expectStatus: 200 } }),
      );
      expect(error.code).toBe('invalid_input');
      expect(error.message).not.toContain(secret);
    });
  });
});
