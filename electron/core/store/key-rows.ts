/**
 * How the store's rows and queries are shaped, apart from the store itself (store.ts): the WHERE clause every key
 * query shares, a row read back as a domain Key or BackendRow, a vendor's key turned into the values a row holds,
 * and whether a stored row already holds them (so a resync writes only what changed). Pure functions and SQL text.
 */
import type { BackendType, Key, KeyFilter, KeySortField, KeyStatus } from '../../../shared/domain.js';
import type { RemoteKey } from '../backends/backend.js';
import { endOfWindow, isCalendarDay, localDate } from '../dates.js';
import { characters, parseSearch, type SearchTerm } from '../../../shared/search-query.js';
import { KEY_STATUSES } from '../../../shared/rules.js';
import { KeywardenError } from '../errors.js';
import { computeRotationDueAt, dueEventFor } from '../reminders/reminders.js';
import { MIGRATIONS, migrate, schemaVersion } from './migrations/index.js';
import type { SqlDatabase } from './sqlite.js';
import type { BackendRow } from './backends.js';

export interface RawBackendRow {
  id: number;
  name: string;
  type: BackendType;
  url: string | null;
  settings: string;
  rotate_every_days: number | null;
  has_credential: number;
  created_at: string;
  last_sync_at: string | null;
  last_sync_ok_at: string | null;
  last_error: string | null;
  key_count: number;
}

/**
 * SQL: `column` (a date column) is on or before the bound `@name`. A date column holds instants (ISO 8601 UTC) and
 * calendar days typed without a time (`YYYY-MM-DD`, dates.ts). An instant is compared with the bound's instant; a
 * calendar day with the bound's local calendar day (`@nameDay`, see `boundParams`), so "the 7th" has come from the
 * first moment of the 7th where Keywarden runs, not at UTC midnight. Compared as text, a calendar day would be
 * UTC midnight: a day early in Los Angeles' evening, late in Auckland's morning. Each half keeps its index range.
 */
export function onOrBefore(column: string, name: string): string {
  return `((length(${column}) > 10 AND ${column} <= @${name}) OR (length(${column}) = 10 AND ${column} <= @${name}Day))`;
}

/** The parameters of a bound used with `onOrBefore`: the instant, and the local calendar day it falls on. */
export function boundParams(name: string, bound: Date): Record<string, string> {
  return { [name]: bound.toISOString(), [`${name}Day`]: localDate(bound.toISOString()) };
}

/**
 * `onOrBefore(column, name)` with a cheap test first: a date on or before the smaller of the bound's two spellings
 * (`@nameLo`) has come whichever its form, one after the larger (`@nameHi`) has not; only the dates between (within a
 * day of the bound) are judged by the full rule. Over 100k keys that saves most of a counting pass: health's findings,
 * and the console's due facets (64 ms against 13, with one bucket per key).
 */
export function onOrBeforeQuick(column: string, name: string): string {
  return `(${column} <= @${name}Lo OR (${column} <= @${name}Hi AND ${onOrBefore(column, name)}))`;
}
/** `boundParams` with the two plain bounds `onOrBeforeQuick` tests first. */
export function quickBound(name: string, bound: Date): Record<string, string> {
  const params = boundParams(name, bound);
  const [lo, hi] = [params[name]!, params[`${name}Day`]!].sort();
  return { ...params, [`${name}Lo`]: lo!, [`${name}Hi`]: hi! };
}
/**
 * Manual keys have no vendor to tell Keywarden they expired, so their status is derived from the
 * clock at read time (`@now`, `@nowDay`); vendor-synced keys show what the vendor last said.
 */
export const EFFECTIVE_STATUS = `CASE WHEN ${manualPastExpiry("b.type = 'manual'")} THEN 'expired' ELSE k.status END`;

/**
 * The rule of EFFECTIVE_STATUS as a condition: key `k` is a manual key (`isManual`, an SQL condition) stored active
 * whose expiry has come. Health's queries, which read one table for speed, name manual backends by subquery.
 */
export function manualPastExpiry(isManual: string): string {
  return `(${isManual} AND k.status = 'active' AND k.expires_at IS NOT NULL AND ${onOrBefore('k.expires_at', 'now')})`;
}

/** Where a backend records when its last good sync started (in its settings JSON: no schema change). */
export const LAST_OK_SYNC_STARTED = 'lastOkSyncStartedAt';

