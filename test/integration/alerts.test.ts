/**
 * Alerts beyond this machine (issue 23), with real parts: a webhook receiver on 127.0.0.1 that checks each signature
 * with its own HMAC code, a Slack-shaped receiver, and an SMTP server (`smtp-server`) that only takes mail after
 * STARTTLS with a certificate made for the run. The engine runs in this process on real SQLite files, with a clock the
 * test moves (for the backoff) and a keychain in memory. What an administrator relies on: each key and stage reaches
 * each channel once (also after a restart, and from two engines at once), a failure is retried after a backoff and
 * the channel shows as failing meanwhile (Health too), the URL policy of manual tests applies, and no secret is ever
 * in a payload, a subject, an error, `alerts list`, the audit trail or the database's bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { REMINDER_CHECK_INTERVAL_MS, ReminderScheduler } from '../../electron/core/notifications/scheduler.js';
import type { AlertPayload } from '../../shared/alerts.js';
import { type HttpReceiver, startHttpReceiver, startSmtpReceiver, verifySignature } from '../support/alert-receivers.js';
import { memoryKeychain } from '../support/memory-keychain.js';

const DAY = 86_400_000;
const START = new Date();
const at = (days: number) => new Date(START.getTime() + days * DAY).toISOString();
const secretText = (label: string) => `${label}-${randomBytes(18).toString('base64url')}`;

describe('alerts', () => {
  let home: string;
  let clock: Date;
  const keychain = memoryKeychain();
  const engines: KeywardenEngine[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  let receiver: HttpReceiver;
  let keySecret: string;

  const open = (http: Parameters<typeof KeywardenEngine.open>[0]['http'] = {}) => {
    const engine = KeywardenEngine.open({ home, now: () => clock, keychain, http: { responseTimeoutMs: 3_000, connectTimeoutMs: 3_000, totalTimeoutMs: 5_000, ...http } });
    engines.push(engine);
    return engine;
  };
  const bodies = () => receiver.received.map((request) => JSON.parse(request.body) as AlertPayload);
  /** Every file of the data folder, as text: the database, its WAL, the backups. */
  const folderText = () => {
    const files: string[] = [];
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(folder, entry.name));
        else files.push(join(folder, entry.name));
      }
    };
    walk(home);
    return files.map((file) => readFileSync(file).toString('latin1')).join('\n');
  };

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-alerts-'));
    clock = START;
    receiver = await startHttpReceiver();
    cleanups.push(() => receiver.close());
    const engine = open();
    keySecret = secretText('sk_live');
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', createdAt: at(-100), expiresAt: at(5), secret: keySecret });
    await engine.addManualKey('hand', { name: 'Old <&> key', createdAt: at(-100), expiresAt: at(-2) });
    await engine.addManualKey('hand', { name: 'Later', createdAt: at(-100), expiresAt: at(200) });
  });

  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it('a signed webhook receives each key and stage once, verifiable with its own HMAC, and never again after a restart', async () => {
    const engine = engines[0]!;
    const signing = secretText('whsec');
    const channel = await engine.addAlertChannel({ name: 'ops', type: 'webhook', url: `${receiver.url}/hooks/keywarden?team=ops`, secret: signing, allowPrivateNetwork: true });
    expect(channel).toMatchObject({ name: 'ops', type: 'webhook', signed: true, target: `${receiver.url}/hooks/keywarden?…`, failing: false, sent: 0 });

    const dry = await engine.deliverAlerts({ dryRun: true });
    expect(dry.deliveries.map((delivery) => `${delivery.name}@${delivery.stage}:${delivery.outcome}`)).toEqual(['Old <&> key@overdue:would-send', 'Stripe prod@7:would-send']);
    expect(receiver.received).toEqual([]);

    const report = await engine.deliverAlerts();
    expect(report.counts).toEqual({ sent: 2, failed: 0, waiting: 0, wouldSend: 0 });
    expect(receiver.received).toHaveLength(2);
    for (const request of receiver.received) {
      expect(request.path).toBe('/hooks/keywarden?team=ops');
      expect(request.headers['content-type']).toBe('application/json');
      expect(verifySignature(signing, request.headers['keywarden-signature'], request.body)).toBe(true);
      // Signed with another secret, or with the body changed, it does not verify.
      expect(verifySignature(secretText('other'), request.headers['keywarden-signature'], request.body)).toBe(false);
      expect(verifySignature(signing, request.headers['keywarden-signature'], request.body.replace('"test":false', '"test":true'))).toBe(false);
    }
    const stripe = bodies().find((body) => body.name === 'Stripe prod')!;
    expect(stripe).toEqual({
      event: 'keywarden.reminder',
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      test: false,
      ref: expect.stringMatching(/^hand\//),
      name: 'Stripe prod',
      backend: 'hand',
      backendType: 'manual',
      vendor: 'Stripe',
      kind: 'expiry',
      dueAt: at(5),
      daysLeft: expect.any(Number),
      stage: 7,
      sentAt: expect.any(String),
    });
    expect(bodies().find((body) => body.name === 'Old <&> key')).toMatchObject({ stage: 'overdue', vendor: null });

    expect((await engine.deliverAlerts()).deliveries).toEqual([]);
    await engine.close();
    engines.splice(0);
    expect((await open().deliverAlerts()).deliveries).toEqual([]);
    expect(receiver.received).toHaveLength(2);

    // Days pass: the next stage goes, once.
    clock = new Date(START.getTime() + 4.5 * DAY);
    expect((await engines[0]!.deliverAlerts()).deliveries.map((delivery) => `${delivery.name}@${delivery.stage}`)).toEqual(['Stripe prod@1']);
    expect((await engines[0]!.alertChannels())[0]).toMatchObject({ sent: 3, pending: 0, failing: false });

    const text = [JSON.stringify(await engines[0]!.alertChannels()), JSON.stringify(engines[0]!.auditTrail({})), ...receiver.received.map((request) => request.body), folderText()].join('\n');
    expect(text).not.toContain(signing);
    expect(text).not.toContain(keySecret);
    expect(engines[0]!.auditTrail({ action: 'alert.send' }).map((event) => event.detail)).toEqual(['channel "ops" (webhook): 2 alerts sent', 'channel "ops" (webhook): 1 alert sent']);
  });

  it('two engines on one data folder sending at once deliver each alert once between them', async () => {
    await engines[0]!.addAlertChannel({ name: 'ops', type: 'webhook', url: `${receiver.url}/hook`, allowPrivateNetwork: true });
    const second = open();
    const [a, b] = await Promise.all([engines[0]!.deliverAlerts(), second.deliverAlerts()]);
    expect(a.counts.sent + b.counts.sent).toBe(2);
    expect(
      bodies()
        .map((body) => body.name)
        .sort(),
    ).toEqual(['Old <&> key', 'Stripe prod']);
    expect(new Set(bodies().map((body) => body.id)).size).toBe(2);
  });

  it('a 500 is retried after a backoff with the same id, the channel failing meanwhile (Health says so), then sent', async () => {
    const engine = engines[0]!;
    await engine.addAlertChannel({ name: 'ops', type: 'webhook', url: `${receiver.url}/hook`, allowPrivateNetwork: true });
    receiver.answers.push(500);
    const first = await engine.deliverAlerts();
    expect(first.counts).toEqual({ sent: 0, failed: 1, waiting: 1, wouldSend: 0 });
    const failed = first.deliveries.find((delivery) => delivery.outcome === 'failed')!;
    expect(failed).toMatchObject({ attempts: 1, error: 'the channel answered HTTP 500', nextAttemptAt: new Date(START.getTime() + 60_000).toISOString() });
    expect((await engine.alertChannels())[0]).toMatchObject({ failing: true, failures: 1, lastError: 'the channel answered HTTP 500', pending: 1 });
    const finding = (await engine.health()).findings.find((found) => found.category === 'alert-channel-failing')!;
    expect(finding).toMatchObject({
      severity: 'high',
      count: 1,
      subjects: [{ ref: null, name: 'ops', what: 'alert-channel', detail: expect.stringMatching(/^webhook: the channel answered HTTP 500; 1 alert waiting/) }],
    });

    // Before the backoff ends nothing is sent.
    clock = new Date(START.getTime() + 30_000);
    expect((await engine.deliverAlerts()).counts).toEqual({ sent: 0, failed: 0, waiting: 2, wouldSend: 0 });
    expect(receiver.received).toHaveLength(1);

    clock = new Date(START.getTime() + 61_000);
    const retried = await engine.deliverAlerts();
    expect(retried.counts).toEqual({ sent: 2, failed: 0, waiting: 0, wouldSend: 0 });
    expect(retried.deliveries.find((delivery) => delivery.name === failed.name)).toMatchObject({ attempts: 2, outcome: 'sent' });
    expect(receiver.received).toHaveLength(3);
    const ids = bodies()
      .filter((body) => body.name === failed.name)
      .map((body) => body.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect((await engine.alertChannels())[0]).toMatchObject({ failing: false, failures: 0, pending: 0, sent: 2 });
    expect((await engine.health()).findings.map((found) => found.category)).not.toContain('alert-channel-failing');

    // Failures in a row double the wait, up to what the channel asks for (Retry-After) when longer.
    const { retryDelayMs } = await import('../../electron/core/workflows/alerts.js');
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures) / 60_000)).toEqual([1, 2, 4, 8]);
    expect(retryDelayMs(30) / 3_600_000).toBe(6);
    expect(retryDelayMs(1, 600_000)).toBe(600_000);
  });

  it('Slack gets its incoming-webhook body; its URL, the secret, is sealed and shown nowhere, not even in an error', async () => {
    const engine = engines[0]!;
    const token = secretText('slacktoken');
    const url = `${receiver.url}/services/T0001/B0002/${token}`;
    const channel = await engine.addAlertChannel({ name: 'team-slack', type: 'slack', url, allowPrivateNetwork: true });
    expect(channel.target).toBe('https://127.0.0.1/… (the rest of the URL is sealed)');
    await engine.deliverAlerts();
    expect(receiver.received.map((request) => request.path)).toEqual([`/services/T0001/B0002/${token}`, `/services/T0001/B0002/${token}`]);
    const body = JSON.parse(receiver.received.find((request) => request.body.includes('Old'))!.body) as {
      text: string;
      blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: unknown[] }>;
    };
    expect(body.text).toBe('Keywarden: Old &lt;&amp;&gt; key expires overdue by 2 days');
    expect(body.blocks.map((block) => block.type)).toEqual(['section', 'section', 'context']);
    expect(body.blocks[0]!.text).toEqual({ type: 'mrkdwn', text: '*Keywarden: Old &lt;&amp;&gt; key expires overdue by 2 days*' });
    expect(body.blocks[1]!.fields).toHaveLength(4);
    expect(receiver.received[0]!.headers['keywarden-signature']).toBeUndefined();

    // A test message says it is one; a receiver that then fails is reported without the URL.
    const test = await engine.testAlertChannel('team-slack');
    expect(test.ok).toBe(true);
    expect((JSON.parse(receiver.received.at(-1)!.body) as { text: string }).text).toMatch(/^\[TEST\] Keywarden test message: /);
    await receiver.close();
    const failed = await engine.testAlertChannel('team-slack');
    expect(failed).toMatchObject({ ok: false, detail: expect.stringMatching(/cannot connect \(ECONNREFUSED\)/) });

    const text = [JSON.stringify(await engine.alertChannels()), JSON.stringify(engine.auditTrail({})), JSON.stringify(failed), folderText()].join('\n');
    expect(text).not.toContain(token);
    expect(text).not.toContain('B0002');
    // Refusals never repeat a Slack URL either.
    await expect(engine.addAlertChannel({ name: 'bad', type: 'slack', url: `http://hooks.example.com/services/T/B/${token}` })).rejects.toThrow(/refusing plain http to hooks\.example\.com/);
    await expect(engine.addAlertChannel({ name: 'bad', type: 'slack', url: `not a url ${token}` })).rejects.toThrow(/^the webhook URL is not a URL$/);
  });

  it('email goes over STARTTLS with a certificate the channel trusts, the login sealed and never shown', async () => {
    const engine = engines[0]!;
    const login = { user: 'keywarden@example.test', pass: secretText('smtp-pass') };
    const smtp = await startSmtpReceiver(login);
    cleanups.push(() => smtp.close());
    const channel = await engine.addAlertChannel({
      name: 'mail',
      type: 'email',
      allowPrivateNetwork: true,
      email: { host: '127.0.0.1', port: smtp.port, from: 'keywarden@example.test', to: ['ops@example.test', 'oncall@example.test'], user: login.user, password: login.pass, caPem: smtp.certPem },
    });
    expect(channel).toMatchObject({ target: `ops@example.test, oncall@example.test via 127.0.0.1:${smtp.port} (starttls)`, email: { security: 'starttls', auth: true, customCa: true } });
    const report = await engine.deliverAlerts();
    expect(report.counts.sent).toBe(2);
    expect(smtp.mails).toHaveLength(2);
    for (const mail of smtp.mails) {
      expect(mail).toMatchObject({ from: 'keywarden@example.test', to: ['ops@example.test', 'oncall@example.test'], secure: true, user: login.user });
      expect(mail.raw).toMatch(/^X-Keywarden-Alert: [0-9a-f]{32}\r?$/m);
    }
    const stripe = smtp.mails.find((mail) => mail.raw.includes('Stripe prod'))!;
    expect(stripe.raw).toMatch(/^Subject: \[Keywarden\] Stripe prod expires in \d days\r?$/m);
    expect(stripe.raw).toContain('Backend:  hand (Stripe)');

    const test = await engine.testAlertChannel('mail');
    expect(test).toMatchObject({ ok: true, detail: expect.stringMatching(/^250 /) });
    expect(smtp.mails.at(-1)!.raw).toMatch(/^Subject: \[Keywarden TEST\] /m);

    const text = [JSON.stringify(await engine.alertChannels()), JSON.stringify(engine.auditTrail({})), ...smtp.mails.map((mail) => mail.raw), folderText()].join('\n');
    expect(text).not.toContain(login.pass);
    expect(text).not.toContain(keySecret);
  });

  it('email refuses a server that does not offer STARTTLS, a certificate it does not trust, and plain SMTP beyond this machine', async () => {
    const engine = engines[0]!;
    const login = { user: 'u@example.test', pass: secretText('smtp-pass') };
    const noTls = await startSmtpReceiver(login, { disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    cleanups.push(() => noTls.close());
    await engine.addAlertChannel({
      name: 'notls',
      type: 'email',
      allowPrivateNetwork: true,
      email: { host: '127.0.0.1', port: noTls.port, from: 'k@example.test', to: ['ops@example.test'], user: login.user, password: login.pass },
    });
    const refused = await engine.testAlertChannel('notls');
    expect(refused.ok).toBe(false);
    expect(refused.detail).toMatch(/STARTTLS/i);
    expect(noTls.mails).toEqual([]);

    const untrusted = await startSmtpReceiver(login);
    cleanups.push(() => untrusted.close());
    await engine.addAlertChannel({
      name: 'untrusted',
      type: 'email',
      allowPrivateNetwork: true,
      email: { host: '127.0.0.1', port: untrusted.port, from: 'k@example.test', to: ['ops@example.test'], user: login.user, password: login.pass },
    });
    const notTrusted = await engine.testAlertChannel('untrusted');
    expect(notTrusted.ok).toBe(false);
    expect(notTrusted.detail).toMatch(/self[- ]signed|certificate/i);
    expect(untrusted.mails).toEqual([]);
    expect(JSON.stringify([refused, notTrusted, engine.auditTrail({})])).not.toContain(login.pass);

    await expect(engine.addAlertChannel({ name: 'plain', type: 'email', email: { host: 'smtp.example.com', security: 'plain', from: 'k@example.test', to: ['o@example.test'] } })).rejects.toThrow(
      /refusing plain SMTP to smtp\.example\.com/,
    );
    await expect(engine.addAlertChannel({ name: 'lan', type: 'email', email: { host: '10.0.0.5', from: 'k@example.test', to: ['o@example.test'] } })).rejects.toThrow(/--allow-private-network/);
    await expect(engine.addAlertChannel({ name: 'who', type: 'email', email: { host: 'smtp.example.com', from: 'k@example.test', to: ['Ops <o@example.test>'] } })).rejects.toThrow(
      /is not an email address/,
    );
  });

  it('the URL policy of manual tests applies: https, and this machine or the local network only when allowed, judged on the connected address too', async () => {
    const engine = engines[0]!;
    await expect(engine.addAlertChannel({ name: 'plain', type: 'webhook', url: 'http://alerts.example.com/hook' })).rejects.toThrow(/refusing plain http to alerts\.example\.com/);
    await expect(engine.addAlertChannel({ name: 'local', type: 'webhook', url: `${receiver.url}/hook` })).rejects.toThrow(/a loopback address .*--allow-private-network/);
    await expect(engine.addAlertChannel({ name: 'lan', type: 'webhook', url: 'https://10.1.2.3/hook' })).rejects.toThrow(/a private address/);
    await expect(engine.addAlertChannel({ name: 'meta', type: 'webhook', url: 'https://169.254.169.254/latest' })).rejects.toThrow(/a link-local address/);
    await expect(engine.addAlertChannel({ name: 'weak', type: 'webhook', url: 'https://alerts.example.com/hook', secret: 'short' })).rejects.toThrow(/at least 16 characters/);
    await expect(engine.addAlertChannel({ name: 'Bad Name', type: 'webhook', url: 'https://alerts.example.com/hook' })).rejects.toThrow(/is not a channel name/);

    // A public-looking name that resolves to this machine is refused when the request is made, before anything is sent.
    const resolving = open({ resolveHost: async () => [{ address: '127.0.0.1', family: 4 }] });
    await resolving.addAlertChannel({ name: 'sneaky', type: 'webhook', url: 'https://alerts.example.com/hook' });
    const report = await resolving.deliverAlerts();
    expect(report.counts.failed).toBe(1);
    expect(report.deliveries.find((delivery) => delivery.outcome === 'failed')!.error).toMatch(
      /refusing to send the request to alerts\.example\.com: it resolves to 127\.0\.0\.1, a loopback address/,
    );
    expect(receiver.received).toEqual([]);
  });

  it('the desktop scheduler sends alerts with its checks, and comes back for a retry sooner than its hourly check', async () => {
    const engine = engines[0]!;
    await engine.addAlertChannel({ name: 'ops', type: 'webhook', url: `${receiver.url}/hook`, allowPrivateNetwork: true });
    receiver.answers.push(500);
    const scheduler = new ReminderScheduler({
      engine,
      notify: () => {},
      alerts: async () => ({ nextAttemptAt: (await engine.deliverAlerts()).nextAttemptAt }),
      intervalMs: REMINDER_CHECK_INTERVAL_MS,
      now: () => clock.getTime() + 59_000,
    });
    scheduler.start();
    cleanups.push(() => scheduler.stop());
    await scheduler.alertsSettled();
    expect(receiver.received).toHaveLength(1);
    // The retry is due a minute after the failure: the scheduler comes back then (here: a second later by its clock).
    clock = new Date(START.getTime() + 61_000);
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(3);
    await scheduler.alertsSettled();
  });

  it('removing a channel drops what it waits to send; add, test and remove are audited by name, without secrets', async () => {
    const engine = engines[0]!;
    const signing = secretText('whsec');
    await engine.addAlertChannel({ name: 'ops', type: 'webhook', url: `${receiver.url}/hook`, secret: signing, allowPrivateNetwork: true });
    await expect(engine.addAlertChannel({ name: 'ops', type: 'webhook', url: `${receiver.url}/hook`, allowPrivateNetwork: true })).rejects.toThrow(/already exists/);
    expect((await engine.testAlertChannel('ops')).ok).toBe(true);
    expect(verifySignature(signing, receiver.received[0]!.headers['keywarden-signature'], receiver.received[0]!.body)).toBe(true);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ event: 'keywarden.test', test: true, ref: 'test/example' });
    await engine.removeAlertChannel('ops');
    expect(await engine.alertChannels()).toEqual([]);
    await expect(engine.testAlertChannel('ops')).rejects.toThrow(/no alert channel named "ops"/);
    const trail = engine.auditTrail({}).filter((event) => event.action.startsWith('alert.'));
    expect(trail.map((event) => `${event.action} ${event.outcome}`)).toEqual(['alert.add ok', 'alert.test ok', 'alert.remove ok']);
    expect(trail[0]!.detail).toBe(`webhook channel "ops" to ${receiver.url} (signed)`);
    expect(JSON.stringify(trail)).not.toContain(signing);
    // The vault counts the sealed secret, and a reset drops it with the rest.
    await engine.addAlertChannel({ name: 'ops2', type: 'webhook', url: `${receiver.url}/hook`, secret: signing, allowPrivateNetwork: true });
    expect((await engine.vaultStatus()).sealed.alertSecrets).toBe(1);
    expect((await engine.resetVault()).dropped.alertSecrets).toBe(1);
    expect((await engine.alertChannels())[0]).toMatchObject({ signed: false, lastError: expect.stringMatching(/vault reset/) });
  });
});
