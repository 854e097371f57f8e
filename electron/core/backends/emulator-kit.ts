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
 * - `oversized`: answer 200 with a body of `bytes` (default 12 MiB);
 * - `hang`: never answer (the connection stays open until the client gives up);
 * - `lost-reply`: carry the request out, then cut the connection before answering;
 * - `drop`: cut the connection without carrying the request out (the client cannot tell it from `lost-reply`).
 */
export interface Fault {
  kind: 'status' | 'malformed' | 'wrong-shape' | 'oversized' | 'hang' | 'lost-reply' | 'drop';
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
}

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
  close(): Promise<void>;
}

export interface EmulatorOptions {
  name: string;
  routes: Route[];
  clock: EmulatorClock;
  /** Called before every vendor request, so state can follow the clock (expiry, automatic rotation). */
  beforeRequest?: () => void;
  port?: number;
  host?: string;
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const faults: Array<Fault & { remaining: number }> = [];
  const requestLog: string[] = [];
  const sockets = new Set<Socket>();
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
      addFault(body as unknown as Fault);
      return { status: 200, body: { faults: faults.length } };
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
        outgoing.writeHead(200, { 'content-type': 'application/json' });
        outgoing.end(`{"data":"${'x'.repeat(fault.bytes ?? 12 * 1024 * 1024)}"}`);
        return;
      }
      const response = route(request);
      if (fault?.kind === 'lost-reply') {
        incoming.socket.destroy();
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
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
