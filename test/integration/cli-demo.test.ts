/**
 * `keywarden demo` as a person tries it: started in one terminal, it runs the three vendor emulators
 * with sample keys and registers them; from another terminal (the same data folder) the inventory,
 * reminders and a key test work; Ctrl-C stops it cleanly, the inventory stays readable offline, and
 * sync then reports the backends as unreachable without losing anything. Running it again points the
 * demo backends at the new emulators instead of adding a second set, and keeps what a person added.
 * Without --home it uses a folder of its own, never the real inventory; without a keychain it still works.
 *
 * The tests below run in order and share one data folder, like the terminal session they imitate.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendSummary, Key, Reminder, SyncReport } from '../../shared/domain.js';
import { type CliHome, type CliResult, PROJECT_ROOT, hasIsolatedKeychain, makeCliHome, runCli } from '../support/cli.js';

const BIN = join(PROJECT_ROOT, 'bin', 'keywarden.js');
const DEMO_BACKENDS = ['demo-boxwatch', 'demo-commbox', 'demo-manual', 'demo-nitrobox'];
const READY_TIMEOUT_MS = 30_000;

interface RunningDemo {
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `keywarden --home H demo` (no --home when H is null) and resolves once it prints "demo ready" (rejects if it exits or hangs first). */
function startDemo(home: string | null, env: Record<string, string | undefined> = {}): Promise<RunningDemo> {
  const child = spawn(process.execPath, [BIN, ...(home === null ? [] : ['--home', home]), 'demo'], {
    env: { ...process.env, KEYWARDEN_HTTP_TIMEOUT_MS: '2000', KEYWARDEN_HTTP_BACKOFF_MS: '20', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const demo: RunningDemo = { child, stderr: () => stderr, exited };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`"keywarden demo" did not print "demo ready" within ${READY_TIMEOUT_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, READY_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.includes('demo ready')) {
        clearTimeout(timer);
        resolve(demo);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`"keywarden demo" exited (${code ?? signal}) before it was ready\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
}

/** Ctrl-C, as in the terminal; resolves with how the process ended. */
async function interrupt(demo: RunningDemo): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  demo.child.kill('SIGINT');
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`demo did not stop after SIGINT\nstderr:\n${demo.stderr()}`)), 15_000));
  return Promise.race([demo.exited, timeout]);
}

