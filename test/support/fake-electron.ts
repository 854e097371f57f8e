/**
 * A stand-in for the 'electron' module, for testing the main process in Node (the Electron runtime cannot run
 * here). It implements only what electron/main uses, and records what the app asks of it: the BrowserWindow options,
 * the ipcMain handlers, the session's permission handlers and request filter, the protocol handler, the tray's menu,
 * the notifications shown and the clipboard's content. Tests then drive it like Chromium would: invoke a channel
 * from a frame, emit a navigation, click a tray item, close the window.
 *
 *   vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);
 *   import { fake } from '../../support/fake-electron.js';
 *
 * `fake.reset()` between tests. Nothing here is Electron's behaviour beyond what each member's comment says.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { BrowserWindowConstructorOptions, CustomScheme, MenuItemConstructorOptions, NotificationConstructorOptions } from 'electron';

export interface FakeNavigationEvent {
  url: string;
  isMainFrame: boolean;
  isSameDocument: boolean;
  frame: FakeFrame | null;
  preventDefault(): void;
  readonly defaultPrevented: boolean;
}

function navigationEvent(url: string, isMainFrame: boolean, frame: FakeFrame | null): FakeNavigationEvent {
  let prevented = false;
  return {
    url,
    isMainFrame,
    isSameDocument: false,
    frame,
    preventDefault: () => {
      prevented = true;
    },
    get defaultPrevented() {
      return prevented;
    },
  };
}

/** A WebFrameMain: its URL, its parent (null for the top-level frame) and its ids. */
export class FakeFrame {
  constructor(
    public url: string,
    readonly parent: FakeFrame | null,
    readonly processId: number,
    readonly routingId: number,
  ) {}
}

let nextId = 1;

