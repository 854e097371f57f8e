/**
 * Where one in-process sync spends its time, as ms from the start of the process: the engine imported, opened, the
 * earliest first page of any backend (connector code, undici and zod loaded, the data key read from the keychain,
 * one request answered), the last backend committed, the engine closed.
 *
 *   node test/bench/child/sync-timeline.mjs HOME EXPECTED_KEYS
 * Prints one JSON line: { importMs, openMs, firstPageMs, lastDoneMs, closeMs, keysWritten }.
 */
import { loadDist } from '../lib.mjs';

const [home, expectedText] = process.argv.slice(2);
const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const importMs = performance.now();
const engine = KeywardenEngine.open({ home });
const openMs = performance.now();
let firstPageMs = Infinity;
let lastDoneMs = 0;
const report = await engine.sync([], {
  onProgress: (progress) => {
    if (progress.phase === 'page') firstPageMs = Math.min(firstPageMs, performance.now());
    if (progress.phase === 'done') lastDoneMs = Math.max(lastDoneMs, performance.now());
  },
});
await engine.close();
const closeMs = performance.now();
const keys = report.results.reduce((sum, result) => sum + result.keyCount, 0);
if (!report.ok || keys !== Number(expectedText)) throw new Error(`sync: ok=${report.ok}, ${keys} keys, expected ${expectedText}`);
process.stdout.write(`${JSON.stringify({ importMs, openMs, firstPageMs, lastDoneMs, closeMs, keysWritten: report.results.reduce((sum, result) => sum + (result.keysWritten ?? 0), 0) })}\n`);
