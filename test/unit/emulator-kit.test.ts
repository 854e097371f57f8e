/**
 * The emulators' fault machinery itself (electron/core/backends/emulator-kit.ts), on a one-route emulator over
 * real loopback sockets: the persistent latency (option, `setLatency`, control endpoint), a reset in the middle of
 * a body, an answer that stops half-way, the 50 MB body streamed as the client reads it, and what the shared HTTP
 * client makes of each. Lower bounds only for the latency: machines are noisy, a delay can only be longer.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatorClock, type RunningEmulator, startEmulator } from '../../electron/core/backends/emulator-kit.js';
import { createHttpClient, type HttpClient } from '../../electron/core/backends/http.js';
import { KeywardenError } from '../../electron/core/errors.js';

const MB50 = 50 * 1024 * 1024;

const emulators: RunningEmulator[] = [];
const clients: HttpClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => undefined);
  for (const emulator of emulators.splice(0)) await emulator.close();
});

/** An emulator with one list route and a counter of requests actually carried out (faults that answer first excluded). */
async function start(latencyMs?: number): Promise<{ emulator: RunningEmulator; carriedOut: () => number }> {
  let carried = 0;
  const items = Array.from({ length: 100 }, (_, index) => ({ id: `item-${index}`, name: `Item number ${index}` }));
  const emulator = await startEmulator({
    name: 'kit-test',
    clock: new EmulatorClock(),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    routes: [
      {
        method: 'GET',
        pattern: '/items',
        handler: () => {
          carried += 1;
          return { status: 200, body: { data: items } };
        },
      },
    ],
  });
  emulators.push(emulator);
  return { emulator, carriedOut: () => carried };
}

function client(emulator: RunningEmulator, options: Partial<Parameters<typeof createHttpClient>[1]> = {}): HttpClient {
  const created = createHttpClient(emulator.url, { backendName: 'kit', baseBackoffMs: 5, responseTimeoutMs: 400, ...options });
  clients.push(created);
  return created;
}

/** A raw GET that records what arrives: the status, the declared length, the bytes read, and how it ended. */
function rawGet(
  url: string,
  options: { stopAfterMs?: number } = {},
): Promise<{ status: number; declared: number | null; received: number; ended: 'complete' | 'error' | 'stopped'; error: string | null }> {
  return new Promise((resolve, reject) => {
    let responded = false;
    const request = http.get(url, (response) => {
      responded = true;
      let received = 0;
      let settled = false;
      const declaredText = response.headers['content-length'];
      const finish = (ended: 'complete' | 'error' | 'stopped', error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, declared: declaredText === undefined ? null : Number(declaredText), received, ended, error });
        if (ended === 'stopped') request.destroy();
      };
      const timer = setTimeout(() => finish('stopped', null), options.stopAfterMs ?? 10_000);
      response.on('data', (chunk: Buffer) => (received += chunk.length));
      response.on('end', () => finish('complete', null));
      response.on('error', (error: NodeJS.ErrnoException) => finish('error', error.code ?? error.message));
      response.on('close', () => finish('error', 'closed before the end'));
    });
    // Once the answer has begun, a failure of the connection is the response's to report.
    request.on('error', (error) => {
      if (!responded) reject(error);
    });
  });
}

async function failure(call: Promise<unknown>): Promise<KeywardenError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    return error as KeywardenError;
  }
  throw new Error('expected a KeywardenError');
}

