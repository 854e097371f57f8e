/**
 * Faults at scale: one sync of eight backends of the three vendors, five of which misbehave in a different way
 * each (an answer that never comes, a connection reset in the middle of every body, an answer that stops
 * half-way, a 50 MB body, a vendor answering 503), while creates and revokes are sent to the faulty ones at the
 * same time. What an administrator relies on:
 * - the healthy backends complete, and show what their vendor shows now;
 * - each failed backend keeps its previous inventory and last good sync time, and its lastError says what went
 *   wrong, naming it;
 * - no create or revoke is sent twice (counted at the emulators), whatever its answer did;
 * - the run ends within a bound derived from the limits below (see BOUND_MS), not the 5-minute default;
 * - memory stays bounded: the 50 MB body is cut at the 1 MiB byte bound, and the engine process (a child, with
 *   --expose-gc) keeps far less than the body's size, measured after a full GC before and after the run.
 * Then, the faults cleared, the next sync brings every backend up to date.
 *
 * Loopback only, a few seconds. Emulators run here; the engine runs compiled (dist/), as the CLI does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BoxWatchEmulator, startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import type { RunningEmulator } from '../../electron/core/backends/emulator-kit.js';
import type { HttpOptions } from '../../electron/core/backends/http.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine, type SyncLimits } from '../../electron/core/engine.js';
import type { SyncReport } from '../../shared/domain.js';
import { childOutput } from '../support/child-output.js';
import { hasIsolatedKeychain, PROJECT_ROOT } from '../support/cli.js';

const KEYS_PER_BACKEND = 250;
const MB50 = 50 * 1024 * 1024;
const RESPONSE_BOUND = 1024 * 1024;
/** More syncs of the backend sending 50 MB, after the run: 150 MB more sent, to see what they keep. */
const HUGE_REPEATS = 3;
/**
 * One sync of that backend alone before those are measured. The run reads the same 1 MiB, but concurrently with seven
 * other backends, so what the allocator has kept for reuse by then varies from run to run (on a loaded machine, once,
 * 41 MB more resident after the three repeats, with the heap and Buffers unchanged). After one warm-up, the repeats
 * find their memory already held; a leak still grows with every one of them.
 */
const HUGE_WARM_UPS = 1;

/** The engine's limits for the faulty run: small, so the run takes seconds; the bound below follows from them. */
const HTTP: Partial<Omit<HttpOptions, 'backendName'>> = {
  connectTimeoutMs: 500,
  responseTimeoutMs: 500,
  totalTimeoutMs: 1000,
  maxAttempts: 3,
  baseBackoffMs: 20,
  maxRetryAfterMs: 500,
  // The byte bound of one answer: 1 MiB here, not the default 8 MiB, because the whole answer up to the bound must
  // arrive within totalTimeoutMs (1 s) while seven other backends sync in the same process. On a 2-core machine under
  // a load of 4 to 8, 8 MiB once did not, and the backend failed with "timeout" instead of being refused at the bound.
  // The bound is what is tested (that the 50 MB body is cut there and not kept), not its default value (http.test.ts).
  maxResponseBytes: RESPONSE_BOUND,
};
const SYNC_LIMITS: SyncLimits = { deadlineMs: 3000, maxBytes: 128 * 1024 * 1024 };

/**
 * The bound, from the code: one request ends within `totalTimeoutMs` per attempt (headers, pauses and the whole body
 * all fall under it), and a read is sent at most `maxAttempts` times, waiting at most `maxRetryAfterMs` (or the
 * backoff, far less) between tries; timeouts are never retried. A backend's sync checks its deadline before every
 * page and secret, so it ends at most one request after `deadlineMs`. Backends run concurrently, so the sync ends
 * when the slowest does. A create or revoke is sent once (one attempt) and, when its answer is lost, reconciled by
 * one more sync of its backend:
 *   request  <= maxAttempts x (totalTimeoutMs + maxRetryAfterMs)  = 3 x 1.5 s = 4.5 s
 *   sync     <= deadlineMs + request                              = 3 + 4.5   = 7.5 s
 *   write    <= totalTimeoutMs + sync                             = 1 + 7.5   = 8.5 s
 * The run is the sync and the writes at once: 8.5 s. With the defaults (5 min deadline, 60 s per attempt, 4 tries,
 * 30 s Retry-After) the same formula gives 5 + 4 x 1.5 = 11 min, plus 1 min for a write's own request.
 */
