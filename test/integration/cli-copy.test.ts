/**
 * `keywarden copy` with a real X clipboard: a private Xvfb display and xclip (installed in CI; the
 * tests skip without them). The secret must land in the clipboard, be cleared after the delay if it
 * is still there, and be left alone if the user copied something else since. Without a display the
 * command must say to use `reveal`. Secrets are made at run time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Key } from '../../shared/domain.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';
import { type XDisplay, hasXClipboard, sleep, startXDisplay, waitFor } from '../support/x-display.js';

describe.skipIf(!hasIsolatedKeychain || !hasXClipboard)('keywarden copy with an X clipboard', () => {
  let x: XDisplay;
  let display = '';
  let home: CliHome;
  let ref: string;
  let secret: string;

  function ok(result: CliResult): CliResult {
    if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return result;
  }

  const readClipboard = () => x.readClipboard();
  const writeClipboard = (text: string) => x.writeClipboard(text);

  beforeAll(async () => {
    x = await startXDisplay();
    display = x.display;
  });

  afterAll(async () => {
    await x?.stop();
  });

  beforeEach(async () => {
    home = makeCliHome();
    ok(await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
    secret = `sk_live_${randomBytes(18).toString('base64url')}`;
    const key = ok(await home.run(['key', 'add', '--backend', 'hand', '--name', 'Stripe prod', '--secret-stdin', '--json'], { input: secret })).json<Key>();
    ref = key.ref;
    await writeClipboard('before the test');
  });

  afterEach(() => {
    home.remove();
  });

  it('copies the secret, then clears the clipboard after the delay if it still holds the secret', async () => {
    const result = ok(await home.run(['copy', ref, '--clear-after', '5', '--json'], { env: { DISPLAY: display } }));
    expect(result.json()).toEqual({ copied: ref, clearAfterSeconds: 5 });
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
    expect(readClipboard()).toBe(secret);

    const cleared = await waitFor(() => readClipboard() !== secret, 20_000);
    expect(cleared).toBe(true);
    expect(readClipboard()).toBe('');

    // The copy is audited, without the secret.
    const audit = ok(await home.run(['audit', '--json']));
    expect(audit.json<Array<{ action: string; ref: string | null }>>().some((event) => event.action === 'copy' && event.ref === ref)).toBe(true);
    expect(audit.stdout).not.toContain(secret);
  });

  it('leaves whatever the user copied since in place', async () => {
    ok(await home.run(['copy', ref, '--clear-after', '5'], { env: { DISPLAY: display } }));
    expect(readClipboard()).toBe(secret);
    await writeClipboard('other');
    // xclip hands the selection to its background child just after it exits: wait for the hand-over.
    expect(await waitFor(() => readClipboard() === 'other', 5000)).toBe(true);
    // Well past the 5-second delay: the clearer has looked and must have left "other" alone.
    await sleep(8000);
    expect(readClipboard()).toBe('other');
  });

  it('without --clear-after, clears after the shared clipboard setting', async () => {
    ok(await home.run(['settings', 'set', '--clipboard-clear-seconds', '6']));
    const result = ok(await home.run(['copy', ref, '--json'], { env: { DISPLAY: display } }));
    expect(result.json()).toEqual({ copied: ref, clearAfterSeconds: 6 });
    expect(readClipboard()).toBe(secret);
    expect(await waitFor(() => readClipboard() !== secret, 20_000)).toBe(true);
  });

  it('without a display, fails and says to use reveal', async () => {
    const result = await home.run(['copy', ref], { env: { DISPLAY: undefined, WAYLAND_DISPLAY: undefined } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/keywarden reveal/);
    expect(result.stdout).not.toContain(secret);
    expect(readClipboard()).toBe('before the test');
  });
});

describe.skipIf(!hasIsolatedKeychain)('keywarden copy: the delay and the Wayland secret hint', () => {
  let home: CliHome;
  let ref: string;
  let secret: string;
  let tools: string;

  beforeEach(async () => {
    home = makeCliHome();
    expect((await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand'])).code).toBe(0);
    secret = `sk_live_${randomBytes(18).toString('base64url')}`;
    const added = await home.run(['key', 'add', '--backend', 'hand', '--name', 'Stripe prod', '--secret-stdin', '--json'], { input: secret });
    ref = added.json<Key>().ref;
    tools = mkdtempSync(join(tmpdir(), 'keywarden-wl-'));
  });

  afterEach(() => {
    home.remove();
    rmSync(tools, { recursive: true, force: true });
  });

  it('refuses --clear-after 0 (which never cleared) and anything outside 5 to 3600 seconds, before revealing anything', async () => {
    for (const value of ['0', '4', '3601']) {
      const result = await home.run(['copy', ref, '--clear-after', value]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`keywarden: --clear-after must be from 5 to 3600 seconds, not ${value}\n`);
    }
    const audit = (await home.run(['audit', '--json'])).json<Array<{ action: string }>>();
    expect(audit.some((event) => event.action === 'copy')).toBe(false);
  });

  /**
   * Stand-ins for wl-copy and wl-paste (no Wayland compositor here): they record their arguments and
   * input. `oldWlCopy` rejects --sensitive the way wl-clipboard before 2.3.0 does (exit 1 on an unknown option).
   */
  function fakeWlClipboard(oldWlCopy: boolean): void {
    const log = join(tools, 'wl-copy.log');
    writeFileSync(
      join(tools, 'wl-copy'),
      [
        '#!/bin/sh',
        oldWlCopy ? 'case "$*" in *--sensitive*) echo "wl-copy: unrecognized option" >&2; exit 1;; esac' : '',
        `printf '%s|' "$*" >> '${log}'`,
        `cat >> '${log}'`,
        `printf '\\n' >> '${log}'`,
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFileSync(join(tools, 'wl-paste'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }

  const copyOnWayland = () =>
    // The clearer started after the copy looks 5 s later, finds the stand-in clipboard empty and leaves.
    home.run(['copy', ref, '--clear-after', '5'], { env: { WAYLAND_DISPLAY: 'wayland-test', DISPLAY: undefined, PATH: `${tools}:${process.env.PATH}` } });

  it('marks the entry as a secret for clipboard managers with wl-copy --sensitive', async () => {
    fakeWlClipboard(false);
    const result = await copyOnWayland();
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(tools, 'wl-copy.log'), 'utf8')).toBe(`--sensitive|${secret}\n`);
  });

  it('falls back to plain wl-copy where --sensitive is not known (wl-clipboard before 2.3.0)', async () => {
    fakeWlClipboard(true);
    const result = await copyOnWayland();
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(tools, 'wl-copy.log'), 'utf8')).toBe(`|${secret}\n`);
  });
});
