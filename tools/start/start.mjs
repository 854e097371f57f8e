#!/usr/bin/env node
// @ts-check
/**
 * `npm start`: builds what is out of date, then opens the desktop app; where the app cannot start here, says why
 * in one line and serves the console with `keywarden ui` instead (its first run offers the demo). See README.md
 * beside this file, and docs/desktop.md.
 *
 * Plain Node, not TypeScript compiled by tsc: it runs before the build (it decides whether to build), so it cannot
 * live in dist/. The decisions are pure functions in decide.mjs; this file gathers the facts and acts on them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareElectronSqlite } from '../native/electron-sqlite.mjs';
import { PREFIX, USAGE, desktopExitCode, nextLaunchStep, parseElectronVersion, parseLaunchArgs, probeFailure, skipsBinaryDownload, staleBuildReason, stopSignalAction } from './decide.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** How the desktop app's main process learns where the Electron build of better-sqlite3 is (docs/desktop.md). */
export const SQLITE_BINDING_VARIABLE = 'KEYWARDEN_SQLITE_BINDING';

/** Progress and reasons go to stderr: with --json, stdout holds only `keywarden ui`'s one JSON document. */
const info = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Is dist/ up to date?

/**
 * The tsc projects whose output the app and the console run, with the build-info file tsc -b writes for each (as
 * their tsconfig.json say; test/unit/launcher.test.ts checks the two agree). renderer/ is type-checked by tsc but
 * run from vite's bundle, so the bundle stands for it below.
 */
export const TSC_PROJECTS = [
  { folder: 'shared', buildInfo: 'dist/.tsbuild/shared.tsbuildinfo' },
  { folder: 'electron/core', buildInfo: 'dist/.tsbuild/electron-core.tsbuildinfo' },
  { folder: 'electron/cli', buildInfo: 'dist/.tsbuild/electron-cli.tsbuildinfo' },
  { folder: 'electron/main', buildInfo: 'dist/.tsbuild/electron-main.tsbuildinfo' },
  { folder: 'electron/preload', buildInfo: 'dist/.tsbuild/electron-preload.tsbuildinfo' },
];

/** The newest modification time under `path` (ms), of the files `accept` takes; null if there are none. */
function newestFile(/** @type {string} */ path, /** @type {(name: string) => boolean} */ accept) {
  /** @type {number | null} */
  let newest = null;
  const walk = (/** @type {string} */ folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (accept(entry.name)) newest = Math.max(newest ?? 0, statSync(full).mtimeMs);
    }
  };
  if (existsSync(path)) walk(path);
  return newest;
}

const mtime = (/** @type {string} */ file) => (existsSync(file) ? statSync(file).mtimeMs : null);
const latest = (/** @type {(number | null)[]} */ ...times) => times.reduce((a, b) => (a === null ? b : b === null ? a : Math.max(a, b)), null);

/** @returns {import('./decide.mjs').BuildTarget[]} */
export function buildTargets(root = ROOT) {
  const isSource = (/** @type {string} */ name) => /\.tsx?$/.test(name) && !name.endsWith('.d.ts');
  const projects = TSC_PROJECTS.map(({ folder, buildInfo }) => {
    const sources = newestFile(join(root, folder), isSource);
    return {
      name: `${folder}/`,
      output: buildInfo,
      // A project without sources (a runtime not written yet) builds nothing; its tsconfig counts only beside them.
      newestInput: sources === null ? null : latest(sources, mtime(join(root, folder, 'tsconfig.json')), mtime(join(root, 'tsconfig.base.json'))),
      outputTime: mtime(join(root, buildInfo)),
    };
  });
  const renderer = {
    name: 'renderer/',
    output: 'dist/renderer/index.html',
    newestInput: latest(
      newestFile(join(root, 'renderer'), () => true),
      newestFile(join(root, 'shared'), isSource),
      mtime(join(root, 'vite.config.mts')),
    ),
    outputTime: mtime(join(root, 'dist', 'renderer', 'index.html')),
  };
  // The sandboxed preload runs from its own vite bundle (one script), built from electron/preload and shared/.
  const preload = {
    name: 'electron/preload/ (bundle)',
    output: 'dist/preload/preload.js',
    newestInput: latest(newestFile(join(root, 'electron', 'preload'), isSource), newestFile(join(root, 'shared'), isSource), mtime(join(root, 'vite.preload.config.mts'))),
    outputTime: mtime(join(root, 'dist', 'preload', 'preload.js')),
  };
  return [...projects, renderer, preload];
}

