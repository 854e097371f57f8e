/**
 * The foundation slice end to end, as an administrator uses it: the real `keywarden` command in a
 * child process, a temporary data folder, the isolated OS keychain, and the BoxWatch emulator on
 * 127.0.0.1.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addLocalDays } from '../../electron/core/dates.js';
import type { AuditEvent, BackendSummary, Key, SyncReport, TestResult } from '../../shared/domain.js';
import { startBoxWatchEmulator, type BoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import { hasIsolatedKeychain, makeCliHome, runCli, type CliHome } from '../support/cli.js';

const DAY_MS = 86_400_000;

describe.skipIf(!hasIsolatedKeychain)('BoxWatch through the keywarden CLI', () => {
  let boxwatch: BoxWatchEmulator;
  let cli: CliHome;
  let accountId: string;
  let credential: string;
  let keyId: string;
  let createdAt: string;

  beforeEach(async () => {
    boxwatch = await startBoxWatchEmulator();
    accountId = boxwatch.state.addAccount('ops@acme.example', 'Acme Ops').id;
    createdAt = new Date(Date.now() - 80 * DAY_MS).toISOString();
    const issued = boxwatch.state.issueKey(accountId, 'CI pipeline', { createdAt });
    credential = issued.secret;
    keyId = issued.key.id;
    cli = makeCliHome();
  });

  afterEach(async () => {
    await boxwatch.emulator.close();
    cli.remove();
  });

  async function addAndSync(): Promise<void> {
    const added = await cli.run(['backend', 'add', '--type', 'boxwatch', '--name', 'bw', '--url', boxwatch.emulator.url, '--credential-stdin'], { input: credential });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const synced = await cli.run(['sync', '--json']);
    expect(synced.code).toBe(0);
  }

  it('lists the key with its prefix, dates and the 90-day rotation policy, and marks the credential key as cached', async () => {
    await addAndSync();
    const keys = (await cli.run(['list', '--json'])).json<Key[]>();
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).toMatchObject({
      ref: `bw/${keyId}`,
      backend: 'bw',
      backendType: 'boxwatch',
      name: 'CI pipeline',
      prefix: credential.slice(0, 11),
      status: 'active',
      createdAt,
      expiresAt: null,
      secretCached: true,
    });
    // 90 calendar days after creation, at the same local time of day.
    expect(key!.rotationDueAt).toBe(addLocalDays(new Date(createdAt), 90).toISOString());
    const reminders = (await cli.run(['reminders', '--json'])).json<Array<{ ref: string; kind: string; daysLeft: number; threshold: unknown }>>();
    expect(reminders).toEqual([expect.objectContaining({ ref: `bw/${keyId}`, kind: 'rotation', daysLeft: 10, threshold: 30 })]);
  });

  it('tests the key successfully, then reports failure after it is revoked', async () => {
    await addAndSync();
    const ref = `bw/${keyId}`;
    const ok = await cli.run(['test', ref, '--json']);
    expect(ok.code).toBe(0);
    expect(ok.json<TestResult>()).toMatchObject({ ref, ok: true });

    const ownCredential = /is the key Keywarden uses to reach BoxWatch: once it is revoked the account has no working key .*keywarden backend set-credential bw --credential-stdin/;
    const refused = await cli.run(['revoke', ref]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/add --yes/);
    expect(refused.stderr).toMatch(ownCredential);
    expect(boxwatch.state.keys).toHaveLength(1);

    // --yes skips the question, never the warning: it stays in the script's log.
    const revoked = await cli.run(['revoke', ref, '--yes']);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toMatch(ownCredential);
    expect(boxwatch.state.keys).toHaveLength(0);

    // The revoked key was the credential: Keywarden drops its copy and marks the backend as needing a new one,
    // so the next sync asks for it instead of failing with a bare 401, and nothing can test or reveal the old key.
    const shown = (await cli.run(['show', ref, '--json'])).json<Key>();
    expect(shown).toMatchObject({ status: 'revoked', secretCached: false });
    const [backend] = (await cli.run(['backend', 'list', '--json'])).json<BackendSummary[]>();
    expect(backend).toMatchObject({ hasCredential: false, lastError: expect.stringMatching(/^needs a credential/) });
    const failed = await cli.run(['test', ref, '--json']);
    expect(failed.code).toBe(1);
    expect(failed.json<{ error: { code: string } }>().error.code).toBe('secret_not_cached');
    const synced = await cli.run(['sync']);
    expect(synced.code).toBe(2);
    expect(synced.stderr).toMatch(/bw: no credential is set; run "keywarden backend set-credential bw --credential-stdin"/);
  });

  it('reveals the credential key from the encrypted cache with the emulator stopped', async () => {
    await addAndSync();
    await boxwatch.emulator.close();
    const revealed = await cli.run(['reveal', `bw/${keyId}`]);
    expect(revealed.code).toBe(0);
    expect(revealed.stdout).toBe(`${credential}\n`);
    const listed = await cli.run(['list', '--json']);
    expect(listed.json<Key[]>()).toHaveLength(1);
  });

  it('keeps no plaintext copy of the key in any file of the data folder', async () => {
    await addAndSync();
    expect((await cli.run(['reveal', `bw/${keyId}`])).stdout.trim()).toBe(credential);
    const needles = [credential, credential.slice(3), Buffer.from(credential).toString('base64'), Buffer.from(credential).toString('hex')];
    const files = cli.filesContent();
    expect(files.length).toBeGreaterThan(0);
    for (const content of files) for (const needle of needles) expect(content.includes(needle)).toBe(false);
    const audit = (await cli.run(['audit', '--json'])).stdout;
    expect(audit).not.toContain(credential);
  });

  it('answers a 429 with a retry after Retry-After', async () => {
    await addAndSync();
    boxwatch.emulator.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'GET', pathPrefix: '/api-keys' });
    const before = boxwatch.emulator.requestLog.filter((line) => line === 'GET /api-keys').length;
    const synced = await cli.run(['sync', '--json']);
    expect(synced.code).toBe(0);
    expect(synced.json<SyncReport>().results[0]).toMatchObject({ backend: 'bw', ok: true, keyCount: 1 });
    expect(boxwatch.emulator.requestLog.filter((line) => line === 'GET /api-keys').length - before).toBe(2);
  });

  it('reports a malformed response clearly, exits 2 and keeps the previous inventory', async () => {
    await addAndSync();
    boxwatch.emulator.addFault({ kind: 'wrong-shape', method: 'GET', pathPrefix: '/api-keys' });
    const synced = await cli.run(['sync', '--json']);
    expect(synced.code).toBe(2);
    const result = synced.json<SyncReport>().results[0]!;
    expect(result).toMatchObject({ backend: 'bw', ok: false, errorCode: 'malformed_response' });
    expect(result.error).toMatch(/^bw: unexpected response while listing keys: field "data\.0\./);
    expect(synced.stderr).toContain('FAILED');

    boxwatch.emulator.addFault({ kind: 'malformed', method: 'GET', pathPrefix: '/api-keys' });
    const again = await cli.run(['sync']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/bw: the response \(HTTP 200\) is not valid JSON/);

    const keys = (await cli.run(['list', '--json'])).json<Key[]>();
    expect(keys.map((key) => key.id)).toEqual([keyId]);
    const [backend] = (await cli.run(['backend', 'list', '--json'])).json<BackendSummary[]>();
    expect(backend!.lastError).toMatch(/not valid JSON/);
    expect(backend!.lastSyncOkAt).not.toBeNull();
  });

  it('refuses a wrong credential at add time and stores nothing', async () => {
    const wrong = `bw_${'0'.repeat(64)}`;
    const added = await cli.run(['backend', 'add', '--type', 'boxwatch', '--name', 'bw', '--url', boxwatch.emulator.url, '--credential-stdin'], { input: wrong });
    expect(added.code).toBe(1);
    expect(added.stderr).toMatch(/^keywarden: bw: BoxWatch refused this key \(401\)/);
    expect((await cli.run(['backend', 'list', '--json'])).json<unknown[]>()).toEqual([]);

    const malformed = await cli.run(['backend', 'add', '--type', 'boxwatch', '--name', 'bw', '--url', boxwatch.emulator.url, '--credential-stdin'], { input: 'not-a-key' });
    expect(malformed.stderr).toMatch(/"bw_" followed by 64 lowercase hex/);
    expect(malformed.stderr).not.toContain('not-a-key');
  });

  it('replaces the credential only after the new key passes its test, and says plainly where BoxWatch keys are created', async () => {
    await addAndSync();
    const create = await cli.run(['create', '--backend', 'bw', '--name', 'second']);
    expect(create.code).toBe(1);
    expect(create.stderr).toMatch(/created in the BoxWatch dashboard \(Account → API keys → New key\)/);
    expect(create.stderr).toContain('keywarden backend set-credential bw --credential-stdin');

    const bad = await cli.run(['backend', 'set-credential', 'bw', '--credential-stdin'], { input: `bw_${'1'.repeat(64)}` });
    expect(bad.code).toBe(1);
    expect((await cli.run(['sync'])).code).toBe(0); // the old credential still works

    // The admin revokes the old key and creates a new one in the dashboard, then hands it to Keywarden.
    boxwatch.state.keys.splice(0);
    const fresh = boxwatch.state.issueKey(accountId, 'CI pipeline (2026-Q4)');
    const replaced = await cli.run(['backend', 'set-credential', 'bw', '--credential-stdin'], { input: fresh.secret });
    expect(replaced.code).toBe(0);
    const keys = (await cli.run(['list', '--json'])).json<Key[]>();
    expect(keys).toEqual([expect.objectContaining({ id: fresh.key.id, secretCached: true })]);
    expect((await cli.run(['reveal', `bw/${fresh.key.id}`])).stdout).toBe(`${fresh.secret}\n`);
  });

  it('records every action in the audit trail with user, backend, reference and outcome', async () => {
    await addAndSync();
    const ref = `bw/${keyId}`;
    await cli.run(['reveal', ref]);
    await cli.run(['test', ref]);
    await cli.run(['revoke', ref, '--yes']);
    await cli.run(['backend', 'remove', 'bw', '--yes']);
    const events = (await cli.run(['audit', '--json'])).json<AuditEvent[]>();
    expect(events.map((event) => [event.action, event.ref ?? event.backend, event.outcome])).toEqual([
      ['backend.add', 'bw', 'ok'],
      ['sync', 'bw', 'ok'],
      ['reveal', ref, 'ok'],
      ['test', ref, 'ok'],
      ['revoke', ref, 'ok'],
      ['backend.remove', 'bw', 'ok'],
    ]);
    expect(events.every((event) => event.osUser.length > 0)).toBe(true);
  });

  it('prints exactly one JSON document on stdout with --json, also for errors', async () => {
    // The temporary folder holds no inventory yet: a reading command names it instead of creating one.
    const failed = await cli.run(['show', 'bw/nothing', '--json']);
    expect(failed.code).toBe(1);
    expect(failed.json()).toEqual({ error: expect.objectContaining({ code: 'no_inventory' }) });
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('without a reachable keychain', () => {
  it('still lists the inventory but refuses to store a credential, saying what is missing', async () => {
    const cli = makeCliHome();
    try {
      const env = { DBUS_SESSION_BUS_ADDRESS: undefined, DISPLAY: undefined, WAYLAND_DISPLAY: undefined, XDG_RUNTIME_DIR: cli.home };
      const added = await cli.run(['backend', 'add', '--type', 'manual', '--name', 'hand'], { env });
      expect(added.code).toBe(0);
      const withSecret = await cli.run(['key', 'add', '--backend', 'hand', '--name', 'Stripe', '--secret-stdin'], { env, input: 'sk_live_example_value_123456' });
      expect(withSecret.code).toBe(1);
      expect(withSecret.stderr).toMatch(/keychain/i);
      expect(withSecret.stderr).not.toContain('sk_live_example_value_123456');
      const withoutSecret = await cli.run(['key', 'add', '--backend', 'hand', '--name', 'Twilio', '--rotate-every-days', '90'], { env });
      expect(withoutSecret.code).toBe(0);
      const keys = (await cli.run(['list', '--json'], { env })).json<Key[]>();
      expect(keys.map((key) => key.name)).toEqual(['Twilio']);
      for (const content of cli.filesContent()) expect(content.includes('sk_live_example_value_123456')).toBe(false);
    } finally {
      cli.remove();
    }
  });
});

describe('a damaged data folder', () => {
  it('is reported clearly and left untouched', async () => {
    const cli = makeCliHome();
    try {
      const database = join(cli.home, 'keywarden.db');
      const garbage = Buffer.from("this is not an SQLite database, but it is someone's file".repeat(200));
      writeFileSync(database, garbage);
      const listed = await runCli(['--home', cli.home, 'list']);
      expect(listed.code).toBe(1);
      expect(listed.stderr).toMatch(/damaged or not a Keywarden database/);
      expect(readFileSync(database).equals(garbage)).toBe(true);
    } finally {
      cli.remove();
    }
  });
});

describe('the command line itself', () => {
  it('explains usage errors in one line', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('keywarden: unknown command "frobnicate"; run "keywarden --help" for the list\n');
    const missing = await runCli(['show']);
    expect(missing.stderr).toMatch(/missing argument; usage: keywarden show REF/);
    const badStatus = await runCli(['list', '--status', 'sleeping', '--home', '/tmp/keywarden-never-created']);
    expect(badStatus.stderr).toMatch(/--status must be one of active, grace, revoked, expired/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('keywarden backend add');
  });
});
