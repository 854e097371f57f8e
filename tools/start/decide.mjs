// @ts-check
/**
 * What `npm start` decides, as pure functions of facts about the machine (start.mjs gathers the facts and acts):
 * whether dist/ must be built first, whether the desktop app can start or the console is served instead (and the
 * one line that says why), and what a stop signal means. Kept apart from the input and output so each rule is
 * tested on its own (test/unit/launcher.test.ts) without Electron, a display or a build.
 */

/** How every line the launcher prints begins. */
export const PREFIX = 'keywarden start:';

// ---------------------------------------------------------------------------------------------------------------
// The command line

/**
 * @typedef {object} LaunchOptions
 * @property {boolean} help
 * @property {boolean} console      serve the console even where the desktop app could start (--console, KEYWARDEN_START=console)
 * @property {string | null} home   the data folder (--home), for the app and the console alike
 * @property {string[]} uiArgs      what is passed to `keywarden ui` when the console is served (--no-open, --json, --port N)
 */

export const USAGE = `usage: npm start [-- [--console] [--home DIR] [--no-open] [--json] [--port N]]

Builds what is out of date, then opens the Keywarden desktop app; where it cannot start (no Electron runtime, no
display, no Electron build of better-sqlite3), says why in one line and serves the console with "keywarden ui".

  --console    serve the console in the browser even where the desktop app could start
               (also KEYWARDEN_START=console)
  --home DIR   the data folder (default: $KEYWARDEN_HOME, else the desktop app's folder)
  --no-open, --json, --port N
               passed to "keywarden ui" when the console is served (see docs/cli.md)
`;

/**
 * Reads the launcher's arguments (what follows `npm start --`).
 * @param {readonly string[]} argv
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {{ options: LaunchOptions } | { error: string }}
 */
