/**
 * The audit trail's hash chain: each event carries the hash of the event before it, so editing, removing or
 * reordering an event after the fact shows when the chain is walked again.
 *
 * - The hash (version 1) is the lower-case hex SHA-256 of the UTF-8 text
 *   `keywarden-audit-chain/1\n` + JSON.stringify([prevHash, at, osUser, action, backend, ref, outcome, detail]):
 *   a fixed prefix naming the version, then the fields in a fixed order as a JSON array (strings and nulls only,
 *   so any JSON library writes the same text). `prevHash` is the previous event's hash, or the genesis for the
 *   first event. Anyone can recompute it from an evidence pack (docs/security.md shows how).
 * - The id is not hashed: it is where the event sits in the file. The chain proves the order; a removed event is
 *   named from the gap it leaves in the ids (AUTOINCREMENT never reuses one).
 * - The genesis is 32 random bytes (hex), recorded in the meta table when the chain begins (migration 006). A
 *   random value rather than the hash of a fixed record: it names this one trail, so a head hash recorded for one
 *   data folder can never be matched by the trail of another (the demo's, a fresh folder, a trail rebuilt from
 *   scratch), and the evidence pack can cite which trail it is. It is no secret, and needs to be none.
 * - An event is appended inside a write transaction (BEGIN IMMEDIATE): reading the head and writing the new event
 *   are one step across processes, so two processes auditing at once still make one chain.
 *
 * What the chain cannot prove: whoever can write the file can recompute every hash from the edit onwards. The
 * head hash recorded outside Keywarden is what turns the chain into evidence (`audit verify --head`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AuditChainBreak, AuditChainStatus } from '../../../shared/audit.js';
import type { AuditOutcome } from '../../../shared/domain.js';
import type { SqlDatabase } from './sqlite.js';

/** The serialization every new event is hashed with. */
export const AUDIT_CHAIN_VERSION = 1;
/** Where the genesis is recorded (meta table), and when it was. */
export const AUDIT_GENESIS_META = 'audit_chain_genesis';
export const AUDIT_GENESIS_AT_META = 'audit_chain_genesis_at';

/** The fields an event's hash covers. */
export interface ChainedFields {
  at: string;
  osUser: string;
  action: string;
  backend: string | null;
  ref: string | null;
  outcome: string;
  detail: string | null;
}

/** An event as the chain stores it. */
export interface ChainedAuditEvent extends ChainedFields {
  id: number;
  outcome: AuditOutcome;
  prevHash: string | null;
  hash: string | null;
}

