/**
 * Errors as typed values.
 *
 * Every failure the engine reports is a KeywardenError with a stable `code` (for scripts, tests and
 * the UI to branch on) and a one-line `message` written for the administrator. Messages never contain
 * a secret: callers build them from names, references and status codes only.
 */

export type ErrorCode =
  | 'invalid_input' // the user's input is wrong; nothing was changed
  | 'not_found' // no such backend or key
  | 'conflict' // the request contradicts stored state (e.g. a backend name already taken)
  | 'unsupported' // the vendor does not offer this workflow
  | 'keychain_unavailable' // no OS keychain reachable (no Secret Service / D-Bus session)
  | 'keychain_locked' // a keychain is there but locked or refusing access
  | 'vault_key_mismatch' // the keychain's data key cannot open this data folder's secrets
  | 'vault_key_missing' // the data key is not in the keychain (and no passphrase opened it)
  | 'secret_not_cached' // the workflow needs a secret Keywarden does not hold
  | 'no_credential' // the backend has no credential configured
  | 'store_corrupt' // the database file cannot be read as a Keywarden store
  | 'store_busy' // another process holds the database longer than the busy timeout
  | 'store_read_only' // a write was needed but the data folder or database is read-only
  | 'no_inventory' // the data folder (or its database) does not exist and the command only reads
  | 'locked' // Keywarden itself is locked (by the administrator, idle time or the screen lock): no reveal or copy until unlocked
  | 'passphrase_required' // unlocking this data folder needs its passphrase (it has one), and none was given
  | 'vault_locked' // the data key exists but no way to open it is available now (keychain locked or missing, no passphrase given)
  | 'network' // connection refused, reset, DNS failure
  | 'timeout' // connect or response timeout
  | 'unauthorized' // 401 from the vendor
  | 'forbidden' // 403 from the vendor (missing admin rights, missing role)
  | 'rate_limited' // 429 still answered after the retries
  | 'vendor_unavailable' // 5xx still answered after the retries
  | 'vendor_rejected' // a 4xx the vendor explains (invalid name, key exists, ...)
  | 'malformed_response' // the vendor answered something that does not fit its contract
  | 'outcome_unknown' // a create or revoke was sent but its answer was lost: it may have happened
  | 'insecure_url' // a non-https URL to a non-loopback host
  | 'insecure_permissions' // a data folder, database or passphrase file another local user could change (or read); the message says the chmod or chown that fixes it
  | 'import_malformed' // an import's source file is not what its format says: truncated, damaged, or hostile (a zip bomb); nothing was stored
  | 'import_wrong_password' // the KeePass database does not open with the password (and key file) given; nothing was stored
  | 'import_too_large' // an import's source file is over the size Keywarden reads; nothing was stored
  | 'import_unsupported' // an import's source is a variant Keywarden cannot read (an encrypted Bitwarden export, a KDBX version); nothing was stored
  | 'internal'; // a defect in Keywarden itself: reported, never swallowed

export class KeywardenError extends Error {
  override readonly name = 'KeywardenError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Structured, secret-free details for scripts (`--json`) and tests. */
    readonly details: Readonly<Record<string, string | number | boolean | null>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, string | number | boolean | null> } {
    return { code: this.code, message: this.message, details: { ...this.details } };
  }
}

export function isKeywardenError(value: unknown): value is KeywardenError {
  return value instanceof KeywardenError;
}

/** Wraps anything thrown by a dependency so that nothing unexplained reaches a user. */
export function toKeywardenError(value: unknown, fallbackMessage = 'unexpected error'): KeywardenError {
  if (value instanceof KeywardenError) return value;
  const text = value instanceof Error ? value.message : String(value);
  return new KeywardenError('internal', `${fallbackMessage}: ${text}`, {}, { cause: value });
}

/**
 * Runs a check of one input field and names that field in what it throws (`details.field`, e.g. `expiresAt`), so a
 * form shows the engine's own message under the field it is about instead of restating the rule. A field already
 * named by a deeper check is kept.
 */
export function inField<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof KeywardenError && error.details.field === undefined) {
      throw new KeywardenError(error.code, error.message, { ...error.details, field }, { cause: error });
    }
    throw error;
  }
}
