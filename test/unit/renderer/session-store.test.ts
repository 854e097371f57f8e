/**
 * The browser console's session store (renderer/src/state/session-store.ts) with stand-in endpoints and storage:
 * the launch token is taken out of the address before anything else, spent once, and its request key kept for
 * the tab; a tab with a session survives a spent link; every way a session ends is told apart, and late
 * refusals after a sign-out change nothing. The real endpoints against the real server: test/integration/ui-server.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ContractCallError } from '../../../renderer/src/contract/http-transport.js';
import { createSessionStore, type SessionDeps } from '../../../renderer/src/state/session-store.js';

function setup(options: { token?: string | null; stored?: string | null; exchange?: SessionDeps['exchange']; signOut?: SessionDeps['signOut'] } = {}) {
  const log: string[] = [];
  let token = options.token ?? null;
  let stored = options.stored ?? null;
  const store = createSessionStore({
    takeLaunchToken: () => {
      log.push(`take ${token}`);
      const taken = token;
      token = null;
      return taken;
    },
    storage: {
      get: () => stored,
      set: (key) => {
        log.push(`store ${key}`);
        stored = key;
      },
      clear: () => {
        log.push('clear');
        stored = null;
      },
    },
    exchange:
      options.exchange ??
      (async (given) => {
        log.push(`exchange ${given}`);
        return { requestKey: `key-for-${given}` };
      }),
    signOut:
      options.signOut ??
      (async (key) => {
        log.push(`sign out ${key}`);
      }),
  });
  return { store, log, stored: () => stored };
}

describe('the session store', () => {
  it('takes the token out of the address first, exchanges it once, and keeps the request key for the tab', async () => {
    const { store, log, stored } = setup({ token: 'T1' });
    expect(store.getState().phase).toBe('signing_in');
    await Promise.all([store.getState().start(), store.getState().start()]);
    expect(log).toEqual(['take T1', 'exchange T1', 'store key-for-T1']);
    expect(store.getState()).toMatchObject({ phase: 'active', requestKey: 'key-for-T1', reason: null });
    expect(stored()).toBe('key-for-T1');
  });

  it('a reload resumes the tab\'s session; a tab with neither a link nor a session is "no_session"', async () => {
    const resumed = setup({ stored: 'K' });
    await resumed.store.getState().start();
    expect(resumed.store.getState()).toMatchObject({ phase: 'active', requestKey: 'K' });
    expect(resumed.log).toEqual(['take null']);

    const bare = setup();
    await bare.store.getState().start();
    expect(bare.store.getState()).toMatchObject({ phase: 'ended', reason: 'no_session', requestKey: null });
  });

  it('a new link in a tab that had a session replaces it and ends the old one on the server', async () => {
    const { store, log } = setup({ token: 'T2', stored: 'OLD' });
    await store.getState().start();
    expect(store.getState().requestKey).toBe('key-for-T2');
    expect(log).toContain('sign out OLD');
  });

  it('a spent link: refused without a session, but a tab that has one carries on with it', async () => {
    const refusal = new ContractCallError('token_refused', 'this sign-in link was already used', 401);
    const spent = setup({ token: 'T', exchange: () => Promise.reject(refusal) });
    await spent.store.getState().start();
    expect(spent.store.getState()).toMatchObject({ phase: 'ended', reason: 'link_refused', message: 'this sign-in link was already used' });

    const carriesOn = setup({ token: 'T', stored: 'K', exchange: () => Promise.reject(refusal) });
    await carriesOn.store.getState().start();
    expect(carriesOn.store.getState()).toMatchObject({ phase: 'active', requestKey: 'K' });
  });

  it('a full server and an unreachable one are told apart from a spent link', async () => {
    const full = setup({ token: 'T', exchange: () => Promise.reject(new ContractCallError('too_many_sessions', '16 console sessions are open', 429)) });
    await full.store.getState().start();
    expect(full.store.getState()).toMatchObject({ phase: 'ended', reason: 'too_many_sessions', message: '16 console sessions are open' });
    const gone = setup({ token: 'T', exchange: () => Promise.reject(new ContractCallError('server_unreachable', 'did not answer', 0)) });
    await gone.store.getState().start();
    expect(gone.store.getState()).toMatchObject({ phase: 'ended', reason: 'unreachable' });
  });

  it('sign-out ends the session on the server and forgets the key; refusals that arrive afterwards change nothing', async () => {
    const { store, log, stored } = setup({ token: 'T' });
    await store.getState().start();
    await store.getState().signOut();
    expect(log.slice(-2)).toEqual(['sign out key-for-T', 'clear']);
    expect(stored()).toBeNull();
    expect(store.getState()).toMatchObject({ phase: 'ended', reason: 'signed_out', requestKey: null, message: null });
    store.getState().ended({ code: 'session_required', message: 'this console session was signed out' });
    expect(store.getState().reason).toBe('signed_out');
  });

  it('a sign-out the server did not confirm still forgets the key, and says so', async () => {
    const { store, stored } = setup({ token: 'T', signOut: () => Promise.reject(new ContractCallError('server_unreachable', 'no answer', 0)) });
    await store.getState().start();
    await store.getState().signOut();
    expect(stored()).toBeNull();
    expect(store.getState()).toMatchObject({ phase: 'ended', reason: 'signed_out', message: expect.stringMatching(/did not confirm the sign-out \(no answer\)/) });
  });

  it("an expired session and one the server no longer knows are told apart, with the server's words", async () => {
    const expired = setup({ stored: 'K' });
    await expired.store.getState().start();
    expired.store.getState().ended({ code: 'session_expired', message: 'your console session expired: it was not used for 30 minutes' });
    expect(expired.store.getState()).toMatchObject({ phase: 'ended', reason: 'expired', message: expect.stringMatching(/30 minutes/) });
    expect(expired.stored()).toBeNull();

    const unknown = setup({ stored: 'K' });
    await unknown.store.getState().start();
    unknown.store.getState().ended({ code: 'session_required', message: 'not a console session of this server' });
    expect(unknown.store.getState()).toMatchObject({ phase: 'ended', reason: 'ended' });
  });
});
