/**
 * Issue 26, part A: what differs between a development run (`npm start`: `app.isPackaged` false) and the packaged
 * app, through the real main process over the stand-in 'electron' module (electron/main/dev-run.ts, app.ts), and
 * the window restored maximised without a white flash (window.ts).
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_USER_MODEL_ID, applyAppIdentity, DEV_APP_NAME, DEV_APP_USER_MODEL_ID, quitWhenLauncherAsks, sqliteBindingOverride } from '../../../electron/main/dev-run.js';
import { fake } from '../../support/fake-electron.js';
import { startTestDesktop } from '../../support/desktop.js';

vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);

describe('a development run has an identity of its own', () => {
  beforeEach(() => fake.reset());

  // Electron's app.setPath docs: userData must be set before 'ready'; app.requestSingleInstanceLock is per userData.
  it('is "Keywarden Dev", with its own profile folder, set before the single-instance lock is taken', async () => {
    let userDataAtLock = '';
    const lock = fake.app.requestSingleInstanceLock.bind(fake.app);
    fake.app.requestSingleInstanceLock = () => {
      userDataAtLock = fake.app.getPath('userData');
      return lock();
    };
    const desktop = await startTestDesktop();
    expect(fake.app.getName()).toBe(DEV_APP_NAME);
    expect(fake.app.getPath('userData')).toBe(join('/fake/appData', 'Keywarden Dev'));
    expect(userDataAtLock).toBe(join('/fake/appData', 'Keywarden Dev'));
    // The data folder is not the profile: it stays the one given (the CLI's by default).
    expect((await desktop.client['host:info']()).home).toBe(desktop.home);
    await desktop.quit();
  });

  it('the packaged app keeps Electron’s defaults: its product name and profile', async () => {
    fake.app.isPackaged = true;
    const desktop = await startTestDesktop();
    expect(fake.app.getName()).toBe('Keywarden');
    expect(fake.app.getPath('userData')).toBe('/fake/appData/Keywarden');
    await desktop.quit();
  });

  // Electron's app.setAppUserModelId (Windows): taskbar grouping and the notifications' sender.
  it('on Windows, a development run has its own AppUserModelId; the package has electron-builder.yml’s appId', () => {
    const app = (isPackaged: boolean) => ({
      isPackaged,
      ids: [] as string[],
      setName() {},
      getPath: () => 'C:\\AppData',
      setPath() {},
      setAppUserModelId(id: string) {
        this.ids.push(id);
      },
    });
    const dev = app(false);
    expect(applyAppIdentity(dev, 'win32')).toEqual({ name: DEV_APP_NAME, appUserModelId: DEV_APP_USER_MODEL_ID });
    expect(dev.ids).toEqual(['app.keywarden.desktop.dev']);
    const packaged = app(true);
    expect(applyAppIdentity(packaged, 'win32')).toEqual({ name: null, appUserModelId: APP_USER_MODEL_ID });
    expect(packaged.ids).toEqual(['app.keywarden.desktop']);
    expect(applyAppIdentity(app(false), 'linux').appUserModelId).toBeNull();
  });
});

describe('KEYWARDEN_SQLITE_BINDING', () => {
  let folder = '';
  beforeEach(() => {
    fake.reset();
    folder = mkdtempSync(join(tmpdir(), 'keywarden-binding-'));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(folder, { recursive: true, force: true });
  });

  it('is read only in a development run', () => {
    expect(sqliteBindingOverride(false, { KEYWARDEN_SQLITE_BINDING: '/b.node' })).toBe('/b.node');
    expect(sqliteBindingOverride(true, { KEYWARDEN_SQLITE_BINDING: '/b.node' })).toBeUndefined();
    expect(sqliteBindingOverride(false, { KEYWARDEN_SQLITE_BINDING: '' })).toBeUndefined();
  });

  // The variable names a native module to load into the process that holds the vault's key: a packaged app loads
  // only the build it carries.
  it('a packaged app ignores it: it opens its data with its own build, even where the variable names another file', async () => {
    const planted = join(folder, 'planted.node');
    writeFileSync(planted, 'not a native module\n');
    vi.stubEnv('KEYWARDEN_SQLITE_BINDING', planted);

    fake.app.isPackaged = true;
    const packaged = await startTestDesktop();
    expect(await packaged.client['backend:list']()).toEqual([]);
    await packaged.quit();

    // The same start as a development run loads it, and fails on it: the variable is read there.
    fake.reset();
    await expect(startTestDesktop()).rejects.toThrow(/did not start/);
    expect(fake.dialog.errors).toEqual([{ title: 'Keywarden cannot open its data folder', content: expect.any(String) }]);
  });
});

describe('the launcher’s quit request (Windows)', () => {
  it('quits once on "quit" or when the launcher goes, only in a development run started by the launcher', () => {
    let quits = 0;
    // stdin as Node gives it: an event emitter of 'data' and 'end'.
    const input = new EventEmitter();
    expect(
      quitWhenLauncherAsks(
        false,
        () => input,
        () => (quits += 1),
        { KEYWARDEN_QUIT_ON_STDIN: '1' },
      ),
    ).toBe(true);
    input.emit('data', 'hello\n');
    expect(quits).toBe(0);
    input.emit('data', 'quit\n');
    input.emit('end');
    expect(quits).toBe(1);
    const never = () => {
      throw new Error('stdin opened');
    };
    expect(quitWhenLauncherAsks(true, never, () => {}, { KEYWARDEN_QUIT_ON_STDIN: '1' })).toBe(false);
    expect(quitWhenLauncherAsks(false, never, () => {}, {})).toBe(false);
  });
});

describe('a window restored maximised', () => {
  // BrowserWindow.maximize() "will also show (but not focus) the window if it isn't being displayed already"
  // (Electron's BrowserWindow docs): called before the page painted, the window flashes white.
  it('is shown once the page has painted, then maximised: never shown unpainted', async () => {
    fake.reset();
    let desktop = await startTestDesktop();
    const home = desktop.home;
    // Maximised by the user; remembered when the app quits.
    desktop.window.paint();
    desktop.window.maximize();
    await desktop.quit({ keepHome: true });

    fake.reset();
    desktop = await startTestDesktop({ home });
    const window = desktop.window;
    expect(window.isVisible()).toBe(false);
    expect(window.isMaximized()).toBe(false);
    window.paint();
    expect(window.isVisible()).toBe(true);
    expect(window.isMaximized()).toBe(true);
    expect(window.shownUnpainted).toBe(0);
    await desktop.quit();
  });
});
