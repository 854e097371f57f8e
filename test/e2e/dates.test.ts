/**
 * Dates in the console as administrators in different time zones read them (issue 22):
 *
 * - A day typed without a time (`expiresAt: '2026-12-08'`, as `keywarden key add --expires-at` takes it) is that
 *   day wherever it is read: the engine in Los Angeles or Auckland (process.env.TZ, which Node re-reads when it is
 *   assigned), the browser in Los Angeles or Auckland (Playwright's `timezoneId`). The inventory and the reminders
 *   show the same date and the same day count, counted in the browser's zone from the browser's today.
 * - No view shows an ISO 8601 timestamp: the inventory with a revoked key open (its vendor's "Revoked at"), the
 *   reminders, the audit trail (whose details the engine writes with ISO times) and the backends.
 *
 * Real parts: `keywarden ui`'s server (in-process), a CommBox emulator, a manual backend, Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { DAY_MS as DAY, E2E_HTTP as HTTP, goToView, hasChromium, launchChromium, openConsole, RENDERER, requireBuiltRenderer, screenshot } from '../support/console-e2e.js';

const ZONES = ['America/Los_Angeles', 'Pacific/Auckland'] as const;
/** An ISO 8601 date-time as the engine and vendors write it (a plain day such as 2026-12-08 is not one). */
const ISO_TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** `YYYY-MM-DD` of today in `zone`. */
function todayIn(zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** Calendar days from `from` to `to`, both `YYYY-MM-DD`. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
}

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: dates across time zones, and never an ISO time on screen', () => {
  const savedTz = process.env.TZ;
  let home: string;
  let engine: KeywardenEngine;
  let commbox: CommBoxEmulator;
  let server: UiServer;
  let browser: Browser;
  /** The day typed: three days after today in UTC, so it is ahead in every zone. */
  let typedDay: string;

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-dates-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
    commbox = await startCommBoxEmulator();
    const token = commbox.state.addAdminToken();
    commbox.state.issueActiveKey('Billing API', { validityDays: 200 });
    await engine.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: token });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    expect((await engine.sync(['cb'])).ok).toBe(true);
    typedDay = new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10);
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
  });

  afterAll(async () => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
    await browser?.close();
    await server?.close();
    await engine?.close();
    await commbox?.emulator.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  for (const engineZone of ZONES) {
    it(`a day typed on an engine in ${engineZone} is that day, counted alike in the inventory and the reminders, in ${ZONES.join(' and ')}`, async () => {
      process.env.TZ = engineZone;
      const name = `Typed in ${engineZone}`;
      await engine.addManualKey('hand', { name, vendor: 'Acme', expiresAt: typedDay });
      // As the console writes a day in English: the typed day itself, whatever the zone.
      const shown = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' }).format(Date.parse(`${typedDay}T00:00:00Z`));
      // The inventory's Due column drops the weekday (its title keeps it), so the days left fit a narrow window.
      const shownInTable = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' }).format(Date.parse(`${typedDay}T00:00:00Z`));

      for (const browserZone of ZONES) {
        const { context, page, errors } = await openConsole(browser, server.newLaunchUrl(), { timezoneId: browserZone, locale: 'en-US' });
        await page.getByRole('table', { name: 'Keys' }).waitFor();
        const days = daysBetween(todayIn(browserZone), typedDay);
        const inDays = `in ${days} days`;

        const row = page.getByRole('row', { name: new RegExp(name) });
        const due = (await row.locator('.col-due').innerText()).replace(/\s+/g, ' ');
        expect(due, `inventory, browser in ${browserZone}`).toBe(`${shownInTable} ${inDays}`);
        expect(await row.locator('.col-due time').getAttribute('title')).toBe(shown);

        await goToView(page, 'Reminders');
        const reminder = (await page.getByRole('link', { name: new RegExp(name) }).innerText()).replace(/\s+/g, ' ');
        expect(reminder, `reminders, browser in ${browserZone}`).toContain(`expires ${shown} ${inDays}`);
        if (browserZone === 'America/Los_Angeles') await screenshot(page, `dates-reminders-engine-${engineZone.replace('/', '-')}-browser-LA`);
        expect(errors).toEqual([]);
        await context.close();
      }
      await engine.deleteKey(engine.listKeys({ search: name })[0]!.ref);
    });
  }

  it('shows no ISO timestamp in the inventory (a revoked key open), the reminders, the audit trail or the backends', async () => {
    const billing = engine.listKeys({ search: 'Billing API' })[0]!;
    // A revoke: CommBox reports when ("Revoked at").
    await engine.revokeKey(billing.ref, { validityDays: 30 });
    const timed = await engine.addManualKey('hand', { name: 'With a time', expiresAt: new Date(Date.now() + 40 * DAY).toISOString() });
    // A snooze: its audit detail is "until <ISO time>".
    await engine.snoozeReminder(timed.ref, 1);

    const { context, page, errors } = await openConsole(browser, server.newLaunchUrl(), { timezoneId: 'Pacific/Auckland', locale: 'en-US' });
    await page.getByRole('table', { name: 'Keys' }).waitFor();
    await page.getByLabel('Search keys').fill(billing.id);
    // The revoked key by its reference: its replacement has the same name (and stays listed until the search answers).
    await page.getByRole('row', { name: new RegExp(`\\(${billing.ref}\\)`) }).click();
    const detail = page.getByRole('complementary', { name: 'Billing API' });
    await detail.getByText('Revoked at').waitFor();
    const seen: Record<string, string> = { inventory: await page.locator('body').innerText() };
    await screenshot(page, 'dates-revoked-key-panel');
    await page.keyboard.press('Escape');

    await goToView(page, 'Reminders');
    seen.reminders = await page.locator('body').innerText();
    await goToView(page, 'Audit trail');
    await page
      .getByRole('table', { name: /Audit events/ })
      .getByText(/^until /)
      .first()
      .waitFor();
    seen.audit = await page.locator('body').innerText();
    await goToView(page, 'Backends');
    seen.backends = await page.locator('body').innerText();

    // The engine did write ISO times here (so this looks at text that had them)...
    expect(engine.auditTrail({ ref: timed.ref }).some((event) => ISO_TIMESTAMP.test(event.detail ?? ''))).toBe(true);
    // ...and no view shows one.
    for (const [view, text] of Object.entries(seen)) expect(text.match(ISO_TIMESTAMP)?.[0] ?? null, view).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });
});
