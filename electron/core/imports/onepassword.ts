/**
 * 1Password's 1PUX export: a zip holding `export.data` (JSON: accounts, vaults, items), documented at
 * support.1password.com/1pux-format. The only fflate import. Only `export.data` is inflated, and only after the
 * zip's directory says it fits: a zip bomb is refused before a byte of it is inflated.
 *
 * Items: API Credential (category 112: credential, expires, valid from), Login (001), Password (005) and Secure
 * Note (003) with a concealed field; others are skipped with their category named.
 */
import { unzipSync } from 'fflate';
import { emptyEntry, guessVendor, type ImportEntry, importError, type ImportSecret, isExpiryField, MAX_SOURCE_BYTES, plainSecret, splitTags, text } from './entry.js';
import { isRecord, parseJsonSource, records } from './json-source.js';

const CATEGORIES: Record<string, string> = {
  '001': 'login',
  '002': 'credit card',
  '003': 'secure note',
  '004': 'identity',
  '005': 'password',
  '006': 'document',
  '100': 'software licence',
  '101': 'bank account',
  '102': 'database',
  '110': 'server',
  '112': 'API credential',
  '114': 'SSH key',
};
const KEY_CATEGORIES = new Set(['001', '003', '005', '102', '110', '112']);

export function read1pux(bytes: Uint8Array): ImportEntry[] {
  let found = false;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (file) => {
        if (file.name !== 'export.data') return false;
        found = true;
        // The directory's uncompressed size bounds what is inflated (fflate writes into a buffer of that size).
        if (file.originalSize > MAX_SOURCE_BYTES || file.originalSize > Math.max(1024 * 1024, file.size * 1100)) {
          throw importError(
            'import_too_large',
            `the 1PUX file's export.data would inflate to ${Math.round(file.originalSize / 1024 / 1024)} MiB from ${file.size} bytes (a zip bomb?); refused before inflating`,
          );
        }
        return true;
      },
    });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'import_too_large') throw error;
    throw importError('import_malformed', 'the 1PUX file is not a readable zip (truncated or damaged?); nothing was imported');
  }
  const data = files['export.data'];
  if (!found || !data) throw importError('import_malformed', 'the 1PUX file holds no export.data; is it a 1Password export (.1pux)?');
  const json = parseJsonSource(data, '1PUX export.data');
  if (!isRecord(json) || !Array.isArray(json.accounts)) throw importError('import_malformed', "the 1PUX export.data has no accounts; is it 1Password's export?");
  const entries: ImportEntry[] = [];
  for (const account of records(json.accounts)) {
    for (const vault of records(account.vaults)) {
      const vaultName = text(isRecord(vault.attrs) ? vault.attrs.name : null);
      for (const item of records(vault.items)) entries.push(entryOf(item, vaultName, entries.length));
    }
  }
  return entries;
}

function entryOf(item: Record<string, unknown>, vaultName: string | null, index: number): ImportEntry {
  const overview = isRecord(item.overview) ? item.overview : {};
  const details = isRecord(item.details) ? item.details : {};
  const title = text(overview.title) ?? '(untitled)';
  const uuid = text(item.uuid);
  const entry = emptyEntry(uuid ? `1password:${uuid}` : `1password:item-${index}`, vaultName ? `${vaultName}/${title}` : title, title);
  entry.group = vaultName;
  entry.url = text(overview.url) ?? text(records(overview.urls)[0]?.url);
  entry.tags = splitTags(overview.tags);
  entry.notes = text(details.notesPlain);
  entry.createdAt = unixTime(item.createdAt);
  const category = typeof item.categoryUuid === 'string' ? item.categoryUuid : '';
  let secret: ImportSecret | null = null;
  for (const section of records(details.sections)) {
    for (const field of records(section.fields)) {
      const id = text(field.id) ?? '';
      const name = text(field.title) ?? id;
      const value = isRecord(field.value) ? field.value : {};
      if (id === 'credential' || (!secret && 'concealed' in value)) secret = plainSecret(value.concealed) ?? secret;
      if (id === 'expires' || isExpiryField(name)) entry.expiresAt = unixTime(value.date) ?? text(value.string) ?? entry.expiresAt;
      else if (id === 'validFrom') entry.createdAt = unixTime(value.date) ?? entry.createdAt;
      else if (id === 'hostname' && !entry.url) entry.url = text(value.string);
      else if (/^(owner|responsible)$/i.test(name)) entry.owner = text(value.string);
      else if (/^(env|environment|stage)$/i.test(name)) entry.environment = text(value.string);
    }
  }
  const loginPassword = records(details.loginFields).find((field) => field.designation === 'password');
  secret ??= plainSecret(loginPassword?.value) ?? plainSecret(details.password);
  entry.secret = secret;
  entry.vendor = guessVendor(title, entry.url);
  if (!uuid) entry.problem = 'the item has no uuid in the export';
  else if (item.state === 'archived' || item.state === 'deleted') entry.problem = `${String(item.state)} in 1Password`;
  else if (!KEY_CATEGORIES.has(category)) entry.problem = `a ${CATEGORIES[category] ?? 'non-key'} item, not a key`;
  return entry;
}

/** 1PUX dates are Unix seconds. */
function unixTime(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 1e11 ? new Date(value * 1000).toISOString() : null;
}
