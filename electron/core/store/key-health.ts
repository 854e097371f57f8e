/**
 * The key findings of Health (../health/findings.ts) as SQL: for each category, how many keys it concerns and the
 * first `limit` of them, most urgent first, so Health at 100k keys never reads every key into JavaScript. The indexes
 * of migration 009 serve each query; their partial conditions are repeated here word for word (SQLite uses a partial
 * index only for a query that states its condition).
 *
 * Which keys belong to which category is decided here and nowhere else; the words about each key (days overdue, last
 * used) are findings.ts's, over the few keys listed. The due-date categories read `next_due_at`, which the store
 * writes as `dueEventFor` computes it (key-rows.ts), with `onOrBefore`: the pipeline gate's rules (../reminders/gate.ts)
 * over the same dates, as the console's due filters already are.
 *
 * How it stays fast: counts are read from the partial indexes alone where they can be (one pass over the open keys'
 * due-date index counts overdue, due soon, undated and shown-once keys at once), lists are chosen on the `keys`
 * table alone in an index's order, stopping at `limit`, and only those keys are then read whole (KEY_SELECT, with
 * its joins). A unary `+` on a column keeps SQLite from choosing a wider index that would need a table lookup per
 * key (keys_next_due), and NOT INDEXED makes the one full scan (the rotation policy) a scan.
 */
import type { Key } from '../../../shared/domain.js';
import { endOfWindow } from '../dates.js';
import type { StoreConnection } from './connection.js';
import { KEY_SELECT, manualPastExpiry, onOrBeforeQuick, quickBound, toKey } from './key-rows.js';

export const KEY_HEALTH_CATEGORIES = [
  'overdue',
  'due-soon',
  'no-due-date',
  'test-failed',
  'never-tested',
  'unused',
  'shown-once-not-cached',
  'duplicate-secret',
  'interval-over-policy',
  'no-owner',
] as const;
export type KeyHealthCategory = (typeof KEY_HEALTH_CATEGORIES)[number];

export interface KeyHealthQuery {
  now: Date;
  /** Due within this many calendar days (after today) is "due soon". */
  leadDays: number;
  /** Last used this many calendar days ago or more is "unused". */
  unusedDays: number;
  /** The organisation's longest rotation interval, in days; null: no policy, no such finding. */
  maxRotationDays: number | null;
  /** Backends whose vendor shows a secret only once. */
  shownOnceBackends: readonly string[];
  /** How many keys each category lists at most. */
  limit: number;
}

/** One category: how many keys it concerns, and the first `limit` of them, most urgent first. */
export interface KeyHealthList {
  count: number;
  keys: Key[];
}

export interface KeyHealthFacts {
  /** Keys judged (every key not revoked), as `keywarden check` counts them. */
  checked: number;
  lists: Record<KeyHealthCategory, KeyHealthList>;
  /**
   * For each listed key of `duplicate-secret`, the other keys holding the same secret (their refs). The fingerprint
   * itself never leaves this module.
   */
  sameSecretAs: Map<string, string[]>;
}

/** Open as stored (active or in grace): the condition of the partial indexes keys_open_due and keys_open_last_used. */
const OPEN = `k.status IN ('active', 'grace')`;
/** Open as the administrator sees it: not a manual key past its expiry (key-rows.ts EFFECTIVE_STATUS), on `keys` alone. */
const EFFECTIVE_OPEN = `${OPEN} AND NOT ${manualPastExpiry(`k.backend_id IN (SELECT id FROM backends WHERE type = 'manual')`)}`;
/** A due date that has come (an instant passed, a calendar day from its first local moment). */
const PASSED = onOrBeforeQuick('+k.next_due_at', 'now');
const HAS_SECRET = 'EXISTS (SELECT 1 FROM key_secrets s WHERE s.backend_id = k.backend_id AND s.key_id = k.key_id)';

type KeyId = [backendId: number, keyId: string];

