/**
 * Imports of an existing inventory, through the engine, from files the real tools write where one runs here:
 * keepassxc-cli (Debian's keepassxc) creates a KDBX database, adds entries, exports XML, and imports an XML with
 * Expires set back into a KDBX. What keepassxc-cli cannot choose (KDBX 4, Argon2, ChaCha20, a key file) is written
 * with kdbxweb. Bitwarden, Secrets Manager and 1PUX files are built here from their documented formats. Secrets are
 * made at run time; each test checks what an administrator would: the keys listed, the secret revealed, the audit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { zipSync } from 'fflate';
import { argon2d, argon2id } from 'hash-wasm';
import * as kdbxweb from 'kdbxweb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import type { ImportRequest } from '../../electron/core/imports/workflow.js';
import { readSourceFile } from '../../electron/core/imports/source-file.js';
import { DATABASE_FILE } from '../../electron/core/paths.js';
import type { ImportReport } from '../../shared/imports.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { bitwardenExport } from '../support/bitwarden-export.js';

const hasKeepassxc = spawnSync('sh', ['-c', 'command -v keepassxc-cli']).status === 0;
const PASSWORD = `db-${randomBytes(6).toString('hex')}`;
const newSecret = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url')}`;

kdbxweb.CryptoEngine.setArgon2Impl(async (password, salt, memory, iterations, length, parallelism, type) => {
  const options = { password: new Uint8Array(password), salt: new Uint8Array(salt), memorySize: memory, iterations, parallelism, hashLength: length, outputType: 'binary' as const };
  const hash = type === kdbxweb.CryptoEngine.Argon2TypeArgon2id ? await argon2id(options) : await argon2d(options);
  return hash.slice().buffer;
});

describe.skipIf(!hasIsolatedKeychain)('importing an existing inventory', () => {
  let dir: string;
  let home: string;
  let engine: KeywardenEngine;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-import-'));
    home = join(dir, 'home');
    engine = KeywardenEngine.open({ home });
  });

  afterEach(async () => {
    await engine.resetVault();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (request: Partial<ImportRequest> & Pick<ImportRequest, 'format' | 'bytes'>): Promise<ImportReport> => engine.importInventory({ backend: 'inv', createBackend: true, ...request });
  const keys = () => engine.listKeys({ backend: 'inv' });
  const keyNamed = (name: string) => keys().find((key) => key.name === name)!;
  const keepassxc = (args: string[], input: string) => execFileSync('keepassxc-cli', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
  /**
   * A KeePass database whose AES-KDF rounds, the 8 bytes after `field` in its plain header, are raised to 2^40 as a
   * hostile file would: refused before any derivation (which would run for hours), nothing stored.
   */
  async function expectRoundsRefused(database: Buffer, field: number[]): Promise<void> {
    const hostile = Buffer.from(database);
    const at = hostile.indexOf(Buffer.from(field), 12);
    expect(at).toBeGreaterThan(0);
    hostile.writeBigUInt64LE(2n ** 40n, at + field.length);
    await expect(run({ format: 'kdbx', bytes: hostile, password: PASSWORD })).rejects.toMatchObject({
      code: 'import_unsupported',
      message: expect.stringMatching(/AES key derivation of 1\.1e\+12 rounds/),
    });
    expect(engine.listKeys({})).toEqual([]);
  }

  /** Every secret-free thing an administrator or an auditor reads back: the audit trail, in full. */
  const auditText = () => JSON.stringify(engine.auditTrail({}));

  describe.skipIf(!hasKeepassxc)('KeePassXC', () => {
    /** A database made by keepassxc-cli: a group, two keys and an entry without a password. */
    function keepassxcDatabase(stripe: string, twilio: string): string {
      const file = join(dir, 'team.kdbx');
      keepassxc(['db-create', '-q', '-p', file], `${PASSWORD}\n${PASSWORD}\n`);
      keepassxc(['mkdir', '-q', file, 'Vendors'], `${PASSWORD}\n`);
      keepassxc(['add', '-q', '-p', '--url', 'https://api.stripe.com', '--notes', 'billing, production', file, 'Stripe prod'], `${PASSWORD}\n${stripe}\n`);
      keepassxc(['add', '-q', '-p', '--url', 'https://api.twilio.com', file, 'Vendors/Twilio SMS'], `${PASSWORD}\n${twilio}\n`);
      keepassxc(['add', '-q', file, 'Wi-Fi note'], `${PASSWORD}\n`);
      return file;
    }

    it('refuses a KDBX 3.1 database whose AES key derivation would run for hours (its TransformRounds header field), before deriving', async () => {
      // Header field 6 (TransformRounds), 8 bytes.
      await expectRoundsRefused(readFileSync(keepassxcDatabase(newSecret('sk_live'), newSecret('tw'))), [6, 8, 0]);
    });

    it('reads a database keepassxc-cli made (KDBX 3.1, AES-KDF): title, secret, URL, group; a second import adds nothing', async () => {
      const [stripe, twilio] = [newSecret('sk_live'), newSecret('tw')];
      const file = keepassxcDatabase(stripe, twilio);
      expect(readFileSync(file).subarray(8, 12)).toEqual(Buffer.from([1, 0, 3, 0])); // KDBX 3.1, as Debian's keepassxc-cli writes
      const first = await run({ format: 'kdbx', bytes: readFileSync(file), password: PASSWORD });
      expect(first.counts).toEqual({ entries: 3, created: 2, updated: 0, skipped: 1 });
      expect(first.items.find((item) => item.name === 'Wi-Fi note')).toMatchObject({ action: 'skip', reason: 'no secret' });
      expect(
        keys()
          .map((key) => key.name)
          .sort(),
      ).toEqual(['Stripe prod', 'Twilio SMS']);
      expect(await engine.reveal(keyNamed('Stripe prod').ref)).toBe(stripe);
      expect(await engine.reveal(keyNamed('Twilio SMS').ref)).toBe(twilio);
      expect(await engine.keyFacts(keyNamed('Stripe prod').ref)).toContainEqual({ label: 'Vendor', value: 'Stripe' });
      const facts = await engine.keyFacts(keyNamed('Twilio SMS').ref);
      expect(facts).toEqual(
        expect.arrayContaining([
          { label: 'Group (imported from)', value: 'Vendors' },
          { label: 'URL', value: 'https://api.twilio.com' },
        ]),
      );

      const again = await run({ format: 'kdbx', bytes: readFileSync(file), password: PASSWORD });
      expect(again.counts).toEqual({ entries: 3, created: 0, updated: 0, skipped: 3 });
      expect(again.items.filter((item) => item.reason === 'unchanged since the last import')).toHaveLength(2);
      expect(keys()).toHaveLength(2);
      // One event per import, with the format and counts: no entry name, no secret.
      const events = engine.auditTrail({ action: 'import' });
      expect(events.map((event) => event.detail)).toEqual(['kdbx: 2 created, 0 updated, 1 skipped', 'kdbx: 0 created, 0 updated, 3 skipped']);
      for (const word of ['Stripe', 'Twilio', 'Wi-Fi', stripe, twilio, PASSWORD]) expect(auditText()).not.toContain(word);
    });

    it('reads the expiry keepassxc-cli import writes from an XML with Expires set, and the XML export itself as the same entries', async () => {
      const stripe = newSecret('sk_live');
      const file = keepassxcDatabase(stripe, newSecret('tw'));
      const xml = keepassxc(['export', '-q', '--format', 'xml', file], `${PASSWORD}\n`).toString('utf8');
      // The Stripe entry expires on 2027-03-01 at noon UTC, set as KeePass writes it.
      const withExpiry = xml
        .split('<Entry>')
        .map((chunk) =>
          chunk.includes('<Value>Stripe prod</Value>')
            ? chunk.replace(/<ExpiryTime>[^<]*<\/ExpiryTime>/, '<ExpiryTime>2027-03-01T12:00:00Z</ExpiryTime>').replace('<Expires>False</Expires>', '<Expires>True</Expires>')
            : chunk,
        )
        .join('<Entry>');
      const xmlFile = join(dir, 'with-expiry.xml');
      writeFileSync(xmlFile, withExpiry);
      const reimported = join(dir, 'reimported.kdbx');
      keepassxc(['import', '-q', '-p', xmlFile, reimported], `${PASSWORD}\n${PASSWORD}\n`);

      const report = await run({ format: 'kdbx', bytes: readFileSync(reimported), password: PASSWORD });
      expect(report.items.find((item) => item.name === 'Stripe prod')).toMatchObject({ action: 'create', expiresAt: '2027-03-01T12:00:00.000Z' });
      expect(keyNamed('Stripe prod').expiresAt).toBe('2027-03-01T12:00:00.000Z');
      expect(keyNamed('Twilio SMS').expiresAt).toBeNull();

      // The XML export carries the same UUIDs: the same keys, unchanged (the export has no expiry on Stripe: an update).
      const fromXml = await run({ format: 'keepass-xml', bytes: Buffer.from(xml) });
      expect(fromXml.counts).toMatchObject({ created: 0, updated: 1 });
      expect(keys()).toHaveLength(2);
      expect(await engine.reveal(keyNamed('Stripe prod').ref)).toBe(stripe);
    });

    it('a wrong password, a truncated database and a key file left out are refused with their own codes, and nothing is stored', async () => {
      const file = keepassxcDatabase(newSecret('sk'), newSecret('tw'));
      const bytes = readFileSync(file);
      await expect(run({ format: 'kdbx', bytes, password: 'not-the-password' })).rejects.toMatchObject({ code: 'import_wrong_password' });
      // Cut off its last 7 bytes (a download or copy that stopped), and cut in half.
      await expect(run({ format: 'kdbx', bytes: bytes.subarray(0, bytes.length - 7), password: PASSWORD })).rejects.toMatchObject({
        code: 'import_malformed',
        message: expect.stringContaining('truncated'),
      });
      await expect(run({ format: 'kdbx', bytes: bytes.subarray(0, 100), password: PASSWORD })).rejects.toMatchObject({ code: 'import_malformed' });
      await expect(run({ format: 'kdbx', bytes: Buffer.from('not a database at all'), password: PASSWORD })).rejects.toMatchObject({ code: 'import_malformed' });
      await expect(run({ format: 'kdbx', bytes })).rejects.toMatchObject({ code: 'invalid_input' });
      // --create-backend was given, but the file never opened: no empty backend is left behind.
      expect(engine.listBackends()).toEqual([]);
      expect(engine.auditTrail({})).toEqual([]);
    });
  });

  /** A KDBX 4 written by kdbxweb with the given KDF and cipher, one entry, optionally behind a key file too. */
  async function kdbx4(options: { kdf: string; cipher: string; keyFile?: Uint8Array; secret: string; custom?: Record<string, string> }): Promise<Buffer> {
    const credentials = new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(PASSWORD), options.keyFile ?? null);
    const db = kdbxweb.Kdbx.create(credentials, 'team');
    db.setVersion(4);
    db.setKdf(options.kdf);
    db.header.dataCipherUuid = new kdbxweb.KdbxUuid(options.cipher);
    // Fast test parameters: a real database spends a second here, the test need not.
    if (options.kdf === kdbxweb.Consts.KdfId.Aes) db.header.kdfParameters!.set('R', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(1000));
    else {
      db.header.kdfParameters!.set('M', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(1024 * 1024));
      db.header.kdfParameters!.set('I', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(2));
    }
    const group = db.createGroup(db.getDefaultGroup(), 'APIs');
    const entry = db.createEntry(group);
    entry.fields.set('Title', 'OpenAI batch');
    entry.fields.set('Password', kdbxweb.ProtectedValue.fromString(options.secret));
    entry.fields.set('URL', 'https://api.openai.com');
    for (const [name, value] of Object.entries(options.custom ?? {})) entry.fields.set(name, value);
    entry.tags = ['prod', 'batch'];
    return Buffer.from(await db.save());
  }

  it.each([
    ['Argon2d and AES', kdbxweb.Consts.KdfId.Argon2d, kdbxweb.Consts.CipherId.Aes],
    ['Argon2id and ChaCha20', kdbxweb.Consts.KdfId.Argon2id, kdbxweb.Consts.CipherId.ChaCha20],
    ['AES-KDF and ChaCha20', kdbxweb.Consts.KdfId.Aes, kdbxweb.Consts.CipherId.ChaCha20],
  ])('reads a KDBX 4 database with %s, and an expiry kept in a custom field', async (_label, kdf, cipher) => {
    const secret = newSecret('sk-proj');
    const bytes = await kdbx4({ kdf, cipher, secret, custom: { 'Valid until': '2027-06-30' } });
    const report = await run({ format: 'kdbx', bytes, password: PASSWORD });
    expect(report.items).toEqual([expect.objectContaining({ name: 'OpenAI batch', action: 'create', group: 'APIs', tags: ['prod', 'batch'], expiresAt: '2027-06-30', vendor: 'OpenAI' })]);
    expect(await engine.reveal(keyNamed('OpenAI batch').ref)).toBe(secret);
  });

  it('refuses a database whose AES key derivation would run for hours, before deriving anything; nothing is stored', async () => {
    const bytes = await kdbx4({ kdf: kdbxweb.Consts.KdfId.Aes, cipher: kdbxweb.Consts.CipherId.Aes, secret: newSecret('sk') });
    // The rounds sit in the plain header's KDF parameters (a UInt64 entry named "R"): raised there as a hostile file
    // would. The header's HMAC no longer matches, which only a derived key could tell.
    await expectRoundsRefused(bytes, [0x05, 1, 0, 0, 0, 0x52, 8, 0, 0, 0]);
  });

  it('opens a database that needs a key file as well as the password, and refuses it without', async () => {
    const keyFile = await kdbxweb.Credentials.createRandomKeyFile(2);
    const secret = newSecret('sk');
    const bytes = await kdbx4({ kdf: kdbxweb.Consts.KdfId.Aes, cipher: kdbxweb.Consts.CipherId.Aes, keyFile, secret });
    await expect(run({ format: 'kdbx', bytes, password: PASSWORD })).rejects.toMatchObject({ code: 'import_wrong_password' });
    // KDBX 4's blocks carry their own HMAC: a cut file is named as one, even with the right key.
    await expect(run({ format: 'kdbx', bytes: bytes.subarray(0, bytes.length - 7), password: PASSWORD, keyFile })).rejects.toMatchObject({ code: 'import_malformed' });
    await run({ format: 'kdbx', bytes, password: PASSWORD, keyFile });
    expect(await engine.reveal(keyNamed('OpenAI batch').ref)).toBe(secret);
  });

  it('Bitwarden JSON: logins and secure notes with a hidden field become keys, with folders and an expiry field; cards and empty logins are skipped', async () => {
    const [stripe, datadog] = [newSecret('sk_live'), newSecret('dd')];
    const exported = bitwardenExport({ stripe, datadog });
    const report = await run({ format: 'bitwarden-json', bytes: Buffer.from(JSON.stringify(exported)) });
    expect(report.dateOrder).toMatch(/day\/month, since 31\/01\/2028/);
    expect(report.items.map((item) => [item.name, item.action, item.reason])).toEqual([
      ['Stripe live', 'create', null],
      ['Datadog API', 'create', null],
      ['Company card', 'skip', 'a card item, not a key'],
      ['Old login', 'skip', 'no secret'],
    ]);
    expect(report.items[0]).toMatchObject({ group: 'Payments', owner: 'finance', expiresAt: '2028-01-31', createdAt: '2025-01-15T09:30:00.000Z' });
    expect(await engine.reveal(keyNamed('Datadog API').ref)).toBe(datadog);
    expect(keyNamed('Stripe live')).toMatchObject({ expiresAt: '2028-01-31', owner: 'finance', notes: 'rotated by finance' });

    await expect(run({ format: 'bitwarden-json', bytes: Buffer.from(JSON.stringify({ encrypted: true, encKeyValidation_DO_NOT_EDIT: 'x', data: 'y' })) })).rejects.toMatchObject({
      code: 'import_unsupported',
      message: expect.stringContaining('encrypted'),
    });
    await expect(run({ format: 'bitwarden-json', bytes: Buffer.from(JSON.stringify(exported)).subarray(0, 200) })).rejects.toMatchObject({ code: 'import_malformed' });
  });

  it('Bitwarden JSON: an error never quotes the file, even where the parser would (a secret next to the fault)', async () => {
    const secret = newSecret('sk_live');
    const broken = Buffer.from(`{"items":[{"id":"x","type":1,"name":"k","login":{"password":"${secret}"}}]`);
    const error = await run({ format: 'bitwarden-json', bytes: broken }).then(
      () => new Error('imported'),
      (caught: unknown) => caught as Error,
    );
    expect(error).toMatchObject({ code: 'import_malformed' });
    expect(JSON.stringify(error) + error.message).not.toContain(secret.slice(0, 12));
  });

  it('Bitwarden Secrets Manager JSON: secrets with their project', async () => {
    const secret = newSecret('ghp');
    const exported = { projects: [{ id: 'p1', name: 'CI' }], secrets: [{ id: 's1', key: 'GitHub deploy token', value: secret, note: 'for releases', projectIds: ['p1'] }] };
    const report = await run({ format: 'bitwarden-sm-json', bytes: Buffer.from(JSON.stringify(exported)) });
    expect(report.items).toEqual([expect.objectContaining({ name: 'GitHub deploy token', action: 'create', group: 'CI', vendor: 'GitHub' })]);
    expect(await engine.reveal(keyNamed('GitHub deploy token').ref)).toBe(secret);
  });

  /** A 1PUX as 1Password writes it: export.attributes and export.data in a zip. */
  function onePux(items: unknown[]): Buffer {
    const data = { accounts: [{ attrs: { accountName: 'Acme', name: 'Acme', uuid: 'acc1' }, vaults: [{ attrs: { uuid: 'v1', name: 'Infrastructure' }, items }] }] };
    return Buffer.from(
      zipSync({
        'export.attributes': Buffer.from(JSON.stringify({ version: 3, description: '1Password Unencrypted Export', createdAt: 1700000000 })),
        'export.data': Buffer.from(JSON.stringify(data)),
      }),
    );
  }

  it('1PUX: an API Credential with its expires and valid-from dates; an archived item is skipped', async () => {
    const secret = newSecret('SG');
    const validFrom = Date.UTC(2025, 5, 1) / 1000;
    const expires = Date.UTC(2027, 5, 1) / 1000;
    const apiCredential = {
      uuid: 'op1',
      createdAt: 1700000000,
      state: 'active',
      categoryUuid: '112',
      details: {
        notesPlain: '',
        sections: [
          {
            title: '',
            fields: [
              { title: 'username', id: 'username', value: { string: 'mailer' } },
              { title: 'credential', id: 'credential', value: { concealed: secret } },
              { title: 'valid from', id: 'validFrom', value: { date: validFrom } },
              { title: 'expires', id: 'expires', value: { date: expires } },
              { title: 'hostname', id: 'hostname', value: { string: 'api.sendgrid.com' } },
            ],
          },
        ],
      },
      overview: { title: 'SendGrid mailer', tags: ['email'] },
    };
    const archived = { ...apiCredential, uuid: 'op2', state: 'archived', overview: { title: 'Old SendGrid' } };
    const report = await run({ format: '1pux', bytes: onePux([apiCredential, archived]) });
    expect(report.items.map((item) => [item.name, item.action, item.reason])).toEqual([
      ['SendGrid mailer', 'create', null],
      ['Old SendGrid', 'skip', 'archived in 1Password'],
    ]);
    const key = keyNamed('SendGrid mailer');
    expect([key.createdAt, key.expiresAt]).toEqual(['2025-06-01T00:00:00.000Z', '2027-06-01T00:00:00.000Z']);
    expect(report.items[0]!.vendor).toBe('SendGrid');
    expect(await engine.reveal(key.ref)).toBe(secret);
  });

  it('1PUX: a zip bomb is refused before it is inflated, a truncated zip is named as such; nothing is stored', async () => {
    // 80 MiB of zeros deflate to about 80 KiB: over the cap by its directory entry alone.
    const bomb = Buffer.from(zipSync({ 'export.data': new Uint8Array(80 * 1024 * 1024) }, { level: 9 }));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expect(run({ format: '1pux', bytes: bomb })).rejects.toMatchObject({ code: 'import_too_large', message: expect.stringContaining('zip bomb') });
    // A directory that lies: 4 GiB declared for a small entry.
    const liar = onePux([]);
    const central = liar.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const entryName = liar.toString('latin1', central + 46, central + 46 + liar.readUInt16LE(central + 28));
    const target = entryName === 'export.data' ? central : liar.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), central - 1);
    liar.writeUInt32LE(0xfffffff0, target + 24);
    await expect(run({ format: '1pux', bytes: liar })).rejects.toMatchObject({ code: 'import_too_large' });
    const whole = onePux([]);
    await expect(run({ format: '1pux', bytes: whole.subarray(0, whole.length - 30) })).rejects.toMatchObject({ code: 'import_malformed' });
    expect(engine.listBackends()).toEqual([]);
  });

  describe('CSV', () => {
    const csv = (text: string) => Buffer.from(text);

    it('matches columns by name, reads day/month dates as the file shows them, keeps formula cells as text, skips duplicates', async () => {
      const [a, b] = [newSecret('sk'), newSecret('tw')];
      const report = await run({
        format: 'csv',
        bytes: csv(
          [
            'Title,Service,Valid until,Rotate every,Owner,Environment,Tags,API key,Notes',
            `Stripe prod,Stripe,31/12/2027,,alice,prod,"billing, live",${a},`,
            `Twilio,Twilio,03/04/2027,90,bob,staging,,${b},`,
            `"=HYPERLINK(""http://evil.example"")",Evil,=TODAY()+30,,,,,${newSecret('x')},`,
            `@SUM(A1),Evil,01/02/2027,,,,,${newSecret('x')},`,
            `stripe PROD,Stripe,01/01/2028,,,,,${newSecret('x')},`,
            `No secret,Acme,01/01/2028,,,,,,`,
          ].join('\n'),
        ),
      });
      expect(report.dateOrder).toBe('dates read as day/month, since 31/12/2027 can only be day/month');
      expect(report.items.map((item) => [item.source, item.action, item.reason])).toEqual([
        ['row 2', 'create', null],
        ['row 3', 'create', null],
        ['row 4', 'skip', 'the expiry date cell is a spreadsheet formula, which Keywarden never evaluates'],
        ['row 5', 'create', null],
        ['row 6', 'skip', 'duplicate in the file: the same name as row 2'],
        ['row 7', 'skip', 'no secret'],
      ]);
      expect(report.items[0]).toMatchObject({ owner: 'alice', environment: 'prod', tags: ['billing', 'live'], expiresAt: '2027-12-31' });
      // 03/04/2027 in a day/month file is the 3rd of April; the rotation interval gives way to the expiry, and says so.
      expect(report.items[1]).toMatchObject({ expiresAt: '2027-04-03', rotateEveryDays: null, warnings: [expect.stringContaining('rotate every 90 days not kept')] });
      expect(report.items[3]).toMatchObject({ name: '@SUM(A1)', warnings: [expect.stringContaining('never evaluated')] });
      expect(keyNamed('@SUM(A1)').name).toBe('@SUM(A1)');
      // The description columns every key has: owner, environment, tags.
      expect(keyNamed('Stripe prod')).toMatchObject({ owner: 'alice', environment: 'prod', tags: ['billing', 'live'] });
      expect(await engine.reveal(keyNamed('Stripe prod').ref)).toBe(a);
    });

    it('refuses an ambiguous date unless --date-order says which, and --map names a column the header words do not', async () => {
      const file = csv(`Key label,Ends,Token\nMailgun,03/04/2027,${newSecret('key')}\n`);
      await expect(run({ format: 'csv', bytes: file, dryRun: true })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('--map COLUMN=name') });
      const ambiguous = await run({ format: 'csv', bytes: file, dryRun: true, map: ['Key label=name', 'ends=expires'] });
      expect(ambiguous.items[0]).toMatchObject({ action: 'skip', reason: expect.stringContaining('ambiguous expiry date "03/04/2027"') });
      expect(ambiguous.dateOrder).toMatch(/day\/month order unknown/);
      const monthDay = await run({ format: 'csv', bytes: file, dryRun: true, map: ['Key label=name', 'ends=expires'], dateOrder: 'month-day' });
      expect(monthDay.items[0]).toMatchObject({ action: 'create', expiresAt: '2027-03-04' });
      await expect(run({ format: 'csv', bytes: file, map: ['Nope=name'] })).rejects.toMatchObject({ message: expect.stringContaining('"Key label", "Ends", "Token"') });
      // Dry runs created nothing, not even the backend.
      expect(engine.listBackends()).toEqual([]);
    });

    it('a spreadsheet without a secret column is an inventory: its rows become keys without secrets; a key in its notes is not kept', async () => {
      const leaked = `sk_live_${randomBytes(18).toString('hex')}`;
      const report = await run({ format: 'csv', bytes: csv(`name,vendor,expires,notes\nSentry DSN,Sentry,2027-09-01,"old key was ${leaked}"\n`) });
      expect(keyNamed('Sentry DSN')).toMatchObject({ secretCached: false, expiresAt: '2027-09-01', notes: 'old key was [redacted]' });
      expect(report.items[0]!.warnings).toEqual([expect.stringContaining('[redacted]')]);
    });

    it('a description edited in Keywarden counts as an edit: the next import keeps it', async () => {
      const file = csv(`name,owner,secret\nStripe,alice,${newSecret('sk')}\n`);
      await run({ format: 'csv', bytes: file });
      await engine.describeKey(keyNamed('Stripe').ref, { owner: 'bob' });
      expect((await run({ format: 'csv', bytes: file })).items[0]).toMatchObject({ action: 'skip', reason: expect.stringContaining('edited in Keywarden') });
      expect(keyNamed('Stripe').owner).toBe('bob');
    });

    it('re-import updates what changed in the file, and leaves a key edited in Keywarden alone unless --overwrite', async () => {
      const secret = newSecret('sk');
      await run({ format: 'csv', bytes: csv(`name,expires,secret\nStripe,2027-01-01,${secret}\nTwilio,2027-02-01,${newSecret('tw')}\n`) });
      const stripe = keyNamed('Stripe');
      await engine.updateManualKey(stripe.ref, { expiresAt: '2027-05-05' });
      const changed = csv(`name,expires,secret\nStripe,2027-01-01,${secret}\nTwilio,2027-03-01,${newSecret('tw')}\n`);
      const second = await run({ format: 'csv', bytes: changed });
      expect(second.items.map((item) => [item.name, item.action, item.reason])).toEqual([
        ['Stripe', 'skip', 'edited in Keywarden since the last import; --overwrite replaces it with the source'],
        ['Twilio', 'update', 'changed in the source since the last import'],
      ]);
      expect(keys()).toHaveLength(2);
      expect(keyNamed('Stripe').expiresAt).toBe('2027-05-05');
      expect(keyNamed('Twilio').expiresAt).toBe('2027-03-01');
      const third = await run({ format: 'csv', bytes: changed, overwrite: true });
      expect(third.items[0]).toMatchObject({ action: 'update', reason: expect.stringContaining('--overwrite') });
      expect(keyNamed('Stripe')).toMatchObject({ ref: stripe.ref, expiresAt: '2027-01-01' });
      // A deleted key is gone from the record too: the next import makes it again.
      await engine.deleteKey(keyNamed('Twilio').ref);
      expect((await run({ format: 'csv', bytes: changed })).counts).toMatchObject({ created: 1, skipped: 1 });
    });

    it('a huge file is refused by its size before it is read, and a stream without a size at the cap', async () => {
      const sparse = join(dir, 'huge.csv');
      const fd = openSync(sparse, 'w');
      ftruncateSync(fd, 2 * 1024 * 1024 * 1024);
      closeSync(fd);
      await expect(readSourceFile(sparse)).rejects.toMatchObject({ code: 'import_too_large', message: expect.stringContaining('2048 MiB') });
      await expect(readSourceFile('/dev/zero')).rejects.toMatchObject({ code: 'import_too_large' });
      await expect(readSourceFile(join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  it('a failure in the middle of a batch leaves the batches before it and nothing of its own; importing again completes without duplicates', async () => {
    const rows = Array.from({ length: 700 }, (_, index) => `Key ${index},2027-01-01,${newSecret('k')}`);
    const file = Buffer.from(`name,expires,secret\n${rows.join('\n')}\n`);
    await run({ format: 'csv', bytes: Buffer.from('name,secret\nfirst,abc\n') }); // the backend exists
    // A real SQLite failure, from another connection: the 601st key of the data folder cannot be inserted.
    const db = new Database(join(home, DATABASE_FILE));
    db.exec(`CREATE TRIGGER refuse_key BEFORE INSERT ON keys WHEN (SELECT COUNT(*) FROM keys) >= 601 BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END`);
    await expect(run({ format: 'csv', bytes: file })).rejects.toThrow(/disk full/);
    // Batch 1 (500 keys) committed with its event; batch 2 stopped at its 101st key and left none of its 200.
    expect(keys()).toHaveLength(501);
    expect(db.prepare('SELECT COUNT(*) AS n FROM import_sources').get()).toEqual({ n: 501 });
    expect(engine.auditTrail({ action: 'import' }).map((event) => event.detail)).toEqual(['csv: 1 created, 0 updated, 0 skipped', 'csv: 500 created, 0 updated (batch 1 of 2)']);
    db.exec('DROP TRIGGER refuse_key');
    db.close();
    const report = await run({ format: 'csv', bytes: file });
    expect(report.counts).toEqual({ entries: 700, created: 200, updated: 0, skipped: 500 });
    expect(keys()).toHaveLength(701);
  });

  it('nothing secret in the database file in plain text', async () => {
    const secret = newSecret('sk_live');
    await run({ format: 'csv', bytes: Buffer.from(`name,secret\nStripe,${secret}\n`) });
    await engine.close();
    const bytes = Buffer.concat([
      readFileSync(join(home, DATABASE_FILE)),
      ...['-wal'].flatMap((suffix) => {
        try {
          return [readFileSync(join(home, DATABASE_FILE + suffix))];
        } catch {
          return [];
        }
      }),
    ]);
    expect(bytes.includes(Buffer.from(secret))).toBe(false);
    engine = KeywardenEngine.open({ home });
  });
});
