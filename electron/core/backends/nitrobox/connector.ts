/**
 * Nitrobox connector. Two credentials meet here: the administrator's portal user token manages API
 * clients (`/api/v1/api-keys`, role "Manage API credentials" required), and each client's API key
 * is tested the way consumers use it, by an OAuth 2.0 client-credentials token request.
 * Nitrobox shows an API key only in the create answer and has delete but no revoke.
 */
import { KeywardenError } from '../../errors.js';
import type { Connector, ConnectorContext, RemoteKey } from '../backend.js';
import { expectStatus, parseResponse, vendorError } from '../connector-kit.js';
import { NITROBOX_CLIENT_ID_PATTERN, NITROBOX_CLIENT_ID_RULE, NITROBOX_MANAGE_ROLE, NitroboxCreatedKey, type NitroboxKey, NitroboxKeyList, NitroboxTokenResponse } from './schemas.js';

const KEYS_PATH = '/api/v1/api-keys';

type Explain = (status: number, code: string | null, extra: Record<string, unknown>) => KeywardenError | null;

export function createNitroboxConnector(context: ConnectorContext): Connector {
  const { http, backendName } = context;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /**
   * The one place a missing role is phrased: every management call can meet it, and the administrator
   * needs the role's name and where it is assigned, not a bare 403.
   */
  const explainMissingRole: Explain = (status, code, extra) => {
    if (status !== 403 || code !== 'missing_role') return null;
    const role = roleName(extra.role);
    return new KeywardenError('forbidden', `${backendName}: your Nitrobox user lacks the role "${role}"; ask your Nitrobox administrator to assign it (Administration → User Management)`, {
      backend: backendName,
      status,
      vendorError: code,
      role,
    });
  };

  /** Management calls: the role first, then whatever the call itself explains. */
  function explainWith(specific?: Explain): Explain {
    return (status, code, extra) => explainMissingRole(status, code, extra) ?? specific?.(status, code, extra) ?? null;
  }

  function checkClientId(clientId: string): void {
    if (!NITROBOX_CLIENT_ID_PATTERN.test(clientId)) {
      throw new KeywardenError('invalid_input', `${backendName}: "${clientId.slice(0, 80)}" is not a valid Nitrobox API Client ID; use ${NITROBOX_CLIENT_ID_RULE}`, {
        backend: backendName,
      });
    }
  }

  return {
    async listPage(cursor) {
      const response = await http.request({
        method: 'GET',
        path: KEYS_PATH,
        query: { limit: 100, cursor: cursor ?? undefined },
        headers: bearer(await context.credential()),
        idempotent: true,
      });
      expectStatus(response, [200], backendName, 'listing API clients', explainWith());
      const page = parseResponse(NitroboxKeyList, response.body, backendName, 'listing API clients');
      return { keys: page.items.map(toRemoteKey), nextCursor: page.nextCursor };
    },

    async verifyCredential(credential) {
      if (credential.trim() === '') {
        throw new KeywardenError('invalid_input', `${backendName}: the Nitrobox portal user token is empty`, { backend: backendName });
      }
      // The smallest management call: it proves both that the token is valid and that its user holds the role.
      const response = await http.request({
        method: 'GET',
        path: KEYS_PATH,
        query: { limit: 1 },
        headers: bearer(credential),
        idempotent: true,
      });
      if (response.status === 401) {
        throw new KeywardenError('unauthorized', `${backendName}: Nitrobox refused this portal user token (401): it is expired, mistyped or from another tenant`, {
          backend: backendName,
          status: 401,
        });
      }
      expectStatus(response, [200], backendName, 'checking the portal user token', explainWith());
      parseResponse(NitroboxKeyList, response.body, backendName, 'checking the portal user token');
      // The list names no user; say what was proven instead (and nothing derived from the token).
      return { account: `Nitrobox portal user with the role "${NITROBOX_MANAGE_ROLE}"` };
    },

    async testKey(key, secret) {
      if (secret === null) {
        throw new KeywardenError(
          'secret_not_cached',
          `${backendName}: Nitrobox shows an API key only once, when it is created; Keywarden can test only keys it created or was given, and it does not hold the key of "${key.id}"`,
          { backend: backendName },
        );
      }
      const response = await http.request({
        method: 'POST',
        path: '/oauth/token',
        form: { grant_type: 'client_credentials', client_id: key.id, client_secret: secret },
        // A token request changes nothing but lastUsedAt: safe to repeat.
        idempotent: true,
      });
      if (response.status === 401) {
        const code = vendorError(response.body).code ?? 'unauthorized';
        return { ok: false, detail: `401 ${code}: Nitrobox refused the key for "${key.id}" (the client was deleted or the key is wrong)` };
      }
      expectStatus(response, [200], backendName, `requesting an access token for ${key.id}`);
      // Parsed to be sure a token really was issued; the token itself goes nowhere.
      parseResponse(NitroboxTokenResponse, response.body, backendName, `requesting an access token for ${key.id}`);
      return { ok: true, detail: 'token issued' };
    },

    async createKey(clientId) {
      checkClientId(clientId);
      const action = `creating API client ${clientId}`;
      const response = await http
        .request({
          method: 'POST',
          path: KEYS_PATH,
          json: { clientId },
          headers: bearer(await context.credential()),
          // Never retried: the client may exist even when the answer is lost, and a resend would meet 409.
          idempotent: false,
        })
        .catch((error: unknown) => {
          throw createdButUnreadable(error, backendName, clientId);
        });
      expectStatus(
        response,
        // 201 per contract; any other 2xx also means "carried out", so the body decides rather than a misleading "refused".
        [200, 201],
        backendName,
        action,
        explainWith((status, code) => {
          if (status === 409 && code === 'client_exists') {
            return new KeywardenError('conflict', `${backendName}: Nitrobox already has an API client "${clientId}"; choose another client ID`, {
              backend: backendName,
              status,
              vendorError: code,
            });
          }
          if (status === 400 && code === 'invalid_client_id') {
            return new KeywardenError('invalid_input', `${backendName}: Nitrobox refused the client ID "${clientId}"; use ${NITROBOX_CLIENT_ID_RULE}`, {
              backend: backendName,
              status,
              vendorError: code,
            });
          }
          return null;
        }),
      );
      try {
        const created = parseResponse(NitroboxCreatedKey, response.body, backendName, action);
        return { key: toRemoteKey(created), secret: created.apiKey };
      } catch (error) {
        throw createdButUnreadable(error, backendName, clientId);
      }
    },

    async deleteKey(clientId) {
      const response = await http.request({
        method: 'DELETE',
        path: `${KEYS_PATH}/${encodeURIComponent(clientId)}`,
        headers: bearer(await context.credential()),
        // Irreversible, yet safe to repeat as the contract says: a second delete of the same client only answers 404.
        // If every try loses its answer, the result is outcome_unknown and the engine re-lists.
        idempotent: true,
      });
      // A 404 to a repeated delete means an earlier try, whose answer was lost, did delete the client.
      if (response.status === 404 && response.attempts > 1) return;
      expectStatus(
        response,
        [204],
        backendName,
        `deleting API client ${clientId}`,
        explainWith((status, code) =>
          status === 404
            ? new KeywardenError('not_found', `${backendName}: Nitrobox has no API client "${clientId}" (404); it may have been deleted already`, {
                backend: backendName,
                status,
                vendorError: code,
              })
            : null,
        ),
      );
    },
  };
}

