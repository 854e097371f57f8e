/**
 * Vendor text without secrets (electron/core/redact.ts): what a vendor echoes in an error (the credential sent, a
 * key, a token after `Bearer` or `token=`) is taken out before the engine keeps or shows it, while the status, the
 * vendor's error code and Keywarden's own words stay. Every key-shaped value is made at run time.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Connector, RemoteKey } from '../../electron/core/backends/backend.js';
import { expectStatus } from '../../electron/core/backends/connector-kit.js';
import { KeywardenError } from '../../electron/core/errors.js';
import { REDACTED, redactingConnector, redactKeyShapes, redactVendorText } from '../../electron/core/redact.js';

const base62 = (length: number) => Array.from(randomBytes(length), (byte) => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[byte % 62]).join('');

describe('redactKeyShapes', () => {
  it("takes out each vendor's key shapes, tokens after Bearer or a field name, and long random runs", () => {
    const commbox = `cbx_${base62(36)}`;
    const boxwatch = `bw_${randomBytes(32).toString('hex')}`;
    const nitrobox = `A1${randomBytes(36).toString('base64url')}`;
    const hexToken = `cbt_${randomBytes(24).toString('hex')}`;
    // 16 lower-case hex digits: too short and too plain for the run rule; only the scheme before it gives it away.
    const plainToken = randomBytes(8).toString('hex');
    const text = `denied for ${commbox}, ${boxwatch}; Authorization: Bearer ${hexToken}; client_secret=${nitrobox}&api_key: "short-one" ${nitrobox}; retry with Bearer ${plainToken}`;
    const redacted = redactKeyShapes(text);
    for (const secret of [commbox, boxwatch, nitrobox, hexToken, 'short-one', plainToken]) expect(redacted).not.toContain(secret);
    expect(redacted).toBe(`denied for ${REDACTED}, ${REDACTED}; Authorization: Bearer ${REDACTED}; client_secret=${REDACTED}&api_key: "${REDACTED}" ${REDACTED}; retry with Bearer ${REDACTED}`);
  });

  it("keeps Keywarden's own words, BoxWatch's public prefix, key ids, client ids and vendor codes", () => {
    const prefix = `bw_${randomBytes(4).toString('hex')}`;
    const kept = [
      `acme: not allowed while listing keys (403) (admin_required: this token lacks admin rights)`,
      `bw: the key ${prefix} was revoked; create a new key and run "keywarden backend set-credential bw --credential-stdin"`,
      'nb: Nitrobox already has an API client "billing-sync-2026-production-eu-west-1"; choose another client ID',
      'cb: CommBox refused revoking key_0001a1b2c3 (409 not_active): only the active key can be revoked',
      'x: the connection failed during GET /v1/api-keys/key_0001a1b2c3/secret (UND_ERR_SOCKET)',
    ];
    for (const text of kept) expect(redactKeyShapes(text)).toBe(text);
  });
});

describe('redactVendorText', () => {
  it('takes out the secrets sent, whole, URL-encoded or a long piece of one, even when they are not key-shaped', () => {
    // Lower-case hex, 24 characters: no key shape catches it; only knowing it was sent does.
    const credential = randomBytes(12).toString('hex');
    const withSpace = `pass ${randomBytes(8).toString('hex')}/+=`;
    const text = `token ${credential} refused (starts ${credential.slice(0, 14)}); header was ${encodeURIComponent(withSpace)}`;
    const redacted = redactVendorText(text, [credential, withSpace, null]);
    expect(redacted).toBe(`token ${REDACTED} refused (starts ${REDACTED}); header was ${REDACTED}`);
  });
});

describe('a vendor error echoing the credential, through expectStatus and the engine wrapper', () => {
  const credential = randomBytes(12).toString('hex');
  const leaking: Connector = {
    async listPage() {
      expectStatus({ status: 403, attempts: 1, headers: {}, body: { error: 'insufficient_scope', message: `token ${credential} lacks keys:read` } }, [200], 'acme', 'listing keys');
      return { keys: [], nextCursor: null };
    },
    async verifyCredential(given) {
      return { account: `user ${given}` };
    },
    async testKey(_key: RemoteKey, secret) {
      return { ok: false, detail: `401 for ${secret}` };
    },
  };

  it('keeps the status and the vendor code, drops the credential; optional methods stay absent', async () => {
    const wrapped = redactingConnector(leaking, async () => [credential]);
    const error = await wrapped.listPage(null).then(
      () => null,
      (caught: unknown) => caught as KeywardenError,
    );
    expect(error).toBeInstanceOf(KeywardenError);
    expect(error!.code).toBe('forbidden');
    expect(error!.message).toBe(`acme: not allowed while listing keys (403) (insufficient_scope: token ${REDACTED} lacks keys:read)`);
    expect(error!.details).toMatchObject({ status: 403, vendorError: 'insufficient_scope' });
    // No cause holding the original text (a host logs an internal error's cause with its stack).
    expect(error!.cause).toBeUndefined();
    expect(await wrapped.verifyCredential(credential)).toEqual({ account: `user ${REDACTED}` });
    const secret = randomBytes(16).toString('hex');
    expect((await wrapped.testKey({ id: 'k' } as RemoteKey, secret)).detail).toBe(`401 for ${REDACTED}`);
    expect(wrapped.fetchSecret).toBeUndefined();
    expect(wrapped.keyIdForCredential).toBeUndefined();
  });
});
