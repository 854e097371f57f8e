/** `keywarden reminders|audit`: read-only reports from the local store (work offline). */
import { KeywardenError } from '../../core/errors.js';
import { day, dueIn, parseWholeNumber, plural, table } from '../io.js';
import type { CommandRun } from '../main.js';

export const reminders: CommandRun = async ({ values, out, engine }) => {
  const withinDays = parseWholeNumber(values.within as string | undefined, '--within', 0, 36_500) ?? 30;
  const core = await engine();
  const list = core.reminders({ withinDays });
  // Grace periods ending while a rotation still waits for consumers: said on stderr, the JSON stays the list of reminders.
  for (const warning of await core.rotationGraceWarnings(Math.min(withinDays, 7))) {
    const who = warning.unticked.length ? `${warning.unticked.join(', ')} not switched yet` : 'the switch of its consumers is not confirmed yet';
    out.info(
      `keywarden: warning: the grace period of ${warning.ref} ends ${dueIn(warning.daysLeft, warning.daysLeft < 0)} (${day(warning.graceEndsAt)}) and ${who}${warning.newRef ? ` to ${warning.newRef}` : ''}: "keywarden rotation resume ${warning.rotationId}"`,
    );
  }
  out.result(list, () =>
    list.length === 0
      ? `nothing due within ${plural(withinDays, 'day')}`
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

/**
 * Exports the inventory: domain fields only, so no secret can be in it.
 *
 * With --json, stdout is one JSON document like everywhere else: without --output it is the JSON export
 * itself (--format may be left out); with --output FILE it is a summary of what was written, and the
 * file gets the format asked for, CSV included. CSV on stdout under --json is refused rather than
 * quietly turned into JSON: whoever typed --format csv wants CSV, and should be told it cannot be both.
 */
export const exportInventory: CommandRun = async ({ values, out, engine }) => {
  const output = values.output as string | undefined;
  const format = (values.format as string | undefined) ?? (out.json && !output ? 'json' : undefined);
  if (format !== 'csv' && format !== 'json') throw new KeywardenError('invalid_input', '--format must be csv or json');
  if (format === 'csv' && out.json && !output) {
    throw new KeywardenError('invalid_input', '--json prints JSON on standard output, so it cannot carry CSV: use --format json, or write the CSV to a file with --output FILE');
  }
  const keys = (await engine()).listKeys({});
  const { formatInventory } = require('../../core/export.js') as typeof import('../../core/export.js');
  const text = formatInventory(keys, format);
  if (output) {
    writeExport(output, `${text}\n`);
    out.info(`exported ${plural(keys.length, 'key')} to ${output}`);
    if (out.json) out.result({ output, format, keys: keys.length }, () => '');
  } else {
    process.stdout.write(`${text}\n`);
  }
  return 0;
};

function writeExport(path: string, content: string): void {
  const { writeFileSync } = require('node:fs') as typeof import('node:fs');
  const nodePath = require('node:path') as typeof import('node:path');
  try {
    writeFileSync(path, content, { mode: 0o600 });
  } catch (error) {
    const folder = nodePath.dirname(nodePath.resolve(path));
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `the folder ${folder} does not exist`
        : code === 'ENOTDIR'
          ? `${folder} is not a folder`
          : code === 'EISDIR'
            ? `${path} is a folder; give a file name`
            : code === 'EACCES' || code === 'EPERM'
              ? `no permission to write there`
              : code === 'ENOSPC'
                ? 'the disk is full'
                : code === 'EROFS'
                  ? 'the file system is read-only'
                  : (error as Error).message;
    throw new KeywardenError('invalid_input', `cannot write the export to ${path}: ${why}`, { path });
  }
}
