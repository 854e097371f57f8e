/**
 * The shared machinery of the vendor emulators: a loopback HTTP server, routing, a movable clock,
 * pagination and fault injection. Each vendor's emulator only declares its routes and state.
 *
 * Emulators ship with the app (demo mode) and serve the tests, so they speak each vendor's contract
 * exactly and add only the `/__emulator/*` control endpoints, which no connector ever calls.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface EmulatorRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON or form body; null when empty. */
  body: unknown;
  /** The bearer token from the Authorization header, if any. */
  bearer: string | null;
}

export interface EmulatorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: EmulatorRequest) => EmulatorResponse;

export interface Route {
  method: string;
  /** Path pattern with `:name` segments, e.g. `/api-keys/:id`. */
  pattern: string;
  handler: RouteHandler;
}

/**
 * A fault applies to the next `times` requests matching `method`/`pathPrefix` and, when given, the query
 * (`hasQuery`, `queryIncludes`), control endpoints excluded.
 * - `status`: answer `status` (with `Retry-After` if given) without carrying the request out;
 * - `malformed`: carry out, answer 200 with a body that is not JSON;
 * - `wrong-shape`: carry out, answer 200 with JSON that does not fit the contract;
 * - `oversized`: answer 200 with a body of `bytes` (default 12 MiB; `50 * 1024 * 1024` is the 50 MB body),
 *   streamed in 64 KiB chunks as the client reads them (the emulator never holds it whole), without a
 *   Content-Length unless `declareLength` (a client must then count the bytes itself to refuse it);
 * - `hang`: never answer (the connection stays open until the client gives up);
 * - `stall-mid-body`: carry out, send the status, the headers (the full Content-Length) and half the body,
 *   then nothing more: the rest of the answer never comes, the connection stays open;
 * - `reset-mid-body`: carry out, send the status, the headers and half the body, then reset the connection
 *   (TCP RST): the client has a partial answer to a request that was carried out. For an answer without a
 *   body (204) both mid-body faults happen before the status line: a reset, or nothing more at all;
 * - `lost-reply`: carry the request out, then cut the connection before answering;
 * - `gateway-status`: carry the request out, then answer `status` (default 502) instead of its answer: a gateway
 *   in front of the vendor that gave up waiting while the vendor acted (the client must not take it for a refusal);
 * - `drop`: cut the connection without carrying the request out (the client cannot tell it from `lost-reply`).
 *
 * Besides faults, `latencyMs` (an option, `setLatency`, or `POST /__emulator/latency {"ms": N}`) delays every
 * vendor request by N ms before it is handled, for as long as it is set: a slow vendor, or a slow network.
 */
export interface Fault {
  kind: 'status' | 'malformed' | 'wrong-shape' | 'oversized' | 'hang' | 'stall-mid-body' | 'reset-mid-body' | 'lost-reply' | 'gateway-status' | 'drop';
  status?: number;
  retryAfterSeconds?: number;
  times?: number;
  method?: string;
  pathPrefix?: string;
  /** Only requests carrying this query parameter, e.g. `cursor`: every page of a list but the first. */
  hasQuery?: string;
  /** Only requests whose query has each of these parameters with exactly this value. */
  queryIncludes?: Record<string, string>;
  bytes?: number;
  /** `oversized` only: announce the size in Content-Length (a client can refuse before reading). */
  declareLength?: boolean;
}

/** The fault kinds, for validating what arrives at the control endpoint. */
export const FAULT_KINDS: ReadonlyArray<Fault['kind']> = ['status', 'malformed', 'wrong-shape', 'oversized', 'hang', 'stall-mid-body', 'reset-mid-body', 'lost-reply', 'gateway-status', 'drop'];

const DAY_MS = 86_400_000;

/** A clock that starts at real time and that tests move forward with `POST /__emulator/clock`. */
export class EmulatorClock {
  private offsetMs = 0;
  constructor(private readonly realNow: () => number = Date.now) {}
  now(): Date {
    return new Date(this.realNow() + this.offsetMs);
  }
  iso(): string {
    return this.now().toISOString();
  }
  advanceDays(days: number): void {
    this.offsetMs += days * DAY_MS;
  }
}

export function addDays(iso: string | Date, days: number): string {
  const base = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  return new Date(base + days * DAY_MS).toISOString();
}

/** Cursor pagination as the contracts assume: `?limit=N&cursor=C`, default and maximum 100, opaque cursor. */
export function paginate<T>(items: readonly T[], query: URLSearchParams): { page: T[]; nextCursor: string | null } | { error: EmulatorResponse } {
  const limitText = query.get('limit');
  const limit = limitText === null ? 100 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1) return { error: errorResponse(400, 'invalid_limit', 'limit must be a whole number from 1 to 100') };
  const size = Math.min(limit, 100);
  const cursor = query.get('cursor');
  let start = 0;
  if (cursor !== null) {
    const decoded = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0 || decoded > items.length) return { error: errorResponse(400, 'invalid_cursor', 'unknown cursor') };
    start = decoded;
  }
  const end = start + size;
  return { page: items.slice(start, end), nextCursor: end < items.length ? Buffer.from(String(end)).toString('base64url') : null };
}

