#!/usr/bin/env node
/**
 * Keywarden's performance benchmark (`npm run bench`): measures, prints, and writes bench/results.json.
 * Every figure is measured on this run; nothing is typed in. There are no thresholds: the exit code
 * is non-zero only when a measurement crashed (then its figure holds { error }).
 *
 * Runs the compiled code in dist/ (npm run bench builds first) under test/support/with-test-keychain.mjs,
 * which gives the sync measurements a real, private OS keychain.
 *
 * Environment: BENCH_ONLY=id1,id2 runs only those measurements; BENCH_QUICK=1 takes fewer runs
 * (for trying changes to the bench itself: its figures are noisier); BENCH_OUTPUT=path writes elsewhere.
 * See bench/README.md for what is measured and how to add a measurement.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { databaseFile, populateStore, SEARCH_TERM } from './fixtures.mjs';
import { measureKeepassxc } from './keepassxc.mjs';
import { BENCH_DIR, CLI, figure, interleaved, loadDist, MiB, median, progress, repeat, ROOT, runChild, timedSpawn } from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const runsOf = (full) => (QUICK ? Math.max(3, Math.ceil(full / 3)) : full);

const CONFIG = {
  cliRuns: runsOf(15),
  cliWarmup: 2,
  profileRuns: runsOf(5),
  openRuns: { 10_000: runsOf(10), 100_000: runsOf(7) },
  filterRuns: { 10_000: runsOf(15), 100_000: runsOf(7) },
  syncKeysPerBackend: 5_000,
  syncRuns: { nitrobox: runsOf(5), all: runsOf(3) },
  memoryRuns: runsOf(3),
  sync20: { backends: 20, keysPerBackend: 500, latencyMs: 20, runs: runsOf(9), timelineRuns: runsOf(5) },
  firstPageRuns: runsOf(9),
  soak: { days: 30, backends: 3, keysPerBackend: 300 },
  keepassxcRuns: runsOf(10),
  keepassxcSlowRuns: runsOf(5),
  importRuns: runsOf(3),
  // BENCH_TEAM_SECONDS shortens the concurrent writers' run (60 s, as issue 25 asks) for a try-out.
  team: { keys: 10_000, firstCopyRuns: runsOf(5), propagationRuns: runsOf(10), writers: 20, seconds: Number(process.env.BENCH_TEAM_SECONDS ?? 60) },
};

// ---- shared context: fixtures and emulators are made once, when a measurement first asks ----------

const workDir = mkdtempSync(join(os.tmpdir(), 'keywarden-bench-'));
// Whatever way the bench ends, its fixtures (up to ~100 MB) do not stay behind.
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));
const fixtures = new Map();
const fixtureLog = [];
let emulatorProcess = null;

async function fixture(layout, count) {
  const id = `${layout}-${count}`;
  if (!fixtures.has(id)) {
    progress(`writing a ${count}-key "${layout}" inventory`);
    const written = await populateStore(join(workDir, `store-${id}`), { layout, count });
    fixtureLog.push({ layout, count, backends: written.backends, secretsSealedWith: written.sealed, writeMs: Math.round(written.ms), keysPerSecond: Math.round(count / (written.ms / 1000)) });
    fixtures.set(id, written.home);
  }
  return fixtures.get(id);
}

/**
 * Runs a child that times engine queries on an open engine (filter.mjs, query.mjs) over the "mixed"
 * inventory at 10k and 100k keys; one figure in ms per query, with what `extra` picks from its answer.
 */
async function queriesPerInventorySize(id, script, extra) {
  const result = {};
  for (const count of [10_000, 100_000]) {
    const home = await fixture('mixed', count);
    progress(`${id}: ${count} keys`);
    const answer = await runChild(script, [home, String(CONFIG.filterRuns[count])]);
    result[`keys_${count / 1000}k`] = Object.fromEntries(Object.entries(answer.queries).map(([name, query]) => [name, figure('ms', query.samples, extra(query))]));
  }
  return result;
}

/** Starts the seeded emulators (child/emulators.mjs) once and returns what it printed: urls and credentials. */
async function emulators() {
  if (emulatorProcess) return emulatorProcess.info;
  const { spawn } = await import('node:child_process');
  progress(`starting the three emulators with ${CONFIG.syncKeysPerBackend} keys each`);
  const child = spawn(process.execPath, [join(BENCH_DIR, 'child', 'emulators.mjs'), String(CONFIG.syncKeysPerBackend)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const info = await new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n')) {
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(new Error(`emulators printed no JSON: ${line.slice(0, 200)}`));
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`the emulators exited (${code}) before they were ready`)));
    child.on('error', reject);
  });
  emulatorProcess = { child, info };
  return info;
}

async function stopEmulators() {
  if (!emulatorProcess) return;
  const { child } = emulatorProcess;
  emulatorProcess = null;
  if (child.exitCode !== null) return;
  await new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin.end();
  });
}

/**
 * Starts `child/emulators-many.mjs` (BACKENDS emulators of KEYS keys each, LATENCY_MS added to every request) in a
 * process of its own; returns what it printed and a stop function. For the measurements that need their own set.
 */
async function startManyEmulators(backends, keysPerBackend, latencyMs) {
  const { spawn } = await import('node:child_process');
  progress(`starting ${backends} emulators with ${keysPerBackend} keys each, ${latencyMs} ms per request`);
  const child = spawn(process.execPath, [join(BENCH_DIR, 'child', 'emulators-many.mjs'), String(backends), String(keysPerBackend), String(latencyMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const info = await new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      if (buffered.includes('\n')) {
        try {
          resolve(JSON.parse(buffered.split('\n')[0]));
        } catch {
          reject(new Error(`emulators-many printed no JSON: ${buffered.slice(0, 200)}`));
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`emulators-many exited (${code}) before it was ready`)));
    child.on('error', reject);
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin.end();
    });
  return { info, stop };
}

