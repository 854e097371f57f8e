/**
 * Health findings: what in the inventory needs the administrator, grouped by category, each with its severity, the
 * keys or backends it concerns, why it matters and what fixes it. Metadata only (keys, backends, rotations, secrets'
 * fingerprints, never a secret), so it works offline and locked, and the CLI (`keywarden health`) and the console
 * compute the same thing.
 *
 * At 100k keys the keys are never all read: the store counts each key category and lists its first `subjectLimit`
 * keys, most urgent first (../store/key-health.ts, which decides which keys belong where); this module words them.
 * A finding with more keys than it lists says so (`truncated`). Due dates are judged by the pipeline gate's rules
 * (../reminders/gate.ts `judgeKeys`, over the keys listed): a key `keywarden check` fails is a key Health lists as
 * overdue or due.
 */
import type { AlertChannel } from '../../../shared/alerts.js';
import type { BackendSummary, Key } from '../../../shared/domain.js';
import type { KeyHealthCategory, KeyHealthFacts, KeyHealthQuery } from '../store/key-health.js';
import type { Rotation, RotationGraceWarning } from '../../../shared/rotation.js';
import { calendarDaysBetween, DAY_MS, dayNumberCounter, dayNumberDate, localDate, localDayNumber } from '../dates.js';
import { judgeKeys } from '../reminders/gate.js';
import type { Finding, FindingCategory, FindingSeverity, FindingSubject, HealthOptions, HealthReport } from '../../../shared/health.js';

// The shapes are the contract's (shared/health.ts), so what this produces is what the console validates. Types only:
// the CLI's `health` and `check` do not load zod for them (shared/rules.ts keeps the engine's hot paths free of it).
export type { Finding, FindingCategory, FindingSeverity, FindingSubject, HealthOptions, HealthReport } from '../../../shared/health.js';

/** Most severe first, as shared/health.ts orders them (its schema checks every value produced here). */
export const SEVERITIES: readonly FindingSeverity[] = ['critical', 'high', 'warning', 'info'];

/**
 * A backend's data is stale after a week without a good sync: the desktop app syncs every few hours, so a week means
 * it has not run, or every sync failed, for days of vendor changes. The subjects listed per finding: enough to act
 * on the most urgent, few enough to send and show at once (the rest are counted, and `keywarden list` filters them).
 */
export const DEFAULT_HEALTH_OPTIONS: HealthOptions = { leadDays: 30, unusedDays: 90, staleDays: 7, maxRotationDays: null, subjectLimit: 200 };

/** Where the key findings are counted and listed: the store's keys (`store.keys`). */
export interface HealthKeySource {
  healthFacts(query: KeyHealthQuery): KeyHealthFacts;
  byRefs(refs: Iterable<string>, now: Date): Map<string, Key>;
}

export interface HealthInput {
  keys: HealthKeySource;
  backends: readonly BackendSummary[];
  /** Backends whose vendor shows a key's secret only when it is issued (no `secretsViewable`, not manual). */
  shownOnceBackends: ReadonlySet<string>;
  rotations: readonly Rotation[];
  graceWarnings: readonly RotationGraceWarning[];
  /** The alert channels (`alerts list`): a failing one is a finding. Absent: none. */
  alertChannels?: readonly Pick<AlertChannel, 'name' | 'type' | 'failing' | 'failures' | 'lastError' | 'pending' | 'nextAttemptAt'>[];
  now: Date;
  options?: Partial<HealthOptions>;
}

interface CategoryText {
  severity: FindingSeverity;
  title: string;
  why: string;
  action: string;
}

