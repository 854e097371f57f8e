/**
 * A rotation survives a kill at any moment. The real `keywarden rotate` (compiled, in a child process) kills
 * itself with SIGKILL at every point of its journal (the test-only `KEYWARDEN_FAULT_POINT=rotation:<step>:<moment>`:
 * `before` = intent committed, nothing sent; `answered` = the vendor acted and answered, nothing committed;
 * `after` = outcome committed), and is also killed from outside at random moments. Then `keywarden rotation resume`
 * must finish it, and the vendor must hold exactly the expected keys: one replacement, no second client, no second
 * revoke; a shown-once key received before the kill is revealed from the cache (and works at the vendor).
 *
 * Cheap by construction: one emulator per vendor for the file, one data folder prepared per vendor and copied for
 * each case (the vault's key is in the isolated keychain under the same vault id), the vendor's state restored from
 * a snapshot. The random delays come from a seeded generator; a failure names the seed and the delay.
 */
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BoxWatchEmulator, startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import type { Key } from '../../shared/domain.js';
import type { Rotation } from '../../shared/rotation.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome, PROJECT_ROOT } from '../support/cli.js';

const DAY_MS = 86_400_000;
/** Killed by its own fault point: runCli reports a signal death as -1. */
const KILLED = -1;
const SEED = Number(process.env.KEYWARDEN_CRASH_SEED ?? 20_261_122);

