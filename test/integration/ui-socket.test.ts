/**
 * The console's socket (shared/console-socket.ts, electron/cli/ui/socket.ts): the contract over one WebSocket per tab,
 * in process, over real TCP on 127.0.0.1, a real engine on a real SQLite file, and the page's own transport
 * (renderer/src/contract/socket-transport.ts) on Node's WebSocket, with the Origin a browser sends.
 *
 * What is checked is what an attacker on this machine would try (a page on another loopback port, a rebinding DNS
 * name, no key, a stale key, a flood) and what the administrator relies on: the same answers as a POST, a session's end
 * closing its sockets without losing an answer, a call whose socket closed never sent again. In Chromium, every
 * console e2e test runs on this socket (test/e2e/session.test.ts checks that the page uses it).
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { SOCKET_CLOSE, SOCKET_KEY_PROTOCOL_PREFIX, SOCKET_PATH, SOCKET_PROTOCOL } from '../../shared/console-socket.js';
import { buildContractClient, type ContractClient, type ContractMethod, type ContractTransport } from '../../shared/contract.js';
import { ContractCallError, createHttpTransport } from '../../renderer/src/contract/http-transport.js';
import { createSocketTransport } from '../../renderer/src/contract/socket-transport.js';
import { call, login, pageFetch } from '../support/ui-client.js';

const refusingKeychain = { get: () => Promise.reject(new Error('no keychain')), set: () => Promise.reject(new Error('no keychain')), delete: async () => false };
const MINUTE = 60_000;

/** A WebSocket as the console's page opens one: from the console's origin (Node's sends no Origin by itself). */
const openFrom =
  (origin: string) =>
  (url: string, protocols: string[]): WebSocket =>
    new WebSocket(url, { protocols, headers: { origin } });

/** A raw handshake: the HTTP answer a refused upgrade gets (status, headers, body), or 101. */
function handshake(port: number, options: { host?: string; origin?: string | null; protocols?: string[]; path?: string }): Promise<{ status: number; protocol: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      host: options.host ?? `127.0.0.1:${port}`,
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
    };
    if (options.origin !== null) headers.origin = options.origin ?? `http://127.0.0.1:${port}`;
    if (options.protocols) headers['sec-websocket-protocol'] = options.protocols.join(', ');
    const request = http.request({ host: '127.0.0.1', port, path: options.path ?? SOCKET_PATH, headers, agent: false });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, protocol: response.headers['sec-websocket-protocol'], body: '' });
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, protocol: response.headers['sec-websocket-protocol'], body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** An open socket of the test's own, with every frame it receives and how it closed. */
async function rawSocket(server: UiServer, requestKey: string): Promise<{ socket: WebSocket; answers: unknown[]; closed: Promise<{ code: number }> }> {
  const socket = openFrom(server.origin)(`ws://127.0.0.1:${server.port}${SOCKET_PATH}`, [SOCKET_PROTOCOL, `${SOCKET_KEY_PROTOCOL_PREFIX}${requestKey}`]);
  const answers: unknown[] = [];
  socket.addEventListener('message', (event) => answers.push(JSON.parse(String(event.data))));
  const closed = new Promise<{ code: number }>((resolve) => socket.addEventListener('close', (event) => resolve({ code: event.code })));
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve);
    socket.addEventListener('error', reject);
  });
  return { socket, answers, closed };
}

/**
 * Calls until one travels on the socket (the first calls of a page go by POST while its socket opens), then forgets
 * what reached the POST fallback: from here on, a call that reaches it is one the socket did not carry.
 */
async function untilOnSocket(client: ContractClient, fallback: { calls: ContractMethod[] }): Promise<void> {
  await expect
    .poll(async () => {
      const before = fallback.calls.length;
      await client['inventory:query']({ limit: 1 });
      return fallback.calls.length === before;
    })
    .toBe(true);
  fallback.calls.length = 0;
}

/** A transport that records what reaches it (the POST fallback, watched). */
function recording(transport: ContractTransport): ContractTransport & { calls: ContractMethod[] } {
  const calls: ContractMethod[] = [];
  return { calls, invoke: (method, args) => (calls.push(method), transport.invoke(method, args)) };
}

