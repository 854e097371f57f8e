/**
 * `npm start` (tools/start/start.mjs) as it runs: here Electron's runtime cannot start (it is never downloaded in
 * CI, and these tests have no display), so it must say why in one line and serve the console with `keywarden ui`,
 * passing --no-open --json through; the console answers, and SIGTERM stops it cleanly. The desktop path is run too,
 * against a stand-in Electron (ELECTRON_OVERRIDE_DIST_PATH, Electron's own variable) in a copy of the launcher:
 * Electron must be started on the project with the Electron build of better-sqlite3 named in
 * KEYWARDEN_SQLITE_BINDING, and get the stop signal.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, hasIsolatedKeychain } from '../support/cli.js';
import { call, login, raw } from '../support/ui-client.js';
import { waitFor } from '../support/x-display.js';

interface Launcher {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `detached`: the launcher leads a process group of its own, as `npm start` is the foreground group of a terminal. */
function launch(root: string, args: string[], env: Record<string, string | undefined>, options: { detached?: boolean } = {}): Launcher {
  const child = spawn(process.execPath, [join(root, 'tools', 'start', 'start.mjs'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The URL `keywarden ui --json` printed: one JSON document on stdout. */
async function consoleUrl(launcher: Launcher): Promise<URL> {
  const printed = await waitFor(() => {
    try {
      return typeof (JSON.parse(launcher.stdout()) as { url?: unknown }).url === 'string';
    } catch {
      return launcher.child.exitCode !== null;
    }
  }, 50_000);
  if (!printed || launcher.child.exitCode !== null) throw new Error(`no console URL\nstdout:\n${launcher.stdout()}\nstderr:\n${launcher.stderr()}`);
  return new URL((JSON.parse(launcher.stdout()) as { url: string }).url);
}

/** The launcher's lines that say which way it went (not the build's output, nor keywarden ui's own lines). */
const decisionLines = (stderr: string) => stderr.split('\n').filter((line) => /^keywarden start: (the desktop app|starting|serving)/.test(line));

/**
 * Whether the stand-in Electron's record is there and whole: it is written with writeFileSync, which creates the file
 * before it fills it, so on a loaded machine a reader can find it empty.
 */
function holdsJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasIsolatedKeychain || process.platform !== 'linux')('npm start', () => {
  let folder = '';
  let running: Launcher | null = null;

  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      // SIGTERM first, which the launcher passes on to a stand-in Electron; SIGKILL if it does not end.
      running.child.kill('SIGTERM');
      const killer = setTimeout(() => running?.child.kill('SIGKILL'), 5000);
      await running.exited;
      clearTimeout(killer);
    }
    running = null;
    rmSync(folder, { recursive: true, force: true });
  });

  it('where the desktop app cannot start, says why in one line and serves the console; SIGTERM stops it', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-start-'));
    const home = join(folder, 'home');
    running = launch(PROJECT_ROOT, ['--no-open', '--json'], { KEYWARDEN_HOME: home, DISPLAY: undefined, WAYLAND_DISPLAY: undefined });
    const url = await consoleUrl(running);

    expect(decisionLines(running.stderr())).toEqual([
      'keywarden start: the desktop app cannot start: no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set); serving the console with "keywarden ui" instead',
    ]);
    // stdout holds keywarden ui's one JSON document and nothing else (the build's output, if any, went to stderr).
    expect(JSON.parse(running.stdout())).toEqual({ url: url.href });
    expect(url.hostname).toBe('127.0.0.1');

    // The console answers: without a session its API refuses, the URL's token signs in; its first run is empty
    // (the console then offers the demo).
    const port = Number(url.port);
    expect((await call(port, '', 'backend:list', [])).status).toBe(401);
    const requestKey = await login(url.href);
    expect(await call(port, requestKey, 'backend:list', [])).toMatchObject({ status: 200, json: [] });
    expect(existsSync(join(home, 'keywarden.db'))).toBe(true);

    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(running.stderr()).toMatch(/SIGTERM: stopping the console[\s\S]*console stopped/);
    await expect(raw(port, { path: '/' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('with a display but no Electron runtime, says so, and Ctrl-C (echoed by npm) stops the console once, cleanly', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-start-'));
    // An empty folder where Electron's runtime should be: what an install with ELECTRON_SKIP_BINARY_DOWNLOAD leaves.
    mkdirSync(join(folder, 'no-electron'));
    running = launch(PROJECT_ROOT, ['--no-open', '--json'], { KEYWARDEN_HOME: join(folder, 'home'), DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: join(folder, 'no-electron') });
    await consoleUrl(running);
    expect(decisionLines(running.stderr())).toEqual([
      `keywarden start: the desktop app cannot start: ELECTRON_OVERRIDE_DIST_PATH names a folder with no Electron runtime (${join(folder, 'no-electron', 'electron')}); serving the console with "keywarden ui" instead`,
    ]);
    // Ctrl-C in a terminal reaches the launcher, and `npm start` sends it once more: one clean stop, not a kill.
    running.child.kill('SIGINT');
    running.child.kill('SIGINT');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(running.stderr().match(/SIGINT: stopping the console/g)).toHaveLength(1);
    expect(running.stderr()).toMatch(/console stopped/);
  });

  /**
   * A copy of the launcher in a project of its own, with a built main process (a placeholder), the real
   * node_modules and the real compiled CLI, and a stand-in Electron that records how it was started.
   */
  function fakeProject(electronScript: string, options: { installer?: string } = {}): { root: string; record: string } {
    const root = join(folder, 'project');
    for (const tool of ['start', 'native']) cpSync(join(PROJECT_ROOT, 'tools', tool), join(root, 'tools', tool), { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'keywarden', main: 'dist/electron/main/main.js' }));
    mkdirSync(join(root, 'dist', 'electron', 'main'), { recursive: true });
    writeFileSync(join(root, 'dist', 'electron', 'main', 'main.js'), '// the desktop app, stood in for\n');
    if (options.installer === undefined) {
      symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
    } else {
      // A fresh clone: the electron package without its runtime, and an install.js of the test's (the real one
      // downloads). The launcher needs nothing else from node_modules here (the console's CLI is the real one, below).
      mkdirSync(join(root, 'node_modules', 'electron'), { recursive: true });
      writeFileSync(join(root, 'node_modules', 'electron', 'package.json'), JSON.stringify({ name: 'electron', version: '45.4.1' }));
      writeFileSync(join(root, 'node_modules', 'electron', 'install.js'), options.installer);
    }
    symlinkSync(join(PROJECT_ROOT, 'dist', 'electron', 'cli'), join(root, 'dist', 'electron', 'cli'));
    const record = join(folder, 'electron.json');
    mkdirSync(join(folder, 'electron-dist'));
    // Whatever happens to the test, the stand-in ends with the launcher that started it (it would be reparented).
    const orphaned = `const launcher = process.ppid;\nsetInterval(() => { if (process.ppid !== launcher) process.exit(0); }, 200).unref();\n`;
    writeFileSync(join(folder, 'electron-dist', 'electron'), `#!${process.execPath}\nconst record = ${JSON.stringify(record)};\n${orphaned}${electronScript}`, { mode: 0o755 });
    return { root, record };
  }

  /** A stand-in Electron that answers --version, records how it was started, and every stop signal it receives. */
  const RECORDING_ELECTRON = `
      if (process.argv[2] === '--version') { console.log('v45.4.1'); process.exit(0); }
      const fs = require('node:fs');
      const seen = { argv: process.argv.slice(2), binding: process.env.KEYWARDEN_SQLITE_BINDING, signals: [] };
      fs.writeFileSync(record, JSON.stringify(seen));
      let stopping = false;
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
        process.on(signal, () => {
          seen.signals.push(signal);
          fs.writeFileSync(record, JSON.stringify(seen));
          // A graceful shutdown takes a while (the clipboard, the database): a second signal would land in it.
          if (!stopping) setTimeout(() => process.exit(0), 400);
          stopping = true;
        });
      }
      setInterval(() => {}, 1000);
    `;

  /** The electron package's install.js as the test wants it: one that "downloads" the stand-in, or one that fails offline. */
  const installer = (works: boolean) =>
    works
      ? `const fs = require('node:fs'); const path = require('node:path');
         process.stderr.write('Downloading electron-v45.4.1-linux-x64.zip: 100%\\n');
         fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });
         fs.copyFileSync(${JSON.stringify(join(folder, 'electron-dist', 'electron'))}, path.join(__dirname, 'dist', 'electron'));
         fs.chmodSync(path.join(__dirname, 'dist', 'electron'), 0o755);
         fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');`
      : `process.stderr.write('RequestError: getaddrinfo ENOTFOUND github.com\\n'); process.exit(1);`;

  // Electron's installation docs ("Binary download step"): since Electron 42 `npm install` leaves the runtime out, and
  // the package's install script downloads it. On a fresh clone `npm start` must run it, show it, and go on.
  it("on a fresh clone, runs Electron's own installer (its output shown), then starts the runtime it installed", async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-start-'));
    const { root, record } = fakeProject(RECORDING_ELECTRON, { installer: installer(true) });
    const binding = join(folder, 'better_sqlite3.node');
    writeFileSync(binding, '');
    running = launch(root, [], { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: undefined, ELECTRON_SKIP_BINARY_DOWNLOAD: undefined, KEYWARDEN_SQLITE_BINDING: binding });
    expect(await waitFor(() => holdsJson(record), 20_000)).toBe(true);
    expect(running.stderr()).toMatch(/Electron's runtime is not installed yet: downloading Electron 45\.4\.1 with "node node_modules\/electron\/install\.js"/);
    expect(running.stderr()).toContain('Downloading electron-v45.4.1-linux-x64.zip: 100%');
    expect(decisionLines(running.stderr())).toEqual([`keywarden start: starting the desktop app (Electron 45.4.1; better-sqlite3 for Electron: ${binding})`]);
    expect(JSON.parse(readFileSync(record, 'utf8'))).toMatchObject({ argv: [root], binding });
  });

  it('when the installer fails (offline), says why in one paragraph and serves the console', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-start-'));
    const { root, record } = fakeProject(RECORDING_ELECTRON, { installer: installer(false) });
    running = launch(root, ['--no-open', '--json'], { KEYWARDEN_HOME: join(folder, 'home'), DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: undefined, ELECTRON_SKIP_BINARY_DOWNLOAD: undefined });
    await consoleUrl(running);
    // The installer's own message is on the terminal, then the reason.
    expect(running.stderr()).toContain('RequestError: getaddrinfo ENOTFOUND github.com');
    expect(decisionLines(running.stderr())).toEqual([
      `keywarden start: the desktop app cannot start: Electron's runtime is not installed and could not be downloaded (the installer ended with exit code 1; its own message is above). Since Electron 42, "npm install" no longer downloads it; the launcher ran the package's own installer, "node node_modules/electron/install.js", which fetches it from GitHub (or ELECTRON_MIRROR) and needs the network. Run that command again once online, or name an unpacked Electron with ELECTRON_OVERRIDE_DIST_PATH; serving the console with "keywarden ui" instead`,
    ]);
    expect(existsSync(record)).toBe(false);
    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });

  it('with ELECTRON_SKIP_BINARY_DOWNLOAD=1, downloads nothing and says so', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-start-'));
    const marker = join(folder, 'installer-ran');
    const { root } = fakeProject(RECORDING_ELECTRON, { installer: `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '');` });
    running = launch(root, ['--no-open', '--json'], { KEYWARDEN_HOME: join(folder, 'home'), DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: undefined, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    await consoleUrl(running);
    expect(decisionLines(running.stderr())).toEqual([expect.stringContaining('ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it was not downloaded')]);
    expect(existsSync(marker)).toBe(false);
  });

  // Ctrl-C in a terminal sends SIGINT to the whole foreground process group, and npm sends it to the launcher once
  // more. Electron runs in a group of its own, so the only signal it gets is the one the launcher passes on.
  it('Ctrl-C under npm start reaches Electron exactly once: it runs in its own process group', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-start-'));
    const { root, record } = fakeProject(RECORDING_ELECTRON);
    const binding = join(folder, 'better_sqlite3.node');
    writeFileSync(binding, '');
    running = launch(root, [], { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: join(folder, 'electron-dist'), KEYWARDEN_SQLITE_BINDING: binding }, { detached: true });
    expect(await waitFor(() => holdsJson(record), 20_000)).toBe(true);
    const group = running.child.pid!;
    process.kill(-group, 'SIGINT');
    running.child.kill('SIGINT');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse(readFileSync(record, 'utf8'))).toMatchObject({ signals: ['SIGINT'] });
  });

  it('where Electron can start, starts it on the project with the Electron build of better-sqlite3, and passes SIGTERM on', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-start-'));
    const { root, record } = fakeProject(`
      if (process.argv[2] === '--version') { console.log('v45.4.1'); process.exit(0); }
      const fs = require('node:fs');
      const seen = { argv: process.argv.slice(2), binding: process.env.KEYWARDEN_SQLITE_BINDING, home: process.env.KEYWARDEN_HOME, signal: null };
      fs.writeFileSync(record, JSON.stringify(seen));
      process.on('SIGTERM', () => { seen.signal = 'SIGTERM'; fs.writeFileSync(record, JSON.stringify(seen)); process.exit(0); });
      setInterval(() => {}, 1000);
    `);
    // A binding given by the administrator is used as is (a build made elsewhere); here any existing file will do.
    const binding = join(folder, 'better_sqlite3.node');
    writeFileSync(binding, '');
    running = launch(root, ['--home', join(folder, 'home')], { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: join(folder, 'electron-dist'), KEYWARDEN_SQLITE_BINDING: binding });
    expect(await waitFor(() => holdsJson(record), 20_000)).toBe(true);
    expect(decisionLines(running.stderr())).toEqual([`keywarden start: starting the desktop app (Electron 45.4.1; better-sqlite3 for Electron: ${binding})`]);
    expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual({ argv: [root], binding, home: join(folder, 'home'), signal: null });

    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse(readFileSync(record, 'utf8'))).toMatchObject({ signal: 'SIGTERM' });
  });

  it('where Electron is there but cannot start, says why it failed and serves the console', async () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-start-'));
    const { root, record } = fakeProject(`
      require('node:fs').writeFileSync(record, JSON.stringify(process.argv.slice(2)));
      process.stderr.write('electron: error while loading shared libraries: libnss3.so: cannot open shared object file: No such file or directory\\n');
      process.exit(127);
    `);
    running = launch(root, ['--no-open', '--json'], { KEYWARDEN_HOME: join(folder, 'home'), DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: join(folder, 'electron-dist') });
    await consoleUrl(running);
    expect(decisionLines(running.stderr())).toEqual([
      `keywarden start: the desktop app cannot start: Electron's runtime cannot start here (electron: error while loading shared libraries: libnss3.so: cannot open shared object file: No such file or directory); serving the console with "keywarden ui" instead`,
    ]);
    // Only asked for its version: the app itself was never started.
    expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual(['--version']);
    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });
});
