/**
 * The Team view's store and its pure helpers: a fingerprint compared as the engine compares it (spaces, colons,
 * dashes and case ignored) and shown in groups of four; why the admin actions are off, in words, for each kind of
 * member; what each kind of data folder asks the engine for (a personal one nothing more, a pending member no
 * activity); an approval sends the fingerprint as typed and keeps a refusal in its dialog; a removal keeps its dialog
 * open on the keys to rotate; a role change sends a fingerprint only where one was typed and keeps its dialog open on
 * what changed; who may leave (not the only admin, not while the server is away); a leave sends the name as typed.
 */
import { describe, expect, it } from 'vitest';
import type { ContractClient } from '../../../shared/contract.js';
import type { TeamMember, TeamStatus } from '../../../shared/team.js';
import { adminActions, createTeamStore, fingerprintGroups, fingerprintMatches, leaveAction } from '../../../renderer/src/state/team-store.js';

const FINGERPRINT = '3f2a 0b1c 9d8e 7f60 1a2b 3c4d 5e6f 7081 92a3 b4c5 d6e7 f809 1a2b 3c4d 5e6f 7081';
const BOB: TeamMember = { member: 'bob', role: null, state: 'pending', fingerprint: FINGERPRINT, requestedAt: '2030-01-01T10:00:00.000Z', approvedBy: null, approvedAt: null };

function linked(server: Extract<TeamStatus, { linked: true }>['server']): TeamStatus {
  return { linked: true, team: 'ops', database: 'alice@db:5432/keys', member: 'alice', fingerprint: FINGERPRINT, linkedAt: '2030-01-01T09:00:00.000Z', pulledAt: null, localSeq: 1, server };
}
const AS = (role: 'viewer' | 'operator' | 'admin', state: 'approved' | 'pending' = 'approved') =>
  linked({ reachable: true, role: state === 'pending' ? null : role, state, seq: 3, generation: 1, pending: 1 });

/** A client answering the team methods it is given, recording every call. */
function clientWith(answers: Partial<Record<string, (...args: unknown[]) => unknown>>): { client: ContractClient; calls: Array<[string, unknown[]]> } {
  const calls: Array<[string, unknown[]]> = [];
  const client = new Proxy(
    {},
    {
      get:
        (_, method: string) =>
        async (...args: unknown[]) => {
          calls.push([method, args]);
          const answer = answers[method];
          if (!answer) throw new Error(`unexpected call ${method}`);
          return answer(...args);
        },
    },
  ) as ContractClient;
  return { client, calls };
}

describe('fingerprints', () => {
  it('match ignoring spaces, colons, dashes and case; nothing typed is no answer yet', () => {
    expect(fingerprintMatches(FINGERPRINT.toUpperCase().replaceAll(' ', ''), FINGERPRINT)).toBe(true);
    expect(fingerprintMatches(FINGERPRINT.replaceAll(' ', ':'), FINGERPRINT)).toBe(true);
    expect(fingerprintMatches(`${FINGERPRINT.slice(0, -1)}0`, FINGERPRINT)).toBe(false);
    expect(fingerprintMatches('3f2a', FINGERPRINT)).toBe(false);
    expect(fingerprintMatches('  ', FINGERPRINT)).toBeNull();
  });

  it('show as 16 groups of 4 digits', () => {
    expect(fingerprintGroups(FINGERPRINT.replaceAll(' ', '').toUpperCase())).toEqual(FINGERPRINT.split(' '));
  });
});