// ---------------------------------------------------------------------------------------------------------------
// Stop signals

const STOP_SIGNALS = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);
/** @type {{ firstAt: number | null, signal: NodeJS.Signals | null, onStop: (signal: NodeJS.Signals) => void }} */
const stop = { firstAt: null, signal: null, onStop: () => {} };
/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();

/** The exit code of a process ended by `signal`, as a shell reports it. */
const signalExitCode = (/** @type {NodeJS.Signals} */ signal) => 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1);

/**
 * Installed first and kept to the end, so that no stop signal ever kills this process by default: the first one is
 * handled by the current phase (`stop.onStop`), its echoes are ignored, a later one stops at once.
 */
function listenForStop() {
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      const action = stopSignalAction(stop.firstAt, Date.now());
      if (action === 'duplicate') return;
      if (action === 'force') {
        info(`${PREFIX} ${signal} again: stopping at once`);
        for (const child of children) child.kill('SIGKILL');
        process.exit(signalExitCode(signal));
      }
      stop.firstAt = Date.now();
      stop.signal = signal;
      stop.onStop(signal);
    });
  }
}

/** Passes a stop signal on to the child processes under way. */
function stopChildren(/** @type {NodeJS.Signals} */ signal) {
  for (const child of children) child.kill(signal);
}

/**
 * Runs a child process to its end; resolves to its exit code (or 1 when killed or not started).
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} options
 * @returns {Promise<number>}
 */
