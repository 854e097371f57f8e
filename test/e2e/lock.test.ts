/**
 * The lock and the passphrase in Chromium, on the machine the browser console exists for: a jump host where no OS
 * keychain holds the data key, only the data folder's passphrase opens it, and `keywarden ui` must never wait on a
 * prompt in its terminal. The administrator reveals a key (the console asks for the passphrase in its own dialog,
 * then the reveal works), locks, fails once with a wrong passphrase, and unlocks with the right one. The passphrase
 * and the secret are generated here and compared, never printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UiServer } from '../../electron/cli/ui/server.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { KeywardenError } from '../../electron/core/errors.js';
import type { Keychain } from '../../electron/core/vault/keychain.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { type ConsoleInChromium, hasChromium, openConsole, requireBuiltRenderer, screenshot, seriousAxeFindings, startConsoleInChromium } from '../support/console-e2e.js';
import { memoryKeychain } from '../support/memory-keychain.js';

/** A machine without a Secret Service: every keychain call fails as keytar's does there. */
const noKeychain: Keychain = {
  get: () => Promise.reject(new KeywardenError('keychain_unavailable', 'no Secret Service on this machine (no D-Bus session)')),
  set: () => Promise.reject(new KeywardenError('keychain_unavailable', 'no Secret Service on this machine (no D-Bus session)')),
  delete: () => Promise.reject(new KeywardenError('keychain_unavailable', 'no Secret Service on this machine (no D-Bus session)')),
  isLocked: async () => false,
};

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console without a keychain: the passphrase dialog and the lock', () => {
  const passphrase = `${randomBytes(12).toString('base64url')} staple`;
  const secret = randomBytes(24).toString('base64url');
  let home: string;
  let engine: KeywardenEngine;
  let consoleInChromium: ConsoleInChromium;
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let ref: string;

  async function openMailer(): Promise<Locator> {
    await page
      .getByRole('row', { name: /Mailer/ })
      .first()
      .click();
    const detail = page.getByRole('complementary', { name: 'Mailer' });
    await detail.waitFor();
    return detail;
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-lock-'));
    // Set up elsewhere (where a keychain was at hand), then the passphrase added: the usual way onto a jump host.
    const setup = KeywardenEngine.open({ home, keychain: memoryKeychain() });
    await setup.addBackend({ name: 'hand', type: 'manual' });
    ref = (await setup.addManualKey('hand', { name: 'Mailer', vendor: 'Acme Mail', expiresAt: new Date(Date.now() + 40 * 86_400_000).toISOString(), secret })).ref;
    await setup.addPassphrase(passphrase);
    await setup.close();
    // As `keywarden ui` opens it: no keychain, no prompt in a terminal, no passphrase file.
    engine = KeywardenEngine.open({ home, keychain: noKeychain, passphrase: async () => null });
    consoleInChromium = await startConsoleInChromium(engine);
    ({ context, page, browser, server } = consoleInChromium);
    pageErrors = consoleInChromium.errors;
  });

  afterAll(async () => {
    await context?.close();
    await consoleInChromium?.close();
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('Reveal asks for the passphrase in a dialog (not the CLI advice), then reveals the secret', async () => {
    const detail = await openMailer();
    await detail.getByRole('button', { name: 'Reveal', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: "Open this data folder's vault" });
    await dialog.waitFor();
    expect(await page.locator('body').innerText()).not.toContain('KEYWARDEN_PASSPHRASE_FILE');
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'lock-passphrase-dialog-light');
    await dialog.getByLabel('Passphrase').fill(passphrase);
    await dialog.getByRole('button', { name: 'Unlock' }).click();
    await dialog.waitFor({ state: 'detached' });
    // The refusal beside Reveal is no longer true once the vault is open: it goes, not left beside a working Reveal.
    await expect.poll(() => detail.locator('.action-result .error-text').count()).toBe(0);
    await detail.getByRole('button', { name: 'Reveal', exact: true }).click();
    const revealed = await detail.getByRole('textbox', { name: 'Secret' }).inputValue();
    expect(revealed === secret, 'Reveal shows the secret once the passphrase opened the vault').toBe(true);
    // The passphrase went to the engine once: it is not in the page, nor in the browser's storage.
    expect((await page.content()).includes(passphrase)).toBe(false);
    const stored = await page.evaluate<string>('JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })');
    expect(stored.includes(passphrase)).toBe(false);
  });

  it('Lock hides the secret and refuses it; a wrong passphrase stays locked; the right one unlocks', async () => {
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    const banner = page.getByRole('status').filter({ hasText: 'Keywarden is locked' });
    await banner.waitFor();
    // Whatever was revealed is gone the moment Keywarden locks.
    expect(await page.getByRole('textbox', { name: 'Secret' }).count()).toBe(0);
    expect(engine.lockState()).toMatchObject({ locked: true, unlockWith: 'passphrase' });
    // Reveal while locked is refused, and says so beside the button.
    const detail = page.getByRole('complementary', { name: 'Mailer' });
    await detail.getByRole('button', { name: 'Reveal', exact: true }).click();
    const refusal = detail.locator('.action-result .error-text');
    await refusal.waitFor();
    if (await page.getByRole('dialog').count()) {
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
    }
    await banner.getByRole('button', { name: 'Unlock with passphrase' }).click();
    const dialog = page.getByRole('dialog', { name: 'Unlock Keywarden' });
    await dialog.getByLabel('Passphrase').fill('not the passphrase at all');
    await dialog.getByRole('button', { name: 'Unlock' }).click();
    await dialog.getByText("the passphrase does not open this data folder's key").waitFor();
    expect(engine.lockState().locked).toBe(true);
    await dialog.getByLabel('Passphrase').fill(passphrase);
    await dialog.getByRole('button', { name: 'Unlock' }).click();
    await dialog.waitFor({ state: 'detached' });
    await banner.waitFor({ state: 'detached' });
    // Unlocked: "Keywarden is locked" no longer sits beside a Reveal that works.
    await expect.poll(() => refusal.count()).toBe(0);
    expect(await detail.innerText()).not.toContain('is locked');
    expect(await engine.reveal(ref)).toBe(secret);
    expect(engine.auditTrail({ action: 'unlock' }).map((event) => event.outcome)).toEqual(['ok', 'failed', 'ok']);
  });

  it('dark theme: the lock banner and the dialog pass axe; screenshots', async () => {
    await context.close();
    const opened = await openConsole(browser, server.newLaunchUrl(), { colorScheme: 'dark' });
    ({ context, page } = opened);
    await page.getByRole('table', { name: 'Keys' }).waitFor();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Keywarden is locked' }).waitFor();
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'lock-banner-dark');
    await page.getByRole('button', { name: 'Unlock with passphrase' }).click();
    await page.getByRole('dialog', { name: 'Unlock Keywarden' }).waitFor();
    await screenshot(page, 'lock-passphrase-dialog-dark');
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console where only the OS keychain holds the key: an honest lock', () => {
  const passphrase = `${randomBytes(12).toString('base64url')} staple`;
  let home: string;
  let engine: KeywardenEngine;

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-lock-keychain-'));
    engine = KeywardenEngine.open({ home, keychain: memoryKeychain() });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Mailer', secret: randomBytes(24).toString('base64url') });
  });

  afterAll(async () => {
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('says unlocking asks for nothing while the session is unlocked; Unlock reads the keychain; light and dark at 1024 and 760 px, at rest, hover and focus', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const opened = await startConsoleInChromium(engine, { colorScheme });
      try {
        for (const width of [1024, 760]) {
          await opened.page.setViewportSize({ width, height: 700 });
          await opened.page.getByRole('button', { name: 'Lock', exact: true }).click();
          const banner = opened.page.getByRole('status').filter({ hasText: 'Keywarden is locked' });
          await banner.waitFor();
          expect(await banner.innerText()).toContain('Unlocking reads the key from your OS keychain, which asks for nothing while your session is unlocked');
          expect(await seriousAxeFindings(opened.page)).toEqual([]);
          const require = banner.getByRole('button', { name: 'Require a passphrase' });
          await screenshot(opened.page, `lock-keychain-banner-${colorScheme}-${width}`);
          await require.hover();
          await screenshot(opened.page, `lock-keychain-banner-${colorScheme}-${width}-hover`);
          // Keyboard focus, as a keyboard user reaches it (:focus-visible): Tab from Unlock.
          await banner.getByRole('button', { name: 'Unlock', exact: true }).focus();
          await opened.page.keyboard.press('Tab');
          expect(await opened.page.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Require a passphrase');
          await screenshot(opened.page, `lock-keychain-banner-${colorScheme}-${width}-focus`);
          await banner.getByRole('button', { name: 'Unlock', exact: true }).click();
          await banner.waitFor({ state: 'detached' });
          expect(engine.lockState().locked).toBe(false);
        }
        expect(opened.errors).toEqual([]);
      } finally {
        await opened.close();
      }
    }
  });

  it('Require a passphrase, from the lock banner, sets one: Keywarden stays locked and from then on Unlock asks for it', async () => {
    const opened = await startConsoleInChromium(engine);
    try {
      const { page } = opened;
      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      await page.getByRole('button', { name: 'Require a passphrase' }).click();
      const dialog = page.getByRole('dialog', { name: 'Require a passphrase to unlock' });
      await dialog.getByLabel('New passphrase').fill('too short');
      await dialog.getByLabel('The same passphrase again').fill('too short');
      await dialog.getByRole('button', { name: 'Require passphrase' }).click();
      await dialog.getByText(/At least 12 characters/).waitFor();
      await dialog.getByLabel('New passphrase').fill(passphrase);
      await dialog.getByLabel('The same passphrase again').fill(passphrase);
      await dialog.getByRole('button', { name: 'Require passphrase' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(engine.lockState()).toMatchObject({ locked: true, unlockWith: 'passphrase' });
      await page.getByRole('button', { name: 'Unlock with passphrase' }).click();
      const unlock = page.getByRole('dialog', { name: 'Unlock Keywarden' });
      await unlock.getByLabel('Passphrase').fill(passphrase);
      await unlock.getByRole('button', { name: 'Unlock' }).click();
      await page.getByRole('button', { name: 'Lock', exact: true }).waitFor();
      expect(engine.lockState()).toMatchObject({ locked: false, unlockWith: 'passphrase' });
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
