/**
 * `keywarden alerts add|list|test|remove` and `keywarden notify`: reminders beyond this machine, to a signed webhook,
 * a Slack incoming webhook or a mailbox (issue 23). Secrets come from standard input only (a webhook's signing
 * secret; a Slack webhook URL, which is itself the secret; an SMTP password), are sealed by the vault and never
 * printed again.
 */
import { readFileSync, statSync } from 'node:fs';
import type { AlertChannel, AlertDelivery, NewAlertChannelInput, NotifyReport } from '../../../shared/alerts.js';
import { ALERT_CHANNEL_TYPES, SMTP_SECURITY } from '../../../shared/rules.js';
import { KeywardenError } from '../../core/errors.js';
import { day, parseWholeNumber, plural, readSecretFromStdin, table, visible } from '../io.js';
import type { CommandRun } from '../main.js';

/** Exit code of `notify` when something due was not delivered this time (a channel failed or waits, or its secret could not be opened). */
export const EXIT_NOT_DELIVERED = 2;

/** Options that only one type of channel takes, to name a mistake instead of ignoring it. */
const EMAIL_ONLY = ['smtp-host', 'smtp-port', 'smtp-security', 'smtp-ca-file', 'from', 'to', 'user', 'password-stdin'] as const;

export const alertsAdd: CommandRun = async ({ values, out, engine }) => {
  const type = values.type as string | undefined;
  const name = values.name as string | undefined;
  if (!type || !(ALERT_CHANNEL_TYPES as readonly string[]).includes(type)) throw new KeywardenError('invalid_input', `--type must be one of ${ALERT_CHANNEL_TYPES.join(', ')}`);
  if (!name) throw new KeywardenError('invalid_input', '--name is required');
  const allowPrivateNetwork = values['allow-private-network'] === true;
  let input: NewAlertChannelInput;
  if (type === 'email') {
    if (values.url !== undefined) throw new KeywardenError('invalid_input', 'an email channel takes no --url: give --smtp-host, --from and --to');
    if (values['secret-stdin']) throw new KeywardenError('invalid_input', 'an email channel has no signing secret: its SMTP password is read with --password-stdin');
    const host = values['smtp-host'] as string | undefined;
    const from = values.from as string | undefined;
    const to = ((values.to as string[] | undefined) ?? [])
      .flatMap((list) => list.split(','))
      .map((address) => address.trim())
      .filter(Boolean);
    if (!host || !from || to.length === 0) throw new KeywardenError('invalid_input', 'an email channel needs --smtp-host, --from and at least one --to');
    const security = values['smtp-security'] as string | undefined;
    if (security !== undefined && !(SMTP_SECURITY as readonly string[]).includes(security)) throw new KeywardenError('invalid_input', `--smtp-security must be one of ${SMTP_SECURITY.join(', ')}`);
    const port = parseWholeNumber(values['smtp-port'] as string | undefined, '--smtp-port', 1, 65_535);
    const user = (values.user as string | undefined) ?? null;
    if (user !== null && !values['password-stdin']) throw new KeywardenError('invalid_input', '--user needs its password on standard input: add --password-stdin');
    if (user === null && values['password-stdin']) throw new KeywardenError('invalid_input', '--password-stdin needs --user');
    const caPem = readCaFile(values['smtp-ca-file'] as string | undefined);
    const password = values['password-stdin'] ? await readSecretFromStdin('SMTP password') : null;
    input = {
      name,
      type,
      allowPrivateNetwork,
      email: { host, from, to, user, password, caPem, ...(port === undefined ? {} : { port }), ...(security === undefined ? {} : { security: security as (typeof SMTP_SECURITY)[number] }) },
    };
  } else {
    for (const option of EMAIL_ONLY) if (values[option] !== undefined) throw new KeywardenError('invalid_input', `--${option} is for email channels only`);
    if (type === 'slack') {
      if (values.url !== undefined) {
        throw new KeywardenError(
          'invalid_input',
          'a Slack incoming webhook URL is itself a secret: pipe it on standard input with --secret-stdin, never as an argument (it would stay in your shell history and the process list)',
        );
      }
      if (!values['secret-stdin']) throw new KeywardenError('invalid_input', 'a Slack channel needs its incoming webhook URL on standard input: add --secret-stdin');
      input = { name, type, allowPrivateNetwork, url: await readSecretFromStdin('Slack webhook URL') };
    } else {
      const url = values.url as string | undefined;
      if (!url) throw new KeywardenError('invalid_input', 'a webhook channel needs --url (its https URL)');
      const secret = values['secret-stdin'] ? await readSecretFromStdin('signing secret') : null;
      input = { name, type: 'webhook', allowPrivateNetwork, url, secret };
    }
  }
  const channel = await (await engine()).addAlertChannel(input);
  const unsigned = channel.type === 'webhook' && !channel.signed ? ' (unsigned: receivers cannot tell it came from Keywarden; --secret-stdin adds a signing secret)' : '';
  out.result(
    channel,
    () => `added ${channel.type} channel "${channel.name}" to ${channel.target}${channel.signed ? ' (signed)' : ''}${unsigned}; try it with "keywarden alerts test ${channel.name}"`,
  );
  return 0;
};

