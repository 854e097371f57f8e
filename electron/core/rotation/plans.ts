/**
 * Which rotation a key gets, and how it is described before anything changes. The plan is chosen from the
 * vendor definition's capability flags (never from the vendor's name), so a new vendor with the same rules
 * gets the same plan:
 * - the vendor's revoke issues a replacement with a grace period  → `revoke-replace`;
 * - the backend's credential is its one key                        → `paste-first` (or `revoke-first`, on request);
 * - the vendor creates and deletes keys                             → `create-overlap`;
 * - nothing to list (keys entered by hand)                          → `paste-secret`.
 */
import type { Key } from '../../../shared/domain.js';
import type { RotationOptions, RotationPlan, RotationPlanKind, RotationPlanStep, RotationStepName } from '../../../shared/rotation.js';
import type { BackendDefinition } from '../backends/backend.js';
import { localDate } from '../dates.js';
import { KeywardenError } from '../errors.js';
import { plural } from '../text.js';

/** What the administrator is asked for at a step; `none` runs by itself. */
export type StepNeed = 'none' | 'confirm' | 'secret' | 'consumers';

export interface StepSpec extends RotationPlanStep {
  need: StepNeed;
}

/** The options a rotation keeps in its journal row (chosen once, at the start; never a secret). */
export interface JournalOptions {
  validityDays?: number;
  newName?: string;
  /** A create whose key was lost, to delete before the next create (the remedy). */
  orphan?: string;
  /** The old key was the backend's own credential when the rotation started. */
  oldIsCredential?: boolean;
  /** Manual: the key has a test request to try the new secret with. */
  hasTest?: boolean;
  testTarget?: string | null;
}

/** The facts a plan's words are made of. */
export interface PlanWords {
  ref: string;
  backend: string;
  displayName: string;
  graceDays: number | null;
  options: JournalOptions;
  consumers: readonly string[];
  /** When the old key stops working on its own (CommBox grace end), once known. */
  graceEndsAt?: string | null;
}

const STEPS: Record<RotationPlanKind, readonly RotationStepName[]> = {
  'revoke-replace': ['revoke-old', 'test-new', 'switch-consumers', 'delete-old'],
  'create-overlap': ['create-new', 'test-new', 'switch-consumers', 'delete-old'],
  'paste-first': ['paste-new', 'test-new', 'switch-consumers', 'revoke-old'],
  'revoke-first': ['revoke-old', 'paste-new', 'test-new', 'switch-consumers'],
  'paste-secret': ['paste-new', 'test-new', 'record-dates', 'switch-consumers'],
};

/** The plan for a backend, from its definition's flags; refused, with the vendor's own reason, where there is none. */
export function choosePlanKind(definition: BackendDefinition, options: Pick<RotationOptions, 'order'>): RotationPlanKind {
  const can = (capability: 'list' | 'create' | 'revoke' | 'delete') => definition.capabilities.includes(capability);
  if (definition.revokeIssuesReplacement && can('revoke')) return 'revoke-replace';
  if (definition.credentialIsKey && can('revoke')) return options.order === 'revoke-first' ? 'revoke-first' : 'paste-first';
  if (can('create') && can('delete')) return 'create-overlap';
  if (!can('list')) return 'paste-secret';
  throw new KeywardenError('unsupported', `${definition.displayName} keys cannot be rotated by Keywarden: it can neither issue a new key there nor be given one`);
}

/** Refuses options that mean nothing for this plan: an accepted option that does nothing misleads. */
export function checkOptions(kind: RotationPlanKind, definition: BackendDefinition, options: RotationOptions, key: Key, ownRotationDays: number | null): void {
  const refuse = (what: string, why: string) => {
    throw new KeywardenError('invalid_input', `${what} does not apply to ${key.ref}: ${why}`);
  };
  if (options.validityDays !== undefined) {
    if (kind !== 'revoke-replace' && kind !== 'paste-secret') refuse('a validity', `${definition.displayName} keys have no expiry`);
    if (kind === 'revoke-replace' && options.validityDays > 365) throw new KeywardenError('invalid_input', `${definition.displayName} issues a replacement valid for 1 to 365 days`);
    if (kind === 'paste-secret' && ownRotationDays !== null) refuse('a validity', `the key is due every ${plural(ownRotationDays, 'day')} after its creation, not on an expiry date`);
  }
  if (options.order !== undefined && !definition.credentialIsKey) refuse('an order (paste-first or revoke-first)', `its backend's credential is not one of its keys`);
  if (options.newName !== undefined && kind !== 'create-overlap') refuse('a new name', `${definition.displayName} keeps the key's identity`);
}

