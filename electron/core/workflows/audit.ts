/**
 * The audit trail as the administrator and auditors read it: the events (filtered, newest last), the hash chain's
 * verdict, where a head hash recorded earlier stands, and the evidence pack (`../evidence.ts`). Writing events is
 * `EngineContext.audit`, or `store.keys.record` for a key committed with its event.
 */
import type { AuditChainStatus } from '../../../shared/audit.js';
import type { AuditEvent, AuditQuery } from '../../../shared/domain.js';
import type { EvidencePack } from '../evidence.js';
import type { EngineContext } from './context.js';

export class AuditWorkflows {
  constructor(private readonly ctx: EngineContext) {}

  /** The newest events (up to `limit`, 1000 by default, at most 100,000) that match the filter, oldest first. */
  trail(query: AuditQuery = {}): AuditEvent[] {
    return this.ctx.store.audit.list(Math.min(Math.max(query.limit ?? 1000, 1), 100_000), { backend: query.backend, ref: query.ref, action: query.action });
  }

  /** Walks the hash chain (offline, read-only) and names the first edited, removed or reordered event. */
  verify(): AuditChainStatus {
    return this.ctx.store.audit.verify();
  }

  /** The event that carries a head hash recorded earlier and how many came after, or null when none carries it. */
  findHead(hash: string): { id: number; at: string; after: number } | null {
    return this.ctx.store.audit.findByHash(hash.trim().toLowerCase());
  }

  /** The evidence pack for auditors: the inventory by prefix, the chained trail and its verdict. Never a secret. */
  async evidencePack(keywardenVersion: string, dataFolder: string): Promise<EvidencePack> {
    const { buildEvidencePack } = await import('../evidence.js');
    const generatedAt = new Date().toISOString();
    const backends = this.ctx.store.backends.list().map((row) => this.ctx.summarise(row));
    const keys = this.ctx.store.keys.list({}, this.ctx.now());
    const { status, events, genesisAt } = this.ctx.store.audit.evidence();
    return buildEvidencePack({ generatedAt, generatedBy: this.ctx.osUser, keywardenVersion, dataFolder, backends, keys, chain: status, genesisAt, events });
  }
}
