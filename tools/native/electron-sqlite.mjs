// @ts-check
/**
 * better-sqlite3 built for Electron's ABI, in a folder of its own: never over node_modules/better-sqlite3, whose
 * Node build the CLI and `npm test` load. better-sqlite3 talks to V8 directly (not through N-API), so a build for
 * Node cannot be loaded by Electron and the other way round; keytar uses N-API, so its one build serves both.
 *
 * `npm start` uses it (tools/start/start.mjs) and hands the file to the desktop app's main process in
 * KEYWARDEN_SQLITE_BINDING, which passes it to KeywardenEngine.open({ nativeBinding }). `npm run dist` uses it too
 * (tools/packaging/after-pack.mjs): the packaged app's copy of better-sqlite3 gets this build in place of the Node one.
 *
 * How: a copy of node_modules/better-sqlite3 goes into dist/native/electron-<version>-<platform>-<arch>/, and
 * @electron/rebuild rebuilds that copy for Electron: a prebuilt binary from better-sqlite3's releases if there is
 * one (prebuild-install), else a compile against Electron's headers (node-gyp, which needs python3, make and a C++
 * compiler). Both download, from GitHub and electronjs.org: the first run needs the internet. A stamp file records
 * what was built, so later runs reuse it until Electron or better-sqlite3 changes.
 */
import { spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {object} ElectronSqliteTarget
 * @property {string} root              the project folder (node_modules/better-sqlite3 is read from there)
 * @property {string} electronVersion   e.g. "45.4.1"
 * @property {string} platform          process.platform of the target, e.g. "linux"
 * @property {string} arch              e.g. "x64"
 * @property {string} [headerURL]       where Electron's headers are downloaded from, for a compile (a mirror behind a
 *                                      proxy); default https://www.electronjs.org/headers
 */

/**
 * @typedef {object} ElectronSqliteBuild
 * @property {string} binding   absolute path of better_sqlite3.node built for Electron
 * @property {'cached' | 'built'} how
 */

/** The folder a target's build goes into. */
export function nativeFolder(/** @type {ElectronSqliteTarget} */ target) {
  return join(target.root, 'dist', 'native', `electron-${target.electronVersion}-${target.platform}-${target.arch}`);
}

const STAMP = 'keywarden-native.json';
const BINDING = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

/** What the stamp records: a build is reused only for the same Electron, platform, arch and better-sqlite3. */
function stampOf(/** @type {ElectronSqliteTarget} */ target, /** @type {string} */ sqliteVersion) {
  // Not the header URL: a mirror serves the same headers.
  return { electron: target.electronVersion, platform: target.platform, arch: target.arch, betterSqlite3: sqliteVersion };
}

/** The version of the installed better-sqlite3 (the one the copy is made from). */
function installedSqliteVersion(/** @type {string} */ root) {
  const file = join(root, 'node_modules', 'better-sqlite3', 'package.json');
  if (!existsSync(file)) throw new Error('node_modules/better-sqlite3 is not installed (run "npm install")');
  return /** @type {{ version: string }} */ (JSON.parse(readFileSync(file, 'utf8'))).version;
}

/** The build made earlier for this target, if it is still the right one; else null. */
export function cachedElectronSqlite(/** @type {ElectronSqliteTarget} */ target) {
  const folder = nativeFolder(target);
  const binding = join(folder, BINDING);
  try {
    const stamp = JSON.parse(readFileSync(join(folder, STAMP), 'utf8'));
    const wanted = stampOf(target, installedSqliteVersion(target.root));
    if (JSON.stringify(stamp) === JSON.stringify(wanted) && existsSync(binding)) return binding;
  } catch {
    // no stamp, or an unreadable one: build again
  }
  return null;
}

/**
 * Returns the Electron build of better-sqlite3 for `target`, building it first if needed. The build runs in a child
 * process whose output (node-gyp's, prebuild-install's) goes to a log file beside the folder, not to the terminal.
 * Throws an Error with a one-line message (why, and where the log is) when the build fails; the half-made folder is
 * removed, so a later run starts clean.
 * @param {ElectronSqliteTarget} target
 * @param {(message: string) => void} [log]  progress, one line at a time
 * @param {AbortSignal} [signal]  stops the build (its child process), e.g. on Ctrl-C
 * @returns {Promise<ElectronSqliteBuild>}
 */
