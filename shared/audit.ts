/**
 * The audit trail's hash chain, as it crosses a boundary (the contract's `audit:verify`, the CLI's `audit verify
 * --json`, the evidence pack). Each event carries the hash of the one before it, from a genesis value recorded
 * when the chain began; the engine's side is `electron/core/store/audit-chain.ts`, and docs/security.md says what
 * the chain proves and what it does not.
 */
import { z } from 'zod';

/** A SHA-256 hash as the chain writes it: 64 lower-case hexadecimal digits. */
export const ChainHash = z.string().regex(/^[0-9a-f]{64}$/, 'a chain hash is 64 lower-case hexadecimal digits');
export type ChainHash = z.infer<typeof ChainHash>;

/**
 * What is wrong where the chain first breaks:
 * - `content-changed`: the event's fields no longer match the hash written with it (edited after the fact);
 * - `missing-before`: the event is not chained to the one before it: events before it were removed (or the one
 *   before it was rewritten whole, hash included);
 * - `out-of-order`: the event (or its content) was recorded at another place in the trail: events were reordered;
 * - `inserted`: the event is not part of the chain: it was added between two chained events;
 * - `missing-at-end`: the newest events were removed (the trail's counter went further than the events left);
 * - `genesis-missing`: the value the chain starts from is gone, so its first link cannot be checked.
 */
export const AUDIT_CHAIN_BREAKS = ['content-changed', 'missing-before', 'out-of-order', 'inserted', 'missing-at-end', 'genesis-missing'] as const;
export const AuditChainBreakKind = z.enum(AUDIT_CHAIN_BREAKS);
export type AuditChainBreakKind = z.infer<typeof AuditChainBreakKind>;

export const AuditChainBreak = z.object({
  /** The event named: the edited, reordered or inserted one, the one after removed events, or the first removed one at the end. */
  id: z.number().int(),
  /** Its time as stored (not checked as a date: an edited row may hold anything), or null when the event itself is gone. */
  at: z.string().nullable(),
  kind: AuditChainBreakKind,
  /** One sentence for the administrator: what is wrong, naming the events around it. */
  problem: z.string(),
});
export type AuditChainBreak = z.infer<typeof AuditChainBreak>;

export const AuditChainStatus = z.object({
  /** True when every event chains from the genesis to the head and none is missing at the end. */
  ok: z.boolean(),
  /** Events in the trail. */
  events: z.number().int().nonnegative(),
  /** Events that verify, from the first one up to the break (all of them when `ok`). */
  verified: z.number().int().nonnegative(),
  /**
   * The newest event's hash (the genesis while the trail is empty): record it somewhere Keywarden cannot write, and
   * a later `audit verify --head` proves nothing up to it was changed. Null only when neither exists.
   */
  headHash: z.string().nullable(),
  /** The value the chain starts from, recorded when the chain began; null when it is missing. */
  genesis: z.string().nullable(),
  firstBreak: AuditChainBreak.nullable(),
});
export type AuditChainStatus = z.infer<typeof AuditChainStatus>;
