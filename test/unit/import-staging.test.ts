/**
 * The console's staging area for import files (electron/core/imports/staging.ts), alone: chunks put together in order,
 * the bounds (a file's size, how many files, their total), the bytes zeroed when a file is dropped (after an import,
 * on discard, on expiry), never under an import that is reading them; and the format a complete file suggests. The
 * contract methods over HTTP, with a real engine, are test/integration/import-console.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { detectImportFormat } from '../../electron/core/imports/detect.js';
import { ImportStaging, STAGING_LIMITS } from '../../electron/core/imports/staging.js';
import { IMPORT_CHUNK_BYTES } from '../../shared/imports.js';

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Stages `bytes` as the console's page does: the first chunk with the name and size, then the rest in order. */
function stageWhole(staging: ImportStaging, bytes: Uint8Array, name = 'keys.csv', kind: 'source' | 'key-file' = 'source') {
  let answer = staging.stage({ name, kind, size: bytes.length, data: base64(bytes.subarray(0, IMPORT_CHUNK_BYTES)) });
  while (answer.received < bytes.length) {
    answer = staging.stage({ id: answer.id, offset: answer.received, data: base64(bytes.subarray(answer.received, answer.received + IMPORT_CHUNK_BYTES)) });
  }
  return answer;
}

/** The bytes an import is handed, kept by reference to look at after the staged file is dropped. */
async function bytesHanded(staging: ImportStaging, id: string, dropAfter: boolean): Promise<Buffer> {
  return staging.withFiles({ source: id, keyFile: null }, dropAfter, async (source) => source);
}

