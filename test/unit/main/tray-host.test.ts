/**
 * What closing the window does on Linux, where the tray icon is a StatusNotifierItem (Electron 8 onwards,
 * electron#21445) shown only if a host owns org.kde.StatusNotifierWatcher on the session bus; stock GNOME has none
 * (nothing checks for one before showing an icon: i3-gnome#59). Here on the real D-Bus session bus the suite runs in
 * (test/support/with-test-keychain.mjs): with nobody owning the name, closing minimises, so the window can still be
 * found; with a test connection owning it, as a tray host would (test/support/dbus-name.ts), closing hides to the
 * tray (BrowserWindow 'close' prevented, then hide() or minimize(), as Electron's BrowserWindow docs describe).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NO_TRAY_HOST_MESSAGE, STATUS_NOTIFIER_WATCHER } from '../../../electron/core/desktop/tray-host.js';
import { ownBusName, type OwnedName } from '../../support/dbus-name.js';
import { fake } from '../../support/fake-electron.js';
import { startTestDesktop, type TestDesktop } from '../../support/desktop.js';

vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);

const run = promisify(execFile);
const busAddress = process.env.DBUS_SESSION_BUS_ADDRESS;
const haveTools = () => spawnSync('sh', ['-c', 'command -v dbus-monitor && command -v dbus-send']).status === 0;
const usable = process.platform === 'linux' && process.env.KEYWARDEN_TEST_KEYCHAIN === 'isolated' && busAddress !== undefined && haveTools();

async function nameHasOwner(): Promise<boolean> {
  // The suite's bus is this process's session bus (dbus-send --address would not register on it).
  const { stdout } = await run('dbus-send', [
    '--session',
    '--print-reply',
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner',
    `string:${STATUS_NOTIFIER_WATCHER}`,
  ]);
  return /boolean true/.test(stdout);
}

/** Owns the watcher's name as a tray host does, and waits until the bus says so. */
async function becomeTrayHost(): Promise<OwnedName> {
  const owned = await ownBusName(busAddress!, STATUS_NOTIFIER_WATCHER);
  await vi.waitFor(async () => expect(await nameHasOwner()).toBe(true), { timeout: 20_000, interval: 50 });
  return owned;
}

describe.skipIf(!usable)('closing the window on Linux, by whether a tray host is on the session bus', () => {
  let desktop: TestDesktop | null = null;
  let host: OwnedName | null = null;

  afterEach(async () => {
    await desktop?.quit();
    desktop = null;
    await host?.release();
    host = null;
    await vi.waitFor(async () => expect(await nameHasOwner()).toBe(false));
  });

  const start = async () => {
    fake.reset();
    desktop = await startTestDesktop({ platform: 'linux', trayHost: { bus: { address: busAddress! } } });
    await desktop.app.trayHostReady;
    desktop.window.paint();
    return desktop;
  };

  it('without a StatusNotifierWatcher owner (stock GNOME), closing minimises the window instead of hiding it, and the log says once how to get a tray', async () => {
    expect(await nameHasOwner()).toBe(false);
    const app = await start();
    expect(app.app.trayHost()).toBe(false);
    expect(app.window.close()).toBe(false);
    expect(app.window.isMinimized()).toBe(true);
    expect(app.window.isVisible()).toBe(true);
    expect(app.window.isDestroyed()).toBe(false);
    expect(fake.app.quitCalls).toBe(0);
    app.window.restore();
    app.window.close();
    expect(app.logs.filter((line) => line === NO_TRAY_HOST_MESSAGE)).toHaveLength(1);
    expect(NO_TRAY_HOST_MESSAGE).toContain('AppIndicator');
  });

  it('with a tray host owning org.kde.StatusNotifierWatcher, closing hides the window to the tray', async () => {
    host = await becomeTrayHost();
    const app = await start();
    expect(app.app.trayHost()).toBe(true);
    expect(app.window.close()).toBe(false);
    expect(app.window.isVisible()).toBe(false);
    expect(app.window.isMinimized()).toBe(false);
    expect(app.logs).not.toContain(NO_TRAY_HOST_MESSAGE);
  });

  it('follows the host coming and going while Keywarden runs (NameOwnerChanged): the next close hides, then minimises again', async () => {
    const app = await start();
    expect(app.app.trayHost()).toBe(false);
    host = await becomeTrayHost();
    // The bus's NameOwnerChanged signal, through dbus-monitor: seconds on a loaded machine.
    await vi.waitFor(() => expect(app.app.trayHost()).toBe(true), { timeout: 20_000 });
    app.window.close();
    expect(app.window.isVisible()).toBe(false);
    expect(app.window.isMinimized()).toBe(false);

    app.window.show();
    await host.release();
    host = null;
    await vi.waitFor(() => expect(app.app.trayHost()).toBe(false), { timeout: 20_000 });
    app.window.close();
    expect(app.window.isMinimized()).toBe(true);
    expect(app.window.isVisible()).toBe(true);
  });
});
