/**
 * The console's Team view in Chromium, as a team's admin uses it: a private PostgreSQL (test/support/postgres.ts),
 * alice's team home (she ran `team init` with one manual key), bob asking to join. In alice's console: the status
 * card, bob waiting with his key's fingerprint, the Approve dialog refusing a fingerprint that is not bob's (nothing
 * approved, checked on the server), then approving him as an operator after the right one is typed; a key bob adds
 * from his own data folder reaches alice's inventory with Pull now; the team's activity verifies. In bob's console
 * (an operator), carol waits and Approve is off, with the reason beside it. axe on the view and the dialog, light and
 * dark; screenshots in test/e2e/screenshots/.
 *
 * Real parts: PostgreSQL with SCRAM passwords from a password file, SQLite, the isolated keychain, `keywarden ui`'s
 * server (in-process) on 127.0.0.1, Chromium.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { hasChromium, launchChromium, openConsole, type OpenedConsole, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings } from '../support/console-e2e.js';
import { type MemberName, NO_POSTGRES_REASON, type PrivatePostgres, SKIP_NO_POSTGRES } from '../support/postgres.js';
import { startTeamHomes, type TeamHomes } from '../support/team-homes.js';

if (SKIP_NO_POSTGRES) console.warn(`e2e team: skipped, ${NO_POSTGRES_REASON}`);

const SECRET = 'sk_live_e2e_team_Hq2Wz8Lm4Pv6Tx1C';
const BOB_SECRET = 'sk_live_e2e_team_bob_Rn7Ks3Yd9Jf5Gb2M';

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain || !hasChromium)('the console: the Team view of a team home', () => {
  let postgres: PrivatePostgres;
  let team: TeamHomes | undefined;
  const homes = {} as Record<MemberName, string>;
  const engines = {} as Record<MemberName, KeywardenEngine>;
  const fingerprints = {} as Record<MemberName, string>;
  let server: UiServer;
  let browser: Browser;
  let opened: OpenedConsole;
  let page: Page;

  async function goToTeam(on: Page): Promise<void> {
    await on.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Team', exact: true }).click();
    await on.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
    await on.getByRole('heading', { level: 2, name: 'Team ops' }).waitFor();
  }

  beforeAll(async () => {
    requireBuiltRenderer();
    team = await startTeamHomes('e2e-team', homes, engines);
    postgres = team.server;
    await engines.alice.addBackend({ name: 'hand', type: 'manual' });
    await engines.alice.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', createdAt: null, expiresAt: '2031-03-01', rotateEveryDays: null, secret: SECRET, test: null });
    fingerprints.alice = (await engines.alice.teamInit(postgres.url('alice'), 'ops')).fingerprint;
    fingerprints.bob = (await engines.bob.teamJoin(postgres.url('bob'), 'ops')).fingerprint;
    server = await startUiServer({ engine: engines.alice, home: homes.alice, rendererFolder: RENDERER });
    browser = await launchChromium();
    opened = await openConsole(browser, server.newLaunchUrl());
    page = opened.page;
    await page.getByRole('table', { name: 'Keys' }).waitFor();
  });

  afterAll(async () => {
    await opened?.context.close();
    await browser?.close();
    await server?.close();
    await team?.close();
  });

  it('shows the team, the server reachable, her role, the local copy, and bob waiting with his fingerprint', async () => {
    await goToTeam(page);
    const status = page.getByRole('region', { name: 'Team ops' });
    await status.getByText('Reachable', { exact: true }).waitFor();
    expect(await status.getByRole('definition').allInnerTexts()).toEqual([
      expect.stringContaining(`alice@127.0.0.1:${postgres.port}/team`),
      'alice, admin',
      fingerprints.alice,
      // The console's team follower pulls once when it starts (its catch-up): before it, the copy is behind the team.
      expect.stringMatching(/^(Never pulled; up to change 0, the team is at change 1|(Never pulled|Last pull less than a minute ago \(.+\)); up to change 1, as the team)$/),
      'Generation 1; 1 member waiting for approval',
    ]);
    const pending = page.getByRole('region', { name: 'Waiting for approval' });
    await pending.getByText('bob', { exact: true }).waitFor();
    expect(await pending.getByText(fingerprints.bob, { exact: true }).isVisible()).toBe(true);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'team-pending');
  });

  it('refuses to approve bob with a fingerprint that is not his: said as typed, then by the engine; nothing approved', async () => {
    await page.getByRole('button', { name: 'Approve bob…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve bob?' });
    await dialog.waitFor();
    expect(await dialog.getByText(fingerprints.bob, { exact: true }).isVisible()).toBe(true);
    const typed = dialog.getByRole('textbox', { name: 'Fingerprint bob read to you' });
    // alice's own fingerprint, as a substituted key would give.
    await typed.fill(fingerprints.alice);
    await dialog.getByText('It does not match the key on the server. Ask bob to read it again; if it still differs, do not approve.').waitFor();
    await dialog.getByRole('radio', { name: /^Operator/ }).check();
    await dialog.getByRole('button', { name: 'Approve as operator' }).click();
    await dialog
      .getByRole('alert')
      .getByText(/does not match bob's key on the server: nothing was approved/)
      .waitFor();
    expect((await engines.alice.teamMembers()).find((m) => m.member === 'bob')).toMatchObject({ state: 'pending', role: null });
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'team-approve-refused');
  });

  it('approves bob as an operator once the fingerprint he read out is typed (spaces and case aside)', async () => {
    const dialog = page.getByRole('dialog', { name: 'Approve bob?' });
    await dialog.getByRole('textbox', { name: 'Fingerprint bob read to you' }).fill(fingerprints.bob.replaceAll(' ', '').toUpperCase());
    await dialog.getByText('It matches the key on the server.').waitFor();
    await dialog.getByRole('button', { name: 'Approve as operator' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('bob is approved as operator.').waitFor();
    const row = page.getByRole('table', { name: 'Members' }).getByRole('row', { name: /^bob/ });
    await row.getByText('Approved', { exact: true }).waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(['Operator', expect.stringMatching(/^Approved\nby alice, /), fingerprints.bob, 'Remove…']);
    await page
      .getByRole('region', { name: 'Waiting for approval' })
      .getByText(/No one is waiting/)
      .waitFor();
    expect((await engines.alice.teamMembers()).find((m) => m.member === 'bob')).toMatchObject({ state: 'approved', role: 'operator', approvedBy: 'alice' });
  });

  it("pulls a key bob added from his own data folder: Pull now, the last pull's age, and the key in the inventory", async () => {
    await engines.bob.teamSync();
    await engines.bob.addManualKey('hand', { name: 'Twilio', vendor: 'Twilio', createdAt: null, expiresAt: null, rotateEveryDays: 90, secret: BOB_SECRET, test: null });
    await page.getByRole('button', { name: 'Pull now' }).click();
    await page.getByText(/^Pulled up to change \d+: 1 key, 1 secret, 0 backends, 0 removed\.$/).waitFor();
    const localCopy = page.getByRole('region', { name: 'Team ops' }).getByRole('definition').nth(3);
    await expect.poll(() => localCopy.innerText()).toMatch(/^Last pull less than a minute ago \(.+\); up to change \d+, as the team$/);
    expect(await engines.alice.reveal(engines.alice.listKeys({}).find((k) => k.name === 'Twilio')!.ref)).toBe(BOB_SECRET);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Inventory', exact: true }).click();
    await page
      .getByRole('table', { name: 'Keys' })
      .getByRole('row', { name: /Twilio/ })
      .waitFor();
  });

  it("lists the team's recent activity and verifies its chain", async () => {
    await goToTeam(page);
    const activity = page.getByRole('table', { name: 'Recent team activity' });
    await activity.getByRole('row', { name: /bob.*Add manual key/ }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText(/^The team's audit trail verifies: 3 events, chained from the genesis to the head/).waitFor();
    await screenshot(page, 'team-approved');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'team-approved-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(opened.errors).toEqual([]);
  });

  it("an operator's console: carol waits, and Approve and Remove are off with the reason beside them", async () => {
    fingerprints.carol = (await engines.carol.teamJoin(postgres.url('carol'), 'ops')).fingerprint;
    const bobServer = await startUiServer({ engine: engines.bob, home: homes.bob, rendererFolder: RENDERER });
    const bobConsole = await openConsole(browser, bobServer.newLaunchUrl());
    try {
      await bobConsole.page.getByRole('table', { name: 'Keys' }).waitFor();
      await goToTeam(bobConsole.page);
      const pending = bobConsole.page.getByRole('region', { name: 'Waiting for approval' });
      const approve = pending.getByRole('button', { name: 'Approve carol…' });
      await approve.waitFor();
      expect(await approve.isDisabled()).toBe(true);
      expect(await pending.getByRole('button', { name: 'Remove carol…' }).isDisabled()).toBe(true);
      const why = "Only the team's admins approve and remove members; you are an operator.";
      await pending.getByText(why).waitFor();
      // The reason is what a screen reader hears with the button.
      const describedBy = await approve.getAttribute('aria-describedby');
      expect(await bobConsole.page.locator(`[id="${describedBy}"]`).textContent()).toBe(why);
      expect(await seriousAxeFindings(bobConsole.page)).toEqual([]);
      await screenshot(bobConsole.page, 'team-operator');
      expect(bobConsole.errors).toEqual([]);
    } finally {
      await bobConsole.context.close();
      await bobServer.close();
    }
  });

  it('removes bob after the confirmation that explains the rotation, then lists the keys he could have read, each a link to it', async () => {
    await goToTeam(page);
    await page.getByRole('table', { name: 'Members' }).getByRole('button', { name: 'Remove bob…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove bob from the team?' });
    await confirm.getByText(/the team key is rotated/).waitFor();
    await confirm.getByText(/bob held the team key, and may have kept what they could read/).waitFor();
    await confirm.getByRole('button', { name: 'Remove bob' }).click();
    const done = page.getByRole('dialog', { name: 'bob was removed' });
    await done.getByText(/The team key is now generation 2/).waitFor();
    const keys = done.getByRole('list', { name: 'Keys to rotate' });
    expect(await keys.getByRole('link').allInnerTexts()).toEqual(['Stripe prod', 'Twilio']);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'team-removed');
    expect((await engines.alice.teamMembers()).map((m) => m.member)).toEqual(['alice', 'carol']);
    // Each key opens in the inventory, where Rotate… is.
    await keys.getByRole('link', { name: 'Twilio' }).click();
    await page.getByRole('complementary', { name: /Twilio/ }).waitFor();
    expect(opened.errors).toEqual([]);
  });
});