export function keyHealthFacts(conn: StoreConnection, query: KeyHealthQuery): KeyHealthFacts {
  return conn.readTransaction(() => {
    const now = quickBound('now', query.now);
    const limit = Math.max(0, Math.floor(query.limit));
    const window = quickBound('dueBefore', endOfWindow(query.now, query.leadDays));
    const idle = quickBound('usedBefore', endOfWindow(query.now, -query.unusedDays));
    // No date still to come sorts before the smaller of today's two spellings (local calendar day, UTC instant).
    const notBefore = [now.nowDay!, now.now!.slice(0, 10)].sort()[0]!;
    const shownOnce = Object.fromEntries(query.shownOnceBackends.map((name, index) => [`shownOnce${index}`, name]));
    const shownOnceIds = query.shownOnceBackends.length
      ? `(SELECT id FROM backends WHERE name IN (${Object.keys(shownOnce)
          .map((name) => `@${name}`)
          .join(', ')}))`
      : '(SELECT NULL WHERE 0)';
    const params = { ...now, ...window, ...idle, ...shownOnce, notBefore, limit };
    // An index of migration 009 named for the planner, where the file has it: a read-only copy of an older file (a
    // backup) has none, and `INDEXED BY` a missing index is an error, not a hint.
    const indexedBy = (index: string): string => (conn.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`).get(index) === undefined ? '' : `INDEXED BY ${index}`);
    const row = (sql: string): number[] =>
      conn.db
        .prepare(sql)
        .raw()
        .get(params as never) as number[];
    const ids = (sql: string): KeyId[] =>
      conn.db
        .prepare(sql)
        .raw()
        .all(params as never) as KeyId[];
    /** The keys named, read whole, in the order given. */
    const keysOf = (chosen: readonly KeyId[]): Key[] => {
      if (chosen.length === 0) return [];
      const found = new Map<string, Key>();
      for (const row of conn.db
        .prepare(`SELECT k.backend_id, ${KEY_SELECT.trim().slice('SELECT'.length)} WHERE (k.backend_id, k.key_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(@chosen))`)
        .raw()
        .all({ ...now, chosen: JSON.stringify(chosen) } as never)) {
        found.set(`${String(row[0])}/${String(row[3])}`, toKey(row.slice(1)));
      }
      return chosen.flatMap(([backendId, keyId]) => found.get(`${backendId}/${keyId}`) ?? []);
    };

    // Counted from the open keys' due-date index (keys_open_due, covering), each over its own range of due dates, so
    // only the keys near a bound are judged by the full rule: overdue (a manual key past its expiry among them: its
    // due date is its expiry), due soon (not yet due, due by the last day of the lead time), undated, all open keys,
    // and open keys of shown-once vendors (the index holds backend_id; `+` keeps SQLite from the primary key, which
    // would read every row). One pass evaluating all five per key cost ten times as much at 100k keys.
    const [openOverdue] = row(`SELECT COUNT(*) FROM keys k WHERE ${OPEN} AND k.next_due_at <= @nowHi AND ${PASSED}`) as [number];
    const [dueSoon] = row(
      `SELECT COUNT(*) FROM keys k WHERE ${OPEN} AND k.next_due_at >= @notBefore AND k.next_due_at <= @dueBeforeHi AND NOT ${PASSED} AND ${onOrBeforeQuick('+k.next_due_at', 'dueBefore')}`,
    ) as [number];
    const [undated] = row(`SELECT COUNT(*) FROM keys k WHERE ${OPEN} AND k.next_due_at IS NULL`) as [number];
    const [open] = row(`SELECT COUNT(*) FROM keys k WHERE ${OPEN}`) as [number];
    const [openShownOnce] = row(`SELECT COUNT(*) FROM keys k ${indexedBy('keys_open_due')} WHERE ${OPEN} AND +k.backend_id IN ${shownOnceIds}`) as [number];
    // Keys the vendor reports expired are overdue too (the gate: "expired at the vendor").
    const [expired] = row(`SELECT COUNT(*) FROM keys k WHERE k.status = 'expired'`) as [number];
    // Cached secrets: never tested (open, as the administrator sees it; a failed key is not also "never tested"), and
    // how many shown-once keys hold theirs.
    const [neverTested, shownOnceHeld] = row(`
      SELECT COALESCE(SUM(k.last_tested_at IS NULL AND k.last_test_ok IS NOT 0 AND ${EFFECTIVE_OPEN}), 0),
             COALESCE(SUM(${OPEN} AND k.backend_id IN ${shownOnceIds}), 0)
      FROM key_secrets s JOIN keys k ON k.backend_id = s.backend_id AND k.key_id = s.key_id`) as [number, number];
    const [testFailed] = row(`SELECT COUNT(*) FROM keys k WHERE k.last_test_ok = 0 AND ${EFFECTIVE_OPEN}`) as [number];
    const unusedWhere = `${OPEN} AND k.last_used_at IS NOT NULL AND ${onOrBeforeQuick('k.last_used_at', 'usedBefore')} AND ${EFFECTIVE_OPEN}`;
    const [unused] = row(`SELECT COUNT(*) FROM keys k WHERE ${unusedWhere}`) as [number];

    const lists: Record<KeyHealthCategory, KeyHealthList> = {
      overdue: {
        count: openOverdue + expired,
        // Open keys by due date; the vendor's expired ones by the date they were due (rotation_due_at: the expiry, or
        // the creation plus the policy, what dueEventFor gives an active key), undated last, as the gate orders them.
        // findings.ts merges the three with the gate and keeps the first `limit`.
        keys: keysOf([
          ...ids(`SELECT k.backend_id, k.key_id FROM keys k WHERE ${OPEN} AND k.next_due_at IS NOT NULL AND ${PASSED} ORDER BY k.next_due_at, k.backend_id, k.key_id LIMIT @limit`),
          ...ids(`SELECT k.backend_id, k.key_id FROM keys k WHERE k.status = 'expired' AND k.rotation_due_at IS NOT NULL ORDER BY k.rotation_due_at, k.backend_id, k.key_id LIMIT @limit`),
          ...ids(`SELECT k.backend_id, k.key_id FROM keys k WHERE k.status = 'expired' AND k.rotation_due_at IS NULL ORDER BY k.backend_id, k.key_id LIMIT @limit`),
        ]),
      },
      'due-soon': {
        count: dueSoon,
        keys: keysOf(
          ids(`SELECT k.backend_id, k.key_id FROM keys k WHERE ${OPEN} AND k.next_due_at >= @notBefore AND NOT ${PASSED} AND ${onOrBeforeQuick('+k.next_due_at', 'dueBefore')}
               ORDER BY k.next_due_at, k.backend_id, k.key_id LIMIT @limit`),
        ),
      },
      'no-due-date': {
        count: undated,
        keys: keysOf(ids(`SELECT k.backend_id, k.key_id FROM keys k WHERE ${OPEN} AND k.next_due_at IS NULL ORDER BY k.next_due_at, k.backend_id, k.key_id LIMIT @limit`)),
      },
      'test-failed': {
        count: testFailed,
        keys: keysOf(ids(`SELECT k.backend_id, k.key_id FROM keys k WHERE k.last_test_ok = 0 AND ${EFFECTIVE_OPEN} ORDER BY k.backend_id, k.key_id LIMIT @limit`)),
      },
      'never-tested': {
        count: neverTested,
        keys: keysOf(
          ids(`SELECT k.backend_id, k.key_id FROM key_secrets s JOIN keys k ON k.backend_id = s.backend_id AND k.key_id = s.key_id
               WHERE k.last_tested_at IS NULL AND k.last_test_ok IS NOT 0 AND ${EFFECTIVE_OPEN} ORDER BY s.backend_id, s.key_id LIMIT @limit`),
        ),
      },
      // The longest idle first.
      unused: { count: unused, keys: keysOf(ids(`SELECT k.backend_id, k.key_id FROM keys k WHERE ${unusedWhere} ORDER BY k.last_used_at, k.backend_id, k.key_id LIMIT @limit`)) },
      // Open keys of a vendor that shows a secret once (never manual: the stored status is the status) without one held.
      'shown-once-not-cached': {
        count: openShownOnce - shownOnceHeld,
        keys: keysOf(ids(`SELECT k.backend_id, k.key_id FROM keys k WHERE k.backend_id IN ${shownOnceIds} AND ${OPEN} AND NOT ${HAS_SECRET} ORDER BY k.backend_id, k.key_id LIMIT @limit`)),
      },
      'duplicate-secret': { count: 0, keys: [] },
      'interval-over-policy': { count: 0, keys: [] },
      'no-owner': { count: 0, keys: [] },
    };

    // The same secret under two keys: cached secrets of keys not revoked sharing a fingerprint (migration 009; a
    // read-only copy of an older file has none). The fingerprints held more than once are found on the fingerprint
    // index alone, then only their keys are read; a fingerprint left with one key once revoked keys are set aside is
    // no duplicate. The fingerprint groups the keys here and goes no further.
    const sameSecretAs = new Map<string, string[]>();
    if (conn.db.prepare(`SELECT 1 FROM pragma_table_info('key_secrets') WHERE name = 'fingerprint'`).get() !== undefined) {
      const candidates = conn.db
        .prepare(
          `SELECT s.fingerprint, k.backend_id, k.key_id FROM key_secrets s JOIN keys k ON k.backend_id = s.backend_id AND k.key_id = s.key_id
           WHERE k.status != 'revoked' AND s.fingerprint IN (
             SELECT fingerprint FROM key_secrets WHERE fingerprint IS NOT NULL GROUP BY fingerprint HAVING COUNT(*) > 1)
           ORDER BY s.fingerprint, k.backend_id, k.key_id`,
        )
        .raw()
        .all() as Array<[Buffer, number, string]>;
      const held = new Map<string, number>();
      for (const [fingerprint] of candidates) held.set(fingerprint.toString('hex'), (held.get(fingerprint.toString('hex')) ?? 0) + 1);
      const shared = candidates.filter(([fingerprint]) => held.get(fingerprint.toString('hex'))! > 1);
      const listed = keysOf(shared.slice(0, limit).map(([, backendId, keyId]): KeyId => [backendId, keyId]));
      const groups = new Map<string, string[]>();
      const refs = new Map(listed.map((key) => [key.id, key.ref]));
      shared.slice(0, limit).forEach(([fingerprint, , keyId]) => {
        const group = fingerprint.toString('hex');
        groups.set(group, [...(groups.get(group) ?? []), refs.get(keyId) ?? keyId]);
      });
      for (const members of groups.values())
        for (const ref of members)
          sameSecretAs.set(
            ref,
            members.filter((other) => other !== ref),
          );
      lists['duplicate-secret'] = { count: shared.length, keys: listed };
    }

    // Longer than the organisation's policy: from creation to the date the key must change (its expiry, or the
    // creation plus the backend's or its own rotation interval), in days rounded to the nearest (a DST change makes
    // 180 calendar days 179.96 days of 24 hours); a calendar day counts from its UTC midnight, as julianday reads it.
    // Every open key is read: the one full scan, made only when a policy is set.
    if (query.maxRotationDays !== null) {
      const overWhere = `${OPEN} AND k.rotation_due_at IS NOT NULL AND k.created_at IS NOT NULL AND julianday(k.rotation_due_at) - julianday(k.created_at) >= @maxDays AND ${EFFECTIVE_OPEN}`;
      const policy = { ...params, maxDays: query.maxRotationDays + 0.5 };
      const [over] = conn.db
        .prepare(`SELECT COUNT(*) FROM keys k NOT INDEXED WHERE ${overWhere}`)
        .raw()
        .get(policy as never) as [number];
      const chosen = conn.db
        .prepare(`SELECT k.backend_id, k.key_id FROM keys k WHERE ${overWhere} ORDER BY k.backend_id, k.key_id LIMIT @limit`)
        .raw()
        .all(policy as never) as KeyId[];
      lists['interval-over-policy'] = { count: over, keys: keysOf(chosen) };
    }

    // No owner: open keys without one, counted only where the inventory uses owners at all (some key has one), so an
    // inventory that does not is not told about every key. keys_owner (migration 008) answers the first question;
    // keys_open_without_owner counts the open ones, less the manual keys past their expiry among them (the index
    // leads with backend_id: only manual backends' rows are read), without reading every ownerless key's row.
    const usesOwners = conn.db.prepare('SELECT 1 FROM keys WHERE owner IS NOT NULL LIMIT 1').get() !== undefined;
    if (usesOwners) {
      const [withoutOwner] = row(`SELECT COUNT(*) FROM keys k WHERE k.owner IS NULL AND ${OPEN}`) as [number];
      const [pastExpiry] = row(
        `SELECT COUNT(*) FROM keys k ${indexedBy('keys_open_without_owner')} WHERE k.owner IS NULL AND ${OPEN} AND ${manualPastExpiry(`k.backend_id IN (SELECT id FROM backends WHERE type = 'manual')`)}`,
      ) as [number];
      const ownerless = `k.owner IS NULL AND ${OPEN} AND ${EFFECTIVE_OPEN}`;
      lists['no-owner'] = {
        count: withoutOwner - pastExpiry,
        keys: keysOf(ids(`SELECT k.backend_id, k.key_id FROM keys k WHERE ${ownerless} ORDER BY k.backend_id, k.key_id LIMIT @limit`)),
      };
    }

    return { checked: open + expired, lists, sameSecretAs };
  });
}
