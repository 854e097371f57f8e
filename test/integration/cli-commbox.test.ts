/**
 * The real `keywarden` command (compiled, in a child process) against the CommBox emulator, run the way
 * an administrator would: register the organisation with an admin token, sync, watch CommBox rotate the
 * key at the end of its interval, revoke with a replacement, reveal it (also offline), delete old keys,
 * change the replacement interval, and test a key.
 *
 * The emulator clock is frozen 340 days in the past, so the seeded key expires 25 days from the real
 * "now" the CLI uses for reminders; tests move it with the emulator's control endpoint, as the contract
 * allows. Every key and token is made by the emulator at run time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommBoxState, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { EmulatorClock, type RunningEmulator, addDays } from '../../electron/core/backends/emulator-kit.js';
import type { AuditEvent, BackendSummary, Key, Reminder, RevokeResult, SyncReport } from '../../shared/domain.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';
import { advanceEmulatorClock } from '../support/connectors.js';

const DAY_MS = 86_400_000;

describe.skipIf(!hasIsolatedKeychain)('keywarden CLI with a CommBox backend', () => {
  let emulator: RunningEmulator;
  let state: CommBoxState;
  let home: CliHome;
  let adminToken: string;
  let emulatorClosed: boolean;
  /** The emulator's frozen "now": 340 days before the real now of the CLI. */
  let t0: number;
  let firstKeyId: string;
  let firstSecret: string;

  beforeEach(async () => {
    t0 = Date.now() - 340 * DAY_MS;
    ({ emulator, state } = await startCommBoxEmulator({ clock: new EmulatorClock(() => t0) }));
    emulatorClosed = false;
    adminToken = state.addAdminToken();
    const issued = state.issueActiveKey('Production');
    firstKeyId = issued.key.id;
    firstSecret = issued.secret;
    home = makeCliHome();
  });

  afterEach(async () => {
    if (!emulatorClosed) await emulator.close();
    home.remove();
  });

  async function closeEmulator(): Promise<void> {
    emulatorClosed = true;
    await emulator.close();
  }

  const advanceDays = (days: number) => advanceEmulatorClock(emulator.url, days);

  function ok(result: CliResult): CliResult {
    if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return result;
  }

  async function addBackend(): Promise<void> {
    ok(await home.run(['backend', 'add', '--type', 'commbox', '--name', 'cb', '--url', emulator.url, '--credential-stdin'], { input: adminToken }));
  }

  async function sync(): Promise<SyncReport> {
    return ok(await home.run(['sync', '--json'])).json<SyncReport>();
  }

  async function listKeys(): Promise<Key[]> {
    return ok(await home.run(['list', '--json'])).json<Key[]>();
  }

  async function keyById(id: string): Promise<Key> {
    const key = (await listKeys()).find((candidate) => candidate.id === id);
    if (!key) throw new Error(`key ${id} is not in "keywarden list"`);
    return key;
  }

  async function reminders(within: number): Promise<Reminder[]> {
    return ok(await home.run(['reminders', '--within', String(within), '--json'])).json<Reminder[]>();
  }

  /** Lets CommBox rotate the seeded key at the end of its 365-day interval, then adds the backend and syncs. */
  async function addSyncAndRotate(): Promise<{ activeId: string }> {
    await advanceDays(366);
    await addBackend();
    await sync();
    const active = state.activeKey();
    if (!active || active.id === firstKeyId) throw new Error('the emulator did not rotate the key');
    return { activeId: active.id };
  }

  it('refuses a token without admin rights, says why, and stores nothing', async () => {
    const member = state.addMemberToken();
    const result = await home.run(['backend', 'add', '--type', 'commbox', '--name', 'cb', '--url', emulator.url, '--credential-stdin'], { input: member });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/admin/i);
    expect(result.stderr).not.toContain(member);
    expect(ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>()).toEqual([]);
    expect(await listKeys()).toEqual([]);
  });

  it('adds the backend with an admin token, syncs, and lists the active key with its expiry and last four characters', async () => {
    await addBackend();
    const backends = ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>();
    expect(backends).toMatchObject([{ name: 'cb', type: 'commbox', hasCredential: true }]);

    const report = await sync();
    expect(report.ok).toBe(true);
    expect(report.results).toMatchObject([{ backend: 'cb', ok: true, keyCount: 1 }]);

    const key = await keyById(firstKeyId);
    expect(key).toMatchObject({
      ref: `cb/${firstKeyId}`,
      backend: 'cb',
      backendType: 'commbox',
      name: 'Production',
      status: 'active',
      createdAt: new Date(t0).toISOString(),
      expiresAt: addDays(new Date(t0), 365),
      prefix: `…${firstSecret.slice(-4)}`,
    });
    expect(key.prefix).toBe(`…${state.findKey(firstKeyId)!.last4}`);
    // CommBox shows keys at any time, so sync caches the active one (encrypted) for offline reveal.
    expect(key.secretCached).toBe(true);

    // The key expires 25 days from now: inside the 30-day notice, so the default reminders show it.
    const due = ok(await home.run(['reminders', '--json'])).json<Reminder[]>();
    const expiry = due.find((reminder) => reminder.ref === key.ref);
    expect(expiry).toMatchObject({ kind: 'expiry', dueAt: key.expiresAt, threshold: 30 });
    expect(expiry!.daysLeft).toBeGreaterThanOrEqual(23);
    expect(expiry!.daysLeft).toBeLessThanOrEqual(25);
  });

  it("shows CommBox's automatic rotation after the interval: a new active key, the old one in its 30-day grace, and a grace-end reminder", async () => {
    await addBackend();
    await sync();
    const before = await keyById(firstKeyId);

    await advanceDays(366);
    const report = await sync();
    expect(report.results).toMatchObject([{ backend: 'cb', ok: true, keyCount: 2 }]);

    const keys = await listKeys();
    expect(keys).toHaveLength(2);
    const old = keys.find((key) => key.id === firstKeyId)!;
    const fresh = keys.find((key) => key.id !== firstKeyId)!;
    expect(old.status).toBe('grace');
    expect(old.graceEndsAt).toBe(addDays(before.expiresAt!, 30));
    expect(fresh.status).toBe('active');
    expect(fresh.id).toBe(state.activeKey()!.id);
    // The replacement starts where the old key ended and gets a whole interval.
    expect(fresh.createdAt).toBe(before.expiresAt);
    expect(fresh.expiresAt).toBe(addDays(before.expiresAt!, 365));
    expect(fresh.prefix).toBe(`…${state.activeKey()!.secret.slice(-4)}`);

    // The old key's consumers must switch before its grace ends (55 days from now); its expiry reminder is gone.
    const due = await reminders(60);
    const forOld = due.filter((reminder) => reminder.ref === old.ref);
    expect(forOld).toHaveLength(1);
    expect(forOld[0]).toMatchObject({ kind: 'grace-end', dueAt: old.graceEndsAt });
    expect(due.some((reminder) => reminder.ref === fresh.ref)).toBe(false);
  });

  it("revokes with --validity-days 90: the replacement expires 90 days from CommBox's now and reveal prints its secret, also offline", async () => {
    const { activeId } = await addSyncAndRotate();
    const ref = `cb/${activeId}`;
    const emulatorNow = emulator.clock.iso();

    const run = ok(await home.run(['revoke', ref, '--validity-days', '90', '--yes', '--json']));
    const result = run.json<RevokeResult>();
    expect(result.revoked).toMatchObject({ ref, status: 'grace', graceEndsAt: addDays(emulatorNow, 30) });
    expect(result.replacement).not.toBeNull();
    const replacement = result.replacement!;
    // Secrets reach stdout only when asked for: not from a revoke without --show-secret.
    expect(replacement.secret).toBeNull();
    expect(run.stdout).not.toContain(state.findKey(replacement.key.id)!.secret);
    expect(run.stderr).not.toContain(state.findKey(replacement.key.id)!.secret);
    const audit = ok(await home.run(['audit', '--json'])).json<AuditEvent[]>();
    expect(audit.filter((event) => event.action === 'reveal')).toEqual([]);
    expect(replacement.key.status).toBe('active');
    expect(replacement.key.createdAt).toBe(emulatorNow);
    expect(replacement.key.expiresAt).toBe(addDays(emulatorNow, 90));

    const atVendor = state.findKey(replacement.key.id);
    expect(atVendor).toBeDefined();
    expect(atVendor!.status).toBe('active');
    expect(atVendor!.expiresAt).toBe(replacement.key.expiresAt);
    expect(state.findKey(activeId)!.status).toBe('revoked');

    const keys = await listKeys();
    expect(keys.find((key) => key.id === replacement.key.id)).toMatchObject({ status: 'active', expiresAt: addDays(emulatorNow, 90), secretCached: true });
    expect(keys.find((key) => key.id === activeId)!.status).toBe('grace');

    const revealed = ok(await home.run(['reveal', replacement.key.ref]));
    expect(revealed.stdout).toBe(`${atVendor!.secret}\n`);

    await closeEmulator();
    const offline = ok(await home.run(['reveal', replacement.key.ref]));
    expect(offline.stdout).toBe(`${atVendor!.secret}\n`);
  });

  it('revoke --show-secret prints the replacement secret once and audits it as a reveal of the replacement', async () => {
    const { activeId } = await addSyncAndRotate();
    const ref = `cb/${activeId}`;

    const json = ok(await home.run(['revoke', ref, '--yes', '--show-secret', '--json']));
    const result = json.json<RevokeResult>();
    const replacement = result.replacement!;
    const secret = state.findKey(replacement.key.id)!.secret;
    expect(replacement.secret).toBe(secret);
    expect(json.stderr).not.toContain(secret);

    const audit = ok(await home.run(['audit', '--json'])).json<AuditEvent[]>();
    const revokeAt = audit.findIndex((event) => event.action === 'revoke' && event.ref === ref);
    expect(audit[revokeAt]).toMatchObject({ outcome: 'ok' });
    expect(audit.slice(revokeAt + 1).filter((event) => event.action === 'reveal')).toEqual([expect.objectContaining({ backend: 'cb', ref: replacement.key.ref, outcome: 'ok' })]);
    expect(JSON.stringify(audit)).not.toContain(secret);

    // In text, the secret stands on its own line after the summary.
    const second = ok(await home.run(['revoke', replacement.key.ref, '--yes', '--show-secret']));
    const next = (await listKeys()).find((key) => key.status === 'active')!;
    expect(second.stdout.split('\n')).toContain(state.findKey(next.id)!.secret);
  });

  it('refuses to revoke without --yes when there is no terminal, and --validity-days 400; sends nothing and changes nothing', async () => {
    await addBackend();
    await sync();
    const ref = `cb/${firstKeyId}`;
    const keysBefore = await listKeys();
    const requestsBefore = emulator.requestLog.length;

    const unconfirmed = await home.run(['revoke', ref, '--validity-days', '90']);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toMatch(/--yes/);

    const tooLong = await home.run(['revoke', ref, '--validity-days', '400', '--yes']);
    expect(tooLong.code).not.toBe(0);
    expect(tooLong.stderr).toMatch(/--validity-days/);
    expect(tooLong.stderr).toMatch(/365/);
    expect(tooLong.stderr.trim().split('\n')).toHaveLength(1);

    expect(emulator.requestLog.slice(requestsBefore).filter((line) => line.includes('/revoke'))).toEqual([]);
    expect(state.keys).toHaveLength(1);
    expect(state.findKey(firstKeyId)!.status).toBe('active');
    expect(await listKeys()).toEqual(keysBefore);
  });

  it('refuses to delete the active key, and deletes a revoked one only with a matching --confirm', async () => {
    const { activeId } = await addSyncAndRotate();
    const activeRef = `cb/${activeId}`;
    const oldRef = `cb/${firstKeyId}`;

    const active = await home.run(['delete', activeRef, '--confirm', activeRef]);
    expect(active.code).not.toBe(0);
    expect(active.stderr).toMatch(/active key cannot be deleted/i);
    expect(state.findKey(activeId)).toBeDefined();

    const unconfirmed = await home.run(['delete', oldRef]);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toMatch(/--confirm/);
    const mismatched = await home.run(['delete', oldRef, '--confirm', activeRef]);
    expect(mismatched.code).not.toBe(0);
    expect(mismatched.stderr).toMatch(/--confirm/);
    expect(state.findKey(firstKeyId)).toBeDefined();
    const before = await listKeys();
    expect(before.find((key) => key.ref === activeRef)!.status).toBe('active');
    expect(before.find((key) => key.ref === oldRef)!.status).toBe('grace');

    ok(await home.run(['delete', oldRef, '--confirm', oldRef]));
    expect(state.findKey(firstKeyId)).toBeUndefined();
    expect((await listKeys()).map((key) => key.ref)).toEqual([activeRef]);
  });

  it("set-interval moves the active key's expiry to createdAt + the interval, and reminders follow it", async () => {
    const { activeId } = await addSyncAndRotate();
    const ref = `cb/${activeId}`;
    const before = await keyById(activeId);

    const refused = await home.run(['backend', 'set-interval', 'cb', '--days', '400']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--days/);
    expect(state.rotationIntervalDays).toBe(365);
    expect(emulator.requestLog).not.toContain('PUT /v1/api-keys/rotation');

    ok(await home.run(['backend', 'set-interval', 'cb', '--days', '30']));
    expect(state.rotationIntervalDays).toBe(30);
    const after = await keyById(activeId);
    expect(after.status).toBe('active');
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.expiresAt).toBe(addDays(before.createdAt!, 30));
    expect(state.findKey(activeId)!.expiresAt).toBe(after.expiresAt);

    const due = (await reminders(60)).filter((reminder) => reminder.ref === ref);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ kind: 'expiry', dueAt: after.expiresAt });
  });

  it('set-interval to a moment already past rotates the active key at once, never back-dated', async () => {
    const { activeId } = await addSyncAndRotate();
    // Ten more days: the active key is now 11 days old, so a 1-day interval ended 10 days ago. A
    // back-dated rotation would start the grace and the replacement then, 10 days before now.
    await advanceDays(10);
    const emulatorNow = emulator.clock.iso();
    const createdAt = (await keyById(activeId)).createdAt!;
    const backDated = addDays(createdAt, 1);
    expect(Date.parse(emulatorNow) - Date.parse(backDated)).toBe(10 * DAY_MS);
    ok(await home.run(['backend', 'set-interval', 'cb', '--days', '1']));

    const keys = await listKeys();
    const previous = keys.find((key) => key.id === activeId)!;
    expect(previous.status).toBe('grace');
    // Its grace runs 30 days from now, not from when the 1-day interval would have ended.
    expect(previous.graceEndsAt).toBe(addDays(emulatorNow, 30));
    expect(previous.graceEndsAt).not.toBe(addDays(backDated, 30));
    expect(previous.expiresAt).toBe(emulatorNow);
    const current = keys.filter((key) => key.status === 'active');
    expect(current).toHaveLength(1);
    expect(current[0]!.id).toBe(state.activeKey()!.id);
    // The replacement starts now and gets a whole interval from now: it is not born already expired.
    expect(current[0]!.createdAt).toBe(emulatorNow);
    expect(current[0]!.expiresAt).toBe(addDays(emulatorNow, 1));
    expect(Date.parse(current[0]!.expiresAt!)).toBeGreaterThan(Date.parse(emulatorNow));

    const due = await reminders(90);
    expect(due.find((reminder) => reminder.ref === previous.ref)).toMatchObject({ kind: 'grace-end', dueAt: previous.graceEndsAt });
    expect(due.find((reminder) => reminder.ref === current[0]!.ref)).toMatchObject({ kind: 'expiry', dueAt: current[0]!.expiresAt });
  });

  it('tests keys at CommBox: the active and the grace key work (exit 0, OK), an expired one fails (exit 1)', async () => {
    const { activeId } = await addSyncAndRotate();

    const active = ok(await home.run(['test', `cb/${activeId}`]));
    expect(active.stdout).toMatch(/OK/);
    expect(emulator.requestLog).toContain(`POST /v1/api-keys/${activeId}/test`);

    const grace = ok(await home.run(['test', `cb/${firstKeyId}`, '--json']));
    expect(grace.json()).toMatchObject({ ref: `cb/${firstKeyId}`, ok: true });

    // 30 more days: the grace period is over and the old key stops working.
    await advanceDays(30);
    await sync();
    const expired = await home.run(['test', `cb/${firstKeyId}`]);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toMatch(/FAILED/);
    expect(await keyById(firstKeyId)).toMatchObject({ status: 'expired', lastTestOk: false });
  });
});
