/**
 * `keywarden demo` as a person tries it: started in one terminal, it runs the three vendor emulators
 * with sample keys and registers them; from another terminal (the same data folder) the inventory,
 * reminders and a key test work; Ctrl-C stops it cleanly, the inventory stays readable offline, and
 * sync then reports the backends as unreachable without losing anything. Running it again replaces
 * the demo backends instead of adding a second set.
 *
 * The tests below run in order and share one data folder, like the terminal session they imitate.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendSummary, Key, Reminder, SyncReport } from '../../shared/domain.js';
import { type CliHome, type CliResult, PROJECT_ROOT, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';

const BIN = join(PROJECT_ROOT, 'bin', 'keywarden.js');
const DEMO_BACKENDS = ['demo-boxwatch', 'demo-commbox', 'demo-manual', 'demo-nitrobox'];
const READY_TIMEOUT_MS = 30_000;

interface RunningDemo {
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `keywarden --home H demo` and resolves once it prints "demo ready" (rejects if it exits or hangs first). */
function startDemo(home: string): Promise<RunningDemo> {
  const child = spawn(process.execPath, [BIN, '--home', home, 'demo'], {
    env: { ...process.env, KEYWARDEN_HTTP_TIMEOUT_MS: '2000', KEYWARDEN_HTTP_BACKOFF_MS: '20' },
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

describe.skipIf(!hasIsolatedKeychain)('keywarden demo', () => {
  let home: CliHome;
  let demo: RunningDemo | null = null;

  function ok(result: CliResult): CliResult {
    if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return result;
  }

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

  it('replaces the demo backends when run again in the same data folder (no duplicates)', async () => {
    const perBackend = (keys: Key[]) => Object.fromEntries(DEMO_BACKENDS.map((name) => [name, keys.filter((key) => key.backend === name).length]));
    const before = perBackend(await listKeys());
    demo = await startDemo(home.home);
    const backends = ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>();
    expect(backends.map((backend) => backend.name).sort()).toEqual(DEMO_BACKENDS);
    // Fresh backends for the new emulators: synced, no error left over from the offline sync.
    for (const backend of backends.filter((candidate) => candidate.type !== 'manual')) expect(backend.lastError).toBeNull();
    const keys = await listKeys();
    expect(perBackend(keys)).toEqual(before);
    expect(keys.filter((key) => key.backend === 'demo-manual').map((key) => key.name).sort()).toEqual(['Payment gateway (prod)', 'SMS provider']);
    expect(await interrupt(demo)).toEqual({ code: 0, signal: null });
  });
});
