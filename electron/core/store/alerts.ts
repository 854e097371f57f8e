/**
 * Alert channels and their deliveries (migration 010): the `alert_channels` table (each channel's settings, its
 * sealed secret, opaque here, and its last attempt) and `alert_deliveries` (one row per channel, key, due date and
 * stage: claimed, sent, failed with its next attempt, or superseded). The rules (what is due, when to retry) are
 * `workflows/alerts.ts`'; this module only reads and writes rows, each claim and outcome guarded by who holds the
 * claim, so two processes never both send one alert. Reached as `InventoryStore.alerts`.
 */
import type { AlertChannelType } from '../../../shared/alerts.js';
import { KeywardenError } from '../errors.js';
import type { StoreConnection } from './connection.js';

export interface AlertChannelRow {
  id: number;
  name: string;
  type: AlertChannelType;
  /** What is not secret (a webhook's URL, an SMTP server, its sender and recipients), as the workflow wrote it. */
  config: Record<string, unknown>;
  hasSecret: boolean;
  createdAt: string;
  lastAttemptAt: string | null;
  lastOkAt: string | null;
  lastError: string | null;
  failures: number;
  /** While the channel backs off after failures: nothing is sent to it before this. */
  nextAttemptAt: string | null;
}

export type DeliveryState = 'sending' | 'sent' | 'failed' | 'superseded';

/** What names one alert: the channel, the key's due date and the stage. */
export interface DeliveryKey {
  channelId: number;
  ref: string;
  kind: string;
  dueAt: string;
  stage: string;
}

export interface DeliveryRow extends DeliveryKey {
  state: DeliveryState;
  attempts: number;
  claimedBy: string | null;
  claimedUntil: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

interface RawChannel {
  id: number;
  name: string;
  type: AlertChannelType;
  config: string;
  has_secret: number;
  created_at: string;
  last_attempt_at: string | null;
  last_ok_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
  next_attempt_at: string | null;
}

interface RawDelivery {
  channel_id: number;
  ref: string;
  kind: string;
  due_at: string;
  stage: string;
  state: DeliveryState;
  attempts: number;
  claimed_by: string | null;
  claimed_until: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

const CHANNEL_SELECT = `SELECT id, name, type, config, secret_sealed IS NOT NULL AS has_secret, created_at, last_attempt_at, last_ok_at, last_error,
  consecutive_failures, next_attempt_at FROM alert_channels`;
const DELIVERY_SELECT = `SELECT channel_id, ref, kind, due_at, stage, state, attempts, claimed_by, claimed_until, next_attempt_at, last_error, created_at, sent_at
  FROM alert_deliveries`;
const BY_KEY = 'channel_id = @channelId AND ref = @ref AND kind = @kind AND due_at = @dueAt AND stage = @stage';

function toChannel(row: RawChannel): AlertChannelRow {
  let config: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.config);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
  } catch {
    // A config this version cannot read is an empty one: the workflow then refuses to send to it, saying why.
  }
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    config,
    hasSecret: row.has_secret === 1,
    createdAt: row.created_at,
    lastAttemptAt: row.last_attempt_at,
    lastOkAt: row.last_ok_at,
    lastError: row.last_error,
    failures: row.consecutive_failures,
    nextAttemptAt: row.next_attempt_at,
  };
}

