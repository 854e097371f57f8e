/**
 * The HTTP client every connector uses, against a real node:http server on 127.0.0.1 that each test
 * scripts: what is retried (reads, with Retry-After and backoff) and what never is (creates and
 * revokes), and how every failure an administrator can meet (429 storms, 5xx, oversized or
 * malformed answers, a hung server, a lost reply, a closed port) becomes one typed error.
 * Also the URL policy applied to every backend's base URL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, createHttpClient, type HttpClient, type HttpOptions, parseRetryAfter } from '../../electron/core/backends/http.js';
import { checkBackendUrl } from '../../electron/core/backends/url-policy.js';
import { KeywardenError } from '../../electron/core/errors.js';

const BACKEND = 'http-test-backend';

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest, index: number) => void;

const servers: TestServer[] = [];
const clients: HttpClient[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const client of clients.splice(0)) await client.close().catch(() => undefined);
  for (const server of servers.splice(0)) await server.close();
});

/** Starts a server that reads each request's body, records it, then hands it to `handler`. */
async function startServer(handler: Handler): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      handler(req, res, seen, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const running: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(running);
  return running;
}

function client(url: string, options: Partial<HttpOptions> = {}): HttpClient {
  const made = createHttpClient(url, { backendName: BACKEND, baseBackoffMs: 5, responseTimeoutMs: 5000, ...options });
  clients.push(made);
  return made;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

async function failure(promise: Promise<unknown>): Promise<KeywardenError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    return error as KeywardenError;
  }
  throw new Error('expected the request to fail');
}

/**
 * Runs `fn` with the process's uncaughtException listeners (vitest's) replaced by a recorder, then lets
 * pending immediates and ticks run, so a stray stream error is observed by the test instead of the runner.
 */
async function capturingUncaught<T>(fn: () => Promise<T>): Promise<{ result: T; uncaught: unknown[] }> {
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const uncaught: unknown[] = [];
  const record = (error: unknown) => void uncaught.push(error);
  process.on('uncaughtException', record);
  try {
    const result = await fn();
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setTimeout(resolve, 50));
    return { result, uncaught };
  } finally {
    process.off('uncaughtException', record);
    for (const listener of saved) process.on('uncaughtException', listener);
  }
}

describe('retries', () => {
  it('a GET answered 429 with Retry-After: 1 and then 200 is retried once and returns the 200', async () => {
    const server = await startServer((_req, res, _seen, i) => {
      if (i === 0) json(res, 429, { error: 'slow down' }, { 'retry-after': '1' });
      else json(res, 200, { keys: [] });
    });
    const response = await client(server.url).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ keys: [] });
    expect(server.requests).toHaveLength(2);
  });

  it('a POST with idempotent:false answered 429 is not retried: the 429 comes back after one request', async () => {
    const server = await startServer((_req, res) => json(res, 429, { error: 'slow down' }, { 'retry-after': '1' }));
    const response = await client(server.url).request({ method: 'POST', path: '/keys', json: { name: 'ci' }, idempotent: false });
    expect(response.status).toBe(429);
    expect(server.requests).toHaveLength(1);
  });

  it('a POST with idempotent:false answered 503 is not retried either', async () => {
    const server = await startServer((_req, res) => json(res, 503, { error: 'down' }));
    const response = await client(server.url).request({ method: 'POST', path: '/keys/k1/revoke', idempotent: false });
    expect(response.status).toBe(503);
    expect(server.requests).toHaveLength(1);
  });

  it('a GET answered 503 every time gives back the 503 after maxAttempts (4) requests', async () => {
    const server = await startServer((_req, res) => json(res, 503, { error: 'maintenance' }));
    const response = await client(server.url, { maxAttempts: 4 }).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ error: 'maintenance' });
    expect(server.requests).toHaveLength(4);
  });

  it('maxAttempts 1 means no retry at all', async () => {
    const server = await startServer((_req, res) => json(res, 502, {}));
    const response = await client(server.url, { maxAttempts: 1 }).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response.status).toBe(502);
    expect(server.requests).toHaveLength(1);
  });

  it('a Retry-After longer than maxRetryAfterMs is not waited for: the 429 is returned after one request', async () => {
    const server = await startServer((_req, res) => json(res, 429, { error: 'quota' }, { 'retry-after': '3600' }));
    const response = await client(server.url, { maxRetryAfterMs: 30_000 }).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response.status).toBe(429);
    // The caller can still tell the administrator when to try again.
    expect(response.headers['retry-after']).toBe('3600');
    expect(server.requests).toHaveLength(1);
  });

  it('a GET whose connection is dropped once is retried and succeeds', async () => {
    const server = await startServer((req, res, _seen, i) => {
      if (i === 0) req.socket.destroy();
      else json(res, 200, { ok: true });
    });
    const response = await client(server.url).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it('4xx answers other than 429 are returned at once, not retried', async () => {
    const server = await startServer((_req, res) => json(res, 401, { error: 'bad token' }));
    const response = await client(server.url).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response.status).toBe(401);
    expect(server.requests).toHaveLength(1);
  });
});

