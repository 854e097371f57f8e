/**
 * The evidence pack for auditors (`keywarden export --evidence`): one JSON document with the inventory (keys named
 * by their identifying prefix, never a secret), the audit trail with each event's chain hashes, the chain's genesis
 * and head hash and whether it verifies, the time and the Keywarden version.
 *
 * Every field is copied by name from the domain objects (an allow-list, not a spread), so a field added to a key
 * or a backend later reaches the pack only when someone decides it belongs there. Secrets never reach these
 * objects in the first place: they are sealed in the store and opened only by an explicit reveal.
 */
import type { AuditChainStatus } from '../../shared/audit.js';
import type { BackendSummary, Key } from '../../shared/domain.js';
import type { ChainedAuditEvent } from './store/audit-chain.js';

export const EVIDENCE_FORMAT = 'keywarden-evidence';
export const EVIDENCE_FORMAT_VERSION = 1;

/** How the chain's hashes are computed, written into each pack so an auditor can recompute them with any SHA-256 tool. */
export const CHAIN_SERIALIZATION_V1 =
  'hash = lower-case hex SHA-256 of the UTF-8 text "keywarden-audit-chain/1\\n" followed by JSON.stringify([prevHash, at, osUser, action, backend, ref, outcome, detail]) (no spaces); prevHash is the previous event\'s hash, and the genesis for the first event';

export interface EvidenceInput {
  generatedAt: string;
  generatedBy: string;
  keywardenVersion: string;
  dataFolder: string;
  backends: readonly BackendSummary[];
  keys: readonly Key[];
  chain: AuditChainStatus;
  genesisAt: string | null;
  events: readonly ChainedAuditEvent[];
}

export interface EvidencePack {
  format: typeof EVIDENCE_FORMAT;
  formatVersion: number;
  generatedAt: string;
  generatedBy: string;
  keywardenVersion: string;
  dataFolder: string;
  auditChain: {
    verified: boolean;
    events: number;
    verifiedEvents: number;
    headHash: string | null;
    genesis: string | null;
    genesisRecordedAt: string | null;
    firstBreak: AuditChainStatus['firstBreak'];
    algorithm: 'SHA-256';
    serialization: string;
  };
  inventory: {
    backends: Array<{
      name: string;
      type: string;
      endpoint: string | null;
      keyCount: number;
      rotateEveryDays: number | null;
      hasCredential: boolean;
      createdAt: string;
      lastSyncOkAt: string | null;
    }>;
    keys: Array<{
      ref: string;
      backend: string;
      backendType: string;
      id: string;
      name: string;
      prefix: string | null;
      status: string;
      createdAt: string | null;
      expiresAt: string | null;
      graceEndsAt: string | null;
      rotationDueAt: string | null;
      lastUsedAt: string | null;
      lastTestedAt: string | null;
      lastTestOk: boolean | null;
      secretCached: boolean;
      syncedAt: string | null;
    }>;
  };
  /** The chained events as the store holds them: what each hash covers, and the hashes. */
  events: ChainedAuditEvent[];
}

export function buildEvidencePack(input: EvidenceInput): EvidencePack {
  return {
    format: EVIDENCE_FORMAT,
    formatVersion: EVIDENCE_FORMAT_VERSION,
    generatedAt: input.generatedAt,
    generatedBy: input.generatedBy,
    keywardenVersion: input.keywardenVersion,
    dataFolder: input.dataFolder,
    auditChain: {
      verified: input.chain.ok,
      events: input.chain.events,
      verifiedEvents: input.chain.verified,
      headHash: input.chain.headHash,
      genesis: input.chain.genesis,
      genesisRecordedAt: input.genesisAt,
      firstBreak: input.chain.firstBreak,
      algorithm: 'SHA-256',
      serialization: CHAIN_SERIALIZATION_V1,
    },
    inventory: {
      backends: input.backends.map((b) => ({
        name: b.name,
        type: b.type,
        endpoint: endpointOf(b.url),
        keyCount: b.keyCount,
        rotateEveryDays: b.rotateEveryDays,
        hasCredential: b.hasCredential,
        createdAt: b.createdAt,
        lastSyncOkAt: b.lastSyncOkAt,
      })),
      keys: input.keys.map((k) => ({
        ref: k.ref,
        backend: k.backend,
        backendType: k.backendType,
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        status: k.status,
        createdAt: k.createdAt,
        expiresAt: k.expiresAt,
        graceEndsAt: k.graceEndsAt,
        rotationDueAt: k.rotationDueAt,
        lastUsedAt: k.lastUsedAt,
        lastTestedAt: k.lastTestedAt,
        lastTestOk: k.lastTestOk,
        secretCached: k.secretCached,
        syncedAt: k.syncedAt,
      })),
    },
    events: input.events.map((e) => ({
      id: e.id,
      at: e.at,
      osUser: e.osUser,
      action: e.action,
      backend: e.backend,
      ref: e.ref,
      outcome: e.outcome,
      detail: e.detail,
      prevHash: e.prevHash,
      hash: e.hash,
    })),
  };
}

/** A backend's address without what a URL could carry besides it (user information, a query, a fragment). */
function endpointOf(url: string | null): string | null {
  if (url === null) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return null;
  }
}