function toDelivery(row: RawDelivery): DeliveryRow {
  return {
    channelId: row.channel_id,
    ref: row.ref,
    kind: row.kind,
    dueAt: row.due_at,
    stage: row.stage,
    state: row.state,
    attempts: row.attempts,
    claimedBy: row.claimed_by,
    claimedUntil: row.claimed_until,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export class AlertTables {
  /** Whether the tables exist: a read-only copy of a file older than migration 010 has none, and so no channels. */
  private tablesPresent: boolean | null = null;

  constructor(private readonly conn: StoreConnection) {}

  private present(): boolean {
    this.tablesPresent ??= this.conn.guard(() => this.conn.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alert_channels'").get() !== undefined);
    return this.tablesPresent;
  }

  // ---- channels ---------------------------------------------------------------------------------

  insertChannel(channel: { name: string; type: AlertChannelType; config: Record<string, unknown>; createdAt: string }, secretSealed: Buffer | null): AlertChannelRow {
    return this.conn.transaction(() => {
      if (this.findChannel(channel.name)) throw conflict(channel.name);
      this.conn.db
        .prepare('INSERT INTO alert_channels (name, type, config, secret_sealed, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(channel.name, channel.type, JSON.stringify(channel.config), secretSealed, channel.createdAt);
      return this.findChannel(channel.name)!;
    });
  }

  findChannel(name: string): AlertChannelRow | null {
    if (!this.present()) return null;
    return this.conn.guard(() => {
      const row = this.conn.db.prepare<RawChannel>(`${CHANNEL_SELECT} WHERE name = ?`).get(name);
      return row ? toChannel(row) : null;
    });
  }

  /** The channel named so, or `not_found` naming the channels there are. */
  requireChannel(name: string): AlertChannelRow {
    const channel = this.findChannel(name);
    if (!channel) {
      const known = this.listChannels().map((row) => row.name);
      throw new KeywardenError('not_found', `no alert channel named "${name}"${known.length ? `; known: ${known.join(', ')}` : '; add one with "keywarden alerts add"'}`, { channel: name });
    }
    return channel;
  }

  listChannels(): AlertChannelRow[] {
    if (!this.present()) return [];
    return this.conn.guard(() => this.conn.db.prepare<RawChannel>(`${CHANNEL_SELECT} ORDER BY name`).all().map(toChannel));
  }

  /**
   * A team home's copy of one of the team's channels (its pull): added, or its settings brought to the team's. A
   * channel whose destination changed (removed and added again under the same name) loses the secret this copy held,
   * which was bound to the old one; the pull then writes the new one, if this member may read it.
   */
  putTeamCopy(channel: { name: string; type: AlertChannelType; config: Record<string, unknown>; createdAt: string }): AlertChannelRow {
    return this.conn.transaction(() => {
      const found = this.findChannel(channel.name);
      const config = JSON.stringify(channel.config);
      if (!found) {
        this.conn.db.prepare('INSERT INTO alert_channels (name, type, config, created_at) VALUES (?, ?, ?, ?)').run(channel.name, channel.type, config, channel.createdAt);
      } else if (found.type !== channel.type || JSON.stringify(found.config) !== config) {
        this.conn.db.prepare('UPDATE alert_channels SET type = ?, config = ?, created_at = ?, secret_sealed = NULL WHERE id = ?').run(channel.type, config, channel.createdAt, found.id);
      }
      return this.findChannel(channel.name)!;
    });
  }

  setSecretSealed(id: number, sealed: Buffer): void {
    this.conn.guard(() => this.conn.db.prepare('UPDATE alert_channels SET secret_sealed = ? WHERE id = ?').run(sealed, id));
  }

  /** A team home's copy of a channel's state, as the team's database had it at the pull (every member's attempts). */
  setState(id: number, state: { lastAttemptAt: string | null; lastOkAt: string | null; lastError: string | null; failures: number; nextAttemptAt: string | null }): void {
    this.conn.guard(() =>
      this.conn.db
        .prepare('UPDATE alert_channels SET last_attempt_at = ?, last_ok_at = ?, last_error = ?, consecutive_failures = ?, next_attempt_at = ? WHERE id = ?')
        .run(state.lastAttemptAt, state.lastOkAt, state.lastError, state.failures, state.nextAttemptAt, id),
    );
  }

  /** Removes a channel; its deliveries go with it (ON DELETE CASCADE). */
  deleteChannel(id: number): void {
    this.conn.guard(() => this.conn.db.prepare('DELETE FROM alert_channels WHERE id = ?').run(id));
  }

  getSecretSealed(id: number): Buffer | null {
    return this.conn.guard(() => this.conn.db.prepare<{ secret_sealed: Buffer | null }>('SELECT secret_sealed FROM alert_channels WHERE id = ?').get(id)?.secret_sealed ?? null);
  }

  /** How many channels hold a sealed secret (for `vault status`, and whether anything is sealed at all). */
  countSecrets(): number {
    if (!this.present()) return 0;
    return this.conn.guard(() => this.conn.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM alert_channels WHERE secret_sealed IS NOT NULL').get()!.n);
  }

  /**
   * `vault reset`: forgets every sealed channel secret (sealed under the old key), saying so in each channel's last
   * error; returns the channels that had one, by name. Such a channel must be added again to be used.
   */
  dropAllSecrets(reason: string): string[] {
    if (!this.present()) return [];
    return this.conn.transaction(() => {
      const names = this.conn.db
        .prepare<{ name: string }>('SELECT name FROM alert_channels WHERE secret_sealed IS NOT NULL ORDER BY name')
        .all()
        .map((row) => row.name);
      this.conn.db.prepare('UPDATE alert_channels SET secret_sealed = NULL, last_error = ? WHERE secret_sealed IS NOT NULL').run(reason);
      return names;
    });
  }

  /** A channel's last attempt: an answer it accepted clears its failures and backoff; a failure counts one more. */
  recordAttempt(id: number, outcome: { at: string; ok: true } | { at: string; ok: false; error: string; nextAttemptAt: string | null }): void {
    this.conn.guard(() => {
      if (outcome.ok) {
        this.conn.db
          .prepare('UPDATE alert_channels SET last_attempt_at = ?, last_ok_at = ?, last_error = NULL, consecutive_failures = 0, next_attempt_at = NULL WHERE id = ?')
          .run(outcome.at, outcome.at, id);
      } else {
        this.conn.db
          .prepare('UPDATE alert_channels SET last_attempt_at = ?, last_error = ?, consecutive_failures = consecutive_failures + 1, next_attempt_at = ? WHERE id = ?')
          .run(outcome.at, outcome.error, outcome.nextAttemptAt, id);
      }
    });
  }

  /** After a test message the channel accepted: its waiting alerts may go at the next run instead of after their backoff. */
  retryNow(id: number, at: string): void {
    this.conn.guard(() => this.conn.db.prepare("UPDATE alert_deliveries SET next_attempt_at = ? WHERE channel_id = ? AND state = 'failed'").run(at, id));
  }

  // ---- deliveries -------------------------------------------------------------------------------

  /** Every row of one key's due date for a channel, at any stage. */
  deliveriesOf(channelId: number, ref: string, kind: string, dueAt: string): DeliveryRow[] {
    return this.conn.guard(() =>
      this.conn.db.prepare<RawDelivery>(`${DELIVERY_SELECT} WHERE channel_id = ? AND ref = ? AND kind = ? AND due_at = ?`).all(channelId, ref, kind, dueAt).map(toDelivery),
    );
  }

  /** Every row of a channel (`team init` publishes what this folder already sent). */
  listDeliveries(channelId: number): DeliveryRow[] {
    if (!this.present()) return [];
    return this.conn.guard(() => this.conn.db.prepare<RawDelivery>(`${DELIVERY_SELECT} WHERE channel_id = ?`).all(channelId).map(toDelivery));
  }

  /** A channel's alerts claimed or waiting for a retry. */
  openDeliveries(channelId: number): DeliveryRow[] {
    if (!this.present()) return [];
    return this.conn.guard(() => this.conn.db.prepare<RawDelivery>(`${DELIVERY_SELECT} WHERE channel_id = ? AND state IN ('sending', 'failed')`).all(channelId).map(toDelivery));
  }

  /** Claims a new alert: false when a row for it already exists (another process claimed it first). */
  claimNew(key: DeliveryKey, claim: { owner: string; until: string; at: string }): boolean {
    return this.conn.guard(
      () =>
        this.conn.db
          .prepare(
            `INSERT INTO alert_deliveries (channel_id, ref, kind, due_at, stage, state, attempts, claimed_by, claimed_until, created_at)
             VALUES (@channelId, @ref, @kind, @dueAt, @stage, 'sending', 0, @owner, @until, @at) ON CONFLICT DO NOTHING`,
          )
          .run({ ...key, ...claim } as never).changes === 1,
    );
  }

  /** Claims an alert again (a retry whose time has come, or a claim whose process died): only from the state it was read in. */
  reclaim(key: DeliveryKey, from: { state: DeliveryState; claimedBy: string | null }, claim: { owner: string; until: string }): boolean {
    return this.conn.guard(
      () =>
        this.conn.db
          .prepare(`UPDATE alert_deliveries SET state = 'sending', claimed_by = @owner, claimed_until = @until WHERE ${BY_KEY} AND state = @state AND claimed_by IS @claimedBy`)
          .run({ ...key, ...claim, state: from.state, claimedBy: from.claimedBy } as never).changes === 1,
    );
  }

  /** The channel accepted the alert: sent, for good. Only the process holding the claim records it. */
  markSent(key: DeliveryKey, owner: string, at: string): boolean {
    return this.conn.guard(
      () =>
        this.conn.db
          .prepare(
            `UPDATE alert_deliveries SET state = 'sent', attempts = attempts + 1, sent_at = @at, claimed_by = NULL, claimed_until = NULL, next_attempt_at = NULL, last_error = NULL
             WHERE ${BY_KEY} AND state = 'sending' AND claimed_by = @owner`,
          )
          .run({ ...key, owner, at } as never).changes === 1,
    );
  }

  /** The channel did not accept it: released for a retry at `nextAttemptAt`, with one more attempt counted. */
  markFailed(key: DeliveryKey, owner: string, failure: { error: string; nextAttemptAt: string }): boolean {
    return this.conn.guard(
      () =>
        this.conn.db
          .prepare(
            `UPDATE alert_deliveries SET state = 'failed', attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL, next_attempt_at = @nextAttemptAt, last_error = @error
             WHERE ${BY_KEY} AND state = 'sending' AND claimed_by = @owner`,
          )
          .run({ ...key, owner, ...failure } as never).changes === 1,
    );
  }

  /** A waiting alert no longer worth sending (a later stage, or the key changed or went): never sent. */
  supersede(key: DeliveryKey): void {
    this.conn.guard(() => this.conn.db.prepare(`UPDATE alert_deliveries SET state = 'superseded', claimed_by = NULL, claimed_until = NULL WHERE ${BY_KEY} AND state = 'failed'`).run(key as never));
  }

  /** How many alerts a channel sent, how many wait for a retry, and when the first of those may go. */
  counts(channelId: number): { sent: number; pending: number; nextAttemptAt: string | null } {
    if (!this.present()) return { sent: 0, pending: 0, nextAttemptAt: null };
    return this.conn.guard(() => {
      const row = this.conn.db
        .prepare<{ sent: number; pending: number; next: string | null }>(
          `SELECT COUNT(*) FILTER (WHERE state = 'sent') AS sent, COUNT(*) FILTER (WHERE state = 'failed') AS pending,
                  MIN(next_attempt_at) FILTER (WHERE state = 'failed') AS next
           FROM alert_deliveries WHERE channel_id = ?`,
        )
        .get(channelId)!;
      return { sent: row.sent, pending: row.pending, nextAttemptAt: row.next };
    });
  }
}

function conflict(name: string): KeywardenError {
  return new KeywardenError('conflict', `an alert channel named "${name}" already exists; choose another name or remove it first ("keywarden alerts remove ${name}")`, { channel: name });
}