/** A renderer's side of IPC, bound to one web contents (what `ipcRenderer` is inside that window). */
export interface FakeIpcRenderer {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): FakeIpcRenderer;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): FakeIpcRenderer;
  listenerCount(channel: string): number;
}

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly mainFrame: FakeFrame;
  /** Everything main sent to this page with `send`, in order. */
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  windowOpenHandler: ((details: { url: string; frameName: string; features: string; disposition: string }) => { action: 'allow' | 'deny' }) | null = null;
  destroyed = false;
  private readonly rendererListeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();

  constructor(url = '') {
    super();
    this.mainFrame = new FakeFrame(url, null, 100 + this.id, 1);
  }

  send(channel: string, ...args: unknown[]): void {
    // Like Electron, the payload is serialized (structured clone) on its way to the page.
    const copied = structuredClone(args);
    this.sent.push({ channel, args: copied });
    for (const listener of this.rendererListeners.get(channel) ?? []) listener({ senderId: 0 }, ...copied);
  }

  setWindowOpenHandler(handler: NonNullable<FakeWebContents['windowOpenHandler']>): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** A frame inside the page (an iframe), on `url`. */
  subframe(url: string): FakeFrame {
    return new FakeFrame(url, this.mainFrame, this.mainFrame.processId, 2);
  }

  /** The page (or a frame of it) asks to navigate: emits what Chromium would and says whether the app prevented it. */
  navigate(url: string, options: { frame?: 'main' | 'sub'; event?: 'will-navigate' | 'will-frame-navigate' | 'will-redirect' } = {}): boolean {
    const isMain = (options.frame ?? 'main') === 'main';
    const event = navigationEvent(url, isMain, isMain ? this.mainFrame : this.subframe('about:blank'));
    const name = options.event ?? (isMain ? 'will-navigate' : 'will-frame-navigate');
    this.emit(name, event, url);
    if (name === 'will-navigate' && !event.defaultPrevented) {
      // Chromium also asks about every frame, the main frame included.
      const frameEvent = navigationEvent(url, true, this.mainFrame);
      this.emit('will-frame-navigate', frameEvent);
      if (frameEvent.defaultPrevented) return true;
    }
    return event.defaultPrevented;
  }

  /** The page calls window.open(url): the app's handler answers. */
  open(url: string): { action: 'allow' | 'deny' } {
    if (!this.windowOpenHandler) return { action: 'allow' };
    return this.windowOpenHandler({ url, frameName: '', features: '', disposition: 'new-window' });
  }

  /** The page adds a <webview>: returns whether the app prevented it. */
  attachWebview(): boolean {
    const event = navigationEvent('', true, null);
    this.emit('will-attach-webview', event, {}, {});
    return event.defaultPrevented;
  }

  /** This page's ipcRenderer. Calls arrive in main as from `frame` (default: the top-level frame). */
  ipcRenderer(frame: () => FakeFrame | null = () => this.mainFrame): FakeIpcRenderer {
    const renderer: FakeIpcRenderer = {
      invoke: async (channel, ...args) => fake.ipcMain.invoke(channel, { sender: this, senderFrame: frame() }, ...structuredClone(args)),
      on: (channel, listener) => {
        const set = this.rendererListeners.get(channel) ?? new Set();
        set.add(listener);
        this.rendererListeners.set(channel, set);
        return renderer;
      },
      removeListener: (channel, listener) => {
        this.rendererListeners.get(channel)?.delete(listener);
        return renderer;
      },
      listenerCount: (channel) => this.rendererListeners.get(channel)?.size ?? 0,
    };
    return renderer;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents: FakeWebContents;
  visible = false;
  destroyed = false;
  focused = false;
  minimized = false;
  maximized = false;
  loadedUrl: string | null = null;
  bounds: { x: number; y: number; width: number; height: number };

  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    fake.windows.push(this);
    this.webContents = new FakeWebContents();
    this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width ?? 800, height: options.height ?? 600 };
    // Electron announces every new web contents on the app, before the window's constructor returns.
    fake.app.emit('web-contents-created', {}, this.webContents);
  }

  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }

  show(): void {
    if (!this.visible && !this.painted) this.shownUnpainted += 1;
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  /** Like Electron: the window gains the focus and emits 'focus' (BrowserWindow docs). */
  focus(): void {
    this.focused = true;
    this.emit('focus');
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  /** BrowserWindow docs: minimises the window (still open, on the taskbar or dock) and emits 'minimize'. */
  minimize(): void {
    this.minimized = true;
    this.emit('minimize');
  }
  restore(): void {
    this.minimized = false;
  }
  /** Every time the window was shown while its page had not painted yet (what the user sees as a white flash). */
  shownUnpainted = 0;
  painted = false;
  /** Like Electron on Linux and Windows: maximize() shows a hidden window (BrowserWindow docs: "will also show (but not focus) the window if it isn't being displayed already"). */
  maximize(): void {
    this.maximized = true;
    if (!this.visible) this.show();
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this.bounds };
  }
  setBounds(bounds: { x: number; y: number; width: number; height: number }): void {
    this.bounds = { ...bounds };
    this.emit('resize');
    this.emit('move');
  }

  /** The page has painted. */
  paint(): void {
    this.painted = true;
    this.emit('ready-to-show');
  }

  /**
   * Windows ending the session (shutdown, restart, log-off), as BrowserWindow's docs describe it: 'query-session-end'
   * (which may be prevented, delaying the end), then, unless `cancelled` (another program refused), 'session-end'.
   * Neither 'before-quit' nor 'will-quit' is emitted (app docs: not on a Windows shutdown or log-off).
   */
  endSession(reasons: Array<'shutdown' | 'close-app' | 'critical' | 'logoff'> = ['shutdown'], options: { cancelled?: boolean } = {}): { queryPrevented: boolean } {
    const query = Object.assign(navigationEvent('', true, null), { reasons });
    this.emit('query-session-end', query);
    if (!options.cancelled) this.emit('session-end', Object.assign(navigationEvent('', true, null), { reasons }));
    return { queryPrevented: query.defaultPrevented };
  }

  /** The close button (or app quit): 'close' may be prevented; otherwise the window is gone. Returns whether it closed. */
  close(): boolean {
    const event = navigationEvent('', true, null);
    this.emit('close', event);
    if (event.defaultPrevented) return false;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
    return true;
  }
}

