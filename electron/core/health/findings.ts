/**
 * Health findings: what in the inventory needs the administrator, grouped by category, each with its severity, the
 * keys or backends it concerns, why it matters and what fixes it. Pure over metadata (keys, backends, rotations), so
 * it works offline and locked, and the CLI (`keywarden health`) and the console compute the same thing.
 *
 * Due dates come from the pipeline gate (../reminders/gate.ts): a key `keywarden check` fails is a key Health lists
 * as overdue or due, never a second reading of the same dates.
 */
import type { AlertChannel } from '../../../shared/alerts.js';
import type { BackendSummary, Key } from '../../../shared/domain.js';
import type { Rotation, RotationGraceWarning } from '../../../shared/rotation.js';
import { calendarDaysBetween, dayNumberCounter, dayNumberDate, localDate, localDayNumber } from '../dates.js';
import { judgeKeys } from '../reminders/gate.js';
import type { Finding, FindingCategory, FindingSeverity, FindingSubject, HealthOptions, HealthReport } from '../../../shared/health.js';

// The shapes are the contract's (shared/health.ts), so what this produces is what the console validates. Types only:
// the CLI's `health` and `check` do not load zod for them (shared/rules.ts keeps the engine's hot paths free of it).
export type { Finding, FindingCategory, FindingSeverity, FindingSubject, HealthOptions, HealthReport } from '../../../shared/health.js';

/** Most severe first, as shared/health.ts orders them (its schema checks every value produced here). */
export const SEVERITIES: readonly FindingSeverity[] = ['critical', 'high', 'warning', 'info'];

export const DEFAULT_HEALTH_OPTIONS: HealthOptions = { leadDays: 30, unusedDays: 90, staleDays: 7 };

