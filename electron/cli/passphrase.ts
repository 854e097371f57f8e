/**
 * Where the CLI gets a data folder's passphrase: the file named by KEYWARDEN_PASSPHRASE_FILE (for
 * cron, SSH sessions and containers), else a prompt at a terminal. Never an argument: argv is visible
 * to every user of the machine in the process list.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { KeywardenError } from '../core/errors.js';
import { requireOwnPath } from '../core/private-files.js';
import type { PassphraseSource } from '../core/vault/vault.js';
import { promptHidden } from './io.js';

export const PASSPHRASE_FILE_VARIABLE = 'KEYWARDEN_PASSPHRASE_FILE';

/**
 * Reads the passphrase file: one line, a trailing newline ignored. Refused, not read, when another user owns it
 * or others can read or write it (whoever can read it can open every cached secret; whoever can write it can make
 * Keywarden seal new secrets under a passphrase they know). Checked on the open descriptor, so the file judged is
 * the file read.
 */
export function readPassphraseFile(path: string): string {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY);
    requireOwnPath(
      path,
      { what: `the passphrase file (${PASSPHRASE_FILE_VARIABLE})`, risk: "read or replace the passphrase that opens this data folder's secrets", fixMode: 0o600, secret: true },
      fstatSync(fd),
    );
    text = readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof KeywardenError) throw error;
    throw new KeywardenError('invalid_input', `cannot read the passphrase file ${path} named by ${PASSPHRASE_FILE_VARIABLE}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
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
export function cliPassphraseSource(fallbackFile?: () => string | null, options: { prompt?: boolean } = {}): PassphraseSource {
  return async (purpose) => {
    const file = process.env[PASSPHRASE_FILE_VARIABLE] || fallbackFile?.();
    if (file) return readPassphraseFile(file);
    if (purpose === 'open' && options.prompt !== false && process.stdin.isTTY) return promptHidden('Passphrase of this Keywarden data folder: ');
    return null;
  };
}

/** `vault add-passphrase`: from the file, or typed twice at a terminal. */
export async function readNewPassphrase(): Promise<string> {
  const file = process.env[PASSPHRASE_FILE_VARIABLE];
  if (file) return readPassphraseFile(file);
  if (!process.stdin.isTTY) {
    throw new KeywardenError('invalid_input', `no terminal to type a passphrase at: name a file holding it in ${PASSPHRASE_FILE_VARIABLE}`);
  }
  const first = await promptHidden('New passphrase (at least 12 characters): ');
  const second = await promptHidden('The same passphrase again: ');
  if (first !== second) throw new KeywardenError('invalid_input', 'the two passphrases differ; nothing was changed');
  return first;
}