type InvokeHandler = (event: { sender: FakeWebContents | { id: number }; senderFrame: FakeFrame | null }, ...args: unknown[]) => unknown;

class FakeIpcMain {
  readonly handlers = new Map<string, InvokeHandler>();
  /** How many times each channel was registered (Electron throws on a second registration; this counts it first). */
  readonly registrations: string[] = [];

  handle(channel: string, handler: InvokeHandler): void {
    this.registrations.push(channel);
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** A call as Electron delivers it: the event, then the arguments (already deserialized). */
  async invoke(channel: string, event: Parameters<InvokeHandler>[0], ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone(await handler(event, ...args));
  }
}

/**
 * Electron 45's Notification (docs/api/notification.md), as far as the app uses it: `id` (the option, or a random
 * UUID), the events click, action (a details object `{ actionIndex, selectionIndex }`, then the deprecated
 * positional index), close (`{ reason }`: 'userCanceled', 'applicationHidden' or 'timedOut'), failed (macOS,
 * Windows: the error as a string), and the statics `handleActivation` (Windows) and `getHistory` (macOS).
 */
export class FakeNotification extends EventEmitter {
  readonly id: string;
  static isSupported(): boolean {
    return fake.notificationsSupported;
  }
  /** Windows: one callback for every activation, replaced by a later call; one that came before is delivered at once. */
  static handleActivation(callback: (details: { type: string; arguments: string; actionIndex?: number }) => void): void {
    fake.activationHandler = callback;
    fake.activationHandlerRegistrations += 1;
    for (const details of fake.pendingActivations.splice(0)) callback(details);
  }
  /** macOS: the app's notifications still in Notification Center (empty for an unsigned build). */
  static getHistory(): Promise<FakeNotification[]> {
    return Promise.resolve([...fake.notificationHistory]);
  }
  constructor(readonly options: NotificationConstructorOptions) {
    super();
    this.id = options.id || crypto.randomUUID();
  }
  show(): void {
    fake.notifications.push(this);
  }
  close(): void {
    this.emit('close', { reason: 'applicationHidden' });
  }
  click(): void {
    this.emit('click', {});
  }
  /** The user pressed the notification's button at `index` (macOS, Windows). */
  pressAction(index: number): void {
    this.emit('action', { actionIndex: index, selectionIndex: -1 }, index, -1);
  }
  /** The notification left the screen: dismissed by the user, or (Windows) timed out into the Action Center. */
  closedBy(reason: 'userCanceled' | 'applicationHidden' | 'timedOut'): void {
    this.emit('close', { reason });
  }
  /** The OS refused to show it (macOS: an unsigned build; Windows). */
  fail(error: string): void {
    this.emit('failed', {}, error);
  }
}

export class FakeTray extends EventEmitter {
  image: { path: string };
  tooltip = '';
  menu: MenuItemConstructorOptions[] = [];
  destroyed = false;
  constructor(image: { path: string }) {
    super();
    this.image = image;
    fake.trays.push(this);
  }
  setImage(image: { path: string }): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: FakeMenu | null): void {
    this.menuSets += 1;
    this.contextMenu = menu;
    this.menu = menu?.template ?? [];
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** How many times the context menu was set. */
  menuSets = 0;
  /** The Menu last set (its 'menu-will-show' / 'menu-will-close' are emitted by `openMenu`/`closeMenu`). */
  contextMenu: FakeMenu | null = null;
  /** The user opens the context menu (Menu docs: 'menu-will-show'). */
  openMenu(): void {
    this.contextMenu?.emit('menu-will-show', {});
  }
  closeMenu(): void {
    this.contextMenu?.emit('menu-will-close', {});
  }
  /** Clicks the menu item with this label (as the user would), or "Submenu > item"; throws if there is none or it is disabled. */
  clickItem(label: string): void {
    const [first, ...rest] = label.split(' > ');
    let entries = this.menu;
    if (rest.length > 0) {
      const parent = this.menu.find((entry) => entry.label === first);
      if (!parent || !Array.isArray(parent.submenu)) throw new Error(`no tray submenu "${first}" in ${JSON.stringify(this.menu.map((entry) => entry.label ?? entry.type))}`);
      entries = parent.submenu;
      label = rest.join(' > ');
    }
    const item = entries.find((entry) => entry.label === label);
    if (!item) throw new Error(`no tray menu item "${label}" in ${JSON.stringify(entries.map((entry) => entry.label ?? entry.type))}`);
    if (item.enabled === false) throw new Error(`the tray menu item "${label}" is disabled`);
    (item.click as (() => void) | undefined)?.();
  }
  labels(): string[] {
    return this.menu.map((entry) => (entry.type === 'separator' ? '---' : (entry.label ?? '')));
  }
}

export class FakeClipboardItem {
  readonly types: string[];
  constructor(readonly items: Record<string, string>) {
    this.types = Object.keys(items);
  }
}

type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
type PermissionCheckHandler = (contents: unknown, permission: string, origin: string, details: unknown) => boolean;
type BeforeRequestListener = (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void;
type ProtocolHandler = (request: { url: string; method: string }) => Promise<Response> | Response;

/** Electron's app paths as the stand-in starts with them (userData follows the app's name until set). */
function fakePaths(): Record<string, string> {
  return { appData: '/fake/appData' };
}

function createFake() {
  const app = Object.assign(new EventEmitter(), {
    singleInstance: true,
    appPath: process.cwd(),
    isPackaged: false,
    quitCalls: 0,
    exitCodes: [] as number[],
    userModelId: null as string | null,
    name: 'Keywarden',
    /** Electron's paths; userData follows the name until set (as Electron's does). */
    paths: fakePaths(),
    getName(): string {
      return app.name;
    },
    /** Electron's app.getVersion(): the app's package.json version (the evidence pack names it). */
    getVersion(): string {
      return '0.0.0-test';
    },
    setName(name: string): void {
      app.name = name;
    },
    getPath(name: string): string {
      if (name === 'userData') return app.paths.userData ?? `${app.paths.appData}/${app.name}`;
      const path = app.paths[name];
      if (path === undefined) throw new Error(`fake electron: no path "${name}"`);
      return path;
    },
    setPath(name: string, path: string): void {
      app.paths[name] = path;
    },
    requestSingleInstanceLock(): boolean {
      return app.singleInstance;
    },
    whenReady(): Promise<void> {
      return Promise.resolve();
    },
    getAppPath(): string {
      return app.appPath;
    },
    setAppUserModelId(id: string): void {
      app.userModelId = id;
    },
    /** Like Electron: 'before-quit', then 'will-quit' (which may be prevented), then the app is gone. */
    quit(): void {
      app.quitCalls += 1;
      app.emit('before-quit', navigationEvent('', true, null));
      for (const window of state.windows) if (!window.destroyed) window.close();
      const event = navigationEvent('', true, null);
      app.emit('will-quit', event);
      if (!event.defaultPrevented) app.emit('quit');
    },
    exit(code = 0): void {
      app.exitCodes.push(code);
    },
    relaunches: [] as Array<{ args?: string[] }>,
    /** Records the relaunch (Electron starts the app again once this one has quit). */
    relaunch(options: { args?: string[] } = {}): void {
      app.relaunches.push(options);
    },
  });

  const session = {
    permissionRequestHandler: null as PermissionRequestHandler | null,
    permissionCheckHandler: null as PermissionCheckHandler | null,
    devicePermissionHandler: null as ((details: unknown) => boolean) | null,
    beforeRequest: null as { filter: { urls: string[] }; listener: BeforeRequestListener } | null,
    setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
      session.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
      session.permissionCheckHandler = handler;
    },
    setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void {
      session.devicePermissionHandler = handler;
    },
    webRequest: {
      onBeforeRequest(filter: { urls: string[] }, listener: BeforeRequestListener): void {
        session.beforeRequest = { filter, listener };
      },
    },
  };

  const protocol = {
    privileged: [] as CustomScheme[],
    handlers: new Map<string, ProtocolHandler>(),
    registerSchemesAsPrivileged(schemes: CustomScheme[]): void {
      protocol.privileged.push(...schemes);
    },
    handle(scheme: string, handler: ProtocolHandler): void {
      protocol.handlers.set(scheme, handler);
    },
    /** What the window gets for `url`, through the registered handler. */
    async fetch(url: string, method = 'GET'): Promise<Response> {
      const handler = protocol.handlers.get(new URL(url).protocol.replace(/:$/, ''));
      if (!handler) throw new Error(`no protocol handler for ${url}`);
      return handler({ url, method });
    },
  };

  const clipboard = {
    /** The current clipboard content: MIME type (or raw format) to payload. */
    content: {} as Record<string, string>,
    writes: 0,
    async write(items: FakeClipboardItem[]): Promise<void> {
      clipboard.writes += 1;
      clipboard.content = { ...(items[0]?.items ?? {}) };
    },
    async writeText(text: string): Promise<void> {
      clipboard.writes += 1;
      clipboard.content = { 'text/plain': text };
    },
    async readText(): Promise<string> {
      return clipboard.content['text/plain'] ?? '';
    },
    clear(): void {
      clipboard.content = {};
    },
  };

  const displays = [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 }, bounds: { x: 0, y: 0, width: 1920, height: 1080 } }];
  const powerMonitor = Object.assign(new EventEmitter(), {
    idleSeconds: 0,
    /** Whether the screen is locked, as getSystemIdleState reports it ("on supported systems only"). */
    screenLocked: false,
    getSystemIdleTime: () => powerMonitor.idleSeconds,
    /** Like Electron: 'locked' where the system says so, else 'idle' from `idleThreshold` seconds of no input, else 'active'. */
    getSystemIdleState: (idleThreshold: number): 'active' | 'idle' | 'locked' | 'unknown' => (powerMonitor.screenLocked ? 'locked' : powerMonitor.idleSeconds >= idleThreshold ? 'idle' : 'active'),
    /**
     * The system is about to shut down or reboot (Linux, macOS): 'shutdown' with an event the app may prevent to
     * delay it and exit cleanly (powerMonitor docs). Returns whether it was prevented.
     */
    systemShutdown(): boolean {
      const event = navigationEvent('', true, null);
      powerMonitor.emit('shutdown', event);
      return event.defaultPrevented;
    },
  });
  const net = { online: true, isOnline: () => net.online };
  const shell = {
    opened: [] as string[],
    async openExternal(url: string): Promise<void> {
      shell.opened.push(url);
    },
  };
  const dialog = {
    errors: [] as Array<{ title: string; content: string }>,
    showErrorBox(title: string, content: string): void {
      dialog.errors.push({ title, content });
    },
  };
  const contextBridge = {
    exposed: new Map<string, unknown>(),
    exposeInMainWorld(key: string, api: unknown): void {
      contextBridge.exposed.set(key, api);
    },
  };

  const state = {
    app,
    session,
    protocol,
    clipboard,
    displays,
    powerMonitor,
    net,
    shell,
    dialog,
    contextBridge,
    ipcMain: new FakeIpcMain(),
    windows: [] as FakeBrowserWindow[],
    trays: [] as FakeTray[],
    notifications: [] as FakeNotification[],
    notificationsSupported: true,
    /** Notification.handleActivation's callback (Windows), how often it was registered, activations before it. */
    activationHandler: null as ((details: { type: string; arguments: string; actionIndex?: number }) => void) | null,
    activationHandlerRegistrations: 0,
    pendingActivations: [] as Array<{ type: string; arguments: string; actionIndex?: number }>,
    /** What Notification.getHistory() resolves with (macOS). */
    notificationHistory: [] as FakeNotification[],
    /** The ipcRenderer a preload gets (electron/preload is loaded with this module too). */
    ipcRenderer: null as FakeIpcRenderer | null,
  };
  return state;
}