describe("keywarden ui: the console's socket", () => {
  let home: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let requestKey: string;
  let now = Date.now();
  const clock = () => now;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-socket-'));
    engine = KeywardenEngine.open({ home, keychain: refusingKeychain });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    for (const name of ['Stripe prod', 'Stripe staging', 'Billing feed']) await engine.addManualKey('hand', { name, vendor: 'Stripe' });
    server = await startUiServer({ engine, rendererFolder: home, clock, maxBodyBytes: 64 * 1024 });
    requestKey = await login(server.newLaunchUrl());
  });

  afterAll(async () => {
    await server?.close();
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Both transports wired as the console's page wires them (renderer/src/connection.ts). */
  const transport = (key: () => string | null, ended: ContractCallError[] = []) => {
    const onSessionEnded = (error: ContractCallError) => ended.push(error);
    const fallback = recording(createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: key, onSessionEnded }));
    const socket = createSocketTransport({ url: `ws://127.0.0.1:${server.port}${SOCKET_PATH}`, openSocket: openFrom(server.origin), requestKey: key, fallback, onSessionEnded });
    return { client: buildContractClient(socket), fallback };
  };

  it('answers every call as a POST does, on one socket, each answer to its own call; the calls made while it opens go by POST', async () => {
    const { client, fallback } = transport(() => requestKey);
    // The first call does not wait for the handshake: it is sent by POST, once.
    expect((await client['inventory:query']({ limit: 1 })).total).toBe(3);
    expect(fallback.calls).toEqual(['inventory:query']);
    await untilOnSocket(client, fallback);
    const searches = ['stripe', 'billing', 'prod', 'nothing-like-this', ''];
    const overSocket = await Promise.all(searches.map((search) => client['inventory:query']({ search, limit: 10 })));
    for (const [index, search] of searches.entries()) {
      const overPost = await call(server.port, requestKey, 'inventory:query', [{ search, limit: 10 }]);
      expect(overSocket[index]).toEqual(overPost.json);
    }
    expect(overSocket.map((page) => page.total)).toEqual([3, 1, 1, 0, 3]);
    // The same refusals, with the same status a POST gets.
    const refused = await client['key:show']('hand/no-such-key').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ContractCallError);
    expect(refused).toMatchObject({ code: 'not_found', status: 404 });
    expect(fallback.calls).toEqual([]);
    expect(server.sockets()).toBe(1);
  });

  it('refuses a handshake from another origin, another host name, without Origin, without a session or off its path', async () => {
    const key = `${SOCKET_KEY_PROTOCOL_PREFIX}${requestKey}`;
    const ok = await handshake(server.port, { protocols: [SOCKET_PROTOCOL, key] });
    expect(ok.status).toBe(101);
    // The key is never sent back: the server names its own protocol only.
    expect(ok.protocol).toBe(SOCKET_PROTOCOL);

    // A page on another loopback port (its own server, say), and a page with none.
    expect((await handshake(server.port, { origin: 'http://127.0.0.1:1', protocols: [SOCKET_PROTOCOL, key] })).status).toBe(403);
    expect((await handshake(server.port, { origin: `http://localhost:${server.port + 1}`, protocols: [SOCKET_PROTOCOL, key] })).status).toBe(403);
    expect((await handshake(server.port, { origin: null, protocols: [SOCKET_PROTOCOL, key] })).status).toBe(403);
    // DNS rebinding: a name of the attacker's resolved to 127.0.0.1, its page on the same port.
    const rebound = await handshake(server.port, { host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}`, protocols: [SOCKET_PROTOCOL, key] });
    expect(rebound.status).toBe(403);
    // No key, a made-up one, two keys.
    const noKey = await handshake(server.port, { protocols: [SOCKET_PROTOCOL] });
    expect(noKey.status).toBe(401);
    expect(JSON.parse(noKey.body)).toMatchObject({ error: { code: 'session_required' } });
    expect((await handshake(server.port, { protocols: [SOCKET_PROTOCOL, `${SOCKET_KEY_PROTOCOL_PREFIX}${'A'.repeat(43)}`] })).status).toBe(401);
    expect((await handshake(server.port, { protocols: [SOCKET_PROTOCOL, key, `${SOCKET_KEY_PROTOCOL_PREFIX}other`] })).status).toBe(401);
    // The key but not the wire this server speaks (an old page, or not a page at all).
    expect((await handshake(server.port, { protocols: [key] })).status).toBe(400);
    expect((await handshake(server.port, { protocols: ['keywarden.contract.v0', key] })).status).toBe(400);
    // Only the socket's own path upgrades.
    expect((await handshake(server.port, { path: '/api/events', protocols: [SOCKET_PROTOCOL, key] })).status).toBe(404);
    expect((await handshake(server.port, { path: '/', protocols: [SOCKET_PROTOCOL, key] })).status).toBe(404);
  });

  it('closes a socket that sends what is not a call, or a frame larger than a request body may be', async () => {
    const notJson = await rawSocket(server, requestKey);
    notJson.socket.send('{"id": 1, "method": ');
    expect((await notJson.closed).code).toBe(SOCKET_CLOSE.malformed);

    const noId = await rawSocket(server, requestKey);
    noId.socket.send(JSON.stringify({ method: 'inventory:query', args: [{}] }));
    expect((await noId.closed).code).toBe(SOCKET_CLOSE.malformed);

    const binary = await rawSocket(server, requestKey);
    binary.socket.send(new Uint8Array([1, 2, 3]));
    expect((await binary.closed).code).toBe(SOCKET_CLOSE.malformed);

    const large = await rawSocket(server, requestKey);
    large.socket.send(JSON.stringify({ id: 1, method: 'inventory:query', args: [{ search: 'x'.repeat(65 * 1024) }] }));
    expect((await large.closed).code).toBe(1009);
    expect(large.answers).toEqual([]);

    // What the pipeline refuses is answered, and the socket stays open for the next call.
    const refused = await rawSocket(server, requestKey);
    refused.socket.send(JSON.stringify({ id: 7, method: 'key:launchMissiles', args: [] }));
    refused.socket.send(JSON.stringify({ id: 8, method: 'inventory:query', args: [{ limit: 'all' }] }));
    refused.socket.send(JSON.stringify({ id: 9, method: 'inventory:query', args: [{ limit: 1 }] }));
    await expect.poll(() => refused.answers.length).toBe(3);
    const byId = Object.fromEntries(refused.answers.map((answer) => [(answer as { id: number }).id, answer]));
    expect(byId[7]).toMatchObject({ ok: false, status: 404, error: { code: 'not_found' } });
    expect(byId[8]).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_input' } });
    expect(byId[9]).toMatchObject({ ok: true, value: { total: 3 } });
    refused.socket.close();
  });

  it("signing out closes the session's sockets: the page is told to sign in again, and a new socket is refused", async () => {
    const key = await login(server.newLaunchUrl());
    const ended: ContractCallError[] = [];
    const { client } = transport(() => key, ended);
    await client['inventory:query']({ limit: 1 });
    const watched = await rawSocket(server, key);
    expect((await call(server.port, key, 'inventory:query', [{ limit: 1 }])).status).toBe(200);
    const signOut = await fetch(`${server.origin}/session/sign-out`, {
      method: 'POST',
      headers: { origin: server.origin, authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(signOut.status).toBe(200);
    expect((await watched.closed).code).toBe(SOCKET_CLOSE.sessionEnded);
    // The page's next call hears why, in the server's words, and the page is told to sign in again.
    const refused = await client['inventory:query']({ limit: 1 }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'session_required', status: 401 });
    expect((refused as Error).message).toMatch(/signed out/);
    expect(ended.map((error) => error.code)).toEqual(['session_required']);
    expect((await handshake(server.port, { protocols: [SOCKET_PROTOCOL, `${SOCKET_KEY_PROTOCOL_PREFIX}${key}`] })).status).toBe(401);
  });

  it('a session past its idle limit is refused on its next call, and its socket closes', async () => {
    const key = await login(server.newLaunchUrl());
    const opened = await rawSocket(server, key);
    opened.socket.send(JSON.stringify({ id: 1, method: 'inventory:query', args: [{ limit: 1 }] }));
    await expect.poll(() => opened.answers.length).toBe(1);
    now += 24 * 60 * MINUTE;
    opened.socket.send(JSON.stringify({ id: 2, method: 'inventory:query', args: [{ limit: 1 }] }));
    expect((await opened.closed).code).toBe(SOCKET_CLOSE.sessionEnded);
    expect(opened.answers[1]).toMatchObject({ id: 2, ok: false, status: 401, error: { code: 'session_expired' } });
    requestKey = await login(server.newLaunchUrl());
  });

  it('a call whose socket closed before its answer fails as unreachable and is not sent again, by POST or otherwise', async () => {
    // The page's side closes the socket the moment the call's frame is out (a laptop's network going away, say).
    let closeAfterSending = false;
    const fallback = recording(createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => requestKey }));
    const transportWithHandle = createSocketTransport({
      url: `ws://127.0.0.1:${server.port}${SOCKET_PATH}`,
      openSocket: (url, protocols) => {
        const socket = openFrom(server.origin)(url, protocols);
        const send = socket.send.bind(socket);
        socket.send = (data) => {
          send(data);
          if (closeAfterSending) socket.close();
        };
        return socket;
      },
      requestKey: () => requestKey,
      fallback,
    });
    const client = buildContractClient(transportWithHandle);
    await untilOnSocket(client, fallback);
    closeAfterSending = true;
    const failure = await client['inventory:query']({ limit: 1 }).catch((error: unknown) => error);
    closeAfterSending = false;
    expect(failure).toBeInstanceOf(ContractCallError);
    expect(failure).toMatchObject({ code: 'server_unreachable', status: 0 });
    expect((failure as Error).message).toMatch(/may have happened/);
    expect(fallback.calls).toEqual([]);
    // The next call opens a new socket (and goes by POST while it opens), then the socket carries the calls again.
    expect((await client['inventory:query']({ limit: 1 })).total).toBe(3);
    await untilOnSocket(client, fallback);
    expect((await client['inventory:query']({ search: 'billing' })).total).toBe(1);
    expect(fallback.calls).toEqual([]);
  });

  it('goes by POST while no socket can be opened (a server or proxy without it), and tries the socket again later', async () => {
    let now = 0;
    let attempts = 0;
    const fallback = recording(createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => requestKey }));
    let url = `ws://127.0.0.1:${server.port}/api/no-socket-here`;
    const client = buildContractClient(
      createSocketTransport({
        openSocket: (_url, protocols) => {
          attempts += 1;
          return openFrom(server.origin)(url, protocols);
        },
        url: 'unused',
        requestKey: () => requestKey,
        fallback,
        retryAfterMs: 5000,
        now: () => now,
      }),
    );
    expect((await client['inventory:query']({ search: 'staging' })).total).toBe(1);
    // The refused handshake is given up on: until the retry, no new socket is tried.
    await expect.poll(() => attempts).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await client['inventory:query']({ search: 'billing' })).total).toBe(1);
    expect(fallback.calls).toEqual(['inventory:query', 'inventory:query']);
    expect(attempts).toBe(1);
    url = `ws://127.0.0.1:${server.port}${SOCKET_PATH}`;
    now += 5001;
    expect((await client['inventory:query']({ search: 'prod' })).total).toBe(1);
    expect(attempts).toBe(2);
    await untilOnSocket(client, fallback);
    expect((await client['inventory:query']({ search: 'billing' })).total).toBe(1);
    expect(fallback.calls).toEqual([]);
  });

  it('the server stopping leaves no call unanswered: those under way are answered, later ones refused, then the socket closes', async () => {
    const own = await startUiServer({ engine, rendererFolder: home });
    const key = await login(own.newLaunchUrl());
    const opened = await rawSocket(own, key);
    for (let id = 1; id <= 5; id++) opened.socket.send(JSON.stringify({ id, method: 'inventory:query', args: [{ search: 'stripe', limit: 1 }] }));
    await expect.poll(() => opened.answers.length).toBeGreaterThan(0);
    const stopped = own.close();
    for (let id = 6; id <= 8; id++) opened.socket.send(JSON.stringify({ id, method: 'inventory:query', args: [{ limit: 1 }] }));
    await stopped;
    expect((await opened.closed).code).toBe(1001);
    const answered = opened.answers as Array<{ id: number; ok: boolean; status?: number }>;
    // Every call sent before the close frame has its answer: a result, or a refusal that says the session is over.
    expect(answered.map((answer) => answer.id).sort((a, b) => a - b)).toEqual(answered.length === 8 ? [1, 2, 3, 4, 5, 6, 7, 8] : [1, 2, 3, 4, 5]);
    expect(answered.filter((answer) => answer.id <= 5).every((answer) => answer.ok)).toBe(true);
    expect(answered.filter((answer) => answer.id > 5).every((answer) => !answer.ok && answer.status === 401)).toBe(true);
  });
});
