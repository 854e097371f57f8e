/**
 * The console's import through the contract, as the console's page makes the calls: `import:stage` a file in chunks,
 * `import:preview`, `import:run`, `import:discard`, over `keywarden ui`'s HTTP API on 127.0.0.1 (the console's own
 * transport, a real engine with a real SQLite file and the isolated keychain), and over the desktop app's IPC binding
 * for a file larger than one chunk. What an administrator (and an auditor) would check: the keys and their secrets,
 * the plan's words (the console's, never a CLI flag), refusals that name their field and store nothing, the staged
 * file gone after the run, and no secret or password in the audit trail, an answer or the server's log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as kdbxweb from 'kdbxweb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { createContractHandlers } from '../../electron/core/contract-handlers.js';
import { APP_START_URL } from '../../electron/core/desktop/app-protocol.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { bindContract, createFrameCheck } from '../../electron/main/ipc.js';
import { buildContractClient, type ContractClient } from '../../shared/contract.js';
import { IMPORT_CHUNK_BYTES, type StagedImportFile, type StagedImportRequest } from '../../shared/imports.js';
import type { IpcAnswer } from '../../shared/ipc-channels.js';
import { ContractCallError, createHttpTransport } from '../../renderer/src/contract/http-transport.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { recordingSink } from '../support/counting-engine.js';
import { fake, FakeBrowserWindow } from '../support/fake-electron.js';
import { login, pageFetch } from '../support/ui-client.js';

const PASSWORD = `db-${randomBytes(6).toString('hex')}`;
const newSecret = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url')}`;

/** Sends `bytes` as the console's import store does: base64 chunks of IMPORT_CHUNK_BYTES, in order. */
async function stage(client: ContractClient, name: string, bytes: Uint8Array, kind: 'source' | 'key-file' = 'source'): Promise<StagedImportFile> {
  const chunk = (from: number) => Buffer.from(bytes.subarray(from, from + IMPORT_CHUNK_BYTES)).toString('base64');
  let answer = await client['import:stage']({ name, kind, size: bytes.length, data: chunk(0) });
  while (!answer.complete) answer = await client['import:stage']({ id: answer.id, offset: answer.received, data: chunk(answer.received) });
  return answer;
}

/** A KDBX 4 database (AES-KDF, fast) with two API keys and a Wi-Fi note, optionally behind a key file too. */
async function keepassDatabase(secrets: { stripe: string; twilio: string }, keyFile: Uint8Array | null = null): Promise<Buffer> {
  const db = kdbxweb.Kdbx.create(new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(PASSWORD), keyFile), 'team');
  db.setVersion(4);
  db.setKdf(kdbxweb.Consts.KdfId.Aes);
  db.header.kdfParameters!.set('R', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(1000));
  const group = db.createGroup(db.getDefaultGroup(), 'Vendors');
  for (const [title, secret, url] of [
    ['Stripe prod', secrets.stripe, 'https://api.stripe.com'],
    ['Twilio SMS', secrets.twilio, 'https://api.twilio.com'],
    ['Wi-Fi note', '', ''],
  ] as const) {
    const entry = db.createEntry(group);
    entry.fields.set('Title', title);
    entry.fields.set('Password', kdbxweb.ProtectedValue.fromString(secret));
    entry.fields.set('URL', url);
  }
  return Buffer.from(await db.save());
}

/** Whatever a call threw, as the page would show it: the error's code, message and details. */
async function refusal(call: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> | undefined }> {
  const error = await call.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ContractCallError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { code: error.code, message: error.message, details: error.details };
}

