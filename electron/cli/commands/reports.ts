/** `keywarden reminders|audit`: read-only reports from the local store (work offline). */
import { KeywardenError } from '../../core/errors.js';
import { day, dueIn, parseWholeNumber, table } from '../io.js';
import type { CommandRun } from '../main.js';

export const reminders: CommandRun = async ({ values, out, engine }) => {
  const withinDays = parseWholeNumber(values.within as string | undefined, '--within', 0, 36_500) ?? 30;
  const list = (await engine()).reminders({ withinDays });
  out.result(list, () =>
    list.length === 0
      ? `nothing due within ${withinDays} days`
      : table(
          ['DUE', 'WHEN', 'KIND', 'REF', 'NAME'],
          list.map((r) => [day(r.dueAt), dueIn(r.daysLeft, r.threshold === 'overdue'), r.kind, r.ref, r.name]),
        ),
  );
  return 0;
};

export const audit: CommandRun = async ({ values, out, engine }) => {
  const limit = parseWholeNumber(values.limit as string | undefined, '--limit', 1, 100_000) ?? 1000;
  const events = (await engine()).auditTrail({ limit });
  out.result(events, () =>
    table(
      ['AT', 'USER', 'ACTION', 'TARGET', 'OUTCOME', 'DETAIL'],
      events.map((e) => [e.at.replace('T', ' ').slice(0, 19), e.osUser, e.action, e.ref ?? e.backend ?? '-', e.outcome, e.detail ?? '']),
    ),
  );
  return 0;
};

const EXPORT_COLUMNS = [
  'ref', 'backend', 'backendType', 'id', 'name', 'prefix', 'status', 'createdAt', 'expiresAt', 'graceEndsAt',
  'rotationDueAt', 'lastUsedAt', 'lastTestedAt', 'lastTestOk', 'secretCached', 'syncedAt',
] as const;

/** Exports the inventory: domain fields only, so no secret can be in it. */
export const exportInventory: CommandRun = async ({ values, out, engine }) => {
  const format = values.format as string | undefined;
  if (format !== 'csv' && format !== 'json') throw new KeywardenError('invalid_input', '--format must be csv or json');
  const keys = (await engine()).listKeys({});
  const text =
    format === 'json'
      ? JSON.stringify(keys, null, 2)
      : [EXPORT_COLUMNS.join(','), ...keys.map((key) => EXPORT_COLUMNS.map((column) => csvCell(key[column])).join(','))].join('\n');
  const output = values.output as string | undefined;
  if (output) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(output, `${text}\n`, { mode: 0o600 });
    out.info(`exported ${keys.length} keys to ${output}`);
  } else {
    process.stdout.write(`${text}\n`);
  }
  return 0;
};

/** RFC 4180 quoting, and a leading quote on values a spreadsheet would run as a formula. */
function csvCell(value: string | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
