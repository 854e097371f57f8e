/**
 * Vendor and user text in the console, in Chromium: a key whose name hides a right-to-left override (U+202E, the
 * trick that makes `Invoice ` + U+202E + `gpj.exe` read as `Invoice exe.jpg`) and a zero-width space shows each as an escape
 * (`⟨U+202E⟩`), in its own bidi isolate, and neither the name nor the text around it is displayed in another order
 * than it reads: in the table, the detail panel, the Delete dialog's title and the reminders. The order on screen
 * is measured from where Chromium lays out each character. `keywarden ui`'s server runs in-process over a private
 * data folder with a manual backend; Chromium, axe and screenshots: test/support/console-e2e.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { type ConsoleInChromium, DAY_MS as DAY, E2E_HTTP as HTTP, hasChromium, requireBuiltRenderer, screenshot, seriousAxeFindings, startConsoleInChromium } from '../support/console-e2e.js';

/** Stored as typed; the console must never lay it out as "Invoice exe.jpg". */
const DISGUISED = 'Invoice \u202egpj.exe';
const DISGUISED_SHOWN = 'Invoice ⟨U+202E⟩gpj.exe';
/** Looks like "prod" with a zero-width space inside: two names that look the same must not. */
const LOOKALIKE = 'Stripe pro\u200bd';
const LOOKALIKE_SHOWN = 'Stripe pro⟨U+200B⟩d';

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: names with bidi overrides and invisible characters in Chromium', () => {
  let home: string;
  let engine: KeywardenEngine;
  let consoleInChromium: ConsoleInChromium;
  let page: Page;
  let pageErrors: string[] = [];

  /**
   * The text of the first element matching `selector` whose text contains `containing`, its characters in the
   * order Chromium lays them out, left to right (each character's box through a Range; every element measured
   * here holds one line). Equal to the element's text when nothing is reordered. Page code as a string: the tests
   * have no DOM types.
   */
  function onScreenOrder(selector: string, containing: string): Promise<string | null> {
    return page.evaluate<string | null>(`(() => {
      const element = [...document.querySelectorAll(${JSON.stringify(selector)})].find((candidate) => candidate.textContent.includes(${JSON.stringify(containing)}));
      if (!element) return null;
      const boxes = [];
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; i++) {
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const box = range.getBoundingClientRect();
          boxes.push([box.left + box.width / 2, node.data[i]]);
        }
      }
      return boxes.sort((a, b) => a[0] - b[0]).map((entry) => entry[1]).join('');
    })()`);
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-bidi-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    // Both due within the reminders' window, so they show there too.
    await engine.addManualKey('hand', { name: DISGUISED, vendor: 'Acme \u202eevil', expiresAt: new Date(Date.now() + 5 * DAY).toISOString() });
    await engine.addManualKey('hand', { name: LOOKALIKE, vendor: 'Stripe', expiresAt: new Date(Date.now() + 9 * DAY).toISOString() });
    await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', expiresAt: new Date(Date.now() + 12 * DAY).toISOString() });
    consoleInChromium = await startConsoleInChromium(engine);
    page = consoleInChromium.page;
    pageErrors = consoleInChromium.errors;
  });

  afterAll(async () => {
    await consoleInChromium?.close();
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('the table shows the override and the zero-width space as escapes, isolated, in reading order', async () => {
    const disguised = page.locator('[role="row"][data-index] .col-name .name-text', { hasText: 'Invoice' });
    await disguised.waitFor();
    expect(await disguised.textContent()).toBe(DISGUISED_SHOWN);
    expect(await onScreenOrder('[role="row"][data-index] .col-name .name-text', 'Invoice')).toBe(DISGUISED_SHOWN);
    expect(await disguised.locator('bdi').count()).toBe(1);
    expect(await disguised.locator('bdi .invisible-char').textContent()).toBe('⟨U+202E⟩');
    // The tooltip cannot hold an element: it carries the same escape.
    expect(await disguised.getAttribute('title')).toBe(DISGUISED_SHOWN);

    const names = await page.locator('[role="row"][data-index] .col-name .name-text').allTextContents();
    expect(names).toEqual(expect.arrayContaining([LOOKALIKE_SHOWN, 'Stripe prod']));
    expect(names.join('\n')).not.toMatch(/[\u202e\u200b]/);
  });

  it('the measurement is not vacuous: the same text with the raw override is laid out in another order than it reads', async () => {
    const raw = await page.evaluate<string>(
      `(() => {
        const probe = document.createElement('p');
        probe.id = 'bidi-probe';
        probe.textContent = ${JSON.stringify(`Delete “${DISGUISED}”?`)};
        document.body.append(probe);
        return probe.textContent;
      })()`,
    );
    expect(raw).toBe(`Delete “${DISGUISED}”?`);
    const order = await onScreenOrder('#bidi-probe', 'Delete');
    await page.evaluate(`document.getElementById('bidi-probe').remove()`);
    // On screen: Delete “Invoice ”?exe.jpg — the override reverses the rest of the line, quote and question mark included.
    expect(order).not.toBe(raw);
  });

  it('the detail panel and the Delete dialog show the escape, and the words around the name keep their places', async () => {
    await page.locator('[role="row"][data-index]', { hasText: 'Invoice' }).click();
    const detail = page.getByRole('complementary', { name: DISGUISED_SHOWN });
    await detail.waitFor();
    // The name itself (the heading's own isolate); its ID beside it, in an isolate of its own, keeps its order too.
    expect(await onScreenOrder('#detail-heading > bdi', 'Invoice')).toBe(DISGUISED_SHOWN);
    expect(await page.locator('#detail-heading .key-tell').innerText()).toMatch(/^invoice-/);
    // The vendor, a fact of the key, is vendor text too.
    expect(await detail.locator('.facts').innerText()).toContain('Acme ⟨U+202E⟩evil');

    await detail.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Delete “${DISGUISED_SHOWN}”?` });
    await dialog.waitFor();
    const title = dialog.getByRole('heading', { level: 2 });
    expect(await title.textContent()).toBe(`Delete “${DISGUISED_SHOWN}”?`);
    // The closing quote and the question mark stay after the name, where they are read.
    expect(await onScreenOrder('dialog[open] h2', 'Delete')).toBe(`Delete “${DISGUISED_SHOWN}”?`);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'bidi-names-delete-dialog-light');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
  });

  it('the reminders show the escapes too, in reading order', async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Reminders' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reminders' }).waitFor();
    const disguised = page.locator('bdi.reminder-name', { hasText: 'Invoice' }).first();
    await disguised.waitFor();
    expect(await disguised.textContent()).toBe(DISGUISED_SHOWN);
    expect(await onScreenOrder('.reminder-name', 'Invoice')).toBe(DISGUISED_SHOWN);
    expect(await page.locator('.reminder-name', { hasText: 'pro' }).allTextContents()).toEqual(expect.arrayContaining([LOOKALIKE_SHOWN, 'Stripe prod']));
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'bidi-names-reminders-light');
    expect(pageErrors).toEqual([]);
  });
});
