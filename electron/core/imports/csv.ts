/**
 * Spreadsheets: CSV with a header row, columns matched by name (or `--map column=field`). The only csv-parse import.
 * Cells are text: one a spreadsheet would run as a formula (=, +, -, @ first) is never evaluated, and in a date
 * column it is refused. A CSV row has no identity of its own: its name (with the backend) stands for it.
 */
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { IMPORT_FIELDS, type ImportField } from '../../../shared/imports.js';
import { KeywardenError } from '../errors.js';
import { emptyEntry, guessVendor, type ImportEntry, importError, plainSecret, splitTags, text } from './entry.js';
import { FORMULA_START } from './import-dates.js';
import { CLI_WORDS, type ImportWords } from './words.js';

/** Header words per field, compared after lower-casing and reducing punctuation to spaces ("Valid until (UTC)" → "valid until utc"). */
const HEADER_WORDS: ReadonlyArray<[ImportField, RegExp]> = [
  ['name', /^(name|title|key|key name|label|item)$/],
  ['vendor', /^(vendor|service|provider|product)$/],
  ['expires', /^(expires?|expiry|expiry date|expiration|expiration date|valid until|valid to|expires at|expires on)( utc)?$/],
  ['created', /^(created|created at|created on|creation date|issued|issued on|valid from)( utc)?$/],
  ['rotate-every', /^(rotate every|rotation|rotation interval|rotate every days|rotation days|rotation period)$/],
  ['owner', /^(owner|owned by|responsible|contact)$/],
  ['environment', /^(environment|env|stage)$/],
  ['tags', /^(tags?|labels?)$/],
  ['notes', /^(notes?|comments?|description|remarks?)$/],
  ['secret', /^(secret|password|api key|apikey|token|key value|value|credential)$/],
  ['url', /^(url|website|uri|login url|address)$/],
  ['group', /^(group|folder|project|category)$/],
];

function headerWords(header: string): string {
  return header
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Parses `--map column=field` options into a lookup by the column's header words. */
export function parseColumnMap(options: readonly string[], words: ImportWords = CLI_WORDS): Map<string, ImportField> {
  const map = new Map<string, ImportField>();
  for (const option of options) {
    const equals = option.lastIndexOf('=');
    const field = option.slice(equals + 1).trim() as ImportField;
    if (equals <= 0 || !IMPORT_FIELDS.includes(field)) {
      throw new KeywardenError('invalid_input', `${words.columnMatchShape(IMPORT_FIELDS.join(', '))}; not "${option}"`, { field: 'map' });
    }
    map.set(headerWords(option.slice(0, equals)), field);
  }
  return map;
}

export function readCsv(bytes: Uint8Array, backend: string, columnMap: ReadonlyMap<string, ImportField>, words: ImportWords = CLI_WORDS): ImportEntry[] {
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw importError('import_malformed', 'the CSV file is not UTF-8 text; save it from the spreadsheet as "CSV UTF-8"');
  }
  let rows: string[][];
  try {
    // A semicolon-separated export (spreadsheets in many locales) is recognised by its header line.
    const header = source.slice(0, source.search(/\r?\n|$/));
    const delimiter = header.split(';').length > header.split(',').length ? ';' : ',';
    const parsed: string[][] = parse(source, { bom: true, delimiter, skip_empty_lines: true, relax_column_count: true, max_record_size: 1024 * 1024 });
    rows = parsed;
  } catch (error) {
    // csv-parse's message quotes the record; only its line is said.
    const line = error instanceof Error && 'lines' in error && typeof error.lines === 'number' ? ` near line ${error.lines}` : '';
    throw importError('import_malformed', `the CSV file cannot be read${line} (an unclosed quote, or not CSV?); nothing was imported`);
  }
  const [header, ...body] = rows;
  if (!header || header.every((cell) => cell.trim() === '')) throw importError('import_malformed', 'the CSV file is empty: a header row naming its columns is needed');
  const fields = header.map((cell): ImportField | null => {
    const words = headerWords(cell);
    return columnMap.get(words) ?? HEADER_WORDS.find(([, pattern]) => pattern.test(words))?.[0] ?? null;
  });
  for (const [column] of columnMap) {
    if (!header.some((cell) => headerWords(cell) === column)) {
      throw new KeywardenError('invalid_input', `${words.aColumnMatch} names a column "${column}" the CSV header does not have; its columns are: ${header.map((cell) => `"${cell}"`).join(', ')}`, {
        field: 'map',
      });
    }
  }
  if (!fields.includes('name')) {
    throw new KeywardenError('invalid_input', `no column of the CSV header is a name (${header.map((cell) => `"${cell}"`).join(', ')}); say which with ${words.matchColumn('name')}`, {
      field: 'map',
    });
  }
  const hasSecretColumn = fields.includes('secret');
  return body.map((row, index) => {
    const cell = (field: ImportField) => {
      const column = fields.indexOf(field);
      return column >= 0 ? text(row[column]) : null;
    };
    const location = `row ${index + 2}`;
    const title = cell('name') ?? '';
    const entry = emptyEntry(
      `csv:${createHash('sha256')
        .update(`${backend}\n${title.normalize('NFC').toLowerCase()}`)
        .digest('hex')}`,
      location,
      title || '(no name)',
    );
    entry.secret = plainSecret(cell('secret'));
    entry.vendor = cell('vendor');
    entry.expiresAt = cell('expires');
    entry.createdAt = cell('created');
    entry.rotateEveryDays = cell('rotate-every');
    entry.owner = cell('owner');
    entry.environment = cell('environment');
    entry.tags = splitTags(cell('tags') ?? '');
    entry.notes = cell('notes');
    entry.url = cell('url');
    entry.group = cell('group');
    entry.vendor ??= guessVendor(title, entry.url);
    entry.secretOptional = !hasSecretColumn;
    if (!title) entry.problem = 'no name';
    else if (FORMULA_START.test(title)) entry.warnings.push(`the name starts with "${title[0]}" like a spreadsheet formula: kept as text, never evaluated`);
    return entry;
  });
}