export function parseLaunchArgs(argv, env) {
  /** @type {LaunchOptions} */
  const options = { help: false, console: env.KEYWARDEN_START === 'console', home: null, uiArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${name} needs a value`);
      return next;
    };
    try {
      if (name === '--help' || name === '-h') options.help = true;
      else if (name === '--console') options.console = true;
      else if (name === '--home') options.home = value();
      else if (name === '--no-open' || name === '--json') options.uiArgs.push(name);
      else if (name === '--port') options.uiArgs.push('--port', value());
      else return { error: `unknown option ${arg} (see "npm start -- --help")` };
    } catch (error) {
      return { error: /** @type {Error} */ (error).message };
    }
  }
  return { options };
}

// ---------------------------------------------------------------------------------------------------------------
// Is dist/ up to date?

/**
 * One thing `npm run build` makes, and what it is made from.
 * @typedef {object} BuildTarget
 * @property {string} name              what changed, as the message says it (e.g. "electron/core/")
 * @property {string} output            the file whose time stamps the build (e.g. "dist/renderer/index.html")
 * @property {number | null} newestInput  the newest modification time of its inputs (ms), null if it has no sources
 * @property {number | null} outputTime   the output's modification time (ms), null if it is missing
 */

/**
 * Why dist/ must be built before starting, or null if it is up to date. A target with no sources yet (a runtime
 * not written yet) needs nothing; one whose output is missing or older than its newest input needs a build.
 * @param {readonly BuildTarget[]} targets
 * @returns {string | null}
 */
export function staleBuildReason(targets) {
  const needed = targets.filter((target) => target.newestInput !== null);
  const missing = needed.filter((target) => target.outputTime === null);
  if (missing.length > 0 && missing.length === needed.length) return 'dist/ has not been built';
  if (missing.length > 0) return `${missing.map((target) => target.output).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`;
  const changed = needed.filter((target) => /** @type {number} */ (target.newestInput) > /** @type {number} */ (target.outputTime));
  if (changed.length > 0) return `${changed.map((target) => target.name).join(', ')} changed since the last build`;
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// The desktop app, or the console

/**
 * What start.mjs has learnt so far. The costly facts (starting Electron to ask its version, building better-sqlite3)
 * are gathered only when nextLaunchStep asks for them, so a machine that cannot run the app never pays for them.
 * @typedef {object} LaunchFacts
 * @property {boolean} forcedConsole     --console or KEYWARDEN_START=console
 * @property {string} platform           process.platform
 * @property {boolean} hasDisplay        DISPLAY or WAYLAND_DISPLAY is set (what a window needs on Linux and the BSDs)
 * @property {ElectronFacts} electron
 * @property {{ entry: string | null, built: boolean }} main   package.json "main" (the main process), and whether it exists
 * @property {InstallResult} [install]   node_modules/electron/install.js was run (the runtime was missing)
 * @property {ProbeResult} [probe]       Electron started with --version
 * @property {SqliteResult} [sqlite]     the Electron build of better-sqlite3
 */

/**
 * @typedef {object} ElectronFacts
 * @property {string | null} version     node_modules/electron's version, null when the package is not installed
 * @property {string} binary             where its runtime should be (absolute: node_modules/electron/dist/..., or under ELECTRON_OVERRIDE_DIST_PATH)
 * @property {boolean} binaryExists
 * @property {boolean} overridden        ELECTRON_OVERRIDE_DIST_PATH named the folder
 * @property {string | null} installer   node_modules/electron/install.js, the package's own download of its runtime (null if absent)
 * @property {boolean} skipDownload      ELECTRON_SKIP_BINARY_DOWNLOAD is set: the administrator does not want the runtime downloaded
 */

/** @typedef {{ ok: true } | { ok: false, detail: string }} InstallResult */
/** @typedef {{ ok: true, version: string } | { ok: false, detail: string }} ProbeResult */
/** @typedef {{ ok: true, binding: string, how: 'given' | 'cached' | 'built' } | { ok: false, detail: string }} SqliteResult */

/**
 * @typedef {{ step: 'console', line: string }
 *   | { step: 'install', installer: string }
 *   | { step: 'probe' }
 *   | { step: 'sqlite', electronVersion: string }
 *   | { step: 'desktop', binding: string, electronVersion: string }} LaunchStep
 */

/**
 * The next thing to do, given what is known: serve the console (with the one line that says why), learn a costly
 * fact, or start the desktop app. start.mjs calls it again after each fact it adds.
 * @param {LaunchFacts} facts
 * @returns {LaunchStep}
 */
export function nextLaunchStep(facts) {
  const fallback = (/** @type {string} */ why) => ({ step: /** @type {const} */ ('console'), line: consoleLine(why) });
  if (facts.forcedConsole) return { step: 'console', line: `${PREFIX} serving the console with "keywarden ui", as asked (--console or KEYWARDEN_START=console)` };
  if (windowsNeedDisplay(facts.platform) && !facts.hasDisplay) return fallback('no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set)');
  if (facts.electron.version === null) return fallback('the electron package is not installed (run "npm install")');
  if (!facts.electron.binaryExists) {
    if (facts.electron.overridden) return fallback(`ELECTRON_OVERRIDE_DIST_PATH names a folder with no Electron runtime (${facts.electron.binary})`);
    // Since Electron 42 "npm install" no longer downloads the runtime (the package has no postinstall): on a fresh
    // clone it is missing until the package's own installer runs, which the launcher does, once.
    if (facts.electron.skipDownload) {
      return fallback(
        `Electron's runtime is not installed, and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it was not downloaded (unset it, or run "node node_modules/electron/install.js" yourself)`,
      );
    }
    if (!facts.install) {
      if (facts.electron.installer) return { step: 'install', installer: facts.electron.installer };
      return fallback(`Electron's runtime is not installed, and node_modules/electron has no install.js to download it (run "npm install")`);
    }
    if (!facts.install.ok) return fallback(installFailure(facts.install.detail));
    return fallback(`Electron's installer ended without an error but left no runtime at ${facts.electron.binary}`);
  }
  if (facts.main.entry === null) return fallback('package.json names no "main" entry for the desktop app');
  if (!facts.main.built) return fallback(`the desktop app's main process is not built (no ${facts.main.entry})`);
  if (!facts.probe) return { step: 'probe' };
  if (!facts.probe.ok) return fallback(`Electron's runtime cannot start here (${facts.probe.detail})`);
  // The version the runtime reports wins over the package's: ELECTRON_OVERRIDE_DIST_PATH may name another build.
  const electronVersion = facts.probe.version;
  if (!facts.sqlite) return { step: 'sqlite', electronVersion };
  if (!facts.sqlite.ok) return fallback(`no build of better-sqlite3 for Electron ${electronVersion}: ${facts.sqlite.detail}`);
  return { step: 'desktop', binding: facts.sqlite.binding, electronVersion };
}

