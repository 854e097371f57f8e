/**
 * The OS keychain, behind a three-method interface. This is the only file that imports keytar
 * (macOS Keychain, Windows Credential Vault, Linux Secret Service).
 *
 * keytar is loaded lazily so that commands which never touch a secret (list, reminders) work on a
 * machine with no keychain at all, and every keytar failure becomes one of two typed errors with a
 * fix the administrator can act on. A call that does not answer in time is an error, never a hang.
 *
 * How long "in time" is depends on who is asking. Reading or storing an entry of a locked keyring raises the OS's
 * unlock prompt (libsecret unlocks the collection first: Secret Service `Unlock`, then `Prompt.Prompt`; macOS asks
 * too), and the call answers only once the person has typed their password or cancelled. A person who asked
 * (reveal, copy, create, unlock, a CLI command) is given `KEYCHAIN_PROMPT_TIMEOUT_MS` to answer; the prompt's
 * Cancel ends the wait at once. Background work never waits on a person: `KEYCHAIN_TIMEOUT_MS`, and the vault does
 * not even start a call that would raise the prompt where it can tell the keyring is locked (vault.ts).
 */
import { KeywardenError } from '../errors.js';

/** Who a keychain call is for: a person waiting for it (who may be answering an unlock prompt), or background work. */
export type KeychainAsker = 'person' | 'background';

export interface Keychain {
  get(service: string, account: string, asker?: KeychainAsker): Promise<string | null>;
  set(service: string, account: string, value: string, asker?: KeychainAsker): Promise<void>;
  delete(service: string, account: string, asker?: KeychainAsker): Promise<boolean>;
  /**
   * Whether the collection entries are read from is locked: true, false, or null when it cannot be
   * told. Needed because keytar's `get` answers null both for a missing entry and for any entry of a
   * locked Secret Service collection, and the two call for opposite advice.
   */
  isLocked?(): Promise<boolean | null>;
}

export type Keytar = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
};

/** Background work: the keychain answers at once when it is unlocked; longer means a prompt nobody asked for. */
export const KEYCHAIN_TIMEOUT_MS = 15_000;
/** A person at an unlock prompt: time to notice it, find the password and type it. Cancel on the prompt ends it sooner. */
export const KEYCHAIN_PROMPT_TIMEOUT_MS = 5 * 60_000;

export interface OsKeychainOptions {
  /** keytar itself; tests give a stand-in that answers late, as one behind an unlock prompt does. */
  loadKeytar?: () => Promise<Keytar>;
}

export function createOsKeychain(options: OsKeychainOptions = {}): Keychain {
  let keytar: Keytar | null = null;
  async function load(): Promise<Keytar> {
    if (keytar) return keytar;
    try {
      keytar = options.loadKeytar ? await options.loadKeytar() : (await import('keytar')).default;
      return keytar;
    } catch (error) {
      throw new KeywardenError(
        'keychain_unavailable',
        `the OS keychain module could not be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); on Linux install libsecret (e.g. "apt-get install libsecret-1-0 gnome-keyring")`,
        {},
        { cause: error },
      );
    }
  }
  async function call<T>(what: string, asker: KeychainAsker, run: (k: Keytar) => Promise<T>): Promise<T> {
    const k = await load();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const ms = asker === 'person' ? KEYCHAIN_PROMPT_TIMEOUT_MS : KEYCHAIN_TIMEOUT_MS;
      const message =
        asker === 'person'
          ? `the OS keychain did not answer within ${ms / 60_000} minutes while ${what}: its unlock prompt was not answered. Unlock your login keyring and try again`
          : `the OS keychain did not answer within ${ms / 1000} s while ${what}; is it waiting for an unlock prompt?`;
      timer = setTimeout(() => reject(new KeywardenError('keychain_unavailable', message)), ms);
    });
    try {
      return await Promise.race([run(k), timeout]);
    } catch (error) {
      throw translateKeychainError(error, what);
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    // A caller that does not say is a person: the CLI and the console's requests are.
    get: (service, account, asker = 'person') => call('reading the data key', asker, (k) => k.getPassword(service, account)),
    set: (service, account, value, asker = 'person') => call('storing the data key', asker, (k) => k.setPassword(service, account, value)),
    delete: (service, account, asker = 'person') => call('deleting the data key', asker, (k) => k.deletePassword(service, account)),
    isLocked: () => secretServiceDefaultCollectionLocked(),
  };
}

const LOCK_QUERY_TIMEOUT_MS = 3_000;

/**
 * Linux: asks the Secret Service whether the default collection (the one libsecret, and so keytar,
 * reads) is locked, with `dbus-send` from the D-Bus tools every desktop has; no second native module.
 * Elsewhere a locked keychain makes keytar fail with an error, so null ("cannot tell") is enough.
 */
async function secretServiceDefaultCollectionLocked(): Promise<boolean | null> {
  if (process.platform !== 'linux') return null;
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets/aliases/default',
        'org.freedesktop.DBus.Properties.Get',
        'string:org.freedesktop.Secret.Collection',
        'string:Locked',
      ],
      { timeout: LOCK_QUERY_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout) => {
        if (error) return resolve(null);
        const match = /boolean (true|false)/.exec(stdout);
        resolve(match ? match[1] === 'true' : null);
      },
    );
  });
}

/** Maps the platform's raw messages (seen on Linux: D-Bus absent, keyring locked) to Keywarden's own. */
export function translateKeychainError(error: unknown, what: string): KeywardenError {
  if (error instanceof KeywardenError) return error;
  const text = error instanceof Error ? error.message : String(error);
  if (/autolaunch D-Bus|DBUS_SESSION_BUS_ADDRESS|org\.freedesktop\.secrets|ServiceUnknown|was not provided by any \.service files/i.test(text)) {
    return new KeywardenError(
      'keychain_unavailable',
      `no OS keychain is reachable (${firstLine(text)}): secrets cannot be cached. Start a desktop session with a Secret Service (GNOME Keyring or KWallet), or run inside "dbus-run-session" with gnome-keyring-daemon unlocked. The inventory and reminders still work`,
      {},
      { cause: error },
    );
  }
  if (/Object does not exist at path|locked|dismissed|cancel|denied|not allowed/i.test(text)) {
    return new KeywardenError(
      'keychain_locked',
      `the OS keychain refused access while ${what} (${firstLine(text)}): unlock your login keyring and try again. The inventory and reminders still work`,
      {},
      { cause: error },
    );
  }
  return new KeywardenError('keychain_unavailable', `the OS keychain failed while ${what}: ${firstLine(text)}`, {}, { cause: error });
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}
