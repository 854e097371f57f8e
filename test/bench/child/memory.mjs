/**
 * Memory of a process holding the engine as the Electron main process does: open a 100k-key
 * inventory, list every key once (as the inventory view's first load), then sync a 5,000-key
 * Nitrobox backend. Measured here, in a process of its own, so the bench's own heap does not count.
 *
 *   node --expose-gc test/bench/child/memory.mjs FIXTURE_HOME WORK_HOME EXPECTED_KEYS
 * with BENCH_EMULATORS as for sync.mjs. The fixture is copied first so it stays untouched.
 * Prints one JSON line of byte counts, each taken after a full GC: { baseline, afterOpenList, afterSync, peakRss }; each
 * phase holds rss, heapUsed, external, rssAnon and rssFile.
 */
import { cpSync, readFileSync } from 'node:fs';
import { loadDist } from '../lib.mjs';

const [fixtureHome, home, expectedText] = process.argv.slice(2);
const emulators = JSON.parse(process.env.BENCH_EMULATORS ?? '{}');
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
cpSync(fixtureHome, home, { recursive: true });

/**
 * The resident memory's two kinds, from Linux's /proc/self/status: anonymous (the process's own: heap, buffers, SQLite's
 * page cache, store/sqlite.ts PAGE_CACHE_KIB) and file-backed (pages of mapped files: the executable and libraries).
 */
const residentKinds = () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssAnon: kib('RssAnon'), rssFile: kib('RssFile') };
};

const measure = () => {
  globalThis.gc();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, ...residentKinds() };
};

const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const baseline = measure();

const engine = KeywardenEngine.open({ home });
let keys = engine.listKeys({});
if (keys.length !== Number(expectedText)) throw new Error(`listed ${keys.length} keys, expected ${expectedText}`);
// Measured while the list is still referenced, as when it is being handed to the renderer.
const afterOpenList = measure();
keys = null;

const target = emulators.nitrobox;
if (!target) throw new Error('no running nitrobox emulator in BENCH_EMULATORS');
await engine.addBackend({ name: 'nitrobox-bench', type: 'nitrobox', url: target.url, credential: target.credential });
const report = await engine.sync(['nitrobox-bench']);
if (!report.ok || report.results[0].keyCount !== target.keys) throw new Error(`sync failed: ${JSON.stringify(report.results)}`);
const afterSync = measure();
await engine.close();

process.stdout.write(`${JSON.stringify({ baseline, afterOpenList, afterSync, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`);