describe('what is sent', () => {
  it('joins the base path, the request path and the query, and sends JSON with its content type', async () => {
    const server = await startServer((_req, res) => json(res, 201, { id: 'k1' }));
    const http = client(`${server.url}/api/v2/`);
    const response = await http.request({
      method: 'POST',
      path: '/keys',
      query: { page: 2, cursor: 'a b', skip: undefined },
      headers: { authorization: 'Bearer test-token' },
      json: { name: 'ci' },
      idempotent: false,
    });
    expect(response).toMatchObject({ status: 201, body: { id: 'k1' } });
    const [seen] = server.requests;
    expect(seen?.method).toBe('POST');
    const url = new URL(seen!.url, server.url);
    expect(url.pathname).toBe('/api/v2/keys');
    expect(Object.fromEntries(url.searchParams)).toEqual({ page: '2', cursor: 'a b' });
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers.authorization).toBe('Bearer test-token');
    expect(JSON.parse(seen!.body)).toEqual({ name: 'ci' });
  });

  it('sends a form body url-encoded', async () => {
    const server = await startServer((_req, res) => json(res, 200, { access_token: 'x' }));
    await client(server.url).request({ method: 'POST', path: '/oauth/token', form: { grant_type: 'client_credentials', scope: 'a b' }, idempotent: true });
    expect(server.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(server.requests[0]!.body))).toEqual({ grant_type: 'client_credentials', scope: 'a b' });
  });

  it('an empty body is returned as null', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const response = await client(server.url).request({ method: 'DELETE', path: '/keys/k1', idempotent: false });
    expect(response).toMatchObject({ status: 204, body: null });
  });
});

describe('bad answers', () => {
  it('a response larger than maxResponseBytes (declared length) is refused with malformed_response', async () => {
    const server = await startServer((_req, res) => json(res, 200, { padding: 'x'.repeat(4096) }));
    const http = client(server.url, { maxResponseBytes: 1024 });
    const error = await failure(http.request({ method: 'GET', path: '/keys', idempotent: true }));
    expect(error.code).toBe('malformed_response');
    expect(error.message).toContain(BACKEND);
    expect(error.message).toContain('1024');
    expect(server.requests).toHaveLength(1);
  });

  // Regression: destroying an unread undici body used to emit an unhandled 'error' that killed the CLI process.
  it('refusing an oversized response (declared length) raises no uncaught exception that would crash the process', async () => {
    const server = await startServer((_req, res) => json(res, 200, { padding: 'x'.repeat(4096) }));
    const http = client(server.url, { maxResponseBytes: 1024 });
    const { result: error, uncaught } = await capturingUncaught(() => failure(http.request({ method: 'GET', path: '/keys', idempotent: true })));
    expect(error.code).toBe('malformed_response');
    expect(uncaught.map((e) => String(e))).toEqual([]);
  });

  it('a streamed (chunked) response growing past maxResponseBytes is refused with malformed_response', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"padding":"');
      const chunk = 'y'.repeat(512);
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end('"}');
    });
    const error = await failure(client(server.url, { maxResponseBytes: 1024 }).request({ method: 'GET', path: '/keys', idempotent: true }));
    expect(error.code).toBe('malformed_response');
    expect(server.requests).toHaveLength(1);
  });

  it('a response just under the cap is accepted', async () => {
    const body = { padding: 'z'.repeat(900) };
    const server = await startServer((_req, res) => json(res, 200, body));
    const response = await client(server.url, { maxResponseBytes: 1024 }).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response.body).toEqual(body);
  });

  it('a non-JSON body is refused with malformed_response naming the backend', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Login</body></html>');
    });
    const error = await failure(client(server.url).request({ method: 'GET', path: '/keys', idempotent: true }));
    expect(error.code).toBe('malformed_response');
    expect(error.message).toContain(BACKEND);
    expect(error.details.backend).toBe(BACKEND);
  });
});

