/**
 * The real `keywarden` command (built, in child processes) with alert channels: `alerts add|list|test|remove`,
 * `settings set --reminder-lead-days`, and `keywarden notify` as cron runs it, its exit codes, and two `notify`
 * processes started at once against one data folder delivering each alert once between them. The data key is opened
 * with a passphrase file (as on a server without a keychain); secrets come on standard input and appear in no output.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localDate, startOfLocalDay } from '../../electron/core/dates.js';
import type { AlertChannel, AlertPayload, NotifyReport } from '../../shared/alerts.js';
import type { Settings } from '../../shared/domain.js';
import { type HttpReceiver, startHttpReceiver, verifySignature } from '../support/alert-receivers.js';
import { type CliHome, type CliResult, makeCliHome } from '../support/cli.js';

const dateIn = (days: number) => localDate(startOfLocalDay(new Date(), days).toISOString());

describe('keywarden alerts and notify', () => {
  let home: CliHome;
  let receiver: HttpReceiver;
  let env: Record<string, string>;
  let passphraseFolder: string;
  const outputs: string[] = [];

  const run = async (args: string[], input?: string): Promise<CliResult> => {
    const result = await home.run(args, { env, ...(input === undefined ? {} : { input }) });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const ok = (result: CliResult): CliResult => {
    if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return result;
  };

  beforeEach(async () => {
    home = makeCliHome();
    receiver = await startHttpReceiver();
    passphraseFolder = mkdtempSync(join(tmpdir(), 'keywarden-alerts-pass-'));
    const passphraseFile = join(passphraseFolder, 'passphrase');
    writeFileSync(passphraseFile, `${randomBytes(12).toString('hex')}\n`);
    chmodSync(passphraseFile, 0o600);
    // No keychain, as in a cron job on a server: the passphrase file opens the data key.
    env = { KEYWARDEN_PASSPHRASE_FILE: passphraseFile, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/keywarden-test-bus' };
    ok(await run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
    for (const [name, days] of [
      ['Soon', 5],
      ['Month', 20],
      ['Next quarter', 45],
    ] as const) {
      ok(await run(['key', 'add', '--backend', 'hand', '--name', name, '--created-at', dateIn(-100), '--expires-at', dateIn(days)]));
    }
    ok(await run(['key', 'add', '--backend', 'hand', '--name', 'Gone', '--created-at', dateIn(-100), '--expires-at', dateIn(-3)]));
  });

  afterEach(async () => {
    await receiver.close();
    home.remove();
    rmSync(passphraseFolder, { recursive: true, force: true });
    outputs.splice(0);
  });

  it('adds, lists, tests and removes channels; secrets come on stdin and are never printed; the lead times are a setting', async () => {
    const signing = `whsec_${randomBytes(24).toString('hex')}`;
    const refused = await run(['alerts', 'add', '--type', 'webhook', '--name', 'ops', '--url', `${receiver.url}/hook`, '--secret-stdin'], signing);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/a loopback address .*--allow-private-network/);

    const added = ok(
      await run(['alerts', 'add', '--type', 'webhook', '--name', 'ops', '--url', `${receiver.url}/hook`, '--secret-stdin', '--allow-private-network', '--json'], signing),
    ).json<AlertChannel>();
    expect(added).toMatchObject({ name: 'ops', type: 'webhook', signed: true });

    const slackToken = randomBytes(16).toString('hex');
    const slackArg = await run(['alerts', 'add', '--type', 'slack', '--name', 'team', '--url', `https://hooks.slack.com/services/T/B/${slackToken}`]);
    expect(slackArg.code).toBe(1);
    expect(slackArg.stderr).toMatch(/itself a secret: pipe it on standard input with --secret-stdin/);
    ok(await run(['alerts', 'add', '--type', 'slack', '--name', 'team', '--secret-stdin', '--allow-private-network'], `${receiver.url}/services/T1/B1/${slackToken}\n`));

    const listed = ok(await run(['alerts', 'list', '--json'])).json<AlertChannel[]>();
    expect(listed.map((channel) => [channel.name, channel.type, channel.target])).toEqual([
      ['ops', 'webhook', `${receiver.url}/hook`],
      ['team', 'slack', 'https://127.0.0.1/… (the rest of the URL is sealed)'],
    ]);
    expect(ok(await run(['alerts', 'list'])).stdout).toMatch(/^ops\s+webhook \(signed\)\s+http:\/\/127\.0\.0\.1:\d+\/hook\s+0\s+0\s+not used yet$/m);

    const tested = ok(await run(['alerts', 'test', 'ops']));
    expect(tested.stdout).toBe('test message to "ops" accepted (HTTP 200)\n');
    expect(verifySignature(signing, receiver.received[0]!.headers['keywarden-signature'], receiver.received[0]!.body)).toBe(true);
    receiver.answers.push(503);
    const failedTest = await run(['alerts', 'test', 'team']);
    expect(failedTest.code).toBe(1);
    expect(failedTest.stdout).toBe('test message to "team" FAILED: the channel answered HTTP 503\n');

    // The lead times: a setting of their own, checked, shown, used by notify.
    const bad = await run(['settings', 'set', '--reminder-lead-days', '30,30']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--reminder-lead-days: each lead time is given once/);
    const settings = ok(await run(['settings', 'set', '--reminder-lead-days', '7,60,1,30,14', '--json'])).json<Settings>();
    expect(settings.reminderLeadDays).toEqual([60, 30, 14, 7, 1]);
    expect(ok(await run(['settings'])).stdout).toMatch(/^reminder-lead-days\s+60,30,14,7,1 d\s+the tray, notifications and alerts/m);
    const reminders = ok(await run(['reminders'])).stdout;
    expect(reminders).toMatch(/Next quarter/);
    expect(reminders).toMatch(/Next quarter\s+60d$/m);

    ok(await run(['alerts', 'remove', 'team']));
    expect(
      ok(await run(['alerts', 'list', '--json']))
        .json<AlertChannel[]>()
        .map((channel) => channel.name),
    ).toEqual(['ops']);
    const audit = ok(await run(['audit', '--json'])).json<Array<{ action: string; detail: string | null }>>();
    expect(audit.filter((event) => event.action.startsWith('alert.')).map((event) => event.action)).toEqual(['alert.add', 'alert.add', 'alert.test', 'alert.test', 'alert.remove']);

    const everything = [...outputs, JSON.stringify(audit), ...home.filesContent().map((bytes) => bytes.toString('latin1'))].join('\n');
    expect(everything).not.toContain(signing);
    expect(everything).not.toContain(slackToken);
  });

  it('notify sends what is due once, says what it did, and exits 2 while something was not delivered', async () => {
    ok(await run(['alerts', 'add', '--type', 'webhook', '--name', 'ops', '--url', `${receiver.url}/hook`, '--allow-private-network']));
    const dry = ok(await run(['notify', '--dry-run', '--json'])).json<NotifyReport>();
    expect(dry.deliveries.map((delivery) => `${delivery.name}@${delivery.stage}:${delivery.outcome}`)).toEqual(['Gone@overdue:would-send', 'Soon@7:would-send', 'Month@30:would-send']);
    expect(receiver.received).toEqual([]);

    receiver.answers.push(500);
    const first = await run(['notify']);
    expect(first.code).toBe(2);
    expect(first.stdout).toMatch(/^FAILED\s+ops\s+overdue\s+.*Gone\s+the channel answered HTTP 500; retry after /m);
    expect(first.stdout).toMatch(/^0 alerts sent, 1 failed, 2 waiting \(next retry after /m);
    const listed = ok(await run(['alerts', 'list', '--json'])).json<AlertChannel[]>();
    expect(listed[0]).toMatchObject({ failing: true, pending: 1 });
    const health = ok(await run(['health', '--json'])).json<{ findings: Array<{ category: string }> }>();
    expect(health.findings.map((finding) => finding.category)).toContain('alert-channel-failing');

    // Still within the backoff: nothing is sent, and the run says so.
    const waiting = await run(['notify', '--json']);
    expect(waiting.code).toBe(2);
    expect(waiting.json<NotifyReport>().counts).toEqual({ sent: 0, failed: 0, waiting: 3, wouldSend: 0 });
    expect(receiver.received).toHaveLength(1);

    // A test that goes through clears the way: the next run sends all three.
    ok(await run(['alerts', 'test', 'ops']));
    const sent = ok(await run(['notify', '--json'])).json<NotifyReport>();
    expect(sent.counts.sent).toBe(3);
    expect(ok(await run(['notify'])).stdout).toBe('nothing due to send (1 channel checked)\n');
    const reminders = receiver.received.map((request) => JSON.parse(request.body) as AlertPayload).filter((body) => !body.test);
    expect(reminders.map((body) => body.name).sort()).toEqual(['Gone', 'Gone', 'Month', 'Soon']);
  });

  it('two notify processes started at once against one data folder deliver each alert exactly once', async () => {
    ok(await run(['alerts', 'add', '--type', 'webhook', '--name', 'a', '--url', `${receiver.url}/a`, '--allow-private-network']));
    ok(await run(['alerts', 'add', '--type', 'webhook', '--name', 'b', '--url', `${receiver.url}/b`, '--allow-private-network']));
    const [one, two] = await Promise.all([run(['notify', '--json']), run(['notify', '--json'])]);
    expect([one.code, two.code]).toEqual([0, 0]);
    const sent = one.json<NotifyReport>().counts.sent + two.json<NotifyReport>().counts.sent;
    // Three keys due (overdue, 7 and 30 days) times two channels.
    expect(sent).toBe(6);
    const received = receiver.received.map((request) => `${request.path} ${(JSON.parse(request.body) as AlertPayload).id}`);
    expect(received).toHaveLength(6);
    expect(new Set(received).size).toBe(6);
    expect(received.filter((line) => line.startsWith('/a '))).toHaveLength(3);
    // And a third run, later, finds nothing left.
    expect(ok(await run(['notify', '--json'])).json<NotifyReport>().deliveries).toEqual([]);
  });
});
