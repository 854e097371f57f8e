/**
 * The desktop app's life, driven through the real main process (electron/main/app.ts) over the stand-in 'electron'
 * module, with a real engine on a temporary folder: the window hides to the tray, the tray shows what is due and
 * acts, reminders become notifications that open their key, the lock (tray, idle time, screen lock) refuses reveal
 * and copy through the IPC path while the inventory keeps working, a copied secret is cleared, the window's place is
 * remembered, and quitting closes everything.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IpcCallError } from '../../../electron/preload/bridge.js';
import { rawClipboardFormat } from '../../../electron/main/clipboard.js';
import { fake } from '../../support/fake-electron.js';
import { startTestDesktop, type TestDesktop } from '../../support/desktop.js';

vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);

const DAY = 86_400_000;
const SECRET = 'not-a-real-secret-desktop-0001';

const sentOn = (desktop: TestDesktop, channel: string) => desktop.window.webContents.sent.filter((message) => message.channel === channel).map((message) => message.args[0]);

describe('the desktop app', () => {
  let desktop: TestDesktop;
  let mailer: string;
  let overdue: string;

  beforeEach(async () => {
    fake.reset();
    desktop = await startTestDesktop();
    await desktop.client['backend:add']({ name: 'hand', type: 'manual' });
    mailer = (await desktop.client['manual:add']('hand', { name: 'Mailer', expiresAt: new Date(Date.now() + 5 * DAY).toISOString(), secret: SECRET })).ref;
    overdue = (await desktop.client['manual:add']('hand', { name: 'Old & tired', createdAt: new Date(Date.now() - 100 * DAY).toISOString(), rotateEveryDays: 30 })).ref;
  });

  afterEach(async () => {
    if (!fake.window().destroyed) await desktop.quit();
  });

  describe('window and tray', () => {
    it('hides the window on close and keeps running in the tray', () => {
      desktop.window.paint();
      expect(desktop.window.close()).toBe(false);
      expect(desktop.window.isVisible()).toBe(false);
      expect(desktop.window.isDestroyed()).toBe(false);
      expect(fake.tray().isDestroyed()).toBe(false);
      expect(fake.app.quitCalls).toBe(0);
      // The tray opens it again.
      fake.tray().clickItem('Open Keywarden');
      expect(desktop.window.isVisible()).toBe(true);
    });

    it('shows the first window when Keywarden is started a second time, and the second start leaves', async () => {
      desktop.window.close();
      desktop.window.minimized = true;
      fake.app.emit('second-instance', {}, [], '/', {});
      expect(desktop.window.isVisible()).toBe(true);
      expect(desktop.window.isMinimized()).toBe(false);

      fake.app.singleInstance = false;
      const quits = fake.app.quitCalls;
      const { startDesktopApp } = await import('../../../electron/main/app.js');
      expect(await startDesktopApp({ home: desktop.home })).toBeNull();
      expect(fake.app.quitCalls).toBeGreaterThan(quits);
      fake.app.singleInstance = true;
    });

    it('shows what is due in the tray: the icon by state, the next due keys, and the actions', () => {
      const tray = fake.tray();
      expect(tray.image.path).toBe(`${desktop.appRoot}/build/tray/tray-overdue.png`);
      expect(tray.tooltip).toBe('Keywarden: 1 overdue, 1 due within 7 days');
      // Linux's notifications have no buttons, so the tray offers their Snooze (test/unit/main/notifications.test.ts).
      const snooze = process.platform === 'linux' ? ['Snooze a reminder'] : [];
      expect(tray.labels()).toEqual([
        'Next due',
        'Old && tired (hand): overdue by 70 days',
        'Mailer (hand): due in 5 days',
        ...snooze,
        '---',
        'Sync now',
        'Open Keywarden',
        'Lock',
        '---',
        'Quit Keywarden',
      ]);
    });

    it('opens a key from the tray: the window comes up and the console is told which key', () => {
      fake.tray().clickItem('Mailer (hand): due in 5 days');
      expect(desktop.window.isVisible()).toBe(true);
      expect(sentOn(desktop, 'event:onOpenKey')).toEqual([{ ref: mailer }]);
    });

    it('redraws the tray when the inventory changes', async () => {
      await desktop.client['key:delete'](overdue);
      expect(fake.tray().image.path).toBe(`${desktop.appRoot}/build/tray/tray-due-soon.png`);
      expect(fake.tray().labels()).not.toContain('Old && tired (hand): overdue by 70 days');
      await desktop.client['key:delete'](mailer);
      expect(fake.tray().image.path).toBe(`${desktop.appRoot}/build/tray/tray-clear.png`);
      expect(fake.tray().tooltip).toBe('Keywarden: nothing due within 7 days');
      expect(fake.tray().labels()[0]).toBe('Sync now');
    });

    it('syncs from the tray, announcing it like any sync', async () => {
      const before = sentOn(desktop, 'event:onInventoryChanged').length;
      fake.tray().clickItem('Sync now');
      await desktop.app.syncNow();
      expect(sentOn(desktop, 'event:onInventoryChanged').slice(before)).toEqual([{ reason: 'sync', backend: null }]);
      expect(fake.tray().labels()).toContain('Sync now');
    });
  });

  describe('reminders', () => {
    it('notifies what is due at start, once, and a click opens the key', async () => {
      // The keys were added after the start-up check: a sync's check finds them.
      await desktop.app.syncNow();
      const shown = fake.notifications.map((notification) => notification.options.title);
      expect(shown).toHaveLength(2);
      const mailerNotice = fake.notifications.find((notification) => notification.options.title?.includes('Mailer'));
      expect(mailerNotice?.options).toMatchObject({ title: expect.stringContaining('Mailer'), body: expect.any(String) });
      mailerNotice?.click();
      expect(desktop.window.isVisible()).toBe(true);
      expect(sentOn(desktop, 'event:onOpenKey')).toEqual([{ ref: mailer }]);
      // Checked again (hourly, or after another sync): nothing new, nothing twice.
      desktop.app.scheduler.check();
      await desktop.app.syncNow();
      expect(fake.notifications).toHaveLength(2);
    });
  });

  describe('the lock', () => {
    it('refuses reveal and copy through IPC while locked; the inventory, reminders and tray keep working', async () => {
      expect(await desktop.client['key:reveal'](mailer)).toBe(SECRET);
      fake.tray().clickItem('Lock');
      expect(sentOn(desktop, 'event:onLockChanged')).toEqual([{ locked: true, since: expect.any(String), reason: 'manual', unlockWith: 'keychain' }]);
      expect(fake.tray().labels()).toContain('Locked');
      expect(fake.tray().tooltip).toMatch(/\(locked\)$/);

      for (const call of [() => desktop.client['key:reveal'](mailer), () => desktop.client['key:reveal'](mailer, { purpose: 'copy' }), () => desktop.client['key:copy'](mailer)]) {
        const refused = await call().catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(IpcCallError);
        expect(refused).toMatchObject({ code: 'locked' });
      }
      expect(fake.clipboard.writes).toBe(0);
      expect((await desktop.client['inventory:list']({})).map((key) => key.ref).sort()).toEqual([mailer, overdue].sort());
      expect(await desktop.client['reminders:list']({})).toHaveLength(2);
      expect(fake.tray().labels()).toContain('Mailer (hand): due in 5 days');

      expect(await desktop.client['vault:unlock']()).toEqual({ locked: false, since: null, reason: null, unlockWith: 'keychain' });
      expect(await desktop.client['key:reveal'](mailer)).toBe(SECRET);
    });

    it('locks after the idle time the settings give, and not before', async () => {
      await desktop.client['settings:set']({ lockAfterIdleMinutes: 5 });
      fake.powerMonitor.idleSeconds = 4 * 60;
      expect(await desktop.app.lock.checkIdle()).toBe(false);
      fake.powerMonitor.idleSeconds = 5 * 60;
      expect(await desktop.app.lock.checkIdle()).toBe(true);
      expect(await desktop.client['vault:lockstate']()).toMatchObject({ locked: true, reason: 'idle' });
      expect(sentOn(desktop, 'event:onLockChanged')).toEqual([expect.objectContaining({ locked: true, reason: 'idle' })]);
      // Already locked: nothing more happens.
      expect(await desktop.app.lock.checkIdle()).toBe(false);
    });

    it('locks when the screen locks', async () => {
      fake.powerMonitor.emit('lock-screen');
      expect(await desktop.client['vault:lockstate']()).toMatchObject({ locked: true, reason: 'screen' });
      await expect(desktop.client['key:copy'](mailer)).rejects.toMatchObject({ code: 'locked' });
    });

    // powerMonitor docs: 'suspend' is emitted on every platform, unlike 'lock-screen' (macOS, Windows only).
    it('locks when the machine goes to sleep (powerMonitor suspend), and clears a copied secret', async () => {
      await desktop.client['key:copy'](mailer);
      fake.powerMonitor.emit('suspend');
      expect(await desktop.client['vault:lockstate']()).toMatchObject({ locked: true, reason: 'screen' });
      await vi.waitFor(() => expect(fake.clipboard.content).toEqual({}));
      // The screen lock that follows a suspend announces nothing twice.
      fake.powerMonitor.emit('lock-screen');
      expect(sentOn(desktop, 'event:onLockChanged')).toHaveLength(1);
    });

    // powerMonitor docs: getSystemIdleState(threshold) answers 'locked' on supported systems, where no
    // 'lock-screen' event may come (Linux); the idle poll asks it, however short the idle time (0 on GNOME, electron#34826).
    it("locks at the idle poll when the system's idle state is 'locked', with no idle time at all", async () => {
      fake.powerMonitor.idleSeconds = 0;
      fake.powerMonitor.screenLocked = true;
      expect(await desktop.app.lock.checkIdle()).toBe(true);
      expect(await desktop.client['vault:lockstate']()).toMatchObject({ locked: true, reason: 'screen' });
    });
  });

  describe('copy', () => {
    it('copies in the main process, marked as a password, and the secret never reaches the page', async () => {
      expect(await desktop.client['key:copy'](mailer)).toEqual({ clearsInSeconds: 30 });
      expect(await fake.clipboard.readText()).toBe(SECRET);
      if (process.platform === 'linux') expect(fake.clipboard.content[rawClipboardFormat('x-kde-passwordManagerHint')]).toBe('secret');
      expect(JSON.stringify(desktop.window.webContents.sent)).not.toContain(SECRET);
      expect(desktop.app.clipboard.holding).toBe(true);
    });

    it('clears the clipboard when the window is closed or Keywarden locks, but only if it still holds the secret', async () => {
      await desktop.client['key:copy'](mailer);
      desktop.window.close();
      await vi.waitFor(() => expect(fake.clipboard.content).toEqual({}));

      await desktop.client['key:copy'](mailer);
      await fake.clipboard.writeText('something the administrator copied since');
      await desktop.client['vault:lock']();
      await vi.waitFor(() => expect(desktop.app.clipboard.holding).toBe(false));
      expect(await fake.clipboard.readText()).toBe('something the administrator copied since');
    });

    it('clears after the setting, if still there', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        await desktop.client['settings:set']({ clipboardClearSeconds: 10 });
        expect(await desktop.client['key:copy'](mailer)).toEqual({ clearsInSeconds: 10 });
        await vi.advanceTimersByTimeAsync(9_000);
        expect(await fake.clipboard.readText()).toBe(SECRET);
        await vi.advanceTimersByTimeAsync(1_000);
        expect(fake.clipboard.content).toEqual({});
      } finally {
        vi.useRealTimers();
      }
    });
  });

  // app docs: before-quit and will-quit are not emitted on a Windows shutdown, restart or log-off.
  describe('the session ending without a quit', () => {
    it("Windows (BrowserWindow 'query-session-end'): clears a copied secret, not prevented, and goes on working if the end is cancelled", async () => {
      await desktop.client['key:copy'](mailer);
      expect(desktop.window.endSession(['logoff'], { cancelled: true })).toEqual({ queryPrevented: false });
      expect(fake.clipboard.content).toEqual({});
      expect(desktop.app.clipboard.holding).toBe(false);
      // Another program refused: the session goes on, and so does Keywarden.
      expect(await desktop.client['key:reveal'](mailer)).toBe(SECRET);
    });

    it("Windows (BrowserWindow 'session-end'): clears at once, within the handler, and closes the engine without 'will-quit'", async () => {
      await desktop.client['key:copy'](mailer);
      let quitEvents = 0;
      fake.app.on('will-quit', () => (quitEvents += 1));
      const { engine } = desktop.app;
      desktop.window.endSession(['shutdown']);
      // Synchronously: Windows may end the process as soon as the handler returns.
      expect(fake.clipboard.content).toEqual({});
      await vi.waitFor(() => expect(() => engine.listKeys({})).toThrow());
      expect(quitEvents).toBe(0);
    });

    it("Linux, macOS (powerMonitor 'shutdown'): prevented to exit cleanly, the clipboard cleared, the app quit and the engine closed", async () => {
      await desktop.client['key:copy'](mailer);
      const { engine } = desktop.app;
      const gone = new Promise<void>((resolve) => fake.app.once('quit', () => resolve()));
      expect(fake.powerMonitor.systemShutdown()).toBe(true);
      expect(fake.clipboard.content).toEqual({});
      await gone;
      expect(fake.app.quitCalls).toBeGreaterThan(0);
      expect(() => engine.listKeys({})).toThrow();
    });
  });

  describe('quitting', () => {
    it('closes the window for real, stops everything, clears the clipboard and closes the engine', async () => {
      await desktop.client['key:copy'](mailer);
      const { engine } = desktop.app;
      await desktop.quit();
      expect(desktop.window.isDestroyed()).toBe(true);
      expect(fake.tray().isDestroyed()).toBe(true);
      expect(fake.ipcMain.handlers.size).toBe(0);
      expect(fake.clipboard.content).toEqual({});
      expect(() => engine.listKeys({})).toThrow();
    });
  });
});

describe("the window's place", () => {
  it('is remembered with the engine and restored where a display shows it, else centred', async () => {
    fake.reset();
    let desktop = await startTestDesktop();
    const home = desktop.home;
    desktop.window.setBounds({ x: 200, y: 120, width: 1000, height: 700 });
    await desktop.quit({ keepHome: true });

    fake.reset();
    desktop = await startTestDesktop({ home });
    expect(desktop.window.options).toMatchObject({ x: 200, y: 120, width: 1000, height: 700 });
    // The display it was on is gone: saved at x 3000 on a second monitor.
    desktop.window.setBounds({ x: 3000, y: 100, width: 1000, height: 700 });
    await desktop.quit({ keepHome: true });

    fake.reset();
    desktop = await startTestDesktop({ home });
    expect(desktop.window.options).toMatchObject({ x: 460, y: 170, width: 1000, height: 700 });
    await desktop.quit();
  });
});

describe('the first run: demo mode', () => {
  it('offers the demo with no backend; "Try the demo" starts the app again on the demo folder, leaving the real one as it was', async () => {
    fake.reset();
    const desktop = await startTestDesktop();
    expect(await desktop.client['host:info']()).toEqual({ host: 'desktop', home: desktop.home, demo: false, demoAvailable: true });
    const quitting = new Promise<void>((resolve) => fake.app.once('quit', () => resolve()));
    expect(await desktop.client['demo:start']()).toMatchObject({ demo: true });
    await quitting;
    expect(fake.app.relaunches).toHaveLength(1);
    expect(fake.app.relaunches[0]!.args?.filter((arg) => arg === '--demo')).toEqual(['--demo']);
    await desktop.quit();
  });

  it('in demo mode, the built-in emulators serve sample keys until the app quits', async () => {
    fake.reset();
    const desktop = await startTestDesktop({ demo: true });
    expect(await desktop.client['host:info']()).toMatchObject({ host: 'desktop', demo: true, demoAvailable: false });
    const backends = await desktop.client['backend:list']();
    expect(backends.map((backend) => backend.name).sort()).toEqual(['demo-boxwatch', 'demo-commbox', 'demo-manual', 'demo-nitrobox']);
    const commbox = backends.find((backend) => backend.name === 'demo-commbox')!;
    expect((await fetch(`${commbox.url}/v1/api-keys`)).status).toBe(401);
    expect((await desktop.client['inventory:facets']()).total).toBeGreaterThan(5);
    await desktop.quit();
    await expect(fetch(`${commbox.url}/v1/api-keys`)).rejects.toThrow();
  });
});
