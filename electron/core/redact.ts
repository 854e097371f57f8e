/**
 * Vendor text with secrets taken out. What a vendor says in an error (its message and code, a value a schema
 * check quotes, a test's detail) is stored (a backend's last error, the audit trail, the rotation journal), shown
 * (the CLI, the console) and copied into every backup. A vendor that echoes the request's bearer token, or a key,
 * in its error text would put a secret in all of those. So before anything keeps or shows it:
 * - the secrets Keywarden sent are replaced wherever they appear, whole or as a long piece (the backend's
 *   credential, the key being tested): `redactVendorText(text, secrets)`;
 * - so is anything shaped like a key, whichever vendor's: the documented shapes (CommBox `cbx_`, BoxWatch `bw_`
 *   beyond its 8-character public prefix), a value after `Bearer`/`Basic` or after `token=`, `secret:` and the
 *   like, and any long run of random-looking characters (mixed case and digits, or 32+ hex digits) such as a
 *   Nitrobox key or portal token: `redactKeyShapes(text)`.
 * The status, the vendor's error code (unless it is itself key-shaped) and Keywarden's own words stay.
 */
import type { Connector } from './backends/backend.js';
import { KeywardenError } from './errors.js';

export const REDACTED = '[redacted]';

/** A piece of a sent secret this long or longer, found in vendor text, is taken out too (a vendor quoting part of it). */
const MIN_SECRET_PIECE = 12;

