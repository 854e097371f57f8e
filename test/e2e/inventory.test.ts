/**
 * The console's inventory in Chromium, as an administrator uses it: `keywarden ui`'s server (in-process) over a
 * private data folder with a manual backend (an overdue key, one due in 5 days, one with a cached secret) and a
 * Nitrobox emulator with 150 clients; the built renderer from dist/renderer/ (npm run build, which npm test runs
 * first). Secrets are made at run time, never written here. Chromium, axe and screenshots: test/support/console-e2e.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import {
  DAY_MS as DAY,
  E2E_HTTP as HTTP,
  hasChromium,
  launchChromium,
  localNoonInDays,
  openInventory,
  RENDERER,
  requireBuiltRenderer,
  screenshot,
  seriousAxeFindings,
} from '../support/console-e2e.js';

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: inventory in Chromium', () => {
  let home: string;
  let engine: KeywardenEngine;
  let nitrobox: NitroboxEmulator;
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];
  let mailerSecret = '';

  /** The names in the table's rows, top to bottom, as rendered now. (Page code as strings: the tests have no DOM types.) */
  async function visibleNames(): Promise<string[]> {
    const entries = await page.evaluate<Array<[number, string]>>(
      `[...document.querySelectorAll('[role="table"] [role="row"][data-index]')].map((row) => [Number(row.getAttribute('data-index')), row.querySelector('.col-name .name-text')?.textContent ?? ''])`,
    );
    return entries.sort((a, b) => a[0] - b[0]).map(([, name]) => name);
  }

  function scrollTable(to: 'top' | 'bottom'): Promise<void> {
    return page.evaluate<void>(`{ const table = document.querySelector('.table-scroll'); table.scrollTo({ top: ${to === 'top' ? '0' : 'table.scrollHeight'} }); }`);
  }

  const axe = () => seriousAxeFindings(page);

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
    nitrobox = await startNitroboxEmulator();
    const token = nitrobox.state.addUser('admin@acme.example', { role: true });
    for (let i = 0; i < 150; i++) nitrobox.state.seedClient(`client-${String(i).padStart(3, '0')}`, { createdAt: new Date().toISOString(), createdBy: 'admin@acme.example' });
    await engine.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: token });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    // Rotation every 80 days, created 100 days ago: 20 days overdue (still active: a rotation date does not expire it).
    await engine.addManualKey('hand', { name: 'Legacy webhook', vendor: 'Acme', createdAt: new Date(Date.now() - 100 * DAY).toISOString(), rotateEveryDays: 80 });
    await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', expiresAt: localNoonInDays(5) });
    mailerSecret = randomBytes(18).toString('base64url');
    await engine.addManualKey('hand', { name: 'Mailer', vendor: 'Mailgun', expiresAt: new Date(Date.now() + 200 * DAY).toISOString(), secret: mailerSecret });
    const report = await engine.sync(['nb']);
    expect(report.ok).toBe(true);
    // A client Keywarden created holds its secret, so it can be tested; the seeded ones cannot (Nitrobox shows a key once).
    await engine.createKey('nb', 'ci-deploy');
    await engine.updateSettings({ revealHideSeconds: 5 });
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
    ({ context, page, errors: pageErrors } = await openInventory(browser, server.newLaunchUrl(), { colorScheme: 'light' }));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await nitrobox?.emulator.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('lists the keys soonest due first: the overdue key on top, with its label', async () => {
    await page.getByText('Legacy webhook').first().waitFor();
    const names = await visibleNames();
    expect(names.slice(0, 2)).toEqual(['Legacy webhook', 'Stripe prod']);
    const first = page.locator('[role="row"][data-index="0"]');
    await expect.poll(() => first.locator('.col-due').textContent()).toMatch(/20 days overdue/);
    await expect.poll(() => first.locator('.col-status').textContent()).toBe('Active');
    expect(await page.locator('[role="row"][data-index="1"] .col-due').textContent()).toMatch(/in 5 days/);
    expect(await page.getByRole('columnheader', { name: 'Due' }).getAttribute('aria-sort')).toBe('ascending');
    expect(await page.getByRole('table', { name: 'Keys' }).getAttribute('aria-rowcount')).toBe('155');
  });

  it('the summary counts match the inventory', async () => {
    const summary = page.getByRole('definition');
    await expect.poll(() => page.locator('.summary').textContent()).toContain('154');
    const text = (await page.locator('.summary').innerText()).replace(/\s+/g, ' ');
    const facets = engine.inventoryFacets();
    expect(facets.total).toBe(154);
    expect(facets.due.overdue).toBe(1);
    expect(text).toContain(`Keys ${facets.total}`);
    expect(text).toContain(`Overdue ${facets.due.overdue}`);
    expect(text).toContain(`Due within 7 days ${facets.due.within7}`);
    // Within 30 days includes the keys due within 7 (the facets count each key in one bucket).
    expect(text).toContain(`Due within 30 days ${facets.due.within7 + facets.due.within30}`);
    expect(await summary.count()).toBe(4);
  });

  it('has no serious or critical accessibility violations, and writes the light screenshot', async () => {
    expect(await axe()).toEqual([]);
    await screenshot(page, 'inventory-light');
  });

  it('typing in "Search keys" narrows the rows', async () => {
    await page.getByLabel('Search keys').fill('stripe');
    await expect.poll(visibleNames).toEqual(['Stripe prod']);
    await page.getByLabel('Search keys').fill('client-14');
    await expect.poll(visibleNames).toEqual(Array.from({ length: 10 }, (_, i) => `client-14${i}`).sort());
    await page.getByLabel('Search keys').fill('no such key anywhere');
    await page.getByText('No keys match').waitFor();
    await page.getByRole('main').getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(async () => (await visibleNames())[0]).toBe('Legacy webhook');
    expect(await page.getByLabel('Search keys').inputValue()).toBe('');
  });

  it('a status filter and a quick filter narrow the rows', async () => {
    const overdue = page.getByRole('button', { name: /^Overdue \d+$/ });
    await overdue.click();
    expect(await overdue.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(visibleNames).toEqual(['Legacy webhook']);
    await overdue.click();
    await page.getByRole('button', { name: /^Revoked/ }).click();
    await page.getByText('No keys match').waitFor();
    await page.getByRole('button', { name: /^Revoked/ }).click();
    await page.getByRole('button', { name: /^hand/ }).click();
    await expect.poll(visibleNames).toEqual(['Legacy webhook', 'Stripe prod', 'Mailer']);
    await page.getByRole('navigation', { name: 'Filters' }).getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(async () => (await visibleNames()).length).toBeGreaterThan(10);
  });

  it('scrolling the list loads the later rows, down to the last one', async () => {
    await scrollTable('bottom');
    const last = page.locator('[role="row"][aria-rowindex="155"]');
    await last.waitFor();
    // Soonest due first: the seeded clients, then ci-deploy (created last), then Mailer (due in 200 days).
    await expect.poll(() => last.locator('.col-name .name-text').textContent()).toBe('Mailer');
    expect(await page.locator('[role="row"][aria-rowindex="153"] .col-name .name-text').textContent()).toMatch(/^client-\d{3}$/);
    expect(await page.getByText('Loading…').count()).toBe(0);
    await scrollTable('top');
    await expect.poll(async () => (await visibleNames())[0]).toBe('Legacy webhook');
  });

  it('clicking a row opens the detail; Test shows a result', async () => {
    await page.getByLabel('Search keys').fill('ci-deploy');
    await page.getByRole('row', { name: /ci-deploy/ }).click();
    const detail = page.getByRole('complementary', { name: 'ci-deploy' });
    await detail.waitFor();
    expect(await detail.innerText()).toContain('Nitrobox');
    await detail.getByRole('button', { name: 'Test', exact: true }).click();
    await expect.poll(() => detail.getByRole('status').first().innerText()).toMatch(/^Works: /);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
  });

  it("Test is not offered where it cannot work: the reason stands in its place, in the console's words", async () => {
    // A Nitrobox client Keywarden holds no secret for (Nitrobox shows it only once): its test would use the secret.
    await page.getByLabel('Search keys').fill('client-000');
    await page.getByRole('row', { name: /client-000/ }).click();
    let actions = page.getByRole('complementary', { name: 'client-000' }).getByRole('region', { name: 'Actions' });
    await actions.getByText("the test uses the key's secret, and Keywarden holds none for this key").waitFor();
    expect(await actions.getByRole('button', { name: 'Test', exact: true }).count()).toBe(0);
    await page.keyboard.press('Escape');
    // A manual key added without a test request: nothing to test with, and no CLI flags to tell the console user.
    await page.getByLabel('Search keys').fill('Legacy webhook');
    await page.getByRole('row', { name: /Legacy webhook/ }).click();
    actions = page.getByRole('complementary', { name: 'Legacy webhook' }).getByRole('region', { name: 'Actions' });
    await actions.getByText('no test is set up for this key: it was added without a test request').waitFor();
    expect(await actions.getByRole('button', { name: 'Test', exact: true }).count()).toBe(0);
    expect(await actions.innerText()).not.toContain('--');
    await page.keyboard.press('Escape');
    await page.getByRole('complementary').waitFor({ state: 'detached' });
  });

  it('Reveal shows the secret, then hides it again; Escape closes the panel', async () => {
    await page.getByLabel('Search keys').fill('Mailer');
    await page.getByRole('row', { name: /Mailer/ }).click();
    const detail = page.getByRole('complementary', { name: 'Mailer' });
    await detail.getByRole('button', { name: 'Reveal', exact: true }).click();
    const secret = detail.getByRole('textbox', { name: 'Secret' });
    await secret.waitFor();
    const revealed = await secret.inputValue();
    expect(revealed).toBe(await engine.reveal(engine.listKeys({ search: 'Mailer' })[0]!.ref));
    // It counts down: the seconds left, not the delay it started with.
    await detail
      .getByRole('timer')
      .filter({ hasText: /^hidden in [1-5] s$/ })
      .waitFor();
    await detail
      .getByRole('timer')
      .filter({ hasText: /^hidden in [1-3] s$/ })
      .waitFor();
    expect(await axe()).toEqual([]);
    // Hidden after the delay set in the settings (5 s), without anyone touching it.
    await secret.waitFor({ state: 'detached' });
    expect(await page.getByText(revealed).count()).toBe(0);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    await page.getByLabel('Search keys').fill('');
  });

  it('has no serious or critical violations with the detail open; screenshots with the panel', async () => {
    await page.getByRole('row', { name: /Legacy webhook/ }).click();
    await page.getByRole('complementary', { name: 'Legacy webhook' }).waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'inventory-detail-light');
    await page.keyboard.press('Escape');
  });

  it('Sync now shows each backend and completes', async () => {
    await page.getByRole('button', { name: 'Sync now' }).click();
    const status = page.getByRole('banner').getByRole('status');
    await expect.poll(() => status.innerText()).toContain('nb synced, 151 keys');
    expect(await page.getByRole('button', { name: 'Sync now' }).isEnabled()).toBe(true);
  });

  it('sorts by a column header, and says so', async () => {
    const name = page.getByRole('columnheader', { name: 'Name' });
    await name.getByRole('button').click();
    expect(await name.getAttribute('aria-sort')).toBe('ascending');
    expect(await page.getByRole('columnheader', { name: 'Due' }).getAttribute('aria-sort')).toBe('none');
    await name.getByRole('button').click();
    expect(await name.getAttribute('aria-sort')).toBe('descending');
    await expect.poll(async () => (await visibleNames()).slice(0, 3)).toEqual(['Stripe prod', 'Mailer', 'Legacy webhook']);
    await page.getByRole('columnheader', { name: 'Due' }).getByRole('button').click();
    await expect.poll(async () => (await visibleNames())[0]).toBe('Legacy webhook');
  });

  it('works from the keyboard: arrows move between rows, Enter opens, Escape closes and returns to the row', async () => {
    await page.locator('[role="row"][data-index="0"]').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const detail = page.getByRole('complementary', { name: 'Stripe prod' });
    await detail.waitFor();
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    expect(await page.evaluate<string | null>(`document.activeElement?.getAttribute('data-index') ?? null`)).toBe('1');
  });

  it('exports the whole inventory as CSV and JSON files: every key, never a secret', async () => {
    const exportSection = page.getByRole('region', { name: 'Export inventory' });
    for (const format of ['CSV', 'JSON'] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), exportSection.getByRole('button', { name: format }).click()]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^keywarden-inventory-\\d{4}-\\d{2}-\\d{2}\\.${format.toLowerCase()}$`));
      const content = readFileSync(await download.path(), 'utf8');
      expect(content).not.toContain(mailerSecret);
      const keys = engine.listKeys({});
      if (format === 'JSON') expect((JSON.parse(content) as Array<{ ref: string }>).map((key) => key.ref).sort()).toEqual(keys.map((key) => key.ref).sort());
      else expect(content.trim().split('\n')).toHaveLength(keys.length + 1);
      await exportSection.getByText(`Exported ${keys.length} keys`).waitFor();
    }
  });

  it('dark theme screenshots, with and without the panel', async () => {
    await context.close();
    ({ context, page, errors: pageErrors } = await openInventory(browser, server.newLaunchUrl(), { colorScheme: 'dark' }));
    await page.getByText('Legacy webhook').first().waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'inventory-dark');
    await page.getByRole('row', { name: /Stripe prod/ }).click();
    await page.getByRole('complementary', { name: 'Stripe prod' }).waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'inventory-detail-dark');
    expect(pageErrors).toEqual([]);
  });

  it('on a first run (no backends) says so, and how to add one or try the demo', async () => {
    const emptyHome = mkdtempSync(join(tmpdir(), 'keywarden-e2e-empty-'));
    const emptyEngine = KeywardenEngine.open({ home: emptyHome, http: HTTP });
    const emptyServer = await startUiServer({ engine: emptyEngine, rendererFolder: RENDERER });
    try {
      await page.goto(emptyServer.newLaunchUrl());
      await page.getByRole('heading', { name: 'No backends yet' }).waitFor();
      const text = await page.getByRole('main').innerText();
      expect(text).toContain('keywarden backend add');
      expect(text).toContain('keywarden demo');
      expect(await page.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
      expect(await axe()).toEqual([]);
      await screenshot(page, 'first-run-dark');
    } finally {
      await emptyServer.close();
      await emptyEngine.close();
      rmSync(emptyHome, { recursive: true, force: true });
    }
  });
});