describe.skipIf(!hasIsolatedKeychain)('the console imports a file through the contract', () => {
  let dir: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let client: ContractClient;
  const logs: string[] = [];
  /** Everything the page was told, to look for secrets in. */
  const said: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-import-console-'));
    engine = KeywardenEngine.open({ home: join(dir, 'home') });
    server = await startUiServer({ engine, log: (line) => logs.push(line), idleLockPollMs: 86_400_000 });
    const requestKey = await login(server.newLaunchUrl());
    const http = buildContractClient(createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => requestKey }));
    // Every answer and refusal is kept, to be searched for what must never be in one.
    client = Object.fromEntries(
      Object.entries(http).map(([method, call]) => [
        method,
        async (...args: unknown[]) => {
          try {
            const value: unknown = await (call as (...a: unknown[]) => Promise<unknown>)(...args);
            said.push(JSON.stringify(value));
            return value;
          } catch (error) {
            said.push(JSON.stringify(error instanceof ContractCallError ? { code: error.code, message: error.message, details: error.details } : String(error)));
            throw error;
          }
        },
      ]),
    ) as ContractClient;
  });

  afterEach(async () => {
    await server.close();
    await engine.resetVault();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const keys = () => engine.listKeys({ backend: 'sheet' });
  const auditText = () => JSON.stringify(engine.auditTrail({}));

  it('a spreadsheet larger than one chunk: staged, previewed, imported into a new backend; the staged file is gone after; a second run updates', async () => {
    // 400 rows with long notes: over one chunk (512 KiB), under one batch (500), so one import is one audit event.
    const secrets = Array.from({ length: 400 }, (_, index) => newSecret(`sk${index}`));
    const filler = 'n'.repeat(1400);
    const rows = secrets.map((secret, index) => `Service ${index},2027-06-${String((index % 28) + 1).padStart(2, '0')},${secret},${filler}`);
    const csv = Buffer.from(['name,expires,secret,notes', ...rows].join('\n'));
    expect(csv.length).toBeGreaterThan(IMPORT_CHUNK_BYTES);

    const staged = await stage(client, 'keys.csv', csv);
    expect(staged).toMatchObject({ complete: true, size: csv.length, detectedFormat: 'csv' });
    const request: StagedImportRequest = { file: staged.id, format: 'csv', backend: 'sheet', createBackend: true };

    const preview = await client['import:preview'](request);
    expect(preview).toMatchObject({ dryRun: true, createsBackend: true, counts: { entries: 400, created: 400, updated: 0, skipped: 0 } });
    // A preview changes nothing: no backend yet, no event.
    expect(engine.listBackends()).toEqual([]);
    expect(engine.auditTrail({})).toEqual([]);

    const result = await client['import:run'](request);
    expect(result).toMatchObject({ dryRun: false, createsBackend: true, counts: { entries: 400, created: 400, updated: 0, skipped: 0 }, team: null });
    expect(keys()).toHaveLength(400);
    const service7 = keys().find((key) => key.name === 'Service 7')!;
    expect(service7).toMatchObject({ backend: 'sheet', expiresAt: '2027-06-08', secretCached: true });
    expect(await engine.reveal(service7.ref)).toBe(secrets[7]);

    // The staged file was dropped with the run: it can be neither previewed nor run again.
    for (const call of [() => client['import:preview'](request), () => client['import:run'](request)]) {
      expect(await refusal(call())).toMatchObject({ code: 'not_found', message: expect.stringContaining('choose it again'), details: { field: 'file' } });
    }

    // The same file again, one row changed: an update, not a duplicate.
    const changed = Buffer.from(csv.toString('utf8').replace('Service 7,2027-06-08', 'Service 7,2027-09-30'));
    const again = await client['import:run']({ ...request, file: (await stage(client, 'keys.csv', changed)).id, createBackend: false });
    expect(again.counts).toEqual({ entries: 400, created: 0, updated: 1, skipped: 399 });
    expect(keys()).toHaveLength(400);
    expect(keys().find((key) => key.name === 'Service 7')!.expiresAt).toBe('2027-09-30');

    // One audit event per import with the format and counts (and the backend made for it); no name, no secret.
    expect(engine.auditTrail({ action: 'import' }).map((event) => event.detail)).toEqual(['csv: 400 created, 0 updated, 0 skipped', 'csv: 0 created, 1 updated, 399 skipped']);
    for (const word of ['Service 7', secrets[7]!, secrets[399]!, filler]) expect(auditText()).not.toContain(word);
    for (const secret of secrets) expect(logs.join('\n')).not.toContain(secret);
  });

  it('a KeePass database with a password and a key file: a wrong password is refused under the password, nothing stored; the right one imports', async () => {
    const secrets = { stripe: newSecret('sk_live'), twilio: newSecret('tw') };
    const keyFileBytes = await kdbxweb.Credentials.createRandomKeyFile(2);
    const database = await keepassDatabase(secrets, keyFileBytes);
    const file = await stage(client, 'team.kdbx', database);
    expect(file.detectedFormat).toBe('kdbx');
    const keyFile = await stage(client, 'team.keyx', keyFileBytes, 'key-file');
    const request: StagedImportRequest = { file: file.id, keyFile: keyFile.id, format: 'kdbx', backend: 'vault', createBackend: true };

    const wrong = `not-${PASSWORD}`;
    // One after the other: both made at once, the second could be refused before anything waits for it (an unhandled rejection).
    for (const call of [() => client['import:preview']({ ...request, password: wrong }), () => client['import:run']({ ...request, password: wrong })]) {
      expect(await refusal(call())).toEqual({
        code: 'import_wrong_password',
        message: 'the KeePass database does not open with this password (and key file, if one is needed); nothing was imported',
        details: { field: 'password' },
      });
    }
    // The failed run dropped both staged files, as every run does: the page stages them again.
    expect(await refusal(client['import:preview']({ ...request, password: PASSWORD }))).toMatchObject({ code: 'not_found', details: { field: 'file' } });
    const again = { ...request, file: (await stage(client, 'team.kdbx', database)).id, keyFile: (await stage(client, 'team.keyx', keyFileBytes, 'key-file')).id };
    // Neither a password nor a key file, in the console's words (no CLI flag); a refused preview keeps the files.
    expect(await refusal(client['import:preview']({ ...again, keyFile: undefined }))).toEqual({
      code: 'invalid_input',
      message: 'a KeePass database needs its password, or its key file',
      details: { field: 'password' },
    });
    expect(engine.listBackends()).toEqual([]);
    expect(engine.auditTrail({})).toEqual([]);

    const result = await client['import:run']({ ...again, password: PASSWORD });
    expect(result.counts).toEqual({ entries: 3, created: 2, updated: 0, skipped: 1 });
    expect(result.items.find((item) => item.name === 'Wi-Fi note')).toMatchObject({ action: 'skip', reason: 'no secret' });
    const stripe = engine.listKeys({ backend: 'vault' }).find((key) => key.name === 'Stripe prod')!;
    expect(await engine.reveal(stripe.ref)).toBe(secrets.stripe);

    for (const text of [auditText(), said.join('\n'), logs.join('\n')]) {
      for (const secret of [PASSWORD, wrong, secrets.stripe, secrets.twilio]) expect(text).not.toContain(secret);
    }
  });

  it('refuses an oversized file by the size it declares, a chunk larger than one, a truncated or hostile file: clear words under the file, nothing stored', async () => {
    const declared = await refusal(client['import:stage']({ name: 'huge.kdbx', kind: 'source', size: 80 * 1024 * 1024, data: '' }));
    expect(declared).toEqual({
      code: 'import_too_large',
      message: 'the file is 80 MiB, over the 64 MiB Keywarden reads; is it the right file? Nothing was kept',
      details: { field: 'file' },
    });
    const tooBig = Buffer.alloc(IMPORT_CHUNK_BYTES + 3, 'a').toString('base64');
    expect(await refusal(client['import:stage']({ name: 'a.csv', kind: 'source', size: IMPORT_CHUNK_BYTES + 3, data: tooBig }))).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/^import:stage: invalid arguments/),
    });

    const truncated = await stage(client, 'team.kdbx', (await keepassDatabase({ stripe: newSecret('sk'), twilio: newSecret('tw') })).subarray(0, 900));
    expect(await refusal(client['import:run']({ file: truncated.id, format: 'kdbx', backend: 'vault', createBackend: true, password: PASSWORD }))).toMatchObject({
      code: 'import_malformed',
      details: { field: 'file' },
    });
    const xmlBomb = `<?xml version="1.0"?><KeePassFile><!DOCTYPE lolz [<!ENTITY lol "lol">]><Root>&lol;</Root></KeePassFile>`;
    const hostile = await stage(client, 'export.xml', Buffer.from(xmlBomb));
    expect(hostile.detectedFormat).toBe('keepass-xml');
    expect(await refusal(client['import:preview']({ file: hostile.id, format: 'keepass-xml', backend: 'vault', createBackend: true }))).toMatchObject({
      code: 'import_malformed',
      message: expect.stringContaining('DOCTYPE'),
      details: { field: 'file' },
    });
    // A file read as a format it is not: the reader says so, in the console's words.
    const bitwarden = await stage(client, 'export.json', Buffer.from(JSON.stringify({ projects: [], secrets: [] })));
    expect(bitwarden.detectedFormat).toBe('bitwarden-sm-json');
    expect(await refusal(client['import:preview']({ file: bitwarden.id, format: 'bitwarden-json', backend: 'vault', createBackend: true }))).toMatchObject({
      code: 'import_malformed',
      message: 'this is a Secrets Manager export: choose the format "Bitwarden Secrets Manager export (.json)"',
    });
    expect(engine.listBackends()).toEqual([]);
    expect(engine.auditTrail({})).toEqual([]);

    // Discarded, the file is gone; discarding it again is no error.
    await client['import:discard'](hostile.id);
    await client['import:discard'](hostile.id);
    expect(await refusal(client['import:preview']({ file: hostile.id, format: 'keepass-xml', backend: 'vault', createBackend: true }))).toMatchObject({ code: 'not_found' });
  });

  it("speaks the console's words: a missing backend, a column to match, a key edited in Keywarden", async () => {
    const csv = Buffer.from(`Key label,Ends,Token\nMailgun,2027-04-03,${newSecret('key')}\n`);
    const staged = await stage(client, 'sheet.csv', csv);
    const request: StagedImportRequest = { file: staged.id, format: 'csv', backend: 'sheet' };
    expect(await refusal(client['import:preview'](request))).toEqual({
      code: 'not_found',
      message: 'no backend "sheet"; choose "New backend" to create a manual backend of that name',
      details: { backend: 'sheet', field: 'backend' },
    });
    const noName = await refusal(client['import:preview']({ ...request, createBackend: true }));
    expect(noName).toEqual({
      code: 'invalid_input',
      message: 'no column of the CSV header is a name ("Key label", "Ends", "Token"); say which with a column match (the column\'s name, then "name")',
      details: { field: 'map' },
    });
    const mapped = { ...request, createBackend: true, map: ['Key label=name', 'Ends=expires'] };
    expect((await client['import:run'](mapped)).counts.created).toBe(1);

    await engine.describeKey(keys()[0]!.ref, { owner: 'bob' });
    const again = await client['import:preview']({ ...mapped, file: (await stage(client, 'sheet.csv', csv)).id, createBackend: false });
    expect(again.items[0]).toMatchObject({ action: 'skip', reason: 'edited in Keywarden since the last import; "Replace keys edited in Keywarden" replaces it with the source' });
    for (const text of said) expect(text).not.toMatch(/--(map|overwrite|create-backend|from|password-stdin|key-file|date-order)\b/);
  });
});

