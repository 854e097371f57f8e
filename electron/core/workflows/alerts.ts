/**
 * Alerts beyond this machine (issue 23): channels (a signed webhook, a Slack incoming webhook, email over SMTP) that
 * receive each key's reminder at each stage (the reminder lead times, and overdue), once.
 *
 * - Adding a channel checks its target with the URL policy of manual key tests (https; this machine or the local
 *   network only with `allowPrivateNetwork`) and seals its secret (a webhook's signing secret, a Slack webhook's whole
 *   URL, the SMTP login) with the vault, bound to where it is sent, as a backend's credential is.
 * - Delivery (`deliver`: `keywarden notify`, and the desktop app's scheduler): for each channel and each reminder at a
 *   stage, the alert is claimed in a transaction before it is sent (a row per channel, key, due date and stage), so a
 *   restart, a second process, or the desktop app and a cron job together never send it twice. Where the rows live is
 *   the ledger's (`alert-ledger.ts`): this data folder's tables, or, in a team home, the team's database, so the
 *   members' hosts send each alert once between them (docs/team.md); these rules do not ask which. It is marked sent only
 *   once the channel answered 2xx (or the SMTP server accepted it); a failure releases it for a retry after a backoff
 *   (its attempts and next time recorded), and the channel waits as long before anything else is sent to it. A claim
 *   whose process died is taken over once it expires (so an alert whose sender crashed mid-send may arrive twice; the
 *   payload's `id` is the same, for a receiver to drop the repeat). A stage said once is never said again for the same
 *   due date, also when the lead times change (`isNewStage`).
 * - Snoozes are the desktop notification's, for the people at the machines (in a team home, the team's): channels are
 *   not snoozed.
 * - In a team home the channels are the team's: added and removed by its admins (`TeamWrites`), sent by its operators'
 *   and admins' hosts; a viewer's host sends none and says why (`notSentHere`).
 * - Audited: add, remove, test, and each run's sends per channel, by name and count; never a secret or a Slack URL.
 */
import { randomUUID } from 'node:crypto';
import type { AlertChannel, AlertChannelType, AlertDelivery, AlertPayload, AlertTestResult, NewAlertChannelInput, NotifyReport, SmtpSecurity } from '../../../shared/alerts.js';
import type { Reminder, ReminderThreshold } from '../../../shared/domain.js';
import { ALERT_CHANNEL_TYPES, BACKEND_NAME_PATTERN, EMAIL_ADDRESS_PATTERN } from '../../../shared/rules.js';
import { backendDefinition } from '../backends/registry.js';
import { judgeAddress } from '../backends/url-policy.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import { redactVendorText } from '../redact.js';
import { isNewStage, parseStage, stageRank } from '../reminders/reminders.js';
import type { AlertChannelRow, DeliveryKey, DeliveryRow } from '../store/store.js';
import { plural } from '../text.js';
import { alertId } from '../alerts/messages.js';
import type { ChannelConfig, ChannelSecret, SendOutcome } from '../alerts/send.js';
import type { EngineContext } from './context.js';
import { parseRef } from './keys.js';
import { type AlertLedger, type ChannelState, LocalAlertLedger, TEAM_SECRET_FLAG, teamAlertCounts } from './alert-ledger.js';
import type { ReminderWorkflows } from './reminders.js';

/** How long a claim holds before another process may take the alert over (its sender is presumed dead). */
export const CLAIM_LEASE_MS = 10 * 60_000;
/** The first retry waits a minute; each failure in a row doubles it, up to six hours. */
export const FIRST_RETRY_MS = 60_000;
export const MAX_RETRY_MS = 6 * 60 * 60_000;
/** The default port of each kind of SMTP protection: STARTTLS on the submission port, TLS from the start, plain. */
export const SMTP_DEFAULT_PORTS: Readonly<Record<SmtpSecurity, number>> = { starttls: 587, tls: 465, plain: 25 };
/** A webhook signing secret shorter than this is refused: it is an HMAC key, and guessable ones forge alerts. */
export const MIN_SIGNING_SECRET = 16;

/** The wait before attempt `failures + 1`, after `failures` failures in a row (at least what the channel asked for). */
export function retryDelayMs(failures: number, retryAfterMs: number | null = null): number {
  const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return Math.min(MAX_RETRY_MS, Math.max(backoff, retryAfterMs ?? 0));
}

