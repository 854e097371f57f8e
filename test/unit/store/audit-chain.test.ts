/**
 * The audit trail's hash chain on a real SQLite file, tampered with as someone with the file would: raw SQL through
 * a second connection, as the Keywarden process keeps its own open. Each edit, removal and reordering is detected,
 * and the FIRST one is named by id, time and what is wrong; an untouched trail verifies, with its head hash.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqlDatabase } from '../../../electron/core/store/sqlite.js';
import { InventoryStore } from '../../../electron/core/store/store.js';

let folder: string;
let store: InventoryStore;
let raw: SqlDatabase;

/** Ten events, one a minute, with their ids 1 to 10. */
const at = (i: number) => new Date(Date.UTC(2026, 10, 1, 9, i)).toISOString();

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'keywarden-audit-chain-'));
  store = InventoryStore.open(join(folder, 'keywarden.db'));
  for (let i = 1; i <= 10; i++) {
    store.audit.append({ at: at(i), osUser: 'ada', action: i % 2 ? 'reveal' : 'test', backend: 'hand', ref: `hand/k${i}`, outcome: 'ok', detail: `event ${i}` });
  }
  raw = openSqlite(store.path);
});

afterEach(() => {
  raw.close();
  store.close();
  rmSync(folder, { recursive: true, force: true });
});

const hashOf = (id: number) => raw.prepare<{ hash: string }>('SELECT hash FROM audit WHERE id = ?').get(id)!.hash;