/**
 * Why the runtime could not be downloaded, as one paragraph: what failed, why it matters on a fresh clone, and what
 * to do. (Whatever the installer printed, its progress and its error, is above it on the terminal.)
 */
export function installFailure(/** @type {string} */ detail) {
  return (
    `Electron's runtime is not installed and could not be downloaded (${detail}). Since Electron 42, "npm install" no ` +
    `longer downloads it; the launcher ran the package's own installer, "node node_modules/electron/install.js", which ` +
    `fetches it from GitHub (or ELECTRON_MIRROR) and needs the network. Run that command again once online, or name an ` +
    `unpacked Electron with ELECTRON_OVERRIDE_DIST_PATH`
  );
}

/** Whether ELECTRON_SKIP_BINARY_DOWNLOAD asks for no download (set to anything but "", "0" or "false"). */
export function skipsBinaryDownload(/** @type {string | undefined} */ value) {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Where a window needs an X11 or Wayland display: everywhere but macOS and Windows. */
export function windowsNeedDisplay(/** @type {string} */ platform) {
  return platform !== 'darwin' && platform !== 'win32';
}

/** The one line printed when the console is served instead of the app. */
export function consoleLine(/** @type {string} */ why) {
  return `${PREFIX} the desktop app cannot start: ${why}; serving the console with "keywarden ui" instead`;
}

/**
 * The version `electron --version` printed ("v45.4.1"), or null if the output is not one.
 * @param {string} output
 */
export function parseElectronVersion(output) {
  const match = /^v?(\d+\.\d+\.\d+(?:-[\w.]+)?)\s*$/m.exec(output.trim());
  return match ? /** @type {string} */ (match[1]) : null;
}

/**
 * Why a probe failed, in a few words: the last line the runtime wrote to stderr (the dynamic linker's "error while
 * loading shared libraries: libnss3.so ...", the sandbox's complaint), else how it ended.
 * @param {{ status: number | null, signal: string | null, stderr: string, error?: string }} result
 */
export function probeFailure(result) {
  if (result.error) return result.error;
  const lines = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const last = lines.at(-1);
  const ended = result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`;
  if (!last) return `"electron --version" ended with ${ended} and said nothing`;
  return last.length > 200 ? `${last.slice(0, 197)}...` : last;
}

// ---------------------------------------------------------------------------------------------------------------
// Stop signals

/** Signals closer together than this are one request to stop. */
export const DUPLICATE_SIGNAL_MS = 1000;

/**
 * What a stop signal (SIGINT, SIGTERM, SIGHUP) means, given when the first one came. Ctrl-C in a terminal reaches
 * every process of the foreground group, and `npm start` forwards it once more: one press arrives twice within
 * milliseconds. The first asks for a clean stop, its echoes are ignored, and a signal well after the first (a second
 * Ctrl-C, the user insisting) stops at once.
 * @param {number | null} firstAt   when the first stop signal came (ms), null if none yet
 * @param {number} now
 * @returns {'stop' | 'duplicate' | 'force'}
 */
export function stopSignalAction(firstAt, now) {
  if (firstAt === null) return 'stop';
  return now - firstAt < DUPLICATE_SIGNAL_MS ? 'duplicate' : 'force';
}

/**
 * The launcher's exit code once the desktop app has ended: its own code, else (killed by a signal) 0 when the
 * launcher sent that stop signal on, 1 otherwise.
 * @param {number | null} code
 * @param {string | null} signal
 * @param {boolean} stopRequested
 */
export function desktopExitCode(code, signal, stopRequested) {
  if (code !== null) return code;
  return signal !== null && stopRequested ? 0 : 1;
}
