/**
 * The real `keywarden team` commands (compiled, in child processes) against a private PostgreSQL: the password from
 * PGPASSWORD for one member and from a password file (PGPASSFILE) for another, never in an argument; a URL with a
 * password refused with the fix; init, join, approve, sync, a key added in a team home and read by the other member,
 * a vendor backend added by the admin, synced and created in by the operator (Nitrobox emulator on 127.0.0.1), status,
 * members and removal as a script would run them (--json).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedKey, Key, SyncReport } from '../../shared/domain.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { AUDIT_CHAIN_VERSION, auditEventHash } from '../../electron/core/store/audit-chain.js';
import type { TeamAuditRow } from '../../electron/core/team/audit.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';
import { NO_POSTGRES_REASON, type PrivatePostgres, SKIP_NO_POSTGRES, startPrivatePostgres } from '../support/postgres.js';

if (SKIP_NO_POSTGRES) console.warn(`CLI team tests skipped: ${NO_POSTGRES_REASON}`);

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)('keywarden team (CLI) on PostgreSQL', () => {
  let server: PrivatePostgres;
  let nitrobox: NitroboxEmulator;
  let alice: CliHome;
  let bob: CliHome;
  /** alice again, in a data folder of its own linked to a second team ("audited"), for the recorded head's test. */
  let auditor: CliHome;
  const secret = `sk_live_${randomBytes(18).toString('base64url')}`;
  // alice gives her password in PGPASSWORD, bob in a password file: the two ways libpq users do.
  const aliceEnv = () => ({ PGPASSWORD: server.password('alice'), PGPASSFILE: '/nonexistent' });
  const bobEnv = () => ({ PGPASSFILE: server.passfile, PGPASSWORD: undefined });

  beforeAll(async () => {
    server = await startPrivatePostgres();
    nitrobox = await startNitroboxEmulator();
    nitrobox.state.seedClient('billing-export');
    alice = makeCliHome();
    bob = makeCliHome();
    auditor = makeCliHome();
  });

  afterAll(async () => {
    for (const home of [alice, bob, auditor]) {
      if (!home) continue;
      await home.run(['vault', 'reset', '--yes', '--leave-team']);
      home.remove();
    }
    await nitrobox?.emulator.close();
    server?.stop();
  });

  function ok(result: CliResult): CliResult {
    if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return result;
  }

  it('refuses a URL with a password, naming PGPASSWORD and PGPASSFILE, and never prints the password', async () => {
    const password = server.password('alice');
    const refused = await alice.run(['team', 'init', '--database', `postgresql://alice:${password}@127.0.0.1:${server.port}/team`, '--team', 'ops', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/holds a password.*PGPASSWORD.*PGPASSFILE/);
    expect(refused.stdout + refused.stderr).not.toContain(password);
    expect(await server.superuser("SELECT 1 FROM pg_namespace WHERE nspname = 'ops'")).toEqual([]);
  });

  it("a wrong password is PostgreSQL's refusal, with the fix", async () => {
    const refused = await alice.run(['team', 'init', '--database', server.url('alice'), '--team', 'ops'], { env: { PGPASSWORD: 'wrong', PGPASSFILE: '/nonexistent' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/password authentication failed for user "alice".*PGPASSWORD/);
  });

  it('init, join, approve and sync: a key added by one member is read by the other', async () => {
    ok(await alice.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
    const made = ok(await alice.run(['team', 'init', '--database', server.url('alice'), '--team', 'ops', '--json'], { env: aliceEnv() })).json<{ member: string }>();
    expect(made.member).toBe('alice');
    const joined = ok(await bob.run(['team', 'join', '--database', server.url('bob'), '--team', 'ops', '--json'], { env: bobEnv() })).json<{ fingerprint: string }>();
    const members = ok(await alice.run(['team', 'members', '--json'], { env: aliceEnv() })).json<Array<{ member: string; state: string; fingerprint: string }>>();
    expect(members.map((m) => [m.member, m.state])).toEqual([
      ['alice', 'approved'],
      ['bob', 'pending'],
    ]);
    expect(members[1]!.fingerprint).toBe(joined.fingerprint);
    const missing = await alice.run(['team', 'approve', 'bob', '--role', 'operator'], { env: aliceEnv() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/needs --fingerprint/);
    ok(await alice.run(['team', 'approve', 'bob', '--role', 'operator', '--fingerprint', joined.fingerprint], { env: aliceEnv() }));

    const added = ok(
      await alice.run(['key', 'add', '--backend', 'hand', '--name', 'Stripe prod', '--expires-at', '2031-01-01', '--secret-stdin', '--json'], { env: aliceEnv(), input: `${secret}\n` }),
    ).json<Key>();
    const pulled = ok(await bob.run(['team', 'sync', '--json'], { env: bobEnv() })).json<{ keys: number; secrets: number }>();
    expect(pulled).toMatchObject({ keys: 1, secrets: 1 });
    // Offline reading: bob's list and reveal use the local copy only (no database variables at all).
    const listed = ok(await bob.run(['list', '--json'], { env: { PGPASSFILE: '/nonexistent' } })).json<Key[]>();
    expect(listed.map((k) => k.ref)).toEqual([added.ref]);
    expect(ok(await bob.run(['reveal', added.ref])).stdout.trim()).toBe(secret);
    const status = ok(await bob.run(['team', 'status', '--json'], { env: bobEnv() })).json<{ server: { role: string; seq: number }; localSeq: number }>();
    expect(status.server.role).toBe('operator');
    expect(status.localSeq).toBe(status.server.seq);
  });

  it("a vendor backend in a team home: the admin adds it, the operator syncs and creates there, the admin reads the new key's secret", async () => {
    const token = nitrobox.state.addUser('ops@acme.example', { role: true });
    // An operator may not add a backend: refused before the token is tried at Nitrobox.
    const before = nitrobox.emulator.requestLog.length;
    const refused = await bob.run(['backend', 'add', '--type', 'nitrobox', '--name', 'nb', '--url', nitrobox.emulator.url, '--credential-stdin'], { env: bobEnv(), input: token });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/bob is an operator in team "ops": only admins add, remove or change backends/);
    expect(nitrobox.emulator.requestLog.length).toBe(before);
    ok(await alice.run(['backend', 'add', '--type', 'nitrobox', '--name', 'nb', '--url', nitrobox.emulator.url, '--credential-stdin'], { env: aliceEnv(), input: token }));

    ok(await bob.run(['team', 'sync'], { env: bobEnv() }));
    const synced = ok(await bob.run(['sync', 'nb', '--json'], { env: bobEnv() })).json<SyncReport>();
    expect(synced.results[0]).toMatchObject({ backend: 'nb', ok: true, keyCount: 1 });
    const issued = ok(await bob.run(['create', '--backend', 'nb', '--name', 'ci-deploy', '--json'], { env: bobEnv() })).json<IssuedKey>();
    expect(issued.key.ref).toBe('nb/ci-deploy');

    ok(await alice.run(['team', 'sync'], { env: aliceEnv() }));
    const listed = ok(await alice.run(['list', '--backend', 'nb', '--json'])).json<Key[]>();
    expect(listed.map((k) => k.ref).sort()).toEqual(['nb/billing-export', 'nb/ci-deploy']);
    expect(ok(await alice.run(['reveal', 'nb/ci-deploy'])).stdout.trim()).toBe(issued.secret);
    const status = ok(await alice.run(['team', 'status', '--json'], { env: aliceEnv() })).json<{ pendingPushes: number }>();
    expect(status.pendingPushes).toBe(0);
  });

  it("approve on an approved member changes the role (never one's own), then remove rotates the team key and lists the keys to rotate", async () => {
    const members = ok(await alice.run(['team', 'members', '--json'], { env: aliceEnv() })).json<Array<{ member: string; fingerprint: string }>>();
    const bobFingerprint = members.find((m) => m.member === 'bob')!.fingerprint;
    const promoted = ok(await alice.run(['team', 'approve', 'bob', '--role', 'admin', '--fingerprint', bobFingerprint], { env: aliceEnv() }));
    expect(promoted.stdout.trim()).toBe("bob's role changed from operator to admin");
    const json = ok(await alice.run(['team', 'approve', 'bob', '--role', 'admin', '--fingerprint', bobFingerprint, '--json'], { env: aliceEnv() })).json<{ role: string; previous: string }>();
    expect(json).toMatchObject({ member: 'bob', role: 'admin', previous: 'admin', rotation: null });
    const own = await alice.run(['team', 'approve', 'alice', '--role', 'viewer', '--fingerprint', bobFingerprint], { env: aliceEnv() });
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/you cannot change your own role in team "ops": another admin does it/);

    const report = ok(await alice.run(['team', 'remove', 'bob', '--yes', '--json'], { env: aliceEnv() })).json<{ generation: number; keysToRotate: string[]; credentialsToRotate: string[] }>();
    expect(report.generation).toBe(2);
    // bob held the team key: every secret and the team's credential he could read.
    expect(report.keysToRotate).toHaveLength(2);
    expect(report.keysToRotate).toContain('nb/ci-deploy');
    expect(report.credentialsToRotate).toEqual(['nb']);
    const refused = await bob.run(['team', 'sync'], { env: bobEnv() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no longer a member/);
    // `team status` reads (the folder opened read-only): the server's news that bob is gone is shown, not recorded.
    const status = ok(await bob.run(['team', 'status', '--json'], { env: bobEnv() })).json<{ server: { reachable: boolean; state: string; role: string | null } }>();
    expect(status.server).toMatchObject({ reachable: true, state: 'removed', role: null });
  });

  it("team audit lists the team's events newest first; --verify passes, then names the event the database's owner altered (exit 5)", async () => {
    const events = ok(await alice.run(['team', 'audit', '--json'], { env: aliceEnv() })).json<Array<{ id: number; member: string; action: string; ref: string | null }>>();
    // Newest first: the removal on top, the team's creation at the bottom, the manual key alice added between.
    const actions = events.map((e) => [e.member, e.action, e.ref]);
    expect(actions[0]).toEqual(['alice', 'team.remove', 'bob']);
    expect(actions.at(-1)).toEqual(['alice', 'team.init', null]);
    expect(actions).toContainEqual(['alice', 'key.add', expect.stringMatching(/^hand\//)]);
    const newest = ok(await alice.run(['team', 'audit', '--limit', '1'], { env: aliceEnv() }))
      .stdout.trim()
      .split('\n');
    expect(newest).toHaveLength(2);
    expect(newest[1]).toMatch(/team\.remove/);
    const verified = ok(await alice.run(['team', 'audit', '--verify'], { env: aliceEnv() }));
    expect(verified.stdout).toMatch(new RegExp(`^The team's audit trail verifies: ${events.length} events, chained from the genesis to the head\\.\\nHead hash: [0-9a-f]{64}$`, 'm'));

    // The tamper: alice owns the team's tables (she ran team init), lifts the forced row-level security and edits one event.
    const keyAdd = events.find((e) => e.action === 'key.add')!;
    await server.asMember(
      'alice',
      `BEGIN; ALTER TABLE ops.audit NO FORCE ROW LEVEL SECURITY; UPDATE ops.audit SET detail = 'no secret' WHERE id = ${keyAdd.id}; ALTER TABLE ops.audit FORCE ROW LEVEL SECURITY; COMMIT`,
    );
    const broken = await alice.run(['team', 'audit', '--verify'], { env: aliceEnv() });
    expect(broken.code).toBe(5);
    expect(broken.stdout).toContain(`The team's audit trail does NOT verify: event ${keyAdd.id} (key.add by alice,`);
    expect(broken.stdout).toMatch(/was changed after it was recorded/);
    const json = await alice.run(['team', 'audit', '--verify', '--json'], { env: aliceEnv() });
    expect(json.code).toBe(5);
    expect(json.json<{ ok: boolean; verified: number; firstBreak: { id: number; kind: string } }>()).toMatchObject({
      ok: false,
      // Verified from the genesis: every event older than the one altered.
      verified: events.length - 1 - events.indexOf(keyAdd),
      firstBreak: { id: keyAdd.id, kind: 'content-changed' },
    });
  });

  it("team audit --verify --head: a head recorded earlier is still in the chain after more writes; the owner's rollback or rewrite of the trail is caught (exit 5)", async () => {
    type Verdict = { ok: boolean; events: number; headHash: string; recordedHead?: { hash: string; found: boolean; id: number | null; seq: number | null; eventsAfter: number | null } };
    const verify = (...extra: string[]) => auditor.run(['team', 'audit', '--verify', ...extra], { env: aliceEnv() });
    ok(await auditor.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
    ok(await auditor.run(['team', 'init', '--database', server.url('alice'), '--team', 'audited'], { env: aliceEnv() }));
    const genesis = (await server.superuser<{ value: string }>("SELECT value FROM audited.meta WHERE name = 'audit_genesis'"))[0]!.value;
    const first = ok(await verify('--json')).json<Verdict>();
    expect(first).toMatchObject({ ok: true, events: 1 });

    // More writes: the head recorded after init is still an event of the chain, with every event since counted.
    for (const name of ['Stripe prod', 'Twilio', 'Mailgun']) ok(await auditor.run(['key', 'add', '--backend', 'hand', '--name', name], { env: aliceEnv() }));
    const later = ok(await verify('--json')).json<Verdict>();
    expect(later.events).toBe(4);
    const passed = ok(await verify('--head', first.headHash.toUpperCase()));
    expect(passed.stdout).toContain(`The head hash recorded earlier (${first.headHash.slice(0, 12)}…) is event `);
    expect(passed.stdout).toMatch(/\(change 1, [^)]+\): nothing up to it changed; 3 events since\./);
    expect(ok(await verify('--head', later.headHash, '--json')).json<Verdict>().recordedHead).toMatchObject({ hash: later.headHash, found: true, seq: 4, eventsAfter: 0 });
    // The genesis is a head too (recorded before the first event).
    expect(ok(await verify('--head', genesis)).stdout).toContain('is the genesis: it was recorded before the first event; 4 events since.');
    // A head that is no hash at all is refused before anything connects, and --head goes with --verify.
    expect((await verify('--head', 'abc')).stderr).toMatch(/--head takes a head hash .* 64 hexadecimal digits/);
    expect((await auditor.run(['team', 'audit', '--head', later.headHash], { env: aliceEnv() })).stderr).toMatch(/--head goes with --verify/);

    // A rollback by the database's superuser: the newest event removed and the change counter set back with it. The
    // chain alone still verifies (nothing links to what is gone); the head recorded after it does not.
    const rows = await server.superuser<Omit<TeamAuditRow, 'hash'>>('SELECT id, seq, at, member, action, backend, ref, outcome, detail, prev_hash FROM audited.audit ORDER BY id');
    await server.superuser('DELETE FROM audited.audit WHERE id = $1', [rows.at(-1)!.id]);
    await server.superuser('UPDATE audited.counter SET seq = $1', [rows.at(-2)!.seq]);
    expect(ok(await verify('--json')).json<Verdict>()).toMatchObject({ ok: true, events: 3 });
    const rolledBack = await verify('--head', later.headHash);
    expect(rolledBack.code).toBe(5);
    expect(rolledBack.stdout).toContain("The team's audit trail verifies: 3 events");
    expect(rolledBack.stdout).toContain(
      `The head hash recorded earlier (${later.headHash.slice(0, 12)}…) is in no event of the team's trail: the trail up to it was rewritten or rolled back on the server`,
    );
    const afterRollback = ok(await verify('--json')).json<Verdict>();
    expect(ok(await verify('--head', first.headHash)).stdout).toContain('nothing up to it changed; 2 events since.');

    // A rewrite: the first key's event edited and every hash from it on recomputed, so that the chain verifies again.
    // The head recorded after the edited event is gone; the one recorded before it still stands.
    const kept = rows.slice(0, -1);
    kept[1]!.detail = 'no secret, rewritten';
    let prev = kept[0]!.prev_hash;
    for (const [index, row] of kept.entries()) {
      const hash = auditEventHash(AUDIT_CHAIN_VERSION, prev, { ...row, osUser: row.member })!;
      if (index > 0) await server.superuser('UPDATE audited.audit SET detail = $2, prev_hash = $3, hash = $4 WHERE id = $1', [row.id, row.detail, prev, hash]);
      prev = hash;
    }
    const rewritten = ok(await verify('--json')).json<Verdict>();
    expect(rewritten).toMatchObject({ ok: true, events: 3, headHash: prev });
    const caught = await verify('--head', afterRollback.headHash, '--json');
    expect(caught.code).toBe(5);
    expect(caught.json<Verdict>()).toMatchObject({ ok: true, recordedHead: { hash: afterRollback.headHash, found: false, id: null, eventsAfter: null } });
    expect((await verify('--head', afterRollback.headHash)).stdout).toMatch(/is in no event of the team's trail: the trail up to it was rewritten or rolled back on the server/);
    expect(ok(await verify('--head', first.headHash)).stdout).toContain('nothing up to it changed; 2 events since.');
  });

  it('the team commands are listed in the help', async () => {
    const help = ok(await alice.run(['team', '--help'])).stdout;
    for (const command of ['init', 'join', 'members', 'approve', 'remove', 'status', 'sync', 'leave', 'audit']) expect(help).toContain(`keywarden team ${command}`);
  });
});
