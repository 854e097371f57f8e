/**
 * Guided rotation, as it crosses a boundary (the contract, the CLI's `--json`): the plan shown before anything
 * changes, a rotation's persisted state (its steps, what it waits for, its consumers), what the administrator
 * can send to move it on, and the warning the reminders and the tray give when a grace period nears its end
 * with consumers not switched. The engine's journal is in `electron/core/rotation/`.
 *
 * A secret appears in exactly one shape here, `RotationStepResult.issued`, and only in the answer to the call
 * whose step received a shown-once key: it is already sealed and committed to the cache when it is returned.
 */
import { z } from 'zod';
import { BackendName, BackendType, IsoDate, IssuedKey, KeyRef } from './domain.js';
import { MAX_POLICY_DAYS } from './rules.js';

/**
 * The plans Keywarden knows, chosen from each vendor's capabilities:
 * - `revoke-replace`: the vendor's revoke issues the replacement and keeps the old key alive for a grace period (CommBox);
 * - `create-overlap`: create a new key (shown once), test it, switch consumers, delete the old one (Nitrobox);
 * - `paste-first` / `revoke-first`: the backend's credential is its one key (BoxWatch): paste a key made in the
 *   vendor's dashboard first and revoke the old one last, or revoke first (downtime) and paste after;
 * - `paste-secret`: a key without a vendor API (manual): paste the new secret, test it, record the new dates.
 */
export const ROTATION_PLAN_KINDS = ['revoke-replace', 'create-overlap', 'paste-first', 'revoke-first', 'paste-secret'] as const;
export const RotationPlanKind = z.enum(ROTATION_PLAN_KINDS);
export type RotationPlanKind = z.infer<typeof RotationPlanKind>;

export const ROTATION_STEP_NAMES = ['revoke-old', 'paste-new', 'create-new', 'test-new', 'record-dates', 'switch-consumers', 'delete-old'] as const;
export const RotationStepName = z.enum(ROTATION_STEP_NAMES);
export type RotationStepName = z.infer<typeof RotationStepName>;

/**
 * A step's journal state: `intent` is written before the vendor is called and `done` (or `failed`, `skipped`)
 * after; a step left at `intent` by a crash, or `unknown` after a lost answer, is reconciled by re-listing.
 */
export const RotationStepStatus = z.enum(['pending', 'intent', 'done', 'skipped', 'failed', 'unknown']);
export type RotationStepStatus = z.infer<typeof RotationStepStatus>;

/** Where a rotation stands: `running` needs nothing from the administrator to go on (e.g. after a crash). */
export const RotationState = z.enum(['running', 'waiting', 'blocked', 'done', 'abandoned']);
export type RotationState = z.infer<typeof RotationState>;

export const ConsumerName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  // eslint-disable-next-line no-control-regex -- a consumer's name is printed in terminals: control characters are refused
  .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'a consumer name is printable text');

export const RotationPlanStep = z.object({
  name: RotationStepName,
  /** What the step does, in the vendor's terms. */
  title: z.string(),
  /** The step changes something at the vendor (journaled: intent before, outcome after). */
  vendor: z.boolean(),
  /** It cannot be undone (a Nitrobox delete, a BoxWatch revoke). */
  irreversible: z.boolean(),
  /** The administrator may leave it out (CommBox: delete the old key before its grace period ends). */
  optional: z.boolean(),
});
export type RotationPlanStep = z.infer<typeof RotationPlanStep>;

/** What the administrator chooses before a rotation starts; each vendor uses the options that apply to it. */
export const RotationOptions = z
  .object({
    /** CommBox: the replacement's validity; manual: the new secret's expiry, in days from today. */
    validityDays: z.number().int().min(1).max(MAX_POLICY_DAYS).optional(),
    /** BoxWatch: paste a key made in the dashboard first (default), or revoke first and paste after. */
    order: z.enum(['paste-first', 'revoke-first']).optional(),
    /** Nitrobox: the new API Client ID (default: the old one with today's date). */
    newName: z.string().min(1).max(64).optional(),
    /** Replaces the key's named consumers (who must switch to the new key before the old one goes). */
    consumers: z.array(ConsumerName).max(50).optional(),
  })
  .strict();
export type RotationOptions = z.infer<typeof RotationOptions>;

/** The plan, shown before anything changes: the steps, the truth about downtime, and the warnings. */
export const RotationPlan = z.object({
  ref: KeyRef,
  backend: BackendName,
  backendType: BackendType,
  kind: RotationPlanKind,
  title: z.string(),
  /** What stops working, and for how long, in words ("none: ..." when nothing does). */
  downtime: z.string(),
  /** Said before the rotation starts (and, for a credential, again when it is revoked). */
  warnings: z.array(z.string()),
  steps: z.array(RotationPlanStep),
  /** Other plans the administrator may choose for this key (BoxWatch: the other order). */
  alternatives: z.array(RotationPlanKind),
  consumers: z.array(z.string()),
  /** How long the old key keeps working after the revoke (CommBox), else null. */
  graceDays: z.number().int().nullable(),
  /** The new key's name or ID, when Keywarden chooses it (Nitrobox). */
  newName: z.string().nullable(),
});
export type RotationPlan = z.infer<typeof RotationPlan>;