function ok(result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

describe.skipIf(!hasIsolatedKeychain)('keywarden demo', () => {
  let home: CliHome;
  let demo: RunningDemo | null = null;

  async function listKeys(): Promise<Key[]> {
    return ok(await home.run(['list', '--json'])).json<Key[]>();
  }

  beforeAll(async () => {
    home = makeCliHome();
    demo = await startDemo(home.home);
  });

  afterAll(async () => {
    if (demo && demo.child.exitCode === null && demo.child.signalCode === null) {
      demo.child.kill('SIGKILL');
      await demo.exited;
    }
    home?.remove();
  });

  it('registers the four demo backends with at least 8 keys across them', async () => {
    const backends = ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>();
    expect(backends.map((backend) => backend.name).sort()).toEqual(DEMO_BACKENDS);
    const keys = await listKeys();
    expect(keys.length).toBeGreaterThanOrEqual(8);
    for (const name of DEMO_BACKENDS) expect(keys.some((key) => key.backend === name)).toBe(true);
    expect(new Set(keys.map((key) => key.backendType))).toEqual(new Set(['commbox', 'boxwatch', 'nitrobox', 'manual']));
  });

  it('shows every kind of reminder: an overdue rotation, a grace end, and an expiry within 30 days', async () => {
    const due = ok(await home.run(['reminders', '--json'])).json<Reminder[]>();
    expect(due.some((reminder) => reminder.kind === 'rotation' && reminder.daysLeft < 0 && reminder.threshold === 'overdue')).toBe(true);
    expect(due.some((reminder) => reminder.kind === 'grace-end' && reminder.daysLeft >= 0)).toBe(true);
    expect(due.some((reminder) => reminder.kind === 'expiry' && reminder.daysLeft >= 0 && reminder.daysLeft <= 30)).toBe(true);
    for (const reminder of due) expect(reminder.daysLeft).toBeLessThanOrEqual(30);
  });

  it('tests the BoxWatch demo key against the running emulator', async () => {
    const keys = await listKeys();
    const boxwatch = keys.filter((key) => key.backend === 'demo-boxwatch');
    expect(boxwatch).toHaveLength(1);
    const result = ok(await home.run(['test', boxwatch[0]!.ref, '--json']));
    expect(result.json()).toMatchObject({ ref: boxwatch[0]!.ref, ok: true });
  });

  it('stops on Ctrl-C with exit 0', async () => {
    const ended = await interrupt(demo!);
    expect(ended).toEqual({ code: 0, signal: null });
    expect(demo!.stderr()).toMatch(/demo stopped/);
  });

  it('keeps the inventory readable offline; sync then exits 2 and keeps the cached keys', async () => {
    expect(demo!.child.exitCode).not.toBeNull();
    const before = await listKeys();
    expect(before.length).toBeGreaterThanOrEqual(8);

    const sync = await home.run(['sync', '--json']);
    expect(sync.code).toBe(2);
    const report = sync.json<SyncReport>();
    expect(report.ok).toBe(false);
    expect(report.results.map((result) => result.backend).sort()).toEqual(['demo-boxwatch', 'demo-commbox', 'demo-nitrobox']);
    expect(report.results.every((result) => !result.ok && result.error !== null)).toBe(true);

    const after = await listKeys();
    expect(after.map((key) => key.ref).sort()).toEqual(before.map((key) => key.ref).sort());
    const backends = ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>();
    for (const backend of backends.filter((candidate) => candidate.type !== 'manual')) expect(backend.lastError).not.toBeNull();
  });

  it('follows the new emulators when run again in the same data folder: no duplicates, and a key added by hand stays', async () => {
    const perBackend = (keys: Key[]) => Object.fromEntries(DEMO_BACKENDS.map((name) => [name, keys.filter((key) => key.backend === name).length]));
    ok(await home.run(['key', 'add', '--backend', 'demo-manual', '--name', 'Added by hand', '--expires-at', '2031-01-31', '--secret-stdin'], { input: 'hand-entered-secret-value' }));
    const before = perBackend(await listKeys());
    demo = await startDemo(home.home);
    const backends = ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>();
    expect(backends.map((backend) => backend.name).sort()).toEqual(DEMO_BACKENDS);
    // Fresh backends for the new emulators: synced, no error left over from the offline sync.
    for (const backend of backends.filter((candidate) => candidate.type !== 'manual')) expect(backend.lastError).toBeNull();
    const keys = await listKeys();
    expect(perBackend(keys)).toEqual(before);
    expect(
      keys
        .filter((key) => key.backend === 'demo-manual')
        .map((key) => key.name)
        .sort(),
    ).toEqual(['Added by hand', 'Payment gateway (prod)', 'SMS provider']);
    const byHand = keys.find((key) => key.name === 'Added by hand')!;
    expect(ok(await home.run(['reveal', byHand.ref])).stdout.trim()).toBe('hand-entered-secret-value');
    expect(await interrupt(demo)).toEqual({ code: 0, signal: null });
  });
});

describe.skipIf(!hasIsolatedKeychain)('keywarden demo without --home', () => {
  let config: CliHome;

  beforeAll(() => {
    config = makeCliHome();
  });

  afterAll(() => config.remove());

  it("uses a data folder of its own beside the app's, never the app's inventory, and says which", async () => {
    // XDG_CONFIG_HOME puts the app's default folder (and so the demo's) inside this test's folder.
    const demo = await startDemo(null, { XDG_CONFIG_HOME: config.home, KEYWARDEN_HOME: join(config.home, 'real-inventory') });
    try {
      const demoHome = join(config.home, 'Keywarden-demo');
      expect(demo.stderr()).toContain(demoHome);
      expect(existsSync(join(demoHome, 'keywarden.db'))).toBe(true);
      expect(existsSync(join(config.home, 'Keywarden'))).toBe(false);
      expect(existsSync(join(config.home, 'real-inventory'))).toBe(false);
    } finally {
      await interrupt(demo);
    }
  });

  it('works on a machine with no OS keychain, says so in one line, and reveals with the passphrase file it names', async () => {
    const home = join(config.home, 'no-keychain-demo');
    // No D-Bus session: keytar cannot reach any Secret Service, as on a server over SSH.
    const noKeychain = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/keywarden-test-bus' };
    const demo = await startDemo(home, noKeychain);
    try {
      const lines = demo
        .stderr()
        .split('\n')
        .filter((line) => /No OS keychain here/.test(line));
      expect(lines).toHaveLength(1);
      const passphraseFile = join(home, 'demo-passphrase');
      expect(lines[0]).toContain(passphraseFile);
      expect(statSync(passphraseFile).mode & 0o777).toBe(0o600);
      // What works from another terminal: Test reads the sealed secret as Reveal does, so both are said to need the file.
      const hint = demo
        .stderr()
        .split('\n')
        .find((line) => line.includes('In another terminal'))!;
      expect(hint).toContain(`test REF and reveal REF need KEYWARDEN_PASSPHRASE_FILE=${passphraseFile}`);
      expect(hint).not.toMatch(/show REF, test REF/);
      const keys = ok(await runCli(['--home', home, 'list', '--json'], { env: noKeychain })).json<Key[]>();
      const manual = keys.find((key) => key.name === 'Payment gateway (prod)')!;
      const revealed = ok(await runCli(['--home', home, 'reveal', manual.ref], { env: { ...noKeychain, KEYWARDEN_PASSPHRASE_FILE: passphraseFile } }));
      expect(revealed.stdout.trim()).toMatch(/^demo_/);
      // Without the passphrase, the refusal names both ways in.
      const refused = await runCli(['--home', home, 'reveal', manual.ref], { env: noKeychain });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/KEYWARDEN_PASSPHRASE_FILE/);
    } finally {
      await interrupt(demo);
    }
  });
});