/** The hash of an event chained after `prevHash`, or null for a serialization version this Keywarden does not know. */
export function auditEventHash(version: number | null, prevHash: string, event: ChainedFields): string | null {
  if (version !== 1) return null;
  const text = `keywarden-audit-chain/1\n${JSON.stringify([prevHash, event.at, event.osUser, event.action, event.backend, event.ref, event.outcome, event.detail])}`;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

interface RawChainRow {
  id: number;
  at: string;
  os_user: string;
  action: string;
  backend: string | null;
  ref: string | null;
  outcome: AuditOutcome;
  detail: string | null;
  chain_version: number | null;
  prev_hash: string | null;
  hash: string | null;
}

const CHAIN_COLUMNS = 'id, at, os_user, action, backend, ref, outcome, detail, chain_version, prev_hash, hash';

function fieldsOf(row: RawChainRow): ChainedFields {
  return { at: row.at, osUser: row.os_user, action: row.action, backend: row.backend, ref: row.ref, outcome: row.outcome, detail: row.detail };
}

function hashOf(row: RawChainRow, prevHash: string | null): string | null {
  return prevHash === null ? null : auditEventHash(row.chain_version, prevHash, fieldsOf(row));
}

export function readGenesis(db: SqlDatabase): string | null {
  return db.prepare<{ value: string }>('SELECT value FROM meta WHERE name = ?').get(AUDIT_GENESIS_META)?.value ?? null;
}

/** Records a new random genesis (inside the caller's write transaction) and returns it. */
function recordGenesis(db: SqlDatabase): string {
  const genesis = randomBytes(32).toString('hex');
  const upsert = db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
  upsert.run(AUDIT_GENESIS_META, genesis);
  upsert.run(AUDIT_GENESIS_AT_META, new Date().toISOString());
  return genesis;
}

/**
 * Migration 006: records the genesis and chains the events already in the trail, in id order, from it. Runs in
 * the migration's transaction; reads in batches so a long trail is never held whole.
 */
export function startAuditChain(db: SqlDatabase): void {
  let prev = recordGenesis(db);
  const batch = db.prepare<RawChainRow>(`SELECT ${CHAIN_COLUMNS} FROM audit WHERE id > ? ORDER BY id LIMIT 1000`);
  const update = db.prepare('UPDATE audit SET chain_version = ?, prev_hash = ?, hash = ? WHERE id = ?');
  for (let after = 0; ;) {
    const rows = batch.all(after);
    if (rows.length === 0) return;
    for (const row of rows) {
      const hash = auditEventHash(AUDIT_CHAIN_VERSION, prev, fieldsOf(row))!;
      update.run(AUDIT_CHAIN_VERSION, prev, hash, row.id);
      prev = hash;
      after = row.id;
    }
  }
}

/**
 * Appends one event to the chain. The caller holds the write transaction: the head read here is still the head
 * when the event is written, whatever other process is auditing at the same moment.
 */
export function appendChainedAudit(db: SqlDatabase, event: ChainedFields): void {
  const head = db.prepare<{ hash: string | null }>('SELECT hash FROM audit ORDER BY id DESC LIMIT 1').get();
  // A head without a hash, or a genesis gone from a trail with no event, can only come from an edit of the file:
  // the action is still recorded (chained to what is there), and `audit verify` names the damage.
  const prev = head ? (head.hash ?? '') : (readGenesis(db) ?? recordGenesis(db));
  const hash = auditEventHash(AUDIT_CHAIN_VERSION, prev, event)!;
  db.prepare('INSERT INTO audit (at, os_user, action, backend, ref, outcome, detail, chain_version, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
    event.at,
    event.osUser,
    event.action,
    event.backend,
    event.ref,
    event.outcome,
    event.detail,
    AUDIT_CHAIN_VERSION,
    prev,
    hash,
  );
}

/** Whether the audit table has the chain's columns (a read-only copy of a file older than migration 006 has not). */
export function hasAuditChain(db: SqlDatabase): boolean {
  return db.prepare<{ n: number }>("SELECT COUNT(*) AS n FROM pragma_table_info('audit') WHERE name = 'hash'").get()!.n > 0;
}

/**
 * Walks the whole chain, oldest first, and names the first break. Call it inside a read transaction, so the walk,
 * the count and the head are one snapshot while other processes keep writing.
 */
export function verifyAuditChain(db: SqlDatabase): AuditChainStatus {
  const genesis = readGenesis(db);
  const events = db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM audit').get()!.n;
  const head = db.prepare<{ hash: string | null }>('SELECT hash FROM audit ORDER BY id DESC LIMIT 1').get();
  const headHash = head ? head.hash : genesis;

  let expected = genesis;
  let before: RawChainRow | null = null;
  let verified = 0;
  let broken: { row: RawChainRow; contentOk: boolean; linkOk: boolean } | null = null;
  // No other statement may run on the connection while this one iterates: the break is judged after the loop.
  for (const row of db.prepare<RawChainRow>(`SELECT ${CHAIN_COLUMNS} FROM audit ORDER BY id`).iterate()) {
    const contentOk = row.hash !== null && hashOf(row, row.prev_hash) === row.hash;
    const linkOk = expected !== null && row.prev_hash === expected;
    // Ids start at 1 and are never reused: a first event with a higher id follows removed ones, even when the
    // genesis was replaced too so that it links.
    const removedAtStart = before === null && row.id > 1;
    if (!contentOk || !linkOk || removedAtStart) {
      broken = { row, contentOk, linkOk };
      break;
    }
    verified += 1;
    before = row;
    expected = row.hash;
  }

  const status = (firstBreak: AuditChainBreak | null): AuditChainStatus => ({ ok: firstBreak === null, events, verified, headHash, genesis, firstBreak });
  if (broken) return status(judgeBreak(db, broken.row, before, genesis, broken));
  // Every event left chains; were the newest ones removed? AUTOINCREMENT keeps the highest id ever written.
  const counter = db.prepare<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").get()?.seq ?? 0;
  const last = before?.id ?? 0;
  if (counter > last) {
    const missing = counter - last;
    return status({
      id: last + 1,
      at: null,
      kind: 'missing-at-end',
      problem: `${missing === 1 ? 'the newest event is' : `the newest ${missing} events are`} missing (${idRange(last + 1, counter)}): the trail had reached id ${counter}${before ? `, and its last event left is ${describe(before)}` : ', and no event is left'}`,
    });
  }
  if (genesis === null) return status({ id: 0, at: null, kind: 'genesis-missing', problem: 'the genesis the chain starts from is missing from the database: it was deleted' });
  return status(null);
}

/** An event's place in the trail, in words: id and time, which is how the administrator finds it. */
function describe(row: { id: number; at: string | null }): string {
  return `event ${row.id}${row.at !== null ? ` (${row.at})` : ''}`;
}

function idRange(first: number, last: number): string {
  return first === last ? `id ${first}` : `ids ${first} to ${last}`;
}

/** Why the chain breaks at `row` (the first event that does not verify), in the terms of AuditChainBreak. */
function judgeBreak(db: SqlDatabase, row: RawChainRow, before: RawChainRow | null, genesis: string | null, { contentOk, linkOk }: { contentOk: boolean; linkOk: boolean }): AuditChainBreak {
  const named = (kind: AuditChainBreak['kind'], problem: string, which: { id: number; at: string | null } = row): AuditChainBreak => ({ id: which.id, at: which.at, kind, problem });
  if (row.hash === null || row.prev_hash === null) return named('inserted', `${describe(row)} has no chain hash: it was written outside Keywarden`);
  if (row.chain_version !== AUDIT_CHAIN_VERSION)
    return named('content-changed', `${describe(row)} names a chain version this Keywarden does not know (${String(row.chain_version)}): it was edited`);
  if (!linkOk && genesis === null && before === null) {
    return named('genesis-missing', `the genesis the chain starts from is missing from the database, so ${describe(row)}, the first event, cannot be checked: it was deleted`);
  }

  if (linkOk && contentOk) {
    // Only the first event gets here: chained to the genesis, but with ids before it gone.
    return named('missing-before', `${row.id === 2 ? 'an event is' : `${row.id - 1} events are`} missing before ${describe(row)} (${idRange(1, row.id - 1)}), at the start of the trail: removed`);
  }

  if (!linkOk) {
    // Where does this event say it belongs? After the event whose hash it carries.
    const target = db.prepare<{ id: number; at: string }>('SELECT id, at FROM audit WHERE hash = ? AND id <> ? ORDER BY id LIMIT 1').get(row.prev_hash, row.id);
    if (target && target.id > row.id) {
      return named('out-of-order', `${describe(row)} is out of order: it was recorded after ${describe(target)}, which now comes after it`);
    }
    if (target && before && target.id < before.id) {
      const first = db.prepare<{ id: number; at: string }>('SELECT id, at FROM audit WHERE id > ? ORDER BY id LIMIT 1').get(target.id)!;
      return named(
        'inserted',
        `${describe(first)} is not part of the chain: it was inserted after ${describe(target)}, before ${describe(row)}${first.id === before.id ? '' : ` (with the events up to ${describe(before)})`}`,
        first,
      );
    }
    if (row.prev_hash === genesis && before) {
      return named('out-of-order', `${describe(row)} is out of order: it was the first event of the trail, yet ${describe(before)} comes before it`);
    }
    if (contentOk) {
      const gapFrom = (before?.id ?? 0) + 1;
      const after = before ? `, after ${describe(before)}` : ', at the start of the trail';
      if (row.id > gapFrom) {
        const missing = row.id - gapFrom;
        return named(
          'missing-before',
          `${missing === 1 ? 'an event is' : `${missing} events are`} missing before ${describe(row)} (${idRange(gapFrom, row.id - 1)})${after}: removed from the trail`,
        );
      }
      return named(
        'missing-before',
        before
          ? `${describe(row)} is not chained to ${describe(before)}, the event before it: an event between them was removed, or ${describe(before)} was rewritten whole (hash included)`
          : `${describe(row)} is not chained to the genesis: the events before it were removed, or the genesis was changed`,
      );
    }
    return named('content-changed', `${describe(row)} was changed: its fields no longer match its hash, and it is not chained to the event before it`);
  }

  // Linked where it stands, yet its fields do not match its hash: edited, or the content of another event moved here.
  for (const other of db.prepare<RawChainRow>(`SELECT ${CHAIN_COLUMNS} FROM audit WHERE id <> ? ORDER BY id`).iterate(row.id)) {
    if (other.hash !== null && hashOf(row, other.prev_hash) === other.hash) {
      return named('out-of-order', `${describe(row)} is out of order: its content is the event recorded in the place of event ${other.id} (the events were reordered)`);
    }
  }
  return named('content-changed', `${describe(row)} was changed after it was recorded: its fields no longer match the hash written with it`);
}

/**
 * Every event with its chain hashes, oldest first (for the evidence pack, which lets an auditor recompute the
 * chain on their own).
 */
export function listChainedAudit(db: SqlDatabase): ChainedAuditEvent[] {
  return db
    .prepare<RawChainRow>(`SELECT ${CHAIN_COLUMNS} FROM audit ORDER BY id`)
    .all()
    .map((row) => ({ id: row.id, ...fieldsOf(row), outcome: row.outcome, prevHash: row.prev_hash, hash: row.hash }));
}

/** The event that carries `hash`, if any (a head hash recorded earlier), and how many events came after it. */
export function findChainedEvent(db: SqlDatabase, hash: string): { id: number; at: string; after: number } | null {
  const found = db.prepare<{ id: number; at: string }>('SELECT id, at FROM audit WHERE hash = ? ORDER BY id LIMIT 1').get(hash);
  if (!found) return null;
  const after = db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM audit WHERE id > ?').get(found.id)!.n;
  return { ...found, after };
}
