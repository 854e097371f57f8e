/**
 * The console's Health view in Chromium, as an administrator uses it: `keywarden ui`'s server (in-process) over a
 * private data folder with a manual backend (a key 20 days overdue for rotation, one expiring in 5 days, two keys
 * holding one secret, one key with an owner), a 60-day organisation rotation policy, a manual backend of 230 keys
 * without a due date (a finding longer than the 200 the engine lists and the 50 a card shows at first), and a CommBox emulator
 * whose one key is valid for 60 days. What the view shows is checked against `engine.health()`; the calendar it
 * downloads is read back by ical.js, as calendar clients read it. Secrets are made at run time, never written here.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { EmulatorClock } from '../../electron/core/backends/emulator-kit.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import type { HealthReport } from '../../shared/health.js';
import { hasIsolatedKeychain } from '../support/cli.js';
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

const BULK = 230;
/** What the engine lists of one finding (electron/core/health/findings.ts DEFAULT_HEALTH_OPTIONS.subjectLimit). */
const LISTED = 200;

/** ical.js is an ES module only; the tests compile as CommonJS, so it is loaded with import() (in beforeAll). */
let ICAL: typeof import('ical.js', { with: { 'resolution-mode': 'import' } }).default;

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: health findings and the expiry calendar in Chromium', () => {
  let home: string;
  let clock: EmulatorClock;
  let engine: KeywardenEngine;
  let commbox: CommBoxEmulator;
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];
  let refs: { legacy: string; stripe: string; commbox: string };

  const findingCards = (target: Page) => target.getByRole('main').locator('section.finding');
  const finding = (target: Page, title: string) => target.getByRole('region', { name: title, exact: true });
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

  function summaryOf(report: HealthReport): string {
    const { critical, high, warning, info } = report.counts;
    return `Critical ${critical} High ${high} Warning ${warning} Info ${info}`;
  }

  async function download(target: Page): Promise<{ name: string; content: string }> {
    const [file] = await Promise.all([target.waitForEvent('download'), target.getByRole('button', { name: 'Download calendar (.ics)' }).click()]);
    return { name: file.suggestedFilename(), content: readFileSync(await file.path(), 'utf8') };
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    ICAL = (await import('ical.js')).default;
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-health-'));
    clock = new EmulatorClock();
    commbox = await startCommBoxEmulator({ clock });
    const adminToken = commbox.state.addAdminToken();
    commbox.state.issueActiveKey('Production', { validityDays: 60 });
    engine = KeywardenEngine.open({ home, http: HTTP, now: () => clock.now() });
    await engine.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: adminToken });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addBackend({ name: 'bulk', type: 'manual' });
    // Rotation every 80 days, created 100 days ago: 20 days overdue. Expiring in 5 calendar days, at noon.
    await engine.addManualKey('hand', { name: 'Legacy webhook', vendor: 'Acme', createdAt: new Date(Date.now() - 100 * DAY).toISOString(), rotateEveryDays: 80 });
    await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', expiresAt: localNoonInDays(5) });
    // One secret typed in twice (the same secret under two keys), and an owner on one key (so "no owner" applies).
    const shared = `sk_live_${randomBytes(18).toString('base64url')}`;
    await engine.addManualKey('hand', { name: 'Payments API', vendor: 'Stripe', secret: shared, expiresAt: localNoonInDays(40), description: { owner: 'ana' } });
    await engine.addManualKey('hand', { name: 'Payments API (copy)', vendor: 'Stripe', secret: shared, expiresAt: localNoonInDays(40) });
    await engine.updateSettings({ maxRotationDays: 60 });
    // Keys with neither an expiry nor a policy: one finding of BULK keys.
    for (let index = 1; index <= BULK; index++) await engine.addManualKey('bulk', { name: `Batch key ${String(index).padStart(3, '0')}` });
    expect((await engine.sync(['cb'])).ok).toBe(true);
    const ref = (name: string) => engine.listKeys({ search: name })[0]!.ref;
    refs = { legacy: ref('Legacy webhook'), stripe: ref('Stripe prod'), commbox: ref('Production') };
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
    ({ context, page, errors: pageErrors } = await openInventory(browser, server.newLaunchUrl(), { colorScheme: 'light' }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await commbox?.emulator.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('opens on what to do first: the overdue key at the top, critical and open, with a link to it; counts as the engine counts', async () => {
    await goToView(page, 'Health');
    await findingCards(page).first().waitFor();
    const report = await engine.health();
    // The same findings, in the engine's order (most severe first), each with its severity in words and its count.
    const heads = (await findingCards(page).locator('.finding-head').allInnerTexts()).map(oneLine);
    expect(heads).toHaveLength(report.findings.length);
    expect(report.findings[0]).toMatchObject({ category: 'overdue', severity: 'critical', count: 1 });
    expect(heads[0]).toBe('Critical Overdue or expired 1 key');
    for (const [index, expected] of report.findings.entries()) {
      expect(heads[index]).toMatch(new RegExp(`^${expected.severity[0]!.toUpperCase()}${expected.severity.slice(1)} ${expected.title.replace(/[()]/g, '\\$&')} `));
    }
    expect(oneLine(await page.locator('.health-summary').innerText())).toBe(summaryOf(report));

    const overdue = finding(page, 'Overdue or expired');
    // Open without a click: why, the fix and the key are on screen.
    expect(await overdue.locator('details').getAttribute('open')).not.toBeNull();
    expect(await overdue.getByText(report.findings[0]!.why).isVisible()).toBe(true);
    expect(await overdue.getByText(report.findings[0]!.action).isVisible()).toBe(true);
    const legacy = overdue.getByRole('link', { name: /Legacy webhook/ });
    // The key's name with its ID (keys of the same name told apart), its backend, and what is wrong.
    expect(oneLine(await legacy.innerText())).toBe(`Legacy webhook ${refs.legacy.slice('hand/'.length)} hand 20 days overdue`);
    expect(await legacy.getAttribute('href')).toBe(`#/inventory?key=${encodeURIComponent(refs.legacy)}`);

    // Due soon is a warning: folded under its title until asked.
    const dueSoon = finding(page, 'Due soon');
    expect(await dueSoon.locator('details').getAttribute('open')).toBeNull();
    expect(await dueSoon.getByRole('link', { name: /Stripe prod/ }).isVisible()).toBe(false);
    await dueSoon.getByText(/^Why it matters, the fix and the 1 key$/).click();
    const stripe = dueSoon.getByRole('link', { name: /Stripe prod/ });
    expect(oneLine(await stripe.innerText())).toMatch(/^Stripe prod stripe-prod-[0-9a-f]{6} hand in 5 days \(\w{3}, \w{3} \d{1,2}, \d{4}\)$/);
    expect(await stripe.getAttribute('href')).toBe(`#/inventory?key=${encodeURIComponent(refs.stripe)}`);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'health-light');
  });

  it('a long finding counts every key, says it lists the first 200, shows 50 and "Show all"', async () => {
    const noDate = finding(page, 'No due date');
    const expected = (await engine.health()).findings.find((each) => each.category === 'no-due-date')!;
    expect(expected).toMatchObject({ count: BULK, truncated: true });
    expect(expected.subjects).toHaveLength(LISTED);
    await noDate.getByText(`Why it matters, the fix and the ${BULK} keys`).click();
    const links = noDate.getByRole('list').getByRole('link');
    expect(await links.count()).toBe(50);
    expect(oneLine(await noDate.locator('.finding-more').innerText())).toBe(`Listed: the first ${LISTED} of ${BULK}, most urgent first. Showing 50 of ${LISTED}. Show all ${LISTED}`);
    await noDate.getByRole('button', { name: `Show all ${LISTED}` }).click();
    await expect.poll(() => links.count()).toBe(LISTED);
    expect(await links.last().getAttribute('href')).toBe(`#/inventory?key=${encodeURIComponent(expected.subjects.at(-1)!.ref!)}`);
    expect(await noDate.getByRole('button', { name: /^Show all/ }).count()).toBe(0);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await noDate.getByRole('link', { name: /Batch key 045/ }).scrollIntoViewIfNeeded();
    await screenshot(page, 'health-show-all-light');
  });

  it('the same secret under two keys, a key longer than the policy and keys without an owner are findings of their own', async () => {
    const report = await engine.health();
    const words = (category: string) => report.findings.find((each) => each.category === category)?.subjects.map((subject) => `${subject.name}: ${subject.detail}`);
    const refOf = (name: string) => engine.listKeys({ search: name }).find((key) => key.name === name)!.ref;
    expect(words('duplicate-secret')?.sort()).toEqual([`Payments API (copy): same secret as ${refOf('Payments API')}`, `Payments API: same secret as ${refOf('Payments API (copy)')}`]);
    expect(words('interval-over-policy')).toEqual(['Legacy webhook: rotated every 80 days; policy at most 60 days']);
    expect(report.findings.find((each) => each.category === 'no-owner')?.count).toBe(report.keysChecked - 1);
    const duplicate = finding(page, 'Same secret under two keys');
    await duplicate.getByText('Why it matters, the fix and the 2 keys').click();
    expect(oneLine(await duplicate.getByRole('link', { name: /Payments API \(copy\)/ }).innerText())).toBe(
      `Payments API (copy) ${refOf('Payments API (copy)').slice('hand/'.length)} hand same secret as ${refOf('Payments API')}`,
    );
    await duplicate.scrollIntoViewIfNeeded();
    await screenshot(page, 'health-new-findings-light');
  });

  it("a finding's key opens in the inventory's detail panel", async () => {
    await goToView(page, 'Health');
    await finding(page, 'Overdue or expired')
      .getByRole('link', { name: /Legacy webhook/ })
      .click();
    const detail = page.getByRole('complementary', { name: 'Legacy webhook' });
    await detail.waitFor();
    expect(new URL(page.url()).hash).toBe('#/inventory');
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
  });

  it('downloads the expiry calendar: a valid iCalendar whose events include the overdue key', async () => {
    await goToView(page, 'Health');
    const file = await download(page);
    expect(file.name).toBe('keywarden-due-dates.ics');
    const calendar = new ICAL.Component(ICAL.parse(file.content) as unknown[]);
    expect(calendar.name).toBe('vcalendar');
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    const events = calendar.getAllSubcomponents('vevent').map((vevent) => new ICAL.Event(vevent));
    expect(events).toHaveLength((await engine.expiryCalendar()).events);
    const legacy = events.find((event) => event.description.includes(`Reference: ${refs.legacy}`));
    expect(legacy?.summary).toBe('Legacy webhook is due for rotation');
    // All day, on the day the console shows: 20 days ago.
    const due = new Date(Date.now() - 20 * DAY);
    expect(legacy!.startDate.isDate).toBe(true);
    expect([legacy!.startDate.year, legacy!.startDate.month, legacy!.startDate.day]).toEqual([due.getFullYear(), due.getMonth() + 1, due.getDate()]);
    expect(events.some((event) => event.description.includes(`Reference: ${refs.stripe}`))).toBe(true);
    await page.getByText(`Saved ${events.length} due dates as keywarden-due-dates.ics`).waitFor();
    // The same download from the reminders view.
    await goToView(page, 'Reminders');
    expect((await download(page)).name).toBe('keywarden-due-dates.ics');
    await page.getByText(/^Saved \d+ due dates as keywarden-due-dates\.ics$/).waitFor();
    await screenshot(page, 'reminders-calendar-light');
    expect(pageErrors).toEqual([]);
  });

  it('locked, the view still answers from the records (metadata only)', async () => {
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByRole('button', { name: /^Unlock/ }).waitFor();
    await goToView(page, 'Inventory');
    await goToView(page, 'Health');
    await finding(page, 'Overdue or expired')
      .getByRole('link', { name: /Legacy webhook/ })
      .waitFor();
    expect(oneLine(await page.locator('.health-summary').innerText())).toBe(summaryOf(await engine.health()));
    await engine.unlock();
  });

  it('screenshots at three sizes in light and dark, buttons at rest, hover and focus; axe in dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await context.close();
      ({ context, page, errors: pageErrors } = await openInventory(browser, server.newLaunchUrl(), { colorScheme: scheme }));
      await goToView(page, 'Health');
      await findingCards(page).first().waitFor();
      if (scheme === 'dark') expect(await seriousAxeFindings(page)).toEqual([]);
      for (const [width, height] of [
        [1440, 900],
        [1024, 700],
        [760, 900],
      ] as const) {
        await page.setViewportSize({ width, height });
        await screenshot(page, `health-${width}-${scheme}`);
      }
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.getByRole('button', { name: 'Download calendar (.ics)' }).hover();
      await screenshot(page, `health-hover-button-${scheme}`);
      await finding(page, 'Overdue or expired')
        .getByRole('link', { name: /Legacy webhook/ })
        .hover();
      await screenshot(page, `health-hover-link-${scheme}`);
      await page.mouse.move(0, 0);
      await page.getByRole('button', { name: 'Download calendar (.ics)' }).focus();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Shift+Tab');
      await screenshot(page, `health-focus-button-${scheme}`);
      await finding(page, 'Due soon').locator('summary').focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await screenshot(page, `health-focus-link-${scheme}`);
      expect(pageErrors).toEqual([]);
    }
  });

  it('with nothing to report, the view says so', async () => {
    const emptyHome = mkdtempSync(join(tmpdir(), 'keywarden-e2e-health-empty-'));
    const emptyEngine = KeywardenEngine.open({ home: emptyHome, http: HTTP });
    const emptyServer = await startUiServer({ engine: emptyEngine, rendererFolder: RENDERER });
    try {
      await page.goto(emptyServer.newLaunchUrl());
      await goToView(page, 'Health');
      await page.getByRole('heading', { name: 'Nothing needs you now' }).waitFor();
      expect(oneLine(await page.locator('.health-summary').innerText())).toBe('Critical 0 High 0 Warning 0 Info 0');
      expect(await seriousAxeFindings(page)).toEqual([]);
      await screenshot(page, 'health-empty-dark');
      expect(pageErrors).toEqual([]);
    } finally {
      await emptyServer.close();
      await emptyEngine.close();
      rmSync(emptyHome, { recursive: true, force: true });
    }
  });
});
