/**
 * An import in a team home (docs/team.md, docs/import.md) against a real PostgreSQL (a private cluster,
 * test/support/postgres.ts): alice (admin), bob (operator) and carol (viewer), each with a data folder of their own and
 * the real keychain. What an administrator checks: a CSV of 650 keys imported in alice's home is two PostgreSQL
 * transactions (one per batch of 500, each with its event in the team's trail), bob's pull brings every key with its
 * secret readable, and the server holds only ciphertext; a Bitwarden JSON export into a new backend; the same file
 * again updates and skips as in a personal folder (also after the team key was rotated, and after an edit made in the
 * team); bob's import of alice's file finds her keys instead of adding copies; a viewer, or a server that does not
 * answer, is refused before anything is written; a failure between batches keeps the batches before it and says how
 * many keys they held; and the console's Import (stage, preview, run through the contract) works in a team home.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContractHandlers } from '../../electron/core/contract-handlers.js';
import { invokeContract } from '../../electron/core/contract-pipeline.js';
import type { KeywardenEngine } from '../../electron/core/engine.js';
import type { ImportRequest } from '../../electron/core/imports/workflow.js';
import { buildContractClient } from '../../shared/contract.js';
import { IMPORT_CHUNK_BYTES } from '../../shared/imports.js';
import type { ImportReport } from '../../shared/imports.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { bitwardenExport } from '../support/bitwarden-export.js';
import { recordingSink } from '../support/counting-engine.js';
import { type MemberName, NO_POSTGRES_REASON, type PrivatePostgres, SKIP_NO_POSTGRES } from '../support/postgres.js';
import { expectError, startTeamHomes, type TeamHomes } from '../support/team-homes.js';

if (SKIP_NO_POSTGRES) console.warn(`team import tests skipped: ${NO_POSTGRES_REASON}`);

const newSecret = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url')}`;

/** A CSV of `count` keys named "Key 0"… with their secrets, and one row without a secret (skipped). */
function csvOf(secrets: readonly string[], expires = '2031-06-30'): Buffer {
  const rows = secrets.map((secret, index) => `Key ${index},${expires},ops,${secret}`);
  return Buffer.from(`name,expires,owner,secret\n${rows.join('\n')}\nWi-Fi guest,,,\n`);
}

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)('an import in a team home, on PostgreSQL', () => {
  let server: PrivatePostgres;
  let team: TeamHomes | undefined;
  const homes = {} as Record<MemberName, string>;
  const engines = {} as Record<MemberName, KeywardenEngine>;
  const secrets = Array.from({ length: 650 }, () => newSecret('sk_live'));
  const stripe = newSecret('sk_live');
  const datadog = newSecret('dd');

  const importAs = (member: MemberName, request: Partial<ImportRequest> & Pick<ImportRequest, 'format' | 'bytes'>): Promise<ImportReport> =>
    engines[member].importInventory({ backend: 'hand', ...request });
  const counter = async () => Number((await server.superuser<{ seq: string }>('SELECT seq FROM ops.counter'))[0]!.seq);
  const teamKeys = async (backend: string) => Number((await server.superuser<{ n: string }>('SELECT count(*) AS n FROM ops.keys WHERE backend = $1', [backend]))[0]!.n);
  const importEvents = () =>
    server.superuser<{ member: string; backend: string; detail: string; seq: string }>("SELECT member, backend, detail, seq FROM ops.audit WHERE action = 'import' ORDER BY id");
  const keyNamed = (member: MemberName, name: string) => engines[member].listKeys({}).find((key) => key.name === name)!;

  beforeAll(async () => {
    team = await startTeamHomes('team-import', homes, engines);
    server = team.server;
    await engines.alice.addBackend({ name: 'hand', type: 'manual' });
    await engines.alice.teamInit(server.url('alice'), 'ops');
    const bob = await engines.bob.teamJoin(server.url('bob'), 'ops');
    const carol = await engines.carol.teamJoin(server.url('carol'), 'ops');
    await engines.alice.teamApprove('bob', 'operator', bob.fingerprint);
    await engines.alice.teamApprove('carol', 'viewer', carol.fingerprint);
    await engines.bob.teamSync();
    await engines.carol.teamSync();
  });

  afterAll(async () => {
    await team?.close();
  });

  it("a CSV of 650 keys in alice's home: two batches, each one transaction with its event in the team's trail; bob's pull brings every key with its secret", async () => {
    const before = await counter();
    const report = await importAs('alice', { format: 'csv', bytes: csvOf(secrets) });
    expect(report.counts).toEqual({ entries: 651, created: 650, updated: 0, skipped: 1 });
    expect(report.team).toBe('ops');
    // One change number per batch: two transactions, each with its event, written under alice's role.
    expect(await counter()).toBe(before + 2);
    const events = await importEvents();
    expect(events.map((e) => [e.member, e.backend, e.detail])).toEqual([
      ['alice', 'hand', 'csv: 500 created, 0 updated (batch 1 of 2)'],
      ['alice', 'hand', 'csv: 150 created, 0 updated, 1 skipped (batch 2 of 2)'],
    ]);
    expect((await server.superuser<{ seq: string; n: string }>("SELECT seq, count(*) AS n FROM ops.keys WHERE backend = 'hand' GROUP BY seq ORDER BY seq")).map((r) => Number(r.n))).toEqual([
      500, 150,
    ]);
    expect(Number((await server.superuser<{ n: string }>("SELECT count(*) AS n FROM ops.key_secrets WHERE backend = 'hand'"))[0]!.n)).toBe(650);
    // alice's copy followed each batch (a pull after it); her own trail says where each batch went.
    expect(engines.alice.listKeys({ backend: 'hand' })).toHaveLength(650);
    expect(await engines.alice.reveal(keyNamed('alice', 'Key 7').ref)).toBe(secrets[7]);
    expect(
      engines.alice
        .auditTrail({ action: 'import' })
        .map((e) => e.detail)
        .sort(),
    ).toEqual([
      expect.stringMatching(/^csv: 150 created, 0 updated, 1 skipped \(batch 2 of 2\); recorded in team ops at change \d+$/),
      expect.stringMatching(/^csv: 500 created, 0 updated \(batch 1 of 2\); recorded in team ops at change \d+$/),
    ]);

    const pulled = await engines.bob.teamSync();
    expect(pulled).toMatchObject({ keys: 650, secrets: 650 });
    expect(keyNamed('bob', 'Key 649')).toMatchObject({ expiresAt: '2031-06-30', owner: 'ops', backend: 'hand' });
    expect(await engines.bob.reveal(keyNamed('bob', 'Key 649').ref)).toBe(secrets[649]);
    // The viewer's copy lists the keys, never a secret.
    expect(await engines.carol.teamSync()).toMatchObject({ keys: 650, secrets: 0 });
    await expectError(engines.carol.reveal(keyNamed('carol', 'Key 3').ref), 'secret_not_cached');

    // The server holds ciphertext only: no secret in a dump of the database.
    const dump = server.dump();
    expect(dump).toContain('COPY ops.key_secrets');
    for (const secret of secrets) expect(dump.includes(secret)).toBe(false);
  });

  it('a Bitwarden JSON export into a new backend (an admin creates it in the team): descriptions, folders and secrets reach bob', async () => {
    const exported = bitwardenExport({ stripe, datadog });
    const bytes = Buffer.from(JSON.stringify(exported));
    // bob, an operator, may import but not add a backend: refused before anything is written.
    await expectError(importAs('bob', { format: 'bitwarden-json', bytes, backend: 'vault', createBackend: true }), 'forbidden', /only admins add, remove or change backends/);
    expect(await server.superuser("SELECT 1 FROM ops.backends WHERE name = 'vault'")).toEqual([]);

    const report = await importAs('alice', { format: 'bitwarden-json', bytes, backend: 'vault', createBackend: true });
    expect(report).toMatchObject({ createsBackend: true, counts: { entries: 4, created: 2, updated: 0, skipped: 2 } });
    expect(await teamKeys('vault')).toBe(2);
    await engines.bob.teamSync();
    expect(keyNamed('bob', 'Stripe live')).toMatchObject({ backend: 'vault', expiresAt: '2028-01-31', owner: 'finance', notes: 'rotated by finance' });
    expect(await engines.bob.reveal(keyNamed('bob', 'Stripe live').ref)).toBe(stripe);
    expect(await engines.bob.reveal(keyNamed('bob', 'Datadog API').ref)).toBe(datadog);
    const dump = server.dump();
    for (const secret of [stripe, datadog]) expect(dump.includes(secret)).toBe(false);
  });

  it('the same file again updates and skips as in a personal folder: unchanged keys skipped, a changed one updated, one edited in the team left alone', async () => {
    const again = await importAs('alice', { format: 'csv', bytes: csvOf(secrets) });
    expect(again.counts).toEqual({ entries: 651, created: 0, updated: 0, skipped: 651 });
    expect(again.items.filter((item) => item.action === 'skip' && item.reason === 'unchanged since the last import')).toHaveLength(650);
    expect(await teamKeys('hand')).toBe(650);

    // bob edits one key in the team; a new secret for another in the source.
    await engines.bob.describeKey(keyNamed('bob', 'Key 1').ref, { owner: 'bob' });
    await engines.alice.teamSync();
    const changed = [...secrets];
    changed[2] = newSecret('sk_live');
    changed[1] = newSecret('sk_live');
    const report = await importAs('alice', { format: 'csv', bytes: csvOf(changed) });
    expect(report.counts).toEqual({ entries: 651, created: 0, updated: 1, skipped: 650 });
    expect(report.items.find((item) => item.name === 'Key 2')).toMatchObject({ action: 'update', reason: 'changed in the source since the last import' });
    expect(report.items.find((item) => item.name === 'Key 1')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/^edited in Keywarden since the last import/) });
    await engines.bob.teamSync();
    expect(await engines.bob.reveal(keyNamed('bob', 'Key 2').ref)).toBe(changed[2]);
    expect(await engines.bob.reveal(keyNamed('bob', 'Key 1').ref)).toBe(secrets[1]);
    secrets[2] = changed[2]!;
  });

  it('after the team key is rotated (every secret sealed again), the same file is still unchanged: a secret is remembered by its fingerprint', async () => {
    const bob = (await engines.alice.teamMembers()).find((m) => m.member === 'bob')!;
    // bob made a viewer and an operator again: two rotations, every secret re-sealed on the server and pulled again.
    await engines.alice.teamSetRole('bob', 'viewer', null);
    await engines.alice.teamSetRole('bob', 'operator', bob.fingerprint);
    expect(await engines.alice.teamSync()).toMatchObject({ secrets: 652 });
    const report = await importAs('alice', { format: 'csv', bytes: csvOf(secrets) });
    expect(report.counts).toMatchObject({ created: 0, updated: 0 });
    expect(report.items.filter((item) => item.reason === 'unchanged since the last import')).toHaveLength(649);
  });

  it("bob's import of alice's file, from his own data folder, finds her keys instead of adding copies", async () => {
    await engines.bob.teamSync();
    const events = (await importEvents()).length;
    const report = await importAs('bob', { format: 'csv', bytes: csvOf(secrets) });
    expect(report.counts).toEqual({ entries: 651, created: 0, updated: 0, skipped: 651 });
    expect(report.items.filter((item) => item.reason === 'unchanged since the last import')).toHaveLength(649);
    // The key bob edited differs from the source: left alone, saying why.
    expect(report.items.find((item) => item.name === 'Key 1')).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/^already in the team's inventory from an import of the same entry/),
    });
    expect(await teamKeys('hand')).toBe(650);
    expect((await importEvents()).length).toBe(events + 1);
    // The keys found the same as the source are recorded in bob's folder now: an edit made in the team since is told
    // apart from a change in the source at his next import.
    await engines.alice.describeKey(keyNamed('alice', 'Key 5').ref, { owner: 'alice' });
    await engines.bob.teamSync();
    const next = await importAs('bob', { format: 'csv', bytes: csvOf(secrets) });
    expect(next.items.find((item) => item.name === 'Key 5')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/^edited in Keywarden since the last import/) });
    expect(next.items.filter((item) => item.reason === 'unchanged since the last import')).toHaveLength(648);
  });

  it('a viewer is refused before anything is written; with the server away, an import is refused before its first batch', async () => {
    const before = await counter();
    const bytes = csvOf([newSecret('sk_live')], '2032-01-01');
    // A dry run reads the local copy only: a viewer may preview.
    expect((await importAs('carol', { format: 'csv', bytes, dryRun: true })).counts).toMatchObject({ entries: 2 });
    await expectError(importAs('carol', { format: 'csv', bytes }), 'forbidden', /carol is a viewer in team "ops": only operators and admins import keys, so nothing was sent or written/);
    expect(await counter()).toBe(before);

    server.pause();
    try {
      await expectError(importAs('alice', { format: 'csv', bytes }), 'network', /refused before anything was sent.*recorded on the team's server first/);
    } finally {
      server.resume();
    }
    expect(await counter()).toBe(before);
    expect(engines.alice.listKeys({ backend: 'hand' })).toHaveLength(650);
  });

  it('a failure between batches keeps the batches before it, says how many keys were imported, and importing again writes the rest', async () => {
    await engines.alice.addBackend({ name: 'bulk', type: 'manual' });
    const bulk = Array.from({ length: 700 }, () => newSecret('sk_test'));
    const bytes = Buffer.from(`name,secret\n${bulk.map((secret, index) => `Bulk ${index},${secret}`).join('\n')}\n`);
    // A real PostgreSQL failure in the second batch: the row of its 101st key is refused.
    await server.superuser(
      `CREATE FUNCTION ops.refuse_bulk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.name = 'Bulk 600' THEN RAISE EXCEPTION 'disk full (test)'; END IF; RETURN NEW; END $$;
       CREATE TRIGGER refuse_bulk BEFORE INSERT ON ops.keys FOR EACH ROW EXECUTE FUNCTION ops.refuse_bulk()`,
    );
    const error = await expectError(importAs('alice', { format: 'csv', bytes, backend: 'bulk' }), 'internal', /disk full \(test\)/);
    expect(error.message).toMatch(/; 500 of the 700 keys to write were imported into the team \(1 of 2 batches, each whole\); importing the same file again writes the rest$/);
    expect(error.details).toMatchObject({ imported: 500 });
    expect(await teamKeys('bulk')).toBe(500);
    expect(engines.alice.listKeys({ backend: 'bulk' })).toHaveLength(500);
    expect((await importEvents()).filter((e) => e.backend === 'bulk').map((e) => e.detail)).toEqual(['csv: 500 created, 0 updated (batch 1 of 2)']);

    await server.superuser('DROP TRIGGER refuse_bulk ON ops.keys; DROP FUNCTION ops.refuse_bulk()');
    const report = await importAs('alice', { format: 'csv', bytes, backend: 'bulk' });
    expect(report.counts).toEqual({ entries: 700, created: 200, updated: 0, skipped: 500 });
    expect(await teamKeys('bulk')).toBe(700);
  });

  it("the console's Import in a team home: staged, previewed and run through the contract, written to the team", async () => {
    const handlers = createContractHandlers(engines.alice, recordingSink(), { info: () => ({ host: 'browser', home: homes.alice, demo: false, demoAvailable: false }) });
    const client = buildContractClient({
      invoke: async (method, args) => {
        const outcome = await invokeContract(handlers, method, args, { detailsAt: 'the test' });
        if (!outcome.ok) throw new Error(`${method}: ${outcome.error.code}: ${outcome.error.message}`);
        return outcome.value;
      },
    });
    const secret = newSecret('sk_live');
    const bytes = Buffer.from(`name,expires,secret\nConsole key,2030-01-01,${secret}\n`);
    expect(bytes.length).toBeLessThan(IMPORT_CHUNK_BYTES);
    const staged = await client['import:stage']({ name: 'keys.csv', kind: 'source', size: bytes.length, data: bytes.toString('base64') });
    expect(staged).toMatchObject({ complete: true, detectedFormat: 'csv' });
    const preview = await client['import:preview']({ file: staged.id, format: 'csv', backend: 'hand' });
    expect(preview.counts).toMatchObject({ created: 1 });
    const before = await teamKeys('hand');
    const done = await client['import:run']({ file: staged.id, format: 'csv', backend: 'hand' });
    expect(done.counts).toMatchObject({ created: 1, skipped: 0 });
    expect(await teamKeys('hand')).toBe(before + 1);
    await engines.bob.teamSync();
    expect(await engines.bob.reveal(keyNamed('bob', 'Console key').ref)).toBe(secret);
  });
});
