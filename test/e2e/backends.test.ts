/**
 * The console's backends view in Chromium, as an administrator uses it, from the first run on: `keywarden ui`'s
 * server (in-process) over an empty private data folder, and the three vendor emulators, whose credentials are
 * made at run time (never written here). Everything is done in the browser; the engine is only read, to check.
 * Then a second server on another empty folder with the demo (as `keywarden ui` offers it): "Try the demo".
 * Chromium, axe and screenshots: test/support/console-e2e.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BoxWatchEmulator, startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { startDemoSession } from '../../electron/core/demo/demo.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type RunningDemoEngine, type UiServer } from '../../electron/cli/ui/server.js';
import { dueLabel } from '../../renderer/src/lib/due.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { DAY_MS as DAY, E2E_HTTP as HTTP, goToView, hasChromium, launchChromium, openConsole, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings } from '../support/console-e2e.js';

const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: backends in Chromium', () => {
  let home: string;
  let engine: KeywardenEngine;
  let commbox: CommBoxEmulator;
  let boxwatch: BoxWatchEmulator;
  let nitrobox: NitroboxEmulator;
  /** Made by the emulators at run time: what an administrator would paste. */
  let credentials: { commbox: string; boxwatch: string; nitrobox: string };
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];

  async function open(url: string, colorScheme: 'light' | 'dark'): Promise<Page> {
    const opened = await openConsole(browser, url, { colorScheme });
    context = opened.context;
    pageErrors = opened.errors;
    return opened.page;
  }

  const axe = () => seriousAxeFindings(page);
  const card = (name: string): Locator => page.getByRole('article', { name, exact: true });
  const addForm = (): Locator => page.getByRole('region', { name: 'Add a backend' });
  const focusedText = () => page.evaluate<string>(`document.activeElement?.textContent ?? ''`);
  const focusedLabel = () =>
    page.evaluate<string>(`(() => { const el = document.activeElement; return (el?.labels?.[0]?.textContent ?? el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim(); })()`);

  /** The inventory's Due cell of the one key that matches `search`. */
  async function dueOf(search: string): Promise<string> {
    await page.getByLabel('Search keys').fill(search);
    const row = page.getByRole('row', { name: new RegExp(search) });
    await expect.poll(() => page.locator('[role="row"][data-index]').count()).toBe(1);
    return (await row.locator('.col-due').textContent()) ?? '';
  }

  async function fillAddForm(fields: { vendor: 'CommBox' | 'BoxWatch' | 'Nitrobox' | 'Manual'; name: string; url?: string; credential?: string; policy?: string }): Promise<void> {
    const form = addForm();
    await form.getByRole('radio', { name: new RegExp(`^${fields.vendor}`) }).check();
    await form.getByLabel('Name', { exact: true }).fill(fields.name);
    if (fields.url !== undefined) await form.getByLabel(`${fields.vendor} API URL`).fill(fields.url);
    if (fields.credential !== undefined) await form.getByLabel(/ (admin token|API key|user token)$/).fill(fields.credential);
    await form.getByLabel('Rotation policy in days (optional)').fill(fields.policy ?? '');
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-backends-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
    [commbox, boxwatch, nitrobox] = await Promise.all([startCommBoxEmulator(), startBoxWatchEmulator(), startNitroboxEmulator()]);
    const commboxToken = commbox.state.addAdminToken();
    commbox.state.issueActiveKey('Production', { createdAt: daysAgo(20), validityDays: 90 });
    const account = boxwatch.state.addAccount('ops@acme.example', 'Acme Ops');
    const boxwatchKey = boxwatch.state.issueKey(account.id, 'CI pipeline', { createdAt: daysAgo(10) }).secret;
    const nitroboxToken = nitrobox.state.addUser('admin@acme.example', { role: true });
    // 150 clients: two pages, so the sync's progress has a page to show before the result. Created 170 days ago:
    // due in 10 days under Nitrobox's 180-day default.
    for (let i = 0; i < 150; i++) nitrobox.state.seedClient(`client-${String(i).padStart(3, '0')}`, { createdAt: daysAgo(170), createdBy: 'admin@acme.example' });
    credentials = { commbox: commboxToken, boxwatch: boxwatchKey, nitrobox: nitroboxToken };
    server = await startUiServer({ engine, rendererFolder: RENDERER, home });
    browser = await launchChromium();
    page = await open(server.newLaunchUrl(), 'light');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await Promise.all([commbox?.emulator.close(), boxwatch?.emulator.close(), nitrobox?.emulator.close()]);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('the first run offers "Add a backend", which opens the form (no demo on this host)', async () => {
    await page.getByRole('heading', { name: 'No backends yet' }).waitFor();
    expect(await page.getByRole('button', { name: 'Try the demo' }).count()).toBe(0);
    expect(await page.getByRole('main').innerText()).toContain('keywarden backend add');
    await page.getByRole('link', { name: 'Add a backend' }).click();
    await addForm().waitFor();
    expect(new URL(page.url()).hash).toBe('#/backends');
    // The form takes the focus: the vendor choice, CommBox first.
    await expect.poll(focusedLabel).toMatch(/^CommBox/);
    expect(await page.getByRole('button', { name: 'Add backend' }).count()).toBe(0);
    expect(await axe()).toEqual([]);
  });

  it('checks the name and the required fields before asking the engine, each error tied to its field', async () => {
    await fillAddForm({ vendor: 'Nitrobox', name: 'Not A Name' });
    await addForm().getByRole('button', { name: 'Test and add' }).click();
    const name = addForm().getByLabel('Name', { exact: true });
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(focusedLabel).toBe('Name');
    const described = (await name.getAttribute('aria-describedby'))!.split(' ');
    const texts = await Promise.all(described.map((id) => page.locator(`[id="${id}"]`).innerText()));
    expect(texts[0]).toMatch(/^Not a valid name: use 1-63 lowercase letters/);
    const url = addForm().getByLabel('Nitrobox API URL');
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    expect(await addForm().getByLabel('Nitrobox user token').getAttribute('aria-invalid')).toBe('true');
    expect(await axe()).toEqual([]);
    expect(engine.listBackends()).toEqual([]);
  });

  it("a wrong credential or an insecure URL is refused with the engine's message, and nothing is added", async () => {
    await fillAddForm({ vendor: 'Nitrobox', name: 'nb', url: nitrobox.emulator.url, credential: randomBytes(24).toString('base64url') });
    await addForm().getByRole('button', { name: 'Test and add' }).click();
    const refusal = addForm().getByRole('alert');
    await expect.poll(() => refusal.innerText()).toBe('Not added: nb: Nitrobox refused this portal user token (401): it is expired, mistyped or from another tenant');
    expect(await addForm().getByRole('button', { name: 'Test and add' }).getAttribute('aria-describedby')).toBe(await refusal.getAttribute('id'));
    expect(engine.listBackends()).toEqual([]);

    await addForm().getByLabel('Nitrobox API URL').fill('http://nitrobox.example');
    await addForm().getByLabel('Nitrobox user token').fill(credentials.nitrobox);
    await addForm().getByRole('button', { name: 'Test and add' }).click();
    await expect.poll(() => refusal.innerText()).toMatch(/^Not added: refusing plain http to nitrobox\.example: credentials would cross the network unencrypted/);
    expect(engine.listBackends()).toEqual([]);
    expect(await axe()).toEqual([]);
    await screenshot(page, 'backends-add-refused-light');
  });

  it('adds a Nitrobox backend: the token is tested, stored and never shown; "Sync now" is offered', async () => {
    await fillAddForm({ vendor: 'Nitrobox', name: 'nb', url: nitrobox.emulator.url, credential: credentials.nitrobox });
    await addForm().getByRole('button', { name: 'Test and add' }).click();
    const added = page.getByRole('region', { name: 'Added nb (Nitrobox)' });
    await added.waitFor();
    await addForm().waitFor({ state: 'detached' });
    await expect.poll(focusedText).toBe('Added nb (Nitrobox)');
    expect(engine.listBackends().map((backend) => [backend.name, backend.type, backend.hasCredential])).toEqual([['nb', 'nitrobox', true]]);
    const nb = card('nb');
    expect(await nb.innerText()).toContain('Nitrobox');
    expect(await nb.innerText()).toContain('never synced');
    expect(await nb.innerText()).toContain('every 180 days (vendor default)');
    expect(await nb.innerText()).toContain('Stored');
    expect(await page.content()).not.toContain(credentials.nitrobox);
    expect(await axe()).toEqual([]);
  });

  it('Sync now shows the pages and keys as they arrive, then the result', async () => {
    // The second page is answered 503 with Retry-After: 2 once, so the first page's progress stays on screen.
    nitrobox.emulator.addFault({ kind: 'status', status: 503, retryAfterSeconds: 2, method: 'GET', hasQuery: 'cursor', times: 1 });
    const added = page.getByRole('region', { name: 'Added nb (Nitrobox)' });
    await added.getByRole('button', { name: 'Sync now' }).click();
    const progress = added.getByRole('status');
    await expect.poll(() => progress.innerText(), { interval: 50 }).toBe('Syncing: 1 page, 100 keys so far…');
    // The card says the same while it runs.
    expect(await card('nb').getByRole('status').first().innerText()).toBe('Syncing: 1 page, 100 keys so far…');
    await expect.poll(() => progress.innerText(), { timeout: 15_000 }).toBe('Synced: 150 keys in 2 pages.');
    await expect.poll(() => card('nb').innerText()).toContain('synced less than a minute ago');
    expect(await card('nb').locator('dd').first().innerText()).toBe('150');
    await added.getByRole('button', { name: 'Done' }).click();
    await added.waitFor({ state: 'detached' });
    await expect.poll(focusedText).toBe('Add backend');
  });

  it('adds CommBox, BoxWatch and manual backends through the form, and syncs them', async () => {
    await page.getByRole('button', { name: 'Add backend' }).click();
    await fillAddForm({ vendor: 'CommBox', name: 'cb', url: commbox.emulator.url, credential: credentials.commbox });
    expect(await addForm().getByLabel('CommBox admin token').getAttribute('type')).toBe('password');
    await addForm().getByRole('button', { name: 'Test and add' }).click();
    await page.getByRole('region', { name: 'Added cb (CommBox)' }).getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => card('cb').getByRole('status').first().innerText()).toMatch(/^Synced: 1 key in 1 page/);

    await page.getByRole('button', { name: 'Add backend' }).click();
    await fillAddForm({ vendor: 'BoxWatch', name: 'bw', url: boxwatch.emulator.url, credential: credentials.boxwatch });
    await addForm().getByRole('button', { name: 'Test and add' }).click();
    await page.getByRole('region', { name: 'Added bw (BoxWatch)' }).getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => card('bw').getByRole('status').first().innerText()).toMatch(/^Synced: 1 key in 1 page/);

    await page.getByRole('button', { name: 'Add backend' }).click();
    await addForm()
      .getByRole('radio', { name: /^Manual/ })
      .check();
    expect(
      await addForm()
        .getByLabel(/API URL$/)
        .count(),
    ).toBe(0);
    expect(await addForm().locator('input[type="password"]').count()).toBe(0);
    await fillAddForm({ vendor: 'Manual', name: 'hand', policy: '30' });
    await addForm().getByRole('button', { name: 'Add backend' }).click();
    const added = page.getByRole('region', { name: 'Added hand (Manual)' });
    await added.waitFor();
    expect(await added.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    await added.getByRole('button', { name: 'Done' }).click();

    expect(
      engine
        .listBackends()
        .map((backend) => `${backend.name}:${backend.type}:${backend.rotateEveryDays}`)
        .sort(),
    ).toEqual(['bw:boxwatch:90', 'cb:commbox:null', 'hand:manual:30', 'nb:nitrobox:180']);
    expect(await card('hand').innerText()).toContain('none needed');
    expect(await card('hand').getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    expect(await card('cb').getByRole('button', { name: 'Replacement interval' }).count()).toBe(1);
    expect(await card('nb').getByRole('button', { name: 'Replacement interval' }).count()).toBe(0);
    expect(await axe()).toEqual([]);
    await screenshot(page, 'backends-light');
  });

  it('a rotation policy changes the due dates in the inventory', async () => {
    await goToView(page, 'Inventory');
    const before = engine.listKeys({ search: 'client-000' })[0]!;
    expect(await dueOf('client-000')).toContain(dueLabel(before.rotationDueAt!, new Date()).text);
    expect(dueLabel(before.rotationDueAt!, new Date()).text).toMatch(/^in (9|10|11) days$/);

    await goToView(page, 'Backends');
    await card('nb').getByRole('button', { name: 'Rotation policy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotation policy: nb' });
    await dialog.waitFor();
    expect(await axe()).toEqual([]);
    await dialog.getByRole('radio', { name: 'A number of days after creation' }).check();
    await dialog.getByLabel('Days after creation', { exact: true }).fill('30');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => card('nb').innerText()).toContain('Rotation policy set to every 30 days.');
    expect(await card('nb').innerText()).toContain('every 30 days');
    // The dialog gave the focus back to the button that opened it.
    expect(await focusedText()).toBe('Rotation policy');

    await goToView(page, 'Inventory');
    const after = engine.listKeys({ search: 'client-000' })[0]!;
    expect(dueLabel(after.rotationDueAt!, new Date()).text).toMatch(/^14\d days overdue$/);
    await expect.poll(() => dueOf('client-000')).toContain(dueLabel(after.rotationDueAt!, new Date()).text);
    await page.getByLabel('Search keys').fill('');
  });

  it("sets CommBox's replacement interval at the vendor; the key's expiry follows", async () => {
    await goToView(page, 'Backends');
    await card('cb').getByRole('button', { name: 'Replacement interval' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replacement interval: cb' });
    await expect.poll(focusedLabel).toBe('Replacement interval in days');
    await dialog.getByLabel('Replacement interval in days').fill('400');
    await dialog.getByRole('button', { name: 'Set at CommBox' }).click();
    await expect.poll(() => dialog.getByLabel('Replacement interval in days').getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.innerText()).toContain('Enter a whole number of days from 1 to 365.');
    await dialog.getByLabel('Replacement interval in days').fill('120');
    await dialog.getByRole('button', { name: 'Set at CommBox' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => card('cb').innerText()).toContain('Replacement interval at CommBox set to 120 days.');
    expect(commbox.state.rotationIntervalDays).toBe(120);
    const active = engine.listKeys({ backend: 'cb', status: 'active' })[0]!;
    expect(Date.parse(active.expiresAt!) - Date.parse(active.createdAt!)).toBe(120 * DAY);
  });

  it("Set credential tests the new one: a wrong one is refused with the engine's message, a right one is saved", async () => {
    await card('nb').getByRole('button', { name: 'Set credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'Set credential: nb' });
    const field = dialog.getByLabel('Nitrobox user token');
    expect(await field.getAttribute('type')).toBe('password');
    await field.fill(randomBytes(24).toString('base64url'));
    await dialog.getByRole('button', { name: 'Test and save' }).click();
    await expect.poll(() => dialog.getByRole('alert').innerText()).toBe('Refused: nb: Nitrobox refused this portal user token (401): it is expired, mistyped or from another tenant');
    // The field is emptied for the next try, which starts there; the refusal is tied to it.
    expect(await field.inputValue()).toBe('');
    await expect.poll(focusedLabel).toBe('Nitrobox user token');
    expect(await field.getAttribute('aria-describedby')).toContain(await dialog.getByRole('alert').getAttribute('id'));
    expect(await axe()).toEqual([]);
    await screenshot(page, 'backends-dialog-light');
    await field.fill(credentials.nitrobox);
    await dialog.getByRole('button', { name: 'Test and save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => card('nb').innerText()).toContain('Credential tested and saved.');
    expect(await page.content()).not.toContain(credentials.nitrobox);
  });

  it('an unreachable vendor: the backend says why in plain words and how old its data is; its keys stay in the inventory', async () => {
    await boxwatch.emulator.close();
    const bw = card('bw');
    await bw.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => bw.getByRole('status').first().innerText()).toMatch(/^Sync failed: bw: cannot reach the backend \(ECONNREFUSED\)/);
    await expect.poll(() => bw.innerText()).toContain('Last sync failed less than a minute ago: Unreachable: nothing answered at its address.');
    const text = await bw.innerText();
    expect(text).toContain('bw: cannot reach the backend (ECONNREFUSED)');
    expect(text).toContain('Offline: showing data from less than a minute ago');
    expect(text).toContain('the inventory keeps its 1 key as it was then.');
    expect(engine.getBackend('bw').lastError).toMatch(/ECONNREFUSED/);
    expect(await axe()).toEqual([]);
    await screenshot(page, 'backends-unreachable-light');

    await goToView(page, 'Inventory');
    await page.getByRole('button', { name: /^bw/ }).click();
    await expect.poll(() => page.locator('[role="row"][data-index]').count()).toBe(1);
    expect(await page.getByRole('row', { name: /CI pipeline/ }).count()).toBe(1);
    await page.getByRole('navigation', { name: 'Filters' }).getByRole('button', { name: 'Clear filters' }).click();
    // The header says that some data is not current, and leads to the backends.
    const stale = page.getByRole('banner').getByRole('link', { name: /1 backend unreachable — data from less than a minute ago/ });
    await stale.waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'backends-stale-inventory-light');
    await stale.click();
    await page.getByRole('heading', { level: 1, name: 'Backends' }).waitFor();
  });

  it('Remove asks for the name, says the vendor is not changed, and removes only Keywarden’s copy', async () => {
    const remove = card('cb').getByRole('button', { name: 'Remove' });
    await remove.click();
    const dialog = page.getByRole('dialog', { name: 'Remove cb?' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Nothing changes at CommBox');
    // Escape leaves it, and the focus returns to Remove.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focusedText()).toBe('Remove');
    await remove.click();
    const confirm = dialog.getByRole('button', { name: 'Remove from Keywarden' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type cb to confirm').fill('c');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type cb to confirm').fill('cb');
    expect(await axe()).toEqual([]);
    await screenshot(page, 'backends-remove-light');
    await confirm.click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByRole('main').getByRole('status').first().innerText()).toBe('Removed cb and its 1 cached key from Keywarden. Nothing was changed at CommBox.');
    expect(await card('cb').count()).toBe(0);
    expect(await focusedText()).toBe('Backends');
    expect(engine.listBackends().map((backend) => backend.name)).toEqual(['bw', 'hand', 'nb']);
    expect(engine.listKeys({}).filter((key) => key.backend === 'cb')).toEqual([]);
    // At the vendor, the key is as it was.
    expect(commbox.state.activeKey()).toBeDefined();
  });

  it('dark theme: the backends with a failure, a dialog, and no page errors', async () => {
    expect(pageErrors).toEqual([]);
    await context.close();
    page = await open(server.newLaunchUrl(), 'dark');
    await goToView(page, 'Backends');
    await card('bw').getByText('Last sync failed').waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'backends-dark');
    await card('nb').getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog', { name: 'Remove nb?' }).waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'backends-remove-dark');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Add backend' }).click();
    await addForm().waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'backends-add-dark');
    await goToView(page, 'Inventory');
    await page
      .getByRole('banner')
      .getByRole('link', { name: /unreachable/ })
      .waitFor();
    await screenshot(page, 'backends-stale-inventory-dark');
    expect(pageErrors).toEqual([]);
  });

  describe('first run with the demo', () => {
    let emptyHome: string;
    let demoHome: string;
    let emptyEngine: KeywardenEngine;
    let demoServer: UiServer;

    beforeAll(async () => {
      emptyHome = mkdtempSync(join(tmpdir(), 'keywarden-e2e-first-run-'));
      demoHome = mkdtempSync(join(tmpdir(), 'keywarden-e2e-demo-'));
      emptyEngine = KeywardenEngine.open({ home: emptyHome, http: HTTP });
      // As `keywarden ui` does: the demo's own engine on its own folder, its emulators running until the server stops.
      demoServer = await startUiServer({
        engine: emptyEngine,
        rendererFolder: RENDERER,
        home: emptyHome,
        startDemo: (): Promise<RunningDemoEngine> => startDemoSession(KeywardenEngine.open({ home: demoHome, http: HTTP }), demoHome),
      });
    });

    afterAll(async () => {
      await demoServer?.close();
      await emptyEngine?.close();
      for (const folder of [emptyHome, demoHome]) if (folder) rmSync(folder, { recursive: true, force: true });
    });

    it('offers "Try the demo" and "Add a backend", with the terminal commands below (dark and light)', async () => {
      await context.close();
      page = await open(demoServer.newLaunchUrl(), 'dark');
      const firstRun = page.getByRole('region', { name: 'No backends yet' });
      await firstRun.waitFor();
      await firstRun.getByRole('button', { name: 'Try the demo' }).waitFor();
      expect(await firstRun.getByRole('link', { name: 'Add a backend' }).getAttribute('href')).toBe('#/backends?add');
      expect(await firstRun.innerText()).toContain('keywarden demo');
      expect(await page.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
      expect(await axe()).toEqual([]);
      await screenshot(page, 'first-run-offer-dark');
      await context.close();
      page = await open(demoServer.newLaunchUrl(), 'light');
      await page.getByRole('button', { name: 'Try the demo' }).waitFor();
      expect(await axe()).toEqual([]);
      await screenshot(page, 'first-run-offer-light');
    });

    it('"Add a backend" opens the form in the backends view', async () => {
      await page.getByRole('link', { name: 'Add a backend' }).click();
      await addForm().waitFor();
      expect(new URL(page.url()).hash).toBe('#/backends');
      await addForm().getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('heading', { name: 'No backends yet' }).waitFor();
      await goToView(page, 'Inventory');
    });

    it('"Try the demo" fills the inventory and the top bar says "Demo data"', async () => {
      const demo = page.getByRole('button', { name: 'Try the demo' });
      await demo.click();
      await page.getByRole('table', { name: 'Keys' }).waitFor({ timeout: 30_000 });
      await page.getByText('Payment gateway (prod)').waitFor();
      await page.getByText('Demo data', { exact: true }).waitFor();
      // The real (empty) folder is untouched: the demo has its own.
      expect(emptyEngine.listBackends()).toEqual([]);
      await expect.poll(() => page.locator('.summary').innerText()).not.toContain('…');
      expect(await axe()).toEqual([]);
      await screenshot(page, 'first-run-demo-light');
      await goToView(page, 'Backends');
      await card('demo-nitrobox').waitFor();
      expect(await page.getByRole('article').count()).toBe(4);
      expect(await axe()).toEqual([]);
      await screenshot(page, 'first-run-demo-backends-light');
      expect(pageErrors).toEqual([]);
    });
  });
});
