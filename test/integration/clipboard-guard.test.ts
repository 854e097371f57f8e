/**
 * The desktop app's ClipboardGuard against a real X clipboard: a private Xvfb display, reached through xclip (the
 * core's command-line clipboard; the app itself uses Electron's clipboard behind the same interface). A copied
 * secret is cleared after its delay only if the clipboard still holds it, a second copy replaces the first and is
 * cleared on its own schedule, and dispose() (the app quitting) clears at once. Secrets are made at run time.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClipboardGuard } from '../../electron/core/clipboard/clipboard-guard.js';
import { clipboardTools, toolClipboard } from '../../electron/core/clipboard/system-clipboard.js';
import { type XDisplay, hasXClipboard, sleep, startXDisplay, waitFor } from '../support/x-display.js';

const newSecret = () => `sk_live_${randomBytes(18).toString('base64url')}`;

describe.skipIf(!hasXClipboard)('ClipboardGuard with an X clipboard', () => {
  let x: XDisplay;
  let guard: ClipboardGuard;
  const errors: unknown[] = [];

  /** Copies through the guard and waits until xclip's background process serves the selection. */
  async function copy(secret: string, seconds: number): Promise<number> {
    await guard.copy(secret, seconds);
    const copiedAt = Date.now();
    expect(await waitFor(() => x.readClipboard() === secret, 5000)).toBe(true);
    return copiedAt;
  }

  beforeAll(async () => {
    x = await startXDisplay();
  });

  afterAll(async () => {
    await x?.stop();
  });

  beforeEach(async () => {
    // The first tool for this display is xclip (no Wayland here): the same choice `keywarden copy` makes.
    const tool = clipboardTools('linux', { DISPLAY: x.display })[0]!;
    expect(tool.copy[0]).toBe('xclip');
    errors.length = 0;
    guard = new ClipboardGuard(toolClipboard(tool, x.env), { onError: (error) => errors.push(error) });
    await x.writeClipboard('before the test');
    expect(await waitFor(() => x.readClipboard() === 'before the test', 5000)).toBe(true);
  });

  it('clears the secret after the delay when the clipboard still holds it, and not before', async () => {
    const secret = newSecret();
    const copiedAt = await copy(secret, 2);
    expect(guard.clearsAt).toBeGreaterThan(Date.now());
    await sleep(Math.max(0, copiedAt + 1000 - Date.now()));
    expect(x.readClipboard()).toBe(secret);
    expect(await waitFor(() => x.readClipboard() === '', 10_000)).toBe(true);
    expect(Date.now() - copiedAt).toBeGreaterThanOrEqual(1500);
    expect(guard.clearsAt).toBeNull();
    expect(errors).toEqual([]);
  });

  it('leaves alone what the user copied after the secret', async () => {
    const secret = newSecret();
    await copy(secret, 2);
    await x.writeClipboard('the user copied this');
    expect(await waitFor(() => x.readClipboard() === 'the user copied this', 5000)).toBe(true);
    // Well past the delay: the guard has looked, found another text, and left it.
    await sleep(3500);
    expect(guard.clearsAt).toBeNull();
    expect(x.readClipboard()).toBe('the user copied this');
    expect(errors).toEqual([]);
  });

  it('a second copy replaces the first, whose timer no longer clears; the second is cleared on its own schedule', async () => {
    const first = newSecret();
    const second = newSecret();
    await copy(first, 1.5);
    const secondAt = await copy(second, 4);
    // Past the first copy's schedule: the second secret is still there.
    await sleep(2500);
    expect(x.readClipboard()).toBe(second);
    expect(await waitFor(() => x.readClipboard() === '', 10_000)).toBe(true);
    expect(Date.now() - secondAt).toBeGreaterThanOrEqual(3500);
    expect(errors).toEqual([]);
  });

  it('dispose() clears at once a secret still in the clipboard, and refuses later copies', async () => {
    const secret = newSecret();
    await copy(secret, 600);
    await guard.dispose();
    // At once: the clearing xclip has run; its background process takes the selection a moment after it exits.
    expect(await waitFor(() => x.readClipboard() === '', 2000)).toBe(true);
    expect(guard.clearsAt).toBeNull();
    await expect(guard.copy(newSecret(), 30)).rejects.toMatchObject({ code: 'unsupported' });
    expect(x.readClipboard()).toBe('');
  });

  it('dispose() leaves alone what the user copied after the secret', async () => {
    await copy(newSecret(), 600);
    await x.writeClipboard('the user copied this');
    expect(await waitFor(() => x.readClipboard() === 'the user copied this', 5000)).toBe(true);
    await guard.dispose();
    expect(x.readClipboard()).toBe('the user copied this');
  });
});