const REQUEST_BOUND_MS = HTTP.maxAttempts! * (HTTP.totalTimeoutMs! + HTTP.maxRetryAfterMs!);
const BOUND_MS = HTTP.totalTimeoutMs! + SYNC_LIMITS.deadlineMs + REQUEST_BOUND_MS;
/** Start-up of the child process and a loaded machine: the bound is about the engine, not about Node's start. */
const PROCESS_ALLOWANCE_MS = 10_000;

interface Vendor {
  name: string;
  emulator: RunningEmulator;
  /** The key ids the vendor lists now. */
  ids(): string[];
  /** Changes the vendor's keys (some gone, some new), so a sync that commits shows it. */
  change(): void;
}

interface ChildResult {
  report: SyncReport;
  writes: Array<{ op: string; backend?: string; ref?: string; ok: boolean; code: string | null; message: string | null }>;
  elapsedMs: number;
  memory: Record<'run' | 'repeat', { before: NodeJS.MemoryUsage; after: NodeJS.MemoryUsage; peakRssGrowth: number; afterEach?: NodeJS.MemoryUsage[] }>;
  repeated: SyncReport[];
  gc: boolean;
}

async function runChild(home: string, plan: unknown): Promise<ChildResult> {
  const child = spawn(process.execPath, ['--expose-gc', join(PROJECT_ROOT, 'test', 'support', 'fault-sync-child.mjs'), home], {
    // Two malloc arenas instead of glibc's eight per core: freed buffers are then reused, not parked in the arena
    // of whichever libuv or V8 thread last touched them, so resident memory measures what the process keeps (under
    // a loaded machine, parked arenas alone made it vary by tens of MiB between runs).
    env: { ...process.env, FAULT_SYNC_PLAN: JSON.stringify(plan), MALLOC_ARENA_MAX: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code, stdout, stderr } = await childOutput(child);
  try {
    if (code !== 0) throw new Error(`exit ${code}`);
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
  } catch (error) {
    throw new Error(`the engine child failed (${(error as Error).message}):\n${stdout}\n${stderr}`);
  }
}

const count = (emulator: RunningEmulator, line: string, since: number) => emulator.requestLog.slice(since).filter((entry) => entry === line).length;

describe.skipIf(!hasIsolatedKeychain)('a sync of eight backends, five of them misbehaving, with creates and revokes at the same time', () => {
  let home: string;
  const vendors = new Map<string, Vendor>();
  const nitro = new Map<string, NitroboxEmulator>();
  const box = new Map<string, BoxWatchEmulator>();
  const comm = new Map<string, CommBoxEmulator>();
  let before: Map<string, { refs: string[]; lastSyncOkAt: string | null }>;
  let logStart: Map<string, number>;
  let result: ChildResult;
  let spares: { boxwatchKey: string; commboxActive: string };

  async function addNitrobox(engine: KeywardenEngine, name: string): Promise<void> {
    const started = await startNitroboxEmulator();
    const token = started.state.addUser('admin@acme.example', { role: true });
    for (let index = 0; index < KEYS_PER_BACKEND; index++) started.state.seedClient(`${name}-client-${String(index).padStart(3, '0')}`);
    nitro.set(name, started);
    let generation = 0;
    vendors.set(name, {
      name,
      emulator: started.emulator,
      ids: () => started.state.clients.map((client) => client.clientId),
      change: () => {
        generation += 1;
        for (const client of started.state.clients.slice(0, 5)) started.state.deleteClient(client.clientId);
        for (let index = 0; index < 5; index++) started.state.seedClient(`${name}-new-${generation}-${index}`);
      },
    });
    await engine.addBackend({ name, type: 'nitrobox', url: started.emulator.url, credential: token });
  }

  async function addBoxWatch(engine: KeywardenEngine, name: string): Promise<void> {
    const started = await startBoxWatchEmulator();
    const account = started.state.addAccount(`${name}@acme.example`);
    const credential = started.state.issueKey(account.id, 'Keywarden');
    for (let index = 1; index < KEYS_PER_BACKEND; index++) started.state.issueKey(account.id, `Server ${index}`, { allowSecond: true });
    box.set(name, started);
    vendors.set(name, {
      name,
      emulator: started.emulator,
      ids: () => started.state.keys.map((key) => key.id),
      change: () => {
        // Five keys (never the credential) revoked at BoxWatch by someone else, three new ones.
        for (const key of started.state.keys.filter((candidate) => candidate.id !== credential.key.id).slice(0, 5)) started.state.keys.splice(started.state.keys.indexOf(key), 1);
        for (let index = 0; index < 3; index++) started.state.issueKey(account.id, `Added ${index}`, { allowSecond: true });
      },
    });
    await engine.addBackend({ name, type: 'boxwatch', url: started.emulator.url, credential: credential.secret });
  }

  async function addCommBox(engine: KeywardenEngine, name: string): Promise<void> {
    const started = await startCommBoxEmulator();
    const token = started.state.addAdminToken();
    started.state.seedHistory(KEYS_PER_BACKEND - 1);
    started.state.issueActiveKey('Production');
    comm.set(name, started);
    vendors.set(name, {
      name,
      emulator: started.emulator,
      ids: () => started.state.listedKeys().map((key) => key.id),
      change: () => {
        // The active key is revoked by someone else at CommBox: a replacement appears, the old one in its grace period.
        started.state.revoke(started.state.activeKey()!, 90);
        for (let index = 0; index < 3; index++) started.state.seedExpiredKey(`Added ${index}`);
      },
    });
    await engine.addBackend({ name, type: 'commbox', url: started.emulator.url, credential: token });
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-faults-at-scale-'));
    const engine = KeywardenEngine.open({ home, http: HTTP });
    try {
      await addNitrobox(engine, 'nb-ok');
      await addBoxWatch(engine, 'bw-ok');
      await addCommBox(engine, 'cb-ok');
      await addNitrobox(engine, 'nb-hang');
      await addBoxWatch(engine, 'bw-reset');
      await addCommBox(engine, 'cb-stall');
      await addNitrobox(engine, 'nb-huge');
      await addBoxWatch(engine, 'bw-503');
      const first = await engine.sync();
      expect(first.results.filter((r) => !r.ok)).toEqual([]);
      before = new Map(engine.listBackends().map((backend) => [backend.name, { refs: engine.listKeys({ backend: backend.name }).map((key) => key.ref), lastSyncOkAt: backend.lastSyncOkAt }]));
      spares = {
        boxwatchKey: box.get('bw-reset')!.state.keys.find((key) => key.name === 'Server 1')!.id,
        commboxActive: comm.get('cb-stall')!.state.activeKey()!.id,
      };
    } finally {
      await engine.close();
    }

    // The vendors move on: a sync that commits would show it.
    for (const vendor of vendors.values()) vendor.change();
    // The healthy BoxWatch is slow, for as long as the run lasts.
    vendors.get('bw-ok')!.emulator.setLatency(30);
    // Page 2 of nb-hang never answers; every list answer of bw-reset is reset half-way; page 2 of cb-stall stops half-way.
    nitro.get('nb-hang')!.emulator.addFault({ kind: 'hang', method: 'GET', hasQuery: 'cursor', times: 100 });
    box.get('bw-reset')!.emulator.addFault({ kind: 'reset-mid-body', method: 'GET', pathPrefix: '/api-keys', times: 100 });
    comm.get('cb-stall')!.emulator.addFault({ kind: 'stall-mid-body', method: 'GET', pathPrefix: '/v1/api-keys', hasQuery: 'cursor', times: 100 });
    nitro.get('nb-huge')!.emulator.addFault({ kind: 'oversized', bytes: MB50, method: 'GET', pathPrefix: '/api/v1/api-keys', times: 100 });
    box.get('bw-503')!.emulator.addFault({ kind: 'status', status: 503, method: 'GET', times: 100 });
    // Writes sent during the sync, each meeting a fault that leaves its outcome unknown (or, for nb-ok, a lost reply).
    nitro.get('nb-hang')!.emulator.addFault({ kind: 'reset-mid-body', method: 'POST', pathPrefix: '/api/v1/api-keys', times: 100 });
    box.get('bw-reset')!.emulator.addFault({ kind: 'reset-mid-body', method: 'DELETE', times: 100 });
    comm.get('cb-stall')!.emulator.addFault({ kind: 'stall-mid-body', method: 'POST', pathPrefix: `/v1/api-keys/${spares.commboxActive}/revoke`, times: 100 });
    nitro.get('nb-ok')!.emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: '/api/v1/api-keys', times: 1 });
    logStart = new Map([...vendors].map(([name, vendor]) => [name, vendor.emulator.requestLog.length]));

    result = await runChild(home, {
      http: HTTP,
      syncLimits: SYNC_LIMITS,
      writes: [
        { op: 'create', backend: 'nb-hang', name: 'made-during-faults' },
        { op: 'create', backend: 'nb-ok', name: 'made-while-others-fail' },
        { op: 'revoke', ref: `bw-reset/${spares.boxwatchKey}` },
        { op: 'revoke', ref: `cb-stall/${spares.commboxActive}`, validityDays: 30 },
      ],
      repeat: { backends: ['nb-huge'], warmUps: HUGE_WARM_UPS, times: HUGE_REPEATS },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...vendors.values()].map((vendor) => vendor.emulator.close()));
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('the healthy backends complete and show what their vendor shows now, the slow one included', async () => {
    const engine = KeywardenEngine.open({ home, http: HTTP });
    try {
      for (const name of ['nb-ok', 'bw-ok', 'cb-ok']) {
        const synced = result.report.results.find((r) => r.backend === name)!;
        expect(synced, name).toMatchObject({ ok: true, error: null });
        const listed = engine.listKeys({ backend: name }).map((key) => key.id);
        expect(listed.sort(), name).toEqual(vendors.get(name)!.ids().sort());
        expect(engine.getBackend(name).lastError).toBeNull();
      }
    } finally {
      await engine.close();
    }
  });

  it('each failed backend keeps its previous inventory and last good sync time, and says why in words naming it', async () => {
    const expected: Record<string, { code: string; words: RegExp }> = {
      // A pause over responseTimeoutMs, or the attempt over totalTimeoutMs: whichever fires first on a busy machine.
      'nb-hang': { code: 'timeout', words: /no answer in time to GET|the answer to GET \S+ did not arrive within 1 s/ },
      'bw-reset': { code: 'network', words: /the connection failed during GET \/api-keys/ },
      'cb-stall': { code: 'timeout', words: /no answer in time to GET|the answer to GET \S+ did not arrive within 1 s/ },
      'nb-huge': { code: 'malformed_response', words: new RegExp(`larger than ${RESPONSE_BOUND} bytes and was refused`) },
      'bw-503': { code: 'vendor_unavailable', words: /503/ },
    };
    const engine = KeywardenEngine.open({ home, http: HTTP });
    try {
      for (const [name, { code, words }] of Object.entries(expected)) {
        const synced = result.report.results.find((r) => r.backend === name)!;
        expect(synced, name).toMatchObject({ ok: false, errorCode: code });
        const backend = engine.getBackend(name);
        expect(backend.lastError, name).toMatch(new RegExp(`^${name}: `));
        expect(backend.lastError, name).toMatch(words);
        expect(backend.lastSyncOkAt, name).toBe(before.get(name)!.lastSyncOkAt);
        const refs = engine.listKeys({ backend: name }).map((key) => key.ref);
        // Exactly the previous inventory, although the vendor now lists other keys.
        expect(refs.sort(), name).toEqual([...before.get(name)!.refs].sort());
        expect(vendors.get(name)!.ids().sort(), name).not.toEqual(refs.map((ref) => ref.split('/')[1]).sort());
      }
    } finally {
      await engine.close();
    }
  });

  it('no create or revoke was sent twice, and each reports what is known', () => {
    const since = (name: string) => logStart.get(name)!;
    expect(count(vendors.get('nb-hang')!.emulator, 'POST /api/v1/api-keys', since('nb-hang'))).toBe(1);
    expect(count(vendors.get('nb-ok')!.emulator, 'POST /api/v1/api-keys', since('nb-ok'))).toBe(1);
    expect(count(vendors.get('bw-reset')!.emulator, `DELETE /api-keys/${spares.boxwatchKey}`, since('bw-reset'))).toBe(1);
    expect(count(vendors.get('cb-stall')!.emulator, `POST /v1/api-keys/${spares.commboxActive}/revoke`, since('cb-stall'))).toBe(1);
    for (const write of result.writes) expect(write.code, JSON.stringify(write)).toBe('outcome_unknown');
    // The vendors did carry them out (each fault came after the vendor acted): the engine said so or said it could not tell.
    expect(nitro.get('nb-ok')!.state.findClient('made-while-others-fail')).not.toBeNull();
    expect(result.writes.find((write) => write.backend === 'nb-ok')!.message).toMatch(/was created \(nb-ok\/made-while-others-fail\) but its one-time secret was lost/);
    // The create whose re-listing failed too (nb-hang's list hangs) must not invite a second create.
    expect(nitro.get('nb-hang')!.state.findClient('made-during-faults')).not.toBeNull();
    const unknownCreate = result.writes.find((write) => write.backend === 'nb-hang')!.message!;
    expect(unknownCreate).toMatch(/re-listing failed too .*may have been created/);
    expect(unknownCreate).not.toMatch(/can be tried again/);
    expect(box.get('bw-reset')!.state.keys.some((key) => key.id === spares.boxwatchKey)).toBe(false);
    expect(comm.get('cb-stall')!.state.findKey(spares.commboxActive)!.status).toBe('revoked');
  });

  it(`ends within the bound derived from the limits (${BOUND_MS / 1000} s), every failure by its own limit`, () => {
    expect(result.elapsedMs).toBeLessThan(BOUND_MS + PROCESS_ALLOWANCE_MS);
    for (const synced of result.report.results) expect(synced.durationMs, synced.backend).toBeLessThan(SYNC_LIMITS.deadlineMs + REQUEST_BOUND_MS + PROCESS_ALLOWANCE_MS);
  });

  it('memory stays bounded: the 50 MB body is cut at the byte bound, and what the process keeps does not follow what was sent', () => {
    expect(result.gc, 'the child runs with --expose-gc').toBe(true);
    const { run, repeat } = result.memory;
    const MiB = 1024 * 1024;
    // The whole run (eight backends, 2,000 keys, the writes and the 50 MB body), after a full GC: the heap and the
    // Buffers it keeps grow by little. Resident memory also holds what V8 and the allocator keep for reuse; at its
    // highest it holds the transient copies of up to one answer's bound (1 MiB, read in 64 KiB chunks) besides the
    // rest of the run: about 35-40 MiB here, never the 50 MB body.
    expect(run.after.heapUsed - run.before.heapUsed).toBeLessThan(5 * MiB);
    expect(run.after.arrayBuffers - run.before.arrayBuffers).toBeLessThan(5 * MiB);
    expect(run.after.rss - run.before.rss).toBeLessThan(MB50);
    expect(run.peakRssGrowth).toBeLessThan(64 * MiB);
    // Then the backend sending 50 MB alone, three more times (150 MB more sent): each refused at the bound, and
    // neither what the process keeps nor its peak follows what was sent.
    const syncs = HUGE_WARM_UPS + HUGE_REPEATS;
    expect(result.repeated.map((report) => report.results[0]!.errorCode)).toEqual(Array(syncs).fill('malformed_response'));
    expect(count(vendors.get('nb-huge')!.emulator, 'GET /api/v1/api-keys', logStart.get('nb-huge')!)).toBe(1 + syncs);
    // Resident size (and V8's committed heap) before and after each measured repeat, in MiB, for a failure's message.
    const series = [repeat.before, ...repeat.afterEach!].map((m) => `${(m.rss / MiB).toFixed(1)} (heap ${(m.heapTotal / MiB).toFixed(1)})`).join(' → ');
    expect(repeat.after.heapUsed - repeat.before.heapUsed).toBeLessThan(2 * MiB);
    expect(repeat.after.arrayBuffers - repeat.before.arrayBuffers).toBeLessThan(5 * MiB);
    expect(repeat.after.rss - repeat.before.rss, `resident MiB: ${series}`).toBeLessThan(MB50 / 2);
    expect(repeat.peakRssGrowth, `resident MiB: ${series}`).toBeLessThan(MB50 / 2);
  });

  it('with the faults gone, the next sync brings every backend up to date', async () => {
    for (const vendor of vendors.values()) {
      vendor.emulator.clearFaults();
      vendor.emulator.setLatency(0);
    }
    const engine = KeywardenEngine.open({ home, http: HTTP, syncLimits: SYNC_LIMITS });
    try {
      const report = await engine.sync();
      expect(report.results.filter((r) => !r.ok)).toEqual([]);
      for (const [name, vendor] of vendors) {
        expect(
          engine
            .listKeys({ backend: name })
            .map((key) => key.id)
            .sort(),
          name,
        ).toEqual(vendor.ids().sort());
        expect(engine.getBackend(name).lastError, name).toBeNull();
      }
    } finally {
      await engine.close();
    }
  });
});
