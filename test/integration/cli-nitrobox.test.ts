/**
 * The real `keywarden` command (compiled, in a child process) against the Nitrobox emulator: a portal
 * user token with or without the role "Manage API credentials", a shown-once API key that must be
 * cached encrypted before it is printed (and never lands on disk in clear), the client-credentials
 * test, irreversible delete, the 180-day default rotation policy, and a create whose answer is lost.
 * Every token and key is made by the emulator at run time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, addDays } from '../../electron/core/backends/emulator-kit.js';
import { type NitroboxState, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import type { BackendSummary, IssuedKey, Key, Reminder } from '../../shared/domain.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';

const ROLE = 'Manage API credentials';

describe.skipIf(!hasIsolatedKeychain)('keywarden CLI with a Nitrobox backend', () => {
  let emulator: RunningEmulator;
  let state: NitroboxState;
  let home: CliHome;
  let portalToken: string;
  let emulatorClosed: boolean;

  beforeEach(async () => {
    ({ emulator, state } = await startNitroboxEmulator());
    emulatorClosed = false;
    portalToken = state.addUser('admin@acme.example', { role: true });
    home = makeCliHome();
  });

  afterEach(async () => {
    if (!emulatorClosed) await emulator.close();
    home.remove();
  });

  function ok(result: CliResult): CliResult {
    if (result.code !== 0) throw new Error(`expected exit 0, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return result;
  }

  async function addBackend(): Promise<void> {
    ok(await home.run(['backend', 'add', '--type', 'nitrobox', '--name', 'nb', '--url', emulator.url, '--credential-stdin'], { input: portalToken }));
  }

  async function listKeys(): Promise<Key[]> {
    return ok(await home.run(['list', '--json'])).json<Key[]>();
  }

  async function create(name: string): Promise<IssuedKey> {
    return ok(await home.run(['create', '--backend', 'nb', '--name', name, '--json'])).json<IssuedKey>();
  }

  /** A consumer's OAuth 2.0 client-credentials token request, straight to the emulator. */
  async function tokenRequest(clientId: string, apiKey: string): Promise<number> {
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: apiKey }).toString(),
    });
    await response.arrayBuffer();
    return response.status;
  }

  function containsBytes(files: Buffer[], needle: string): boolean {
    const bytes = Buffer.from(needle, 'utf8');
    return files.some((content) => content.includes(bytes));
  }

  it('refuses a portal token whose user lacks the role, naming the role, and stores nothing', async () => {
    const withoutRole = state.addUser('dev@acme.example', { role: false });
    const result = await home.run(['backend', 'add', '--type', 'nitrobox', '--name', 'nb', '--url', emulator.url, '--credential-stdin'], { input: withoutRole });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`"${ROLE}"`);
    expect(result.stderr).not.toContain(withoutRole);
    expect(ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>()).toEqual([]);
  });

  it('adds the backend with a token that has the role; creates a key, prints its secret once, tests it, never writes it to disk in clear, and reveals it offline', async () => {
    await addBackend();
    const backends = ok(await home.run(['backend', 'list', '--json'])).json<BackendSummary[]>();
    expect(backends).toMatchObject([{ name: 'nb', type: 'nitrobox', hasCredential: true, rotateEveryDays: 180 }]);

    const issued = await create('billing-sync');
    expect(issued.key).toMatchObject({ ref: 'nb/billing-sync', name: 'billing-sync', prefix: 'billing-sync', status: 'active', secretCached: true });
    expect(typeof issued.secret).toBe('string');
    const secret = issued.secret!;
    // The printed secret is the one Nitrobox issued: it gets a token.
    expect(state.findClient('billing-sync')).not.toBeNull();
    expect(await tokenRequest('billing-sync', secret)).toBe(200);

    // Test: a token request with the cached key.
    const requestsBefore = emulator.requestLog.length;
    const tested = ok(await home.run(['test', 'nb/billing-sync']));
    expect(tested.stdout).toMatch(/OK/);
    expect(emulator.requestLog.slice(requestsBefore)).toContain('POST /oauth/token');

    // The shown-once key is stored encrypted only: neither its text nor its base64 form is in any file.
    const files = home.filesContent();
    expect(files.length).toBeGreaterThan(0);
    expect(containsBytes(files, secret)).toBe(false);
    expect(containsBytes(files, Buffer.from(secret, 'utf8').toString('base64'))).toBe(false);
    expect(containsBytes(files, Buffer.from(secret, 'base64url').toString('latin1'))).toBe(false);
    expect(containsBytes(files, portalToken)).toBe(false);

    // Offline: the inventory and the cached key still work.
    emulatorClosed = true;
    await emulator.close();
    const revealed = ok(await home.run(['reveal', 'nb/billing-sync']));
    expect(revealed.stdout).toBe(`${secret}\n`);
    expect((await listKeys()).map((key) => key.ref)).toEqual(['nb/billing-sync']);
  });

  it('refuses an invalid client ID before anything is created', async () => {
    await addBackend();
    const requestsBefore = emulator.requestLog.length;
    const result = await home.run(['create', '--backend', 'nb', '--name', 'Bad_Name']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/client ID/i);
    expect(result.stderr).toContain('Bad_Name');
    expect(state.clients).toHaveLength(0);
    expect(emulator.requestLog.slice(requestsBefore).filter((line) => line.startsWith('POST'))).toEqual([]);
    expect(await listKeys()).toEqual([]);
  });

  it('deletes a client only with --confirm; afterwards it is gone and its key no longer gets a token', async () => {
    await addBackend();
    const { secret } = await create('billing-sync');
    expect(await tokenRequest('billing-sync', secret!)).toBe(200);

    const unconfirmed = await home.run(['delete', 'nb/billing-sync']);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toMatch(/--confirm/);
    expect(state.findClient('billing-sync')).not.toBeNull();

    ok(await home.run(['delete', 'nb/billing-sync', '--confirm', 'nb/billing-sync']));
    expect(state.findClient('billing-sync')).toBeNull();
    expect(await listKeys()).toEqual([]);
    expect(await tokenRequest('billing-sync', secret!)).toBe(401);
    const reveal = await home.run(['reveal', 'nb/billing-sync']);
    expect(reveal.code).not.toBe(0);
    expect(reveal.stdout).not.toContain(secret!);
  });

  it('applies the default rotation policy: due 180 days after creation', async () => {
    await addBackend();
    const { key } = await create('billing-sync');
    const listed = (await listKeys()).find((candidate) => candidate.ref === key.ref)!;
    expect(listed.createdAt).toBe(state.findClient('billing-sync')!.createdAt);
    expect(listed.expiresAt).toBeNull();
    expect(listed.rotationDueAt).toBe(addDays(listed.createdAt!, 180));

    // A client synced from Nitrobox, created 175 days ago, is due within the default 30-day window.
    const old = state.seedClient('warehouse-feed', { createdAt: addDays(new Date(), -175) });
    ok(await home.run(['sync']));
    const warehouse = (await listKeys()).find((candidate) => candidate.ref === 'nb/warehouse-feed')!;
    expect(warehouse.rotationDueAt).toBe(addDays(old.key.createdAt, 180));
    expect(warehouse.secretCached).toBe(false);
    const due = ok(await home.run(['reminders', '--json'])).json<Reminder[]>();
    expect(due.find((reminder) => reminder.ref === 'nb/warehouse-feed')).toMatchObject({ kind: 'rotation', dueAt: warehouse.rotationDueAt, threshold: 7 });
    expect(due.some((reminder) => reminder.ref === 'nb/billing-sync')).toBe(false);
  });

  it('reports a create whose answer was lost as created with its secret lost, and lists the client', async () => {
    await addBackend();
    emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: '/api/v1/api-keys' });

    const result = await home.run(['create', '--backend', 'nb', '--name', 'billing-sync']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/was created/);
    expect(result.stderr).toMatch(/secret was lost/);
    // Sent once, never re-sent (a resend would meet 409 client_exists).
    expect(emulator.requestLog.filter((line) => line === 'POST /api/v1/api-keys')).toHaveLength(1);
    expect(state.findClient('billing-sync')).not.toBeNull();

    const keys = await listKeys();
    expect(keys).toMatchObject([{ ref: 'nb/billing-sync', secretCached: false }]);
  });
});
