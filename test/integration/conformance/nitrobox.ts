/**
 * Nitrobox in the conformance suite. The management credential is a portal user token holding the role
 * "Manage API credentials"; 150 API clients are seeded. A client's key is tested by an OAuth token
 * request with that key, so `testKey` needs the secret. Create returns the key once; delete is final.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { nitroboxDefinition } from '../../../electron/core/backends/nitrobox/definition.js';
import { startNitroboxEmulator } from '../../../electron/core/backends/nitrobox/emulator.js';
import { NITROBOX_API_KEY_PATTERN } from '../../../electron/core/backends/nitrobox/schemas.js';
import { type ConformanceFixture, SEEDED_KEYS, isListed, listAll, listed } from './fixture.js';

const KEYS_PATH = '/api/v1/api-keys';

export const nitroboxFixture: ConformanceFixture = {
  definition: nitroboxDefinition,
  backendName: 'nitrobox-conf',
  listPath: KEYS_PATH,
  async start() {
    const { emulator, state } = await startNitroboxEmulator();
    const credential = state.addUser('admin@acme.example', { role: true });
    const clients = Array.from({ length: SEEDED_KEYS }, (_, index) => ({
      clientId: `client-${String(index).padStart(3, '0')}`,
      ...state.seedClient(`client-${String(index).padStart(3, '0')}`, { createdBy: 'ops@acme.example' }),
    }));
    const [first, second] = clients;
    return {
      url: emulator.url,
      emulator,
      credential,
      // Same shape as the emulator's tokens, unknown to it.
      badCredential: randomBytes(32).toString('base64url'),
      seededIds: clients.map((client) => client.clientId),
      seededSecrets: clients.map((client) => client.apiKey),
      async goodTestKey(connector) {
        return { key: await listed(connector, first!.clientId), secret: first!.apiKey };
      },
      async badTestKey(connector) {
        // Another client's key: well-formed, known to Nitrobox, but not this client's.
        return { key: await listed(connector, first!.clientId), secret: second!.apiKey };
      },
      capabilityChecks: {
        async list(connector) {
          const { keys } = await listAll(connector);
          expect(keys.find((key) => key.id === first!.clientId)?.details).toEqual({ createdBy: 'ops@acme.example' });
        },
        async reveal(connector) {
          // Shown once, at creation: what Keywarden can reveal is the secret the create answer carried.
          const issued = await connector.createKey!('reveal-check');
          expect(issued.secret).toMatch(NITROBOX_API_KEY_PATTERN);
          expect(connector.fetchSecret).toBeUndefined();
        },
        async test(connector) {
          expect((await connector.testKey(await listed(connector, first!.clientId), first!.apiKey)).ok).toBe(true);
        },
        async create(connector) {
          const issued = await connector.createKey!('conformance-new');
          expect(issued.key).toMatchObject({ id: 'conformance-new', status: 'active' });
          expect(issued.secret).toMatch(NITROBOX_API_KEY_PATTERN);
          expect(await connector.testKey(issued.key, issued.secret)).toMatchObject({ ok: true });
          expect(await isListed(connector, 'conformance-new')).toBe(true);
        },
        async delete(connector) {
          const key = await listed(connector, first!.clientId);
          await connector.deleteKey!(first!.clientId);
          expect(await isListed(connector, first!.clientId)).toBe(false);
          // Irreversible: the deleted client's key no longer obtains a token.
          expect(await connector.testKey(key, first!.apiKey)).toMatchObject({ ok: false });
        },
      },
      writes: [
        {
          capability: 'create',
          method: 'POST',
          pathPrefix: KEYS_PATH,
          run: (connector) => connector.createKey!('lost-in-transit'),
          happened: (connector) => isListed(connector, 'lost-in-transit'),
        },
      ],
      close: () => emulator.close(),
    };
  },
};