/** A CA certificate file for an SMTP server: a small regular file, read whole (it is not secret). */
function readCaFile(path: string | undefined): string | null {
  if (path === undefined) return null;
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new KeywardenError('invalid_input', `--smtp-ca-file ${path} is not a file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof KeywardenError) throw error;
    throw new KeywardenError('invalid_input', `--smtp-ca-file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size > 65_536) throw new KeywardenError('invalid_input', `--smtp-ca-file ${path} is larger than 64 KiB; give the CA certificate only`);
  return readFileSync(path, 'utf8');
}

function status(channel: AlertChannel): string {
  if (channel.failing) return `FAILING: ${channel.lastError ?? 'the last attempt failed'}${channel.nextAttemptAt ? ` (next try ${channel.nextAttemptAt.replace('T', ' ').slice(0, 16)} UTC)` : ''}`;
  if (channel.lastOkAt) return `ok (last ${day(channel.lastOkAt)})`;
  return 'not used yet';
}

export const alertsList: CommandRun = async ({ out, engine }) => {
  const channels = await (await engine()).alertChannels();
  out.result(channels, () =>
    channels.length === 0
      ? 'no alert channels yet; add one with "keywarden alerts add --type webhook|slack|email --name NAME ..."'
      : table(
          ['NAME', 'TYPE', 'TARGET', 'SENT', 'WAITING', 'STATUS'],
          channels.map((channel) => [channel.name, `${channel.type}${channel.signed ? ' (signed)' : ''}`, channel.target, String(channel.sent), String(channel.pending), status(channel)]),
        ),
  );
  return 0;
};

export const alertsTest: CommandRun = async ({ positionals, out, engine }) => {
  const result = await (await engine()).testAlertChannel(positionals[0]!);
  out.result(result, () => (result.ok ? `test message to "${result.channel}" accepted (${result.detail})` : `test message to "${result.channel}" FAILED: ${result.detail}`));
  return result.ok ? 0 : 1;
};

export const alertsRemove: CommandRun = async ({ positionals, out, engine }) => {
  const name = positionals[0]!;
  await (await engine()).removeAlertChannel(name);
  out.result({ removed: name }, () => `removed alert channel "${name}"`);
  return 0;
};

const OUTCOME_WORDS: Record<AlertDelivery['outcome'], string> = { sent: 'sent', failed: 'FAILED', 'would-send': 'would send', waiting: 'waiting' };

function deliveryLine(delivery: AlertDelivery): string[] {
  const stage = delivery.stage === 'overdue' ? 'overdue' : `${delivery.stage}d`;
  const note =
    delivery.outcome === 'failed' || (delivery.outcome === 'waiting' && delivery.error)
      ? `${delivery.error ?? ''}${delivery.nextAttemptAt ? `; retry after ${delivery.nextAttemptAt.replace('T', ' ').slice(0, 16)} UTC` : ''}`
      : delivery.outcome === 'waiting' && delivery.nextAttemptAt
        ? `retry after ${delivery.nextAttemptAt.replace('T', ' ').slice(0, 16)} UTC`
        : '';
  return [OUTCOME_WORDS[delivery.outcome], delivery.channel, stage, day(delivery.dueAt), delivery.ref, delivery.name, note];
}

function summary(report: NotifyReport): string {
  const { sent, failed, waiting, wouldSend } = report.counts;
  if (report.dryRun) return `${plural(wouldSend, 'alert')} would be sent${waiting ? `, ${waiting} waiting for a retry` : ''} (dry run: nothing sent or recorded)`;
  return `${plural(sent, 'alert')} sent, ${failed} failed, ${waiting} waiting${report.nextAttemptAt && failed + waiting > 0 ? ` (next retry after ${report.nextAttemptAt.replace('T', ' ').slice(0, 16)} UTC)` : ''}`;
}

/**
 * `keywarden notify`: what is due, to every channel, once per key and stage (claimed in the store first, so a cron
 * job and the desktop app never both send one; in a team home, claimed in the team's database, so the members' hosts
 * send it once between them). Exit 0 when everything due was delivered (or nothing was due), 2
 * when something was not (a channel failed, waits for its retry, or its secret could not be opened), 1 on an error.
 */
export const notify: CommandRun = async ({ values, out, engine }) => {
  const core = await engine();
  const report = await core.deliverAlerts({ dryRun: values['dry-run'] === true, ...(values.channel ? { channel: values.channel as string } : {}) });
  for (const skipped of report.skipped) out.info(`keywarden: channel "${skipped.channel}" sent nothing: ${skipped.reason}`);
  out.result(report, () => {
    if (report.channels === 0) return 'no alert channels; add one with "keywarden alerts add"';
    // A viewer's host in a team home: nothing of its to do, so no failure either.
    if (report.notSentHere !== null) return `nothing sent from here: ${report.notSentHere}`;
    if (report.deliveries.length === 0) return `nothing due to send (${plural(report.channels, 'channel')} checked)`;
    return [table(['OUTCOME', 'CHANNEL', 'STAGE', 'DUE', 'REF', 'NAME', 'NOTE'], report.deliveries.map(deliveryLine)), '', visible(summary(report))].join('\n');
  });
  if (report.dryRun) return 0;
  return report.counts.failed + report.counts.waiting > 0 || report.skipped.length > 0 ? EXIT_NOT_DELIVERED : 0;
};
