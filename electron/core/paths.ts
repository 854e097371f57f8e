/**
 * Where Keywarden keeps its data. The CLI and the desktop app must share one inventory, so the
 * default is the same per-user folder Electron's `app.getPath('userData')` gives an app named
 * "Keywarden" on each platform; `--home` and `KEYWARDEN_HOME` override it (scripts, tests, several profiles).
 */
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const APP_FOLDER_NAME = 'Keywarden';
export const DATABASE_FILE = 'keywarden.db';

export function defaultHome(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_FOLDER_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_FOLDER_NAME);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), APP_FOLDER_NAME);
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.KEYWARDEN_HOME || defaultHome(process.platform, env);
}

/**
 * The demo's own data folder, beside the app's: the demo registers emulators and sample keys, which
 * must never mix with (or replace anything in) a real inventory.
 */
export function defaultDemoHome(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(defaultHome(platform, env)), `${APP_FOLDER_NAME}-demo`);
}

/** The demo keeps the passphrase of its sample vault here when the machine has no OS keychain. */
export const DEMO_PASSPHRASE_FILE = 'demo-passphrase';
