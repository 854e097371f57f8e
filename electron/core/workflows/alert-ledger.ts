/**
 * Where alerts are claimed and recorded: the one seam between the delivery rules (`alerts.ts`: what is due, the claim
 * decided again inside its transaction, retries and their backoff, superseded alerts) and the rows they read and
 * write. A personal data folder's ledger is its own SQLite tables (`store/alerts.ts`); a team home's is the team's
 * PostgreSQL (`team/alerts.ts`), so every member's host claims each alert in one place and the team sends it once
 * (docs/team.md, "Alerts and snoozes in a team home"). The rules never ask which one they have.
 */
import type { AlertChannelRow, DeliveryKey, DeliveryRow, DeliveryState, InventoryStore } from '../store/store.js';
import type { EngineContext, WriteEvent } from './context.js';

/** A channel's state that the delivery rules read: failures in a row, the backoff, the last error. */
export interface ChannelState {
  failures: number;
  nextAttemptAt: string | null;
  lastError: string | null;
}

/** What a claim writes, as the rules decided it from the rows read in the claim's transaction. */
export type ClaimPlan = { write: 'new'; supersede: readonly DeliveryKey[] } | { write: 'reclaim'; from: { state: DeliveryState; claimedBy: string | null }; attempts: number };

export interface Claim {
  owner: string;
  until: string;
  at: string;
}

/** One channel's attempt, as `recordAttempt` keeps it: an acceptance clears the failures, a failure counts one more. */
export type ChannelAttempt = { at: string; ok: true } | { at: string; ok: false; error: string; nextAttemptAt: string | null };

export interface AlertLedger {
  /** Why this host sends none of these alerts (a viewer in a team home, a member not approved), or null. */
  refusal(): Promise<string | null>;
  /** The channel's state now (another process may have failed meanwhile); null when the channel is gone (removed from the team). */
  state(row: AlertChannelRow): Promise<ChannelState | null>;
  /** Every row of one key's due date for a channel, at any stage. */
  deliveriesOf(row: AlertChannelRow, ref: string, kind: string, dueAt: string): Promise<DeliveryRow[]>;
  /**
   * In one transaction: reads the alert's rows, asks `plan` what to write (null: not this process's to send), and
   * writes it only from the state it was read in. Returns the attempts so far, or null when the claim was not won.
   */
  claim(row: AlertChannelRow, key: DeliveryKey, plan: (rows: readonly DeliveryRow[]) => ClaimPlan | null, claim: Claim): Promise<{ attempts: number } | null>;
  /** The channel accepted it: sent, for good, and the channel's failures cleared (one transaction). */
  sent(row: AlertChannelRow, key: DeliveryKey, owner: string, at: string): Promise<void>;
  /** It did not: released for a retry at `nextAttemptAt`, and the channel's failure counted (one transaction). */
  failed(row: AlertChannelRow, key: DeliveryKey, owner: string, failure: { at: string; error: string; nextAttemptAt: string }): Promise<void>;
  /** Alerts waiting for a retry that `stillDue` no longer wants: superseded, never sent. */
  dropStale(row: AlertChannelRow, stillDue: (open: DeliveryRow) => boolean): Promise<void>;
  /** A test message's outcome: the channel's attempt, and (accepted) what waits for a retry may go at the next run. */
  tested(row: AlertChannelRow, attempt: ChannelAttempt): Promise<void>;
  /** How many alerts a channel sent, how many wait for a retry, and when the first of those may go (the local copy: offline). */
  counts(row: AlertChannelRow): { sent: number; pending: number; nextAttemptAt: string | null };
  /** An event of the alert workflows (a run's sends to one channel, a test): a team home's goes to the team's trail too. Never throws. */
  audit(event: WriteEvent): Promise<void>;
  /** After a run: whatever the ledger holds open (a team home's connection; its local copy follows the team). */
  close(): Promise<void>;
}

/** A personal data folder's ledger: its own `alert_channels` and `alert_deliveries` (migration 010). */
export class LocalAlertLedger implements AlertLedger {
  private readonly store: InventoryStore;

  constructor(private readonly ctx: EngineContext) {
    this.store = ctx.store;
  }

  refusal(): Promise<string | null> {
    return Promise.resolve(null);
  }

  state(row: AlertChannelRow): Promise<ChannelState | null> {
    const now = this.store.alerts.findChannel(row.name);
    return Promise.resolve(now ? { failures: now.failures, nextAttemptAt: now.nextAttemptAt, lastError: now.lastError } : null);
  }

