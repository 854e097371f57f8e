/**
 * Alerts and snoozes in a team home (docs/team.md, "Alerts and snoozes in a team home"), against a real PostgreSQL
 * (test/support/postgres.ts): four members with their own login roles and data folders (alice admin, bob and dave
 * operators, carol viewer), the real keychain (with-test-keychain.mjs), a signed webhook and a Slack-shaped receiver on
 * 127.0.0.1 (test/support/alert-receivers.ts). What a team relies on: the members' hosts delivering at the same moment
 * send each (key, stage) to each channel once, recorded in the team with who sent it; a viewer's host sends nothing and
 * PostgreSQL refuses it the channels' secrets; a channel's failure holds every host back; an operator's snooze reaches
 * every member's copy (offline too), a viewer's stays their own; the server holds no channel secret in the clear.
 *
 *   node test/support/with-test-keychain.mjs npx vitest run test/integration/team-alerts.test.ts
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import type { AlertPayload, NotifyReport } from '../../shared/alerts.js';
import { type HttpReceiver, startHttpReceiver, verifySignature } from '../support/alert-receivers.js';
import { hasIsolatedKeychain, runCli } from '../support/cli.js';
import { EVERY_MEMBER, type MemberName, NO_POSTGRES_REASON, type PrivatePostgres, SKIP_NO_POSTGRES } from '../support/postgres.js';
import { expectError, legacyTeam, startTeamHomes, type TeamHomes } from '../support/team-homes.js';

if (SKIP_NO_POSTGRES) console.warn(`team alert tests skipped: ${NO_POSTGRES_REASON}`);

const DAY = 86_400_000;
const START = new Date();
const at = (days: number) => new Date(START.getTime() + days * DAY).toISOString();
const secretText = (label: string) => `${label}-${randomBytes(18).toString('base64url')}`;

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)('alerts and snoozes in a team home', () => {
  let server: PrivatePostgres;
  let clock = START;
  const homes = {} as Record<MemberName, string>;
  const engines = {} as Record<MemberName, KeywardenEngine>;
  let team: TeamHomes | undefined;
  let hook: HttpReceiver;
  let slack: HttpReceiver;
  const signing = secretText('whsec');
  const slackToken = secretText('slacktoken');
  const refs = {} as Record<'stripe' | 'old' | 'fresh' | 'retry', string>;

  beforeAll(async () => {
    team = await startTeamHomes('team-alerts', homes, engines, { members: EVERY_MEMBER, now: () => clock });
    server = team.server;
    hook = await startHttpReceiver();
    slack = await startHttpReceiver();
    await engines.alice.teamInit(server.url('alice'), 'ops');
    for (const [member, role] of [
      ['bob', 'operator'],
      ['carol', 'viewer'],
      ['dave', 'operator'],
    ] as const) {
      const joined = await engines[member].teamJoin(server.url(member), 'ops');
      await engines.alice.teamApprove(member, role, joined.fingerprint);
    }
    await engines.alice.addBackend({ name: 'hand', type: 'manual' });
    refs.stripe = (await engines.alice.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', createdAt: at(-100), expiresAt: at(5), secret: secretText('sk_live') })).ref;
    refs.old = (await engines.alice.addManualKey('hand', { name: 'Old key', createdAt: at(-100), expiresAt: at(-2) })).ref;
    await engines.alice.addManualKey('hand', { name: 'Later', createdAt: at(-100), expiresAt: at(200) });
  });

  afterAll(async () => {
    await team?.close();
    await hook?.close();
    await slack?.close();
  });

  const senders = ['alice', 'bob', 'dave'] as const;
  const pullAll = () => Promise.all(EVERY_MEMBER.map((member) => engines[member].teamSync()));
  const payloads = (receiver: HttpReceiver) => receiver.received.map((request) => JSON.parse(request.body) as AlertPayload);
  const said = (receiver: HttpReceiver) =>
    payloads(receiver)
      .map((payload) => `${payload.name}@${payload.stage}`)
      .sort();
  /** Slack's body is its own format: each request's headline ("Keywarden: NAME expires in 5 days"). */
  const slackSaid = () => slack.received.map((request) => (JSON.parse(request.body) as { text: string }).text.replace(/^Keywarden: /, '').replace(/ (expires|expired).*$/, '')).sort();
  const deliveries = () =>
    server.superuser<{ channel: string; ref: string; stage: string; state: string; attempts: number; sent_by: string | null }>(
      'SELECT channel, ref, stage, state, attempts, sent_by FROM ops.alert_deliveries ORDER BY channel, ref, stage',
    );
  const teamAudit = (action: string) => server.superuser<{ member: string; detail: string | null }>('SELECT member, detail FROM ops.audit WHERE action = $1 ORDER BY id', [action]);

  it("only an admin adds the team's channels: their secrets sealed under the team key, every copy lists them, a viewer's without a secret", async () => {
    for (const [member, role] of [
      ['bob', 'an operator'],
      ['carol', 'a viewer'],
    ] as const) {
      await expectError(
        engines[member].addAlertChannel({ name: 'mine', type: 'webhook', url: `${hook.url}/mine`, allowPrivateNetwork: true }),
        'forbidden',
        new RegExp(`${member} is ${role} in team "ops": only admins add or remove the team's alert channels`),
      );
    }
    await engines.alice.addAlertChannel({ name: 'ops', type: 'webhook', url: `${hook.url}/hooks/keywarden`, secret: signing, allowPrivateNetwork: true });
    await engines.alice.addAlertChannel({ name: 'chat', type: 'slack', url: `${slack.url}/services/T0001/B0002/${slackToken}`, allowPrivateNetwork: true });
    expect(await server.superuser('SELECT name, type, has_secret, created_by FROM ops.alert_channels ORDER BY name')).toEqual([
      { name: 'chat', type: 'slack', has_secret: true, created_by: 'alice' },
      { name: 'ops', type: 'webhook', has_secret: true, created_by: 'alice' },
    ]);
    const sealed = await server.superuser<{ channel: string; sealed: Buffer }>('SELECT channel, sealed FROM ops.alert_channel_secrets ORDER BY channel');
    expect(sealed.map((row) => row.channel)).toEqual(['chat', 'ops']);
    for (const { sealed: bytes } of sealed) for (const secret of [signing, slackToken]) expect(bytes.includes(Buffer.from(secret))).toBe(false);
    expect((await teamAudit('alert.add')).map((event) => event.member)).toEqual(['alice', 'alice']);

    await pullAll();
    for (const member of EVERY_MEMBER) {
      const channels = await engines[member].alertChannels();
      // Signed, and not failing for want of a secret, also in the viewer's copy, which holds none.
      expect(channels.map((channel) => [channel.name, channel.signed, channel.failing])).toEqual([
        ['chat', false, false],
        ['ops', true, false],
      ]);
      expect((await engines[member].vaultStatus()).sealed.alertSecrets).toBe(member === 'carol' ? 0 : 2);
    }
    // A viewer's own connection is refused the secrets by PostgreSQL itself.
    await expect(server.asMember('carol', 'SELECT * FROM ops.alert_channel_secrets')).rejects.toThrow('permission denied for table alert_channel_secrets');
  });

  it("three members' hosts deliver at the same moment: each (key, stage) reaches each channel once, recorded in the team with who sent it", async () => {
    const reports = await Promise.all(senders.map((member) => engines[member].deliverAlerts()));
    expect(said(hook)).toEqual(['Old key@overdue', 'Stripe prod@7']);
    expect(slackSaid()).toEqual(['Old key', 'Stripe prod']);
    // One payload id per alert: nothing sent twice, not even as a retry.
    expect(new Set(payloads(hook).map((payload) => payload.id)).size).toBe(2);
    for (const request of hook.received) expect(verifySignature(signing, request.headers['keywarden-signature'], request.body)).toBe(true);
    expect(slack.received.every((request) => request.path === `/services/T0001/B0002/${slackToken}`)).toBe(true);
    expect(reports.reduce((sum, report) => sum + report.counts.sent, 0)).toBe(4);
    expect(reports.every((report) => report.counts.failed === 0 && report.skipped.length === 0 && report.notSentHere === null)).toBe(true);

    const rows = await deliveries();
    expect(rows.map((row) => [row.channel, row.ref, row.stage, row.state, row.attempts])).toEqual([
      ['chat', refs.old, 'overdue', 'sent', 1],
      ['chat', refs.stripe, '7', 'sent', 1],
      ['ops', refs.old, 'overdue', 'sent', 1],
      ['ops', refs.stripe, '7', 'sent', 1],
    ]);
    // Who sent each is who reported it sent: the team's record and the hosts' reports agree.
    const reported = senders.flatMap((member, index) => reports[index]!.deliveries.filter((d) => d.outcome === 'sent').map((d) => `${d.channel} ${d.ref} ${d.stage} ${member}`));
    expect(rows.map((row) => `${row.channel} ${row.ref} ${row.stage} ${row.sent_by}`).sort()).toEqual(reported.sort());
    // The team's trail has each sender's run, under that member's role.
    expect(new Set((await teamAudit('alert.send')).map((event) => event.member))).toEqual(new Set(rows.map((row) => row.sent_by)));

    // A later run, by anyone, sends nothing new.
    const again = await Promise.all(EVERY_MEMBER.map((member) => engines[member].deliverAlerts()));
    expect(again.map((report) => report.counts.sent)).toEqual([0, 0, 0, 0]);
    expect(hook.received).toHaveLength(2);
    expect(slack.received).toHaveLength(2);

    // Every member's copy says what the team sent, offline too.
    await pullAll();
    server.pause();
    try {
      for (const member of EVERY_MEMBER)
        expect((await engines[member].alertChannels()).map((channel) => [channel.name, channel.sent, channel.pending])).toEqual([
          ['chat', 2, 0],
          ['ops', 2, 0],
        ]);
    } finally {
      server.resume();
    }
  });

  it("a viewer's host sends nothing and says why; PostgreSQL refuses it a claim; an operator's host sends what is due", async () => {
    refs.fresh = (await engines.alice.addManualKey('hand', { name: 'Fresh', createdAt: at(-10), expiresAt: at(3) })).ref;
    await engines.carol.teamSync();
    const viewer = await engines.carol.deliverAlerts();
    expect(viewer).toMatchObject({ channels: 2, deliveries: [], skipped: [], counts: { sent: 0, failed: 0, waiting: 0, wouldSend: 0 } });
    expect(viewer.notSentHere).toMatch(/carol is a viewer in team "ops": only operators and admins send the team's alerts/);
    await expectError(engines.carol.testAlertChannel('ops'), 'forbidden', /carol is a viewer in team "ops"/);
    expect(hook.received).toHaveLength(2);
    await expect(
      server.asMember('carol', "INSERT INTO ops.alert_deliveries (channel, ref, kind, due_at, stage, state, created_at) VALUES ('ops', 'x', 'expiry', 'x', '7', 'sending', 'x')"),
    ).rejects.toThrow('permission denied for table alert_deliveries');
    // Nor can an operator record an alert under another member's name.
    await expect(
      server.asMember('bob', "INSERT INTO ops.alert_deliveries (channel, ref, kind, due_at, stage, state, created_at, sent_by) VALUES ('ops', 'x', 'expiry', 'x', '7', 'sent', 'x', 'alice')"),
    ).rejects.toThrow(/row-level security/);

    await engines.dave.teamSync();
    expect((await engines.dave.deliverAlerts()).counts.sent).toBe(2);
    expect(said(hook)).toEqual(['Fresh@7', 'Old key@overdue', 'Stripe prod@7']);
  });

  it("a channel's failure holds every member's host back until its backoff ends; the retry goes once", async () => {
    refs.retry = (await engines.alice.addManualKey('hand', { name: 'Retry', createdAt: at(-10), expiresAt: at(2) })).ref;
    await pullAll();
    hook.answers.push(503);
    const failed = await engines.bob.deliverAlerts();
    expect(failed.deliveries.map((d) => `${d.channel} ${d.name} ${d.outcome}`)).toEqual(['chat Retry sent', 'ops Retry failed']);
    // Another host, with another alert due: the webhook is backing off for the whole team, so nothing goes to it.
    const second = (await engines.alice.addManualKey('hand', { name: 'Second', createdAt: at(-10), expiresAt: at(2) })).ref;
    await engines.dave.teamSync();
    const waiting = await engines.dave.deliverAlerts();
    expect(waiting.deliveries.map((d) => `${d.channel} ${d.name} ${d.outcome}`)).toEqual(['chat Second sent', 'ops Retry waiting', 'ops Second waiting']);
    expect(waiting.skipped).toEqual([{ channel: 'ops', reason: expect.stringMatching(/^waiting after 1 failure in a row until .*: the channel answered HTTP 503/) }]);
    expect(hook.received.filter((request) => /"name":"(Retry|Second)"/.test(request.body))).toHaveLength(1);

    clock = new Date(clock.getTime() + 2 * 60_000);
    const retried = await engines.dave.deliverAlerts();
    expect(retried.deliveries.map((d) => `${d.channel} ${d.name} ${d.outcome} ${d.attempts}`)).toEqual(['ops Retry sent 2', 'ops Second sent 1']);
    expect((await engines.alice.deliverAlerts()).counts.sent).toBe(0);
    expect(hook.received.filter((request) => /"name":"(Retry|Second)"/.test(request.body))).toHaveLength(3);
    expect((await deliveries()).filter((row) => row.ref === refs.retry || row.ref === second)).toEqual([
      { channel: 'chat', ref: refs.retry, stage: '7', state: 'sent', attempts: 1, sent_by: 'bob' },
      { channel: 'chat', ref: second, stage: '7', state: 'sent', attempts: 1, sent_by: 'dave' },
      { channel: 'ops', ref: refs.retry, stage: '7', state: 'sent', attempts: 2, sent_by: 'dave' },
      { channel: 'ops', ref: second, stage: '7', state: 'sent', attempts: 1, sent_by: 'dave' },
    ]);
    expect(await server.superuser("SELECT consecutive_failures, next_attempt_at, last_error FROM ops.alert_channels WHERE name = 'ops'")).toEqual([
      { consecutive_failures: 0, next_attempt_at: null, last_error: null },
    ]);
  });

  it("three members' cron jobs (`keywarden notify`, a process each) send a new alert once; a viewer's says why and exits 0", async () => {
    await engines.alice.addManualKey('hand', { name: 'Cron', createdAt: at(-10), expiresAt: at(6) });
    await pullAll();
    const before = { hook: hook.received.length, slack: slack.received.length };
    const runs = await Promise.all(senders.map((member) => runCli(['--home', homes[member], 'notify', '--json'])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const sent = runs.flatMap((run) =>
      run
        .json<NotifyReport>()
        .deliveries.filter((delivery) => delivery.outcome === 'sent')
        .map((delivery) => `${delivery.channel} ${delivery.name}`),
    );
    expect(sent.sort()).toEqual(['chat Cron', 'ops Cron']);
    expect(hook.received.slice(before.hook).map((request) => (JSON.parse(request.body) as AlertPayload).name)).toEqual(['Cron']);
    expect(slack.received).toHaveLength(before.slack + 1);

    const viewer = await runCli(['--home', homes.carol, 'notify']);
    expect(viewer.code).toBe(0);
    expect(viewer.stdout).toMatch(/nothing sent from here: carol is a viewer in team "ops": only operators and admins send the team's alerts/);
  });

  it("an operator's snooze is the team's: the others' notifications wait for it after their pull, offline too; a viewer's stays their own", async () => {
    // Alice's desktop has shown everything due; dave's has shown nothing yet.
    expect(
      engines.alice
        .claimReminderNotifications()
        .map((notice) => notice.reminder.name)
        .sort(),
    ).toEqual(['Cron', 'Fresh', 'Old key', 'Retry', 'Second', 'Stripe prod']);
    const until = await engines.bob.snoozeReminder(refs.stripe, 1);
    expect(await server.superuser('SELECT ref, until, snoozed_by FROM ops.snoozes')).toEqual([{ ref: refs.stripe, until, snoozed_by: 'bob' }]);
    expect((await teamAudit('reminder.snooze')).map((event) => [event.member, event.detail])).toEqual([['bob', `until ${until}`]]);

    await engines.dave.teamSync();
    await engines.alice.teamSync();
    server.pause();
    try {
      expect(
        engines.dave
          .claimReminderNotifications()
          .map((notice) => notice.reminder.name)
          .sort(),
      ).toEqual(['Cron', 'Fresh', 'Old key', 'Retry', 'Second']);
      // The viewer snoozes too, offline or not: their own, in their data folder only, and said so.
      await engines.carol.snoozeReminder(refs.old, 7);
      expect(engines.carol.claimReminderNotifications().map((notice) => notice.reminder.name)).not.toContain('Old key');
      expect(engines.carol.auditTrail({ action: 'reminder.snooze' })[0]?.detail).toMatch(/this member's own, kept in this data folder only/);
    } finally {
      server.resume();
    }
    await engines.carol.snoozeReminder(refs.fresh, 1);
    expect((await server.superuser<{ ref: string }>('SELECT ref FROM ops.snoozes ORDER BY ref')).map((row) => row.ref)).toEqual([refs.stripe]);

    // When it ends, the reminder comes back for everyone, also for alice, who had been told already (other keys may
    // have reached their next stage by then).
    clock = new Date(Date.parse(until) + 60_000);
    expect(engines.alice.claimReminderNotifications().map((notice) => notice.reminder.name)).toContain('Stripe prod');
    expect(engines.dave.claimReminderNotifications().map((notice) => notice.reminder.name)).toContain('Stripe prod');
  });

  it('only an admin removes a channel; every copy drops it on its next pull', async () => {
    await expectError(engines.bob.removeAlertChannel('chat'), 'forbidden', /bob is an operator in team "ops": only admins add or remove the team's alert channels/);
    await engines.alice.removeAlertChannel('chat');
    expect(await server.superuser("SELECT 1 FROM ops.alert_deliveries WHERE channel = 'chat'")).toEqual([]);
    expect((await teamAudit('alert.remove')).map((event) => [event.member, event.detail])).toEqual([['alice', 'slack channel "chat" (6 alerts sent, 0 waiting dropped)']]);
    await engines.bob.teamSync();
    expect((await engines.bob.alertChannels()).map((channel) => channel.name)).toEqual(['ops']);
  });

  it("removing an operator re-seals the channels' secrets under the new team key and lists them to rotate", async () => {
    const report = await engines.alice.teamRemove('dave');
    expect(report).toMatchObject({ member: 'dave', alertChannelsToRotate: ['ops'] });
    expect(await server.superuser("SELECT generation FROM ops.alert_channel_secrets WHERE channel = 'ops'")).toEqual([{ generation: report.generation }]);
    // Bob's copy takes the re-sealed secret and still signs with it.
    await engines.bob.teamSync();
    const before = hook.received.length;
    expect(await engines.bob.testAlertChannel('ops')).toMatchObject({ ok: true });
    expect(verifySignature(signing, hook.received[before]!.headers['keywarden-signature'], hook.received[before]!.body)).toBe(true);
    // Dave's host can no longer claim anything: its own role lost the grants.
    await engines.alice.addManualKey('hand', { name: 'After dave', createdAt: at(-10), expiresAt: at(4) });
    const removed = await engines.dave.deliverAlerts();
    expect(removed.counts.sent).toBe(0);
    expect(removed.notSentHere).toMatch(/dave is no longer a member of team "ops"/);
  });

  it('the server holds no channel secret in the clear (pg_dump)', () => {
    const dump = server.dump();
    expect(dump).toContain('CREATE TABLE ops.alert_channel_secrets');
    for (const secret of [signing, slackToken]) {
      for (const form of [secret, Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64')]) expect(dump.includes(form)).toBe(false);
    }
  });

  it("team init publishes the folder's channels with what they already sent; a team of schema 2 is brought to this version by its owner", async () => {
    const legacy = legacyTeam(server, 2, { label: 'alerts-legacy', now: () => clock });
    const receiver = await startHttpReceiver();
    try {
      // A personal folder that already alerts: its channel has sent the key's 7-day alert.
      await legacy.alice.addBackend({ name: 'hand', type: 'manual' });
      await legacy.alice.addManualKey('hand', { name: 'Solo', createdAt: at(-10), expiresAt: new Date(clock.getTime() + 5 * DAY).toISOString() });
      await legacy.alice.addAlertChannel({ name: 'solo', type: 'webhook', url: `${receiver.url}/solo`, secret: secretText('whsec'), allowPrivateNetwork: true });
      expect((await legacy.alice.deliverAlerts()).counts.sent).toBe(1);
      await legacy.init();
      expect(await server.superuser('SELECT channel, stage, state, sent_by FROM legacy.alert_deliveries')).toEqual([{ channel: 'solo', stage: '7', state: 'sent', sent_by: 'alice' }]);
      expect((await legacy.alice.deliverAlerts()).counts.sent).toBe(0);
      expect(receiver.received).toHaveLength(1);

      // What a Keywarden of team schema 2 left: none of version 4's tables (nor version 3's rotation journal).
      await legacy.downgrade();
      await legacy.upgradeByOwner();
      // The channel went with the dropped tables: the admin adds it again, and the operator's host sends (once).
      await legacy.alice.teamSync();
      await legacy.alice.addAlertChannel({ name: 'again', type: 'webhook', url: `${receiver.url}/again`, allowPrivateNetwork: true });
      await legacy.bob.teamSync();
      const [first, second] = await Promise.all([legacy.alice.deliverAlerts(), legacy.bob.deliverAlerts()]);
      expect(first.counts.sent + second.counts.sent).toBe(1);
      expect(receiver.received.map((request) => request.path)).toEqual(['/solo', '/again']);

      // A member who leaves keeps the team's inventory, not its channels: their host must not send the team's alerts.
      await legacy.bob.teamLeave();
      expect(await legacy.bob.alertChannels()).toEqual([]);
    } finally {
      await receiver.close();
      await legacy.close();
    }
  });
});
