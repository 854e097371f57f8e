/**
 * Alerts beyond this machine (issue 23) as the contract carries them: the channels a reminder is sent to (a signed
 * webhook, a Slack incoming webhook, email over SMTP), a channel as `alerts list` and the console show it (never a
 * secret: a Slack URL is shown redacted, a password never), what `keywarden notify` sent, and a test message's answer.
 * The engine (`electron/core/workflows/alerts.ts`) sends them; declared here once, so the console's answers are
 * validated like every other and the CLI's `--json` has the same shape.
 */
import { z } from 'zod';
import { BackendName, BackendType, IsoDate, KeyRef, ReminderKind, ReminderThreshold } from './domain.js';
import { ALERT_CHANNEL_TYPES, BACKEND_NAME_PATTERN, EMAIL_ADDRESS_PATTERN, SMTP_SECURITY } from './rules.js';

export { ALERT_CHANNEL_TYPES, SMTP_SECURITY };
export const AlertChannelType = z.enum(ALERT_CHANNEL_TYPES);
export type AlertChannelType = z.infer<typeof AlertChannelType>;

/** A channel's name: the same rule as a backend's (it is typed in commands and shown in the audit trail). */
export const AlertChannelName = z.string().regex(BACKEND_NAME_PATTERN, 'use 1-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit');
export type AlertChannelName = z.infer<typeof AlertChannelName>;

/** How an SMTP connection is protected: STARTTLS (587, the default), TLS from the start (465), or none (loopback only). */
export const SmtpSecurity = z.enum(SMTP_SECURITY);
export type SmtpSecurity = z.infer<typeof SmtpSecurity>;

/** An email address as the channel keeps it: one address, no display name, no spaces or angle brackets. */
export const EmailAddress = z.string().max(254).regex(EMAIL_ADDRESS_PATTERN, 'an email address looks like ops@example.com');

/** What a channel says of its email settings (never the password; whether one is set). */
export const EmailSettings = z.object({
  host: z.string(),
  port: z.number().int().min(1).max(65_535),
  security: SmtpSecurity,
  from: EmailAddress,
  to: z.array(EmailAddress).min(1),
  /** The SMTP user name, when the server wants a login; the user name and password are sealed together. */
  auth: z.boolean(),
  /** Whether a CA certificate of the channel's own is trusted for the server (an internal CA, a test server). */
  customCa: z.boolean(),
});
export type EmailSettings = z.infer<typeof EmailSettings>;

/** A channel as `alerts list` and the console show it. Nothing in it is secret. */
export const AlertChannel = z.object({
  name: AlertChannelName,
  type: AlertChannelType,
  /**
   * Where messages go, in words: a webhook's URL (its query, which may carry a token, shown as `?…`); a Slack
   * webhook's host only (the whole URL is the secret); `host:port` and the recipients for email.
   */
  target: z.string(),
  /** A webhook with a signing secret (the Keywarden-Signature header); Slack and email are never signed this way. */
  signed: z.boolean(),
  allowPrivateNetwork: z.boolean(),
  email: EmailSettings.nullable(),
  createdAt: IsoDate,
  /** The last delivery or test, and the last that the channel accepted (a 2xx answer, or the SMTP server's acceptance). */
  lastAttemptAt: IsoDate.nullable(),
  lastOkAt: IsoDate.nullable(),
  /** Why the last attempt failed, secret-free; null once one succeeds. */
  lastError: z.string().nullable(),
  /** The last attempt failed: Health lists the channel, and deliveries wait (`nextAttemptAt`). */
  failing: z.boolean(),
  /** Attempts that failed in a row (0 after a success); the backoff grows with them. */
  failures: z.number().int().nonnegative(),
  /** Alerts sent so far, and alerts waiting for a retry after a failure. */
  sent: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  /** When the next retry may go (null when none waits). */
  nextAttemptAt: IsoDate.nullable(),
});
export type AlertChannel = z.infer<typeof AlertChannel>;

