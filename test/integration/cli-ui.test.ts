/**
 * `keywarden ui` as an administrator runs it: in a child process it prints the URL to open (one JSON document
 * with --json), serves the console on 127.0.0.1 until SIGTERM or Ctrl-C, then exits 0 with the database closed
 * cleanly. A first run creates the data folder (the console's first-run screen). A browser that cannot be
 * opened is a notice, not an error; a port in use is an error.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, hasIsolatedKeychain, runCli } from '../support/cli.js';
import { call, login, raw } from '../support/ui-client.js';

const BIN = join(PROJECT_ROOT, 'bin', 'keywarden.js');

interface RunningUi {
  child: ChildProcessWithoutNullStreams;
  /** The URL it printed, once stdout holds one whole JSON document (or, without --json, one line). */
  url: Promise<string>;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startUi(args: string[], env: Record<string, string | undefined> = {}): RunningUi {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (!stdout.endsWith('\n')) return;
      if (args.includes('--json')) {
        try {
          resolve((JSON.parse(stdout) as { url: string }).url);
        } catch {
          // not the whole document yet
        }
      } else {
        resolve(stdout.trim());
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`keywarden ui exited (${code ?? signal}) before printing its URL\nstdout:\n${stdout}\nstderr:\n${stderr}`)));
  });
  return { child, url, stdout: () => stdout, stderr: () => stderr, exited };
}

describe.skipIf(!hasIsolatedKeychain)('keywarden ui', () => {
  let folder: string;
  let running: RunningUi | null = null;

  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    running = null;
    rmSync(folder, { recursive: true, force: true });
  });

  it('prints one JSON document with the URL, serves the console, and on SIGTERM exits 0 with the database closed', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-cli-ui-'));
    const home = join(folder, 'first-run');
    running = startUi(['--home', home, 'ui', '--no-open', '--json']);
    const url = new URL(await running.url);
    expect(JSON.parse(running.stdout())).toEqual({ url: url.href });
    expect(url.protocol).toBe('http:');
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toBe('/');
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^[\w-]+$/);
    expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);

    // A first run: the data folder is created, and the console's API answers (nothing registered yet).
    expect(existsSync(join(home, 'keywarden.db'))).toBe(true);
    const cookie = await login(url.href);
    const backends = await call(Number(url.port), cookie, 'backend:list', []);
    expect(backends).toMatchObject({ status: 200, json: [] });
    const page = await raw(Number(url.port), { path: '/', headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');

    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(running.stderr()).toMatch(/console stopped/);
    // Closed cleanly: SQLite folds its write-ahead log into the database on the last close and removes it.
    expect(readdirSync(home).sort()).toEqual(['keywarden.db']);
    const list = await runCli(['--home', home, 'backend', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(list.json()).toEqual([]);
    await expect(raw(Number(url.port), { path: '/' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('without --no-open and no browser opener, says so and keeps serving; Ctrl-C stops it with exit 0', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-cli-ui-'));
    // An empty PATH: no xdg-open (or open) to find.
    running = startUi(['--home', folder, 'ui'], { PATH: join(folder, 'no-such-bin') });
    const url = new URL(await running.url);
    expect(running.stdout()).toBe(`${url.href}\n`);
    const cookie = await login(url.href);
    while (!/could not open a browser/.test(running.stderr())) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(running.stderr()).toMatch(/could not open a browser \(.*is not installed\); open the URL above yourself/);
    expect((await call(Number(url.port), cookie, 'inventory:list', [{}])).status).toBe(200);
    running.child.kill('SIGINT');
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });

  it('a port in use is an error with its code, and a port out of range is refused', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-cli-ui-'));
    running = startUi(['--home', folder, 'ui', '--no-open', '--json']);
    const port = new URL(await running.url).port;
    const taken = await runCli(['--home', folder, 'ui', '--no-open', '--json', '--port', port]);
    expect(taken.code).toBe(1);
    expect(taken.json()).toEqual({ error: expect.objectContaining({ code: 'conflict', message: expect.stringMatching(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`)) }) });
    const range = await runCli(['--home', folder, 'ui', '--no-open', '--port', '70000']);
    expect(range.code).toBe(1);
    expect(range.stderr).toMatch(/--port must be from 0 to 65535/);
    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });
});
