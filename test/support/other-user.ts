/**
 * A second local user, for attacks replayed as they really happen: `nobody` (no groups) plants links and files
 * with its own processes (setpriv), in folders it can really write. Only root can switch user: the tests that
 * need it skip themselves elsewhere (a CI that does not run as root), saying why.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const isRoot = process.getuid?.() === 0;
export const SKIP_NOT_ROOT = 'needs root to act as a second local user (nobody) with setpriv';

/** nobody's uid and gid, as the system names them. */
export const NOBODY = isRoot
  ? { uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })) }
  : { uid: -1, gid: -1 };

/**
 * Runs perl (perl-base is on every Debian system; nobody cannot run the Node under root's home) as nobody, with
 * no supplementary groups. `script` gets `args` in @ARGV.
 */
export function asNobody(script: string, ...args: string[]): string {
  return execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'perl', '-e', script, ...args], { encoding: 'utf8', cwd: '/' });
}

/** nobody makes a symbolic link at `link` pointing to `target`. */
export function plantLink(target: string, link: string): void {
  asNobody('symlink($ARGV[0], $ARGV[1]) or die "symlink: $!\\n"', target, link);
}

/** A shared folder like /tmp: anyone may create entries, only their owner may remove or rename them (1777). */
export function makeSharedFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'keywarden-shared-'));
  chmodSync(folder, 0o1777);
  return folder;
}
