/**
 * The console's `team:*` contract methods against a real PostgreSQL (a private cluster, test/support/postgres.ts),
 * three members with their own login roles, data folders and the real keychain, each call through the contract's one
 * pipeline (`invokeContract`: arguments and results checked by the schemas, errors as the console receives them).
 * What an administrator checks in the Team view: the status of a personal folder and of a team home, members with
 * their fingerprints, an approval refused for a fingerprint that does not match (nothing changed), a viewer's and an
 * operator's approval or removal refused by PostgreSQL's grants in the console's words, a pull, the team's audit trail
 * verified and then caught altered on the server by its owner, role changes (a viewer made an operator against the
 * fingerprint she reads out, then her connection reads the sealed secrets; an operator made a viewer, then PostgreSQL
 * refuses them to her and the team key rotates; one's own role, an operator's attempt), leaving (the last admin
 * refused; a member leaves and her folder is personal), a removal with the keys to rotate, an unreachable server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractMethod, ContractResult } from '../../shared/contract.js';
import { createContractHandlers } from '../../electron/core/contract-handlers.js';
import { invokeContract } from '../../electron/core/contract-pipeline.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { recordingSink } from '../support/counting-engine.js';
import { type MemberName, NO_POSTGRES_REASON, type PrivatePostgres, SKIP_NO_POSTGRES } from '../support/postgres.js';
import { startTeamHomes, type TeamHomes } from '../support/team-homes.js';

if (SKIP_NO_POSTGRES) console.warn(`team console tests skipped: ${NO_POSTGRES_REASON}`);

const SECRET = 'sk_live_console_Zp4Lq8Wm2Xc7Rt5N';
const MEMBERS = ['alice', 'bob', 'carol'] as const;

type Answer<M extends ContractMethod> = { ok: true; value: ContractResult<M> } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)("the console's team methods on PostgreSQL", () => {
  let server: PrivatePostgres;
  const homes = {} as Record<MemberName, string>;
  const engines = {} as Record<MemberName, KeywardenEngine>;
  const sinks = {} as Record<MemberName, ReturnType<typeof recordingSink>>;
  const fingerprints = {} as Record<MemberName, string>;
  let team: TeamHomes | undefined;

  /** One call as `member`'s console makes it: through the contract's pipeline, the answer or the error it would show. */
  async function call<M extends ContractMethod>(member: MemberName, method: M, ...args: unknown[]): Promise<Answer<M>> {
    const handlers = createContractHandlers(engines[member], sinks[member], { info: () => ({ host: 'browser', home: homes[member], demo: false, demoAvailable: false }) });
    const outcome = await invokeContract(handlers, method, args, { detailsAt: 'the test' });
    return outcome.ok ? { ok: true, value: outcome.value as ContractResult<M> } : { ok: false, error: outcome.error };
  }

  async function ok<M extends ContractMethod>(member: MemberName, method: M, ...args: unknown[]): Promise<ContractResult<M>> {
    const answer = await call(member, method, ...args);
    if (!answer.ok) throw new Error(`${member} ${method}: ${answer.error.code}: ${answer.error.message}`);
    return answer.value;
  }

  async function refused<M extends ContractMethod>(member: MemberName, method: M, ...args: unknown[]): Promise<{ code: string; message: string }> {
    const answer = await call(member, method, ...args);
    if (answer.ok) throw new Error(`${member} ${method} was expected to be refused, and answered ${JSON.stringify(answer.value)}`);
    return answer.error;
  }

  const stateOf = async (who: string) => (await ok('alice', 'team:members')).find((m) => m.member === who);

  beforeAll(async () => {
    team = await startTeamHomes('team-console', homes, engines);
    server = team.server;
    for (const member of MEMBERS) sinks[member] = recordingSink();
    await engines.alice.addBackend({ name: 'hand', type: 'manual' });
    await engines.alice.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', createdAt: null, expiresAt: '2031-03-01', rotateEveryDays: null, secret: SECRET, test: null });
  });

  afterAll(async () => {
    await team?.close();
  });

  it('a personal data folder: status says it is not linked, and where it is; the other methods say how to make a team home', async () => {
    expect(await ok('alice', 'team:status')).toEqual({ linked: false, home: homes.alice });
    const error = await refused('alice', 'team:members');
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/is not a team home.*team init --database URL.*team join --database URL/);
  });

  it('a team home: the team, the database without a password, this member, the role, a reachable server and the local copy', async () => {
    fingerprints.alice = (await engines.alice.teamInit(server.url('alice'), 'ops')).fingerprint;
    for (const member of ['bob', 'carol'] as const) fingerprints[member] = (await engines[member].teamJoin(server.url(member), 'ops')).fingerprint;
    const status = await ok('alice', 'team:status');
    expect(status).toMatchObject({
      linked: true,
      team: 'ops',
      database: `alice@127.0.0.1:${server.port}/team`,
      member: 'alice',
      fingerprint: fingerprints.alice,
      localSeq: 1,
      server: { reachable: true, role: 'admin', state: 'approved', seq: 1, generation: 1, pending: 2 },
    });
    expect(JSON.stringify(status)).not.toContain(server.password('alice'));
    // A pending member's status: not approved yet, no role.
    expect(await ok('bob', 'team:status')).toMatchObject({ linked: true, member: 'bob', pulledAt: null, server: { reachable: true, role: null, state: 'pending' } });
  });

  it('members: roles, states and fingerprints; a pending member sees only their own row', async () => {
    const members = await ok('alice', 'team:members');
    expect(members.map((m) => [m.member, m.role, m.state, m.fingerprint, m.approvedBy])).toEqual([
      ['alice', 'admin', 'approved', fingerprints.alice, 'alice'],
      ['bob', null, 'pending', fingerprints.bob, null],
      ['carol', null, 'pending', fingerprints.carol, null],
    ]);
    expect((await ok('bob', 'team:members')).map((m) => m.member)).toEqual(['bob']);
  });

  it('approve with a fingerprint that does not match the key on the server is refused, and nothing changes', async () => {
    const eventsBefore = (await ok('alice', 'team:audit', { limit: 100 })).events.length;
    const error = await refused('alice', 'team:approve', { member: 'bob', role: 'admin', fingerprint: fingerprints.carol });
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/does not match bob's key on the server: nothing was approved/);
    expect(await stateOf('bob')).toMatchObject({ state: 'pending', role: null });
    expect(await server.superuser("SELECT 1 FROM ops.team_keys WHERE member = 'bob'")).toEqual([]);
    expect(await server.superuser("SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 'bob'")).toEqual([]);
    expect((await ok('alice', 'team:audit', { limit: 100 })).events.length).toBe(eventsBefore);
  });

  it('approve with the fingerprint read out (spaces and case do not matter) grants the role', async () => {
    expect(await ok('alice', 'team:approve', { member: 'carol', role: 'viewer', fingerprint: fingerprints.carol.toUpperCase() })).toMatchObject({
      member: 'carol',
      role: 'viewer',
      state: 'approved',
      approvedBy: 'alice',
    });
    // The contract refuses a role that is not one of the three before anything reaches the engine.
    expect((await refused('alice', 'team:approve', { member: 'bob', role: 'owner', fingerprint: fingerprints.bob })).code).toBe('invalid_input');
  });

  it("a viewer's approval is refused by PostgreSQL's grants, said in the console's words; nothing changes", async () => {
    const error = await refused('carol', 'team:approve', { member: 'bob', role: 'admin', fingerprint: fingerprints.bob });
    expect(error.code).toBe('forbidden');
    expect(error.message).toBe("Approving members needs the team's admin role; you (carol) are a viewer. PostgreSQL refused it (permission denied for table members). Nothing was approved.");
    expect(await stateOf('bob')).toMatchObject({ state: 'pending', role: null });
  });

  it("an operator is not an admin: PostgreSQL refuses a removal, said in the console's words; nothing changes", async () => {
    await ok('alice', 'team:approve', { member: 'bob', role: 'operator', fingerprint: fingerprints.bob.replaceAll(' ', '') });
    const error = await refused('bob', 'team:remove', 'carol');
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/^Removing members needs the team's admin role; you \(bob\) are an operator\. PostgreSQL refused it \(permission denied for table members\)\./);
    expect(await stateOf('carol')).toMatchObject({ state: 'approved', role: 'viewer' });
    expect((await server.superuser<{ value: string }>("SELECT value FROM ops.meta WHERE name = 'generation'"))[0]!.value).toBe('1');
  });

  it('sync pulls into the local copy, tells every view, and the status then shows the last pull', async () => {
    sinks.bob.seen.length = 0;
    expect(await ok('bob', 'team:sync')).toMatchObject({ backends: 1, keys: 1, secrets: 1 });
    expect(sinks.bob.seen.map((event) => event.event)).toEqual(['onInventoryChanged', 'onRemindersChanged']);
    expect(await engines.bob.reveal(engines.bob.listKeys({})[0]!.ref)).toBe(SECRET);
    const status = await ok('bob', 'team:status');
    if (!status.linked || !status.server.reachable) throw new Error('bob is linked and the server reachable');
    expect(status.pulledAt).not.toBeNull();
    expect(status.localSeq).toBe(status.server.seq);
  });

  it("the team's audit trail, newest first, verifies; an UPDATE of one event by the database's owner is caught and named", async () => {
    const { events, chain } = await ok('carol', 'team:audit', { limit: 10, verify: true });
    expect(events.map((e) => [e.member, e.action, e.ref])).toEqual([
      ['alice', 'team.approve', 'bob'],
      ['alice', 'team.approve', 'carol'],
      ['alice', 'team.init', null],
    ]);
    expect(chain).toMatchObject({ ok: true, events: 3, verified: 3, firstBreak: null });
    expect((await ok('carol', 'team:audit', {})).chain).toBeNull();

    // The owner (alice ran team init) lifts the forced row-level security and rewrites carol's approval.
    const target = events[1]!;
    await server.asMember(
      'alice',
      `BEGIN; ALTER TABLE ops.audit NO FORCE ROW LEVEL SECURITY; UPDATE ops.audit SET detail = 'as admin' WHERE id = ${target.id}; ALTER TABLE ops.audit FORCE ROW LEVEL SECURITY; COMMIT`,
    );
    expect((await server.superuser<{ detail: string }>(`SELECT detail FROM ops.audit WHERE id = ${target.id}`))[0]!.detail).toBe('as admin');
    const after = await ok('carol', 'team:audit', { verify: true });
    expect(after.chain).toMatchObject({ ok: false, verified: 1, firstBreak: { id: target.id, kind: 'content-changed' } });
    expect(after.chain!.firstBreak!.problem).toContain(`event ${target.id} (team.approve by alice`);
  });

  it('a viewer made an operator: refused without the fingerprint she reads out or with another, then her own connection reads the sealed secrets', async () => {
    const noFingerprint = await refused('alice', 'team:role', { member: 'carol', role: 'operator' });
    expect(noFingerprint.code).toBe('invalid_input');
    expect(noFingerprint.message).toMatch(/making carol an operator gives them the team key.*give the fingerprint carol reads to you.*nothing changed/);
    const wrong = await refused('alice', 'team:role', { member: 'carol', role: 'operator', fingerprint: fingerprints.bob });
    expect(wrong.message).toMatch(/does not match carol's key on the server: nothing changed/);
    expect(await stateOf('carol')).toMatchObject({ role: 'viewer' });
    await expect(server.asMember('carol', 'SELECT * FROM ops.key_secrets')).rejects.toThrow('permission denied for table key_secrets');

    const changed = await ok('alice', 'team:role', { member: 'carol', role: 'operator', fingerprint: fingerprints.carol });
    expect(changed).toMatchObject({ member: { member: 'carol', role: 'operator', state: 'approved', approvedBy: 'alice' }, previous: 'viewer', rotation: null });
    // PostgreSQL's grants changed with it: her own connection now reads the sealed secrets (ciphertext), and she holds a wrap.
    expect((await server.asMember('carol', 'SELECT key_id FROM ops.key_secrets')).length).toBe(1);
    expect(await server.asMember<{ member: string; generation: number }>('carol', 'SELECT member, generation FROM ops.team_keys')).toEqual([{ member: 'carol', generation: 1 }]);
    expect(await ok('carol', 'team:sync')).toMatchObject({ secrets: 1 });
    expect(await engines.carol.reveal(engines.carol.listKeys({})[0]!.ref)).toBe(SECRET);
    const [event] = (await ok('alice', 'team:audit', { limit: 1 })).events;
    expect(event).toMatchObject({ member: 'alice', action: 'team.role', ref: 'carol', detail: 'from viewer to operator' });
  });

  it('an operator made a viewer: PostgreSQL refuses her the secrets at once, the team key rotates, and the answer lists what she could read; her copy is not taken back', async () => {
    const [key] = engines.alice.listKeys({});
    const changed = await ok('alice', 'team:role', { member: 'carol', role: 'viewer' });
    expect(changed).toEqual({
      member: expect.objectContaining({ member: 'carol', role: 'viewer', state: 'approved' }),
      previous: 'operator',
      rotation: { generation: 2, keysToRotate: [{ ref: key!.ref, name: 'Stripe prod' }], credentialsToRotate: [] },
    });
    await expect(server.asMember('carol', 'SELECT * FROM ops.key_secrets')).rejects.toThrow('permission denied for table key_secrets');
    // The new generation is wrapped for the remaining operator and admin only; every secret is sealed under it.
    expect(await server.superuser('SELECT member, generation FROM ops.team_keys ORDER BY member')).toEqual([
      { member: 'alice', generation: 2 },
      { member: 'bob', generation: 2 },
    ]);
    expect((await server.superuser<{ generation: number }>('SELECT DISTINCT generation FROM ops.key_secrets')).map((r) => r.generation)).toEqual([2]);
    // bob, still an operator, pulls the re-sealed secret and reads it; carol's pull brings no secret, and what her
    // data folder pulled while she was an operator stays there (the dialog says so: rotate it at the vendor).
    expect(await ok('bob', 'team:sync')).toMatchObject({ secrets: 1 });
    expect(await engines.bob.reveal(key!.ref)).toBe(SECRET);
    expect(await ok('carol', 'team:sync')).toMatchObject({ secrets: 0 });
    expect(await engines.carol.reveal(key!.ref)).toBe(SECRET);
    const [event] = (await ok('alice', 'team:audit', { limit: 1 })).events;
    expect(event).toMatchObject({ action: 'team.role', ref: 'carol', detail: 'from operator to viewer; team key generation 2; 1 keys and 0 credentials to rotate' });
  });

  it("one's own role is another admin's to change; an operator's attempt is refused by PostgreSQL; an operator made an admin keeps the wrap she holds", async () => {
    const own = await refused('alice', 'team:role', { member: 'alice', role: 'operator' });
    expect(own.code).toBe('invalid_input');
    expect(own.message).toMatch(/you cannot change your own role in team "ops": another admin does it/);
    const operator = await refused('bob', 'team:role', { member: 'carol', role: 'admin', fingerprint: fingerprints.carol });
    expect(operator.code).toBe('forbidden');
    expect(operator.message).toBe(
      "Changing members' roles needs the team's admin role; you (bob) are an operator. PostgreSQL refused it (permission denied for table members). No role was changed.",
    );
    expect(await stateOf('carol')).toMatchObject({ role: 'viewer' });

    const wrapBefore = await server.superuser<{ wrapped: Buffer }>("SELECT wrapped FROM ops.team_keys WHERE member = 'bob'");
    const seqBefore = (await ok('alice', 'team:status')) as Extract<ContractResult<'team:status'>, { linked: true }>;
    expect(await ok('alice', 'team:role', { member: 'bob', role: 'admin' })).toMatchObject({ member: { role: 'admin' }, previous: 'operator', rotation: null });
    expect(
      await server.superuser("SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 'bob' AND g.rolname = 'ops_admin'"),
    ).toHaveLength(1);
    expect(await server.superuser<{ wrapped: Buffer }>("SELECT wrapped FROM ops.team_keys WHERE member = 'bob'")).toEqual(wrapBefore);
    // The same role again writes nothing: no change number, no event.
    expect(await ok('alice', 'team:role', { member: 'bob', role: 'admin' })).toMatchObject({ previous: 'admin', rotation: null });
    const after = (await ok('alice', 'team:status')) as Extract<ContractResult<'team:status'>, { linked: true }>;
    if (!seqBefore.server.reachable || !after.server.reachable) throw new Error('the server answers');
    expect(after.server.seq).toBe(seqBefore.server.seq + 1);
    // Back to operator (an admin made an operator keeps the team key too), for the removal below.
    expect(await ok('alice', 'team:role', { member: 'bob', role: 'operator' })).toMatchObject({ member: { role: 'operator' }, previous: 'admin', rotation: null });
  });

  it('leaving: the last admin is refused; a typed name that is not the team is refused; carol leaves, and her folder is personal with its copy', async () => {
    const last = await refused('alice', 'team:leave', { team: 'ops' });
    expect(last.code).toBe('conflict');
    expect(last.message).toMatch(/you are the last admin of team "ops": make another member an admin first/);
    expect(await ok('alice', 'team:status')).toMatchObject({ linked: true, server: { role: 'admin', state: 'approved' } });
    expect((await refused('carol', 'team:leave', { team: 'opz' })).message).toMatch(/follows team "ops", not "opz": nothing was done/);
    // Not a team's name at all: the contract refuses it before the engine.
    expect((await refused('carol', 'team:leave', { team: 'Ops; DROP' })).code).toBe('invalid_input');

    sinks.carol.seen.length = 0;
    expect(await ok('carol', 'team:leave', { team: 'ops' })).toEqual({ team: 'ops', member: 'carol' });
    expect(await ok('carol', 'team:status')).toEqual({ linked: false, home: homes.carol });
    // Every open view refreshes: the folder is a personal one now.
    expect(sinks.carol.seen.map((event) => event.event)).toEqual(['onInventoryChanged', 'onRemindersChanged']);
    expect(engines.carol.listKeys({}).map((k) => k.name)).toEqual(['Stripe prod']);
    expect(await stateOf('carol')).toMatchObject({ state: 'left' });
    expect(engines.carol.auditTrail({ action: 'team.leave' })[0]?.detail).toMatch(/left team ops/);
  });

  it('two admins leaving at the same moment: one leaves, the other is refused as the last admin (the rule holds under concurrency)', async () => {
    // A second team in the same database, from new data folders (a folder follows one team).
    const folders = (['alice', 'bob'] as const).map((who) => ({ who, home: mkdtempSync(join(tmpdir(), `keywarden-team-console-dev-${who}-`)) }));
    const dev = folders.map(({ who, home }) => KeywardenEngine.open({ home, osUser: who }));
    try {
      await dev[0]!.teamInit(server.url('alice'), 'dev');
      const bob = await dev[1]!.teamJoin(server.url('bob'), 'dev');
      await dev[0]!.teamApprove('bob', 'admin', bob.fingerprint);
      const outcomes = await Promise.allSettled(dev.map((engine) => engine.teamLeave({ confirmTeam: 'dev' })));
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refusal = outcomes.find((o) => o.status === 'rejected')!;
      expect(refusal.reason).toMatchObject({ code: 'conflict', message: expect.stringMatching(/you are the last admin of team "dev"/) });
      const states = await server.superuser<{ role_name: string; left: boolean }>('SELECT role_name, left_at IS NOT NULL AS left FROM dev.members ORDER BY role_name');
      expect(states.filter((row) => !row.left)).toHaveLength(1);
      expect(dev.filter((engine) => engine.isTeamHome())).toHaveLength(1);
    } finally {
      for (const [index, engine] of dev.entries()) {
        await engine.resetVault({ leaveTeam: true });
        await engine.close();
        rmSync(folders[index]!.home, { recursive: true, force: true });
      }
    }
  });

  it("a pending member is told the team's audit trail needs an approved member", async () => {
    // carol is removed, and asks again from a new data folder (her old one stays linked to the team she was in).
    await engines.alice.teamRemove('carol');
    await engines.carol.resetVault({ leaveTeam: true });
    await engines.carol.close();
    rmSync(homes.carol, { recursive: true, force: true });
    homes.carol = mkdtempSync(join(tmpdir(), 'keywarden-team-console-carol-again-'));
    engines.carol = KeywardenEngine.open({ home: homes.carol, osUser: 'carol' });
    fingerprints.carol = (await engines.carol.teamJoin(server.url('carol'), 'ops')).fingerprint;
    const error = await refused('carol', 'team:audit', {});
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/^Reading the team's audit trail needs an approved member; you \(carol\) are not approved yet\. PostgreSQL refused it \(permission denied for table audit\)/);
  });

  it('remove rotates the team key and answers the keys to rotate at the vendors, with their names', async () => {
    const [key] = engines.alice.listKeys({});
    const removal = await ok('alice', 'team:remove', 'bob');
    // Generation 2 came with carol's demotion to viewer, 3 with her removal.
    expect(removal).toEqual({ member: 'bob', generation: 4, keysToRotate: [{ ref: key!.ref, name: 'Stripe prod' }], credentialsToRotate: [] });
    expect((await ok('alice', 'team:members')).map((m) => m.member)).toEqual(['alice', 'carol']);
    expect((await refused('alice', 'team:remove', 'alice')).message).toMatch(/cannot remove yourself/);
  });

  it('with the server stopped: the status says why, and a pull says nothing was pulled and the copy stays readable', async () => {
    server.stop();
    const status = await ok('alice', 'team:status');
    expect(status).toMatchObject({ linked: true, server: { reachable: false, problem: expect.stringMatching(/cannot reach the team's PostgreSQL/) } });
    const error = await refused('alice', 'team:sync');
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/^Nothing was pulled: the team's server cannot be reached \(.*\)\. The local copy stays readable; try again when the server is back\.$/);
    expect(engines.alice.listKeys({}).map((k) => k.name)).toEqual(['Stripe prod']);
    // Leaving needs the server (it records that you left): refused, and the folder still follows the team.
    const leave = await refused('alice', 'team:leave', { team: 'ops' });
    expect(leave.code).toBe('network');
    expect(leave.message).toMatch(/^You have not left: this data folder still follows the team: the team's server cannot be reached/);
    expect(engines.alice.isTeamHome()).toBe(true);
  });
});