/** Documented key shapes (docs/vendors.md, docs/wire/): a CommBox key, a BoxWatch key past its public prefix. */
const VENDOR_KEYS = /\bcbx_[0-9A-Za-z]{8,}|\bbw_[0-9a-f]{9,}/g;
/** A credential after the scheme that introduces it in an Authorization header (capitalised `Token` only: the word is common). */
const AFTER_SCHEME = /\b(Bearer|bearer|BEARER|Basic|basic|BASIC|Token)(\s+)[^\s"',;()[\]{}<>]+/g;
/** A credential after the name of its query, JSON or form field. */
const AFTER_NAME =
  /\b((?:access_|refresh_|id_)?token|api[_-]?key|apikey|client_secret|secret|password|passwd|authorization|credential)(["']?\s*[:=]\s*["']?)(?!\[redacted\]|(?:Bearer|bearer|BEARER|Basic|basic|BASIC|Token)\s)[^\s"',;&()[\]{}<>]+/gi;
/** Runs of the characters keys and tokens are made of (base64, base64url, hex, base62, with `_` prefixes). */
const RUN = /[A-Za-z0-9+/_=-]{20,}/g;

/** Whether a run of characters looks random enough to be a key: mixed case with digits, or 32+ hex digits. */
function looksLikeKey(run: string): boolean {
  if (/[a-z]/.test(run) && /[A-Z]/.test(run) && /[0-9]/.test(run)) return true;
  return /[0-9a-f]{32,}|[0-9A-F]{32,}/.test(run);
}

/** Takes out of `text` everything shaped like a key or a credential (see the module's comment). */
export function redactKeyShapes(text: string): string {
  return text
    .replace(VENDOR_KEYS, REDACTED)
    .replace(AFTER_SCHEME, (_match, scheme: string, space: string) => `${scheme}${space}${REDACTED}`)
    .replace(AFTER_NAME, (_match, name: string, separator: string) => `${name}${separator}${REDACTED}`)
    .replace(RUN, (run) => (looksLikeKey(run) ? REDACTED : run));
}

/** Takes the given secrets (whole, URL-encoded, or a long piece of one) and every key shape out of vendor text. */
export function redactVendorText(text: string, secrets: ReadonlyArray<string | null | undefined> = []): string {
  let result = text;
  const known = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4);
  for (const secret of known) {
    result = result.replaceAll(secret, REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) result = result.replaceAll(encoded, REDACTED);
  }
  if (known.length > 0) result = redactPieces(result, known);
  return redactKeyShapes(result);
}

/** Replaces every stretch of `text` made of pieces (MIN_SECRET_PIECE characters or more) of a known secret. */
function redactPieces(text: string, secrets: readonly string[]): string {
  const pieces = new Set<string>();
  for (const secret of secrets) for (let at = 0; at + MIN_SECRET_PIECE <= secret.length; at++) pieces.add(secret.slice(at, at + MIN_SECRET_PIECE));
  if (pieces.size === 0) return text;
  let result = '';
  let copied = 0;
  for (let at = 0; at + MIN_SECRET_PIECE <= text.length;) {
    if (!pieces.has(text.slice(at, at + MIN_SECRET_PIECE))) {
      at++;
      continue;
    }
    // Extend over every following window that is a piece too: the whole quoted stretch goes.
    let end = at + MIN_SECRET_PIECE;
    while (end < text.length && pieces.has(text.slice(end - MIN_SECRET_PIECE + 1, end + 1))) end++;
    result += text.slice(copied, at) + REDACTED;
    copied = end;
    at = end;
  }
  return result + text.slice(copied);
}

/**
 * The same error with its message and string details redacted. A changed error is a new one without the original
 * as its cause: the cause's message (and its stack, which a host logs for internal errors) would still hold the secret.
 */
export function redactError(error: unknown, secrets: ReadonlyArray<string | null | undefined> = []): unknown {
  if (!(error instanceof Error)) return error;
  const message = redactVendorText(error.message, secrets);
  if (error instanceof KeywardenError) {
    const details: Record<string, string | number | boolean | null> = {};
    let changed = message !== error.message;
    for (const [name, value] of Object.entries(error.details)) {
      details[name] = typeof value === 'string' ? redactVendorText(value, secrets) : value;
      changed ||= details[name] !== value;
    }
    return changed ? new KeywardenError(error.code, message, details) : error;
  }
  return message === error.message ? error : new Error(message);
}

/**
 * A connector whose every error (and test detail, and account label) leaves with the secrets it was given or
 * opened taken out, whatever the vendor said: the one place every vendor's text passes before the engine keeps or
 * shows it. `sentSecrets` gives the backend's credential once the connector has opened it (none before: nothing
 * was sent with it then, and opening it just to redact could ask the keychain for nothing).
 */
export function redactingConnector(inner: Connector, sentSecrets: () => Promise<string[]>): Connector {
  const guard = async <T>(run: () => Promise<T>, given: ReadonlyArray<string | null> = []): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw redactError(error, [...given, ...(await sentSecrets().catch(() => []))]);
    }
  };
  const wrapped: Connector = {
    listPage: (cursor) => guard(() => inner.listPage(cursor)),
    verifyCredential: (credential) =>
      guard(async () => {
        const verified = await inner.verifyCredential(credential);
        return { ...verified, account: redactVendorText(verified.account, [credential]) };
      }, [credential]),
    testKey: (key, secret) =>
      guard(async () => {
        const outcome = await inner.testKey(key, secret);
        return { ...outcome, detail: redactVendorText(outcome.detail, [secret, ...(await sentSecrets().catch(() => []))]) };
      }, [secret]),
  };
  // Optional methods stay absent where the vendor lacks them: the engine reads their presence as a capability.
  if (inner.fetchSecret) wrapped.fetchSecret = (keyId) => guard(() => inner.fetchSecret!(keyId));
  if (inner.createKey) wrapped.createKey = (name) => guard(() => inner.createKey!(name));
  if (inner.revokeKey) wrapped.revokeKey = (keyId, options) => guard(() => inner.revokeKey!(keyId, options));
  if (inner.deleteKey) wrapped.deleteKey = (keyId) => guard(() => inner.deleteKey!(keyId));
  if (inner.setRotationInterval) wrapped.setRotationInterval = (days) => guard(() => inner.setRotationInterval!(days));
  // Pure matching by prefix, no vendor text: passed through.
  if (inner.keyIdForCredential) wrapped.keyIdForCredential = (credential, keys) => inner.keyIdForCredential!(credential, keys);
  return wrapped;
}
