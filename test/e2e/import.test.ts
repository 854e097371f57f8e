/**
 * Import in Chromium, as an administrator brings an existing inventory in through the console: Import… in the
 * inventory, a spreadsheet chosen and a KeePass XML export (written by keepassxc-cli) dropped on the dialog, the
 * format suggested, a new backend named, the preview's table (create, update, skip with reasons), the import, the
 * keys in the inventory; the same spreadsheet again updates instead of duplicating; a KeePass database with a wrong
 * password refused under the password field, nothing stored. `keywarden ui`'s server (in-process) over a private data
 * folder with the isolated keychain; each outcome checked in the engine too. Screenshots at three sizes, both themes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import type { Browser } from 'playwright-core';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { E2E_HTTP, hasChromium, launchChromium, openConsole, type OpenedConsole, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings } from '../support/console-e2e.js';

const hasKeepassxc = spawnSync('sh', ['-c', 'command -v keepassxc-cli']).status === 0;
const PASSWORD = `db-${randomBytes(6).toString('hex')}`;
const newSecret = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url')}`;

const SIZES = [
  [1440, 900],
  [1024, 700],
  [760, 900],
] as const;

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: importing an existing inventory in Chromium', () => {
  let dir: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let browser: Browser;
  let opened: OpenedConsole;
  let page: Page;
  const secrets = { stripe: newSecret('sk_live'), twilio: newSecret('tw'), sendgrid: newSecret('SG') };
  const spreadsheet = (stripeExpiry: string) =>
    Buffer.from(
      [
        'Name,Vendor,Expires,Owner,Secret',
        `Stripe prod,Stripe,${stripeExpiry},alice,${secrets.stripe}`,
        `Twilio SMS,Twilio,2027-09-30,bob,${secrets.twilio}`,
        `SendGrid mail,SendGrid,2027-11-15,,${secrets.sendgrid}`,
        'Wi-Fi guest,,,,',
      ].join('\n'),
    );

  const dialog = () => page.getByRole('dialog', { name: /Import keys|Imported/ });
  const openImport = async () => {
    await page.getByRole('button', { name: 'Import…' }).click();
    await dialog().waitFor();
  };
  const chooseFile = (name: string, buffer: Buffer) => dialog().locator('input[type="file"]').first().setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
  /** Waits until the engine has the file: the format it suggests is chosen. */
  const formatShows = (label: string) =>
    expect
      .poll(() =>
        dialog()
          .getByLabel('Format')
          .evaluate((select) => (select as unknown as { selectedOptions: Array<{ text: string }> }).selectedOptions[0]?.text),
      )
      .toBe(label);

  /** The error text tied to a field (its aria-describedby), as a screen reader announces it with the field. */
  async function describedBy(field: Locator): Promise<string> {
    const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
    const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
    return texts.join(' | ');
  }

  /** Screenshots of what is on screen at each size, with axe at each; the window goes back to 1440 px after. */
  async function atEverySize(name: string, theme: string): Promise<void> {
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      expect(await seriousAxeFindings(page), `${name} at ${width} px`).toEqual([]);
      await screenshot(page, `import-${name}-${width}-${theme}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    dir = mkdtempSync(join(tmpdir(), 'keywarden-e2e-import-'));
    engine = KeywardenEngine.open({ home: join(dir, 'home'), http: E2E_HTTP });
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
    opened = await openConsole(browser, server.newLaunchUrl());
    page = opened.page;
    // A data folder without any backend yet: Import… is there all the same (it can make its backend).
    await page.getByRole('heading', { name: 'No backends yet' }).waitFor();
  });

  afterAll(async () => {
    await opened?.context.close();
    await browser?.close();
    await server?.close();
    await engine?.resetVault();
    await engine?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a spreadsheet: chosen, previewed, imported into a new backend; the keys are in the inventory', { timeout: 120_000 }, async () => {
    await openImport();
    await chooseFile('keys.csv', spreadsheet('2027-06-30'));
    await formatShows('Spreadsheet (.csv)');
    await expect.poll(() => dialog().getByText('keys.csv').count()).toBeGreaterThan(0);
    // No manual backend yet: a new one, named after the source, which the administrator renames.
    await dialog().getByLabel('New backend’s name').fill('sheet');
    await dialog().getByRole('button', { name: 'Preview' }).click();

    const plan = dialog().getByRole('table', { name: 'What each entry becomes' });
    await plan.waitFor();
    await expect
      .poll(() => dialog().getByRole('status').first().innerText())
      .toMatch(/4 entries in keys\.csv, into sheet \(a new manual backend, created by the import\):\s*3\s*to create\s*0\s*to update\s*1\s*to skip/);
    expect(await plan.getByRole('row', { name: /Create Stripe prod/ }).count()).toBe(1);
    expect(await plan.getByRole('row', { name: /Skip Wi-Fi guest.*no secret/ }).count()).toBe(1);
    // A preview changes nothing.
    expect(engine.listBackends()).toEqual([]);
    await atEverySize('preview', 'light');

    await dialog().getByRole('button', { name: 'Import 3 keys' }).click();
    await dialog().getByRole('heading', { name: 'Imported' }).waitFor();
    await expect.poll(() => dialog().getByRole('status').first().innerText()).toMatch(/3\s*created\s*0\s*updated\s*1\s*skipped/);
    await atEverySize('result', 'light');
    await dialog().getByRole('button', { name: 'Show these keys' }).click();
    await dialog().waitFor({ state: 'detached' });

    for (const name of ['Stripe prod', 'Twilio SMS', 'SendGrid mail'])
      await page
        .getByRole('row', { name: new RegExp(name) })
        .first()
        .waitFor();
    expect(
      engine
        .listKeys({ backend: 'sheet' })
        .map((key) => key.name)
        .sort(),
    ).toEqual(['SendGrid mail', 'Stripe prod', 'Twilio SMS']);
    const stripe = engine.listKeys({ backend: 'sheet' }).find((key) => key.name === 'Stripe prod')!;
    expect(stripe).toMatchObject({ expiresAt: '2027-06-30', owner: 'alice', secretCached: true });
    expect(await engine.reveal(stripe.ref)).toBe(secrets.stripe);
    expect(opened.errors).toEqual([]);
  });

  it('the same spreadsheet again, one expiry changed: an update, no duplicate', { timeout: 60_000 }, async () => {
    await openImport();
    await chooseFile('keys.csv', spreadsheet('2027-12-31'));
    await formatShows('Spreadsheet (.csv)');
    // The manual backend made by the first import is the one offered.
    expect(await dialog().getByLabel('Into the manual backend').inputValue()).toBe('sheet');
    await dialog().getByRole('button', { name: 'Preview' }).click();
    const plan = dialog().getByRole('table', { name: 'What each entry becomes' });
    await plan.waitFor();
    expect(await plan.getByRole('row', { name: /Update Stripe prod.*changed in the source since the last import/ }).count()).toBe(1);
    expect(await plan.getByRole('row', { name: /Skip Twilio SMS.*unchanged since the last import/ }).count()).toBe(1);
    await dialog().getByRole('button', { name: 'Import 1 key' }).click();
    await dialog().getByRole('heading', { name: 'Imported' }).waitFor();
    await dialog().getByRole('button', { name: 'Done' }).click();
    await dialog().waitFor({ state: 'detached' });

    expect(engine.listKeys({ backend: 'sheet' })).toHaveLength(3);
    expect(engine.listKeys({ backend: 'sheet' }).find((key) => key.name === 'Stripe prod')!.expiresAt).toBe('2027-12-31');
    await page.getByLabel('Search keys').fill('Stripe prod');
    await expect.poll(() => page.getByRole('row', { name: /Stripe prod/ }).count()).toBe(1);
    await page.getByLabel('Search keys').fill('');
    expect(engine.auditTrail({ action: 'import' }).map((event) => event.detail)).toEqual(['csv: 3 created, 0 updated, 1 skipped', 'csv: 0 created, 1 updated, 3 skipped']);
  });

  describe.skipIf(!hasKeepassxc)('KeePassXC', () => {
    let database: string;
    const keepassxc = (args: string[], input: string) => execFileSync('keepassxc-cli', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
    const github = newSecret('ghp');

    beforeAll(() => {
      database = join(dir, 'team.kdbx');
      keepassxc(['db-create', '-q', '-p', database], `${PASSWORD}\n${PASSWORD}\n`);
      keepassxc(['mkdir', '-q', database, 'Vendors'], `${PASSWORD}\n`);
      keepassxc(['add', '-q', '-p', '--url', 'https://github.com', database, 'Vendors/GitHub deploy'], `${PASSWORD}\n${github}\n`);
    });

    it('a KeePass database with a wrong password: refused under the password, nothing stored', { timeout: 60_000 }, async () => {
      await openImport();
      await chooseFile('team.kdbx', readFileSync(database));
      await formatShows('KeePass database (.kdbx)');
      const password = dialog().getByLabel('Database password');
      await password.fill(`not-${PASSWORD}`);
      await dialog().getByRole('button', { name: 'Preview' }).click();
      await expect.poll(() => password.getAttribute('aria-invalid')).toBe('true');
      expect(await describedBy(password)).toContain('the KeePass database does not open with this password');
      await atEverySize('wrong-password', 'light');
      expect(engine.listBackends().map((backend) => backend.name)).toEqual(['sheet']);
      await page.keyboard.press('Escape');
      await dialog().waitFor({ state: 'detached' });
    });

    it('a KeePass XML export dropped on the dialog: recognised, previewed and imported', { timeout: 60_000 }, async () => {
      const xml = keepassxc(['export', '-q', '--format', 'xml', database], `${PASSWORD}\n`).toString('utf8');
      await openImport();
      // Dropped as a file from the desktop would be: a DataTransfer holding it, on the dialog's zone.
      // (A string: the tests are type-checked without the DOM's types.)
      const transfer = await page.evaluateHandle(
        `(() => { const data = new DataTransfer(); data.items.add(new File([${JSON.stringify(xml)}], 'team-export.xml', { type: 'text/xml' })); return data; })()`,
      );
      const zone = dialog().locator('.file-drop.droppable');
      await zone.dispatchEvent('dragover', { dataTransfer: transfer });
      await zone.dispatchEvent('drop', { dataTransfer: transfer });
      await formatShows('KeePass XML export');
      await dialog().getByLabel('Into the manual backend').selectOption({ label: 'New backend…' });
      await dialog().getByLabel('New backend’s name').fill('keepass');
      await dialog().getByRole('button', { name: 'Preview' }).click();
      await dialog()
        .getByRole('table', { name: 'What each entry becomes' })
        .getByRole('row', { name: /Create GitHub deploy.*Vendors\/GitHub deploy/ })
        .waitFor();
      await dialog().getByRole('button', { name: 'Import 1 key' }).click();
      await dialog().getByRole('heading', { name: 'Imported' }).waitFor();
      await dialog().getByRole('button', { name: 'Show these keys' }).click();
      await page
        .getByRole('row', { name: /GitHub deploy/ })
        .first()
        .waitFor();
      const key = engine.listKeys({ backend: 'keepass' })[0]!;
      expect(await engine.reveal(key.ref)).toBe(github);
      // Nothing secret in the trail: counts and the format only.
      const trail = JSON.stringify(engine.auditTrail({}));
      for (const text of [PASSWORD, github, secrets.stripe, 'GitHub deploy', 'Stripe prod']) expect(trail).not.toContain(text);
      expect(opened.errors).toEqual([]);
    });
  });

  it('in dark, the plan and its buttons are as readable', { timeout: 60_000 }, async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await openImport();
    await chooseFile('keys.csv', spreadsheet('2028-01-31'));
    await formatShows('Spreadsheet (.csv)');
    await dialog().getByRole('button', { name: 'Preview' }).click();
    await dialog().getByRole('table', { name: 'What each entry becomes' }).waitFor();
    await atEverySize('preview', 'dark');
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
