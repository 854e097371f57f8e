/**
 * The HTTP client every connector uses. This is the only file that imports undici.
 *
 * Why hand-written retry logic rather than undici's RetryAgent: the rule that matters most here is
 * which requests may be sent twice. A request that creates or revokes a key may have succeeded even
 * when its answer was lost, so it is never retried and an ambiguous failure is reported as
 * `outcome_unknown`; reads, tests, token requests and idempotent deletes are retried with backoff, jitter
 * and the server's `Retry-After`. Keeping that rule in one short function makes it easy to audit.
 *
 * Every attempt has three bounds: the headers, each pause in the body, and the whole attempt
 * (`totalTimeoutMs`), so a server that trickles bytes cannot hold a command open.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction, Socket } from 'node:net';
import type { Dispatcher, Pool as UndiciPool, buildConnector as UndiciBuildConnector, errors as UndiciErrors } from 'undici';
// undici piece by piece, not its index: the index loads everything undici offers (fetch, WebSocket, caches, mocks,
// proxies, HTTP/2), some 50 ms of module loading on a 2-core machine before a sync's first request, where this file
// needs a Pool, its request method and the error classes (about 15 ms). These are the very modules the index
// re-exports (undici declares no "exports" map), typed here from the index's own declarations; every test of this
// file fails at once if an upgrade moves them.
// @ts-expect-error -- undici ships no declarations for its internal files: typed just below from its index's
import PoolModule from 'undici/lib/dispatcher/pool.js';
// @ts-expect-error -- as above
import requestModule from 'undici/lib/api/api-request.js';
// @ts-expect-error -- as above
import errorsModule from 'undici/lib/core/errors.js';
// @ts-expect-error -- as above
import connectorModule from 'undici/lib/core/connect.js';

const Pool = PoolModule as typeof UndiciPool;
/** `Dispatcher.prototype.request`, which undici's index attaches to every dispatcher: called with the pool as `this`. */
const requestWith = requestModule as (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
const undiciErrors = errorsModule as typeof UndiciErrors;
const buildConnector = connectorModule as typeof UndiciBuildConnector;
import { KeywardenError } from '../errors.js';
import { type AddressVerdict, checkBackendUrl, judgeAddress, verdictInWords } from './url-policy.js';

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
   * True when sending the request twice is harmless (reads, tests, token requests, deletes the contract
   * calls idempotent). Creates and revokes must pass false: they are never retried.
   * A lost answer is `outcome_unknown` for a request passing false and for any DELETE (once its tries are
   * used up), since either may have changed the vendor's state; for the others it is `timeout` or `network`.
   */
  idempotent: boolean;
  /** 'ignore' reads (and size-caps) the body without parsing it: for endpoints outside a vendor contract. */
  responseType?: 'json' | 'ignore';
}

export interface HttpResponse {
  status: number;
  /** How many times the request was sent (1 = first try); a 404 to a retried DELETE means an earlier try did it. */
  attempts: number;
  headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON, or null when the body was empty. */
  body: unknown;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  /**
   * Response body bytes received by this client so far, over every request and attempt (refused bodies
   * included, up to where they were cut). Cheap to read: lets a caller bound the memory of a long sync.
   */
  readonly bytesReceived: number;
  close(): Promise<void>;
}

export interface HttpOptions {
  /** Name of the backend, used in every error message. */
  backendName: string;
  connectTimeoutMs: number;
  /** Time allowed for the response headers, and separately for any pause while the body streams. */
  responseTimeoutMs: number;
  /**
   * Time allowed for one attempt from start to the last body byte. The two timeouts above only bound
   * pauses: a server trickling one byte at a time would otherwise hold the request open indefinitely.
   */
  totalTimeoutMs: number;
  /** Responses larger than this are refused: a key list is small, a huge body is a fault or an attack. */
  maxResponseBytes: number;
  /** Total attempts for an idempotent request (1 = no retry). */
  maxAttempts: number;
  /** First backoff step; doubled on each retry, with full jitter. */
  baseBackoffMs: number;
  /** A Retry-After longer than this is not waited for: the error says when to try again instead. */
  maxRetryAfterMs: number;
  /**
   * Refuse to send anything to this machine or the local network: loopback, link-local, private, site-local,
   * CGNAT, unspecified, multicast and reserved addresses, in every IPv4 and IPv6 form (see `judgeAddress`).
   * Judged twice: on every address a host name resolves to, before connecting, and on the address the socket
   * actually connected to, before a byte of the request is written (address literals never go through the
   * lookup). For targets the administrator typed by hand (a manual key's test URL); vendor backends may
   * legitimately live on a private network, and the emulators on loopback.
   */
  blockPrivateNetwork: boolean;
  /**
   * How `blockPrivateNetwork` resolves a host name to every address it has; default: the operating system's
   * resolver (`dns.lookup`, as a plain connect would use). Tests pass a fixed table.
   */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>;
}

