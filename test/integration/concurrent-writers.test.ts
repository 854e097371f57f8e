/**
 * Three writers on one data folder at once lose no write: two streams of real `keywarden` processes (the CLI, one
 * command per process, as scripts run it) and one long-lived engine in this process (as `keywarden ui` and the
 * desktop app hold one), each adding manual keys with secrets, changing a different setting, syncing a Nitrobox
 * backend, and one stream creating keys at Nitrobox (shown-once secrets) while the others sync that backend.
 * Afterwards every write is found: every key with its secret (revealed and compared), every created key with its
 * cached secret and at the vendor, each writer's last value of its own setting, and one audit event per action.
 * No command may fail: a write refused with "busy" would be a write lost to the administrator.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import type { Settings } from '../../shared/domain.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome, PROJECT_ROOT } from '../support/cli.js';
import { memoryKeychain } from '../support/memory-keychain.js';

/** Rounds per writer. */
const ROUNDS = 5;
const HTTP = { responseTimeoutMs: 5000, baseBackoffMs: 20 };

const newSecret = () => `sk_${randomBytes(18).toString('base64url')}`;

describe.skipIf(!hasIsolatedKeychain)('the CLI, another CLI and an in-process engine writing to one folder at once', () => {
  let home: CliHome;
  let nitro: NitroboxEmulator;
  /** What each writer wrote: key refs and their secrets, created keys, the last value of its setting. */
  const written = { secrets: new Map<string, string>(), created: [] as string[], failures: [] as string[] };
  const lastSetting: Partial<Settings> = {};

  function check(label: string, result: CliResult): CliResult {
    if (result.code !== 0) written.failures.push(`${label}: exit ${result.code}: ${result.stderr.trim()}`);
    return result;
  }

  /** One CLI writer: each step a separate `keywarden` process. */
  async function cliWriter(name: 'a' | 'b'): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const secret = newSecret();
      const ref = `hand-${name}/${name}-${round}`;
      const added = check(`${ref} add`, await home.run(['key', 'add', '--backend', `hand-${name}`, '--name', `${name}-${round}`, '--secret-stdin', '--json'], { input: `${secret}\n` }));
      if (added.code === 0) written.secrets.set(added.json<{ ref: string }>().ref, secret);
      else written.secrets.set(ref, secret);
      if (name === 'b') {
        const created = check(`create b-create-${round}`, await home.run(['create', '--backend', 'nb', '--name', `b-create-${round}`, '--json']));
        if (created.code === 0) written.created.push(`b-create-${round}`);
      }
      const setting = name === 'a' ? '--clipboard-clear-seconds' : '--reveal-hide-seconds';
      check(`${name} settings`, await home.run(['settings', 'set', setting, String(100 + round)]));
      if (round % 2 === (name === 'a' ? 0 : 1)) check(`${name} sync`, await home.run(['sync']));
    }
    if (name === 'a') lastSetting.clipboardClearSeconds = 100 + ROUNDS - 1;
    else lastSetting.revealHideSeconds = 100 + ROUNDS - 1;
  }

  /** The long-lived engine, as `keywarden ui` holds it: the same steps through its methods. */
  async function engineWriter(engine: KeywardenEngine): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const secret = newSecret();
      try {
        const key = await engine.addManualKey('hand-e', { name: `e-${round}`, secret });
        written.secrets.set(key.ref, secret);
        await engine.updateSettings({ backgroundSyncHours: 10 + round });
        const report = await engine.sync(['nb']);
        if (!report.ok) written.failures.push(`engine sync: ${report.results[0]?.error}`);
      } catch (error) {
        written.failures.push(`engine round ${round}: ${(error as Error).message}`);
      }
      // Lets the CLI processes' requests to the emulator (served by this process) through between steps.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    lastSetting.backgroundSyncHours = 10 + ROUNDS - 1;
  }

  beforeAll(async () => {
    home = makeCliHome();
    nitro = await startNitroboxEmulator();
    const token = nitro.state.addUser('admin@acme.example', { role: true });
    for (let index = 0; index < 250; index++) nitro.state.seedClient(`seeded-${String(index).padStart(3, '0')}`);
    const setup = KeywardenEngine.open({ home: home.home, http: HTTP });
    try {
      await setup.addBackend({ name: 'nb', type: 'nitrobox', url: nitro.emulator.url, credential: token });
      for (const name of ['hand-a', 'hand-b', 'hand-e']) await setup.addBackend({ name, type: 'manual' });
      expect((await setup.sync()).ok).toBe(true);
    } finally {
      await setup.close();
    }

    const engine = KeywardenEngine.open({ home: home.home, http: HTTP });
    try {
      await Promise.all([cliWriter('a'), cliWriter('b'), engineWriter(engine)]);
    } finally {
      await engine.close();
    }
  }, 180_000);

  afterAll(async () => {
    await nitro.emulator.close();
    home.remove();
  });

  it('no write failed: every command and every engine call succeeded', () => {
    expect(written.failures).toEqual([]);
  });

  it('every manual key is there, with the very secret its writer gave', async () => {
    expect(written.secrets.size).toBe(3 * ROUNDS);
    const engine = KeywardenEngine.open({ home: home.home, http: HTTP });
    try {
      for (const backend of ['hand-a', 'hand-b', 'hand-e']) {
        const prefix = backend.slice('hand-'.length);
        expect(
          engine
            .listKeys({ backend })
            .map((key) => key.name)
            .sort(),
        ).toEqual(Array.from({ length: ROUNDS }, (_, round) => `${prefix}-${round}`).sort());
      }
      for (const [ref, secret] of written.secrets) expect(await engine.reveal(ref), ref).toBe(secret);
    } finally {
      await engine.close();
    }
  });

  it('every key created at the vendor during the syncs is kept, with its shown-once secret cached', async () => {
    expect(written.created).toHaveLength(ROUNDS);
    const engine = KeywardenEngine.open({ home: home.home, http: HTTP });
    try {
      for (const id of written.created) {
        expect(nitro.state.findClient(id), id).not.toBeNull();
        expect(engine.getKey(`nb/${id}`).secretCached, id).toBe(true);
      }
      // And the inventory agrees with the vendor, after syncs from three writers.
      const report = await engine.sync(['nb']);
      expect(report.ok).toBe(true);
      expect(
        engine
          .listKeys({ backend: 'nb' })
          .map((key) => key.id)
          .sort(),
      ).toEqual(nitro.state.clients.map((client) => client.clientId).sort());
    } finally {
      await engine.close();
    }
  });

  it("each writer's own setting holds its last value: no writer's change undid another's", async () => {
    const engine = KeywardenEngine.open({ home: home.home, readOnly: true });
    try {
      expect(await engine.settings()).toMatchObject(lastSetting);
      expect(Object.keys(lastSetting).sort()).toEqual(['backgroundSyncHours', 'clipboardClearSeconds', 'revealHideSeconds']);
    } finally {
      await engine.close();
    }
  });

  it('the audit trail has one event for each write', async () => {
    const engine = KeywardenEngine.open({ home: home.home, readOnly: true });
    try {
      const events = engine.auditTrail({ limit: 10_000 });
      const counted = (action: string) => events.filter((event) => event.action === action && event.outcome === 'ok').length;
      expect(counted('key.add')).toBe(3 * ROUNDS);
      expect(counted('create')).toBe(ROUNDS);
      expect(counted('settings.update')).toBe(3 * ROUNDS);
    } finally {
      await engine.close();
    }
  });
});