/** What must be true of the key before its rotation starts. */
export function checkKeyState(kind: RotationPlanKind, key: Key): void {
  if (kind === 'paste-secret') return; // a manual key past its expiry is exactly the one to rotate
  if (key.status !== 'active') {
    throw new KeywardenError(
      'conflict',
      `${key.ref} is ${key.status}: only an active key is rotated${key.status === 'grace' ? ' (this one was revoked already; its replacement is the active key)' : ''}`,
      {
        ref: key.ref,
      },
    );
  }
}

/**
 * The Nitrobox-style new identity: the old one with today's date (`billing-sync-20261122`), then `-2`, `-3`...
 * while the name is taken. Within the vendor's client-ID rule as long as the old ID was.
 */
export function defaultNewName(oldId: string, today: Date, taken: (name: string) => boolean): string {
  const stem = oldId.replace(/-\d{8}(-\d+)?$/, '');
  const date = localDate(today.toISOString()).replaceAll('-', '');
  const base = `${stem.slice(0, 64 - 9 - 3)}-${date}`;
  return nextFreeName(base, taken, true);
}

/** `name`, or `name-2`, `name-3`... the first one not taken. */
export function nextFreeName(name: string, taken: (name: string) => boolean, tryAsIs = false): string {
  if (tryAsIs && !taken(name)) return name;
  const stem = name.replace(/-\d{1,2}$/, '');
  for (let n = 2; n < 100; n++) {
    const candidate = `${stem.slice(0, 60)}-${n}`;
    if (!taken(candidate)) return candidate;
  }
  throw new KeywardenError('conflict', `no free name near "${name}"; choose one with --new-name`);
}

export function stepNames(kind: RotationPlanKind): readonly RotationStepName[] {
  return STEPS[kind];
}

/** The steps of a plan with their words and what each asks of the administrator. */
export function stepSpecs(kind: RotationPlanKind, words: PlanWords): StepSpec[] {
  return STEPS[kind].map((name) => stepSpec(kind, name, words));
}

function stepSpec(kind: RotationPlanKind, name: RotationStepName, words: PlanWords): StepSpec {
  const { ref, displayName, options } = words;
  const spec = (title: string, need: StepNeed, flags: { vendor?: boolean; irreversible?: boolean; optional?: boolean } = {}): StepSpec => ({
    name,
    title,
    need,
    vendor: flags.vendor ?? false,
    irreversible: flags.irreversible ?? false,
    optional: flags.optional ?? false,
  });
  switch (name) {
    case 'revoke-old':
      if (kind === 'revoke-replace') {
        return spec(
          `revoke ${ref} at ${displayName}: it issues a replacement valid for ${plural(options.validityDays ?? 365, 'day')}, cached encrypted, and ${ref} keeps working for its ${plural(words.graceDays ?? 0, 'day')} grace period`,
          'none',
          { vendor: true },
        );
      }
      return spec(
        kind === 'revoke-first'
          ? `revoke ${ref} at ${displayName}: it stops working at once${options.oldIsCredential ? ", and so does Keywarden's access until the new key is pasted" : ''}`
          : `revoke the old key ${ref} at ${displayName}: it stops working at once`,
        'none',
        { vendor: true, irreversible: true },
      );
    case 'create-new':
      return spec(`create "${options.newName}" at ${displayName}; its key, shown only once, is sealed and committed with this step`, 'none', { vendor: true });
    case 'paste-new':
      return kind === 'paste-secret'
        ? spec('paste the new secret (standard input, or typed without echo); it is kept encrypted', 'secret')
        : spec(`paste the new key, created in the ${displayName} dashboard: it is tested, stored encrypted and becomes the backend's credential`, 'secret');
    case 'test-new':
      if (kind === 'paste-secret')
        return spec(options.hasTest ? `test the new secret with the key's request (${options.testTarget ?? 'its test URL'})` : 'test: none (the key has no test request)', 'none');
      return spec(kind === 'revoke-replace' ? 'test the replacement at the vendor' : `test the new key at ${displayName}`, 'none');
    case 'record-dates':
      return spec(
        `record the new dates: created today${options.validityDays ? `, expires in ${plural(options.validityDays, 'day')}` : ", the same validity as the old secret's (if it had an expiry)"}; the new secret replaces the old one in the cache`,
        'none',
      );
    case 'switch-consumers': {
      const grace = words.graceEndsAt
        ? ` before ${ref} stops working on ${localDate(words.graceEndsAt)}`
        : kind === 'revoke-replace'
          ? ` during the ${plural(words.graceDays ?? 0, 'day')} grace period`
          : '';
      const who = words.consumers.length > 0 ? ` (${words.consumers.join(', ')})` : '';
      return spec(`switch the consumers${who} to the new key${grace}, and confirm`, 'consumers');
    }
    case 'delete-old':
      if (kind === 'revoke-replace') {
        return spec(`delete ${ref} now rather than let it expire at the end of its grace period (optional)`, 'confirm', { vendor: true, irreversible: true, optional: true });
      }
      return spec(`delete the old key ${ref} at ${displayName} (irreversible: it stops working for good)`, 'confirm', { vendor: true, irreversible: true });
  }
}

