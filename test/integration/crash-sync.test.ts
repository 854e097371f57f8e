/**
 * A `keywarden sync` killed with SIGKILL at any moment loses nothing. The real CLI (compiled, in a child process)
 * syncs three backends against emulators slowed by a per-request latency, so that a sync lasts a few hundred
 * milliseconds, and is killed from outside at random moments of it (seeded: a failure names the seed and the
 * delay), and also from inside the transaction that commits one backend (`KEYWARDEN_FAULT_POINT=sync:<b>:in-commit`,
 * every row written, nothing committed). Every round, on the same data folder (damage would accumulate):
 * - the database opens and passes SQLite's `PRAGMA quick_check`;
 * - each backend shows either its previous inventory exactly (same keys as before) or, if its commit finished
 *   before the kill, exactly what its vendor lists now: never a mix, never an empty or half-written one;
 * - the next sync completes and shows every vendor's current keys.
 * The vendors change between rounds, so a committed sync is always visible.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BoxWatchEmulator, startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import type { RunningEmulator } from '../../electron/core/backends/emulator-kit.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import type { Key } from '../../shared/domain.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome, PROJECT_ROOT } from '../support/cli.js';

const SEED = Number(process.env.KEYWARDEN_CRASH_SEED ?? 20_261_124);
const RANDOM_ROUNDS = 6;
/** Per request: with 3 to 5 pages per backend, a sync lasts some 150-300 ms after its first request. */
const LATENCY_MS = 40;