describe('two processes changing different settings at the same moment', () => {
  /**
   * Another process (another Keywarden, as far as SQLite can tell) changes one setting inside a write transaction
   * that it holds for `ms`; resolves once its transaction is open.
   */
  async function otherProcessChangesSetting(path: string, settings: Record<string, number>, ms: number): Promise<{ done: Promise<void> }> {
    const script = `
      const Database = require(${JSON.stringify(join(PROJECT_ROOT, 'node_modules', 'better-sqlite3'))});
      const db = new Database(process.argv[1]);
      db.exec('BEGIN IMMEDIATE');
      const stored = db.prepare("SELECT value FROM meta WHERE name = 'settings'").get();
      const next = { ...(stored ? JSON.parse(stored.value) : {}), ...JSON.parse(process.argv[2]) };
      db.prepare("INSERT INTO meta (name, value) VALUES ('settings', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value").run(JSON.stringify(next));
      process.stdout.write('changed\\n');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[3]));
    `;
    const child = spawn(process.execPath, ['-e', script, path, JSON.stringify(settings), String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the other process exited early (${code})`)));
    });
    return { done };
  }

  it("keep both: the engine reads the record inside its own write transaction, after the other's commit", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'keywarden-settings-race-'));
    const engine = KeywardenEngine.open({ home: folder, keychain: memoryKeychain() });
    try {
      await engine.updateSettings({ lockAfterIdleMinutes: 20 });
      // The other process has changed the clipboard setting, not committed yet, when the engine changes another one.
      const other = await otherProcessChangesSetting(join(folder, 'keywarden.db'), { clipboardClearSeconds: 77 }, 300);
      const merged = await engine.updateSettings({ revealHideSeconds: 55 });
      await other.done;
      expect(merged).toMatchObject({ clipboardClearSeconds: 77, revealHideSeconds: 55, lockAfterIdleMinutes: 20 });
      expect(await engine.settings()).toMatchObject({ clipboardClearSeconds: 77, revealHideSeconds: 55, lockAfterIdleMinutes: 20 });
    } finally {
      await engine.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
