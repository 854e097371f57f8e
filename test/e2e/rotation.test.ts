/**
 * A guided rotation in the console, in Chromium, as an administrator walks it: a Nitrobox client is rotated from
 * its key detail (the plan first, then create the new client, whose shown-once key appears once, switch the
 * consumers, delete the old client). Checked at the vendor (the emulator holds exactly the new client, and the new
 * key authenticates there) and in the inventory. Chromium, axe and screenshots: test/support/console-e2e.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { E2E_HTTP, hasChromium, launchChromium, openConsole, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings } from '../support/console-e2e.js';

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: a guided rotation in Chromium', () => {
  let home: string;
  let engine: KeywardenEngine;
  let nitrobox: NitroboxEmulator;
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];
  let oldRef: string;

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-rotation-'));
    engine = KeywardenEngine.open({ home, http: E2E_HTTP });
    nitrobox = await startNitroboxEmulator();
    const token = nitrobox.state.addUser('admin@acme.example', { role: true });
    await engine.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: token });
    oldRef = (await engine.createKey('nb', 'billing-sync')).key.ref;
    await engine.setKeyConsumers(oldRef, ['CI pipeline', 'billing service']);
    // Another key to select while the wizard is open.
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Legacy webhook', vendor: 'Acme', rotateEveryDays: 90 });
    // A shown-once key hides itself after this (when Keywarden cached it).
    await engine.updateSettings({ revealHideSeconds: 5 });
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
    const opened = await openConsole(browser, server.newLaunchUrl(), { permissions: ['clipboard-read', 'clipboard-write'] });
    page = opened.page;
    pageErrors = opened.errors;
    await page.getByRole('table', { name: 'Keys' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await nitrobox?.emulator.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('shows the plan before anything changes, with the truth about downtime', async () => {
    await page.getByText('billing-sync', { exact: true }).first().click();
    await page.getByRole('button', { name: 'Rotate…' }).click();
    const wizard = page.getByRole('region', { name: /billing-sync/ });
    await wizard.getByText('Downtime:').waitFor();
    expect(await wizard.innerText()).toMatch(/Consumers to switch: CI pipeline/);
    // Nothing has happened at the vendor yet.
    expect(nitrobox.state.clients.map((client) => client.clientId)).toEqual(['billing-sync']);
    // The delete step says it is irreversible once, not "(irreversible) (irreversible)".
    const deleteStep = await wizard.getByRole('listitem').filter({ hasText: 'delete the old key' }).innerText();
    expect(deleteStep.match(/irreversible/g)).toHaveLength(1);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'rotation-plan-light');
  });

  it('Escape closes the wizard like the key panel, and choosing another key in the table shows that key', async () => {
    const wizard = page.getByRole('region', { name: /billing-sync/ });
    await page.keyboard.press('Escape');
    await wizard.waitFor({ state: 'detached' });
    // Back to the key's panel, which the next Escape closes.
    await page.getByRole('complementary', { name: 'billing-sync' }).waitFor();
    await page.getByRole('button', { name: 'Rotate…' }).click();
    await wizard.getByText('Downtime:').waitFor();
    await page.getByRole('row', { name: /Legacy webhook/ }).click();
    await page.getByRole('complementary', { name: 'Legacy webhook' }).waitFor();
    expect(await wizard.count()).toBe(0);
    await page.getByRole('row', { name: /billing-sync/ }).click();
    await page.getByRole('button', { name: 'Rotate…' }).click();
    await wizard.getByText('Downtime:').waitFor();
  });

  it('creates the new client, shows its key once, switches the consumer and deletes the old client', async () => {
    const wizard = page.getByRole('region', { name: /billing-sync/ });
    await wizard.getByRole('button', { name: 'Start the rotation' }).click();
    const shownOnce = wizard.getByRole('textbox', { name: 'New key, shown once' });
    await shownOnce.waitFor();
    const newKey = await shownOnce.inputValue();
    const created = nitrobox.state.clients.find((client) => client.clientId !== 'billing-sync');
    expect(created).toBeDefined();
    // The key shown is the one the vendor issued: it authenticates at Nitrobox.
    expect(nitrobox.state.authenticateClient(created!.clientId, newKey)).not.toBeNull();
    // The whole key is visible in the field (nothing cut off at the panel's edge).
    expect(
      await shownOnce.evaluate(
        (field: { scrollWidth: number; clientWidth: number; scrollHeight: number; clientHeight: number }) => field.scrollWidth <= field.clientWidth && field.scrollHeight <= field.clientHeight,
      ),
    ).toBe(true);
    await wizard.getByRole('button', { name: 'Copy', exact: true }).click();
    await wizard.getByText(/Copied; cleared in \d+ s/).waitFor();
    expect((await page.evaluate<string>('navigator.clipboard.readText()')) === newKey, 'Copy put the new key on the clipboard').toBe(true);
    await wizard
      .getByRole('timer')
      .filter({ hasText: /^Hidden in [1-5] s$/ })
      .waitFor();
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'rotation-shown-once-light');
    // Keywarden cached it: it hides itself after the reveal setting (5 s here), without anyone clicking.
    await shownOnce.waitFor({ state: 'detached', timeout: 15_000 });

    // The consumers are ticked off one by one: each says which consumer it is for, and the rotation's journal
    // records each (the engine's own list, which the key panel edits too).
    const consumers = wizard.getByRole('listitem').filter({ hasText: /CI pipeline|billing service/ });
    await wizard.getByRole('button', { name: 'CI pipeline: switched to the new key' }).click();
    await consumers.filter({ hasText: '✓ CI pipeline' }).waitFor();
    expect(await wizard.getByRole('button', { name: /: switched to the new key$/ }).count()).toBe(1);
    const [running] = await engine.listRotations();
    expect(running!.consumers.map((consumer) => [consumer.name, consumer.switchedAt !== null])).toEqual([
      ['CI pipeline', true],
      ['billing service', false],
    ]);
    await screenshot(page, 'rotation-consumers-light');

    // Walk what the rotation waits for, one answer at a time, until it is done.
    let deleteConfirmed = false;
    for (let step = 0; step < 8 && !(await wizard.getByText(/^Done/).count()); step++) {
      const next = wizard.getByRole('button', { name: /^(.*: switched to the new key|All switched|Consumers switched|Yes|Continue|Delete old key)$/ }).first();
      await next.waitFor();
      if ((await next.innerText()) === 'Delete old key') {
        // The irreversible delete at Nitrobox is confirmed by a red button that names it, never a plain "Yes".
        expect(await next.getAttribute('class')).toContain('danger-solid');
        expect(await wizard.getByRole('button', { name: 'Yes', exact: true }).count()).toBe(0);
        expect(await seriousAxeFindings(page)).toEqual([]);
        await screenshot(page, 'rotation-delete-old-light');
        deleteConfirmed = true;
      }
      await next.click();
      await page.locator('section.rotation[aria-busy="true"]').waitFor({ state: 'detached' });
    }
    await wizard.getByText(/^Done/).waitFor();
    expect(deleteConfirmed).toBe(true);
    expect(nitrobox.state.clients.map((client) => client.clientId)).toEqual([created!.clientId]);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'rotation-done-light');
  });

  it('the inventory holds the new key with its secret, and nothing is left in progress', async () => {
    const keys = engine.listKeys({ backend: 'nb' });
    expect(keys.map((key) => key.ref)).not.toContain(oldRef);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.secretCached).toBe(true);
    await page.getByRole('button', { name: 'Close the rotation wizard' }).click();
    await page.getByRole('link', { name: 'Reminders' }).click();
    await page.getByRole('heading', { name: 'Rotations in progress' }).waitFor();
    await page.getByText('No rotation in progress.').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
