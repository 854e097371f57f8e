/**
 * What the key dialogs decide from a backend's capabilities, never from its vendor's name. Pure, unit-tested.
 */
import type { BackendSummary, Capability } from '../../../shared/domain.js';

/**
 * What a replacing revoke promises, as the engine states it for the backend (`replacingRevoke`): the revoke dialog
 * asks for the replacement's validity within these bounds and says how long the old key keeps working. Null when a
 * revoke simply ends the key. The revoke's result is still what the outcome shows.
 */
export type ReplacementTerms = NonNullable<BackendSummary['replacingRevoke']>;

/** Whether deleting reaches a vendor (a backend Keywarden syncs from), or only removes Keywarden's own record. */
export function deleteReachesVendor(capabilities: readonly Capability[]): boolean {
  return capabilities.includes('list');
}

/** The validity typed in the revoke dialog: a whole number of days within the backend's bounds, else the reason it is not. */
export function parseValidityDays(text: string, terms: Pick<ReplacementTerms, 'minValidityDays' | 'maxValidityDays'>): { days: number } | { error: string } {
  const { minValidityDays: min, maxValidityDays: max } = terms;
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { error: `Enter a whole number of days, ${min} to ${max}.` };
  const days = Number(trimmed);
  if (days < min || days > max) return { error: `The validity must be ${min} to ${max} days.` };
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
