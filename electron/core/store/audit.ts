/**
 * The audit trail: appending an event to its hash chain and reading it back (the list, the chain's verdict, the
 * evidence pack's copy). The chain's rules (hashes, genesis, the walk that names the first break) are
 * `audit-chain.ts`. Reached as `InventoryStore.audit`; an append joins the caller's transaction, so an action's rows
 * and its event commit together.
 */
import type { AuditChainStatus } from '../../../shared/audit.js';
import type { AuditEvent, AuditOutcome } from '../../../shared/domain.js';
import { KeywardenError } from '../errors.js';
import { AUDIT_GENESIS_AT_META, appendChainedAudit, type ChainedAuditEvent, findChainedEvent, hasAuditChain, listChainedAudit, verifyAuditChain } from './audit-chain.js';
import type { StoreConnection } from './connection.js';
import type { MetaRecords } from './meta.js';

export interface AuditEntry {
  at: string;
  osUser: string;
  action: string;
  backend: string | null;
  ref: string | null;
  outcome: AuditOutcome;
  detail: string | null;
}

export class AuditLog {
  constructor(
    private readonly conn: StoreConnection,
    private readonly meta: MetaRecords,
  ) {}

  /** Appends an event to the hash chain: the head is read and the event written in one write transaction. */
  append(entry: AuditEntry): void {
    this.conn.transaction(() => appendChainedAudit(this.conn.db, entry));
  }

  /** Walks the audit trail's hash chain in one read snapshot and names the first break (audit-chain.ts). */
  verify(): AuditChainStatus {
    return this.conn.readTransaction(() => {
      this.requireChain();
      return verifyAuditChain(this.conn.db);
    });
  }

  /** The chain's verdict and every event with its hashes, from one snapshot: what the evidence pack holds. */
  evidence(): { status: AuditChainStatus; events: ChainedAuditEvent[]; genesisAt: string | null } {
    return this.conn.readTransaction(() => {
      this.requireChain();
      return { status: verifyAuditChain(this.conn.db), events: listChainedAudit(this.conn.db), genesisAt: this.meta.get(AUDIT_GENESIS_AT_META) };
    });
  }

  /** The event that carries `hash` (a head hash recorded earlier) and how many came after it, or null. */
  findByHash(hash: string): { id: number; at: string; after: number } | null {
    return this.conn.readTransaction(() => {
      this.requireChain();
      return findChainedEvent(this.conn.db, hash);
    });
  }

  /** The newest `limit` events that match every given filter, oldest first. */
  list(limit: number, filter: { backend?: string | undefined; ref?: string | undefined; action?: string | undefined } = {}): AuditEvent[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    for (const [column, value] of [
      ['backend', filter.backend],
      ['ref', filter.ref],
      ['action', filter.action],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    return this.conn.guard(() =>
      this.conn.db
        .prepare<{ id: number; at: string; os_user: string; action: string; backend: string | null; ref: string | null; outcome: AuditOutcome; detail: string | null }>(
          `SELECT id, at, os_user, action, backend, ref, outcome, detail FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
        )
        .all(...params, limit)
        .reverse()
        .map((row) => ({ id: row.id, at: row.at, osUser: row.os_user, action: row.action, backend: row.backend, ref: row.ref, outcome: row.outcome, detail: row.detail })),
    );
  }

  private requireChain(): void {
    if (!hasAuditChain(this.conn.db)) {
      throw new KeywardenError(
        'store_read_only',
        `the audit trail in ${this.conn.path} is not chained yet: it was written by an older Keywarden; run a command that writes (e.g. "keywarden sync") once to chain it, then verify`,
        { path: this.conn.path },
      );
    }
  }
}
