/**
 * Backups and restore through the real `keywarden` command, with the isolated test keychain: the
 * daily backup a writing command makes, `backup` (rolling and --output), `backup list`, a damaged file
 * reported in one line that names the backup to restore (reading and writing commands alike, never a
 * stack trace), `restore` asking first, bringing back a secret sealed before the backup, keeping the
 * replaced file aside, and refusing while another process holds the database.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Key } from '../../shared/domain.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome, runCli } from '../support/cli.js';
import { holdWriteLock } from '../support/sqlite-lock.js';

interface Made {
  path: string;
  reason: string;
  bytes: number;
  pruned: string[];
}

function ok(result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

const newSecret = () => `sk_live_${randomBytes(18).toString('base64url')}`;

describe.skipIf(!hasIsolatedKeychain)('keywarden backup and restore', () => {
  let home: CliHome;
  let dbPath: string;
  let outside: string;

  beforeEach(async () => {
    home = makeCliHome();
    dbPath = join(home.home, 'keywarden.db');
    outside = mkdtempSync(join(tmpdir(), 'keywarden-backup-out-'));
    ok(await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
  });

  afterEach(() => {
    home.remove();
    rmSync(outside, { recursive: true, force: true });
  });

  async function addKey(name: string, secret: string): Promise<Key> {
    return ok(await home.run(['key', 'add', '--backend', 'hand', '--name', name, '--rotate-every-days', '90', '--secret-stdin', '--json'], { input: `${secret}\n` })).json<Key>();
  }

  it('a writing command makes the day\'s backup; "backup" adds one on demand and prints its path; "backup list" shows both', async () => {
    await addKey('Stripe prod', newSecret());
    const daily = ok(await home.run(['backup', 'list', '--json'])).json<Made[]>();
    expect(daily.map((backup) => backup.reason)).toEqual(['daily']);

    const text = ok(await home.run(['backup']));
    const path = text.stdout.trim();
    expect(path).toMatch(new RegExp(`^${home.home}/backups/keywarden-.*-manual\\.db$`));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home.home, 'backups')).mode & 0o777).toBe(0o700);

    const listed = ok(await home.run(['backup', 'list'])).stdout;
    expect(listed).toMatch(/MADE\s+WHY\s+SIZE\s+FILE/);
    expect(listed).toContain(path);
    expect(listed).toMatch(/daily/);

    const output = join(outside, 'inventory-backup.db');
    const made = ok(await home.run(['backup', '--output', output, '--json'])).json<Made>();
    expect(made).toMatchObject({ path: output, reason: 'manual', pruned: [] });
    const again = await home.run(['backup', '--output', output]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; a backup never overwrites a file/);
  });

  it('restore round trip: asks first, brings back the secret sealed before the backup, keeps the replaced file aside', async () => {
    const secret = newSecret();
    const key = await addKey('Stripe prod', secret);
    const backup = ok(await home.run(['backup', '--json'])).json<Made>();
    await addKey('Added later', newSecret());
    const before = readFileSync(dbPath);

    const unconfirmed = await home.run(['restore', '--latest']);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/Replace the inventory in .* with the backup .* 1 backend, 1 key, 1 cached secret.*Not confirmed: add --yes/);
    expect(readFileSync(dbPath).equals(before)).toBe(true);

    const restored = ok(await home.run(['restore', '--latest', '--yes', '--json'])).json<{ restoredFrom: string; setAside: string[]; keys: number }>();
    expect(restored).toMatchObject({ restoredFrom: backup.path, keys: 1 });
    expect(restored.setAside[0]).toMatch(/keywarden\.db\.replaced-/);

    const keys = ok(await home.run(['list', '--json'])).json<Key[]>();
    expect(keys.map((listed) => listed.name)).toEqual(['Stripe prod']);
    expect(ok(await home.run(['reveal', key.ref])).stdout.trim()).toBe(secret);
    // What was recorded after the backup is still in the file kept aside (restored into a new folder to look).
    const aside = ok(await runCli(['--home', join(outside, 'elsewhere'), 'restore', restored.setAside[0]!, '--yes', '--json'])).json<{ keys: number }>();
    expect(aside.keys).toBe(2);
  });

  it('a damaged database: reading and writing commands say so in one line naming the backup, and restore brings it back', async () => {
    await addKey('Stripe prod', newSecret());
    const backup = ok(await home.run(['backup', '--json'])).json<Made>();
    const fd = openSync(dbPath, 'r+');
    writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
    closeSync(fd);

    for (const args of [['list'], ['sync'], ['reveal', 'hand/x'], ['backup']]) {
      const result = await home.run(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toMatch(/damaged/);
      expect(result.stderr, args.join(' ')).toContain(`the newest good backup is ${backup.path}`);
      expect(result.stderr, args.join(' ')).toContain('restore --latest"');
      expect(result.stderr, args.join(' ')).not.toMatch(/ {4}at /);
    }
    const json = await home.run(['list', '--json']);
    expect(json.json()).toMatchObject({ error: { code: 'store_corrupt', details: { damaged: true, backup: backup.path } } });

    ok(await home.run(['restore', '--latest', '--yes']));
    expect(
      ok(await home.run(['list', '--json']))
        .json<Key[]>()
        .map((key) => key.name),
    ).toEqual(['Stripe prod']);
    expect(readdirSync(home.home).filter((name) => name.includes('.replaced-'))).not.toEqual([]);
  });

  it('restore is refused while another process holds the database, and nothing changes', async () => {
    await addKey('Stripe prod', newSecret());
    ok(await home.run(['backup']));
    const before = readFileSync(dbPath);
    const held = await holdWriteLock(dbPath, 1500);
    try {
      const result = await home.run(['restore', '--latest', '--yes', '--json']);
      expect(result.code).toBe(1);
      expect(result.json()).toMatchObject({ error: { code: 'store_busy', message: expect.stringMatching(/open in another process/) } });
    } finally {
      await held.done;
    }
    expect(readFileSync(dbPath).equals(before)).toBe(true);
    expect(readdirSync(home.home).filter((name) => name.includes('.replaced-'))).toEqual([]);
  });

  it('restore needs one of FILE and --latest, and names a missing file', async () => {
    expect((await home.run(['restore', '--yes'])).stderr).toMatch(/name a backup FILE or give --latest/);
    expect((await home.run(['restore', 'x.db', '--latest', '--yes'])).stderr).toMatch(/name a backup FILE or give --latest/);
    const missing = await home.run(['restore', join(outside, 'nope.db'), '--yes']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no file .*nope\.db/);
    expect(existsSync(dbPath)).toBe(true);
  });
});
