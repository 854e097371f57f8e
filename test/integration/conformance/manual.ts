/**
 * Manual backends in the conformance suite. There is no vendor API, no emulator and no list: the
 * connector only tests a key through the HTTPS request template stored in the key's `details`
 * (see `testTemplateOf` in electron/core/backends/manual/connector.ts), and deletes locally.
 *
 * The template's target is a BoxWatch emulator's `GET /auth/me` with `Authorization: Bearer {secret}`,
 * expecting 200, allowed although it is on this machine: a real key of that emulator tests ok, a well-formed unknown one gets 401 and tests not ok.
 */
import { expect } from 'vitest';
import type { RemoteKey } from '../../../electron/core/backends/backend.js';
import { startBoxWatchEmulator } from '../../../electron/core/backends/boxwatch/emulator.js';
import { manualDefinition } from '../../../electron/core/backends/manual/definition.js';
import { unknownBoxWatchKey } from './boxwatch.js';
import type { ConformanceFixture } from './fixture.js';

/** A manual key as the engine stores it: the test template lives in `details`. */
export function manualKey(testUrl: string): RemoteKey {
  return {
    id: 'boxwatch-by-hand-1a2b3c',
    name: 'BoxWatch (by hand)',
    prefix: null,
    status: 'active',
    createdAt: new Date().toISOString(),
    expiresAt: null,
    graceEndsAt: null,
    lastUsedAt: null,
    // The emulator listens on 127.0.0.1: a test there needs the administrator's consent, given here.
    details: { vendor: 'BoxWatch', testUrl, testHeader: 'Authorization', testValue: 'Bearer {secret}', testExpectStatus: 200, testAllowPrivateNetwork: true },
  };
}

export const manualFixture: ConformanceFixture = {
  definition: manualDefinition,
  backendName: 'manual-conf',
  listPath: null,
  async start() {
    // Not the manual vendor's emulator (it has none): only the target of the key's test template.
    const target = await startBoxWatchEmulator();
    const account = target.state.addAccount('ops@acme.example');
    const issued = target.state.issueKey(account.id, 'Entered by hand');
    const key = manualKey(`${target.emulator.url}/auth/me`);
    return {
      url: null,
      emulator: null,
      credential: null,
      badCredential: null,
      seededIds: [],
      seededSecrets: [],
      goodTestKey: async () => ({ key, secret: issued.secret }),
      badTestKey: async () => ({ key, secret: unknownBoxWatchKey() }),
      capabilityChecks: {
        async reveal(connector) {
          // A manual key's secret is the one entered with it, held by the engine: nothing is fetched from anywhere.
          expect(connector.fetchSecret).toBeUndefined();
          expect(connector.keyIdForCredential).toBeUndefined();
        },
        async test(connector) {
          const before = target.emulator.requestLog.length;
          expect(await connector.testKey(key, issued.secret)).toMatchObject({ ok: true, detail: 'HTTP 200 as expected' });
          // The template was followed: one GET to its URL.
          expect(target.emulator.requestLog.slice(before)).toEqual(['GET /auth/me']);
        },
        async delete(connector) {
          // Local only: the connector's HTTP client refuses any request, so resolving proves nothing was sent.
          await expect(connector.deleteKey!(key.id)).resolves.toBeUndefined();
        },
      },
      writes: [],
      close: () => target.emulator.close(),
    };
  },
};