describe('who may approve and remove', () => {
  it('an approved admin; anyone else is told why', () => {
    expect(adminActions(AS('admin'))).toEqual({ allowed: true });
    expect(adminActions(AS('operator'))).toEqual({ allowed: false, why: "Only the team's admins approve members, change their roles and remove them; you are an operator." });
    expect(adminActions(AS('viewer'))).toMatchObject({ allowed: false, why: expect.stringMatching(/you are a viewer/) });
    expect(adminActions(AS('admin', 'pending'))).toMatchObject({ allowed: false, why: expect.stringMatching(/not approved yet/) });
    expect(adminActions(linked({ reachable: false, problem: 'connect ECONNREFUSED' }))).toMatchObject({ allowed: false, why: expect.stringMatching(/cannot be reached/) });
    expect(adminActions({ linked: false, home: '/home/ana/.keywarden' })).toMatchObject({ allowed: false, why: expect.stringMatching(/not a team home/) });
  });
});

describe('who may leave', () => {
  const admin = (member: string, state: TeamMember['state'] = 'approved'): TeamMember => ({ ...BOB, member, role: 'admin', state, approvedBy: 'alice', approvedAt: BOB.requestedAt });

  it('any member, but not the only admin (another who left does not count), and not while the server is away', () => {
    expect(leaveAction(AS('viewer'), [])).toEqual({ allowed: true });
    expect(leaveAction(AS('admin', 'pending'), [])).toEqual({ allowed: true });
    expect(leaveAction(AS('admin'), [admin('alice'), admin('carol')])).toEqual({ allowed: true });
    expect(leaveAction(AS('admin'), [admin('alice'), admin('carol', 'left'), BOB])).toMatchObject({ allowed: false, why: expect.stringMatching(/only admin: make another member an admin/) });
    expect(leaveAction(linked({ reachable: false, problem: 'connect ECONNREFUSED' }), null)).toMatchObject({ allowed: false, why: expect.stringMatching(/cannot be reached/) });
  });
});

