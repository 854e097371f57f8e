/**
 * The Nitrobox connector against its emulator, over real loopback HTTP: what an administrator relies
 * on (every client listed once, a new key really works, a deleted one really stops working, a missing
 * role is named) and how failures read (retries only where harmless, lost answers reported as such).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, ConnectorContext, RemoteKey } from '../../electron/core/backends/backend.js';
import { type HttpClient, createHttpClient } from '../../electron/core/backends/http.js';
import { nitroboxDefinition } from '../../electron/core/backends/nitrobox/definition.js';
import { type NitroboxState, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import type { RunningEmulator } from '../../electron/core/backends/emulator-kit.js';
import { backendDefinition } from '../../electron/core/backends/registry.js';
import { failure, listAll as listAllPages } from '../support/connectors.js';

const BACKEND = 'nitrobox-test';
const ADMIN = 'admin@acme.example';

let emulator: RunningEmulator;
let state: NitroboxState;
let http: HttpClient;
let token: string;
let connector: Connector;

beforeEach(async () => {
  ({ emulator, state } = await startNitroboxEmulator());
  token = state.addUser(ADMIN, { role: true });
  http = createHttpClient(emulator.url, { backendName: BACKEND, baseBackoffMs: 10, responseTimeoutMs: 1000 });
  const context: ConnectorContext = { backendName: BACKEND, http, credential: async () => token, settings: {}, openHttp: (url) => createHttpClient(url, { backendName: BACKEND }) };
  connector = (await nitroboxDefinition.loadConnector())(context);
});

afterEach(async () => {
  await http.close();
  await emulator.close();
});

async function listAll(): Promise<{ keys: RemoteKey[]; pages: number }> {
  return listAllPages(connector);
}

/** How many requests the emulator received since `before`, as `METHOD /path`. */
function requestsSince(before: number): string[] {
  return emulator.requestLog.slice(before);
}

describe('registry', () => {
  it('knows Nitrobox with delete instead of revoke, and says why', () => {
    const definition = backendDefinition('nitrobox');
    expect(definition.displayName).toBe('Nitrobox');
    expect(definition.capabilities).toEqual(['list', 'reveal', 'test', 'create', 'delete']);
    expect(definition.capabilities).not.toContain('revoke');
    expect(definition.defaultRotationDays).toBe(180);
    expect(definition.unsupportedReasons.revoke).toMatch(/no revoke/);
  });
});

describe('listing', () => {
  it('lists 150 clients over two pages, each exactly once, without any secret', async () => {
    const seeded = new Map<string, string>();
    for (let index = 0; index < 150; index++) {
      const clientId = `client-${String(index).padStart(3, '0')}`;
      seeded.set(clientId, state.seedClient(clientId, { createdBy: 'ops@acme.example' }).apiKey);
    }
    const { keys, pages } = await listAll();
    expect(pages).toBe(2);
    expect(keys.map((key) => key.id).sort()).toEqual([...seeded.keys()].sort());
    expect(new Set(keys.map((key) => key.id)).size).toBe(150);
    const first = keys[0]!;
    expect(first).toMatchObject({ name: first.id, prefix: first.id, status: 'active', expiresAt: null, graceEndsAt: null, lastUsedAt: null });
    expect(first.details).toEqual({ createdBy: 'ops@acme.example' });
    const listed = JSON.stringify(keys);
    for (const apiKey of seeded.values()) expect(listed).not.toContain(apiKey);
  });

  it('an empty tenant is one empty page', async () => {
    expect(await connector.listPage(null)).toEqual({ keys: [], nextCursor: null });
  });
});

describe('credential and role', () => {
  it('verifies a portal token whose user holds the role, with a label that reveals nothing of the token', async () => {
    const { account } = await connector.verifyCredential(token);
    expect(account).toContain('Manage API credentials');
    expect(account).not.toContain(token);
  });

  it('an unknown portal token is unauthorized, both when verifying and when listing', async () => {
    expect((await failure(() => connector.verifyCredential('not-a-real-token'))).code).toBe('unauthorized');
    token = 'not-a-real-token';
    const error = await failure(() => connector.listPage(null));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toMatch(/^nitrobox-test: /);
  });

  it('a user without the role is told which role to ask for, on every management call', async () => {
    state.seedClient('billing-sync');
    const roleless = state.addUser('viewer@acme.example', { role: false });
    const verifyError = await failure(() => connector.verifyCredential(roleless));
    expect(verifyError.code).toBe('forbidden');
    expect(verifyError.message).toContain('"Manage API credentials"');
    expect(verifyError.message).toContain('User Management');

    token = roleless;
    for (const call of [() => connector.listPage(null), () => connector.createKey!('new-client'), () => connector.deleteKey!('billing-sync')]) {
      const error = await failure(call);
      expect(error.code).toBe('forbidden');
      expect(error.message).toBe('nitrobox-test: your Nitrobox user lacks the role "Manage API credentials"; ask your Nitrobox administrator to assign it (Administration → User Management)');
    }
    // Nothing changed behind the refusals.
    expect(state.findClient('new-client')).toBeNull();
    expect(state.findClient('billing-sync')).not.toBeNull();
  });
});