describe('lost and missing answers', () => {
  it('a server that never answers a GET gives timeout, without retrying', async () => {
    const server = await startServer(() => {
      // never answers
    });
    const error = await failure(client(server.url, { responseTimeoutMs: 300 }).request({ method: 'GET', path: '/keys', idempotent: true }));
    expect(error.code).toBe('timeout');
    expect(error.message).toContain(BACKEND);
    expect(server.requests).toHaveLength(1);
  });

  it('a server that never answers a POST (idempotent:false) gives outcome_unknown: it may have happened', async () => {
    const server = await startServer(() => {
      // never answers
    });
    const error = await failure(client(server.url, { responseTimeoutMs: 300 }).request({ method: 'POST', path: '/keys', json: { name: 'ci' }, idempotent: false }));
    expect(error.code).toBe('outcome_unknown');
    expect(error.message).toContain(BACKEND);
    expect(server.requests).toHaveLength(1);
  });

  it('a POST whose reply is lost (socket destroyed after the request was read) gives outcome_unknown, sent exactly once', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const error = await failure(client(server.url).request({ method: 'POST', path: '/keys/k1/revoke', json: {}, idempotent: false }));
    expect(error.code).toBe('outcome_unknown');
    expect(error.message).toMatch(/may have been carried out/);
    expect(server.requests).toHaveLength(1);
  });

  it('a connection refused (closed port) gives network at once, without waiting for retries', async () => {
    const server = await startServer(() => undefined);
    const closedUrl = server.url;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    // Were a refused connection retried, this backoff would outlast the test timeout.
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const error = await failure(client(closedUrl, { baseBackoffMs: 600_000, maxAttempts: 4 }).request({ method: 'GET', path: '/keys', idempotent: true }));
    expect(error.code).toBe('network');
    expect(error.message).toContain(BACKEND);
  }, 20_000);
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-10-21T07:28:00.000Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now)).toBe(0);
  });

  it('ignores a missing, empty or unreadable value', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

describe('backoffDelay', () => {
  it('stays within [0, base * 2^(attempt-1)] and reaches both ends', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = 250 * 2 ** (attempt - 1);
      expect(backoffDelay(250, attempt, () => 0)).toBe(0);
      expect(backoffDelay(250, attempt, () => 0.999_999_9)).toBe(ceiling);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(250, attempt);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('doubles its range with each attempt', () => {
    expect(backoffDelay(100, 1, () => 0.5)).toBe(50);
    expect(backoffDelay(100, 2, () => 0.5)).toBe(100);
    expect(backoffDelay(100, 3, () => 0.5)).toBe(200);
  });
});

describe('checkBackendUrl', () => {
  const codeOf = (raw: string): string | null => {
    try {
      checkBackendUrl(raw);
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(KeywardenError);
      return (error as KeywardenError).code;
    }
  };

  it('accepts https anywhere', () => {
    expect(checkBackendUrl('https://api.example.com')).toBe('https://api.example.com');
    expect(checkBackendUrl('https://api.example.com:8443/v1')).toBe('https://api.example.com:8443/v1');
  });

  it('accepts plain http only to loopback: 127.0.0.1, localhost and [::1]', () => {
    expect(checkBackendUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(checkBackendUrl('http://localhost:3000/api')).toBe('http://localhost:3000/api');
    expect(checkBackendUrl('http://[::1]:9000')).toBe('http://[::1]:9000');
  });

  it('refuses plain http to any other host with insecure_url', () => {
    expect(codeOf('http://example.com')).toBe('insecure_url');
    expect(codeOf('http://10.0.0.5:8080')).toBe('insecure_url');
    expect(codeOf('http://127.0.0.1.example.com')).toBe('insecure_url');
    expect(codeOf('http://localhost.example.com')).toBe('insecure_url');
  });

  it('refuses a URL with a user name or password with invalid_input, without echoing the password', () => {
    expect(codeOf('https://admin:hunter2@api.example.com')).toBe('invalid_input');
    expect(codeOf('https://admin@api.example.com')).toBe('invalid_input');
    try {
      checkBackendUrl('https://admin:hunter2@api.example.com');
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('refuses other schemes and non-URLs with invalid_input', () => {
    expect(codeOf('ftp://example.com')).toBe('invalid_input');
    expect(codeOf('ftp://127.0.0.1')).toBe('invalid_input');
    expect(codeOf('file:///etc/passwd')).toBe('invalid_input');
    expect(codeOf('api.example.com')).toBe('invalid_input');
    expect(codeOf('https://api.example.com/?token=x')).toBe('invalid_input');
  });

  it('normalises away the trailing slash', () => {
    expect(checkBackendUrl('https://api.example.com/')).toBe('https://api.example.com');
    expect(checkBackendUrl('https://api.example.com/v1/')).toBe('https://api.example.com/v1');
    expect(checkBackendUrl('https://api.example.com/v1//')).toBe('https://api.example.com/v1');
    expect(checkBackendUrl('HTTPS://API.Example.COM/')).toBe('https://api.example.com');
  });

  it('refuses plain http in createHttpClient too', () => {
    expect(() => createHttpClient('http://example.com', { backendName: BACKEND })).toThrow(KeywardenError);
  });
});

/** A server that sends its headers at once, then one byte every `everyMs`, and ends only after `forMs`. */
async function tricklingServer(everyMs: number, forMs: number): Promise<TestServer> {
  return startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"padding":"');
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started < forMs) return void res.write('x');
      clearInterval(timer);
      res.end('"}');
    }, everyMs);
    res.on('close', () => clearInterval(timer));
  });
}

describe('total deadline per attempt', () => {
  // Without the deadline these requests succeed after 15 s: each byte arrives well within the body timeout.
  it('a GET whose body trickles past totalTimeoutMs is a timeout, sent once, though no pause reached the body timeout', async () => {
    const server = await tricklingServer(50, 15_000);
    const error = await failure(client(server.url, { totalTimeoutMs: 400, responseTimeoutMs: 5000 }).request({ method: 'GET', path: '/keys', idempotent: true }));
    expect(error.code).toBe('timeout');
    expect(error.message).toContain(BACKEND);
    expect(error.message).toContain('0.4 s');
    expect(server.requests).toHaveLength(1);
  });

  it('a create (idempotent:false) whose body trickles past the deadline is outcome_unknown: it may have happened', async () => {
    const server = await tricklingServer(50, 15_000);
    const error = await failure(client(server.url, { totalTimeoutMs: 400, responseTimeoutMs: 5000 }).request({ method: 'POST', path: '/keys', json: { name: 'ci' }, idempotent: false }));
    expect(error.code).toBe('outcome_unknown');
    expect(error.message).toMatch(/may have been carried out/);
    expect(server.requests).toHaveLength(1);
  });

  it('an idempotent DELETE past the deadline is outcome_unknown too: it may have deleted', async () => {
    const server = await tricklingServer(50, 15_000);
    const error = await failure(client(server.url, { totalTimeoutMs: 400, responseTimeoutMs: 5000 }).request({ method: 'DELETE', path: '/keys/k1', idempotent: true }));
    expect(error.code).toBe('outcome_unknown');
    expect(server.requests).toHaveLength(1);
  });

  it('an answer completing within the deadline is unaffected, and the deadline is per attempt, not per request', async () => {
    const server = await startServer((_req, res, _seen, i) => {
      if (i === 0) json(res, 503, { error: 'maintenance' }, { 'retry-after': '1' });
      else json(res, 200, { ok: true });
    });
    // The Retry-After wait (1 s) is longer than the deadline: were it counted, the retry could not succeed.
    const response = await client(server.url, { totalTimeoutMs: 800 }).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response).toMatchObject({ status: 200, body: { ok: true }, attempts: 2 });
  });
});

