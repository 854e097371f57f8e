/**
 * `keywarden ui` as an administrator runs it: in a child process it prints the URL to open (one JSON document
 * with --json), serves the console on 127.0.0.1 until SIGTERM or Ctrl-C, then exits 0 with the database closed
 * cleanly. A first run creates the data folder (the console's first-run screen). A browser that cannot be
 * opened is a notice, not an error; a port in use is an error.
 *
 * Opening the browser is replayed with a stand-in xdg-open on PATH that records its arguments and stays running
 * (as a browser would): no command line may hold a token, which another local user (`nobody`, when the tests run
 * as root) checks by reading every /proc/PID/cmdline, and the launcher file must be unreadable to that user.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, hasIsolatedKeychain, runCli } from '../support/cli.js';
import { call, login, raw, signIn } from '../support/ui-client.js';
import { waitFor } from '../support/x-display.js';

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

const isRoot = process.getuid?.() === 0;
const TOKEN = /http:\/\/127\.0\.0\.1:\d+\/\?token=([\w-]+)/g;

/** Runs a command as the user nobody (another local user); its exit code and output. */
function asNobody(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('runuser', ['-u', 'nobody', '--', 'sh', '-c', command], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Every process's command line, as this process can read them (NUL-separated arguments joined by spaces). */
function allCommandLines(): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      lines.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // the process ended meanwhile
    }
  }
  return lines;
}

/**
 * A stand-in xdg-open: it writes its PID and its arguments (one a line) to `record`, then stays running with
 * them, as a browser started on the file would.
 */
function fakeOpener(bin: string, record: string): void {
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$$" "$@" > "${record}.part" && mv "${record}.part" "${record}"\nsleep 120\n`);
  chmodSync(join(bin, 'xdg-open'), 0o755);
}

