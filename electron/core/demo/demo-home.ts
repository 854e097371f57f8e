/**
 * The demo's data folder, as every host opens it: `Keywarden-demo` beside the app's folder (never the real
 * inventory), and, where no OS keychain can hold its data key (a server, a container), a random passphrase kept
 * beside the sample data in a 0600 file. Acceptable for sample secrets only: the hosts say so.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PASSPHRASE_FILE, defaultDemoHome } from '../paths.js';
import type { PassphraseSource } from '../vault/vault.js';

export function demoHome(homeOption?: string): string {
  return homeOption || defaultDemoHome();
}

/** The demo's passphrase file, made (0600, random) on first use. */
export function demoPassphraseFile(home: string): string {
  const file = join(home, DEMO_PASSPHRASE_FILE);
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
  return file;
}

/** A passphrase source for a host without a terminal (the desktop app): the demo's own file, nothing else. */
export function demoPassphraseSource(home: string): PassphraseSource {
  return async () => readFileSync(demoPassphraseFile(home), 'utf8').trim();
}
