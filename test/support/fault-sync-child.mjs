/**
 * One engine run for test/integration/sync-faults-at-scale.test.ts, in a process of its own so its memory can be
 * measured apart from the test's (and from the emulators', which stay in the test process): every backend synced,
 * with creates and revokes sent at the same time, against emulators the test has loaded with faults.
 *
 *   node --expose-gc test/support/fault-sync-child.mjs HOME
 * with FAULT_SYNC_PLAN = JSON { http, syncLimits, writes: [{ op: 'create', backend, name } | { op: 'revoke', ref, validityDays? }],
 * repeat: { backends, warmUps, times } }. Runs the compiled engine (dist/, as the CLI does). Prints one JSON line:
 *   { report, writes: [{ op, ok, code, message }], elapsedMs, memory: { run, repeat }, repeated: [reports], gc }
 * `memory.run` is the whole run; `memory.repeat` is `repeat.times` more syncs of `repeat.backends` alone, after it
 * and after `repeat.warmUps` unmeasured ones (so the allocator has already held what one such sync needs, and what
 * grows there is what those syncs keep), with afterEach, the measure after each. Each has
 * before/after, process.memoryUsage() after a full GC (when --expose-gc gave one), and peakRssGrowth, how much the
 * process's highest resident size rose meanwhile (for `repeat`, from after the warm-ups). Connector code is loaded before anything is measured.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const load = async (path) => {
  const module = await import(join(ROOT, 'dist', path));
  return module.default ?? module;
};

const home = process.argv[2];
const plan = JSON.parse(process.env.FAULT_SYNC_PLAN ?? '{}');
const { KeywardenEngine } = await load('electron/core/engine.js');
const { backendDefinition } = await load('electron/core/backends/registry.js');
await load('electron/core/backends/http.js');
for (const type of ['nitrobox', 'boxwatch', 'commbox']) await backendDefinition(type).loadConnector();

const gc = typeof globalThis.gc === 'function';
/** After a moment (sockets being destroyed let go of their buffers) and two full GCs, when --expose-gc gave them. */
const measure = async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  if (gc) {
    globalThis.gc();
    globalThis.gc();
  }
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapTotal, heapUsed, external, arrayBuffers };
};

const engine = KeywardenEngine.open({ home, http: plan.http, syncLimits: plan.syncLimits });
// The engine's own start (the store, the keychain's data key) is not what is measured either.
await engine.vaultStatus();
const before = await measure();
const peakBefore = process.resourceUsage().maxRSS * 1024;
const started = performance.now();

const write = async (spec) => {
  try {
    if (spec.op === 'create') await engine.createKey(spec.backend, spec.name);
    else await engine.revokeKey(spec.ref, spec.validityDays === undefined ? {} : { validityDays: spec.validityDays });
    return { ...spec, ok: true, code: null, message: null };
  } catch (error) {
    return { ...spec, ok: false, code: error.code ?? null, message: String(error.message ?? error) };
  }
};
const [report, ...writes] = await Promise.all([engine.sync(), ...(plan.writes ?? []).map(write)]);
const elapsedMs = performance.now() - started;
const after = await measure();
const peakAfter = process.resourceUsage().maxRSS * 1024;

const repeated = [];
// Warm-up syncs, not measured: the allocator's free lists now hold what one of these syncs uses at most, whatever
// the concurrent run before them happened to leave there.
for (let index = 0; index < (plan.repeat?.warmUps ?? 0); index++) repeated.push(await engine.sync(plan.repeat.backends));
const repeatBefore = await measure();
const repeatPeakBefore = process.resourceUsage().maxRSS * 1024;
const afterEach = [];
for (let index = 0; index < (plan.repeat?.times ?? 0); index++) {
  repeated.push(await engine.sync(plan.repeat.backends));
  afterEach.push(await measure());
}
const repeatAfter = await measure();
const repeatPeakGrowth = process.resourceUsage().maxRSS * 1024 - repeatPeakBefore;
await engine.close();
process.stdout.write(
  `${JSON.stringify({
    report,
    writes,
    elapsedMs,
    memory: { run: { before, after, peakRssGrowth: peakAfter - peakBefore }, repeat: { before: repeatBefore, after: repeatAfter, peakRssGrowth: repeatPeakGrowth, afterEach } },
    repeated,
    gc,
  })}\n`,
);
