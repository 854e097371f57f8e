/**
 * The key forms in Chromium, as an administrator uses them instead of a terminal: add a manual key with its test
 * request and a description (a wrong date refused under its field, nothing added), edit its expiry and see Due follow,
 * describe a vendor's key and see it survive a sync, name a key's consumers and find them in its rotation's plan, and
 * two keys of one name told apart. `keywarden ui`'s server (in-process) over a private data folder, a CommBox
 * emulator, a manual backend. Each outcome is checked in the engine too. Screenshots at three sizes, both themes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { E2E_HTTP as HTTP, hasChromium, launchChromium, openConsole, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings } from '../support/console-e2e.js';

/** `YYYY-MM-DD` of the local day `days` from today (Chromium runs in this process's zone). */
function localDay(days: number): string {
  const day = new Date();
  day.setDate(day.getDate() + days);
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
}

const SIZES = [
  [1440, 900],
  [1024, 700],
  [760, 900],
] as const;

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: adding, editing and describing keys in Chromium', () => {
  let home: string;
  let engine: KeywardenEngine;
  let commbox: CommBoxEmulator;
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];
  let commboxRef: string;
  const SECRET = 'sk_live_keyforms_0123456789abcdef';

  async function open(colorScheme: 'light' | 'dark'): Promise<void> {
    const opened = await openConsole(browser, server.newLaunchUrl(), { colorScheme });
    context = opened.context;
    page = opened.page;
    pageErrors = opened.errors;
    await page.getByRole('table', { name: 'Keys' }).waitFor();
  }

  async function openKey(search: string, name: string): Promise<Locator> {
    await page.getByLabel('Search keys').fill(search);
    await page
      .getByRole('row', { name: new RegExp(name) })
      .first()
      .click();
    const detail = page.getByRole('complementary', { name: new RegExp(name) });
    await detail.waitFor();
    return detail;
  }

  async function closePanel(): Promise<void> {
    await page.keyboard.press('Escape');
    await page.locator('aside.detail').waitFor({ state: 'detached' });
    await page.getByLabel('Search keys').fill('');
  }

  /** The error text tied to a field (its aria-describedby), as a screen reader announces it with the field. */
  async function describedBy(field: Locator): Promise<string> {
    const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
    const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
    return texts.join(' | ');
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-keyforms-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
    commbox = await startCommBoxEmulator();
    const token = commbox.state.addAdminToken();
    commboxRef = `cb/${commbox.state.issueActiveKey('Billing API', { validityDays: 200 }).key.id}`;
    await engine.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: token });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    // Two keys of one name: only what is beside the name tells them apart.
    await engine.addManualKey('hand', { name: 'Twin', expiresAt: localDay(40) });
    await engine.addManualKey('hand', { name: 'Twin', expiresAt: localDay(50) });
    expect((await engine.sync(['cb'])).ok).toBe(true);
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
    await open('light');
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await engine?.close();
    await commbox?.emulator.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('refuses a wrong expiry under its field and adds nothing; then adds the key with its test and description', async () => {
    await page.getByRole('button', { name: 'Add key', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add key' });
    await dialog.waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('Stripe prod');
    await dialog.getByLabel('Vendor (optional)').fill('Stripe');
    await dialog.getByLabel('Created (optional)').fill(localDay(-10));
    const expiry = dialog.getByLabel('Expiry date');
    await expiry.fill('2027-02-30');
    await dialog.getByLabel('Secret (optional)').fill(SECRET);
    await dialog.getByLabel('URL', { exact: true }).fill('https://api.stripe.example/v1/balance');
    await dialog.getByLabel('Owner').fill('Ana Lima');
    await dialog.getByLabel('Environment').fill('prod');
    await dialog.getByRole('textbox', { name: 'Tags', exact: true }).fill('payments');
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    await dialog.getByRole('textbox', { name: 'Tags', exact: true }).fill('pci');
    await page.keyboard.press('Enter');
    await dialog.getByRole('list', { name: 'Chosen tags' }).getByText('pci').waitFor();
    await dialog.getByLabel('Notes').fill('Used by the invoice job.\nRotate with finance.');
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      await screenshot(page, `key-forms-add-dialog-${width}-light`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });

    await dialog.getByRole('button', { name: 'Add key' }).click();
    await expect.poll(() => expiry.getAttribute('aria-invalid')).toBe('true');
    expect(await describedBy(expiry)).toMatch(/February 2027 has 28 days/);
    expect(engine.listKeys({ backend: 'hand', search: 'Stripe' })).toHaveLength(0);
    // The refusal is under the field only: the secret field kept what was typed, and no other field is marked.
    expect(await dialog.locator('[aria-invalid="true"]').count()).toBe(1);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'key-forms-add-dialog-refused-light');

    await expiry.fill(localDay(20));
    await dialog.getByRole('button', { name: 'Add key' }).click();
    await dialog.waitFor({ state: 'detached' });
    const detail = page.getByRole('complementary', { name: /Stripe prod/ });
    await detail.waitFor();
    const [added] = engine.listKeys({ backend: 'hand', search: 'Stripe prod' });
    expect(added).toMatchObject({ name: 'Stripe prod', expiresAt: localDay(20), createdAt: localDay(-10), owner: 'Ana Lima', environment: 'prod', tags: ['payments', 'pci'], secretCached: true });
    expect(added!.notes).toBe('Used by the invoice job.\nRotate with finance.');
    expect((await engine.keyFacts(added!.ref)).find((fact) => fact.label === 'Test request')?.value).toMatch(/api\.stripe\.example.*Authorization.*200/);
    // The secret went to the engine once: it is nowhere in the page now.
    expect((await page.content()).includes(SECRET)).toBe(false);
    const description = detail.getByRole('region', { name: 'Description' });
    expect(await description.innerText()).toMatch(/Ana Lima[\s\S]*prod[\s\S]*payments[\s\S]*pci[\s\S]*invoice job/);
    await expect.poll(() => detail.getByText('in 20 days').count()).toBeGreaterThan(0);
  });

  it('edits the expiry of the manual key, and Due follows', async () => {
    const detail = page.getByRole('complementary', { name: /Stripe prod/ });
    await detail.getByRole('button', { name: 'Edit dates…' }).click();
    const dialog = page.getByRole('dialog', { name: /Edit dates of Stripe prod/ });
    await dialog.waitFor();
    await dialog.getByLabel('Expiry date').fill(localDay(5));
    await dialog.getByRole('button', { name: 'Save dates' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => detail.getByText('in 5 days').count()).toBeGreaterThan(0);
    const [edited] = engine.listKeys({ backend: 'hand', search: 'Stripe prod' });
    expect(edited!.expiresAt).toBe(localDay(5));

    // "No expiry": the expiry goes; the backend's policy (none here) decides, so nothing is due.
    await detail.getByRole('button', { name: 'Edit dates…' }).click();
    await dialog.waitFor();
    await dialog.getByLabel(/No expiry/).check();
    await dialog.getByRole('button', { name: 'Save dates' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => detail.getByText('nothing due').count()).toBe(1);
    expect(engine.listKeys({ backend: 'hand', search: 'Stripe prod' })[0]!.expiresAt).toBeNull();
    await closePanel();
  });

  it("describes a vendor's key (owner, tags, notes) and the description is still there after a sync", async () => {
    const detail = await openKey('Billing API', 'Billing API');
    const section = detail.getByRole('region', { name: 'Description' });
    await section.getByRole('button', { name: 'Edit description' }).click();
    const form = detail.getByRole('form', { name: 'Edit description' });
    await form.getByLabel('Owner').fill('Finance team');
    await form.getByRole('textbox', { name: 'Tags', exact: true }).fill('two words');
    await form.getByRole('button', { name: 'Add tag' }).click();
    expect(await form.getByText('Notes are not encrypted: never put a secret here.').count()).toBe(1);
    await form.getByRole('button', { name: 'Save' }).click();
    // The engine's refusal, under the tags.
    const tagsInput = form.getByRole('textbox', { name: 'Tags', exact: true });
    await expect.poll(() => tagsInput.getAttribute('aria-invalid')).toBe('true');
    expect(await describedBy(tagsInput)).toMatch(/not one word/);
    expect(engine.getKey(commboxRef).owner).toBeNull();

    await form.getByRole('button', { name: 'Remove tag two words' }).click();
    await tagsInput.fill('billing');
    await page.keyboard.press('Enter');
    await form.getByLabel('Notes').fill('Renewed by the finance lead.');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    expect(engine.getKey(commboxRef)).toMatchObject({ owner: 'Finance team', tags: ['billing'], notes: 'Renewed by the finance lead.' });

    expect((await engine.sync(['cb'])).ok).toBe(true);
    await closePanel();
    const again = await openKey('Billing API', 'Billing API');
    expect(await again.getByRole('region', { name: 'Description' }).innerText()).toMatch(/Finance team[\s\S]*billing[\s\S]*Renewed by the finance lead/);
  });

  it("names the key's consumers, and its rotation lists the same names to switch", async () => {
    const detail = page.getByRole('complementary', { name: /Billing API/ });
    const consumers = detail.getByRole('region', { name: 'Consumers' });
    for (const name of ['CI pipeline', 'Invoice job']) {
      await consumers.getByLabel('Consumer name').fill(name);
      await consumers.getByRole('button', { name: 'Add consumer' }).click();
      await consumers.getByRole('list', { name: 'Consumers' }).getByText(name).waitFor();
    }
    await consumers.getByRole('button', { name: 'Remove consumer Invoice job' }).click();
    await expect.poll(() => consumers.getByRole('listitem').count()).toBe(1);
    expect(await engine.keyConsumers(commboxRef)).toEqual(['CI pipeline']);
    expect(await seriousAxeFindings(page)).toEqual([]);
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      await detail.getByRole('region', { name: 'Description' }).scrollIntoViewIfNeeded();
      await screenshot(page, `key-forms-detail-${width}-light`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });

    await detail.getByRole('button', { name: 'Rotate…' }).click();
    const wizard = page.locator('section.detail.rotation');
    await wizard.getByText('Consumers to switch:').waitFor();
    expect(await wizard.innerText()).toContain('CI pipeline');
    expect(await wizard.innerText()).not.toContain('Invoice job');
    await page.keyboard.press('Escape');
  });

  it('tells two keys of the same name apart by their ID beside the name', async () => {
    await page.getByLabel('Search keys').fill('Twin');
    const twins = engine.listKeys({ backend: 'hand', search: 'Twin' });
    expect(twins).toHaveLength(2);
    const titles: string[] = [];
    for (const twin of twins) {
      await page.getByLabel('Search keys').fill(twin.id);
      await page.getByRole('row', { name: /Twin/ }).first().click();
      const heading = page.locator('#detail-heading');
      await expect.poll(() => heading.innerText()).toContain(twin.id);
      titles.push(await heading.innerText());
      await closePanel();
    }
    expect(titles[0]).not.toBe(titles[1]);
    expect(pageErrors).toEqual([]);
  });

  it('dark theme: the add dialog and the key detail, at three sizes', async () => {
    await context.close();
    await open('dark');
    await page.getByRole('button', { name: 'Add key', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add key' });
    await dialog.waitFor();
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      await screenshot(page, `key-forms-add-dialog-${width}-dark`);
    }
    expect(await seriousAxeFindings(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 1440, height: 900 });
    const detail = await openKey('Billing API', 'Billing API');
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      await detail.getByRole('region', { name: 'Description' }).scrollIntoViewIfNeeded();
      await screenshot(page, `key-forms-detail-${width}-dark`);
    }
    expect(await seriousAxeFindings(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
