/**
 * The connector conformance suite: every vendor's connector, against its emulator over real loopback
 * HTTP, must behave the same way where the engine relies on it (pagination, credentials, tests, the
 * workflows its definition claims, and how each failure reads), whatever the vendor's wire protocol.
 *
 * HOW TO ADD A VENDOR
 * 1. Create `electron/core/backends/<vendor>/` (definition, connector, emulator, schemas, README) and
 *    add its definition to `registry.ts`.
 * 2. Add `test/integration/conformance/<vendor>.ts` exporting a `ConformanceFixture` (see `fixture.ts`):
 *    the definition, a backend name, the path of its list call (null without a list), and `start()`,
 *    which starts the emulator, seeds `SEEDED_KEYS` keys (more than one page), and returns a working and
 *    a bad credential, a key that tests ok and one that does not, one check per capability the
 *    definition claims, and the calls that create or revoke keys.
 * 3. Add the fixture to `FIXTURES` below. The first test fails until every registered type has a fixture,
 *    and the capability tests fail for a claimed capability without a check.
 * Cases that do not apply to a vendor (no list, no credential, no create or revoke) are skipped by the
 * flags derived from its definition, and show as skipped, never as passed.
 *
 * The ENGINE block at the end uses the real OS keychain; it runs only under
 * `node test/support/with-test-keychain.mjs` (KEYWARDEN_TEST_KEYCHAIN=isolated).
 *
 *   node test/support/with-test-keychain.mjs npx vitest run test/integration/conformance.test.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Capability, IsoDate, KEY_STATUSES, type SyncProgress } from '../../shared/domain.js';
import type { Connector, RemoteKey } from '../../electron/core/backends/backend.js';
import type { HttpClient, HttpOptions } from '../../electron/core/backends/http.js';
import { backendDefinition, knownBackendTypes } from '../../electron/core/backends/registry.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { boxWatchFixture } from './conformance/boxwatch.js';
import { commBoxFixture } from './conformance/commbox.js';
import { type ConformanceFixture, SEEDED_KEYS, SUITE_HTTP, type VendorHarness, connect, countRequests, failure, listAll } from './conformance/fixture.js';
import { manualFixture } from './conformance/manual.js';
import { nitroboxFixture } from './conformance/nitrobox.js';

const FIXTURES: readonly ConformanceFixture[] = [boxWatchFixture, commBoxFixture, nitroboxFixture, manualFixture];

/** Connector methods a claimed capability requires. `reveal` and `rotate` have no single method: the fixture's check proves them. */
const REQUIRED_METHODS: Record<Capability, ReadonlyArray<keyof Connector>> = {
  list: ['listPage'],
  reveal: [],
  test: ['testKey'],
  create: ['createKey'],
  revoke: ['revokeKey'],
  delete: ['deleteKey'],
  rotate: [],
};

/** Methods that would offer a capability: a connector that has one but does not claim the capability must say why. */
const OFFERING_METHODS: Record<Capability, ReadonlyArray<keyof Connector>> = {
  ...REQUIRED_METHODS,
  reveal: ['fetchSecret', 'keyIdForCredential'],
};

function startsWithBackend(message: string, backendName: string): void {
  expect(message.startsWith(`${backendName}: `), `"${message}" should start with "${backendName}: "`).toBe(true);
}

function checkRemoteKey(key: RemoteKey): void {
  expect(typeof key.id === 'string' && key.id.length > 0, `id of ${JSON.stringify(key)}`).toBe(true);
  expect(typeof key.name).toBe('string');
  expect(key.prefix === null || typeof key.prefix === 'string').toBe(true);
  expect(KEY_STATUSES).toContain(key.status);
  for (const field of ['createdAt', 'expiresAt', 'graceEndsAt', 'lastUsedAt'] as const) {
    const value = key[field];
    expect(value === null || IsoDate.safeParse(value).success, `${field} of ${key.id} is ${String(value)}`).toBe(true);
  }
  for (const [name, value] of Object.entries(key.details ?? {})) {
    expect(value === null || ['string', 'number', 'boolean'].includes(typeof value), `details.${name} of ${key.id}`).toBe(true);
  }
}

describe('the suite covers every registered backend type', () => {
  it("has one fixture per type, each with the registry's own definition", () => {
    expect(FIXTURES.map((fixture) => fixture.definition.type).sort()).toEqual([...knownBackendTypes()].sort());
    for (const fixture of FIXTURES) expect(backendDefinition(fixture.definition.type)).toBe(fixture.definition);
  });
});

