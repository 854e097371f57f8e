/**
 * engine.sync() against running emulators, in a fresh process and a fresh data folder: the first sync
 * inserts every key (what `keywarden sync` does on a new machine, module loading included), the second
 * updates them (the steady state of a periodic sync in the app).
 *
 *   node --expose-gc test/bench/child/sync.mjs HOME BACKEND_TYPES(comma-separated)
 * with BENCH_EMULATORS holding the JSON emulators.mjs printed. The data key lives in the OS keychain
 * (run under test/support/with-test-keychain.mjs). Prints one JSON line.
 */
import { loadDist } from '../lib.mjs';

const [home, typesText] = process.argv.slice(2);
const emulators = JSON.parse(process.env.BENCH_EMULATORS ?? '{}');
const types = typesText.split(',');
const memory = () => {
  globalThis.gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed };
};

const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const engine = KeywardenEngine.open({ home });
let expected = 0;
for (const type of types) {
  const target = emulators[type];
  if (!target) throw new Error(`no running ${type} emulator in BENCH_EMULATORS`);
  await engine.addBackend({ name: `${type}-bench`, type, url: target.url, credential: target.credential });
  expected += target.keys;
}

function check(report, label) {
  const failed = report.results.filter((result) => !result.ok);
  if (failed.length > 0) throw new Error(`${label}: ${failed.map((result) => `${result.backend}: ${result.error}`).join('; ')}`);
  const keys = report.results.reduce((sum, result) => sum + result.keyCount, 0);
  if (keys !== expected) throw new Error(`${label}: synced ${keys} keys, the emulators hold ${expected}`);
  return keys;
}

const before = memory();
let started = performance.now();
const first = await engine.sync();
const firstMs = performance.now() - started;
const keys = check(first, 'first sync');
const afterFirst = memory();

started = performance.now();
const second = await engine.sync();
const secondMs = performance.now() - started;
check(second, 'second sync');
const listed = engine.listKeys({}).length;
await engine.close();
if (listed !== expected) throw new Error(`the inventory holds ${listed} keys after sync, expected ${expected}`);

process.stdout.write(
  `${JSON.stringify({
    keys,
    firstMs,
    secondMs,
    perBackend: first.results.map((result) => ({ backend: result.backend, keys: result.keyCount, pages: result.pages, durationMs: result.durationMs })),
    memory: { before, afterFirst },
  })}\n`,
);