export const RotationStep = RotationPlanStep.extend({
  status: RotationStepStatus,
  /** When the step's intent or outcome was last written. */
  at: IsoDate.nullable(),
  /** Secret-free: what happened ("replacement cb/key_2 cached encrypted", "answer lost; re-listing shows ..."). */
  detail: z.string().nullable(),
});
export type RotationStep = z.infer<typeof RotationStep>;

export const RotationConsumer = z.object({ name: z.string(), switchedAt: IsoDate.nullable() });
export type RotationConsumer = z.infer<typeof RotationConsumer>;

/** What the rotation waits for from the administrator, with the question to ask. */
export const RotationNeed = z.object({
  kind: z.enum(['confirm', 'secret', 'consumers', 'remedy']),
  prompt: z.string(),
  /** The step can be left out (`skip`). */
  optional: z.boolean(),
});
export type RotationNeed = z.infer<typeof RotationNeed>;

/**
 * A team's rotation (a team home, docs/team.md): who started it and who runs it now, under a lease until
 * `leaseUntil` (as this copy last saw it, live from the server when it answers). One member runs a rotation at a time.
 */
export const RotationTeam = z.object({
  startedBy: z.string(),
  /** The member holding its lease (running it, or stopped without letting it go), or null when nobody does. */
  holder: z.string().nullable(),
  leaseUntil: IsoDate.nullable(),
  /** The lease has not ended: nobody else may resume it now. */
  leaseLive: z.boolean(),
  /** The lease is this member's (their run, or one of theirs that stopped): they may resume it now. */
  heldByYou: z.boolean(),
});
export type RotationTeam = z.infer<typeof RotationTeam>;

export const Rotation = z.object({
  id: z.number().int().positive(),
  ref: KeyRef,
  /** The new key, once it exists (the same ref for a manual key, whose secret is replaced in place). */
  newRef: KeyRef.nullable(),
  backend: BackendName,
  backendType: BackendType,
  kind: RotationPlanKind,
  title: z.string(),
  downtime: z.string(),
  state: RotationState,
  currentStep: RotationStepName.nullable(),
  steps: z.array(RotationStep),
  needs: RotationNeed.nullable(),
  /** Why it is blocked, and what can be done about it. */
  problem: z.string().nullable(),
  consumers: z.array(RotationConsumer),
  /** When the old key stops working on its own (CommBox grace end), for the countdown. */
  graceEndsAt: IsoDate.nullable(),
  startedAt: IsoDate,
  updatedAt: IsoDate,
  finishedAt: IsoDate.nullable(),
  /** In a team home: who started it and who holds its lease; null (or absent) elsewhere. */
  team: RotationTeam.nullable().optional(),
});
export type Rotation = z.infer<typeof Rotation>;

export const RotationId = z.number().int().positive();

/**
 * What the administrator sends to move a rotation on:
 * - `continue`: run what needs no answer (after a crash, or a failed step to try again);
 * - `confirm`: the current question is answered yes (for the consumers: all of them were switched);
 * - `skip`: leave out an optional step;
 * - `secret`: the new key, pasted (BoxWatch, manual);
 * - `consumer-switched`: one consumer was switched to the new key;
 * - `remedy`: take the way out the problem offers (a key created whose secret was lost: delete it, create another).
 */
export const RotationAdvance = z.discriminatedUnion('action', [
  z.object({ action: z.literal('continue') }).strict(),
  z.object({ action: z.literal('confirm') }).strict(),
  z.object({ action: z.literal('skip') }).strict(),
  z.object({ action: z.literal('secret'), secret: z.string().min(1).max(16_384) }).strict(),
  z.object({ action: z.literal('consumer-switched'), name: ConsumerName }).strict(),
  z.object({ action: z.literal('remedy') }).strict(),
]);
export type RotationAdvance = z.infer<typeof RotationAdvance>;

export const RotationStepResult = z.object({
  rotation: Rotation,
  /** Only in the answer whose step received a shown-once key (Nitrobox create): the one time it crosses. */
  issued: IssuedKey.nullable(),
});
export type RotationStepResult = z.infer<typeof RotationStepResult>;

/** A grace period ending soon while the rotation still waits for consumers: for the reminders and the tray. */
export const RotationGraceWarning = z.object({
  rotationId: z.number().int().positive(),
  ref: KeyRef,
  newRef: KeyRef.nullable(),
  graceEndsAt: IsoDate,
  /** Local calendar days from today; negative once the grace period is over. */
  daysLeft: z.number().int(),
  /** Named consumers not ticked off yet (empty when none were named and the switch is not confirmed). */
  unticked: z.array(z.string()),
});
export type RotationGraceWarning = z.infer<typeof RotationGraceWarning>;

/** Pushed whenever a rotation's journal changes, so the wizard and the "rotations in progress" view refresh. */
export const RotationChange = z.object({ id: z.number().int().positive(), ref: KeyRef, state: RotationState });
export type RotationChange = z.infer<typeof RotationChange>;
