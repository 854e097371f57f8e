/**
 * The inventory in narrow windows, in Chromium, as an administrator with a laptop split screen sees it: at 1024 px
 * with a key's panel open the Due column stays (it is what the inventory is for); at 760 px "Sync now" is whole
 * and the filters fold behind a button; the Backend column shows whole names while Name has room. Screenshots
 * at 1440x900, 1024x700 and 760x900, light and dark.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { hasChromium, localNoonInDays, openConsole, requireBuiltRenderer, screenshot, seriousAxeFindings, startConsoleInChromium, type ConsoleInChromium } from '../support/console-e2e.js';

/** Whether an element's whole box lies inside the window, and its text is not cut off by an ellipsis. */
const whole = (page: Page, selector: string) =>
  // A string: the tests are type-checked without the DOM's types (as in the other e2e suites).
  page.evaluate<{ inside: boolean; clipped: boolean }>(`(() => {
    const element = document.querySelector(${JSON.stringify(selector)});
    if (!element) return { inside: false, clipped: true };
    const box = element.getBoundingClientRect();
    return { inside: box.left >= 0 && box.right <= window.innerWidth && box.width > 0, clipped: element.scrollWidth > element.clientWidth };
  })()`);

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console in narrow windows', () => {
  let home: string;
  let engine: KeywardenEngine;
  let opened: ConsoleInChromium;

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-narrow-'));
    engine = KeywardenEngine.open({ home });
    await engine.addBackend({ name: 'payments-production', type: 'manual' });
    await engine.addManualKey('payments-production', { name: 'Stripe prod', vendor: 'Stripe', expiresAt: localNoonInDays(5) });
    await engine.addManualKey('payments-production', { name: 'Mailer', vendor: 'Mailgun', expiresAt: localNoonInDays(40) });
    opened = await startConsoleInChromium(engine);
  });

  afterAll(async () => {
    await opened?.close();
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('1440 px: every column, the Backend name whole', async () => {
    const { page } = opened;
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole('row', { name: /Stripe prod/ }).waitFor();
    expect(await whole(page, '[role="row"][aria-rowindex="2"] .col-backend')).toEqual({ inside: true, clipped: false });
    // Room enough: the filters are a column of their own, no toggle.
    expect(await page.getByRole('button', { name: 'Filters' }).isVisible()).toBe(false);
    expect(await page.getByLabel('Search keys').isVisible()).toBe(true);
    await screenshot(page, 'narrow-1440-light');
    // The whole header cell sorts, not only its word: a click in its empty right end sorts by Backend.
    const backendHeader = page.getByRole('columnheader', { name: /Backend/ });
    const box = (await backendHeader.boundingBox())!;
    await page.mouse.click(box.x + box.width - 6, box.y + box.height / 2);
    await expect.poll(() => backendHeader.getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('columnheader', { name: /Due/ }).click();
    await expect.poll(() => page.getByRole('columnheader', { name: /Due/ }).getAttribute('aria-sort')).toBe('ascending');
  });

  it('1024 px with a panel open: the Due column stays, and the Backend name is whole', async () => {
    const { page } = opened;
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.getByRole('row', { name: /Stripe prod/ }).click();
    await page.getByRole('complementary', { name: 'Stripe prod' }).waitFor();
    await page.getByRole('columnheader', { name: /Due/ }).waitFor();
    expect(await whole(page, '[role="columnheader"].col-due')).toMatchObject({ inside: true });
    expect(await whole(page, '[role="row"][aria-rowindex="2"] .col-due')).toMatchObject({ inside: true });
    expect(await whole(page, '[role="row"][aria-rowindex="2"] .col-backend')).toEqual({ inside: true, clipped: false });
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'narrow-1024-panel-light');
    await page.keyboard.press('Escape');
  });

  it('760 px: Sync now is whole, and the filters fold behind a button that opens them', async () => {
    const { page } = opened;
    await page.setViewportSize({ width: 760, height: 900 });
    const sync = page.getByRole('button', { name: 'Sync now' });
    await sync.waitFor();
    expect(await whole(page, '.header .button.primary')).toEqual({ inside: true, clipped: false });
    // The filters take no column of their own: a button shows them, and hides them again.
    expect(await page.getByLabel('Search keys').isVisible()).toBe(false);
    const toggle = page.getByRole('button', { name: 'Filters' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await screenshot(page, 'narrow-760-light');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.getByLabel('Search keys').fill('Mailer');
    await expect.poll(() => page.getByRole('row', { name: /Stripe prod/ }).count()).toBe(0);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'narrow-760-filters-light');
    await page.getByLabel('Search keys').fill('');
    await toggle.click();
    expect(await page.getByLabel('Search keys').isVisible()).toBe(false);
    expect(opened.errors).toEqual([]);
  });

  it('760 px, dark: the Due label is whole, and a key opens in a panel over the table that closes', async () => {
    const dark = await openConsole(opened.browser, opened.server.newLaunchUrl(), { colorScheme: 'dark' });
    try {
      const { page } = dark;
      await page.setViewportSize({ width: 760, height: 900 });
      await page.getByRole('row', { name: /Stripe prod/ }).waitFor();
      expect(await whole(page, '[role="row"][aria-rowindex="2"] .col-due')).toEqual({ inside: true, clipped: false });
      await screenshot(page, 'narrow-760-dark');
      await page.getByRole('row', { name: /Stripe prod/ }).click();
      const detail = page.getByRole('complementary', { name: 'Stripe prod' });
      await detail.waitFor();
      expect(await whole(page, '.detail .detail-head .button.icon')).toMatchObject({ inside: true });
      expect(await seriousAxeFindings(page)).toEqual([]);
      await screenshot(page, 'narrow-760-panel-dark');
      await detail.getByRole('button', { name: 'Close details' }).click();
      await detail.waitFor({ state: 'detached' });
      expect(dark.errors).toEqual([]);
    } finally {
      await dark.context.close();
    }
  });
});
