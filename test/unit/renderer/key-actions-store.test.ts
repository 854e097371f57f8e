/**
 * The console's key actions store over a real ContractClient (buildContractClient) with an in-memory transport, and
 * a fake clipboard: what is asked of the engine, Copy and its timed clear (kept only if the clipboard still holds
 * the secret; cleared anyway when it cannot be read back), the secret never in the store's state, revoke, delete
 * and create with its shown-once secret. Also the capability rules the dialogs decide by.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildContractClient, type ContractMethod } from '../../../shared/contract.js';
import { BACKEND_TYPES, type Key, type KeyActions } from '../../../shared/domain.js';
import { backendDefinition } from '../../../electron/core/backends/registry.js';
import { dayCount, deleteReachesVendor, parseValidityDays, shownOnceLocked } from '../../../renderer/src/keys/rules.js';
import { BEST_EFFORT_NOTE, createKeyActionsStore, ISSUED_REF, READ_REFUSED_NOTE, type ClipboardLike } from '../../../renderer/src/state/key-actions-store.js';

function makeKey(ref: string, status: Key['status'] = 'active'): Key {
  const [backend, id] = ref.split('/') as [string, string];
  return {
    ref,
    backend,
    backendType: 'commbox',
    id,
    name: 'Billing API',
    prefix: '…abcd',
    status,
    createdAt: '2026-11-01T00:00:00.000Z',
    expiresAt: '2027-11-01T00:00:00.000Z',
    graceEndsAt: status === 'grace' ? '2026-12-24T00:00:00.000Z' : null,
    rotationDueAt: null,
    lastUsedAt: null,
    lastTestedAt: null,
    lastTestOk: null,
    secretCached: true,
    syncedAt: '2026-11-24T00:00:00.000Z',
    owner: null,
    environment: null,
    tags: [],
    notes: null,
  };
}

const YES = { available: true, reason: null };
const ACTIONS: KeyActions = { reveal: YES, copy: YES, test: YES, revoke: YES, delete: { available: false, reason: 'revoke this one first' } };

/** The engine, in memory: records each call, answers from the maps below, and throws what `failures` names. */
function fakeEngine() {
  const calls: Array<{ method: ContractMethod; args: unknown[] }> = [];
  const secrets = new Map<string, string>();
  const failures = new Map<ContractMethod, string>();
  let held: Array<() => void> | null = null;
  let hostCopies = false;
  let clearUnchecked = false;
  const transport = {
    async invoke(method: ContractMethod, args: unknown[]): Promise<unknown> {
      calls.push({ method, args });
      if (held) await new Promise<void>((resolve) => held?.push(resolve));
      const failure = failures.get(method);
      if (failure) throw new Error(failure);
      switch (method) {
        case 'key:actions':
          return { ...ACTIONS, test: { available: args[0] !== 'hand/no-test', reason: args[0] === 'hand/no-test' ? 'no test' : null } };
        case 'key:facts':
          return [{ label: 'Created by', value: 'admin@acme.example' }];
        case 'key:copy':
          // A browser host has no clipboard of its own (the page copies); the desktop host copies in its main process.
          if (hostCopies) return { clearsInSeconds: 30, ...(clearUnchecked ? { bestEffortClear: true } : {}) };
          throw Object.assign(new Error('this host has no clipboard of its own'), { code: 'unsupported' });
        case 'key:reveal':
          return secrets.get(args[0] as string);
        case 'settings:get':
          return { clipboardClearSeconds: 7, backgroundSyncHours: 6, revealHideSeconds: 30, lockAfterIdleMinutes: 15, maxRotationDays: null, reminderLeadDays: [30, 7, 1] };
        case 'key:revoke':
          return { revoked: makeKey(args[0] as string, 'grace'), replacement: { key: makeKey('cb/key_0002'), secret: null, cached: true } };
        case 'key:delete':
          return null;
        case 'backend:list':
          return [];
        case 'key:create':
          return { key: { ...makeKey(`${args[0] as string}/${args[1] as string}`), backendType: 'nitrobox' }, secret: secrets.get('created'), cached: true };
        default:
          throw new Error(`not faked: ${method}`);
      }
    },
  };
  return {
    client: buildContractClient(transport),
    calls,
    secrets,
    failures,
    desktopHost(): void {
      hostCopies = true;
    },
    /** The host cannot check its clear (native Wayland). */
    waylandHost(): void {
      hostCopies = true;
      clearUnchecked = true;
    },
    hold(): () => void {
      held = [];
      return () => {
        const waiting = held ?? [];
        held = null;
        for (const release of waiting) release();
      };
    },
  };
}