/** The plan as the administrator reads it before anything changes. */
export function describePlan(kind: RotationPlanKind, key: Pick<Key, 'backend' | 'backendType'>, words: PlanWords, alternatives: RotationPlanKind[]): RotationPlan {
  const { ref, displayName } = words;
  const warnings: string[] = [];
  let downtime: string;
  switch (kind) {
    case 'revoke-replace':
      downtime = `none: ${ref} keeps working for ${plural(words.graceDays ?? 0, 'day')} after the revoke, while its consumers switch to the replacement`;
      break;
    case 'create-overlap':
      downtime = `none: ${ref} keeps working until it is deleted, after its consumers have switched to the new key`;
      warnings.push(`${displayName} deletes are irreversible: the old key is deleted only when you confirm that its consumers have switched`);
      break;
    case 'paste-first':
      downtime = `none, if the ${displayName} dashboard lets you create the new key while ${ref} still exists: ${ref} works until it is revoked, after the consumers have switched. ${displayName} allows one key per account; if the dashboard refuses a second key, rotate with --order revoke-first instead`;
      break;
    case 'revoke-first':
      downtime = `yes: from the revoke until each consumer has the new key, ${displayName} refuses ${ref} (401)${words.options.oldIsCredential ? ', and Keywarden cannot reach the backend until you paste the new key' : ''}`;
      warnings.push(`DOWNTIME: ${ref} stops working the moment it is revoked; have the ${displayName} dashboard open to create the new key right after`);
      break;
    case 'paste-secret':
      downtime = `none from Keywarden: the old secret keeps working at its vendor until you revoke it there`;
      break;
  }
  if (words.options.oldIsCredential) {
    warnings.push(`${ref} is the key Keywarden uses to reach ${displayName}: once it is revoked, the backend needs the new key as its credential (the rotation asks for it)`);
  }
  return {
    ref,
    backend: key.backend,
    backendType: key.backendType,
    kind,
    title: PLAN_TITLES[kind](displayName),
    downtime,
    warnings,
    steps: stepSpecs(kind, words).map(({ need: _need, ...step }) => step),
    alternatives,
    consumers: [...words.consumers],
    graceDays: words.graceDays,
    newName: kind === 'create-overlap' ? (words.options.newName ?? null) : null,
  };
}

const PLAN_TITLES: Record<RotationPlanKind, (vendor: string) => string> = {
  'revoke-replace': (vendor) => `${vendor}: revoke with a replacement, switch consumers during the grace period`,
  'create-overlap': (vendor) => `${vendor}: create a new key, test it, switch consumers, delete the old key`,
  'paste-first': (vendor) => `${vendor}: paste a new key from the dashboard first, switch consumers, then revoke the old key`,
  'revoke-first': (vendor) => `${vendor}: revoke the old key first (downtime), then paste the new key from the dashboard`,
  'paste-secret': () => 'Manual: paste the new secret, test it, record the new dates, switch consumers',
};

export function planTitle(kind: RotationPlanKind, displayName: string): string {
  return PLAN_TITLES[kind](displayName);
}

export function planDowntime(kind: RotationPlanKind, key: Pick<Key, 'backend' | 'backendType'>, words: PlanWords): string {
  return describePlan(kind, key, words, []).downtime;
}
