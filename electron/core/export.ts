/**
 * The inventory as a file for auditors and spreadsheets (CSV or JSON), shared by `keywarden export`
 * and the console. Built from domain fields only, so no secret can be in it.
 */
import type { Key } from '../../shared/domain.js';
import { visible } from './text.js';

export type ExportFormat = 'csv' | 'json';

const EXPORT_COLUMNS = [
  'ref',
  'backend',
  'backendType',
  'id',
  'name',
  'prefix',
  'status',
  'createdAt',
  'expiresAt',
  'graceEndsAt',
  'rotationDueAt',
  'lastUsedAt',
  'lastTestedAt',
  'lastTestOk',
  'secretCached',
  'syncedAt',
] as const satisfies ReadonlyArray<keyof Key>;

/** The export's text, without a trailing newline. */
export function formatInventory(keys: readonly Key[], format: ExportFormat): string {
  if (format === 'json') return JSON.stringify(keys, null, 2);
  return [EXPORT_COLUMNS.join(','), ...keys.map((key) => EXPORT_COLUMNS.map((column) => csvCell(key[column])).join(','))].join('\n');
}

/**
 * One CSV cell: control characters and bidi overrides shown as visible escapes (a name must not clear
 * the screen of whoever runs `cat` on the file, nor break a row), a leading quote on values a
 * spreadsheet would run as a formula, and RFC 4180 quoting.
 */
function csvCell(value: string | boolean | null): string {
  if (value === null) return '';
  let text = visible(String(value));
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
