/**
 * Numbered migrations, applied in order inside one transaction each, recorded in `user_version`.
 * To change the schema: add `NNN-what-it-does.ts` exporting a Migration with the next version, append
 * it to MIGRATIONS, and add its test in `test/unit/store/migrations.test.ts`. Never edit a migration
 * that has shipped: a user's database has already run it.
 */
import { KeywardenError } from '../../errors.js';
import type { SqlDatabase } from '../sqlite.js';
import { migration001Initial } from './001-initial.js';
import { migration002InventoryOrderIndexes } from './002-inventory-order-indexes.js';
import { migration003AuditFilterIndexes } from './003-audit-filter-indexes.js';
import { migration004ReminderSnoozes } from './004-reminder-snoozes.js';
import { migration005RotationJournal } from './005-rotation-journal.js';
import { migration006AuditHashChain } from './006-audit-hash-chain.js';
import { migration007RedactVendorText } from './007-redact-vendor-text.js';
import { migration008KeyDescriptions } from './008-key-descriptions.js';
import { migration009HealthFindings } from './009-health-findings.js';
import { migration010AlertChannels } from './010-alert-channels.js';
import { migration011KeySearchIndex } from './011-key-search-index.js';
import { migration012ImportSources } from './012-import-sources.js';
import { migration013TeamLink } from './013-team-link.js';
import { migration014KeyReplacements } from './014-key-replacements.js';
import { migration015KeyStatusIndex } from './015-key-status-index.js';
import { migration016KeySearchedTextIndex } from './016-key-searched-text-index.js';
import { migration017KeyJoinedSearchedText } from './017-key-joined-searched-text.js';
import { migration018KeyPairIndex } from './018-key-pair-index.js';

export interface Migration {
  version: number;
  name: string;
  /** SQL run once, inside the migration's transaction. */
  up: string;
  /**
   * Work SQL cannot do (hashing, random values), run after `up` inside the same transaction: it commits with the
   * schema change or not at all.
   */
  run?: (db: SqlDatabase) => void;
  /**
   * True when a database without this migration still reads correctly (it only adds indexes), so a
   * read-only open of an older file (a backup, a mount) can list it before anything upgrades it.
   */
  readCompatible?: boolean;
  /**
   * SQL run on a read-only connection to a file without this migration, making it read as if it had it: TEMP objects
   * only (they live in the connection's memory, and a name in `temp` hides the same name in the file). For a
   * migration that adds columns every query reads, with the values a file without them means (none).
   */
  readShim?: string;
}

export const MIGRATIONS: readonly Migration[] = [
  migration001Initial,
  migration002InventoryOrderIndexes,
  migration003AuditFilterIndexes,
  migration004ReminderSnoozes,
  migration005RotationJournal,
  migration006AuditHashChain,
  migration007RedactVendorText,
  migration008KeyDescriptions,
  migration009HealthFindings,
  migration010AlertChannels,
  migration011KeySearchIndex,
  migration012ImportSources,
  migration013TeamLink,
  migration014KeyReplacements,
  migration015KeyStatusIndex,
  migration016KeySearchedTextIndex,
  migration017KeyJoinedSearchedText,
  migration018KeyPairIndex,
];

export function schemaVersion(db: SqlDatabase): number {
  return (db.pragma('user_version') as Array<{ user_version: number }>)[0]?.user_version ?? 0;
}

export function migrate(db: SqlDatabase, migrations: readonly Migration[] = MIGRATIONS, upTo = Number.POSITIVE_INFINITY): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const start = schemaVersion(db);
  if (start > latest) {
    throw new KeywardenError(
      'store_corrupt',
      `the inventory database ${db.path} was written by a newer Keywarden (schema ${start}, this one knows ${latest}); update Keywarden instead of downgrading`,
      { path: db.path, schema: start },
    );
  }
  for (const migration of migrations) {
    if (migration.version <= start || migration.version > upTo) continue;
    db.transaction(() => {
      // Several processes can open a new data folder at once (a cron job and the app, four parallel
      // CLI calls). The transaction holds the write lock, so the version read here is final: a
      // migration another process applied while this one waited is skipped, never run twice.
      if (schemaVersion(db) >= migration.version) return;
      db.exec(migration.up);
      migration.run?.(db);
      db.pragma(`user_version = ${migration.version}`);
    });
  }
  return schemaVersion(db);
}
