/**
 * The preload itself (electron/preload/preload.ts), loaded over the stand-in 'electron' module: it exposes exactly
 * `window.keywarden` (the contract client, one function per method) and `window.keywardenEvents`, only to a page on
 * app://keywarden, and switches zod to its eval-free mode before anything is parsed (the page's CSP forbids eval).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONTRACT } from '../../../shared/contract.js';

vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);

// Loaded by path so the test project does not type-check the preload with Node's globals instead of the DOM's.
const PRELOAD = join(__dirname, '..', '..', '..', 'electron', 'preload', 'preload.ts');

/** Loads the preload afresh, as a page at `href` would get it; returns the stand-in it talked to and zod's config. */
async function load(href: string) {
  vi.resetModules();
  const { fake, FakeBrowserWindow } = await import('../../support/fake-electron.js');
  fake.reset();
  const window = new FakeBrowserWindow({});
  await window.loadURL('app://keywarden/');
  fake.ipcRenderer = window.webContents.ipcRenderer();
  const url = new URL(href);
  Reflect.set(globalThis, 'window', { location: { protocol: url.protocol, host: url.host } });
  await import(PRELOAD);
  const { config } = await import('zod');
  return { fake, jitless: config().jitless };
}

describe('the preload', () => {
  afterEach(() => {
    Reflect.deleteProperty(globalThis, 'window');
  });

  it('exposes the contract client and the event subscription to the app page, and nothing else', async () => {
    const { fake, jitless } = await load('app://keywarden/#/keys');
    expect([...fake.contextBridge.exposed.keys()]).toEqual(['keywarden', 'keywardenEvents']);
    const api = fake.contextBridge.exposed.get('keywarden') as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(Object.keys(CONTRACT).sort());
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.values(api).every((member) => typeof member === 'function')).toBe(true);
    const events = fake.contextBridge.exposed.get('keywardenEvents') as Record<string, unknown>;
    expect(Object.keys(events)).toEqual(['subscribe']);
    expect(jitless).toBe(true);
  });

  it('calls only contract channels', async () => {
    const { fake } = await load('app://keywarden/');
    fake.ipcMain.handle('contract:host:info', () => ({ ok: true, value: { host: 'desktop', home: '/data', demo: false, demoAvailable: false } }));
    const api = fake.contextBridge.exposed.get('keywarden') as { 'host:info'(): Promise<unknown> };
    expect(await api['host:info']()).toEqual({ host: 'desktop', home: '/data', demo: false, demoAvailable: false });
  });

  it('exposes nothing to a page elsewhere', async () => {
    for (const href of ['https://evil.example/', 'file:///tmp/index.html', 'app://other/']) {
      const { fake } = await load(href);
      expect(fake.contextBridge.exposed.size, href).toBe(0);
    }
  });
});
