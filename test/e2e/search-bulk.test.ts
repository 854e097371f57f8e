/**
 * The inventory's search syntax and bulk actions in Chromium, as an administrator uses them: `keywarden ui`'s server
 * (in-process) over a private data folder with a manual backend of 64 keys, some described (owner, environment, tags).
 * Typing the syntax narrows the table, an unknown field is said under the box, "?" explains the syntax; 50 keys are
 * ticked (click and Shift-click) and tagged, with a summary per key; every match is selected with Ctrl+A and tested
 * (manual keys without a test request are refused, each with the reason); the selection is exported.
 * Chromium, axe and screenshots: test/support/console-e2e.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { E2E_HTTP, hasChromium, launchChromium, localNoonInDays, openConsole, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings } from '../support/console-e2e.js';

const SERVICES = ['Payments', 'Billing', 'Search', 'Ledger'];

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: search syntax and bulk actions in Chromium', () => {
  let home: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let browser: Browser;

  const rowCount = (page: Page) =>
    page
      .getByRole('table', { name: 'Keys' })
      .getAttribute('aria-rowcount')
      .then((count) => Number(count) - 1);

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-search-'));
    engine = KeywardenEngine.open({ home, http: E2E_HTTP });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    for (let index = 0; index < 64; index++) {
      const service = SERVICES[index % SERVICES.length]!;
      await engine.addManualKey('hand', {
        name: `${service} ${index < 32 ? 'prod' : 'staging'} ${String(index).padStart(2, '0')}`,
        vendor: index % 8 === 0 ? 'Stripe' : 'Acme',
        expiresAt: localNoonInDays(5 + index),
        description: index % 4 === 0 ? { owner: 'Ana Lima', environment: index < 32 ? 'prod' : 'staging', tags: ['pci'] } : {},
      });
    }
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('narrows the table as the syntax is typed, says what it cannot read under the box, and explains itself behind "?"', async () => {
    const { context, page, errors } = await openConsole(browser, server.newLaunchUrl());
    await page.getByRole('table', { name: 'Keys' }).waitFor();
    expect(await rowCount(page)).toBe(64);
    const search = page.getByLabel('Search keys');
    const expectRows = async (text: string, rows: number) => {
      await search.fill(text);
      await expect.poll(() => rowCount(page), { message: text }).toBe(rows);
    };
    await expectRows('stripe', 8);
    await expectRows('vendor:stripe prod', 4);
    await expectRows('owner:"Ana Lima" tag:pci', 16);
    await expectRows('tag:pci -env:prod', 8);
    await expectRows('paym', 16);
    // Due within 10 days: today's tenth day included, as `list --due-within 10`.
    await expectRows('due<10', 6);
    // An unknown field: said in words under the box, and the table keeps the last search it could read.
    await search.fill('colour:red');
    const error = page.getByRole('alert').filter({ hasText: 'is not a search field' });
    await expect.poll(() => error.textContent()).toContain('"colour:" is not a search field: use vendor:, backend:, status:, owner:, tag: or env:');
    expect(await search.getAttribute('aria-invalid')).toBe('true');
    expect(await rowCount(page)).toBe(6);
    await screenshot(page, 'search-error-1440-light');
    await search.fill('');
    await expect.poll(() => rowCount(page)).toBe(64);
    expect(await error.count()).toBe(0);

    await page.getByRole('button', { name: 'Search syntax' }).click();
    const help = page.getByRole('dialog', { name: 'Searching keys' });
    await help.waitFor();
    expect(await help.getByRole('row').count()).toBeGreaterThan(10);
    await expect.poll(() => page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Close');
    // Focus stays in the dialog (the page behind is inert): Tab comes back round to its one button.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<boolean>(`document.querySelector('dialog[open]').contains(document.activeElement)`)).toBe(true);
    expect(await seriousAxeFindings(page)).toEqual([]);
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      for (const [width, height] of [
        [1440, 900],
        [1024, 700],
        [760, 900],
      ] as const) {
        await page.setViewportSize({ width, height });
        await screenshot(page, `search-help-${width}-${theme}`);
      }
    }
    // Back to a wide window, where the search box (and its "?") is shown beside the table, not folded away.
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    expect(await page.evaluate<string | null>(`document.activeElement?.getAttribute('aria-label') ?? null`)).toBe('Search syntax');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('ticks 50 keys (a click, then Shift-click) and tags them all, with what happened to each key', async () => {
    const { context, page, errors } = await openConsole(browser, server.newLaunchUrl(), { colorScheme: 'light' });
    await page.setViewportSize({ width: 1440, height: 2200 });
    await page.getByRole('table', { name: 'Keys' }).waitFor();
    const boxes = page.getByRole('table', { name: 'Keys' }).locator('[role="row"][data-index] input[type="checkbox"]');
    await expect.poll(() => boxes.count()).toBeGreaterThanOrEqual(50);
    await boxes.nth(0).click();
    await boxes.nth(49).click({ modifiers: ['Shift'] });
    const bar = page.getByRole('region', { name: 'Selected keys' });
    await expect.poll(() => bar.getByRole('status').first().textContent()).toBe('50 keys selected');
    // A click on a box selects; it does not open the key.
    expect(await page.getByRole('complementary').count()).toBe(0);
    expect(await seriousAxeFindings(page)).toEqual([]);

    await bar.getByRole('button', { name: 'Add tag…' }).click();
    const ask = page.getByRole('dialog', { name: 'Add a tag for 50 keys' });
    await ask.getByLabel('Tags to add').fill('q3-review');
    await ask.getByRole('button', { name: 'Add tag' }).click();
    const summary = page.getByRole('dialog', { name: 'Add q3-review: 50 keys' });
    await summary.waitFor();
    expect(await summary.getByText('50 done').count()).toBe(1);
    expect(await summary.getByRole('listitem').count()).toBe(50);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await page.setViewportSize({ width: 1440, height: 900 });
    await screenshot(page, 'bulk-summary-1440-light');
    await summary.getByRole('button', { name: 'Close' }).click();

    // The engine wrote each key, with one audit event per key.
    expect(engine.listKeys({ search: 'tag:q3-review' })).toHaveLength(50);
    expect(engine.auditTrail({ action: 'key.describe' }).filter((event) => event.detail?.includes('q3-review'))).toHaveLength(50);
    await page.getByLabel('Search keys').fill('tag:q3-review');
    await expect.poll(() => rowCount(page)).toBe(50);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('selects every match with Ctrl+A and tests them: each key that cannot be tested is refused with the reason', async () => {
    const { context, page, errors } = await openConsole(browser, server.newLaunchUrl());
    await page.getByRole('table', { name: 'Keys' }).waitFor();
    await page.getByLabel('Search keys').fill('billing staging');
    await expect.poll(() => rowCount(page)).toBe(8);
    await page.getByRole('table', { name: 'Keys' }).locator('[role="row"][data-index="0"]').focus();
    await page.keyboard.press('Control+a');
    const bar = page.getByRole('region', { name: 'Selected keys' });
    await expect.poll(() => bar.getByRole('status').first().textContent()).toBe('8 keys selected (every match)');
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      for (const [width, height] of [
        [1440, 900],
        [1024, 700],
        [760, 900],
      ] as const) {
        await page.setViewportSize({ width, height });
        await screenshot(page, `bulk-selection-${width}-${theme}`);
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
    await bar.getByRole('button', { name: 'Test' }).click();
    const summary = page.getByRole('dialog', { name: 'Test: 8 keys' });
    await summary.waitFor();
    expect(await summary.getByText('8 refused').count()).toBe(1);
    const lines = await summary.getByRole('listitem').allTextContents();
    expect(lines).toHaveLength(8);
    for (const line of lines) expect(line).toMatch(/refused.*test/i);
    await summary.getByRole('button', { name: 'Close' }).click();

    // Export the selection: only the eight keys.
    const download = page.waitForEvent('download');
    await bar.getByRole('button', { name: 'Export JSON' }).click();
    const file = await (await download).path();
    const { readFileSync } = await import('node:fs');
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { keys?: Array<{ name: string }> } | Array<{ name: string }>;
    const keys = Array.isArray(exported) ? exported : (exported.keys ?? []);
    expect(keys.map((key) => key.name).sort()).toEqual(
      engine
        .listKeys({ search: 'billing staging' })
        .map((key) => key.name)
        .sort(),
    );
    expect(errors).toEqual([]);
    await context.close();
  });
});
