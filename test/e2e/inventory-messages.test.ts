/**
 * Messages in the inventory's header that stop being true, in Chromium: a sync that went well says so, then fades;
 * the same failure at several backends is said once with their count (not pasted once per backend), and stays
 * until dismissed. Two CommBox backends on one emulator, which is then stopped, as a proxy going down does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { E2E_HTTP, hasChromium, requireBuiltRenderer, screenshot, seriousAxeFindings, startConsoleInChromium, type ConsoleInChromium } from '../support/console-e2e.js';

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: sync messages in the header', () => {
  let home: string;
  let engine: KeywardenEngine;
  let commbox: CommBoxEmulator;
  let opened: ConsoleInChromium;

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-messages-'));
    engine = KeywardenEngine.open({ home, http: E2E_HTTP });
    commbox = await startCommBoxEmulator();
    commbox.state.issueActiveKey('Billing API', { validityDays: 200 });
    await engine.addBackend({ name: 'cb-eu', type: 'commbox', url: commbox.emulator.url, credential: commbox.state.addAdminToken() });
    await engine.addBackend({ name: 'cb-us', type: 'commbox', url: commbox.emulator.url, credential: commbox.state.addAdminToken() });
    expect((await engine.sync(['cb-eu', 'cb-us'])).ok).toBe(true);
    opened = await startConsoleInChromium(engine);
  });

  afterAll(async () => {
    await opened?.close();
    await engine?.close();
    await commbox?.emulator.close().catch(() => {});
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('a sync that went well says so, then the header lets it go', async () => {
    const { page } = opened;
    const status = page.locator('.sync-status');
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => status.innerText()).toMatch(/cb-eu synced, 1 key\s+cb-us synced, 1 key/);
    // Not all session: it fades after a while (12 s), with nothing to click.
    await status.getByText('synced').first().waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('the same failure at both backends is said once with the count, and stays until dismissed', async () => {
    const { page } = opened;
    await commbox.emulator.close();
    const status = page.locator('.sync-status');
    await page.getByRole('button', { name: 'Sync now' }).click();
    // The result, not the progress ("cb-eu failed: 0 pages" while it runs).
    const failure = status.locator('.sync-results .sync-item.tone-overdue');
    await failure.waitFor();
    const text = await status.innerText();
    expect(text).toMatch(/^2 backends failed: cannot reach the backend \(ECONNREFUSED\)/);
    expect(text.match(/ECONNREFUSED/g)).toHaveLength(1);
    expect(await failure.getAttribute('title')).toBe('cb-eu, cb-us');
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'inventory-sync-failed-light');
    await status.getByRole('button', { name: 'Dismiss' }).click();
    await failure.waitFor({ state: 'detached' });
    expect(opened.errors).toEqual([]);
  });
});
