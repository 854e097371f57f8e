/**
 * BoxWatch in the conformance suite. The management credential is itself one of the account's keys,
 * so the 150 listed keys are the credential plus 149 more (`allowSecond` exists for exactly this).
 * Keys are tested by using them (`GET /auth/me`), so the test needs the key's secret.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { boxWatchDefinition } from '../../../electron/core/backends/boxwatch/definition.js';
import { startBoxWatchEmulator } from '../../../electron/core/backends/boxwatch/emulator.js';
import { type ConformanceFixture, SEEDED_KEYS, isListed, listAll, listed } from './fixture.js';

/** A well-formed BoxWatch key that no account knows, made at run time. */
export function unknownBoxWatchKey(): string {
  return `bw_${randomBytes(32).toString('hex')}`;
}

export const boxWatchFixture: ConformanceFixture = {
  definition: boxWatchDefinition,
  backendName: 'boxwatch-conf',
  listPath: '/api-keys',
  async start() {
    const { emulator, state } = await startBoxWatchEmulator();
    const account = state.addAccount('ops@acme.example');
    const credentialKey = state.issueKey(account.id, 'Keywarden');
    const others = Array.from({ length: SEEDED_KEYS - 1 }, (_, index) => state.issueKey(account.id, `Key ${index + 1}`, { allowSecond: true }));
    const all = [credentialKey, ...others];
    // A key other than the credential, so revoking it leaves the connector able to authenticate.
    const spare = others[0]!;
    return {
      url: emulator.url,
      emulator,
      credential: credentialKey.secret,
      badCredential: unknownBoxWatchKey(),
      seededIds: all.map((issued) => issued.key.id),
      seededSecrets: all.map((issued) => issued.secret),
      async goodTestKey(connector) {
        return { key: await listed(connector, spare.key.id), secret: spare.secret };
      },
      async badTestKey(connector) {
        // Revoked in the dashboard meanwhile: the key is gone and its secret answers 401.
        const key = await listed(connector, spare.key.id);
        state.keys.splice(
          state.keys.findIndex((stored) => stored.id === spare.key.id),
          1,
        );
        return { key, secret: spare.secret };
      },
      capabilityChecks: {
        async list(connector) {
          expect((await listAll(connector)).keys.length).toBe(SEEDED_KEYS);
        },
        async reveal(connector) {
          // BoxWatch shows a key once; Keywarden can reveal the one it holds as credential, found by prefix.
          const { keys } = await listAll(connector);
          expect(connector.keyIdForCredential!(credentialKey.secret, keys)).toBe(credentialKey.key.id);
          expect(connector.keyIdForCredential!(unknownBoxWatchKey(), keys)).toBeNull();
        },
        async test(connector) {
          const key = await listed(connector, credentialKey.key.id);
          expect((await connector.testKey(key, credentialKey.secret)).ok).toBe(true);
        },
        async revoke(connector) {
          const key = await listed(connector, spare.key.id);
          expect(await connector.testKey(key, spare.secret)).toMatchObject({ ok: true });
          await connector.revokeKey!(spare.key.id, {});
          // Immediate: the very next use of the key is refused, and the key is no longer listed.
          expect(await connector.testKey(key, spare.secret)).toMatchObject({ ok: false });
          expect(await isListed(connector, spare.key.id)).toBe(false);
        },
      },
      writes: [
        {
          capability: 'revoke',
          method: 'DELETE',
          pathPrefix: `/api-keys/${spare.key.id}`,
          run: (connector) => connector.revokeKey!(spare.key.id, {}),
          happened: async (connector) => !(await isListed(connector, spare.key.id)),
        },
      ],
      close: () => emulator.close(),
    };
  },
};