export const DEFAULT_HTTP_OPTIONS: Omit<HttpOptions, 'backendName'> = {
  connectTimeoutMs: 10_000,
  responseTimeoutMs: 30_000,
  totalTimeoutMs: 60_000,
  maxResponseBytes: 8 * 1024 * 1024,
  maxAttempts: 4,
  baseBackoffMs: 250,
  maxRetryAfterMs: 30_000,
  blockPrivateNetwork: false,
};

/** Statuses that say "try again later" for a request that is safe to repeat. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Errors raised before any byte of the request reached the server: nothing can have happened. */
const NOT_SENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export function createHttpClient(baseUrl: string, options: Partial<HttpOptions> & { backendName: string }): HttpClient {
  const settings: HttpOptions = { ...DEFAULT_HTTP_OPTIONS, ...options };
  const base = new URL(checkBackendUrl(baseUrl));
  const basePath = base.pathname.replace(/\/+$/, '');
  let bytesReceived = 0;
  const pool = new Pool(base.origin, {
    connect: settings.blockPrivateNetwork
      ? publicOnlyConnector(settings.backendName, buildConnector({ timeout: settings.connectTimeoutMs, lookup: publicOnlyLookup(settings.backendName, settings.resolveHost ?? resolveAll) }))
      : { timeout: settings.connectTimeoutMs },
    headersTimeout: settings.responseTimeoutMs,
    bodyTimeout: settings.responseTimeoutMs,
    keepAliveTimeout: 30_000,
    connections: 8,
  });

  async function sendOnce(request: HttpRequest): Promise<Omit<HttpResponse, 'attempts'>> {
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
    // Aborting makes undici reject the request, or destroy the body stream mid-read, with this reason.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new TotalTimeoutError(settings.totalTimeoutMs)), settings.totalTimeoutMs);
    try {
      return await receive(
        await requestWith.call(pool, {
          method: request.method,
          path: basePath + request.path,
          query,
          headers,
          body,
          signal: deadline.signal,
        }),
        request,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async function receive(response: Dispatcher.ResponseData, request: HttpRequest): Promise<Omit<HttpResponse, 'attempts'>> {
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
      bytesReceived += (chunk as Buffer).length;
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
          response = { ...(await sendOnce(request)), attempts: attempt };
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
    get bytesReceived() {
      return bytesReceived;
    },
    async close() {
      await pool.close();
    },
  };
}

function oversized(settings: HttpOptions): KeywardenError {
  return new KeywardenError('malformed_response', `${settings.backendName}: the response is larger than ${settings.maxResponseBytes} bytes and was refused`, { backend: settings.backendName });
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

function classifyTransportError(error: unknown, request: HttpRequest, backendName: string): { retryable: boolean; error: KeywardenError } {
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
  const overran = error instanceof TotalTimeoutError;
  const isTimeout = overran || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || code === 'UND_ERR_SOCKET_TIMEOUT';
  // A server that hung or trickled once will likely do it again; waiting several times the timeout helps nobody.
  const retryable = request.idempotent && !isTimeout;
  const late = overran ? `did not arrive within ${error.limitMs / 1000} s` : 'was lost after the request was sent';
  if (changesState(request)) {
    // The request was sent; whether the vendor carried it out is unknown. Never guess; resend only what is safe to repeat.
    return {
      retryable,
      error: new KeywardenError('outcome_unknown', `${backendName}: the answer to ${where} ${late}; it may have been carried out. Sync to see the backend's state before trying again`, details, {
        cause: error,
      }),
    };
  }
  if (isTimeout) {
    return {
      retryable: false,
      error: new KeywardenError('timeout', overran ? `${backendName}: the answer to ${where} ${late}` : `${backendName}: no answer in time to ${where}`, details, {
        cause: error,
      }),
    };
  }
  return {
    retryable,
    error: new KeywardenError('network', `${backendName}: the connection failed during ${where} (${code || 'socket error'})`, details, {
      cause: error,
    }),
  };
}

/**
 * Whether a lost answer leaves the vendor's state in doubt: creates and revokes (never retried), and
 * DELETE even when it is safe to repeat, because after the last try it may or may not have happened.
 */
function changesState(request: HttpRequest): boolean {
  return !request.idempotent || request.method === 'DELETE';
}

/** The abort reason of an attempt that outlived `totalTimeoutMs`. */
class TotalTimeoutError extends Error {
  readonly code = 'KEYWARDEN_TOTAL_TIMEOUT';
  constructor(readonly limitMs: number) {
    super(`no complete answer within ${limitMs} ms`);
  }
}

/**
 * A DNS lookup for net/tls.connect that refuses a host resolving to this machine or the local network (see
 * `judgeAddress`). Every address is checked, not only the first: the socket may try any of them.
 */
function publicOnlyLookup(backendName: string, resolve: (hostname: string) => Promise<LookupAddress[]>): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        for (const { address } of addresses) {
          const verdict = judgeAddress(address);
          if (verdict) return callback(privateAddressError(backendName, hostname, address, verdict, 'resolves to'), '', 0);
        }
        const usable = addresses.filter(({ family }) => !options.family || family === options.family);
        if (usable.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        // With `all` (happy eyeballs, the default since Node 20) the socket expects the whole list.
        if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/**
 * undici's connector, with the address the socket connected to judged before a byte of the request (the
 * secret's header) is written: this is what catches an address literal in any spelling, which never goes through
 * the lookup, and whatever a lookup might let through. Over https it is judged as soon as TCP connects, before the
 * TLS handshake starts; over http, before undici is handed the socket.
 */
function publicOnlyConnector(backendName: string, connect: UndiciBuildConnector.connector): UndiciBuildConnector.connector {
  const refusal = (socket: Socket, hostname: string): KeywardenError | null => {
    const address = socket.remoteAddress;
    // A socket that already lost its peer has no address: nothing is known of where it went, so it is refused too.
    const verdict = address === undefined ? ({ kind: 'unspecified', carries: null } satisfies AddressVerdict) : judgeAddress(address);
    return verdict ? privateAddressError(backendName, hostname.replace(/^\[|\]$/g, ''), address ?? 'an unknown address', verdict, 'connected to') : null;
  };
  return (options, callback) => {
    // undici's connector returns the socket it created, though its type says void.
    const socket = connect(options, (...args) => {
      const [error, connected] = args;
      if (error) return callback(error, null);
      const refused = refusal(connected, options.hostname);
      if (!refused) return callback(null, connected);
      connected.destroy();
      return callback(refused, null);
    }) as unknown as Socket | undefined;
    // Over https undici hands the socket over only after the handshake: judged on TCP connect instead, before
    // tls's own 'connect' listener starts the handshake; the error reaches undici, and the callback above, as
    // the socket's 'error'.
    if (options.protocol === 'https:') {
      socket?.prependOnceListener('connect', () => {
        const refused = refusal(socket, options.hostname);
        if (refused) socket.destroy(refused);
      });
    }
  };
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return dnsLookup(hostname, { all: true });
}

function privateAddressError(backendName: string, host: string, address: string, verdict: AddressVerdict, how: 'resolves to' | 'connected to'): KeywardenError {
  const where = host === address ? `it is ${verdictInWords(verdict)}` : `it ${how} ${address}, ${verdictInWords(verdict)}`;
  return new KeywardenError('invalid_input', `${backendName}: refusing to send the request to ${host}: ${where}, and targets on this machine or the local network are not allowed here`, {
    backend: backendName,
    host,
    address,
    addressKind: verdict.kind,
  });
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