/**
 * Associated data of a channel's sealed secret: the channel, and where its secret goes. Editing the row's URL, SMTP
 * server or type in the database makes the secret fail to open instead of being sent elsewhere.
 */
export function alertSecretIdentity(name: string, config: ChannelConfig): string {
  const destination =
    config.type === 'webhook'
      ? { type: config.type, url: config.url, allowPrivateNetwork: config.allowPrivateNetwork }
      : config.type === 'slack'
        ? { type: config.type, allowPrivateNetwork: config.allowPrivateNetwork }
        : { type: config.type, host: config.host, port: config.port, security: config.security, ca: config.ca, allowPrivateNetwork: config.allowPrivateNetwork };
  return `alert-secret:${name}\n${JSON.stringify(destination)}`;
}

/** What one run does with one alert, read from its rows (and decided again inside the claim's transaction). */
type Decision = { action: 'new'; supersede: DeliveryRow[] } | { action: 'retry' | 'take-over'; row: DeliveryRow } | { action: 'waiting'; row: DeliveryRow } | { action: 'done' };

function decide(rows: readonly DeliveryRow[], stage: ReminderThreshold, now: string): Decision {
  const text = String(stage);
  const same = rows.find((row) => row.stage === text);
  // A later stage already said or tried (under lead times since changed): this earlier one is not news.
  if (
    !isNewStage(
      stage,
      rows.filter((row) => row.stage !== text && row.state !== 'superseded').map((row) => row.stage),
    )
  )
    return { action: 'done' };
  if (same) {
    if (same.state === 'sent') return { action: 'done' };
    if (same.state === 'superseded') return { action: 'retry', row: same };
    if (same.state === 'failed') return same.nextAttemptAt !== null && same.nextAttemptAt > now ? { action: 'waiting', row: same } : { action: 'retry', row: same };
    // Claimed: by a live process (leave it), or by one that died before recording the outcome (take it over).
    return same.claimedUntil !== null && same.claimedUntil > now ? { action: 'done' } : { action: 'take-over', row: same };
  }
  return { action: 'new', supersede: rows.filter((row) => row.state === 'failed' && stageRank(parseStage(row.stage) ?? 'overdue') > stageRank(stage)) };
}

interface Planned {
  reminder: Reminder & { threshold: ReminderThreshold };
  decision: Decision;
}

