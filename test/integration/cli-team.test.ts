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
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';
import { NO_POSTGRES_REASON, type PrivatePostgres, SKIP_NO_POSTGRES, startPrivatePostgres } from '../support/postgres.js';

if (SKIP_NO_POSTGRES) console.warn(`CLI team tests skipped: ${NO_POSTGRES_REASON}`);

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)('keywarden team (CLI) on PostgreSQL', () => {
  let server: PrivatePostgres;
  let nitrobox: NitroboxEmulator;
  let alice: CliHome;
  let bob: CliHome;
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
  });

  afterAll(async () => {
    for (const home of [alice, bob]) {
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

  it('the team commands are listed in the help', async () => {
    const help = ok(await alice.run(['team', '--help'])).stdout;
    for (const command of ['init', 'join', 'members', 'approve', 'remove', 'status', 'sync', 'leave', 'audit']) expect(help).toContain(`keywarden team ${command}`);
  });
});
