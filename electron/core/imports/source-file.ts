/**
 * Reads an import's source file (or its KeePass key file) into memory, bounded: a file over the cap is refused by its
 * size before a byte is read, and a source whose size cannot be known in advance (a pipe, `<(gpg -d ...)`, a device)
 * is counted as it streams and refused at the cap. The bytes are only read: never copied, logged or kept.
 */
import { open } from 'node:fs/promises';
import { KeywardenError } from '../errors.js';
import { importError, MAX_SOURCE_BYTES } from './entry.js';

export async function readSourceFile(path: string, what = 'source file', maxBytes = MAX_SOURCE_BYTES): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    throw new KeywardenError(
      code === 'ENOENT' ? 'not_found' : 'invalid_input',
      code === 'ENOENT' ? `the ${what} ${path} does not exist` : `the ${what} ${path} cannot be opened (${code || 'unknown error'})`,
      { path },
    );
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new KeywardenError('invalid_input', `the ${what} ${path} is a folder, not a file`, { path });
    const limit = `${Math.round(maxBytes / 1024 / 1024)} MiB`;
    if (stat.isFile() && stat.size > maxBytes) {
      throw importError('import_too_large', `the ${what} is ${Math.round(stat.size / 1024 / 1024)} MiB, over the ${limit} Keywarden reads; is it the right file?`, { path });
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: 1024 * 1024 })) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw importError('import_too_large', `the ${what} is over the ${limit} Keywarden reads; is it the right file?`, { path });
      chunks.push(chunk as Buffer);
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  } finally {
    await handle.close();
  }
}
