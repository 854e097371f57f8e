/**
 * The team inventory against a real PostgreSQL (a private cluster, test/support/postgres.ts), three members with
 * their own login roles and passwords from a password file, each with a data folder of their own and the real
 * keychain (with-test-keychain.mjs). The steps build on each other, as a team's life does: init, join, approve,
 * pulls, a key written by one member and read by another, what a viewer's own connection is refused by PostgreSQL
 * itself, a dump of the server free of anything secret, removal with a new team key, leaving.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { KeywardenError } from '../../electron/core/errors.js';
import { AUDIT_CHAIN_VERSION, auditEventHash } from '../../electron/core/store/audit-chain.js';
import { InventoryStore } from '../../electron/core/store/store.js';
import { unwrapTeamKey, wrapInfo } from '../../electron/core/team/hpke.js';
import { createOsKeychain } from '../../electron/core/vault/keychain.js';
import { Vault } from '../../electron/core/vault/vault.js';
import { vaultRecords } from '../../electron/core/workflows/vault.js';
import { DATABASE_FILE } from '../../electron/core/paths.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { type MemberName, NO_POSTGRES_REASON, type PrivatePostgres, SKIP_NO_POSTGRES } from '../support/postgres.js';
import { expectError, startTeamHomes, type TeamHomes } from '../support/team-homes.js';

if (SKIP_NO_POSTGRES) console.warn(`team tests skipped: ${NO_POSTGRES_REASON}`);

const SECRET_A = 'sk_live_alice_7Qw9dXz2LmPa4RtY';
const SECRET_B = 'sk_live_bob_Hk3vN8sJq1WcE5uZ';

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)('a team inventory on PostgreSQL', () => {
  let server: PrivatePostgres;
  const homes = {} as Record<MemberName, string>;
  const engines = {} as Record<MemberName, KeywardenEngine>;
  const fingerprints = {} as Record<MemberName, string>;
  let team: TeamHomes | undefined;

  beforeAll(async () => {
    team = await startTeamHomes('team', homes, engines);
    server = team.server;
    await engines.alice.addBackend({ name: 'hand', type: 'manual' });
    await engines.alice.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', createdAt: null, expiresAt: '2031-03-01', rotateEveryDays: null, secret: SECRET_A, test: null });
  });

  afterAll(async () => {
    await team?.close();
  });

  /** A member's own connection, outside Keywarden: what PostgreSQL itself lets that role do. */
  async function asMember<R>(member: MemberName, sql: string): Promise<R[]> {
    const client = new pg.Client({ connectionString: server.url(member), password: server.password(member) });
    await client.connect();
    try {
      return (await client.query(sql)).rows as R[];
    } finally {
      await client.end();
    }
  }

  /** A member's private key, opened from their own data folder's vault (as Keywarden does), for checks the server cannot make. */
  async function privateKeyOf(member: MemberName, teamId: string): Promise<Buffer> {
    const store = InventoryStore.open(join(homes[member], DATABASE_FILE));
    try {
      const link = store.team.get()!;
      const vault = new Vault(vaultRecords(store), createOsKeychain());
      return Buffer.from(await vault.open(`team-member-key:${teamId}\n${member}`, link.privateKeySealed), 'base64');
    } finally {
      store.close();
    }
  }

  async function teamId(): Promise<string> {
    return (await server.superuser<{ value: string }>("SELECT value FROM ops.meta WHERE name = 'team_id'"))[0]!.value;
  }

  it('refuses a database URL with a password in it, before connecting, and stores nothing', async () => {
    const withPassword = `postgresql://alice:${server.password('alice')}@127.0.0.1:${server.port}/team`;
    const error = await expectError(engines.alice.teamInit(withPassword, 'ops'), 'invalid_input', /holds a password.*PGPASSWORD.*PGPASSFILE/);
    expect(error.message).not.toContain(server.password('alice'));
    await expectError(engines.alice.teamInit(`${server.url('alice')}&password=x`, 'ops'), 'invalid_input', /holds a password/);
    expect(engines.alice.isTeamHome()).toBe(false);
    expect(await server.superuser("SELECT 1 FROM pg_namespace WHERE nspname = 'ops'")).toEqual([]);
  });

  it('init creates the team in the existing database with the caller as first admin, and publishes her inventory', async () => {
    const made = await engines.alice.teamInit(server.url('alice'), 'ops');
    expect(made).toMatchObject({ team: 'ops', member: 'alice', backends: 1, keys: 1 });
    fingerprints.alice = made.fingerprint;
    expect(engines.alice.isTeamHome()).toBe(true);
    const status = await engines.alice.teamStatus();
    expect(status.server).toMatchObject({ reachable: true, role: 'admin', state: 'approved', generation: 1, pending: 0 });
    // The group roles exist, and alice holds admin (which includes operator and viewer).
    const roles = await server.superuser<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'ops\\_%' ORDER BY rolname");
    expect(roles.map((r) => r.rolname)).toEqual(['ops_admin', 'ops_operator', 'ops_viewer']);
    expect(await asMember<{ ok: boolean }>('alice', "SELECT pg_has_role('alice', 'ops_admin', 'MEMBER') AS ok")).toEqual([{ ok: true }]);
    // A second init of the same team is refused and changes nothing.
    await expectError(engines.bob.teamInit(server.url('bob'), 'ops'), 'conflict', /already exists.*team join/);
  });

  it('join registers bob and carol as pending with the fingerprint they read out; a pending member pulls nothing', async () => {
    for (const member of ['bob', 'carol'] as const) {
      const joined = await engines[member].teamJoin(server.url(member), 'ops');
      expect(joined.member).toBe(member);
      expect(joined.fingerprint).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
      fingerprints[member] = joined.fingerprint;
    }
    const members = await engines.alice.teamMembers();
    expect(members.map((m) => [m.member, m.state, m.role, m.fingerprint])).toEqual([
      ['alice', 'approved', 'admin', fingerprints.alice],
      ['bob', 'pending', null, fingerprints.bob],
      ['carol', 'pending', null, fingerprints.carol],
    ]);
    await expectError(engines.bob.teamSync(), 'forbidden', /not approved yet/);
    // A pending member cannot approve itself: PostgreSQL refuses the role grant and the row change.
    await expectError(engines.bob.teamApprove('bob', 'admin', fingerprints.bob), 'forbidden', /permission denied/);
  });

  it('approve refuses a fingerprint that does not match the key on the server, then grants roles and wraps the team key', async () => {
    await expectError(engines.alice.teamApprove('bob', 'operator', fingerprints.carol), 'invalid_input', /does not match bob's key.*nothing was approved/);
    expect((await engines.alice.teamMembers()).find((m) => m.member === 'bob')?.state).toBe('pending');
    expect((await engines.alice.teamApprove('bob', 'operator', fingerprints.bob.toUpperCase().replaceAll(' ', ''))).role).toBe('operator');
    expect((await engines.alice.teamApprove('carol', 'viewer', fingerprints.carol)).role).toBe('viewer');
    const wraps = await server.superuser<{ member: string; generation: number }>('SELECT member, generation FROM ops.team_keys ORDER BY member');
    // A viewer holds no team key: nothing a viewer may read is sealed.
    expect(wraps).toEqual([
      { member: 'alice', generation: 1 },
      { member: 'bob', generation: 1 },
    ]);
  });

  it("an operator's pull copies the inventory and its secrets (readable offline); a viewer's copies the inventory only", async () => {
    const bobPull = await engines.bob.teamSync();
    expect(bobPull).toMatchObject({ backends: 1, keys: 1, secrets: 1 });
    const [key] = engines.bob.listKeys({ backend: 'hand' });
    expect(key).toMatchObject({ name: 'Stripe prod', status: 'active' });
    expect(await engines.bob.reveal(key!.ref)).toBe(SECRET_A);
    const carolPull = await engines.carol.teamSync();
    expect(carolPull).toMatchObject({ backends: 1, keys: 1, secrets: 0 });
    expect(engines.carol.listKeys({}).map((k) => k.ref)).toEqual([key!.ref]);
    await expectError(engines.carol.reveal(key!.ref), 'secret_not_cached');
    // Nothing new: a second pull changes nothing.
    expect(await engines.bob.teamSync()).toMatchObject({ backends: 0, keys: 0, secrets: 0 });
  });

  it("a viewer's own PostgreSQL connection is refused the sealed secrets and credentials, and writes, by PostgreSQL itself", async () => {
    for (const table of ['key_secrets', 'backend_credentials']) {
      await expect(asMember('carol', `SELECT * FROM ops.${table}`)).rejects.toThrow(`permission denied for table ${table}`);
    }
    await expect(asMember('carol', "UPDATE ops.keys SET name = 'x'")).rejects.toThrow('permission denied for table keys');
    await expect(asMember('carol', "UPDATE ops.members SET team_role = 'admin' WHERE role_name = 'carol'")).rejects.toThrow('permission denied for table members');
    // Row-level security: a member sees only their own wrapped team key (carol has none), an operator cannot change members.
    expect(await asMember('carol', 'SELECT member FROM ops.team_keys')).toEqual([]);
    expect(await asMember<{ member: string }>('bob', 'SELECT member FROM ops.team_keys')).toEqual([{ member: 'bob' }]);
    await expect(asMember('bob', "DELETE FROM ops.members WHERE role_name = 'alice'")).rejects.toThrow('permission denied for table members');
    // The viewer can read the inventory itself.
    expect((await asMember('carol', 'SELECT key_id FROM ops.keys')).length).toBe(1);
  });

  it("two members see each other's manual key after a pull; a viewer cannot add one", async () => {
    const added = await engines.bob.addManualKey('hand', { name: 'Twilio', vendor: 'Twilio', createdAt: null, expiresAt: null, rotateEveryDays: 90, secret: SECRET_B, test: null });
    expect(await engines.bob.reveal(added.ref)).toBe(SECRET_B);
    const pulled = await engines.alice.teamSync();
    expect(pulled).toMatchObject({ keys: 1, secrets: 1 });
    expect(engines.alice.getKey(added.ref)).toMatchObject({ name: 'Twilio', backend: 'hand' });
    expect(await engines.alice.reveal(added.ref)).toBe(SECRET_B);
    await engines.carol.teamSync();
    expect(engines.carol.getKey(added.ref).name).toBe('Twilio');
    await expectError(
      engines.carol.addManualKey('hand', { name: 'Nope', vendor: null, createdAt: null, expiresAt: null, rotateEveryDays: null, secret: null, test: null }),
      'forbidden',
      /permission denied/,
    );
    expect(engines.carol.listKeys({}).some((k) => k.name === 'Nope')).toBe(false);
  });

  it("the server's tables hold no secret, credential, team key or private key in the clear (pg_dump and every column)", async () => {
    const id = await teamId();
    const alicePrivate = await privateKeyOf('alice', id);
    const wrapped = (await server.superuser<{ wrapped: Buffer }>("SELECT wrapped FROM ops.team_keys WHERE member = 'alice' AND generation = 1"))[0]!.wrapped;
    const teamKey = await unwrapTeamKey(alicePrivate, wrapped, wrapInfo(id, 1, 'alice'));
    const forbidden = [SECRET_A, SECRET_B, teamKey, alicePrivate, await privateKeyOf('bob', id)].flatMap((value) => {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
      return [bytes.toString('hex'), bytes.toString('base64'), ...(Buffer.isBuffer(value) ? [] : [value])];
    });
    const dump = server.dump();
    expect(dump).toContain('CREATE TABLE ops.key_secrets');
    for (const needle of forbidden) expect(dump.includes(needle)).toBe(false);
    // Every text and bytea column of the team's tables, read as the superuser (who bypasses row-level security).
    const columns = await server.superuser<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'ops' AND data_type IN ('text', 'bytea', 'name')",
    );
    expect(columns.length).toBeGreaterThan(20);
    for (const { table_name, column_name } of columns) {
      // ::text gives a text column as it is and a bytea column in hex: both forms are among the needles.
      const values = await server.superuser<{ v: string | null }>(`SELECT ${column_name}::text AS v FROM ops.${table_name}`);
      for (const row of values) for (const needle of forbidden) expect(row.v?.includes(needle) ?? false).toBe(false);
    }
  });

  it("the team's audit trail is one hash chain from its genesis, each event under its writer's role", async () => {
    const genesis = (await server.superuser<{ value: string }>("SELECT value FROM ops.meta WHERE name = 'audit_genesis'"))[0]!.value;
    const events = await server.superuser<{
      at: string;
      member: string;
      action: string;
      backend: string | null;
      ref: string | null;
      outcome: string;
      detail: string | null;
      prev_hash: string;
      hash: string;
    }>('SELECT at, member, action, backend, ref, outcome, detail, prev_hash, hash FROM ops.audit ORDER BY id');
    expect(events.map((e) => [e.member, e.action])).toEqual([
      ['alice', 'team.init'],
      ['alice', 'team.approve'],
      ['alice', 'team.approve'],
      ['bob', 'key.add'],
    ]);
    let prev = genesis;
    for (const event of events) {
      expect(event.prev_hash).toBe(prev);
      expect(event.hash).toBe(auditEventHash(AUDIT_CHAIN_VERSION, prev, { ...event, osUser: event.member }));
      prev = event.hash;
    }
    // An operator cannot rewrite the trail: no UPDATE or DELETE is granted, and an event under another name is refused.
    await expect(asMember('bob', "DELETE FROM ops.audit WHERE action = 'key.add'")).rejects.toThrow('permission denied for table audit');
    await expect(asMember('bob', "INSERT INTO ops.audit (seq, at, member, action, outcome, prev_hash, hash) VALUES (0, 'x', 'alice', 'forged', 'ok', 'x', 'x')")).rejects.toThrow(
      'row-level security',
    );
  });

  it('removing a member rotates the team key, re-seals every secret, and lists what that member could have read', async () => {
    const id = await teamId();
    const bobPrivate = await privateKeyOf('bob', id);
    const refs = engines.alice
      .listKeys({})
      .map((k) => k.ref)
      .sort();
    const report = await engines.alice.teamRemove('bob');
    expect(report).toEqual({ member: 'bob', generation: 2, keysToRotate: refs, credentialsToRotate: [], alertChannelsToRotate: [] });
    // Only the remaining operators and admins get the new generation; nothing of the old one is left.
    const wraps = await server.superuser<{ member: string; generation: number; wrapped: Buffer }>('SELECT member, generation, wrapped FROM ops.team_keys ORDER BY member');
    expect(wraps.map((w) => [w.member, w.generation])).toEqual([['alice', 2]]);
    // bob's key opens no wrap of the new generation, however it is presented.
    for (const wrap of wraps) {
      for (const who of ['alice', 'bob']) await expect(unwrapTeamKey(bobPrivate, wrap.wrapped, wrapInfo(id, 2, who))).rejects.toThrow(KeywardenError);
    }
    expect((await server.superuser<{ generation: number }>('SELECT DISTINCT generation FROM ops.key_secrets')).map((r) => r.generation)).toEqual([2]);
    // bob's own connection: his roles are gone, so PostgreSQL refuses the secrets; his pull says why.
    await expect(asMember('bob', 'SELECT * FROM ops.key_secrets')).rejects.toThrow('permission denied for table key_secrets');
    await expectError(engines.bob.teamSync(), 'forbidden', /no longer a member/);
    // The remaining admin still reads every secret after pulling the re-sealed ones.
    await engines.alice.teamSync();
    const twilio = engines.alice.listKeys({}).find((k) => k.name === 'Twilio')!;
    expect(await engines.alice.reveal(twilio.ref)).toBe(SECRET_B);
    // bob's local copy stays readable offline (it is his cache), but nothing new reaches it.
    expect(await engines.bob.reveal(twilio.ref)).toBe(SECRET_B);
  });

  it('a member leaves: the data folder is unlinked, the server shows "left", and removing a viewer lists nothing to rotate', async () => {
    expect(await engines.carol.teamLeave()).toEqual({ team: 'ops', member: 'carol' });
    expect(engines.carol.isTeamHome()).toBe(false);
    expect(engines.carol.listKeys({}).length).toBe(2);
    expect((await engines.alice.teamMembers()).find((m) => m.member === 'carol')?.state).toBe('left');
    expect(await engines.alice.teamRemove('carol')).toMatchObject({ member: 'carol', generation: 3, keysToRotate: [], credentialsToRotate: [] });
    expect((await engines.alice.teamMembers()).map((m) => m.member)).toEqual(['alice']);
    await expectError(engines.alice.teamRemove('alice'), 'invalid_input', /cannot remove yourself/);
  });

  it('a vault reset in a team home is refused (it would strand the member key), unless it leaves the team: the inventory stays, the link goes', async () => {
    const keys = engines.bob.listKeys({}).length;
    await expectError(engines.bob.resetVault(), 'conflict', /home of team "ops" \(as bob\).*team leave.*--leave-team/s);
    expect(engines.bob.isTeamHome()).toBe(true);
    expect(await engines.bob.reveal(engines.bob.listKeys({}).find((k) => k.name === 'Twilio')!.ref)).toBe(SECRET_B);
    const reset = await engines.bob.resetVault({ leaveTeam: true });
    expect(reset.leftTeam).toEqual({ team: 'ops', member: 'bob' });
    expect(engines.bob.isTeamHome()).toBe(false);
    expect(engines.bob.listKeys({}).length).toBe(keys);
    expect(engines.bob.auditTrail({ action: 'vault.reset' })[0]?.detail).toMatch(/unlinked from team ops$/);
  });

  it('with the server stopped, the team home stays readable and a write is refused with the reason, nothing queued', async () => {
    const before = engines.alice.listKeys({}).length;
    const status = await engines.alice.teamStatus();
    expect(status.server.reachable).toBe(true);
    server.stop();
    const offline = await engines.alice.teamStatus();
    expect(offline.server).toMatchObject({ reachable: false, problem: expect.stringMatching(/cannot reach the team's PostgreSQL/) });
    expect(engines.alice.listKeys({}).length).toBe(before);
    const twilio = engines.alice.listKeys({}).find((k) => k.name === 'Twilio')!;
    expect(await engines.alice.reveal(twilio.ref)).toBe(SECRET_B);
    await expectError(
      engines.alice.addManualKey('hand', { name: 'Offline', vendor: null, createdAt: null, expiresAt: null, rotateEveryDays: null, secret: 'sk_offline_1234567890', test: null }),
      'network',
    );
    expect(engines.alice.listKeys({}).length).toBe(before);
  });
});
