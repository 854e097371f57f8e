/**
 * Real receivers for alert tests: an HTTP listener on 127.0.0.1 that keeps every request's raw body and headers (and
 * answers with the statuses it is given, in turn), a webhook signature checked with this file's own HMAC code (not the
 * engine's), an SMTP server (the `smtp-server` package) offering STARTTLS with a certificate made for the test by
 * openssl, and a search for a secret in every file of a data folder.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpReceiver {
  url: string;
  received: Received[];
  /** Statuses to answer with, in turn; 200 once they are used up. */
  answers: number[];
  close(): Promise<void>;
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const received: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = answers.shift() ?? 200;
      response.end(response.statusCode === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Verifies `Keywarden-Signature: t=<unix seconds>,v1=<hex>` as a receiver would, with its own HMAC-SHA256 of
 * "<t>.<raw body>" and a constant-time comparison; also that `t` is within `toleranceSeconds` of now.
 */
export function verifySignature(secret: string, header: string | string[] | undefined, rawBody: string, toleranceSeconds = 300): boolean {
  if (typeof header !== 'string') return false;
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface ReceivedMail {
  from: string | null;
  to: string[];
  raw: string;
  /** Whether the session had been upgraded with STARTTLS when the message came. */
  secure: boolean;
  user: string | null;
}

export interface SmtpReceiver {
  port: number;
  /** The server's certificate (self-signed, for 127.0.0.1 and localhost), to trust with --smtp-ca-file. */
  certPem: string;
  certFile: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl for this run. */
export function makeCertificate(): { folder: string; key: string; cert: string; certFile: string } {
  const folder = mkdtempSync(join(tmpdir(), 'keywarden-smtp-cert-'));
  const keyFile = join(folder, 'key.pem');
  const certFile = join(folder, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { folder, key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

/** An SMTP server on 127.0.0.1 offering STARTTLS (unless `options` hide it) and asking for `login`. */
export async function startSmtpReceiver(login: { user: string; pass: string }, options: Partial<SMTPServerOptions> = {}): Promise<SmtpReceiver> {
  const certificate = makeCertificate();
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    key: certificate.key,
    cert: certificate.cert,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === login.user && auth.password === login.pass) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : null,
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    certPem: certificate.cert,
    certFile: certificate.certFile,
    mails,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(certificate.folder, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