export function errorResponse(status: number, code: string, message: string, extra: Record<string, unknown> = {}): EmulatorResponse {
  return { status, body: { error: code, message, ...extra } };
}

export interface RunningEmulator {
  readonly url: string;
  readonly port: number;
  readonly clock: EmulatorClock;
  /** Requests received per `METHOD /path` (control endpoints excluded), so tests can see retries. */
  readonly requestLog: readonly string[];
  addFault(fault: Fault): void;
  clearFaults(): void;
  /** The delay added to every vendor request from now on (0: none). */
  setLatency(ms: number): void;
  readonly latencyMs: number;
  close(): Promise<void>;
}

/** What every vendor's `start…Emulator` accepts. */
export interface VendorEmulatorOptions {
  port?: number;
  clock?: EmulatorClock;
  /** A delay added to every vendor request (see `Fault`); default 0. */
  latencyMs?: number;
}

export interface EmulatorOptions {
  name: string;
  routes: Route[];
  clock: EmulatorClock;
  /** Called before every vendor request, so state can follow the clock (expiry, automatic rotation). */
  beforeRequest?: () => void;
  port?: number;
  host?: string;
  /** A delay added to every vendor request (control endpoints excluded); default 0. */
  latencyMs?: number;
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const faults: Array<Fault & { remaining: number }> = [];
  const requestLog: string[] = [];
  const sockets = new Set<Socket>();
  let latencyMs = checkLatency(options.latencyMs ?? 0);
  const pending = new Set<ReturnType<typeof setTimeout>>();
  const compiled = options.routes.map((route) => ({ ...route, matcher: compilePattern(route.pattern) }));

  function takeFault(method: string, path: string, query: URLSearchParams): Fault | null {
    const index = faults.findIndex(
      (fault) =>
        (!fault.method || fault.method === method) &&
        (!fault.pathPrefix || path.startsWith(fault.pathPrefix)) &&
        (!fault.hasQuery || query.has(fault.hasQuery)) &&
        Object.entries(fault.queryIncludes ?? {}).every(([name, value]) => query.get(name) === String(value)),
    );
    if (index < 0) return null;
    const fault = faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  function route(request: EmulatorRequest): EmulatorResponse {
    for (const candidate of compiled) {
      if (candidate.method !== request.method) continue;
      const params = candidate.matcher(request.path);
      if (params) return candidate.handler({ ...request, params });
    }
    return errorResponse(404, 'not_found', `no route for ${request.method} ${request.path}`);
  }

  function controlRoute(request: EmulatorRequest): EmulatorResponse {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (request.path === '/__emulator/clock' && request.method === 'POST') {
      const days = Number(body.advanceDays);
      if (!Number.isFinite(days)) return errorResponse(400, 'invalid_days', 'advanceDays must be a number');
      options.clock.advanceDays(days);
      options.beforeRequest?.();
      return { status: 200, body: { now: options.clock.iso() } };
    }
    if (request.path === '/__emulator/faults' && request.method === 'POST') {
      if (!FAULT_KINDS.includes(body.kind as Fault['kind'])) return errorResponse(400, 'invalid_fault', `kind must be one of ${FAULT_KINDS.join(', ')}`);
      addFault(body as unknown as Fault);
      return { status: 200, body: { faults: faults.length } };
    }
    if (request.path === '/__emulator/latency' && request.method === 'POST') {
      const ms = Number(body.ms);
      if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) return errorResponse(400, 'invalid_latency', 'ms must be a whole number of milliseconds from 0 to 600000');
      latencyMs = ms;
      return { status: 200, body: { latencyMs } };
    }
    if (request.path === '/__emulator/faults' && request.method === 'DELETE') {
      faults.length = 0;
      return { status: 204 };
    }
    return errorResponse(404, 'not_found', 'unknown emulator control endpoint');
  }