/** The words of each category; in the order the view and the CLI list categories of equal severity. */
const CATEGORIES: Record<FindingCategory, CategoryText> = {
  overdue: {
    severity: 'critical',
    title: 'Overdue or expired',
    why: 'An expired key stops whatever still uses it; a key past its rotation date is exposed longer than your policy allows.',
    action: 'Rotate the key (Rotate on the key, or "keywarden rotate REF"), then switch its consumers.',
  },
  'grace-not-switched': {
    severity: 'critical',
    title: 'Grace period ending, consumers not switched',
    why: 'When the grace period ends the old key stops working, and consumers not yet switched to the new key fail.',
    action: 'Switch each consumer to the new key and tick it off in the rotation ("keywarden rotation resume ID").',
  },
  'test-failed': {
    severity: 'high',
    title: 'Last test failed',
    why: 'The key did not work when last tested: whatever uses it may be failing now.',
    action: 'Test it again; if it still fails, rotate it or find out why the vendor refuses it.',
  },
  'alert-channel-failing': {
    severity: 'high',
    title: 'Alert channel failing',
    why: 'Reminders meant for a team channel or a mailbox are not arriving: the last attempt failed, and alerts wait for a retry.',
    action: 'Run "keywarden alerts test NAME" and read its answer: a receiver down, a URL or password changed, or a server refusing; "keywarden alerts list" shows what waits.',
  },
  'backend-failing': {
    severity: 'high',
    title: 'Backend failing',
    why: 'The last sync failed, so keys created, revoked or expired at the vendor since then are not shown here.',
    action: 'Open the backend and read its error: a credential to replace, an address that moved, or the vendor down.',
  },
  'due-soon': {
    severity: 'warning',
    title: 'Due soon',
    why: 'These keys expire or are due for rotation within the reminder lead time.',
    action: 'Plan each rotation now, while there is time to switch consumers.',
  },
  'shown-once-not-cached': {
    severity: 'warning',
    title: 'Secret shown once and not kept',
    why: 'The vendor shows this key only when it is issued, and Keywarden does not hold it: it cannot be copied, tested or handed over from here.',
    action: 'If the secret is kept elsewhere this is expected; otherwise rotate the key through Keywarden so the new one is kept.',
  },
  'duplicate-secret': {
    severity: 'warning',
    title: 'Same secret under two keys',
    why: 'Two records hold one secret: rotating or revoking one leaves the other working, and whoever relies on either cannot tell which one is in use.',
    action: 'Find which record is the real key and remove the other ("keywarden delete REF --confirm REF"), or rotate so each key has its own secret.',
  },
  unused: {
    severity: 'warning',
    title: 'Unused',
    why: 'The vendor saw no use of these keys for a long time: a key nobody uses is only risk.',
    action: 'Confirm nothing depends on the key, then revoke it.',
  },
  'backend-stale': {
    severity: 'warning',
    title: 'Backend not synced recently',
    why: 'The inventory of these backends is old: changes at the vendor are not shown.',
    action: 'Sync the backend ("keywarden sync NAME"), or let the desktop app sync in the background.',
  },
  'rotation-stopped': {
    severity: 'warning',
    title: 'Rotation stopped',
    why: 'A rotation stopped part-way (waiting, blocked or abandoned) leaves the old key in place, and sometimes a new key nobody uses yet.',
    action: 'Resume it ("keywarden rotation resume ID"), or start a new rotation of the key.',
  },
  'interval-over-policy': {
    severity: 'warning',
    title: 'Longer than the rotation policy',
    why: "The key is valid (or due for rotation) longer after its creation than your organisation's maximum rotation interval allows.",
    action: 'Rotate it within the policy, and give its backend a shorter rotation policy ("keywarden backend set-policy NAME --rotate-every-days N") or create keys with a shorter validity.',
  },
  'no-due-date': {
    severity: 'info',
    title: 'No due date',
    why: 'Neither the vendor nor a rotation policy says when these keys must change, so nothing will ever remind you.',
    action: 'Give the backend a rotation policy ("keywarden backend set-policy NAME --rotate-every-days 90").',
  },
  'no-owner': {
    severity: 'info',
    title: 'No owner',
    why: 'Some keys in this inventory have an owner and these do not: when one expires, leaks or must be rotated, nobody is named to act. (Listed only once at least one key has an owner, so an inventory that does not use owners is not flagged.)',
    action: 'Name who answers for each key ("keywarden key edit REF --owner NAME", or Edit on the key).',
  },
  'never-tested': {
    severity: 'info',
    title: 'Never tested',
    why: 'Keywarden holds the secret, but it has never been checked against the vendor.',
    action: 'Test the key (Test on the key, or "keywarden test REF").',
  },
};

const DAYS_WORDS = (days: number) => `${days} day${days === 1 || days === -1 ? '' : 's'}`;

