/**
 * engine.listKeys with filters on an open engine (warm, as the app's inventory view queries it).
 * Queries run round-robin so that machine noise spreads over all of them; one unmeasured round first.
 *
 *   node test/bench/child/filter.mjs HOME RUNS
 * Prints one JSON line: { queries: { <name>: { filter, rows, samples: [ms...] } } }.
 */
import { loadDist } from '../lib.mjs';

const [home, runsText] = process.argv.slice(2);
const runs = Number(runsText);

/** The filters the inventory view and `keywarden list` offer, alone and combined (backends from fixtures.mjs "mixed"). */
const QUERIES = {
  all: {},
  status_grace: { status: 'grace' },
  status_active: { status: 'active' },
  search_text: { search: 'payments' },
  due_within_30d: { dueWithinDays: 30 },
  backend: { backend: 'commbox-org' },
  combined: { backend: 'nitro-prod', status: 'active', search: 'eu', dueWithinDays: 90 },
};

const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const engine = KeywardenEngine.open({ home });
const results = {};
for (const [name, filter] of Object.entries(QUERIES)) results[name] = { filter, rows: engine.listKeys(filter).length, samples: [] };
for (let run = 0; run < runs; run++) {
  for (const [name, filter] of Object.entries(QUERIES)) {
    const started = performance.now();
    const keys = engine.listKeys(filter);
    results[name].samples.push(performance.now() - started);
    if (keys.length !== results[name].rows) throw new Error(`${name}: ${keys.length} rows, first run had ${results[name].rows}`);
  }
}
await engine.close();
process.stdout.write(`${JSON.stringify({ queries: results })}\n`);
