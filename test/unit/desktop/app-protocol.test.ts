/**
 * The desktop window's origin (electron/core/desktop/app-protocol.ts) and where it may navigate (navigation.ts), on
 * real files: only regular files inside the console's folder are served, every answer carries the CSP, and only
 * the app's own origin is a place to stay.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../electron/core/console/content-security-policy.js';
import { APP_RESPONSE_HEADERS, isAppUrl, serveAppRequest } from '../../../electron/core/desktop/app-protocol.js';
import { isSafeExternalUrl, navigationDecision } from '../../../electron/core/desktop/navigation.js';

describe('the app:// origin', () => {
  let root: string;
  let folder: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'keywarden-origin-'));
    folder = join(root, 'renderer');
    mkdirSync(join(folder, 'assets'), { recursive: true });
    writeFileSync(join(folder, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(folder, 'assets', 'app.css'), 'body{}');
    writeFileSync(join(folder, 'assets', 'data.bin'), 'raw');
    writeFileSync(join(root, 'secret.txt'), 'outside');
    symlinkSync(join(root, 'secret.txt'), join(folder, 'assets', 'link.txt'));
    symlinkSync(root, join(folder, 'up'));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const get = (url: string, method = 'GET') => serveAppRequest({ url, method }, folder);

  it('serves the console with a content type per file and the headers on every answer', async () => {
    const index = await get('app://keywarden/');
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>console</title>');
    expect((await get('app://keywarden/index.html')).status).toBe(200);
    expect((await get('app://keywarden/assets/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get('app://keywarden/assets/data.bin')).headers.get('content-type')).toBe('application/octet-stream');
    for (const url of ['app://keywarden/', 'app://keywarden/nope', 'app://keywarden/.env', 'app://evil/']) {
      const response = await get(url);
      for (const [name, value] of Object.entries(APP_RESPONSE_HEADERS)) expect(response.headers.get(name), `${url} ${name}`).toBe(value);
    }
    expect(APP_RESPONSE_HEADERS['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('serves nothing outside the folder, even through a symbolic link', async () => {
    expect((await get('app://keywarden/assets/link.txt')).status).toBe(404);
    expect((await get('app://keywarden/up/secret.txt')).status).toBe(404);
    expect((await get('app://keywarden/secret.txt')).status).toBe(404);
    expect((await get('app://keywarden/assets')).status).toBe(404);
    expect((await get('app://keywarden/..%2fsecret.txt')).status).toBe(400);
  });

  it('answers only its own host and only GET and HEAD', async () => {
    expect((await get('app://other/index.html')).status).toBe(404);
    expect((await get('app://keywarden:99/index.html')).status).toBe(404);
    expect((await get('https://keywarden/index.html')).status).toBe(404);
    expect((await get('app://keywarden/', 'PUT')).status).toBe(405);
  });

  it('says when the console is not built', async () => {
    const empty = await serveAppRequest({ url: 'app://keywarden/', method: 'GET' }, join(root, 'nothing-here'));
    expect(empty.status).toBe(404);
    expect(await empty.text()).toMatch(/the console is not built/);
  });

  it('recognises its own URLs and nothing else', () => {
    for (const url of ['app://keywarden/', 'app://keywarden/index.html#/keys', 'app://keywarden/assets/app.js?v=1']) expect(isAppUrl(url), url).toBe(true);
    for (const url of ['app://keywarden.evil/', 'app://user@keywarden/', 'app://keywarden:1/', 'https://keywarden/', 'file:///keywarden/', 'app:keywarden', '', 'not a url']) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });
});

describe('where the window may go', () => {
  it('stays on its origin, opens https pages outside, and refuses the rest', () => {
    expect(navigationDecision('app://keywarden/#/reminders')).toBe('stay');
    expect(navigationDecision('https://vendor.example/docs')).toBe('open-external');
    for (const url of ['http://vendor.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,hi', 'ms-settings:', 'smb://host/share', 'https://user:pw@host/', 'app://other/']) {
      expect(navigationDecision(url), url).toBe('deny');
    }
    expect(isSafeExternalUrl('https://x.example/path?q=1')).toBe(true);
    expect(isSafeExternalUrl('https://')).toBe(false);
  });
});
