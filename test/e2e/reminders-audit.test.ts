/**
 * The console's Reminders and Audit trail views in Chromium, as an administrator uses them: `keywarden ui`'s
 * server (in-process) over a private data folder with a manual backend (a key 20 days overdue for rotation, one
 * expiring in 5 days) and a CommBox emulator whose one key is valid for 60 days.
 *
 * Time: the engine is opened with `now` reading the CommBox emulator's own clock, so moving that clock (its
 * control endpoint, as the connector tests do) moves the vendor and Keywarden together, as real time would. The
 * reminders the view shows are the engine's (its clock, its day counts); the test checks them against
 * `engine.reminders()` where the day count depends on the clock. Secrets are made at run time, never written here.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { EmulatorClock } from '../../electron/core/backends/emulator-kit.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { openSqlite } from '../../electron/core/store/sqlite.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import type { AuditEvent } from '../../shared/domain.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { advanceEmulatorClock } from '../support/connectors.js';
import {
  DAY_MS as DAY,
  E2E_HTTP as HTTP,
  goToView,
  hasChromium,
  launchChromium,
  localNoonInDays,
  openInventory,
  RENDERER,
  requireBuiltRenderer,
  screenshot,
  seriousAxeFindings,
} from '../support/console-e2e.js';

const CSV_HEADER = 'id,at,osUser,action,backend,ref,outcome,detail';

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: reminders and audit trail in Chromium', () => {
  let home: string;
  let clock: EmulatorClock;
  let engine: KeywardenEngine;
  let commbox: CommBoxEmulator;
  let adminToken: string;
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];
  /** The keys' references, from the engine. */
  let refs: { legacy: string; stripe: string; commbox: string };

  const summaryText = (target: Page) => target.getByRole('main').locator('.summary').innerText();
  const overdueList = (target: Page) => target.getByRole('region', { name: /^Overdue/ });
  const timeline = (target: Page) => target.getByRole('region', { name: 'Next 90 days' });
  const auditRows = () => page.getByRole('table', { name: /Audit events/ }).locator('tbody tr');

  /** Every secret this suite made: none may appear in an export. */
  function secrets(): string[] {
    return [adminToken, ...commbox.state.keys.map((key) => key.secret)];
  }

  async function download(button: string): Promise<{ name: string; content: string }> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
    return { name: file.suggestedFilename(), content: readFileSync(await file.path(), 'utf8') };
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-reminders-'));
    clock = new EmulatorClock();
    commbox = await startCommBoxEmulator({ clock });
    adminToken = commbox.state.addAdminToken();
    commbox.state.issueActiveKey('Production', { validityDays: 60 });
    engine = KeywardenEngine.open({ home, http: HTTP, now: () => clock.now() });
    await engine.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: adminToken });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    // Rotation every 80 days, created 100 days ago: 20 days overdue. Expiring in 5 calendar days, at noon.
    await engine.addManualKey('hand', { name: 'Legacy webhook', vendor: 'Acme', createdAt: new Date(Date.now() - 100 * DAY).toISOString(), rotateEveryDays: 80 });
    await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', expiresAt: localNoonInDays(5) });
    expect((await engine.sync(['cb'])).ok).toBe(true);
    const ref = (name: string) => engine.listKeys({ search: name })[0]!.ref;
    refs = { legacy: ref('Legacy webhook'), stripe: ref('Stripe prod'), commbox: ref('Production') };
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
    ({ context, page, errors: pageErrors } = await openInventory(browser, server.newLaunchUrl(), { colorScheme: 'light' }));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await commbox?.emulator.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('lists the overdue key first, the 5-day one in the first week and the 60-day CommBox key later, with counts', async () => {
    await goToView(page, 'Reminders');
    const overdue = overdueList(page);
    await overdue.waitFor();
    expect(await overdue.getByRole('heading').innerText()).toMatch(/^Overdue\s*1$/);
    const legacy = overdue.getByRole('link', { name: /Legacy webhook/ });
    expect(await legacy.innerText()).toMatch(/rotation was due[\s\S]*20 days overdue/);
    expect(await legacy.getAttribute('href')).toBe(`#/inventory?key=${encodeURIComponent(refs.legacy)}`);

    const firstWeek = page.getByRole('region', { name: /next 7 days, today included/ });
    const stripe = firstWeek.getByRole('link', { name: /Stripe prod/ });
    expect(await stripe.innerText()).toMatch(/hand[\s\S]*expires[\s\S]*in 5 days/);
    expect(await stripe.getAttribute('href')).toBe(`#/inventory?key=${encodeURIComponent(refs.stripe)}`);

    // Valid 60 days: in the timeline, but not within 30 days.
    const production = timeline(page).getByRole('link', { name: /Production/ });
    expect(await production.innerText()).toMatch(/cb[\s\S]*expires[\s\S]*in 60 days/);
    expect((await summaryText(page)).replace(/\s+/g, ' ')).toBe('Overdue 1 Due within 7 days 1 Due within 30 days 1 Due within 90 days 2');
    // The weeks at a glance: the first week holds one, the rest of the 13 are listed too.
    const strip = page.getByRole('list', { name: 'Weeks at a glance' });
    expect(await strip.getByRole('listitem').count()).toBe(13);
    await strip
      .getByRole('button', { name: /: 1 due$/ })
      .first()
      .click();
    expect(await page.evaluate<string | null>(`document.activeElement?.id ?? null`)).toBe('week-0-heading');
  });

  it('has no serious or critical accessibility violations; light screenshot', async () => {
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'reminders-light');
  });

  it("a reminder opens its key in the inventory's detail panel; Test there is recorded", async () => {
    await timeline(page)
      .getByRole('link', { name: /Stripe prod/ })
      .click();
    const detail = page.getByRole('complementary', { name: 'Stripe prod' });
    await detail.waitFor();
    // The name, and its ID beside it (keys of the same name are told apart).
    expect(await detail.getByRole('heading', { level: 2 }).innerText()).toMatch(/^Stripe prod stripe-prod-[0-9a-f]{6}$/);
    expect(new URL(page.url()).hash).toBe('#/inventory');
    // A manual key without a test set up: the console does not offer Test, and says why in its place.
    await detail.getByText('no test is set up for this key: it was added without a test request').waitFor();
    expect(await detail.getByRole('button', { name: 'Test', exact: true }).count()).toBe(0);
    // Tried anyway elsewhere (`keywarden test` in a terminal): the engine refuses, and the refusal is in the trail (below).
    await expect(engine.testKey(refs.stripe)).rejects.toThrow(/no test is configured/);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    // The CommBox key tests at the vendor.
    await page.getByLabel('Search keys').fill('Production');
    await page.getByRole('row', { name: /Production/ }).click();
    const production = page.getByRole('complementary', { name: 'Production' });
    await production.getByRole('button', { name: 'Test', exact: true }).click();
    await expect.poll(() => production.getByRole('status').first().innerText()).toMatch(/^Works: /);
    await page.keyboard.press('Escape');
    await page.getByLabel('Search keys').fill('');
  });

  it('a reminder appears after the clock moves and a sync, in an open Reminders view without reloading it', async () => {
    await goToView(page, 'Reminders');
    await timeline(page)
      .getByRole('link', { name: /Production/ })
      .waitFor();
    // Another tab, as an administrator would: it runs the sync; this one only listens to the engine's events. A tab
    // signs in with a link of its own (Enter in the terminal running keywarden ui prints one).
    const other = await context.newPage();
    await other.goto(server.newLaunchUrl());
    await other.getByRole('table', { name: 'Keys' }).waitFor();
    // The console counts days from the browser's clock, so the browser's clock moves with the engine's below (time
    // passes for everyone): Playwright's clock, installed before the marker that proves the view is not reloaded.
    await page.clock.install();
    await page.reload();
    await timeline(page)
      .getByRole('link', { name: /Production/ })
      .waitFor();
    const markers = await page.evaluate<number>(`(window.__notReloaded = 42)`);
    expect(markers).toBe(42);

    // 40 days later, for CommBox and for Keywarden: the key valid 60 days has 20 left.
    await advanceEmulatorClock(commbox.emulator.url, 40);
    await page.clock.setSystemTime(clock.now());
    const soon = engine.reminders({ withinDays: 30 }).find((reminder) => reminder.ref === refs.commbox);
    expect(soon).toMatchObject({ kind: 'expiry', threshold: 30 });
    expect(soon!.daysLeft).toBeGreaterThan(7);
    // Nothing told the open view yet: it still shows what it loaded.
    expect(
      await timeline(page)
        .getByRole('link', { name: /Production/ })
        .innerText(),
    ).toMatch(/in 60 days/);

    await other.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => other.getByRole('banner').getByRole('status').innerText()).toContain('cb synced, 1 key');
    const production = timeline(page).getByRole('link', { name: /Production/ });
    await expect.poll(() => production.innerText()).toMatch(new RegExp(`expires[\\s\\S]*in ${soon!.daysLeft} days`));
    // Within 30 days now; the manual keys, on the same clock, are both overdue.
    await expect.poll(async () => (await summaryText(page)).replace(/\s+/g, ' ')).toBe('Overdue 2 Due within 7 days 0 Due within 30 days 1 Due within 90 days 1');
    const stripe = engine.reminders({}).find((reminder) => reminder.ref === refs.stripe)!;
    expect(stripe.daysLeft).toBeLessThan(-30);
    expect(
      await overdueList(page)
        .getByRole('link', { name: /Stripe prod/ })
        .innerText(),
    ).toMatch(new RegExp(`expired[\\s\\S]*${-stripe.daysLeft} days overdue`));

    // 21 more days: past the key's expiry, so CommBox rotates it (docs/wire/commbox.md): the old key is revoked
    // with 30 days of grace and a replacement valid for the interval (365 days) is issued. A sync brings that in.
    await advanceEmulatorClock(commbox.emulator.url, 21);
    await page.clock.setSystemTime(clock.now());
    await other.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => other.getByRole('banner').getByRole('status').innerText()).toContain('cb synced, 2 keys');
    const grace = engine.reminders({ withinDays: 90 }).find((reminder) => reminder.ref === refs.commbox);
    expect(grace).toMatchObject({ kind: 'grace-end', threshold: 30 });
    await expect.poll(() => production.innerText()).toMatch(new RegExp(`grace ends[\\s\\S]*in ${grace!.daysLeft} days`));
    // The replacement is due in a year: no reminder for it; the old key's expiry is no longer one either.
    expect(await page.getByRole('link', { name: /Production/ }).count()).toBe(1);
    expect(await page.evaluate<number | null>(`window.__notReloaded ?? null`)).toBe(42);
    await screenshot(page, 'reminders-after-rotation-light');
    await other.close();
  });

  it('the audit trail lists the tests and the syncs, newest first, with outcomes in words', async () => {
    await goToView(page, 'Audit trail');
    const table = page.getByRole('table', { name: /Audit events/ });
    await table.waitFor();
    const headers = await table.getByRole('columnheader').allInnerTexts();
    expect(headers).toEqual(['Time', 'OS user', 'Action', 'Backend', 'Key', 'Outcome', 'Detail']);
    const trail = engine.auditTrail({});
    await expect.poll(() => auditRows().count()).toBe(trail.length);
    // Newest first: the second UI sync on top.
    const top = (await auditRows().first().innerText()).replace(/\s+/g, ' ');
    expect(top).toContain('Sync cb');
    expect(top).toContain('OK');
    const rows = (await auditRows().allInnerTexts()).map((row) => row.replace(/\s+/g, ' '));
    expect(rows.filter((row) => row.includes('Sync cb'))).toHaveLength(3);
    const tests = rows.filter((row) => row.includes(' Test '));
    expect(tests).toHaveLength(2);
    expect(tests.find((row) => row.includes(refs.commbox))).toContain('OK');
    expect(tests.find((row) => row.includes(refs.stripe))).toContain('Failed');
    // Actions in words, never the engine's codes ("rotation.step", "rotation.abandon (rotation.abandon)").
    expect(rows.filter((row) => /rotation\.|key\.add|backend\.add/.test(row))).toEqual([]);
    expect(await page.getByLabel('Action', { exact: true }).locator('option').allInnerTexts()).not.toContainEqual(expect.stringContaining('('));
    // A reference is one line, cut with an ellipsis, the whole of it in the title; never wrapped over lines.
    const refStyle = await page.evaluate<{ whiteSpace: string; textOverflow: string; title: string }>(`(() => {
      const element = document.querySelector('.audit-table .key-ref');
      const style = getComputedStyle(element);
      return { whiteSpace: style.whiteSpace, textOverflow: style.textOverflow, title: element.closest('[title]').getAttribute('title') };
    })()`);
    expect(refStyle).toMatchObject({ whiteSpace: 'nowrap', textOverflow: 'ellipsis' });
    expect(refStyle.title).toMatch(/\(\w+\/[^)]+\)$/);
    expect(await page.locator('.audit-count').innerText()).toBe(`${trail.length} events`);
    // The hash chain verifies, with the head hash to record elsewhere.
    const chain = engine.verifyAuditTrail();
    await expect.poll(() => page.locator('.audit-chain').innerText()).toBe(`Chain verified: ${trail.length} events, head ${chain.headHash}`);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'audit-light');
  });

  it('filters by key and by action, and a key link opens the key', async () => {
    const key = page.getByLabel('Key', { exact: true });
    // Part of a reference is enough: the events of the keys that match it.
    await key.fill(refs.stripe.slice(5, 15));
    await key.press('Enter');
    await expect.poll(() => auditRows().count()).toBe(engine.auditTrail({ ref: refs.stripe }).length);
    expect((await auditRows().allInnerTexts()).every((row) => row.includes(refs.stripe))).toBe(true);
    expect(await key.getAttribute('aria-invalid')).toBeNull();

    await key.fill(refs.stripe);
    await key.press('Enter');
    await expect.poll(() => auditRows().count()).toBe(engine.auditTrail({ ref: refs.stripe }).length);
    const stripeRows = await auditRows().allInnerTexts();
    expect(stripeRows.every((row) => row.includes(refs.stripe))).toBe(true);
    expect(stripeRows.map((row) => row.split('\t')[2])).toEqual(['Test', 'Add manual key']);
    // Beside the reference, the key's name.
    expect(stripeRows.every((row) => row.split('\t')[4]!.includes('Stripe prod'))).toBe(true);

    await page.getByLabel('Action', { exact: true }).selectOption('test');
    await expect.poll(() => auditRows().count()).toBe(1);
    expect(await page.locator('.audit-count').innerText()).toBe('1 matching event');
    await page.getByLabel('Outcome', { exact: true }).selectOption('ok');
    expect(await page.getByText('None of the 1 event loaded has the outcome OK.').count()).toBe(1);
    expect(await page.locator('.audit-count').innerText()).toBe('0 with outcome OK, of 1 matching event');
    await page.getByLabel('Outcome', { exact: true }).selectOption('');
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'audit-filtered-light');

    // A key's history links here with the key in the address: the trail opens filtered to it, and the address drops it.
    await page.goto(`${server.origin}/#/audit?key=${encodeURIComponent(refs.legacy)}`);
    await expect.poll(() => key.inputValue()).toBe(refs.legacy);
    await expect.poll(() => auditRows().count()).toBe(1);
    expect(await auditRows().first().innerText()).toContain('Add manual key');
    expect(new URL(page.url()).hash).toBe('#/audit');

    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await expect.poll(() => auditRows().count()).toBe(engine.auditTrail({}).length);
    expect(await key.inputValue()).toBe('');

    await page.getByLabel('Action', { exact: true }).selectOption('test');
    await expect.poll(() => auditRows().count()).toBe(2);
    await auditRows().first().getByRole('link', { name: refs.commbox }).waitFor();
    await page.getByLabel('Backend', { exact: true }).selectOption('cb');
    await expect.poll(() => auditRows().count()).toBe(1);
    await auditRows().first().getByRole('link', { name: refs.commbox }).click();
    await page.getByRole('complementary', { name: 'Production' }).waitFor();
    await page.keyboard.press('Escape');
  });

  it('exports the filtered trail as CSV and JSON: a header row, the events, no secret', async () => {
    await goToView(page, 'Audit trail');
    await page.getByLabel('Backend', { exact: true }).selectOption('cb');
    const expected = engine.auditTrail({ backend: 'cb' });
    await expect.poll(() => auditRows().count()).toBe(expected.length);

    const csv = await download('Export CSV');
    expect(csv.name).toMatch(/^keywarden-audit-\d{4}-\d{2}-\d{2}_cb\.csv$/);
    const lines = csv.content.split('\n');
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines).toHaveLength(expected.length + 1);
    // Oldest first in the file, as audit:list answers; each row is the event with its id.
    expect(lines.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(expected.map((event) => event.id));
    expect(lines.slice(1).every((line) => line.split(',')[4] === 'cb')).toBe(true);
    expect(lines.some((line) => line.includes(',test,cb,') && line.includes(',ok,'))).toBe(true);
    await page.getByText(`Exported ${expected.length} events as ${csv.name}`).waitFor();

    const json = await download('Export JSON');
    expect(json.name).toMatch(/^keywarden-audit-\d{4}-\d{2}-\d{2}_cb\.json$/);
    expect(JSON.parse(json.content) as AuditEvent[]).toEqual(expected);

    await screenshot(page, 'audit-exported-light');
    for (const secret of secrets()) {
      expect(csv.content.includes(secret)).toBe(false);
      expect(json.content.includes(secret)).toBe(false);
    }
    expect(pageErrors).toEqual([]);
  });

  it('dark theme: both views pass axe; screenshots; no page errors', async () => {
    await context.close();
    ({ context, page, errors: pageErrors } = await openInventory(browser, server.newLaunchUrl(), { colorScheme: 'dark' }));
    await goToView(page, 'Reminders');
    await timeline(page)
      .getByRole('link', { name: /Production/ })
      .waitFor();
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'reminders-dark');
    await goToView(page, 'Audit trail');
    await page.getByRole('table', { name: /Audit events/ }).waitFor();
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'audit-dark');
    expect(pageErrors).toEqual([]);
  });

  it('with nothing due and nothing recorded, both views say so', async () => {
    const emptyHome = mkdtempSync(join(tmpdir(), 'keywarden-e2e-empty-'));
    const emptyEngine = KeywardenEngine.open({ home: emptyHome, http: HTTP });
    const emptyServer = await startUiServer({ engine: emptyEngine, rendererFolder: RENDERER });
    try {
      await page.goto(emptyServer.newLaunchUrl());
      await goToView(page, 'Reminders');
      await page.getByRole('heading', { name: 'Nothing due in the next 90 days' }).waitFor();
      expect((await summaryText(page)).replace(/\s+/g, ' ')).toBe('Overdue 0 Due within 7 days 0 Due within 30 days 0 Due within 90 days 0');
      expect(await seriousAxeFindings(page)).toEqual([]);
      await screenshot(page, 'reminders-empty-dark');
      await goToView(page, 'Audit trail');
      await page.getByRole('heading', { name: 'The audit trail is empty' }).waitFor();
      expect(await page.getByRole('button', { name: 'Export CSV' }).isDisabled()).toBe(true);
      await expect.poll(() => page.locator('.audit-chain').innerText()).toBe(`Chain verified: 0 events, head ${emptyEngine.verifyAuditTrail().genesis}`);
      expect(await seriousAxeFindings(page)).toEqual([]);
      await screenshot(page, 'audit-empty-dark');
      expect(pageErrors).toEqual([]);
    } finally {
      await emptyServer.close();
      await emptyEngine.close();
      rmSync(emptyHome, { recursive: true, force: true });
    }
  });

  it('an event edited outside Keywarden: a prominent warning names the first broken event (dark theme, axe)', async () => {
    const [edited] = engine.auditTrail({ action: 'test', backend: 'cb' });
    const raw = openSqlite(join(home, 'keywarden.db'));
    try {
      raw.prepare("UPDATE audit SET outcome = 'failed' WHERE id = ?").run(edited!.id);
    } finally {
      raw.close();
    }
    await page.goto(server.newLaunchUrl());
    await goToView(page, 'Audit trail');
    const warning = page.getByRole('alert').filter({ hasText: 'The audit trail does not verify' });
    await warning.waitFor();
    const text = (await warning.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain(`First broken event: ${edited!.id} (`);
    expect(text).toContain('was changed after it was recorded');
    expect(text).toContain(`${edited!.id - 1} of ${engine.auditTrail({}).length} events verify before it`);
    expect(await page.locator('.audit-chain-ok').count()).toBe(0);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'audit-chain-broken-dark');
    expect(pageErrors).toEqual([]);
  });
});
