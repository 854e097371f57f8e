/**
 * Guided rotation in a team home (docs/team.md, "Rotation in a team home"), end to end: a private PostgreSQL
 * (test/support/postgres.ts), three members with their own login roles and data folders (alice admin, bob operator,
 * carol viewer), the real keychain (with-test-keychain.mjs), and the Nitrobox emulator on 127.0.0.1. The journal
 * lives in the team's database under a lease: one rotation per key across the team, one member running it at a time;
 * a member's crash leaves a journal another member resumes after the lease ends, without repeating a vendor call;
 * a viewer is refused before any vendor request; the server never holds a secret in the clear.
 *
 * The crash is the real `keywarden` (compiled, in a child process) killing itself at the journal's test-only fault
 * points (`KEYWARDEN_FAULT_POINT`, rotation/fault-points.ts); the lease it leaves is ended through the superuser's
 * connection rather than by waiting five minutes.
 *
 *   node test/support/with-test-keychain.mjs npx vitest run test/integration/team-rotation.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain, runCli } from '../support/cli.js';
import { type MemberName, NO_POSTGRES_REASON, type PrivatePostgres, SKIP_NO_POSTGRES } from '../support/postgres.js';
import { expectError, legacyTeam, startTeamHomes, type TeamHomes } from '../support/team-homes.js';

if (SKIP_NO_POSTGRES) console.warn(`team rotation tests skipped: ${NO_POSTGRES_REASON}`);

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)('guided rotation in a team home', () => {
  let server: PrivatePostgres;
  let nitrobox: NitroboxEmulator;
  const homes = {} as Record<MemberName, string>;
  const engines = {} as Record<MemberName, KeywardenEngine>;
  let team: TeamHomes | undefined;
  /** Every secret a vendor issued or a member pasted in these tests: none may reach the server in the clear. */
  const secrets: string[] = [];

  beforeAll(async () => {
    team = await startTeamHomes('team-rotation', homes, engines);
    server = team.server;
    nitrobox = await startNitroboxEmulator();
    const token = nitrobox.state.addUser('ops@acme.example', { role: true });
    secrets.push(token);
    for (const client of ['billing-export', 'crm-sync', 'etl-loader', 'report-mailer']) secrets.push(nitrobox.state.seedClient(client).apiKey);
    await engines.alice.teamInit(server.url('alice'), 'ops');
    const bob = await engines.bob.teamJoin(server.url('bob'), 'ops');
    const carol = await engines.carol.teamJoin(server.url('carol'), 'ops');
    await engines.alice.teamApprove('bob', 'operator', bob.fingerprint);
    await engines.alice.teamApprove('carol', 'viewer', carol.fingerprint);
    await engines.alice.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: token });
    expect((await engines.alice.sync(['nb'])).ok).toBe(true);
    for (const member of ['bob', 'carol'] as const) await engines[member].teamSync();
  });

  afterAll(async () => {
    await team?.close();
    await nitrobox?.emulator.close();
  });

  const clients = () => nitrobox.state.clients.map((client) => client.clientId).sort();
  const creates = () => nitrobox.emulator.requestLog.filter((line) => line === 'POST /api/v1/api-keys').length;

  function teamRow(id: number) {
    return server
      .superuser<{
        state: string;
        holder: string | null;
        started_by: string;
        lease_live: boolean;
        steps: string;
        new_key_id: string | null;
      }>('SELECT state, holder, started_by, lease_until > now() AS lease_live, steps, new_key_id FROM ops.rotations WHERE id = $1', [id])
      .then((rows) => rows[0]!);
  }

  const stepsOf = (steps: string) => (JSON.parse(steps) as Array<{ name: string; status: string }>).map((step) => `${step.name}:${step.status}`);

  function teamEvents(id: number) {
    return server.superuser<{ member: string; action: string; detail: string | null }>(
      `SELECT member, action, detail FROM ops.audit WHERE action LIKE 'rotation.%' AND detail LIKE $1 ORDER BY id`,
      [`rotation ${id}:%`],
    );
  }

  /** Ends a lease now, as five minutes without a write would (the superuser's connection; the trigger lets a lease change). */
  const endLease = (id: number) => server.superuser("UPDATE ops.rotations SET lease_until = now() - interval '1 second' WHERE id = $1", [id]);

  it("one rotation per key across the team: alice's journal is on the server, and bob's start of the same key is refused naming her", async () => {
    const started = await engines.alice.startRotation('nb/billing-export', { newName: 'billing-export-2' });
    const id = started.rotation.id;
    secrets.push(started.issued!.secret!);
    // It ran until it needs alice (the consumers), and let its lease go.
    expect(started.rotation).toMatchObject({ state: 'waiting', currentStep: 'switch-consumers', newRef: 'nb/billing-export-2', team: { startedBy: 'alice', holder: null } });
    expect(started.issued).toMatchObject({ cached: true, key: { ref: 'nb/billing-export-2' } });
    const row = await teamRow(id);
    expect(row).toMatchObject({ state: 'active', holder: null, started_by: 'alice', new_key_id: 'billing-export-2' });
    expect(stepsOf(row.steps)).toEqual(['create-new:done', 'test-new:done', 'switch-consumers:pending', 'delete-old:pending']);
    // The key and its secret are the team's too (the create went through the team's seam).
    expect(await server.superuser("SELECT key_id FROM ops.key_secrets WHERE key_id = 'billing-export-2'")).toEqual([{ key_id: 'billing-export-2' }]);

    const before = nitrobox.emulator.requestLog.length;
    await expectError(
      engines.bob.startRotation('nb/billing-export', { newName: 'billing-export-bob' }),
      'conflict',
      new RegExp(`nb/billing-export has a rotation in progress in team "ops" already \\(rotation ${id}, started by alice .*nobody runs it now\\)`),
    );
    expect(nitrobox.emulator.requestLog.length).toBe(before);

    // bob's list shows alice's open rotation, with who started it.
    const listed = await engines.bob.listRotations();
    expect(listed.map((rotation) => [rotation.id, rotation.ref, rotation.team?.startedBy])).toEqual([[id, 'nb/billing-export', 'alice']]);
    // And bob's own start of it, once his copy knows it, is refused by his copy with the same names.
    await expectError(engines.bob.planRotation('nb/billing-export'), 'conflict', new RegExp(`nb/billing-export has a rotation in progress already \\(rotation ${id}, started by alice\\)`));

    // alice finishes it: the consumers switched, the old client deleted.
    await engines.alice.advanceRotation(id, { action: 'confirm' });
    const done = await engines.alice.advanceRotation(id, { action: 'confirm' });
    expect(done.rotation).toMatchObject({ state: 'done', newRef: 'nb/billing-export-2' });
    expect(clients()).toEqual(['billing-export-2', 'crm-sync', 'etl-loader', 'report-mailer']);
    expect(await teamRow(id)).toMatchObject({ state: 'done', holder: null });
    expect((await teamEvents(id)).map((event) => [event.member, event.action, event.detail?.replace(/:.*?(created|deleted|test).*/, '')])).toEqual(
      expect.arrayContaining([
        ['alice', 'rotation.start', expect.any(String)],
        ['alice', 'rotation.done', expect.any(String)],
      ]),
    );
    const steps = (await teamEvents(id)).filter((event) => event.action === 'rotation.step').map((event) => `${event.member} ${event.detail?.split(':')[1]?.trim()}`);
    expect(steps).toEqual([
      'alice create-new intent',
      'alice create-new done',
      'alice test-new intent',
      'alice test-new done',
      'alice switch-consumers intent',
      'alice switch-consumers done',
      'alice delete-old intent',
      'alice delete-old done',
    ]);

    // The others' copies follow: the old key gone, the rotation done, the new key's secret readable by an operator.
    await engines.bob.teamSync();
    expect(engines.bob.listKeys({ backend: 'nb' }).map((key) => key.id)).not.toContain('billing-export');
    expect((await engines.bob.listRotations({ all: true })).find((rotation) => rotation.id === id)).toMatchObject({ state: 'done' });
    expect(await engines.bob.reveal('nb/billing-export-2')).toBe(started.issued!.secret);
    expect((await engines.alice.verifyTeamAudit()).ok).toBe(true);
  });

  it("a viewer's rotation is refused before any vendor request; the viewer reads the team's rotations", async () => {
    const before = nitrobox.emulator.requestLog.length;
    await expectError(
      engines.carol.startRotation('nb/etl-loader', { newName: 'etl-loader-carol' }),
      'forbidden',
      /carol is a viewer in team "ops": only operators and admins rotate keys, so nothing was sent/,
    );
    expect(nitrobox.emulator.requestLog.length).toBe(before);
    expect(await server.superuser("SELECT id FROM ops.rotations WHERE key_id = 'etl-loader'")).toEqual([]);
    expect(nitrobox.state.findClient('etl-loader-carol')).toBeNull();
    // Nor may a viewer resume or abandon one: refused before its lease is taken.
    const [first] = await server.superuser<{ id: string }>("SELECT id FROM ops.rotations WHERE key_id = 'billing-export'");
    await expectError(engines.carol.advanceRotation(Number(first!.id), { action: 'continue' }), 'forbidden', /only operators and admins rotate keys/);
    await expectError(engines.carol.abandonRotation(Number(first!.id)), 'forbidden', /only operators and admins rotate keys/);
    expect(nitrobox.emulator.requestLog.length).toBe(before);
    // Metadata yes, a pasted secret never: PostgreSQL itself refuses the viewer's role.
    expect((await server.asMember('carol', 'SELECT id, started_by FROM ops.rotations')).length).toBeGreaterThan(0);
    await expect(server.asMember('carol', 'SELECT * FROM ops.rotation_secrets')).rejects.toThrow('permission denied for table rotation_secrets');
  });

  for (const point of ['before', 'after'] as const) {
    const key = point === 'before' ? 'crm-sync' : 'etl-loader';
    it(`alice's process dies at create-new:${point}: bob is refused while her lease is live, then resumes and finishes; nothing is repeated at the vendor`, async () => {
      const createsBefore = creates();
      const killed = await runCli(['--home', homes.alice, 'rotate', `nb/${key}`, '--yes', '--new-name', `${key}-2`, '--json'], {
        env: { KEYWARDEN_FAULT_POINT: `rotation:create-new:${point}` },
      });
      expect(killed.code).toBe(-1);
      const [open] = await server.superuser<{ id: string }>('SELECT id FROM ops.rotations WHERE key_id = $1', [key]);
      const id = Number(open!.id);
      const row = await teamRow(id);
      // Its intent reached the team before the vendor was asked; its lease is alice's, and live.
      expect(row).toMatchObject({ state: 'active', holder: 'alice', lease_live: true });
      expect(stepsOf(row.steps)[0]).toBe('create-new:intent');
      expect(creates()).toBe(createsBefore + (point === 'before' ? 0 : 1));

      // bob: a start of the same key, and a resume of alice's rotation, both refused naming her and her lease.
      const before = nitrobox.emulator.requestLog.length;
      await expectError(engines.bob.startRotation(`nb/${key}`), 'conflict', new RegExp(`rotation ${id}, started by alice .*alice runs it, with a lease until `));
      const refused = await expectError(
        engines.bob.advanceRotation(id, { action: 'continue' }),
        'conflict',
        new RegExp(`rotation ${id} of nb/${key} is being run by alice, whose lease runs until .*Nothing was sent to the vendor`),
      );
      expect(refused.details).toMatchObject({ holder: 'alice' });
      expect(nitrobox.emulator.requestLog.length).toBe(before);
      const listed = (await engines.bob.listRotations()).find((rotation) => rotation.id === id);
      expect(listed?.team).toMatchObject({ startedBy: 'alice', holder: 'alice', leaseLive: true, heldByYou: false });
      // `keywarden rotation list` says the same in bob's terminal; `rotation resume --all` leaves it to alice.
      const table = await runCli(['--home', homes.bob, 'rotation', 'list']);
      expect(table.stdout).toMatch(new RegExp(`${id} +nb/${key} +create-overlap +running +create-new +- +alice +alice until \\d\\d:\\d\\d:\\d\\d UTC`));
      const all = await runCli(['--home', homes.bob, 'rotation', 'resume', '--all', '--json']);
      expect(all.code).toBe(0);
      expect(all.stderr).toMatch(new RegExp(`rotation ${id} \\(nb/${key}\\) is run by alice until .*: left alone`));
      expect(nitrobox.emulator.requestLog.length).toBe(before);

      // The lease ends (as it would five minutes after the crash): bob takes the rotation over and finishes it.
      await endLease(id);
      const resumed = await engines.bob.advanceRotation(id, { action: 'continue' });
      expect(resumed.rotation).toMatchObject({ state: 'waiting', currentStep: 'switch-consumers', newRef: `nb/${key}-2` });
      await engines.bob.advanceRotation(id, { action: 'confirm' });
      const done = await engines.bob.advanceRotation(id, { action: 'confirm' });
      expect(done.rotation.state).toBe('done');

      // Exactly one new client, made once; the old one deleted.
      expect(creates()).toBe(createsBefore + 1);
      expect(nitrobox.state.findClient(`${key}-2`)).not.toBeNull();
      expect(nitrobox.state.findClient(key)).toBeNull();
      const secret = await engines.bob.reveal(`nb/${key}-2`);
      secrets.push(secret);
      expect(nitrobox.state.authenticateClient(`${key}-2`, secret)).not.toBeNull();

      // The team's trail has each member's part, and a take-over in between.
      const events = await teamEvents(id);
      expect(events[0]).toMatchObject({ member: 'alice', action: 'rotation.start' });
      expect(events).toContainEqual(expect.objectContaining({ member: 'alice', action: 'rotation.step', detail: `rotation ${id}: create-new intent` }));
      expect(events).toContainEqual(expect.objectContaining({ member: 'bob', action: 'rotation.resume', detail: expect.stringMatching(/taken over from alice, whose lease ended at/) }));
      // Not sent again: before the kill nothing was sent, so bob's re-list finds no client and he creates it; after it,
      // the client and its secret were the team's already, and his re-list finds both.
      const createdBy = events.find((event) => event.action === 'rotation.step' && event.detail?.startsWith(`rotation ${id}: create-new done`));
      expect(createdBy).toMatchObject({
        member: 'bob',
        detail: point === 'before' ? expect.stringMatching(/created nb\/.*-2; its key is cached encrypted$/) : expect.stringMatching(/found by re-listing/),
      });
      expect(events.at(-1)).toMatchObject({ member: 'bob', action: 'rotation.done' });
      expect((await engines.bob.verifyTeamAudit()).ok).toBe(true);

      // alice's copy, after a pull, shows the rotation done (her dead process's journal is the team's now).
      await engines.alice.teamSync();
      expect((await engines.alice.listRotations({ all: true })).find((rotation) => rotation.id === id)).toMatchObject({ state: 'done', newRef: `nb/${key}-2` });
      expect(await engines.alice.listRotations()).toEqual([]);
      expect(await engines.alice.reveal(`nb/${key}-2`)).toBe(secret);
    });
  }

  it('alice resumes her own rotation after her process died: her copy is the newer, and is written through', async () => {
    const createsBefore = creates();
    const killed = await runCli(['--home', homes.alice, 'rotate', 'nb/report-mailer', '--yes', '--new-name', 'report-mailer-2', '--json'], {
      env: { KEYWARDEN_FAULT_POINT: 'rotation:create-new:after' },
    });
    expect(killed.code).toBe(-1);
    const [open] = await server.superuser<{ id: string }>("SELECT id FROM ops.rotations WHERE key_id = 'report-mailer'");
    const id = Number(open!.id);
    expect(stepsOf((await teamRow(id)).steps)[0]).toBe('create-new:intent');
    // Her own lease, live: she resumes at once; her local journal (create-new done) goes to the team first.
    const resumed = await engines.alice.advanceRotation(id, { action: 'continue' });
    expect(resumed.rotation).toMatchObject({ state: 'waiting', currentStep: 'switch-consumers' });
    expect(stepsOf((await teamRow(id)).steps).slice(0, 2)).toEqual(['create-new:done', 'test-new:done']);
    // Written through from her copy (the outcome her dead process committed), not reconciled by re-listing.
    expect((await teamEvents(id)).filter((event) => event.detail?.startsWith(`rotation ${id}: create-new done`))).toEqual([
      { member: 'alice', action: 'rotation.step', detail: `rotation ${id}: create-new done: created nb/report-mailer-2; its key is cached encrypted` },
    ]);
    expect(creates()).toBe(createsBefore + 1);
    const abandoned = await engines.alice.abandonRotation(id);
    expect(abandoned.summary).toMatch(/done at the vendor and kept: create-new, test-new/);
    expect(await teamRow(id)).toMatchObject({ state: 'abandoned', holder: null });
    secrets.push(await engines.alice.reveal('nb/report-mailer-2'));
  });

  it("a manual key's pasted secret waits in the team's journal sealed under the team key; another member takes it over and records it", async () => {
    await engines.alice.addBackend({ name: 'hand', type: 'manual' });
    const old = 'sk_live_old_0000000000';
    secrets.push(old);
    const key = await engines.alice.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', createdAt: null, expiresAt: null, rotateEveryDays: 90, secret: old, test: null });
    const started = await engines.alice.startRotation(key.ref);
    expect(started.rotation).toMatchObject({ state: 'waiting', currentStep: 'paste-new', kind: 'paste-secret' });
    const id = started.rotation.id;
    const pasted = 'sk_live_new_7Hq2ZrW9pL4xV8cN3mKb';
    secrets.push(pasted);
    // alice pastes it; her process dies right after the next step (test-new, left out: no test request).
    const killed = await runCli(['--home', homes.alice, 'rotation', 'resume', String(id), '--secret-stdin', '--yes', '--json'], {
      input: pasted,
      env: { KEYWARDEN_FAULT_POINT: 'rotation:test-new:after' },
    });
    expect(killed.code).toBe(-1);
    expect(stepsOf((await teamRow(id)).steps)).toEqual(['paste-new:done', 'test-new:pending', 'record-dates:pending', 'switch-consumers:pending']);
    // The pasted secret is in the team's journal, sealed under the team key: ciphertext only, and none of a viewer's business.
    const [stored] = await server.superuser<{ sealed: Buffer; generation: number }>('SELECT sealed, generation FROM ops.rotation_secrets WHERE rotation_id = $1', [id]);
    expect(stored!.generation).toBe(1);
    expect(stored!.sealed.includes(Buffer.from(pasted))).toBe(false);
    await expect(server.asMember('carol', `SELECT sealed FROM ops.rotation_secrets WHERE rotation_id = ${id}`)).rejects.toThrow('permission denied for table rotation_secrets');
    // A member removed meanwhile: the new team key generation re-seals it with every other secret.
    await engines.alice.teamRemove('carol');
    const [resealed] = await server.superuser<{ sealed: Buffer; generation: number }>('SELECT sealed, generation FROM ops.rotation_secrets WHERE rotation_id = $1', [id]);
    expect(resealed!.generation).toBe(2);
    expect(resealed!.sealed.equals(stored!.sealed)).toBe(false);

    // The lease ends; bob takes over with the pasted secret opened from the team's journal, and records it.
    await endLease(id);
    const taken = await engines.bob.advanceRotation(id, { action: 'continue' });
    expect(taken.rotation).toMatchObject({ state: 'waiting', currentStep: 'switch-consumers' });
    expect(await server.superuser('SELECT 1 FROM ops.rotation_secrets WHERE rotation_id = $1', [id])).toEqual([]);
    expect((await engines.bob.advanceRotation(id, { action: 'confirm' })).rotation.state).toBe('done');
    expect(await engines.bob.reveal(key.ref)).toBe(pasted);
    await engines.alice.teamSync();
    expect(await engines.alice.reveal(key.ref)).toBe(pasted);
    expect((await teamEvents(id)).map((event) => `${event.member} ${event.action}`)).toEqual(
      expect.arrayContaining(['alice rotation.start', 'alice rotation.step', 'bob rotation.resume', 'bob rotation.step', 'bob rotation.done']),
    );
  });

  it('the server holds no secret in the clear (pg_dump): vendor keys, pasted secrets, the rotations table', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(9);
    const dump = server.dump();
    expect(dump).toContain('CREATE TABLE ops.rotations');
    expect(dump).toContain('CREATE TABLE ops.rotation_secrets');
    for (const secret of secrets) {
      for (const form of [secret, Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64')]) expect(dump.includes(form)).toBe(false);
    }
  });

  it('a team of schema version 2 is brought up to date (the rotation journal of version 3) by its owner; its rotation ids start above the folder’s own journal', async () => {
    const legacy = legacyTeam(server, 2, { label: 'v2' });
    try {
      // A personal folder with a rotation of its own (id 1) becomes the team's first home.
      await legacy.alice.addBackend({ name: 'hand', type: 'manual' });
      const own = await legacy.alice.addManualKey('hand', { name: 'Twilio', vendor: null, createdAt: null, expiresAt: null, rotateEveryDays: 90, secret: 'tw_old_123456789', test: null });
      const personal = await legacy.alice.startRotation(own.ref);
      expect(personal.rotation.id).toBe(1);
      await legacy.alice.abandonRotation(1);
      await legacy.init();
      // What a version 2 `team init` left: no rotation journal (nor version 4's alert tables).
      await legacy.downgrade();
      await legacy.upgradeByOwner();

      // The team's first rotation takes an id above alice's own (1), so her copy keeps both.
      const started = await legacy.alice.startRotation(own.ref);
      expect(started.rotation).toMatchObject({ state: 'waiting', currentStep: 'paste-new' });
      expect(started.rotation.id).toBeGreaterThan(1);
      expect((await legacy.alice.listRotations({ all: true })).map((rotation) => [rotation.id, rotation.state])).toEqual([
        [started.rotation.id, 'waiting'],
        [1, 'abandoned'],
      ]);
      await legacy.bob.teamSync();
      expect((await legacy.bob.listRotations()).map((rotation) => [rotation.id, rotation.team?.startedBy])).toEqual([[started.rotation.id, 'alice']]);
      await expectError(legacy.bob.startRotation(own.ref), 'conflict', /started by alice/);
      await legacy.bob.abandonRotation(started.rotation.id);
      expect(await server.superuser('SELECT state FROM legacy.rotations')).toEqual([{ state: 'abandoned' }]);
    } finally {
      await legacy.close();
    }
  });
});