describe.each(FIXTURES.map((fixture) => [fixture.definition.type, fixture] as const))('%s connector', (_type, fixture) => {
  const { definition, backendName, listPath } = fixture;
  const listable = definition.capabilities.includes('list');
  const credentialed = definition.requiresCredential;
  const writes = definition.capabilities.filter((capability) => capability === 'create' || capability === 'revoke');

  let harness: VendorHarness;
  const clients: HttpClient[] = [];

  beforeEach(async () => {
    harness = await fixture.start();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await harness.close();
  });

  async function build(options: { credential?: string | null; http?: Partial<Omit<HttpOptions, 'backendName'>> } = {}): Promise<Connector> {
    const built = await connect(fixture, harness, options);
    clients.push(built.http);
    return built.connector;
  }

  /** The emulator and list path of a listable vendor (the cases using them are skipped for the others). */
  function listTarget(): { emulator: NonNullable<VendorHarness['emulator']>; path: string } {
    expect(harness.emulator).not.toBeNull();
    expect(listPath).not.toBeNull();
    return { emulator: harness.emulator!, path: listPath! };
  }

  describe('capabilities', () => {
    for (const capability of Capability.options) {
      const claimed = definition.capabilities.includes(capability);
      if (claimed) {
        it(`claims "${capability}": has ${REQUIRED_METHODS[capability].join(', ') || 'its fixture check'} and works once against the emulator`, async () => {
          const connector = await build();
          for (const method of REQUIRED_METHODS[capability]) expect(typeof connector[method], `connector.${method}`).toBe('function');
          const check = harness.capabilityChecks[capability];
          expect(check, `the ${definition.type} fixture must prove "${capability}"`).toBeTypeOf('function');
          await check!(connector);
        });
      } else {
        it(`does not claim "${capability}": says why, or offers no method for it`, async () => {
          const connector = await build();
          const reason = definition.unsupportedReasons[capability];
          const offered = OFFERING_METHODS[capability].filter((method) => connector[method] !== undefined);
          if (reason === undefined) expect(offered, `connector offers ${offered.join(', ')} for unclaimed "${capability}" without a reason`).toEqual([]);
          else expect(reason.trim().length).toBeGreaterThan(20);
        });
      }
    }
  });

  describe('list', () => {
    it.skipIf(!listable)(`walks every page: more than one, each of the ${SEEDED_KEYS} seeded keys exactly once, valid fields, no secrets`, async () => {
      const connector = await build();
      const { keys, pages } = await listAll(connector);
      expect(pages).toBeGreaterThan(1);
      const ids = keys.map((key) => key.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...harness.seededIds].sort());
      for (const key of keys) checkRemoteKey(key);
      const text = JSON.stringify(keys);
      for (const secret of harness.seededSecrets) expect(text.includes(secret), 'a listed key carries a secret').toBe(false);
    });

    it.skipIf(!listable || !credentialed)('a bad credential is "unauthorized", naming the backend', async () => {
      const error = await failure(async () => (await build({ credential: harness.badCredential })).listPage(null));
      expect(error.code).toBe('unauthorized');
      startsWithBackend(error.message, backendName);
    });

    it.skipIf(!listable)('a 429 with Retry-After: 1 is retried once and the page arrives', async () => {
      const { emulator, path } = listTarget();
      const connector = await build();
      const before = emulator.requestLog.length;
      emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'GET', pathPrefix: path, times: 1 });
      const page = await connector.listPage(null);
      expect(page.keys.length).toBeGreaterThan(0);
      expect(countRequests(emulator, 'GET', path, before)).toBe(2);
    });

    it.skipIf(!listable)('a persistent 500 is "vendor_unavailable", naming the backend', async () => {
      const { emulator, path } = listTarget();
      const connector = await build();
      emulator.addFault({ kind: 'status', status: 500, method: 'GET', pathPrefix: path, times: 100 });
      const error = await failure(() => connector.listPage(null));
      expect(error.code).toBe('vendor_unavailable');
      startsWithBackend(error.message, backendName);
    });

    it.skipIf(!listable)('a hanging answer is "timeout", naming the backend', async () => {
      const { emulator, path } = listTarget();
      const connector = await build();
      emulator.addFault({ kind: 'hang', method: 'GET', pathPrefix: path, times: 10 });
      const error = await failure(() => connector.listPage(null));
      expect(error.code).toBe('timeout');
      startsWithBackend(error.message, backendName);
    });

    it.skipIf(!listable)('malformed JSON is "malformed_response", naming the backend', async () => {
      const { emulator, path } = listTarget();
      const connector = await build();
      emulator.addFault({ kind: 'malformed', method: 'GET', pathPrefix: path });
      const error = await failure(() => connector.listPage(null));
      expect(error.code).toBe('malformed_response');
      startsWithBackend(error.message, backendName);
    });

    it.skipIf(!listable)('JSON of the wrong shape is "malformed_response", naming the field', async () => {
      const { emulator, path } = listTarget();
      const connector = await build();
      emulator.addFault({ kind: 'wrong-shape', method: 'GET', pathPrefix: path });
      const error = await failure(() => connector.listPage(null));
      expect(error.code).toBe('malformed_response');
      startsWithBackend(error.message, backendName);
      expect(error.message).toMatch(/field "[^"(][^"]*"/);
      expect(error.details.field).toBeTypeOf('string');
      expect(error.details.field).not.toBe('(body)');
    });

    it.skipIf(!listable)('an oversized answer is refused as "malformed_response", naming the backend', async () => {
      const { emulator, path } = listTarget();
      const connector = await build({ http: { maxResponseBytes: 64 * 1024 } });
      emulator.addFault({ kind: 'oversized', bytes: 200_000, method: 'GET', pathPrefix: path });
      const error = await failure(() => connector.listPage(null));
      expect(error.code).toBe('malformed_response');
      startsWithBackend(error.message, backendName);
    });

    it.skipIf(!listable)('a page reset in the middle of its body is read again, and arrives whole', async () => {
      const { emulator, path } = listTarget();
      const connector = await build();
      const before = emulator.requestLog.length;
      emulator.addFault({ kind: 'reset-mid-body', method: 'GET', pathPrefix: path, times: 1 });
      const page = await connector.listPage(null);
      expect(page.keys.length).toBeGreaterThan(0);
      expect(countRequests(emulator, 'GET', path, before)).toBe(2);
    });

    it.skipIf(!listable)('a list reset mid-body on every try is "network", naming the backend, after a bounded number of tries', async () => {
      const { emulator, path } = listTarget();
      const connector = await build({ http: { maxAttempts: 3 } });
      const before = emulator.requestLog.length;
      emulator.addFault({ kind: 'reset-mid-body', method: 'GET', pathPrefix: path, times: 100 });
      const error = await failure(() => connector.listPage(null));
      expect(error.code).toBe('network');
      startsWithBackend(error.message, backendName);
      expect(countRequests(emulator, 'GET', path, before)).toBe(3);
    });

    it.skipIf(!listable)('an answer that stops half-way is "timeout", naming the backend, and not asked again', async () => {
      const { emulator, path } = listTarget();
      const connector = await build({ http: { responseTimeoutMs: 300 } });
      const before = emulator.requestLog.length;
      emulator.addFault({ kind: 'stall-mid-body', method: 'GET', pathPrefix: path, times: 10 });
      const error = await failure(() => connector.listPage(null));
      expect(error.code).toBe('timeout');
      startsWithBackend(error.message, backendName);
      expect(countRequests(emulator, 'GET', path, before)).toBe(1);
    });

    it.skipIf(!listable)('a 50 MB answer is refused at the byte bound as "malformed_response", naming the backend', async () => {
      const { emulator, path } = listTarget();
      const built = await connect(fixture, harness, { http: { maxResponseBytes: 1024 * 1024 } });
      clients.push(built.http);
      emulator.addFault({ kind: 'oversized', bytes: 50 * 1024 * 1024, method: 'GET', pathPrefix: path });
      const error = await failure(() => built.connector.listPage(null));
      expect(error.code).toBe('malformed_response');
      startsWithBackend(error.message, backendName);
      // Cut at the bound: the rest of the 50 MB is never read.
      expect(built.http.bytesReceived).toBeLessThan(2 * 1024 * 1024);
    });

    it.skipIf(listable)('has no list: listPage refuses with "unsupported", naming the backend', async () => {
      expect(definition.unsupportedReasons.list).toBeTypeOf('string');
      const error = await failure(async () => (await build()).listPage(null));
      expect(error.code).toBe('unsupported');
      startsWithBackend(error.message, backendName);
    });
  });

  describe('credential', () => {
    it.skipIf(!credentialed)('verifies a working credential, with an account label that does not reveal it', async () => {
      const connector = await build();
      const { account } = await connector.verifyCredential(harness.credential!);
      expect(account.length).toBeGreaterThan(0);
      expect(account).not.toContain(harness.credential!);
    });

    it.skipIf(!credentialed)('refuses a well-formed unknown credential as "unauthorized", naming the backend', async () => {
      const connector = await build();
      const error = await failure(() => connector.verifyCredential(harness.badCredential!));
      expect(error.code).toBe('unauthorized');
      startsWithBackend(error.message, backendName);
      expect(error.message).not.toContain(harness.badCredential!);
    });
  });

  describe('test', () => {
    it('a working key tests ok', async () => {
      const connector = await build();
      const { key, secret } = await harness.goodTestKey(connector);
      const outcome = await connector.testKey(key, secret);
      expect(outcome.ok).toBe(true);
      expect(outcome.detail.length).toBeGreaterThan(0);
    });

    it('a key that does not work tests not ok, without throwing or echoing the secret', async () => {
      const connector = await build();
      const { key, secret } = await harness.badTestKey(connector);
      const outcome = await connector.testKey(key, secret);
      expect(outcome.ok).toBe(false);
      expect(outcome.detail.length).toBeGreaterThan(0);
      if (secret !== null) expect(outcome.detail).not.toContain(secret);
    });
  });

  describe('calls that create or revoke keys', () => {
    it.skipIf(writes.length === 0)(`the fixture lists a write call for each of: ${writes.join(', ') || 'none'}`, () => {
      expect([...new Set(harness.writes.map((write) => write.capability))].sort()).toEqual([...writes].sort());
    });

    it.skipIf(writes.length === 0)('a 429 (even with Retry-After: 1) is not retried: one request, nothing done, "rate_limited"', async () => {
      const { emulator } = listTarget();
      const connector = await build();
      for (const write of harness.writes) {
        const before = emulator.requestLog.length;
        emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: write.method, pathPrefix: write.pathPrefix, times: 5 });
        const error = await failure(() => write.run(connector));
        emulator.clearFaults();
        expect(error.code).toBe('rate_limited');
        startsWithBackend(error.message, backendName);
        expect(countRequests(emulator, write.method, write.pathPrefix, before)).toBe(1);
        expect(await write.happened(connector)).toBe(false);
      }
    });

    for (const kind of ['reset-mid-body', 'stall-mid-body'] as const) {
      it.skipIf(writes.length === 0)(`an answer ${kind === 'reset-mid-body' ? 'reset' : 'stopped'} mid-body is "outcome_unknown", sent once, and the vendor did carry it out`, async () => {
        const { emulator } = listTarget();
        const connector = await build({ http: { responseTimeoutMs: 300 } });
        for (const write of harness.writes) {
          const before = emulator.requestLog.length;
          emulator.addFault({ kind, method: write.method, pathPrefix: write.pathPrefix, times: 5 });
          const error = await failure(() => write.run(connector));
          emulator.clearFaults();
          expect(error.code).toBe('outcome_unknown');
          startsWithBackend(error.message, backendName);
          expect(countRequests(emulator, write.method, write.pathPrefix, before)).toBe(1);
          expect(await write.happened(connector)).toBe(true);
        }
      });
    }

    it.skipIf(writes.length === 0)('a lost reply is "outcome_unknown", sent once, and the vendor did carry it out', async () => {
      const { emulator } = listTarget();
      const connector = await build();
      for (const write of harness.writes) {
        const before = emulator.requestLog.length;
        emulator.addFault({ kind: 'lost-reply', method: write.method, pathPrefix: write.pathPrefix, times: 5 });
        const error = await failure(() => write.run(connector));
        emulator.clearFaults();
        expect(error.code).toBe('outcome_unknown');
        startsWithBackend(error.message, backendName);
        expect(countRequests(emulator, write.method, write.pathPrefix, before)).toBe(1);
        expect(await write.happened(connector)).toBe(true);
      }
    });
  });
});