/** A clipboard that can refuse reads, as a browser does without the permission or focus. */
function fakeClipboard() {
  const clipboard = {
    text: 'before',
    refuseRead: false,
    writes: 0,
    async writeText(text: string) {
      clipboard.writes++;
      clipboard.text = text;
      return Promise.resolve();
    },
    async readText() {
      if (clipboard.refuseRead) throw new Error('Read permission denied.');
      return Promise.resolve(clipboard.text);
    },
  };
  return clipboard;
}

const secretOf = () => randomBytes(24).toString('base64url');

describe('the key actions store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(hostClipboard = false) {
    const engine = fakeEngine();
    const clipboard = fakeClipboard();
    if (hostClipboard) engine.desktopHost();
    const store = createKeyActionsStore(engine.client, { clipboard: (): ClipboardLike => clipboard, hostClipboard });
    return { engine, clipboard, store };
  }

  it('asks the engine what the key allows, and drops an answer for a key that is no longer open', async () => {
    const { engine, store } = setup();
    const release = engine.hold();
    const first = store.getState().loadActions('cb/key_0001');
    const second = store.getState().loadActions('hand/no-test');
    release();
    await Promise.all([first, second]);
    const state = store.getState();
    expect(state.ref).toBe('hand/no-test');
    expect(state.actions?.test).toEqual({ available: false, reason: 'no test' });
    expect(state.loadingActions).toBe(false);
  });

  it("keeps the engine's message when key:actions fails", async () => {
    const { engine, store } = setup();
    engine.failures.set('key:actions', 'no key "x" in backend "cb"');
    await store.getState().loadActions('cb/x');
    expect(store.getState().actions).toBeNull();
    expect(store.getState().actionsError).toBe('no key "x" in backend "cb"');
  });

  it('Copy reveals for the clipboard (purpose copy), writes it, and clears it after the setting if it still holds it', async () => {
    const { engine, clipboard, store } = setup();
    const secret = secretOf();
    engine.secrets.set('cb/key_0001', secret);
    await store.getState().copySecret('cb/key_0001');
    // In a browser the host cannot own the clipboard: the store knows it up front and never asks key:copy (which
    // would only be refused, a failed request in the console on every Copy).
    expect(engine.calls.map((call) => call.method)).toEqual(['key:reveal', 'settings:get']);
    expect(engine.calls.find((call) => call.method === 'key:reveal')?.args).toEqual(['cb/key_0001', { purpose: 'copy' }]);
    expect(clipboard.text === secret).toBe(true);
    expect(store.getState().copy).toEqual({ phase: 'copied', ref: 'cb/key_0001', seconds: 7, note: null, error: null });
    // The secret is nowhere in the store's state.
    expect(JSON.stringify(store.getState()).includes(secret)).toBe(false);
    await vi.advanceTimersByTimeAsync(6_900);
    expect(clipboard.text === secret).toBe(true);
    await vi.advanceTimersByTimeAsync(200);
    expect(clipboard.text).toBe('');
    expect(store.getState().copy.phase).toBe('cleared');
  });

  it('in the desktop app, Copy happens in the host: the secret never reaches the page, nor its clipboard', async () => {
    const { engine, clipboard, store } = setup(true);
    engine.secrets.set('cb/key_0001', secretOf());
    await store.getState().copySecret('cb/key_0001');
    expect(engine.calls.map((call) => call.method)).toEqual(['key:copy']);
    expect(clipboard.writes).toBe(0);
    expect(store.getState().copy).toEqual({ phase: 'copied', ref: 'cb/key_0001', seconds: 30, note: null, error: null });
  });

  it('on native Wayland, where the host cannot check its clear, Copied says the clear is best effort', async () => {
    const { engine, store } = setup(true);
    engine.waylandHost();
    engine.secrets.set('cb/key_0001', secretOf());
    await store.getState().copySecret('cb/key_0001');
    expect(store.getState().copy).toEqual({ phase: 'copied', ref: 'cb/key_0001', seconds: 30, note: BEST_EFFORT_NOTE, error: null });
  });

  it('leaves the clipboard alone when it holds something else by then', async () => {
    const { engine, clipboard, store } = setup();
    engine.secrets.set('cb/key_0001', secretOf());
    await store.getState().copySecret('cb/key_0001');
    clipboard.text = 'something the administrator copied since';
    await vi.advanceTimersByTimeAsync(7_000);
    expect(clipboard.text).toBe('something the administrator copied since');
    expect(store.getState().copy.phase).toBe('replaced');
  });

  it('clears anyway when the clipboard cannot be read back, and says so', async () => {
    const { engine, clipboard, store } = setup();
    engine.secrets.set('cb/key_0001', secretOf());
    await store.getState().copySecret('cb/key_0001');
    clipboard.refuseRead = true;
    await vi.advanceTimersByTimeAsync(7_000);
    expect(clipboard.text).toBe('');
    expect(store.getState().copy).toMatchObject({ phase: 'cleared', note: READ_REFUSED_NOTE });
  });

  it('a newer copy replaces the pending clear; a refused reveal is shown, and the clipboard untouched', async () => {
    const { engine, clipboard, store } = setup();
    const second = secretOf();
    engine.secrets.set('cb/key_0001', secretOf());
    engine.secrets.set('hand/mailer', second);
    await store.getState().copySecret('cb/key_0001');
    await vi.advanceTimersByTimeAsync(3_000);
    await store.getState().copySecret('hand/mailer');
    await vi.advanceTimersByTimeAsync(5_000);
    // The first clear was cancelled: the second secret is still there 8 s after the first copy.
    expect(clipboard.text === second).toBe(true);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(clipboard.text).toBe('');

    engine.failures.set('key:reveal', 'hand/x: Keywarden holds no secret for this key');
    const writes = clipboard.writes;
    await store.getState().copySecret('hand/x');
    expect(store.getState().copy).toMatchObject({ phase: 'failed', ref: 'hand/x', error: 'hand/x: Keywarden holds no secret for this key' });
    expect(clipboard.writes).toBe(writes);
  });

  it('revoke passes the validity, keeps the result and asks for the actions again; a refusal keeps its message', async () => {
    const { engine, store } = setup();
    await store.getState().loadActions('cb/key_0001');
    const result = await store.getState().revokeKey('cb/key_0001', { validityDays: 90 });
    expect(engine.calls.find((call) => call.method === 'key:revoke')?.args).toEqual(['cb/key_0001', { validityDays: 90 }]);
    expect(result?.replacement?.key.ref).toBe('cb/key_0002');
    expect(store.getState().revoke).toMatchObject({ ref: 'cb/key_0001', running: false, error: null });
    expect(store.getState().revoke.result?.revoked?.status).toBe('grace');
    expect(engine.calls.filter((call) => call.method === 'key:actions')).toHaveLength(2);

    engine.failures.set('key:revoke', 'the key is expired: there is nothing left to revoke');
    expect(await store.getState().revokeKey('cb/key_0003', {})).toBeNull();
    expect(engine.calls.filter((call) => call.method === 'key:revoke').at(-1)?.args).toEqual(['cb/key_0003', {}]);
    expect(store.getState().revoke).toMatchObject({ ref: 'cb/key_0003', running: false, error: 'the key is expired: there is nothing left to revoke', result: null });
  });

  it('delete answers true when done and forgets the actions of the deleted key; a refusal keeps its message', async () => {
    const { engine, store } = setup();
    await store.getState().loadActions('cb/key_0001');
    expect(await store.getState().deleteKey('cb/key_0001')).toBe(true);
    expect(store.getState().actions).toBeNull();
    engine.failures.set('key:delete', 'CommBox deletes only revoked or expired keys');
    expect(await store.getState().deleteKey('cb/key_0002')).toBe(false);
    expect(store.getState().delete).toEqual({ ref: 'cb/key_0002', running: false, error: 'CommBox deletes only revoked or expired keys' });
  });

  it('create keeps the shown-once secret until it is dismissed; copying it marks it copied and clears it later', async () => {
    const { engine, clipboard, store } = setup();
    const secret = secretOf();
    engine.secrets.set('created', secret);
    const issued = await store.getState().createKey('nb', 'ci-deploy');
    expect(engine.calls.find((call) => call.method === 'key:create')?.args).toEqual(['nb', 'ci-deploy']);
    expect(issued?.key.ref).toBe('nb/ci-deploy');
    expect(store.getState().create.issued?.secret === secret).toBe(true);
    expect(store.getState().create.copied).toBe(false);
    await store.getState().copyIssued();
    expect(clipboard.text === secret).toBe(true);
    // In a browser (`keywarden ui`, possibly over SSH) the page copies it: the secret is not sent back to the host.
    expect(engine.calls.some((call) => call.method === 'issued:copy')).toBe(false);
    expect(store.getState().create.copied).toBe(true);
    expect(store.getState().copy).toMatchObject({ phase: 'copied', ref: ISSUED_REF, seconds: 7 });
    store.getState().dismissIssued();
    expect(store.getState().create).toEqual({ running: false, error: null, issued: null, copied: false });
    expect(JSON.stringify(store.getState()).includes(secret)).toBe(false);
    // Dismissed or not, the clipboard is still cleared on time.
    await vi.advanceTimersByTimeAsync(7_000);
    expect(clipboard.text).toBe('');
    store.getState().dispose();
  });

  it("a refused create keeps the engine's message and no key", async () => {
    const { engine, store } = setup();
    engine.failures.set('key:create', 'nb: the client ID must be lower case letters, digits and dashes');
    expect(await store.getState().createKey('nb', 'Bad Name')).toBeNull();
    expect(store.getState().create).toEqual({ running: false, error: 'nb: the client ID must be lower case letters, digits and dashes', issued: null, copied: false });
  });
});

