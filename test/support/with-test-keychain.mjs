#!/usr/bin/env node
/**
 * Runs a command with a private, unlocked Secret Service, so tests use a real OS keychain
 * (gnome-keyring over D-Bus) and never the keychain of the person running them.
 *
 *   node test/support/with-test-keychain.mjs <command> [args...]
 *
 * On Linux: a new D-Bus session (dbus-run-session) with gnome-keyring-daemon unlocked with a
 * throw-away password, its data in a temporary folder removed afterwards. Elsewhere the command
 * runs as is and keychain tests skip themselves (KEYWARDEN_TEST_KEYCHAIN stays unset).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error('usage: with-test-keychain.mjs <command> [args...]');
  process.exit(64);
}

function run(argv, env) {
  const result = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', env, shell: false });
  if (result.error) {
    console.error(`with-test-keychain: cannot run ${argv[0]}: ${result.error.message}`);
    return 127;
  }
  return result.status ?? 1;
}

if (process.platform !== 'linux' || process.env.KEYWARDEN_TEST_KEYCHAIN === 'isolated') {
  process.exit(run(command, process.env));
}

const missing = ['dbus-run-session', 'gnome-keyring-daemon'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
if (missing.length > 0) {
  console.error(`with-test-keychain: ${missing.join(' and ')} not found; install them with "apt-get install dbus dbus-x11 gnome-keyring libsecret-1-dev" (see .ci/run)`);
  process.exit(1);
}

const root = mkdtempSync(join(tmpdir(), 'keywarden-keyring-'));
const runtimeDir = join(root, 'run');
mkdirSync(runtimeDir, { mode: 0o700 });
mkdirSync(join(root, 'data'));
const env = {
  ...process.env,
  XDG_DATA_HOME: join(root, 'data'),
  XDG_RUNTIME_DIR: runtimeDir,
  KEYWARDEN_TEST_KEYCHAIN: 'isolated',
};
// No display: keep libsecret from trying to prompt on a desktop the tests do not own.
delete env.DISPLAY;
delete env.WAYLAND_DISPLAY;
// The daemon is unlocked with a throw-away password; --components=secrets starts only the Secret Service.
const script = 'printf %s keywarden-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"';
let status;
try {
  status = run(['dbus-run-session', '--', 'sh', '-c', script, 'sh', ...command], env);
} finally {
  rmSync(root, { recursive: true, force: true });
}
process.exit(status);
