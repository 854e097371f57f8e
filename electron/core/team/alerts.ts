/**
 * Alerts and snoozes in a team home (docs/team.md, "Alerts and snoozes in a team home"): reminders reach the team's
 * channels once per team, however many members' hosts run delivery, and a snooze is seen by everyone.
 *
 * - **The ledger** (`TeamAlertLedger`, the `AlertLedger` of a team home): every (channel, key, due date, stage) alert
 *   is claimed in the team's `alert_deliveries` (INSERT ... ON CONFLICT DO NOTHING, or a lease taken over once it
 *   expired), sent only by the host that won the claim, and recorded there as sent (by whom) or failed; the channel's
 *   failures and backoff are the team's, so every host waits them out. The rules are `workflows/alerts.ts`', unchanged.
 *   One connection per run, its transactions one at a time (channels are served concurrently, on one connection).
 * - **The pull** (`fetchTeamAlerts`, `openTeamAlerts`, `applyTeamAlerts`): the team's channels (their secrets, for
 *   operators and admins, opened with the team key and sealed again under the local data key, as credentials are),
 *   removed channels and snoozes since the cursors; and every time, each channel's state and counts (what the team
 *   sent and what waits), so `alerts list` reads them offline.
 * - **Who**: admins add and remove channels; operators and admins send, test and snooze (PostgreSQL's grants say the
 *   same; a viewer has no grant on the channel secrets at all).
 */
import type { AlertChannelType } from '../../../shared/alerts.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import type { AlertChannelRow, DeliveryKey, DeliveryRow, DeliveryState, InventoryStore } from '../store/store.js';
import type { TeamLink } from '../store/team.js';
import { sealWith } from '../vault/vault.js';
import {
  type AlertLedger,
  type ChannelAttempt,
  type ChannelCounts,
  type ChannelState,
  type Claim,
  type ClaimPlan,
  setTeamAlertCounts,
  TEAM_SECRET_FLAG,
  teamAlertCounts,
} from '../workflows/alert-ledger.js';
import { channelSecretIdentity } from '../workflows/alerts.js';
import type { EngineContext, TeamSnooze, WriteEvent } from '../workflows/context.js';
import { recordSnooze } from '../workflows/reminders.js';
import { requireRole } from './changes.js';
import { quoteIdent, type TeamDatabase, type TeamQuery } from './pg.js';
import type { TeamRole } from './schema.js';
import { appendTeamAudit, nextSeq, openTeamRecord, type TeamWorkflows } from './workflow.js';

interface PgDelivery {
  ref: string;
  kind: string;
  due_at: string;
  stage: string;
  state: DeliveryState;
  attempts: number;
  claim: string | null;
  claimed_until: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

const DELIVERY_COLUMNS = 'ref, kind, due_at, stage, state, attempts, claim, claimed_until, next_attempt_at, last_error, created_at, sent_at';
const BY_KEY = 'channel = $1 AND ref = $2 AND kind = $3 AND due_at = $4 AND stage = $5';

function keyParams(row: AlertChannelRow, key: DeliveryKey): [string, string, string, string, string] {
  return [row.name, key.ref, key.kind, key.dueAt, key.stage];
}

function toDelivery(row: AlertChannelRow, raw: PgDelivery): DeliveryRow {
  return {
    channelId: row.id,
    ref: raw.ref,
    kind: raw.kind,
    dueAt: raw.due_at,
    stage: raw.stage,
    state: raw.state,
    attempts: raw.attempts,
    // The process holding the claim (who it is, the member, is `claimed_by`): what a take-over or an outcome is guarded by.
    claimedBy: raw.claim,
    claimedUntil: raw.claimed_until,
    nextAttemptAt: raw.next_attempt_at,
    lastError: raw.last_error,
    createdAt: raw.created_at,
    sentAt: raw.sent_at,
  };
}

/** A team home's `AlertLedger`: the team's `alert_deliveries` and channel state, over one connection per run. */
export class TeamAlertLedger implements AlertLedger {
  private db: Promise<TeamDatabase> | null = null;
  /** Every statement of this run, one after another: the channels' concurrent runs share one connection. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Something was recorded: the local copy follows when the run ends (counts, state). */
  private wrote = false;
  private readonly s: string;

