/**
 * The long-running soak: an engine held as the desktop app and `keywarden ui` hold it, driven through 30 simulated
 * days on a moved clock in a few seconds. Every simulated 6 hours: the clock moves (the engine's `now`, and every
 * emulator's clock through POST /__emulator/clock), the background sync decides and syncs (BackgroundSync.check,
 * as the app's timer calls it), and the reminder scheduler checks (ReminderScheduler.check, as it does after each
 * sync), its notifications collected as the app would show them; the first notification of each check is snoozed
 * for a day (the notification's "Snooze 1 day"). Manual keys expiring over the coming weeks are added first.
 * After each simulated day, memory is sampled after a full GC: it must not grow with the days.
 *
 *   node --expose-gc test/bench/child/soak.mjs HOME DAYS
 * with BENCH_EMULATORS = JSON { backends: [{ name, type, url, credential }] } (emulators-many.mjs, own process).
 * Prints one JSON line: { days, steps, syncs, failedSyncs, notifications: { byThreshold, byKind, total }, snoozed,
 *   samples: [{ day, heapUsed, rss, oldSpace, codeSpace }], elapsedMs }.
 */
import v8 from 'node:v8';
import { loadDist } from '../lib.mjs';

const [home, daysText] = process.argv.slice(2);
const DAYS = Number(daysText);
const STEP_MS = 6 * 60 * 60 * 1000;
const { backends } = JSON.parse(process.env.BENCH_EMULATORS ?? '{}');
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const { ReminderScheduler } = await loadDist('electron/core/notifications/scheduler.js');
const { BackgroundSync } = await loadDist('electron/core/desktop/background-sync.js');

let clock = Date.now();
const engine = KeywardenEngine.open({ home, now: () => new Date(clock) });
for (const backend of backends) await engine.addBackend({ name: backend.name, type: backend.type, url: backend.url, credential: backend.credential });
await engine.addBackend({ name: 'by-hand', type: 'manual' });
for (let index = 0; index < 40; index++) {
  // One manual key expiring each day or so over the coming 40 days, so every threshold is crossed during the soak.
  await engine.addManualKey('by-hand', { name: `manual-${index}`, expiresAt: new Date(clock + (index + 0.5) * 86_400_000).toISOString() });
}

const byThreshold = {};
const byKind = {};
let total = 0;
let snoozed = 0;
let syncs = 0;
let failedSyncs = 0;
let firstOfCheck = true;
const scheduler = new ReminderScheduler({
  engine,
  notify: (notice) => {
    const threshold = String(notice.reminder.threshold);
    byThreshold[threshold] = (byThreshold[threshold] ?? 0) + 1;
    byKind[notice.reminder.kind] = (byKind[notice.reminder.kind] ?? 0) + 1;
    total += 1;
    if (firstOfCheck) {
      firstOfCheck = false;
      engine.snoozeReminder(notice.reminder.ref, 1).catch((error) => process.stderr.write(`soak: snooze failed: ${error.message}\n`));
      snoozed += 1;
    }
  },
  log: (message) => process.stderr.write(`soak: ${message}\n`),
});
const background = new BackgroundSync({
  engine,
  isOnline: () => true,
  now: () => clock,
  sync: async () => {
    const report = await engine.sync();
    syncs += 1;
    if (!report.ok) failedSyncs += 1;
    return report;
  },
  log: (message) => process.stderr.write(`soak: ${message}\n`),
});

async function moveEmulatorClocks(days) {
  await Promise.all(
    backends.map(async (backend) => {
      const response = await fetch(`${backend.url}/__emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceDays: days }) });
      if (response.status !== 200) throw new Error(`${backend.name}: the emulator clock did not move (${response.status})`);
    }),
  );
}

const sample = (day) => {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, rss } = process.memoryUsage();
  // Objects (old space) apart from compiled code (code space): V8 keeps optimising functions for a while.
  const space = (name) => v8.getHeapSpaceStatistics().find((entry) => entry.space_name === name)?.space_used_size ?? 0;
  return { day, heapUsed, rss, oldSpace: space('old_space'), codeSpace: space('code_space') };
};

const samples = [sample(0)];
const started = performance.now();
const steps = DAYS * 4;
for (let step = 1; step <= steps; step++) {
  clock += STEP_MS;
  await moveEmulatorClocks(0.25);
  const decision = await background.check();
  if (decision.action !== 'sync') throw new Error(`step ${step}: the background sync did not sync (${decision.reason})`);
  firstOfCheck = true;
  scheduler.check();
  if (step % 4 === 0) samples.push(sample(step / 4));
}
const elapsedMs = performance.now() - started;
await engine.close();

process.stdout.write(`${JSON.stringify({ days: DAYS, steps, syncs, failedSyncs, notifications: { byThreshold, byKind, total }, snoozed, samples, elapsedMs })}\n`);
