/**
 * Every view and dialog of the console on the demo inventory, at the three window sizes administrators use (1440x900,
 * 1024x700 and 760x900) in light and dark: what an administrator would check at a glance, asserted for each, and a
 * screenshot of each in test/e2e/screenshots/gallery/ to look at before calling a view done.
 *
 * The Team view of a team home (docs/team.md) gets a console of its own: alice's team home on a private PostgreSQL, bob
 * waiting for approval, carol a second admin, with its Approve, Change role, Remove and Leave dialogs.
 *
 * Checked everywhere: the page never scrolls sideways (nothing is pushed out of the window), no button's label is cut
 * off, and axe finds nothing serious or critical. `KEYWARDEN_DOC_SCREENSHOTS=1` also writes the 1024 px light pictures
 * that docs/console.md shows into docs/images/ (small enough to keep in the repository).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoSession, startDemoSession } from '../../electron/core/demo/demo.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain, PROJECT_ROOT } from '../support/cli.js';
import { E2E_HTTP, hasChromium, launchChromium, openConsole, RENDERER, requireBuiltRenderer, SCREENSHOTS, seriousAxeFindings } from '../support/console-e2e.js';
import { type PrivatePostgres, SKIP_NO_POSTGRES, startPrivatePostgres } from '../support/postgres.js';

const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
  { width: 760, height: 900 },
] as const;
const THEMES = ['light', 'dark'] as const;
const GALLERY = join(SCREENSHOTS, 'gallery');
const DOC_IMAGES = join(PROJECT_ROOT, 'docs', 'images');
const CONSOLE_DOC = readFileSync(join(PROJECT_ROOT, 'docs', 'console.md'), 'utf8');

/** What is wrong with the page as shown, in words: sideways scrolling, and buttons whose label does not fit. */
const layoutProblems = (page: Page) =>
  // A string: the tests are type-checked without the DOM's types (as in the other e2e suites).
  page.evaluate<string[]>(`(() => {
    const problems = [];
    const root = document.scrollingElement || document.documentElement;
    if (root.scrollWidth > window.innerWidth + 1) problems.push('the page scrolls sideways by ' + (root.scrollWidth - window.innerWidth) + ' px');
    for (const button of document.querySelectorAll('button, a.button, [role="button"]')) {
      const box = button.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || getComputedStyle(button).visibility === 'hidden') continue;
      const label = (button.getAttribute('aria-label') || button.textContent || '').trim().slice(0, 40);
      if (button.scrollWidth > button.clientWidth + 1) problems.push('button "' + label + '" is cut off (' + button.scrollWidth + ' > ' + button.clientWidth + ' px)');
      if (box.right > window.innerWidth + 1) problems.push('button "' + label + '" ends outside the window');
    }
    // Every view is reachable: each link of the top bar is on screen and not covered by anything, unless a dialog or
    // the key's or the rotation's panel (over the page in a narrow window, as a drawer) is open above it.
    const over = document.querySelector('dialog[open], [role="dialog"], [aria-modal="true"], .detail');
    for (const link of over ? [] : document.querySelectorAll('.nav-link')) {
      const box = link.getBoundingClientRect();
      const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (box.width === 0 || !top || !link.contains(top)) problems.push('the view link "' + link.textContent.trim() + '" is hidden');
    }
    // The days left beside a due date is what the inventory is for: never cut off.
    for (const cell of document.querySelectorAll('[role="cell"].col-due')) {
      if (cell.scrollWidth > cell.clientWidth + 1) problems.push('the Due cell "' + cell.textContent.trim() + '" is cut off');
    }
    return problems;
  })()`);

interface Scene {
  name: string;
  /** Brings the page from the inventory (just loaded) to the scene; the scene's landmark is waited for. */
  open(page: Page): Promise<void>;
}

const keyRow = (page: Page, name: RegExp) => page.getByRole('row', { name }).first();