describe('emulator latency', () => {
  it('an emulator started with latencyMs answers every request no sooner than that, and logs it on arrival', async () => {
    const { emulator, carriedOut } = await start(150);
    expect(emulator.latencyMs).toBe(150);
    const started = performance.now();
    const pending = rawGet(`${emulator.url}/items`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Arrived and logged, not carried out yet.
    expect(emulator.requestLog).toEqual(['GET /items']);
    expect(carriedOut()).toBe(0);
    const answer = await pending;
    expect(answer).toMatchObject({ status: 200, ended: 'complete' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(carriedOut()).toBe(1);
  });

  it('is set and cleared through POST /__emulator/latency, for every request after it, and refuses a bad value', async () => {
    const { emulator } = await start();
    const set = async (body: unknown) => {
      const response = await fetch(`${emulator.url}/__emulator/latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await set({ ms: 120 })).toEqual({ status: 200, body: { latencyMs: 120 } });
    expect(emulator.latencyMs).toBe(120);
    for (let index = 0; index < 2; index++) {
      const started = performance.now();
      expect((await rawGet(`${emulator.url}/items`)).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    }
    expect((await set({ ms: -1 })).status).toBe(400);
    expect((await set({ ms: 'slow' })).status).toBe(400);
    expect(emulator.latencyMs).toBe(120);
    expect(await set({ ms: 0 })).toEqual({ status: 200, body: { latencyMs: 0 } });
    emulator.setLatency(40);
    expect(emulator.latencyMs).toBe(40);
    expect(() => emulator.setLatency(1.5)).toThrow(/whole number/);
    // The control endpoints are never delayed nor logged.
    expect(emulator.requestLog).toEqual(['GET /items', 'GET /items']);
  });

  it('a request still waiting out its latency when the emulator closes is dropped, not answered', async () => {
    const { emulator, carriedOut } = await start(5_000);
    const pending = rawGet(`${emulator.url}/items`).catch((error: NodeJS.ErrnoException) => error.code);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await emulator.close();
    emulators.length = 0;
    expect(await pending).toBe('ECONNRESET');
    expect(carriedOut()).toBe(0);
  });
});

describe('faults in the middle of a body', () => {
  it('reset-mid-body carries the request out, sends the headers and part of the body, then resets the connection', async () => {
    const { emulator, carriedOut } = await start();
    emulator.addFault({ kind: 'reset-mid-body', pathPrefix: '/items' });
    const answer = await rawGet(`${emulator.url}/items`);
    expect(answer.status).toBe(200);
    expect(answer.ended).toBe('error');
    expect(answer.declared).toBeGreaterThan(0);
    expect(answer.received).toBeLessThan(answer.declared!);
    expect(carriedOut()).toBe(1);
    // Once: the next request is answered whole.
    expect(await rawGet(`${emulator.url}/items`)).toMatchObject({ status: 200, ended: 'complete' });
  });

  it('the HTTP client retries a read reset mid-body, and the answer arrives', async () => {
    const { emulator } = await start();
    emulator.addFault({ kind: 'reset-mid-body', pathPrefix: '/items', times: 2 });
    const response = await client(emulator).request({ method: 'GET', path: '/items', idempotent: true });
    expect(response.attempts).toBe(3);
    expect((response.body as { data: unknown[] }).data).toHaveLength(100);
  });

  it('a write reset mid-body is outcome_unknown and sent once', async () => {
    const { emulator } = await start();
    emulator.addFault({ kind: 'reset-mid-body', pathPrefix: '/items', times: 5 });
    const error = await failure(client(emulator).request({ method: 'GET', path: '/items', idempotent: false }));
    expect(error.code).toBe('outcome_unknown');
    expect(emulator.requestLog).toEqual(['GET /items']);
  });

  it('stall-mid-body sends half the answer and then nothing: the client gives up with "timeout", not retried', async () => {
    const { emulator, carriedOut } = await start();
    emulator.addFault({ kind: 'stall-mid-body', pathPrefix: '/items', times: 5 });
    const raw = await rawGet(`${emulator.url}/items`, { stopAfterMs: 300 });
    expect(raw).toMatchObject({ status: 200, ended: 'stopped' });
    expect(raw.received).toBeGreaterThan(0);
    expect(raw.received).toBeLessThan(raw.declared!);
    const error = await failure(client(emulator, { responseTimeoutMs: 200 }).request({ method: 'GET', path: '/items', idempotent: true }));
    expect(error.code).toBe('timeout');
    expect(carriedOut()).toBe(2);
    expect(emulator.requestLog).toHaveLength(2);
  });
});

describe('the 50 MB body', () => {
  it('is exactly the size asked for, valid JSON text, streamed without a Content-Length', async () => {
    const { emulator } = await start();
    emulator.addFault({ kind: 'oversized', bytes: MB50, pathPrefix: '/items' });
    const answer = await rawGet(`${emulator.url}/items`, { stopAfterMs: 30_000 });
    expect(answer).toMatchObject({ status: 200, declared: null, received: MB50, ended: 'complete' });
  });

  it('is refused by the client at its byte bound, having read little more than the bound', async () => {
    const { emulator } = await start();
    emulator.addFault({ kind: 'oversized', bytes: MB50, pathPrefix: '/items' });
    const http = client(emulator, { maxResponseBytes: 1024 * 1024 });
    const error = await failure(http.request({ method: 'GET', path: '/items', idempotent: true }));
    expect(error.code).toBe('malformed_response');
    expect(error.message).toMatch(/larger than 1048576 bytes/);
    expect(http.bytesReceived).toBeGreaterThan(1024 * 1024);
    expect(http.bytesReceived).toBeLessThan(2 * 1024 * 1024);
  });

  it('with declareLength it is refused from its Content-Length, before any of it is read', async () => {
    const { emulator } = await start();
    emulator.addFault({ kind: 'oversized', bytes: MB50, declareLength: true, pathPrefix: '/items' });
    const http = client(emulator, { maxResponseBytes: 1024 * 1024 });
    expect((await failure(http.request({ method: 'GET', path: '/items', idempotent: true }))).code).toBe('malformed_response');
    expect(http.bytesReceived).toBe(0);
  });
});

describe('control endpoint', () => {
  it('refuses a fault of an unknown kind, and accepts each known one', async () => {
    const { emulator } = await start();
    const post = (body: unknown) => fetch(`${emulator.url}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ kind: 'meltdown' })).status).toBe(400);
    for (const kind of ['reset-mid-body', 'stall-mid-body', 'oversized', 'hang']) expect((await post({ kind, pathPrefix: '/nowhere' })).status).toBe(200);
  });
});
