/**
 * `keywarden import --from kdbx` at scale, in-process: a 10,000-entry KDBX 4 database (AES-KDF at 1,000 rounds, so key
 * derivation is negligible and the figure is the import itself) written once with kdbxweb, then per run a fresh data
 * folder: a dry run, then the import (read, plan, seal 10,000 secrets, 20 batches of 500 committed).
 *
 *   node test/bench/child/import.mjs WORKDIR RUNS
 * Memory: the process's resident set and V8 heap are sampled every 5 ms (and at the end) during each import; the peaks
 * above what the process held just before it say whether memory stays bounded (the issue: batches of 500, each batch's
 * decrypted entries released once sealed), not a figure of the whole process.
 * Prints one JSON line: { entries, kdbxBytes, samples: { dry_run: [ms...], import: [ms...], read_only: [ms...] },
 *   memory: { rssGrowthMiB: [..], heapGrowthMiB: [..] } }.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import kdbxweb from 'kdbxweb';
import { loadDist } from '../lib.mjs';

const [workDir, runsText] = process.argv.slice(2);
const runs = Number(runsText);
const COUNT = 10_000;
const PASSWORD = 'bench-password';

const db = kdbxweb.Kdbx.create(new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(PASSWORD)), 'bench');
db.setVersion(4);
db.setKdf(kdbxweb.Consts.KdfId.Aes);
db.header.kdfParameters.set('R', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(1000));
const groups = ['Payments', 'Messaging', 'Cloud', 'Monitoring'].map((name) => db.createGroup(db.getDefaultGroup(), name));
for (let index = 0; index < COUNT; index++) {
  const entry = db.createEntry(groups[index % groups.length]);
  entry.fields.set('Title', `service-${index.toString(36)}`);
  entry.fields.set('Password', kdbxweb.ProtectedValue.fromString(randomBytes(30).toString('base64url')));
  entry.fields.set('URL', `https://api${index % 50}.example.com`);
  if (index % 3 === 0) {
    entry.times.expires = true;
    entry.times.expiryTime = new Date(Date.UTC(2027, index % 12, 1 + (index % 28)));
  }
}
const bytes = new Uint8Array(await db.save());

const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const { readEntries } = await loadDist('electron/core/imports/workflow.js');
const samples = { read_only: [], dry_run: [], import: [] };
const memory = { rssGrowthMiB: [], heapGrowthMiB: [] };
const MiB = 1024 * 1024;
/** Runs `work`, sampling memory meanwhile; returns its result and the peak growth above the start, in MiB. */
async function withMemoryPeak(work) {
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const sample = () => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  };
  const timer = setInterval(sample, 5);
  try {
    const result = await work();
    sample();
    return { result, rss: (peakRss - start.rss) / MiB, heap: (peakHeap - start.heapUsed) / MiB };
  } finally {
    clearInterval(timer);
  }
}
for (let run = -1; run < runs; run++) {
  const home = join(workDir, `import-${run + 1}`);
  const engine = KeywardenEngine.open({ home });
  const request = { format: 'kdbx', bytes, password: PASSWORD, backend: 'kp', createBackend: true };
  let started = performance.now();
  const entries = await readEntries(request);
  const readMs = performance.now() - started;
  if (entries.length !== COUNT) throw new Error(`read ${entries.length} entries, expected ${COUNT}`);
  started = performance.now();
  const dry = await engine.importInventory({ ...request, dryRun: true });
  const dryMs = performance.now() - started;
  started = performance.now();
  const { result: report, rss, heap } = await withMemoryPeak(() => engine.importInventory(request));
  const importMs = performance.now() - started;
  if (dry.counts.created !== COUNT || report.counts.created !== COUNT) throw new Error(`created ${report.counts.created}, expected ${COUNT}`);
  // Run -1 warms the modules up and is not counted.
  if (run >= 0) {
    samples.read_only.push(readMs);
    samples.dry_run.push(dryMs);
    samples.import.push(importMs);
    memory.rssGrowthMiB.push(Math.round(rss * 10) / 10);
    memory.heapGrowthMiB.push(Math.round(heap * 10) / 10);
  }
  await engine.resetVault();
  await engine.close();
  rmSync(home, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ entries: COUNT, kdbxBytes: bytes.length, samples, memory })}\n`);
