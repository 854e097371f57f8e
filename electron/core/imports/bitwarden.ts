/**
 * Bitwarden: the password manager's unencrypted JSON export (logins, secure notes, custom fields, folders) and the
 * Secrets Manager's JSON export (projects and secrets). Documented at bitwarden.com/help/condition-bitwarden-import
 * and bitwarden.com/help/export-secrets. An encrypted export is refused with how to make a readable one.
 */
import { emptyEntry, guessVendor, type ImportEntry, importError, isExpiryField, plainSecret, text } from './entry.js';
import { isRecord, parseJsonSource, records } from './json-source.js';
import { CLI_WORDS, type ImportWords } from './words.js';

const ITEM_TYPES: Record<number, string> = { 1: 'login', 2: 'secure note', 3: 'card', 4: 'identity', 5: 'SSH key' };
/** Custom field types: 0 text, 1 hidden, 2 boolean, 3 linked. */
const HIDDEN = 1;

export function readBitwardenJson(bytes: Uint8Array, words: ImportWords = CLI_WORDS): ImportEntry[] {
  const json = parseJsonSource(bytes, 'Bitwarden export');
  if (!isRecord(json)) throw importError('import_malformed', 'the Bitwarden export is not a JSON object; is it the right file?');
  if (json.encrypted === true) {
    throw importError('import_unsupported', 'this Bitwarden export is encrypted; export again as ".json" (not "JSON (Encrypted)") and delete that file once imported');
  }
  if (!Array.isArray(json.items)) {
    throw importError(
      'import_malformed',
      Array.isArray(json.secrets) ? `this is a Secrets Manager export: ${words.useFormat('bitwarden-sm-json')}` : 'the Bitwarden export has no "items" list; is it the right file?',
    );
  }
  const folders = new Map(records(json.folders).map((folder) => [String(folder.id), text(folder.name)]));
  return records(json.items).map((item, index) => {
    const title = text(item.name) ?? '(untitled)';
    const id = text(item.id);
    const entry = emptyEntry(id ? `bitwarden:${id}` : `bitwarden:item-${index}`, title, title);
    entry.group = typeof item.folderId === 'string' ? (folders.get(item.folderId) ?? null) : null;
    if (entry.group) entry.location = `${entry.group}/${title}`;
    entry.notes = text(item.notes);
    entry.createdAt = text(item.creationDate);
    const login = isRecord(item.login) ? item.login : null;
    entry.secret = plainSecret(login?.password);
    const uris = records(login?.uris);
    entry.url = text(uris[0]?.uri);
    for (const field of records(item.fields)) {
      const name = text(field.name) ?? '';
      if (!entry.secret && field.type === HIDDEN) entry.secret = plainSecret(field.value);
      if (isExpiryField(name)) entry.expiresAt = text(field.value);
      else if (/^(owner|responsible)$/i.test(name)) entry.owner = text(field.value);
      else if (/^(env|environment|stage)$/i.test(name)) entry.environment = text(field.value);
      else if (/^(vendor|service|provider)$/i.test(name)) entry.vendor = text(field.value);
    }
    entry.vendor ??= guessVendor(title, entry.url);
    const type = typeof item.type === 'number' ? item.type : 0;
    if (!id) entry.problem = 'the item has no id in the export';
    else if (type !== 1 && type !== 2) entry.problem = `a ${ITEM_TYPES[type] ?? 'non-login'} item, not a key`;
    else if (item.deletedDate) entry.problem = 'in the trash';
    return entry;
  });
}

export function readBitwardenSecretsManager(bytes: Uint8Array, words: ImportWords = CLI_WORDS): ImportEntry[] {
  const json = parseJsonSource(bytes, 'Secrets Manager export');
  if (!isRecord(json) || !Array.isArray(json.secrets)) {
    throw importError(
      'import_malformed',
      isRecord(json) && Array.isArray(json.items)
        ? `this is a password manager export: ${words.useFormat('bitwarden-json')}`
        : 'the Secrets Manager export has no "secrets" list; is it the right file?',
    );
  }
  const projects = new Map(records(json.projects).map((project) => [String(project.id), text(project.name)]));
  return records(json.secrets).map((secret, index) => {
    const title = text(secret.key) ?? '(unnamed)';
    const id = text(secret.id);
    const entry = emptyEntry(id ? `bitwarden-sm:${id}` : `bitwarden-sm:secret-${index}`, title, title);
    const projectIds = Array.isArray(secret.projectIds) ? secret.projectIds.filter((value): value is string => typeof value === 'string') : [];
    entry.group = projectIds.map((projectId) => projects.get(projectId)).find(Boolean) ?? null;
    if (entry.group) entry.location = `${entry.group}/${title}`;
    entry.secret = plainSecret(secret.value);
    entry.notes = text(secret.note);
    entry.createdAt = text(secret.creationDate);
    entry.vendor = guessVendor(title, null);
    if (!id) entry.problem = 'the secret has no id in the export';
    return entry;
  });
}