const SCENES: Scene[] = [
  { name: 'inventory', open: async (page) => void (await keyRow(page, /Payment gateway/).waitFor()) },
  {
    name: 'key-panel',
    open: async (page) => {
      await keyRow(page, /Payment gateway/).click();
      await page.getByRole('complementary', { name: /Payment gateway/ }).waitFor();
    },
  },
  {
    // The column chooser, open: a box per column, and where a ticked column goes in a narrow window.
    name: 'columns-menu',
    open: async (page) => {
      await page.getByRole('button', { name: /^Columns/ }).click();
      await page.getByRole('menu', { name: 'Columns' }).waitFor();
    },
  },
  {
    // The View menu, open: "All keys" and the views saved below (beforeAll), then saving one.
    name: 'views-menu',
    open: async (page) => {
      await page.getByRole('button', { name: /^View:/ }).click();
      await page.getByRole('menu', { name: 'Views' }).getByRole('menuitemradio', { name: 'Due this month' }).waitFor();
    },
  },
  {
    name: 'create-key-dialog',
    open: async (page) => {
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('dialog').waitFor();
    },
  },
  {
    name: 'revoke-dialog',
    open: async (page) => {
      await keyRow(page, /Production.*Active/).click();
      const detail = page.getByRole('complementary', { name: /Production/ });
      await detail.getByRole('button', { name: 'Revoke', exact: true }).click();
      await page.getByRole('dialog').waitFor();
    },
  },
  {
    name: 'rotation',
    open: async (page) => {
      await keyRow(page, /warehouse-feed/).click();
      const detail = page.getByRole('complementary', { name: /warehouse-feed/ });
      await detail.getByRole('button', { name: /Rotate/ }).click();
      await page
        .getByRole('dialog')
        .or(page.getByRole('region', { name: /Rotat/ }))
        .first()
        .waitFor();
    },
  },
  {
    name: 'add-manual-key-dialog',
    open: async (page) => {
      await page.getByRole('button', { name: 'Add key' }).first().click();
      await page.getByRole('dialog').waitFor();
    },
  },
  {
    name: 'key-description',
    open: async (page) => {
      await keyRow(page, /SMS provider/).click();
      const detail = page.getByRole('complementary', { name: /SMS provider/ });
      await detail
        .getByRole('button', { name: /Edit description|Describe|Edit$/ })
        .first()
        .click();
      await detail.getByRole('textbox').first().waitFor();
    },
  },
  {
    name: 'shortcuts-dialog',
    open: async (page) => {
      await page.keyboard.press('?');
      await page.getByRole('dialog').waitFor();
    },
  },
  {
    name: 'import-dialog',
    open: async (page) => {
      await chooseImportFile(page, `name,expires,owner,secret\nGallery key,2027-06-30,ops,${newSecret()}\n`);
      await page.getByRole('dialog').getByText('More options').click();
    },
  },
  {
    name: 'import-preview',
    open: async (page) => {
      await chooseImportFile(page, importSheet());
      await page.getByRole('dialog').getByRole('button', { name: 'Preview' }).click();
      await page.getByRole('table', { name: 'What each entry becomes' }).waitFor();
    },
  },
  {
    name: 'import-result',
    open: async (page) => {
      // A key of its own each time (three sizes, two themes), so there is always something to import.
      imported += 1;
      await chooseImportFile(page, `name,expires,secret\nGallery import ${imported},2027-06-30,${newSecret()}\nNo secret here,2027-06-30,\n`);
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Into the manual backend').selectOption({ label: 'New backend…' });
      await dialog.getByLabel('New backend’s name').fill('imported');
      await dialog.getByRole('button', { name: 'Preview' }).click();
      await dialog.getByRole('button', { name: 'Import 1 key' }).click();
      await dialog.getByRole('heading', { name: 'Imported' }).waitFor();
    },
  },
  { name: 'backends', open: (page) => goTo(page, 'backends', /Backends/) },
  { name: 'reminders', open: (page) => goTo(page, 'reminders', /Reminders/) },
  { name: 'health', open: (page) => goTo(page, 'health', /Health/) },
  { name: 'audit', open: (page) => goTo(page, 'audit', /Audit/) },
  {
    name: 'team-personal',
    open: async (page) => {
      await goTo(page, 'team', /Team/);
      await page.getByRole('heading', { name: 'What a team is', level: 2 }).waitFor();
    },
  },
  { name: 'backups', open: (page) => goTo(page, 'backups', /Backups/) },
  { name: 'vault', open: (page) => goTo(page, 'vault', /Vault/) },
  {
    name: 'vault-passphrase-dialog',
    open: async (page) => {
      await goTo(page, 'vault', /Vault/);
      await page.getByRole('button', { name: /Add a passphrase|Change passphrase/ }).click();
      await page.getByRole('dialog').waitFor();
    },
  },
  { name: 'settings', open: (page) => goTo(page, 'settings', /Settings/) },
];

const newSecret = () => `sk_${randomBytes(18).toString('base64url')}`;
let imported = 0;

/** A spreadsheet whose plan is long enough to scroll: creates, and skips with their reasons and warnings. */
function importSheet(): string {
  const rows = Array.from({ length: 40 }, (_, index) => `Service ${index + 1},Vendor ${index % 5},2027-${String((index % 12) + 1).padStart(2, '0')}-15,team-${index % 3},${newSecret()}`);
  // The skips near the top, where the picture in docs/import.md shows them.
  return ['name,vendor,expires,owner,secret', ...rows.slice(0, 2), 'Wi-Fi guest,,,,', `@SUM(A1),Evil,=TODAY()+30,,${newSecret()}`, ...rows.slice(2)].join('\n');
}