/**
 * Counts every row written to the `keys` table of a database from now on, whoever writes it (triggers on the file:
 * bench instrumentation of a throw-away copy, never of a real inventory). Returns a reader of the count.
 */
async function countKeyRowWrites(home) {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(await databaseFile(home));
  db.exec(`
    CREATE TABLE bench_key_writes (n INTEGER NOT NULL);
    INSERT INTO bench_key_writes VALUES (0);
    CREATE TRIGGER bench_count_insert AFTER INSERT ON keys BEGIN UPDATE bench_key_writes SET n = n + 1; END;
    CREATE TRIGGER bench_count_update AFTER UPDATE ON keys BEGIN UPDATE bench_key_writes SET n = n + 1; END;
    CREATE TRIGGER bench_count_delete AFTER DELETE ON keys BEGIN UPDATE bench_key_writes SET n = n + 1; END;`);
  db.close();
  return async () => {
    const reader = new Database(await databaseFile(home), { readonly: true });
    try {
      return reader.prepare('SELECT n FROM bench_key_writes').get().n;
    } finally {
      reader.close();
    }
  };
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const num = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const den = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const cliEnv = () => {
  const env = { ...process.env };
  delete env.KEYWARDEN_HOME;
  return env;
};
const node = (args, options = {}) => timedSpawn(process.execPath, args, { env: cliEnv(), maxCapture: 64 * MiB, ...options });
const mib = (bytes) => bytes / MiB;

// ---- the measurements -------------------------------------------------------------------------------

const MEASUREMENTS = [
  {
    id: 'cli_list_10k',
    description:
      'Wall time of whole CLI processes (spawn to exit, output read through a pipe) over a 10,000-key inventory in one Nitrobox backend, offline; the cases run interleaved round-robin. node -e 0 is the floor; --help is Node start-up plus the CLI entry point.',
    async run() {
      const home = await fixture('nitrobox', 10_000);
      const cases = {
        node_e_0: { args: ['-e', '0'] },
        help: { args: [CLI, '--help'] },
        list: { args: [CLI, '--home', home, 'list'], check: (out) => out.split('\n').filter(Boolean).length - 1 },
        list_json: { args: [CLI, '--home', home, 'list', '--json'], check: (out) => JSON.parse(out).length },
        list_search: { args: [CLI, '--home', home, 'list', '--search', SEARCH_TERM], check: (out) => out.split('\n').filter(Boolean).length - 1 },
      };
      progress(`cli_list_10k: ${Object.keys(cases).join(', ')}, interleaved`);
      const rows = {};
      const samples = await interleaved(
        Object.fromEntries(
          Object.entries(cases).map(([name, spec]) => [
            name,
            async () => {
              const run = await node(spec.args);
              if (spec.check) rows[name] = spec.check(run.stdout);
              return run.ms;
            },
          ]),
        ),
        CONFIG.cliRuns,
        CONFIG.cliWarmup,
      );
      for (const name of ['list', 'list_json']) if (rows[name] !== 10_000) throw new Error(`${name} printed ${rows[name]} keys, expected 10000`);
      const result = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, figure('ms', values, rows[name] === undefined ? {} : { rows: rows[name] })]));
      result.startup_profile = await startupProfile(home);
      return result;
    },
  },
  {
    id: 'open_inventory_offline',
    description:
      'In a fresh Node process per run: import the compiled engine, KeywardenEngine.open({ home }), then listKeys({}) over a "mixed" inventory (three backends, ~10% cached secrets). open_plus_list is the figure the app and CLI wait for; process_wall includes Node start-up.',
    async run() {
      const result = {};
      for (const count of [10_000, 100_000]) {
        const home = await fixture('mixed', count);
        progress(`open_inventory_offline: ${count} keys`);
        const runs = [];
        await repeat(CONFIG.openRuns[count], 1, async (index) => {
          const answer = await runChild('open-list.mjs', [home, String(count)]);
          if (index >= 0) runs.push(answer);
        });
        result[`keys_${count / 1000}k`] = {
          open_plus_list: figure(
            'ms',
            runs.map((r) => r.openMs + r.listMs),
          ),
          open: figure(
            'ms',
            runs.map((r) => r.openMs),
          ),
          list: figure(
            'ms',
            runs.map((r) => r.listMs),
          ),
          import_engine: figure(
            'ms',
            runs.map((r) => r.importMs),
          ),
          process_wall: figure(
            'ms',
            runs.map((r) => r.wallMs),
          ),
        };
      }
      return result;
    },
  },
  {
    id: 'list_filter',
    description:
      'engine.listKeys(filter) on an already open engine (warm, one process per inventory size), "mixed" inventory: ms per query, queries interleaved round-robin. rows is the number of keys each query returns.',
    run: () => queriesPerInventorySize('list_filter', 'filter.mjs', (query) => ({ rows: query.rows, filter: query.filter })),
  },
  {
    id: 'inventory_query',
    description:
      'engine.queryInventory (the console\'s inventory:query: one page of 100 rows, filtered, sorted, counted and paged by SQLite) and engine.inventoryFacets on an already open engine, "mixed" inventory: ms per call, interleaved round-robin. rows is the page size returned, total the number of matching keys. Target for the console: the first page at 100k keys within 20 ms.',
    run: () => queriesPerInventorySize('inventory_query', 'query.mjs', (query) => ({ rows: query.rows, total: query.total })),
  },
  {
    id: 'search',
    description:
      'The search syntax answered by the engine: engine.queryInventory({ search, limit: 100 }) (the console\'s inventory:query, first page and count) on an already open engine, "mixed" inventory with descriptions on about 40 % of the keys: free text, a part of a word, owner:, tag:, vendor: with status:, a combination with env: and a negated tag, due< with text, through the trigram index (migration 011); two-letter terms, which a trigram cannot hold, through the index of every pair of adjacent characters (migration 018): short_term_like found in about one key in three, short_term_mid in about one key in twenty, short_term_rare in few; short_term_one_letter is one letter found in nearly every key (one LIKE over the searched columns joined, read from the index of that text, migration 017; each connection keeps up to 64 MiB of pages read, store/sqlite.ts PAGE_CACHE_KIB; a sample of 1,000 keys judges how densely it is found, and so how its page is read: KeyTables shortTermShare); like_scan_payments is "payments" on a copy of the file without the index (the LIKE fallback of an older file). ms per query, interleaved round-robin; total = matching keys. Target from the console issue: a search within 10 ms at 100k keys.',
    run: () => queriesPerInventorySize('search', 'search.mjs', (query) => ({ search: query.search, rows: query.rows, total: query.total })),
  },
  {
    id: 'health',
    description:
      'engine.health() (every health finding: overdue, due, untested, unused, shown-once not kept, the same secret under two keys (1 cached secret in 100 repeated), longer than a 90-day organisation rotation policy, no owner, failing and stale backends, stopped rotations; each finding counted, its first 200 keys listed) and engine.checkDue() (keywarden check\'s verdict per key) over the whole "mixed" inventory on an already open engine: ms per call. rows = findings (health) or keys judged (check), total = keys checked. Target from the health issue: all findings at 100k keys within 200 ms.',
    run: () => queriesPerInventorySize('health', 'health.mjs', (query) => ({ rows: query.rows, total: query.total })),
  },
  {
    id: 'console',
    description:
      'The console in Debian\'s Chromium (playwright-core) against keywarden ui\'s server over the "mixed" inventory: first_rows = navigation to the first table row on screen (fresh browser context each run); keystroke = one key press in "Search keys" to the table showing the narrowed result, including the console\'s search debounce, timed by the benchmark through Playwright (DevTools round trips included); keystroke_in_page = the same, timed by the page itself from the keydown event to the frame that paints the narrowed rows; keystroke_in_page_indexed = the same, in the page, between "prod" and "produ" (terms the trigram index of migration 011 answers; one letter is matched by LIKE). The page\'s calls travel on its console socket (shared/console-socket.ts). At 10k, the floors under those figures, in the same browser and measured the same way on a bare page (plain DOM, 25 rows drawn from answers of the console\'s own bytes): keystroke_floor_round_trip asks a bare WebSocket server in another process for the answer, as every console call goes to another process (keywarden ui\'s server, Electron\'s main process); keystroke_floor_in_page has the answer in the page already (one frame, nothing asked). What the console takes above the round-trip floor is its own work. Targets from the console issue: a keystroke within 50 ms at 100k keys, within 16 ms at 10k (first rows has no target of the issue; 500 ms is the team\'s own). Skipped where /usr/bin/chromium is missing.',
    async run() {
      if (!existsSync('/usr/bin/chromium')) return { skipped: 'no Chromium at /usr/bin/chromium (apt-get install chromium)' };
      const result = {};
      for (const count of [10_000, 100_000]) {
        const home = await fixture('mixed', count);
        progress(`console: ${count} keys`);
        // The floors do not depend on the inventory's size (their answers are the console's own, of 100 rows): once, at 10k.
        const floor = count === 10_000;
        const answer = await runChild('console.mjs', [home, String(CONFIG.filterRuns[count]), ...(floor ? ['floor'] : [])]);
        result[`keys_${count / 1000}k`] = {
          first_rows: figure('ms', answer.firstRows, { rows: answer.rows }),
          keystroke: figure('ms', answer.keystroke),
          keystroke_in_page: figure('ms', answer.keystrokeInPage),
          keystroke_in_page_indexed: figure('ms', answer.indexedInPage),
          ...(floor ? { keystroke_floor_round_trip: figure('ms', answer.floorRoundTrip), keystroke_floor_in_page: figure('ms', answer.floorInPage) } : {}),
        };
      }
      return result;
    },
  },
  {
    id: 'sync_throughput',
    description:
      'engine.sync() against the emulators on 127.0.0.1 (their own process, 5,000 keys each, pages of 100), each run in a fresh process and data folder. first = initial sync of a new data folder (includes loading connector code), resync = a second sync of the same folder (update path). keys_per_s = keys / wall time of sync().',
    async run() {
      const info = await emulators();
      const result = { emulator_seed_ms: Math.round(info.seedMs) };
      const env = { ...process.env, BENCH_EMULATORS: JSON.stringify(info) };
      /** @type {[name: string, types: string[]][]} */
      const sets = [
        ['nitrobox_5k', ['nitrobox']],
        ['all_three_15k', ['nitrobox', 'boxwatch', 'commbox']],
      ];
      for (const [name, types] of sets) {
        progress(`sync_throughput: ${name}`);
        const runs = [];
        const runCount = types.length === 1 ? CONFIG.syncRuns.nitrobox : CONFIG.syncRuns.all;
        await repeat(runCount, 1, async (index) => {
          const home = join(workDir, `sync-${name}-${index}`);
          const answer = await runChild('sync.mjs', [home, types.join(',')], { env, nodeArgs: ['--expose-gc'] });
          rmSync(home, { recursive: true, force: true });
          if (index >= 0) runs.push(answer);
        });
        const keys = runs[0].keys;
        const entry = {
          keys,
          first_ms: figure(
            'ms',
            runs.map((r) => r.firstMs),
          ),
          first_keys_per_s: figure(
            'keys/s',
            runs.map((r) => r.keys / (r.firstMs / 1000)),
          ),
          resync_ms: figure(
            'ms',
            runs.map((r) => r.secondMs),
          ),
          resync_keys_per_s: figure(
            'keys/s',
            runs.map((r) => r.keys / (r.secondMs / 1000)),
          ),
        };
        if (types.length > 1) {
          entry.per_backend_first_ms = Object.fromEntries(
            types.map((type) => [
              type,
              figure(
                'ms',
                runs.map((r) => r.perBackend.find((b) => b.backend === `${type}-bench`).durationMs),
              ),
            ]),
          );
        } else {
          entry.rss_after_first_sync = figure(
            'MiB',
            runs.map((r) => mib(r.memory.afterFirst.rss)),
          );
          entry.heap_used_after_first_sync = figure(
            'MiB',
            runs.map((r) => mib(r.memory.afterFirst.heapUsed)),
          );
        }
        result[name] = entry;
      }
      return result;
    },
  },
  {
    id: 'sync_cli_20_backends',
    description:
      'Whole `keywarden --home H sync --json` processes (spawn to exit) against 20 emulators in a process of their own (Nitrobox, BoxWatch and CommBox in turn, 500 keys each, pages of 100, each emulator adding 20 ms to every request): first = a data folder whose 20 backends were added but never synced (copied fresh for each run); resync = the same folder again, nothing changed at the vendors. Target: 0.4 s (the floor is 5 pages x 20 ms = 0.1 s plus Node and the CLI starting). key_rows_written counts every row written to the keys table (triggers on a copy) and the keysWritten the CLI reports; timeline splits an in-process resync into phases.',
    async run() {
      const { backends, keysPerBackend, latencyMs, runs, timelineRuns } = CONFIG.sync20;
      const many = await startManyEmulators(backends, keysPerBackend, latencyMs);
      try {
        const template = join(workDir, 'sync20-template');
        const { KeywardenEngine } = await loadDist('electron/core/engine.js');
        const engine = KeywardenEngine.open({ home: template });
        for (const backend of many.info.backends) await engine.addBackend({ name: backend.name, type: backend.type, url: backend.url, credential: backend.credential });
        await engine.close();
        const expected = backends * keysPerBackend;
        const { cpSync } = await import('node:fs');
        const syncOnce = async (home) => {
          const run = await node([CLI, '--home', home, 'sync', '--json']);
          const report = JSON.parse(run.stdout);
          const keys = report.results.reduce((sum, result) => sum + result.keyCount, 0);
          if (!report.ok || keys !== expected)
            throw new Error(
              `sync: ok=${report.ok}, ${keys} keys (expected ${expected}): ${report.results
                .filter((r) => !r.ok)
                .map((r) => r.error)
                .join('; ')}`,
            );
          return { ms: run.ms, keysWritten: report.results.reduce((sum, result) => sum + (result.keysWritten ?? 0), 0), report };
        };
        progress(`sync_cli_20_backends: ${runs} runs of a first sync and a resync`);
        const first = [];
        const resync = [];
        await repeat(runs, 1, async (index) => {
          const home = join(workDir, `sync20-${index}`);
          cpSync(template, home, { recursive: true });
          const a = await syncOnce(home);
          const b = await syncOnce(home);
          rmSync(home, { recursive: true, force: true });
          if (index >= 0) {
            first.push(a.ms);
            resync.push(b.ms);
          }
        });

        progress('sync_cli_20_backends: counting key rows written');
        const counted = join(workDir, 'sync20-counted');
        cpSync(template, counted, { recursive: true });
        const writes = await countKeyRowWrites(counted);
        const firstSync = await syncOnce(counted);
        const afterFirst = await writes();
        const second = await syncOnce(counted);
        const afterSecond = await writes();
        const secondRows = afterSecond - afterFirst;
        if (afterFirst !== expected || secondRows !== second.keysWritten || afterFirst !== firstSync.keysWritten) {
          throw new Error(`key rows written: first ${afterFirst} (reported ${firstSync.keysWritten}, expected ${expected}), second ${secondRows} (reported ${second.keysWritten})`);
        }
        const changedAtVendor = second.report.results.filter((result) => (result.keysWritten ?? 0) > 0).map((result) => `${result.backend}: ${result.keysWritten}`);

        progress('sync_cli_20_backends: where an in-process resync spends its time');
        const phases = [];
        await repeat(timelineRuns, 1, async (index) => {
          const answer = await runChild('sync-timeline.mjs', [counted, String(expected)]);
          if (index >= 0) phases.push(answer);
        });
        rmSync(counted, { recursive: true, force: true });
        const phase = (name) =>
          figure(
            'ms',
            phases.map((p) => p[name]),
          );
        return {
          backends,
          keys: expected,
          latency_ms_per_request: latencyMs,
          target_ms: 400,
          floor_ms: { pages_x_latency: 5 * latencyMs, note: 'plus Node start-up and loading the CLI, the engine, undici and zod' },
          first_ms: figure('ms', first),
          resync_ms: figure('ms', resync),
          key_rows_written: {
            first_sync: figure('rows', [afterFirst]),
            resync: figure('rows', [secondRows]),
            resync_reported_by_cli: second.keysWritten,
            note: `rows the resync wrote, by backend: ${changedAtVendor.join(', ') || 'none'}. A BoxWatch vendor records when each key was last used, and Keywarden's own requests use its credential key: that one key per BoxWatch backend changed at the vendor. Every other key is left unwritten.`,
          },
          timeline_resync_in_process: {
            note: 'one in-process resync (test/bench/child/sync-timeline.mjs), ms from the start of the process: import_engine = loading the engine; open = KeywardenEngine.open; first_page = the earliest first page of any backend (connector code, undici and zod loaded, the data key read from the keychain, one request); last_done = the last backend committed; close = the engine closed',
            import_engine: phase('importMs'),
            open: phase('openMs'),
            first_page: phase('firstPageMs'),
            last_done: phase('lastDoneMs'),
            close: phase('closeMs'),
          },
        };
      } finally {
        await many.stop();
      }
    },
  },
  {
    id: 'offline_first_page_100k',
    description:
      "Offline open at 100,000 keys (\"mixed\" inventory), as the console's first screen meets it: in a fresh Node process, import the compiled engine, KeywardenEngine.open({ home }), then the first page of 100 keys sorted by due date (queryInventory with the default order). engine_start_to_first_page = import + open + page (Node's own start excluded); process_wall includes it. The same SQL (captured from the engine, its count and page statements, with the same parameters) is run in the same rounds by the sqlite3 command on the same file (process wall) and through a bare better-sqlite3 connection in the engine's process. Target: 100 ms, and within 2x the sqlite3 command.",
    async run() {
      const home = await fixture('mixed', 100_000);
      const file = await databaseFile(home);
      const sqlite3 = spawnSync('sh', ['-c', 'command -v sqlite3'], { encoding: 'utf8' }).stdout.trim();
      progress(`offline_first_page_100k: ${CONFIG.firstPageRuns} runs${sqlite3 ? ', interleaved with sqlite3' : ' (no sqlite3 command)'}`);
      const engineRuns = [];
      const sqliteRuns = [];
      let script = null;
      await repeat(CONFIG.firstPageRuns, 1, async (index) => {
        const answer = await runChild('first-page.mjs', [home, '100000']);
        if (!script) {
          const param = (name, value) => `.parameter set @${name} ${typeof value === 'number' ? value : `"'${value}'"`}`;
          const named = new Set(answer.sql.flatMap((text) => [...text.matchAll(/@(\w+)/g)].map((match) => match[1])));
          script = [...[...named].map((name) => param(name, answer.params[name])), ...answer.sql.map((text) => `${text.trim()};`), ''].join('\n');
        }
        if (index >= 0) engineRuns.push(answer);
        if (!sqlite3) return;
        const run = await timedSpawn(sqlite3, ['-readonly', file], { input: script });
        const lines = run.stdout.trim().split('\n');
        if (lines.length !== 101 || lines[0] !== '100000') throw new Error(`sqlite3 printed ${lines.length} lines, first "${lines[0]}"; expected the count 100000 and 100 rows`);
        if (index >= 0) sqliteRuns.push(run.ms);
      });
      const engineStart = engineRuns.map((r) => r.importMs + r.openMs + r.pageMs);
      const result = {
        target_ms: 100,
        engine_start_to_first_page: figure('ms', engineStart, { rows: 100 }),
        import_engine: figure(
          'ms',
          engineRuns.map((r) => r.importMs),
        ),
        open: figure(
          'ms',
          engineRuns.map((r) => r.openMs),
        ),
        first_page_query: figure(
          'ms',
          engineRuns.map((r) => r.pageMs),
        ),
        process_wall: figure(
          'ms',
          engineRuns.map((r) => r.wallMs),
        ),
        better_sqlite3_same_sql_open_and_query: figure(
          'ms',
          engineRuns.map((r) => r.raw.openMs + r.raw.queryMs),
          { rows: engineRuns[0].raw.rows },
        ),
      };
      if (!sqlite3) {
        result.sqlite3_command = { skipped: 'no sqlite3 command on this machine (apt-get install sqlite3); better_sqlite3_same_sql_open_and_query is the reference instead' };
        return result;
      }
      result.sqlite3_command = figure('ms', sqliteRuns, { rows: 100 });
      result.sqlite3_command.version = spawnSync(sqlite3, ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ')[0];
      result.ratio_engine_start_to_sqlite3 = Number((median(engineStart) / median(sqliteRuns)).toFixed(2));
      result.ratio_process_wall_to_sqlite3 = Number((median(engineRuns.map((r) => r.wallMs)) / median(sqliteRuns)).toFixed(2));
      return result;
    },
  },
  {
    id: 'memory',
    description:
      'process.memoryUsage() after a full GC in a child process holding the engine as the Electron main process would: baseline (engine imported), after opening the 100k "mixed" inventory and listing every key once (list still referenced), after then syncing 5,000 Nitrobox keys. peak_rss is the highest RSS of the process (transient garbage included). rss splits into rss_anon, the process\'s own memory (heap, buffers, SQLite\'s page cache: up to 64 MiB of the pages read, store/sqlite.ts PAGE_CACHE_KIB, and listing all 100k keys reads the whole key table), and rss_file, pages of mapped files (the executable and libraries).',
    async run() {
      const info = await emulators();
      const home = await fixture('mixed', 100_000);
      const env = { ...process.env, BENCH_EMULATORS: JSON.stringify(info) };
      progress('memory: 100k open + list + 5k sync');
      const runs = [];
      await repeat(CONFIG.memoryRuns, 0, async (index) => {
        const workHome = join(workDir, `memory-${index}`);
        runs.push(await runChild('memory.mjs', [home, workHome, '100000'], { env, nodeArgs: ['--expose-gc'] }));
        rmSync(workHome, { recursive: true, force: true });
      });
      const pick = (phase, field) =>
        figure(
          'MiB',
          runs.map((r) => mib(r[phase][field])),
        );
      return {
        target_rss_100k_mib: 300,
        baseline: { rss: pick('baseline', 'rss'), rss_anon: pick('baseline', 'rssAnon'), rss_file: pick('baseline', 'rssFile'), heap_used: pick('baseline', 'heapUsed') },
        after_open_list_100k: {
          rss: pick('afterOpenList', 'rss'),
          rss_anon: pick('afterOpenList', 'rssAnon'),
          rss_file: pick('afterOpenList', 'rssFile'),
          heap_used: pick('afterOpenList', 'heapUsed'),
        },
        after_sync_5k: { rss: pick('afterSync', 'rss'), rss_anon: pick('afterSync', 'rssAnon'), rss_file: pick('afterSync', 'rssFile'), heap_used: pick('afterSync', 'heapUsed') },
        peak_rss: figure(
          'MiB',
          runs.map((r) => mib(r.peakRss)),
        ),
      };
    },
  },
  {
    id: 'soak_30_days',
    description:
      "The app running for 30 simulated days in a few seconds (test/bench/child/soak.mjs, --expose-gc): one engine with a moved clock (now: () => clock) over three emulators in their own process (their clocks moved through POST /__emulator/clock) and 40 manual keys expiring over the coming weeks; every simulated 6 h the background sync decides and syncs (BackgroundSync.check) and the reminder scheduler checks (ReminderScheduler.check), the first notification of each check snoozed for a day. Memory is sampled after a full GC at the end of each simulated day: heap_growth is day 30 against day 1 (day 0 to 1 is start-up: connectors loaded, first syncs); old_space is objects, code_space V8's compiled code; interpreter_only repeats the 30 days with V8's compilers off, so that its heap holds objects alone. Resident memory steps up while V8 and the allocator size their reserves, then stays: rss_growth_day_15_to_30 is the second half. notifications counts what was raised per threshold.",
    async run() {
      const { days, backends, keysPerBackend } = CONFIG.soak;
      const many = await startManyEmulators(backends, keysPerBackend, 0);
      const soak = async (label, v8Flags) => {
        const home = join(workDir, `soak-${label}`);
        progress(`soak_30_days: ${days} simulated days (${label})`);
        const answer = await runChild('soak.mjs', [home, String(days)], { env: { ...process.env, BENCH_EMULATORS: JSON.stringify(many.info) }, nodeArgs: [...v8Flags, '--expose-gc'] });
        rmSync(home, { recursive: true, force: true });
        if (answer.failedSyncs > 0) throw new Error(`${label}: ${answer.failedSyncs} of ${answer.syncs} syncs failed`);
        return answer;
      };
      try {
        const answer = await soak('as the app runs', []);
        // The same days with V8's compilers off: what the heap holds then is objects only, no optimised code.
        const control = await soak('interpreter only', ['--no-opt', '--no-maglev', '--no-sparkplug']);
        const kib = (bytes) => Number((bytes / 1024).toFixed(1));
        const growth = (run, field, from = 1) => {
          const at = (day) => run.samples.find((sample) => sample.day === day)[field];
          return figure('KiB', [kib(at(days) - at(from))]);
        };
        const perDay = (run, field) => figure('KiB/day', [kib(slope(run.samples.filter((sample) => sample.day >= 1).map((sample) => [sample.day, sample[field]])))]);
        const heapAt = (run, day) => figure('MiB', [run.samples.find((sample) => sample.day === day).heapUsed / MiB]);
        return {
          simulated_days: answer.days,
          steps_of_6h: answer.steps,
          syncs: answer.syncs,
          wall_s: figure('s', [answer.elapsedMs / 1000]),
          notifications: { ...answer.notifications, snoozed_1_day: answer.snoozed },
          heap_used_day_1: heapAt(answer, 1),
          heap_used_day_30: heapAt(answer, days),
          heap_growth_day_1_to_30: growth(answer, 'heapUsed'),
          heap_slope: perDay(answer, 'heapUsed'),
          old_space_growth_day_1_to_30: growth(answer, 'oldSpace'),
          code_space_growth_day_1_to_30: growth(answer, 'codeSpace'),
          rss_day_1: figure('MiB', [answer.samples[1].rss / MiB]),
          rss_day_15: figure('MiB', [answer.samples[15].rss / MiB]),
          rss_day_30: figure('MiB', [answer.samples[days].rss / MiB]),
          rss_growth_day_15_to_30: figure('MiB', [(answer.samples[days].rss - answer.samples[15].rss) / MiB]),
          interpreter_only: {
            note: 'the same 30 days with --no-opt --no-maglev --no-sparkplug: no optimised code, so the heap holds the objects alone',
            wall_s: figure('s', [control.elapsedMs / 1000]),
            heap_used_day_1: heapAt(control, 1),
            heap_growth_day_1_to_30: growth(control, 'heapUsed'),
            heap_slope: perDay(control, 'heapUsed'),
            notifications_total: control.notifications.total,
          },
          samples_mib: answer.samples.map((sample) => ({ day: sample.day, heap_used: Number((sample.heapUsed / MiB).toFixed(2)), rss: Number((sample.rss / MiB).toFixed(1)) })),
        };
      } finally {
        await many.stop();
      }
    },
  },
  {
    id: 'import_kdbx_10k',
    description:
      "keywarden import --from kdbx, in-process, of a 10,000-entry KDBX 4 (AES-KDF at 1,000 rounds: key derivation negligible) into a new manual backend: reading the database alone, the dry run (read + plan), and the import (read, plan, 10,000 secrets sealed, 20 batches of 500 committed with their audit events), and the import's peak memory above what the process held before it (resident set and V8 heap, sampled every 5 ms). Targets (issue 24): import <= 5 s, dry run <= 2 s, memory bounded.",
    async run() {
      const dir = join(workDir, 'import');
      mkdirSync(dir);
      const answer = await runChild('import.mjs', [dir, String(CONFIG.importRuns)], { timeoutMs: 600_000 });
      return {
        entries: answer.entries,
        kdbx_bytes: answer.kdbxBytes,
        read_only: figure('ms', answer.samples.read_only),
        dry_run: figure('ms', answer.samples.dry_run),
        import: figure('ms', answer.samples.import),
        import_peak_rss_growth: figure('MiB', answer.memory.rssGrowthMiB),
        import_peak_heap_growth: figure('MiB', answer.memory.heapGrowthMiB),
      };
    },
  },
  {
    id: 'keepassxc_comparison',
    description:
      'keepassxc-cli search over a 10,000-entry password-protected .kdbx (password on stdin; opening the database, key derivation included, is part of every search), interleaved with keywarden list and list --search over the 10,000-key inventory of cli_list_10k. Skipped where keepassxc-cli is not installed.',
    async run() {
      const kpDir = join(workDir, 'keepassxc');
      mkdirSync(kpDir);
      const home = await fixture('nitrobox', 10_000);
      const keywarden = (args, expected) => async () => {
        const run = await node([CLI, '--home', home, 'list', ...args]);
        const rows = run.stdout.split('\n').filter(Boolean).length - 1;
        if (expected !== undefined && rows !== expected) throw new Error(`keywarden list ${args.join(' ')} printed ${rows} keys, expected ${expected}`);
        return run.ms;
      };
      const measured = await measureKeepassxc({
        workDir: kpDir,
        count: 10_000,
        term: SEARCH_TERM,
        runs: CONFIG.keepassxcRuns,
        slowRuns: CONFIG.keepassxcSlowRuns,
        companions: { keywarden_list: keywarden([], 10_000), keywarden_list_search: keywarden(['--search', SEARCH_TERM]) },
      });
      if (measured.skipped) return measured;
      const same = measured.import_default_kdf;
      return {
        ...measured,
        side_by_side_median_ms: {
          note: 'medians from the same interleaved rounds (keepassxc-cli search with the import default key derivation, keywarden list and list --search over 10k keys); the 1 s-decryption-target search was measured separately',
          keywarden_list_10k: same.keywarden_list.median,
          keywarden_list_search_10k: same.keywarden_list_search.median,
          keepassxc_search_10k_import_default_kdf: same.search.median,
          keepassxc_search_10k_decryption_time_1s: measured.decryption_time_1s.search.median,
        },
      };
    },
  },
  {
    id: 'team',
    description:
      "The team inventory on a real PostgreSQL (issue 25; test/bench/child/team.mjs): a private cluster (initdb, fsync off) with one login role per member (SCRAM passwords from a PGPASSFILE), each member with a data folder of their own and the OS keychain. Seeded by alice's team init publishing the 10,000-key \"mixed\" inventory (~800 secrets opened and sealed under the team key). first_copy_10k: a new member joins, alice approves them as operator, and their first team sync into the fresh folder is timed (10,000 keys copied, every secret opened with the team key and re-sealed under the member's data key); a new member each run; target <= 3 s. propagation: alice adds a manual key through the team write path while bob runs the real follower (team-follower.ts, LISTEN/NOTIFY); timed from the start of alice's write to the end of the follower's pull that brought the key into bob's copy, which includes the follower's 300 ms debounce (from_notice_ms: from the change notice PostgreSQL sends at commit); target <= 1 s. concurrent_writers: 20 members, each in a Node process of its own (one process would queue their CPU work on one thread), add manual keys with secrets through the team write path (one transaction, then a pull) as fast as they can for 60 s (BENCH_TEAM_SECONDS); writes per second, write latency, and the check that every write reported as done is on the server exactly once, that the change numbers taken have no gap or duplicate and that the team's audit chain verifies (team audit --verify); a failed check fails the measurement. Skipped where the PostgreSQL server binaries are not installed.",
    async run() {
      const { keys, firstCopyRuns, propagationRuns, writers, seconds } = CONFIG.team;
      const answer = await runChild('team.mjs', [keys, firstCopyRuns, propagationRuns, writers, seconds].map(String), { timeoutMs: 1_800_000 });
      if (answer.skipped) return { skipped: answer.skipped };
      delete answer.wallMs;
      return answer;
    },
  },
];

