/**
 * Every button the administrator can see must be readable: in each main view, the key panel (Revoke, Delete),
 * their dialogs (Revoke key, Delete key), a backend's Remove and its dialog, in the light and the dark theme, at
 * rest, under the mouse (page.hover) and focused from the keyboard. axe only lists such contrast as "needs
 * review" (it cannot always tell the background), so this measures it: the button's text colour against its own
 * background, or the first ancestor's that is not transparent, and asks for WCAG AA's 4.5:1.
 *
 * Real parts: `keywarden ui`'s server (in-process) over a private data folder, a CommBox emulator with one key
 * (so the panel offers Revoke and Delete), a manual backend, Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { E2E_HTTP as HTTP, goToView, hasChromium, launchChromium, openConsole, RENDERER, requireBuiltRenderer, screenshot, unreadableButtons as unreadable } from '../support/console-e2e.js';

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: every visible button is readable in every state and theme', () => {
  let home: string;
  let engine: KeywardenEngine;
  let commbox: CommBoxEmulator;
  let server: UiServer;
  let browser: Browser;

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-buttons-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
    commbox = await startCommBoxEmulator();
    const token = commbox.state.addAdminToken();
    commbox.state.issueActiveKey('Billing API', { validityDays: 20 });
    await engine.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: token });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    const legacy = await engine.addManualKey('hand', { name: 'Legacy webhook', vendor: 'Acme', expiresAt: '2027-03-01', description: { owner: 'Ana', tags: ['billing'] } });
    await engine.setKeyConsumers(legacy.ref, ['CI']);
    expect((await engine.sync(['cb'])).ok).toBe(true);
    // One backup, so the Backups view lists a row with its Restore button.
    await engine.backup();
    // A saved view (every key, by name), so the View menu offers its entries for the view applied.
    await engine.saveView({ name: 'By name', query: {}, sort: { field: 'name', direction: 'asc' }, columns: ['backend', 'prefix', 'status', 'due', 'cached', 'tested', 'synced'] });
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await commbox?.emulator.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`${theme}: the views, the key panel with Revoke and Delete, their dialogs, and a backend's Remove`, async () => {
      const { context, page, errors } = await openConsole(browser, server.newLaunchUrl(), { colorScheme: theme });
      await page.getByRole('table', { name: 'Keys' }).waitFor();
      const failures: string[] = [];
      const main = page.locator('body');

      failures.push(...(await unreadable(page, main, 'inventory')));

      // The search syntax's "?" dialog, and the bar of a selection (every key matching, from the header's box).
      await page.getByRole('button', { name: 'Search syntax' }).click();
      const help = page.getByRole('dialog', { name: 'Searching keys' });
      await help.waitFor();
      failures.push(...(await unreadable(page, help, 'search help dialog')));
      await page.keyboard.press('Escape');
      await help.waitFor({ state: 'hidden' });
      await page.getByRole('checkbox', { name: /^Select every key/ }).click();
      const bulkBar = page.getByRole('region', { name: 'Selected keys' });
      await bulkBar.waitFor();
      failures.push(...(await unreadable(page, bulkBar, 'bulk bar')));
      await bulkBar.getByRole('button', { name: 'Clear selection' }).click();
      await bulkBar.waitFor({ state: 'hidden' });

      // The column chooser and the View menu, open (a view applied, so its Rename and Delete are there too): every
      // entry at rest, under the mouse and focused.
      await page.getByRole('button', { name: /^Columns/ }).click();
      const columns = page.getByRole('menu', { name: 'Columns' });
      await columns.waitFor();
      failures.push(...(await unreadable(page, columns, 'columns menu')));
      await screenshot(page, `buttons-columns-menu-${theme}`);
      await page.keyboard.press('Escape');
      await columns.waitFor({ state: 'detached' });
      const viewButton = page.getByRole('button', { name: /^View:/ });
      await viewButton.click();
      await page.getByRole('menuitemradio', { name: 'By name' }).click();
      await viewButton.click();
      const views = page.getByRole('menu', { name: 'Views' });
      await views.getByRole('menuitem', { name: /^Rename/ }).waitFor();
      failures.push(...(await unreadable(page, views, 'views menu')));
      await views.getByRole('menuitem', { name: /^Delete/ }).hover();
      await screenshot(page, `buttons-views-menu-hover-${theme}`);
      await views.getByRole('menuitemradio', { name: 'All keys' }).click();
      await views.waitFor({ state: 'detached' });

      await page.getByRole('row', { name: /Billing API/ }).click();
      const detail = page.getByRole('complementary', { name: 'Billing API' });
      await detail.getByRole('button', { name: 'Revoke', exact: true }).waitFor();
      failures.push(...(await unreadable(page, detail, 'key panel')));
      await detail.getByRole('button', { name: 'Revoke', exact: true }).scrollIntoViewIfNeeded();
      await screenshot(page, `buttons-key-panel-${theme}`);

      await detail.getByRole('button', { name: 'Revoke', exact: true }).click();
      const revoke = page.getByRole('dialog', { name: /^Revoke/ });
      await revoke.waitFor();
      failures.push(...(await unreadable(page, revoke, 'revoke dialog')));
      await revoke.getByRole('button', { name: 'Revoke key' }).hover();
      await screenshot(page, `buttons-revoke-dialog-hover-${theme}`);
      await page.keyboard.press('Escape');
      await revoke.waitFor({ state: 'hidden' });

      // A manual key: the panel offers Delete (a CommBox key is revoked, not deleted, while active).
      await page.keyboard.press('Escape');
      await page.getByRole('row', { name: /Legacy webhook/ }).click();
      const manual = page.getByRole('complementary', { name: 'Legacy webhook' });
      await manual.getByRole('button', { name: 'Delete', exact: true }).waitFor();
      failures.push(...(await unreadable(page, manual, 'manual key panel')));
      // The key forms: the description being edited (a tag chip with its remove button, Save, Cancel, Add tag), the
      // consumers with their Remove, and Edit dates' dialog.
      await manual.getByRole('button', { name: 'Edit description' }).click();
      const describeForm = manual.getByRole('form', { name: 'Edit description' });
      await describeForm.getByRole('textbox', { name: 'Tags', exact: true }).fill('prod');
      await page.keyboard.press('Enter');
      await describeForm.getByRole('button', { name: 'Remove tag prod' }).waitFor();
      failures.push(...(await unreadable(page, describeForm, 'description form')));
      await describeForm.getByRole('textbox', { name: 'Tags', exact: true }).fill('pci');
      failures.push(...(await unreadable(page, describeForm, 'description form, tag typed')));
      await describeForm.getByRole('button', { name: 'Cancel' }).click();
      const consumers = manual.getByRole('region', { name: 'Consumers' });
      await consumers.getByRole('button', { name: 'Remove consumer CI' }).waitFor();
      await consumers.getByLabel('Consumer name').fill('Reports');
      failures.push(...(await unreadable(page, consumers, 'consumers, name typed')));
      await consumers.getByLabel('Consumer name').fill('');
      await manual.getByRole('button', { name: 'Edit dates…' }).click();
      const editDates = page.getByRole('dialog', { name: /^Edit dates/ });
      await editDates.waitFor();
      failures.push(...(await unreadable(page, editDates, 'edit dates dialog')));
      await page.keyboard.press('Escape');
      await editDates.waitFor({ state: 'hidden' });
      await manual.getByRole('button', { name: 'Delete', exact: true }).click();
      const remove = page.getByRole('dialog', { name: /^Delete/ });
      await remove.waitFor();
      await remove.getByRole('textbox').fill('hand/');
      failures.push(...(await unreadable(page, remove, 'delete dialog')));
      await page.keyboard.press('Escape');
      await remove.waitFor({ state: 'hidden' });
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: 'Add key', exact: true }).click();
      const addKey = page.getByRole('dialog', { name: 'Add key' });
      await addKey.waitFor();
      await addKey.getByRole('textbox', { name: 'Tags', exact: true }).fill('prod');
      await page.keyboard.press('Enter');
      failures.push(...(await unreadable(page, addKey, 'add key dialog')));
      await page.keyboard.press('Escape');
      await addKey.waitFor({ state: 'hidden' });

      await goToView(page, 'Backends');
      failures.push(...(await unreadable(page, main, 'backends')));
      await page.getByRole('article', { name: 'cb', exact: true }).getByRole('button', { name: 'Remove' }).click();
      const removeBackend = page.getByRole('dialog', { name: 'Remove cb?' });
      await removeBackend.waitFor();
      failures.push(...(await unreadable(page, removeBackend, 'remove-backend dialog')));
      await removeBackend.getByRole('textbox').fill('cb');
      failures.push(...(await unreadable(page, removeBackend, 'remove-backend dialog, name typed')));
      await page.keyboard.press('Escape');
      await removeBackend.waitFor({ state: 'hidden' });

      await goToView(page, 'Reminders');
      failures.push(...(await unreadable(page, main, 'reminders')));
      await goToView(page, 'Health');
      await page.locator('section.finding').first().waitFor();
      failures.push(...(await unreadable(page, main, 'health')));
      await goToView(page, 'Audit trail');
      failures.push(...(await unreadable(page, main, 'audit trail')));

      // Settings, Vault and Backups, with their dialogs (the restore's is a danger dialog).
      await goToView(page, 'Settings');
      failures.push(...(await unreadable(page, main, 'settings')));
      await goToView(page, 'Vault');
      await page.getByText('Sealed under the key').waitFor();
      failures.push(...(await unreadable(page, main, 'vault')));
      await page.getByRole('button', { name: 'Add a passphrase' }).click();
      const passphrase = page.getByRole('dialog', { name: 'Add a passphrase' });
      await passphrase.waitFor();
      failures.push(...(await unreadable(page, passphrase, 'passphrase dialog')));
      await page.keyboard.press('Escape');
      await passphrase.waitFor({ state: 'hidden' });
      await goToView(page, 'Backups');
      await page.getByRole('table', { name: 'Backups' }).waitFor();
      failures.push(...(await unreadable(page, main, 'backups')));
      await page
        .getByRole('button', { name: /^Restore the backup of/ })
        .first()
        .click();
      const restore = page.getByRole('dialog', { name: /^Restore the backup of/ });
      await restore.waitFor();
      failures.push(...(await unreadable(page, restore, 'restore dialog')));
      await page.keyboard.press('Escape');
      await restore.waitFor({ state: 'hidden' });

      expect(failures).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    });
  }
});