function toRemoteKey(key: NitroboxKey): RemoteKey {
  // The client ID is the key's identity, name and visible identifier; Nitrobox keys never expire and are deleted, not revoked.
  return {
    id: key.clientId,
    name: key.clientId,
    prefix: key.clientId,
    status: 'active',
    createdAt: key.createdAt,
    expiresAt: null,
    graceEndsAt: null,
    lastUsedAt: key.lastUsedAt,
    details: { createdBy: key.createdBy },
  };
}

/** The role named in a `missing_role` answer, kept short and printable because it lands in a message. */
function roleName(value: unknown): string {
  if (typeof value !== 'string') return NITROBOX_MANAGE_ROLE;
  const cleaned = value
    .replace(/[^\p{L}\p{N} ._-]/gu, '')
    .trim()
    .slice(0, 80);
  return cleaned === '' ? NITROBOX_MANAGE_ROLE : cleaned;
}

/**
 * A create answered with an unreadable body (not JSON, too large, wrong shape) was most likely carried
 * out: the client exists, but its key, shown only in that answer, is lost. The code stays
 * malformed_response; the message says what the administrator has to do about it.
 */
function createdButUnreadable(error: unknown, backendName: string, clientId: string): unknown {
  if (!(error instanceof KeywardenError) || error.code !== 'malformed_response') return error;
  const status = error.details.status;
  // An unreadable error answer (e.g. a 409 page that is not JSON) means nothing was created.
  if (typeof status === 'number' && (status < 200 || status > 299)) return error;
  return new KeywardenError(
    'malformed_response',
    `${error.message}. The API client "${clientId}" may have been created without Keywarden receiving its key; sync, and if it is listed, delete it and create a new one`,
    error.details,
    { cause: error },
  );
}