describe('create and test', () => {
  it('creates a client whose key obtains an access token, recorded as created by the calling user', async () => {
    const issued = await connector.createKey!('billing-sync');
    expect(issued.key).toMatchObject({ id: 'billing-sync', name: 'billing-sync', status: 'active', details: { createdBy: ADMIN } });
    expect(issued.secret).toMatch(/^[A-Za-z0-9_-]{48}$/);

    const outcome = await connector.testKey(issued.key, issued.secret);
    expect(outcome).toEqual({ ok: true, detail: 'token issued' });
    // The token request is what Nitrobox counts as use.
    expect(state.findClient('billing-sync')!.lastUsedAt).not.toBeNull();
    const [listed] = (await connector.listPage(null)).keys;
    expect(listed!.lastUsedAt).not.toBeNull();
  });

  it('a wrong key fails the test without throwing, and the detail does not echo the key', async () => {
    const issued = await connector.createKey!('billing-sync');
    const wrongKey = issued.secret.slice(1) + (issued.secret.startsWith('A') ? 'B' : 'A');
    const outcome = await connector.testKey(issued.key, wrongKey);
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(/^401 invalid_client: /);
    expect(outcome.detail).not.toContain(wrongKey);
    expect(outcome.detail).not.toContain(issued.secret);
  });

  it('a key Keywarden does not hold cannot be tested, and nothing is sent', async () => {
    const { key } = state.seedClient('legacy-erp');
    const [listed] = (await connector.listPage(null)).keys;
    expect(listed!.id).toBe(key.clientId);
    const before = emulator.requestLog.length;
    const error = await failure(() => connector.testKey(listed!, null));
    expect(error.code).toBe('secret_not_cached');
    expect(error.message).toContain('only once');
    expect(requestsSince(before)).toEqual([]);
  });

  it('a seeded key works too (keys given to Keywarden can be tested)', async () => {
    const { apiKey } = state.seedClient('legacy-erp');
    const [listed] = (await connector.listPage(null)).keys;
    expect(await connector.testKey(listed!, apiKey)).toEqual({ ok: true, detail: 'token issued' });
  });

  it('refuses an invalid client ID locally, explaining the rule, without sending anything', async () => {
    const before = emulator.requestLog.length;
    for (const clientId of ['Billing', 'ab', '-starts-with-dash', 'has space', 'x'.repeat(65)]) {
      const error = await failure(() => connector.createKey!(clientId));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('lowercase letters, digits and "-"');
    }
    expect(requestsSince(before)).toEqual([]);
    expect(state.clients).toHaveLength(0);
  });

  it('a duplicate client ID is a conflict, and the existing client keeps its key', async () => {
    const first = await connector.createKey!('billing-sync');
    const error = await failure(() => connector.createKey!('billing-sync'));
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('"billing-sync"');
    expect(await connector.testKey(first.key, first.secret)).toEqual({ ok: true, detail: 'token issued' });
  });

  it('createdAt follows the emulator clock', async () => {
    await fetch(`${emulator.url}/__emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceDays: 200 }),
    });
    const issued = await connector.createKey!('later-client');
    const ageDays = (Date.parse(issued.key.createdAt!) - Date.now()) / 86_400_000;
    expect(ageDays).toBeGreaterThan(199);
  });
});

describe('delete', () => {
  it('is irreversible: the deleted client can no longer obtain a token, and a second delete is not_found', async () => {
    const issued = await connector.createKey!('old-client');
    await connector.deleteKey!('old-client');
    expect((await connector.listPage(null)).keys).toEqual([]);

    const outcome = await connector.testKey(issued.key, issued.secret);
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(/^401 invalid_client/);

    const error = await failure(() => connector.deleteKey!('old-client'));
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('"old-client"');
  });
});

describe('faults', () => {
  it('retries a list answered 429 with Retry-After: 1', async () => {
    state.seedClient('billing-sync');
    emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'GET', pathPrefix: '/api/v1/api-keys' });
    const before = emulator.requestLog.length;
    const started = Date.now();
    const page = await connector.listPage(null);
    expect(page.keys.map((key) => key.id)).toEqual(['billing-sync']);
    expect(requestsSince(before)).toEqual(['GET /api/v1/api-keys', 'GET /api/v1/api-keys']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('never retries a create answered 429: one attempt, rate_limited, nothing created', async () => {
    emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'POST', pathPrefix: '/api/v1/api-keys' });
    const before = emulator.requestLog.length;
    const error = await failure(() => connector.createKey!('billing-sync'));
    expect(error.code).toBe('rate_limited');
    expect(requestsSince(before)).toEqual(['POST /api/v1/api-keys']);
    expect(state.findClient('billing-sync')).toBeNull();
  });

  it('a lost reply on create is outcome_unknown, and the client was in fact created', async () => {
    emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: '/api/v1/api-keys' });
    const before = emulator.requestLog.length;
    const error = await failure(() => connector.createKey!('billing-sync'));
    expect(error.code).toBe('outcome_unknown');
    expect(requestsSince(before)).toEqual(['POST /api/v1/api-keys']);
    expect(state.findClient('billing-sync')).not.toBeNull();
    // What the engine does next: re-list, and find it.
    expect((await connector.listPage(null)).keys.map((key) => key.id)).toEqual(['billing-sync']);
  });

  it('a delete whose reply was lost is resent (the contract calls DELETE idempotent), and the 404 that follows counts as deleted', async () => {
    state.seedClient('old-client');
    emulator.addFault({ kind: 'lost-reply', method: 'DELETE' });
    const before = emulator.requestLog.length;
    await connector.deleteKey!('old-client');
    expect(requestsSince(before)).toEqual(['DELETE /api/v1/api-keys/old-client', 'DELETE /api/v1/api-keys/old-client']);
    expect(state.findClient('old-client')).toBeNull();
  });

  it('a delete answered 429 or 503 is retried and then carried out', async () => {
    state.seedClient('old-client');
    emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 0, method: 'DELETE' });
    emulator.addFault({ kind: 'status', status: 503, retryAfterSeconds: 0, method: 'DELETE' });
    const before = emulator.requestLog.length;
    await connector.deleteKey!('old-client');
    expect(requestsSince(before)).toEqual(Array(3).fill('DELETE /api/v1/api-keys/old-client'));
    expect(state.findClient('old-client')).toBeNull();
  });

  it('a delete whose every try is cut before Nitrobox acts is outcome_unknown, and the client is still there', async () => {
    state.seedClient('old-client');
    emulator.addFault({ kind: 'drop', method: 'DELETE', times: 10 });
    const before = emulator.requestLog.length;
    const error = await failure(() => connector.deleteKey!('old-client'));
    expect(error.code).toBe('outcome_unknown');
    expect(error.message).toMatch(/^nitrobox-test: /);
    expect(requestsSince(before)).toEqual(Array(4).fill('DELETE /api/v1/api-keys/old-client'));
    expect(state.findClient('old-client')).not.toBeNull();
  });

  it('a hanging backend gives timeout', async () => {
    emulator.addFault({ kind: 'hang', method: 'GET' });
    const error = await failure(() => connector.listPage(null));
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/^nitrobox-test: /);
  });

  it('a body that is not JSON is malformed_response naming the backend', async () => {
    emulator.addFault({ kind: 'malformed', method: 'GET' });
    const error = await failure(() => connector.listPage(null));
    expect(error.code).toBe('malformed_response');
    expect(error.message).toMatch(/^nitrobox-test: /);
  });

  it('JSON of the wrong shape is malformed_response naming the field', async () => {
    emulator.addFault({ kind: 'wrong-shape', method: 'GET' });
    const error = await failure(() => connector.listPage(null));
    expect(error.code).toBe('malformed_response');
    expect(error.message).toContain('nitrobox-test');
    expect(error.message).toContain('"items.0.clientId"');
  });

  it('an unreadable create answer says the client may exist without its key', async () => {
    emulator.addFault({ kind: 'wrong-shape', method: 'POST', pathPrefix: '/api/v1/api-keys' });
    const error = await failure(() => connector.createKey!('billing-sync'));
    expect(error.code).toBe('malformed_response');
    expect(error.message).toContain('may have been created');
    expect(state.findClient('billing-sync')).not.toBeNull();
  });

  it('the token request is retried after a 503 (it is harmless to repeat)', async () => {
    const { apiKey } = state.seedClient('billing-sync');
    const [listed] = (await connector.listPage(null)).keys;
    emulator.addFault({ kind: 'status', status: 503, retryAfterSeconds: 0, pathPrefix: '/oauth/token' });
    const before = emulator.requestLog.length;
    expect(await connector.testKey(listed!, apiKey)).toEqual({ ok: true, detail: 'token issued' });
    expect(requestsSince(before)).toEqual(['POST /oauth/token', 'POST /oauth/token']);
  });
});
