/**
 * Helpers every connector uses to turn an HTTP answer into a typed value or a typed error,
 * so that "403 from CommBox" and "403 from Nitrobox" read the same way to the administrator.
 */
import type { z } from 'zod';
import { KeywardenError } from '../errors.js';
import { redactKeyShapes } from '../redact.js';
import type { HttpResponse } from './http.js';
import { parseRetryAfter } from './http.js';

/**
 * The vendor's `{ error, message }` body, when it sent one, with anything key-shaped taken out (a vendor echoing
 * a key or a bearer token in its error); the engine also takes out the credential it sent (see redact.ts).
 */
export function vendorError(body: unknown): { code: string | null; message: string | null; extra: Record<string, unknown> } {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    return {
      // Redacted before it is cut, so a key cut in half is still recognised.
      code: typeof record.error === 'string' ? redactKeyShapes(record.error.slice(0, 400)).slice(0, 80) : null,
      message: typeof record.message === 'string' ? redactKeyShapes(record.message.slice(0, 400)).slice(0, 200) : null,
      extra: record,
    };
  }
  return { code: null, message: null, extra: {} };
}

/**
 * Throws the typed error matching an unexpected status. `action` says what was being done
 * ("listing keys", "revoking key_12") so the one-line message explains itself.
 * `explain` lets a connector phrase vendor-specific errors (CommBox `admin_required`, Nitrobox `missing_role`).
 */
export function expectStatus(
  response: HttpResponse,
  expected: readonly number[],
  backendName: string,
  action: string,
  explain?: (status: number, code: string | null, extra: Record<string, unknown>) => KeywardenError | null,
): void {
  if (expected.includes(response.status)) return;
  const { code, message, extra } = vendorError(response.body);
  const custom = explain?.(response.status, code, extra);
  if (custom) throw custom;
  const details = { backend: backendName, status: response.status, vendorError: code };
  const vendorText = code ? ` (${code}${message ? `: ${message}` : ''})` : '';
  const status = response.status;
  if (status === 401) {
    throw new KeywardenError(
      'unauthorized',
      `${backendName}: the credential was refused while ${action} (401); set a new one with "keywarden backend set-credential ${backendName} --credential-stdin"`,
      details,
    );
  }
  if (status === 403) throw new KeywardenError('forbidden', `${backendName}: not allowed while ${action} (403)${vendorText}`, details);
  // The contracts send Retry-After with 429 and with 503 (maintenance): either way the administrator learns when to come back.
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers['retry-after']) : null;
  const retryAfterSeconds = retryAfterMs !== null ? Math.ceil(retryAfterMs / 1000) : null;
  const when = retryAfterSeconds !== null ? `; try again in ${retryAfterSeconds} s` : '';
  if (status === 429) {
    throw new KeywardenError('rate_limited', `${backendName}: rate limited while ${action} (429)${when}`, { ...details, retryAfterSeconds });
  }
  if (status === 503) {
    throw new KeywardenError('vendor_unavailable', `${backendName}: the backend is unavailable while ${action} (HTTP 503)${vendorText}${when}`, {
      ...details,
      retryAfterSeconds,
    });
  }
  if (status >= 500) throw new KeywardenError('vendor_unavailable', `${backendName}: the backend failed while ${action} (HTTP ${status})${vendorText}`, details);
  if (status === 404) throw new KeywardenError('not_found', `${backendName}: not found while ${action} (404)${vendorText}`, details);
  throw new KeywardenError('vendor_rejected', `${backendName}: the backend refused ${action} (HTTP ${status})${vendorText}`, details);
}

/**
 * Parses a response body with the contract's schema. A mismatch names the backend and the first
 * offending field, because "malformed response" alone sends the administrator nowhere.
 */
export function parseResponse<T>(schema: z.ZodType<T>, body: unknown, backendName: string, action: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(body)';
  throw new KeywardenError('malformed_response', `${backendName}: unexpected response while ${action}: field "${field}" ${issue ? issue.message.toLowerCase() : 'is invalid'}`, {
    backend: backendName,
    field,
  });
}