function createRecorder() {
  return Object.assign(createFake(), {
    reset(): void {
      const fresh = createFake();
      for (const listener of fake.app.eventNames()) fake.app.removeAllListeners(listener);
      fake.powerMonitor.removeAllListeners();
      Object.assign(fake, { ...fresh, app: fake.app, powerMonitor: fake.powerMonitor });
      Object.assign(fake.app, {
        singleInstance: true,
        appPath: process.cwd(),
        isPackaged: false,
        quitCalls: 0,
        exitCodes: [],
        userModelId: null,
        relaunches: [],
        name: 'Keywarden',
        paths: fakePaths(),
      });
      fake.powerMonitor.idleSeconds = 0;
      fake.powerMonitor.screenLocked = false;
    },
    /** The one window the app opened. */
    window(): FakeBrowserWindow {
      const window = fake.windows[0];
      if (!window) throw new Error('the app opened no window');
      return window;
    },
    tray(): FakeTray {
      const tray = fake.trays[0];
      if (!tray) throw new Error('the app made no tray');
      return tray;
    },
  });
}

/**
 * The recorder; `reset()` gives each test a fresh one (the same object, so modules holding it see the reset). Kept
 * on globalThis, so that a test which reloads modules (vi.resetModules) still shares one recorder with them.
 */
