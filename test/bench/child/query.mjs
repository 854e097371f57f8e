/**
 * engine.queryInventory (the console's `inventory:query`) and engine.inventoryFacets on an open engine:
 * the first page of 100 rows as the table asks for it, under the default sort (soonest due first) and
 * others, filtered and not; and the facet counts behind the filters. Round-robin, one unmeasured round first.
 *
 *   node test/bench/child/query.mjs HOME RUNS
 * Prints one JSON line: { queries: { <name>: { query, rows, total, samples: [ms...] } } }.
 */
import { loadDist } from '../lib.mjs';

const [home, runsText] = process.argv.slice(2);
const runs = Number(runsText);

const PAGE = 100;
/** Backends and names from fixtures.mjs "mixed". */
const QUERIES = {
  first_page_due: { limit: PAGE },
  first_page_name: { limit: PAGE, sort: { field: 'name', direction: 'asc' } },
  last_page_due: { limit: PAGE, offset: -1 },
  search_text: { limit: PAGE, search: 'payments' },
  overdue: { limit: PAGE, overdue: true },
  vendor_status: { limit: PAGE, vendor: 'nitrobox', status: 'active' },
};

const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const engine = KeywardenEngine.open({ home });
const total = engine.queryInventory({ limit: 1 }).total;
// The last page: where a scroll to the end of the table lands (OFFSET is the expensive part).
QUERIES.last_page_due.offset = Math.max(0, total - PAGE);
const results = {};
for (const [name, query] of Object.entries(QUERIES)) {
  const page = engine.queryInventory(query);
  results[name] = { query, rows: page.rows.length, total: page.total, samples: [] };
}
results.facets = { query: 'inventoryFacets()', rows: 0, total, samples: [] };
engine.inventoryFacets();
for (let run = 0; run < runs; run++) {
  for (const [name, query] of Object.entries(QUERIES)) {
    const started = performance.now();
    const page = engine.queryInventory(query);
    results[name].samples.push(performance.now() - started);
    if (page.total !== results[name].total) throw new Error(`${name}: ${page.total} matches, first run had ${results[name].total}`);
  }
  const started = performance.now();
  engine.inventoryFacets();
  results.facets.samples.push(performance.now() - started);
}
await engine.close();
process.stdout.write(`${JSON.stringify({ queries: results })}\n`);