/**
 * When Keywarden last saw the key at its vendor. A sync writes only the keys that changed, so for the others the
 * backend's last good sync says it: every key first seen before that sync started was listed by it (the keys it
 * did not list were removed). Keys first seen later (created while it ran), and keys of a backend synced before
 * this record existed, keep the time in their own row. Manual keys have none.
 */
export const SYNCED_AT = `CASE WHEN k.first_seen_at < json_extract(b.settings, '$.${LAST_OK_SYNC_STARTED}') AND b.last_sync_ok_at > COALESCE(k.synced_at, '') THEN b.last_sync_ok_at ELSE k.synced_at END`;

/**
 * Every key query selects these columns in this order and is read as raw arrays by `toKey`:
 * at 10k rows, object rows cost about three times the query itself.
 */
export const KEY_SELECT = `
  SELECT b.name, b.type, k.key_id, k.name, k.prefix, ${EFFECTIVE_STATUS},
         k.created_at, k.expires_at, k.grace_ends_at, k.rotation_due_at, k.last_used_at, k.last_tested_at,
         k.last_test_ok, s.key_id IS NOT NULL, ${SYNCED_AT}, k.owner, k.environment, k.tags, k.notes
  FROM keys k
  JOIN backends b ON b.id = k.backend_id
  LEFT JOIN key_secrets s ON s.backend_id = k.backend_id AND s.key_id = k.key_id`;

/**
 * What the file offers a search, and its backends: `searchIndex`, migration 011's trigram index; `joinedSearchedText`,
 * migration 017's index of the joined searched text; `pairIndex`, migration 018's index of every pair of adjacent
 * characters. A read-only look at an older file may have none of them.
 */
export interface SearchOptions {
  searchIndex?: boolean;
  joinedSearchedText?: boolean;
  pairIndex?: boolean;
  backends: readonly BackendTypeRow[];
}

/**
 * The WHERE clause every key query shares (list, page, count), as SQL with named parameters. Vendor
 * text is only ever a parameter; LIKE wildcards in a search are escaped. `search` is the search syntax of
 * shared/search-query.ts (a term the parser refuses is an `invalid_input` error in its words).
 *
 * `options.searchIndex`: the file has the trigram index of migration 011 (`key_search`). Without it (a read-only look
 * at an older file) every term is matched by LIKE, with the same results.
 */
export function keyConditions(
  filter: KeyFilter & { vendor?: BackendType; overdue?: boolean },
  now: Date,
  options: SearchOptions,
): { where: string; params: Record<string, string>; index: SearchIndexUse | null; due: boolean; scan: boolean } {
  const where: string[] = [];
  const params: Record<string, string> = boundParams('now', now);
  let index: SearchIndexUse | null = null;
  let scan = false;
  if (filter.backend !== undefined) {
    where.push('b.name = @backend');
    params.backend = filter.backend;
  }
  if (filter.vendor !== undefined) {
    where.push(backendIdsIn(options.backends.filter((backend) => backend.type === filter.vendor)));
  }
  if (filter.status !== undefined) where.push(statusCondition([filter.status], options.backends));
  // Due windows use the stored status, not the derived one: a manual key past its expiry is overdue, and still due.
  if (filter.dueWithinDays !== undefined) {
    where.push(dueWithin('dueBefore'));
    // Within N days: due on or before the local calendar day N days from today (see dates.ts).
    Object.assign(params, boundParams('dueBefore', endOfWindow(now, filter.dueWithinDays)));
  }
  if (filter.overdue) where.push(OVERDUE);
  if (filter.search !== undefined && filter.search.trim() !== '') {
    const parsed = parseSearch(filter.search);
    if (!parsed.ok) throw new KeywardenError('invalid_input', `search: ${parsed.error}`);
    const search = searchConditions(parsed.terms, now, params, options);
    if (search.index !== null) {
      const { table, match } = search.index;
      index = { table, match, alone: where.length === 0 && search.conditions.length === 1, condition: indexedKeys(table, `@${match}`) };
    }
    scan = search.scan;
    where.push(...search.conditions);
  }
  const due = filter.dueWithinDays !== undefined || filter.overdue === true || hasPositiveDueTerm(filter.search);
  // `scan`: a term is judged by LIKE on every key's searched columns (KeyTables.query reads them from migration 016's index).
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', params, index, due, scan };
}

/**
 * A backend's ID, name and type: what `vendor:`, the vendor filter and a short search term's backend columns are
 * resolved against (a handful of rows, read per query).
 */
