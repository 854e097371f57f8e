/**
 * The server behind `keywarden ui`, in process, over real HTTP on 127.0.0.1 with a real engine on a real
 * SQLite file: what a browser on this machine may do with a sign-in link it issued, and what everything else is
 * refused. No keychain is needed here (no secret is stored): a keychain that refuses everything proves it.
 * The round trip with a vendor emulator (and the private test keychain) is in ui-roundtrip.test.ts; the sign-in
 * in Chromium, and a page on another loopback port, in test/e2e/session.test.ts.
 *
 * Lifetimes are tested on a clock the test moves (`clock`), never by waiting, except where the server's own timer
 * must end an event stream by itself (then the test waits for the stream to end, with no bound of its own).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer, type UiServerOptions } from '../../electron/cli/ui/server.js';
import type { TokenOutcome } from '../../electron/cli/ui/security.js';
import { buildContractClient } from '../../shared/contract.js';
import type { AuditEvent, Key } from '../../shared/domain.js';
import { ContractCallError, createHttpTransport, exchangeLaunchToken, signOutSession, subscribeContractEvents } from '../../renderer/src/contract/http-transport.js';
import { answersSeen, bearer, call, login, openEventStream, pageFetch, raw, type RawAnswer, signIn } from '../support/ui-client.js';

const refusingKeychain = { get: () => Promise.reject(new Error('no keychain')), set: () => Promise.reject(new Error('no keychain')), delete: async () => false };
const MINUTE = 60_000;

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

/** Resolves when the stream has ended (the server closed it). */
function streamEnded(stream: Awaited<ReturnType<typeof openEventStream>>): Promise<void> {
  return stream
    .waitFor(() => false)
    .then(
      () => undefined,
      () => undefined,
    );
}

/**
 * Sends a POST whose declared body is `declared` bytes, writing it in 64 KiB chunks for as long as the server takes
 * them; returns how many bytes it could write before the server closed the connection (or all of them).
 */
function pushBody(port: number, head: string, declared: number): Promise<{ written: number; closedEarly: boolean; answer: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let written = 0;
    let answer = '';
    let done = false;
    const finish = (closedEarly: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ written, closedEarly, answer });
    };
    socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    socket.on('error', () => finish(written < declared));
    socket.on('close', () => finish(written < declared));
    socket.on('connect', () => {
      socket.write(`${head}Content-Length: ${declared}\r\n\r\n`);
      const pump = () => {
        while (!done && written < declared) {
          written += chunk.length;
          if (!socket.write(chunk)) {
            socket.once('drain', pump);
            return;
          }
        }
        // All of it went out: the server read (drained) the whole body.
        if (!done) socket.end();
      };
      pump();
    });
  });
}

