/**
 * The team's audit trail on the server (`<team>.audit`): listed newest first, and its hash chain walked by the same
 * rules as the local trail's (`store/audit-chain.ts`: the same hash of the same fields, the member's role name in
 * place of the OS user, from the team's random genesis in `meta`), so an event altered, removed or reordered on the
 * server is named by `keywarden team audit --verify` and the console's Verify.
 *
 * Two things differ from SQLite, and the walk says so instead of guessing:
 * - ids come from a PostgreSQL sequence, which skips numbers when a transaction rolls back, so a gap in the ids is no
 *   evidence; a removal shows as a broken link instead;
 * - the newest events removed leave no broken link; they are found from the change counter: every write to the team
 *   takes the next change number and records its event in the same transaction (workflow.ts), so the newest event must
 *   carry the counter's value, and the first event change 1 (`team init`).
 *
 * What the chain cannot prove: the database's owner can recompute every hash from an edit onwards and set the counter
 * back. A head hash recorded outside the server turns the chain into evidence, as for the local trail: `team audit
 * --verify --head HASH` (`findRecordedHead`) then finds it in the chain, or says that the trail up to it was rewritten or
 * rolled back.
 */
import type { AuditChainBreak, AuditChainStatus } from '../../../shared/audit.js';
import type { TeamAuditEvent } from '../../../shared/team.js';
import { AUDIT_CHAIN_VERSION, auditEventHash } from '../store/audit-chain.js';
import { quoteIdent, type TeamQuery } from './pg.js';

/** An event with the hashes that chain it, as read from the server. */
export interface ChainedTeamEvent extends TeamAuditEvent {
  prevHash: string;
  hash: string;
}

