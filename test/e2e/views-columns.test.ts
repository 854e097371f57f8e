/**
 * The inventory's column chooser and saved views in Chromium, as an administrator uses them every day: `keywarden ui`'s
 * server (in-process) over a private data folder with a manual backend of 14 keys, two of them named alike. A column is
 * hidden and shown again (with the mouse, and from the keyboard: the menu opens, moves, ticks and closes with Escape,
 * the focus back on its button); a search and a sort are saved as a view, "All keys" and the view are applied in turn
 * and the table follows; a change to the view is saved; the page reloaded still lists the view; a view is renamed and
 * deleted. And two keys of one name are told apart in the table at every width, by the end of their ID.
 * Chromium, axe and screenshots: test/support/console-e2e.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { E2E_HTTP, hasChromium, launchChromium, localNoonInDays, openInventory, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings } from '../support/console-e2e.js';

const NAMES = ['Payments', 'Billing', 'Search', 'Ledger', 'Mailer', 'Webhooks'];

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: column chooser and saved views in Chromium', () => {
  let home: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];
  /** The two keys named "Production", by ID. */
  const twins: string[] = [];

  const table = () => page.getByRole('table', { name: 'Keys' });
  /** The column headers' words, the sort's mark left out (`aria-sort` says which one sorts). */
  const headers = async () => (await table().getByRole('columnheader').allInnerTexts()).map((text) => text.replace(/[▲▼]/g, '').trim());
  const columnsButton = () => page.getByRole('button', { name: /^Columns/ });
  const viewButton = () => page.getByRole('button', { name: /^View:/ });
  /** What the View button says, in one line ("View: Prod by name (changed)"), its caret left out. */
  const viewSays = async () => (await viewButton().innerText()).replace('▾', '').replace(/\s+/g, ' ').trim();
  /** The focused control's words (a menu entry's tick, drawn as text, left out). */
  const focused = () => page.evaluate<string>(`(document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent || '').replace('✓', '').trim()`);

  /** The names in the table's rows, top to bottom (page code as a string: the tests have no DOM types). */
  async function names(): Promise<string[]> {
    const entries = await page.evaluate<Array<[number, string]>>(
      `[...document.querySelectorAll('[role="table"] [role="row"][data-index]')].map((row) => [Number(row.getAttribute('data-index')), row.querySelector('.name-text')?.textContent ?? ''])`,
    );
    return entries.sort((a, b) => a[0] - b[0]).map(([, name]) => name);
  }

  const rowCount = () =>
    table()
      .getAttribute('aria-rowcount')
      .then((count) => Number(count) - 1);

  async function chooseView(name: string): Promise<void> {
    await viewButton().click();
    await page.getByRole('menu', { name: 'Views' }).getByRole('menuitemradio', { name }).click();
    await expect.poll(viewSays).toBe(`View: ${name}`);
  }

  async function viewMenuEntries(): Promise<string[]> {
    await viewButton().click();
    const menu = page.getByRole('menu', { name: 'Views' });
    const entries = await menu.getByRole('menuitemradio').allInnerTexts();
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    return entries.map((entry) => entry.replace(/^✓/, '').trim());
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-views-'));
    engine = KeywardenEngine.open({ home, http: E2E_HTTP });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    for (let index = 0; index < 12; index++) {
      await engine.addManualKey('hand', {
        name: `${NAMES[index % NAMES.length]} ${index < 6 ? 'prod' : 'staging'}`,
        vendor: 'Acme',
        expiresAt: localNoonInDays(5 + ((index * 7) % 40)),
      });
    }
    for (const days of [3, 50]) twins.push((await engine.addManualKey('hand', { name: 'Production', vendor: 'Stripe', expiresAt: localNoonInDays(days) })).id);
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
    ({ context, page, errors: pageErrors } = await openInventory(browser, server.newLaunchUrl(), { colorScheme: 'light' }));
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('tells the two "Production" keys apart in the table, at 1440, 1024 (with the panel) and 760 px', async () => {
    await expect.poll(rowCount).toBe(14);
    const tells = twins.map((id) => `…${id.slice(-4)}`);
    for (const [width, panel] of [
      [1440, false],
      [1024, true],
      [760, false],
    ] as const) {
      await page.setViewportSize({ width, height: 900 });
      if (panel) await page.getByRole('row', { name: /Payments prod/ }).click();
      const shown = await table()
        .locator('[role="row"][data-index]')
        .filter({ has: page.locator('.name-text', { hasText: /^Production$/ }) })
        .locator('.key-tell:visible')
        .allTextContents();
      expect(shown.sort(), `${width} px`).toEqual([...tells].sort());
      if (panel) await page.keyboard.press('Escape');
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole('complementary').waitFor({ state: 'detached' });
  });

  it('hides a column and shows it again, with the mouse and from the keyboard; the table follows at once', async () => {
    expect(await headers()).toEqual(['Name', 'Backend', 'Prefix', 'Status', 'Due', 'Cached', 'Last tested', 'Last synced']);
    await columnsButton().click();
    const menu = page.getByRole('menu', { name: 'Columns' });
    // Name cannot be hidden: its box is ticked and disabled.
    expect(await menu.getByRole('menuitemcheckbox', { name: /^Name/ }).getAttribute('aria-disabled')).toBe('true');
    await menu.getByRole('menuitemcheckbox', { name: /^Last synced/ }).click();
    // Applied at once, the menu still open for the next one.
    await expect.poll(headers).toEqual(['Name', 'Backend', 'Prefix', 'Status', 'Due', 'Cached', 'Last tested']);
    expect(await menu.getByRole('menuitemcheckbox', { name: /^Last synced/ }).getAttribute('aria-checked')).toBe('false');
    expect(await table().locator('[role="row"][data-index] .col-synced:visible').count()).toBe(0);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'columns-menu-1440-light');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await focused()).toMatch(/^Columns/);
    expect(await columnsButton().innerText()).toContain('(1 hidden)');

    // From the keyboard: Enter opens it on its first entry, Down moves, Space ticks, Escape closes.
    await page.keyboard.press('Enter');
    await menu.waitFor();
    expect(await focused()).toMatch(/^Name/);
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toMatch(/^Backend/);
    await page.keyboard.press('Space');
    await expect.poll(headers).toEqual(['Name', 'Prefix', 'Status', 'Due', 'Cached', 'Last tested']);
    await page.keyboard.press('End');
    expect(await focused()).toBe('Show every column');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toMatch(/^Name/);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'detached' });
    expect(await focused()).toMatch(/^Columns/);
    await expect.poll(headers).toEqual(['Name', 'Backend', 'Prefix', 'Status', 'Due', 'Cached', 'Last tested', 'Last synced']);
    expect(await columnsButton().innerText()).not.toContain('hidden');
  });

  it('Escape closes a menu, not the key panel behind it; a click elsewhere closes it too', async () => {
    await page.getByRole('row', { name: /Payments prod/ }).click();
    const panel = page.getByRole('complementary', { name: /Payments prod/ });
    await panel.waitFor();
    await columnsButton().click();
    await page.getByRole('menu', { name: 'Columns' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('menu', { name: 'Columns' }).waitFor({ state: 'detached' });
    expect(await panel.isVisible()).toBe(true);
    await viewButton().click();
    await page.getByRole('menu', { name: 'Views' }).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Inventory' }).click();
    await page.getByRole('menu', { name: 'Views' }).waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
  });

  it('saves a search, a sort and the columns as a view; "All keys" and the view in turn, the table follows', async () => {
    expect(await viewSays()).toBe('View: All keys');
    await page.getByLabel('Search keys').fill('prod');
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
    await columnsButton().click();
    await page
      .getByRole('menu', { name: 'Columns' })
      .getByRole('menuitemcheckbox', { name: /^Cached/ })
      .click();
    await page.keyboard.press('Escape');
    const prodByName = ['Billing prod', 'Ledger prod', 'Mailer prod', 'Payments prod', 'Production', 'Production', 'Search prod', 'Webhooks prod'];
    await expect.poll(names).toEqual(prodByName);

    // The bar offers to save what the table shows; the dialog takes a name.
    await page.getByRole('button', { name: 'Save as view…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save as new view' });
    await dialog.waitFor();
    await dialog.getByLabel('Name').fill('All KEYS');
    await dialog.getByRole('button', { name: 'Save view' }).click();
    // The engine's refusal, under the field it is about.
    await expect.poll(() => dialog.locator('.field-error').innerText()).toBe('"All keys" is the built-in view: choose another name');
    expect(await dialog.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    await dialog.getByLabel('Name').fill('Prod by name');
    expect(await dialog.innerText()).toContain('keywarden list --view "Prod by name"');
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'views-save-dialog-1440-light');
    await dialog.getByRole('button', { name: 'Save view' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(viewSays).toBe('View: Prod by name');
    expect(await page.getByRole('button', { name: 'Save as view…' }).count()).toBe(0);
    expect((await engine.savedViews()).map((view) => [view.name, view.query, view.sort])).toEqual([['Prod by name', { search: 'prod' }, { field: 'name', direction: 'asc' }]]);

    await chooseView('All keys');
    await expect.poll(rowCount).toBe(14);
    expect(await page.getByLabel('Search keys').inputValue()).toBe('');
    expect(await headers()).toEqual(['Name', 'Backend', 'Prefix', 'Status', 'Due', 'Cached', 'Last tested', 'Last synced']);
    expect((await names())[0]).toBe('Production'); // due in 3 days: soonest due first again

    await chooseView('Prod by name');
    await expect.poll(names).toEqual(prodByName);
    expect(await page.getByLabel('Search keys').inputValue()).toBe('prod');
    expect(await headers()).toEqual(['Name', 'Backend', 'Prefix', 'Status', 'Due', 'Last tested', 'Last synced']);
    expect(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe('ascending');
  });

  it('a change to the applied view is said, and saved in one click; the view reads the same after a reload', async () => {
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
    await expect.poll(viewSays).toBe('View: Prod by name (changed)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(viewSays).toBe('View: Prod by name');
    expect((await engine.savedViews())[0]!.sort).toEqual({ field: 'name', direction: 'desc' });

    await page.reload();
    await table().waitFor();
    // A new page starts on "All keys", and the view is still there to apply.
    await expect.poll(rowCount).toBe(14);
    expect(await viewMenuEntries()).toEqual(['All keys', 'Prod by name']);
    await chooseView('Prod by name');
    await expect.poll(names).toEqual(['Webhooks prod', 'Search prod', 'Production', 'Production', 'Payments prod', 'Mailer prod', 'Ledger prod', 'Billing prod']);
    expect(await headers()).not.toContain('Cached');
  });

  it('renames and deletes the applied view from its menu, a confirmation first', async () => {
    await viewButton().click();
    const menu = page.getByRole('menu', { name: 'Views' });
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'views-menu-1440-light');
    await menu.getByRole('menuitem', { name: 'Rename “Prod by name”…' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename “Prod by name”' });
    await rename.getByLabel('Name').fill('Production keys');
    await rename.getByRole('button', { name: 'Rename view' }).click();
    await rename.waitFor({ state: 'detached' });
    await expect.poll(viewSays).toBe('View: Production keys');
    // The focus is back on the menu's button after the dialog.
    expect(await focused()).toMatch(/^View:/);

    await viewButton().click();
    await menu.getByRole('menuitem', { name: 'Delete “Production keys”…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete the view “Production keys”?' });
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain('no key changes');
    await confirm.getByRole('button', { name: 'Delete view' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(viewSays).toBe('View: All keys');
    // The table keeps what it showed; only the view is gone.
    expect(await page.getByLabel('Search keys').inputValue()).toBe('prod');
    expect(await viewMenuEntries()).toEqual(['All keys']);
    expect(await engine.savedViews()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