export async function prepareElectronSqlite(target, log = () => {}, signal) {
  const cached = cachedElectronSqlite(target);
  if (cached) return { binding: cached, how: 'cached' };
  const folder = nativeFolder(target);
  const logFile = `${folder}.log`;
  log(
    `building better-sqlite3 ${installedSqliteVersion(target.root)} for Electron ${target.electronVersion} (${target.platform}-${target.arch}) into ${relative(target.root, folder)}; only the first time, and it needs the internet ...`,
  );
  mkdirSync(join(folder, '..'), { recursive: true });
  const out = openSync(logFile, 'w');
  /** @type {number | null} */
  let code;
  try {
    code = await new Promise((resolve, reject) => {
      // A process group of its own (not on Windows, which has none): stopping the build stops node-gyp and the
      // compiler it started too, not only this child. It never reads the terminal, so it may leave its group.
      const group = process.platform !== 'win32';
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(target)], { stdio: ['ignore', out, out], detached: group });
      const stop = () => {
        try {
          if (group && child.pid) process.kill(-child.pid, 'SIGTERM');
          else child.kill('SIGTERM');
        } catch {
          // already gone
        }
      };
      signal?.addEventListener('abort', stop, { once: true });
      child.on('error', reject);
      child.on('exit', (exitCode) => {
        signal?.removeEventListener('abort', stop);
        resolve(exitCode);
      });
    });
  } finally {
    closeSync(out);
  }
  if (signal?.aborted) {
    rmSync(folder, { recursive: true, force: true });
    throw new Error('the build was stopped');
  }
  const binding = cachedElectronSqlite(target);
  if (code === 0 && binding) return { binding, how: 'built' };
  rmSync(folder, { recursive: true, force: true });
  const reported = readFileSync(logFile, 'utf8')
    .split('\n')
    .reverse()
    .find((line) => line.startsWith(FAILURE));
  throw new Error(`${reported ? reported.slice(FAILURE.length) : `the build exited with code ${code}`} (the build's output is in ${relative(target.root, logFile)})`);
}

/** How the child process marks its one-line reason in the log. */
const FAILURE = 'keywarden-native: failed: ';

/** The build itself, in the child process that prepareElectronSqlite starts. */
async function buildHere(/** @type {ElectronSqliteTarget} */ target) {
  const sqliteVersion = installedSqliteVersion(target.root);
  const folder = nativeFolder(target);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(join(folder, 'node_modules'), { recursive: true });
  // The copy: sources and package metadata, not the Node build (build/), which the rebuild replaces anyway.
  const source = realpathSync(join(target.root, 'node_modules', 'better-sqlite3'));
  cpSync(source, join(folder, 'node_modules', 'better-sqlite3'), { recursive: true, filter: (path) => relative(source, path) !== 'build' });
  // @electron/rebuild rebuilds the dependencies a package.json names, in the node_modules beside it.
  writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ name: 'keywarden-electron-native', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }, null, 2)}\n`);
  const { rebuild } = await import('@electron/rebuild');
  try {
    await rebuild({
      buildPath: folder,
      electronVersion: target.electronVersion,
      platform: /** @type {NodeJS.Platform} */ (target.platform),
      arch: target.arch,
      onlyModules: ['better-sqlite3'],
      force: true,
      mode: 'sequential',
      ...(target.headerURL ? { headerURL: target.headerURL } : {}),
    });
  } catch (error) {
    console.error(error);
    const reason = oneLine(error).replaceAll(`${folder}/`, '');
    // When node-gyp failed, @electron/rebuild says only that; the cause (a download, the compiler) is above in the
    // log. Name the two ways it tried, which is what the administrator can act on.
    throw new Error(
      /node-gyp failed/.test(reason)
        ? `${reason}: neither a prebuilt binary (from GitHub) nor a compile against Electron's headers (from electronjs.org) worked; offline, or no C++ toolchain?`
        : reason,
    );
  }
  if (!existsSync(join(folder, BINDING))) throw new Error(`the rebuild made no ${BINDING}`);
  // Keep the binary and the package.json that names its version: the sources and the compiler's objects are some
  // 30 MB that nothing reads again.
  const copy = join(folder, 'node_modules', 'better-sqlite3');
  const kept = { binding: readFileSync(join(folder, BINDING)), manifest: readFileSync(join(copy, 'package.json')) };
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(dirname(join(folder, BINDING)), { recursive: true });
  writeFileSync(join(folder, BINDING), kept.binding, { mode: 0o755 });
  writeFileSync(join(copy, 'package.json'), kept.manifest);
  writeFileSync(join(folder, STAMP), `${JSON.stringify(stampOf(target, sqliteVersion), null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  const target = /** @type {ElectronSqliteTarget} */ (JSON.parse(process.argv[2] ?? '{}'));
  buildHere(target).catch((error) => {
    console.error(error);
    console.error(`${FAILURE}${oneLine(error)}`);
    process.exitCode = 1;
  });
}

/** The first meaningful line of an error, short enough for a one-line reason. */
export function oneLine(/** @type {unknown} */ error) {
  const text = error instanceof Error ? error.message : String(error);
  const line =
    text
      .split('\n')
      .map((part) => part.trim())
      .find((part) => part !== '') ?? 'unknown error';
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}