export interface BackendTypeRow {
  id: number;
  name: string;
  type: BackendType;
}

/** `k.backend_id IN (...)` over backend IDs (integers read from the store, written into the SQL), or false for none. */
function backendIdsIn(backends: readonly BackendTypeRow[]): string {
  const ids = backends.map((backend) => backend.id);
  if (!ids.every((id) => Number.isSafeInteger(id))) throw new KeywardenError('internal', 'a backend ID is not an integer');
  return ids.length ? `k.backend_id IN (${ids.join(', ')})` : '0';
}

/**
 * The stored status as the status index of migration 015 holds it (statuses are lower-case words, so NOCASE compares
 * them as they are). Only a query that compares this expression uses that index: Health's counts, which compare
 * `k.status` as it is, keep the open keys' due-date index they are written for (migration 009).
 */
export const STORED_STATUS = 'k.status COLLATE NOCASE';

/**
 * Keys that read as one of `statuses` (EFFECTIVE_STATUS) as conditions on the stored status, which the status index of
 * migration 015 answers, negated statuses too (as the statuses they leave): only a manual key stored active can read
 * otherwise (expired, once past its expiry), so a key row is read to judge that only on manual backends, and without
 * manual backends never. The statuses are the fixed KEY_STATUSES, written into the SQL.
 */
function statusCondition(statuses: readonly KeyStatus[], backends: readonly BackendTypeRow[]): string {
  const wanted = new Set(statuses);
  const manual = backends.filter((backend) => backend.type === 'manual');
  const stored = KEY_STATUSES.filter((status) => wanted.has(status) && (status !== 'active' || manual.length === 0));
  const conditions = stored.length ? [`${STORED_STATUS} IN (${stored.map((status) => `'${status}'`).join(', ')})`] : [];
  if (manual.length > 0) {
    const pastExpiry = manualPastExpiry(backendIdsIn(manual));
    if (wanted.has('active') && wanted.has('expired')) conditions.push(`${STORED_STATUS} = 'active'`);
    else if (wanted.has('active')) conditions.push(`(${STORED_STATUS} = 'active' AND NOT ${pastExpiry})`);
    else if (wanted.has('expired')) conditions.push(pastExpiry);
  }
  return conditions.length ? `(${conditions.join(' OR ')})` : '0';
}

/**
 * \`vendor:\` as the backends it names: those whose type contains the value (the vendor's name, in any case), and on
 * manual backends the keys whose own vendor contains it (LIKE: ASCII letters in any case). Resolved to backend IDs
 * before the query, so SQLite counts a vendor's keys from the primary key's index instead of reading each key (the
 * trigram index would name every key of the vendor, and each would then be read for the other conditions).
 */
function vendorCondition(value: string, backends: readonly BackendTypeRow[], pattern: () => string): string {
  const folded = value.toLowerCase();
  const byType = backends.filter((backend) => backend.type.includes(folded));
  const manual = backends.filter((backend) => backend.type === 'manual' && !byType.includes(backend));
  if (manual.length === 0) return backendIdsIn(byType);
  const ownVendor = `json_extract(k.details, '$.vendor') LIKE ${pattern()} ESCAPE '\\'`;
  // The first condition narrows through the index; the second reads a key only when its backend is not named by type.
  return `${backendIdsIn([...byType, ...manual])} AND ${byType.length ? `(${backendIdsIn(byType)} OR ${ownVendor})` : ownVendor}`;
}

/** Whether a search has a due term that is not negated (`due<30`, `overdue`): its keys can be narrowed by due date. */
function hasPositiveDueTerm(search: string | undefined): boolean {
  if (search === undefined || search.trim() === '') return false;
  const parsed = parseSearch(search);
  return parsed.ok && parsed.terms.some((term) => (term.kind === 'due' || term.kind === 'overdue') && !term.negated);
}

/** The FTS5 tables a search narrows keys through: the trigram index (migration 011) and the pair index (018). */
export type SearchIndexTable = 'key_search' | 'key_pairs';

/**
 * How a query uses a search index: `table`, which one (the trigram index when any term goes through it, else the pair
 * index); `match`, the parameter holding its MATCH expression (one for every positive term the index answers), and
 * `alone` when that is the query's only condition, so the index's own count is the number of matching keys (one index
 * row per key, kept by the triggers of migrations 011 and 018). `condition`, the WHERE condition through which it
 * narrows the keys, word for word: `KeyTables.query` puts the keys it names in its place once it has them, so the
 * MATCH is not run twice.
 */
