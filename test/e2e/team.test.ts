/**
 * The console's Team view in Chromium, as a team's admin uses it: a private PostgreSQL (test/support/postgres.ts),
 * alice's team home (she ran `team init` with one manual key), bob asking to join. In alice's console: the status
 * card, bob waiting with his key's fingerprint, the Approve dialog refusing a fingerprint that is not bob's (nothing
 * approved, checked on the server), then approving him as an operator after the right one is typed; a key bob adds
 * from his own data folder reaches alice's inventory with Pull now; the team's activity verifies. In bob's console
 * (an operator), carol waits and Approve is off, with the reason beside it. Change role…: carol, a viewer, made an
 * operator once the fingerprint she reads out is typed, then a viewer again (the team key rotates; the keys she could
 * read are listed, each a link). Leave the team…: off for alice, the only admin, with why; carol leaves from her own
 * console after typing the team's name, and her view is a personal folder's. Import… in alice's team home writes the
 * file's keys to the team (its batch's event in the team's trail, the server holding ciphertext only). axe on the view and the dialogs, light
 * and dark; every button of the new dialogs readable at rest, hovered and focused; screenshots in test/e2e/screenshots/.
 *
 * Real parts: PostgreSQL with SCRAM passwords from a password file, SQLite, the isolated keychain, `keywarden ui`'s
 * server (in-process) on 127.0.0.1, Chromium.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { hasChromium, launchChromium, openConsole, type OpenedConsole, RENDERER, requireBuiltRenderer, screenshot, seriousAxeFindings, unreadableButtons } from '../support/console-e2e.js';
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

  /** The Team view opened afresh (from another view), so it asks the server again. */
  async function reopenTeam(on: Page): Promise<void> {
    await on.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Inventory', exact: true }).click();
    await on.getByRole('table', { name: 'Keys' }).waitFor();
    await goToTeam(on);
  }

  /** The dialog's buttons readable in both themes, at rest, hovered and focused. */
  async function readableButtons(on: Page, dialog: ReturnType<Page['getByRole']>, where: string): Promise<string[]> {
    const failures = await unreadableButtons(on, dialog, `${where}, light`);
    await on.emulateMedia({ colorScheme: 'dark' });
    failures.push(...(await unreadableButtons(on, dialog, `${where}, dark`)));
    await on.emulateMedia({ colorScheme: 'light' });
    return failures;
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
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(['Operator', expect.stringMatching(/^Approved\nby alice, /), fingerprints.bob, 'Change role…\nRemove…']);
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
    // Pull now brings bob's key, unless the console's follower, woken by bob's write (LISTEN/NOTIFY), was quicker: then
    // it brings nothing more, and the copy is up to the team's change all the same.
    const head = Number((await postgres.superuser<{ seq: string }>('SELECT seq FROM ops.counter'))[0]!.seq);
    await page.getByText(new RegExp(`^Pulled up to change ${head}: (1 key, 1 secret|0 keys, 0 secrets), 0 backends, 0 removed\\.$`)).waitFor();
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
      const why = "Only the team's admins approve members, change their roles and remove them; you are an operator.";
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

  it("changes carol's role: a viewer made an operator once the fingerprint she reads out is typed (she can then read secrets)", async () => {
    await engines.alice.teamApprove('carol', 'viewer', fingerprints.carol);
    await reopenTeam(page);
    const row = page.getByRole('table', { name: 'Members' }).getByRole('row', { name: /^carol/ });
    await row.getByRole('cell', { name: 'Viewer', exact: true }).waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(['Viewer', expect.stringMatching(/^Approved\nby alice, /), fingerprints.carol, 'Change role…\nRemove…']);
    // Your own row has neither: another admin changes your role, and you leave rather than remove yourself.
    expect(
      await page
        .getByRole('table', { name: 'Members' })
        .getByRole('row', { name: /^alice/ })
        .getByRole('button')
        .count(),
    ).toBe(0);
    await page.getByText('Your own role is changed by another admin: an admin who steps down asks one.').waitFor();

    await row.getByRole('button', { name: 'Change role for carol…' }).click();
    const dialog = page.getByRole('dialog', { name: "Change carol's role" });
    await dialog.waitFor();
    expect(await dialog.getByRole('radio', { name: /^Viewer \(current role\)/ }).isChecked()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Change role' }).isDisabled()).toBe(true);
    await dialog.getByRole('radio', { name: /^Operator/ }).check();
    await dialog.getByText(/carol will be able to read secrets\./).waitFor();
    const submit = dialog.getByRole('button', { name: 'Make carol an operator' });
    await submit.click();
    await dialog.getByText('Type the fingerprint carol read to you.').waitFor();
    expect((await engines.alice.teamMembers()).find((m) => m.member === 'carol')).toMatchObject({ role: 'viewer' });
    await dialog.getByRole('textbox', { name: 'Fingerprint carol read to you' }).fill(fingerprints.carol.toUpperCase());
    await dialog.getByText('It matches the key on the server.').waitFor();
    expect(await seriousAxeFindings(page)).toEqual([]);
    expect(await readableButtons(page, dialog, 'change role dialog, viewer to operator')).toEqual([]);
    await screenshot(page, 'team-role-promote');
    await submit.click();
    const done = page.getByRole('dialog', { name: 'carol is now an operator' });
    await done.getByText(/the team key is wrapped for carol's key: carol's next pull brings the secrets/).waitFor();
    await done.getByRole('button', { name: 'Done' }).click();
    await page.getByText('carol is now an operator.', { exact: true }).waitFor();
    await row.getByRole('cell', { name: 'Operator', exact: true }).waitFor();
    expect((await engines.alice.teamMembers()).find((m) => m.member === 'carol')).toMatchObject({ role: 'operator', approvedBy: 'alice' });
    expect((await postgres.asMember('carol', 'SELECT key_id FROM ops.key_secrets')).length).toBe(2);
  });

  it("changes carol's role back to viewer: what it means first (her copies are not taken back), then the rotation and the keys she could read", async () => {
    await page.getByRole('table', { name: 'Members' }).getByRole('button', { name: 'Change role for carol…' }).click();
    const dialog = page.getByRole('dialog', { name: "Change carol's role" });
    await dialog.getByRole('radio', { name: /^Viewer/ }).check();
    await dialog.getByText(/carol will no longer read secrets:.*team key is rotated.*carol's copies of secrets are not taken back/).waitFor();
    // A viewer gets no team key: nothing to compare.
    expect(await dialog.getByRole('textbox').count()).toBe(0);
    expect(await seriousAxeFindings(page)).toEqual([]);
    expect(await readableButtons(page, dialog, 'change role dialog, operator to viewer')).toEqual([]);
    await screenshot(page, 'team-role-demote');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'team-role-demote-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await dialog.getByRole('button', { name: 'Make carol a viewer' }).click();
    const done = page.getByRole('dialog', { name: 'carol is now a viewer' });
    await done.getByText(/The team key is now generation 2/).waitFor();
    expect(await done.getByRole('list', { name: 'Keys to rotate' }).getByRole('link').allInnerTexts()).toEqual(['Stripe prod', 'Twilio']);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'team-role-demoted');
    await done.getByRole('button', { name: 'Done' }).click();
    await page.getByText('carol is now a viewer.', { exact: true }).waitFor();
    await expect(postgres.asMember('carol', 'SELECT * FROM ops.key_secrets')).rejects.toThrow('permission denied for table key_secrets');
    expect(opened.errors).toEqual([]);
  });

  it('removes bob after the confirmation that explains the rotation, then lists the keys he could have read, each a link to it', async () => {
    await goToTeam(page);
    await page.getByRole('table', { name: 'Members' }).getByRole('button', { name: 'Remove bob…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove bob from the team?' });
    await confirm.getByText(/the team key is rotated/).waitFor();
    await confirm.getByText(/bob held the team key, and may have kept what they could read/).waitFor();
    await confirm.getByRole('button', { name: 'Remove bob' }).click();
    const done = page.getByRole('dialog', { name: 'bob was removed' });
    await done.getByText(/The team key is now generation 3/).waitFor();
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

  it("Leave the team…: off for alice, the team's only admin, with why; carol leaves from her console once the team's name is typed", async () => {
    await reopenTeam(page);
    const aliceLeave = page.getByRole('region', { name: 'Leave the team' }).getByRole('button', { name: 'Leave the team…' });
    expect(await aliceLeave.isDisabled()).toBe(true);
    const why = "You are the team's only admin: make another member an admin (Change role…) before you leave, so the team keeps one.";
    expect(await page.locator(`[id="${await aliceLeave.getAttribute('aria-describedby')}"]`).textContent()).toBe(why);

    const carolServer = await startUiServer({ engine: engines.carol, home: homes.carol, rendererFolder: RENDERER });
    const carolConsole = await openConsole(browser, carolServer.newLaunchUrl());
    try {
      const on = carolConsole.page;
      await on.getByRole('table', { name: 'Keys' }).waitFor();
      await goToTeam(on);
      await on.getByRole('region', { name: 'Leave the team' }).getByRole('button', { name: 'Leave the team…' }).click();
      const dialog = on.getByRole('dialog', { name: 'Leave team ops?' });
      await dialog.getByText(/stops following team ops/).waitFor();
      await dialog.getByText(/Its copy stays here, readable, as a personal inventory/).waitFor();
      await dialog.getByText(/Leaving does not revoke your access\..*until an admin removes carol from the team, which rotates the team key/).waitFor();
      const confirm = dialog.getByRole('button', { name: 'Leave team ops' });
      const typed = dialog.getByRole('textbox', { name: 'Type ops to confirm' });
      expect(await confirm.isDisabled()).toBe(true);
      await typed.fill('opz');
      expect(await confirm.isDisabled()).toBe(true);
      await typed.fill('ops');
      expect(await confirm.isEnabled()).toBe(true);
      expect(await seriousAxeFindings(on)).toEqual([]);
      expect(await readableButtons(on, dialog, 'leave dialog')).toEqual([]);
      await screenshot(on, 'team-leave');
      await on.emulateMedia({ colorScheme: 'dark' });
      expect(await seriousAxeFindings(on)).toEqual([]);
      await screenshot(on, 'team-leave-dark');
      await on.emulateMedia({ colorScheme: 'light' });
      await confirm.click();
      await dialog.waitFor({ state: 'detached' });
      // The view is a personal folder's now, with what an admin still does.
      await on.getByRole('heading', { level: 2, name: 'What a team is' }).waitFor();
      await on.getByText(/^You left team ops: this data folder is personal now.*removes carol/).waitFor();
      expect(await seriousAxeFindings(on)).toEqual([]);
      await screenshot(on, 'team-left');
      expect(engines.carol.isTeamHome()).toBe(false);
      expect((await engines.alice.teamMembers()).find((m) => m.member === 'carol')).toMatchObject({ state: 'left' });
      // Its copy stays readable: the inventory still lists the team's keys.
      await on.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Inventory', exact: true }).click();
      await on
        .getByRole('table', { name: 'Keys' })
        .getByRole('row', { name: /Stripe prod/ })
        .waitFor();
      expect(carolConsole.errors).toEqual([]);
    } finally {
      await carolConsole.context.close();
      await carolServer.close();
    }
  });

  it("Import… in a team home: the file's keys are written to the team, its batch's event in the team's trail, the secret sealed", async () => {
    const secret = `sk_live_e2e_import_${Date.now().toString(36)}Xq7Lm2`;
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Inventory', exact: true }).click();
    await page.getByRole('table', { name: 'Keys' }).waitFor();
    await page.getByRole('button', { name: 'Import…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .locator('input[type="file"]')
      .first()
      .setInputFiles({ name: 'keys.csv', mimeType: 'text/csv', buffer: Buffer.from(`name,expires,owner,secret\nImported in the team,2030-06-30,ops,${secret}\n`) });
    await expect.poll(() => dialog.getByLabel('Format').inputValue()).toBe('csv');
    await dialog.getByLabel('Into the manual backend').selectOption({ label: 'hand' });
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.getByRole('button', { name: 'Import 1 key' }).click();
    await dialog.getByRole('heading', { name: 'Imported' }).waitFor();
    await dialog.getByText(/^Written to team ops, secrets sealed under the team key: the other members' copies have these keys at their next pull\./).waitFor();
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, 'team-import-result');
    const [row] = await postgres.superuser<{ key_id: string; owner: string }>("SELECT key_id, owner FROM ops.keys WHERE name = 'Imported in the team'");
    expect(row).toMatchObject({ owner: 'ops' });
    expect(await postgres.superuser('SELECT 1 FROM ops.key_secrets WHERE key_id = $1', [row!.key_id])).toHaveLength(1);
    expect(await postgres.superuser("SELECT member, detail FROM ops.audit WHERE action = 'import'")).toEqual([{ member: 'alice', detail: 'csv: 1 created, 0 updated, 0 skipped' }]);
    expect(postgres.dump().includes(secret)).toBe(false);
    expect(await engines.alice.reveal(`hand/${row!.key_id}`)).toBe(secret);
    expect(opened.errors).toEqual([]);
  });
});
