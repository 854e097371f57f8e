/**
 * The audit trail as evidence, through the real `keywarden` command (compiled, in child processes):
 * - several processes auditing at once (parallel CLI commands, and processes appending as fast as they can) still
 *   make ONE chain that verifies;
 * - `audit verify` exits 0 with the count and the head hash, and 5 naming the first edited, removed or reordered
 *   event, after raw SQL edits to the file as someone with the file would make them;
 * - a head hash recorded earlier catches what the chain alone cannot: the whole chain rewritten;
 * - `export --evidence` writes the pack for auditors: the inventory by prefix, the chained trail (recomputable from
 *   the pack alone), the head hash and the verdict; never a secret, whatever the vault caches.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import type { RunningEmulator } from '../../electron/core/backends/emulator-kit.js';
import { openSqlite, type SqlDatabase } from '../../electron/core/store/sqlite.js';
import type { AuditChainStatus } from '../../shared/audit.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome, PROJECT_ROOT } from '../support/cli.js';

const EXIT_CHAIN_BROKEN = 5;

function ok(result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

/** The chain's hash from its documented serialization, computed here (an auditor's own code, not the engine's). */
function chainHash(prev: string, e: { at: string; osUser: string; action: string; backend: string | null; ref: string | null; outcome: string; detail: string | null }): string {
  return createHash('sha256')
    .update(`keywarden-audit-chain/1\n${JSON.stringify([prev, e.at, e.osUser, e.action, e.backend, e.ref, e.outcome, e.detail])}`, 'utf8')
    .digest('hex');
}

