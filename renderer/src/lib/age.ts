/**
 * How old a backend's data is, in the administrator's words ("3 h ago", "never synced"), and which backends the
 * inventory should warn about: the last sync failed, or the last good one is more than a day old. Pure: the
 * tests pass `now`.
 */
import type { BackendSummary } from '../../../shared/domain.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Data older than this is called out of date in the inventory's header. */
export const STALE_AFTER_MS = DAY;

/** "less than a minute ago", "5 min ago", "3 h ago", "2 d ago" (a future date, from a clock skew, reads as now). */
export function ageInWords(iso: string, now: Date): string {
  const elapsed = Math.max(0, now.getTime() - new Date(iso).getTime());
  if (elapsed < MINUTE) return 'less than a minute ago';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  return `${Math.floor(elapsed / DAY)} d ago`;
}

/** "synced 3 h ago", or "never synced". */
export function syncedInWords(lastSyncOkAt: string | null, now: Date): string {
  return lastSyncOkAt ? `synced ${ageInWords(lastSyncOkAt, now)}` : 'never synced';
}

type Syncable = Pick<BackendSummary, 'name' | 'capabilities' | 'lastError' | 'lastSyncOkAt'>;

/** The backends whose data the inventory cannot vouch for: a failed last sync, or a good one over a day old. */
export function staleBackends<B extends Syncable>(backends: readonly B[], now: Date): { failing: B[]; old: B[] } {
  const failing: B[] = [];
  const old: B[] = [];
  for (const backend of backends) {
    // A manual backend has nothing to sync; its keys are as current as what was entered.
    if (!backend.capabilities.includes('list')) continue;
    if (backend.lastError !== null) failing.push(backend);
    else if (backend.lastSyncOkAt && now.getTime() - new Date(backend.lastSyncOkAt).getTime() > STALE_AFTER_MS) old.push(backend);
  }
  return { failing, old };
}

/** The header's one-line warning, or null when every listable backend is current. */
export function stalenessSummary(backends: readonly Syncable[], now: Date): string | null {
  const { failing, old } = staleBackends(backends, now);
  const stale = [...failing, ...old];
  if (stale.length === 0) return null;
  const what = old.length === 0 ? 'unreachable' : failing.length === 0 ? 'out of date' : 'unreachable or out of date';
  const oldest = stale
    .map((backend) => backend.lastSyncOkAt)
    .filter((at): at is string => at !== null)
    .sort()[0];
  const neverSynced = stale.some((backend) => backend.lastSyncOkAt === null);
  const data = oldest ? `data from ${ageInWords(oldest, now)}` : 'no data yet';
  return `${stale.length} ${stale.length === 1 ? 'backend' : 'backends'} ${what} — ${neverSynced && oldest ? `${data}, or none` : data}`;
}

/**
 * A failed sync's error in plain words: what it means for the administrator, before the engine's own message
 * (which is always shown too). Null when the message says it plainly enough already.
 */
export function explainSyncError(message: string): string | null {
  if (/\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ECONNRESET)\b|cannot reach/i.test(message)) {
    return 'Unreachable: nothing answered at its address. The service may be down, or the URL or the network may have changed.';
  }
  if (/could not connect in time|no answer in time|did not arrive within|timed? ?out/i.test(message)) return 'The vendor did not answer in time.';
  if (/\b401\b|unauthori[sz]ed|credential.*(refused|rejected|invalid)|invalid (token|key|credential)/i.test(message)) {
    return 'The vendor refused the credential: it may have been revoked or rotated. Set a new one.';
  }
  if (/\b403\b|forbidden|permission|role|admin access/i.test(message)) return 'The credential lacks the rights Keywarden needs.';
  if (/\b429\b|rate.?limit/i.test(message)) return 'The vendor is limiting requests; try again later.';
  if (/\b5\d\d\b|unavailable/i.test(message)) return 'The vendor reported an error on its side.';
  return null;
}
