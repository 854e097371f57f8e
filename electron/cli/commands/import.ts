/** `keywarden import`: an existing inventory (KeePass, Bitwarden, 1Password, CSV) into a manual backend, or a dry run of it. */
import { DATE_ORDERS, type DateOrder, IMPORT_FORMATS, type ImportFormat, type ImportPlanItem } from '../../../shared/imports.js';
import { KeywardenError } from '../../core/errors.js';
import { promptHidden, readSecretFromStdin, table } from '../io.js';
import type { CommandRun } from '../main.js';

export const importInventory: CommandRun = async ({ values, positionals, out, engine }) => {
  const format = values.from as string | undefined;
  const backend = values.backend as string | undefined;
  if (!format || !IMPORT_FORMATS.includes(format as ImportFormat)) throw new KeywardenError('invalid_input', `import needs --from, one of ${IMPORT_FORMATS.join(', ')}`);
  if (!backend) throw new KeywardenError('invalid_input', 'import needs --backend NAME: the manual backend the keys go into (--create-backend makes it)');
  const dateOrder = values['date-order'] as string | undefined;
  if (dateOrder !== undefined && !DATE_ORDERS.includes(dateOrder as DateOrder)) throw new KeywardenError('invalid_input', `--date-order is ${DATE_ORDERS.join(' or ')}`);
  const keyFilePath = values['key-file'] as string | undefined;
  if (format !== 'kdbx' && (values['password-stdin'] || keyFilePath)) throw new KeywardenError('invalid_input', '--password-stdin and --key-file apply to --from kdbx only');
  // Lazily: the readers and this helper load only when an import runs.
  const { readSourceFile } = require('../../core/imports/source-file.js') as typeof import('../../core/imports/source-file.js');
  // The file first: a missing or oversized file is said before a password is asked for.
  const bytes = await readSourceFile(positionals[0]!);
  const keyFile = keyFilePath ? await readSourceFile(keyFilePath, 'key file', 1024 * 1024) : null;
  let password: string | null = null;
  if (format === 'kdbx') {
    if (values['password-stdin']) password = await readSecretFromStdin('KeePass database password');
    else if (process.stdin.isTTY) password = await promptHidden('KeePass database password: ');
    else if (!keyFile) throw new KeywardenError('invalid_input', 'a KeePass database needs its password: pipe it with --password-stdin, or run at a terminal to be asked');
  }
  const report = await (
    await engine()
  ).importInventory({
    format: format as ImportFormat,
    bytes,
    backend,
    createBackend: Boolean(values['create-backend']),
    dryRun: Boolean(values['dry-run']),
    password: password === '' ? null : password,
    keyFile,
    map: (values.map as string[] | undefined) ?? [],
    dateOrder: (dateOrder as DateOrder | undefined) ?? null,
    overwrite: Boolean(values.overwrite),
  });
  out.result(report, () => {
    const { created, updated, skipped, entries } = report.counts;
    // A dry run lists every entry; an import lists what it skipped (what was written is in the inventory).
    const shown = report.dryRun ? report.items : report.items.filter((item) => item.action === 'skip');
    const lines = [
      ...(report.dateOrder ? [report.dateOrder] : []),
      ...(shown.length ? [table(['ACTION', 'NAME', 'SOURCE', 'EXPIRES', 'REASON'], shown.map(row)), ''] : []),
      report.dryRun
        ? `dry run: ${entries} entries; would create ${created}, update ${updated}, skip ${skipped}${report.createsBackend ? `; the manual backend ${report.backend} would be created` : ''}. Nothing was changed.`
        : `imported into ${report.backend}${report.createsBackend ? ' (created)' : ''}: ${created} created, ${updated} updated, ${skipped} skipped of ${entries} entries; ${report.team ? `written to team ${report.team}, secrets sealed under the team key` : 'secrets cached encrypted'}`,
    ];
    return lines.join('\n');
  });
  return 0;
};

function row(item: ImportPlanItem): string[] {
  const reason = [item.reason, ...item.warnings].filter(Boolean).join('; ');
  return [item.action, item.name, item.source, item.expiresAt ?? '-', reason || '-'];
}
