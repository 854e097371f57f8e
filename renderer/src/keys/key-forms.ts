/**
 * The key forms' pure rules of layout (no rule of the engine's is restated here): where an engine refusal goes, and
 * what an edit sends. Unit-tested.
 */
import { MAX_POLICY_DAYS } from '../../../shared/rules.js';
import type { ManualKeyChanges } from '../state/key-edit-store.js';

/** How a manual key is due: on an expiry day, every N days from its creation, or neither (the backend's policy). */
export type DueMode = 'expires' | 'interval' | 'none';

/**
 * The engine's refusal split for a form: the message under the field it names when the form has that field, else for
 * the form as a whole. `aliases` maps the engine's field names to the form's (the contract's `test.url` is `testUrl`).
 */
export function errorsFor(request: { error: string | null; field: string | null }, fields: readonly string[]): { byField: Record<string, string>; general: string | null } {
  if (!request.error) return { byField: {}, general: null };
  const field = request.field === null ? null : (FIELD_ALIASES[request.field] ?? request.field);
  if (field && fields.includes(field)) return { byField: { [field]: request.error }, general: null };
  return { byField: {}, general: request.error };
}

/** The contract's schema names nested fields by their path; the engine by the name a key's details keep. */
const FIELD_ALIASES: Record<string, string> = {
  'test.url': 'testUrl',
  'test.header': 'testHeader',
  'test.valueTemplate': 'testValue',
  'test.expectStatus': 'testExpectStatus',
  'description.owner': 'owner',
  'description.environment': 'environment',
  'description.tags': 'tags',
  'description.notes': 'notes',
};

/** A whole number typed in a field, or null when what was typed is not one (the form then asks for it). */
export function wholeNumber(text: string): number | null {
  const trimmed = text.trim();
  return /^\d{1,6}$/.test(trimmed) ? Number(trimmed) : null;
}

/**
 * The changes to send: the created day when it was changed, and the due rule as chosen. Null with the reason when the
 * form cannot say what was meant (an interval that is not a number).
 */
export function datesChange(
  before: { createdAt: string; mode: DueMode; expiresAt: string; interval: number | null },
  after: { createdAt: string; mode: DueMode; expiresAt: string; interval: string },
): { changes: ManualKeyChanges } | { field: string; error: string } {
  const changes: ManualKeyChanges = {};
  if (after.createdAt.trim() && after.createdAt.trim() !== before.createdAt) changes.createdAt = after.createdAt.trim();
  if (after.mode === 'expires') {
    const typed = after.expiresAt.trim();
    if (typed !== before.expiresAt || before.mode !== 'expires') changes.expiresAt = typed || null;
  } else if (after.mode === 'interval') {
    const days = wholeNumber(after.interval);
    if (days === null) return { field: 'rotateEveryDays', error: `Enter the number of days, 1 to ${MAX_POLICY_DAYS}.` };
    if (days !== before.interval || before.mode !== 'interval') changes.rotateEveryDays = days;
  } else if (before.mode !== 'none') {
    changes.expiresAt = null;
    changes.rotateEveryDays = null;
  }
  return { changes };
}
