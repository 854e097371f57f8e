/**
 * Guided rotation through the real `keywarden` command (compiled, in a child process) against the vendor
 * emulators on 127.0.0.1: each vendor's plan walked to its end, then the vendor's own state and Keywarden's
 * inventory compared; a create and a revoke whose answers are lost (the emulators' `lost-reply` fault: carried
 * out, then the connection cut) looked up in the vendor's list, never sent twice; the credential that is a key
 * (BoxWatch) warned about, dropped and asked for again. One emulator per vendor for the whole file; its state is
 * reset before each test. Every key is made by the emulators at run time.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BoxWatchEmulator, startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { localDate, startOfLocalDay } from '../../electron/core/dates.js';
import type { BackendSummary, Key } from '../../shared/domain.js';
import type { Rotation, RotationPlan } from '../../shared/rotation.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';

const DAY_MS = 86_400_000;

function ok(result: CliResult, code = 0): CliResult {
  if (result.code !== code) throw new Error(`expected exit ${code}, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

async function listKeys(home: CliHome, backend: string): Promise<Key[]> {
  return ok(await home.run(['list', '--backend', backend, '--json'])).json<Key[]>();
}

/** Requests the emulators received since `since.set(...)` in each test's setup (the emulators are shared by the file). */
const since = new Map<readonly string[], number>();
const count = (log: readonly string[], line: string) => log.slice(since.get(log) ?? 0).filter((entry) => entry === line).length;