export function computeHealth(input: HealthInput): HealthReport {
  const options = { ...DEFAULT_HEALTH_OPTIONS, ...input.options };
  const { now } = input;
  const limit = options.subjectLimit;
  const found = new Map<FindingCategory, { count: number; subjects: FindingSubject[] }>();
  const report = (category: FindingCategory, count: number, subjects: FindingSubject[]) => {
    if (count > 0) found.set(category, { count, subjects: subjects.slice(0, limit) });
  };
  const keySubject = (key: Pick<Key, 'ref' | 'backend' | 'name'>, detail: string): FindingSubject => ({ ref: key.ref, backend: key.backend, name: key.name, detail });

  const facts = input.keys.healthFacts({
    now,
    leadDays: options.leadDays,
    unusedDays: options.unusedDays,
    maxRotationDays: options.maxRotationDays,
    shownOnceBackends: [...input.shownOnceBackends],
    limit,
  });
  const list = (category: KeyHealthCategory) => facts.lists[category];

  // Days are counted once per date, through one counter.
  const dayOf = dayNumberCounter();
  const today = localDayNumber(now);
  // The gate judges the keys listed (overdue, due, undated), so the words and their order are `keywarden check`'s.
  const judged = (category: KeyHealthCategory) => judgeKeys(list(category).keys, now, options.leadDays).entries;
  report(
    'overdue',
    list('overdue').count,
    judged('overdue')
      .filter((entry) => entry.verdict === 'overdue')
      .map((entry) => keySubject(entry, entry.daysLeft === null ? 'expired at the vendor' : entry.daysLeft < 0 ? `${DAYS_WORDS(-entry.daysLeft)} overdue` : 'due today, passed')),
  );
  report(
    'due-soon',
    list('due-soon').count,
    judged('due-soon')
      .filter((entry) => entry.verdict === 'due')
      .map((entry) => keySubject(entry, entry.daysLeft === 0 ? 'due today' : `in ${DAYS_WORDS(entry.daysLeft!)} (${dayNumberDate(today + entry.daysLeft!)})`)),
  );
  report(
    'no-due-date',
    list('no-due-date').count,
    judged('no-due-date')
      .filter((entry) => entry.verdict === 'no-date')
      .map((entry) => keySubject(entry, 'no expiry and no rotation policy')),
  );
  report(
    'test-failed',
    list('test-failed').count,
    list('test-failed').keys.map((key) => keySubject(key, key.lastTestedAt ? `failed on ${localDate(key.lastTestedAt)}` : 'failed')),
  );
  report(
    'never-tested',
    list('never-tested').count,
    list('never-tested').keys.map((key) => keySubject(key, 'secret held, never tested')),
  );
  report(
    'unused',
    list('unused').count,
    list('unused').keys.map((key) => keySubject(key, `last used ${DAYS_WORDS(today - dayOf(key.lastUsedAt!))} ago`)),
  );
  report(
    'shown-once-not-cached',
    list('shown-once-not-cached').count,
    list('shown-once-not-cached').keys.map((key) => keySubject(key, 'secret not held by Keywarden')),
  );
  report(
    'duplicate-secret',
    list('duplicate-secret').count,
    list('duplicate-secret').keys.map((key) => keySubject(key, `same secret as ${(facts.sameSecretAs.get(key.ref) ?? []).join(', ')}`)),
  );
  if (options.maxRotationDays !== null) {
    const policy = options.maxRotationDays;
    report(
      'interval-over-policy',
      list('interval-over-policy').count,
      list('interval-over-policy').keys.map((key) => {
        // Days from creation to the date the key must change, rounded, as the store compares them (store/key-health.ts).
        const days = Math.round((Date.parse(key.rotationDueAt!) - Date.parse(key.createdAt!)) / DAY_MS);
        const what = key.expiresAt ? `valid for ${DAYS_WORDS(days)}` : `rotated every ${DAYS_WORDS(days)}`;
        return keySubject(key, `${what}; policy at most ${DAYS_WORDS(policy)}`);
      }),
    );
  }

  report(
    'no-owner',
    list('no-owner').count,
    list('no-owner').keys.map((key) => keySubject(key, 'no owner')),
  );

  // Grace warnings and rotations name their key by reference: only those keys are read.
  const open = input.rotations.filter((rotation) => rotation.state !== 'done' && rotation.state !== 'running');
  const keysByRef = input.keys.byRefs([...input.graceWarnings.map((warning) => warning.ref), ...open.map((rotation) => rotation.ref)], now);
  const keyOf = (ref: string): Key | undefined => keysByRef.get(ref);

  const graceSubjects = input.graceWarnings.map((warning): FindingSubject => {
    const key = keyOf(warning.ref);
    const who = warning.unticked.length ? `${warning.unticked.join(', ')} not switched` : 'switch not confirmed';
    const when = warning.daysLeft < 0 ? `grace ended ${DAYS_WORDS(-warning.daysLeft)} ago` : warning.daysLeft === 0 ? 'grace ends today' : `grace ends in ${DAYS_WORDS(warning.daysLeft)}`;
    return {
      ref: warning.ref,
      backend: key?.backend ?? warning.ref.split('/')[0]!,
      name: key?.name ?? warning.ref,
      detail: `${when}; ${who} (rotation ${warning.rotationId})`,
    };
  });
  report('grace-not-switched', graceSubjects.length, graceSubjects);

  const failing: FindingSubject[] = [];
  const stale: FindingSubject[] = [];
  for (const backend of input.backends) {
    if (!backend.capabilities.includes('list')) continue;
    const subject = (detail: string): FindingSubject => ({ ref: null, backend: backend.name, name: backend.name, detail });
    if (backend.lastError !== null && backend.lastSyncAt !== null && backend.lastSyncAt !== backend.lastSyncOkAt) failing.push(subject(backend.lastError));
    else if (backend.lastSyncOkAt === null) stale.push(subject('never synced'));
    else {
      const age = calendarDaysBetween(new Date(backend.lastSyncOkAt), now);
      if (age >= options.staleDays) stale.push(subject(`last synced ${DAYS_WORDS(age)} ago`));
    }
  }
  report('backend-failing', failing.length, failing);
  report('backend-stale', stale.length, stale);

  const failingChannels: FindingSubject[] = [];
  for (const channel of input.alertChannels ?? []) {
    if (!channel.failing) continue;
    const waiting = channel.pending > 0 ? `; ${channel.pending} alert${channel.pending === 1 ? '' : 's'} waiting${channel.nextAttemptAt ? `, next try ${channel.nextAttemptAt}` : ''}` : '';
    const failures = channel.failures > 1 ? ` (${channel.failures} failures in a row)` : '';
    failingChannels.push({
      ref: null,
      backend: channel.name,
      name: channel.name,
      detail: `${channel.type}: ${channel.lastError ?? 'failing'}${failures}${waiting}`,
      what: 'alert-channel',
    });
  }
  report('alert-channel-failing', failingChannels.length, failingChannels);

  const stopped: FindingSubject[] = [];
  for (const rotation of open) {
    const key = keyOf(rotation.ref);
    // An abandoned rotation matters while the key it meant to replace is still the one in use.
    const isStopped = rotation.state === 'waiting' || rotation.state === 'blocked' || (key?.status === 'active' && !replacedLater(rotation, input.rotations));
    if (!isStopped) continue;
    stopped.push({
      ref: rotation.ref,
      backend: rotation.backend,
      name: key?.name ?? rotation.ref,
      detail: `rotation ${rotation.id} ${rotation.state}${rotation.problem ? `: ${rotation.problem}` : ''}`,
    });
  }
  report('rotation-stopped', stopped.length, stopped);

  const findings: Finding[] = [];
  const order = Object.keys(CATEGORIES) as FindingCategory[];
  for (const category of order) {
    const entry = found.get(category);
    if (!entry) continue;
    findings.push({ category, ...CATEGORIES[category], count: entry.count, subjects: entry.subjects, truncated: entry.subjects.length < entry.count });
  }
  findings.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  const counts: Record<FindingSeverity, number> = { critical: 0, high: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += finding.count;
  return { checkedAt: now.toISOString(), findings, counts, keysChecked: facts.checked, leadDays: options.leadDays };
}

/** Whether a later rotation of the same key finished: the abandoned one no longer matters. */
function replacedLater(rotation: Rotation, all: readonly Rotation[]): boolean {
  return all.some((other) => other.ref === rotation.ref && other.state === 'done' && other.startedAt > rotation.startedAt);
}
