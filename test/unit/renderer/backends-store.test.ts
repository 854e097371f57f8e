/**
 * The console's backends store over a real ContractClient (buildContractClient) with an in-memory transport that
 * keeps a list of backends: the list, each change with the engine's answer or its refusal as-is, one action of a
 * kind at a time, and that a credential never stays in the state.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildContractClient, type ContractMethod } from '../../../shared/contract.js';
import type { BackendSummary, NewBackendInput } from '../../../shared/domain.js';
import { actionKey, createBackendsStore } from '../../../renderer/src/state/backends-store.js';

class Refusal extends Error {}

function summary(name: string, type: BackendSummary['type'], extra: Partial<BackendSummary> = {}): BackendSummary {
  return {
    name,
    type,
    url: type === 'manual' ? null : `https://${name}.example`,
    capabilities: type === 'manual' ? ['reveal', 'test', 'delete'] : ['list', 'reveal', 'test'],
    unsupported: {},
    replacingRevoke: null,
    hasCredential: type !== 'manual',
    rotateEveryDays: type === 'nitrobox' ? 180 : null,
    keyCount: 0,
    lastSyncAt: null,
    lastSyncOkAt: null,
    lastError: null,
    createdAt: '2026-11-01T00:00:00.000Z',
    ...extra,
  };
}

/** An engine that keeps backends in memory; `acceptedCredential` is the only one it accepts. */
function fakeEngine(initial: BackendSummary[], acceptedCredential: string) {
  let backends = [...initial];
  const calls: Array<{ method: ContractMethod; args: unknown[] }> = [];
  let hold: Promise<void> | null = null;
  const transport = {
    async invoke(method: ContractMethod, args: unknown[]): Promise<unknown> {
      calls.push({ method, args });
      if (hold) await hold;
      const find = (name: unknown) => {
        const found = backends.find((backend) => backend.name === name);
        if (!found) throw new Refusal(`no backend named "${String(name)}"`);
        return found;
      };
      switch (method) {
        case 'backend:list':
          return backends;
        case 'backend:add': {
          const input = args[0] as NewBackendInput;
          if (backends.some((backend) => backend.name === input.name)) throw new Refusal(`a backend named "${input.name}" already exists`);
          if (input.type !== 'manual' && input.credential !== acceptedCredential) throw new Refusal('Nitrobox refused the token (401 unauthorized)');
          const added = summary(input.name, input.type, { rotateEveryDays: input.rotateEveryDays ?? (input.type === 'nitrobox' ? 180 : null) });
          backends.push(added);
          return added;
        }
        case 'backend:credential': {
          const backend = find(args[0]);
          if (args[1] !== acceptedCredential) throw new Refusal('the new credential was refused (401); the old one stays');
          return backend;
        }
        case 'backend:policy': {
          const backend = find(args[0]);
          const updated = { ...backend, rotateEveryDays: (args[1] as number | null) ?? 180 };
          backends = backends.map((candidate) => (candidate.name === backend.name ? updated : candidate));
          return updated;
        }
        case 'backend:interval':
          return { backend: find(args[0]), intervalDays: args[1] };
        case 'backend:remove':
          find(args[0]);
          backends = backends.filter((backend) => backend.name !== args[0]);
          return null;
        default:
          throw new Error(`not faked: ${method}`);
      }
    },
  };
  return {
    client: buildContractClient(transport),
    calls,
    /** Holds every answer until the returned function is called. */
    holdAnswers(): () => void {
      let release = () => {};
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = null;
        release();
      };
    },
  };
}

