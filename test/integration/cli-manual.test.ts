/**
 * The real `keywarden` command (compiled, in a child process) with a manual backend: keys of vendors
 * without an API recorded by hand, their reminders and derived status, input that must be refused,
 * a per-key HTTP test template (checked against the BoxWatch emulator), reveal, delete, export, and
 * sync being a no-op. Secrets are made at run time; none is written here.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import type { Key, Reminder, SyncReport } from '../../shared/domain.js';
import { localDate, startOfLocalDay } from '../../electron/core/dates.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';

/** `YYYY-MM-DD`, `days` calendar days from today in the local time zone (which the CLI child shares). */
const dateIn = (days: number) => localDate(startOfLocalDay(new Date(), days).toISOString());
/** A vendor-looking secret made now, long enough to be identified by its last four characters. */
const newSecret = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url')}`;

describe.skipIf(!hasIsolatedKeychain)('keywarden CLI with a manual backend', () => {
  let home: CliHome;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeEach(async () => {
    home = makeCliHome();
    ok(await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand']));
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    home.remove();
  });

  function ok(result: CliResult): CliResult {
    if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return result;
  }

  async function addKey(args: string[], secret?: string): Promise<Key> {
    const withSecret = secret === undefined ? args : [...args, '--secret-stdin'];
    return ok(await home.run(['key', 'add', '--backend', 'hand', ...withSecret, '--json'], secret === undefined ? {} : { input: `${secret}\n` })).json<Key>();
  }

  async function listKeys(args: string[] = []): Promise<Key[]> {
    return ok(await home.run(['list', '--json', ...args])).json<Key[]>();
  }

  async function reminders(args: string[] = []): Promise<Reminder[]> {
    return ok(await home.run(['reminders', '--json', ...args])).json<Reminder[]>();
  }

  async function startBoxWatch() {
    const boxwatch = await startBoxWatchEmulator();
    cleanups.push(() => boxwatch.emulator.close());
    return boxwatch;
  }

  it("edits a manual key's dates: the reminder follows, the secret still opens, and the change is audited", async () => {
    const secret = newSecret('sk_live');
    const added = await addKey(['--name', 'Stripe prod', '--expires-at', dateIn(90)], secret);
    expect(await reminders()).toEqual([]);

    // The vendor shortened the key's life: due in 5 days now, so the 7-day reminder appears.
    const edited = ok(await home.run(['key', 'edit', added.ref, '--expires-at', dateIn(5), '--json'])).json<Key>();
    expect(edited.expiresAt).not.toBe(added.expiresAt);
    const [reminder] = await reminders();
    expect(reminder).toMatchObject({ ref: added.ref, kind: 'expiry', daysLeft: 5, threshold: 7 });

    // An interval instead of an expiry: the expiry is cleared and the due date is created + 30 days.
    const interval = ok(await home.run(['key', 'edit', added.ref, '--created-at', dateIn(-20), '--rotate-every-days', '30', '--json'])).json<Key>();
    expect(interval.expiresAt).toBeNull();
    expect((await reminders())[0]).toMatchObject({ ref: added.ref, kind: 'rotation', daysLeft: 10 });

    // The secret is bound to the test target, not the dates: it still opens.
    expect(ok(await home.run(['reveal', added.ref])).stdout).toBe(`${secret}\n`);
    const audit = ok(await home.run(['audit', '--json'])).json<Array<{ action: string; ref: string | null }>>();
    expect(audit.filter((event) => event.action === 'key.edit' && event.ref === added.ref)).toHaveLength(2);

    for (const [args, message] of [
      [['--expires-at', dateIn(5), '--rotate-every-days', '30'], /give one of/],
      [[], /nothing to change/],
      [['--expires-at', '2027-02-30'], /not a date/],
      [['--created-at', dateIn(10), '--expires-at', dateIn(5)], /expiry date must be after the created date/],
    ] as const) {
      const refused = await home.run(['key', 'edit', added.ref, ...args]);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr).toMatch(message);
    }
    expect((await reminders())[0]).toMatchObject({ kind: 'rotation', daysLeft: 10 });
  });

  it('describes a key: owner, environment, tags and notes from flags and standard input, shown, searched and changed', async () => {
    const added = await addKey(['--name', 'Payments', '--owner', 'Ana Lima', '--tag', 'pci,billing']);
    expect(added).toMatchObject({ owner: 'Ana Lima', environment: null, tags: ['pci', 'billing'], notes: null });

    const notes = 'Used by the invoice job.\nRotate with finance on a Monday.';
    const edited = ok(await home.run(['key', 'edit', added.ref, '--env', 'prod', '--untag', 'billing', '--tag', 'prod', '--notes-stdin', '--json'], { input: `${notes}\n` })).json<Key>();
    expect(edited).toMatchObject({ owner: 'Ana Lima', environment: 'prod', tags: ['pci', 'prod'], notes });
    // Dates untouched by a description change.
    expect(edited.expiresAt).toBe(added.expiresAt);

    const shown = ok(await home.run(['show', added.ref])).stdout;
    expect(shown).toMatch(/owner:\s+Ana Lima/);
    expect(shown).toMatch(/tags:\s+pci, prod/);
    expect(shown).toContain('notes:\n  Used by the invoice job.\n  Rotate with finance on a Monday.');
    expect((await listKeys(['--search', 'finance'])).map((key) => key.ref)).toEqual([added.ref]);

    const cleared = ok(await home.run(['key', 'edit', added.ref, '--no-owner', '--no-tags', '--no-notes', '--json'])).json<Key>();
    expect(cleared).toMatchObject({ owner: null, environment: 'prod', tags: [], notes: null });
    for (const [args, message] of [
      [['--owner', 'A', '--no-owner'], /give --owner or --no-owner, not both/],
      [['--tag', 'two words'], /not one word/],
      [['--notes', 'x', '--no-notes'], /not both/],
    ] as const) {
      const refused = await home.run(['key', 'edit', added.ref, ...args]);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr).toMatch(message);
    }
    expect(
      ok(await home.run(['audit', '--json']))
        .json<Array<{ action: string }>>()
        .filter((event) => event.action === 'key.describe'),
    ).toHaveLength(2);
  });

  it('list --search reads the search syntax: fields, quoted values, due windows, negation; an unknown field is refused in words', async () => {
    const payments = await addKey(['--name', 'Payments', '--vendor', 'Stripe', '--owner', 'Ana Lima', '--tag', 'pci', '--env', 'prod', '--expires-at', dateIn(10)]);
    const ledger = await addKey(['--name', 'Ledger', '--vendor', 'Adyen', '--owner', 'Bruno', '--env', 'staging', '--expires-at', dateIn(200)]);
    const refs = async (search: string) => (await listKeys(['--search', search])).map((key) => key.ref).sort();
    expect(await refs('stripe')).toEqual([payments.ref]);
    expect(await refs('vendor:adyen')).toEqual([ledger.ref]);
    expect(await refs('owner:"Ana Lima" tag:pci')).toEqual([payments.ref]);
    expect(await refs('env:staging')).toEqual([ledger.ref]);
    expect(await refs('due<30')).toEqual([payments.ref]);
    expect(await refs('-tag:pci backend:hand')).toEqual([ledger.ref]);
    expect(await refs('status:revoked')).toEqual([]);
    const refused = await home.run(['list', '--search', 'colour:red']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/search: "colour:" is not a search field: use vendor:, backend:, status:, owner:, tag: or env:/);
  });

  it('shows and changes the shared preferences, refusing values out of range and keeping the others', async () => {
    expect(ok(await home.run(['settings', '--json'])).json()).toEqual({
      clipboardClearSeconds: 30,
      backgroundSyncHours: 6,
      revealHideSeconds: 30,
      lockAfterIdleMinutes: 15,
      maxRotationDays: null,
      reminderLeadDays: [30, 7, 1],
    });
    const changed = ok(await home.run(['settings', 'set', '--clipboard-clear-seconds', '12', '--json'])).json();
    expect(changed).toEqual({ clipboardClearSeconds: 12, backgroundSyncHours: 6, revealHideSeconds: 30, lockAfterIdleMinutes: 15, maxRotationDays: null, reminderLeadDays: [30, 7, 1] });
    expect(ok(await home.run(['settings'])).stdout).toMatch(/clipboard-clear-seconds\s+12 s\s+clear a copied secret/);
    for (const [args, message] of [
      [['--clipboard-clear-seconds', '0'], /--clipboard-clear-seconds must be from 5 to 3600/],
      [['--background-sync-hours', '1000'], /--background-sync-hours must be from 1 to 168/],
      [[], /nothing to change/],
    ] as const) {
      const refused = await home.run(['settings', 'set', ...args]);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr).toMatch(message);
    }
    expect(ok(await home.run(['settings', '--json'])).json()).toMatchObject({ clipboardClearSeconds: 12 });
    // The organisation's rotation policy is unset by default, set in days, and unset again with "none".
    expect(ok(await home.run(['settings', 'set', '--max-rotation-days', '90'])).stdout).toMatch(/max-rotation-days\s+90 days/);
    expect(ok(await home.run(['settings', 'set', '--max-rotation-days', 'none', '--json'])).json()).toMatchObject({ maxRotationDays: null });
    const audit = ok(await home.run(['audit', '--json'])).json<Array<{ action: string; detail: string | null }>>();
    expect(audit.filter((event) => event.action === 'settings.update').map((event) => event.detail)).toEqual(['clipboardClearSeconds=12', 'maxRotationDays=90', 'maxRotationDays=null']);
  });

  it('records a key with an expiry date 5 days ahead: active, secret cached, and a 7-day expiry reminder', async () => {
    const secret = newSecret('sk_live');
    const expires = dateIn(5);
    const added = await addKey(['--name', 'Stripe prod', '--vendor', 'Stripe', '--expires-at', expires], secret);
    expect(added.ref).toMatch(/^hand\/stripe-prod/);

    const [listed, ...others] = await listKeys();
    expect(others).toEqual([]);
    expect(listed).toMatchObject({
      ref: added.ref,
      backend: 'hand',
      backendType: 'manual',
      name: 'Stripe prod',
      status: 'active',
      // A day typed without a time is kept as that calendar day (docs/cli.md, "Dates").
      expiresAt: expires,
      rotationDueAt: expires,
      prefix: `…${secret.slice(-4)}`,
      secretCached: true,
    });
    expect((await listKeys(['--search', 'Stripe'])).map((key) => key.ref)).toEqual([added.ref]);

    const due = await reminders();
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ ref: added.ref, kind: 'expiry', dueAt: listed!.expiresAt, threshold: 7, daysLeft: 5 });
  });

  it('shows a key past its rotation interval as overdue', async () => {
    const created = dateIn(-100);
    const added = await addKey(['--name', 'Mailer', '--rotate-every-days', '90', '--created-at', created]);
    // A key created on a typed day falls due on a day too: 90 calendar days on.
    expect(added.rotationDueAt).toBe(localDate(startOfLocalDay(new Date(`${created}T12:00:00`), 90).toISOString()));
    expect(added.status).toBe('active');
    expect(added.secretCached).toBe(false);

    const due = await reminders();
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ ref: added.ref, kind: 'rotation', dueAt: added.rotationDueAt, threshold: 'overdue' });
    expect(due[0]!.daysLeft).toBe(-10);
  });

  it('derives status "expired" for a key whose expiry date has passed', async () => {
    const past = await addKey(['--name', 'Old partner key', '--created-at', dateIn(-400), '--expires-at', dateIn(-3)]);
    const current = await addKey(['--name', 'Current partner key', '--created-at', dateIn(-3), '--expires-at', dateIn(300)]);
    const keys = await listKeys();
    expect(keys.find((key) => key.ref === past.ref)!.status).toBe('expired');
    expect(keys.find((key) => key.ref === current.ref)!.status).toBe('active');
    expect((await listKeys(['--status', 'expired'])).map((key) => key.ref)).toEqual([past.ref]);
    expect((await listKeys(['--status', 'active'])).map((key) => key.ref)).toEqual([current.ref]);
    // Nobody else tells the administrator that a hand-recorded key expired: it stays an overdue expiry reminder.
    const due = await reminders();
    expect(due.map((reminder) => reminder.ref)).toEqual([past.ref]);
    expect(due[0]).toMatchObject({ kind: 'expiry', threshold: 'overdue', dueAt: keys.find((key) => key.ref === past.ref)!.expiresAt });
    expect(due[0]!.daysLeft).toBeLessThan(0);
  });

  it('refuses an expiry together with a rotation interval, and a bad date, storing nothing', async () => {
    const both = await home.run(['key', 'add', '--backend', 'hand', '--name', 'Both', '--expires-at', dateIn(30), '--rotate-every-days', '90']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/either an expiry date or a rotation interval/);

    const badDate = await home.run(['key', 'add', '--backend', 'hand', '--name', 'Bad date', '--expires-at', '2026-13-45']);
    expect(badDate.code).not.toBe(0);
    expect(badDate.stderr).toMatch(/"2026-13-45" is not a date/);
    expect(badDate.stderr).toMatch(/YYYY-MM-DD/);

    const words = await home.run(['key', 'add', '--backend', 'hand', '--name', 'Words', '--created-at', 'last tuesday']);
    expect(words.code).not.toBe(0);
    expect(words.stderr).toMatch(/is not a date/);

    expect(await listKeys()).toEqual([]);
  });

  it('tests a key with its HTTP template: OK for the right key, FAILED (exit 1) for a wrong one; reveals and deletes it', async () => {
    const { emulator, state } = await startBoxWatch();
    const account = state.addAccount('ops@acme.example');
    const { secret } = state.issueKey(account.id, 'Entered by hand');
    // The emulator listens on 127.0.0.1: a test request there must be allowed explicitly.
    const template = ['--test-url', `${emulator.url}/auth/me`, '--test-header', 'Authorization: Bearer {secret}', '--test-expect', '200', '--test-allow-private-network'];

    const good = await addKey(['--name', 'bw-by-hand', ...template], secret);
    // Before anything is sent, show says where the test will send the secret (never the header value).
    const shown = ok(await home.run(['show', good.ref]));
    expect(shown.stdout).toContain(`test sends to:  GET ${emulator.url}/auth/me with header Authorization, expecting 200 (target on this machine or the local network allowed)`);
    expect(shown.stdout).not.toContain('Bearer');
    expect(ok(await home.run(['show', good.ref, '--json'])).json()).toMatchObject({ testTarget: expect.stringContaining(`${emulator.url}/auth/me`) });
    const tested = ok(await home.run(['test', good.ref]));
    expect(tested.stdout).toMatch(/OK/);
    expect(emulator.requestLog).toContain('GET /auth/me');
    expect((await listKeys()).find((key) => key.ref === good.ref)).toMatchObject({ lastTestOk: true });

    const wrongSecret = `bw_${randomBytes(32).toString('hex')}`;
    const wrong = await addKey(['--name', 'bw-wrong', ...template], wrongSecret);
    const failed = await home.run(['test', wrong.ref]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/FAILED/);
    expect(failed.stdout).toMatch(/401/);
    expect((await listKeys()).find((key) => key.ref === wrong.ref)).toMatchObject({ lastTestOk: false });

    const revealed = ok(await home.run(['reveal', good.ref]));
    expect(revealed.stdout).toBe(`${secret}\n`);

    const unconfirmed = await home.run(['delete', good.ref, '--confirm', wrong.ref]);
    expect(unconfirmed.code).not.toBe(0);
    expect((await listKeys()).map((key) => key.ref)).toContain(good.ref);

    ok(await home.run(['delete', good.ref, '--confirm', good.ref]));
    expect((await listKeys()).map((key) => key.ref)).toEqual([wrong.ref]);
    expect((await home.run(['reveal', good.ref])).code).not.toBe(0);
    // Deleting a manual key is local: the vendor's key is untouched.
    expect(state.keys).toHaveLength(1);
  });

  it('refuses a test on this machine or the local network without --test-allow-private-network, in any spelling, storing nothing', async () => {
    const { emulator, state } = await startBoxWatch();
    const { secret } = state.issueKey(state.addAccount('ops@acme.example').id, 'Entered by hand');
    const targets = [
      `${emulator.url}/auth/me`,
      `http://localhost:${emulator.port}/auth/me`,
      'https://127.0.0.5/me',
      'https://0177.0.0.1/me',
      'https://[2002:a9fe:a9fe::]/me',
      'https://[fec0::1]/me',
      'https://[::a9fe:a9fe]/me',
    ];
    for (const target of targets) {
      const refused = await home.run(['key', 'add', '--backend', 'hand', '--name', 'x', '--secret-stdin', '--test-url', target, '--test-header', 'Authorization: Bearer {secret}'], {
        input: secret,
      });
      expect(refused.code, target).toBe(1);
      expect(refused.stderr, target).toMatch(/^keywarden: the test URL points at \S+, an? [^:]+ address[^:]*: on this machine or the local network another user or device could be listening/);
      expect(refused.stderr, target).toMatch(/\(--test-allow-private-network\)\n$/);
      expect(refused.stderr).not.toContain(secret);
    }
    expect(await listKeys()).toEqual([]);
    expect(emulator.requestLog).toEqual([]);
  });

  it('refuses a test template without {secret} or without a secret to put in it', async () => {
    const noPlaceholder = await home.run(
      ['key', 'add', '--backend', 'hand', '--name', 'x', '--secret-stdin', '--test-url', 'http://127.0.0.1:9/ping', '--test-header', 'Authorization: Bearer token', '--test-allow-private-network'],
      { input: newSecret('sk') },
    );
    expect(noPlaceholder.code).not.toBe(0);
    expect(noPlaceholder.stderr).toMatch(/\{secret\}/);

    const noSecret = await home.run([
      'key',
      'add',
      '--backend',
      'hand',
      '--name',
      'y',
      '--test-url',
      'http://127.0.0.1:9/ping',
      '--test-header',
      'Authorization: Bearer {secret}',
      '--test-allow-private-network',
    ]);
    expect(noSecret.code).not.toBe(0);
    expect(noSecret.stderr).toMatch(/--secret-stdin/);
    expect(await listKeys()).toEqual([]);
  });

  it('exports the inventory as CSV and JSON without any secret', async () => {
    const secrets = [newSecret('sk_live'), newSecret('tw')];
    const stripe = await addKey(['--name', 'Stripe prod', '--vendor', 'Stripe', '--expires-at', dateIn(60), '--owner', 'Ana Lima', '--tag', 'prod'], secrets[0]);
    const twilio = await addKey(['--name', 'SMS, "primary"', '--vendor', 'Twilio', '--rotate-every-days', '90'], secrets[1]);
    const bare = await addKey(['--name', 'No secret here']);

    const csv = ok(await home.run(['export', '--format', 'csv']));
    const lines = csv.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      '\uFEFFref,backend,backendType,id,name,prefix,status,createdAt,expiresAt,graceEndsAt,rotationDueAt,lastUsedAt,lastTestedAt,lastTestOk,secretCached,syncedAt,owner,environment,notes,dueAt,daysLeft,vendor,tags',
    );
    // The date that matters now and the calendar days left to it, as the console's Due column says them.
    const stripeRow = lines.find((line) => line.startsWith(`${stripe.ref},`))!.split(',');
    expect(stripeRow.slice(-4)).toEqual([expect.stringMatching(/^\d{4}-/), '60', 'Manual', 'prod']);
    // The administrator's description is exported as typed.
    expect(stripeRow.slice(16, 19)).toEqual(['Ana Lima', '', '']);
    expect(lines).toHaveLength(4);
    for (const key of [stripe, twilio, bare]) expect(lines.filter((line) => line.startsWith(`${key.ref},`))).toHaveLength(1);
    // A name with a comma and quotes stays one cell.
    expect(csv.stdout).toContain('"SMS, ""primary"""');
    for (const secret of secrets) {
      expect(csv.stdout).not.toContain(secret);
      expect(csv.stderr).not.toContain(secret);
    }

    const folder = mkdtempSync(join(tmpdir(), 'keywarden-export-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const file = join(folder, 'inventory.json');
    const json = ok(await home.run(['export', '--format', 'json', '--output', file]));
    expect(json.stdout).toBe('');
    const text = readFileSync(file, 'utf8');
    const exported = JSON.parse(text) as Key[];
    expect(exported.map((key) => key.ref).sort()).toEqual([stripe.ref, twilio.ref, bare.ref].sort());
    expect(exported.find((key) => key.ref === stripe.ref)).toMatchObject({ name: 'Stripe prod', expiresAt: stripe.expiresAt, secretCached: true });
    for (const secret of secrets) expect(text).not.toContain(secret);

    const badFormat = await home.run(['export', '--format', 'xml']);
    expect(badFormat.code).not.toBe(0);
    expect(badFormat.stderr).toMatch(/--format must be csv, json or ics/);
  });

  it('treats sync of a manual backend as a no-op that succeeds, keeps its keys, and says manual backends have nothing to sync', async () => {
    const added = await addKey(['--name', 'Kept', '--rotate-every-days', '30']);
    const all = ok(await home.run(['sync', '--json'])).json<SyncReport>();
    expect(all.ok).toBe(true);
    const named = ok(await home.run(['sync', 'hand']));
    expect(named.code).toBe(0);
    expect(named.stdout).toMatch(/^hand: manual backends have nothing to sync; add its keys with "keywarden key add --backend hand/);
    expect(named.stdout).not.toMatch(/no backends/);
    expect((await listKeys()).map((key) => key.ref)).toEqual([added.ref]);
  });

  it('refuses a credential or a URL for a manual backend, storing nothing, and suggests "key add" instead of sync', async () => {
    const withCredential = await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand2', '--credential-stdin'], { input: newSecret('tok') });
    expect(withCredential.code).toBe(1);
    expect(withCredential.stderr).toMatch(/^keywarden: manual backends have no credential: each key's secret is given with "keywarden key add --secret-stdin"\n$/);
    expect(withCredential.stdout).toBe('');
    const withUrl = await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand2', '--url', 'https://vendor.example']);
    expect(withUrl.code).toBe(1);
    expect(withUrl.stderr).toMatch(/manual backends have no URL/);
    expect(
      ok(await home.run(['backend', 'list', '--json']))
        .json<Array<{ name: string }>>()
        .map((backend) => backend.name),
    ).toEqual(['hand']);

    const added = ok(await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand2']));
    expect(added.stdout).toMatch(/^added manual backend "hand2"; record its keys with "keywarden key add --backend hand2 --name LABEL/);
    expect(added.stdout).not.toMatch(/sync/);
  });

  it('refuses impossible dates with a clear message instead of rolling them into the next month', async () => {
    for (const [flag, value, why] of [
      ['--expires-at', '2027-02-30', /the expiry date "2027-02-30" is not a date: February 2027 has 28 days/],
      ['--expires-at', '2026-04-31', /April 2026 has 30 days/],
      ['--expires-at', '2027-03-01T24:30:00Z', /24:30:00 is not a time of day/],
      ['--created-at', '2026-02-29', /the created date "2026-02-29" is not a date: February 2026 has 28 days/],
    ] as const) {
      const result = await home.run(['key', 'add', '--backend', 'hand', '--name', 'Impossible', flag, value, '--secret-stdin'], { input: newSecret('sk') });
      expect(result.code, `${flag} ${value}`).toBe(1);
      expect(result.stderr).toMatch(why);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(await listKeys()).toEqual([]);
    // The real leap day is a date.
    expect((await addKey(['--name', 'Leap', '--created-at', '2024-01-01', '--expires-at', '2028-02-29'])).expiresAt).toBe('2028-02-29');
  });

  it('refuses a secret on stdin that is not UTF-8 text or holds control characters, storing nothing', async () => {
    const bytes = randomBytes(200);
    bytes[100] = 0xff; // never valid in UTF-8, whatever the other random bytes are
    const binary = await runKeyAdd('Random bytes', bytes);
    expect(binary.code).toBe(1);
    expect(binary.stderr).toBe('keywarden: the key on standard input is not UTF-8 text (binary data?); is it the right input?\n');

    const secret = newSecret('sk_live');
    for (const input of [`${secret}\u0000`, `${secret.slice(0, 10)}\u0000${secret.slice(10)}`, `\u001b[2J${secret}`, `${secret}\tmore`, `${secret}\n\n`, `${secret}\u0085`]) {
      const result = await runKeyAdd('Control', Buffer.from(input, 'utf8'));
      expect(result.code, JSON.stringify(input)).toBe(1);
      expect(result.stderr).toMatch(/^keywarden: the key on standard input contains control characters/);
      expect(result.stderr).not.toContain(secret.slice(0, 10));
    }
    expect(await listKeys()).toEqual([]);

    // One trailing newline (as `echo` or a file adds it), also CRLF, is not part of the secret.
    for (const [name, input] of [
      ['LF', `${secret}\n`],
      ['CRLF', `${secret}\r\n`],
    ]) {
      const key = ok(await runKeyAdd(name!, Buffer.from(input!, 'utf8'))).json<Key>();
      expect(ok(await home.run(['reveal', key.ref])).stdout).toBe(`${secret}\n`);
    }
  });

  function runKeyAdd(name: string, input: Buffer): Promise<CliResult> {
    return home.run(['key', 'add', '--backend', 'hand', '--name', name, '--secret-stdin', '--json'], { input });
  }

  it('shows control characters in vendor text as visible escapes in tables and CSV, and exactly in JSON', async () => {
    const name = 'Evil\u001b[2J\u001b]0;owned\u0007 name\nwith newline \u202eeulav\u009b';
    const key = await addKey(['--name', name, '--rotate-every-days', '30']);
    const other = await addKey(['--name', 'Plain', '--rotate-every-days', '60']);
    expect(key.name).toBe(name);
    // eslint-disable-next-line no-control-regex -- the control characters that must never reach the terminal
    const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

    const table = ok(await home.run(['list']));
    expect(table.stdout).not.toMatch(unsafe);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3); // header and one line per key: the newline in the name did not add a row
    expect(lines.find((line) => line.startsWith(key.ref))).toContain('Evil\\x1b[2J\\x1b]0;owned\\x07 name\\nwith newline \\u202eeulav\\x9b');
    expect(lines.some((line) => line.startsWith(other.ref))).toBe(true);

    for (const args of [
      ['show', key.ref],
      ['reminders', '--within', '100'],
      ['export', '--format', 'csv'],
    ]) {
      const result = ok(await home.run(args));
      expect(result.stdout, args.join(' ')).not.toMatch(unsafe);
      expect(result.stdout, args.join(' ')).toContain('Evil\\x1b[2J');
    }
    const csv = ok(await home.run(['export', '--format', 'csv']))
      .stdout.trimEnd()
      .split('\n');
    expect(csv).toHaveLength(3);

    expect((await listKeys()).find((listed) => listed.ref === key.ref)!.name).toBe(name);
    expect(ok(await home.run(['show', key.ref, '--json'])).json<Key>().name).toBe(name);
    expect((JSON.parse(ok(await home.run(['export', '--format', 'json'])).stdout) as Key[]).find((listed) => listed.ref === key.ref)?.name).toBe(name);
  });

  it('counts days in reminders as calendar days and says "in Nd", "today", "overdue today" and "overdue Nd"', async () => {
    const in6 = await addKey(['--name', 'In six', '--created-at', dateIn(-100), '--expires-at', dateIn(6)]);
    const today = await addKey(['--name', 'Today', '--created-at', dateIn(-100), '--expires-at', dateIn(0)]);
    const late = await addKey(['--name', 'Late', '--created-at', dateIn(-100), '--expires-at', dateIn(-20)]);

    const due = await reminders();
    const byRef = Object.fromEntries(due.map((reminder) => [reminder.ref, reminder]));
    expect(byRef[in6.ref]).toMatchObject({ daysLeft: 6, threshold: 7 });
    // A plain date is the start of that local day, so a key expiring today is already overdue, by 0 days.
    expect(byRef[today.ref]).toMatchObject({ daysLeft: 0, threshold: 'overdue' });
    expect(byRef[late.ref]).toMatchObject({ daysLeft: -20, threshold: 'overdue' });

    const text = ok(await home.run(['reminders'])).stdout;
    expect(text).toMatch(new RegExp(`${dateIn(6)}\\s+in 6d\\s+expiry\\s+${in6.ref}`));
    expect(text).toMatch(new RegExp(`${dateIn(0)}\\s+overdue today\\s+expiry\\s+${today.ref}`));
    expect(text).toMatch(new RegExp(`${dateIn(-20)}\\s+overdue 20d\\s+expiry\\s+${late.ref}`));
    expect(ok(await home.run(['list'])).stdout).toMatch(new RegExp(`${in6.ref}\\s+In six\\s+-\\s+active\\s+${dateIn(6)}`));
  });

  it('lists a key due in 30 days in the default reminders and --due-within 30, and not one due in 31', async () => {
    const day30 = await addKey(['--name', 'Day 30', '--expires-at', dateIn(30)]);
    await addKey(['--name', 'Day 31', '--expires-at', dateIn(31)]);
    expect((await reminders()).map((reminder) => [reminder.ref, reminder.daysLeft])).toEqual([[day30.ref, 30]]);
    expect((await listKeys(['--due-within', '30'])).map((key) => key.ref)).toEqual([day30.ref]);
    expect((await reminders(['--within', '31'])).map((reminder) => reminder.daysLeft)).toEqual([30, 31]);
    expect(ok(await home.run(['reminders', '--within', '1'])).stdout).toBe('nothing due within 1 day\n');
  });

  it('prints reveal as {"ref","secret"} under --json', async () => {
    const secret = newSecret('sk_live');
    const key = await addKey(['--name', 'Stripe prod'], secret);
    expect(ok(await home.run(['reveal', key.ref, '--json'])).json()).toEqual({ ref: key.ref, secret });
  });

  it('exports under --json as one JSON document: the export itself, or a summary when it goes to a file; CSV only to a file', async () => {
    const key = await addKey(['--name', 'Stripe prod', '--rotate-every-days', '90']);
    expect(
      ok(await home.run(['export', '--json']))
        .json<Key[]>()
        .map((listed) => listed.ref),
    ).toEqual([key.ref]);

    const csvToStdout = await home.run(['export', '--format', 'csv', '--json']);
    expect(csvToStdout.code).toBe(1);
    expect(csvToStdout.json()).toMatchObject({
      error: { code: 'invalid_input', message: expect.stringMatching(/cannot carry CSV: use --format json, or write the CSV to a file with --output FILE/) },
    });

    const folder = mkdtempSync(join(tmpdir(), 'keywarden-export-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const file = join(folder, 'inventory.csv');
    const toFile = ok(await home.run(['export', '--format', 'csv', '--output', file, '--json']));
    expect(toFile.json()).toEqual({ output: file, format: 'csv', keys: 1 });
    expect(toFile.stderr).toBe(`exported 1 key to ${file}\n`);
    expect(readFileSync(file, 'utf8')).toMatch(/^\uFEFFref,backend,/);

    const missing = join(folder, 'no', 'such', 'folder', 'x.csv');
    const result = await home.run(['export', '--format', 'csv', '--output', missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`keywarden: cannot write the export to ${missing}: the folder ${join(folder, 'no', 'such', 'folder')} does not exist\n`);
  });

  it('refuses --rotate-every-days together with --vendor-default, and speaks in correct plurals', async () => {
    const both = await home.run(['backend', 'set-policy', 'hand', '--rotate-every-days', '30', '--vendor-default']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/either --rotate-every-days D or --vendor-default, not both/);
    expect(ok(await home.run(['backend', 'set-policy', 'hand', '--rotate-every-days', '1'])).stdout).toMatch(/due 1 day after creation/);
    const removal = await home.run(['backend', 'remove', 'hand']);
    expect(removal.stderr).toMatch(/with its 0 keys/);
    await addKey(['--name', 'Only one']);
    expect((await home.run(['backend', 'remove', 'hand'])).stderr).toMatch(/with its 1 key and/);
  });

  it('refuses --test-allow-private-network without a test', async () => {
    const result = await home.run(['key', 'add', '--backend', 'hand', '--name', 'x', '--test-allow-private-network']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--test-allow-private-network only applies to a key test/);
  });

  it('honours --json in every command: exactly one JSON document on stdout, a result or an error', async () => {
    const secret = newSecret('sk_live');
    const key = await addKey(['--name', 'Stripe prod', '--rotate-every-days', '90'], secret);
    const folder = mkdtempSync(join(tmpdir(), 'keywarden-export-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const runs: Array<[string, string[], string?]> = [
      ['backend add', ['backend', 'add', '--type', 'manual', '--name', 'other']],
      ['backend list', ['backend', 'list']],
      ['backend set-credential', ['backend', 'set-credential', 'other', '--credential-stdin'], newSecret('tok')],
      ['backend set-policy', ['backend', 'set-policy', 'other', '--rotate-every-days', '30']],
      ['backend set-interval', ['backend', 'set-interval', 'other', '--days', '30']],
      ['backend remove', ['backend', 'remove', 'other', '--yes']],
      ['key add', ['key', 'add', '--backend', 'hand', '--name', 'Second']],
      ['sync', ['sync', 'hand']],
      ['list', ['list']],
      ['show', ['show', key.ref]],
      ['reveal', ['reveal', key.ref]],
      ['test', ['test', key.ref]],
      ['create', ['create', '--backend', 'hand', '--name', 'x']],
      ['revoke', ['revoke', key.ref, '--yes']],
      ['copy', ['copy', key.ref]],
      ['reminders', ['reminders']],
      ['check', ['check']],
      ['health', ['health']],
      ['audit', ['audit']],
      ['export', ['export', '--format', 'json', '--output', join(folder, 'x.json')]],
      ['key edit', ['key', 'edit', key.ref, '--rotate-every-days', '60']],
      ['key consumers', ['key', 'consumers', key.ref, '--add', 'CI pipeline']],
      ['rotate', ['rotate', key.ref, '--plan']],
      ['rotation list', ['rotation', 'list']],
      ['rotation resume', ['rotation', 'resume', '--all', '--yes']],
      ['rotation abandon', ['rotation', 'abandon', '99']],
      ['settings', ['settings']],
      ['settings set', ['settings', 'set', '--reveal-hide-seconds', '20']],
      ['alerts add', ['alerts', 'add', '--type', 'webhook', '--name', 'hook', '--url', 'https://alerts.example.com/hook']],
      ['alerts list', ['alerts', 'list']],
      ['alerts test', ['alerts', 'test', 'no-such-channel']],
      ['notify', ['notify', '--dry-run']],
      ['alerts remove', ['alerts', 'remove', 'hook']],
      ['delete', ['delete', key.ref, '--confirm', key.ref]],
      ['vault status', ['vault', 'status']],
      ['vault add-passphrase', ['vault', 'add-passphrase']],
      ['vault remove-passphrase', ['vault', 'remove-passphrase', '--yes']],
      ['vault reset', ['vault', 'reset']],
      ['backup', ['backup', '--output', join(folder, 'backup.db')]],
      ['backup list', ['backup', 'list']],
      ['restore', ['restore', '--latest', '--yes']],
      ['demo', ['demo']],
      ['import', ['import', '--from', 'csv', join(folder, 'missing.csv'), '--backend', 'hand', '--dry-run']],
      // The team commands, each in a personal data folder with no database to reach: an error document, or a result.
      ['team init', ['team', 'init']],
      ['team join', ['team', 'join']],
      ['team members', ['team', 'members']],
      ['team approve', ['team', 'approve', 'bob', '--role', 'viewer', '--fingerprint', 'x']],
      ['team remove', ['team', 'remove', 'bob', '--yes']],
      ['team status', ['team', 'status']],
      ['team sync', ['team', 'sync']],
      ['team leave', ['team', 'leave', '--yes']],
      ['team audit', ['team', 'audit']],
      // ui runs until stopped; here its error document. Its {"url"} document is checked in cli-ui.test.ts.
      ['ui', ['ui', '--no-open', '--port', '70000']],
    ];
    const listed = ok(await home.run(['--help', '--json'])).json<{ commands: Array<{ usage: string }> }>().commands;
    const names = listed.map(({ usage }) =>
      usage
        .replace(/^keywarden /, '')
        .split(' ')
        .filter((word) => /^[a-z][a-z-]*$/.test(word))
        .slice(0, 2)
        .join(' '),
    );
    for (const name of names)
      expect(
        runs.map(([command]) => command).some((command) => name === command || name.startsWith(`${command} `)),
        `no --json check for "${name}"`,
      ).toBe(true);

    for (const [command, args, input] of runs) {
      const result = await home.run([...args, '--json'], { env: { DISPLAY: undefined, WAYLAND_DISPLAY: undefined }, ...(input ? { input } : {}) });
      let document: unknown;
      expect(() => {
        document = JSON.parse(result.stdout);
      }, `${command}: stdout is not one JSON document:\n${result.stdout}`).not.toThrow();
      expect(document, command).toBeTypeOf('object');
      if (result.code !== 0) expect(document, command).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      if (command !== 'reveal') expect(result.stdout, command).not.toContain(secret);
    }
  });
});

describe.skipIf(!hasIsolatedKeychain)('keywarden CLI with a manual backend, 14 hours ahead of UTC', () => {
  // Dates are local calendar dates: where local midnight is the previous day in UTC, a plain date must
  // still be stored, listed and counted as the day typed. The CLI child inherits this zone.
  const savedTz = process.env.TZ;
  let home: CliHome;

  beforeAll(() => {
    process.env.TZ = 'Pacific/Kiritimati';
    expect(new Date('2026-01-15T12:00:00.000Z').getTimezoneOffset(), 'time zone Pacific/Kiritimati is not available').toBe(-840);
  });

  afterAll(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  beforeEach(async () => {
    home = makeCliHome();
    expect((await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand'])).code).toBe(0);
  });

  afterEach(() => {
    home.remove();
  });

  it('stores a plain date as that calendar day and shows and counts that same day', async () => {
    const expires = dateIn(6);
    const added = await home.run(['key', 'add', '--backend', 'hand', '--name', 'Stripe prod', '--expires-at', expires, '--json']);
    expect(added.code).toBe(0);
    const key = added.json<Key>();
    // Kept as typed: 14 hours ahead of UTC, any instant for "the 6th day from now" would fall on the day before in UTC.
    expect(key.expiresAt).toBe(expires);
    const due = (await home.run(['reminders', '--json'])).json<Reminder[]>();
    expect(due).toMatchObject([{ ref: key.ref, daysLeft: 6, threshold: 7 }]);
    expect((await home.run(['reminders'])).stdout).toMatch(new RegExp(`^DUE.*\n${expires}\\s+in 6d\\s+expiry`));
    expect((await home.run(['list'])).stdout).toContain(expires);
  });
});
