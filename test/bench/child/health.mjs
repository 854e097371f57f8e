/**
 * engine.health() (every health finding, with a 90-day organisation rotation policy set) and engine.checkDue() (`keywarden check`'s verdicts) on an open engine, the
 * whole inventory each call. Round-robin, one unmeasured round first.
 *
 *   node test/bench/child/health.mjs HOME RUNS
 * Prints one JSON line: { queries: { <name>: { rows, total, samples: [ms...] } } }, rows = findings or keys judged.
 */
import { loadDist } from '../lib.mjs';

const [home, runsText] = process.argv.slice(2);
const runs = Number(runsText);

const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const engine = KeywardenEngine.open({ home });
// An organisation policy of 90 days, so the one finding that reads every open key (longer than the policy) is timed too.
await engine.updateSettings({ maxRotationDays: 90 });
const first = await engine.health();
const gate = engine.checkDue({ withinDays: 30 });
const results = {
  health: { rows: first.findings.length, total: first.keysChecked, samples: [] },
  check: { rows: gate.entries.length, total: gate.counts.checked, samples: [] },
};
for (let run = 0; run < runs; run++) {
  let started = performance.now();
  await engine.health();
  results.health.samples.push(performance.now() - started);
  started = performance.now();
  engine.checkDue({ withinDays: 30 });
  results.check.samples.push(performance.now() - started);
}
await engine.close();
process.stdout.write(`${JSON.stringify({ queries: results })}\n`);
