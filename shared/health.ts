/**
 * Health findings (issue 23) as the contract carries them: what in the inventory needs the administrator, by
 * category, each with its severity, the keys or backends it concerns, why it matters and what fixes it. The engine
 * computes them (`keywarden health`, the console's Health view) from metadata only, so they work offline and locked.
 * Declared here, once, so the console's answer is validated like every other and the CLI's `--json` has this shape.
 */
import { z } from 'zod';
import { BackendName, IsoDate, KeyRef } from './domain.js';

/** Most severe first: the order the view and the CLI list findings in. */
export const SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;
export const FindingSeverity = z.enum(SEVERITIES);
export type FindingSeverity = z.infer<typeof FindingSeverity>;

export const FINDING_CATEGORIES = [
  'overdue',
  'grace-not-switched',
  'test-failed',
  'backend-failing',
  'alert-channel-failing',
  'due-soon',
  'shown-once-not-cached',
  'duplicate-secret',
  'unused',
  'backend-stale',
  'rotation-stopped',
  'interval-over-policy',
  'no-due-date',
  'no-owner',
  'never-tested',
] as const;
export const FindingCategory = z.enum(FINDING_CATEGORIES);
export type FindingCategory = z.infer<typeof FindingCategory>;

/**
 * One thing a finding concerns: a key (`ref`), a backend (`ref` null), or an alert channel (`what: 'alert-channel'`,
 * `ref` null, its name in `backend` and `name`), with what is wrong with it in a few words.
 */
export const FindingSubject = z.object({
  ref: KeyRef.nullable(),
  backend: BackendName,
  name: z.string(),
  detail: z.string(),
  /** Set for an alert channel; absent for keys and backends (which `ref` tells apart). */
  what: z.literal('alert-channel').optional(),
});
export type FindingSubject = z.infer<typeof FindingSubject>;

export const Finding = z.object({
  category: FindingCategory,
  severity: FindingSeverity,
  title: z.string(),
  why: z.string(),
  action: z.string(),
  /** How many keys or backends the finding concerns: all of them, listed or not. */
  count: z.number().int().nonnegative(),
  /** The first of them, most urgent first: at most the engine's limit (200), so 100k keys never travel at once. */
  subjects: z.array(FindingSubject),
  /** True when `subjects` lists fewer than `count` (the first 200 of 5,312). */
  truncated: z.boolean(),
});
export type Finding = z.infer<typeof Finding>;

export const HealthReport = z.object({
  checkedAt: IsoDate,
  /** Findings with at least one subject, most severe first; a category with nothing to report is left out. */
  findings: z.array(Finding),
  /** How many subjects (keys or backends) each severity concerns. */
  counts: z.object({ critical: z.number().int().nonnegative(), high: z.number().int().nonnegative(), warning: z.number().int().nonnegative(), info: z.number().int().nonnegative() }),
  keysChecked: z.number().int().nonnegative(),
  /** The "due soon" window used, in days: the largest reminder lead time unless asked otherwise. */
  leadDays: z.number().int().nonnegative().optional(),
});
export type HealthReport = z.infer<typeof HealthReport>;

export interface HealthOptions {
  /** The reminder lead time: due within this many calendar days is "due soon" (default: the largest of the `reminderLeadDays` setting). */
  leadDays: number;
  /** A key the vendor last saw used this many days ago or more is "unused" (90 by default, as CIS benchmarks use). */
  unusedDays: number;
  /** A listable backend whose last good sync is older than this many days is "stale". */
  staleDays: number;
  /** The organisation's longest rotation interval in days (the `maxRotationDays` setting); null: no such finding. */
  maxRotationDays: number | null;
  /** How many subjects a finding lists at most (the rest are counted). */
  subjectLimit: number;
}

/**
 * What a caller may change of the defaults; the same bounds as `keywarden health --within / --unused-days / --stale-days`.
 * The rotation policy is a setting (`keywarden settings set --max-rotation-days`), not a per-call option.
 */
export const HealthOptionsInput = z
  .object({
    leadDays: z.number().int().min(0).max(3650).optional(),
    unusedDays: z.number().int().min(1).max(3650).optional(),
    staleDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export type HealthOptionsInput = z.infer<typeof HealthOptionsInput>;
