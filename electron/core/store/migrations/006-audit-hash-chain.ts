import { startAuditChain } from '../audit-chain.js';
import type { Migration } from './index.js';

/**
 * The audit trail as evidence: each event carries the hash of the event before it (store/audit-chain.ts).
 * - `chain_version`: the serialization the event was hashed with (1: see audit-chain.ts), so a later version can
 *   change it without breaking the events already written;
 * - `prev_hash`: the previous event's hash, or the genesis for the first event; `hash`: this event's.
 * The genesis (32 random bytes, hex) is recorded in meta as `audit_chain_genesis` (and its time as
 * `audit_chain_genesis_at`), then the events already in the trail are chained from it in id order, in this
 * migration's transaction: an upgraded trail verifies from its first event, and a new one starts from the genesis.
 * Reading is unchanged (the listing does not read the new columns), so an older file still lists (readCompatible);
 * verifying it needs this migration, run by any command that writes.
 */
export const migration006AuditHashChain: Migration = {
  version: 6,
  name: 'hash chain over the audit trail, from a recorded genesis',
  readCompatible: true,
  up: `
    ALTER TABLE audit ADD COLUMN chain_version INTEGER;
    ALTER TABLE audit ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit ADD COLUMN hash TEXT;
  `,
  run: startAuditChain,
};