function ok(result: CliResult, code = 0): CliResult {
  if (result.code !== code) throw new Error(`expected exit ${code}, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

/** A small seeded generator (mulberry32): the same delays on every run unless KEYWARDEN_CRASH_SEED says otherwise. */
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

/** Runs the CLI and kills it with SIGKILL after `delayMs` (if it is still running): a kill -9 at a random moment. */
function runKilledAfter(home: CliHome, args: readonly string[], delayMs: number, input = ''): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'keywarden.js'), '--home', home.home, ...args], {
      env: { ...process.env, KEYWARDEN_HTTP_TIMEOUT_MS: '2000', KEYWARDEN_HTTP_BACKOFF_MS: '20' },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, delayMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: killed && signal === 'SIGKILL', code });
    });
    child.stdin.on('error', () => {}); // killed before it read its input
    child.stdin.end(input);
  });
}

/** Copies a prepared data folder: same inventory, same vault (its key is in the keychain under the same id). */
function cloneHome(template: CliHome): CliHome {
  const home = makeCliHome();
  cpSync(template.home, home.home, { recursive: true });
  return home;
}

const requestsSince = (log: readonly string[], start: number, line: string) => log.slice(start).filter((entry) => entry === line).length;

/** After a kill: a rotation may not even exist yet (killed before its journal): then nothing changed, and it is started again. */
async function resumeOrRestart(home: CliHome, rotateArgs: readonly string[], input: string): Promise<Rotation> {
  const open = ok(await home.run(['rotation', 'list', '--json'])).json<Rotation[]>();
  if (open.length === 0) {
    const all = ok(await home.run(['rotation', 'list', '--all', '--json'])).json<Rotation[]>();
    if (all.length === 1 && all[0]!.state === 'done') return all[0]!;
    expect(all).toEqual([]);
    return ok(await home.run([...rotateArgs, '--json'], { input })).json<Rotation>();
  }
  const resumed = ok(await home.run(['rotation', 'resume', '--all', '--yes', '--secret-stdin', '--json'], { input })).json<Rotation[]>();
  expect(resumed).toHaveLength(1);
  return resumed[0]!;
}

/**
 * The vendor action that made the new key is in the audit trail, whatever the kill: the event is written in the
 * action's own transaction (workflows/vendor-changes.ts), so no kill point can separate the two. The key is the
 * vendor's new one (a create), or the old one was revoked (a revoke that issued it, or a pasted key's rotation).
 */
async function expectActionAudited(home: CliHome, rotation: Rotation, point: string): Promise<void> {
  if (rotation.newRef === rotation.ref) return; // a manual key's secret replaced in place: no vendor action
  const events = ok(await home.run(['audit', '--json'])).json<Array<{ action: string; ref: string | null; outcome: string }>>();
  const created = events.some((event) => event.action === 'create' && event.ref === rotation.newRef && event.outcome === 'ok');
  const revoked = events.some((event) => event.action === 'revoke' && event.ref === rotation.ref && event.outcome === 'ok');
  expect(created || revoked, `${point}: no audit event for the action that made ${rotation.newRef}`).toBe(true);
}

interface Vendor {
  /** The `rotate` command line (without --json). */
  rotateArgs: readonly string[];
  /** Standard input for the rotation (a pasted key), or ''. */
  input: () => string;
  /** Every point of its journal. */
  points: readonly string[];
  /** A fresh case: the vendor state restored, the prepared folder copied. */
  fresh(): Promise<CliHome>;
  /** The vendor holds exactly the expected keys, and Keywarden agrees. */
  verify(home: CliHome, rotation: Rotation, point: string | null): Promise<void>;
}

/** Every journal point: a kill there, then `rotation resume`, then the vendor's and Keywarden's state. */
function crashSuite(name: string, vendor: () => Vendor, randomKills = 2): void {
  const homes: CliHome[] = [];
  afterEach(() => {
    for (const home of homes.splice(0)) home.remove();
  });

  it(`${name}: killed at every journal point, resumed to the expected end`, async () => {
    const v = vendor();
    for (const point of v.points) {
      const home = await v.fresh();
      homes.push(home);
      const killed = await home.run([...v.rotateArgs, '--json'], { input: v.input(), env: { KEYWARDEN_FAULT_POINT: point } });
      if (killed.code !== KILLED) throw new Error(`${point}: the fault point was not reached (exit ${killed.code})\n${killed.stderr}`);
      const rotation = await resumeOrRestart(home, v.rotateArgs, v.input());
      expect(rotation.state, `${point}: ${rotation.problem ?? ''}`).toBe('done');
      await v.verify(home, rotation, point);
      await expectActionAudited(home, rotation, point);
    }
  });

  it(`${name}: killed from outside at random moments, resumed to the expected end (seed ${SEED})`, async () => {
    const v = vendor();
    // How long the whole rotation takes here, now (the machine may be busy): the kills land within it.
    const calibration = await v.fresh();
    homes.push(calibration);
    const started = performance.now();
    const walked = ok(await calibration.run([...v.rotateArgs, '--json'], { input: v.input() })).json<Rotation>();
    const durationMs = performance.now() - started;
    await v.verify(calibration, walked, null);
    for (let round = 0; round < randomKills; round++) {
      // Past Node's start-up (about a quarter of the run), up to the end.
      const delayMs = Math.round(durationMs * (0.25 + 0.75 * nextRandom()));
      const home = await v.fresh();
      homes.push(home);
      const run = await runKilledAfter(home, [...v.rotateArgs, '--json'], delayMs, v.input());
      const rotation = await resumeOrRestart(home, v.rotateArgs, v.input());
      expect(rotation.state, `killed after ${delayMs} of ${Math.round(durationMs)} ms (${run.killed ? 'killed' : `exit ${run.code}`}), seed ${SEED}`).toBe('done');
      await v.verify(home, rotation, null);
    }
  });
}

describe.skipIf(!hasIsolatedKeychain)('a rotation killed at any moment is resumed without repeating anything at the vendor', () => {
  describe('CommBox', () => {
    let commbox: CommBoxEmulator;
    let template: CliHome;
    let snapshot: CommBoxEmulator['state']['keys'];
    let oldId: string;
    let logStart = 0;

    beforeAll(async () => {
      commbox = await startCommBoxEmulator();
      const token = commbox.state.addAdminToken();
      oldId = commbox.state.issueActiveKey('Production', { createdAt: new Date(Date.now() - 300 * DAY_MS).toISOString() }).key.id;
      template = makeCliHome();
      ok(await template.run(['backend', 'add', '--type', 'commbox', '--name', 'cb', '--url', commbox.emulator.url, '--credential-stdin'], { input: token }));
      ok(await template.run(['sync']));
      ok(await template.run(['key', 'consumers', `cb/${oldId}`, '--add', 'CI pipeline']));
      snapshot = structuredClone(commbox.state.keys);
    });
    afterAll(async () => {
      template.remove();
      await commbox.emulator.close();
    });

    crashSuite('CommBox revoke-replace', () => ({
      rotateArgs: ['rotate', `cb/${oldId}`, '--yes', '--validity-days', '90'],
      input: () => '',
      points: [
        'rotation:revoke-old:before',
        'rotation:revoke-old:answered',
        'rotation:revoke-old:after',
        'rotation:test-new:before',
        'rotation:test-new:after',
        'rotation:switch-consumers:before',
        'rotation:switch-consumers:after',
        'rotation:delete-old:after',
      ],
      fresh: async () => {
        commbox.state.keys.splice(0, commbox.state.keys.length, ...structuredClone(snapshot));
        logStart = commbox.emulator.requestLog.length;
        return cloneHome(template);
      },
      verify: async (home, rotation, point) => {
        const where = point ?? 'random kill';
        // One revoke, one replacement: the old key in its grace period and exactly one active key.
        expect(requestsSince(commbox.emulator.requestLog, logStart, `POST /v1/api-keys/${oldId}/revoke`), where).toBe(1);
        expect(commbox.state.keys.map((key) => key.status).sort(), where).toEqual(['active', 'revoked']);
        const replacement = commbox.state.activeKey()!;
        expect(rotation.newRef, where).toBe(`cb/${replacement.id}`);
        const keys = ok(await home.run(['list', '--json'])).json<Key[]>();
        expect(keys.map((key) => [key.id, key.status, key.secretCached]).sort(), where).toEqual(
          [
            [oldId, 'grace', true],
            [replacement.id, 'active', true],
          ].sort(),
        );
      },
    }));
  });

  describe('Nitrobox', () => {
    let nitrobox: NitroboxEmulator;
    let template: CliHome;
    let snapshot: NitroboxEmulator['state']['clients'];
    let logStart = 0;

    beforeAll(async () => {
      nitrobox = await startNitroboxEmulator();
      const token = nitrobox.state.addUser('admin@acme.example', { role: true });
      nitrobox.state.seedClient('billing-sync');
      template = makeCliHome();
      ok(await template.run(['backend', 'add', '--type', 'nitrobox', '--name', 'nb', '--url', nitrobox.emulator.url, '--credential-stdin'], { input: token }));
      ok(await template.run(['sync']));
      snapshot = structuredClone(nitrobox.state.clients);
    });
    afterAll(async () => {
      template.remove();
      await nitrobox.emulator.close();
    });

    async function tokenStatus(clientId: string, apiKey: string): Promise<number> {
      const response = await fetch(`${nitrobox.emulator.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: apiKey }).toString(),
      });
      await response.arrayBuffer();
      return response.status;
    }

    crashSuite('Nitrobox create-overlap', () => ({
      rotateArgs: ['rotate', 'nb/billing-sync', '--yes', '--new-name', 'billing-sync-next'],
      input: () => '',
      points: [
        'rotation:create-new:before',
        'rotation:create-new:answered',
        'rotation:create-new:after',
        'rotation:test-new:before',
        'rotation:test-new:after',
        'rotation:switch-consumers:before',
        'rotation:switch-consumers:after',
        'rotation:delete-old:before',
        'rotation:delete-old:answered',
        'rotation:delete-old:after',
      ],
      fresh: async () => {
        nitrobox.state.clients.splice(0, nitrobox.state.clients.length, ...structuredClone(snapshot));
        logStart = nitrobox.emulator.requestLog.length;
        return cloneHome(template);
      },
      verify: async (home, rotation, point) => {
        const where = point ?? 'random kill';
        // Exactly one client left: the new one. Killed between the answer and its commit, the first client's key
        // reached nobody; the remedy deleted it and created one more, and said so.
        const clients = nitrobox.state.clients.map((client) => client.clientId);
        expect(clients, where).toHaveLength(1);
        const [clientId] = clients;
        expect(rotation.newRef, where).toBe(`nb/${clientId}`);
        const creates = requestsSince(nitrobox.emulator.requestLog, logStart, 'POST /api/v1/api-keys');
        if (point === 'rotation:create-new:answered') {
          expect([creates, clientId], where).toEqual([2, 'billing-sync-next-2']);
          expect(requestsSince(nitrobox.emulator.requestLog, logStart, 'DELETE /api/v1/api-keys/billing-sync-next'), where).toBe(1);
        } else if (point !== null) expect([creates, clientId], where).toEqual([1, 'billing-sync-next']);
        const keys = ok(await home.run(['list', '--json'])).json<Key[]>();
        expect(
          keys.map((key) => [key.id, key.secretCached]),
          where,
        ).toEqual([[clientId, true]]);
        // The shown-once key, committed before the kill or after the resume, comes back from the cache and works.
        const secret = ok(await home.run(['reveal', `nb/${clientId}`])).stdout.trim();
        expect(await tokenStatus(clientId!, secret), where).toBe(200);
      },
    }));
  });

  describe('BoxWatch', () => {
    let boxwatch: BoxWatchEmulator;
    let template: CliHome;
    let snapshot: BoxWatchEmulator['state']['keys'];
    let account: string;
    let oldId: string;
    let fresh: { id: string; secret: string };
    let logStart = 0;

    beforeAll(async () => {
      boxwatch = await startBoxWatchEmulator();
      account = boxwatch.state.addAccount('ops@acme.example').id;
      const issued = boxwatch.state.issueKey(account, 'CI pipeline');
      oldId = issued.key.id;
      template = makeCliHome();
      ok(await template.run(['backend', 'add', '--type', 'boxwatch', '--name', 'bw', '--url', boxwatch.emulator.url, '--credential-stdin'], { input: issued.secret }));
      ok(await template.run(['sync']));
      snapshot = structuredClone(boxwatch.state.keys);
    });
    afterAll(async () => {
      template.remove();
      await boxwatch.emulator.close();
    });

    function boxwatchVendor(order: 'paste-first' | 'revoke-first', points: string[]): Vendor {
      return {
        rotateArgs: ['rotate', `bw/${oldId}`, '--yes', '--order', order, '--secret-stdin'],
        input: () => fresh.secret,
        points,
        fresh: async () => {
          boxwatch.state.keys.splice(0, boxwatch.state.keys.length, ...structuredClone(snapshot));
          // The key made in the dashboard (for revoke-first it would be made after the revoke; its state here is the same).
          const issued = boxwatch.state.issueKey(account, 'CI pipeline (new)', { allowSecond: true });
          fresh = { id: issued.key.id, secret: issued.secret };
          logStart = boxwatch.emulator.requestLog.length;
          return cloneHome(template);
        },
        verify: async (home, rotation, point) => {
          const where = point ?? 'random kill';
          expect(requestsSince(boxwatch.emulator.requestLog, logStart, `DELETE /api-keys/${oldId}`), where).toBe(1);
          expect(
            boxwatch.state.keys.map((key) => key.id),
            where,
          ).toEqual([fresh.id]);
          expect(rotation.newRef, where).toBe(`bw/${fresh.id}`);
          const keys = ok(await home.run(['list', '--json'])).json<Key[]>();
          expect(
            keys.find((key) => key.id === fresh.id),
            where,
          ).toMatchObject({ status: 'active', secretCached: true });
          expect(keys.find((key) => key.id === oldId)?.secretCached ?? false, where).toBe(false);
        },
      };
    }

    crashSuite('BoxWatch paste-first', () =>
      boxwatchVendor('paste-first', [
        'rotation:paste-new:before',
        'rotation:paste-new:after',
        'rotation:test-new:before',
        'rotation:test-new:after',
        'rotation:switch-consumers:before',
        'rotation:switch-consumers:after',
        'rotation:revoke-old:before',
        'rotation:revoke-old:answered',
        'rotation:revoke-old:after',
      ]),
    );
    crashSuite(
      'BoxWatch revoke-first',
      () =>
        boxwatchVendor('revoke-first', [
          'rotation:revoke-old:before',
          'rotation:revoke-old:answered',
          'rotation:revoke-old:after',
          'rotation:paste-new:before',
          'rotation:paste-new:after',
          'rotation:test-new:before',
          'rotation:test-new:after',
          'rotation:switch-consumers:before',
          'rotation:switch-consumers:after',
        ]),
      1,
    );
  });

  describe('manual', () => {
    let target: BoxWatchEmulator;
    let template: CliHome;
    let newSecret: string;
    let ref: string;

    beforeAll(async () => {
      target = await startBoxWatchEmulator();
      const account = target.state.addAccount('ops@acme.example').id;
      const old = target.state.issueKey(account, 'old', { allowSecond: true });
      newSecret = target.state.issueKey(account, 'new', { allowSecond: true }).secret;
      template = makeCliHome();
      ok(await template.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
      ok(
        await template.run(
          [
            ...['key', 'add', '--backend', 'hand', '--name', 'Monitoring', '--rotate-every-days', '90', '--secret-stdin'],
            // The emulator is on this machine: the test there is allowed explicitly.
            ...['--test-url', `${target.emulator.url}/auth/me`, '--test-header', 'Authorization: Bearer {secret}', '--test-allow-private-network'],
          ],
          { input: old.secret },
        ),
      );
      ref = ok(await template.run(['list', '--json'])).json<Key[]>()[0]!.ref;
    });
    afterAll(async () => {
      template.remove();
      await target.emulator.close();
    });

    crashSuite('manual paste-secret', () => {
      return {
        rotateArgs: ['rotate', ref, '--yes', '--secret-stdin'],
        input: () => newSecret,
        points: [
          'rotation:paste-new:before',
          'rotation:paste-new:after',
          'rotation:test-new:before',
          'rotation:test-new:after',
          'rotation:record-dates:before',
          'rotation:record-dates:after',
          'rotation:switch-consumers:before',
          'rotation:switch-consumers:after',
        ],
        fresh: async () => cloneHome(template),
        verify: async (home, rotation, point) => {
          const where = point ?? 'random kill';
          expect(rotation.newRef, where).toBe(ref);
          expect(ok(await home.run(['reveal', ref])).stdout, where).toBe(`${newSecret}\n`);
        },
      };
    });
  });
});
