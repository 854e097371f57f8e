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
 * - with FLOOR, the same in-page keystroke on a bare page (no React, no console, no engine) in the same browser, which
 *   draws 25 rows from an answer of the same bytes as the console's: `floorRoundTrip` asks a bare WebSocket server in
 *   this process for it (the least a keystroke answered by another process costs on this machine: the console's calls
 *   go to keywarden ui's server, or to Electron's main process), `floorInPage` has it in the page already (the least any
 *   keystroke costs: one frame).
 *
 *   node test/bench/child/console.mjs HOME RUNS [FLOOR]
 * Prints one JSON line: { firstRows, keystroke, keystrokeInPage, indexedInPage, floorRoundTrip?, floorInPage? } (arrays
 * of ms) and rows (N).
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { loadDist } from '../lib.mjs';

const [home, runsText, floorWanted] = process.argv.slice(2);
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
  await installKeystrokeProbe(search);
  const keystroke = [];
  const keystrokeInPage = await keystrokesInPage(page, search, all, 'p', (elapsed) => keystroke.push(elapsed));
  // The same through the search index (migration 011): from "prod" (environment, tags and names) to "produ" and back,
  // both of three characters or more, so each keystroke is answered by the trigram index, not by LIKE.
  await search.fill('prod');
  await rowCountChanged(page, all);
  const prod = await page.evaluate(rowCount);
  const indexedInPage = await keystrokesInPage(page, search, prod, 'u');
  await context.close();
  const floors = floorWanted ? await floorKeystrokes() : {};
  process.stdout.write(`${JSON.stringify({ firstRows, keystroke, keystrokeInPage, indexedInPage, ...floors, rows: Number(all) - 1 })}\n`);
} finally {
  await browser.close();
  await server.close();
  await engine.close();
}

/** Waits until the keys table's row count is no longer `previous`. */
async function rowCountChanged(page, previous) {
  await page.waitForFunction((counted) => globalThis.document.querySelector('[role="table"][aria-label="Keys"]')?.getAttribute('aria-rowcount') !== counted, previous);
}

/** In the page: the keydown's time, and the paint after the row count changes (a MutationObserver, then a frame). */
async function installKeystrokeProbe(search) {
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
}

/**
 * RUNS + 1 key presses in the search box (the first unmeasured), alternating between `typed` (when the table shows
 * `widest` rows) and Backspace; each waits for the row count to change. Returns the in-page times; `driverTime` is told
 * the time this script saw, from sending the key to seeing the change.
 */
async function keystrokesInPage(page, search, widest, typed, driverTime) {
  const inPageTimes = [];
  for (let run = 0; run <= runs; run++) {
    await search.focus();
    const before = await page.evaluate(rowCount);
    const started = performance.now();
    await page.keyboard.press(before === widest ? typed : 'Backspace');
    await rowCountChanged(page, before);
    const elapsed = performance.now() - started;
    const inPage = await page.waitForFunction(() => globalThis.__keystrokeProbe.paintedAt && globalThis.__keystrokeProbe.paintedAt - globalThis.__keystrokeProbe.keydownAt);
    if (run > 0) {
      driverTime?.(elapsed);
      inPageTimes.push(await inPage.jsonValue());
    }
  }
  return inPageTimes;
}

/**
 * The floor under the console's keystroke on this machine: a bare page whose search box, on each input, draws 25 rows
 * of the console's own answers ("p", and all keys, as JSON of the same bytes), asked of a bare WebSocket server in this
 * process (a round trip to another process, as every console call is) or already held by the page (one frame, nothing
 * asked). The page is plain DOM: what the console adds above this is its own work (React, the contract, the engine).
 */
async function floorKeystrokes() {
  const query = { sort: { field: 'due', direction: 'asc' }, offset: 0, limit: 100 };
  const answers = { '': JSON.stringify(engine.queryInventory(query)), p: JSON.stringify(engine.queryInventory({ ...query, search: 'p' })) };
  const page = `<!doctype html><meta charset="utf-8"><label for="search">Search keys</label><input id="search">
<div role="table" aria-label="Keys" aria-rowcount="0"></div>
<script id="answers" type="application/json">${JSON.stringify(answers).replaceAll('<', '\\u003c')}</script>
<script type="module">
const table = document.querySelector('[role="table"]');
const held = JSON.parse(document.getElementById('answers').textContent);
const draw = (text) => {
  const answer = JSON.parse(text);
  table.replaceChildren(...answer.rows.slice(0, 25).map((row) => Object.assign(document.createElement('div'), { textContent: row.name + ' ' + row.ref })));
  table.setAttribute('aria-rowcount', String(answer.total + 1));
};
const socket = location.hash === '#held' ? null : new WebSocket('ws://' + location.host + '/');
if (socket) socket.onmessage = (event) => draw(event.data);
document.getElementById('search').addEventListener('input', (event) => (socket ? socket.send(event.target.value) : draw(held[event.target.value])));
draw(held['']);
</script>`;
  const server = http.createServer((request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page));
  const sockets = new WebSocketServer({ server, perMessageDeflate: false });
  sockets.on('connection', (socket) => socket.on('message', (data) => socket.send(answers[Buffer.from(data).toString('utf8')] ?? answers[''])));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const floors = {};
  try {
    for (const [name, hash] of [
      ['floorRoundTrip', ''],
      ['floorInPage', '#held'],
    ]) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${server.address().port}/${hash}`);
      await rowCountChanged(page, '0');
      const search = page.getByLabel('Search keys');
      await installKeystrokeProbe(search);
      floors[name] = await keystrokesInPage(page, search, await page.evaluate(rowCount), 'p');
      await context.close();
    }
  } finally {
    sockets.close();
    server.close();
  }
  return floors;
}
