/**
 * KeePass: KDBX 3.1 and 4 databases (AES or ChaCha20; AES-KDF or Argon2d/id) and KeePass XML exports. The only file
 * that imports kdbxweb and hash-wasm (kdbxweb brings no Argon2 of its own; hash-wasm's WebAssembly one is given to it
 * here, bounded so a hostile header cannot ask for gigabytes).
 *
 * Passwords stay kdbxweb ProtectedValues (XOR-masked in memory) until the applier seals them.
 */
import { argon2d, argon2id } from 'hash-wasm';
import * as kdbxweb from 'kdbxweb';
import { emptyEntry, guessVendor, type ImportEntry, importError, type ImportSecret, isExpiryField, splitTags, text } from './entry.js';
import { CLI_WORDS, type ImportWords } from './words.js';

/** Argon2 bounds: KeePassXC's defaults are 64 MiB and a few iterations; ten times more is still a real database. */
const MAX_ARGON2_MEMORY_KIB = 1024 * 1024;
const MAX_ARGON2_ITERATIONS = 1000;
/**
 * AES-KDF bound: KeePassXC calibrates its rounds to a delay the user chose (one second by default: a few million to
 * tens of millions of rounds on a laptop). A billion is about a minute of key derivation here; a file asking for more
 * (up to 2^64) would hold the engine for hours before any password could be judged.
 */
const MAX_AES_KDF_ROUNDS = 1_000_000_000;

let argon2Installed = false;
function installArgon2(): void {
  if (argon2Installed) return;
  argon2Installed = true;
  kdbxweb.CryptoEngine.setArgon2Impl(async (password, salt, memory, iterations, length, parallelism, type, version) => {
    if (version !== 0x13)
      throw importError('import_unsupported', `the database's key derivation is Argon2 version ${version}; Keywarden reads version 1.3 (0x13), which KeePass and KeePassXC write`);
    if (memory > MAX_ARGON2_MEMORY_KIB || iterations > MAX_ARGON2_ITERATIONS || parallelism < 1 || parallelism > 64) {
      throw importError(
        'import_malformed',
        `the database asks for an Argon2 key derivation of ${Math.round(memory / 1024)} MiB and ${iterations} iterations, beyond what Keywarden runs (1 GiB, ${MAX_ARGON2_ITERATIONS}); is it a real KeePass database?`,
      );
    }
    const options = { password: new Uint8Array(password), salt: new Uint8Array(salt), parallelism, iterations, memorySize: memory, hashLength: length, outputType: 'binary' as const };
    const hash = type === kdbxweb.CryptoEngine.Argon2TypeArgon2id ? await argon2id(options) : await argon2d(options);
    return hash.buffer.slice(hash.byteOffset, hash.byteOffset + hash.byteLength) as ArrayBuffer;
  });
}

export interface KdbxOptions {
  /** Null for a database opened by its key file alone. */
  password: string | null;
  keyFile?: Uint8Array | null;
  words?: ImportWords;
}

export async function readKdbx(bytes: Uint8Array, options: KdbxOptions): Promise<ImportEntry[]> {
  installArgon2();
  let db: kdbxweb.Kdbx;
  try {
    refuseCostlyAesKdf(bytes);
    const credentials = new kdbxweb.Credentials(options.password === null ? null : kdbxweb.ProtectedValue.fromString(options.password), options.keyFile ?? null);
    await credentials.ready;
    db = await kdbxweb.Kdbx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, credentials);
  } catch (error) {
    // KDBX 3 has no checksum before its payload is decrypted, so a cut file looks like a wrong key to kdbxweb; the
    // payload's length tells them apart (AES-CBC blocks are 16 bytes; a cut rarely falls on a block's end).
    if (error instanceof kdbxweb.KdbxError && error.code === kdbxweb.Consts.ErrorCodes.InvalidKey && kdbx3PayloadCut(bytes)) {
      throw importError('import_malformed', 'the KeePass database is truncated (its encrypted part ends mid-block); nothing was imported');
    }
    throw kdbxFailure(error, 'database', options.words ?? CLI_WORDS);
  }
  return entriesOf(db);
}

/**
 * Reads the outer header (plain, before any key derivation) and refuses an AES-KDF asking for more than
 * MAX_AES_KDF_ROUNDS. KDBX 3 states its rounds in a header field; KDBX 4 in the KDF parameters, with the KDF's UUID.
 * Argon2's costs are judged by the Argon2 implementation installed above. A header that does not parse is left to
 * kdbxweb's load, which says what is wrong with it.
 */
function refuseCostlyAesKdf(bytes: Uint8Array): void {
  let header: kdbxweb.KdbxHeader;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    header = kdbxweb.KdbxHeader.read(new kdbxweb.BinaryStream(buffer), new kdbxweb.KdbxContext({ kdbx: new kdbxweb.Kdbx() }));
  } catch {
    return;
  }
  let rounds: number | undefined;
  if (header.versionMajor < 4) rounds = header.keyEncryptionRounds;
  else {
    const kdf = header.kdfParameters?.get('$UUID');
    const kdfId = kdf instanceof ArrayBuffer ? new kdbxweb.KdbxUuid(kdf).toString() : null;
    const value = header.kdfParameters?.get('R');
    if (kdfId === kdbxweb.Consts.KdfId.Aes) rounds = value instanceof kdbxweb.Int64 ? value.value : typeof value === 'number' ? value : undefined;
  }
  if (rounds !== undefined && rounds > MAX_AES_KDF_ROUNDS) {
    throw importError(
      'import_unsupported',
      `the database asks for an AES key derivation of ${rounds.toExponential(1)} rounds, beyond what Keywarden runs (${MAX_AES_KDF_ROUNDS.toExponential(0)}, about a minute); is it a real KeePass database? Lower its "decryption time" in KeePassXC, or export it as XML`,
    );
  }
}

