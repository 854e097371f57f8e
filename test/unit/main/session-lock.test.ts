/**
 * The screen lock on Linux, where Electron's powerMonitor has no 'lock-screen' event (powerMonitor docs: macOS,
 * Windows) and the idle time is no guide (0 on GNOME, electron#34826; keyboard-only use idle on Wayland,
 * electron#27912): the desktop app follows the session's D-Bus signals. Here on a real D-Bus session bus (the one
 * test/support/with-test-keychain.mjs runs the suite in), with the signals sent by `gdbus emit` as a desktop would:
 * org.gnome.ScreenSaver / org.freedesktop.ScreenSaver ActiveChanged(true), and systemd-logind's
 * org.freedesktop.login1.Session Lock for this session's path (the system bus replaced by the private bus).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fake } from '../../support/fake-electron.js';
import { startTestDesktop, type TestDesktop } from '../../support/desktop.js';
import { login1SessionPath } from '../../../electron/core/desktop/session-lock.js';

vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);

const run = promisify(execFile);
const busAddress = process.env.DBUS_SESSION_BUS_ADDRESS;
const haveTools = () => spawnSync('sh', ['-c', 'command -v dbus-monitor && command -v gdbus']).status === 0;
const usable = process.platform === 'linux' && process.env.KEYWARDEN_TEST_KEYCHAIN === 'isolated' && busAddress !== undefined && haveTools();

/** Sends the signal until Keywarden has locked: dbus-monitor's match rules take a moment to be in place. */
async function emitUntilLocked(desktop: TestDesktop, args: string[]): Promise<void> {
  await vi.waitFor(
    async () => {
      await run('gdbus', ['emit', '--address', busAddress!, ...args]);
      expect(await desktop.client['vault:lockstate']()).toMatchObject({ locked: true, reason: 'screen' });
    },
    { timeout: 10_000, interval: 200 },
  );
}

describe.skipIf(!usable)('the session lock on Linux, over a real D-Bus session bus', () => {
  let desktop: TestDesktop | null = null;

  afterEach(async () => {
    await desktop?.quit();
    desktop = null;
  });

  const start = async () => {
    fake.reset();
    desktop = await startTestDesktop({ sessionLock: { sessionId: 'c2', sessionBus: { address: busAddress! }, systemBus: { address: busAddress! } } });
    return desktop;
  };

  // Which signals do not lock (ActiveChanged(false), another session's Lock) is test/unit/desktop/session-lock.test.ts's:
  // here a signal that is not acted on could not be told from one not yet delivered without a timed wait.
  for (const screensaver of ['org.gnome.ScreenSaver', 'org.freedesktop.ScreenSaver']) {
    it(`locks on ${screensaver} ActiveChanged(true)`, async () => {
      const app = await start();
      await emitUntilLocked(app, ['--object-path', `/${screensaver.replaceAll('.', '/')}`, '--signal', `${screensaver}.ActiveChanged`, 'true']);
    });
  }

  it("locks on systemd-logind's Session.Lock for this session's path (what loginctl lock-session sends)", async () => {
    const app = await start();
    await emitUntilLocked(app, ['--object-path', login1SessionPath('c2'), '--signal', 'org.freedesktop.login1.Session.Lock']);
  });

  it('stops following the bus when the app quits (no dbus-monitor left behind)', async () => {
    const app = await start();
    const monitors0 = () =>
      run('pgrep', ['-f', `^dbus-monitor --address ${busAddress!}`]).then(
        ({ stdout }) => stdout.trim(),
        () => '',
      );
    await vi.waitFor(async () => expect(await monitors0()).not.toBe(''));
    desktop = null;
    await app.quit();
    // pgrep exits 1 when nothing matches (and never matches itself).
    const monitors = () =>
      run('pgrep', ['-f', `^dbus-monitor --address ${busAddress!}`]).then(
        ({ stdout }) => stdout.trim(),
        () => '',
      );
    await vi.waitFor(async () => expect(await monitors()).toBe(''));
  });
});
