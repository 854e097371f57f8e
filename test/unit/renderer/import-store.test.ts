/**
 * The Import dialog's store over a real ContractClient whose transport is the contract pipeline itself, in front of a
 * real engine (a temporary data folder, the keychain in memory): files chosen as the page has them (`File`), sent in
 * chunks, previewed and imported; what the engine answers kept as it is; the engine's copy sent again when it no
 * longer holds it; and the KeePass password never in the state.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as kdbxweb from 'kdbxweb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContractHandlers } from '../../../electron/core/contract-handlers.js';
import { invokeContract } from '../../../electron/core/contract-pipeline.js';
import { KeywardenEngine } from '../../../electron/core/engine.js';
import { buildContractClient, type ContractClient, type ContractMethod } from '../../../shared/contract.js';
import { IMPORT_CHUNK_BYTES } from '../../../shared/imports.js';
import { createImportStore, type ImportOptions, toBase64 } from '../../../renderer/src/state/import-store.js';
import { recordingSink } from '../../support/counting-engine.js';
import { memoryKeychain } from '../../support/memory-keychain.js';

const OPTIONS: ImportOptions = { format: 'csv', backend: 'sheet', createBackend: true, map: [], dateOrder: null, overwrite: false };
const newSecret = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url')}`;

describe('the import store', () => {
  let home: string;
  let engine: KeywardenEngine;
  let client: ContractClient;
  let calls: ContractMethod[];

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-import-store-'));
    engine = KeywardenEngine.open({ home, keychain: memoryKeychain() });
    const handlers = createContractHandlers(engine, recordingSink(), { info: () => ({ host: 'browser', home, demo: false, demoAvailable: false }) });
    calls = [];
    client = buildContractClient({
      async invoke(method, args) {
        calls.push(method);
        const outcome = await invokeContract(handlers, method, args, { detailsAt: 'the test' });
        if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), outcome.error);
        return outcome.value;
      },
    });
  });

  afterEach(async () => {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('encodes bytes as base64 the engine reads back exactly, for any byte', () => {
    const bytes = randomBytes(100_000);
    expect(Buffer.from(toBase64(bytes), 'base64').equals(bytes)).toBe(true);
    expect(toBase64(new Uint8Array())).toBe('');
  });

  it('sends a chosen file in chunks, previews, imports; a second import of the file, sent again, updates', async () => {
    const secrets = Array.from({ length: 300 }, (_, index) => newSecret(`sk${index}`));
    const text = ['name,expires,secret,notes', ...secrets.map((secret, index) => `Service ${index},2027-06-01,${secret},${'n'.repeat(2000)}`)].join('\n');
    const store = createImportStore(client);
    await store.getState().chooseFile('source', new File([text], 'keys.csv'));
    const source = store.getState().source!;
    expect(source).toMatchObject({ name: 'keys.csv', size: text.length, received: text.length, detectedFormat: 'csv' });
    expect(source.stagedId).not.toBeNull();
    expect(calls.filter((method) => method === 'import:stage')).toHaveLength(Math.ceil(text.length / IMPORT_CHUNK_BYTES));

    expect(await store.getState().previewImport(OPTIONS, null)).toBe(true);
    expect(store.getState()).toMatchObject({ step: 'preview', busy: null, error: null, preview: { report: { dryRun: true, counts: { created: 300 } }, options: OPTIONS } });
    expect(engine.listBackends()).toEqual([]);

    expect(await store.getState().runImport(null)).toBe(true);
    expect(store.getState()).toMatchObject({ step: 'result', result: { dryRun: false, counts: { created: 300, updated: 0, skipped: 0 } } });
    expect(engine.listKeys({ backend: 'sheet' })).toHaveLength(300);
    // The run dropped the engine's copy: the store knows, and sends the file again for the next preview.
    expect(store.getState().source!.stagedId).toBeNull();
    calls.length = 0;
    expect(await store.getState().previewImport({ ...OPTIONS, createBackend: false }, null)).toBe(true);
    expect(calls[0]).toBe('import:stage');
    expect(store.getState().preview!.report.counts).toEqual({ entries: 300, created: 0, updated: 0, skipped: 300 });
  });

  it("keeps the engine's refusal with the field it names, and never the password", async () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const db = kdbxweb.Kdbx.create(new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(password)), 'team');
    db.setKdf(kdbxweb.Consts.KdfId.Aes);
    const entry = db.createEntry(db.getDefaultGroup());
    entry.fields.set('Title', 'Stripe prod');
    entry.fields.set('Password', kdbxweb.ProtectedValue.fromString(newSecret('sk')));
    const store = createImportStore(client);
    await store.getState().chooseFile('source', new File([new Uint8Array(await db.save())], 'team.kdbx'));
    expect(store.getState().source!.detectedFormat).toBe('kdbx');

    const kdbx: ImportOptions = { ...OPTIONS, format: 'kdbx', backend: 'keepass' };
    expect(await store.getState().previewImport(kdbx, `not-${password}`)).toBe(false);
    expect(store.getState()).toMatchObject({ step: 'choose', busy: null, error: { field: 'password', during: 'preview', message: expect.stringContaining('does not open with this password') } });
    expect(await store.getState().previewImport(kdbx, password)).toBe(true);
    expect(store.getState().preview!.report.counts.created).toBe(1);
    expect(JSON.stringify(store.getState())).not.toContain(password);
  });

  it('sends the file again when the engine no longer holds it, and drops what it staged when another file is chosen or the dialog closes', async () => {
    const store = createImportStore(client);
    await store.getState().chooseFile('source', new File([`name,secret\nStripe,${newSecret('sk')}\n`], 'a.csv'));
    const first = store.getState().source!.stagedId!;
    // Gone behind the store's back (expired): the preview sends the file again, once, and goes on.
    await client['import:discard'](first);
    expect(await store.getState().previewImport(OPTIONS, null)).toBe(true);
    const second = store.getState().source!.stagedId!;
    expect(second).not.toBe(first);

    await store.getState().chooseFile('source', new File([`name,secret\nTwilio,${newSecret('tw')}\n`], 'b.csv'));
    expect(store.getState()).toMatchObject({ step: 'choose', preview: null, source: { name: 'b.csv' } });
    await expect(client['import:preview']({ file: second, format: 'csv', backend: 'sheet', createBackend: true })).rejects.toMatchObject({ code: 'not_found' });
    const third = store.getState().source!.stagedId!;
    await store.getState().discard();
    await expect(client['import:preview']({ file: third, format: 'csv', backend: 'sheet', createBackend: true })).rejects.toMatchObject({ code: 'not_found' });
  });
});
