/**
 * The console in Chromium against `keywarden ui`'s server (in-process, over the data folder HOME):
 * - first_rows: from navigation (the URL with its token, as `keywarden ui` prints it) to the first row of
 *   the keys table on screen, in a fresh browser context each run;
 * - keystroke: from one key press in "Search keys" to the table showing the narrowed result (its row
 *   count changes), alternating between an empty search and one letter. This includes the console's
 *   search debounce (SEARCH_DEBOUNCE_MS in renderer/src/state/inventory-store.ts), as a user feels it.
 *   Two clocks: `keystroke` is measured by this script (Playwright sends the key and polls the page over
 *   the DevTools protocol, which adds its own round trips and waits for an animation frame to poll);
 *   `keystrokeInPage` is measured by the page itself, from the keydown event's timestamp to the frame
 *   that paints the narrowed rows (the next requestAnimationFrame after the table's row count changed):
 *   what the user sees, without the driver's overhead.
 *
 *   node test/bench/child/console.mjs HOME RUNS
 * Prints one JSON line: { firstRows: [ms...], keystroke: [ms...], keystrokeInPage: [ms...], rows: N }.
 */
import { loadDist } from '../lib.mjs';

const [home, runsText] = process.argv.slice(2);
const runs = Number(runsText);

const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const { startUiServer } = await loadDist('electron/cli/ui/server.js');
const { chromium } = await import('playwright-core');

const engine = KeywardenEngine.open({ home });
// One sign-in per fresh context, and those sessions are left open: room for all of them.
const server = await startUiServer({ engine, sessions: { maxSessions: runs + 2 } });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const firstRow = '[role="table"][aria-label="Keys"] [role="row"][aria-rowindex="2"]';
// Runs in the page (Chromium), where the DOM is: globalThis is the window there.
const rowCount = () => globalThis.document.querySelector('[role="table"][aria-label="Keys"]')?.getAttribute('aria-rowcount');

try {
  const firstRows = [];
  for (let run = 0; run <= runs; run++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(server.newLaunchUrl());
    await page.locator(firstRow).waitFor();
    if (run > 0) firstRows.push(performance.now() - started); // run 0 warms Chromium's caches
    await context.close();
  }

  const context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
  const page = await context.newPage();
  await page.goto(server.newLaunchUrl());
  await page.locator(firstRow).waitFor();
  const all = await page.evaluate(rowCount);
  const search = page.getByLabel('Search keys');
  // In the page: the keydown's time, and the paint after the row count changes (a MutationObserver, then a frame).
  await search.evaluate((input) => {
    const document = globalThis.document;
    const table = document.querySelector('[role="table"][aria-label="Keys"]');
    const probe = { keydownAt: 0, paintedAt: 0 };
    globalThis.__keystrokeProbe = probe;
    input.addEventListener('keydown', (event) => {
      probe.keydownAt = event.timeStamp;
      probe.paintedAt = 0;
    });
    new globalThis.MutationObserver(() => {
      if (probe.keydownAt && !probe.paintedAt) globalThis.requestAnimationFrame(() => (probe.paintedAt = globalThis.performance.now()));
    }).observe(table, { attributes: true, attributeFilter: ['aria-rowcount'] });
  });
  const keystroke = [];
  const keystrokeInPage = [];
  for (let run = 0; run <= runs; run++) {
    await search.focus();
    const before = await page.evaluate(rowCount);
    const started = performance.now();
    await page.keyboard.press(before === all ? 'p' : 'Backspace');
    await page.waitForFunction((previous) => globalThis.document.querySelector('[role="table"][aria-label="Keys"]')?.getAttribute('aria-rowcount') !== previous, before);
    const elapsed = performance.now() - started;
    const inPage = await page.waitForFunction(() => globalThis.__keystrokeProbe.paintedAt && globalThis.__keystrokeProbe.paintedAt - globalThis.__keystrokeProbe.keydownAt);
    if (run > 0) {
      keystroke.push(elapsed);
      keystrokeInPage.push(await inPage.jsonValue());
    }
  }
  // The same through the search index (migration 011): from "prod" (environment, tags and names) to "produ" and back,
  // both of three characters or more, so each keystroke is answered by the trigram index, not by LIKE.
  await search.fill('prod');
  await page.waitForFunction((previous) => globalThis.document.querySelector('[role="table"][aria-label="Keys"]')?.getAttribute('aria-rowcount') !== previous, all);
  const prod = await page.evaluate(rowCount);
  const indexedInPage = [];
  for (let run = 0; run <= runs; run++) {
    await search.focus();
    const before = await page.evaluate(rowCount);
    await page.keyboard.press(before === prod ? 'u' : 'Backspace');
    await page.waitForFunction((previous) => globalThis.document.querySelector('[role="table"][aria-label="Keys"]')?.getAttribute('aria-rowcount') !== previous, before);
    const inPage = await page.waitForFunction(() => globalThis.__keystrokeProbe.paintedAt && globalThis.__keystrokeProbe.paintedAt - globalThis.__keystrokeProbe.keydownAt);
    if (run > 0) indexedInPage.push(await inPage.jsonValue());
  }
  await context.close();
  process.stdout.write(`${JSON.stringify({ firstRows, keystroke, keystrokeInPage, indexedInPage, rows: Number(all) - 1 })}\n`);
} finally {
  await browser.close();
  await server.close();
  await engine.close();
}