/** Runs a small Node program that appends `count` events through the compiled store, as fast as it can. */
function appendInChild(dbPath: string, label: string, count: number): Promise<number> {
  const program = `
    const { InventoryStore } = require(${JSON.stringify(join(PROJECT_ROOT, 'dist', 'electron', 'core', 'store', 'store.js'))});
    const store = InventoryStore.open(process.argv[1]);
    for (let i = 0; i < Number(process.argv[3]); i++) {
      store.audit.append({ at: new Date().toISOString(), osUser: 'writer-' + process.argv[2], action: 'test', backend: 'hand', ref: null, outcome: 'ok', detail: process.argv[2] + ' ' + i });
    }
    store.close();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', program, dbPath, label, String(count)], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
}

describe('the audit trail as evidence, through the CLI', () => {
  let cli: CliHome;
  let raw: SqlDatabase | null;

  beforeEach(() => {
    cli = makeCliHome();
    raw = null;
  });

  afterEach(() => {
    raw?.close();
    cli.remove();
  });

  /** A second connection to the data folder's database, as someone editing the file would open it. */
  function tamper(): SqlDatabase {
    raw ??= openSqlite(join(cli.home, 'keywarden.db'));
    return raw;
  }

  async function verify(...extra: string[]): Promise<{ code: number; status: AuditChainStatus & { recordedHead?: { found: boolean; id: number | null } }; text: string }> {
    const json = await cli.run(['audit', 'verify', '--json', ...extra]);
    const text = await cli.run(['audit', 'verify', ...extra]);
    expect(text.code).toBe(json.code);
    return { code: json.code, status: json.json(), text: text.stdout };
  }

  /** A manual backend and `count` audited actions (keys recorded without secrets: no keychain needed). */
  async function seed(count: number): Promise<void> {
    ok(await cli.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
    for (let i = 1; i < count; i++) ok(await cli.run(['key', 'add', '--backend', 'hand', '--name', `key-${i}`, '--expires-at', '2031-01-01']));
  }

  it('parallel CLI commands that audit make one chain; so do processes appending as fast as they can', async () => {
    ok(await cli.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        [0, 1, 2, 3, 4, 5].map((i) =>
          i % 2
            ? cli.run(['settings', 'set', '--background-sync-hours', String(round * 6 + i)])
            : cli.run(['key', 'add', '--backend', 'hand', '--name', `r${round}-${i}`, '--expires-at', '2031-01-01']),
        ),
      );
      for (const result of results) ok(result);
    }
    let checked = await verify();
    expect(checked.code).toBe(0);
    expect(checked.status).toMatchObject({ ok: true, events: 1 + 18, verified: 19, firstBreak: null });

    const codes = await Promise.all(['a', 'b', 'c', 'd'].map((label) => appendInChild(join(cli.home, 'keywarden.db'), label, 60)));
    expect(codes).toEqual([0, 0, 0, 0]);
    checked = await verify();
    expect(checked.status).toMatchObject({ ok: true, events: 19 + 240, verified: 259 });
    // Each writer's events are all there, in its own order, interleaved with the others'.
    const details = tamper()
      .prepare<{ detail: string }>("SELECT detail FROM audit WHERE os_user LIKE 'writer-%' ORDER BY id")
      .all()
      .map((row) => row.detail);
    for (const label of ['a', 'b', 'c', 'd']) expect(details.filter((d) => d.startsWith(`${label} `))).toEqual(Array.from({ length: 60 }, (_, i) => `${label} ${i}`));
  });

  it('an untouched trail verifies: exit 0, the count and the full head hash', async () => {
    await seed(4);
    const { code, status, text } = await verify();
    expect(code).toBe(0);
    expect(status).toMatchObject({ ok: true, events: 4, verified: 4, firstBreak: null });
    expect(status.headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(text).toContain('The audit trail verifies: 4 events');
    expect(text).toContain(`Head hash: ${status.headHash}`);
    // The listing is as it was.
    expect(
      ok(await cli.run(['audit', '--json']))
        .json<Array<{ action: string }>>()
        .map((e) => e.action),
    ).toEqual(['backend.add', 'key.add', 'key.add', 'key.add']);
  });

  it("a row's detail edited with raw SQL: exit 5, the event named by id and time, content changed", async () => {
    await seed(5);
    const { at } = tamper().prepare<{ at: string }>('SELECT at FROM audit WHERE id = 3').get()!;
    tamper().prepare("UPDATE audit SET detail = 'secret cached encrypted' WHERE id = 3").run();
    const { code, status, text } = await verify();
    expect(code).toBe(EXIT_CHAIN_BROKEN);
    expect(status).toMatchObject({ ok: false, events: 5, verified: 2, firstBreak: { id: 3, at, kind: 'content-changed' } });
    expect(text).toContain('does NOT verify');
    expect(text).toContain(`event 3 (${at}) was changed after it was recorded`);
  });

  it('a row deleted: exit 5, the next event named, an event missing before it', async () => {
    await seed(5);
    const { at } = tamper().prepare<{ at: string }>('SELECT at FROM audit WHERE id = 3').get()!;
    tamper().prepare('DELETE FROM audit WHERE id = 2').run();
    const { code, status, text } = await verify();
    expect(code).toBe(EXIT_CHAIN_BROKEN);
    expect(status.firstBreak).toMatchObject({ id: 3, at, kind: 'missing-before' });
    expect(text).toMatch(/an event is missing before event 3 .*\(id 2\)/);
  });

  it("two rows' content swapped: exit 5, out of order", async () => {
    await seed(5);
    const swap = tamper();
    swap.transaction(() => {
      const a = swap.prepare<Record<string, string | null>>('SELECT at, action, ref, detail FROM audit WHERE id = 2').get()!;
      const b = swap.prepare<Record<string, string | null>>('SELECT at, action, ref, detail FROM audit WHERE id = 4').get()!;
      const write = swap.prepare('UPDATE audit SET at = ?, action = ?, ref = ?, detail = ? WHERE id = ?');
      write.run(b.at!, b.action!, b.ref!, b.detail!, 2);
      write.run(a.at!, a.action!, a.ref!, a.detail!, 4);
    });
    const { code, status, text } = await verify();
    expect(code).toBe(EXIT_CHAIN_BROKEN);
    expect(status.firstBreak).toMatchObject({ id: 2, kind: 'out-of-order' });
    expect(text).toMatch(/event 2 .*is out of order/);
  });

  it('a head hash recorded earlier catches the whole chain rewritten, which the chain alone cannot', async () => {
    await seed(3);
    const recorded = (await verify()).status.headHash!;
    ok(await cli.run(['key', 'add', '--backend', 'hand', '--name', 'later', '--expires-at', '2031-01-01']));
    let checked = await verify('--head', recorded);
    expect(checked.code).toBe(0);
    expect(checked.status.recordedHead).toMatchObject({ found: true, id: 3 });
    expect(checked.text).toMatch(/is event 3 .*nothing up to it changed; 1 event since/);

    // Someone with write access edits an event and recomputes every hash after it, as anyone can.
    const db = tamper();
    db.transaction(() => {
      db.prepare("UPDATE audit SET detail = 'no secret (edited)' WHERE id = 2").run();
      let prev = db.prepare<{ value: string }>("SELECT value FROM meta WHERE name = 'audit_chain_genesis'").get()!.value;
      for (const row of db
        .prepare<{ id: number; at: string; os_user: string; action: string; backend: string | null; ref: string | null; outcome: string; detail: string | null }>('SELECT * FROM audit ORDER BY id')
        .all()) {
        const hash = chainHash(prev, { ...row, osUser: row.os_user });
        db.prepare('UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?').run(prev, hash, row.id);
        prev = hash;
      }
    });
    expect((await verify()).code).toBe(0);
    checked = await verify('--head', recorded);
    expect(checked.code).toBe(EXIT_CHAIN_BROKEN);
    expect(checked.status.recordedHead).toMatchObject({ found: false });
    expect(checked.text).toContain('is in no event of this trail');
    expect((await cli.run(['audit', 'verify', '--head', 'not-a-hash'])).code).toBe(1);
  });

  it('a head hash recorded earlier is not found in a trail emptied and rebuilt from scratch', async () => {
    await seed(3);
    const recorded = (await verify()).status.headHash!;
    // Everything removed, the genesis too, as if the trail had never been: a new chain starts with the next event.
    const db = tamper();
    db.transaction(() => {
      db.prepare('DELETE FROM audit').run();
      db.prepare("DELETE FROM meta WHERE name = 'audit_chain_genesis'").run();
      db.prepare("DELETE FROM sqlite_sequence WHERE name = 'audit'").run();
    });
    const checked = await verify('--head', recorded);
    expect(checked.code).toBe(EXIT_CHAIN_BROKEN);
    expect(checked.status.recordedHead).toMatchObject({ found: false });
    expect(checked.text).toContain('is in no event of this trail');
  });

  it('export --evidence refuses --format; a broken chain is written into the pack and exits 5', async () => {
    await seed(3);
    expect((await cli.run(['export', '--evidence', '--format', 'csv'])).stderr).toMatch(/leave out --format/);
    tamper().prepare("UPDATE audit SET action = 'sync' WHERE id = 2").run();
    const file = join(cli.home, 'broken-evidence.json');
    const result = await cli.run(['export', '--evidence', '--output', file, '--json']);
    expect(result.code).toBe(EXIT_CHAIN_BROKEN);
    expect(result.json()).toMatchObject({ output: file, verified: false, firstBreak: { id: 2, kind: 'content-changed' } });
    expect(result.stderr).toMatch(/does not verify/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ auditChain: { verified: false, verifiedEvents: 1, firstBreak: { id: 2 } } });
  });

  describe.skipIf(!hasIsolatedKeychain)('with secrets cached in the vault', () => {
    let emulator: RunningEmulator;
    let secrets: string[];

    beforeEach(async () => {
      const started = await startCommBoxEmulator();
      emulator = started.emulator;
      const adminToken = started.state.addAdminToken();
      started.state.issueActiveKey('Production', { validityDays: 60 });
      ok(await cli.run(['backend', 'add', '--type', 'commbox', '--name', 'cb', '--url', emulator.url, '--credential-stdin'], { input: adminToken }));
      ok(await cli.run(['sync']));
      ok(await cli.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
      const manualSecret = `sk_live_${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 32)}`;
      ok(
        await cli.run(
          ['key', 'add', '--backend', 'hand', '--name', 'Stripe prod', '--secret-stdin', '--test-url', 'https://api.stripe.example/v1/ping', '--test-header', 'X-Probe-Header: Bearer {secret}'],
          { input: manualSecret },
        ),
      );
      secrets = [adminToken, manualSecret, ...started.state.keys.map((key) => key.secret)];
      expect(
        ok(await cli.run(['list', '--json']))
          .json<Array<{ secretCached: boolean }>>()
          .filter((key) => key.secretCached).length,
      ).toBeGreaterThanOrEqual(2);
    });

    afterEach(async () => {
      await emulator.close();
    });

    it('the pack has the inventory by prefix, the chained trail, the head hash and the verdict, and never a secret', async () => {
      const head = (await verify()).status.headHash!;
      const file = join(cli.home, 'evidence.json');
      const written = ok(await cli.run(['export', '--evidence', '--output', file]));
      expect(written.stdout).toBe('');
      expect(written.stderr).toContain(`head hash ${head}`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const text = readFileSync(file, 'utf8');
      const onStdout = ok(await cli.run(['export', '--evidence'])).stdout;
      for (const content of [text, onStdout]) {
        for (const secret of secrets) expect(content).not.toContain(secret);
        // Nor the manual key's test template (where its secret is sent, in which header).
        expect(content).not.toContain('X-Probe-Header');
        expect(content).not.toContain('api.stripe.example');
      }

      const pack = JSON.parse(text) as {
        format: string;
        keywardenVersion: string;
        generatedAt: string;
        auditChain: { verified: boolean; events: number; headHash: string; genesis: string; firstBreak: null };
        inventory: { backends: Array<{ name: string; endpoint: string | null }>; keys: Array<Record<string, unknown>> };
        events: Array<{
          id: number;
          at: string;
          osUser: string;
          action: string;
          backend: string | null;
          ref: string | null;
          outcome: string;
          detail: string | null;
          prevHash: string;
          hash: string;
        }>;
      };
      const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
      expect(pack).toMatchObject({ format: 'keywarden-evidence', keywardenVersion: manifest.version, auditChain: { verified: true, headHash: head, firstBreak: null } });
      expect(Date.parse(pack.generatedAt)).not.toBeNaN();
      expect(pack.inventory.backends.map((backend) => backend.name).sort()).toEqual(['cb', 'hand']);
      expect(pack.inventory.backends.find((backend) => backend.name === 'cb')!.endpoint).toBe(emulator.url.replace(/\/$/, ''));
      expect(pack.inventory.keys.length).toBeGreaterThanOrEqual(2);
      for (const key of pack.inventory.keys) {
        expect(Object.keys(key)).toContain('prefix');
        expect(Object.keys(key)).not.toContain('details');
      }
      expect(pack.events.map((event) => event.action)).toEqual(expect.arrayContaining(['backend.add', 'sync', 'key.add']));
      expect(pack.auditChain.events).toBe(pack.events.length);

      // An auditor recomputes the chain from the pack alone, from the genesis to the head.
      let prev = pack.auditChain.genesis;
      for (const event of pack.events) {
        expect(event.prevHash).toBe(prev);
        expect(chainHash(prev, event)).toBe(event.hash);
        prev = event.hash;
      }
      expect(prev).toBe(head);
    });
  });
});