/** Whether a KDBX 3.x file's payload (after its header fields) is not a whole number of cipher blocks. */
function kdbx3PayloadCut(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || view.getUint16(10, true) !== 3) return false;
  let offset = 12;
  while (offset + 3 <= bytes.length) {
    const id = view.getUint8(offset);
    const length = view.getUint16(offset + 1, true);
    offset += 3 + length;
    if (id === 0) return (bytes.length - offset) % 16 !== 0;
  }
  return true;
}

export async function readKeepassXml(bytes: Uint8Array, words: ImportWords = CLI_WORDS): Promise<ImportEntry[]> {
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw importError('import_malformed', 'the KeePass XML export is not UTF-8 text; is it the right file?');
  }
  if (!/<KeePassFile[\s>]/.test(xml.slice(0, 4096))) throw importError('import_malformed', 'this is not a KeePass XML export (no <KeePassFile> at its start)');
  // Entity declarations are how XML bombs and external entities work; a KeePass export has none.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw importError('import_malformed', 'the KeePass XML export declares a DOCTYPE or entities, which KeePass never writes; refused');
  try {
    const db = await kdbxweb.Kdbx.loadXml(xml, new kdbxweb.Credentials(null));
    return entriesOf(db);
  } catch (error) {
    throw kdbxFailure(error, 'XML export', words);
  }
}

function kdbxFailure(error: unknown, what: 'database' | 'XML export', words: ImportWords) {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('import_')) return error;
  const code = error instanceof kdbxweb.KdbxError ? error.code : null;
  switch (code) {
    case kdbxweb.Consts.ErrorCodes.InvalidKey:
      return importError('import_wrong_password', 'the KeePass database does not open with this password (and key file, if one is needed); nothing was imported');
    case kdbxweb.Consts.ErrorCodes.BadSignature:
      return importError('import_malformed', `this is not a KeePass database (its first bytes are not a KDBX signature); is it the right file, or an XML export (${words.format('keepass-xml')})?`);
    case kdbxweb.Consts.ErrorCodes.InvalidVersion:
    case kdbxweb.Consts.ErrorCodes.Unsupported:
    case kdbxweb.Consts.ErrorCodes.NotImplemented:
      return importError('import_unsupported', `this KeePass ${what} uses a format or cipher Keywarden cannot read (${code}); KDBX 3.1 and 4 with AES or ChaCha20 are read`);
    default:
      // A truncated or damaged file fails anywhere in the parser (a FileCorrupt, a RangeError past the end, a bad XML node).
      return importError('import_malformed', `the KeePass ${what} is damaged or truncated and cannot be read${code ? ` (${code})` : ''}; nothing was imported`);
  }
}

const STANDARD_FIELDS = new Set(['Title', 'UserName', 'Password', 'URL', 'Notes']);

function entriesOf(db: kdbxweb.Kdbx): ImportEntry[] {
  const recycleBin = db.meta.recycleBinEnabled && db.meta.recycleBinUuid && !db.meta.recycleBinUuid.empty ? db.meta.recycleBinUuid.id : null;
  const entries: ImportEntry[] = [];
  const walk = (group: kdbxweb.KdbxGroup, path: string[], recycled: boolean) => {
    for (const entry of group.entries) entries.push(entryOf(entry, path, recycled));
    for (const child of group.groups) walk(child, [...path, child.name ?? ''], recycled || child.uuid.id === recycleBin);
  };
  // The root group's own name ("Passwords", "Root") says nothing: paths start below it.
  for (const root of db.groups) walk(root, [], false);
  return entries;
}

function entryOf(entry: kdbxweb.KdbxEntry, path: string[], recycled: boolean): ImportEntry {
  const field = (name: string) => {
    const value = entry.fields.get(name);
    return value instanceof kdbxweb.ProtectedValue ? value.getText() : (value ?? '');
  };
  const title = text(field('Title')) ?? '(untitled)';
  const group = path.filter(Boolean).join('/') || null;
  const result = emptyEntry(`keepass:${entry.uuid.id}`, group ? `${group}/${title}` : title, title);
  result.group = group;
  result.url = text(field('URL'));
  result.notes = text(field('Notes'));
  result.tags = splitTags(entry.tags);
  result.createdAt = entry.times.creationTime ? entry.times.creationTime.toISOString() : null;
  result.secret = protectedSecret(entry.fields.get('Password'));
  for (const [name, value] of entry.fields) {
    if (STANDARD_FIELDS.has(name)) continue;
    // A key kept in a protected custom field ("API key") when the password is empty.
    if (!result.secret && value instanceof kdbxweb.ProtectedValue) result.secret = protectedSecret(value);
    if (isExpiryField(name)) result.expiresAt = text(value instanceof kdbxweb.ProtectedValue ? value.getText() : value);
  }
  // KeePass's own Expires wins over a custom field: it is what KeePass itself warns on.
  if (entry.times.expires && entry.times.expiryTime) result.expiresAt = entry.times.expiryTime.toISOString();
  result.vendor = guessVendor(title, result.url);
  if (recycled) result.problem = 'in the recycle bin';
  return result;
}

function protectedSecret(value: string | kdbxweb.ProtectedValue | undefined): ImportSecret | null {
  if (value === undefined) return null;
  if (typeof value === 'string') {
    const secret = value.trim();
    return secret ? { reveal: () => secret } : null;
  }
  if (value.byteLength === 0) return null;
  return { reveal: () => value.getText().trim() };
}