export interface SearchIndexUse {
  table: SearchIndexTable;
  match: string;
  alone: boolean;
  condition: string;
}

const indexedKeys = (table: SearchIndexTable, match: string) => `k.rowid IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ${match})`;

const OVERDUE = `k.next_due_at IS NOT NULL AND ${onOrBefore('k.next_due_at', 'now')} AND k.status IN ('active', 'grace')`;
const dueWithin = (bound: string) => `k.next_due_at IS NOT NULL AND ${onOrBefore('k.next_due_at', bound)} AND k.status IN ('active', 'grace')`;

/**
 * The searched columns as LIKE reads them, in the order of key_search's columns (migration 011). The backend's name and
 * type (and a manual key's own vendor) are not here: a text term judges them once per backend (backendTextCondition).
 * A text term reads them joined (JOINED_SEARCHED_TEXT) where the file has migration 017's index of them.
 */
const LIKE_COLUMNS: Record<'text' | 'owner', string[]> = {
  text: ['k.name', 'k.prefix', 'k.key_id', 'k.owner', 'k.environment', 'k.tags', 'k.notes'],
  owner: ['k.owner'],
};

/**
 * LIKE_COLUMNS.text joined into one text with U+0001 between them: one LIKE per key instead of seven. Exactly the
 * expression migration 017 indexes (SQLite answers from an index on an expression only for that same expression), so
 * a short term is judged from that index alone. A match cannot span two columns unless the term holds U+0001, and such
 * a term is judged per column (JOIN_MARK).
 */
const JOINED_SEARCHED_TEXT = `concat_ws(char(1), ${LIKE_COLUMNS.text.join(', ')})`;
const JOIN_MARK = '\u0001';

/** LIKE's own case folding: ASCII letters only (as SQLite's LIKE without ICU). */
const asciiLower = (value: string) => value.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/** The backends whose name or type holds a text term. Both are lower-case ASCII, so LIKE's match is `includes` of the ASCII-folded term. */
function backendsNamedBy(value: string, backends: readonly BackendTypeRow[]): BackendTypeRow[] {
  const folded = asciiLower(value);
  return backends.filter((backend) => backend.name.includes(folded) || backend.type.includes(folded));
}

/**
 * A text term over the backend's name and type, and a manual key's own vendor, judged once per backend instead of once
 * per key (a one-letter term is a LIKE over every key: each condition less per key is a third off at 100k keys). Only
 * keys on manual backends read their details for their own vendor.
 */
function backendTextCondition(value: string, backends: readonly BackendTypeRow[], pattern: string): string | null {
  const named = backendsNamedBy(value, backends);
  const manual = backends.filter((backend) => backend.type === 'manual' && !named.includes(backend));
  const conditions = [...(named.length ? [backendIdsIn(named)] : []), ...(manual.length ? [`(${backendIdsIn(manual)} AND json_extract(k.details, '$.vendor') LIKE ${pattern} ESCAPE '\\')`] : [])];
  return conditions.length ? conditions.join(' OR ') : null;
}

/** A value as an FTS5 phrase: in double quotes, its own quotes doubled (so no value is ever read as FTS syntax). */
const phrase = (value: string) => `"${value.replace(/"/g, '""')}"`;
/**
 * The mark migration 018 puts between every two characters of a key's searched text: a pair of adjacent characters is
 * then one trigram, one token of `key_pairs`. A term holding it (or U+0001, the columns' mark) is matched by LIKE.
 */
