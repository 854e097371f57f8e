/**
 * The server behind `keywarden ui`, in process, over real HTTP on 127.0.0.1 with a real engine on a real
 * SQLite file: what a browser on this machine may do with the URL it printed, and what everything else is
 * refused. No keychain is needed here (no secret is stored): a keychain that refuses everything proves it.
 * The round trip with a vendor emulator (and the private test keychain) is in ui-roundtrip.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { buildContractClient } from '../../shared/contract.js';
import type { AuditEvent, Key } from '../../shared/domain.js';
import { ContractCallError, createHttpTransport } from '../../renderer/src/contract/http-transport.js';
import { answersSeen, call, login, openEventStream, raw, type RawAnswer } from '../support/ui-client.js';

const refusingKeychain = { get: () => Promise.reject(new Error('no keychain')), set: () => Promise.reject(new Error('no keychain')), delete: async () => false };

describe('keywarden ui: the server', () => {
  let home: string;
  let folder: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let port: number;
  let cookie: string;
  let key: Key;
  const request = raw;

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
    cookie = await login(server.url);
  });

  afterAll(async () => {
    await server?.close();
    await engine?.close();
    rmSync(home, { recursive: true, force: true });
  });

  describe('the launch token', () => {
    it('is exchanged for an HttpOnly, SameSite=Strict session cookie, and the redirect takes it out of the address bar', async () => {
      const url = new URL(server.url);
      expect(url.hostname).toBe('127.0.0.1');
      expect(Buffer.from(url.searchParams.get('token')!, 'base64url').length).toBeGreaterThanOrEqual(16);
      const answer = await request(port, { path: `/${url.search}` });
      expect(answer.status).toBe(303);
      expect(answer.headers.location).toBe('/');
      const setCookie = answer.headers['set-cookie']![0]!;
      expect(setCookie).toMatch(new RegExp(`^keywarden_session_${port}=[\\w-]{43};`));
      expect(setCookie).toMatch(/; HttpOnly/);
      expect(setCookie).toMatch(/; SameSite=Strict/);
      expect(setCookie).toMatch(/; Path=\//);

      const sessionCookie = setCookie.split(';')[0]!;
      const page = await request(port, { path: '/', headers: { cookie: sessionCookie } });
      expect(page.status).toBe(200);
      expect(page.body).toContain('<title>console</title>');
      const backends = await call(port, sessionCookie, 'backend:list', []);
      expect(backends.status).toBe(200);
      expect(backends.json).toEqual([expect.objectContaining({ name: 'hand', type: 'manual' })]);
    });

    it('a wrong or missing token without a session gets the 401 page that points to the printed URL, and no cookie', async () => {
      for (const path of ['/', '/?token=wrong', `/?token=${new URL(server.url).searchParams.get('token')!.slice(0, -1)}`, '/assets/app.js']) {
        const answer = await request(port, { path });
        expect(answer.status, path).toBe(401);
        expect(answer.headers['set-cookie'], path).toBeUndefined();
        expect(answer.body, path).toMatch(/the URL that "keywarden ui" printed/);
        expect(answer.body).not.toMatch(/<script|style=/);
      }
      const forged = await request(port, { path: '/', headers: { cookie: `keywarden_session_${port}=forged` } });
      expect(forged.status).toBe(401);
    });

    it('every API call needs the session', async () => {
      const noCookie = await call(port, '', 'backend:list', []);
      expect(noCookie.status).toBe(401);
      expect(noCookie.json).toEqual({ error: { code: 'session_required', message: expect.stringMatching(/URL that "keywarden ui" printed/) } });
      expect((await call(port, `keywarden_session_${port}=forged`, 'inventory:list', [{}])).status).toBe(401);
      const events = await request(port, { path: '/api/events' });
      expect(events.status).toBe(401);
    });
  });

  describe('refusals', () => {
    it('a foreign Host is refused, even with the session and the token (DNS rebinding)', async () => {
      for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1 === 65536 ? 1 : port + 1}`, '127.0.0.1', `localhost.evil.example:${port}`]) {
        const page = await request(port, { path: '/', host, headers: { cookie } });
        expect(page.status, host).toBe(403);
        expect(page.body).not.toContain('console');
        const exchange = await request(port, { path: new URL(server.url).search.replace(/^/, '/'), host });
        expect(exchange.status, host).toBe(403);
        expect(exchange.headers['set-cookie']).toBeUndefined();
        const api = await call(port, cookie, 'backend:list', [], { host, headers: { origin: `http://${host}` } });
        expect(api.status, host).toBe(403);
      }
      // localhost:PORT is this server too.
      const local = await request(port, { path: '/', host: `localhost:${port}`, headers: { cookie } });
      expect(local.status).toBe(200);
    });

    it('a POST from a foreign Origin, or without an Origin, is refused before anything runs', async () => {
      const revoke = vi.spyOn(engine, 'deleteKey');
      for (const origin of ['http://evil.example', `http://localhost:${port}`, `https://127.0.0.1:${port}`, 'null']) {
        const answer = await call(port, cookie, 'key:delete', [key.ref], { headers: { origin } });
        expect(answer.status, origin).toBe(403);
        expect(answer.json).toEqual({ error: { code: 'request_refused', message: expect.stringMatching(/another origin/) } });
      }
      const without = await raw(port, { method: 'POST', path: '/api/key:delete', body: JSON.stringify([key.ref]), headers: { cookie, 'content-type': 'application/json' } });
      expect(without.status).toBe(403);
      expect(JSON.parse(without.body)).toEqual({ error: { code: 'request_refused', message: expect.stringMatching(/no Origin/) } });
      expect(revoke).not.toHaveBeenCalled();
      expect(engine.listKeys({})).toHaveLength(1);
    });

    it('a body over 1 MiB is answered 413', async () => {
      const answer = await call(port, cookie, 'inventory:list', [{ search: 'x'.repeat(1024 * 1024) }]);
      expect(answer.status).toBe(413);
      expect(answer.json).toEqual({ error: { code: 'invalid_input', message: expect.stringMatching(/larger than 1048576 bytes/) } });
    });

    it('an unknown method is 404, and only the contract methods are routes', async () => {
      for (const method of ['shell:exec', '__proto__', 'constructor', 'key:show/extra', '']) {
        const answer = await call(port, cookie, method, []);
        expect(answer.status, method).toBe(404);
        expect(answer.json).toEqual({ error: { code: 'not_found', message: expect.stringMatching(/no contract method/) } });
      }
      const get = await request(port, { path: '/api/backend:list', headers: { cookie } });
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
    });

    it('arguments that fail the schema, or are not JSON, are answered 400 and never reach the engine', async () => {
      const revokeKey = vi.spyOn(engine, 'revokeKey');
      const auditBefore = engine.auditTrail({});
      const cases: Array<[string, string]> = [
        ['key:revoke', JSON.stringify([key.ref, { validityDays: 900 }])],
        ['key:revoke', JSON.stringify([key.ref, { validityDays: 30, force: true }])],
        ['key:revoke', JSON.stringify([key.ref])],
        ['key:reveal', JSON.stringify(['no-slash'])],
        ['key:delete', JSON.stringify({ 0: key.ref })],
        ['key:delete', '[not json'],
      ];
      for (const [method, body] of cases) {
        const answer = await raw(port, { method: 'POST', path: `/api/${method}`, body, headers: { cookie, origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' } });
        expect(answer.status, body).toBe(400);
        expect((JSON.parse(answer.body) as { error: { code: string } }).error.code).toBe('invalid_input');
      }
      const wrongType = await raw(port, {
        method: 'POST',
        path: '/api/key:delete',
        body: JSON.stringify([key.ref]),
        headers: { cookie, origin: `http://127.0.0.1:${port}`, 'content-type': 'text/plain' },
      });
      expect(wrongType.status).toBe(415);
      expect(revokeKey).not.toHaveBeenCalled();
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
      const page = await request(port, { path: '/', headers: { cookie } });
      expectSecurityHeaders(page);
      expectSecurityHeaders(await request(port, { path: '/assets/app.js', headers: { cookie } }));
      expectSecurityHeaders(await request(port, { path: '/', host: 'evil.example' }));
      expectSecurityHeaders(await request(port, { path: '/' }));
      const api = await call(port, cookie, 'inventory:list', [{}]);
      expectSecurityHeaders({ status: api.status, headers: api.headers, body: '' });
      expect(api.headers['cache-control']).toBe('no-store');
      expect(api.headers['content-type']).toBe('application/json; charset=utf-8');
      const error = await call(port, cookie, 'key:show', ['hand/missing']);
      expect(error.headers['cache-control']).toBe('no-store');
      expectSecurityHeaders({ status: error.status, headers: error.headers, body: '' });
    });

    it('never an Access-Control-* header, not even for a CORS preflight', async () => {
      const preflight = await request(port, {
        method: 'OPTIONS',
        path: '/api/key:delete',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type', cookie },
      });
      expect(preflight.status).toBe(403);
      const sameOriginOptions = await request(port, { method: 'OPTIONS', path: '/api/key:delete', headers: { origin: `http://127.0.0.1:${port}`, cookie } });
      expect(sameOriginOptions.status).toBe(405);
      // Every answer of this file so far: pages, files, API results and errors, refusals.
      expect(answersSeen.length).toBeGreaterThan(50);
      for (const answer of answersSeen) expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    });
  });

  describe('static files', () => {
    it('serves the built renderer with its content types, GET and HEAD only', async () => {
      const types: Record<string, string> = {
        '/': 'text/html; charset=utf-8',
        '/index.html': 'text/html; charset=utf-8',
        '/assets/app.js': 'text/javascript; charset=utf-8',
        '/assets/app.css': 'text/css; charset=utf-8',
        '/assets/logo.svg': 'image/svg+xml',
        '/assets/font.woff2': 'font/woff2',
      };
      for (const [path, type] of Object.entries(types)) {
        const answer = await request(port, { path, headers: { cookie } });
        expect(answer.status, path).toBe(200);
        expect(answer.headers['content-type'], path).toBe(type);
      }
      const head = await request(port, { method: 'HEAD', path: '/assets/app.js', headers: { cookie } });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String('console.log("console");'.length));
      expect(head.body).toBe('');
      expect((await request(port, { path: '/assets/missing.js', headers: { cookie } })).status).toBe(404);
      expect((await request(port, { path: '/assets', headers: { cookie } })).status).toBe(404);
      const put = await request(port, { method: 'PUT', path: '/index.html', headers: { cookie, origin: `http://127.0.0.1:${port}` } });
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
        const answer = await request(port, { path, headers: { cookie } });
        expect([400, 404], path).toContain(answer.status);
        expect(answer.body, path).not.toMatch(/outside-the-console|NOT=served/);
      }
      expect((await request(port, { path: '/../package.json', headers: { cookie } })).status).toBe(400);
    });

    it('says honestly that the console is not built when the folder has no index.html', async () => {
      const empty = join(home, 'empty');
      mkdirSync(empty);
      const bare = await startUiServer({ engine, rendererFolder: empty });
      try {
        const bareCookie = await login(bare.url);
        // A session of one server is no session of another (each has its own cookie name and sessions).
        expect((await raw(bare.port, { path: '/', headers: { cookie: `${cookie.replace(`_${port}=`, `_${bare.port}=`)}` } })).status).toBe(401);
        const answer = await raw(bare.port, { path: '/', headers: { cookie: bareCookie } });
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(answer.body).toMatch(/the console is not built yet/);
        expect(answer.body).toContain(empty);
        expect(answer.body).toMatch(/renderer\/README\.md/);
        // It must satisfy the policy it is served under: no script, no inline style.
        expect(answer.body).not.toMatch(/<script|<style|style=|\son\w+=/i);
        // The API answers all the same.
        expect((await call(bare.port, bareCookie, 'backend:list', [])).status).toBe(200);
      } finally {
        await bare.close();
      }
    });
  });

  describe('the renderer transport (renderer/src/contract/http-transport.ts), over this server', () => {
    /** What the browser adds itself: the session cookie and the page's Origin. */
    const browserFetch: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie, origin: server.origin } });

    it('calls the contract and gets typed results', async () => {
      const keywarden = buildContractClient(createHttpTransport({ baseUrl: server.origin, fetch: browserFetch }));
      expect((await keywarden['backend:list']()).map((backend) => backend.name)).toEqual(['hand']);
      const keys = await keywarden['inventory:list']({ search: 'stripe' });
      expect(keys).toEqual([key]);
      expect(await keywarden['key:show'](key.ref)).toEqual(key);
      const audit: AuditEvent[] = await keywarden['audit:list']({ limit: 50 });
      expect(audit.map((event) => event.action)).toContain('key.add');
    });

    it('turns an error answer into a thrown error with the code, the message and the status', async () => {
      const keywarden = buildContractClient(createHttpTransport({ baseUrl: server.origin, fetch: browserFetch }));
      const missing = await keywarden['key:show']('hand/missing').then(
        () => null,
        (error: unknown) => error,
      );
      expect(missing).toBeInstanceOf(ContractCallError);
      expect(missing).toMatchObject({ code: 'not_found', status: 404, message: expect.stringMatching(/missing/) });

      const invalid = await keywarden['key:revoke'](key.ref, { validityDays: 900 }).catch((error: unknown) => error);
      expect(invalid).toMatchObject({ code: 'invalid_input', status: 400 });

      const withoutSession = buildContractClient(
        createHttpTransport({ baseUrl: server.origin, fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), origin: server.origin } }) }),
      );
      await expect(withoutSession['backend:list']()).rejects.toMatchObject({ code: 'session_required', status: 401 });

      const nowhere = buildContractClient(createHttpTransport({ baseUrl: 'http://127.0.0.1:1', fetch: browserFetch }));
      await expect(nowhere['backend:list']()).rejects.toMatchObject({ code: 'server_unreachable', status: 0 });
    });
  });

  describe('the event stream', () => {
    it('is a text/event-stream for the session, sends heartbeats, and forgets a client that closes', async () => {
      const stream = await openEventStream(server.origin, cookie);
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

    it('refuses a stream requested from another origin', async () => {
      const answer = await request(port, { path: '/api/events', headers: { cookie, origin: 'http://evil.example' } });
      expect(answer.status).toBe(403);
    });
  });
});