/** A row of a team's audit table as PostgreSQL returns it (its bigints as text). */
export interface TeamAuditRow {
  id: string;
  seq: string;
  at: string;
  member: string;
  action: string;
  backend: string | null;
  ref: string | null;
  outcome: TeamAuditEvent['outcome'];
  detail: string | null;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'id, seq, at, member, action, backend, ref, outcome, detail, prev_hash, hash';

function fromRow(row: TeamAuditRow): ChainedTeamEvent {
  return {
    id: Number(row.id),
    seq: Number(row.seq),
    at: row.at,
    member: row.member,
    action: row.action,
    backend: row.backend,
    ref: row.ref,
    outcome: row.outcome,
    detail: row.detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The newest `limit` events, newest first (readable by every approved member: row-level security shows all). */
export async function listTeamAudit(db: TeamQuery, team: string, limit: number): Promise<ChainedTeamEvent[]> {
  const rows = await db.query<TeamAuditRow>(`SELECT ${COLUMNS} FROM ${quoteIdent(team)}.audit ORDER BY id DESC LIMIT $1`, [limit]);
  return rows.map(fromRow);
}

/** Reads what the walk needs, in the caller's snapshot (a REPEATABLE READ transaction): the genesis, the counter, every event. */
export async function readTeamChain(db: TeamQuery, team: string): Promise<{ genesis: string | null; counter: number; events: ChainedTeamEvent[] }> {
  const s = quoteIdent(team);
  const genesis = (await db.query<{ value: string }>(`SELECT value FROM ${s}.meta WHERE name = 'audit_genesis'`))[0]?.value ?? null;
  const counter = Number((await db.query<{ seq: string }>(`SELECT seq FROM ${s}.counter`))[0]?.seq ?? 0);
  const events = (await db.query<TeamAuditRow>(`SELECT ${COLUMNS} FROM ${s}.audit ORDER BY id`)).map(fromRow);
  return { genesis, counter, events };
}

function hashOf(event: ChainedTeamEvent, prevHash: string): string {
  return auditEventHash(AUDIT_CHAIN_VERSION, prevHash, {
    at: event.at,
    osUser: event.member,
    action: event.action,
    backend: event.backend,
    ref: event.ref,
    outcome: event.outcome,
    detail: event.detail,
  })!;
}

/** An event in words, as an administrator finds it in `team audit`: its id, time, action and who. */
function describe(event: ChainedTeamEvent): string {
  return `event ${event.id} (${event.action} by ${event.member}, ${event.at})`;
}

/** Walks the chain oldest first and names the first break, in the terms of the local trail's `AuditChainStatus`. */
export function verifyTeamChain(genesis: string | null, counter: number, events: readonly ChainedTeamEvent[]): AuditChainStatus {
  const head = events.at(-1);
  const status = (firstBreak: AuditChainBreak | null, verified: number): AuditChainStatus => ({
    ok: firstBreak === null,
    events: events.length,
    verified,
    headHash: head ? head.hash : genesis,
    genesis,
    firstBreak,
  });
  const named = (event: ChainedTeamEvent, kind: AuditChainBreak['kind'], problem: string): AuditChainBreak => ({ id: event.id, at: event.at, kind, problem });

  let expected = genesis;
  let before: ChainedTeamEvent | null = null;
  for (const [index, event] of events.entries()) {
    const contentOk = hashOf(event, event.prevHash) === event.hash;
    const linkOk = expected !== null && event.prevHash === expected;
    // The team's first write is `team init`, change 1: a first event of a later change follows removed ones, even
    // when the genesis was replaced so that it links.
    const removedAtStart = before === null && event.seq > 1;
    if (contentOk && linkOk && !removedAtStart) {
      before = event;
      expected = event.hash;
      continue;
    }
    return status(judgeBreak(events, index, before, genesis, { contentOk, linkOk }, named), index);
  }
  if (genesis === null)
    return status({ id: 0, at: null, kind: 'genesis-missing', problem: "the genesis the team's chain starts from is missing from the server's meta table: it was deleted" }, events.length);
  const last = before?.seq ?? 0;
  if (counter > last) {
    return status(
      {
        id: (before?.id ?? 0) + 1,
        at: null,
        kind: 'missing-at-end',
        problem: `the newest events are missing: the team's change counter is at ${counter}, but ${before ? `the last event left, ${describe(before)}, records change ${last}` : 'no event is left'}; the events of ${counter - last === 1 ? `change ${counter}` : `changes ${last + 1} to ${counter}`} were removed`,
      },
      events.length,
    );
  }
  return status(null, events.length);
}

function judgeBreak(
  events: readonly ChainedTeamEvent[],
  index: number,
  before: ChainedTeamEvent | null,
  genesis: string | null,
  { contentOk, linkOk }: { contentOk: boolean; linkOk: boolean },
  named: (event: ChainedTeamEvent, kind: AuditChainBreak['kind'], problem: string) => AuditChainBreak,
): AuditChainBreak {
  const event = events[index]!;
  if (!linkOk && genesis === null && before === null) {
    return named(event, 'genesis-missing', `the genesis the team's chain starts from is missing from the server, so ${describe(event)}, the first event, cannot be checked: it was deleted`);
  }
  if (linkOk && contentOk) {
    return named(event, 'missing-before', `events are missing before ${describe(event)}, at the start of the trail (it records change ${event.seq}; the first is change 1): removed`);
  }
  if (!linkOk) {
    // Where does this event say it belongs? After the event whose hash it carries.
    const target = events.find((other) => other.hash === event.prevHash && other.id !== event.id);
    if (target && target.id > event.id) return named(event, 'out-of-order', `${describe(event)} is out of order: it was recorded after ${describe(target)}, which now comes after it`);
    if (target && before && target.id < before.id) {
      const first = events.find((other) => other.id > target.id)!;
      return named(first, 'inserted', `${describe(first)} is not part of the chain: it was inserted after ${describe(target)}, before ${describe(event)}`);
    }
    if (event.prevHash === genesis && before)
      return named(event, 'out-of-order', `${describe(event)} is out of order: it was the first event of the trail, yet ${describe(before)} comes before it`);
    if (contentOk) {
      return named(
        event,
        'missing-before',
        before
          ? `${describe(event)} is not chained to ${describe(before)}, the event before it: an event between them was removed, or ${describe(before)} was rewritten whole (hash included)`
          : `${describe(event)} is not chained to the genesis: the events before it were removed, or the genesis was changed`,
      );
    }
    return named(event, 'content-changed', `${describe(event)} was changed: its fields no longer match its hash, and it is not chained to the event before it`);
  }
  // Linked where it stands, yet its fields do not match its hash: edited, or another event's content moved here.
  for (const other of events) {
    if (other.id !== event.id && hashOf(event, other.prevHash) === other.hash) {
      return named(event, 'out-of-order', `${describe(event)} is out of order: its content is the event recorded in the place of event ${other.id} (the events were reordered)`);
    }
  }
  return named(event, 'content-changed', `${describe(event)} was changed after it was recorded: its fields no longer match the hash written with it`);
}

/**
 * Where a head hash recorded earlier (`team audit --verify` printed it) stands in the team's chain, as `audit verify
 * --head` says it for the local trail. Found in a chain that verifies, nothing up to it changed: every event up to it
 * still hashes to it. Not found, the trail up to it was rewritten (its hashes recomputed) or rolled back past it (the
 * newest events removed and the counter set back, or an older copy of the database restored).
 */
export interface RecordedTeamHead {
  hash: string;
  /** Whether the chain's genesis or one of its events carries it. */
  found: boolean;
  /** The event that carries it; null for the genesis (recorded before the first event) or when not found. */
  id: number | null;
  at: string | null;
  /** The change that event recorded. */
  seq: number | null;
  /** Events recorded after it. */
  eventsAfter: number | null;
}

export function findRecordedHead(genesis: string | null, events: readonly ChainedTeamEvent[], hash: string): RecordedTeamHead {
  const wanted = hash.trim().toLowerCase();
  if (genesis !== null && wanted === genesis) return { hash: wanted, found: true, id: null, at: null, seq: null, eventsAfter: events.length };
  const index = events.findIndex((event) => event.hash === wanted);
  if (index < 0) return { hash: wanted, found: false, id: null, at: null, seq: null, eventsAfter: null };
  const event = events[index]!;
  return { hash: wanted, found: true, id: event.id, at: event.at, seq: event.seq, eventsAfter: events.length - index - 1 };
}