const PAIR_MARK = '\u0002';
const pairPhrase = (value: string) => phrase([...value].join(PAIR_MARK));
const likePattern = (value: string) => `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The search terms as SQL conditions. Substring terms of three characters or more are answered by the trigram index
 * (one MATCH for all the positive ones, one for all the negated ones); free-text terms of two characters by the pair
 * index (migration 018; the same, in its own MATCH), unless the term also names a backend (its keys then match whole,
 * a condition beside the index's). One character, a short field term (`owner:al`), or any term the file has no index
 * for, falls back to LIKE over the same columns. Both match ASCII letters in any case; the indexes also fold the case
 * of other letters (É finds é), LIKE does not.
 */
function searchConditions(
  terms: readonly SearchTerm[],
  now: Date,
  params: Record<string, string>,
  options: SearchOptions,
): { conditions: string[]; index: { table: SearchIndexTable; match: string } | null; scan: boolean } {
  const searchIndex = options.searchIndex ?? false;
  let scan = false;
  const conditions: string[] = [];
  const matchAll: string[] = [];
  const matchAny: string[] = [];
  const pairsAll: string[] = [];
  const pairsAny: string[] = [];
  const param = (value: string) => {
    const name = `s${Object.keys(params).length}`;
    params[name] = value;
    return `@${name}`;
  };
  const add = (sql: string, negated: boolean) => conditions.push(negated ? `NOT COALESCE((${sql}), 0)` : `(${sql})`);
  /**
   * A substring term: to the index when it can answer it, else LIKE over `columns`. An exact field (`exact`: tag, env)
   * is always answered by the index, whatever its length: its value is matched between the U+0001 marks around it.
   */
  const substring = (value: string, ftsColumn: string | null, columns: string[], negated: boolean, exact?: string) => {
    if (searchIndex && (exact !== undefined || characters(value) >= 3)) {
      const match = `${ftsColumn ? `${ftsColumn} : ` : ''}${phrase(exact !== undefined ? `\u0001${value}\u0001` : value)}`;
      (negated ? matchAny : matchAll).push(match);
    } else if (exact !== undefined) {
      add(exact, negated);
    } else if (options.pairIndex === true && columns === LIKE_COLUMNS.text && characters(value) === 2 && !value.includes(JOIN_MARK) && !value.includes(PAIR_MARK)) {
      const named = backendsNamedBy(value, options.backends);
      if (named.length === 0) (negated ? pairsAny : pairsAll).push(pairPhrase(value));
      else add(`${backendIdsIn(named)} OR ${indexedKeys('key_pairs', param(pairPhrase(value)))}`, negated);
    } else {
      const pattern = param(likePattern(value));
      const byBackend = ftsColumn === null ? backendTextCondition(value, options.backends, pattern) : null;
      const joined = options.joinedSearchedText === true && columns === LIKE_COLUMNS.text && !value.includes(JOIN_MARK);
      // The backend first: an integer compared, where it names a backend, spares the LIKEs of all its keys.
      add([...(byBackend ? [byBackend] : []), ...(joined ? [JOINED_SEARCHED_TEXT] : columns).map((column) => `${column} LIKE ${pattern} ESCAPE '\\'`)].join(' OR '), negated);
      scan = true;
    }
  };
  for (const term of terms) {
    switch (term.kind) {
      case 'text':
        substring(term.value, null, LIKE_COLUMNS.text, term.negated);
        break;
      case 'overdue':
        add(OVERDUE, term.negated);
        break;
      case 'due': {
        const bound = `due${Object.keys(params).length}`;
        Object.assign(params, boundParams(bound, endOfWindow(now, term.withinDays)));
        add(dueWithin(bound), term.negated);
        break;
      }
      case 'field':
        switch (term.field) {
          case 'vendor':
            add(
              vendorCondition(term.value, options.backends, () => param(likePattern(term.value))),
              term.negated,
            );
            break;
          case 'owner':
            substring(term.value, 'owner', LIKE_COLUMNS.owner, term.negated);
            break;
          case 'backend':
            // Backend names are lower case (BACKEND_NAME_PATTERN): compared exactly, through the backends' unique index.
            add(`b.name = ${param(term.value.toLowerCase())}`, term.negated);
            break;
          case 'status':
            // Negated as the statuses it leaves, so the status index answers it too.
            add(statusCondition(term.negated ? KEY_STATUSES.filter((status) => status !== term.value) : [term.value as KeyStatus], options.backends), false);
            break;
          case 'env':
            substring(term.value, 'environment', [], term.negated, `k.environment = ${param(term.value)} COLLATE NOCASE`);
            break;
          case 'tag':
            substring(term.value, 'tags', [], term.negated, `EXISTS (SELECT 1 FROM json_each(k.tags) WHERE value = ${param(term.value)} COLLATE NOCASE)`);
            break;
        }
        break;
    }
  }
  // Negated terms go into the same MATCH as the positive ones (FTS5's `a NOT b`), so a search an index answers whole,
  // negations included, is counted from that index alone; without a positive term there is nothing for NOT to narrow.
  const indexed = (table: SearchIndexTable, all: string[], any: string[]): string | null => {
    if (all.length === 0) {
      if (any.length) conditions.push(`k.rowid NOT IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ${param(any.join(' OR '))})`);
      return null;
    }
    const match = param(any.length ? `(${all.join(' AND ')}) NOT (${any.join(' OR ')})` : all.join(' AND '));
    conditions.unshift(indexedKeys(table, match));
    return match.slice(1);
  };
  // The pair index's condition goes in first, so the trigram index's, when there is one, leads the list: a query
  // narrows its keys through one index (`KeyTables.query`), the trigram index where terms of both kinds are given.
  const pairs = indexed('key_pairs', pairsAll, pairsAny);
  const trigrams = indexed('key_search', matchAll, matchAny);
  const index = trigrams !== null ? { table: 'key_search' as const, match: trigrams } : pairs !== null ? { table: 'key_pairs' as const, match: pairs } : null;
  return { conditions, index, scan };
}

/** What each sortable column sorts by, and whether it can be empty. Status sorts by urgency, not by spelling. */
export const SORT_EXPRESSIONS: Record<KeySortField, { expression: string; nullable: boolean }> = {
  due: { expression: 'k.next_due_at', nullable: true },
  name: { expression: 'k.name COLLATE NOCASE', nullable: false },
  backend: { expression: 'b.name', nullable: false },
  status: { expression: `CASE ${EFFECTIVE_STATUS} WHEN 'active' THEN 0 WHEN 'grace' THEN 1 WHEN 'expired' THEN 2 ELSE 3 END`, nullable: false },
  prefix: { expression: 'k.prefix', nullable: true },
  createdAt: { expression: 'k.created_at', nullable: true },
  expiresAt: { expression: 'k.expires_at', nullable: true },
  lastTestedAt: { expression: 'k.last_tested_at', nullable: true },
  syncedAt: { expression: `(${SYNCED_AT})`, nullable: true },
};

/** A read-only connection cannot migrate: an older database must be opened once by a writing command. */
export function requireCurrentSchema(db: SqlDatabase): void {
  const version = schemaVersion(db);
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (version === latest) return;
  // Missing migrations that only add indexes do not change what reading returns; one that adds columns every query
  // reads leaves a shim that supplies them, empty, for this connection only.
  const missing = MIGRATIONS.filter((migration) => migration.version > version);
  if (version > 0 && missing.every((migration) => migration.readCompatible)) {
    for (const migration of missing) if (migration.readShim) db.exec(migration.readShim);
    return;
  }
  if (version > latest) migrate(db); // reports the "newer Keywarden" error, writing nothing
  throw new KeywardenError(
    version === 0 ? 'store_corrupt' : 'store_read_only',
    version === 0
      ? `${db.path} is not a Keywarden inventory (it has no schema)`
      : `the inventory database ${db.path} was written by an older Keywarden (schema ${version}, this one uses ${latest}); run a command that writes (e.g. "keywarden sync") once to upgrade it`,
    { path: db.path, schema: version },
  );
}

export const BACKEND_SELECT = `
  SELECT b.id, b.name, b.type, b.url, b.settings, b.rotate_every_days, b.credential_sealed IS NOT NULL AS has_credential,
         b.created_at, b.last_sync_at, b.last_sync_ok_at, b.last_error,
         (SELECT COUNT(*) FROM keys k WHERE k.backend_id = b.id) AS key_count
  FROM backends b`;

export function toBackendRow(row: RawBackendRow): BackendRow {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    url: row.url,
    settings: backendSettings(row.settings),
    rotateEveryDays: row.rotate_every_days,
    hasCredential: row.has_credential === 1,
    createdAt: row.created_at,
    lastSyncAt: row.last_sync_at,
    lastSyncOkAt: row.last_sync_ok_at,
    lastError: row.last_error,
    keyCount: row.key_count,
  };
}

/** A backend's settings as its connector and workflows see them: without the store's own sync record. */
export function backendSettings(text: string): Record<string, unknown> {
  const { [LAST_OK_SYNC_STARTED]: _syncRecord, ...settings } = JSON.parse(text) as Record<string, unknown>;
  return settings;
}

/** Maps a raw row of KEY_SELECT (column order matters) to the domain Key. */
export function toKey(row: unknown[]): Key {
  const [
    backend,
    backendType,
    keyId,
    name,
    prefix,
    status,
    createdAt,
    expiresAt,
    graceEndsAt,
    rotationDueAt,
    lastUsedAt,
    lastTestedAt,
    lastTestOk,
    secretCached,
    syncedAt,
    owner,
    environment,
    tags,
    notes,
  ] = row as [
    string,
    BackendType,
    string,
    string,
    string | null,
    KeyStatus,
    string | null,
    string | null,
    string | null,
    string | null,
    string | null,
    string | null,
    number | null,
    number,
    string | null,
    string | null,
    string | null,
    string | null,
    string | null,
  ];
  return {
    ref: `${backend}/${keyId}`,
    backend,
    backendType,
    id: keyId,
    name,
    prefix,
    status,
    createdAt,
    expiresAt,
    graceEndsAt,
    rotationDueAt,
    lastUsedAt,
    lastTestedAt,
    lastTestOk: lastTestOk === null ? null : lastTestOk === 1,
    secretCached: secretCached === 1,
    syncedAt,
    owner,
    environment,
    tags: tags === null ? [] : (JSON.parse(tags) as string[]),
    notes,
  };
}

/** What one sync did to a backend's key rows: the rows it wrote (inserted, updated, removed) and those it left as they were. */
export interface InventoryWrites {
  inserted: number;
  updated: number;
  removed: number;
  unchanged: number;
}

/** A key's stored columns as a sync would write them, dates normalised and the due dates computed. */
export interface KeyRowValues {
  id: string;
  name: string;
  prefix: string | null;
  status: KeyStatus;
  createdAt: string | null;
  expiresAt: string | null;
  graceEndsAt: string | null;
  rotationDueAt: string | null;
  nextDueAt: string | null;
  lastUsedAt: string | null;
  details: string;
}

/** The columns `replaceInventory` compares, in this order, then `first_seen_at`. */
export const STORED_KEY_COLUMNS = [
  'key_id',
  'name',
  'prefix',
  'status',
  'created_at',
  'expires_at',
  'grace_ends_at',
  'rotation_due_at',
  'next_due_at',
  'last_used_at',
  'details',
  'first_seen_at',
] as const;
export type StoredKeyRow = [string, string, string | null, KeyStatus, string | null, string | null, string | null, string | null, string | null, string | null, string, string];
export const FIRST_SEEN_COLUMN = 11;

export function keyRowValues(key: RemoteKey, rotateEveryDays: number | null): KeyRowValues {
  const createdAt = normaliseDate(key.createdAt);
  const expiresAt = normaliseDate(key.expiresAt);
  const graceEndsAt = normaliseDate(key.graceEndsAt);
  const rotationDueAt = computeRotationDueAt(createdAt, expiresAt, keyRotationDays(key.details, rotateEveryDays));
  const due = dueEventFor({ status: key.status, expiresAt, graceEndsAt, rotationDueAt });
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    status: key.status,
    createdAt,
    expiresAt,
    graceEndsAt,
    rotationDueAt,
    nextDueAt: due?.dueAt ?? null,
    lastUsedAt: normaliseDate(key.lastUsedAt),
    details: JSON.stringify(key.details ?? {}),
  };
}

/** Whether writing `values` would leave the stored row as it is (the columns a sync writes, not Keywarden's own). */
export function sameAsStored(row: StoredKeyRow, values: KeyRowValues): boolean {
  return (
    row[1] === values.name &&
    row[2] === values.prefix &&
    row[3] === values.status &&
    row[4] === values.createdAt &&
    row[5] === values.expiresAt &&
    row[6] === values.graceEndsAt &&
    row[7] === values.rotationDueAt &&
    row[8] === values.nextDueAt &&
    row[9] === values.lastUsedAt &&
    row[10] === values.details
  );
}

/** A key's own rotation interval (manual keys entered with --rotate-every-days) wins over the backend policy. */
export function keyRotationDays(details: RemoteKey['details'], backendDays: number | null): number | null {
  const own = details?.rotateEveryDays;
  return typeof own === 'number' && own > 0 ? own : backendDays;
}

/**
 * Stores every instant in one format (`toISOString`), so that SQL string comparison orders them correctly. A
 * calendar day (`2026-12-07`, a date typed without a time) stays a day: as an instant it would be a day off
 * in some time zone (see ../dates.ts). As a string it sorts just before the instants of its UTC date.
 */
export function normaliseDate(value: string | null): string | null {
  if (value === null) return null;
  if (isCalendarDay(value)) return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new KeywardenError('invalid_input', `"${value}" is not a date`);
  return new Date(ms).toISOString();
}