describe('bytes received', () => {
  it('counts every response body byte over requests and retries, starting at 0', async () => {
    const first = JSON.stringify({ error: 'slow down' });
    const second = JSON.stringify({ keys: ['a', 'b'] });
    const server = await startServer((_req, res, _seen, i) => {
      if (i === 0) json(res, 429, { error: 'slow down' }, { 'retry-after': '0' });
      else json(res, 200, { keys: ['a', 'b'] });
    });
    const http = client(server.url);
    expect(http.bytesReceived).toBe(0);
    await http.request({ method: 'GET', path: '/keys', idempotent: true });
    expect(http.bytesReceived).toBe(Buffer.byteLength(first) + Buffer.byteLength(second));
    await http.request({ method: 'GET', path: '/keys', idempotent: true });
    expect(http.bytesReceived).toBe(Buffer.byteLength(first) + 2 * Buffer.byteLength(second));
  });

  it('counts the bytes of a streamed body refused as oversized, up to where it was cut, and of ignored bodies', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 8; i++) res.write('y'.repeat(512));
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>ok</html>');
      }
    });
    const http = client(server.url, { maxResponseBytes: 1024 });
    expect((await failure(http.request({ method: 'GET', path: '/big', idempotent: true }))).code).toBe('malformed_response');
    const afterRefusal = http.bytesReceived;
    expect(afterRefusal).toBeGreaterThan(1024);
    await http.request({ method: 'GET', path: '/page', idempotent: true, responseType: 'ignore' });
    expect(http.bytesReceived).toBe(afterRefusal + Buffer.byteLength('<html>ok</html>'));
  });
});

