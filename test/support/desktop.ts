/**
 * Starts the desktop app's main process (electron/main/app.ts) in Node, over the stand-in 'electron' module
 * (fake-electron.ts): a temporary data folder, a temporary app folder holding a built console, a keychain in memory.
 * The test file must mock 'electron' first:
 *
 *   vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);
 *
 * Then `client` is the console's view: the contract client the preload builds (electron/preload/bridge.ts) over
 * the window's own ipcRenderer, so every call goes through the real binding, frame check and dispatcher.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContractClient } from '../../shared/contract.js';
import { startDesktopApp, type DesktopApp, type DesktopAppOptions } from '../../electron/main/app.js';
import { createDesktopBridge, type KeywardenEvents } from '../../electron/preload/bridge.js';
import { fake, type FakeBrowserWindow, type FakeIpcRenderer } from './fake-electron.js';
import { memoryKeychain } from './memory-keychain.js';

export interface TestDesktop {
  app: DesktopApp;
  home: string;
  appRoot: string;
  logs: string[];
  window: FakeBrowserWindow;
  renderer: FakeIpcRenderer;
  client: ContractClient;
  events: KeywardenEvents;
  /** Quits the app as the tray's Quit does, waits for its shutdown, and removes the folders (the data folder unless kept). */
  quit(options?: { keepHome?: boolean }): Promise<void>;
}

export const INDEX_HTML = '<!doctype html><html><head><script type="module" src="./assets/app.js"></script></head><body><div id="root"></div></body></html>';

/** An app folder as packaged: dist/renderer/ with the console (a stand-in page), build/tray/ absent unless asked. */
export function makeAppRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'keywarden-app-'));
  mkdirSync(join(root, 'dist', 'renderer', 'assets'), { recursive: true });
  writeFileSync(join(root, 'dist', 'renderer', 'index.html'), INDEX_HTML);
  writeFileSync(join(root, 'dist', 'renderer', 'assets', 'app.js'), 'console.log("console");\n');
  writeFileSync(join(root, 'package.json'), '{"name":"not-served"}\n');
  return root;
}

export async function startTestDesktop(options: Partial<DesktopAppOptions> & { home?: string } = {}): Promise<TestDesktop> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'keywarden-desktop-'));
  const appRoot = options.appRoot ?? makeAppRoot();
  fake.app.appPath = appRoot;
  const logs: string[] = [];
  // The session lock's D-Bus watch is off unless a test gives it a bus (test/unit/main/session-lock.test.ts).
  const app = await startDesktopApp({ keychain: memoryKeychain(), log: (message) => logs.push(message), sessionLock: false, ...options, home });
  if (!app) throw new Error(`the desktop app did not start: ${logs.join('; ')}`);
  const window = fake.window();
  const renderer = window.webContents.ipcRenderer();
  const bridge = createDesktopBridge(renderer);
  return {
    app,
    home,
    appRoot,
    logs,
    window,
    renderer,
    client: bridge.api,
    events: bridge.events,
    async quit(quitOptions = {}) {
      const gone = new Promise<void>((resolve) => fake.app.once('quit', () => resolve()));
      fake.app.quit();
      await gone;
      if (!quitOptions.keepHome) rmSync(home, { recursive: true, force: true });
      rmSync(appRoot, { recursive: true, force: true });
    },
  };
}
