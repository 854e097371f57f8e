/**
 * The inventory and the audit trail as files for auditors and spreadsheets (CSV or JSON), shared by
 * `keywarden export` and the console. Built from domain fields only, so no secret can be in them.
 */
import type { AuditEvent, Key } from '../../shared/domain.js';
import { backendDefinition } from './backends/registry.js';
import { daysUntil } from './dates.js';
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
  'owner',
  'environment',
  'notes',
] as const satisfies ReadonlyArray<keyof Key>;

/**
 * What an administrator sorts a spreadsheet by, after the key's own fields: the date that matters now (as the
 * console's Due column: the grace end, else the expiry, else the rotation due date), the calendar days left to
 * it in this machine's zone (negative once overdue), and the vendor by name. Tags in one cell, comma-separated, as
 * `keywarden import` and `key edit --tag` read them back.
 */
const DERIVED_COLUMNS = ['dueAt', 'daysLeft', 'vendor', 'tags'] as const;

/**
 * Excel reads a CSV without a byte-order mark in the machine's legacy code page, so "Zürich" or "東京" come out
 * garbled; with it, as UTF-8. Other tools skip it.
 */
export const UTF8_BOM = '\uFEFF';

const AUDIT_COLUMNS = ['id', 'at', 'osUser', 'action', 'backend', 'ref', 'outcome', 'detail'] as const satisfies ReadonlyArray<keyof AuditEvent>;

/** The export's text, without a trailing newline. */
export function formatInventory(keys: readonly Key[], format: ExportFormat, now: Date = new Date()): string {
  if (format === 'json') return JSON.stringify(keys, null, 2);
  const rows = keys.map((key) => {
    const dueAt = key.status === 'grace' ? key.graceEndsAt : key.status === 'active' ? (key.expiresAt ?? key.rotationDueAt) : null;
    return { ...key, dueAt, daysLeft: dueAt ? daysUntil(dueAt, now) : null, vendor: backendDefinition(key.backendType).displayName, tags: key.tags.join(', ') };
  });
  return UTF8_BOM + csv([...EXPORT_COLUMNS, ...DERIVED_COLUMNS], rows);
}

/** The audit trail's export, in the order given (the trail's: oldest first), without a trailing newline. */
export function formatAudit(events: readonly AuditEvent[], format: ExportFormat): string {
  return format === 'json' ? JSON.stringify(events, null, 2) : csv(AUDIT_COLUMNS, events);
}

/** A header row of the column names, then one row per record, each cell through `csvCell`. */
function csv<R extends Record<C, string | number | boolean | null>, C extends string>(columns: readonly C[], rows: readonly R[]): string {
  return [columns.join(','), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(','))].join('\n');
}

/**
 * One CSV cell: control characters and bidi overrides shown as visible escapes (a name must not clear
 * the screen of whoever runs `cat` on the file, nor break a row), a leading quote on values a
 * spreadsheet would run as a formula, and RFC 4180 quoting.
 */
function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = visible(String(value));
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
