/**
 * Files other users can reach, through the real `keywarden` command: attacks replayed by a second local user
 * (nobody, through setpriv) in a shared sticky folder like /tmp, and data folders or passphrase files another user
 * could change. What an administrator checks: the file a planted link points to is never written, the command
 * says why it refused, an existing export is never widened (refused, or replaced by a new 0600 file with --force),
 * and a data folder or passphrase file others own or can write is refused with the command that fixes it, with
 * nothing changed. The tests that act as nobody need root, and skip saying so without it.
 */
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Key } from '../../shared/domain.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';
import { asNobody, isRoot, makeSharedFolder, NOBODY, plantLink, SKIP_NOT_ROOT } from '../support/other-user.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;
const BASHRC = 'export PATH=$HOME/bin:$PATH\n';

function ok(result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

function refused(result: CliResult, message: RegExp): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

let cli: CliHome;
let admin: string;
let victim: string;
const cleanup: string[] = [];

beforeEach(async () => {
  cli = makeCliHome();
  ok(await cli.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
  ok(await cli.run(['key', 'add', '--backend', 'hand', '--name', 'Stripe prod', '--expires-at', '2030-01-01']));
  // The administrator's own files (~/.bashrc), in a folder only they can enter.
  admin = mkdtempSync(join(tmpdir(), 'keywarden-admin-'));
  victim = join(admin, '.bashrc');
  writeFileSync(victim, BASHRC);
  cleanup.push(admin);
});

afterEach(() => {
  cli.remove();
  for (const folder of cleanup.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** Every name the previous code could give a backup's partial file in the next few thousand processes: `.<name>.<pid>.partial`. */
function plantPartialLinks(folder: string, name: string, target: string): number {
  const last = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  const pids = Array.from({ length: 3000 }, (_, i) => ((last + i) % max) + 1);
  // One perl process as nobody plants them all, the way an attacker would script it.
  plantLinks(
    target,
    pids.map((pid) => join(folder, `.${name}.${pid}.partial`)),
  );
  return pids.length;
}

function plantLinks(target: string, links: string[]): void {
  const list = join(mkdtempSync(join(tmpdir(), 'keywarden-links-')), 'list');
  cleanup.push(join(list, '..'));
  writeFileSync(list, links.join('\n'));
  chmodSync(join(list, '..'), 0o755);
  chmodSync(list, 0o644);
  // perl as nobody reads the list and makes each link.
  asNobody('open(my $f, "<", $ARGV[1]) or die; while (<$f>) { chomp; symlink($ARGV[0], $_) or die "symlink $_: $!\\n" }', target, list);
}

describe.skipIf(!isRoot)(`a shared sticky folder where another user plants links (${isRoot ? 'nobody, as root' : SKIP_NOT_ROOT})`, () => {
  let shared: string;

  beforeEach(() => {
    shared = makeSharedFolder();
    cleanup.push(shared);
  });

  it('backup --output: links at every partial name and at the final name are never followed; the backup is a new 0600 file of its own', async () => {
    const planted = plantPartialLinks(shared, 'copy.db', victim);
    const made = ok(await cli.run(['backup', '--output', join(shared, 'copy.db'), '--json'])).json<{ path: string }>();
    expect(made.path).toBe(join(shared, 'copy.db'));
    expect(readFileSync(victim, 'utf8')).toBe(BASHRC);
    const copy = lstatSync(join(shared, 'copy.db'));
    expect(copy.isFile()).toBe(true);
    expect([copy.uid, copy.mode & 0o777]).toEqual([0, 0o600]);
    expect(readFileSync(join(shared, 'copy.db')).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    // Nothing of the backup's own is left beside it; the planted links are as nobody left them.
    expect(readdirSync(shared).filter((name) => !name.endsWith('.partial'))).toEqual(['copy.db']);
    expect(readdirSync(shared).filter((name) => name.endsWith('.partial'))).toHaveLength(planted);

    // At the final name: refused, saying so; with --force the link is replaced, its target never written.
    plantLink(victim, join(shared, 'latest.db'));
    refused(await cli.run(['backup', '--output', join(shared, 'latest.db')]), /latest\.db already exists \(a symbolic link\); a backup never overwrites a file: .*--force/);
    expect(readFileSync(victim, 'utf8')).toBe(BASHRC);
    expect(readlinkSync(join(shared, 'latest.db'))).toBe(victim);
    ok(await cli.run(['backup', '--output', join(shared, 'latest.db'), '--force']));
    expect(readFileSync(victim, 'utf8')).toBe(BASHRC);
    expect(lstatSync(join(shared, 'latest.db')).isFile()).toBe(true);
    expect(modeOf(join(shared, 'latest.db'))).toBe(0o600);
  });

  it("export --output: a link at the file's name is refused, naming --force; --force replaces the link with a new 0600 file, its target never written", async () => {
    for (const [name, args] of [
      ['inventory.csv', ['export', '--format', 'csv']],
      ['evidence.json', ['export', '--evidence']],
    ] as const) {
      const path = join(shared, name);
      plantLink(victim, path);
      refused(
        await cli.run([...args, '--output', path]),
        new RegExp(`${name.replace('.', '\\.')} already exists \\(a symbolic link\\); Keywarden never writes over an existing file or through a link: .*add --force`),
      );
      expect(readFileSync(victim, 'utf8')).toBe(BASHRC);
      ok(await cli.run([...args, '--output', path, '--force']));
      expect(readFileSync(victim, 'utf8')).toBe(BASHRC);
      const written = lstatSync(path);
      expect([written.isFile(), written.uid, written.mode & 0o777]).toEqual([true, 0, 0o600]);
      expect(readFileSync(path, 'utf8')).toContain('Stripe prod');
    }
  });
});

describe('an existing file at --output', () => {
  it('export refuses an existing 0644 file and leaves it as it was; --force makes it a new 0600 file', async () => {
    const path = join(admin, 'inventory.csv');
    writeFileSync(path, 'last week\n', { mode: 0o644 });
    chmodSync(path, 0o644);
    refused(await cli.run(['export', '--format', 'csv', '--output', path]), /inventory\.csv already exists; .*choose a new name, or add --force/);
    expect([readFileSync(path, 'utf8'), modeOf(path)]).toEqual(['last week\n', 0o644]);
    ok(await cli.run(['export', '--format', 'csv', '--output', path, '--force']));
    expect(modeOf(path)).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^\uFEFFref,backend,.*\nhand\/.*Stripe prod/s);
    // --force without a file to replace is a mistake worth naming.
    refused(await cli.run(['export', '--format', 'csv', '--force']), /--force replaces an existing --output FILE/);
  });

  it('backup refuses an existing file; --force replaces it with a new 0600 copy', async () => {
    const path = join(admin, 'keywarden-latest.db');
    writeFileSync(path, 'an older copy', { mode: 0o644 });
    chmodSync(path, 0o644);
    refused(await cli.run(['backup', '--output', path]), /already exists; a backup never overwrites a file/);
    expect(readFileSync(path, 'utf8')).toBe('an older copy');
    ok(await cli.run(['backup', '--output', path, '--force']));
    expect(modeOf(path)).toBe(0o600);
    expect(readFileSync(path).subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
  });
});

describe('a data folder another user could change', () => {
  function snapshot(): Array<[string, number, number, string]> {
    return readdirSync(cli.home)
      .sort()
      .map((name) => {
        const stat = lstatSync(join(cli.home, name));
        return [name, stat.uid, stat.mode, stat.isFile() ? readFileSync(join(cli.home, name)).toString('base64') : ''];
      });
  }

  it('writable by others (0777): reading and writing commands refuse it with "chmod 700", and nothing changes', async () => {
    chmodSync(cli.home, 0o777);
    const before = snapshot();
    for (const args of [['list'], ['key', 'add', '--backend', 'hand', '--name', 'another'], ['backup']]) {
      refused(await cli.run(args), new RegExp(`the data folder ${cli.home} can be written by other users \\(mode 0777\\), so Keywarden will not use it: .*Run "chmod 700 ${cli.home}"`));
    }
    expect(modeOf(cli.home)).toBe(0o777);
    expect(snapshot()).toEqual(before);
    chmodSync(cli.home, 0o700);
    expect(
      ok(await cli.run(['list', '--json']))
        .json<Key[]>()
        .map((key) => key.name),
    ).toEqual(['Stripe prod']);
  });

  it.skipIf(!isRoot)(
    `owned by another user, or holding a database another user owns: refused with the chown that fixes it, nothing changes (${isRoot ? 'nobody, as root' : SKIP_NOT_ROOT})`,
    async () => {
      chownSync(cli.home, NOBODY.uid, NOBODY.gid);
      const before = snapshot();
      for (const args of [['list'], ['sync'], ['key', 'add', '--backend', 'hand', '--name', 'another']]) {
        refused(
          await cli.run(args),
          new RegExp(`the data folder ${cli.home} belongs to another user \\(uid ${NOBODY.uid}\\), so Keywarden will not use it: .*run "chown root ${cli.home}" as root`),
        );
      }
      expect(statSync(cli.home).uid).toBe(NOBODY.uid);
      expect(snapshot()).toEqual(before);

      chownSync(cli.home, 0, 0);
      chownSync(join(cli.home, 'keywarden.db'), NOBODY.uid, NOBODY.gid);
      refused(await cli.run(['list']), /the inventory database .*keywarden\.db belongs to another user/);
      refused(await cli.run(['restore', '--latest', '--yes']), /the inventory database .*keywarden\.db belongs to another user/);
      expect(statSync(join(cli.home, 'keywarden.db')).uid).toBe(NOBODY.uid);
    },
  );
});

describe.skipIf(!hasIsolatedKeychain)('a passphrase file other users can reach', () => {
  const noKeychain = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/keywarden-test-bus' };

  it('is refused, not read: owned by another user, or readable by others; the command reveals nothing', async () => {
    ok(await cli.run(['key', 'add', '--backend', 'hand', '--name', 'cron', '--secret-stdin'], { input: 'a-secret-that-is-long' }));
    const good = join(admin, 'passphrase');
    writeFileSync(good, 'correct horse battery staple\n', { mode: 0o600 });
    ok(await cli.run(['vault', 'add-passphrase'], { env: { KEYWARDEN_PASSPHRASE_FILE: good } }));
    const ref = ok(await cli.run(['list', '--json']))
      .json<Key[]>()
      .find((key) => key.name === 'cron')!.ref;

    const readable = join(admin, 'readable');
    copyFileSync(good, readable);
    chmodSync(readable, 0o644);
    const shown = await cli.run(['reveal', ref], { env: { ...noKeychain, KEYWARDEN_PASSPHRASE_FILE: readable } });
    refused(shown, new RegExp(`the passphrase file \\(KEYWARDEN_PASSPHRASE_FILE\\) ${readable} can be read by other users \\(mode 0644\\), .*Run "chmod 600 ${readable}"`));
    expect(shown.stdout).toBe('');

    if (isRoot) {
      const foreign = join(admin, 'foreign');
      copyFileSync(good, foreign);
      chownSync(foreign, NOBODY.uid, NOBODY.gid);
      const byNobody = await cli.run(['reveal', ref], { env: { ...noKeychain, KEYWARDEN_PASSPHRASE_FILE: foreign } });
      refused(byNobody, new RegExp(`the passphrase file \\(KEYWARDEN_PASSPHRASE_FILE\\) ${foreign} belongs to another user \\(uid ${NOBODY.uid}\\)`));
      expect(byNobody.stdout).toBe('');
    } else console.warn(`skipped the passphrase file owned by another user: ${SKIP_NOT_ROOT}`);

    expect(ok(await cli.run(['reveal', ref], { env: { ...noKeychain, KEYWARDEN_PASSPHRASE_FILE: good } })).stdout.trim()).toBe('a-secret-that-is-long');
  });
});