export class AlertWorkflows {
  /** Who holds this process's claims. */
  private readonly owner = `${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly ctx: EngineContext,
    private readonly reminders: ReminderWorkflows,
  ) {}

  // ---- channels --------------------------------------------------------------------------------

  /** The channels, from this data folder (a team home's: its copy of the team's, offline too). */
  list(): AlertChannel[] {
    const rows = this.ctx.store.alerts.listChannels();
    if (rows.length === 0) return [];
    const ledger = this.copyLedger();
    return rows.map((row) => this.summarise(row, ledger));
  }

  async add(input: NewAlertChannelInput): Promise<AlertChannel> {
    if (!BACKEND_NAME_PATTERN.test(input.name)) {
      throw new KeywardenError('invalid_input', `"${input.name}" is not a channel name: use 1-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`);
    }
    if (!(ALERT_CHANNEL_TYPES as readonly string[]).includes(input.type)) throw new KeywardenError('invalid_input', `--type must be one of ${ALERT_CHANNEL_TYPES.join(', ')}`);
    if (this.ctx.store.alerts.findChannel(input.name)) {
      throw new KeywardenError('conflict', `an alert channel named "${input.name}" already exists; choose another name or remove it first ("keywarden alerts remove ${input.name}")`, {
        channel: input.name,
      });
    }
    const allowPrivateNetwork = input.allowPrivateNetwork === true;
    const { config, secret } = await checkedChannel(input, allowPrivateNetwork);
    const event = {
      action: 'alert.add',
      ref: null,
      outcome: 'ok' as const,
      detail: `${input.type} channel "${input.name}" to ${auditTarget(config)}${config.type === 'webhook' && secret !== null ? ' (signed)' : ''}`,
    };
    const channel = { name: input.name, type: input.type, config, createdAt: new Date().toISOString() };
    const identity = alertSecretIdentity(input.name, config);
    // A team home's channels are the team's: an admin's to add, the secret sealed under the team key (docs/team.md).
    const team = await this.ctx.teamWrites();
    if (team) {
      await team.addAlertChannel(channel, secret === null ? null : { identity, secret }, event);
      return this.summarise(this.ctx.store.alerts.requireChannel(input.name), this.copyLedger());
    }
    const sealed = secret === null ? null : await this.ctx.vault.seal(identity, secret);
    const row = this.ctx.store.alerts.insertChannel(channel, sealed);
    this.ctx.audit(event.action, null, null, event.outcome, event.detail);
    return this.summarise(row, this.copyLedger());
  }

  async remove(name: string): Promise<void> {
    const row = this.ctx.store.alerts.requireChannel(name);
    const team = await this.ctx.teamWrites();
    if (team) {
      await team.removeAlertChannel(name, { action: 'alert.remove', ref: null, outcome: 'ok', detail: `${row.type} channel "${name}"` });
      return;
    }
    const { sent, pending } = this.ctx.store.alerts.counts(row.id);
    this.ctx.store.alerts.deleteChannel(row.id);
    this.ctx.audit('alert.remove', null, null, 'ok', `${row.type} channel "${name}" (${plural(sent, 'alert')} sent, ${plural(pending, 'alert')} waiting dropped)`);
  }

  /** Sends the channel a clearly marked test message now (no backoff is waited for, and none is added). Audited. */
  async test(name: string): Promise<AlertTestResult> {
    const row = this.ctx.store.alerts.requireChannel(name);
    const ledger = await this.ledger();
    try {
      // A team home: only a host that may send the team's alerts tests its channels (and records the outcome there).
      const refusal = await ledger.refusal();
      if (refusal) throw new KeywardenError('forbidden', refusal, { channel: name });
      const at = new Date();
      let outcome: SendOutcome;
      try {
        const config = configOf(row);
        const secret = await this.openSecret(row, config);
        const { sendAlert } = await import('../alerts/send.js');
        const { testPayload } = await import('../alerts/messages.js');
        outcome = await sendAlert({ name, config, secret, payload: testPayload(name, at), http: this.ctx.httpOptions });
      } catch (error) {
        // The secret could not be opened (locked, no keychain), or the row cannot be read: said, not recorded as the channel's fault.
        const typed = toKeywardenError(error);
        this.ctx.audit('alert.test', null, null, 'failed', `channel "${name}": ${typed.code}`);
        throw error;
      }
      const when = this.ctx.now().toISOString();
      const state = await ledger.state(row);
      await ledger.tested(row, outcome.ok ? { at: when, ok: true } : { at: when, ok: false, error: outcome.error, nextAttemptAt: state?.nextAttemptAt ?? null });
      await ledger.audit({
        action: 'alert.test',
        ref: null,
        outcome: outcome.ok ? 'ok' : 'failed',
        detail: `channel "${name}": ${outcome.ok ? `test message accepted (${outcome.detail.slice(0, 80)})` : outcome.error}`,
      });
      return { channel: name, ok: outcome.ok, at: at.toISOString(), detail: outcome.ok ? outcome.detail : outcome.error };
    } finally {
      await ledger.close();
    }
  }

  // ---- delivery --------------------------------------------------------------------------------

  /**
   * Sends what is due to every channel (or the named one): each reminder at its stage, once per channel. With
   * `dryRun`, says what would be sent and writes nothing (no vault needed). Channels are served concurrently; within
   * one, alerts go one at a time, each claimed first (in the ledger: this data folder's, or a team home's team), and
   * the first failure makes the channel wait its backoff.
   */
  async deliver(options: { dryRun?: boolean; channel?: string } = {}): Promise<NotifyReport> {
    const dryRun = options.dryRun === true;
    const now = this.ctx.now();
    const rows = options.channel ? [this.ctx.store.alerts.requireChannel(options.channel)] : this.ctx.store.alerts.listChannels();
    const report: NotifyReport = {
      dryRun,
      checkedAt: now.toISOString(),
      channels: rows.length,
      deliveries: [],
      counts: { sent: 0, failed: 0, waiting: 0, wouldSend: 0 },
      skipped: [],
      nextAttemptAt: null,
      notSentHere: null,
    };
    if (rows.length === 0) return report;
    const ledger = await this.ledger();
    try {
      // A viewer's host (or a member's not approved) sends none of the team's alerts: said once, nothing claimed.
      try {
        report.notSentHere = await ledger.refusal();
      } catch (error) {
        // The team's server away: nothing can be claimed, so nothing is sent from here (another member's host may).
        const reason = `nothing was claimed or sent: ${toKeywardenError(error).message}`;
        for (const row of rows) report.skipped.push({ channel: row.name, reason });
        return report;
      }
      if (report.notSentHere !== null) return report;
      const due = this.reminders.reminders().filter((reminder): reminder is Reminder & { threshold: ReminderThreshold } => reminder.threshold !== null);
      const payloads = new PayloadMaker(this.ctx, now);
      await Promise.all(rows.map((row) => this.deliverTo(ledger, row, due, payloads, report, dryRun)));
    } finally {
      await ledger.close();
    }
    report.deliveries.sort((a, b) => a.channel.localeCompare(b.channel) || a.dueAt.localeCompare(b.dueAt) || a.ref.localeCompare(b.ref));
    for (const delivery of report.deliveries) {
      if (delivery.outcome === 'sent') report.counts.sent++;
      else if (delivery.outcome === 'failed') report.counts.failed++;
      else if (delivery.outcome === 'waiting') report.counts.waiting++;
      else report.counts.wouldSend++;
      if (delivery.nextAttemptAt !== null && delivery.outcome !== 'sent' && (report.nextAttemptAt === null || delivery.nextAttemptAt < report.nextAttemptAt))
        report.nextAttemptAt = delivery.nextAttemptAt;
    }
    return report;
  }

  private async deliverTo(
    ledger: AlertLedger,
    row: AlertChannelRow,
    due: ReadonlyArray<Reminder & { threshold: ReminderThreshold }>,
    payloads: PayloadMaker,
    report: NotifyReport,
    dryRun: boolean,
  ): Promise<void> {
    const at = payloads.now.toISOString();
    let state: ChannelState | null;
    const planned: Planned[] = [];
    try {
      state = await ledger.state(row);
      if (!state) {
        report.skipped.push({ channel: row.name, reason: 'the channel was removed meanwhile ("keywarden team sync" brings this copy up to date)' });
        return;
      }
      for (const reminder of due) {
        const decision = decide(await ledger.deliveriesOf(row, reminder.ref, reminder.kind, reminder.dueAt), reminder.threshold, at);
        if (decision.action !== 'done') planned.push({ reminder, decision });
      }
      if (!dryRun) {
        const current = new Set(due.map((reminder) => JSON.stringify([reminder.ref, reminder.kind, reminder.dueAt, String(reminder.threshold)])));
        await ledger.dropStale(row, (open) => current.has(JSON.stringify([open.ref, open.kind, open.dueAt, open.stage])));
      }
    } catch (error) {
      // The team's server went away: nothing is claimed, so nothing can be sent from here now.
      report.skipped.push({ channel: row.name, reason: toKeywardenError(error).message });
      return;
    }
    const entry = (item: Planned, outcome: AlertDelivery['outcome'], extra: Partial<AlertDelivery> = {}): AlertDelivery => {
      const waitingRow = item.decision.action === 'waiting' || item.decision.action === 'retry' || item.decision.action === 'take-over' ? item.decision.row : null;
      return {
        channel: row.name,
        ref: item.reminder.ref,
        name: item.reminder.name,
        backend: item.reminder.backend,
        kind: item.reminder.kind,
        dueAt: item.reminder.dueAt,
        daysLeft: item.reminder.daysLeft,
        stage: item.reminder.threshold,
        outcome,
        attempts: waitingRow?.attempts ?? 0,
        nextAttemptAt: waitingRow?.nextAttemptAt ?? null,
        error: waitingRow?.lastError ?? null,
        ...extra,
      };
    };
    const backingOff = state.nextAttemptAt !== null && state.nextAttemptAt > at;
    const toSend = planned.filter((item) => item.decision.action !== 'waiting');
    for (const item of planned) if (item.decision.action === 'waiting') report.deliveries.push(entry(item, 'waiting'));
    if (toSend.length === 0) return;
    if (dryRun) {
      for (const item of toSend) report.deliveries.push(backingOff ? entry(item, 'waiting', { nextAttemptAt: state.nextAttemptAt }) : entry(item, 'would-send'));
      return;
    }
    if (backingOff) {
      report.skipped.push({
        channel: row.name,
        reason: `waiting after ${plural(state.failures, 'failure')} in a row until ${state.nextAttemptAt}: ${state.lastError ?? 'the last attempt failed'}`,
      });
      for (const item of toSend) report.deliveries.push(entry(item, 'waiting', { nextAttemptAt: state.nextAttemptAt }));
      return;
    }
    let config: ChannelConfig;
    let secret: ChannelSecret;
    try {
      config = configOf(row);
      secret = await this.openSecret(row, config);
    } catch (error) {
      // Not the channel's fault (a locked vault, no keychain in a cron job): nothing is claimed, nothing recorded.
      const reason = toKeywardenError(error).message;
      report.skipped.push({ channel: row.name, reason });
      for (const item of toSend) report.deliveries.push(entry(item, 'waiting', { error: reason }));
      return;
    }
    const { sendAlert, secretsOf } = await import('../alerts/send.js');
    let sent = 0;
    let failed = 0;
    let lastError: string | null = null;
    try {
      for (let index = 0; index < toSend.length; index++) {
        const item = toSend[index]!;
        const key: DeliveryKey = { channelId: row.id, ref: item.reminder.ref, kind: item.reminder.kind, dueAt: item.reminder.dueAt, stage: String(item.reminder.threshold) };
        const claim = await this.claim(ledger, row, key, item.reminder.threshold, this.ctx.now());
        if (!claim) continue;
        const payload = payloads.make(row.name, item.reminder);
        const outcome = await sendAlert({ name: row.name, config, secret, payload, http: this.ctx.httpOptions });
        const doneAt = this.ctx.now().toISOString();
        if (outcome.ok) {
          await ledger.sent(row, key, this.owner, doneAt);
          sent++;
          report.deliveries.push(entry(item, 'sent', { attempts: claim.attempts + 1, nextAttemptAt: null, error: null }));
          continue;
        }
        const failures = (await ledger.state(row))?.failures ?? state.failures;
        const nextAttemptAt = new Date(this.ctx.now().getTime() + retryDelayMs(failures + 1, outcome.retryAfterMs)).toISOString();
        const error = redactVendorText(outcome.error, secretsOf(secret));
        await ledger.failed(row, key, this.owner, { at: doneAt, error, nextAttemptAt });
        failed++;
        lastError = error;
        report.deliveries.push(entry(item, 'failed', { attempts: claim.attempts + 1, nextAttemptAt, error }));
        // The channel failed: the rest wait with it (they would most likely fail too), and go after its backoff.
        for (const rest of toSend.slice(index + 1)) report.deliveries.push(entry(rest, 'waiting', { nextAttemptAt }));
        break;
      }
    } catch (error) {
      // The ledger went away mid-run (the team's server): what was sent is recorded; the rest is not claimed.
      report.skipped.push({ channel: row.name, reason: toKeywardenError(error).message });
    }
    if (sent + failed > 0) {
      await ledger.audit({
        action: 'alert.send',
        ref: null,
        outcome: failed > 0 ? 'failed' : 'ok',
        detail: `channel "${row.name}" (${row.type}): ${plural(sent, 'alert')} sent${failed > 0 ? `, ${failed} failed (${lastError ?? 'failed'}); retried after a backoff` : ''}`,
      });
    }
  }

  /** Claims one alert in the ledger's transaction, deciding again on what the rows say now. Null when it is not this process's to send. */
  private claim(ledger: AlertLedger, row: AlertChannelRow, key: DeliveryKey, stage: ReminderThreshold, now: Date): Promise<{ attempts: number } | null> {
    const at = now.toISOString();
    const until = new Date(now.getTime() + CLAIM_LEASE_MS).toISOString();
    return ledger.claim(
      row,
      key,
      (rows) => {
        const decision = decide(rows, stage, at);
        if (decision.action === 'new') return { write: 'new', supersede: decision.supersede };
        if (decision.action === 'retry' || decision.action === 'take-over') {
          return { write: 'reclaim', from: { state: decision.row.state, claimedBy: decision.row.claimedBy }, attempts: decision.row.attempts };
        }
        return null;
      },
      { owner: this.owner, until, at },
    );
  }

  /** Where alerts are claimed and recorded: this data folder's tables, or a team home's team (`team/alerts.ts`). */
  private async ledger(): Promise<AlertLedger> {
    const team = await this.ctx.teamWrites();
    return team ? team.alertLedger() : new LocalAlertLedger(this.ctx);
  }

  /** The ledger's counts as the local copy has them (no connection: `alerts list` works offline). */
  private copyLedger(): Pick<AlertLedger, 'counts'> {
    return this.ctx.store.team.get() ? { counts: (row) => teamAlertCounts(this.ctx.store, row.name) } : new LocalAlertLedger(this.ctx);
  }
  private async openSecret(row: AlertChannelRow, config: ChannelConfig): Promise<ChannelSecret> {
    const sealed = row.hasSecret ? this.ctx.store.alerts.getSecretSealed(row.id) : null;
    if (!sealed && row.config[TEAM_SECRET_FLAG] === true) {
      // Never a signed channel sent unsigned: this copy has not received the team's secret (yet, or at all: a viewer's).
      throw new KeywardenError(
        'no_credential',
        `this copy of the team's alert channel "${row.name}" holds no secret: only operators' and admins' copies get the team's channel secrets ("keywarden team sync" copies them once you are one)`,
        { channel: row.name },
      );
    }
    if (config.type === 'webhook') return { type: 'webhook', signingSecret: sealed ? await this.ctx.vault.open(alertSecretIdentity(row.name, config), sealed) : null };
    if (config.type === 'slack') {
      if (!sealed)
        throw new KeywardenError('no_credential', `alert channel "${row.name}" has no webhook URL any more (dropped by "keywarden vault reset"): remove it and add it again`, {
          channel: row.name,
        });
      return { type: 'slack', url: await this.ctx.vault.open(alertSecretIdentity(row.name, config), sealed) };
    }
    if (!config.auth) return { type: 'email', login: null };
    if (!sealed)
      throw new KeywardenError('no_credential', `alert channel "${row.name}" has no SMTP login any more (dropped by "keywarden vault reset"): remove it and add it again`, { channel: row.name });
    const login = JSON.parse(await this.ctx.vault.open(alertSecretIdentity(row.name, config), sealed)) as { user: string; pass: string };
    return { type: 'email', login };
  }

  private summarise(row: AlertChannelRow, ledger: Pick<AlertLedger, 'counts'>): AlertChannel {
    const { sent, pending, nextAttemptAt } = ledger.counts(row);
    let config: ChannelConfig | null = null;
    try {
      config = configOf(row);
    } catch {
      config = null;
    }
    // A team's channel has its secret on the team even where this copy holds none (a viewer's).
    const hasSecret = row.hasSecret || row.config[TEAM_SECRET_FLAG] === true;
    // Failing: its last attempt failed, or the secret it cannot work without was dropped (a vault reset).
    const needsSecret = row.type === 'slack' || (config?.type === 'email' && config.auth);
    const failing = row.failures > 0 || (needsSecret && !hasSecret);
    const next = [nextAttemptAt, row.nextAttemptAt].filter((value): value is string => value !== null).sort()[0] ?? null;
    return {
      name: row.name,
      type: row.type,
      target: config ? describeTarget(config) : '(unreadable settings)',
      signed: row.type === 'webhook' && hasSecret,
      allowPrivateNetwork: config?.allowPrivateNetwork ?? false,
      email:
        config?.type === 'email'
          ? { host: config.host, port: config.port, security: config.security, from: config.from, to: [...config.to], auth: config.auth, customCa: config.ca !== null }
          : null,
      createdAt: row.createdAt,
      lastAttemptAt: row.lastAttemptAt,
      lastOkAt: row.lastOkAt,
      lastError: row.lastError,
      failing,
      failures: row.failures,
      sent,
      pending,
      nextAttemptAt: pending > 0 || row.failures > 0 ? next : null,
    };
  }
}

/** Builds each alert's payload, reading each key's vendor once. */
class PayloadMaker {
  private readonly vendors = new Map<string, { backendType: AlertPayload['backendType']; vendor: string | null }>();

  constructor(
    private readonly ctx: EngineContext,
    readonly now: Date,
  ) {}

  make(channel: string, reminder: Reminder & { threshold: ReminderThreshold }): AlertPayload {
    const { backendType, vendor } = this.vendorOf(reminder.ref);
    return {
      event: 'keywarden.reminder',
      id: alertId(channel, reminder.ref, reminder.kind, reminder.dueAt, reminder.threshold),
      test: false,
      ref: reminder.ref,
      name: reminder.name,
      backend: reminder.backend,
      backendType,
      vendor,
      kind: reminder.kind,
      dueAt: reminder.dueAt,
      daysLeft: reminder.daysLeft,
      stage: reminder.threshold,
      sentAt: new Date().toISOString(),
    };
  }

  private vendorOf(ref: string): { backendType: AlertPayload['backendType']; vendor: string | null } {
    const known = this.vendors.get(ref);
    if (known) return known;
    const { backend, keyId } = parseRef(ref);
    const row = this.ctx.store.backends.require(backend);
    let vendor: string | null = backendDefinition(row.type).displayName;
    if (row.type === 'manual') {
      const recorded = this.ctx.store.keys.getRemote(row.id, keyId)?.details?.vendor;
      vendor = typeof recorded === 'string' && recorded.trim() !== '' ? recorded : null;
    }
    const found = { backendType: row.type, vendor };
    this.vendors.set(ref, found);
    return found;
  }
}

/** The record identity of a channel's secret from its stored settings (a team's row, where there is no `AlertChannelRow`). */
export function channelSecretIdentity(name: string, type: AlertChannelType, config: Record<string, unknown>): string {
  return alertSecretIdentity(name, configOf({ name, type, config } as AlertChannelRow));
}

/** A row's settings as the sender needs them; a row this version cannot read is refused with its name. */
export function configOf(row: AlertChannelRow): ChannelConfig {
  const c = row.config;
  const allowPrivateNetwork = c.allowPrivateNetwork === true;
  const bad = () => new KeywardenError('store_corrupt', `alert channel "${row.name}" has settings this version cannot read: remove it and add it again`, { channel: row.name });
  if (row.type === 'webhook') {
    if (typeof c.url !== 'string') throw bad();
    return { type: 'webhook', url: c.url, allowPrivateNetwork };
  }
  if (row.type === 'slack') {
    if (typeof c.host !== 'string') throw bad();
    return { type: 'slack', host: c.host, allowPrivateNetwork };
  }
  if (typeof c.host !== 'string' || typeof c.port !== 'number' || typeof c.from !== 'string' || !Array.isArray(c.to) || !['starttls', 'tls', 'plain'].includes(c.security as string)) throw bad();
  return {
    type: 'email',
    host: c.host,
    port: c.port,
    security: c.security as SmtpSecurity,
    from: c.from,
    to: c.to.filter((address): address is string => typeof address === 'string'),
    ca: typeof c.ca === 'string' ? c.ca : null,
    auth: c.auth === true,
    allowPrivateNetwork,
  };
}

/** Where a channel's messages go, in words that hold no secret. */
export function describeTarget(config: ChannelConfig): string {
  if (config.type === 'webhook') return withoutQuery(config.url);
  if (config.type === 'slack') return `https://${config.host}/… (the rest of the URL is sealed)`;
  return `${config.to.join(', ')} via ${config.host}:${config.port} (${config.security})`;
}