export interface HealthInput {
  keys: readonly Key[];
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
  'no-due-date': {
    severity: 'info',
    title: 'No due date',
    why: 'Neither the vendor nor a rotation policy says when these keys must change, so nothing will ever remind you.',
    action: 'Give the backend a rotation policy ("keywarden backend set-policy NAME --rotate-every-days 90").',
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
  const found = new Map<FindingCategory, FindingSubject[]>();
  const add = (category: FindingCategory, subject: FindingSubject) => {
    const list = found.get(category);
    if (list) list.push(subject);
    else found.set(category, [subject]);
  };
  const keySubject = (key: Pick<Key, 'ref' | 'backend' | 'name'>, detail: string): FindingSubject => ({ ref: key.ref, backend: key.backend, name: key.name, detail });

  // Days are counted once per date, through one counter: this runs over the whole inventory.
  const dayOf = dayNumberCounter();
  const today = localDayNumber(now);
  const gate = judgeKeys(input.keys, now, options.leadDays);
  for (const entry of gate.entries) {
    if (entry.verdict === 'overdue')
      add('overdue', keySubject(entry, entry.daysLeft === null ? 'expired at the vendor' : entry.daysLeft < 0 ? `${DAYS_WORDS(-entry.daysLeft)} overdue` : 'due today, passed'));
    else if (entry.verdict === 'due') add('due-soon', keySubject(entry, entry.daysLeft === 0 ? 'due today' : `in ${DAYS_WORDS(entry.daysLeft!)} (${dayNumberDate(today + entry.daysLeft!)})`));
    else if (entry.verdict === 'no-date') add('no-due-date', keySubject(entry, 'no expiry and no rotation policy'));
  }

  for (const key of input.keys) {
    if (key.status !== 'active' && key.status !== 'grace') continue;
    if (key.lastTestOk === false) add('test-failed', keySubject(key, key.lastTestedAt ? `failed on ${localDate(key.lastTestedAt)}` : 'failed'));
    else if (key.lastTestedAt === null && key.secretCached) add('never-tested', keySubject(key, 'secret held, never tested'));
    if (key.lastUsedAt !== null) {
      const idle = today - dayOf(key.lastUsedAt);
      if (idle >= options.unusedDays) add('unused', keySubject(key, `last used ${DAYS_WORDS(idle)} ago`));
    }
    if (!key.secretCached && input.shownOnceBackends.has(key.backend)) add('shown-once-not-cached', keySubject(key, 'secret not held by Keywarden'));
  }

  // Grace warnings and rotations name their key by reference: one index, made only when there is one to look up
  // (a search of 100k keys per rotation, done or not, would cost more than every finding above).
  let keysByRef: Map<string, Key> | null = null;
  const keyOf = (ref: string): Key | undefined => (keysByRef ??= new Map(input.keys.map((key) => [key.ref, key]))).get(ref);

  for (const warning of input.graceWarnings) {
    const key = keyOf(warning.ref);
    const who = warning.unticked.length ? `${warning.unticked.join(', ')} not switched` : 'switch not confirmed';
    const when = warning.daysLeft < 0 ? `grace ended ${DAYS_WORDS(-warning.daysLeft)} ago` : warning.daysLeft === 0 ? 'grace ends today' : `grace ends in ${DAYS_WORDS(warning.daysLeft)}`;
    add('grace-not-switched', {
      ref: warning.ref,
      backend: key?.backend ?? warning.ref.split('/')[0]!,
      name: key?.name ?? warning.ref,
      detail: `${when}; ${who} (rotation ${warning.rotationId})`,
    });
  }

  for (const backend of input.backends) {
    if (!backend.capabilities.includes('list')) continue;
    const subject = (detail: string): FindingSubject => ({ ref: null, backend: backend.name, name: backend.name, detail });
    if (backend.lastError !== null && backend.lastSyncAt !== null && backend.lastSyncAt !== backend.lastSyncOkAt) add('backend-failing', subject(backend.lastError));
    else if (backend.lastSyncOkAt === null) add('backend-stale', subject('never synced'));
    else {
      const age = calendarDaysBetween(new Date(backend.lastSyncOkAt), now);
      if (age >= options.staleDays) add('backend-stale', subject(`last synced ${DAYS_WORDS(age)} ago`));
    }
  }

  for (const channel of input.alertChannels ?? []) {
    if (!channel.failing) continue;
    const waiting = channel.pending > 0 ? `; ${channel.pending} alert${channel.pending === 1 ? '' : 's'} waiting${channel.nextAttemptAt ? `, next try ${channel.nextAttemptAt}` : ''}` : '';
    const failures = channel.failures > 1 ? ` (${channel.failures} failures in a row)` : '';
    add('alert-channel-failing', {
      ref: null,
      backend: channel.name,
      name: channel.name,
      detail: `${channel.type}: ${channel.lastError ?? 'failing'}${failures}${waiting}`,
      what: 'alert-channel',
    });
  }

  for (const rotation of input.rotations) {
    if (rotation.state === 'done' || rotation.state === 'running') continue;
    const key = keyOf(rotation.ref);
    // An abandoned rotation matters while the key it meant to replace is still the one in use.
    const stopped = rotation.state === 'waiting' || rotation.state === 'blocked' || (key?.status === 'active' && !replacedLater(rotation, input.rotations));
    if (!stopped) continue;
    add('rotation-stopped', {
      ref: rotation.ref,
      backend: rotation.backend,
      name: key?.name ?? rotation.ref,
      detail: `rotation ${rotation.id} ${rotation.state}${rotation.problem ? `: ${rotation.problem}` : ''}`,
    });
  }

  const findings: Finding[] = [];
  const order = Object.keys(CATEGORIES) as FindingCategory[];
  for (const category of order) {
    const subjects = found.get(category);
    if (!subjects) continue;
    findings.push({ category, ...CATEGORIES[category], count: subjects.length, subjects });
  }
  findings.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  const counts: Record<FindingSeverity, number> = { critical: 0, high: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += finding.count;
  return { checkedAt: now.toISOString(), findings, counts, keysChecked: gate.counts.checked, leadDays: options.leadDays };
}

/** Whether a later rotation of the same key finished: the abandoned one no longer matters. */
function replacedLater(rotation: Rotation, all: readonly Rotation[]): boolean {
  return all.some((other) => other.ref === rotation.ref && other.state === 'done' && other.startedAt > rotation.startedAt);
}
