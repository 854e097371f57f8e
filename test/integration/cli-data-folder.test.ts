/**
 * The data folder as several processes and a careful administrator see it, through the real CLI:
 * - parallel first uses of a new folder agree on one schema and one data key (no lost secret, no
 *   stray keychain entry);
 * - the folder is private (0700) and so are the database and its WAL and shared-memory files (0600);
 * - reading commands never create a folder, name a mistyped one, and work on a read-only copy;
 * - a locked keyring is reported as locked, never as a missing key with destructive advice;
 * - `vault reset` is the one explicit way to start over, and removes what Keywarden made in the keychain;
 * - the passphrase opens the same data key on a machine without a keychain.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished as afterThis } from 'vitest';
import type { Key } from '../../shared/domain.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome, runCli } from '../support/cli.js';
import { runInPrivateKeyring } from '../support/private-keyring.js';

function ok(result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe.skipIf(!hasIsolatedKeychain)('the data folder through the CLI', () => {
  let cli: CliHome;

  beforeEach(() => {
    cli = makeCliHome();
  });

  afterEach(() => cli.remove());

  it('four processes opening a new folder at once all succeed: the schema is created once', async () => {
    for (let round = 0; round < 6; round++) {
      const home = join(cli.home, `round-${round}`);
      const results = await Promise.all([0, 1, 2, 3].map((i) => runCli(['--home', home, 'backend', 'add', '--type', 'manual', '--name', `hand-${i}`])));
      for (const result of results) ok(result);
      const backends = ok(await runCli(['--home', home, 'backend', 'list', '--json'])).json<Array<{ name: string }>>();
      expect(backends.map((backend) => backend.name).sort()).toEqual(['hand-0', 'hand-1', 'hand-2', 'hand-3']);
    }
  });

  it('four processes caching the first secrets of a new folder at once agree on one data key and leave one keychain entry', async () => {
    // Its own keyring, so the count of entries is this test's alone.
    const result = await runInPrivateKeyring(
      `set -e
       for round in 1 2 3 4; do
         home="$ROOT/round-$round"
         $KW --home "$home" backend add --type manual --name hand >/dev/null
         for i in 1 2 3 4; do printf 'secret-%s-%s-long-enough' $round $i | $KW --home "$home" key add --backend hand --name "key-$i" --secret-stdin >/dev/null 2>&1 & done
         wait
         for ref in $($KW --home "$home" list --json | node -e 'for (const k of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(k.ref)'); do
           $KW --home "$home" reveal "$ref"
         done
       done
       echo "entries=$($COUNT)"`,
      { ROOT: cli.home },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const revealed = result.stdout.trim().split('\n');
    expect(revealed.pop()).toBe('entries=4'); // one data key per folder, no stray candidates
    expect(revealed.sort()).toEqual([1, 2, 3, 4].flatMap((round) => [1, 2, 3, 4].map((i) => `secret-${round}-${i}-long-enough`)).sort());
  });

  it('creates the folder 0700 and the database, WAL and shared-memory files 0600; narrows an existing 0755 folder', async () => {
    const fresh = join(cli.home, 'fresh');
    ok(await runCli(['--home', fresh, 'backend', 'add', '--type', 'manual', '--name', 'hand']));
    ok(await runCli(['--home', fresh, 'key', 'add', '--backend', 'hand', '--name', 'k', '--secret-stdin'], { input: 'a-secret-that-is-long' }));
    expect(modeOf(fresh)).toBe(0o700);
    for (const file of ['keywarden.db', 'keywarden.db-wal', 'keywarden.db-shm']) {
      if (existsSync(join(fresh, file))) expect(modeOf(join(fresh, file)), file).toBe(0o600);
    }
    expect(modeOf(join(fresh, 'keywarden.db'))).toBe(0o600);

    const existing = join(cli.home, 'existing');
    mkdirSync(existing, { mode: 0o755 });
    chmodSync(existing, 0o755);
    ok(await runCli(['--home', existing, 'backend', 'add', '--type', 'manual', '--name', 'hand']));
    expect(modeOf(existing)).toBe(0o700);
    // A folder that holds other things too (a home folder given as --home) is left as it is, with a warning.
    const shared = join(cli.home, 'shared');
    mkdirSync(shared, { mode: 0o755 });
    chmodSync(shared, 0o755);
    writeFileSync(join(shared, 'notes.txt'), "not Keywarden's");
    const warned = ok(await runCli(['--home', shared, 'backend', 'add', '--type', 'manual', '--name', 'hand']));
    expect(warned.stderr).toMatch(/readable by other users and holds other files/);
    expect(modeOf(shared)).toBe(0o755);
    expect(modeOf(join(shared, 'keywarden.db'))).toBe(0o600);

    chmodSync(join(existing, 'keywarden.db'), 0o644);
    ok(await runCli(['--home', existing, 'key', 'add', '--backend', 'hand', '--name', 'k']));
    expect(modeOf(join(existing, 'keywarden.db'))).toBe(0o600);
  });

  it('a reading command on a mistyped folder names it and creates nothing', async () => {
    const typo = join(cli.home, 'no-such-folder');
    for (const args of [['list'], ['reminders'], ['show', 'x/y'], ['sync'], ['export', '--format', 'json']]) {
      const result = await runCli(['--home', typo, ...args]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(typo);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(typo)).toBe(false);
  });

  it('lists a data folder on a read-only mount', async () => {
    const home = join(cli.home, 'snapshot');
    ok(await runCli(['--home', home, 'backend', 'add', '--type', 'manual', '--name', 'hand']));
    ok(await runCli(['--home', home, 'key', 'add', '--backend', 'hand', '--name', 'Stripe prod', '--expires-at', '2030-01-01']));
    let canMount = true;
    try {
      execFileSync('unshare', ['-rm', 'true'], { stdio: 'ignore' });
    } catch {
      canMount = false;
    }
    if (!canMount) return void console.warn('skipped: unshare cannot make a mount namespace here');
    // A private mount namespace where the folder is mounted read-only: every write fails with EROFS.
    const bin = join(__dirname, '..', '..', 'bin', 'keywarden.js');
    const script = `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && touch "$1/probe" 2>/dev/null && exit 9; exec "$2" "$3" --home "$1" "$4" --json`;
    const run = (command: string) => {
      try {
        return {
          code: 0,
          stdout: execFileSync('unshare', ['-rm', 'sh', '-c', script, 'sh', home, process.execPath, bin, command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
          stderr: '',
        };
      } catch (error) {
        const failed = error as { status: number; stdout: string; stderr: string };
        return { code: failed.status, stdout: failed.stdout, stderr: failed.stderr };
      }
    };
    const listed = run('list');
    expect(listed).toMatchObject({ code: 0 });
    expect((JSON.parse(listed.stdout) as Key[]).map((key) => key.name)).toEqual(['Stripe prod']);
    expect(run('reminders').code).toBe(0);
    // A command that must write says why it cannot, in one line.
    const sync = run('sync');
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(/read-only/);
    expect(sync.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a locked keyring is reported as locked, with no advice to remove anything; unlocking is all it takes', async () => {
    const result = await runInPrivateKeyring(
      `home="$ROOT/locked"
       $KW --home "$home" backend add --type manual --name hand >/dev/null
       printf 'a-secret-that-is-long' | $KW --home "$home" key add --backend hand --name k --secret-stdin >/dev/null
       ref=$($KW --home "$home" list --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].ref)')
       $LOCK >/dev/null
       $KW --home "$home" reveal "$ref"; echo "reveal-exit=$?"
       printf 'another-secret-long' | $KW --home "$home" key add --backend hand --name k2 --secret-stdin; echo "add-exit=$?"
       $KW --home "$home" vault status
       echo "entries=$($COUNT)"`,
      { ROOT: cli.home },
    );
    expect(result.stdout).toContain('reveal-exit=1');
    expect(result.stdout).toContain('add-exit=1');
    expect(result.stderr).toMatch(/keychain is locked/);
    expect(result.stderr).toMatch(/unlock/);
    expect(result.stderr).not.toMatch(/missing|not in the OS keychain|remove the backends|vault reset/);
    expect(result.stdout).toMatch(/keychain: .*LOCKED/);
  });

  it('vault reset drops cached secrets, keeps the inventory, and removes the keychain entry it made', async () => {
    const result = await runInPrivateKeyring(
      `set -e
       home="$ROOT/reset"
       $KW --home "$home" backend add --type manual --name hand >/dev/null
       printf 'a-secret-that-is-long' | $KW --home "$home" key add --backend hand --name k --secret-stdin >/dev/null
       echo "before=$($COUNT)"
       $KW --home "$home" vault reset --yes >/dev/null
       echo "after=$($COUNT)"
       $KW --home "$home" list --json | node -e 'const k = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log("keys=" + k.length + " cached=" + k[0].secretCached)'
       $KW --home "$home" vault status --json | node -e 'console.log("created=" + JSON.parse(require("fs").readFileSync(0, "utf8")).created)'
       printf 'a-new-secret-long' | $KW --home "$home" key add --backend hand --name k2 --secret-stdin >/dev/null
       echo "again=$($COUNT)"`,
      { ROOT: cli.home },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(['before=1', 'after=0', 'keys=1 cached=false', 'created=false', 'again=1']);
  });

  it('vault reset asks for confirmation and changes nothing without it', async () => {
    ok(await cli.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
    ok(await cli.run(['key', 'add', '--backend', 'hand', '--name', 'k', '--secret-stdin'], { input: 'a-secret-that-is-long' }));
    const refused = await cli.run(['vault', 'reset']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--yes/);
    const [key] = ok(await cli.run(['list', '--json'])).json<Key[]>();
    expect(key!.secretCached).toBe(true);
  });

  it('a passphrase opens the same data key where no keychain is reachable; it is never stored', async () => {
    // The passphrase file lives outside the data folder, as it would in a real setup.
    const secrets = makeCliHome();
    const passphraseFile = join(secrets.home, 'passphrase');
    writeFileSync(passphraseFile, 'correct horse battery staple\n', { mode: 0o600 });
    afterThis(() => secrets.remove());
    const home = join(cli.home, 'data');
    ok(await runCli(['--home', home, 'backend', 'add', '--type', 'manual', '--name', 'hand']));
    ok(await runCli(['--home', home, 'key', 'add', '--backend', 'hand', '--name', 'k', '--secret-stdin'], { input: 'a-secret-that-is-long' }));
    ok(await runCli(['--home', home, 'vault', 'add-passphrase'], { env: { KEYWARDEN_PASSPHRASE_FILE: passphraseFile } }));
    for (const content of cli.filesContent()) expect(content.includes(Buffer.from('correct horse battery staple'))).toBe(false);
    const status = ok(await runCli(['--home', home, 'vault', 'status', '--json'])).json<{ keychain: string; passphraseSlot: unknown }>();
    expect(status).toMatchObject({ keychain: 'holds-key', passphraseSlot: { kdf: 'scrypt', N: 131072, r: 8, p: 1 } });

    // A cron job or an SSH session: no D-Bus, so no Secret Service.
    const noKeychain = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/keywarden-test-bus' };
    const [key] = ok(await runCli(['--home', home, 'list', '--json'], { env: noKeychain })).json<Key[]>();
    const refused = await runCli(['--home', home, 'reveal', key!.ref], { env: noKeychain });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/KEYWARDEN_PASSPHRASE_FILE/);
    const revealed = ok(await runCli(['--home', home, 'reveal', key!.ref], { env: { ...noKeychain, KEYWARDEN_PASSPHRASE_FILE: passphraseFile } }));
    expect(revealed.stdout.trim()).toBe('a-secret-that-is-long');
    const wrongFile = join(secrets.home, 'wrong');
    writeFileSync(wrongFile, 'not the right passphrase', { mode: 0o600 });
    const wrong = await runCli(['--home', home, 'reveal', key!.ref], { env: { ...noKeychain, KEYWARDEN_PASSPHRASE_FILE: wrongFile } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/passphrase does not open/);
  });
});
