/**
 * Vendor backends on a team home (docs/team.md), end to end: a private PostgreSQL (test/support/postgres.ts), three
 * members with their own login roles and data folders (alice admin, bob operator, carol viewer), the real keychain
 * (with-test-keychain.mjs), and the CommBox and Nitrobox emulators on 127.0.0.1. What one member does at a vendor is
 * written to the team and read by the others after a pull; a viewer is refused before any vendor request (the
 * emulators' request logs say so); a shown-once secret that arrives while the server is away is kept and pushed.
 *
 *   node test/support/with-test-keychain.mjs npx vitest run test/integration/team-vendors.test.ts
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { startTeamFollower, type TeamPullReason } from '../../electron/core/desktop/team-follower.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import type { PullReport } from '../../electron/core/team/workflow.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { type MemberName, NO_POSTGRES_REASON, type PrivatePostgres, SKIP_NO_POSTGRES } from '../support/postgres.js';
import { expectError, legacyTeam, startTeamHomes, type TeamHomes } from '../support/team-homes.js';

if (SKIP_NO_POSTGRES) console.warn(`team vendor tests skipped: ${NO_POSTGRES_REASON}`);

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)('vendor backends on a team home', () => {
  let server: PrivatePostgres;
  let nitrobox: NitroboxEmulator;
  let commbox: CommBoxEmulator;
  let nitroboxToken: string;
  let commboxToken: string;
  const homes = {} as Record<MemberName, string>;
  const engines = {} as Record<MemberName, KeywardenEngine>;
  let team: TeamHomes | undefined;
  /** Every shown-once secret a test was handed: none may reach the server in the clear. */
  const issuedSecrets: string[] = [];

  beforeAll(async () => {
    team = await startTeamHomes('team-vendors', homes, engines);
    server = team.server;
    nitrobox = await startNitroboxEmulator();
    nitroboxToken = nitrobox.state.addUser('ops@acme.example', { role: true });
    nitrobox.state.seedClient('billing-export');
    nitrobox.state.seedClient('crm-sync');
    commbox = await startCommBoxEmulator();
    commboxToken = commbox.state.addAdminToken();
    commbox.state.issueActiveKey('Production');
    await engines.alice.teamInit(server.url('alice'), 'ops');
    const bob = await engines.bob.teamJoin(server.url('bob'), 'ops');
    const carol = await engines.carol.teamJoin(server.url('carol'), 'ops');
    await engines.alice.teamApprove('bob', 'operator', bob.fingerprint);
    await engines.alice.teamApprove('carol', 'viewer', carol.fingerprint);
  });

  afterAll(async () => {
    await team?.close();
    await nitrobox?.emulator.close();
    await commbox?.emulator.close();
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

  function teamAudit(action: string) {
    return server.superuser<{ member: string; action: string; backend: string | null; ref: string | null; detail: string | null; seq: string }>(
      'SELECT member, action, backend, ref, detail, seq FROM ops.audit WHERE action = $1 ORDER BY id',
      [action],
    );
  }

  const vendorRequests = () => nitrobox.emulator.requestLog.length + commbox.emulator.requestLog.length;

  it('only an admin adds a backend: its metadata and its credential, sealed under the team key, go to the team with their audit event', async () => {
    const before = vendorRequests();
    for (const [member, role] of [
      ['carol', 'a viewer'],
      ['bob', 'an operator'],
    ] as const) {
      await expectError(
        engines[member].addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: nitroboxToken }),
        'forbidden',
        new RegExp(`${member} is ${role} in team "ops": only admins add, remove or change backends`),
      );
    }
    // Refused before the credential was tried at the vendor.
    expect(vendorRequests()).toBe(before);

    await engines.alice.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: nitroboxToken });
    await engines.alice.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: commboxToken });
    expect(engines.alice.listBackends().map((b) => [b.name, b.hasCredential])).toEqual([
      ['cb', true],
      ['nb', true],
    ]);
    const rows = await server.superuser<{ name: string; url: string }>('SELECT name, url FROM ops.backends ORDER BY name');
    expect(rows).toEqual([
      { name: 'cb', url: commbox.emulator.url },
      { name: 'nb', url: nitrobox.emulator.url },
    ]);
    const credentials = await server.superuser<{ backend: string; sealed: Buffer }>('SELECT backend, sealed FROM ops.backend_credentials ORDER BY backend');
    expect(credentials.map((c) => c.backend)).toEqual(['cb', 'nb']);
    for (const { sealed } of credentials) {
      for (const token of [nitroboxToken, commboxToken]) expect(sealed.includes(Buffer.from(token))).toBe(false);
    }
    // A viewer's own connection is refused the sealed credentials by PostgreSQL itself.
    await expect(asMember('carol', 'SELECT * FROM ops.backend_credentials')).rejects.toThrow('permission denied for table backend_credentials');
    expect((await teamAudit('backend.add')).map((e) => [e.member, e.backend])).toEqual([
      ['alice', 'nb'],
      ['alice', 'cb'],
    ]);
  });

  it('an operator syncs with the credential the team holds: the keys go to the team, and the other members read them after a pull', async () => {
    expect(await engines.bob.teamSync()).toMatchObject({ backends: 2, credentials: 2 });
    const report = await engines.bob.sync();
    expect(report.results.map((r) => [r.backend, r.ok, r.keyCount])).toEqual([
      ['cb', true, 1],
      ['nb', true, 2],
    ]);
    expect((await server.superuser<{ key_id: string }>("SELECT key_id FROM ops.keys WHERE backend = 'nb' ORDER BY key_id")).map((k) => k.key_id)).toEqual(['billing-export', 'crm-sync']);
    // One transaction per backend, each with its change number and its event under bob's role.
    const syncs = await teamAudit('sync');
    expect(syncs.map((e) => [e.member, e.backend])).toEqual(
      expect.arrayContaining([
        ['bob', 'nb'],
        ['bob', 'cb'],
      ]),
    );
    expect(new Set(syncs.map((e) => e.seq)).size).toBe(2);

    await engines.alice.teamSync();
    expect(
      engines.alice
        .listKeys({ backend: 'nb' })
        .map((k) => k.ref)
        .sort(),
    ).toEqual(['nb/billing-export', 'nb/crm-sync']);
    // CommBox shows a key again on request: bob's sync sealed it under the team key, alice reads it from her copy.
    const active = commbox.state.activeKey()!;
    const requestsBefore = commbox.emulator.requestLog.length;
    expect(await engines.alice.reveal(`cb/${active.id}`)).toBe(active.secret);
    expect(commbox.emulator.requestLog.length).toBe(requestsBefore);
    expect(engines.alice.getBackend('nb').lastSyncOkAt).not.toBeNull();

    await engines.carol.teamSync();
    expect(engines.carol.listKeys({}).length).toBe(3);
    // A viewer's copy holds neither the secret nor the credential that could fetch it.
    await expectError(engines.carol.reveal(`cb/${active.id}`), 'no_credential', /only operators and admins get the team's credentials/);

    // A sync that finds nothing new writes no key: the next pull brings none.
    expect((await engines.bob.sync(['nb'])).ok).toBe(true);
    expect(await engines.alice.teamSync()).toMatchObject({ keys: 0, removed: 0 });
  });

  it('a key gone from the vendor is removed from the team by the next sync (a tombstone), and from every copy by its pull', async () => {
    nitrobox.state.deleteClient('crm-sync');
    expect((await engines.bob.sync(['nb'])).results[0]).toMatchObject({ ok: true, keyCount: 1 });
    expect(await server.superuser("SELECT key_id FROM ops.tombstones WHERE backend = 'nb'")).toEqual([{ key_id: 'crm-sync' }]);
    expect(engines.bob.listKeys({ backend: 'nb' }).map((k) => k.id)).toEqual(['billing-export']);
    expect(await engines.alice.teamSync()).toMatchObject({ removed: 1 });
    expect(engines.alice.listKeys({ backend: 'nb' }).map((k) => k.id)).toEqual(['billing-export']);
  });

  it("a viewer's sync is refused before any vendor is asked", async () => {
    const before = vendorRequests();
    await expectError(engines.carol.sync(), 'forbidden', /carol is a viewer in team "ops": only operators and admins sync backends, so nothing was sent/);
    await expectError(engines.carol.sync(['nb']), 'forbidden', /viewer/);
    expect(vendorRequests()).toBe(before);
  });

  it("keys' descriptions written in one home go to the team and reach the others; a viewer cannot write them", async () => {
    const described = await engines.bob.describeKey('nb/billing-export', { owner: 'Ana Lima', environment: 'prod', addTags: ['etl'], notes: 'nightly export' });
    expect(described).toMatchObject({ owner: 'Ana Lima', environment: 'prod', tags: ['etl'] });
    const active = commbox.state.activeKey()!;
    const bulk = await engines.bob.bulkChange({ refs: ['nb/billing-export', `cb/${active.id}`] }, { action: 'tag', tags: ['pci'] });
    expect(bulk).toMatchObject({ ok: 2, refused: 0 });
    expect(await server.superuser("SELECT owner, environment, tags, notes FROM ops.keys WHERE key_id = 'billing-export'")).toEqual([
      { owner: 'Ana Lima', environment: 'prod', tags: '["etl","pci"]', notes: 'nightly export' },
    ]);
    expect((await teamAudit('key.describe')).map((e) => [e.member, e.ref])).toEqual([
      ['bob', 'nb/billing-export'],
      ['bob', 'nb/billing-export'],
      ['bob', `cb/${active.id}`],
    ]);
    await engines.alice.teamSync();
    expect(engines.alice.getKey('nb/billing-export')).toMatchObject({ owner: 'Ana Lima', environment: 'prod', tags: ['etl', 'pci'], notes: 'nightly export' });
    expect(engines.alice.listKeys({ search: 'tag:pci' }).length).toBe(2);
    // A sync keeps the team's descriptions: it writes only what the vendor says.
    expect((await engines.alice.sync(['nb'])).ok).toBe(true);
    expect(engines.alice.getKey('nb/billing-export').owner).toBe('Ana Lima');

    await expectError(engines.carol.describeKey('nb/billing-export', { owner: 'Mallory' }), 'forbidden', /viewer/);
    await engines.carol.teamSync();
    expect(engines.carol.getKey('nb/billing-export').owner).toBe('Ana Lima');
  });

  it("a create in one home reaches the other with its secret readable there, and never readable by a viewer's role", async () => {
    const issued = await engines.bob.createKey('nb', 'ci-deploy');
    issuedSecrets.push(issued.secret!);
    expect(issued).toMatchObject({ cached: true, key: { ref: 'nb/ci-deploy' } });
    expect(issued.teamPending).toBeUndefined();
    expect(nitrobox.state.findClient('ci-deploy')).not.toBeNull();
    // One transaction: the key, its sealed secret and the team's event.
    const [event] = (await teamAudit('create')).filter((e) => e.ref === 'nb/ci-deploy');
    expect(event).toMatchObject({ member: 'bob', backend: 'nb' });
    expect(await server.superuser("SELECT seq FROM ops.key_secrets WHERE key_id = 'ci-deploy'")).toEqual([{ seq: event!.seq }]);
    expect(await server.superuser("SELECT seq FROM ops.keys WHERE key_id = 'ci-deploy'")).toEqual([{ seq: event!.seq }]);
    expect(await engines.bob.reveal('nb/ci-deploy')).toBe(issued.secret);

    await engines.alice.teamSync();
    expect(await engines.alice.reveal('nb/ci-deploy')).toBe(issued.secret);
    await engines.carol.teamSync();
    expect(engines.carol.getKey('nb/ci-deploy').name).toBe('ci-deploy');
    await expectError(engines.carol.reveal('nb/ci-deploy'), 'secret_not_cached');
    await expect(asMember('carol', "SELECT sealed FROM ops.key_secrets WHERE key_id = 'ci-deploy'")).rejects.toThrow('permission denied for table key_secrets');
  });

  it("a viewer's create, revoke and delete are refused before any vendor request", async () => {
    const before = vendorRequests();
    await expectError(engines.carol.createKey('nb', 'carol-key'), 'forbidden', /carol is a viewer in team "ops": only operators and admins create keys, so nothing was sent/);
    await expectError(engines.carol.revokeKey(`cb/${commbox.state.activeKey()!.id}`, { validityDays: 90 }), 'forbidden', /only operators and admins revoke keys/);
    await expectError(engines.carol.deleteKey('nb/ci-deploy'), 'forbidden', /only operators and admins delete keys/);
    expect(vendorRequests()).toBe(before);
    expect(nitrobox.state.findClient('carol-key')).toBeNull();
  });

  it('a CommBox revoke in one home: the revoked key, its replacement (with the description it takes over) and its secret reach the other', async () => {
    const old = commbox.state.activeKey()!;
    await engines.bob.describeKey(`cb/${old.id}`, { owner: 'Payments team' });
    const result = await engines.bob.revokeKey(`cb/${old.id}`, { validityDays: 90 });
    const replacement = commbox.state.activeKey()!;
    expect(result.replacement?.key.ref).toBe(`cb/${replacement.id}`);
    expect((await teamAudit('revoke')).map((e) => [e.member, e.ref])).toEqual([['bob', `cb/${old.id}`]]);

    await engines.alice.teamSync();
    expect(engines.alice.getKey(`cb/${old.id}`).status).toBe('grace');
    expect(engines.alice.getKey(`cb/${replacement.id}`)).toMatchObject({ status: 'active', owner: 'Payments team', tags: ['pci'] });
    expect(engines.alice.keyLineage(`cb/${replacement.id}`).replaces?.ref).toBe(`cb/${old.id}`);
    const requestsBefore = commbox.emulator.requestLog.length;
    expect(await engines.alice.reveal(`cb/${replacement.id}`)).toBe(replacement.secret);
    // From the team's copy, not fetched again from CommBox.
    expect(commbox.emulator.requestLog.length).toBe(requestsBefore);
  });

  it('a delete in one home removes the key from the team and from every copy', async () => {
    await engines.bob.deleteKey('nb/ci-deploy');
    expect(nitrobox.state.findClient('ci-deploy')).toBeNull();
    expect(await server.superuser("SELECT key_id FROM ops.tombstones WHERE key_id = 'ci-deploy'")).toEqual([{ key_id: 'ci-deploy' }]);
    expect(await engines.alice.teamSync()).toMatchObject({ removed: 1 });
    await expectError(
      Promise.resolve().then(() => engines.alice.getKey('nb/ci-deploy')),
      'not_found',
    );
  });

  it("the server stops between the vendor's answer and the team commit: the shown-once secret is kept, any other write is refused, and it is pushed when the server is back", async () => {
    const createClient = nitrobox.state.createClient.bind(nitrobox.state);
    // The server goes away while Nitrobox is making the key: ready() saw it, the commit will not.
    nitrobox.state.createClient = (...args) => {
      nitrobox.state.createClient = createClient;
      server.pause();
      return createClient(...args);
    };
    try {
      const issued = await engines.bob.createKey('nb', 'offline-build');
      issuedSecrets.push(issued.secret!);
      expect(issued).toMatchObject({ cached: true, teamPending: true, key: { ref: 'nb/offline-build' } });
      expect(issued.secret).toMatch(/^[A-Za-z0-9_-]{48}$/);
      // Kept sealed in bob's own vault: readable here, offline.
      expect(await engines.bob.reveal('nb/offline-build')).toBe(issued.secret);
      const status = await engines.bob.teamStatus();
      expect(status.server.reachable).toBe(false);
      expect(status.pendingPushes).toBe(1);

      // Any other write is refused before the vendor is asked.
      const before = vendorRequests();
      await expectError(engines.bob.createKey('nb', 'second-try'), 'network', /refused before anything was sent to Nitrobox \(nb\): cannot reach the team's PostgreSQL/);
      await expectError(engines.bob.sync(['nb']), 'network', /refused before anything was sent/);
      await expectError(engines.bob.describeKey('nb/offline-build', { owner: 'Ana' }), 'network');
      expect(vendorRequests()).toBe(before);

      server.resume();
      // The next team operation pushes it.
      await engines.bob.teamSync();
      expect((await engines.bob.teamStatus()).pendingPushes).toBe(0);
      const pushed = (await teamAudit('create')).find((e) => e.ref === 'nb/offline-build');
      expect(pushed).toMatchObject({ member: 'bob', detail: expect.stringMatching(/kept in bob's data folder while the team's server was away .* pushed now/) });
      await engines.alice.teamSync();
      expect(await engines.alice.reveal('nb/offline-build')).toBe(issued.secret);
      expect(engines.bob.auditTrail({ action: 'team.push' }).map((e) => [e.ref, e.outcome])).toEqual([['nb/offline-build', 'ok']]);
    } finally {
      nitrobox.state.createClient = createClient;
    }
  });

  it('a delete the team cannot record (its server went away after the vendor acted) is said plainly, queued nowhere, and the next sync records it', async () => {
    nitrobox.state.seedClient('old-report');
    await engines.bob.sync(['nb']);
    const deleteClient = nitrobox.state.deleteClient.bind(nitrobox.state);
    nitrobox.state.deleteClient = (clientId) => {
      nitrobox.state.deleteClient = deleteClient;
      server.pause();
      return deleteClient(clientId);
    };
    try {
      await expectError(
        engines.bob.deleteKey('nb/old-report'),
        'network',
        /nb\/old-report was deleted at Nitrobox, but the team could not record it .*nothing is queued: the next sync of nb .* records what the vendor shows/,
      );
      expect(nitrobox.state.findClient('old-report')).toBeNull();
      expect((await engines.bob.teamStatus()).pendingPushes).toBe(0);
    } finally {
      nitrobox.state.deleteClient = deleteClient;
      server.resume();
    }
    expect((await engines.bob.sync(['nb'])).ok).toBe(true);
    await engines.alice.teamSync();
    expect(engines.alice.listKeys({ backend: 'nb' }).map((k) => k.id)).not.toContain('old-report');
  });

  it("a write NOTIFYs the team's channel: the other member's listener wakes and pulls it; a dropped connection is opened again and catches up", async () => {
    const pulls: Array<{ report: PullReport; reason: TeamPullReason }> = [];
    const waiters: Array<{ wanted: (pull: { report: PullReport; reason: TeamPullReason }) => boolean; resolve: () => void }> = [];
    /** The next pull that `wanted` accepts, however long it takes to come (the test's own timeout bounds it). */
    const nextPull = (wanted: (pull: { report: PullReport; reason: TeamPullReason }) => boolean) => new Promise<void>((resolve) => waiters.push({ wanted, resolve }));
    const changes: string[] = [];
    const follower = startTeamFollower({
      engine: engines.alice,
      events: { onInventoryChanged: (change) => changes.push(change.reason), onRemindersChanged: () => {} },
      onPulled: (report, reason) => {
        pulls.push({ report, reason });
        for (const waiter of waiters.splice(0)) {
          if (waiter.wanted({ report, reason })) waiter.resolve();
          else waiters.push(waiter);
        }
      },
      // Only a notice can wake it within this test: the fallback timer is an hour away.
      fallbackMs: 3_600_000,
      reconnectFirstMs: 50,
    });
    try {
      const connected = nextPull((pull) => pull.reason === 'connected');
      await connected;
      expect(follower.listening).toBe(true);

      const woken = nextPull((pull) => pull.reason === 'notice' && pull.report.keys > 0);
      await engines.bob.describeKey('nb/billing-export', { owner: 'Woken by a notice' });
      await woken;
      expect(engines.alice.getKey('nb/billing-export').owner).toBe('Woken by a notice');
      expect(changes).toContain('sync');

      // The server ends the listening session (as a restart or an administrator would): it listens again, and catches up.
      const reconnected = nextPull((pull) => pull.reason === 'connected');
      const ended = await server.superuser<{ ended: boolean }>("SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = 'keywarden-listen' AND usename = 'alice'");
      expect(ended).toEqual([{ ended: true }]);
      await reconnected;
      const wokenAgain = nextPull((pull) => pull.reason === 'notice' && pull.report.keys > 0);
      await engines.bob.describeKey('nb/billing-export', { owner: 'Woken after reconnecting' });
      await wokenAgain;
      expect(engines.alice.getKey('nb/billing-export').owner).toBe('Woken after reconnecting');
    } finally {
      await follower.stop();
    }
    expect(follower.listening).toBe(false);
  });

  it("a team made by the previous version is brought up to date by its owner's first connection; another member is told who", async () => {
    const legacy = legacyTeam(server, 1, { label: 'legacy' });
    try {
      await legacy.init();
      // What the previous version's `team init` left: schema version 1, without what version 2 and later add.
      await legacy.downgrade();
      await legacy.upgradeByOwner();
      await legacy.alice.addBackend({ name: 'hand', type: 'manual' });
      await legacy.alice.addManualKey('hand', { name: 'Stripe', description: { owner: 'Ana' } });
      await legacy.bob.teamSync();
      expect(legacy.bob.listKeys({}).map((k) => [k.name, k.owner])).toEqual([['Stripe', 'Ana']]);
    } finally {
      await legacy.close();
    }
  });

  it('only an admin removes a backend; every copy drops it, its keys and its credential on the next pull', async () => {
    await expectError(engines.bob.removeBackend('cb'), 'forbidden', /bob is an operator in team "ops": only admins/);
    expect(engines.bob.listBackends().map((b) => b.name)).toEqual(['cb', 'nb']);
    await engines.alice.removeBackend('cb');
    expect(await server.superuser("SELECT name FROM ops.backends WHERE name = 'cb'")).toEqual([]);
    expect(await server.superuser("SELECT 1 FROM ops.backend_credentials WHERE backend = 'cb'")).toEqual([]);
    expect(await engines.bob.teamSync()).toMatchObject({ backends: 0 });
    expect(engines.bob.listBackends().map((b) => b.name)).toEqual(['nb']);
    expect(engines.bob.listKeys({}).every((k) => k.backend === 'nb')).toBe(true);
    expect((await teamAudit('backend.remove')).map((e) => [e.member, e.backend])).toEqual([['alice', 'cb']]);
  });

  it('the server holds no vendor credential or key secret in the clear (pg_dump)', () => {
    const secrets = [nitroboxToken, commboxToken, ...commbox.state.keys.map((key) => key.secret), ...issuedSecrets];
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    const dump = server.dump();
    expect(dump).toContain('CREATE TABLE ops.key_secrets');
    for (const secret of secrets) {
      for (const form of [secret, Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64')]) expect(dump.includes(form)).toBe(false);
    }
  });
});
