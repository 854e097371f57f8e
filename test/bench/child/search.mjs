/**
 * The search box's syntax answered by the engine (engine.queryInventory with `search`, as the console's
 * `inventory:query` asks for its first page of 100 rows) on an open engine over the "mixed" inventory, whose keys
 * carry descriptions (owner, environment, tags, notes). Terms of three characters or more go through the trigram
 * index of migration 011. Terms of two letters, which a trigram cannot hold, go through the pair index of migration 018
 * (the figures keep their first names): `short_term_like` two letters found in about one key in three,
 * `short_term_mid` in about one key in twenty, `short_term_rare` in few. `short_term_one_letter` is one letter found in
 * nearly every key (LIKE over the searched columns joined, read from the index of migration 017; the share a sample of
 * keys judges, KeyTables `shortTermShare`, decides how it is paged). For reference,
 * `like_scan_payments` is the same "payments" search on a copy of the file without the index (the LIKE fallback a
 * read-only look at an older file takes). Round-robin, one unmeasured round first.
 *
 *   node test/bench/child/search.mjs HOME RUNS
 * Prints one JSON line: { queries: { <name>: { search, rows, total, samples: [ms...] } } }.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { databaseFile } from '../fixtures.mjs';
import { loadDist } from '../lib.mjs';

const [home, runsText] = process.argv.slice(2);
const runs = Number(runsText);

const SEARCHES = {
  text_payments: 'payments',
  text_partial: 'aymen',
  owner: 'owner:lima',
  tag: 'tag:pci',
  vendor_status: 'vendor:commbox status:grace',
  combined: 'payments env:prod -tag:legacy',
  due: 'due<30 billing',
  short_term_like: 'pa',
  short_term_one_letter: 'p',
  short_term_mid: 'al',
  short_term_rare: 'xy',
};

const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const { InventoryStore } = await loadDist('electron/core/store/store.js');
const { openSqlite } = await loadDist('electron/core/store/sqlite.js');
const engine = KeywardenEngine.open({ home });

// The same file without the index, for the LIKE reference.
const folder = mkdtempSync(join(os.tmpdir(), 'keywarden-bench-like-'));
const copy = join(folder, 'like.db');
const source = InventoryStore.open(await databaseFile(home), { readOnly: true });
await source.backup(copy);
source.close();
const raw = openSqlite(copy);
raw.exec('DROP TABLE key_search');
raw.close();
const likeStore = InventoryStore.open(copy, { readOnly: true });

/** @type {Array<{ name: string, search: string, run: () => { rows: unknown[], total: number } }>} */
const cases = Object.entries(SEARCHES).map(([name, search]) => ({ name, search, run: () => engine.queryInventory({ search, limit: 100 }) }));
cases.push({ name: 'like_scan_payments', search: 'payments', run: () => likeStore.keys.query({ search: 'payments', limit: 100 }, new Date()) });

const results = {};
for (const { name, search, run } of cases) {
  const page = run();
  results[name] = { search, rows: page.rows.length, total: page.total, samples: [] };
}
if (results.like_scan_payments.total !== results.text_payments.total) {
  throw new Error(`the index found ${results.text_payments.total} keys for "payments", LIKE ${results.like_scan_payments.total}`);
}
for (let round = 0; round < runs; round++) {
  for (const { name, run } of cases) {
    const started = performance.now();
    const page = run();
    results[name].samples.push(performance.now() - started);
    if (page.total !== results[name].total) throw new Error(`${name}: ${page.total} matches, first run had ${results[name].total}`);
  }
}
likeStore.close();
rmSync(folder, { recursive: true, force: true });
await engine.close();
process.stdout.write(`${JSON.stringify({ queries: results })}\n`);
