/**
 * The desktop app's clipboard on native Wayland (Electron 38 and later): a selection set by a client without focus
 * is dropped by the compositor while Chromium's `clipboard.readText()` answers from its own cache, so the read-back
 * cannot be trusted. electron/main/clipboard.ts reads the compositor's selection with `wl-paste`, clears with
 * `wl-copy --clear` as well, and the app clears again when its window gets the focus back.
 *
 * wl-clipboard is stood in for by two scripts over a file (the compositor's selection): the stand-in 'electron'
 * module's clipboard plays Chromium's cache, which can disagree with it, as on Wayland.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClipboardGuard } from '../../../electron/core/clipboard/clipboard-guard.js';
import { electronClipboard, isNativeWayland } from '../../../electron/main/clipboard.js';
import { fake } from '../../support/fake-electron.js';
import { startTestDesktop } from '../../support/desktop.js';

vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);

const SECRET = 'not-a-real-secret-wayland-0001';
let dir: string;
let env: NodeJS.ProcessEnv;
const selection = () => readFileSync(join(dir, 'selection'), 'utf8');
const setSelection = (text: string) => writeFileSync(join(dir, 'selection'), text);
const clears = () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean).length : 0);

beforeEach(() => {
  fake.reset();
  dir = mkdtempSync(join(tmpdir(), 'keywarden-wayland-'));
  setSelection('');
  // wl-paste prints the selection; wl-copy --clear empties it, unless the compositor "ignores" it (the file "ignore").
  writeFileSync(join(dir, 'wl-paste'), `#!/bin/sh\ncat "${dir}/selection"\n`);
  writeFileSync(join(dir, 'wl-copy'), `#!/bin/sh\n[ "$1" = --clear ] || exit 2\necho clear >> "${dir}/calls"\n[ -e "${dir}/ignore" ] || : > "${dir}/selection"\n`);
  chmodSync(join(dir, 'wl-paste'), 0o755);
  chmodSync(join(dir, 'wl-copy'), 0o755);
  env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, WAYLAND_DISPLAY: 'wayland-test', XDG_SESSION_TYPE: 'wayland' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the clipboard on native Wayland', () => {
  it('is told by WAYLAND_DISPLAY and XDG_SESSION_TYPE=wayland (XWayland is X11)', () => {
    expect(isNativeWayland('linux', env)).toBe(true);
    expect(isNativeWayland('linux', { ...env, XDG_SESSION_TYPE: 'x11' })).toBe(false);
    expect(isNativeWayland('darwin', env)).toBe(false);
  });

  it("clears what the compositor holds even when Chromium's cache says the secret is gone, through wl-copy --clear", async () => {
    const guard = new ClipboardGuard(wrap(electronClipboard('linux', () => {}, env)));
    await guard.copy(SECRET, 30);
    // The compositor has the secret; Chromium's cache disagrees (what readText() answers).
    setSelection(SECRET);
    await fake.clipboard.writeText('');
    await guard.clearNow();
    await vi.waitFor(() => expect(selection()).toBe(''));
    expect(clears()).toBe(1);
  });

  it('leaves what the administrator copied since, read from the compositor, not the cache', async () => {
    const guard = new ClipboardGuard(wrap(electronClipboard('linux', () => {}, env)));
    await guard.copy(SECRET, 30);
    setSelection('copied since in another app');
    await guard.clearNow();
    expect(selection()).toBe('copied since in another app');
    expect(clears()).toBe(0);
  });

  it('clears again when the window gets the focus back, where the compositor ignored the clear', async () => {
    const logs: string[] = [];
    const desktop = await startTestDesktop({ clipboard: electronClipboard('linux', (line) => logs.push(line), env) });
    await desktop.client['backend:add']({ name: 'hand', type: 'manual' });
    const { ref } = await desktop.client['manual:add']('hand', { name: 'Mailer', secret: SECRET });
    await desktop.client['key:copy'](ref);
    setSelection(SECRET);
    writeFileSync(join(dir, 'ignore'), '');
    // Locking clears; the compositor ignores it (the window had no focus).
    await desktop.client['vault:lock']();
    await vi.waitFor(() => expect(clears()).toBe(1));
    expect(selection()).toBe(SECRET);
    rmSync(join(dir, 'ignore'));
    desktop.window.focus();
    await vi.waitFor(() => expect(selection()).toBe(''));
    await desktop.quit();
  });
});

function wrap(board: ReturnType<typeof electronClipboard>) {
  return { writeSecret: (secret: string) => board.writeSecret(secret), readText: () => board.readText(), clear: async () => board.clear() };
}
