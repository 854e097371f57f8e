/**
 * The desktop window's security settings, read from what the real main process (electron/main/app.ts) actually
 * hands Electron, over the stand-in 'electron' module: the BrowserWindow's web preferences, the scheme's
 * privileges, the protocol's answers and their CSP, the session's permission handlers and request filter, and what
 * happens when the page navigates, opens a window or adds a <webview>.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONTRACT } from '../../../shared/contract.js';
import { CONTENT_SECURITY_POLICY } from '../../../electron/cli/ui/security.js';
import { fake, FakeBrowserWindow } from '../../support/fake-electron.js';
import { INDEX_HTML, startTestDesktop, type TestDesktop } from '../../support/desktop.js';

vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);

describe('the desktop window', () => {
  let desktop: TestDesktop;

  beforeEach(async () => {
    fake.reset();
    desktop = await startTestDesktop();
  });

  afterEach(async () => {
    await desktop.quit();
  });

  it('runs the page isolated, sandboxed, without Node, with web security, from the bundled preload', () => {
    const options = desktop.window.options;
    expect(options.webPreferences).toEqual({
      preload: `${desktop.appRoot}/dist/preload/preload.js`,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      // Not packaged (a development run): the developer tools stay available.
      devTools: true,
    });
    expect(desktop.window.loadedUrl).toBe('app://keywarden/');
  });

  it('stays hidden until the page has painted', () => {
    expect(desktop.window.options.show).toBe(false);
    expect(desktop.window.isVisible()).toBe(false);
    desktop.window.paint();
    expect(desktop.window.isVisible()).toBe(true);
  });

  it('registers app:// as standard and secure (fetchable by its own page, not readable by others)', () => {
    expect(fake.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(fake.protocol.privileged[0]?.privileges).not.toHaveProperty('corsEnabled');
    expect(fake.protocol.privileged[0]?.privileges).not.toHaveProperty('bypassCSP');
  });

  it("serves the built console with the console's CSP on every answer", async () => {
    const index = await fake.protocol.fetch('app://keywarden/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toBe(INDEX_HTML);
    const script = await fake.protocol.fetch('app://keywarden/assets/app.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const response of [index, script, await fake.protocol.fetch('app://keywarden/missing.js'), await fake.protocol.fetch('app://keywarden/%2e%2e/package.json')]) {
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('serves nothing outside dist/renderer and nothing but GET and HEAD', async () => {
    // Judged segment by segment after decoding: a slash, a backslash or NUL inside a segment, or a leading dot.
    for (const path of ['/..%2fpackage.json', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/%2e%2e%5cpackage.json', '/.hidden', '/assets%00/app.js', '/%E0%A4%A']) {
      const response = await fake.protocol.fetch(`app://keywarden${path}`);
      expect(response.status, path).toBe(400);
    }
    // Dot segments (also percent-encoded ones) are resolved by the URL parser before the handler sees them: the
    // path stays inside the folder, where there is no package.json.
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/assets/../../package.json', '/.%2e/.%2e/package.json']) {
      expect((await fake.protocol.fetch(`app://keywarden${path}`)).status, path).toBe(404);
    }
    expect((await fake.protocol.fetch('app://other/index.html')).status).toBe(404);
    expect((await fake.protocol.fetch('app://keywarden/', 'POST')).status).toBe(405);
    const head = await fake.protocol.fetch('app://keywarden/', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('denies every permission the page asks for or is checked for, and every device', () => {
    const { permissionRequestHandler, permissionCheckHandler, devicePermissionHandler } = fake.session;
    for (const permission of ['media', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'geolocation', 'openExternal', 'hid', 'fullscreen', 'unknown']) {
      const granted: boolean[] = [];
      permissionRequestHandler?.(desktop.window.webContents, permission, (answer) => granted.push(answer), {});
      expect(granted, permission).toEqual([false]);
      expect(permissionCheckHandler?.(desktop.window.webContents, permission, 'app://keywarden', {}), permission).toBe(false);
    }
    expect(devicePermissionHandler?.({ deviceType: 'usb', origin: 'app://keywarden' })).toBe(false);
  });

  it('cancels every network and file request from the page', () => {
    expect(fake.session.beforeRequest?.filter.urls).toEqual(['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*']);
    for (const url of ['https://evil.example/collect?k=1', 'http://127.0.0.1:8080/', 'wss://evil.example/', 'file:///etc/passwd']) {
      const answers: Array<{ cancel?: boolean }> = [];
      fake.session.beforeRequest?.listener({ url }, (response) => answers.push(response));
      expect(answers, url).toEqual([{ cancel: true }]);
    }
  });

  it('denies navigation away from the app, in any frame, and opens https links in the browser instead', () => {
    const contents = desktop.window.webContents;
    expect(contents.navigate('app://keywarden/index.html#/keys')).toBe(false);
    expect(contents.navigate('https://docs.vendor.example/keys')).toBe(true);
    expect(contents.navigate('http://evil.example/')).toBe(true);
    expect(contents.navigate('file:///etc/passwd')).toBe(true);
    expect(contents.navigate('javascript:alert(1)')).toBe(true);
    expect(contents.navigate('https://evil.example/', { frame: 'sub' })).toBe(true);
    expect(contents.navigate('https://evil.example/', { event: 'will-redirect' })).toBe(true);
    expect(fake.shell.opened).toEqual(['https://docs.vendor.example/keys']);
  });

  it('denies every new window; an https link opens in the browser, nothing else does', () => {
    const contents = desktop.window.webContents;
    for (const url of ['https://vendor.example/console', 'http://evil.example/', 'file:///etc/passwd', 'app://keywarden/', 'https://user:pass@evil.example/', 'smb://share/x']) {
      expect(contents.open(url), url).toEqual({ action: 'deny' });
    }
    expect(fake.shell.opened).toEqual(['https://vendor.example/console']);
  });

  it('refuses <webview>, and hardens every web contents the app creates, not only the window', () => {
    expect(desktop.window.webContents.attachWebview()).toBe(true);
    const another = new FakeBrowserWindow({});
    expect(another.webContents.navigate('https://evil.example/x')).toBe(true);
    expect(another.webContents.open('http://evil.example/')).toEqual({ action: 'deny' });
    // A second window is not Keywarden's page: its calls are refused.
    another.webContents.mainFrame.url = 'app://keywarden/';
    return expect(another.webContents.ipcRenderer().invoke('contract:host:info')).resolves.toMatchObject({ ok: false, error: { code: 'request_refused' } });
  });

  it('binds every contract method, and only those', () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(
      Object.keys(CONTRACT)
        .map((method) => `contract:${method}`)
        .sort(),
    );
  });

  it('tells the page it is the desktop host, with its data folder, offering the demo (it has no backend yet)', async () => {
    expect(await desktop.client['host:info']()).toEqual({ host: 'desktop', home: desktop.home, demo: false, demoAvailable: true });
  });
});

describe('a packaged build', () => {
  it('has no developer tools', async () => {
    fake.reset();
    fake.app.isPackaged = true;
    const desktop = await startTestDesktop();
    expect(desktop.window.options.webPreferences?.devTools).toBe(false);
    await desktop.quit();
  });
});