describe.skipIf(!hasIsolatedKeychain)('the console imports over the IPC of the desktop app too', () => {
  let dir: string;
  let engine: KeywardenEngine;
  let unbind: () => void;
  let client: ContractClient;

  beforeAll(async () => {
    fake.reset();
    dir = mkdtempSync(join(tmpdir(), 'keywarden-import-ipc-'));
    engine = KeywardenEngine.open({ home: join(dir, 'home') });
    const window = new FakeBrowserWindow({});
    await window.loadURL(APP_START_URL);
    const handlers = createContractHandlers(engine, recordingSink(), { info: () => ({ host: 'desktop', home: dir, demo: false, demoAvailable: false }) });
    unbind = bindContract(
      fake.ipcMain,
      handlers,
      createFrameCheck(() => window),
    );
    client = buildContractClient({
      invoke: async (method, args) => {
        const answer = (await fake.ipcMain.invoke(`contract:${method}`, { sender: window.webContents, senderFrame: window.webContents.mainFrame }, ...args)) as IpcAnswer;
        if (!answer.ok) throw Object.assign(new Error(answer.error.message), answer.error);
        return answer.value;
      },
    });
  });

  afterAll(async () => {
    unbind?.();
    await engine?.resetVault();
    await engine?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stages a file of several chunks and imports it', async () => {
    const secret = newSecret('sk');
    const csv = Buffer.from(
      `name,secret,notes\nStripe,${secret},${'x'.repeat(1900)}\n${Array.from({ length: 600 }, (_, index) => `Row ${index},${newSecret('r')},${'y'.repeat(1900)}`).join('\n')}\n`,
    );
    expect(csv.length).toBeGreaterThan(2 * IMPORT_CHUNK_BYTES);
    const staged = await stage(client, 'keys.csv', csv);
    const report = await client['import:run']({ file: staged.id, format: 'csv', backend: 'desk', createBackend: true });
    expect(report.counts).toMatchObject({ entries: 601, created: 601 });
    expect(await engine.reveal(engine.listKeys({ backend: 'desk' }).find((key) => key.name === 'Stripe')!.ref)).toBe(secret);
  });
});
