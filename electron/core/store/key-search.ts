/**
 * The reading side of the inventory's search: `list` (every key matching a filter) and `query` (the console's page and
 * its count), and how each chooses to read a page at 100k keys: through which search index (the trigram index of
 * migration 011, the pair index of 018), by walking an order's index (002), or by one pass over the joined searched
 * text (017). Reached through `KeyTables` (keys.ts), which keeps the writes and the indexes' upkeep; the conditions
 * themselves are key-rows.ts `keyConditions`, pure SQL text.
 */
import type { BackendType, InventoryPage, InventoryQuery, Key, KeyFilter, KeySortField } from '../../../shared/domain.js';
import type { StoreConnection } from './connection.js';
import { type BackendTypeRow, KEY_SELECT, keyConditions, type SearchOptions, SORT_EXPRESSIONS, toKey } from './key-rows.js';

/**
 * Above this many keys named by the search index, a page in the due or name order walks that order's index instead of
 * reading every named key to sort it (measured at 100k keys: 5,000 named, ~3 ms against ~16 ms; 8 named, ~0.5 ms
 * against ~20 ms for the walk).
 */
const WALK_ORDER_ABOVE = 1_000;
/**
 * In an order without an index to walk (backend, status, ...), a term judged by LIKE found in at least one key in this
 * many is read from the joined searched text's index and sorted (`narrow` in `query`) rather than listed by its
 * counting pass; in the due and name orders, WALKED_ROW_COST decides instead.
 */
const SCAN_DENSE = 20;
/**
 * How many keys, in a run of rowids from the middle of the file, tell how densely a term judged by LIKE is found before
 * it is searched (`shortTermShare`): rowids follow the order keys were written in, not their text, so the run is a fair
 * sample (at 100k keys, "al" is in 5.2 % of the keys and in 5.3 % of a run of 2,000; the first 2,000 entries of the
 * joined text's index, in name order, said 74 %). Reading the run costs about 0.3 ms.
 */
const SHARE_SAMPLE = 1_000;
/**
 * A key's row read while walking an order's index costs about as much as this many keys counted and listed by a short
 * term's one pass (measured at 100k keys: about 1.1 µs against 0.4): the walk is chosen when it reads fewer rows than
 * the keys found over this.
 */
const WALKED_ROW_COST = 3;
/**
 * The search index's keys are collected (their rowids, to stand for its MATCH in the count and the page) unless it names
 * more than one key in this many: at 100k keys, collecting 50,000 cost more than counting them and running the MATCH
 * again for the page.
 */
const LISTED_DENSE = 10;
/** The keys whose rowids `query` collected, as a condition: their JSON array is the parameter @listed. */
const LISTED_KEYS = 'k.rowid IN (SELECT value FROM json_each(@listed))';
/** The orders an index of migration 002 serves (its expressions are exactly SORT_EXPRESSIONS' ORDER BY). */
const WALKED_ORDERS: Partial<Record<KeySortField, string>> = { due: 'keys_due_order', name: 'keys_name_order' };

/** Whether a WHERE clause reads a key's columns beyond what each walked order's index holds with it (its rowid, its backend). */
const READS_KEY_ROW = /\bk\.(?!rowid\b|backend_id\b)\w+/;
/** The search's indexes a file may lack (a read-only look at an older file), by name, with their kind in sqlite_master. */
const SEARCH_INDEXES = { key_search: 'table', key_pairs: 'table', keys_joined_searched_text: 'index' } as const;

/** A sort of the console's table (its column and direction). */
export interface KeySort {
  field: KeySortField;
  direction: 'asc' | 'desc';
}

/**
 * The ORDER BY of a sort. Keys without the sorted value (no due date, never tested) come last in either direction.
 * Ties go by backend and id: unique and stable, so pages never overlap; and the same ORDER BY as the indexes of
 * migration 002, so the default order reads an index instead of sorting every key.
 */