describe('the team store', () => {
  it('asks a personal folder for its status only, and a pending member for no activity', async () => {
    const personal = clientWith({ 'team:status': () => ({ linked: false, home: '/home/ana/.keywarden' }) });
    const store = createTeamStore(personal.client);
    await store.getState().load();
    expect(personal.calls.map(([method]) => method)).toEqual(['team:status']);
    expect(store.getState()).toMatchObject({ status: { linked: false }, members: null, activity: null, loading: false });

    const pending = clientWith({ 'team:status': () => AS('viewer', 'pending'), 'team:members': () => [BOB] });
    const waiting = createTeamStore(pending.client);
    await waiting.getState().load();
    expect(pending.calls.map(([method]) => method).sort()).toEqual(['team:members', 'team:status']);

    const unreachable = clientWith({ 'team:status': () => linked({ reachable: false, problem: 'connect ECONNREFUSED' }) });
    await createTeamStore(unreachable.client).getState().load();
    expect(unreachable.calls.map(([method]) => method)).toEqual(['team:status']);
  });

  it('approves with the fingerprint as typed, keeps a refusal in the dialog, and closes it once approved', async () => {
    let refuse = true;
    const { client, calls } = clientWith({
      'team:status': () => AS('admin'),
      'team:members': () => [BOB],
      'team:audit': () => ({ events: [], chain: null }),
      'team:approve': () => {
        if (refuse) throw new Error("the fingerprint given does not match bob's key on the server: nothing was approved");
        return { ...BOB, role: 'operator', state: 'approved', approvedBy: 'alice', approvedAt: '2030-01-02T10:00:00.000Z' };
      },
    });
    const store = createTeamStore(client);
    await store.getState().load();
    store.getState().askApprove(BOB);
    await store.getState().approve('operator', '3F2A 0B1C');
    expect(calls.filter(([method]) => method === 'team:approve')).toEqual([['team:approve', [{ member: 'bob', role: 'operator', fingerprint: '3F2A 0B1C' }]]]);
    expect(store.getState()).toMatchObject({ approving: BOB, approveError: expect.stringMatching(/does not match/), approved: null });
    refuse = false;
    await store.getState().approve('operator', FINGERPRINT);
    expect(store.getState()).toMatchObject({ approving: null, approveError: null, approved: { member: 'bob', role: 'operator' } });
  });

  it('keeps the Remove dialog open on the keys to rotate, and removes once', async () => {
    const removal = { member: 'bob', generation: 2, keysToRotate: [{ ref: 'hand/k1', name: 'Stripe prod' }], credentialsToRotate: [] };
    const { client, calls } = clientWith({
      'team:status': () => AS('admin'),
      'team:members': () => [BOB],
      'team:audit': () => ({ events: [], chain: null }),
      'team:remove': () => removal,
    });
    const store = createTeamStore(client);
    store.getState().askRemove(BOB);
    await store.getState().remove();
    await store.getState().remove();
    expect(calls.filter(([method]) => method === 'team:remove')).toEqual([['team:remove', ['bob']]]);
    expect(store.getState()).toMatchObject({ removing: BOB, removal });
    store.getState().closeRemove();
    expect(store.getState()).toMatchObject({ removing: null, removal: null });
  });

  it('changes a role with a fingerprint only where one was typed, keeps the dialog on what changed, and says it once closed', async () => {
    const CAROL: TeamMember = { ...BOB, member: 'carol', role: 'operator', state: 'approved', approvedBy: 'alice', approvedAt: BOB.requestedAt };
    const changed = { member: { ...CAROL, role: 'viewer' }, previous: 'operator', rotation: { generation: 2, keysToRotate: [{ ref: 'hand/k1', name: 'Stripe prod' }], credentialsToRotate: [] } };
    const { client, calls } = clientWith({
      'team:status': () => AS('admin'),
      'team:members': () => [CAROL],
      'team:audit': () => ({ events: [], chain: null }),
      'team:role': () => changed,
    });
    const store = createTeamStore(client);
    store.getState().askRole(CAROL);
    await store.getState().changeRole('viewer');
    await store.getState().changeRole('viewer');
    expect(calls.filter(([method]) => method === 'team:role')).toEqual([['team:role', [{ member: 'carol', role: 'viewer' }]]]);
    expect(store.getState()).toMatchObject({ changingRole: CAROL, roleChanged: changed, roleError: null });
    store.getState().closeRole();
    expect(store.getState()).toMatchObject({ changingRole: null, roleChanged: changed });

    store.getState().askRole({ ...CAROL, role: 'viewer' });
    expect(store.getState().roleChanged).toBeNull();
    await store.getState().changeRole('operator', '3F2A 0B1C');
    expect(calls.filter(([method]) => method === 'team:role').at(-1)).toEqual(['team:role', [{ member: 'carol', role: 'operator', fingerprint: '3F2A 0B1C' }]]);
  });

  it('leaves with the name as typed; a refusal stays in the dialog, and once left the folder loads as personal', async () => {
    let refuse = true;
    let linkedNow = true;
    const { client, calls } = clientWith({
      'team:status': () => (linkedNow ? AS('viewer') : { linked: false, home: '/home/carol/team' }),
      'team:members': () => [],
      'team:audit': () => ({ events: [], chain: null }),
      'team:leave': () => {
        if (refuse) throw new Error("You have not left: this data folder still follows the team: the team's server cannot be reached");
        linkedNow = false;
        return { team: 'ops', member: 'carol' };
      },
    });
    const store = createTeamStore(client);
    await store.getState().load();
    await store.getState().leave('ops');
    expect(calls.some(([method]) => method === 'team:leave')).toBe(false);
    store.getState().askLeave();
    await store.getState().leave('ops');
    expect(store.getState()).toMatchObject({ leaving: true, leaveError: expect.stringMatching(/You have not left/), left: null });
    refuse = false;
    await store.getState().leave('ops');
    expect(calls.filter(([method]) => method === 'team:leave')).toEqual([
      ['team:leave', [{ team: 'ops' }]],
      ['team:leave', [{ team: 'ops' }]],
    ]);
    expect(store.getState()).toMatchObject({ leaving: false, leaveError: null, left: { team: 'ops', member: 'carol' }, status: { linked: false } });
  });
});