describe.skipIf(process.env.KEYWARDEN_TEST_KEYCHAIN !== 'isolated')('engine over each listable connector (real OS keychain)', () => {
  const listable = FIXTURES.filter((fixture) => fixture.definition.capabilities.includes('list'));

  describe.each(listable.map((fixture) => [fixture.definition.type, fixture] as const))('%s', (_type, fixture) => {
    const name = fixture.backendName;
    let harness: VendorHarness;
    let engine: KeywardenEngine | null = null;
    let home: string;

    beforeEach(async () => {
      harness = await fixture.start();
      home = await mkdtemp(join(tmpdir(), 'keywarden-conformance-'));
      engine = KeywardenEngine.open({ home, http: SUITE_HTTP });
      await engine.addBackend({ name, type: fixture.definition.type, url: harness.url, credential: harness.credential });
    });

    afterEach(async () => {
      await engine?.close();
      engine = null;
      await harness.close();
      await rm(home, { recursive: true, force: true });
    });

    it(`syncs ${SEEDED_KEYS} keys in 2 pages, with progress started → page → page → done`, async () => {
      const progress: SyncProgress[] = [];
      const report = await engine!.sync([name], { onProgress: (event) => progress.push(event) });
      expect(report.ok).toBe(true);
      expect(report.results).toEqual([expect.objectContaining({ backend: name, ok: true, keyCount: SEEDED_KEYS, pages: 2, error: null, errorCode: null })]);
      expect(progress.map((event) => event.phase)).toEqual(['started', 'page', 'page', 'done']);
      expect(progress.map((event) => event.pages)).toEqual([0, 1, 2, 2]);
      expect(progress.map((event) => event.keys)).toEqual([0, 100, SEEDED_KEYS, SEEDED_KEYS]);
      expect(progress.every((event) => event.backend === name)).toBe(true);
      const keys = engine!.listKeys({ backend: name });
      expect(keys.map((key) => key.id).sort()).toEqual([...harness.seededIds].sort());
    });

    it('a failing sync reports "vendor_unavailable" and keeps the inventory and the last good sync time', async () => {
      expect((await engine!.sync([name])).ok).toBe(true);
      const good = engine!.listBackends().find((backend) => backend.name === name)!;
      expect(good.lastSyncOkAt).not.toBeNull();
      expect(good.lastError).toBeNull();

      harness.emulator!.addFault({ kind: 'status', status: 500, method: 'GET', pathPrefix: fixture.listPath!, times: 1000 });
      const report = await engine!.sync([name]);
      expect(report.ok).toBe(false);
      expect(report.results).toEqual([expect.objectContaining({ backend: name, ok: false, errorCode: 'vendor_unavailable' })]);
      startsWithBackend(report.results[0]!.error!, name);

      expect(
        engine!
          .listKeys({ backend: name })
          .map((key) => key.id)
          .sort(),
      ).toEqual([...harness.seededIds].sort());
      const after = engine!.listBackends().find((backend) => backend.name === name)!;
      expect(after.lastError).toBeTypeOf('string');
      expect(after.lastError).toContain(name);
      expect(after.lastSyncOkAt).toBe(good.lastSyncOkAt);
      expect(after.keyCount).toBe(SEEDED_KEYS);
    });
  });

  describe('manual (no list)', () => {
    let harness: VendorHarness;
    let engine: KeywardenEngine | null = null;
    let home: string;

    beforeEach(async () => {
      harness = await manualFixture.start();
      home = await mkdtemp(join(tmpdir(), 'keywarden-conformance-'));
      engine = KeywardenEngine.open({ home, http: SUITE_HTTP });
    });

    afterEach(async () => {
      await engine?.close();
      engine = null;
      await harness.close();
      await rm(home, { recursive: true, force: true });
    });

    it('is skipped by sync, and a key entered by hand is revealed and tested through its template', async () => {
      const name = manualFixture.backendName;
      await engine!.addBackend({ name, type: 'manual' });
      // The fixture's keys carry the template (pointing at a BoxWatch emulator) in `details`, as the engine stores it.
      const good = await harness.goodTestKey((await connect(manualFixture, harness)).connector);
      const details = good.key.details!;
      const key = await engine!.addManualKey(name, {
        name: good.key.name,
        secret: good.secret,
        rotateEveryDays: 90,
        test: {
          url: String(details.testUrl),
          header: String(details.testHeader),
          valueTemplate: String(details.testValue),
          expectStatus: Number(details.testExpectStatus),
          allowPrivateNetwork: details.testAllowPrivateNetwork === true,
        },
      });
      expect(key.secretCached).toBe(true);
      expect(await engine!.sync()).toEqual(expect.objectContaining({ ok: true, results: [] }));
      expect(await engine!.reveal(key.ref)).toBe(good.secret);
      expect(await engine!.testKey(key.ref)).toMatchObject({ ref: key.ref, ok: true });
      expect(engine!.listKeys({ backend: name })).toEqual([expect.objectContaining({ ref: key.ref, lastTestOk: true, status: 'active' })]);
    });
  });
});