describe('an untouched trail', () => {
  it('verifies from the genesis to the head, and names the head hash', () => {
    const status = store.audit.verify();
    expect(status).toEqual({ ok: true, events: 10, verified: 10, headHash: hashOf(10), genesis: store.meta.get('audit_chain_genesis'), firstBreak: null });
    expect(status.headHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps verifying as events are added; a head recorded earlier stays in the chain', () => {
    const recorded = store.audit.verify().headHash!;
    store.audit.append({ at: at(11), osUser: 'ada', action: 'sync', backend: 'hand', ref: null, outcome: 'failed', detail: 'network "quoted" \\ é' });
    expect(store.audit.verify()).toMatchObject({ ok: true, events: 11 });
    expect(store.audit.findByHash(recorded)).toEqual({ id: 10, at: at(10), after: 1 });
    expect(store.audit.findByHash('0'.repeat(64))).toBeNull();
  });
});

describe('tampering is detected and the first tampered event named', () => {
  it("an event's detail edited with raw SQL: content changed, at that event", () => {
    raw.prepare("UPDATE audit SET detail = 'nothing happened' WHERE id = 4").run();
    raw.prepare("UPDATE audit SET outcome = 'failed' WHERE id = 7").run();
    const status = store.audit.verify();
    expect(status.ok).toBe(false);
    expect(status.verified).toBe(3);
    expect(status.firstBreak).toMatchObject({ id: 4, at: at(4), kind: 'content-changed' });
    expect(status.firstBreak!.problem).toContain(`event 4 (${at(4)})`);
  });

  it("an edit that also recomputes the edited event's hash still breaks the next event's link, which names it", () => {
    const row = raw.prepare<{ prev_hash: string; at: string; os_user: string; action: string; backend: string; ref: string; outcome: string }>('SELECT * FROM audit WHERE id = 4').get()!;
    const forged = createHash('sha256')
      .update(`keywarden-audit-chain/1\n${JSON.stringify([row.prev_hash, row.at, row.os_user, row.action, row.backend, row.ref, row.outcome, 'forged'])}`, 'utf8')
      .digest('hex');
    raw.prepare("UPDATE audit SET detail = 'forged', hash = ? WHERE id = 4").run(forged);
    const status = store.audit.verify();
    expect(status.verified).toBe(4);
    expect(status.firstBreak).toMatchObject({ id: 5, kind: 'missing-before', problem: expect.stringContaining('or event 4 (') });
  });

  it('an event deleted: an event is missing before the next one, naming the missing id', () => {
    raw.prepare('DELETE FROM audit WHERE id = 6').run();
    const status = store.audit.verify();
    expect(status).toMatchObject({ ok: false, events: 9, verified: 5 });
    expect(status.firstBreak).toMatchObject({ id: 7, at: at(7), kind: 'missing-before' });
    expect(status.firstBreak!.problem).toMatch(/an event is missing before event 7 .*\(id 6\), after event 5/);
  });

  it('the first event deleted: missing at the start of the trail', () => {
    raw.prepare('DELETE FROM audit WHERE id IN (1, 2)').run();
    expect(store.audit.verify().firstBreak).toMatchObject({
      id: 3,
      kind: 'missing-before',
      problem: expect.stringMatching(/2 events are missing before event 3 .*ids 1 to 2.*start of the trail/),
    });
  });

  it('the newest events deleted: missing at the end, from the ids the trail had reached', () => {
    raw.prepare('DELETE FROM audit WHERE id >= 9').run();
    const status = store.audit.verify();
    expect(status).toMatchObject({ ok: false, events: 8, verified: 8 });
    expect(status.firstBreak).toMatchObject({ id: 9, at: null, kind: 'missing-at-end', problem: expect.stringMatching(/newest 2 events are missing \(ids 9 to 10\).*event 8/) });
  });

  it('only the newest event deleted: missing at the end, naming it', () => {
    raw.prepare('DELETE FROM audit WHERE id = 10').run();
    const status = store.audit.verify();
    expect(status).toMatchObject({ ok: false, events: 9, verified: 9 });
    expect(status.firstBreak).toMatchObject({ id: 10, at: null, kind: 'missing-at-end' });
  });

  it('two events swapped whole (their rows exchanged): out of order, at the earlier place', () => {
    raw.transaction(() => {
      raw.prepare('UPDATE audit SET id = -5 WHERE id = 5').run();
      raw.prepare('UPDATE audit SET id = 5 WHERE id = 6').run();
      raw.prepare('UPDATE audit SET id = 6 WHERE id = -5').run();
    });
    const status = store.audit.verify();
    expect(status.verified).toBe(4);
    expect(status.firstBreak).toMatchObject({ id: 5, at: at(6), kind: 'out-of-order', problem: expect.stringContaining('recorded after event 6') });
  });

  it("two events' content swapped (hashes left in place): out of order, naming the other place", () => {
    raw.exec(`
      UPDATE audit SET at = (SELECT at FROM audit WHERE id = 3), action = (SELECT action FROM audit WHERE id = 3), ref = (SELECT ref FROM audit WHERE id = 3),
                       detail = (SELECT detail FROM audit WHERE id = 3) WHERE id = 8;
      UPDATE audit SET at = '${at(8)}', action = 'test', ref = 'hand/k8', detail = 'event 8' WHERE id = 3;
    `);
    const status = store.audit.verify();
    expect(status.verified).toBe(2);
    expect(status.firstBreak).toMatchObject({ id: 3, at: at(8), kind: 'out-of-order', problem: expect.stringContaining('in the place of event 8') });
  });

  it('an event inserted by hand (no chain hash) is named as inserted', () => {
    raw.prepare("INSERT INTO audit (at, os_user, action, outcome) VALUES (?, 'mallory', 'reveal', 'ok')").run(at(30));
    expect(store.audit.verify().firstBreak).toMatchObject({ id: 11, kind: 'inserted' });
  });

  it('the genesis deleted: the first event cannot be checked', () => {
    raw.prepare("DELETE FROM meta WHERE name = 'audit_chain_genesis'").run();
    expect(store.audit.verify()).toMatchObject({ ok: false, genesis: null, verified: 0, firstBreak: { id: 1, kind: 'genesis-missing' } });
  });

  it('only the first break is named when there are several', () => {
    raw.prepare('DELETE FROM audit WHERE id = 9').run();
    raw.prepare("UPDATE audit SET detail = 'x' WHERE id = 2").run();
    expect(store.audit.verify().firstBreak).toMatchObject({ id: 2, kind: 'content-changed' });
  });
});

describe('writers', () => {
  it('an event audited inside a larger transaction joins the chain with it, or not at all', () => {
    expect(() =>
      store.transaction(() => {
        store.audit.append({ at: at(20), osUser: 'ada', action: 'sync', backend: 'hand', ref: null, outcome: 'ok', detail: null });
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    store.transaction(() => store.audit.append({ at: at(21), osUser: 'ada', action: 'sync', backend: 'hand', ref: null, outcome: 'ok', detail: null }));
    // The rolled-back id is not a gap: the counter rolled back with it.
    expect(store.audit.verify()).toMatchObject({ ok: true, events: 11 });
    expect(raw.prepare<{ id: number }>('SELECT MAX(id) AS id FROM audit').get()!.id).toBe(11);
  });

  it('two connections writing in turn make one chain', () => {
    const second = InventoryStore.open(store.path);
    try {
      for (let i = 0; i < 20; i++) (i % 2 ? store : second).audit.append({ at: at(40 + i), osUser: 'ada', action: 'test', backend: 'hand', ref: null, outcome: 'ok', detail: `${i}` });
      expect(second.audit.verify()).toMatchObject({ ok: true, events: 30 });
    } finally {
      second.close();
    }
  });
});
