/**
 * BoxWatch connector. The account's one key is also Keywarden's credential, so the connector can
 * list, test and revoke it, and tells the engine which listed key the credential is (by prefix).
 * New keys are made in the BoxWatch dashboard: `POST /api-keys` answers 409 while a key exists,
 * and without a key there is nothing to authenticate with.
 */
import { KeywardenError } from '../../errors.js';
import type { Connector, ConnectorContext, RemoteKey } from '../backend.js';
import { expectStatus, parseResponse } from '../connector-kit.js';
import { BOXWATCH_KEY_PATTERN, BoxWatchAccount, type BoxWatchKey, BoxWatchKeyList, boxWatchPrefix } from './schemas.js';

export function createBoxWatchConnector(context: ConnectorContext): Connector {
  const { http, backendName } = context;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  function checkKeyFormat(key: string): void {
    if (!BOXWATCH_KEY_PATTERN.test(key)) {
      throw new KeywardenError('invalid_input', `${backendName}: a BoxWatch key is "bw_" followed by 64 lowercase hex characters; the text given is not one`, {
        backend: backendName,
      });
    }
  }

  return {
    async listPage(cursor) {
      const response = await http.request({
        method: 'GET',
        path: '/api-keys',
        query: { limit: 100, cursor: cursor ?? undefined },
        headers: bearer(await context.credential()),
        idempotent: true,
      });
      expectStatus(response, [200], backendName, 'listing keys');
      const page = parseResponse(BoxWatchKeyList, response.body, backendName, 'listing keys');
      return { keys: page.data.map(toRemoteKey), nextCursor: page.nextCursor };
    },

    async verifyCredential(credential) {
      checkKeyFormat(credential);
      const response = await http.request({ method: 'GET', path: '/auth/me', headers: bearer(credential), idempotent: true });
      if (response.status === 401) {
        throw new KeywardenError('unauthorized', `${backendName}: BoxWatch refused this key (401): it is revoked, mistyped or from another account`, {
          backend: backendName,
        });
      }
      expectStatus(response, [200], backendName, 'checking the key');
      const account = parseResponse(BoxWatchAccount, response.body, backendName, 'checking the key');
      return { account: account.email };
    },

    async testKey(_key, secret) {
      if (secret === null) {
        throw new KeywardenError('secret_not_cached', `${backendName}: BoxWatch keys are tested by using them, and Keywarden does not hold this key (BoxWatch shows a key only once)`, {
          backend: backendName,
        });
      }
      const response = await http.request({ method: 'GET', path: '/auth/me', headers: bearer(secret), idempotent: true });
      if (response.status === 401) return { ok: false, detail: '401 unauthorized: the key is revoked or unknown' };
      expectStatus(response, [200], backendName, 'testing the key');
      parseResponse(BoxWatchAccount, response.body, backendName, 'testing the key');
      return { ok: true, detail: 'valid' };
    },

    async revokeKey(keyId) {
      const response = await http.request({
        method: 'DELETE',
        path: `/api-keys/${encodeURIComponent(keyId)}`,
        headers: bearer(await context.credential()),
        // Revoking is never repeated blindly: if the answer is lost the engine re-lists to find out.
        idempotent: false,
      });
      expectStatus(response, [204], backendName, `revoking ${keyId}`);
      return { revoked: null, replacement: null };
    },

    keyIdForCredential(credential, keys) {
      const prefix = boxWatchPrefix(credential);
      return keys.find((key) => key.prefix === prefix)?.id ?? null;
    },
  };
}

function toRemoteKey(key: BoxWatchKey): RemoteKey {
  // BoxWatch deletes a revoked key, so every listed key is active and none carries an expiry.
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    status: 'active',
    createdAt: key.createdAt,
    expiresAt: null,
    graceEndsAt: null,
    lastUsedAt: key.lastUsedAt,
  };
}