const RECORDER = Symbol.for('keywarden.test.fake-electron');
export const fake: ReturnType<typeof createRecorder> = ((globalThis as Record<symbol, unknown>)[RECORDER] as ReturnType<typeof createRecorder> | undefined) ?? createRecorder();
(globalThis as Record<symbol, unknown>)[RECORDER] = fake;

/** A Menu: its template, and the events of Electron's Menu docs ('menu-will-show', 'menu-will-close'). */
export class FakeMenu extends EventEmitter {
  constructor(readonly template: MenuItemConstructorOptions[]) {
    super();
  }
}

const MenuStub = {
  buildFromTemplate: (template: MenuItemConstructorOptions[]) => new FakeMenu(template),
};

const nativeImageStub = {
  /** Like Electron: a missing file gives an empty image, not an error. */
  createFromPath: (path: string) => ({ path, isEmpty: () => !existsSync(path) }),
};

const screenStub = {
  getPrimaryDisplay: () => fake.displays[0],
  getAllDisplays: () => fake.displays,
};

/** The module the app imports as 'electron'. Getters, so that `fake.reset()` is seen by modules that imported it. */
export const electronModule = {
  get app() {
    return fake.app;
  },
  BrowserWindow: FakeBrowserWindow,
  get ipcMain() {
    return fake.ipcMain;
  },
  get ipcRenderer() {
    return fake.ipcRenderer;
  },
  get contextBridge() {
    return fake.contextBridge;
  },
  get session() {
    return { defaultSession: fake.session };
  },
  get protocol() {
    return fake.protocol;
  },
  get clipboard() {
    return fake.clipboard;
  },
  ClipboardItem: FakeClipboardItem,
  get powerMonitor() {
    return fake.powerMonitor;
  },
  get net() {
    return fake.net;
  },
  get shell() {
    return fake.shell;
  },
  get dialog() {
    return fake.dialog;
  },
  screen: screenStub,
  Menu: MenuStub,
  nativeImage: nativeImageStub,
  Tray: FakeTray,
  Notification: FakeNotification,
};
