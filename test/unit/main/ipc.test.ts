/**
 * The contract over IPC (electron/main/ipc.ts), in front of a real engine on a temporary folder behind a counting
 * wrapper: what is IPC's own. Every method is bound once, only Keywarden's own top-level page is answered, and the
 * envelope crosses. The preload's side (electron/preload/bridge.ts) is driven over the same stand-in IPC, end to end.
 * How arguments are judged and errors shaped (electron/core/contract-pipeline.ts) is the same over HTTP, and tested
 * over both with one table: test/integration/contract-transports.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTRACT, CONTRACT_EVENTS, type ContractHandlers } from '../../../shared/contract.js';
import { contractChannel, eventChannel, type IpcAnswer } from '../../../shared/ipc-channels.js';
import { createContractHandlers } from '../../../electron/core/contract-handlers.js';
import { APP_START_URL } from '../../../electron/core/desktop/app-protocol.js';
import { bindContract, createFrameCheck, windowEventTarget } from '../../../electron/main/ipc.js';
import { createDesktopBridge, IpcCallError } from '../../../electron/preload/bridge.js';
import { openCountingEngine, recordingSink, type CountingEngine } from '../../support/counting-engine.js';
import { fake, FakeBrowserWindow, FakeFrame } from '../../support/fake-electron.js';

describe('the contract over IPC', () => {
  let counting: CountingEngine;
  let window: FakeBrowserWindow;
  let logs: string[];
  let handlers: ContractHandlers;
  let unbind: () => void;
  let ref: string;

  const bind = () => {
    unbind = bindContract(
      fake.ipcMain,
      handlers,
      createFrameCheck(() => window),
      { log: (message) => logs.push(message) },
    );
  };
  /** A call as Electron delivers it, from `frame` of `sender` (default: the window's top-level frame). */
  const invoke = (method: string, args: unknown[], from: { sender?: { id: number }; frame?: FakeFrame | null } = {}) =>
    fake.ipcMain.invoke(
      `contract:${method}`,
      { sender: from.sender ?? window.webContents, senderFrame: from.frame === undefined ? window.webContents.mainFrame : from.frame },
      ...args,
    ) as Promise<IpcAnswer>;

  beforeEach(async () => {
    fake.reset();
    counting = openCountingEngine();
    await counting.real.addBackend({ name: 'hand', type: 'manual' });
    ref = (await counting.real.addManualKey('hand', { name: 'Mailer', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString(), secret: 'not-a-real-secret-0000' })).ref;
    logs = [];
    window = new FakeBrowserWindow({});
    await window.loadURL(APP_START_URL);
    handlers = createContractHandlers(counting.engine, recordingSink(), { info: () => ({ host: 'desktop', home: counting.home, demo: false, demoAvailable: false }) });
    bind();
    counting.calls.length = 0;
  });

  afterEach(async () => {
    unbind();
    await counting.close();
  });

  it('binds every contract method once, on contract:<method>, and no other channel', () => {
    const methods = Object.keys(CONTRACT);
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(methods.map((method) => `contract:${method}`).sort());
    expect(fake.ipcMain.registrations).toHaveLength(methods.length);
  });

  it("answers Keywarden's own top-level page, through the engine", async () => {
    const answer = await invoke('inventory:list', [{}]);
    expect(answer).toMatchObject({ ok: true, value: [{ ref, name: 'Mailer' }] });
    expect(counting.calls).toEqual(['listKeys']);
  });

  it('refuses every other sender before the engine is reached, and logs each refusal', async () => {
    const other = new FakeBrowserWindow({});
    await other.loadURL(APP_START_URL);
    const senders: Array<[string, { sender?: { id: number }; frame?: FakeFrame | null }]> = [
      ['a subframe of the page, on the app origin', { frame: window.webContents.subframe('app://keywarden/') }],
      ['a subframe from elsewhere', { frame: window.webContents.subframe('https://evil.example/') }],
      ['another window on the app origin', { sender: other.webContents, frame: other.webContents.mainFrame }],
      ['a frame that claims the window but is another', { frame: new FakeFrame(APP_START_URL, null, 999, 1) }],
      ['no frame (destroyed or navigated)', { frame: null }],
    ];
    for (const [what, from] of senders) {
      const answer = await invoke('key:reveal', [ref], from);
      expect(answer, what).toEqual({ ok: false, error: { code: 'request_refused', message: expect.stringContaining("key:reveal: refused: the sender is not Keywarden's own page") } });
    }
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://other/', 'app://keywarden:8080/', 'http://127.0.0.1:5173/']) {
      window.webContents.mainFrame.url = url;
      expect((await invoke('key:reveal', [ref])).ok, url).toBe(false);
    }
    expect(counting.calls).toEqual([]);
    expect(logs.filter((line) => line.startsWith('refused "key:reveal"'))).toHaveLength(senders.length + 5);
    // The log names where the call came from, never the full URL.
    expect(logs.join('\n')).toContain('subframe of web contents');
    expect(logs.join('\n')).not.toContain('/etc/passwd');
  });

  it('removes every binding again', () => {
    unbind();
    expect(fake.ipcMain.handlers.size).toBe(0);
    bind();
  });

  it("sends each contract event to the window's page on event:<name>, and nothing once the window is gone", () => {
    const target = windowEventTarget(() => window);
    expect(Object.keys(target).sort()).toEqual(Object.keys(CONTRACT_EVENTS).sort());
    target.onOpenKey?.({ ref });
    expect(window.webContents.sent).toEqual([{ channel: 'event:onOpenKey', args: [{ ref }] }]);
    window.destroyed = true;
    target.onLockChanged?.({ locked: true, since: new Date().toISOString(), reason: 'manual', unlockWith: null });
    expect(window.webContents.sent).toHaveLength(1);
  });

  describe("with the preload's bridge over the window's ipcRenderer", () => {
    it('gives the page the contract client: values checked, failures thrown with their code', async () => {
      const { api } = createDesktopBridge(window.webContents.ipcRenderer());
      expect((await api['inventory:list']({})).map((key) => key.ref)).toEqual([ref]);
      expect(await api['key:reveal'](ref)).toBe('not-a-real-secret-0000');
      const refused = await api['key:show']('hand/missing').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(IpcCallError);
      expect(refused).toMatchObject({ code: 'not_found', message: expect.stringContaining('no key "missing"') });
      // A page that skips the client and invokes the channel itself meets the same judgement in main.
      const bad = await window.webContents
        .ipcRenderer()
        .invoke(contractChannel('key:show'), 42)
        .catch((error: unknown) => error);
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    });

    it('refuses an answer that is not an IPC envelope', async () => {
      const { api } = createDesktopBridge({ invoke: async () => ['not', 'an', 'envelope'], on: () => undefined, removeListener: () => undefined });
      await expect(api['inventory:facets']()).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('not a contract answer') });
    });

    it('delivers events that fit the contract, drops the others, and unsubscribes', () => {
      const renderer = window.webContents.ipcRenderer();
      const invalid: string[] = [];
      const { events } = createDesktopBridge(renderer, (name, problem) => invalid.push(`${name}: ${problem}`));
      const opened: string[] = [];
      const locks: boolean[] = [];
      const stop = events.subscribe({ onOpenKey: ({ ref: opened_ }) => opened.push(opened_), onLockChanged: (state) => locks.push(state.locked) });
      expect(renderer.listenerCount(eventChannel('onOpenKey'))).toBe(1);
      expect(renderer.listenerCount(eventChannel('onSyncProgress'))).toBe(0);
      window.webContents.send(eventChannel('onOpenKey'), { ref });
      window.webContents.send(eventChannel('onOpenKey'), { ref: 'not a ref' });
      window.webContents.send(eventChannel('onLockChanged'), { locked: true, since: new Date().toISOString(), reason: 'idle', unlockWith: null });
      expect(opened).toEqual([ref]);
      expect(locks).toEqual([true]);
      expect(invalid).toEqual([expect.stringMatching(/^onOpenKey: /)]);
      stop();
      stop();
      expect(renderer.listenerCount(eventChannel('onOpenKey'))).toBe(0);
      window.webContents.send(eventChannel('onOpenKey'), { ref });
      expect(opened).toEqual([ref]);
    });

    it('ignores handlers for names that are not contract events', () => {
      const renderer = window.webContents.ipcRenderer();
      const { events } = createDesktopBridge(renderer);
      const stop = events.subscribe({ onOpenKey: () => {}, ...({ 'contract:key:reveal': () => {} } as object) });
      expect(renderer.listenerCount('contract:key:reveal')).toBe(0);
      stop();
    });
  });
});
