/**
 * The console's `team:*` contract methods against a real PostgreSQL (a private cluster, test/support/postgres.ts),
 * three members with their own login roles, data folders and the real keychain, each call through the contract's one
 * pipeline (`invokeContract`: arguments and results checked by the schemas, errors as the console receives them).
 * What an administrator checks in the Team view: the status of a personal folder and of a team home, members with
 * their fingerprints, an approval refused for a fingerprint that does not match (nothing changed), a viewer's and an
 * operator's approval or removal refused by PostgreSQL's grants in the console's words, a pull, the team's audit trail
 * verified and then caught altered on the server by its owner, a removal with the keys to rotate, an unreachable server.
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
    expect(removal).toEqual({ member: 'bob', generation: 3, keysToRotate: [{ ref: key!.ref, name: 'Stripe prod' }], credentialsToRotate: [] });
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
  });
});
