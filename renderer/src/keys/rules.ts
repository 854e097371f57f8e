/**
 * What the key dialogs decide from a backend's capabilities, never from its vendor's name. Pure, unit-tested.
 */
import type { Capability } from '../../../shared/domain.js';

/** The grace period of a replacing revoke, as the backends that issue replacements give it. */
export const REPLACEMENT_GRACE_DAYS = 30;
export const MIN_VALIDITY_DAYS = 1;
export const MAX_VALIDITY_DAYS = 365;
export const DEFAULT_VALIDITY_DAYS = 365;

/**
 * Whether a revoke issues a replacement at once (so the revoke dialog asks for its validity and says the old key
 * keeps working through a grace period). The contract does not say so before the revoke (its result does, after),
 * so the form goes by the capabilities: a backend that can both revoke and delete keeps revoked keys listed until
 * they are deleted, because they still work through a grace period, and that is the backend that replaces them.
 * A backend whose revoke removes the key at once has nothing to delete afterwards, and one that can create keys
 * lets the administrator make the replacement instead. The revoke's result is still what the outcome shows.
 * Should another backend revoke and delete without replacing, the contract needs the engine's own flag
 * (`revokeIssuesReplacement` in BackendSummary) instead of this rule.
 */
export function revokeIssuesReplacement(capabilities: readonly Capability[]): boolean {
  return capabilities.includes('revoke') && capabilities.includes('delete') && !capabilities.includes('create');
}

/** Whether deleting reaches a vendor (a backend Keywarden syncs from), or only removes Keywarden's own record. */
export function deleteReachesVendor(capabilities: readonly Capability[]): boolean {
  return capabilities.includes('list');
}

/** The validity typed in the revoke dialog: a whole number of days in range, else the reason it is not. */
export function parseValidityDays(text: string): { days: number } | { error: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { error: `Enter a whole number of days, ${MIN_VALIDITY_DAYS} to ${MAX_VALIDITY_DAYS}.` };
  const days = Number(trimmed);
  if (days < MIN_VALIDITY_DAYS || days > MAX_VALIDITY_DAYS) return { error: `The validity must be ${MIN_VALIDITY_DAYS} to ${MAX_VALIDITY_DAYS} days.` };
  return { days };
}

/** "1 day", "30 days". */
export function dayCount(days: number): string {
  return `${days} ${Math.abs(days) === 1 ? 'day' : 'days'}`;
}

/**
 * Whether the create dialog must stay open: while the create runs (its secret is on its way), and then until the
 * shown-once secret was copied or the administrator says it is stored. When Keywarden could not store it, copying
 * is not enough (the clipboard is cleared after a while and nothing else holds the secret): only the
 * acknowledgement unlocks it.
 */
export function shownOnceLocked(state: { running: boolean; issued: { cached: boolean } | null; copied: boolean; acknowledged: boolean }): boolean {
  if (state.running) return true;
  if (!state.issued || state.acknowledged) return false;
  return !state.issued.cached || !state.copied;
}
