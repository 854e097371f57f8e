/**
 * The console's session in Chromium, as an administrator meets it: signing in with a link of `keywarden ui` (the
 * token leaves the address bar, a reload keeps the session), a spent link and a tab without one (each says how to
 * get a link), Sign out, and a session that expires (after idle time, on the next action or by itself).
 *
 * And the attack of the "Trust II" issue, replayed: a page served on another loopback port, opened in the same
 * browser after sign-in, must receive no Keywarden credential on its requests and reach nothing of the API; what
 * it received is then replayed from outside the browser by another local user (`nobody`) against `key:reveal`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import type { Key } from '../../shared/domain.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { E2E_HTTP, hasChromium, launchChromium, openConsole, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings } from '../support/console-e2e.js';
import { call } from '../support/ui-client.js';

const MINUTE = 60_000;
const isRoot = process.getuid?.() === 0;

/** The request key the console's page keeps for its tab. */
const storedKey = (page: Page) => page.evaluate<string | null>(`sessionStorage.getItem('keywarden.session')`);

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * Another user's web page on another loopback port: it records every request it receives, and its page tries what
 * a hostile page can against the console on `consolePort` (reads of its own storage, requests to its own port, and
 * requests to the console's API and event stream) and reports what came back.
 */
async function startForeignSite(consolePort: number, ref: string): Promise<{ origin: string; received: Recorded[]; stop(): Promise<void> }> {
  const received: Recorded[] = [];
  const target = `http://127.0.0.1:${consolePort}`;
  const script = `
    const report = {};
    const attempt = async (name, run) => { try { report[name] = await run(); } catch (error) { report[name] = 'failed: ' + error.name; } };
    (async () => {
      report.ownStorage = JSON.stringify({ session: Object.keys(sessionStorage), local: Object.keys(localStorage), cookie: document.cookie });
      await new Promise((resolve) => { const image = new Image(); image.onload = image.onerror = resolve; image.src = '/pixel.png?from=image'; });
      await attempt('ownFetch', () => fetch('/probe', { credentials: 'include' }).then((answer) => answer.status));
      await attempt('revealCors', () => fetch('${target}/api/key:reveal', { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(['${ref}']) }).then((answer) => answer.status));
      await attempt('revealNoCors', () => fetch('${target}/api/key:reveal', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(['${ref}']) }).then((answer) => answer.type));
      await attempt('unlockNoCors', () => fetch('${target}/api/vault:unlock', { method: 'POST', mode: 'no-cors', credentials: 'include', body: '[]' }).then((answer) => answer.type));
      await attempt('events', () => fetch('${target}/api/events', { credentials: 'include' }).then((answer) => answer.status));
      await new Promise((resolve) => { const image = new Image(); image.onload = image.onerror = resolve; image.src = '${target}/api/events'; });
      // The console's socket: a browser sends this page's Origin with the handshake, and the page has no request key.
      await attempt('socket', () => new Promise((resolve) => {
        const socket = new WebSocket('${target.replace('http:', 'ws:')}/api/socket', ['keywarden.contract.v1']);
        socket.onopen = () => { resolve('opened'); socket.close(); };
        socket.onclose = () => resolve('refused');
      }));
      document.getElementById('report').textContent = JSON.stringify(report);
      document.title = 'done';
    })();`;
  const server = http.createServer((request, response) => {
    received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    if (request.url === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html lang="en"><title>elsewhere</title><pre id="report"></pre><script>${script}</script></html>`);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** `curl` as the user nobody: another local user calling the console's API from outside the browser. Returns the HTTP status. */
function curlAsNobody(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('runuser', ['-u', 'nobody', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', ...args], (error, stdout, stderr) =>
      error ? reject(new Error(`curl as nobody failed: ${error.message} ${stderr}`)) : resolve(stdout),
    );
  });
}

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: sign-in, sign-out and session expiry in Chromium', () => {
  let home: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let browser: Browser;
  let key: Key;
  /** How far the server's clock is ahead of the real one. */
  let skew = 0;
  const contexts: BrowserContext[] = [];

  async function signedIn(colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
    const opened = await openConsole(browser, server.newLaunchUrl(), { colorScheme });
    contexts.push(opened.context);
    await opened.page.getByRole('table', { name: 'Keys' }).waitFor();
    return opened;
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-session-'));
    engine = KeywardenEngine.open({ home, http: E2E_HTTP });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    key = await engine.addManualKey('hand', {
      name: 'Stripe prod',
      vendor: 'Stripe',
      expiresAt: new Date(Date.now() + 40 * 86_400_000).toISOString(),
      secret: randomBytes(24).toString('base64url'),
    });
    server = await startUiServer({ engine, rendererFolder: RENDERER, clock: () => Date.now() + skew, sessions: { idleMs: 30 * MINUTE, lifetimeMs: 12 * 60 * MINUTE } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.close();
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('signs in with the link: the console opens, the token leaves the address bar, no cookie is set, and a reload keeps the session', async () => {
    const { page, context, errors } = await signedIn();
    expect(new URL(page.url()).search).toBe('');
    expect(await storedKey(page)).toMatch(/^[\w-]{43}$/);
    expect(await context.cookies()).toEqual([]);
    // Every HTTP request to the API (the event stream, the calls made while the socket opens) carries the key in its
    // header, and no cookie; the socket's handshake carries it as a subprotocol (test/integration/ui-socket.test.ts).
    const apiHeaders: Array<Record<string, string>> = [];
    const apiPosts: string[] = [];
    page.on('request', (request) => {
      if (!new URL(request.url()).pathname.startsWith('/api/')) return;
      if (request.method() === 'POST') apiPosts.push(request.url());
      void request.allHeaders().then((headers) => apiHeaders.push(headers));
    });
    const sockets: string[] = [];
    let callsOnSocket = 0;
    page.on('websocket', (socket) => {
      sockets.push(socket.url());
      socket.on('framesent', () => (callsOnSocket += 1));
    });
    await page.reload();
    await page.getByRole('table', { name: 'Keys' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await expect.poll(() => apiHeaders.length).toBeGreaterThan(0);
    for (const headers of apiHeaders) {
      expect(headers.authorization).toBe(`Bearer ${await storedKey(page)}`);
      expect(headers.cookie).toBeUndefined();
    }
    expect(sockets).toEqual([`ws://127.0.0.1:${server.port}/api/socket`]);
    // The first calls go by POST while the socket opens (they carried the key: above); once it is open, a search and
    // everything after it travel on the socket.
    await expect.poll(() => server.sockets()).toBeGreaterThan(0);
    apiPosts.length = 0;
    const onSocketBefore = callsOnSocket;
    await page.getByLabel('Search keys').fill('zzz-no-such-key');
    await page.getByText('No keys match').waitFor();
    expect(callsOnSocket).toBeGreaterThan(onSocketBefore);
    expect(apiPosts).toEqual([]);
    await page.getByLabel('Search keys').fill('');
    await page.getByRole('table', { name: 'Keys' }).waitFor();
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'session-signed-in');
    expect(errors).toEqual([]);
  });

  it('a link already used says so, and how to get a new one; so does a new tab without a link', async () => {
    const url = server.newLaunchUrl();
    const first = await openConsole(browser, url);
    contexts.push(first.context);
    await first.page.getByRole('table', { name: 'Keys' }).waitFor();

    const again = await openConsole(browser, url, { colorScheme: 'dark' });
    contexts.push(again.context);
    await again.page.getByRole('heading', { name: 'This sign-in link cannot be used' }).waitFor();
    const text = await again.page.getByRole('main').innerText();
    expect(text).toMatch(/works once/);
    expect(text).toMatch(/press Enter: it prints a new sign-in link/);
    expect(new URL(again.page.url()).search).toBe('');
    expect(await again.page.title()).toBe('This sign-in link cannot be used · Keywarden');
    expect(await seriousAxeFindings(again.page)).toEqual([]);
    await screenshot(again.page, 'session-link-used-dark');

    // A new tab of the signed-in browser: sessionStorage is the tab's own, so it is not signed in.
    const tab = await first.context.newPage();
    await tab.goto(`${server.origin}/#/backends`);
    await tab.getByRole('heading', { name: 'This tab is not signed in' }).waitFor();
    expect(await tab.getByRole('main').innerText()).toMatch(/In the terminal running keywarden ui, press Enter/);
    expect(await seriousAxeFindings(tab)).toEqual([]);
    await screenshot(tab, 'session-no-session');
    // The first tab is still signed in.
    await first.page.getByRole('link', { name: 'Backends' }).click();
    await first.page.getByRole('heading', { name: 'Backends' }).first().waitFor();
    expect(first.errors).toEqual([]);
  });

  it('Sign out ends the session on the server: the page says so, and the key it held is refused from then on', async () => {
    const { page, errors } = await signedIn();
    const requestKey = (await storedKey(page))!;
    expect((await call(server.port, requestKey, 'backend:list', [])).status).toBe(200);
    const sessionsBefore = server.openSessions();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You signed out' }).waitFor();
    expect(await storedKey(page)).toBeNull();
    expect(server.openSessions()).toBe(sessionsBefore - 1);
    expect(await call(server.port, requestKey, 'key:reveal', [key.ref])).toMatchObject({ status: 401, json: { error: { code: 'session_required' } } });
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'session-signed-out');
    await page.reload();
    await page.getByRole('heading', { name: 'This tab is not signed in' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('after the idle time, the next action shows that the session expired, and why', async () => {
    const { page } = await signedIn();
    const requestKey = (await storedKey(page))!;
    skew += 31 * MINUTE;
    await page.getByRole('link', { name: 'Backends' }).click();
    await page.getByRole('heading', { name: 'Your session expired' }).waitFor();
    expect(await page.getByRole('main').innerText()).toMatch(/it was not used for 30 minutes/);
    expect(await storedKey(page)).toBeNull();
    expect(await call(server.port, requestKey, 'backend:list', [])).toMatchObject({ status: 401, json: { error: { code: 'session_expired' } } });
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'session-expired');
  });

  it('a session that expires while nobody acts ends on screen by itself (its event stream is refused)', async () => {
    const quick = await startUiServer({ engine, rendererFolder: RENDERER, sessions: { idleMs: 2000 } });
    try {
      const opened = await openConsole(browser, quick.newLaunchUrl());
      contexts.push(opened.context);
      // No click, no call: the server's timer ends the session and its stream; the page's reconnection is refused.
      await opened.page.getByRole('heading', { name: 'Your session expired' }).waitFor();
      expect(await opened.page.getByRole('main').innerText()).toMatch(/it was not used for 2 seconds/);
    } finally {
      await quick.close();
    }
  });

  it('a page on another loopback port, in the same browser after sign-in, receives no credential and reaches nothing; replayed as another user, it is refused', async () => {
    const reveal = vi.spyOn(engine, 'reveal');
    const unlock = vi.spyOn(engine, 'unlock');
    const { page: consolePage, context } = await signedIn();
    const requestKey = (await storedKey(consolePage))!;
    const foreign = await startForeignSite(server.port, key.ref);
    try {
      const page = await context.newPage();
      await page.goto(`${foreign.origin}/`);
      await page.waitForFunction(`document.title === 'done'`);
      const report = JSON.parse(await page.locator('#report').innerText()) as Record<string, unknown>;
      // Its own storage is its own: nothing of the console's; and no cookie exists at all.
      expect(report.ownStorage).toBe(JSON.stringify({ session: [], local: [], cookie: '' }));
      expect(await context.cookies()).toEqual([]);
      // A readable request is blocked (no CORS header, ever); an opaque one reaches the server, is refused there (no
      // request key; and its Origin), and even its opaque answer is withheld (Cross-Origin-Resource-Policy).
      for (const attempt of ['revealCors', 'revealNoCors', 'unlockNoCors', 'events']) expect(report[attempt], attempt).toBe('failed: TypeError');
      expect(report.socket).toBe('refused');

      // What the other user's server received: no cookie, no Authorization, no trace of the request key.
      expect(foreign.received.map((request) => request.url)).toEqual(expect.arrayContaining(['/', '/pixel.png?from=image', '/probe']));
      for (const request of foreign.received) {
        expect(request.headers.cookie, request.url).toBeUndefined();
        expect(request.headers.authorization, request.url).toBeUndefined();
        expect(JSON.stringify(request.headers)).not.toContain(requestKey);
      }
      expect(reveal).not.toHaveBeenCalled();
      expect(unlock).not.toHaveBeenCalled();

      // The replay: another local user takes whatever the page received and calls the API from outside the browser.
      if (isRoot) {
        for (const request of foreign.received) {
          const replayed = Object.entries(request.headers)
            .filter(([name]) => !['host', 'content-length', 'connection', 'origin'].includes(name))
            .flatMap(([name, value]) => ['-H', `${name}: ${String(value)}`]);
          for (const method of ['key:reveal', 'vault:unlock']) {
            const status = await curlAsNobody([
              ...replayed,
              '-H',
              `Origin: ${server.origin}`,
              '-H',
              'Content-Type: application/json',
              '--data',
              method === 'key:reveal' ? JSON.stringify([key.ref]) : '[]',
              `${server.origin}/api/${method}`,
            ]);
            expect(status, `${method} with the headers of ${request.url}`).toBe('401');
          }
        }
        expect(reveal).not.toHaveBeenCalled();
        expect(unlock).not.toHaveBeenCalled();
      } else {
        console.warn('test/e2e/session: the replay as another local user needs root (runuser); skipped');
      }
      // The administrator's console is untouched by all this.
      expect((await call(server.port, requestKey, 'backend:list', [])).status).toBe(200);
    } finally {
      await foreign.stop();
      reveal.mockRestore();
      unlock.mockRestore();
    }
  });
});