/** mulberry32, as in rotation-crash.test.ts: the same delays on every run unless KEYWARDEN_CRASH_SEED says otherwise. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const nextRandom = random(SEED);

function ok(result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

interface Vendor {
  name: string;
  emulator: RunningEmulator;
  ids(): string[];
  change(round: number): void;
}

describe.skipIf(!hasIsolatedKeychain)('keywarden sync killed at any moment keeps the previous inventory, and the next sync completes', () => {
  let home: CliHome;
  const vendors: Vendor[] = [];
  let nitro: NitroboxEmulator;
  let box: BoxWatchEmulator;
  let comm: CommBoxEmulator;

  beforeAll(async () => {
    home = makeCliHome();
    nitro = await startNitroboxEmulator();
    const nitroToken = nitro.state.addUser('admin@acme.example', { role: true });
    for (let index = 0; index < 420; index++) nitro.state.seedClient(`client-${String(index).padStart(3, '0')}`);
    vendors.push({
      name: 'nb',
      emulator: nitro.emulator,
      ids: () => nitro.state.clients.map((client) => client.clientId),
      change: (round) => {
        for (const client of nitro.state.clients.slice(0, 7)) nitro.state.deleteClient(client.clientId);
        for (let index = 0; index < 7; index++) nitro.state.seedClient(`round-${round}-client-${index}`);
      },
    });
    box = await startBoxWatchEmulator();
    const account = box.state.addAccount('ops@acme.example');
    const credential = box.state.issueKey(account.id, 'Keywarden');
    for (let index = 1; index < 310; index++) box.state.issueKey(account.id, `Server ${index}`, { allowSecond: true });
    vendors.push({
      name: 'bw',
      emulator: box.emulator,
      ids: () => box.state.keys.map((key) => key.id),
      change: (round) => {
        for (const key of box.state.keys.filter((candidate) => candidate.id !== credential.key.id).slice(0, 4)) box.state.keys.splice(box.state.keys.indexOf(key), 1);
        for (let index = 0; index < 4; index++) box.state.issueKey(account.id, `Round ${round} server ${index}`, { allowSecond: true });
      },
    });
    comm = await startCommBoxEmulator();
    const commToken = comm.state.addAdminToken();
    comm.state.seedHistory(299);
    comm.state.issueActiveKey('Production');
    vendors.push({
      name: 'cb',
      emulator: comm.emulator,
      ids: () => comm.state.listedKeys().map((key) => key.id),
      change: (round) => {
        // A rotation at CommBox: a new active key (whose secret the next sync caches), the old one in its grace.
        comm.state.revoke(comm.state.activeKey()!, 90);
        comm.state.seedExpiredKey(`Round ${round}`);
      },
    });
    ok(await home.run(['backend', 'add', '--type', 'nitrobox', '--name', 'nb', '--url', nitro.emulator.url, '--credential-stdin'], { input: nitroToken }));
    ok(await home.run(['backend', 'add', '--type', 'boxwatch', '--name', 'bw', '--url', box.emulator.url, '--credential-stdin'], { input: credential.secret }));
    ok(await home.run(['backend', 'add', '--type', 'commbox', '--name', 'cb', '--url', comm.emulator.url, '--credential-stdin'], { input: commToken }));
    ok(await home.run(['sync']));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(vendors.map((vendor) => vendor.emulator.close()));
    home.remove();
  });

  /** The inventory as the database holds it, per backend (ids sorted), read with the real CLI. */
  async function inventory(): Promise<Map<string, string[]>> {
    const keys = ok(await home.run(['list', '--json'])).json<Key[]>();
    return new Map(
      vendors.map((vendor) => [
        vendor.name,
        keys
          .filter((key) => key.backend === vendor.name)
          .map((key) => key.id)
          .sort(),
      ]),
    );
  }

  function quickCheck(): string {
    const db = new Database(join(home.home, 'keywarden.db'), { readonly: true });
    try {
      return (db.pragma('quick_check', { simple: true }) as string) ?? '';
    } finally {
      db.close();
    }
  }

  /**
   * Runs `keywarden sync`, slowed by the emulators' latency, and kills it with SIGKILL `delayMs` after the vendors
   * saw its first request (null: a fault point kills it; Infinity: it is left to finish). Resolves with whether it
   * was killed mid-run, and how long it ran after its first request.
   */
  function syncKilled(delayMs: number | null, env: Record<string, string> = {}): Promise<{ killed: boolean; code: number | null; requestsBeforeKill: number; runMs: number }> {
    const logStarts = vendors.map((vendor) => vendor.emulator.requestLog.length);
    const requestsSince = () => vendors.reduce((sum, vendor, index) => sum + vendor.emulator.requestLog.length - logStarts[index]!, 0);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'keywarden.js'), '--home', home.home, 'sync'], {
        env: { ...process.env, KEYWARDEN_HTTP_TIMEOUT_MS: '5000', KEYWARDEN_HTTP_BACKOFF_MS: '20', ...env },
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      let killed = false;
      let requestsBeforeKill = 0;
      let firstRequestAt = 0;
      let timer: NodeJS.Timeout | undefined;
      // Waits for the first request to reach a vendor: the kill then lands in the sync, not in Node's start-up.
      const poll = setInterval(() => {
        if (requestsSince() === 0) return;
        clearInterval(poll);
        firstRequestAt = performance.now();
        if (delayMs === null || delayMs === Infinity) return;
        timer = setTimeout(() => {
          requestsBeforeKill = requestsSince();
          killed = child.kill('SIGKILL');
        }, delayMs);
      }, 2);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ killed: (killed || delayMs === null) && signal === 'SIGKILL', code, requestsBeforeKill, runMs: firstRequestAt ? performance.now() - firstRequestAt : 0 });
      });
    });
  }

  async function round(label: string, kill: () => ReturnType<typeof syncKilled>): Promise<{ kept: string[]; committed: string[] }> {
    const before = await inventory();
    for (const vendor of vendors) vendor.change(vendors.indexOf(vendor) + Math.round(nextRandom() * 1e6));
    for (const vendor of vendors) vendor.emulator.setLatency(LATENCY_MS);
    const run = await kill();
    for (const vendor of vendors) vendor.emulator.setLatency(0);
    // A kill meant for just past the end may find the sync already done: then it must have finished cleanly.
    if (!run.killed) expect(run.code, `${label}: not killed, so it finished`).toBe(0);

    expect(quickCheck(), label).toBe('ok');
    const after = await inventory();
    const kept: string[] = [];
    const committed: string[] = [];
    for (const vendor of vendors) {
      const now = vendor.ids().sort();
      const ids = after.get(vendor.name)!;
      if (JSON.stringify(ids) === JSON.stringify(before.get(vendor.name))) kept.push(vendor.name);
      else if (JSON.stringify(ids) === JSON.stringify(now)) committed.push(vendor.name);
      else throw new Error(`${label}: ${vendor.name} holds neither its previous inventory nor the vendor's (${ids.length} keys)`);
    }

    const next = ok(await home.run(['sync', '--json'])).json<{ ok: boolean }>();
    expect(next.ok, label).toBe(true);
    const synced = await inventory();
    for (const vendor of vendors) expect(synced.get(vendor.name), `${label}: ${vendor.name} after the next sync`).toEqual(vendor.ids().sort());
    // The active CommBox key's secret, new this round, is cached by the sync that completed.
    const active = ok(await home.run(['list', '--backend', 'cb', '--status', 'active', '--json'])).json<Key[]>();
    expect(
      active.map((key) => key.secretCached),
      label,
    ).toEqual([true]);
    return { kept, committed };
  }

  it(`killed at ${RANDOM_ROUNDS} random moments (seed ${SEED})`, async () => {
    // How long a slowed sync runs here, now (the machine may be busy): the kills land within it.
    const before = await inventory();
    for (const vendor of vendors) vendor.emulator.setLatency(LATENCY_MS);
    const calibration = await syncKilled(Infinity);
    for (const vendor of vendors) vendor.emulator.setLatency(0);
    expect(calibration.code).toBe(0);
    expect(await inventory()).toEqual(before);
    const outcomes: string[] = [];
    let keptSomewhere = 0;
    for (let index = 0; index < RANDOM_ROUNDS; index++) {
      // From the first request to just past the end of the run: in the pages, in the commits, at the very end.
      const delayMs = Math.round(nextRandom() * 1.1 * calibration.runMs);
      const { kept, committed } = await round(`round ${index}, killed ${delayMs} ms after the first request, seed ${SEED}`, () => syncKilled(delayMs));
      keptSomewhere += kept.length;
      outcomes.push(`${delayMs} ms: kept ${kept.join(',') || '-'}; committed ${committed.join(',') || '-'}`);
    }
    // The kills landed inside syncs: some backend kept its previous inventory in some round.
    expect(keptSomewhere, outcomes.join('\n')).toBeGreaterThan(0);
  }, 120_000);

  it('killed inside the transaction committing one backend: that backend keeps its previous inventory', async () => {
    for (const vendor of vendors) {
      const { kept } = await round(`in-commit of ${vendor.name}`, () => syncKilled(null, { KEYWARDEN_FAULT_POINT: `sync:${vendor.name}:in-commit` }));
      expect(kept).toContain(vendor.name);
    }
  }, 120_000);
});