function orderBy(sort: KeySort): string {
  const { expression, nullable } = SORT_EXPRESSIONS[sort.field];
  const direction = sort.direction === 'desc' ? 'DESC' : 'ASC';
  return `${nullable ? `${expression} IS NULL, ` : ''}${expression} ${direction}, k.backend_id ${direction}, k.key_id ${direction}`;
}

export class KeySearch {
  /** Which of SEARCH_INDEXES this file has, as `has` found them. */
  private readonly indexes = new Map<keyof typeof SEARCH_INDEXES, boolean>();

  constructor(private readonly conn: StoreConnection) {}

  /** Every key matching `filter`: by backend and name, or in the console's `sort` (a saved view's, `list --view`). */
  list(filter: KeyFilter & { vendor?: BackendType; overdue?: boolean }, now: Date, sort?: KeySort): Key[] {
    return this.conn.guard(() => {
      const { where, params } = keyConditions(filter, now, this.conditionOptions());
      const sql = `${KEY_SELECT} ${where} ORDER BY ${sort ? orderBy(sort) : 'b.name, k.name, k.key_id'}`;
      return this.conn.db
        .prepare(sql)
        .raw()
        .all(params as never)
        .map(toKey);
    });
  }

  /**
   * One page of the inventory, filtered, sorted and paged by SQLite, with the number of keys that match:
   * the console shows 100k keys without ever holding them.
   */
  query(query: InventoryQuery, now: Date): InventoryPage {
    return this.conn.guard(() => {
      const conditions = keyConditions(query, now, this.conditionOptions());
      const { index, due, scan } = conditions;
      let { where, params } = conditions;
      const sort = query.sort ?? { field: 'due', direction: 'asc' };
      const order = orderBy(sort);
      const offset = query.offset ?? 0;
      const limit = query.limit ?? 100;
      // The keys the search index names, collected by one MATCH until there are more than one key in LISTED_DENSE (it
      // stops there: a very common word costs little). Not more: the MATCH's condition becomes the list of their
      // rowids, so the count and the page do not run it again (at 100k keys, "due<30 billing" went from 16 to 7 ms).
      // More: counted from the index alone (no key row is read), and the MATCH stays in the query.
      let candidates = 0;
      if (index !== null) {
        const match = params[index.match]!;
        const { table } = index;
        const most = Math.max(WALK_ORDER_ABOVE, Math.ceil(this.keyCountEstimate() / LISTED_DENSE));
        // Listed in SQLite as the JSON array @listed is (json_each reads it back): no rowid becomes a JavaScript value.
        const [named, listed] = this.conn.db
          .prepare(`SELECT COUNT(*), json_group_array(rowid) FROM (SELECT rowid FROM ${table} WHERE ${table} MATCH @match LIMIT ${most + 1})`)
          .raw()
          .get({ match } as never) as [number, string];
        if (named <= most) {
          where = where.replace(index.condition, LISTED_KEYS);
          params = { ...params, listed };
          candidates = named;
        } else {
          candidates = this.count(`SELECT COUNT(*) FROM ${table} WHERE ${table} MATCH @match`, { match });
        }
      }
      // Few keys named by the index: read them all and sort them (SQLite's own choice), with, when other conditions
      // narrow them further, the count of what passed in the same query (a window over the few rows it judged anyway).
      if (index !== null && candidates <= WALK_ORDER_ABOVE) {
        if (index.alone) return { total: candidates, offset, rows: this.page(KEY_SELECT, where, order, { ...params, limit, offset }) };
        const counted = this.conn.db
          .prepare(`${KEY_SELECT.replace('SELECT', 'SELECT COUNT(*) OVER (),')} ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
          .raw()
          .all({ ...params, limit, offset } as never);
        // A page past the end has no row to carry the count: counted apart then (a scroll past the last row, rare).
        const total = (counted[0]?.[0] as number | undefined) ?? this.count(`SELECT COUNT(*) FROM keys k JOIN backends b ON b.id = k.backend_id ${where}`, params);
        return { total, offset, rows: counted.map((row) => toKey(row.slice(1))) };
      }
      // Counting needs the backends table only when a condition reads it.
      const from = where.includes('b.') ? 'keys k JOIN backends b ON b.id = k.backend_id' : 'keys k';
      // A term LIKE judges on every key (one character; two on a file without the pair index of migration 018, or in a
      // field term such as owner:al) is counted by one pass over every key, whatever is done next. Its page is then either
      // - read from a list of the keys found, which that same pass makes (their rowids, as JSON, in SQLite): sorted when
      //   there are at most WALK_ORDER_ABOVE, else by walking the order's index keeping the listed keys, which reads only
      //   the page's rows; or
      // - found by walking the order's index and judging each entry (below, `dense`), which reads a key's row per entry,
      //   about (offset + limit) / share of them: few when the term is common.
      // Which costs less is judged from the share of keys it finds, first on a sample (`shortTermShare`), then, when the
      // sample said to list them, on what the pass found. At 100k keys, "al" (5,206 keys) took 19 ms when a first pass
      // listed up to one key in twenty, stopped one key short of the end, and a second counted them all; then 13 ms: the
      // one pass is 7 to 10 ms (LIKE costs more for a common first letter), the page 1 to 3. Through the pair index,
      // which names its keys without reading any other, about 2 ms.
      let dense = false;
      let found: number | undefined;
      if (scan && index === null) {
        const keys = this.keyCountEstimate();
        const walked = WALKED_ORDERS[sort.field];
        const walkCostsLess = (share: number) => share > 0 && (walked ? (offset + limit) / share < (share * keys) / WALKED_ROW_COST : share >= 1 / SCAN_DENSE);
        dense = walkCostsLess(this.shortTermShare(from, where, params, keys));
        if (!dense) {
          const [count, listed] = this.conn.db
            .prepare(`SELECT COUNT(*), json_group_array(k.rowid) FROM ${from} ${where}`)
            .raw()
            .get(params as never) as [number, string];
          found = count;
          // The sample can be wrong (a term found in few keys of the run and many elsewhere): walked after all, then.
          dense = walkCostsLess(count / Math.max(1, keys));
          if (!dense) {
            const select = walked && count > WALK_ORDER_ABOVE ? KEY_SELECT.replace('FROM keys k', `FROM keys k INDEXED BY ${walked}`) : KEY_SELECT;
            return { total: count, offset, rows: this.page(select, `WHERE ${LISTED_KEYS}`, order, { ...params, listed, limit, offset }) };
          }
        }
      }
      // SQLite's own plan: with many keys named by the index and a due window, it starts from the keys named and reads
      // each one's due date and status (from the page cache, sqlite.ts PAGE_CACHE_KIB: at 100k keys, 7 ms for
      // "due<30 billing"; counting from the due-date index instead, keeping the entries named, took 20).
      const total = found ?? (index?.alone ? candidates : this.count(`SELECT COUNT(*) FROM ${from} ${where}`, params));
      // Many keys found (a common word, a vendor): reading each of them to sort them costs more than walking the order's
      // index (migration 002) and keeping the entries that pass, which stops at the page's last row (INDEXED BY: SQLite
      // would otherwise start from another condition's index, e.g. due<30's range, and sort). Walked when the search
      // index named many keys (their rowids are judged from each entry alone), or when many keys pass conditions judged
      // from the entry alone (a vendor, a backend): a condition on another column reads the row of every entry walked,
      // and its keys may all lie at the far end of the order (expired keys have no due date). Few found: starting from
      // them is faster, and SQLite's own choice.
      // Many keys due within a window, soonest first (the Overdue quick filter, `due<30`): they are the order's first
      // entries, so the walk finds a page of them at once, whatever else it judges.
      // A term LIKE judges on every key, found densely enough that the walk reads fewer rows than listing them (`dense`,
      // above): the walk stops at the page's last row, so it is walked too. In an order without an index, they are read
      // from the joined searched text's index (migration 017) and sorted (SQLite would read every key's row to judge it).
      const dueFirst = due && sort.field === 'due' && sort.direction === 'asc';
      const manyFound = (index !== null && candidates > WALK_ORDER_ABOVE) || (total > WALK_ORDER_ABOVE && (dueFirst || !READS_KEY_ROW.test(where) || dense));
      const walk = manyFound ? WALKED_ORDERS[sort.field] : undefined;
      const narrow = !walk && dense && this.has('keys_joined_searched_text') ? 'keys_joined_searched_text' : undefined;
      const select = walk || narrow ? KEY_SELECT.replace('FROM keys k', `FROM keys k INDEXED BY ${walk ?? narrow}`) : KEY_SELECT;
      return { total, offset, rows: this.page(select, where, order, { ...params, limit, offset }) };
    });
  }

  /** One page of keys: `select` (KEY_SELECT, or it reading a chosen index) with `where`, in `order`, at @limit and @offset. */
  private page(select: string, where: string, order: string, params: Record<string, string | number>): Key[] {
    return this.conn.db
      .prepare(`${select} ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
      .raw()
      .all(params as never)
      .map(toKey);
  }
  /**
   * About how many keys the file holds, from the largest rowid (one step down the table's b-tree, where COUNT(*) reads
   * a whole index): never fewer than there are, more when keys were deleted, which only makes `query` list a few more
   * rowids before it calls a term dense, and moves the sample of `shortTermShare` off the middle.
   */
  keyCountEstimate(): number {
    return this.count('SELECT COALESCE(MAX(rowid), 0) FROM keys', {});
  }

  /**
   * The share of keys a condition (`where`, over `from`) finds, judged on SHARE_SAMPLE keys by rowid from the middle of
   * the file; every key when there are no more. Only the plan of a search depends on it, never its answer.
   */
  private shortTermShare(from: string, where: string, params: Record<string, string>, keys: number): number {
    const first = Math.max(1, Math.floor((keys - SHARE_SAMPLE) / 2));
    const [sampled, found] = this.conn.db
      .prepare(`SELECT COUNT(*), COUNT(*) FILTER (WHERE ${where.slice('WHERE '.length)}) FROM ${from} WHERE k.rowid BETWEEN @sampleFirst AND @sampleLast`)
      .raw()
      .get({ ...params, sampleFirst: first, sampleLast: first + SHARE_SAMPLE - 1 } as never) as [number, number];
    return sampled === 0 ? 0 : found / sampled;
  }

  private count(sql: string, params: Record<string, string>): number {
    return (
      this.conn.db
        .prepare(sql)
        .raw()
        .get(params as never) as [number]
    )[0];
  }

  /** What keyConditions needs from this file: which of the search's indexes it has, and its backends' IDs and types. */
  private conditionOptions(): SearchOptions {
    return {
      searchIndex: this.has('key_search'),
      joinedSearchedText: this.has('keys_joined_searched_text'),
      pairIndex: this.has('key_pairs'),
      backends: this.conn.db.prepare<BackendTypeRow>('SELECT id, name, type FROM backends').all(),
    };
  }

  /**
   * Whether the file has one of the search's indexes (SEARCH_INDEXES). Asked once per connection: a connection that
   * writes has migrated before its first query, and a read-only look at an older file, which may lack any of them,
   * searches without it (by LIKE, with the same results).
   */
  has(name: keyof typeof SEARCH_INDEXES): boolean {
    let found = this.indexes.get(name);
    if (found === undefined) {
      found = this.conn.db.prepare('SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?').get(SEARCH_INDEXES[name], name) !== undefined;
      this.indexes.set(name, found);
    }
    return found;
  }
}