/** A channel as the console's form (and the CLI) adds it; the secrets go straight to the vault. */
export const NewAlertChannelInput = z
  .object({
    name: AlertChannelName,
    type: AlertChannelType,
    /** Webhook: its https URL. Slack: the incoming webhook's URL, which is itself the secret (sealed, never shown again). */
    url: z.string().min(1).max(2_000).nullable().optional(),
    /** Webhook: the signing secret (HMAC-SHA256 key of the Keywarden-Signature header); sealed. */
    secret: z.string().min(1).max(16_384).nullable().optional(),
    /** Allow a target on this machine or the local network (private, loopback, link-local...): refused otherwise. */
    allowPrivateNetwork: z.boolean().optional(),
    email: z
      .object({
        host: z.string().min(1).max(253),
        port: z.number().int().min(1).max(65_535).optional(),
        security: SmtpSecurity.optional(),
        from: EmailAddress,
        to: z.array(EmailAddress).min(1).max(50),
        user: z.string().min(1).max(320).nullable().optional(),
        /** Sealed with the user name; never shown again. */
        password: z.string().min(1).max(16_384).nullable().optional(),
        /** A PEM certificate (or chain) to trust for this server, beside the system's (an internal CA). Not secret. */
        caPem: z.string().min(1).max(65_536).nullable().optional(),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();
export type NewAlertChannelInput = z.infer<typeof NewAlertChannelInput>;

/** One alert: a key's reminder at a stage, for one channel. */
export const AlertDelivery = z.object({
  channel: AlertChannelName,
  ref: KeyRef,
  name: z.string(),
  backend: BackendName,
  kind: ReminderKind,
  dueAt: z.string(),
  daysLeft: z.number().int(),
  stage: ReminderThreshold,
  /**
   * `sent`: the channel accepted it; `failed`: it did not, and it is retried after `nextAttemptAt`; `would-send`: a dry
   * run's answer; `waiting`: a retry whose time has not come, or a channel backing off (not sent this time).
   */
  outcome: z.enum(['sent', 'failed', 'would-send', 'waiting']),
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: IsoDate.nullable(),
  error: z.string().nullable(),
});
export type AlertDelivery = z.infer<typeof AlertDelivery>;

/** What `keywarden notify` (and the desktop app's scheduler) did: each alert, and the channels it could not use. */
export const NotifyReport = z.object({
  dryRun: z.boolean(),
  checkedAt: IsoDate,
  channels: z.number().int().nonnegative(),
  deliveries: z.array(AlertDelivery),
  counts: z.object({ sent: z.number().int().nonnegative(), failed: z.number().int().nonnegative(), waiting: z.number().int().nonnegative(), wouldSend: z.number().int().nonnegative() }),
  /** Channels that sent nothing this time, and why (their secret could not be opened, or they are backing off). */
  skipped: z.array(z.object({ channel: AlertChannelName, reason: z.string() })),
  /** The earliest retry that waits, for a scheduler that wants to come back then. */
  nextAttemptAt: IsoDate.nullable(),
  /**
   * Why this host sent none of the alerts, though there are channels: in a team home, the team's alerts are sent by
   * its operators' and admins' hosts, never a viewer's (docs/team.md). Null otherwise.
   */
  notSentHere: z.string().nullable(),
});
export type NotifyReport = z.infer<typeof NotifyReport>;

/** What `alerts test` answered: whether the channel accepted the clearly marked test message, and what it said. */
export const AlertTestResult = z.object({
  channel: AlertChannelName,
  ok: z.boolean(),
  at: IsoDate,
  /** "HTTP 200", "250 2.0.0 Ok: queued", or the secret-free reason it failed. */
  detail: z.string(),
});
export type AlertTestResult = z.infer<typeof AlertTestResult>;

/** The payload a webhook receives (docs/alerts.md): also what the Slack text and the email are written from. */
export interface AlertPayload {
  /** `keywarden.reminder`, or `keywarden.test` for `alerts test`. */
  event: 'keywarden.reminder' | 'keywarden.test';
  /** The same for every attempt of one alert (channel, key, due date, stage): a receiver drops a repeat by it. */
  id: string;
  test: boolean;
  ref: string;
  name: string;
  backend: string;
  backendType: BackendType;
  /** The vendor, in words: the backend type's name, or a manual key's vendor (null when none was recorded). */
  vendor: string | null;
  kind: ReminderKind;
  dueAt: string;
  daysLeft: number;
  stage: ReminderThreshold;
  sentAt: string;
}