/** The audit trail's words for a target: a URL's origin only (its path or query may carry a token). */
function auditTarget(config: ChannelConfig): string {
  if (config.type === 'webhook') return new URL(config.url).origin;
  if (config.type === 'slack') return config.host;
  return `${plural(config.to.length, 'recipient')} via ${config.host}:${config.port}`;
}

function withoutQuery(raw: string): string {
  const url = new URL(raw);
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** The channel's settings and its secret's text, checked: what `add` stores. */
async function checkedChannel(input: NewAlertChannelInput, allowPrivateNetwork: boolean): Promise<{ config: ChannelConfig; secret: string | null }> {
  const { checkAlertUrl } = await import('../backends/url-policy.js');
  const type: AlertChannelType = input.type;
  const refuse = (message: string) => new KeywardenError('invalid_input', message);
  if (type !== 'email' && input.email) throw refuse(`a ${type} channel takes no SMTP settings`);
  if (type === 'webhook') {
    if (!input.url) throw refuse('a webhook channel needs --url (its https URL)');
    const url = checkAlertUrl(input.url, { allowPrivateNetwork, secretUrl: false });
    refuseRepeatedQuery(url);
    const signingSecret = input.secret ?? null;
    if (signingSecret !== null && [...signingSecret].length < MIN_SIGNING_SECRET) {
      throw refuse(`the signing secret must be at least ${MIN_SIGNING_SECRET} characters (it keys the HMAC receivers check); e.g. "openssl rand -hex 32"`);
    }
    return { config: { type: 'webhook', url: url.href, allowPrivateNetwork }, secret: signingSecret };
  }
  if (type === 'slack') {
    if (input.secret) throw refuse('a Slack channel has no signing secret: its webhook URL is the secret');
    if (!input.url) throw refuse('a Slack channel needs its incoming webhook URL, which is itself a secret: pipe it on standard input (--secret-stdin)');
    const url = checkAlertUrl(input.url, { allowPrivateNetwork, secretUrl: true });
    refuseRepeatedQuery(url);
    return { config: { type: 'slack', host: url.hostname, allowPrivateNetwork }, secret: url.href };
  }
  if (input.url) throw refuse('an email channel takes no --url: give --smtp-host, --from and --to');
  if (input.secret) throw refuse('an email channel has no signing secret: its SMTP password is read with --password-stdin');
  const email = input.email;
  if (!email) throw refuse('an email channel needs --smtp-host, --from and --to');
  const host = email.host.trim().toLowerCase();
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+|[0-9a-f:]+)$/i.test(host) || host.includes('..'))
    throw refuse(`--smtp-host "${email.host}" is not a host name or address (no scheme, no port: the port is --smtp-port)`);
  const security: SmtpSecurity = email.security ?? 'starttls';
  const port = email.port ?? SMTP_DEFAULT_PORTS[security];
  const bare = host.replace(/^\[|\]$/g, '');
  const literal = bare === 'localhost' || bare.endsWith('.localhost') ? ({ kind: 'loopback' } as const) : judgeAddress(bare);
  if (security === 'plain' && literal?.kind !== 'loopback') {
    throw new KeywardenError(
      'insecure_url',
      `refusing plain SMTP to ${host}: the login and the mail would cross the network unencrypted; use --smtp-security starttls (or tls); plain is allowed only for a relay on this machine (127.0.0.1, ::1, localhost)`,
      { host },
    );
  }
  if (literal && !allowPrivateNetwork) {
    throw refuse(
      `--smtp-host ${host} is on this machine or the local network (${literal.kind}): another user or device could be listening there; allow it for this channel with --allow-private-network`,
    );
  }
  if (((email.user ?? null) === null) !== ((email.password ?? null) === null)) throw refuse('give both --user and the password (--password-stdin), or neither');
  let ca: string | null = null;
  if (email.caPem) {
    const found = PEM_CERTIFICATE.exec(email.caPem);
    if (!found) throw refuse('--smtp-ca-file does not hold a PEM certificate ("-----BEGIN CERTIFICATE-----")');
    if (/PRIVATE KEY/.test(email.caPem)) throw refuse('--smtp-ca-file holds a private key: give the certificate only');
    ca = email.caPem.trim();
  }
  const to = [...new Set(email.to.map((address) => address.trim()))];
  for (const address of [email.from.trim(), ...to]) {
    if (!EMAIL_ADDRESS_PATTERN.test(address) || address.length > 254) throw refuse(`"${address}" is not an email address (one address such as ops@example.com, without a display name)`);
  }
  if (to.length > 50) throw refuse('give at most 50 recipients (a mailing list address is one)');
  const config: ChannelConfig = { type: 'email', host, port, security, from: email.from.trim(), to, ca, auth: Boolean(email.user), allowPrivateNetwork };
  return { config, secret: email.user && email.password ? JSON.stringify({ user: email.user, pass: email.password }) : null };
}

/** A URL whose query names one parameter twice cannot be sent as written by the HTTP client: refused when added. */
function refuseRepeatedQuery(url: URL): void {
  const names = [...url.searchParams.keys()];
  if (new Set(names).size !== names.length) throw new KeywardenError('invalid_input', 'the URL names a query parameter twice; give each once');
}
