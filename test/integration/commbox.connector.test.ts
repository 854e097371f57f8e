/**
 * The CommBox connector against the CommBox emulator, over real loopback HTTP: what an administrator
 * relies on (listing every key, rotation and grace, revoke with a replacement, admin-only access) and
 * what must never happen (a revoke sent twice, a lost answer reported as success).
 *
 * The clock is frozen at START and moved only by the tests, so every timestamp can be checked exactly.
 * Keys and tokens are made by the emulator at run time; none is written here.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, RemoteKey } from '../../electron/core/backends/backend.js';
import { createCommBoxConnector } from '../../electron/core/backends/commbox/connector.js';
import { commBoxDefinition } from '../../electron/core/backends/commbox/definition.js';
import { type CommBoxState, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { COMMBOX_KEY_PATTERN } from '../../electron/core/backends/commbox/schemas.js';
import { EmulatorClock, type RunningEmulator, addDays } from '../../electron/core/backends/emulator-kit.js';
import { type HttpClient, createHttpClient } from '../../electron/core/backends/http.js';
import { advanceEmulatorClock, failure, listAll as listAllPages } from '../support/connectors.js';

const BACKEND = 'commbox-test';
const START = Date.parse('2026-03-02T09:00:00.000Z');
const at = (days: number) => addDays(new Date(START), days);

let emulator: RunningEmulator;
let state: CommBoxState;
let http: HttpClient;
let adminToken: string;
let connector: Connector;

beforeEach(async () => {
  ({ emulator, state } = await startCommBoxEmulator({ clock: new EmulatorClock(() => START) }));
  adminToken = state.addAdminToken();
  http = createHttpClient(emulator.url, { backendName: BACKEND, baseBackoffMs: 10, responseTimeoutMs: 1000 });
  connector = connectorFor(adminToken);
});

afterEach(async () => {
  await http.close();
  await emulator.close();
});

function connectorFor(token: string): Connector {
  return createCommBoxConnector({ backendName: BACKEND, http, credential: async () => token, settings: {}, openHttp: (url) => createHttpClient(url, { backendName: BACKEND }) });
}

async function listAll(): Promise<{ keys: RemoteKey[]; pages: number }> {
  return listAllPages(connector);
}

async function listed(id: string): Promise<RemoteKey> {
  const key = (await listAll()).keys.find((candidate) => candidate.id === id);
  if (!key) throw new Error(`key ${id} is not listed`);
  return key;
}

const advanceDays = (days: number) => advanceEmulatorClock(emulator.url, days);

function attempts(entry: string): number {
  return emulator.requestLog.filter((logged) => logged === entry).length;
}

describe('listing', () => {
  it('returns every key exactly once across pages, newest first, with the rotation interval', async () => {
    const history = state.seedHistory(150);
    const active = state.issueActiveKey('Production');

    const { keys, pages } = await listAll();

    expect(pages).toBe(2);
    expect(keys).toHaveLength(151);
    const ids = keys.map((key) => key.id);
    expect(new Set(ids).size).toBe(151);
    expect(new Set(ids)).toEqual(new Set([active.key.id, ...history.map((issued) => issued.key.id)]));
    expect(keys[0]?.id).toBe(active.key.id);
    expect(keys.filter((key) => key.status === 'expired')).toHaveLength(150);
    expect(attempts('GET /v1/api-keys')).toBe(2);

    const first = await connector.listPage(null);
    expect(first.facts).toEqual({ rotationIntervalDays: 365 });
  });

  it('identifies a key by its last four characters and reports its expiry', async () => {
    const { key, secret } = state.issueActiveKey('Production');
    expect(secret).toMatch(COMMBOX_KEY_PATTERN);

    const remote = await listed(key.id);

    expect(remote).toMatchObject({
      name: 'Production',
      prefix: `…${secret.slice(-4)}`,
      status: 'active',
      createdAt: at(0),
      expiresAt: at(365),
      graceEndsAt: null,
      lastUsedAt: null,
      details: { revokedAt: null },
    });
    // The list shows only the last four characters, never the key.
    expect(JSON.stringify(remote)).not.toContain(secret);
  });

  it('views a key at any time, the same one CommBox issued', async () => {
    const { key, secret } = state.issueActiveKey('Production');
    expect(await connector.fetchSecret!(key.id)).toBe(secret);
    expect((await failure(connector.fetchSecret!('key_missing'))).code).toBe('not_found');
  });
});

describe('automatic rotation and grace', () => {
  it('rotates the active key at its expiry and keeps the old one working for 30 days', async () => {
    const old = state.issueActiveKey('Production');

    await advanceDays(366);
    const { keys } = await listAll();

    expect(keys).toHaveLength(2);
    const oldKey = keys.find((key) => key.id === old.key.id);
    expect(oldKey).toMatchObject({ status: 'grace', expiresAt: at(365), graceEndsAt: addDays(at(365), 30), details: { revokedAt: at(365) } });
    const replacement = keys.find((key) => key.status === 'active');
    expect(replacement).toMatchObject({ name: 'Production', createdAt: at(365), expiresAt: at(730), graceEndsAt: null });
    expect(keys[0]?.id).toBe(replacement?.id);

    const newSecret = await connector.fetchSecret!(replacement!.id);
    expect(newSecret).toMatch(COMMBOX_KEY_PATTERN);
    expect(newSecret).not.toBe(old.secret);
    expect(replacement!.prefix).toBe(`…${newSecret.slice(-4)}`);
    expect(await connector.testKey(oldKey!, null)).toEqual({ ok: true, detail: 'valid' });
  });

  it('expires the old key when its grace period ends, keeping graceEndsAt', async () => {
    const old = state.issueActiveKey('Production');
    await advanceDays(366);
    await advanceDays(30); // grace ended at day 395; now is day 396

    const oldKey = await listed(old.key.id);

    expect(oldKey).toMatchObject({ status: 'expired', graceEndsAt: at(395), details: { revokedAt: at(365) } });
    expect(await connector.testKey(oldKey, null)).toEqual({ ok: false, detail: 'invalid: expired or revoked' });
    const active = (await listAll()).keys.filter((key) => key.status === 'active');
    expect(active).toHaveLength(1);
    expect(await connector.testKey(active[0]!, null)).toEqual({ ok: true, detail: 'valid' });
  });

  it('rotates once per elapsed interval when several have passed', async () => {
    const first = state.issueActiveKey('Production');

    await advanceDays(731);
    const { keys } = await listAll();

    expect(keys.map((key) => [key.status, key.createdAt, key.expiresAt])).toEqual([
      ['active', at(730), at(1095)],
      ['grace', at(365), at(730)],
      ['expired', at(0), at(365)],
    ]);
    expect(keys[2]?.id).toBe(first.key.id);
  });
});

describe('revoke', () => {
  it('revokes the active key into a 30-day grace period and returns the replacement with its secret', async () => {
    const old = state.issueActiveKey('Production');

    const outcome = await connector.revokeKey!(old.key.id, { validityDays: 90 });

    expect(outcome.revoked).toMatchObject({ id: old.key.id, status: 'grace', graceEndsAt: at(30), details: { revokedAt: at(0) } });
    const replacement = outcome.replacement!;
    expect(replacement.key).toMatchObject({ name: 'Production', status: 'active', createdAt: at(0), expiresAt: at(90), graceEndsAt: null });
    expect(replacement.secret).toMatch(COMMBOX_KEY_PATTERN);
    expect(replacement.secret).not.toBe(old.secret);
    expect(replacement.key.prefix).toBe(`…${replacement.secret.slice(-4)}`);
    expect(await connector.fetchSecret!(replacement.key.id)).toBe(replacement.secret);
    // The old key keeps working during the grace period, so consumers can be switched without downtime.
    expect((await connector.testKey(outcome.revoked!, null)).ok).toBe(true);
    expect(attempts(`POST /v1/api-keys/${old.key.id}/revoke`)).toBe(1);
  });

  it('gives the replacement a full year when no validity is chosen', async () => {
    const old = state.issueActiveKey('Production');
    const outcome = await connector.revokeKey!(old.key.id, {});
    expect(outcome.replacement?.key.expiresAt).toBe(at(365));
  });

  it('refuses to revoke a key that is not active', async () => {
    const old = state.issueActiveKey('Production');
    await connector.revokeKey!(old.key.id, { validityDays: 30 });

    const error = await failure(connector.revokeKey!(old.key.id, { validityDays: 30 }));

    expect(error.code).toBe('conflict');
    expect(error.message).toContain(BACKEND);
    expect(error.message).toMatch(/only the active key can be revoked/);
    expect(state.keys.filter((key) => key.status === 'active')).toHaveLength(1);
  });

  it('refuses an invalid validity before sending anything', async () => {
    const old = state.issueActiveKey('Production');
    for (const validityDays of [0, 366, 1.5, -7]) {
      const error = await failure(connector.revokeKey!(old.key.id, { validityDays }));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(/1 to 365/);
    }
    expect(emulator.requestLog).toEqual([]);
    expect(state.findKey(old.key.id)?.status).toBe('active');
  });

  it('emulator: answers 400 invalid_validity and the connector phrases it as invalid input', async () => {
    const old = state.issueActiveKey('Production');
    const response = await http.request({
      method: 'POST',
      path: `/v1/api-keys/${old.key.id}/revoke`,
      headers: { authorization: `Bearer ${adminToken}` },
      json: { validityDays: 400 },
      idempotent: false,
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_validity' });
    expect(state.findKey(old.key.id)?.status).toBe('active');
  });
});

describe('delete', () => {
  it('refuses to delete the active key and says to revoke it first', async () => {
    const active = state.issueActiveKey('Production');

    const error = await failure(connector.deleteKey!(active.key.id));

    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/the active key cannot be deleted; revoke it first \(it stays usable for a 30-day grace period/);
    expect(state.findKey(active.key.id)).toBeDefined();
  });

  it('deletes a revoked key and an expired key', async () => {
    const old = state.issueActiveKey('Production');
    await connector.revokeKey!(old.key.id, { validityDays: 30 });
    const expired = state.seedExpiredKey('Legacy');

    await connector.deleteKey!(old.key.id);
    await connector.deleteKey!(expired.key.id);

    const ids = (await listAll()).keys.map((key) => key.id);
    expect(ids).not.toContain(old.key.id);
    expect(ids).not.toContain(expired.key.id);
    expect(ids).toHaveLength(1);
    expect((await failure(connector.deleteKey!(old.key.id))).code).toBe('not_found');
  });
});

describe('test', () => {
  it('reports active and grace keys valid and expired keys invalid', async () => {
    const active = state.issueActiveKey('Production');
    const grace = state.seedRevokedKey('Previous', { revokedAt: at(-10) });
    const expired = state.seedExpiredKey('Legacy');

    const keys = (await listAll()).keys;
    const byId = (id: string) => keys.find((key) => key.id === id)!;

    expect(byId(grace.key.id).status).toBe('grace');
    expect(byId(expired.key.id).status).toBe('expired');
    expect(await connector.testKey(byId(active.key.id), null)).toEqual({ ok: true, detail: 'valid' });
    expect(await connector.testKey(byId(grace.key.id), null)).toEqual({ ok: true, detail: 'valid' });
    expect(await connector.testKey(byId(expired.key.id), null)).toEqual({ ok: false, detail: 'invalid: expired or revoked' });
  });
});

describe('admin access', () => {
  it('accepts an admin token', async () => {
    expect(await connector.verifyCredential(adminToken)).toEqual({ account: 'CommBox admin' });
  });

  it('explains on every call that a member token lacks admin access', async () => {
    const active = state.issueActiveKey('Production');
    const member = state.addMemberToken();
    const asMember = connectorFor(member);
    const remote = await listed(active.key.id);

    const errors = [
      await failure(connector.verifyCredential(member)),
      await failure(asMember.listPage(null)),
      await failure(asMember.fetchSecret!(active.key.id)),
      await failure(asMember.testKey(remote, null)),
      await failure(asMember.revokeKey!(active.key.id, { validityDays: 30 })),
      await failure(asMember.deleteKey!(active.key.id)),
      await failure(asMember.setRotationInterval!(90)),
    ];
    for (const error of errors) {
      expect(error.code).toBe('forbidden');
      expect(error.message).toContain(BACKEND);
      expect(error.message).toMatch(/CommBox requires admin access to manage API keys, and this token lacks it/);
      expect(error.message).toMatch(/ask a CommBox admin/);
      expect(error.message).not.toContain(member);
    }
    expect(state.findKey(active.key.id)?.status).toBe('active');
    expect(state.rotationIntervalDays).toBe(365);
  });

  it('refuses an unknown token as unauthorized', async () => {
    const unknown = `cbt_${randomBytes(24).toString('hex')}`;

    const verifying = await failure(connector.verifyCredential(unknown));
    expect(verifying.code).toBe('unauthorized');
    expect(verifying.message).toMatch(/CommBox refused this token \(401\)/);
    expect(verifying.message).not.toContain(unknown);

    const listing = await failure(connectorFor(unknown).listPage(null));
    expect(listing.code).toBe('unauthorized');
    expect(listing.message).toContain('set-credential');
  });

  it('refuses a token that cannot be sent in a header without sending it', async () => {
    const error = await failure(connector.verifyCredential('two words'));
    expect(error.code).toBe('invalid_input');
    expect(emulator.requestLog).toEqual([]);
  });
});

describe('replacement interval', () => {
  it('recomputes the active key expiry from its creation', async () => {
    const active = state.issueActiveKey('Production');

    expect(await connector.setRotationInterval!(180)).toEqual({ intervalDays: 180 });

    expect(await listed(active.key.id)).toMatchObject({ status: 'active', expiresAt: at(180) });
    expect((await connector.listPage(null)).facts).toEqual({ rotationIntervalDays: 180 });
    expect(attempts('PUT /v1/api-keys/rotation')).toBe(1);
  });

  it('rotates at once when the new expiry has already passed, with the grace period starting now', async () => {
    const old = state.issueActiveKey('Production');
    await advanceDays(100);

    await connector.setRotationInterval!(30);

    const { keys } = await listAll();
    expect(keys).toHaveLength(2);
    // Not back-dated: the grace runs 30 days from now (day 130), not from day 30.
    expect(keys.find((key) => key.id === old.key.id)).toMatchObject({ status: 'grace', graceEndsAt: at(130), details: { revokedAt: at(100) } });
    expect(keys.find((key) => key.status === 'active')).toMatchObject({ createdAt: at(100), expiresAt: at(130) });
  });

  it('refuses an interval outside 1..365 before sending anything', async () => {
    state.issueActiveKey('Production');
    for (const days of [0, 366, 2.5]) {
      expect((await failure(connector.setRotationInterval!(days))).code).toBe('invalid_input');
    }
    expect(emulator.requestLog).toEqual([]);

    const response = await http.request({
      method: 'PUT',
      path: '/v1/api-keys/rotation',
      headers: { authorization: `Bearer ${adminToken}` },
      json: { intervalDays: 0 },
      idempotent: false,
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_interval' });
  });
});

describe('faults', () => {
  it('retries a list answered 429 after Retry-After', async () => {
    state.issueActiveKey('Production');
    emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'GET', pathPrefix: '/v1/api-keys' });

    const page = await connector.listPage(null);

    expect(page.keys).toHaveLength(1);
    expect(attempts('GET /v1/api-keys')).toBe(2);
  });

  it('never retries a revoke answered 429, and reports rate limiting', async () => {
    const old = state.issueActiveKey('Production');
    emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'POST', pathPrefix: '/v1/api-keys' });

    const error = await failure(connector.revokeKey!(old.key.id, { validityDays: 30 }));

    expect(error.code).toBe('rate_limited');
    expect(error.message).toContain(BACKEND);
    expect(attempts(`POST /v1/api-keys/${old.key.id}/revoke`)).toBe(1);
    expect(state.findKey(old.key.id)?.status).toBe('active');
  });

  it('reports a revoke whose answer was lost as outcome unknown, and CommBox did revoke', async () => {
    const old = state.issueActiveKey('Production');
    emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: `/v1/api-keys/${old.key.id}/revoke` });

    const error = await failure(connector.revokeKey!(old.key.id, { validityDays: 30 }));

    expect(error.code).toBe('outcome_unknown');
    expect(attempts(`POST /v1/api-keys/${old.key.id}/revoke`)).toBe(1);
    expect(state.findKey(old.key.id)?.status).toBe('revoked');
    // The next sync finds what happened: the old key in grace and its replacement.
    const { keys } = await listAll();
    expect(keys.map((key) => key.status).sort()).toEqual(['active', 'grace']);
  });

  it('retries a delete answered 503 with Retry-After, and one whose answer was lost: the 404 that follows counts as deleted', async () => {
    const expired = state.seedExpiredKey('Older', { daysAgo: 5 });
    const revoked = state.seedRevokedKey('Old', { revokedAt: at(-1), createdAt: at(-300), expiresAt: at(65) });
    emulator.addFault({ kind: 'status', status: 503, retryAfterSeconds: 0, method: 'DELETE' });
    await connector.deleteKey!(expired.key.id);
    expect(attempts(`DELETE /v1/api-keys/${expired.key.id}`)).toBe(2);
    expect(state.findKey(expired.key.id)).toBeUndefined();

    emulator.addFault({ kind: 'lost-reply', method: 'DELETE' });
    await connector.deleteKey!(revoked.key.id);
    expect(attempts(`DELETE /v1/api-keys/${revoked.key.id}`)).toBe(2);
    expect(state.findKey(revoked.key.id)).toBeUndefined();
  });

  it('a first delete answered 404 is still not found: nothing says Keywarden deleted it', async () => {
    const error = await failure(connector.deleteKey!('key_missing'));
    expect(error.code).toBe('not_found');
    expect(attempts('DELETE /v1/api-keys/key_missing')).toBe(1);
  });

  it('fails page 2 of a listing only, with a fault matching the cursor parameter', async () => {
    state.seedHistory(150);
    state.issueActiveKey('Production');
    emulator.addFault({ kind: 'status', status: 500, method: 'GET', pathPrefix: '/v1/api-keys', hasQuery: 'cursor', times: 10 });

    const first = await connector.listPage(null);
    expect(first.keys).toHaveLength(100);
    const error = await failure(connector.listPage(first.nextCursor));

    expect(error.code).toBe('vendor_unavailable');
    expect(attempts('GET /v1/api-keys')).toBe(5);
  });

  it('the control endpoint takes query-matching faults too', async () => {
    state.seedHistory(150);
    const first = await connector.listPage(null);
    const added = await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'malformed', method: 'GET', queryIncludes: { cursor: first.nextCursor } }),
    });
    expect(added.status).toBe(200);

    // Another query does not match: the first page comes back intact, the second is malformed.
    expect((await connector.listPage(null)).keys).toHaveLength(100);
    expect((await failure(connector.listPage(first.nextCursor))).code).toBe('malformed_response');
    expect((await connector.listPage(first.nextCursor)).keys).toHaveLength(50);
  });

  it('retries a list whose answer was lost', async () => {
    state.issueActiveKey('Production');
    emulator.addFault({ kind: 'lost-reply', method: 'GET', pathPrefix: '/v1/api-keys' });

    expect((await connector.listPage(null)).keys).toHaveLength(1);
    expect(attempts('GET /v1/api-keys')).toBe(2);
  });

  it('reports a body that is not JSON as malformed, naming the backend', async () => {
    state.issueActiveKey('Production');
    emulator.addFault({ kind: 'malformed', method: 'GET', pathPrefix: '/v1/api-keys' });

    const error = await failure(connector.listPage(null));

    expect(error.code).toBe('malformed_response');
    expect(error.message).toContain(BACKEND);
  });

  it('reports a body of the wrong shape as malformed, naming the field', async () => {
    state.issueActiveKey('Production');
    emulator.addFault({ kind: 'wrong-shape', method: 'GET', pathPrefix: '/v1/api-keys' });

    const error = await failure(connector.listPage(null));

    expect(error.code).toBe('malformed_response');
    expect(error.message).toContain(BACKEND);
    expect(error.message).toMatch(/field "[\w.]+"/);
    expect(String(error.details.field)).toMatch(/^(data\.0\.\w+|nextCursor|rotation)/);
  });

  it('gives up after the retries when CommBox stays unavailable', async () => {
    emulator.addFault({ kind: 'status', status: 503, times: 10, method: 'GET' });

    const error = await failure(connector.listPage(null));

    expect(error.code).toBe('vendor_unavailable');
    expect(attempts('GET /v1/api-keys')).toBe(4);
  });
});

describe('definition', () => {
  it('offers no create and says how CommBox issues keys instead', async () => {
    expect(commBoxDefinition.capabilities).not.toContain('create');
    expect(commBoxDefinition.defaultRotationDays).toBeNull();
    expect(commBoxDefinition.unsupportedReasons.create).toMatch(/keywarden revoke REF --validity-days D/);
    expect(await commBoxDefinition.loadConnector()).toBe(createCommBoxConnector);
    expect(connector.createKey).toBeUndefined();
  });
});
