/**
 * CommBox connector. The organisation has one active key at a time; CommBox replaces it itself at
 * the end of the admin-set interval, and an admin's revoke issues the replacement at once. Either way
 * the old key keeps working for a 30-day grace period, which Keywarden reports as status `grace`.
 * Every management call needs an admin's token: CommBox answers `403 admin_required` otherwise, and
 * that answer is turned into one message that says what to do about it.
 */
import { KeywardenError } from '../../errors.js';
import type { Connector, ConnectorContext, RemoteKey } from '../backend.js';
import { expectStatus, parseResponse } from '../connector-kit.js';
import type { HttpResponse } from '../http.js';
import { COMMBOX_GRACE_DAYS, COMMBOX_MAX_DAYS, COMMBOX_MIN_DAYS, type CommBoxKey, CommBoxKeyList, CommBoxRevokeResult, CommBoxRotation, CommBoxSecret, CommBoxTestResult } from './schemas.js';

/** A replacement key is valid for up to a year; without an explicit choice it gets the whole year. */
const DEFAULT_VALIDITY_DAYS = 365;

export function createCommBoxConnector(context: ConnectorContext): Connector {
  const { http, backendName } = context;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const keyPath = (keyId: string) => `/v1/api-keys/${encodeURIComponent(keyId)}`;

  /** Vendor error codes that deserve a sentence of their own, whichever call met them. */
  function explain(action: string) {
    return (status: number, code: string | null): KeywardenError | null => {
      const details = { backend: backendName, status, vendorError: code };
      if (status === 403 && code === 'admin_required') {
        return new KeywardenError(
          'forbidden',
          `${backendName}: CommBox requires admin access to manage API keys, and this token lacks it (403 admin_required while ${action}); ask a CommBox admin to do this, or use an admin's token ("keywarden backend set-credential ${backendName} --credential-stdin")`,
          details,
        );
      }
      if (status === 400 && code === 'invalid_validity') {
        return new KeywardenError(
          'invalid_input',
          `${backendName}: CommBox refused the replacement key's validity while ${action} (400 invalid_validity); choose ${COMMBOX_MIN_DAYS} to ${COMMBOX_MAX_DAYS} days`,
          details,
        );
      }
      if (status === 400 && code === 'invalid_interval') {
        return new KeywardenError(
          'invalid_input',
          `${backendName}: CommBox refused the replacement interval while ${action} (400 invalid_interval); choose ${COMMBOX_MIN_DAYS} to ${COMMBOX_MAX_DAYS} days`,
          details,
        );
      }
      if (status === 409 && code === 'not_active') {
        return new KeywardenError(
          'conflict',
          `${backendName}: CommBox refused ${action} (409 not_active): only the active key can be revoked, and this one is already revoked or expired`,
          details,
        );
      }
      if (status === 409 && code === 'key_active') {
        return new KeywardenError(
          'conflict',
          `${backendName}: CommBox refused ${action} (409 key_active): the active key cannot be deleted; revoke it first (it stays usable for a ${COMMBOX_GRACE_DAYS}-day grace period), then delete it`,
          details,
        );
      }
      return null;
    };
  }

  function check(response: HttpResponse, expected: readonly number[], action: string): void {
    expectStatus(response, expected, backendName, action, explain(action));
  }

  /** Checked before sending: a wrong number is the administrator's typo, not something to ask CommBox about. */
  function checkDays(days: number, what: string): void {
    if (!Number.isInteger(days) || days < COMMBOX_MIN_DAYS || days > COMMBOX_MAX_DAYS) {
      throw new KeywardenError('invalid_input', `${backendName}: ${what} must be a whole number of days from ${COMMBOX_MIN_DAYS} to ${COMMBOX_MAX_DAYS} (got ${days})`, {
        backend: backendName,
      });
    }
  }

  return {
    async listPage(cursor) {
      const response = await http.request({
        method: 'GET',
        path: '/v1/api-keys',
        query: { limit: 100, cursor: cursor ?? undefined },
        headers: bearer(await context.credential()),
        idempotent: true,
      });
      check(response, [200], 'listing keys');
      const page = parseResponse(CommBoxKeyList, response.body, backendName, 'listing keys');
      return {
        keys: page.data.map(toRemoteKey),
        nextCursor: page.nextCursor,
        facts: { rotationIntervalDays: page.rotation.intervalDays },
      };
    },

    async verifyCredential(credential) {
      // A token with spaces or control characters cannot travel in a header; say so instead of a socket error.
      if (!/^[\x21-\x7e]+$/.test(credential)) {
        throw new KeywardenError('invalid_input', `${backendName}: a CommBox admin token is one word of printable characters; the text given is not one`, {
          backend: backendName,
        });
      }
      const response = await http.request({
        method: 'GET',
        path: '/v1/api-keys',
        query: { limit: 1 },
        headers: bearer(credential),
        idempotent: true,
      });
      if (response.status === 401) {
        throw new KeywardenError('unauthorized', `${backendName}: CommBox refused this token (401): it is unknown, mistyped or from another organisation`, {
          backend: backendName,
          status: 401,
        });
      }
      check(response, [200], 'checking the token');
      parseResponse(CommBoxKeyList, response.body, backendName, 'checking the token');
      // CommBox has no "who am I" call; reaching the key list proves admin rights, which is what matters.
      return { account: 'CommBox admin' };
    },

    async testKey(key) {
      // CommBox tests a key by id on its own side, so the cached secret is not needed.
      const action = `testing ${key.id}`;
      const response = await http.request({
        method: 'POST',
        path: `${keyPath(key.id)}/test`,
        headers: bearer(await context.credential()),
        // The contract lists the test call as safe to repeat: it changes nothing.
        idempotent: true,
      });
      check(response, [200], action);
      const result = parseResponse(CommBoxTestResult, response.body, backendName, action);
      return { ok: result.valid, detail: result.valid ? 'valid' : 'invalid: expired or revoked' };
    },

    async fetchSecret(keyId) {
      const action = `viewing ${keyId}`;
      const response = await http.request({
        method: 'GET',
        path: `${keyPath(keyId)}/secret`,
        headers: bearer(await context.credential()),
        idempotent: true,
      });
      check(response, [200], action);
      const shown = parseResponse(CommBoxSecret, response.body, backendName, action);
      if (shown.id !== keyId) {
        // Caching another key's secret under this id would be worse than failing.
        throw new KeywardenError('malformed_response', `${backendName}: unexpected response while ${action}: field "id" names another key`, {
          backend: backendName,
          field: 'id',
        });
      }
      return shown.secret;
    },

    async revokeKey(keyId, options) {
      const validityDays = options.validityDays ?? DEFAULT_VALIDITY_DAYS;
      checkDays(validityDays, "the replacement key's validity");
      const action = `revoking ${keyId}`;
      const response = await http.request({
        method: 'POST',
        path: `${keyPath(keyId)}/revoke`,
        headers: bearer(await context.credential()),
        json: { validityDays },
        // Revoking issues a replacement: sent twice, it could revoke that replacement too. Never retried.
        idempotent: false,
      });
      check(response, [200], action);
      const result = parseResponse(CommBoxRevokeResult, response.body, backendName, action);
      const { secret, ...replacement } = result.replacement;
      return { revoked: toRemoteKey(result.revoked), replacement: { key: toRemoteKey(replacement), secret } };
    },

    async deleteKey(keyId) {
      const action = `deleting ${keyId}`;
      const response = await http.request({
        method: 'DELETE',
        path: keyPath(keyId),
        headers: bearer(await context.credential()),
        // The contract lists DELETE as safe to repeat: deleting a deleted key changes nothing (it answers 404).
        idempotent: true,
      });
      // A 404 to a repeated delete means an earlier try, whose answer was lost, did delete the key.
      if (response.status === 404 && response.attempts > 1) return;
      check(response, [204], action);
    },

    async setRotationInterval(days) {
      checkDays(days, 'the replacement interval');
      const action = `setting the replacement interval to ${days} days`;
      const response = await http.request({
        method: 'PUT',
        path: '/v1/api-keys/rotation',
        headers: bearer(await context.credential()),
        json: { intervalDays: days },
        // A shorter interval can rotate the active key at once, issuing a new one: not repeated blindly.
        idempotent: false,
      });
      check(response, [200], action);
      return parseResponse(CommBoxRotation, response.body, backendName, action);
    },
  };
}

function toRemoteKey(key: CommBoxKey): RemoteKey {
  return {
    id: key.id,
    name: key.label,
    prefix: `…${key.last4}`,
    status: keywardenStatus(key),
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    graceEndsAt: key.graceEndsAt,
    lastUsedAt: null,
    details: { revokedAt: key.revokedAt },
  };
}

/** A revoked key with a grace end still works until then: consumers must switch, which is what `grace` tells the administrator. */
function keywardenStatus(key: CommBoxKey): RemoteKey['status'] {
  if (key.status === 'revoked') return key.graceEndsAt !== null ? 'grace' : 'revoked';
  return key.status;
}
