/**
 * Sends one alert to one channel, once: a webhook (its JSON body signed in `Keywarden-Signature`), a Slack incoming
 * webhook, or an email. HTTP goes through the project's one HTTP client (backends/http.ts, the only undici import),
 * with the private-network judgement of manual key tests on the address connected to; email through `mailer.ts`
 * (the only nodemailer import). Both are loaded on first use.
 *
 * Nothing is retried here: a POST is sent once (`idempotent: false`), and the caller records a failure with its
 * backoff (workflows/alerts.ts). Success is a 2xx answer, or the SMTP server's acceptance; anything else is a failure
 * whose words never hold a secret (the Slack URL, the signing secret, the SMTP login are taken out of every message).
 */
import type { AlertPayload, SmtpSecurity } from '../../../shared/alerts.js';
import type { HttpOptions } from '../backends/http.js';
import { checkAlertUrl } from '../backends/url-policy.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import { redactVendorText } from '../redact.js';
import { emailMessage, SIGNATURE_HEADER, signatureHeader, slackBody, webhookBody } from './messages.js';

/** What a channel's row holds, without its secret (workflows/alerts.ts writes and reads it). */
export type ChannelConfig =
  | { type: 'webhook'; url: string; allowPrivateNetwork: boolean }
  | { type: 'slack'; host: string; allowPrivateNetwork: boolean }
  | {
      type: 'email';
      host: string;
      port: number;
      security: SmtpSecurity;
      from: string;
      to: string[];
      ca: string | null;
      auth: boolean;
      allowPrivateNetwork: boolean;
    };

/** A channel's secret once opened: the signing secret, the Slack URL, the SMTP login; null where it has none. */
export type ChannelSecret = { type: 'webhook'; signingSecret: string | null } | { type: 'slack'; url: string } | { type: 'email'; login: { user: string; pass: string } | null };

export type SendOutcome = { ok: true; detail: string } | { ok: false; error: string; retryAfterMs: number | null };

export interface SendOptions {
  name: string;
  config: ChannelConfig;
  secret: ChannelSecret;
  payload: AlertPayload;
  /** The HTTP client's settings (timeouts; the tests' resolver). */
  http?: Partial<Omit<HttpOptions, 'backendName'>>;
  /** Bounds the SMTP conversation's pauses. */
  smtpTimeoutMs?: number;
}

const USER_AGENT = 'Keywarden-Alerts/1';

export async function sendAlert(options: SendOptions): Promise<SendOutcome> {
  const secrets = secretsOf(options.secret);
  try {
    return await send(options);
  } catch (error) {
    // A mail server's or a socket's own words (not a KeywardenError) are kept as they are, with the secrets taken out.
    const typed = error instanceof KeywardenError ? error : toKeywardenError(error, 'the channel could not be reached');
    const own = error instanceof Error && !(error instanceof KeywardenError) ? `${options.config.type === 'email' ? 'SMTP: ' : ''}${error.message}` : null;
    // A POST whose answer was lost may have arrived: said so, in the alert's words, not a vendor change's.
    const message =
      typed.code === 'outcome_unknown'
        ? `alert channel "${options.name}": the answer was lost after the alert was sent; it may have arrived (a retry carries the same id)`
        : (own ?? (typed.message || typed.code)).replace(': cannot reach the backend (', ': cannot connect (');
    return { ok: false, error: redactVendorText(message, secrets), retryAfterMs: null };
  }
}

/** Every form of the channel's secret a message could quote: taken out of whatever is kept or shown. */
export function secretsOf(secret: ChannelSecret): string[] {
  if (secret.type === 'webhook') return secret.signingSecret ? [secret.signingSecret] : [];
  if (secret.type === 'slack') {
    const found = [secret.url];
    try {
      const url = new URL(secret.url);
      found.push(url.pathname, `${url.pathname}${url.search}`);
      // The path's parts too, each long enough to matter (Slack's token is the last).
      for (const part of url.pathname.split('/')) if (part.length >= 8) found.push(part);
    } catch {
      // Not a URL: the whole text is all there is to take out.
    }
    return found;
  }
  if (!secret.login) return [];
  const { user, pass } = secret.login;
  // AUTH PLAIN and LOGIN send these in base64: a server echoing them must not put them in an error.
  return [pass, Buffer.from(`\u0000${user}\u0000${pass}`).toString('base64'), Buffer.from(pass).toString('base64')];
}

async function send(options: SendOptions): Promise<SendOutcome> {
  const { config, secret, payload } = options;
  if (config.type === 'email') {
    if (secret.type !== 'email') throw new KeywardenError('internal', 'the channel secret does not match its type');
    const { createSmtpMailer } = await import('./mailer.js');
    const mailer = createSmtpMailer({
      host: config.host,
      port: config.port,
      security: config.security,
      auth: secret.login,
      ca: config.ca,
      allowPrivateNetwork: config.allowPrivateNetwork,
      timeoutMs: options.smtpTimeoutMs ?? 30_000,
    });
    try {
      const { subject, text } = emailMessage(payload);
      const accepted = await mailer.send({ from: config.from, to: config.to, subject, text, headers: { 'X-Keywarden-Alert': payload.id } });
      return { ok: true, detail: accepted.response };
    } finally {
      mailer.close();
    }
  }
  let target: string;
  let body: unknown;
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  if (config.type === 'webhook') {
    if (secret.type !== 'webhook') throw new KeywardenError('internal', 'the channel secret does not match its type');
    target = config.url;
    body = payload;
    // http.ts sends JSON.stringify of the same object: these are the bytes signed.
    if (secret.signingSecret) headers[SIGNATURE_HEADER] = signatureHeader(secret.signingSecret, webhookBody(payload), new Date());
  } else {
    if (secret.type !== 'slack') throw new KeywardenError('internal', 'the channel secret does not match its type');
    target = secret.url;
    body = slackBody(payload);
  }
  return post(options.name, target, body, headers, config.allowPrivateNetwork, config.type === 'slack', options.http ?? {});
}

async function post(
  name: string,
  raw: string,
  json: unknown,
  headers: Record<string, string>,
  allowPrivateNetwork: boolean,
  secretUrl: boolean,
  httpOptions: SendOptions['http'],
): Promise<SendOutcome> {
  // Checked again before each use: a row edited since it was added is judged as it is now.
  const url = checkAlertUrl(raw, { allowPrivateNetwork, secretUrl });
  const { createHttpClient, parseRetryAfter } = await import('../backends/http.js');
  const http = createHttpClient(url.origin, { ...httpOptions, backendName: `alert channel "${name}"`, blockPrivateNetwork: !allowPrivateNetwork, maxAttempts: 1 });
  try {
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const response = await http.request({ method: 'POST', path: url.pathname, query, headers, json, idempotent: false, responseType: 'ignore' });
    if (response.status >= 200 && response.status < 300) return { ok: true, detail: `HTTP ${response.status}` };
    return { ok: false, error: `the channel answered HTTP ${response.status}`, retryAfterMs: parseRetryAfter(response.headers['retry-after']) };
  } finally {
    await http.close();
  }
}