  function addFault(fault: Fault): void {
    faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /** Handles one vendor request once its latency has passed: faults first, then the route. */
  function serve(incoming: http.IncomingMessage, outgoing: http.ServerResponse, request: EmulatorRequest): void {
    options.beforeRequest?.();
    const fault = takeFault(request.method, request.path, request.query);
    if (fault?.kind === 'hang') return; // the socket stays open; close() destroys it
    if (fault?.kind === 'drop') {
      incoming.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      const status = fault.status ?? 503;
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      send(outgoing, { ...errorResponse(status, status === 429 ? 'rate_limited' : 'unavailable', `injected ${status}`), headers });
      return;
    }
    if (fault?.kind === 'oversized') {
      streamOversized(outgoing, fault.bytes ?? 12 * 1024 * 1024, fault.declareLength === true);
      return;
    }
    const response = route(request);
    if (fault?.kind === 'lost-reply') {
      incoming.socket.destroy();
      return;
    }
    if (fault?.kind === 'gateway-status') {
      const status = fault.status ?? 502;
      send(outgoing, errorResponse(status, 'bad_gateway', `injected ${status} after the request was carried out`));
      return;
    }
    if ((fault?.kind === 'stall-mid-body' || fault?.kind === 'reset-mid-body') && response.body === undefined) {
      // An answer without a body (204) has no middle: reset before the status line, or send nothing more.
      if (fault.kind === 'reset-mid-body') resetConnection(incoming.socket);
      return;
    }
    if (fault?.kind === 'stall-mid-body' || fault?.kind === 'reset-mid-body') {
      const body = Buffer.from(JSON.stringify(response.body));
      outgoing.writeHead(response.status, { ...response.headers, 'content-type': 'application/json', 'content-length': String(body.length) });
      // Flushed at once (headers and half the body), so the client is reading when the rest fails to come.
      outgoing.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => {
        // A moment later, so the client is surely reading the body when the connection goes.
        if (fault.kind === 'reset-mid-body') setTimeout(() => resetConnection(incoming.socket), 20).unref();
      });
      return;
    }
    if (fault?.kind === 'malformed') {
      outgoing.writeHead(200, { 'content-type': 'application/json' });
      outgoing.end('{"data": [ this is not json');
      return;
    }
    if (fault?.kind === 'wrong-shape') {
      send(outgoing, { status: 200, body: { data: [{ id: 42, unexpected: true }], items: [{ clientId: 42 }], nextCursor: 7 } });
      return;
    }
    send(outgoing, response);
  }

  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://emulator');
      const raw = Buffer.concat(chunks).toString('utf8');
      const request: EmulatorRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        params: {},
        query: url.searchParams,
        headers: incoming.headers,
        body: parseBody(raw, incoming.headers['content-type']),
        bearer: /^Bearer (.+)$/.exec(incoming.headers.authorization ?? '')?.[1] ?? null,
      };
      if (request.path.startsWith('/__emulator/')) {
        send(outgoing, controlRoute(request));
        return;
      }
      requestLog.push(`${request.method} ${request.path}`);
      if (latencyMs === 0) return serve(incoming, outgoing, request);
      // The request is logged on arrival and carried out after the delay, as a slow vendor would.
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!incoming.socket.destroyed) serve(incoming, outgoing, request);
      }, latencyMs);
      pending.add(timer);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    clock: options.clock,
    requestLog,
    addFault,
    clearFaults: () => {
      faults.length = 0;
    },
    setLatency: (ms) => {
      latencyMs = checkLatency(ms);
    },
    get latencyMs() {
      return latencyMs;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function checkLatency(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`an emulator latency is a whole number of milliseconds, not ${ms}`);
  return ms;
}

/** The chunk `oversized` repeats: valid JSON text inside a string, so only its size is wrong. */
const OVERSIZED_CHUNK = Buffer.alloc(64 * 1024, 'x');

/**
 * Streams `{"data":"xxx…"}` of `bytes` in all, one chunk at a time, waiting for the client to read each
 * before the next (backpressure): a 50 MB answer costs the emulator 64 KiB, and stops as soon as the
 * client hangs up.
 */
function streamOversized(outgoing: http.ServerResponse, bytes: number, declareLength: boolean): void {
  const head = Buffer.from('{"data":"');
  const tail = Buffer.from('"}');
  const total = Math.max(bytes, head.length + tail.length);
  outgoing.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(total) } : {}) });
  outgoing.write(head);
  let left = total - head.length - tail.length;
  const pump = (): void => {
    while (left > 0) {
      if (outgoing.destroyed) return;
      const size = Math.min(left, OVERSIZED_CHUNK.length);
      left -= size;
      if (!outgoing.write(size === OVERSIZED_CHUNK.length ? OVERSIZED_CHUNK : OVERSIZED_CHUNK.subarray(0, size))) {
        outgoing.once('drain', pump);
        return;
      }
    }
    outgoing.end(tail);
  };
  pump();
}

/** A TCP reset (RST): the client reads "connection reset by peer", not an orderly end. */
function resetConnection(socket: Socket): void {
  if (socket.destroyed) return;
  socket.resetAndDestroy();
}

function send(outgoing: http.ServerResponse, response: EmulatorResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  if (response.body === undefined) {
    outgoing.writeHead(response.status, headers);
    outgoing.end();
    return;
  }
  headers['content-type'] = 'application/json';
  outgoing.writeHead(response.status, headers);
  outgoing.end(JSON.stringify(response.body));
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return null;
  if (contentType?.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw);
  } catch {
    return { __invalidJson: raw.slice(0, 100) };
  }
}

function compilePattern(pattern: string): (path: string) => Record<string, string> | null {
  const names: string[] = [];
  const source = pattern
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const regex = new RegExp(`^${source}$`);
  return (path) => {
    const match = regex.exec(path);
    if (!match) return null;
    const params: Record<string, string> = {};
    names.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1]!);
    });
    return params;
  };
}
