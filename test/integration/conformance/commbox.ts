/**
 * CommBox in the conformance suite. The organisation has one active key plus a history of 149 expired
 * keys (150 listed). The management credential is an admin token, not a key; keys are tested by id on
 * CommBox's side, so `testKey` needs no secret. Only revoked or expired keys can be deleted.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { commBoxDefinition } from '../../../electron/core/backends/commbox/definition.js';
import { startCommBoxEmulator } from '../../../electron/core/backends/commbox/emulator.js';
import { COMMBOX_KEY_PATTERN } from '../../../electron/core/backends/commbox/schemas.js';
import { type ConformanceFixture, SEEDED_KEYS, failure, listAll, listed } from './fixture.js';

export const commBoxFixture: ConformanceFixture = {
  definition: commBoxDefinition,
  backendName: 'commbox-conf',
  listPath: '/v1/api-keys',
  async start() {
    const { emulator, state } = await startCommBoxEmulator();
    const credential = state.addAdminToken();
    const history = state.seedHistory(SEEDED_KEYS - 1);
    const active = state.issueActiveKey('Production');
    const expired = history[0]!;
    const revokePath = `/v1/api-keys/${active.key.id}/revoke`;
    return {
      url: emulator.url,
      emulator,
      credential,
      // Same shape as the emulator's tokens, unknown to it.
      badCredential: `cbt_${randomBytes(24).toString('hex')}`,
      seededIds: [...history, active].map((issued) => issued.key.id),
      seededSecrets: [...history, active].map((issued) => issued.secret),
      async goodTestKey(connector) {
        return { key: await listed(connector, active.key.id), secret: null };
      },
      async badTestKey(connector) {
        return { key: await listed(connector, expired.key.id), secret: null };
      },
      capabilityChecks: {
        async list(connector) {
          const page = await connector.listPage(null);
          expect(page.facts).toEqual({ rotationIntervalDays: state.rotationIntervalDays });
        },
        async reveal(connector) {
          // CommBox shows a key at any time.
          const secret = await connector.fetchSecret!(active.key.id);
          expect(secret).toMatch(COMMBOX_KEY_PATTERN);
          expect(secret).toBe(active.secret);
        },
        async test(connector) {
          expect((await connector.testKey(await listed(connector, active.key.id), null)).ok).toBe(true);
        },
        async revoke(connector) {
          const outcome = await connector.revokeKey!(active.key.id, { validityDays: 90 });
          // The old key enters its 30-day grace (still working), and a replacement is issued with its secret.
          expect(outcome.revoked).toMatchObject({ id: active.key.id, status: 'grace' });
          expect(outcome.revoked!.graceEndsAt).not.toBeNull();
          expect(outcome.replacement!.secret).toMatch(COMMBOX_KEY_PATTERN);
          expect(outcome.replacement!.key.status).toBe('active');
          const old = await listed(connector, active.key.id);
          expect(old.status).toBe('grace');
          expect((await connector.testKey(old, null)).ok).toBe(true);
          const replacement = await listed(connector, outcome.replacement!.key.id);
          expect((await connector.testKey(replacement, null)).ok).toBe(true);
        },
        async delete(connector) {
          // The active key cannot be deleted; an expired one can, and leaves the list.
          expect((await failure(() => connector.deleteKey!(active.key.id))).code).toBe('conflict');
          await connector.deleteKey!(expired.key.id);
          const { keys } = await listAll(connector);
          expect(keys.map((key) => key.id)).not.toContain(expired.key.id);
          expect(keys.map((key) => key.id)).toContain(active.key.id);
        },
      },
      writes: [
        {
          capability: 'revoke',
          method: 'POST',
          pathPrefix: revokePath,
          run: (connector) => connector.revokeKey!(active.key.id, { validityDays: 90 }),
          happened: async (connector) => (await listed(connector, active.key.id)).status !== 'active',
        },
      ],
      close: () => emulator.close(),
    };
  },
};