describe.skipIf(!hasIsolatedKeychain)('keywarden rotate', () => {
  let home: CliHome;

  afterEach(() => home.remove());

  describe('CommBox: revoke with a replacement, consumers switched during the grace period', () => {
    let commbox: CommBoxEmulator;
    let token: string;
    let oldId: string;

    beforeAll(async () => {
      commbox = await startCommBoxEmulator();
      token = commbox.state.addAdminToken();
    });
    afterAll(() => commbox.emulator.close());

    beforeEach(async () => {
      commbox.state.keys.splice(0);
      commbox.emulator.clearFaults();
      since.set(commbox.emulator.requestLog, commbox.emulator.requestLog.length);
      oldId = commbox.state.issueActiveKey('Production', { createdAt: new Date(Date.now() - 300 * DAY_MS).toISOString() }).key.id;
      home = makeCliHome();
      ok(await home.run(['backend', 'add', '--type', 'commbox', '--name', 'cb', '--url', commbox.emulator.url, '--credential-stdin'], { input: token }));
      ok(await home.run(['sync']));
    });

    it('shows the plan first, changes nothing without --yes away from a terminal, then walks it: the vendor and the inventory agree', async () => {
      const ref = `cb/${oldId}`;
      ok(await home.run(['key', 'consumers', ref, '--add', 'CI pipeline']));
      ok(await home.run(['key', 'consumers', ref, '--add', 'billing service']));
      const plan = ok(await home.run(['rotate', ref, '--plan', '--validity-days', '90', '--json'])).json<RotationPlan>();
      expect(plan).toMatchObject({ kind: 'revoke-replace', graceDays: 30, consumers: ['CI pipeline', 'billing service'] });
      expect(plan.downtime).toMatch(/^none: .* keeps working for 30 days after the revoke/);
      expect(plan.steps.map((step) => step.name)).toEqual(['revoke-old', 'test-new', 'switch-consumers', 'delete-old']);

      const refused = await home.run(['rotate', ref, '--validity-days', '90']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/Rotation plan for cb\/.*downtime: none/s);
      expect(refused.stderr).toMatch(/add --yes/);
      expect(count(commbox.emulator.requestLog, `POST /v1/api-keys/${oldId}/revoke`)).toBe(0);

      const rotated = ok(await home.run(['rotate', ref, '--yes', '--validity-days', '90', '--json']));
      const rotation = rotated.json<Rotation>();
      expect(rotation).toMatchObject({ state: 'done', kind: 'revoke-replace', ref, consumers: [{ name: 'CI pipeline' }, { name: 'billing service' }] });
      expect(rotation.steps.map((step) => [step.name, step.status])).toEqual([
        ['revoke-old', 'done'],
        ['test-new', 'done'],
        ['switch-consumers', 'done'],
        // --yes takes every step, and leaving the old key to expire at its grace end is the plan's default.
        ['delete-old', 'skipped'],
      ]);
      expect(rotation.graceEndsAt).not.toBeNull();

      // The vendor: the old key in its grace period, one replacement valid 90 days; one revoke sent.
      const [replacement, old] = commbox.state.listedKeys();
      expect(commbox.state.keys).toHaveLength(2);
      expect(old).toMatchObject({ id: oldId, status: 'revoked' });
      expect(replacement).toMatchObject({ status: 'active' });
      expect(Date.parse(replacement!.expiresAt) - Date.parse(replacement!.createdAt)).toBe(90 * DAY_MS);
      expect(count(commbox.emulator.requestLog, `POST /v1/api-keys/${oldId}/revoke`)).toBe(1);
      expect(rotation.newRef).toBe(`cb/${replacement!.id}`);

      // Keywarden: the same two keys, the replacement's secret cached (the vendor's), its consumers carried over.
      const keys = await listKeys(home, 'cb');
      expect(keys.map((key) => [key.id, key.status, key.secretCached])).toEqual(
        expect.arrayContaining([
          [oldId, 'grace', true],
          [replacement!.id, 'active', true],
        ]),
      );
      const secret = commbox.state.keys.find((key) => key.id === replacement!.id)!.secret;
      expect(ok(await home.run(['reveal', rotation.newRef!])).stdout).toBe(`${secret}\n`);
      expect(ok(await home.run(['key', 'consumers', rotation.newRef!, '--json'])).json<{ consumers: string[] }>().consumers).toEqual(['CI pipeline', 'billing service']);
      expect(ok(await home.run(['rotation', 'list', '--json'])).json<Rotation[]>()).toEqual([]);
      expect(
        ok(await home.run(['rotation', 'list', '--all', '--json']))
          .json<Rotation[]>()
          .map((listed) => [listed.id, listed.state]),
      ).toEqual([[rotation.id, 'done']]);
      const audit = ok(await home.run(['audit', '--json'])).json<Array<{ action: string }>>();
      expect(audit.map((event) => event.action)).toEqual(expect.arrayContaining(['rotation.start', 'revoke', 'rotation.step', 'rotation.done']));
    });

    it('a revoke whose answer is lost is looked up in the list, not sent again, and the replacement secret is recovered', async () => {
      commbox.emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: `/v1/api-keys/${oldId}/revoke` });
      const rotation = ok(await home.run(['rotate', `cb/${oldId}`, '--yes', '--json'])).json<Rotation>();
      expect(rotation.state).toBe('done');
      expect(rotation.steps[0]).toMatchObject({ name: 'revoke-old', status: 'done', detail: expect.stringMatching(/answer lost; re-listing shows the revoke done/) });
      expect(count(commbox.emulator.requestLog, `POST /v1/api-keys/${oldId}/revoke`)).toBe(1);
      expect(commbox.state.keys.map((key) => key.status).sort()).toEqual(['active', 'revoked']);
      const replacement = commbox.state.activeKey()!;
      expect(ok(await home.run(['reveal', `cb/${replacement.id}`])).stdout).toBe(`${replacement.secret}\n`);
    });

    it('warns while a grace period ends soon with consumers not switched, and abandons without undoing the vendor', async () => {
      const ref = `cb/${oldId}`;
      ok(await home.run(['key', 'consumers', ref, '--add', 'CI pipeline']));
      // Revoked 25 days ago by the vendor's clock, so the grace period ends in 5 days of the CLI's real time; the
      // process stopped (killed) right after the test of the replacement, so the consumers are still to switch.
      commbox.emulator.clock.advanceDays(-25);
      try {
        const started = await home.run(['rotate', ref, '--yes', '--json'], { env: { KEYWARDEN_FAULT_POINT: 'rotation:test-new:after' } });
        expect(started.code).not.toBe(0);
      } finally {
        commbox.emulator.clock.advanceDays(25);
      }
      const [open] = ok(await home.run(['rotation', 'list', '--json'])).json<Rotation[]>();
      expect(open).toMatchObject({ ref, state: 'waiting', currentStep: 'switch-consumers', needs: { kind: 'consumers' } });
      expect(open!.needs!.prompt).toMatch(/Switch CI pipeline to the new key cb\/.* stops working on .*: 5 days left/);
      const reminders = ok(await home.run(['reminders']));
      expect(reminders.stderr).toMatch(/the grace period of cb\/.* ends in 5d .* and CI pipeline not switched yet to cb\/.*keywarden rotation resume/);
      const abandoned = ok(await home.run(['rotation', 'abandon', String(open!.id)]));
      expect(abandoned.stdout).toMatch(/abandoned rotation .*done at the vendor and kept: revoke-old/);
      expect(commbox.state.keys).toHaveLength(2);
      expect(ok(await home.run(['rotation', 'list', '--json'])).json<Rotation[]>()).toEqual([]);
    });
  });

  describe('Nitrobox: create a new client, test it, switch consumers, delete the old client', () => {
    let nitrobox: NitroboxEmulator;
    let token: string;

    beforeAll(async () => {
      nitrobox = await startNitroboxEmulator();
      token = nitrobox.state.addUser('admin@acme.example', { role: true });
    });
    afterAll(() => nitrobox.emulator.close());

    beforeEach(async () => {
      nitrobox.state.clients.splice(0);
      nitrobox.emulator.clearFaults();
      since.set(nitrobox.emulator.requestLog, nitrobox.emulator.requestLog.length);
      nitrobox.state.seedClient('billing-sync');
      home = makeCliHome();
      ok(await home.run(['backend', 'add', '--type', 'nitrobox', '--name', 'nb', '--url', nitrobox.emulator.url, '--credential-stdin'], { input: token }));
      ok(await home.run(['sync']));
    });

    async function tokenStatus(clientId: string, apiKey: string): Promise<number> {
      const response = await fetch(`${nitrobox.emulator.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: apiKey }).toString(),
      });
      await response.arrayBuffer();
      return response.status;
    }

    it('walks the plan: one new client whose shown-once key is cached and works, the old client deleted', async () => {
      const today = localDate(startOfLocalDay(new Date()).toISOString()).replaceAll('-', '');
      const plan = ok(await home.run(['rotate', 'nb/billing-sync', '--plan', '--json'])).json<RotationPlan>();
      expect(plan).toMatchObject({ kind: 'create-overlap', newName: `billing-sync-${today}` });
      expect(plan.steps.find((step) => step.name === 'delete-old')).toMatchObject({ irreversible: true, optional: false });

      const result = ok(await home.run(['rotate', 'nb/billing-sync', '--yes', '--json']));
      const rotation = result.json<Rotation>();
      expect(rotation).toMatchObject({ state: 'done', newRef: `nb/billing-sync-${today}` });
      expect(result.stderr).toMatch(/shown only once by the vendor, is cached encrypted/);
      // The secret goes to stdout only through `reveal`, never in the rotation's output.
      expect(nitrobox.state.clients.map((client) => client.clientId)).toEqual([`billing-sync-${today}`]);
      expect(count(nitrobox.emulator.requestLog, 'POST /api/v1/api-keys')).toBe(1);
      const keys = await listKeys(home, 'nb');
      expect(keys.map((key) => [key.ref, key.secretCached])).toEqual([[`nb/billing-sync-${today}`, true]]);
      const secret = ok(await home.run(['reveal', rotation.newRef!])).stdout.trim();
      expect(result.stdout).not.toContain(secret);
      expect(await tokenStatus(`billing-sync-${today}`, secret)).toBe(200);
    });

    it('a create whose answer is lost: the list shows the client, the rotation says its key can never be recovered, and the remedy deletes it and creates another', async () => {
      nitrobox.emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: '/api/v1/api-keys' });
      const blocked = await home.run(['rotate', 'nb/billing-sync', '--yes', '--new-name', 'billing-sync-next', '--json']);
      // --yes takes the remedy the rotation offers: the orphan is deleted, another client created, the rotation finished.
      expect(blocked.stderr).toMatch(
        /Nitrobox created "billing-sync-next" \(nb\/billing-sync-next\), but the answer carrying its key never reached Keywarden: the key was shown once, to nobody, and can never be recovered/,
      );
      const rotation = ok(blocked).json<Rotation>();
      expect(rotation).toMatchObject({ state: 'done', newRef: 'nb/billing-sync-next-2' });
      expect(count(nitrobox.emulator.requestLog, 'POST /api/v1/api-keys')).toBe(2);
      expect(count(nitrobox.emulator.requestLog, 'DELETE /api/v1/api-keys/billing-sync-next')).toBe(1);
      expect(nitrobox.state.clients.map((client) => client.clientId)).toEqual(['billing-sync-next-2']);
      const secret = ok(await home.run(['reveal', 'nb/billing-sync-next-2'])).stdout.trim();
      expect(await tokenStatus('billing-sync-next-2', secret)).toBe(200);
      expect((await listKeys(home, 'nb')).map((key) => key.ref)).toEqual(['nb/billing-sync-next-2']);
    });
  });

  describe("BoxWatch: the backend's credential is the account's one key", () => {
    let boxwatch: BoxWatchEmulator;
    let account: string;
    let oldId: string;
    let oldSecret: string;

    beforeAll(async () => {
      boxwatch = await startBoxWatchEmulator();
      account = boxwatch.state.addAccount('ops@acme.example').id;
    });
    afterAll(() => boxwatch.emulator.close());

    beforeEach(async () => {
      boxwatch.state.keys.splice(0);
      boxwatch.emulator.clearFaults();
      since.set(boxwatch.emulator.requestLog, boxwatch.emulator.requestLog.length);
      const issued = boxwatch.state.issueKey(account, 'CI pipeline');
      oldId = issued.key.id;
      oldSecret = issued.secret;
      home = makeCliHome();
      ok(await home.run(['backend', 'add', '--type', 'boxwatch', '--name', 'bw', '--url', boxwatch.emulator.url, '--credential-stdin'], { input: oldSecret }));
      ok(await home.run(['sync']));
    });

    it('paste-first: the new key is tested and becomes the credential, then the old key is revoked; no downtime', async () => {
      const plan = ok(await home.run(['rotate', `bw/${oldId}`, '--plan', '--json'])).json<RotationPlan>();
      expect(plan).toMatchObject({ kind: 'paste-first', alternatives: ['revoke-first'] });
      expect(plan.warnings.join('\n')).toMatch(/is the key Keywarden uses to reach BoxWatch/);
      // The dashboard made a second key while the first still works.
      const fresh = boxwatch.state.issueKey(account, 'CI pipeline (2026)', { allowSecond: true });
      const result = ok(await home.run(['rotate', `bw/${oldId}`, '--yes', '--secret-stdin', '--json'], { input: fresh.secret }));
      expect(result.stderr).toMatch(/WARNING: bw\/.* is the key Keywarden uses to reach BoxWatch/);
      expect(result.json<Rotation>()).toMatchObject({ state: 'done', newRef: `bw/${fresh.key.id}` });
      expect(boxwatch.state.keys.map((key) => key.id)).toEqual([fresh.key.id]);
      expect(count(boxwatch.emulator.requestLog, `DELETE /api-keys/${oldId}`)).toBe(1);
      // The old key shows as revoked, its secret dropped, until the next sync no longer lists it.
      const keys = (await listKeys(home, 'bw')).map((key) => [key.id, key.status, key.secretCached]);
      expect(keys).toEqual(
        expect.arrayContaining([
          [oldId, 'revoked', false],
          [fresh.key.id, 'active', true],
        ]),
      );
      expect(ok(await home.run(['reveal', `bw/${fresh.key.id}`])).stdout).toBe(`${fresh.secret}\n`);
      ok(await home.run(['sync']));
      expect((await listKeys(home, 'bw')).map((key) => key.id)).toEqual([fresh.key.id]);
    });

    it('revoke-first: warns of the downtime also with --yes, marks the backend as needing a credential, pauses for the paste; resume takes it', async () => {
      const ref = `bw/${oldId}`;
      const paused = await home.run(['rotate', ref, '--order', 'revoke-first', '--yes', '--json']);
      expect(paused.code).toBe(4);
      expect(paused.stderr).toMatch(/WARNING: DOWNTIME/);
      expect(paused.stderr).toMatch(/WARNING: bw\/.* is the key Keywarden uses to reach BoxWatch/);
      expect(paused.stderr).toMatch(/waits: Paste the new key created in the BoxWatch dashboard; pipe it to "keywarden rotation resume \d+ --secret-stdin"/);
      const rotation = paused.json<Rotation>();
      expect(rotation).toMatchObject({ state: 'waiting', currentStep: 'paste-new', needs: { kind: 'secret' } });
      expect(boxwatch.state.keys).toEqual([]);

      // The backend knows it needs a credential; its sync says so instead of a bare 401, and the revoked key's secret is gone.
      const [backend] = ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>();
      expect(backend).toMatchObject({ hasCredential: false, lastError: expect.stringMatching(/^needs a credential: the key Keywarden used \(bw\/.*\) was revoked/) });
      const synced = await home.run(['sync']);
      expect(synced.code).toBe(2);
      expect(synced.stderr).toMatch(/no credential is set; run "keywarden backend set-credential bw --credential-stdin"/);
      expect(ok(await home.run(['show', ref, '--json'])).json<Key>()).toMatchObject({ status: 'revoked', secretCached: false });

      const fresh = boxwatch.state.issueKey(account, 'CI pipeline (2026)');
      const resumed = ok(await home.run(['rotation', 'resume', String(rotation.id), '--yes', '--secret-stdin', '--json'], { input: fresh.secret }));
      expect(resumed.json<Rotation>()).toMatchObject({ state: 'done', newRef: `bw/${fresh.key.id}` });
      expect((await listKeys(home, 'bw')).map((key) => [key.id, key.secretCached])).toEqual([[fresh.key.id, true]]);
      expect(ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>()[0]).toMatchObject({ hasCredential: true, lastError: null });
    });

    it('revoke-first with the answer lost: the vendor refusing the credential (401) shows the revoke happened; nothing is sent twice', async () => {
      boxwatch.emulator.addFault({ kind: 'lost-reply', method: 'DELETE', pathPrefix: `/api-keys/${oldId}` });
      const paused = await home.run(['rotate', `bw/${oldId}`, '--order', 'revoke-first', '--yes', '--json']);
      expect(paused.code).toBe(4);
      expect(paused.json<Rotation>().steps[0]).toMatchObject({ name: 'revoke-old', status: 'done', detail: expect.stringMatching(/answer lost/) });
      expect(count(boxwatch.emulator.requestLog, `DELETE /api-keys/${oldId}`)).toBe(1);
      expect(ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>()[0]).toMatchObject({ hasCredential: false });
    });

    it('paste-first with the revoke answer lost: re-listing shows the old key gone, and it is not revoked twice', async () => {
      const fresh = boxwatch.state.issueKey(account, 'CI pipeline (2026)', { allowSecond: true });
      boxwatch.emulator.addFault({ kind: 'lost-reply', method: 'DELETE', pathPrefix: `/api-keys/${oldId}` });
      const rotation = ok(await home.run(['rotate', `bw/${oldId}`, '--yes', '--secret-stdin', '--json'], { input: fresh.secret })).json<Rotation>();
      expect(rotation.state).toBe('done');
      expect(count(boxwatch.emulator.requestLog, `DELETE /api-keys/${oldId}`)).toBe(1);
      expect(boxwatch.state.keys.map((key) => key.id)).toEqual([fresh.key.id]);
    });

    it('a pasted key BoxWatch refuses is not stored; the rotation keeps waiting for a good one', async () => {
      const refused = await home.run(['rotate', `bw/${oldId}`, '--yes', '--secret-stdin'], { input: `bw_${'0'.repeat(64)}` });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/BoxWatch refused this key \(401\)/);
      const [open] = ok(await home.run(['rotation', 'list', '--json'])).json<Rotation[]>();
      expect(open).toMatchObject({ state: 'waiting', currentStep: 'paste-new' });
      expect(boxwatch.state.keys.map((key) => key.id)).toEqual([oldId]);
      ok(await home.run(['sync']));
    });

    it('plain revoke of the credential key warns also with --yes, drops its secret and marks the backend', async () => {
      const revoked = ok(await home.run(['revoke', `bw/${oldId}`, '--yes']));
      expect(revoked.stderr).toMatch(/warning: bw\/.* is the key Keywarden uses to reach BoxWatch.*marks the backend as needing a credential/);
      expect(ok(await home.run(['show', `bw/${oldId}`, '--json'])).json<Key>()).toMatchObject({ status: 'revoked', secretCached: false });
      expect(ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>()[0]).toMatchObject({ hasCredential: false, lastError: expect.stringMatching(/needs a credential/) });
      expect((await home.run(['reveal', `bw/${oldId}`])).code).toBe(1);
    });
  });

  describe('manual: paste the new secret, test it with the key request, record the new dates', () => {
    let target: BoxWatchEmulator;
    let account: string;

    beforeAll(async () => {
      // The keys' test request goes to a BoxWatch emulator's GET /auth/me: any API that answers 200 to a good key.
      target = await startBoxWatchEmulator();
      account = target.state.addAccount('ops@acme.example').id;
    });
    afterAll(() => target.emulator.close());

    beforeEach(async () => {
      home = makeCliHome();
      ok(await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
    });

    async function addKey(secret: string): Promise<Key> {
      const created = localDate(new Date(Date.now() - 80 * DAY_MS).toISOString());
      const expires = localDate(new Date(Date.now() + 10 * DAY_MS).toISOString());
      return ok(
        await home.run(
          [
            ...['key', 'add', '--backend', 'hand', '--name', 'Monitoring', '--created-at', created, '--expires-at', expires, '--secret-stdin'],
            // The emulator is on this machine: the test there is allowed explicitly.
            ...['--test-url', `${target.emulator.url}/auth/me`, '--test-header', 'Authorization: Bearer {secret}', '--test-allow-private-network', '--json'],
          ],
          { input: secret },
        ),
      ).json<Key>();
    }

    it('replaces the secret in place once it passes the test; the new dates keep the old validity', async () => {
      const old = target.state.issueKey(account, 'old', { allowSecond: true });
      const fresh = target.state.issueKey(account, 'new', { allowSecond: true });
      const key = await addKey(old.secret);
      const plan = ok(await home.run(['rotate', key.ref, '--plan', '--json'])).json<RotationPlan>();
      expect(plan.steps.find((step) => step.name === 'test-new')!.title).toMatch(/test the new secret with the key's request \(GET http:\/\/127\.0\.0\.1:\d+\/auth\/me/);
      const rotation = ok(await home.run(['rotate', key.ref, '--yes', '--secret-stdin', '--json'], { input: fresh.secret })).json<Rotation>();
      expect(rotation).toMatchObject({ state: 'done', newRef: key.ref });
      expect(ok(await home.run(['reveal', key.ref])).stdout).toBe(`${fresh.secret}\n`);
      const after = ok(await home.run(['show', key.ref, '--json'])).json<Key>();
      const validity = Date.parse(key.expiresAt!) - Date.parse(key.createdAt!);
      expect(Date.parse(after.expiresAt!) - Date.parse(after.createdAt!)).toBe(validity);
      expect(Date.now() - Date.parse(after.createdAt!)).toBeLessThan(DAY_MS);
    });

    it('a new secret that fails its test blocks the rotation and keeps the old secret; abandoning drops the pasted one', async () => {
      const old = target.state.issueKey(account, 'old', { allowSecond: true });
      const key = await addKey(old.secret);
      const blocked = await home.run(['rotate', key.ref, '--yes', '--secret-stdin', '--json'], { input: `bw_${'0'.repeat(64)}` });
      expect(blocked.code).toBe(1);
      expect(blocked.json<Rotation>()).toMatchObject({ state: 'blocked', currentStep: 'test-new', problem: expect.stringMatching(/failed its test/) });
      expect(ok(await home.run(['reveal', key.ref])).stdout).toBe(`${old.secret}\n`);
      const abandoned = ok(await home.run(['rotation', 'abandon', String(blocked.json<Rotation>().id), '--json'])).json<Rotation>();
      expect(abandoned.state).toBe('abandoned');
    });
  });

  describe('the command itself', () => {
    beforeEach(() => {
      home = makeCliHome();
    });

    it('is in the help, and "keywarden list" loads none of the rotation code', async () => {
      const help = ok(await home.run(['--help']));
      for (const usage of ['rotate REF [--yes] [--validity-days D]', 'rotation list [--all] [--json]', 'rotation resume [ID | --all] [--yes]', 'rotation abandon ID'])
        expect(help.stdout).toContain(usage);
      ok(await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
      const { writeFileSync } = await import('node:fs');
      const hook = `${home.home}/loaded.cjs`;
      writeFileSync(hook, "process.on('exit', () => process.stderr.write(Object.keys(require.cache).join('\\n')));\n");
      const listed = ok(await home.run(['list'], { env: { NODE_OPTIONS: `--require ${hook}` } }));
      expect(listed.stderr).toMatch(/electron\/core\/engine\.js/);
      expect(listed.stderr).not.toMatch(/electron\/core\/rotation\/|commands\/rotation\.js/);
    });
  });
});
