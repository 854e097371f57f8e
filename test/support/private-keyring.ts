/**
 * A keyring of a test's own: a nested D-Bus session with its own gnome-keyring, for tests that must
 * lock the keyring or count its entries without disturbing the tests running beside them in the
 * suite's shared private keyring (test/support/with-test-keychain.mjs).
 *
 * The script runs in bash with `$KW` set to the compiled CLI (`node bin/keywarden.js`), `$LOCK` to a
 * command that locks the default collection (it prints a D-Bus reply), and `$COUNT` to one that prints
 * how many "Keywarden" entries the keyring holds.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childOutput } from './child-output.js';
import { PROJECT_ROOT } from './cli.js';

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

const COUNT_SCRIPT = `require(${JSON.stringify(join(PROJECT_ROOT, 'node_modules', 'keytar'))}).findCredentials('Keywarden').then((entries) => console.log(entries.length))`;

export async function runInPrivateKeyring(script: string, env: Record<string, string> = {}): Promise<ScriptResult> {
  const root = mkdtempSync(join(tmpdir(), 'keywarden-private-keyring-'));
  mkdirSync(join(root, 'run'), { mode: 0o700 });
  mkdirSync(join(root, 'data'));
  const countScript = join(root, 'count.js');
  writeFileSync(countScript, COUNT_SCRIPT);
  // Used unquoted in the scripts ($KW ...): these paths have no spaces (checked below).
  const kw = `${process.execPath} ${join(PROJECT_ROOT, 'bin', 'keywarden.js')}`;
  if (/\s/.test(kw.replace(' ', '')) || /\s/.test(countScript)) throw new Error(`runInPrivateKeyring needs paths without spaces: ${kw}`);
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    XDG_DATA_HOME: join(root, 'data'),
    XDG_RUNTIME_DIR: join(root, 'run'),
    KW: kw,
    LOCK: 'dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login',
    COUNT: `${process.execPath} ${countScript}`,
    KEYWARDEN_HTTP_TIMEOUT_MS: '2000',
    ...env,
  };
  delete childEnv.DISPLAY;
  const wrapper = `printf %s private-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec bash -c "$0"`;
  try {
    const { code, stdout, stderr } = await childOutput(spawn('dbus-run-session', ['--', 'sh', '-c', wrapper, script], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] }));
    // dbus-daemon's own chatter is not the script's output.
    return {
      code,
      stdout,
      stderr: stderr
        .split('\n')
        .filter((line) => !line.startsWith('dbus-daemon['))
        .join('\n'),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
