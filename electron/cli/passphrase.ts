/**
 * Where the CLI gets a data folder's passphrase: the file named by KEYWARDEN_PASSPHRASE_FILE (for
 * cron, SSH sessions and containers), else a prompt at a terminal. Never an argument: argv is visible
 * to every user of the machine in the process list.
 */
import { readFileSync, statSync } from 'node:fs';
import { KeywardenError } from '../core/errors.js';
import type { PassphraseSource } from '../core/vault/vault.js';
import { promptHidden } from './io.js';

export const PASSPHRASE_FILE_VARIABLE = 'KEYWARDEN_PASSPHRASE_FILE';

/** Reads the passphrase file: one line, a trailing newline ignored; warns when others can read it. */
export function readPassphraseFile(path: string, warn: (message: string) => void): string {
  let text: string;
  try {
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
      warn(`keywarden: warning: ${path} (${PASSPHRASE_FILE_VARIABLE}) is readable by other users; "chmod 600 ${path}"`);
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KeywardenError('invalid_input', `cannot read the passphrase file ${path} named by ${PASSPHRASE_FILE_VARIABLE}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const passphrase = text.replace(/\r?\n$/, '');
  if (passphrase === '') throw new KeywardenError('invalid_input', `the passphrase file ${path} named by ${PASSPHRASE_FILE_VARIABLE} is empty`);
  return passphrase;
}

/**
 * The engine asks only when the keychain cannot open the data key. Creating a vault with a passphrase
 * needs the file (or `keywarden vault add-passphrase`, which asks twice): a one-off prompt in the
 * middle of another command is no place to choose one. `prompt: false` for servers (`keywarden ui`): a
 * request from the browser must never wait on a prompt in the terminal; the console asks in its own dialog.
 */
export function cliPassphraseSource(warn: (message: string) => void, fallbackFile?: () => string | null, options: { prompt?: boolean } = {}): PassphraseSource {
  return async (purpose) => {
    const file = process.env[PASSPHRASE_FILE_VARIABLE] || fallbackFile?.();
    if (file) return readPassphraseFile(file, warn);
    if (purpose === 'open' && options.prompt !== false && process.stdin.isTTY) return promptHidden('Passphrase of this Keywarden data folder: ');
    return null;
  };
}

/** `vault add-passphrase`: from the file, or typed twice at a terminal. */
export async function readNewPassphrase(warn: (message: string) => void): Promise<string> {
  const file = process.env[PASSPHRASE_FILE_VARIABLE];
  if (file) return readPassphraseFile(file, warn);
  if (!process.stdin.isTTY) {
    throw new KeywardenError('invalid_input', `no terminal to type a passphrase at: name a file holding it in ${PASSPHRASE_FILE_VARIABLE}`);
  }
  const first = await promptHidden('New passphrase (at least 12 characters): ');
  const second = await promptHidden('The same passphrase again: ');
  if (first !== second) throw new KeywardenError('invalid_input', 'the two passphrases differ; nothing was changed');
  return first;
}
