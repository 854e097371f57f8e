/**
 * What an alert says, per channel, from one payload (`AlertPayload`, shared/alerts.ts): the webhook's JSON body and
 * its Stripe-style signature, the Slack incoming-webhook body, and the email's subject and text. Pure, so the tests
 * and the docs' examples read the same thing the engine sends. A payload holds what the inventory shows of a key
 * (reference, name, backend, vendor, due date, days left, stage), never a secret, never a link.
 */
import { createHash, createHmac } from 'node:crypto';
import type { AlertPayload } from '../../../shared/alerts.js';
import type { ReminderThreshold } from '../../../shared/domain.js';
import { localDate } from '../dates.js';
import { REMINDER_KIND_WORDS } from '../reminders/reminders.js';
import { visible } from '../text.js';

/** The header a signed webhook carries: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const SIGNATURE_HEADER = 'Keywarden-Signature';

/** The alert's id: the same for every attempt of one (channel, key, due date, stage), so a receiver can drop a repeat. */
export function alertId(channel: string, ref: string, kind: string, dueAt: string, stage: ReminderThreshold): string {
  return createHash('sha256')
    .update(JSON.stringify([channel, ref, kind, dueAt, String(stage)]))
    .digest('hex')
    .slice(0, 32);
}

/** The webhook's raw body: exactly the bytes that are signed and sent. */
export function webhookBody(payload: AlertPayload): string {
  return JSON.stringify(payload);
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the channel's signing secret. */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** When, in words: "in 7 days", "today", "overdue by 3 days", "overdue since today". */
export function whenWords(payload: Pick<AlertPayload, 'daysLeft' | 'stage'>): string {
  const days = payload.daysLeft;
  if (payload.stage === 'overdue') return days < 0 ? `overdue by ${-days} day${days === -1 ? '' : 's'}` : 'overdue since today';
  if (days === 0) return 'today';
  return `in ${days} day${days === 1 ? '' : 's'}`;
}

/** The calendar day of the due date as the CLI and the console show it: a day stays that day, an instant is read in the local zone. */
function dueDay(dueAt: string): string {
  return localDate(dueAt);
}

/** One line: "Stripe prod expires in 7 days". A key's name is vendor text: shown with control characters escaped. */
export function headline(payload: AlertPayload): string {
  return `${visible(payload.name)} ${REMINDER_KIND_WORDS[payload.kind]} ${whenWords(payload)}`;
}

function stageWords(stage: ReminderThreshold): string {
  return stage === 'overdue' ? 'overdue' : `${stage}-day reminder`;
}

/** Slack's mrkdwn needs `&`, `<` and `>` escaped (its docs: "Escaping text"); anything else is shown as written. */
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * The Slack incoming-webhook body: `text` (what notifications and clients without blocks show) and the same in
 * blocks: the headline, then the key's reference, backend, vendor and due date. A test message says so first.
 */
export function slackBody(payload: AlertPayload): { text: string; blocks: unknown[] } {
  const prefix = payload.test ? '[TEST] Keywarden test message: ' : 'Keywarden: ';
  const text = `${prefix}${headline(payload)}`;
  const facts = [
    `*Key:* \`${visible(payload.ref)}\``,
    `*Backend:* ${visible(payload.backend)}${payload.vendor ? ` (${visible(payload.vendor)})` : ''}`,
    `*Due:* ${dueDay(payload.dueAt)} (${whenWords(payload)})`,
    `*Stage:* ${stageWords(payload.stage)}`,
  ];
  return {
    text: slackEscape(text),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(text)}*` } },
      { type: 'section', fields: facts.map((fact) => ({ type: 'mrkdwn', text: slackEscape(fact) })) },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: payload.test ? 'Sent by "keywarden alerts test": nothing is due, this channel works.' : `Alert ${payload.id}. Sent once per key and stage by Keywarden.`,
          },
        ],
      },
    ],
  };
}

/** The email's subject and plain text. One line of subject, no control characters (a name cannot add a header). */
export function emailMessage(payload: AlertPayload): { subject: string; text: string } {
  const subject = `${payload.test ? '[Keywarden TEST] ' : '[Keywarden] '}${headline(payload)}`.replace(/\s+/g, ' ').slice(0, 250);
  const lines = [
    payload.test ? 'This is a test message from "keywarden alerts test": nothing is due; alerts to this address work.' : headline(payload),
    '',
    `Key:      ${visible(payload.name)}`,
    `Ref:      ${visible(payload.ref)}`,
    `Backend:  ${visible(payload.backend)}${payload.vendor ? ` (${visible(payload.vendor)})` : ''}`,
    `Due:      ${dueDay(payload.dueAt)} (${whenWords(payload)})`,
    `Stage:    ${stageWords(payload.stage)}`,
    '',
    payload.test ? '' : `Alert id ${payload.id}: sent once per key and stage. Open Keywarden, or run "keywarden show ${visible(payload.ref)}", to act on it.`,
  ];
  return { subject, text: `${lines.join('\n').trimEnd()}\n` };
}

/** The example a test message carries: clearly not a real key. */
export function testPayload(channel: string, at: Date): AlertPayload {
  const dueAt = new Date(at.getTime() + 7 * 86_400_000).toISOString().slice(0, 10);
  return {
    event: 'keywarden.test',
    id: alertId(channel, 'test/example', 'expiry', dueAt, 7),
    test: true,
    ref: 'test/example',
    name: 'Example key (test message)',
    backend: 'test',
    backendType: 'manual',
    vendor: null,
    kind: 'expiry',
    dueAt,
    daysLeft: 7,
    stage: 7,
    sentAt: at.toISOString(),
  };
}
