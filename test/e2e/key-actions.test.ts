/**
 * The key detail panel's actions and Create key in Chromium, as an administrator uses them: `keywarden ui`'s server
 * (in-process) over a private data folder with a CommBox emulator (one active key), a Nitrobox emulator (one seeded
 * client) and a manual backend (a key without a secret). Copy and its timed clear, Revoke with a chosen validity
 * (grace, countdown, replacement), Delete confirmed by the reference, Create with its shown-once secret, and the
 * engine's reasons in place of what cannot be done; each checked at the emulator too. Secrets come from the
 * emulators at run time and are compared, never printed (a failed comparison shows true/false, not the secret).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import {
  DAY_MS as DAY,
  E2E_HTTP as HTTP,
  hasChromium,
  HOLD_ANSWERS_SCRIPT,
  launchChromium,
  openConsole,
  RENDERER,
  requireBuiltRenderer,
  screenshot,
  seriousAxeFindings,
  type SocketCalls,
  watchSocketCalls,
} from '../support/console-e2e.js';

const CLIPBOARD = ['clipboard-read', 'clipboard-write'];

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('the console: key actions in Chromium', () => {
  let home: string;
  let engine: KeywardenEngine;
  let commbox: CommBoxEmulator;
  let nitrobox: NitroboxEmulator;
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];
  /** The contract calls the page made, answered, and refused by the server (status 400 and up, as `METHOD status`). */
  let socketCalls: SocketCalls = { sent: [], answered: [], failed: [] };
  /** The CommBox key seeded active, then revoked; and the replacement the revoke issued. */
  let firstId: string;
  let replacementId: string | null = null;

  async function open(colorScheme: 'light' | 'dark'): Promise<Page> {
    const opened = await openConsole(browser, server.newLaunchUrl(), { colorScheme, permissions: CLIPBOARD });
    context = opened.context;
    pageErrors = opened.errors;
    // A Copy or a Delete that works must not make a call the server refuses: each is a failure the page would have to
    // explain (and, by POST, a red "Failed to load resource" line for an administrator with the developer tools open).
    // The page's calls travel on its socket, watched from the reload on (the session survives it), with the script
    // that can hold the delete's answer back.
    // Signed in first: a reload before the sign-in is done would find no session to keep.
    await opened.page.getByRole('table', { name: 'Keys' }).waitFor();
    await context.addInitScript(HOLD_ANSWERS_SCRIPT);
    socketCalls = watchSocketCalls(opened.page);
    await opened.page.reload();
    await opened.page.getByRole('table', { name: 'Keys' }).waitFor();
    return opened.page;
  }

  /** Finds a key by its ID (names repeat: a CommBox replacement keeps its label) and opens its panel. */
  async function openKey(id: string, name: string): Promise<Locator> {
    await page.getByLabel('Search keys').fill(id);
    await page
      .getByRole('row', { name: new RegExp(name) })
      .first()
      .click();
    const detail = page.getByRole('complementary', { name });
    await detail.waitFor();
    await expect.poll(() => detail.locator('dd.mono.wrap').innerText()).toBe(id);
    return detail;
  }

  async function closePanel(detail: Locator): Promise<void> {
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    await page.getByLabel('Search keys').fill('');
  }

  const clipboardText = () => page.evaluate<string>('navigator.clipboard.readText()');
  const activeElementText = () => page.evaluate<string>(`(document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent || '').trim()`);
  const focusInDialog = () => page.evaluate<boolean>(`Boolean(document.activeElement?.closest('dialog[open]'))`);
  const axe = () => seriousAxeFindings(page);

  beforeAll(async () => {
    requireBuiltRenderer();
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-keys-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
    commbox = await startCommBoxEmulator();
    const commboxToken = commbox.state.addAdminToken();
    firstId = commbox.state.issueActiveKey('Billing API', { validityDays: 200 }).key.id;
    nitrobox = await startNitroboxEmulator();
    const nitroboxToken = nitrobox.state.addUser('admin@acme.example', { role: true });
    nitrobox.state.seedClient('reporting-svc', { createdAt: new Date(Date.now() - 10 * DAY).toISOString(), createdBy: 'admin@acme.example' });
    await engine.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: commboxToken });
    await engine.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: nitroboxToken });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Legacy webhook', vendor: 'Acme', rotateEveryDays: 90 });
    expect((await engine.sync(['cb', 'nb'])).ok).toBe(true);
    await engine.updateSettings({ clipboardClearSeconds: 5 });
    server = await startUiServer({ engine, rendererFolder: RENDERER });
    browser = await launchChromium();
    page = await open('light');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await commbox?.emulator.close();
    await nitrobox?.emulator.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("shows a button for each action the engine allows, and the engine's reason in place of Delete on the active CommBox key", async () => {
    const detail = await openKey(firstId, 'Billing API');
    const actions = detail.getByRole('region', { name: 'Actions' });
    for (const name of ['Test', 'Reveal', 'Copy', 'Revoke']) await actions.getByRole('button', { name, exact: true }).waitFor();
    expect(await actions.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    const reason = engine.keyActions(`cb/${firstId}`).delete.reason;
    expect(reason).toMatch(/revoke this one first/);
    expect(await actions.innerText()).toContain(reason);
    expect(await axe()).toEqual([]);
    await screenshot(page, 'key-actions-panel-light');
  });

  it("Copy puts the key's secret on the clipboard, says when it is cleared, and clears it after the setting's delay", async () => {
    const detail = page.getByRole('complementary', { name: 'Billing API' });
    const secret = commbox.state.findKey(firstId)!.secret;
    await detail.getByRole('button', { name: 'Copy', exact: true }).click();
    await expect.poll(() => detail.getByText(/Copied; cleared in \d+ s/).count()).toBe(1);
    expect(await detail.innerText()).toContain('Copied; cleared in 5 s');
    expect((await clipboardText()) === secret, 'the clipboard holds the CommBox secret').toBe(true);
    // The secret is nowhere in the page: it went to the clipboard only.
    expect((await page.content()).includes(secret)).toBe(false);
    await expect.poll(clipboardText, { timeout: 20_000, interval: 500 }).toBe('');
    await detail.getByText('Clipboard cleared.').waitFor();
    expect(engine.auditTrail({ action: 'copy', ref: `cb/${firstId}` }).map((event) => event.outcome)).toEqual(['ok']);
    // A browser host cannot own the clipboard, and the console knows it: Copy never asks the host first to be refused.
    expect(socketCalls.failed).toEqual([]);
  });

  it('Revoke opens a labelled modal that explains the grace period; Escape cancels and focus returns to Revoke', async () => {
    const detail = page.getByRole('complementary', { name: 'Billing API' });
    await detail.getByRole('button', { name: 'Revoke', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “Billing API”?' });
    await dialog.waitFor();
    expect(await focusInDialog()).toBe(true);
    const text = await dialog.innerText();
    expect(text).toContain('A replacement is issued now');
    expect(text).toContain('keeps working for 30 days (grace)');
    expect(await dialog.getByLabel('Validity of the replacement (days)').inputValue()).toBe('365');
    expect(await axe()).toEqual([]);
    await screenshot(page, 'key-actions-revoke-dialog-light');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Escape closed the dialog only, not the panel behind it.
    await detail.waitFor();
    expect(await activeElementText()).toBe('Revoke');
    expect(commbox.state.findKey(firstId)!.status).toBe('active');
  });

  it('Revoke with a chosen validity: the old key in grace with its end and countdown, and the replacement, checked at CommBox', async () => {
    const detail = page.getByRole('complementary', { name: 'Billing API' });
    await detail.getByRole('button', { name: 'Revoke', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “Billing API”?' });
    await dialog.getByLabel('Validity of the replacement (days)').fill('90');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    const outcome = page.getByRole('dialog', { name: 'Key revoked' });
    await outcome.waitFor();

    // At the vendor: the old key revoked (in its grace period), a new one active for 90 days.
    const old = commbox.state.findKey(firstId)!;
    expect(old.status).toBe('revoked');
    const active = commbox.state.activeKey()!;
    expect(active.id).not.toBe(firstId);
    expect(Math.round((Date.parse(active.expiresAt) - Date.parse(active.createdAt)) / DAY)).toBe(90);
    replacementId = active.id;

    const text = await outcome.innerText();
    expect(text).toMatch(/Status\s+Grace/);
    expect(text).toContain('30 days left');
    expect(text).toContain(`cb/${replacementId}`);
    expect(text).toMatch(/valid until .+ \(90 days\)/);
    expect(await activeElementText()).toBe('Open replacement');
    expect(await axe()).toEqual([]);
    await screenshot(page, 'key-actions-revoke-outcome-light');

    // The panel behind follows: Grace, and Revoke replaced by the engine's reason.
    await outcome.getByRole('button', { name: 'Close' }).click();
    await outcome.waitFor({ state: 'detached' });
    await expect.poll(() => detail.locator('.facts .badge').innerText()).toBe('Grace');
    await expect.poll(() => detail.getByRole('region', { name: 'Actions' }).innerText()).toContain('already revoked');
    expect(await detail.innerText()).toContain(`cb/${replacementId}`);

    // The replacement is in the table, and opens from the panel's note.
    await page.getByLabel('Search keys').fill('Billing');
    await expect.poll(() => page.getByRole('row', { name: /Billing API/ }).count()).toBe(2);
    await detail.getByRole('button', { name: 'Open replacement' }).click();
    await expect.poll(() => page.getByRole('complementary', { name: 'Billing API' }).locator('dd.mono.wrap').innerText()).toBe(replacementId);
    await closePanel(page.getByRole('complementary', { name: 'Billing API' }));
  });

  it('Delete of the revoked key works only once its reference is typed; the panel closes and CommBox no longer has it', async () => {
    const ref = `cb/${firstId}`;
    const detail = await openKey(firstId, 'Billing API');
    await detail.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Billing API”?' });
    await dialog.waitFor();
    expect(await focusInDialog()).toBe(true);
    expect(await dialog.innerText()).toContain('This is irreversible at the vendor.');
    const confirm = dialog.getByLabel(`Type ${ref} to confirm`);
    const button = dialog.getByRole('button', { name: 'Delete key' });
    expect(await button.isDisabled()).toBe(true);
    await confirm.fill(ref.slice(0, -1));
    expect(await button.isDisabled()).toBe(true);
    await confirm.fill(ref);
    expect(await button.isEnabled()).toBe(true);
    expect(await axe()).toEqual([]);
    await screenshot(page, 'key-actions-delete-dialog-light');
    socketCalls.failed.length = 0;
    // The delete's answer comes late (a slow link to `keywarden ui`, e.g. over SSH): the engine's change event is
    // there first, and the console refreshes while the panel still shows the deleted key. The answer is held until
    // that refresh has asked what it asks (at most a short while for a request that should never come).
    await page.evaluate('__holdAnswersOf("key:delete")');
    const answeredBefore = socketCalls.answered.length;
    const sentBefore = socketCalls.sent.length;
    await button.click();
    await expect.poll(() => socketCalls.answered.slice(answeredBefore)).toContain('inventory:facets');
    const asksForTheKey = () => socketCalls.sent.slice(sentBefore).some((method) => /^key:(show|actions|facts)$/.test(method));
    for (const until = Date.now() + 2000; Date.now() < until && !asksForTheKey();) await new Promise((resolve) => setTimeout(resolve, 25));
    await page.evaluate('__releaseAnswers()');
    await dialog.waitFor({ state: 'detached' });
    await detail.waitFor({ state: 'detached' });
    expect(commbox.state.findKey(firstId)).toBeUndefined();
    await page.getByText('No keys match').waitFor();
    // The history of what was deleted settles (the change event's reload) before the check below.
    await expect.poll(() => engine.auditTrail({ action: 'delete', ref }).length).toBe(1);
    await page.getByLabel('Search keys').fill('');
    await page.getByRole('row', { name: /reporting-svc/ }).waitFor();
    // The panel closed with the key: nothing asks for the deleted key again (key:show, key:actions, key:facts).
    expect(socketCalls.failed).toEqual([]);
  });

  it("the replacement is active: Delete shows CommBox's reason, Revoke is offered", async () => {
    const detail = await openKey(replacementId!, 'Billing API');
    const actions = detail.getByRole('region', { name: 'Actions' });
    await actions.getByRole('button', { name: 'Revoke', exact: true }).waitFor();
    expect(await actions.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    expect(await actions.innerText()).toContain('CommBox deletes only revoked or expired keys');
    await closePanel(detail);
  });

  it('Create key on Nitrobox: the shown-once secret cannot be dismissed before it is stored; the client exists and Reveal shows the same secret', async () => {
    const createButton = page.getByRole('button', { name: 'Create key', exact: true });
    expect(await createButton.isEnabled()).toBe(true);
    // Before anything is created, Escape cancels and focus returns to the button.
    await createButton.click();
    const form = page.getByRole('dialog', { name: 'Create key' });
    await form.waitFor();
    expect(await focusInDialog()).toBe(true);
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    expect(await activeElementText()).toBe('Create key');
    await createButton.click();
    await form.waitFor();
    expect(await page.evaluate<string>(`document.activeElement?.labels?.[0]?.textContent ?? ''`)).toBe('Label');
    // Only the backend that can create is offered; the others say why not.
    const backend = form.getByLabel('Backend');
    expect(await backend.locator('option').allInnerTexts()).toEqual(['nb']);
    await form.getByText('Backends that cannot create keys').click();
    expect(await form.innerText()).toContain('CommBox issues new keys by rotation only');
    expect(await axe()).toEqual([]);
    await form.getByLabel('Label').fill('e2e-deploy');
    await form.getByRole('button', { name: 'Create', exact: true }).click();

    const shown = page.getByRole('dialog', { name: 'Store the new key now' });
    await shown.waitFor();
    const secret = await shown.getByRole('textbox', { name: 'Secret' }).inputValue();
    expect(secret.length).toBeGreaterThan(20);
    expect(nitrobox.state.authenticateClient('e2e-deploy', secret) !== null, 'the shown secret is the new client’s key at Nitrobox').toBe(true);

    // Neither Escape nor Close dismisses it yet.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    expect(await shown.isVisible()).toBe(true);
    await shown.getByRole('button', { name: 'Close' }).click();
    expect(await shown.isVisible()).toBe(true);
    await shown.getByRole('alert').getByText('before closing').waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'key-actions-shown-once-light');

    await shown.getByRole('checkbox', { name: 'I have stored this key' }).check();
    await shown.getByRole('button', { name: 'Close' }).click();
    await shown.waitFor({ state: 'detached' });
    expect(nitrobox.state.findClient('e2e-deploy')).not.toBeNull();

    // The new key opens in the panel; Reveal shows the same secret from Keywarden's vault.
    const detail = page.getByRole('complementary', { name: 'e2e-deploy' });
    await detail.waitFor();
    await detail.getByRole('button', { name: 'Reveal', exact: true }).click();
    const revealed = await detail.getByRole('textbox', { name: 'Secret' }).inputValue();
    expect(revealed === secret, 'Reveal shows the secret the shown-once dialog showed').toBe(true);
    await detail.getByRole('button', { name: 'Hide', exact: true }).click();
    await closePanel(detail);
  });

  it("a manual key without a secret shows the engine's reason instead of Reveal and Copy", async () => {
    const key = engine.listKeys({ search: 'Legacy webhook' })[0]!;
    const detail = await openKey(key.id, 'Legacy webhook');
    const actions = detail.getByRole('region', { name: 'Actions' });
    await actions.getByRole('button', { name: 'Delete', exact: true }).waitFor();
    expect(await actions.getByRole('button', { name: 'Reveal', exact: true }).count()).toBe(0);
    expect(await actions.getByRole('button', { name: 'Copy', exact: true }).count()).toBe(0);
    const text = await actions.innerText();
    const { reveal, revoke, test } = engine.keyActions(key.ref);
    expect(reveal.available).toBe(false);
    expect(text).toContain(reveal.reason);
    expect(text).toContain(revoke.reason);
    // Added without a test request: Test is not offered either, and the reason names no CLI flag.
    expect(await actions.getByRole('button', { name: 'Test', exact: true }).count()).toBe(0);
    expect(test.reason).toBe('no test is set up for this key: it was added without a test request');
    expect(text).toContain(test.reason);
    expect(await axe()).toEqual([]);
    await closePanel(detail);
    expect(pageErrors).toEqual([]);
  });

  it('dark theme: the panel and each dialog pass axe; screenshots', async () => {
    await context.close();
    page = await open('dark');
    const detail = await openKey(replacementId!, 'Billing API');
    expect(await axe()).toEqual([]);
    await screenshot(page, 'key-actions-panel-dark');

    await detail.getByRole('button', { name: 'Revoke', exact: true }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke “Billing API”?' });
    await revoke.waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'key-actions-revoke-dialog-dark');
    await revoke.getByRole('button', { name: 'Cancel' }).click();
    await revoke.waitFor({ state: 'detached' });
    await closePanel(detail);

    const client = await openKey('reporting-svc', 'reporting-svc');
    await client.getByRole('button', { name: 'Delete', exact: true }).click();
    const remove = page.getByRole('dialog', { name: 'Delete “reporting-svc”?' });
    await remove.waitFor();
    await remove.getByLabel('Type nb/reporting-svc to confirm').fill('nb/reporting');
    expect(await axe()).toEqual([]);
    await screenshot(page, 'key-actions-delete-dialog-dark');
    await remove.getByRole('button', { name: 'Cancel' }).click();
    await remove.waitFor({ state: 'detached' });
    expect(await activeElementText()).toBe('Delete');
    await closePanel(client);
    expect(nitrobox.state.findClient('reporting-svc')).not.toBeNull();

    await page.getByRole('button', { name: 'Create key', exact: true }).click();
    const form = page.getByRole('dialog', { name: 'Create key' });
    await form.getByLabel('Label').fill('e2e-dark');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    const shown = page.getByRole('dialog', { name: 'Store the new key now' });
    await shown.waitFor();
    await shown.getByRole('button', { name: 'Copy', exact: true }).click();
    await shown.getByText(/Copied; cleared in 5 s/).waitFor();
    expect(await axe()).toEqual([]);
    await screenshot(page, 'key-actions-shown-once-dark');
    // Copied: now it may be closed, with Escape too.
    await page.keyboard.press('Escape');
    await shown.waitFor({ state: 'detached' });
    await page.getByRole('complementary', { name: 'e2e-dark' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
