/**
 * Which format a file is, from its first bytes and then its name: what the console preselects when a file is chosen
 * (the administrator can change it; the CLI always names it with --from). A guess that is wrong costs nothing: the
 * reader of the chosen format refuses a file that is not its own with a clear error, and nothing is stored.
 *
 * Only the start of the file is looked at (and never kept or logged): a KDBX signature, a zip's, `<KeePassFile`, or the
 * top-level keys of a JSON export.
 */
import type { ImportFormat } from '../../../shared/imports.js';

/** KeePass's two signature words (little-endian): 0x9AA2D903, then 0xB54BFB67 for KDBX 2 to 4. */
const KDBX_SIGNATURE = [0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5];
/** A zip's local file header: what a .1pux is. */
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];
/** How much of a text file is read to tell its kind: a JSON export's keys come first, or after a short folder list. */
const TEXT_PEEK_BYTES = 64 * 1024;

const BY_EXTENSION: ReadonlyArray<[RegExp, ImportFormat]> = [
  [/\.kdbx$/i, 'kdbx'],
  [/\.xml$/i, 'keepass-xml'],
  [/\.1pux$/i, '1pux'],
  [/\.(csv|tsv|txt)$/i, 'csv'],
  [/\.json$/i, 'bitwarden-json'],
];

export function detectImportFormat(name: string, bytes: Uint8Array): ImportFormat | null {
  if (startsWith(bytes, KDBX_SIGNATURE)) return 'kdbx';
  if (startsWith(bytes, ZIP_SIGNATURE)) return /\.1pux$/i.test(name) ? '1pux' : null;
  const text = new TextDecoder('utf-8', { fatal: false })
    .decode(bytes.subarray(0, TEXT_PEEK_BYTES))
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('<')) return /<KeePassFile[\s>]/.test(text) ? 'keepass-xml' : null;
  if (text.startsWith('{')) {
    // In JSON a quote inside a string is always escaped, so `"secrets":` unescaped is a key (a Secrets Manager export's).
    if (/(^|[^\\])"items"\s*:/.test(text) || /(^|[^\\])"encrypted"\s*:/.test(text)) return 'bitwarden-json';
    if (/(^|[^\\])"secrets"\s*:/.test(text)) return 'bitwarden-sm-json';
  }
  return BY_EXTENSION.find(([pattern]) => pattern.test(name))?.[1] ?? null;
}

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length >= signature.length && signature.every((byte, index) => bytes[index] === byte);
}