  constructor(
    private readonly ctx: EngineContext,
    private readonly team: TeamWorkflows,
    private readonly link: TeamLink,
    private readonly pull: () => Promise<unknown>,
  ) {
    this.s = quoteIdent(link.team);
  }

  private exclusive<T>(work: (db: TeamDatabase) => Promise<T>): Promise<T> {
    this.db ??= this.team.connect(this.link);
    const run = async () => work(await this.db!);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  refusal(): Promise<string | null> {
    return this.exclusive(async (db) => {
      try {
        await requireRole(db, this.link, 'alert');
        return null;
      } catch (caught) {
        const error = toKeywardenError(caught);
        if (error.code === 'forbidden') return error.message;
        throw error;
      }
    });
  }

  async state(row: AlertChannelRow): Promise<ChannelState | null> {
    const found = (
      await this.exclusive((db) =>
        db.query<{ consecutive_failures: number; next_attempt_at: string | null; last_error: string | null }>(
          `SELECT consecutive_failures, next_attempt_at, last_error FROM ${this.s}.alert_channels WHERE name = $1`,
          [row.name],
        ),
      )
    )[0];
    return found ? { failures: found.consecutive_failures, nextAttemptAt: found.next_attempt_at, lastError: found.last_error } : null;
  }

  async deliveriesOf(row: AlertChannelRow, ref: string, kind: string, dueAt: string): Promise<DeliveryRow[]> {
    const rows = await this.exclusive((db) =>
      db.query<PgDelivery>(`SELECT ${DELIVERY_COLUMNS} FROM ${this.s}.alert_deliveries WHERE channel = $1 AND ref = $2 AND kind = $3 AND due_at = $4`, [row.name, ref, kind, dueAt]),
    );
    return rows.map((raw) => toDelivery(row, raw));
  }

  claim(row: AlertChannelRow, key: DeliveryKey, plan: (rows: readonly DeliveryRow[]) => ClaimPlan | null, claim: Claim): Promise<{ attempts: number } | null> {
    return this.exclusive((db) =>
      db.transaction(async (tx) => {
        const rows = await tx.query<PgDelivery>(`SELECT ${DELIVERY_COLUMNS} FROM ${this.s}.alert_deliveries WHERE channel = $1 AND ref = $2 AND kind = $3 AND due_at = $4`, [
          row.name,
          key.ref,
          key.kind,
          key.dueAt,
        ]);
        const decided = plan(rows.map((raw) => toDelivery(row, raw)));
        if (!decided) return null;
        if (decided.write === 'new') {
          for (const earlier of decided.supersede) await this.supersede(tx, row, earlier);
          // Another member's host that inserted it first (committed or not: this waits for it) wins; this one sends nothing.
          const won = await tx.query(
            `INSERT INTO ${this.s}.alert_deliveries (channel, ref, kind, due_at, stage, state, attempts, claimed_by, claim, claimed_until, created_at)
             VALUES ($1, $2, $3, $4, $5, 'sending', 0, current_user, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING 1`,
            [...keyParams(row, key), claim.owner, claim.until, claim.at],
          );
          return won.length === 1 ? { attempts: 0 } : null;
        }
        const won = await tx.query(
          `UPDATE ${this.s}.alert_deliveries SET state = 'sending', claimed_by = current_user, claim = $6, claimed_until = $7
           WHERE ${BY_KEY} AND state = $8 AND claim IS NOT DISTINCT FROM $9 RETURNING 1`,
          [...keyParams(row, key), claim.owner, claim.until, decided.from.state, decided.from.claimedBy],
        );
        return won.length === 1 ? { attempts: decided.attempts } : null;
      }),
    );
  }

  async sent(row: AlertChannelRow, key: DeliveryKey, owner: string, at: string): Promise<void> {
    await this.exclusive((db) =>
      db.transaction(async (tx) => {
        await tx.query(
          `UPDATE ${this.s}.alert_deliveries SET state = 'sent', attempts = attempts + 1, sent_at = $7, sent_by = current_user, claimed_by = NULL, claim = NULL,
             claimed_until = NULL, next_attempt_at = NULL, last_error = NULL
           WHERE ${BY_KEY} AND state = 'sending' AND claim = $6`,
          [...keyParams(row, key), owner, at],
        );
        await this.recordAttempt(tx, row, { at, ok: true });
      }),
    );
    this.wrote = true;
  }

  async failed(row: AlertChannelRow, key: DeliveryKey, owner: string, failure: { at: string; error: string; nextAttemptAt: string }): Promise<void> {
    await this.exclusive((db) =>
      db.transaction(async (tx) => {
        await tx.query(
          `UPDATE ${this.s}.alert_deliveries SET state = 'failed', attempts = attempts + 1, claimed_by = NULL, claim = NULL, claimed_until = NULL,
             next_attempt_at = $7, last_error = $8
           WHERE ${BY_KEY} AND state = 'sending' AND claim = $6`,
          [...keyParams(row, key), owner, failure.nextAttemptAt, failure.error],
        );
        await this.recordAttempt(tx, row, { at: failure.at, ok: false, error: failure.error, nextAttemptAt: failure.nextAttemptAt });
      }),
    );
    this.wrote = true;
  }

  async dropStale(row: AlertChannelRow, stillDue: (open: DeliveryRow) => boolean): Promise<void> {
    await this.exclusive((db) =>
      db.transaction(async (tx) => {
        const open = await tx.query<PgDelivery>(`SELECT ${DELIVERY_COLUMNS} FROM ${this.s}.alert_deliveries WHERE channel = $1 AND state = 'failed'`, [row.name]);
        for (const stale of open.map((raw) => toDelivery(row, raw)).filter((delivery) => !stillDue(delivery))) await this.supersede(tx, row, stale);
      }),
    );
  }

  async tested(row: AlertChannelRow, attempt: ChannelAttempt): Promise<void> {
    await this.exclusive((db) =>
      db.transaction(async (tx) => {
        await this.recordAttempt(tx, row, attempt);
        // It works again: what waits for a retry may go at the next run, from whichever host runs it.
        if (attempt.ok) await tx.query(`UPDATE ${this.s}.alert_deliveries SET next_attempt_at = $2 WHERE channel = $1 AND state = 'failed'`, [row.name, attempt.at]);
      }),
    );
    this.wrote = true;
  }

  counts(row: AlertChannelRow): ChannelCounts {
    return teamAlertCounts(this.ctx.store, row.name);
  }

  async audit(event: WriteEvent): Promise<void> {
    try {
      const seq = await this.exclusive((db) =>
        db.transaction(async (tx) => {
          const seq = await nextSeq(tx, this.link.team);
          await appendTeamAudit(tx, this.link.team, seq, event.action, null, event.ref, event.outcome, event.detail);
          return seq;
        }),
      );
      this.wrote = true;
      this.ctx.tryAudit(event.action, null, event.ref, event.outcome, `${event.detail ?? ''}; recorded in team ${this.link.team} at change ${seq}`);
    } catch (caught) {
      // What was sent is recorded in alert_deliveries already; only the trail's event could not follow.
      this.ctx.tryAudit(event.action, null, event.ref, event.outcome, `${event.detail ?? ''}; not recorded in team ${this.link.team}'s trail: ${toKeywardenError(caught).message}`);
    }
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    await this.queue;
    if (db) await (await db.catch(() => null))?.close();
    // The local copy follows (what the team sent, the channel's state): `alerts list` says it, offline too.
    if (this.wrote) await this.pull().catch(() => {});
  }

  private async supersede(tx: TeamQuery, row: AlertChannelRow, key: DeliveryKey): Promise<void> {
    await tx.query(`UPDATE ${this.s}.alert_deliveries SET state = 'superseded', claimed_by = NULL, claim = NULL, claimed_until = NULL WHERE ${BY_KEY} AND state = 'failed'`, keyParams(row, key));
  }

  /** The channel's attempt, team-wide: an acceptance clears its failures and backoff; a failure counts one more. */
  private async recordAttempt(tx: TeamQuery, row: AlertChannelRow, attempt: ChannelAttempt): Promise<void> {
    if (attempt.ok) {
      await tx.query(`UPDATE ${this.s}.alert_channels SET last_attempt_at = $2, last_ok_at = $2, last_error = NULL, consecutive_failures = 0, next_attempt_at = NULL WHERE name = $1`, [
        row.name,
        attempt.at,
      ]);
    } else {
      await tx.query(`UPDATE ${this.s}.alert_channels SET last_attempt_at = $2, last_error = $3, consecutive_failures = consecutive_failures + 1, next_attempt_at = $4 WHERE name = $1`, [
        row.name,
        attempt.at,
        attempt.error,
        attempt.nextAttemptAt,
      ]);
    }
  }
}

// ---- the team's channels and snoozes, written (inside a team write's transaction: changes.ts) -----------------

export async function insertTeamChannel(
  tx: TeamQuery,
  team: string,
  seq: number,
  channel: { name: string; type: AlertChannelType; config: Record<string, unknown>; createdAt: string },
  sealed: { sealed: Buffer; generation: number } | null,
): Promise<void> {
  const s = quoteIdent(team);
  if ((await tx.query(`SELECT 1 FROM ${s}.alert_channels WHERE name = $1`, [channel.name])).length > 0) {
    throw new KeywardenError('conflict', `team "${team}" already has an alert channel named "${channel.name}"; choose another name ("keywarden team sync" copies it here)`, {
      channel: channel.name,
    });
  }
  await tx.query(`DELETE FROM ${s}.removed_alert_channels WHERE name = $1`, [channel.name]);
  await tx.query(`INSERT INTO ${s}.alert_channels (name, type, config, created_at, has_secret, seq) VALUES ($1, $2, $3, $4, $5, $6)`, [
    channel.name,
    channel.type,
    JSON.stringify(channel.config),
    channel.createdAt,
    sealed !== null,
    seq,
  ]);
  if (sealed) await tx.query(`INSERT INTO ${s}.alert_channel_secrets (channel, sealed, generation, seq) VALUES ($1, $2, $3, $4)`, [channel.name, sealed.sealed, sealed.generation, seq]);
}

/** Removes a team's channel (its secret and its deliveries go with it); returns what it had sent and what waited. */
export async function deleteTeamChannel(tx: TeamQuery, team: string, seq: number, name: string): Promise<{ sent: number; pending: number }> {
  const s = quoteIdent(team);
  const counts = (
    await tx.query<{ sent: string; pending: string }>(
      `SELECT COUNT(*) FILTER (WHERE state = 'sent') AS sent, COUNT(*) FILTER (WHERE state = 'failed') AS pending FROM ${s}.alert_deliveries WHERE channel = $1`,
      [name],
    )
  )[0]!;
  if ((await tx.query(`DELETE FROM ${s}.alert_channels WHERE name = $1 RETURNING 1`, [name])).length === 0) {
    throw new KeywardenError('not_found', `team "${team}" has no alert channel "${name}" (removed meanwhile); "keywarden team sync" brings this copy up to date`, { channel: name });
  }
  await tx.query(`INSERT INTO ${s}.removed_alert_channels (name, seq) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq`, [name, seq]);
  return { sent: Number(counts.sent), pending: Number(counts.pending) };
}

export async function upsertTeamSnooze(tx: TeamQuery, team: string, seq: number, snooze: TeamSnooze): Promise<void> {
  await tx.query(
    `INSERT INTO ${quoteIdent(team)}.snoozes (ref, kind, due_at, stage, until, snoozed_by, snoozed_at, seq) VALUES ($1, $2, $3, $4, $5, current_user, $6, $7)
     ON CONFLICT (ref) DO UPDATE SET kind = excluded.kind, due_at = excluded.due_at, stage = excluded.stage, until = excluded.until,
       snoozed_by = excluded.snoozed_by, snoozed_at = excluded.snoozed_at, seq = excluded.seq`,
    [snooze.ref, snooze.kind, snooze.dueAt, snooze.stage, snooze.until, new Date().toISOString(), seq],
  );
}

// ---- `team init` and `team remove` --------------------------------------------------------------------------

/** This data folder's channels, secrets opened with the local vault and sealed under `teamKey`, and what each already sent. */
export async function localChannelsSealed(ctx: EngineContext, teamKey: Buffer): Promise<{ row: AlertChannelRow; sealed: Buffer | null; sent: DeliveryRow[] }[]> {
  const channels: { row: AlertChannelRow; sealed: Buffer | null; sent: DeliveryRow[] }[] = [];
  for (const row of ctx.store.alerts.listChannels()) {
    const local = row.hasSecret ? ctx.store.alerts.getSecretSealed(row.id) : null;
    const identity = channelSecretIdentity(row.name, row.type, row.config);
    const sealed = local ? sealWith(teamKey, identity, await ctx.vault.open(identity, local)) : null;
    channels.push({ row, sealed, sent: ctx.store.alerts.listDeliveries(row.id).filter((delivery) => delivery.state === 'sent') });
  }
  return channels;
}

/** `team init`: this folder's channels become the team's, with what they already sent (so it is not sent again). */
export async function publishChannels(tx: TeamQuery, team: string, seq: number, channels: Awaited<ReturnType<typeof localChannelsSealed>>): Promise<void> {
  const s = quoteIdent(team);
  for (const { row, sealed, sent } of channels) {
    await insertTeamChannel(tx, team, seq, { name: row.name, type: row.type, config: row.config, createdAt: row.createdAt }, sealed ? { sealed, generation: 1 } : null);
    for (const delivery of sent) {
      await tx.query(
        `INSERT INTO ${s}.alert_deliveries (channel, ref, kind, due_at, stage, state, attempts, created_at, sent_at, sent_by)
         VALUES ($1, $2, $3, $4, $5, 'sent', $6, $7, $8, current_user)`,
        [row.name, delivery.ref, delivery.kind, delivery.dueAt, delivery.stage, delivery.attempts, delivery.createdAt, delivery.sentAt],
      );
    }
  }
}

/** `team remove`: every channel secret sealed again under the new generation's key; returns the channels, to rotate. */
export async function resealChannelSecrets(tx: TeamQuery, team: string, oldKey: Buffer, newKey: Buffer, generation: number, seq: number): Promise<string[]> {
  const s = quoteIdent(team);
  const rows = await tx.query<{ channel: string; sealed: Buffer; type: AlertChannelType; config: string }>(
    `SELECT x.channel, x.sealed, c.type, c.config FROM ${s}.alert_channel_secrets x JOIN ${s}.alert_channels c ON c.name = x.channel ORDER BY x.channel FOR UPDATE OF x`,
  );
  for (const row of rows) {
    const identity = channelSecretIdentity(row.channel, row.type, JSON.parse(row.config) as Record<string, unknown>);
    const what = `the secret of alert channel ${row.channel}`;
    await tx.query(`UPDATE ${s}.alert_channel_secrets SET sealed = $2, generation = $3, seq = $4 WHERE channel = $1`, [
      row.channel,
      sealWith(newKey, identity, openTeamRecord(oldKey, identity, row.sealed, what)),
      generation,
      seq,
    ]);
  }
  return rows.map((row) => row.channel);
}

// ---- the pull -------------------------------------------------------------------------------------------------

interface PgChannel {
  name: string;
  type: AlertChannelType;
  config: string;
  created_at: string;
  has_secret: boolean;
}

interface PgChannelState {
  name: string;
  last_attempt_at: string | null;
  last_ok_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
  next_attempt_at: string | null;
}

export interface FetchedTeamAlerts {
  channels: PgChannel[];
  removedChannels: string[];
  secrets: { channel: string; sealed: Buffer; generation: number }[];
  snoozes: TeamSnooze[];
  states: PgChannelState[];
  counts: Record<string, ChannelCounts>;
}

/** What a pull reads of the team's alerts, in its snapshot: changes since the cursors, and every channel's state and counts. */
export async function fetchTeamAlerts(tx: TeamQuery, link: TeamLink, role: TeamRole): Promise<FetchedTeamAlerts> {
  const s = quoteIdent(link.team);
  const channels = await tx.query<PgChannel>(`SELECT name, type, config, created_at, has_secret FROM ${s}.alert_channels WHERE seq > $1 ORDER BY seq`, [link.inventorySeq]);
  const removedChannels = (await tx.query<{ name: string }>(`SELECT name FROM ${s}.removed_alert_channels WHERE seq > $1 ORDER BY seq`, [link.inventorySeq])).map((row) => row.name);
  const secrets =
    role === 'viewer'
      ? []
      : await tx.query<{ channel: string; sealed: Buffer; generation: number }>(`SELECT channel, sealed, generation FROM ${s}.alert_channel_secrets WHERE seq > $1`, [link.secretsSeq]);
  const snoozes = (
    await tx.query<{ ref: string; kind: string; due_at: string; stage: string | null; until: string }>(`SELECT ref, kind, due_at, stage, until FROM ${s}.snoozes WHERE seq > $1 ORDER BY seq`, [
      link.inventorySeq,
    ])
  ).map((row) => ({ ref: row.ref, kind: row.kind, dueAt: row.due_at, stage: row.stage, until: row.until }));
  const states = await tx.query<PgChannelState>(`SELECT name, last_attempt_at, last_ok_at, last_error, consecutive_failures, next_attempt_at FROM ${s}.alert_channels`);
  const counted = await tx.query<{ channel: string; sent: string; pending: string; next: string | null }>(
    `SELECT channel, COUNT(*) FILTER (WHERE state = 'sent') AS sent, COUNT(*) FILTER (WHERE state = 'failed') AS pending,
            MIN(next_attempt_at) FILTER (WHERE state = 'failed') AS next
     FROM ${s}.alert_deliveries GROUP BY channel`,
  );
  const counts = Object.fromEntries(counted.map((row) => [row.channel, { sent: Number(row.sent), pending: Number(row.pending), nextAttemptAt: row.next }]));
  return { channels, removedChannels, secrets, snoozes, states, counts };
}

export interface OpenedTeamAlerts {
  fetched: FetchedTeamAlerts;
  /** Channel secrets sealed again under the local data key. */
  secrets: { channel: string; sealed: Buffer }[];
}

/** Before the pull's SQLite transaction (sealing is asynchronous): channel secrets opened with the team key, sealed under the local one. */
export async function openTeamAlerts(ctx: EngineContext, fetched: FetchedTeamAlerts, teamKeyOf: (generation: number, what: string) => Buffer): Promise<OpenedTeamAlerts> {
  const secrets: { channel: string; sealed: Buffer }[] = [];
  for (const secret of fetched.secrets) {
    const incoming = fetched.channels.find((channel) => channel.name === secret.channel);
    const local = ctx.store.alerts.findChannel(secret.channel);
    const settings = incoming ? { type: incoming.type, config: JSON.parse(incoming.config) as Record<string, unknown> } : local ? { type: local.type, config: local.config } : null;
    if (!settings) throw new KeywardenError('internal', `the team sent a secret for alert channel ${secret.channel}, which neither it nor the local copy has`);
    const identity = channelSecretIdentity(secret.channel, settings.type, settings.config);
    const what = `the secret of alert channel ${secret.channel}`;
    secrets.push({ channel: secret.channel, sealed: await ctx.vault.seal(identity, openTeamRecord(teamKeyOf(secret.generation, what), identity, secret.sealed, what)) });
  }
  return { fetched, secrets };
}

/** Inside the pull's SQLite transaction: the copy's channels, their secrets, state and counts, and snoozes. Returns what changed. */
export function applyTeamAlerts(store: InventoryStore, opened: OpenedTeamAlerts): { channels: number; removedChannels: number; snoozes: number } {
  const { fetched } = opened;
  for (const name of fetched.removedChannels) {
    const row = store.alerts.findChannel(name);
    if (row) store.alerts.deleteChannel(row.id);
  }
  for (const channel of fetched.channels) {
    const config = { ...(JSON.parse(channel.config) as Record<string, unknown>), ...(channel.has_secret ? { [TEAM_SECRET_FLAG]: true } : {}) };
    store.alerts.putTeamCopy({ name: channel.name, type: channel.type, config, createdAt: channel.created_at });
  }
  for (const secret of opened.secrets) store.alerts.setSecretSealed(store.alerts.requireChannel(secret.channel).id, secret.sealed);
  for (const state of fetched.states) {
    const row = store.alerts.findChannel(state.name);
    if (row) {
      store.alerts.setState(row.id, {
        lastAttemptAt: state.last_attempt_at,
        lastOkAt: state.last_ok_at,
        lastError: state.last_error,
        failures: state.consecutive_failures,
        nextAttemptAt: state.next_attempt_at,
      });
    }
  }
  setTeamAlertCounts(store, fetched.counts);
  for (const snooze of fetched.snoozes) recordSnooze(store, snooze);
  return { channels: fetched.channels.length, removedChannels: fetched.removedChannels.length, snoozes: fetched.snoozes.length };
}
