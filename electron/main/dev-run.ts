/**
 * What differs between a development run of the desktop app (`npm start`, Electron on the project folder:
 * `app.isPackaged` is false) and the packaged app, decided in one place:
 *
 * - its identity: a development run is "Keywarden Dev", with a Chromium profile (Electron's userData folder) and,
 *   on Windows, an AppUserModelId of its own, so it never shares the installed app's single-instance lock, taskbar
 *   group or notification sender. The data folder (keywarden.db) is not the profile: it stays the one the CLI
 *   shares (electron/core/paths.ts), or KEYWARDEN_HOME;
 * - KEYWARDEN_SQLITE_BINDING, the Electron build of better-sqlite3 that `npm start` names: honoured only in a
 *   development run. A packaged app carries its own build in place of the Node one, and must not load a native
 *   module named by an environment variable (that would be code from anywhere, run with the vault's key in memory);
 * - the launcher's quit request on Windows, where it cannot send a stop signal (tools/start/start.mjs).
 *
 * The engine (electron/core) knows nothing of Electron: app.ts passes it the decisions made here.
 */
import { join } from 'node:path';

/** The packaged app's Windows AppUserModelId (electron-builder.yml's appId). */
export const APP_USER_MODEL_ID = 'app.keywarden.desktop';
/** A development run's name, Chromium profile folder and AppUserModelId. */
export const DEV_APP_NAME = 'Keywarden Dev';
export const DEV_APP_USER_MODEL_ID = 'app.keywarden.desktop.dev';
/** How `npm start` names the Electron build of better-sqlite3. */
export const SQLITE_BINDING_VARIABLE = 'KEYWARDEN_SQLITE_BINDING';
/** Set by the launcher on Windows: quit when it writes "quit" on stdin or closes it. */
export const QUIT_ON_STDIN_VARIABLE = 'KEYWARDEN_QUIT_ON_STDIN';

/** What this file uses of Electron's app. */
export interface AppIdentityLike {
  readonly isPackaged: boolean;
  setName(name: string): void;
  getPath(name: 'appData'): string;
  setPath(name: 'userData', path: string): void;
  setAppUserModelId(id: string): void;
}

/**
 * Gives a development run its own identity; must run before the app is ready (Electron reads userData for the
 * single-instance lock and the profile at start-up). The packaged app keeps Electron's defaults (its name from
 * package.json's productName) and the AppUserModelId its installer registers.
 */
export function applyAppIdentity(app: AppIdentityLike, platform: NodeJS.Platform = process.platform): { name: string | null; appUserModelId: string | null } {
  const appUserModelId = platform === 'win32' ? (app.isPackaged ? APP_USER_MODEL_ID : DEV_APP_USER_MODEL_ID) : null;
  if (!app.isPackaged) {
    app.setName(DEV_APP_NAME);
    app.setPath('userData', join(app.getPath('appData'), DEV_APP_NAME));
  }
  if (appUserModelId) app.setAppUserModelId(appUserModelId);
  return { name: app.isPackaged ? null : DEV_APP_NAME, appUserModelId };
}

/** The Electron build of better-sqlite3 to load: the one `npm start` names in a development run, never in a package. */
export function sqliteBindingOverride(isPackaged: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (isPackaged) return undefined;
  return env[SQLITE_BINDING_VARIABLE] || undefined;
}

/** What `quitWhenLauncherAsks` reads of stdin. */
export interface StdinLike {
  setEncoding?(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  resume?(): unknown;
}

/**
 * Windows: `npm start` cannot send Electron a stop signal (child.kill() would end it at once, skipping the clean
 * shutdown), so it writes "quit" on the app's stdin, or closes it when the launcher itself goes. Only in a
 * development run started by the launcher (never in a package); returns whether it listens.
 */
export function quitWhenLauncherAsks(isPackaged: boolean, openStdin: () => StdinLike, quit: () => void, env: NodeJS.ProcessEnv = process.env): boolean {
  if (isPackaged || env[QUIT_ON_STDIN_VARIABLE] !== '1') return false;
  // Opened only here: process.stdin is created on first use.
  const stdin = openStdin();
  let asked = false;
  const ask = () => {
    if (asked) return;
    asked = true;
    quit();
  };
  stdin.setEncoding?.('utf8');
  stdin.on('data', (chunk) => {
    if (String(chunk).split(/\r?\n/).includes('quit')) ask();
  });
  stdin.on('end', ask);
  stdin.resume?.();
  return true;
}
