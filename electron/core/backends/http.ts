/**
 * The HTTP client every connector uses. This is the only file that imports undici.
 *
 * Why hand-written retry logic rather than undici's RetryAgent: the rule that matters most here is
 * which requests may be sent twice. A request that creates or revokes a key may have succeeded even
 * when its answer was lost, so it is never retried and an ambiguous failure is reported as
 * `outcome_unknown`; reads, tests and token requests are retried with backoff, jitter and the server's
 * `Retry-After`. Keeping that rule in one short function makes it easy to audit.
 */
import { Pool, errors as undiciErrors } from 'undici';
import { KeywardenError } from '../errors.js';
import { checkBackendUrl } from './url-policy.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the backend's base URL, starting with `/`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  /**
   * True when sending the request twice is harmless (reads, tests, token requests).
   * Creates and revokes must pass false: they are never retried.
   */
  idempotent: boolean;
  /** 'ignore' reads (and size-caps) the body without parsing it: for endpoints outside a vendor contract. */
  responseType?: 'json' | 'ignore';
}

export interface HttpResponse {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON, or null when the body was empty. */
  body: unknown;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface HttpOptions {
  /** Name of the backend, used in every error message. */
  backendName: string;
  connectTimeoutMs: number;
  /** Time allowed for the response headers, and separately for any pause while the body streams. */
  responseTimeoutMs: number;
  /** Responses larger than this are refused: a key list is small, a huge body is a fault or an attack. */
  maxResponseBytes: number;
  /** Total attempts for an idempotent request (1 = no retry). */
  maxAttempts: number;
  /** First backoff step; doubled on each retry, with full jitter. */
  baseBackoffMs: number;
  /** A Retry-After longer than this is not waited for: the error says when to try again instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_HTTP_OPTIONS: Omit<HttpOptions, 'backendName'> = {
  connectTimeoutMs: 10_000,
  responseTimeoutMs: 30_000,
  maxResponseBytes: 8 * 1024 * 1024,
  maxAttempts: 4,
  baseBackoffMs: 250,
  maxRetryAfterMs: 30_000,
};

/** Statuses that say "try again later" for a request that is safe to repeat. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Errors raised before any byte of the request reached the server: nothing can have happened. */
const NOT_SENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export function createHttpClient(baseUrl: string, options: Partial<HttpOptions> & { backendName: string }): HttpClient {
  const settings: HttpOptions = { ...DEFAULT_HTTP_OPTIONS, ...options };
  const base = new URL(checkBackendUrl(baseUrl));
  const basePath = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connect: { timeout: settings.connectTimeoutMs },
    headersTimeout: settings.responseTimeoutMs,
    bodyTimeout: settings.responseTimeoutMs,
    keepAliveTimeout: 30_000,
    connections: 8,
  });

  async function sendOnce(request: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    } else if (request.form !== undefined) {
      body = new URLSearchParams(request.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const query: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) query[name] = String(value);
    const response = await pool.request({
      method: request.method,
      path: basePath + request.path,
      query,
      headers,
      body,
    });
    const declaredLength = Number(response.headers['content-length'] ?? '0');
    if (declaredLength > settings.maxResponseBytes) {
      // Destroying an unread body makes undici emit 'error'; without a listener that would crash the process.
      response.body.on('error', () => {});
      response.body.destroy();
      throw oversized(settings);
    }
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of response.body) {
      received += (chunk as Buffer).length;
      if (received > settings.maxResponseBytes) {
        response.body.destroy();
        throw oversized(settings);
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const flatHeaders: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(response.headers)) flatHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
    const parsed = request.responseType === 'ignore' ? null : parseJsonBody(text, response.statusCode, settings.backendName);
    return { status: response.statusCode, headers: flatHeaders, body: parsed };
  }

  return {
    async request(request) {
      const attempts = request.idempotent ? Math.max(1, settings.maxAttempts) : 1;
      for (let attempt = 1; ; attempt++) {
        let response: HttpResponse;
        try {
          response = await sendOnce(request);
        } catch (error) {
          if (error instanceof KeywardenError) throw error;
          const failure = classifyTransportError(error, request, settings.backendName);
          if (failure.retryable && attempt < attempts) {
            await sleep(backoffDelay(settings.baseBackoffMs, attempt));
            continue;
          }
          throw failure.error;
        }
        if (!RETRYABLE_STATUSES.has(response.status) || attempt >= attempts) return response;
        const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
        if (retryAfterMs !== null && retryAfterMs > settings.maxRetryAfterMs) return response;
        await sleep(Math.max(retryAfterMs ?? 0, backoffDelay(settings.baseBackoffMs, attempt)));
      }
    },
    async close() {
      await pool.close();
    },
  };
}

function oversized(settings: HttpOptions): KeywardenError {
  return new KeywardenError(
    'malformed_response',
    `${settings.backendName}: the response is larger than ${settings.maxResponseBytes} bytes and was refused`,
    { backend: settings.backendName },
  );
}

function parseJsonBody(text: string, status: number, backendName: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new KeywardenError('malformed_response', `${backendName}: the response (HTTP ${status}) is not valid JSON`, {
      backend: backendName,
      status,
    });
  }
}

function classifyTransportError(
  error: unknown,
  request: HttpRequest,
  backendName: string,
): { retryable: boolean; error: KeywardenError } {
  const code = (error as { code?: string } | null)?.code ?? '';
  const where = `${request.method} ${request.path}`;
  const details = { backend: backendName, request: where, cause: code || null };
  if (NOT_SENT_ERROR_CODES.has(code)) {
    const isTimeout = code === 'UND_ERR_CONNECT_TIMEOUT';
    return {
      // A refused connection is answered at once and will be refused again; retrying only delays the report.
      retryable: false,
      error: new KeywardenError(
        isTimeout ? 'timeout' : 'network',
        isTimeout ? `${backendName}: could not connect in time (${where})` : `${backendName}: cannot reach the backend (${code})`,
        details,
        { cause: error },
      ),
    };
  }
  const isTimeout =
    error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || code === 'UND_ERR_SOCKET_TIMEOUT';
  if (!request.idempotent) {
    // The request was sent; whether the vendor carried it out is unknown. Never guess, never resend.
    return {
      retryable: false,
      error: new KeywardenError(
        'outcome_unknown',
        `${backendName}: the answer to ${where} was lost after the request was sent; it may have been carried out. Sync to see the backend's state before trying again`,
        details,
        { cause: error },
      ),
    };
  }
  if (isTimeout) {
    // A server that hung once will likely hang again; waiting several times the timeout helps nobody.
    return {
      retryable: false,
      error: new KeywardenError('timeout', `${backendName}: no answer in time to ${where}`, details, { cause: error }),
    };
  }
  return {
    retryable: true,
    error: new KeywardenError('network', `${backendName}: the connection failed during ${where} (${code || 'socket error'})`, details, {
      cause: error,
    }),
  };
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with full jitter: spreads retries from many clients instead of synchronising them. */
export function backoffDelay(baseMs: number, attempt: number, random = Math.random): number {
  return Math.round(random() * baseMs * 2 ** (attempt - 1));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
