/**
 * The key forms' store over a real ContractClient (buildContractClient) with an in-memory transport: a refusal is kept
 * as the engine words it with the field it names, a manual key's secret reaches `manual:add` once and never the state,
 * and consumers are added and removed as one list the engine answers.
 */
import { describe, expect, it } from 'vitest';
import { buildContractClient, type ContractMethod } from '../../../shared/contract.js';
import type { Key, NewManualKeyInput } from '../../../shared/domain.js';
import { fieldOf, createKeyEditStore } from '../../../renderer/src/state/key-edit-store.js';
import { datesChange, errorsFor } from '../../../renderer/src/keys/key-forms.js';

/** A refusal as both transports deliver it: a message, the engine's code, and its details. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly details: Record<string, string>,
  ) {
    super(message);
  }
}

function key(ref: string, extra: Partial<Key> = {}): Key {
  return {
    ref,
    backend: ref.split('/')[0]!,
    backendType: 'manual',
    id: ref.split('/')[1]!,
    name: 'Stripe prod',
    prefix: null,
    status: 'active',
    createdAt: '2026-12-01',
    expiresAt: '2027-03-01',
    graceEndsAt: null,
    rotationDueAt: null,
    lastUsedAt: null,
    lastTestedAt: null,
    lastTestOk: null,
    secretCached: false,
    syncedAt: null,
    owner: null,
    environment: null,
    tags: [],
    notes: null,
    ...extra,
  };
}

function fakeEngine() {
  const calls: Array<{ method: ContractMethod; args: unknown[] }> = [];
  let consumers: string[] = [];
  const client = buildContractClient({
    async invoke(method, args) {
      calls.push({ method, args });
      switch (method) {
        case 'manual:add': {
          const input = args[1] as NewManualKeyInput;
          if (input.expiresAt === '2027-02-30') throw new Refusal('the expiry date "2027-02-30" is not a date: February 2027 has 28 days', { field: 'expiresAt' });
          return key('hand/stripe-prod-1', { secretCached: Boolean(input.secret) });
        }
        case 'key:describe':
          throw new Refusal('the tag "a b" is not one word', { field: 'tags' });
        case 'consumers:list':
          return consumers;
        case 'consumers:set':
          consumers = [...new Set((args[1] as string[]).map((name) => name.trim()))];
          return consumers;
        default:
          throw new Error(`unexpected ${method}`);
      }
    },
  });
  return { client, calls };
}

describe('key edit store', () => {
  it('keeps a refusal with the field it names, and the secret only in the call', async () => {
    const { client, calls } = fakeEngine();
    const store = createKeyEditStore(client);
    const secret = 'sk_live_do-not-keep-0123456789';
    expect(await store.getState().addManualKey('hand', { name: 'Stripe prod', expiresAt: '2027-02-30', secret })).toBeNull();
    expect(store.getState().add).toMatchObject({ running: false, field: 'expiresAt', error: expect.stringMatching(/28 days/) });
    expect(errorsFor(store.getState().add, ['expiresAt']).byField.expiresAt).toMatch(/28 days/);
    // A field the form does not have: said for the whole form instead of being lost.
    expect(errorsFor(store.getState().add, ['name']).general).toMatch(/28 days/);

    const added = await store.getState().addManualKey('hand', { name: 'Stripe prod', expiresAt: '2027-03-01', secret });
    expect(added?.ref).toBe('hand/stripe-prod-1');
    expect(store.getState().add).toEqual({ ref: null, running: false, error: null, field: null });
    expect(JSON.stringify(store.getState())).not.toContain(secret);
    expect(calls.filter((call) => call.method === 'manual:add')).toHaveLength(2);
  });

  it('names the field of a refused description, and forgets it on reset', async () => {
    const { client } = fakeEngine();
    const store = createKeyEditStore(client);
    expect(await store.getState().describeKey('hand/x', { tags: ['a b'] })).toBeNull();
    expect(store.getState().describe).toMatchObject({ ref: 'hand/x', field: 'tags' });
    store.getState().resetForm('describe');
    expect(store.getState().describe.error).toBeNull();
  });

  it('adds and removes consumers as one list, as the engine answers it', async () => {
    const { client, calls } = fakeEngine();
    const store = createKeyEditStore(client);
    await store.getState().loadConsumers('hand/x');
    expect(store.getState().consumers.names).toEqual([]);
    expect(await store.getState().addConsumer('hand/x', ' CI ')).toBe(true);
    expect(await store.getState().addConsumer('hand/x', 'Reports')).toBe(true);
    expect(store.getState().consumers.names).toEqual(['CI', 'Reports']);
    expect(await store.getState().removeConsumer('hand/x', 'CI')).toBe(true);
    expect(store.getState().consumers.names).toEqual(['Reports']);
    expect(calls.filter((call) => call.method === 'consumers:set').map((call) => call.args[1])).toEqual([[' CI '], ['CI', 'Reports'], ['Reports']]);
  });

  it('reads the field from either transport’s error, and nothing from anything else', () => {
    expect(fieldOf(new Refusal('x', { field: 'createdAt' }))).toBe('createdAt');
    expect(fieldOf(new Error('x'))).toBeNull();
    expect(fieldOf(null)).toBeNull();
  });
});

describe('the edit dates form', () => {
  const before = { createdAt: '2026-12-01', mode: 'expires' as const, expiresAt: '2027-03-01', interval: null };
  it('sends only what changed, and clears both for "no expiry"', () => {
    expect(datesChange(before, { createdAt: '2026-12-01', mode: 'expires', expiresAt: '2027-04-01', interval: '' })).toEqual({ changes: { expiresAt: '2027-04-01' } });
    expect(datesChange(before, { createdAt: '2026-12-01', mode: 'expires', expiresAt: '2027-03-01', interval: '' })).toEqual({ changes: {} });
    expect(datesChange(before, { createdAt: '2026-12-01', mode: 'none', expiresAt: '', interval: '' })).toEqual({ changes: { expiresAt: null, rotateEveryDays: null } });
    expect(datesChange(before, { createdAt: '2026-11-30', mode: 'interval', expiresAt: '', interval: '90' })).toEqual({ changes: { createdAt: '2026-11-30', rotateEveryDays: 90 } });
    // A typed day is sent as typed: the engine decides whether it is one (2027-02-30 is not).
    expect(datesChange(before, { createdAt: '2026-12-01', mode: 'expires', expiresAt: '2027-02-30', interval: '' })).toEqual({ changes: { expiresAt: '2027-02-30' } });
    expect(datesChange(before, { createdAt: '2026-12-01', mode: 'interval', expiresAt: '', interval: 'soon' })).toMatchObject({ field: 'rotateEveryDays' });
  });
});