describe('the key dialogs decide by capabilities', () => {
  const capabilitiesOf = (type: string) => backendDefinition(type).capabilities;

  it('the engine states replacement terms for exactly the backends whose revoke issues a replacement', () => {
    const withTerms = BACKEND_TYPES.filter((type) => backendDefinition(type).replacementTerms !== undefined);
    expect(withTerms).toEqual(BACKEND_TYPES.filter((type) => backendDefinition(type).revokeIssuesReplacement === true));
    expect(withTerms).toEqual(['commbox']);
    expect(backendDefinition('commbox').replacementTerms).toEqual({ graceDays: 30, minValidityDays: 1, maxValidityDays: 365 });
  });

  it('delete reaches the vendor for every backend that syncs, not for manual keys', () => {
    expect(BACKEND_TYPES.filter((type) => capabilitiesOf(type).includes('delete') && !deleteReachesVendor(capabilitiesOf(type)))).toEqual(['manual']);
  });

  it('reads the validity as whole days from 1 to 365', () => {
    const terms = { minValidityDays: 1, maxValidityDays: 365 };
    expect(parseValidityDays(' 90 ', terms)).toEqual({ days: 90 });
    expect(parseValidityDays('365', terms)).toEqual({ days: 365 });
    for (const text of ['0', '366', '', '1.5', '-3', 'ninety']) expect(parseValidityDays(text, terms)).toHaveProperty('error');
    expect(dayCount(1)).toBe('1 day');
    expect(dayCount(30)).toBe('30 days');
  });

  it('the shown-once dialog stays open until the secret is copied or stored; an uncached one needs the acknowledgement', () => {
    const cached = { cached: true };
    const uncached = { cached: false };
    expect(shownOnceLocked({ running: true, issued: null, copied: false, acknowledged: false })).toBe(true);
    expect(shownOnceLocked({ running: false, issued: null, copied: false, acknowledged: false })).toBe(false);
    expect(shownOnceLocked({ running: false, issued: cached, copied: false, acknowledged: false })).toBe(true);
    expect(shownOnceLocked({ running: false, issued: cached, copied: true, acknowledged: false })).toBe(false);
    expect(shownOnceLocked({ running: false, issued: cached, copied: false, acknowledged: true })).toBe(false);
    expect(shownOnceLocked({ running: false, issued: uncached, copied: true, acknowledged: false })).toBe(true);
    expect(shownOnceLocked({ running: false, issued: uncached, copied: true, acknowledged: true })).toBe(false);
  });
});