describe('the backends store', () => {
  const token = randomBytes(12).toString('hex');

  it('loads the list', async () => {
    const engine = fakeEngine([summary('nb', 'nitrobox', { keyCount: 3 })], token);
    const store = createBackendsStore(engine.client);
    expect(store.getState().backends).toBeNull();
    await store.getState().load();
    expect(store.getState().backends?.map((backend) => backend.name)).toEqual(['nb']);
    expect(store.getState().loadError).toBeNull();
  });

  it('adds a backend, keeps it in the list, and remembers it for the "Sync now" offer; the credential is not kept', async () => {
    const engine = fakeEngine([summary('b', 'manual')], token);
    const store = createBackendsStore(engine.client);
    await store.getState().load();
    expect(await store.getState().add({ name: 'a', type: 'nitrobox', url: 'https://a.example', credential: token, rotateEveryDays: 30 })).toBe(true);
    const state = store.getState();
    expect(state.backends?.map((backend) => backend.name)).toEqual(['a', 'b']);
    expect(state.added?.name).toBe('a');
    expect(state.added?.rotateEveryDays).toBe(30);
    expect(state.actions[actionKey('add')]).toEqual({ busy: false, error: null, done: 'Added a.' });
    expect(JSON.stringify(state)).not.toContain(token);
    expect(engine.calls.find((call) => call.method === 'backend:add')?.args[0]).toMatchObject({ name: 'a', type: 'nitrobox', credential: token });
  });

  it("a refused add shows the engine's message as-is and adds nothing", async () => {
    const engine = fakeEngine([], token);
    const store = createBackendsStore(engine.client);
    await store.getState().load();
    const wrong = randomBytes(12).toString('hex');
    expect(await store.getState().add({ name: 'nb', type: 'nitrobox', url: 'https://nb.example', credential: wrong })).toBe(false);
    const state = store.getState();
    expect(state.actions[actionKey('add')]?.error).toBe('Nitrobox refused the token (401 unauthorized)');
    expect(state.backends).toEqual([]);
    expect(state.added).toBeNull();
    expect(JSON.stringify(state)).not.toContain(wrong);
  });

  it('is busy while the engine tests, and refuses a second add meanwhile', async () => {
    const engine = fakeEngine([], token);
    const store = createBackendsStore(engine.client);
    const release = engine.holdAnswers();
    const first = store.getState().add({ name: 'hand', type: 'manual' });
    expect(store.getState().actions.add?.busy).toBe(true);
    expect(await store.getState().add({ name: 'hand2', type: 'manual' })).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(engine.calls.filter((call) => call.method === 'backend:add')).toHaveLength(1);
  });

  it('sets a credential (tested by the engine) and reports a refusal per backend', async () => {
    const engine = fakeEngine([summary('nb', 'nitrobox'), summary('cb', 'commbox')], token);
    const store = createBackendsStore(engine.client);
    await store.getState().load();
    expect(await store.getState().setCredential('nb', randomBytes(8).toString('hex'))).toBe(false);
    expect(store.getState().actions[actionKey('credential', 'nb')]?.error).toBe('the new credential was refused (401); the old one stays');
    expect(store.getState().actions[actionKey('credential', 'cb')]).toBeUndefined();
    expect(await store.getState().setCredential('nb', token)).toBe(true);
    expect(store.getState().actions[actionKey('credential', 'nb')]).toEqual({ busy: false, error: null, done: 'Credential tested and saved.' });
    expect(JSON.stringify(store.getState())).not.toContain(token);
  });

  it('sets the rotation policy and the CommBox interval, updating the list', async () => {
    const engine = fakeEngine([summary('nb', 'nitrobox'), summary('cb', 'commbox')], token);
    const store = createBackendsStore(engine.client);
    await store.getState().load();
    expect(await store.getState().setPolicy('nb', 30)).toBe(true);
    expect(store.getState().backends?.find((backend) => backend.name === 'nb')?.rotateEveryDays).toBe(30);
    expect(store.getState().actions[actionKey('policy', 'nb')]?.done).toBe('Rotation policy set to every 30 days.');
    expect(await store.getState().setPolicy('nb', null)).toBe(true);
    expect(store.getState().actions[actionKey('policy', 'nb')]?.done).toBe('Rotation policy set to the vendor default.');
    expect(engine.calls.filter((call) => call.method === 'backend:policy').map((call) => call.args)).toEqual([
      ['nb', 30],
      ['nb', null],
    ]);
    expect(await store.getState().setInterval('cb', 90)).toBe(true);
    expect(store.getState().actions[actionKey('interval', 'cb')]?.done).toBe('Replacement interval at CommBox set to 90 days.');
  });

  it('removes a backend and says that nothing changed at the vendor; clearAction forgets an outcome', async () => {
    const engine = fakeEngine([summary('nb', 'nitrobox', { keyCount: 151 }), summary('hand', 'manual')], token);
    const store = createBackendsStore(engine.client);
    await store.getState().load();
    expect(await store.getState().remove('nb')).toBe(true);
    expect(store.getState().backends?.map((backend) => backend.name)).toEqual(['hand']);
    expect(store.getState().notice).toBe('Removed nb and its 151 cached keys from Keywarden. Nothing was changed at Nitrobox.');
    expect(await store.getState().remove('nb')).toBe(false);
    expect(store.getState().actions[actionKey('remove', 'nb')]?.error).toBe('no backend named "nb"');
    store.getState().clearAction('remove', 'nb');
    expect(store.getState().actions[actionKey('remove', 'nb')]).toBeUndefined();
  });

  it('keeps the load error in words', async () => {
    const client = buildContractClient({
      invoke: () => Promise.reject(new Refusal('no console session: open the URL that "keywarden ui" printed')),
    });
    const store = createBackendsStore(client);
    await store.getState().load();
    expect(store.getState().loadError).toBe('no console session: open the URL that "keywarden ui" printed');
  });
});
