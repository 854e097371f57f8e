/**
 * `npm start`'s decisions (tools/start/decide.mjs), as pure functions of facts about the machine: its options,
 * whether dist/ must be built, the desktop app or the console (and the one line that says why), and what a stop
 * signal means. Also the facts start.mjs reads from the disk: where Electron's runtime is (without requiring the
 * electron package, which downloads it), what is out of date, and that its list of build-info files matches the
 * tsconfig files. test/integration/start.test.ts runs the launcher itself.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/cli.js';

// The tools are ES modules and this test is CommonJS: their types come with an explicit resolution mode.
type Decide = typeof import('../../tools/start/decide.mjs', { with: { 'resolution-mode': 'import' } });
type Start = typeof import('../../tools/start/start.mjs', { with: { 'resolution-mode': 'import' } });
type LaunchFacts = import('../../tools/start/decide.mjs', { with: { 'resolution-mode': 'import' } }).LaunchFacts;
let decide: Decide;
let start: Start;

beforeAll(async () => {
  decide = await import('../../tools/start/decide.mjs');
  start = await import('../../tools/start/start.mjs');
});

describe('parseLaunchArgs', () => {
  it('reads the launcher options and what it passes to keywarden ui', () => {
    expect(decide.parseLaunchArgs([], {})).toEqual({ options: { help: false, console: false, home: null, uiArgs: [] } });
    expect(decide.parseLaunchArgs(['--no-open', '--json', '--port', '8080', '--home', '/tmp/h', '--console'], {})).toEqual({
      options: { help: false, console: true, home: '/tmp/h', uiArgs: ['--no-open', '--json', '--port', '8080'] },
    });
    expect(decide.parseLaunchArgs(['--port=0', '--home=/x'], {})).toEqual({ options: { help: false, console: false, home: '/x', uiArgs: ['--port', '0'] } });
    expect(decide.parseLaunchArgs(['-h'], {})).toMatchObject({ options: { help: true } });
  });

  it('takes KEYWARDEN_START=console as --console', () => {
    expect(decide.parseLaunchArgs([], { KEYWARDEN_START: 'console' })).toMatchObject({ options: { console: true } });
    expect(decide.parseLaunchArgs([], { KEYWARDEN_START: 'desktop' })).toMatchObject({ options: { console: false } });
  });

  it('refuses what it does not know, and an option without its value', () => {
    expect(decide.parseLaunchArgs(['--demo'], {})).toEqual({ error: 'unknown option --demo (see "npm start -- --help")' });
    expect(decide.parseLaunchArgs(['--port'], {})).toEqual({ error: '--port needs a value' });
    expect(decide.parseLaunchArgs(['--home', '--json'], {})).toEqual({ error: '--home needs a value' });
  });
});

describe('staleBuildReason', () => {
  const target = (name: string, newestInput: number | null, outputTime: number | null) => ({ name, output: `dist/${name}out`, newestInput, outputTime });

  it('is null when every output is newer than its inputs, or has no inputs yet', () => {
    expect(decide.staleBuildReason([target('shared/', 100, 200), target('electron/main/', null, null)])).toBeNull();
  });

  it('says dist/ has not been built, what is missing, or what changed', () => {
    expect(decide.staleBuildReason([target('shared/', 100, null), target('renderer/', 100, null), target('electron/main/', null, null)])).toBe('dist/ has not been built');
    expect(decide.staleBuildReason([target('shared/', 100, 200), target('renderer/', 100, null)])).toBe('dist/renderer/out is missing');
    expect(decide.staleBuildReason([target('shared/', 300, 200), target('electron/core/', 100, 200), target('renderer/', 300, 299)])).toBe('shared/, renderer/ changed since the last build');
  });
});

describe('nextLaunchStep', () => {
  const ready = (): LaunchFacts => ({
    forcedConsole: false,
    platform: 'linux',
    hasDisplay: true,
    electron: {
      version: '45.4.1',
      binary: '/p/node_modules/electron/dist/electron',
      binaryExists: true,
      overridden: false,
      installer: '/p/node_modules/electron/install.js',
      skipDownload: false,
    },
    main: { entry: 'dist/electron/main/main.js', built: true },
  });
  const probed = (): LaunchFacts => ({ ...ready(), probe: { ok: true, version: '45.4.1' } });

  it('asks for the costly facts only once the cheap ones allow the app, then starts it', () => {
    expect(decide.nextLaunchStep(ready())).toEqual({ step: 'probe' });
    expect(decide.nextLaunchStep(probed())).toEqual({ step: 'sqlite', electronVersion: '45.4.1' });
    expect(decide.nextLaunchStep({ ...probed(), sqlite: { ok: true, binding: '/b.node', how: 'cached' } })).toEqual({ step: 'desktop', binding: '/b.node', electronVersion: '45.4.1' });
  });

  it('builds better-sqlite3 for the version the runtime reports, not the package.json one', () => {
    expect(decide.nextLaunchStep({ ...ready(), probe: { ok: true, version: '45.5.0' } })).toEqual({ step: 'sqlite', electronVersion: '45.5.0' });
  });

  it('serves the console, saying why in one line, wherever the app cannot start', () => {
    const why = (facts: LaunchFacts) => {
      const step = decide.nextLaunchStep(facts);
      if (step.step !== 'console') throw new Error(`expected the console, got ${step.step}`);
      expect(step.line).not.toContain('\n');
      expect(step.line.startsWith('keywarden start: ')).toBe(true);
      return step.line;
    };
    expect(why({ ...ready(), forcedConsole: true })).toBe('keywarden start: serving the console with "keywarden ui", as asked (--console or KEYWARDEN_START=console)');
    expect(why({ ...ready(), hasDisplay: false })).toBe(
      'keywarden start: the desktop app cannot start: no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set); serving the console with "keywarden ui" instead',
    );
    expect(why({ ...ready(), electron: { ...ready().electron, version: null, binaryExists: false } })).toMatch(/the electron package is not installed \(run "npm install"\)/);
    expect(why({ ...ready(), electron: { ...ready().electron, binaryExists: false }, install: { ok: false, detail: 'the installer ended with exit code 1' } })).toMatch(
      /Electron's runtime is not installed and could not be downloaded \(the installer ended with exit code 1\)\. Since Electron 42, "npm install" no longer downloads it;.*"node node_modules\/electron\/install\.js".*needs the network/,
    );
    expect(why({ ...ready(), electron: { ...ready().electron, binaryExists: false, overridden: true, binary: '/opt/e/electron' } })).toMatch(
      /ELECTRON_OVERRIDE_DIST_PATH names a folder with no Electron runtime \(\/opt\/e\/electron\)/,
    );
    expect(why({ ...ready(), main: { entry: null, built: false } })).toMatch(/package\.json names no "main" entry/);
    expect(why({ ...ready(), main: { entry: 'dist/electron/main/main.js', built: false } })).toMatch(/the desktop app's main process is not built \(no dist\/electron\/main\/main\.js\)/);
    expect(why({ ...ready(), probe: { ok: false, detail: 'error while loading shared libraries: libnss3.so' } })).toMatch(
      /Electron's runtime cannot start here \(error while loading shared libraries: libnss3\.so\)/,
    );
    expect(why({ ...probed(), sqlite: { ok: false, detail: 'offline' } })).toMatch(/no build of better-sqlite3 for Electron 45\.4\.1: offline; serving the console/);
  });

  // Electron's installation docs (electronjs.org/docs/latest/tutorial/installation, "Binary download step"): the
  // runtime is no longer fetched when npm installs the package, but by the package's install script on demand.
  it("runs Electron's own installer when the runtime is missing, then probes what it installed", () => {
    const missing = { ...ready().electron, binaryExists: false };
    expect(decide.nextLaunchStep({ ...ready(), electron: missing })).toEqual({ step: 'install', installer: '/p/node_modules/electron/install.js' });
    // Installed: start.mjs reads the facts again, and the runtime is there.
    expect(decide.nextLaunchStep({ ...ready(), install: { ok: true } })).toEqual({ step: 'probe' });
    // Said to have worked, yet nothing there: no loop, the console.
    expect(decide.nextLaunchStep({ ...ready(), electron: missing, install: { ok: true } })).toMatchObject({
      step: 'console',
      line: expect.stringContaining("Electron's installer ended without an error but left no runtime at /p/node_modules/electron/dist/electron"),
    });
    // Never under ELECTRON_OVERRIDE_DIST_PATH: the administrator named a runtime of their own.
    expect(decide.nextLaunchStep({ ...ready(), electron: { ...missing, overridden: true } }).step).toBe('console');
  });

  it('respects ELECTRON_SKIP_BINARY_DOWNLOAD: no download, and it says so', () => {
    const step = decide.nextLaunchStep({ ...ready(), electron: { ...ready().electron, binaryExists: false, skipDownload: true } });
    expect(step).toEqual({
      step: 'console',
      line: `keywarden start: the desktop app cannot start: Electron's runtime is not installed, and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it was not downloaded (unset it, or run "node node_modules/electron/install.js" yourself); serving the console with "keywarden ui" instead`,
    });
    expect(decide.skipsBinaryDownload('1')).toBe(true);
    expect(decide.skipsBinaryDownload('true')).toBe(true);
    for (const value of [undefined, '', '0', 'false']) expect(decide.skipsBinaryDownload(value)).toBe(false);
  });

  it('needs no display on macOS and Windows', () => {
    for (const platform of ['darwin', 'win32']) expect(decide.nextLaunchStep({ ...ready(), platform, hasDisplay: false })).toEqual({ step: 'probe' });
    for (const platform of ['linux', 'freebsd']) expect(decide.nextLaunchStep({ ...ready(), platform, hasDisplay: false }).step).toBe('console');
  });

  it('checks the cheap facts in order: no display is said before a missing runtime', () => {
    const step = decide.nextLaunchStep({ ...ready(), hasDisplay: false, electron: { ...ready().electron, binaryExists: false }, main: { entry: null, built: false } });
    expect(step).toMatchObject({ step: 'console', line: expect.stringContaining('no graphical session') });
  });
});

describe('what Electron printed', () => {
  it('reads the version from --version', () => {
    expect(decide.parseElectronVersion('v45.4.1\n')).toBe('45.4.1');
    expect(decide.parseElectronVersion('v46.0.0-beta.2\n')).toBe('46.0.0-beta.2');
    expect(decide.parseElectronVersion('Segmentation fault\n')).toBeNull();
  });

  it('names why it failed in a few words', () => {
    expect(decide.probeFailure({ status: 127, signal: null, stderr: 'electron: error while loading shared libraries: libnss3.so: cannot open shared object file\n' })).toBe(
      'electron: error while loading shared libraries: libnss3.so: cannot open shared object file',
    );
    expect(decide.probeFailure({ status: null, signal: 'SIGTRAP', stderr: '' })).toBe('"electron --version" ended with killed by SIGTRAP and said nothing');
    expect(decide.probeFailure({ status: null, signal: null, stderr: '', error: 'spawnSync electron EACCES' })).toBe('spawnSync electron EACCES');
    expect(decide.probeFailure({ status: 1, signal: null, stderr: `${'x'.repeat(300)}\n` })).toHaveLength(200);
  });
});

describe('stop signals', () => {
  it('the first stops cleanly, its echo within a second is ignored, a later one stops at once', () => {
    expect(decide.stopSignalAction(null, 5_000)).toBe('stop');
    expect(decide.stopSignalAction(5_000, 5_010)).toBe('duplicate');
    expect(decide.stopSignalAction(5_000, 5_000 + decide.DUPLICATE_SIGNAL_MS)).toBe('force');
  });

  it('the launcher ends with the app: its code, or 0 when the launcher passed the stop signal on', () => {
    expect(decide.desktopExitCode(0, null, false)).toBe(0);
    expect(decide.desktopExitCode(3, null, true)).toBe(3);
    expect(decide.desktopExitCode(null, 'SIGTERM', true)).toBe(0);
    expect(decide.desktopExitCode(null, 'SIGSEGV', false)).toBe(1);
  });
});

describe('the facts start.mjs reads', () => {
  let folder: string;

  afterEach(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('finds Electron without requiring the electron package (here its runtime was never downloaded)', () => {
    const electron = start.findElectron(PROJECT_ROOT, {}, 'linux');
    expect(electron.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(electron.binary).toBe(join(PROJECT_ROOT, 'node_modules', 'electron', 'dist', 'electron'));
    expect(electron.overridden).toBe(false);
    expect(start.findElectron(PROJECT_ROOT, {}, 'darwin').binary).toBe(join(PROJECT_ROOT, 'node_modules', 'electron', 'dist', 'Electron.app', 'Contents', 'MacOS', 'Electron'));
    // The package's installer, which the launcher runs when the runtime is missing; and the administrator's refusal of it.
    expect(electron.installer).toBe(join(PROJECT_ROOT, 'node_modules', 'electron', 'install.js'));
    expect(electron.skipDownload).toBe(false);
    expect(start.findElectron(PROJECT_ROOT, { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, 'linux').skipDownload).toBe(true);
    expect(start.findElectron(PROJECT_ROOT, { ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron-45' }, 'linux')).toMatchObject({
      binary: '/opt/electron-45/electron',
      overridden: true,
      binaryExists: false,
    });
  });

  it('sees what changed since the last build, per project, and ignores a project with no sources', () => {
    folder = mkdtempSync(join(tmpdir(), 'keywarden-launcher-'));
    const file = (path: string, seconds: number) => {
      mkdirSync(resolve(folder, path, '..'), { recursive: true });
      writeFileSync(join(folder, path), '');
      utimesSync(join(folder, path), seconds, seconds);
    };
    file('tsconfig.base.json', 100);
    for (const { folder: project, buildInfo } of start.TSC_PROJECTS.filter((p) => p.folder !== 'electron/main')) {
      file(`${project}/index.ts`, 200);
      file(`${project}/tsconfig.json`, 100);
      file(buildInfo, 300);
    }
    file('electron/main/tsconfig.json', 500); // no sources yet: nothing to build
    file('renderer/index.html', 200);
    file('dist/renderer/index.html', 300);
    file('dist/preload/preload.js', 300);
    expect(decide.staleBuildReason(start.buildTargets(folder))).toBeNull();

    file('shared/domain.ts', 400); // the engine's projects are rebuilt by tsc -b; the console's and the preload's bundles include shared/ too
    expect(decide.staleBuildReason(start.buildTargets(folder))).toBe('shared/, renderer/, electron/preload/ (bundle) changed since the last build');
    file('dist/.tsbuild/shared.tsbuildinfo', 500);
    file('dist/renderer/index.html', 500);
    file('dist/preload/preload.js', 500);
    file('renderer/styles.css', 600);
    expect(decide.staleBuildReason(start.buildTargets(folder))).toBe('renderer/ changed since the last build');
    rmSync(join(folder, 'dist', 'renderer'), { recursive: true });
    expect(decide.staleBuildReason(start.buildTargets(folder))).toBe('dist/renderer/index.html is missing');
  });

  it('knows the build-info file each tsconfig.json names', () => {
    for (const { folder: project, buildInfo } of start.TSC_PROJECTS) {
      const parsed = ts.getParsedCommandLineOfConfigFile(join(PROJECT_ROOT, project, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
      expect(parsed?.options.tsBuildInfoFile, project).toBe(join(PROJECT_ROOT, buildInfo));
    }
    // Every runtime tsc builds for Node or the window is listed (renderer/ is stood for by vite's bundle).
    const root = ts.readConfigFile(join(PROJECT_ROOT, 'tsconfig.json'), ts.sys.readFile).config as { references: { path: string }[] };
    expect(root.references.map((reference) => reference.path).filter((path) => path !== 'renderer')).toEqual(start.TSC_PROJECTS.map((project) => project.folder));
  });
});