/**
 * Where a `keywarden list` process spends its time: Node's own bootstrap, loading modules (timed by
 * require-timer.cjs, preloaded), and the rest (opening SQLite, the query, formatting, writing output).
 */
async function startupProfile(home) {
  progress('cli_list_10k: start-up profile');
  const profiles = [];
  await repeat(CONFIG.profileRuns, 1, async (index) => {
    const file = join(workDir, `require-profile-${index}.json`);
    await node(['-r', join(BENCH_DIR, 'require-timer.cjs'), CLI, '--home', home, 'list'], { env: { ...cliEnv(), BENCH_REQUIRE_PROFILE: file } });
    if (index >= 0) profiles.push(JSON.parse(readFileSync(file, 'utf8')));
  });
  const bySelf = new Map();
  for (const profile of profiles) for (const module of profile.modules) bySelf.set(module.name, [...(bySelf.get(module.name) ?? []), module.self]);
  const top = [...bySelf.entries()]
    .map(([name, selfs]) => ({ module: name, self_ms: Number(median(selfs).toFixed(2)) }))
    .sort((a, b) => b.self_ms - a.self_ms)
    .slice(0, 10);
  return {
    note: 'in-process timeline of `keywarden list` (10k keys); "rest" is everything after Node bootstrap that is not module loading: SQLite open and query, row mapping, table formatting, output',
    node_bootstrap: figure(
      'ms',
      profiles.map((p) => p.preloadAt),
    ),
    module_loading: figure(
      'ms',
      profiles.map((p) => p.moduleLoadSelfTotal),
    ),
    rest_until_exit: figure(
      'ms',
      profiles.map((p) => p.exitAt - p.preloadAt - p.moduleLoadSelfTotal),
    ),
    until_exit: figure(
      'ms',
      profiles.map((p) => p.exitAt),
    ),
    slowest_modules_self_ms_median: top,
  };
}