/** Opens Import… and chooses a CSV file; the engine has it once the format it suggests is chosen. */
async function chooseImportFile(page: Page, csv: string): Promise<void> {
  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog
    .locator('input[type="file"]')
    .first()
    .setInputFiles({ name: 'keys.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect.poll(() => dialog.getByLabel('Format').inputValue()).toBe('csv');
}

async function goTo(page: Page, view: string, heading: RegExp): Promise<void> {
  await page.evaluate(`window.location.hash = '#/${view}'`);
  await page
    .getByRole('heading', { name: heading, level: 1 })
    .or(page.getByRole('heading', { name: heading, level: 2 }))
    .first()
    .waitFor();
  // Data that arrives after the heading (a view's first query) settles before the picture: nothing still busy. (Not
  // 'networkidle': the console's event stream keeps a request open for as long as it runs.) Polled from the test, not
  // with waitForFunction, whose polling in the page is an eval the console's CSP refuses when it has to wait.
  await expect.poll(() => page.evaluate<boolean>(`!document.querySelector('[aria-busy="true"]')`), { timeout: 15_000 }).toBe(true);
}

/** The Team view of a team home (alice, an admin; carol, another) with bob waiting for approval: a scene of its own server. */
const TEAM_HOME_SCENES: Scene[] = [
  {
    name: 'team-home',
    open: async (page) => {
      await goTo(page, 'team', /Team/);
      await page.getByRole('table', { name: 'Recent team activity' }).waitFor();
      await page.getByRole('button', { name: 'Approve bob…' }).waitFor();
    },
  },
  {
    name: 'team-approve-dialog',
    open: async (page) => {
      await TEAM_HOME_SCENES[0]!.open(page);
      await page.getByRole('button', { name: 'Approve bob…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Approve bob?' });
      // The fingerprint bob read out, typed: the dialog says it matches.
      const fingerprint = await dialog.locator('.team-server-key .fingerprint').innerText();
      await dialog.getByRole('textbox', { name: 'Fingerprint bob read to you' }).fill(fingerprint);
      await dialog.getByText('It matches the key on the server.').waitFor();
    },
  },
  {
    name: 'team-remove-dialog',
    open: async (page) => {
      await TEAM_HOME_SCENES[0]!.open(page);
      await page.getByRole('button', { name: 'Remove bob…' }).click();
      await page.getByRole('dialog', { name: 'Remove bob from the team?' }).waitFor();
    },
  },
  {
    // An admin made a viewer: what it means (the team key rotates; her copies are not taken back) before it is done.
    name: 'team-role-dialog',
    open: async (page) => {
      await TEAM_HOME_SCENES[0]!.open(page);
      await page.getByRole('button', { name: 'Change role for carol…' }).click();
      const dialog = page.getByRole('dialog', { name: "Change carol's role" });
      await dialog.getByRole('radio', { name: /^Viewer/ }).check();
      await dialog.getByRole('button', { name: 'Make carol a viewer' }).waitFor();
    },
  },
  {
    // Leaving, the team's name typed: the confirmation is enabled.
    name: 'team-leave-dialog',
    open: async (page) => {
      await TEAM_HOME_SCENES[0]!.open(page);
      await page.getByRole('button', { name: 'Leave the team…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Leave team ops?' });
      await dialog.getByRole('textbox', { name: 'Type ops to confirm' }).fill('ops');
      await dialog.getByRole('button', { name: 'Leave team ops' }).waitFor();
    },
  },
];

/**
 * The checks of every scene at each size, in each theme, on the console `server()` serves (made in the caller's
 * beforeAll): the page fits the window, every button label is whole, axe finds nothing serious; a screenshot of each.
 */
function checkScenes(scenes: readonly Scene[], server: () => UiServer, browser: () => Browser): void {
  for (const theme of THEMES) {
    describe(theme, () => {
      let opened: Awaited<ReturnType<typeof openConsole>>;
      beforeAll(async () => {
        opened = await openConsole(browser(), server().newLaunchUrl(), { colorScheme: theme });
      });
      afterAll(async () => {
        await opened?.context.close();
      });

      for (const scene of scenes) {
        it(`${scene.name}: fits the window at each size, every button label whole, axe clean`, { timeout: 180_000 }, async () => {
          const { page } = opened;
          const problems: string[] = [];
          for (const size of SIZES) {
            await page.setViewportSize(size);
            await page.evaluate(`window.location.hash = '#/inventory'`);
            await page.getByRole('table', { name: 'Keys' }).waitFor();
            await scene.open(page);
            const where = `${scene.name} at ${size.width} px, ${theme}`;
            for (const problem of await layoutProblems(page)) problems.push(`${where}: ${problem}`);
            for (const finding of await seriousAxeFindings(page)) problems.push(`${where}: axe ${finding.id} (${finding.help}) at ${finding.targets.join(' ')}`);
            const file = join(GALLERY, `${scene.name}-${size.width}-${theme}.png`);
            await page.screenshot({ path: file });
            // Only the pictures docs/console.md shows are kept in the repository.
            if (process.env.KEYWARDEN_DOC_SCREENSHOTS === '1' && size.width === 1024 && theme === 'light' && CONSOLE_DOC.includes(`images/console-${scene.name}.png`)) {
              copyFileSync(file, join(DOC_IMAGES, `console-${scene.name}.png`));
            }
            // Whatever the scene opened closes before the next: Esc closes every dialog and panel.
            await page.keyboard.press('Escape');
            await page.keyboard.press('Escape');
          }
          expect(problems).toEqual([]);
          expect(opened.errors).toEqual([]);
        });
      }
    });
  }
}

describe.skipIf(!hasIsolatedKeychain || !hasChromium)('every view and dialog at 1440, 1024 and 760 px, light and dark', () => {
  let home: string;
  let demo: DemoSession;
  let server: UiServer;
  let browser: Browser;

  beforeAll(async () => {
    requireBuiltRenderer();
    mkdirSync(GALLERY, { recursive: true });
    home = mkdtempSync(join(tmpdir(), 'keywarden-e2e-gallery-'));
    demo = await startDemoSession(KeywardenEngine.open({ home, http: E2E_HTTP }), home);
    // Two saved views, so the View menu lists some.
    await demo.engine.saveView({ name: 'Due this month', query: { dueWithinDays: 30 }, sort: { field: 'due', direction: 'asc' }, columns: ['backend', 'status', 'due'] });
    await demo.engine.saveView({
      name: 'CommBox keys by name',
      query: { vendor: 'commbox' },
      sort: { field: 'name', direction: 'asc' },
      columns: ['backend', 'prefix', 'status', 'due', 'tested'],
    });
    server = await startUiServer({ engine: demo.engine, rendererFolder: RENDERER });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await demo?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  checkScenes(
    SCENES,
    () => server,
    () => browser,
  );
});

describe.skipIf(!hasIsolatedKeychain || !hasChromium || SKIP_NO_POSTGRES)('the Team view of a team home at 1440, 1024 and 760 px, light and dark', () => {
  let postgres: PrivatePostgres;
  let previousPassfile: string | undefined;
  const homes: string[] = [];
  const engines: KeywardenEngine[] = [];
  let server: UiServer;
  let browser: Browser;

  beforeAll(async () => {
    requireBuiltRenderer();
    mkdirSync(GALLERY, { recursive: true });
    postgres = await startPrivatePostgres();
    previousPassfile = process.env.PGPASSFILE;
    process.env.PGPASSFILE = postgres.passfile;
    const [alice, bob, carol] = (['alice', 'bob', 'carol'] as const).map((member) => {
      const home = mkdtempSync(join(tmpdir(), `keywarden-e2e-gallery-team-${member}-`));
      homes.push(home);
      const engine = KeywardenEngine.open({ home, osUser: member });
      engines.push(engine);
      return engine;
    });
    await alice!.addBackend({ name: 'hand', type: 'manual' });
    await alice!.addManualKey('hand', { name: 'Payment gateway', vendor: 'Stripe', createdAt: null, expiresAt: '2031-03-01', rotateEveryDays: null, secret: null, test: null });
    await alice!.teamInit(postgres.url('alice'), 'ops');
    // carol, a second admin: alice may leave, and carol's role may change.
    await alice!.teamApprove('carol', 'admin', (await carol!.teamJoin(postgres.url('carol'), 'ops')).fingerprint);
    await bob!.teamJoin(postgres.url('bob'), 'ops');
    server = await startUiServer({ engine: alice!, home: homes[0]!, rendererFolder: RENDERER });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const engine of engines) {
      await engine.resetVault({ leaveTeam: true });
      await engine.close();
    }
    for (const home of homes) rmSync(home, { recursive: true, force: true });
    if (previousPassfile === undefined) delete process.env.PGPASSFILE;
    else process.env.PGPASSFILE = previousPassfile;
    postgres?.stop();
  });

  checkScenes(
    TEAM_HOME_SCENES,
    () => server,
    () => browser,
  );
});
