/**
 * Email over SMTP for alert channels: the only nodemailer import, behind the small `Mailer` interface (loaded only
 * when an email channel sends, so no other command pays for it).
 *
 * - STARTTLS is required on the default port 587 (`requireTLS`: a server that does not offer it is refused, never
 *   used in plain text); `tls` is TLS from the first byte (port 465); `plain` is allowed only to this machine (a local
 *   relay), as plain http is for webhooks. Certificates are verified, TLS 1.2 or newer; a channel may add a CA of its
 *   own (an internal CA) beside the system's.
 * - The connection is made here, not by nodemailer (its `getSocket` hook): the host's addresses are judged before
 *   connecting and the address the socket reached is judged again before a byte is sent, with the URL policy's
 *   `judgeAddress` (backends/url-policy.ts), so a server on this machine or the local network is reached only where
 *   the channel allows it (`--allow-private-network`), as for webhooks and manual key tests.
 * - Success is the server's acceptance of the message (its 250 answer to the data), nothing less.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import nodemailer from 'nodemailer';
import type { SmtpSecurity } from '../../../shared/alerts.js';
import { KeywardenError } from '../errors.js';
import { type AddressVerdict, judgeAddress, verdictInWords } from '../backends/url-policy.js';

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** The login, where the server wants one. */
  auth: { user: string; pass: string } | null;
  /** A PEM certificate (or chain) trusted for this server beside the system's CAs. */
  ca: string | null;
  allowPrivateNetwork: boolean;
  /** Bounds connecting, the greeting, and each pause of the conversation. */
  timeoutMs: number;
  /** How the host is resolved to every address it has; default: the system's resolver. Tests pass a table. */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>;
}

export interface MailMessage {
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  /** Sends one message; resolves with the server's acceptance (e.g. `250 2.0.0 Ok: queued`), rejects otherwise. */
  send(message: MailMessage): Promise<{ response: string }>;
  close(): void;
}

export function createSmtpMailer(settings: SmtpSettings): Mailer {
  const secure = settings.security === 'tls';
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure,
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'plain',
    ...(settings.auth ? { auth: { user: settings.auth.user, pass: settings.auth.pass } } : {}),
    tls: {
      servername: isIP(settings.host) ? undefined : settings.host,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      ...(settings.ca ? { ca: [...rootCertificates, settings.ca] } : {}),
    },
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    dnsTimeout: settings.timeoutMs,
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
    getSocket: (_options, callback) => {
      judgedSocket(settings).then(
        (socket) => callback(null, { connection: socket }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
  return {
    async send(message) {
      const info = (await transport.sendMail({
        from: message.from,
        to: [...message.to],
        subject: message.subject,
        text: message.text,
        ...(message.headers ? { headers: message.headers } : {}),
        disableFileAccess: true,
        disableUrlAccess: true,
      })) as { response?: unknown; rejected?: unknown };
      const rejected = Array.isArray(info.rejected) ? info.rejected.length : 0;
      if (rejected > 0) throw new KeywardenError('network', `the SMTP server refused ${rejected} of ${message.to.length} recipient${message.to.length === 1 ? '' : 's'}`);
      return { response: typeof info.response === 'string' ? info.response : 'accepted' };
    },
    close() {
      transport.close();
    },
  };
}

/** A TCP connection to the SMTP server, judged on every address the host resolves to and on the address reached. */
async function judgedSocket(settings: SmtpSettings): Promise<Socket> {
  const host = settings.host.replace(/^\[|\]$/g, '');
  const addresses: LookupAddress[] = isIP(host) ? [{ address: host, family: isIP(host) }] : await (settings.resolveHost ?? resolveAll)(host);
  if (addresses.length === 0) throw new KeywardenError('network', `${host}: no address found`);
  for (const { address } of addresses) {
    const refusal = refuse(settings, host, address, 'resolves to');
    if (refusal) throw refusal;
  }
  const target = addresses[0]!;
  return new Promise<Socket>((resolve, reject) => {
    const socket = netConnect({ host: target.address, port: settings.port, family: target.family });
    const timer = setTimeout(() => socket.destroy(new KeywardenError('timeout', `${host}:${settings.port}: could not connect in time`)), settings.timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      // Judged again on the address actually reached, before a byte of the conversation (the password) is sent.
      const refusal = refuse(settings, host, socket.remoteAddress ?? 'an unknown address', 'connected to');
      if (refusal) {
        socket.destroy();
        reject(refusal);
        return;
      }
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

function refuse(settings: SmtpSettings, host: string, address: string, how: 'resolves to' | 'connected to'): KeywardenError | null {
  const verdict: AddressVerdict | null = address === 'an unknown address' ? { kind: 'unspecified', carries: null } : judgeAddress(address);
  const where = host === address ? `it is ${verdict ? verdictInWords(verdict) : 'a public address'}` : `it ${how} ${address}, ${verdict ? verdictInWords(verdict) : 'a public address'}`;
  if (settings.security === 'plain' && verdict?.kind !== 'loopback') {
    return new KeywardenError('insecure_url', `refusing plain SMTP to ${host}: ${where}; without TLS only a relay on this machine may be used (use --smtp-security starttls or tls)`, { host });
  }
  if (verdict && !settings.allowPrivateNetwork) {
    return new KeywardenError(
      'invalid_input',
      `refusing to send mail to ${host}: ${where}, and servers on this machine or the local network are not allowed for this channel (--allow-private-network)`,
      {
        host,
        address,
        addressKind: verdict.kind,
      },
    );
  }
  return null;
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return dnsLookup(hostname, { all: true });
}
