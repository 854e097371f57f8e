/**
 * One cold start of the inventory, as the app or a CLI command meets it: import the compiled engine,
 * KeywardenEngine.open({ home }), then listKeys({}). Offline: no backend is contacted.
 *
 *   node test/bench/child/open-list.mjs HOME EXPECTED_KEYS
 * Prints one JSON line: { importMs, openMs, listMs, keys }.
 */
import { loadDist } from '../lib.mjs';

const [home, expected] = process.argv.slice(2);
const t0 = performance.now();
const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const t1 = performance.now();
const engine = KeywardenEngine.open({ home });
const t2 = performance.now();
const keys = engine.listKeys({});
const t3 = performance.now();
await engine.close();
if (keys.length !== Number(expected)) throw new Error(`listed ${keys.length} keys, expected ${expected}`);
process.stdout.write(`${JSON.stringify({ importMs: t1 - t0, openMs: t2 - t1, listMs: t3 - t2, keys: keys.length })}\n`);