describe('the staging area for console imports', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts a file of several chunks together as sent, and says when it is whole', async () => {
    const staging = new ImportStaging();
    const bytes = randomBytes(IMPORT_CHUNK_BYTES * 2 + 1000);
    const first = staging.stage({ name: 'big.csv', kind: 'source', size: bytes.length, data: base64(bytes.subarray(0, IMPORT_CHUNK_BYTES)) });
    expect(first).toMatchObject({ received: IMPORT_CHUNK_BYTES, complete: false, detectedFormat: null });
    const whole = stageWhole(staging, bytes, 'big.csv');
    expect(whole).toMatchObject({ size: bytes.length, received: bytes.length, complete: true });
    expect((await bytesHanded(staging, whole.id, false)).equals(bytes)).toBe(true);
  });

  it('refuses a chunk out of order, and more bytes than the size said (dropping the file)', async () => {
    const staging = new ImportStaging();
    const first = staging.stage({ name: 'a.csv', kind: 'source', size: 10, data: base64(Buffer.from('name,s')) });
    expect(() => staging.stage({ id: first.id, offset: 2, data: base64(Buffer.from('ecret')) })).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => staging.stage({ id: first.id, offset: 6, data: base64(Buffer.from('ecret\nx,y')) })).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: expect.stringContaining('more bytes arrived than') }),
    );
    expect(staging.held()).toEqual({ files: 0, bytes: 0 });
  });

  it('refuses a file over 64 MiB (a key file over 1 MiB) by its size, before a byte is kept, in words naming the field', () => {
    const staging = new ImportStaging();
    expect(() => staging.stage({ name: 'huge.kdbx', kind: 'source', size: STAGING_LIMITS.maxSourceBytes + 1, data: '' })).toThrow(
      expect.objectContaining({ code: 'import_too_large', message: expect.stringContaining('64.1 MiB, over the 64 MiB Keywarden reads'), details: { field: 'file' } }),
    );
    expect(() => staging.stage({ name: 'team.keyx', kind: 'key-file', size: 2 * 1024 * 1024, data: '' })).toThrow(
      expect.objectContaining({ code: 'import_too_large', details: { field: 'keyFile' } }),
    );
    expect(staging.held()).toEqual({ files: 0, bytes: 0 });
  });

  it('holds a few files at once and a bounded total: the next is refused until one goes', () => {
    const staging = new ImportStaging({ ...STAGING_LIMITS, maxFiles: 2, maxTotalBytes: 100 });
    const one = stageWhole(staging, randomBytes(40));
    stageWhole(staging, randomBytes(40));
    expect(() => stageWhole(staging, randomBytes(10))).toThrow(expect.objectContaining({ code: 'conflict', message: expect.stringContaining('finish or cancel them') }));
    staging.drop(one.id);
    expect(() => stageWhole(staging, randomBytes(70))).toThrow(expect.objectContaining({ code: 'conflict' }));
    stageWhole(staging, randomBytes(60));
    expect(staging.held()).toEqual({ files: 2, bytes: 100 });
  });

  it('zeroes the bytes when a file is dropped: after an import, on discard, after ten idle minutes', async () => {
    const staging = new ImportStaging();
    const imported = stageWhole(staging, randomBytes(1000));
    const handed = await bytesHanded(staging, imported.id, true);
    expect(handed.every((byte) => byte === 0)).toBe(true);
    await expect(bytesHanded(staging, imported.id, false)).rejects.toMatchObject({ code: 'not_found', details: { field: 'file' } });

    const discarded = stageWhole(staging, randomBytes(1000));
    const kept = await bytesHanded(staging, discarded.id, false);
    expect(kept.some((byte) => byte !== 0)).toBe(true);
    staging.drop(discarded.id);
    expect(kept.every((byte) => byte === 0)).toBe(true);

    const forgotten = stageWhole(staging, randomBytes(1000));
    const left = await bytesHanded(staging, forgotten.id, false);
    vi.advanceTimersByTime(STAGING_LIMITS.ttlMs - 1000);
    expect(staging.held().files).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(staging.held()).toEqual({ files: 0, bytes: 0 });
    expect(left.every((byte) => byte === 0)).toBe(true);
  });

  it('never zeroes a file under an import reading it: a discard or expiry meanwhile waits for the import to end', async () => {
    const staging = new ImportStaging();
    const file = stageWhole(staging, Buffer.from('name,secret\nStripe,x\n'));
    let release!: () => void;
    const reading = staging.withFiles({ source: file.id, keyFile: null }, false, async (source) => {
      await new Promise<void>((resolve) => (release = resolve));
      return source.toString('utf8');
    });
    staging.drop(file.id);
    vi.advanceTimersByTime(STAGING_LIMITS.ttlMs * 2);
    release();
    expect(await reading).toBe('name,secret\nStripe,x\n');
    expect(staging.held().files).toBe(0);
  });

  it('refuses an import of a file not yet whole, or of a key file as the file to import', async () => {
    const staging = new ImportStaging();
    const partial = staging.stage({ name: 'a.csv', kind: 'source', size: 100, data: base64(Buffer.from('name')) });
    await expect(bytesHanded(staging, partial.id, false)).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('only 4 of the file') });
    const keyFile = stageWhole(staging, randomBytes(64), 'team.keyx', 'key-file');
    expect(keyFile.detectedFormat).toBeNull();
    await expect(bytesHanded(staging, keyFile.id, false)).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'file' } });
  });

  it('suggests the format from the first bytes, then the name', () => {
    const kdbx = Buffer.from([0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5, 1, 0, 4, 0]);
    expect(detectImportFormat('anything.bin', kdbx)).toBe('kdbx');
    expect(detectImportFormat('export.xml', Buffer.from('\uFEFF<?xml version="1.0"?>\n<KeePassFile>\n<Meta>'))).toBe('keepass-xml');
    expect(detectImportFormat('bitwarden_export.json', Buffer.from('{"encrypted": false, "folders": [], "items": []}'))).toBe('bitwarden-json');
    expect(detectImportFormat('secrets.json', Buffer.from('{"projects": [], "secrets": [{"note": "see \\"items\\": here"}]}'))).toBe('bitwarden-sm-json');
    expect(detectImportFormat('1PasswordExport.1pux', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toBe('1pux');
    expect(detectImportFormat('archive.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toBeNull();
    expect(detectImportFormat('keys.csv', Buffer.from('name,expires,secret\n'))).toBe('csv');
    expect(detectImportFormat('notes.md', Buffer.from('# hello'))).toBeNull();
  });
});