describe('keywarden ui: the server', () => {
  let home: string;
  let folder: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let port: number;
  let requestKey: string;
  let key: Key;
  const request = raw;
  const extraServers: UiServer[] = [];

  /** A server of the test's own (limits, clock), closed after the file. */
  async function ownServer(options: Partial<UiServerOptions> = {}): Promise<UiServer> {
    const started = await startUiServer({ engine, rendererFolder: folder, heartbeatMs: 20, ...options });
    extraServers.push(started);
    return started;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-ui-'));
    folder = join(home, 'site', 'renderer');
    mkdirSync(join(folder, 'assets'), { recursive: true });
    writeFileSync(join(folder, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/app.js"></script>');
    writeFileSync(join(folder, 'assets', 'app.js'), 'console.log("console");');
    writeFileSync(join(folder, 'assets', 'app.css'), 'body { margin: 0 }');
    writeFileSync(join(folder, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(folder, 'assets', 'font.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
    writeFileSync(join(folder, '.env'), 'NOT=served');
    // Beside the served folder, where a traversal would land.
    writeFileSync(join(home, 'site', 'package.json'), '{"name":"outside-the-console"}');
    writeFileSync(join(home, 'site', 'secret.txt'), 'outside-the-console');

    engine = KeywardenEngine.open({ home: join(home, 'data'), keychain: refusingKeychain });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    key = await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    server = await startUiServer({ engine, rendererFolder: folder, heartbeatMs: 20 });
    port = server.port;
    requestKey = await login(server.newLaunchUrl());
  });

  afterAll(async () => {
    for (const extra of extraServers) await extra.close();
    await server?.close();
    await engine?.close();
    rmSync(home, { recursive: true, force: true });
  });

  describe('signing in', () => {
    it('a launch URL signs in once: its token is exchanged for a request key in the answer body, and no cookie is set', async () => {
      const url = new URL(server.newLaunchUrl());
      expect(url.origin).toBe(`http://127.0.0.1:${port}`);
      expect(url.pathname).toBe('/');
      expect(Buffer.from(url.searchParams.get('token')!, 'base64url').length).toBe(32);
      const before = server.openSessions();

      const first = await signIn(port, url.searchParams.get('token')!);
      expect(first.status).toBe(200);
      expect(first.headers['set-cookie']).toBeUndefined();
      expect(first.headers['cache-control']).toBe('no-store');
      const session = first.json as { requestKey: string; idleSeconds: number; expiresAt: string };
      expect(session.requestKey).toMatch(/^[\w-]{43}$/);
      expect(session.idleSeconds).toBe(30 * 60);
      expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(11 * 3_600_000);
      expect(server.openSessions()).toBe(before + 1);
      expect(await call(port, session.requestKey, 'backend:list', [])).toMatchObject({ status: 200, json: [expect.objectContaining({ name: 'hand', type: 'manual' })] });

      // The same link again: refused, and no second session.
      for (let i = 0; i < 3; i++) {
        const again = await signIn(port, url.searchParams.get('token')!);
        expect(again.status).toBe(401);
        expect(again.json).toEqual({ error: { code: 'token_refused', message: expect.stringMatching(/already used, has expired .*press Enter in the terminal running "keywarden ui"/) } });
      }
      expect(server.openSessions()).toBe(before + 1);
    });

    it('opening the link three times makes no session: the page is served, and only its script signs in, once', async () => {
      const url = new URL(server.newLaunchUrl());
      const before = server.openSessions();
      for (let i = 0; i < 3; i++) {
        const page = await request(port, { path: `/${url.search}` });
        expect(page.status).toBe(200);
        expect(page.body).toContain('<title>console</title>');
        expect(page.headers['set-cookie']).toBeUndefined();
      }
      expect(server.openSessions()).toBe(before);
      const outcomes = await Promise.all([0, 1, 2].map(() => signIn(port, url.searchParams.get('token')!)));
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual([200, 401, 401]);
      expect(server.openSessions()).toBe(before + 1);
    });

    it('a token unused for its lifetime is void; each token reports once whether it was used or expired', async () => {
      let skew = 0;
      const timed = await ownServer({ clock: () => Date.now() + skew, sessions: { tokenMs: 5 * MINUTE } });
      const outcomes: TokenOutcome[] = [];
      const late = timed.newLaunchUrl((outcome) => outcomes.push(outcome));
      const prompt = timed.newLaunchUrl((outcome) => outcomes.push(outcome));
      skew = 4 * MINUTE;
      expect((await signIn(timed.port, tokenOf(prompt))).status).toBe(200);
      expect(outcomes).toEqual(['used']);
      skew = 5 * MINUTE;
      const refused = await signIn(timed.port, tokenOf(late));
      expect(refused.status).toBe(401);
      expect(refused.json).toMatchObject({ error: { code: 'token_refused', message: expect.stringMatching(/within 5 minutes of being printed/) } });
      expect(outcomes).toEqual(['used', 'expired']);
      expect(timed.openSessions()).toBe(1);
    });

    it('a wrong token, a prefix or one character of a real one, or none, is refused, and the real one still works after', async () => {
      const token = tokenOf(server.newLaunchUrl());
      const before = server.openSessions();
      for (const wrong of ['wrong', token.slice(0, -1), token.slice(0, 1), token.slice(0, 22), `${token}A`, token.slice(1), token.toUpperCase()]) {
        const answer = await signIn(port, wrong);
        expect(answer.status, wrong).toBe(401);
        expect((answer.json as { error: { code: string } }).error.code, wrong).toBe('token_refused');
      }
      for (const body of ['{"token":""}', '{}', '{"token":42}', '"token"', 'not json', JSON.stringify({ token: 'x'.repeat(4000) })]) {
        const answer = await raw(port, { method: 'POST', path: '/session', body, headers: { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' } });
        expect(answer.status, body).toBe(400);
        expect(JSON.parse(answer.body), body).toEqual({ error: { code: 'invalid_input', message: expect.stringMatching(/\{"token": "\.\.\."\}/) } });
      }
      expect(server.openSessions()).toBe(before);
      expect((await signIn(port, token)).status).toBe(200);
    });

    it('is refused from another origin, without an Origin, or for a foreign Host, and the token is not spent by it', async () => {
      const token = tokenOf(server.newLaunchUrl());
      for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1 === 65536 ? 1 : port + 1}`, `http://localhost:${port}`, 'null']) {
        const answer = await signIn(port, token, { headers: { origin } });
        expect(answer.status, origin).toBe(403);
        expect(answer.json).toEqual({ error: { code: 'request_refused', message: 'refused: a request from another origin' } });
      }
      const without = await raw(port, { method: 'POST', path: '/session', body: JSON.stringify({ token }), headers: { 'content-type': 'application/json' } });
      expect(without.status).toBe(403);
      for (const host of [`evil.localhost:${port}`, `localhost.evil.example:${port}`]) {
        const answer = await signIn(port, token, { host, headers: { origin: `http://${host}` } });
        expect(answer.status, host).toBe(403);
      }
      const plain = await raw(port, {
        method: 'POST',
        path: '/session',
        body: `token=${token}`,
        headers: { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(plain.status).toBe(415);
      expect((await raw(port, { path: '/session' })).status).toBe(405);
      // None of these spent it.
      expect((await signIn(port, token)).status).toBe(200);
    });
  });

  describe('the request key', () => {
    it('every API call and the event stream need it as a Bearer header: a cookie authorises nothing, and none is ever set', async () => {
      const refused = await call(port, '', 'backend:list', []);
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="keywarden"');
      expect(refused.json).toEqual({ error: { code: 'session_required', message: expect.stringMatching(/no console session: sign in again with a new link from "keywarden ui"/) } });
      // The very request key, sent the way the old console did (a cookie), or under another scheme.
      const attempts: Array<Record<string, string>> = [
        { cookie: `keywarden_session_${port}=${requestKey}` },
        { cookie: `keywarden_session=${requestKey}; session=${requestKey}` },
        { authorization: `Basic ${Buffer.from(`x:${requestKey}`).toString('base64')}` },
        { authorization: requestKey },
        { authorization: `Bearer ${requestKey} extra` },
      ];
      for (const headers of attempts) {
        const answer = await call(port, '', 'key:reveal', [key.ref], { headers });
        expect(answer.status, JSON.stringify(headers)).toBe(401);
        expect((await request(port, { path: '/api/events', headers })).status, JSON.stringify(headers)).toBe(401);
      }
      expect((await request(port, { path: '/api/events' })).status).toBe(401);
      expect((await call(port, requestKey, 'backend:list', [])).status).toBe(200);
      // The scheme's name is case-insensitive (RFC 9110), the key is not.
      expect((await call(port, '', 'backend:list', [], { headers: { authorization: `bearer ${requestKey}` } })).status).toBe(200);
    });

    it('a prefix of a real request key, one character of it, a longer one or an empty one is refused', async () => {
      const own = await login(server.newLaunchUrl());
      for (const wrong of [own.slice(0, -1), own.slice(0, 1), own.slice(0, 42), own.slice(0, 21), own.slice(1), `${own}A`, `${own}${own}`, own.toUpperCase(), own.toLowerCase()]) {
        if (wrong === own) continue;
        const answer = await call(port, wrong, 'backend:list', []);
        expect(answer.status, wrong).toBe(401);
        expect((answer.json as { error: { code: string } }).error.code, wrong).toBe('session_required');
        expect((await request(port, { path: '/api/events', headers: bearer(wrong) })).status, wrong).toBe(401);
      }
      for (const header of ['Bearer ', 'Bearer', '']) {
        expect((await call(port, '', 'backend:list', [], { headers: { authorization: header } })).status, header).toBe(401);
      }
      expect((await call(port, own, 'backend:list', [])).status).toBe(200);
    });

    it('sign-out ends the session: its event stream ends, and every call with its key, the stream and sign-out again are refused', async () => {
      const own = await login(server.newLaunchUrl());
      const other = await login(server.newLaunchUrl());
      const stream = await openEventStream(server.origin, own);
      const otherStream = await openEventStream(server.origin, other);
      expect(stream.status).toBe(200);
      const ended = streamEnded(stream);

      const out = await raw(port, { method: 'POST', path: '/session/sign-out', headers: { origin: server.origin, ...bearer(own) } });
      expect(out.status).toBe(200);
      expect(JSON.parse(out.body)).toEqual({ signedOut: true });
      await ended;

      const after = await call(port, own, 'key:reveal', [key.ref]);
      expect(after.status).toBe(401);
      expect(after.json).toEqual({ error: { code: 'session_required', message: expect.stringMatching(/this console session was signed out/) } });
      expect((await request(port, { path: '/api/events', headers: bearer(own) })).status).toBe(401);
      expect((await raw(port, { method: 'POST', path: '/session/sign-out', headers: { origin: server.origin, ...bearer(own) } })).status).toBe(401);
      // Sign-out needs the console's Origin like every POST: another page cannot sign the administrator out.
      expect((await raw(port, { method: 'POST', path: '/session/sign-out', headers: { origin: 'http://evil.example', ...bearer(other) } })).status).toBe(403);
      // Another session is untouched, its stream too.
      expect((await call(port, other, 'backend:list', [])).status).toBe(200);
      await otherStream.waitFor((_, comments) => comments.filter((comment) => comment === 'heartbeat').length >= 2);
      otherStream.close();
    });

    it('idle expiry: a session unused by API calls for the idle time ends (the event stream does not keep it alive)', async () => {
      let skew = 0;
      const timed = await ownServer({ clock: () => Date.now() + skew, sessions: { idleMs: 10 * MINUTE } });
      const own = await login(timed.newLaunchUrl());
      skew = 9 * MINUTE;
      expect((await call(timed.port, own, 'backend:list', [])).status).toBe(200);
      skew = 18 * MINUTE;
      // 18 minutes after sign-in, 9 after the last call: alive.
      expect((await call(timed.port, own, 'backend:list', [])).status).toBe(200);
      // Opened 6 minutes after the last call, and it stays open with its heartbeats: neither counts as use.
      skew = 24 * MINUTE;
      const stream = await openEventStream(timed.origin, own);
      await stream.waitFor((_, comments) => comments.includes('heartbeat'));
      const ended = streamEnded(stream);
      skew = 28 * MINUTE;
      const expired = await call(timed.port, own, 'key:reveal', [key.ref]);
      expect(expired.status).toBe(401);
      expect(expired.json).toEqual({ error: { code: 'session_expired', message: expect.stringMatching(/your console session expired: it was not used for 10 minutes; sign in again/) } });
      await ended;
      expect(timed.openSessions()).toBe(0);
      expect((await call(timed.port, own, 'backend:list', [])).json).toMatchObject({ error: { code: 'session_expired' } });
    });

    it('locks Keywarden after the lockAfterIdleMinutes setting without an API call from any tab, and tells every tab', async () => {
      let skew = 0;
      await engine.updateSettings({ lockAfterIdleMinutes: 5 });
      const timed = await ownServer({ clock: () => Date.now() + skew, idleLockPollMs: 20, sessions: { idleMs: 60 * MINUTE } });
      try {
        const own = await login(timed.newLaunchUrl());
        const stream = await openEventStream(timed.origin, own);
        // Four minutes after the last call: not yet. The stream's heartbeats are no activity.
        skew = 4 * MINUTE;
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(engine.lockState().locked).toBe(false);
        expect((await call(timed.port, own, 'backend:list', [])).status).toBe(200);
        // Four more after that call: still not (the call restarted the count); then six.
        skew = 8 * MINUTE;
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(engine.lockState().locked).toBe(false);
        skew = 10 * MINUTE;
        await stream.waitFor((events) => events.some((event) => event.event === 'onLockChanged'));
        expect(JSON.parse(stream.events.find((event) => event.event === 'onLockChanged')!.data)).toMatchObject({ locked: true, reason: 'idle' });
        expect(engine.lockState()).toMatchObject({ locked: true, reason: 'idle' });
        stream.close();
      } finally {
        await engine.unlock().catch(() => undefined);
        await engine.updateSettings({ lockAfterIdleMinutes: 15 });
      }
    });

    it('absolute lifetime: however much it is used, a session ends that long after its sign-in', async () => {
      let skew = 0;
      const timed = await ownServer({ clock: () => Date.now() + skew, sessions: { idleMs: 30 * MINUTE, lifetimeMs: 60 * MINUTE } });
      const own = await login(timed.newLaunchUrl());
      for (const minutes of [20, 40, 59]) {
        skew = minutes * MINUTE;
        expect((await call(timed.port, own, 'backend:list', [])).status, `${minutes} min`).toBe(200);
      }
      skew = 60 * MINUTE;
      expect(await call(timed.port, own, 'backend:list', [])).toMatchObject({
        status: 401,
        json: { error: { code: 'session_expired', message: expect.stringMatching(/a session lasts at most 1 hour/) } },
      });
    });

    it('both limits hold to the millisecond: a session is served a millisecond before its idle time or its lifetime ends, and refused at that moment', async () => {
      // A clock that moves only when the test moves it: no time passes between two steps.
      let now = Date.now();
      const timed = await ownServer({ clock: () => now, sessions: { idleMs: 10 * MINUTE, lifetimeMs: 25 * MINUTE } });
      const idle = await login(timed.newLaunchUrl());
      now += 10 * MINUTE - 1;
      expect((await call(timed.port, idle, 'backend:list', [])).status).toBe(200);
      now += 10 * MINUTE;
      expect(await call(timed.port, idle, 'backend:list', [])).toMatchObject({
        status: 401,
        json: { error: { code: 'session_expired', message: expect.stringMatching(/it was not used for 10 minutes/) } },
      });

      const lasting = await login(timed.newLaunchUrl());
      const signedInAt = now;
      for (const minutes of [9, 18, 24]) {
        now = signedInAt + minutes * MINUTE;
        expect((await call(timed.port, lasting, 'backend:list', [])).status, `${minutes} min`).toBe(200);
      }
      now = signedInAt + 25 * MINUTE - 1;
      expect((await call(timed.port, lasting, 'backend:list', [])).status).toBe(200);
      now += 1;
      expect(await call(timed.port, lasting, 'backend:list', [])).toMatchObject({
        status: 401,
        json: { error: { code: 'session_expired', message: expect.stringMatching(/a session lasts at most 25 minutes/) } },
      });
    });

    it("a session's own timer ends its event stream when it expires, with nobody calling", async () => {
      const timed = await ownServer({ sessions: { idleMs: 300 } });
      const own = await login(timed.newLaunchUrl());
      const stream = await openEventStream(timed.origin, own);
      expect(stream.status).toBe(200);
      await streamEnded(stream);
      expect(timed.eventStreams()).toBe(0);
      expect(timed.openSessions()).toBe(0);
      expect((await call(timed.port, own, 'backend:list', [])).json).toMatchObject({ error: { code: 'session_expired' } });
    });

    it('the sessions are capped: one more sign-in is refused with a clear message, no session is evicted, and the link works once one is freed', async () => {
      const capped = await ownServer({ sessions: { maxSessions: 3 } });
      const keys = [await login(capped.newLaunchUrl()), await login(capped.newLaunchUrl()), await login(capped.newLaunchUrl())];
      const fourth = tokenOf(capped.newLaunchUrl());
      const refused = await signIn(capped.port, fourth);
      expect(refused.status).toBe(429);
      expect(refused.json).toEqual({
        error: { code: 'too_many_sessions', message: expect.stringMatching(/^3 console sessions are open, the most this server allows: sign out in a tab you no longer use/) },
      });
      for (const held of keys) expect((await call(capped.port, held, 'backend:list', [])).status).toBe(200);
      expect((await raw(capped.port, { method: 'POST', path: '/session/sign-out', headers: { origin: capped.origin, ...bearer(keys[0]!) } })).status).toBe(200);
      expect((await signIn(capped.port, fourth)).status).toBe(200);
      for (const held of keys.slice(1)) expect((await call(capped.port, held, 'backend:list', [])).status).toBe(200);
    });

    it('a request key of one server is nothing to another', async () => {
      const other = await ownServer();
      expect((await call(other.port, requestKey, 'backend:list', [])).status).toBe(401);
    });
  });

  describe('what a peer without a session can cost', () => {
    it("a refused request's body is not read beyond a small limit: the connection is closed instead", async () => {
      const declared = 256 * 1024 * 1024;
      const heads = [
        // No request key.
        `POST /api/key:reveal HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nContent-Type: application/json\r\n`,
        // A foreign Host.
        `POST /api/key:reveal HTTP/1.1\r\nHost: evil.example:${port}\r\nContent-Type: application/json\r\n`,
        // A sign-in far larger than a token.
        `POST /session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nContent-Type: application/json\r\n`,
      ];
      for (const head of heads) {
        const pushed = await pushBody(port, head, declared);
        expect(pushed.closedEarly, head).toBe(true);
        // What the kernel's socket buffers hold, at most; the server itself read no more than REFUSED_BODY_LIMIT_BYTES.
        expect(pushed.written, head).toBeLessThan(32 * 1024 * 1024);
      }
      // A small refused body is read and answered on a connection that stays usable.
      const small = await call(port, '', 'key:reveal', [key.ref]);
      expect(small.status).toBe(401);
      expect((await call(port, requestKey, 'backend:list', [])).status).toBe(200);
    });

    it('connections beyond the cap are closed as they arrive, and served again once others close', async () => {
      const capped = await ownServer({ maxConnections: 4 });
      const held: net.Socket[] = [];
      for (let i = 0; i < 4; i++) {
        const socket = net.connect(capped.port, '127.0.0.1');
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        held.push(socket);
      }
      // The server has taken all four (each answers) before the fifth comes.
      for (const socket of held) {
        const answered = new Promise<string>((resolve) => socket.once('data', (data: Buffer) => resolve(data.toString('latin1'))));
        socket.write(`GET /assets/app.css HTTP/1.1\r\nHost: 127.0.0.1:${capped.port}\r\n\r\n`);
        expect(await answered).toMatch(/^HTTP\/1\.1 200/);
      }
      await expect(request(capped.port, { path: '/' })).rejects.toThrow(/ECONNRESET|socket hang up/);
      for (const socket of held) socket.destroy();
      // Served again once the server has seen them go.
      for (;;) {
        const answer = await request(capped.port, { path: '/' }).catch(() => null);
        if (answer) {
          expect(answer.status).toBe(200);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
  });

  describe('refusals', () => {
    it('a foreign Host is refused, even with the request key and a token, suffix forms included (DNS rebinding)', async () => {
      const token = tokenOf(server.newLaunchUrl());
      const hosts = [
        `evil.example:${port}`,
        `127.0.0.1:${port + 1 === 65536 ? 1 : port + 1}`,
        '127.0.0.1',
        `localhost.evil.example:${port}`,
        // Browsers resolve every *.localhost name to loopback: a suffix match would let such a page in.
        `evil.localhost:${port}`,
        `127.0.0.1.evil.example:${port}`,
        `x127.0.0.1:${port}`,
        `localhost:${port}.evil.example`,
      ];
      for (const host of hosts) {
        const page = await request(port, { path: '/', host });
        expect(page.status, host).toBe(403);
        expect(page.body).not.toContain('console');
        const exchange = await signIn(port, token, { host, headers: { origin: `http://${host}` } });
        expect(exchange.status, host).toBe(403);
        const api = await call(port, requestKey, 'backend:list', [], { host, headers: { origin: `http://${host}` } });
        expect(api.status, host).toBe(403);
        expect((await request(port, { path: '/api/events', host, headers: bearer(requestKey) })).status, host).toBe(403);
      }
      // localhost:PORT is this server too, and the token was spent by none of the above.
      const local = await request(port, { path: '/', host: `localhost:${port}` });
      expect(local.status).toBe(200);
      expect((await signIn(port, token, { host: `localhost:${port}`, headers: { origin: `http://localhost:${port}` } })).status).toBe(200);
    });

    it('a POST from a foreign Origin, or without an Origin, is refused before anything runs', async () => {
      const revoke = vi.spyOn(engine, 'deleteKey');
      for (const origin of ['http://evil.example', `http://localhost:${port}`, `https://127.0.0.1:${port}`, 'null']) {
        const answer = await call(port, requestKey, 'key:delete', [key.ref], { headers: { origin } });
        expect(answer.status, origin).toBe(403);
        expect(answer.json).toEqual({ error: { code: 'request_refused', message: expect.stringMatching(/another origin/) } });
      }
      const without = await raw(port, { method: 'POST', path: '/api/key:delete', body: JSON.stringify([key.ref]), headers: { ...bearer(requestKey), 'content-type': 'application/json' } });
      expect(without.status).toBe(403);
      expect(JSON.parse(without.body)).toEqual({ error: { code: 'request_refused', message: expect.stringMatching(/no Origin/) } });
      expect(revoke).not.toHaveBeenCalled();
      expect(engine.listKeys({})).toHaveLength(1);
    });

    it('a body over 1 MiB is answered 413', async () => {
      const answer = await call(port, requestKey, 'inventory:list', [{ search: 'x'.repeat(1024 * 1024) }]);
      expect(answer.status).toBe(413);
      expect(answer.json).toEqual({ error: { code: 'invalid_input', message: expect.stringMatching(/larger than 1048576 bytes/) } });
    });

    it('a contract method is called with POST only (what the pipeline answers is in contract-transports.test.ts)', async () => {
      const get = await request(port, { path: '/api/backend:list', headers: bearer(requestKey) });
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
      // An unknown name is answered before its body is read, whatever the HTTP method.
      expect(await raw(port, { path: '/api/shell:exec', headers: bearer(requestKey) })).toMatchObject({ status: 404 });
    });

    it('a body that is not the JSON array of the arguments is answered 400, in another content type 415, and never reaches the engine', async () => {
      const deleteKey = vi.spyOn(engine, 'deleteKey');
      const auditBefore = engine.auditTrail({});
      const cases: Array<[string, RegExp]> = [
        [JSON.stringify({ 0: key.ref }), /^key:delete: refused: the arguments are not a list/],
        [JSON.stringify(key.ref), /^key:delete: refused: the arguments are not a list/],
        ['[not json', /^the request body is not JSON/],
        [`["${key.ref}"`, /^the request body is not JSON/],
        ['', /^the request body is not JSON/],
      ];
      for (const [body, message] of cases) {
        const answer = await raw(port, {
          method: 'POST',
          path: '/api/key:delete',
          body,
          headers: { ...bearer(requestKey), origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' },
        });
        expect(answer.status, body).toBe(400);
        expect(JSON.parse(answer.body), body).toEqual({ error: { code: 'invalid_input', message: expect.stringMatching(message) } });
      }
      const invalidUtf8 = await raw(port, {
        method: 'POST',
        path: '/api/key:delete',
        body: Buffer.concat([Buffer.from('["'), Buffer.from([0xff, 0xfe]), Buffer.from('"]')]),
        headers: { ...bearer(requestKey), origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' },
      });
      expect(invalidUtf8.status).toBe(400);
      const wrongType = await raw(port, {
        method: 'POST',
        path: '/api/key:delete',
        body: JSON.stringify([key.ref]),
        headers: { ...bearer(requestKey), origin: `http://127.0.0.1:${port}`, 'content-type': 'text/plain' },
      });
      expect(wrongType.status).toBe(415);
      expect(deleteKey).not.toHaveBeenCalled();
      expect(engine.auditTrail({})).toEqual(auditBefore);
      expect(engine.listKeys({})).toHaveLength(1);
    });
  });

  describe('headers', () => {
    const expectSecurityHeaders = (answer: RawAnswer) => {
      const csp = answer.headers['content-security-policy']!;
      for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'"]) {
        expect(csp).toContain(directive);
      }
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['x-frame-options']).toBe('DENY');
    };

    it('a page, a file, an API answer, an API error and a refusal all carry the strict policy; API answers are not stored', async () => {
      const page = await request(port, { path: '/' });
      expectSecurityHeaders(page);
      expectSecurityHeaders(await request(port, { path: '/assets/app.js' }));
      expectSecurityHeaders(await request(port, { path: '/', host: 'evil.example' }));
      expectSecurityHeaders(await request(port, { path: '/api/backend:list' }));
      expectSecurityHeaders(await signIn(port, 'wrong').then((answer) => ({ status: answer.status, headers: answer.headers, body: '' })));
      const api = await call(port, requestKey, 'inventory:list', [{}]);
      expectSecurityHeaders({ status: api.status, headers: api.headers, body: '' });
      expect(api.headers['cache-control']).toBe('no-store');
      expect(api.headers['content-type']).toBe('application/json; charset=utf-8');
      const error = await call(port, requestKey, 'key:show', ['hand/missing']);
      expect(error.headers['cache-control']).toBe('no-store');
      expectSecurityHeaders({ status: error.status, headers: error.headers, body: '' });
    });

    it('never an Access-Control-* header, not even for a CORS preflight, and never a cookie', async () => {
      for (const path of ['/api/key:delete', '/session']) {
        const preflight = await request(port, {
          method: 'OPTIONS',
          path,
          headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
        });
        expect(preflight.status, path).toBe(403);
      }
      const sameOriginOptions = await request(port, { method: 'OPTIONS', path: '/api/key:delete', headers: { origin: `http://127.0.0.1:${port}`, ...bearer(requestKey) } });
      expect(sameOriginOptions.status).toBe(405);
      // Every answer of this file so far: pages, files, sign-ins, API results and errors, refusals.
      expect(answersSeen.length).toBeGreaterThan(100);
      for (const answer of answersSeen) {
        expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
        expect(answer.headers['set-cookie']).toBeUndefined();
      }
    });
  });

  describe('static files', () => {
    it('serves the built renderer without a session (it is the public bundle, and what signs in), GET and HEAD only', async () => {
      const types: Record<string, string> = {
        '/': 'text/html; charset=utf-8',
        '/index.html': 'text/html; charset=utf-8',
        '/assets/app.js': 'text/javascript; charset=utf-8',
        '/assets/app.css': 'text/css; charset=utf-8',
        '/assets/logo.svg': 'image/svg+xml',
        '/assets/font.woff2': 'font/woff2',
      };
      for (const [path, type] of Object.entries(types)) {
        const answer = await request(port, { path });
        expect(answer.status, path).toBe(200);
        expect(answer.headers['content-type'], path).toBe(type);
      }
      const head = await request(port, { method: 'HEAD', path: '/assets/app.js' });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String('console.log("console");'.length));
      expect(head.body).toBe('');
      expect((await request(port, { path: '/assets/missing.js' })).status).toBe(404);
      expect((await request(port, { path: '/assets' })).status).toBe(404);
      const put = await request(port, { method: 'PUT', path: '/index.html', headers: { origin: `http://127.0.0.1:${port}` } });
      expect(put.status).toBe(405);
      expect(put.headers.allow).toBe('GET, HEAD');
    });

    it('refuses every path that leaves the folder, encoded or not, and dotfiles', async () => {
      const attempts = [
        '/../package.json',
        '/../secret.txt',
        '/assets/../../secret.txt',
        '/%2e%2e/package.json',
        '/%2E%2E/secret.txt',
        '/..%2fpackage.json',
        '/..%2Fsecret.txt',
        '/assets%2f..%2f..%2fsecret.txt',
        '/..%5csecret.txt',
        '/%2e%2e%5csecret.txt',
        '/..\\secret.txt',
        '/%252e%252e/secret.txt',
        '/assets/%00.js',
        '/%',
        '/.env',
        '/%2eenv',
      ];
      for (const path of attempts) {
        const answer = await request(port, { path });
        expect([400, 404], path).toContain(answer.status);
        expect(answer.body, path).not.toMatch(/outside-the-console|NOT=served/);
      }
      expect((await request(port, { path: '/../package.json' })).status).toBe(400);
    });

    it('says honestly that the console is not built when the folder has no index.html', async () => {
      const empty = join(home, 'empty');
      mkdirSync(empty);
      const bare = await startUiServer({ engine, rendererFolder: empty });
      try {
        const bareKey = await login(bare.newLaunchUrl());
        const answer = await raw(bare.port, { path: '/' });
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(answer.body).toMatch(/the console is not built yet/);
        expect(answer.body).toContain(empty);
        expect(answer.body).toMatch(/renderer\/README\.md/);
        // It must satisfy the policy it is served under: no script, no inline style.
        expect(answer.body).not.toMatch(/<script|<style|style=|\son\w+=/i);
        // The API answers all the same.
        expect((await call(bare.port, bareKey, 'backend:list', [])).status).toBe(200);
      } finally {
        await bare.close();
      }
    });
  });

  describe('the renderer transport (renderer/src/contract/http-transport.ts), over this server', () => {
    it('signs in with a launch token, calls the contract with the request key, and signs out', async () => {
      const signedIn = await exchangeLaunchToken(tokenOf(server.newLaunchUrl()), { baseUrl: server.origin, fetch: pageFetch(server.origin) });
      expect(signedIn).toEqual({ requestKey: expect.stringMatching(/^[\w-]{43}$/), idleSeconds: 1800, expiresAt: expect.any(String) });
      const ended: ContractCallError[] = [];
      const keywarden = buildContractClient(
        createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => signedIn.requestKey, onSessionEnded: (error) => ended.push(error) }),
      );
      expect((await keywarden['backend:list']()).map((backend) => backend.name)).toEqual(['hand']);
      const keys = await keywarden['inventory:list']({ search: 'stripe' });
      expect(keys).toEqual([key]);
      expect(await keywarden['key:show'](key.ref)).toEqual(key);
      const audit: AuditEvent[] = await keywarden['audit:list']({ limit: 50 });
      expect(audit.map((event) => event.action)).toContain('key.add');
      expect(ended).toEqual([]);

      await signOutSession(signedIn.requestKey, { baseUrl: server.origin, fetch: pageFetch(server.origin) });
      await expect(keywarden['backend:list']()).rejects.toMatchObject({ code: 'session_required', status: 401 });
      expect(ended).toEqual([expect.objectContaining({ code: 'session_required', message: expect.stringMatching(/signed out/) })]);
      await expect(exchangeLaunchToken('wrong', { baseUrl: server.origin, fetch: pageFetch(server.origin) })).rejects.toMatchObject({ code: 'token_refused', status: 401 });
    });

    it('turns an error answer into a thrown error with the code, the message and the status', async () => {
      const keywarden = buildContractClient(createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => requestKey }));
      const missing = await keywarden['key:show']('hand/missing').then(
        () => null,
        (error: unknown) => error,
      );
      expect(missing).toBeInstanceOf(ContractCallError);
      expect(missing).toMatchObject({ code: 'not_found', status: 404, message: expect.stringMatching(/missing/) });

      const invalid = await keywarden['key:revoke'](key.ref, { validityDays: 900 }).catch((error: unknown) => error);
      expect(invalid).toMatchObject({ code: 'invalid_input', status: 400 });

      const withoutSession = buildContractClient(createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin) }));
      await expect(withoutSession['backend:list']()).rejects.toMatchObject({ code: 'session_required', status: 401 });

      const nowhere = buildContractClient(createHttpTransport({ baseUrl: 'http://127.0.0.1:1', fetch: pageFetch(server.origin), requestKey: () => requestKey }));
      await expect(nowhere['backend:list']()).rejects.toMatchObject({ code: 'server_unreachable', status: 0 });
    });
  });

  describe('the event stream', () => {
    it('is a text/event-stream for the session, sends heartbeats, and forgets a client that closes', async () => {
      const stream = await openEventStream(server.origin, requestKey);
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('cache-control')).toBe('no-store');
      expect(stream.headers.get('content-security-policy')).toContain("default-src 'self'");
      await stream.waitFor((_, comments) => comments.includes('heartbeat'));
      expect(server.eventStreams()).toBe(1);
      stream.close();
      while (server.eventStreams() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(server.eventStreams()).toBe(0);
    });

    it('refuses a stream requested from another origin, or without the request key', async () => {
      expect((await request(port, { path: '/api/events', headers: { ...bearer(requestKey), origin: 'http://evil.example' } })).status).toBe(403);
      const without = await request(port, { path: '/api/events' });
      expect(without.status).toBe(401);
      expect(without.headers['content-type']).toBe('application/json; charset=utf-8');
    });

    it("the renderer's subscription reads it with the request key, and stops, saying so, once the session is gone", async () => {
      const own = await login(server.newLaunchUrl());
      const changes: unknown[] = [];
      const errors: boolean[] = [];
      const ended: ContractCallError[] = [];
      const unsubscribe = subscribeContractEvents(
        { onLockChanged: (change) => changes.push(change) },
        { baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => own, retryMs: 10, onError: (closed) => errors.push(closed), onSessionEnded: (error) => ended.push(error) },
      );
      try {
        while (server.eventStreams() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        // The last test of the file: the engine may stay locked.
        expect((await call(port, own, 'vault:lock', [])).status).toBe(200);
        while (changes.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(changes).toEqual([expect.objectContaining({ locked: true })]);
        await raw(port, { method: 'POST', path: '/session/sign-out', headers: { origin: server.origin, ...bearer(own) } });
        // The stream ends; the subscription reconnects once, is refused, and stops.
        while (!errors.includes(true)) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(ended).toEqual([expect.objectContaining({ code: 'session_required', status: 401 })]);
        expect(errors.at(-1)).toBe(true);
        expect(server.eventStreams()).toBe(0);
      } finally {
        unsubscribe();
      }
    });
  });
});
