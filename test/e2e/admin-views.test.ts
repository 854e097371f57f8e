/**
 * Settings, Vault and Backups in Chromium, as an administrator uses them instead of a terminal: each setting saved
 * on change and taking effect (a revealed secret hides after the new delay; the idle lock follows the new minutes),
 * a passphrase added, changed with the current one, then used to unlock; a backup made, the inventory changed, the
 * backup restored and the old inventory back; the audit chain verified and the evidence pack saved; the keyboard
 * ("/", "?", the skip link, Tab kept inside a dialog, Escape); axe on every new view in both themes; screenshots of
 * each view at 1440x900, 1024x700 and 760x900, light and dark.
 *
 * Real parts: `keywarden ui`'s server (in-process) on a private data folder, SQLite, Chromium. The server's clock is
 * the test's, so idle time passes without waiting. The passphrases are generated here and never printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { goToView, hasChromium, launchChromium, openConsole, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings } from '../support/console-e2e.js';
import { memoryKeychain } from '../support/memory-keychain.js';

const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
  { width: 760, height: 900 },
] as const;

describe.skipIf(!hasChromium)('Settings, Vault and Backups in the console', () => {
  let home: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let clock = Date.now();
  const secret = randomBytes(24).toString('base64url');
  const first = `${randomBytes(9).toString('base64url')} granite orbit`;
  const second = `${randomBytes(9).toString('base64url')} velvet harbor`;

  const keyNames = async () => (await page.getByRole('table', { name: 'Keys' }).getByRole('row').allInnerTexts()).join('\n');

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-admin-'));
    engine = KeywardenEngine.open({ home, keychain: memoryKeychain() });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Mailer', vendor: 'Acme Mail', expiresAt: '2027-03-01', secret });
    await engine.addManualKey('hand', { name: 'Billing', vendor: 'Acme Pay', expiresAt: '2027-04-01' });
    server = await startUiServer({ engine, rendererFolder: RENDERER, clock: () => clock, idleLockPollMs: 50 });
    browser = await launchChromium();
    ({ context, page, errors } = await openConsole(browser, server.newLaunchUrl()));
    await page.getByRole('table', { name: 'Keys' }).waitFor();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('Settings: a wrong value is refused in words and nothing is stored; a good one is saved and confirmed', async () => {
    await goToView(page, 'Settings');
    const reveal = page.getByRole('textbox', { name: 'Hide a revealed secret after' });
    await reveal.fill('2');
    await reveal.press('Enter');
    await page.getByText('From 5 to 600 seconds, whole numbers.', { exact: true }).waitFor();
    expect(await reveal.getAttribute('aria-invalid')).toBe('true');
    expect((await engine.settings()).revealHideSeconds).toBe(30);

    await reveal.fill('5');
    await reveal.blur();
    await page.getByText('Saved: revealed secrets now hide after 5 seconds.').waitFor();
    expect((await engine.settings()).revealHideSeconds).toBe(5);

    const clipboard = page.getByRole('textbox', { name: 'Clear the clipboard after' });
    await clipboard.fill('45');
    await clipboard.press('Enter');
    await page.getByText('Saved: a copied secret is now cleared after 45 seconds.').waitFor();
    const sync = page.getByRole('textbox', { name: 'Sync every backend every' });
    await sync.fill('12');
    await sync.press('Enter');
    await page.getByText('Saved: the desktop app now syncs every 12 hours.').waitFor();
    expect(await engine.settings()).toMatchObject({ clipboardClearSeconds: 45, backgroundSyncHours: 12, revealHideSeconds: 5 });
    expect(await seriousAxeFindings(page)).toEqual([]);
  });

  it('Settings take effect: a revealed secret hides after the new 5 seconds', async () => {
    await goToView(page, 'Inventory');
    await page.getByRole('row', { name: /Mailer/ }).click();
    const detail = page.getByRole('complementary', { name: 'Mailer' });
    await detail.getByRole('button', { name: 'Reveal', exact: true }).click();
    const shown = detail.getByRole('textbox', { name: 'Secret' });
    expect((await shown.inputValue()) === secret, 'Reveal shows the secret').toBe(true);
    // The default (30 s) would still show it: the new delay is the one in force.
    await shown.waitFor({ state: 'detached', timeout: 9000 });
    await page.keyboard.press('Escape');
  });

  it('Settings take effect: the idle lock follows the new minutes', async () => {
    await goToView(page, 'Settings');
    // 61 s without a call: the default 15 minutes do not lock.
    clock += 61_000;
    await page.waitForTimeout(300);
    expect(engine.lockState().locked).toBe(false);
    const idle = page.getByRole('textbox', { name: 'Lock after idle time' });
    await idle.fill('1');
    await idle.press('Enter');
    await page.getByText('Saved: Keywarden now locks after 1 minute idle.').waitFor();
    clock += 61_000;
    await page.getByText('Keywarden is locked', { exact: false }).first().waitFor();
    expect(engine.lockState()).toMatchObject({ locked: true, reason: 'idle' });
    await page.getByRole('status').getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByText('Keywarden is locked', { exact: false }).first().waitFor({ state: 'detached' });
    await idle.fill('15');
    await idle.press('Enter');
    await page.getByText('Saved: Keywarden now locks after 15 minutes idle.').waitFor();
  });

  it('Vault: a passphrase is added, changed with the current one, and unlocks Keywarden', async () => {
    await goToView(page, 'Vault');
    await page.getByText('Unlocked.').waitFor();
    await page.getByRole('button', { name: 'Add a passphrase' }).click();
    let dialog = page.getByRole('dialog', { name: 'Add a passphrase' });
    await dialog.waitFor();
    await dialog.getByLabel('New passphrase', { exact: true }).fill('short');
    await dialog.getByText(/Too short: at least 12 characters/).waitFor();
    await dialog.getByLabel('New passphrase', { exact: true }).fill(first);
    await dialog.getByLabel('The new passphrase again').fill(`${first}x`);
    await dialog.getByRole('button', { name: 'Add passphrase' }).click();
    await dialog.getByText('The two new passphrases differ.').waitFor();
    expect(engine.lockState().unlockWith).toBe('keychain');
    await dialog.getByLabel('New passphrase', { exact: true }).fill(first);
    await dialog.getByLabel('The new passphrase again').fill(first);
    await dialog.getByRole('button', { name: 'Add passphrase' }).click();
    await page.getByText('The passphrase was added: unlocking now asks for it.').waitFor();
    expect(engine.lockState().unlockWith).toBe('passphrase');
    // Nothing of it stays in the page.
    expect(await page.content()).not.toContain(first);

    await page.getByRole('button', { name: 'Change passphrase' }).click();
    dialog = page.getByRole('dialog', { name: 'Change the passphrase' });
    await dialog.getByLabel('Current passphrase').fill('not the passphrase');
    await dialog.getByLabel('New passphrase', { exact: true }).fill(second);
    await dialog.getByLabel('The new passphrase again').fill(second);
    await dialog.getByRole('button', { name: 'Change passphrase' }).click();
    await dialog.getByText(/the current passphrase is not right/).waitFor();
    await dialog.getByLabel('Current passphrase').fill(first);
    await dialog.getByLabel('New passphrase', { exact: true }).fill(second);
    await dialog.getByLabel('The new passphrase again').fill(second);
    await dialog.getByRole('button', { name: 'Change passphrase' }).click();
    await page.getByText('The passphrase was changed: unlocking now asks for the new one.').waitFor();

    await page.getByRole('main').getByRole('button', { name: 'Lock now' }).click();
    await page.getByRole('main').getByText('Locked', { exact: true }).waitFor();
    await page.getByRole('main').getByRole('button', { name: 'Unlock with passphrase' }).click();
    const unlock = page.getByRole('dialog', { name: 'Unlock Keywarden' });
    await unlock.getByLabel('Passphrase').fill(first);
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await unlock.getByText(/does not open/).waitFor();
    await unlock.getByLabel('Passphrase').fill(second);
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('main').getByText('Unlocked.').waitFor();
    expect(engine.lockState().locked).toBe(false);
    expect(await seriousAxeFindings(page)).toEqual([]);
  });

  it('Backups: a backup made, the inventory changed, the backup restored: the old inventory is back, and the replaced state was backed up', async () => {
    await goToView(page, 'Backups');
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByText(/^Backed up as keywarden-.*-manual\.db\.$/).waitFor();
    const table = page.getByRole('table', { name: 'Backups' });
    const made = table.getByRole('row', { name: /Made by hand/ });
    await made.getByText('2 keys in 1 backend').waitFor();

    // After the backup: a key added, another deleted.
    await engine.addManualKey('hand', { name: 'Webhook', vendor: 'Acme Hooks', expiresAt: '2027-05-01' });
    await engine.deleteKey(engine.listKeys({}).find((key) => key.name === 'Billing')!.ref);
    await goToView(page, 'Inventory');
    // Changed behind the console's back (as a terminal would): Sync now makes it look again.
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByRole('row', { name: /Webhook/ }).waitFor();
    expect(await keyNames()).not.toContain('Billing');

    await goToView(page, 'Backups');
    await table
      .getByRole('row', { name: /Made by hand/ })
      .getByRole('button', { name: /^Restore the backup of/ })
      .click();
    const confirm = page.getByRole('dialog', { name: /^Restore the backup of/ });
    await confirm.getByText('2 keys in 1 backend').waitFor();
    await confirm.getByText(/the inventory of 2 keys now/).waitFor();
    await screenshot(page, 'backups-restore-dialog-1440-light');
    await confirm.getByRole('button', { name: 'Restore this backup' }).click();
    await page.getByText(/^Restored the backup of .*: 2 keys in 1 backend\. The state it replaced is kept/).waitFor();
    await table
      .getByRole('row', { name: /Before a restore/ })
      .getByText('2 keys in 1 backend')
      .waitFor();

    await goToView(page, 'Inventory');
    await page.getByRole('row', { name: /Billing/ }).waitFor();
    expect(await keyNames()).not.toContain('Webhook');
    expect(
      engine
        .listKeys({})
        .map((key) => key.name)
        .sort(),
    ).toEqual(['Billing', 'Mailer']);
    expect(errors).toEqual([]);
  });

  it('Audit trail: the chain verified in words, and the evidence pack saved', async () => {
    await goToView(page, 'Audit trail');
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await page.getByText(/^Chain verified: \d+ events/).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download evidence pack' }).click()]);
    const pack = JSON.parse(readFileSync(await download.path(), 'utf8')) as { auditChain: { verified: boolean }; inventory: { keys: unknown[] } };
    expect(pack.auditChain.verified).toBe(true);
    expect(pack.inventory.keys).toHaveLength(2);
    expect(JSON.stringify(pack)).not.toContain(secret);
    await page.getByText(/^Saved keywarden-evidence-.*\.json: 2 keys, \d+ events, the chain verifies\.$/).waitFor();
  });

  it('Keyboard: "/" searches from any view, "?" lists the shortcuts, dialogs keep Tab inside and close with Escape', async () => {
    await goToView(page, 'Settings');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('/');
    await page
      .getByRole('heading', { level: 1, name: 'Inventory' })
      .or(page.getByRole('table', { name: 'Keys' }))
      .first()
      .waitFor();
    await expect.poll(() => page.evaluate(`document.activeElement?.id`)).toBe('search');

    await page.getByRole('table', { name: 'Keys' }).click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Shift+Slash');
    const shortcuts = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await shortcuts.waitFor();
    await shortcuts.getByText('Search the inventory').waitFor();
    for (let press = 0; press < 4; press++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(`document.querySelector('dialog[open]')?.contains(document.activeElement)`)).toBe(true);
    }
    await page.keyboard.press('Escape');
    await shortcuts.waitFor({ state: 'detached' });

    // Every kind of dialog: Tab and Shift-Tab stay inside, Escape closes. The vault's (a form dialog) and the restore's.
    for (const [view, opener, name] of [
      ['Vault', 'Change passphrase', 'Change the passphrase'],
      ['Backups', /^Restore the backup of/, /^Restore the backup of/],
    ] as const) {
      await goToView(page, view);
      await page.getByRole('button', { name: opener }).first().click();
      const dialog = page.getByRole('dialog', { name });
      await dialog.waitFor();
      for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
        await page.keyboard.press(key);
        expect(await page.evaluate(`document.querySelector('dialog[open]')?.contains(document.activeElement)`), `${view} dialog after ${key}`).toBe(true);
      }
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }
    expect(errors).toEqual([]);
  });

  it('the skip link first; every new view and dialog: no serious axe finding, the top bar whole, a screenshot at 1440, 1024 and 760 px, light and dark', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const opened = await openConsole(browser, server.newLaunchUrl(), { colorScheme: theme });
      const shotPage = opened.page;
      await shotPage.getByRole('table', { name: 'Keys' }).waitFor();
      // The skip link is the first stop of Tab on a freshly opened console, and Enter on it lands in the keys table.
      await shotPage.keyboard.press('Tab');
      expect(await shotPage.evaluate(`document.activeElement?.textContent`)).toBe('Skip to the keys table');
      await screenshot(shotPage, `skip-link-1440-${theme}`);
      await shotPage.keyboard.press('Enter');
      expect(await shotPage.evaluate(`document.activeElement?.closest('[role="table"]')?.getAttribute('aria-label')`)).toBe('Keys');
      for (const size of SIZES) {
        await shotPage.setViewportSize(size);
        const tag = `${size.width}-${theme}`;
        for (const [view, title, file] of [
          ['settings', 'Settings', 'settings'],
          ['vault', 'Vault', 'vault'],
          ['backups', 'Backups', 'backups'],
          ['audit', 'Audit trail', 'audit-integrity'],
        ] as const) {
          await shotPage.evaluate(`window.location.hash = '#/${view}'`);
          await shotPage.getByRole('heading', { level: 1, name: title }).waitFor();
          if (view === 'backups') await shotPage.getByRole('table', { name: 'Backups' }).waitFor();
          if (view === 'vault') await shotPage.getByText('Sealed under the key').waitFor();
          if (view === 'settings') await shotPage.getByRole('textbox', { name: 'Lock after idle time' }).waitFor();
          // Every link of the top bar whole: none is cut off or pushed out of the window.
          const overflowing = await shotPage.evaluate(
            `[...document.querySelectorAll('.nav-link')].filter((link) => { const r = link.getBoundingClientRect(); return r.right > window.innerWidth || link.scrollWidth > link.clientWidth + 1; }).map((l) => l.textContent)`,
          );
          expect(overflowing, `${view} ${tag}`).toEqual([]);
          expect(await seriousAxeFindings(shotPage), `${view} ${tag}`).toEqual([]);
          await screenshot(shotPage, `${file}-${tag}`);
        }
        await shotPage.evaluate(`window.location.hash = '#/vault'`);
        await shotPage.getByRole('button', { name: 'Change passphrase' }).click();
        await shotPage.getByRole('dialog', { name: 'Change the passphrase' }).getByLabel('New passphrase', { exact: true }).fill('four words seem fine');
        expect(await seriousAxeFindings(shotPage), `passphrase dialog ${tag}`).toEqual([]);
        await screenshot(shotPage, `vault-passphrase-dialog-${tag}`);
        await shotPage.keyboard.press('Escape');
        await shotPage.evaluate(`window.location.hash = '#/backups'`);
        await shotPage
          .getByRole('button', { name: /^Restore the backup of/ })
          .first()
          .click();
        await shotPage.getByRole('dialog', { name: /^Restore the backup of/ }).waitFor();
        expect(await seriousAxeFindings(shotPage), `restore dialog ${tag}`).toEqual([]);
        await screenshot(shotPage, `backups-restore-dialog-${tag}`);
        await shotPage.keyboard.press('Escape');
        await shotPage.evaluate(`window.location.hash = '#/inventory'`);
        await shotPage.getByRole('table', { name: 'Keys' }).waitFor();
        await shotPage.locator('body').press('Shift+Slash');
        await shotPage.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
        expect(await seriousAxeFindings(shotPage), `shortcuts ${tag}`).toEqual([]);
        await screenshot(shotPage, `shortcuts-dialog-${tag}`);
        await shotPage.keyboard.press('Escape');
      }
      expect(opened.errors).toEqual([]);
      await opened.context.close();
    }
  }, 300_000);
});