// ---- machine facts, summary, main ---------------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  let distro = null;
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? null;
  } catch {
    // not Linux, or no os-release
  }
  const git = (args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const commit = git(['rev-parse', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    distro,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    totalMemoryMiB: Math.round(os.totalmem() / MiB),
    loadAverageAtStart: os.loadavg().map((value) => Number(value.toFixed(2))),
    git: commit.status === 0 ? { commit: commit.stdout.trim(), dirty: dirty.stdout.trim() !== '' } : null,
  };
}

function summarise(results) {
  const lines = [];
  const walk = (path, value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    if ('median' in value && 'unit' in value) {
      const extra = value.rows !== undefined ? `  rows ${value.rows}` : value.matches !== undefined ? `  matches ${value.matches}` : '';
      lines.push(`  ${path.join('.').padEnd(64)} ${String(value.median).padStart(10)} ${String(value.p90).padStart(10)}  ${value.unit.padEnd(7)} ${String(value.runs).padStart(3)}${extra}`);
      return;
    }
    if ('error' in value) lines.push(`  ${path.join('.').padEnd(64)} ERROR: ${value.error}`);
    if ('skipped' in value) lines.push(`  ${path.join('.').padEnd(64)} skipped: ${value.skipped}`);
    for (const [key, child] of Object.entries(value)) walk([...path, key], child);
  };
  lines.push(`  ${'figure'.padEnd(64)} ${'median'.padStart(10)} ${'p90'.padStart(10)}  ${'unit'.padEnd(7)} runs`);
  for (const [id, value] of Object.entries(results.figures)) {
    if (value.loadAverage1m !== undefined)
      lines.push(`  -- ${id}: ${value.elapsedMs !== undefined ? `${(value.elapsedMs / 1000).toFixed(1)} s, ` : ''}1-min load average ${value.loadAverage1m} at start`);
    walk([id], value);
  }
  return lines.join('\n');
}

async function main() {
  const started = performance.now();
  const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((id) => id.trim()) : null;
  const unknown = only?.filter((id) => !MEASUREMENTS.some((m) => m.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names unknown measurements: ${unknown.join(', ')}; known: ${MEASUREMENTS.map((m) => m.id).join(', ')}`);
  const results = {
    generatedBy: 'test/bench/run.mjs (npm run bench)',
    date: new Date().toISOString(),
    machine: machine(),
    quick: QUICK,
    only,
    config: CONFIG,
    keychain: process.env.KEYWARDEN_TEST_KEYCHAIN ?? 'os default (not isolated)',
    figures: {},
    fixtures: fixtureLog,
  };
  let crashed = 0;
  try {
    for (const measurement of MEASUREMENTS) {
      if (only && !only.includes(measurement.id)) continue;
      const measurementStarted = performance.now();
      // The 1-minute load average when the measurement starts: other work on the machine shows here.
      const loadAverage1m = Number(os.loadavg()[0].toFixed(2));
      try {
        const value = await measurement.run(results);
        results.figures[measurement.id] = { description: measurement.description, ...value, loadAverage1m, elapsedMs: Math.round(performance.now() - measurementStarted) };
      } catch (error) {
        crashed += 1;
        progress(`${measurement.id} FAILED: ${error.stack ?? error}`);
        results.figures[measurement.id] = { description: measurement.description, error: String(error.message ?? error) };
      }
    }
  } finally {
    await stopEmulators();
    rmSync(workDir, { recursive: true, force: true });
  }
  results.machine.loadAverageAtEnd = os.loadavg().map((value) => Number(value.toFixed(2)));
  results.totalMs = Math.round(performance.now() - started);

  const output = process.env.BENCH_OUTPUT ?? join(ROOT, 'bench', 'results.json');
  mkdirSync(dirname(output), { recursive: true });
  // The mutation check's score (npm run mutate) lives in the same file and is not the bench's to drop.
  if (existsSync(output)) {
    try {
      const previous = JSON.parse(readFileSync(output, 'utf8'));
      if (previous.mutation !== undefined) results.mutation = previous.mutation;
    } catch {
      // an unreadable previous file is simply replaced
    }
  }
  writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);

  const m = results.machine;
  process.stdout.write(
    [
      '',
      `Keywarden bench, ${results.date}: Node ${m.node}, ${m.distro ?? m.os}, ${m.cpus} x ${m.cpuModel}, ${m.totalMemoryMiB} MiB${QUICK ? ' (QUICK: fewer runs)' : ''}`,
      `load average (1, 5, 15 min) at start ${m.loadAverageAtStart.join(', ')}, at end ${m.loadAverageAtEnd.join(', ')}: a load above ${m.cpus} means other work shared the CPUs`,
      summarise(results),
      '',
      `${crashed === 0 ? 'done' : `${crashed} measurement(s) crashed`} in ${(results.totalMs / 1000).toFixed(1)} s; figures written to ${relative(process.cwd(), output) || output}`,
      '',
    ].join('\n'),
  );
  return crashed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error) => {
    process.stderr.write(`bench: ${error.stack ?? error}\n`);
    await stopEmulators().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
    process.exitCode = 1;
  },
);