describe('Retry-After is waited for', () => {
  // Lower bounds only: the backoff alone (base 5 ms) would retry within tens of milliseconds.
  it('after a 429 with Retry-After: 1 the retry comes at least a second later', async () => {
    const sentAt: number[] = [];
    const server = await startServer((_req, res, _seen, i) => {
      sentAt.push(performance.now());
      if (i === 0) json(res, 429, { error: 'slow down' }, { 'retry-after': '1' });
      else json(res, 200, { ok: true });
    });
    const response = await client(server.url).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response.status).toBe(200);
    expect(sentAt).toHaveLength(2);
    expect(sentAt[1]! - sentAt[0]!).toBeGreaterThanOrEqual(950);
  });

  it('after a 503 with Retry-After: 1 the retry comes at least a second later', async () => {
    const server = await startServer((_req, res, _seen, i) => {
      if (i === 0) json(res, 503, { error: 'maintenance' }, { 'retry-after': '1' });
      else json(res, 200, { ok: true });
    });
    const started = performance.now();
    const response = await client(server.url).request({ method: 'GET', path: '/keys', idempotent: true });
    expect(response).toMatchObject({ status: 200, attempts: 2 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });
});

describe('deletes', () => {
  it('an idempotent DELETE answered 429 is retried, and the answer says how many tries it took', async () => {
    const server = await startServer((_req, res, _seen, i) => {
      if (i === 0) json(res, 429, { error: 'slow down' }, { 'retry-after': '0' });
      else {
        res.writeHead(204);
        res.end();
      }
    });
    const response = await client(server.url).request({ method: 'DELETE', path: '/keys/k1', idempotent: true });
    expect(response).toMatchObject({ status: 204, attempts: 2 });
    expect(server.requests.map((seen) => seen.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('an idempotent DELETE whose every answer is lost is outcome_unknown after its tries, not a plain network error', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const error = await failure(client(server.url, { maxAttempts: 3 }).request({ method: 'DELETE', path: '/keys/k1', idempotent: true }));
    expect(error.code).toBe('outcome_unknown');
    expect(server.requests).toHaveLength(3);
  });

  it('a GET whose every answer is lost stays a network error', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const error = await failure(client(server.url, { maxAttempts: 2 }).request({ method: 'GET', path: '/keys', idempotent: true }));
    expect(error.code).toBe('network');
    expect(server.requests).toHaveLength(2);
  });
});

describe('blockPrivateNetwork', () => {
  /** A resolver with a fixed table that records what it was asked. */
  function table(entries: Record<string, Array<{ address: string; family: number }>>) {
    const asked: string[] = [];
    return {
      asked,
      resolveHost: async (hostname: string) => {
        asked.push(hostname);
        return entries[hostname] ?? [];
      },
    };
  }

  /**
   * A plain TCP listener on 127.0.0.1 that keeps every byte any client sends it, and answers 200 to whatever
   * request arrives: what another user's listener on this machine would see.
   */
  async function startListener(): Promise<{ port: number; connections: number; received: () => string }> {
    const chunks: Buffer[] = [];
    const state = { port: 0, connections: 0, received: () => Buffer.concat(chunks).toString('latin1') };
    const server = createNetServer((socket) => {
      state.connections++;
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (chunk.includes('\r\n\r\n')) socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.port = (server.address() as AddressInfo).port;
    servers.push({ url: '', port: state.port, requests: [], close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    return state;
  }

  const SECRET_HEADER = { authorization: `Bearer ${randomBytes(16).toString('hex')}` };

  it('refuses a name resolving to this machine or the local network, in any form, before connecting, naming host and address', async () => {
    const listener = await startListener();
    for (const address of [
      '127.0.0.1',
      '127.0.0.5',
      '::1',
      '::ffff:127.0.0.1',
      '169.254.169.254',
      '10.0.0.7',
      '100.64.1.1',
      'fd12::1',
      'fec0::1',
      '::a9fe:a9fe',
      '2002:a9fe:a9fe::',
      '::ffff:192.168.1.1',
    ]) {
      // A public address first: every address is judged, not only the first.
      const dns = table({
        localhost: [
          { address: '93.184.215.14', family: 4 },
          { address, family: address.includes(':') ? 6 : 4 },
        ],
      });
      const error = await failure(
        client(`http://localhost:${listener.port}`, { blockPrivateNetwork: true, resolveHost: dns.resolveHost }).request({
          method: 'GET',
          path: '/ping',
          headers: SECRET_HEADER,
          idempotent: true,
        }),
      );
      expect(error.code, address).toBe('invalid_input');
      expect(error.message).toContain(`refusing to send the request to localhost: it resolves to ${address}, `);
      expect(error.details).toMatchObject({ host: 'localhost', address });
    }
    expect(listener.connections).toBe(0);
  });

  it('judges the address it connected to: an address literal, which no lookup sees, is refused before a byte of the request is written', async () => {
    const listener = await startListener();
    const literals: Array<[string, string]> = [
      [`http://127.0.0.1:${listener.port}`, 'refusing to send the request to 127.0.0.1: it is a loopback address (this machine)'],
      // The URL parser turns these spellings into 127.0.0.1 before anything connects.
      [`http://127.1:${listener.port}`, 'refusing to send the request to 127.0.0.1: it is a loopback address (this machine)'],
      [`http://0177.0.0.1:${listener.port}`, 'refusing to send the request to 127.0.0.1: it is a loopback address (this machine)'],
      // Over https, judged before the TLS handshake: the listener does not even see a ClientHello.
      [`https://127.0.0.1:${listener.port}`, 'refusing to send the request to 127.0.0.1: it is a loopback address (this machine)'],
      [
        `https://[::ffff:127.0.0.1]:${listener.port}`,
        'refusing to send the request to ::ffff:7f00:1: it connected to ::ffff:127.0.0.1, an IPv4-mapped address carrying 127.0.0.1, a loopback address (this machine)',
      ],
    ];
    for (const [url, message] of literals) {
      const dns = table({});
      const error = await failure(client(url, { blockPrivateNetwork: true, resolveHost: dns.resolveHost }).request({ method: 'GET', path: '/ping', headers: SECRET_HEADER, idempotent: true }));
      expect(error.code, url).toBe('invalid_input');
      expect(error.message, url).toContain(message);
      expect(error.details.addressKind).toBe('loopback');
      // Refused once, not retried: it would connect to the same address again.
      expect(dns.asked).toEqual([]);
    }
    // The socket connected (the listener saw it) and was closed before the request: not a byte, no secret.
    expect(listener.connections).toBe(literals.length);
    expect(listener.received()).toBe('');
    // Without the guard, the same listener gets the request: the test above is not vacuous.
    expect((await client(literals[0]![0]).request({ method: 'GET', path: '/ping', headers: SECRET_HEADER, idempotent: true, responseType: 'ignore' })).status).toBe(200);
    expect(listener.received()).toContain(SECRET_HEADER.authorization);
  });

  it('lets a name resolving to a public address through to a real connection attempt', async () => {
    // 192.0.2.1 (TEST-NET-1) is routed nowhere: the attempt fails as a network error or a timeout, never as a refusal.
    const dns = table({ 'api.vendor.example': [{ address: '192.0.2.1', family: 4 }] });
    const error = await failure(
      client('https://api.vendor.example', { blockPrivateNetwork: true, resolveHost: dns.resolveHost, connectTimeoutMs: 200, maxAttempts: 1 }).request({
        method: 'GET',
        path: '/',
        idempotent: true,
      }),
    );
    expect(dns.asked).toEqual(['api.vendor.example']);
    expect(['network', 'timeout']).toContain(error.code);
    expect(error.details.addressKind).toBeUndefined();
  });

  it('leaves unguarded clients alone: vendor backends may live on loopback or a private network', async () => {
    clients.push(createHttpClient('https://10.1.2.3', { backendName: BACKEND }));
    const server = await startServer((_req, res) => json(res, 200, { ok: true }));
    expect((await client(server.url).request({ method: 'GET', path: '/', idempotent: true })).status).toBe(200);
  });
});