describe.skipIf(!hasIsolatedKeychain)('keywarden ui', () => {
  let folder: string;
  let running: RunningUi | null = null;
  /** The stand-in opener's process group, ended after each test. */
  let openerGroup: number | null = null;

  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    running = null;
    if (openerGroup !== null) {
      try {
        process.kill(-openerGroup, 'SIGTERM');
      } catch {
        // already gone
      }
      openerGroup = null;
    }
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
    const requestKey = await login(url.href);
    const backends = await call(Number(url.port), requestKey, 'backend:list', []);
    expect(backends).toMatchObject({ status: 200, json: [] });
    const page = await raw(Number(url.port), { path: '/' });
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
    const requestKey = await login(url.href);
    while (!/could not open a browser/.test(running.stderr())) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(running.stderr()).toMatch(/could not open a browser \(.*is not installed\); open the URL above yourself/);
    // Without a terminal there is no Enter to press: it says how else to get a new link.
    expect(running.stderr()).toMatch(/The URL above signs in one browser tab, once, within 5 minutes; run "keywarden ui" again for a new one/);
    expect((await call(Number(url.port), requestKey, 'inventory:list', [{}])).status).toBe(200);
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

  it.skipIf(process.platform !== 'linux')(
    'opens the browser on a private launcher file: no token in any command line (as another user reads them), the file 0600 and unreadable to that user, gone once used',
    async () => {
      folder = mkdtempSync(join(tmpdir(), 'keywarden-cli-ui-'));
      const record = join(folder, 'xdg-open.argv');
      fakeOpener(join(folder, 'bin'), record);
      running = startUi(['--home', join(folder, 'home'), 'ui', '--json'], { PATH: `${join(folder, 'bin')}:/usr/bin:/bin`, XDG_RUNTIME_DIR: undefined });
      const printed = new URL(await running.url);
      const printedToken = printed.searchParams.get('token')!;
      expect(await waitFor(() => existsSync(record), 30_000)).toBe(true);
      const [pid, ...args] = readFileSync(record, 'utf8').trimEnd().split('\n');
      openerGroup = Number(pid);

      // The opener got one argument: the launcher's path, in a fresh folder of the temporary folder.
      expect(args).toHaveLength(1);
      const launcher = args[0]!;
      expect(launcher).toMatch(new RegExp(`^${tmpdir()}/keywarden-ui-[^/]+/open-console\\.html$`));
      expect(statSync(launcher).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(launcher)).mode & 0o777).toBe(0o700);
      expect(statSync(launcher).uid).toBe(process.getuid!());
      const page = readFileSync(launcher, 'utf8');
      const launchTokens = [...page.matchAll(TOKEN)].map((match) => match[1]!);
      expect(new Set(launchTokens).size).toBe(1);
      const launchToken = launchTokens[0]!;
      expect(launchToken).not.toBe(printedToken);
      expect(page).toContain(`<meta http-equiv="refresh" content="0;url=${printed.origin}/?token=${launchToken}">`);
      expect(page).toContain('<meta name="referrer" content="no-referrer">');

      // No command line on the machine holds either token, the opener's included (it holds the path).
      const lines = allCommandLines();
      expect(lines.some((line) => line.includes(launcher))).toBe(true);
      for (const token of [printedToken, launchToken]) expect(lines.filter((line) => line.includes(token))).toEqual([]);

      if (isRoot) {
        // Another local user: reads every command line it can, and tries the file and its folder.
        const scan = await asNobody(`for f in /proc/[0-9]*/cmdline; do tr '\\000' ' ' < "$f" 2>/dev/null; echo; done`);
        expect(scan.stdout).toContain(launcher);
        for (const token of [printedToken, launchToken]) expect(scan.stdout).not.toContain(token);
        const read = await asNobody(`cat '${launcher}'`);
        expect(read.code).not.toBe(0);
        expect(read.stderr).toMatch(/Permission denied/);
        expect((await asNobody(`ls '${dirname(launcher)}'`)).code).not.toBe(0);
        // Nor may that user sign in with what it can see: it holds no token (a wrong one is refused like any other).
        expect((await signIn(Number(printed.port), 'guess')).status).toBe(401);
      } else {
        console.warn('cli-ui: the checks as another local user need root (runuser); skipped');
      }

      // The browser follows the launcher: its token signs in once, and the file goes with it.
      expect((await signIn(Number(printed.port), launchToken)).status).toBe(200);
      expect(existsSync(dirname(launcher))).toBe(false);
      expect((await signIn(Number(printed.port), launchToken)).status).toBe(401);
      // The printed URL is a token of its own, for another browser (an SSH tunnel): once too.
      const requestKey = await login(printed.href);
      expect((await call(Number(printed.port), requestKey, 'backend:list', [])).status).toBe(200);
      expect((await signIn(Number(printed.port), printedToken)).status).toBe(401);

      running.child.kill('SIGTERM');
      expect(await running.exited).toEqual({ code: 0, signal: null });
    },
  );

  it.skipIf(process.platform !== 'linux')('puts the launcher in $XDG_RUNTIME_DIR when it is private, and removes it at exit when it was not used', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-cli-ui-'));
    const runtime = join(folder, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const record = join(folder, 'xdg-open.argv');
    fakeOpener(join(folder, 'bin'), record);
    running = startUi(['--home', join(folder, 'home'), 'ui', '--json'], { PATH: `${join(folder, 'bin')}:/usr/bin:/bin`, XDG_RUNTIME_DIR: runtime });
    await running.url;
    expect(await waitFor(() => existsSync(record), 30_000)).toBe(true);
    const [pid, launcher] = readFileSync(record, 'utf8').trimEnd().split('\n');
    openerGroup = Number(pid);
    expect(dirname(dirname(launcher!))).toBe(runtime);
    expect(existsSync(launcher!)).toBe(true);
    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(runtime)).toEqual([]);
  });

  it.skipIf(process.platform !== 'linux')('at a terminal, Enter prints a new one-time URL; Ctrl-C stops it', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-cli-ui-'));
    // A real terminal: script(1) runs keywarden ui on a pseudo-terminal and passes what the test types. `exec`, because
    // script runs the command through $SHELL, and dash (a CI machine's /bin/sh) would stay as the parent and die of the
    // SIGINT that keywarden handles, so script would report 130 for a clean stop.
    const command = `exec '${process.execPath}' '${BIN}' --home '${join(folder, 'home')}' ui --no-open`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const tokens = () => [...output.matchAll(TOKEN)].map((match) => match[1]!);
      expect(await waitFor(() => /press Enter here for a new one/.test(output), 30_000)).toBe(true);
      expect(tokens()).toHaveLength(1);
      child.stdin.write('\n');
      expect(await waitFor(() => tokens().length === 2, 30_000)).toBe(true);
      expect(output).toMatch(/a new sign-in URL \(once, within 5 minutes\); Enter again for another/);
      const [first, second] = tokens();
      expect(second).not.toBe(first);
      const port = Number(new URL(output.match(TOKEN)![0]).port);
      for (const token of [first!, second!]) {
        expect((await signIn(port, token)).status).toBe(200);
        expect((await signIn(port, token)).status).toBe(401);
      }
      // Ctrl-C, typed: the terminal sends SIGINT.
      child.stdin.write('\u0003');
      expect(await exited).toBe(0);
      expect(output).toMatch(/SIGINT: stopping the console[\s\S]*console stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
