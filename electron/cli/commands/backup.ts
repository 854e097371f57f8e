/** `keywarden backup`, `backup list` and `restore`: the database's backups (see electron/core/store/backups.ts and restore.ts). */
import { join } from 'node:path';
import { KEEP_BACKUPS } from '../../../shared/rules.js';
import { DATABASE_FILE } from '../../core/paths.js';
import { KeywardenError } from '../../core/errors.js';
import { confirm, plural, table } from '../io.js';
import type { CommandRun } from '../main.js';

/** `2026-01-15 10:20:30 UTC` */
function when(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 19)} UTC`;
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function home(values: Record<string, unknown>): string {
  const { resolveHome } = require('../../core/paths.js') as typeof import('../../core/paths.js');
  return resolveHome(values.home as string | undefined);
}

export const backup: CommandRun = async ({ values, out, engine }) => {
  const output = values.output as string | undefined;
  if (values.force && output === undefined) throw new KeywardenError('invalid_input', '--force replaces an existing --output FILE: give --output (rolling backups never replace one)');
  const core = await engine();
  const made = await core.backup(output, { force: Boolean(values.force) });
  out.result(made, () => [made.path, ...(made.pruned.length ? [`(${plural(made.pruned.length, 'older backup')} removed: the last ${KEEP_BACKUPS} are kept)`] : [])].join('\n'));
  if (!out.json) out.info(`keywarden: backup checked and written (${size(made.bytes)}); it holds sealed secrets only, readable with this folder's data key`);
  return 0;
};

export const backupList: CommandRun = async ({ values, out }) => {
  const { listBackups } = require('../../core/store/backup-files.js') as typeof import('../../core/store/backup-files.js');
  const folder = home(values);
  const found = listBackups(join(folder, DATABASE_FILE));
  out.result(found, () =>
    found.length === 0
      ? `no backups in ${join(folder, 'backups')} yet ("keywarden backup" makes one)`
      : table(
          ['MADE', 'WHY', 'SIZE', 'FILE'],
          found.map((entry) => [when(entry.createdAt), entry.reason, size(entry.bytes), entry.path]),
        ),
  );
  return 0;
};

export const restore: CommandRun = async ({ values, positionals, out }) => {
  const { KeywardenEngine } = require('../../core/engine.js') as typeof import('../../core/engine.js');
  const latest = Boolean(values.latest);
  const file = positionals[0];
  if (latest === (file !== undefined)) throw new KeywardenError('invalid_input', 'name a backup FILE or give --latest (one of them); usage: keywarden restore FILE|--latest [--yes] [--json]');
  const folder = home(values);
  const chosen = KeywardenEngine.inspectBackup({ home: folder, ...(file === undefined ? {} : { source: file }) });
  const { check } = chosen;
  await confirm(
    `Replace the inventory in ${folder} with the backup ${chosen.path} (${chosen.createdAt ? `made ${when(chosen.createdAt)}: ` : ''}${plural(check.backends ?? 0, 'backend')}, ${plural(check.keys ?? 0, 'key')}, ${plural(check.secrets ?? 0, 'cached secret')})? The current database is kept beside it as ${DATABASE_FILE}.replaced-<time>; anything recorded since the backup is only there.`,
    Boolean(values.yes),
  );
  const result = await KeywardenEngine.restore({ home: folder, source: chosen.path });
  out.result(result, () =>
    [
      `restored ${result.restoredFrom}: ${plural(result.backends, 'backend')}, ${plural(result.keys, 'key')}, ${plural(result.secrets, 'cached secret')}`,
      result.setAside.length ? `the replaced database is kept as ${result.setAside.join(', ')}` : 'there was no database to replace',
    ].join('\n'),
  );
  for (const warning of result.warnings) out.info(`keywarden: warning: ${warning}`);
  return 0;
};
