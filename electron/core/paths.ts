/**
 * Where Keywarden keeps its data. The CLI and the desktop app must share one inventory, so the
 * default is the same per-user folder Electron's `app.getPath('userData')` gives an app named
 * "Keywarden" on each platform; `--home` and `KEYWARDEN_HOME` override it (scripts, tests, several profiles).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

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