function run(command, args, options) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, options);
    children.add(child);
    child.on('error', (error) => {
      info(`${PREFIX} cannot run ${command}: ${error.message}`);
      children.delete(child);
      resolvePromise(1);
    });
    child.on('exit', (code) => {
      children.delete(child);
      resolvePromise(code ?? 1);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The facts

function readJson(/** @type {string} */ file) {
  return /** @type {Record<string, unknown>} */ (JSON.parse(readFileSync(file, 'utf8')));
}

/**
 * Where Electron's runtime is, found as node_modules/electron/index.js finds it but without its side effect: that
 * file downloads the runtime when it is missing (and throws "Electron failed to install correctly" offline), so it
 * is never required here.
 * @returns {import('./decide.mjs').ElectronFacts}
 */
export function findElectron(root = ROOT, env = process.env, platform = process.platform) {
  const folder = join(root, 'node_modules', 'electron');
  const version = existsSync(join(folder, 'package.json')) ? String(readJson(join(folder, 'package.json')).version) : null;
  const pathFile = join(folder, 'path.txt');
  // path.txt is written by the download (install.js); without it, the name the download would have written.
  const executable = existsSync(pathFile)
    ? readFileSync(pathFile, 'utf8').trim()
    : platform === 'darwin'
      ? 'Electron.app/Contents/MacOS/Electron'
      : platform === 'win32'
        ? 'electron.exe'
        : 'electron';
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? resolve(override, executable) : join(folder, 'dist', executable);
  const installer = join(folder, 'install.js');
  return {
    version,
    binary,
    binaryExists: existsSync(binary),
    overridden: Boolean(override),
    installer: version !== null && existsSync(installer) ? installer : null,
    skipDownload: skipsBinaryDownload(env.ELECTRON_SKIP_BINARY_DOWNLOAD),
  };
}

/**
 * Runs the electron package's own installer (what its documentation says downloads the runtime), with its progress
 * on the terminal: stdout goes to stderr like everything else the launcher prints, so `--json` keeps stdout for
 * `keywarden ui`'s one document.
 * @returns {Promise<import('./decide.mjs').InstallResult>}
 */
async function installElectron(/** @type {string} */ installer, /** @type {string | null} */ version) {
  info(`${PREFIX} Electron's runtime is not installed yet: downloading Electron ${version ?? ''} with "node node_modules/electron/install.js" ...`);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const code = await run(process.execPath, [installer], { cwd: dirname(installer), env, stdio: ['ignore', 2, 'inherit'] });
  return code === 0 ? { ok: true } : { ok: false, detail: `the installer ended with exit code ${code}; its own message is above` };
}

/** Starts the runtime with --version: catches missing shared libraries, a broken sandbox, a runtime for another CPU. */
function probeElectron(/** @type {string} */ binary) {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const result = spawnSync(binary, ['--version'], { env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const version = result.status === 0 ? parseElectronVersion(result.stdout) : null;
  if (version) return /** @type {const} */ ({ ok: true, version });
  const detail = probeFailure({
    status: result.status,
    signal: result.signal,
    stderr: result.stderr ?? '',
    ...(result.error ? { error: result.error.message } : {}),
  });
  return /** @type {const} */ ({ ok: false, detail });
}

/** @returns {Promise<import('./decide.mjs').SqliteResult>} */
async function electronSqlite(/** @type {string} */ electronVersion, /** @type {AbortSignal} */ signal) {
  const given = process.env[SQLITE_BINDING_VARIABLE];
  if (given) {
    return existsSync(given) ? { ok: true, binding: resolve(given), how: 'given' } : { ok: false, detail: `${SQLITE_BINDING_VARIABLE} names ${given}, which does not exist` };
  }
  try {
    const headerURL = process.env.KEYWARDEN_ELECTRON_HEADERS_URL;
    const built = await prepareElectronSqlite(
      { root: ROOT, electronVersion, platform: process.platform, arch: process.arch, ...(headerURL ? { headerURL } : {}) },
      (line) => info(`${PREFIX} ${line}`),
      signal,
    );
    return { ok: true, ...built };
  } catch (error) {
    return { ok: false, detail: /** @type {Error} */ (error).message };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The two ways to end

/**
 * The console, in this very process: the same entry bin/keywarden.js runs (`keywarden ui`). In-process rather than
 * a child so that a stop signal reaches `keywarden ui` exactly once, through its own handlers: Ctrl-C reaches every
 * process of the terminal's foreground group, so a child would get it from the terminal and again from us.
 */
async function serveConsole(/** @type {import('./decide.mjs').LaunchOptions} */ options) {
  // `keywarden ui` listens for the first stop signal itself; ours stays installed and absorbs the echoes. Until ui
  // listens (while it opens the data folder), nobody else would handle it: stop as `keywarden ui` itself would.
  stop.onStop = (signal) => {
    if (process.listenerCount(signal) <= 1) process.exit(signalExitCode(signal));
  };
  const require = createRequire(import.meta.url);
  const cli = /** @type {{ main(argv: string[]): Promise<number> }} */ (require(join(ROOT, 'dist', 'electron', 'cli', 'main.js')));
  return cli.main([...(options.home ? ['--home', options.home] : []), 'ui', ...options.uiArgs]);
}

/** How long Electron has to quit cleanly on Windows, once asked, before it is ended. */
const WINDOWS_QUIT_GRACE_MS = 10_000;
/** Tells a development run of the app to quit when the launcher writes "quit" or closes its stdin (electron/main/dev-run.ts). */
export const QUIT_ON_STDIN_VARIABLE = 'KEYWARDEN_QUIT_ON_STDIN';

/**
 * The desktop app: Electron on the project folder (it runs package.json "main"), told where the Electron build of
 * better-sqlite3 is. It runs in a process group of its own (detached), so Ctrl-C in the terminal reaches the
 * launcher only, and the launcher passes exactly one stop signal on: otherwise the terminal's SIGINT and the
 * launcher's would both reach Electron, and the second would kill it in the middle of its graceful shutdown
 * (clearing the clipboard, closing the database). Windows has no such signals (child.kill() ends the process at
 * once): there the launcher asks the app to quit on its stdin, and ends it only if it is still running 10 s later.
 */
async function runDesktop(/** @type {import('./decide.mjs').LaunchOptions} */ options, /** @type {string} */ binary, /** @type {string} */ binding, /** @type {string} */ version) {
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, [SQLITE_BINDING_VARIABLE]: binding, ...(options.home ? { KEYWARDEN_HOME: resolve(options.home) } : {}) };
  // Set, it would make Electron a plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  const shown = binding.startsWith(`${ROOT}${sep}`) ? relative(ROOT, binding) : binding;
  info(`${PREFIX} starting the desktop app (Electron ${version}; better-sqlite3 for Electron: ${shown})`);
  if (options.uiArgs.length > 0) info(`${PREFIX} ${options.uiArgs.join(' ')} ${options.uiArgs.length > 1 ? 'are' : 'is'} for the console only ("npm start -- --console" serves it)`);
  const windows = process.platform === 'win32';
  if (windows) env[QUIT_ON_STDIN_VARIABLE] = '1';
  const child = spawn(binary, [ROOT], { env, stdio: [windows ? 'pipe' : 'ignore', 'inherit', 'inherit'], detached: !windows });
  children.add(child);
  stop.onStop = (signal) => {
    if (!windows) {
      child.kill(signal);
      return;
    }
    child.stdin?.end('quit\n');
    setTimeout(() => child.kill(), WINDOWS_QUIT_GRACE_MS).unref();
  };
  return new Promise((resolvePromise) => {
    child.on('error', (error) => {
      info(`${PREFIX} cannot run ${binary}: ${error.message}`);
      resolvePromise(1);
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolvePromise(desktopExitCode(code, signal, stop.signal !== null));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const parsed = parseLaunchArgs(process.argv.slice(2), process.env);
  if ('error' in parsed) {
    info(`${PREFIX} ${parsed.error}`);
    return 2;
  }
  const { options } = parsed;
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  listenForStop();
  // While preparing, a stop ends the step under way (the build, the native build), then the launcher.
  const preparing = new AbortController();
  stop.onStop = (signal) => {
    stopChildren(signal);
    preparing.abort();
  };
  const stopped = () => (stop.signal ? signalExitCode(stop.signal) : null);

  const stale = staleBuildReason(buildTargets());
  if (stale) {
    info(`${PREFIX} ${stale}: building with "npm run build" ...`);
    // npm's own path when npm started us, so the same npm runs the build; its output goes to stderr (see `info`).
    const npm = process.env.npm_execpath;
    const code = npm
      ? await run(process.execPath, [npm, 'run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] })
      : await run('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });
    if (stopped()) return stopped();
    if (code !== 0) {
      info(`${PREFIX} the build failed (exit code ${code}); nothing was started`);
      return code;
    }
  }

  const pkg = readJson(join(ROOT, 'package.json'));
  const entry = typeof pkg.main === 'string' ? pkg.main : null;
  /** @type {import('./decide.mjs').LaunchFacts} */
  const facts = {
    forcedConsole: options.console,
    platform: process.platform,
    hasDisplay: Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY),
    electron: findElectron(),
    main: { entry, built: entry !== null && existsSync(join(ROOT, entry)) },
  };
  for (;;) {
    const step = nextLaunchStep(facts);
    if (step.step === 'install') {
      facts.install = await installElectron(step.installer, facts.electron.version);
      // Where the installer put the runtime (its path.txt names the executable).
      if (facts.install.ok) facts.electron = findElectron();
    } else if (step.step === 'probe') facts.probe = probeElectron(facts.electron.binary);
    else if (step.step === 'sqlite') facts.sqlite = await electronSqlite(step.electronVersion, preparing.signal);
    else if (step.step === 'console') {
      if (stopped()) return stopped();
      info(step.line);
      return serveConsole(options);
    } else {
      if (stopped()) return stopped();
      return runDesktop(options, facts.electron.binary, step.binding, step.electronVersion);
    }
    if (stopped()) return stopped();
  }
}

// Run when started (npm start); imported by the tests, it only lends its functions.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (error) => {
      info(`${PREFIX} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    },
  );
}