  deliveriesOf(row: AlertChannelRow, ref: string, kind: string, dueAt: string): Promise<DeliveryRow[]> {
    return Promise.resolve(this.store.alerts.deliveriesOf(row.id, ref, kind, dueAt));
  }

  claim(row: AlertChannelRow, key: DeliveryKey, plan: (rows: readonly DeliveryRow[]) => ClaimPlan | null, claim: Claim): Promise<{ attempts: number } | null> {
    const alerts = this.store.alerts;
    return Promise.resolve(
      this.store.transaction(() => {
        const decided = plan(alerts.deliveriesOf(row.id, key.ref, key.kind, key.dueAt));
        if (!decided) return null;
        if (decided.write === 'new') {
          for (const earlier of decided.supersede) alerts.supersede(earlier);
          return alerts.claimNew(key, claim) ? { attempts: 0 } : null;
        }
        return alerts.reclaim(key, decided.from, { owner: claim.owner, until: claim.until }) ? { attempts: decided.attempts } : null;
      }),
    );
  }

  sent(row: AlertChannelRow, key: DeliveryKey, owner: string, at: string): Promise<void> {
    this.store.transaction(() => {
      this.store.alerts.markSent(key, owner, at);
      this.store.alerts.recordAttempt(row.id, { at, ok: true });
    });
    return Promise.resolve();
  }

  failed(row: AlertChannelRow, key: DeliveryKey, owner: string, failure: { at: string; error: string; nextAttemptAt: string }): Promise<void> {
    this.store.transaction(() => {
      this.store.alerts.markFailed(key, owner, { error: failure.error, nextAttemptAt: failure.nextAttemptAt });
      this.store.alerts.recordAttempt(row.id, { at: failure.at, ok: false, error: failure.error, nextAttemptAt: failure.nextAttemptAt });
    });
    return Promise.resolve();
  }

  dropStale(row: AlertChannelRow, stillDue: (open: DeliveryRow) => boolean): Promise<void> {
    const stale = this.store.alerts.openDeliveries(row.id).filter((open) => open.state === 'failed' && !stillDue(open));
    if (stale.length > 0) {
      this.store.transaction(() => {
        for (const open of stale) this.store.alerts.supersede(open);
      });
    }
    return Promise.resolve();
  }

  tested(row: AlertChannelRow, attempt: ChannelAttempt): Promise<void> {
    this.store.transaction(() => {
      this.store.alerts.recordAttempt(row.id, attempt);
      // It works again: what waits for a retry may go at the next run.
      if (attempt.ok) this.store.alerts.retryNow(row.id, attempt.at);
    });
    return Promise.resolve();
  }

  counts(row: AlertChannelRow): { sent: number; pending: number; nextAttemptAt: string | null } {
    return this.store.alerts.counts(row.id);
  }

  audit(event: WriteEvent): Promise<void> {
    this.ctx.tryAudit(event.action, null, event.ref, event.outcome, event.detail);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// ---- a team home's copy (written by its pull, team/alerts.ts; read offline by `alerts list`) ---------------------

/**
 * A field of a pulled channel's settings saying that the team holds a secret for it, also where this copy holds none
 * (a viewer's): the channel is shown as signed, and an operator's host never sends a signed channel unsigned.
 */
export const TEAM_SECRET_FLAG = 'teamSecret';

/** The `meta` record (no migration) where each pull leaves what the team sent and what waits, per channel. */
const TEAM_COUNTS_RECORD = 'team.alertCounts';

export type ChannelCounts = { sent: number; pending: number; nextAttemptAt: string | null };

/** What the team had sent to a channel, and what waited, at this copy's last pull. */
export function teamAlertCounts(store: InventoryStore, channel: string): ChannelCounts {
  const text = store.meta.get(TEAM_COUNTS_RECORD);
  const all = text ? (JSON.parse(text) as Record<string, ChannelCounts>) : {};
  return all[channel] ?? { sent: 0, pending: 0, nextAttemptAt: null };
}

/** Records the team's counts (in the pull's transaction); none: the record goes. */
export function setTeamAlertCounts(store: InventoryStore, counts: Record<string, ChannelCounts>): void {
  if (Object.keys(counts).length === 0) store.meta.delete(TEAM_COUNTS_RECORD);
  else store.meta.set(TEAM_COUNTS_RECORD, JSON.stringify(counts));
}
