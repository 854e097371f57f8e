/**
 * A team home's writes (docs/team.md): what a personal data folder's workflows write to SQLite, a team home writes to
 * the team's PostgreSQL, in one transaction that takes the next change number and appends its event to the team's
 * hash-chained audit trail, then the local copy pulls. The workflows reach this only through
 * `EngineContext.teamWrites()` (the seam, `TeamWrites`, null in a personal folder) and keep their own rules (send
 * once, re-list, a shown-once secret committed with its key). The rules kept here, once:
 *
 * - **Ready before a vendor is asked** (`ready`): the server answers and this member's role allows the action, or the
 *   action is refused with nothing sent to the vendor (a viewer, an unreachable server); pending pushes go first.
 * - **What a role may write**: operators and admins the keys (sync, create, revoke, delete, descriptions), admins the
 *   backends and their credentials. PostgreSQL's grants say the same; this says it first, in words.
 * - **A listing is written as what changed**: keys inserted or updated, keys the vendor no longer lists removed as
 *   tombstones (except those written after the sync began: made meanwhile), readable secrets sealed.
 * - **A shown-once secret is never lost**: when the team cannot take it, it stays sealed in the local vault with its
 *   key, marked pending (`pending.ts`), and is pushed by the next team operation that reaches the server, unless the
 *   team has since removed its key; a newer row the team holds is not overwritten by the older answer.
 * - Secrets and credentials reach PostgreSQL only sealed under the team key, with the record identity used locally.
 */
import { randomUUID } from 'node:crypto';
import type { KeyDescription } from '../../../shared/domain.js';
import type { RemoteKey } from '../backends/backend.js';
import { backendDefinition } from '../backends/registry.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import type { InventoryWrites } from '../store/key-rows.js';
import type { BackendRow, NewBackend } from '../store/store.js';
import type { TeamLink } from '../store/team.js';
import { sealWith } from '../vault/vault.js';
import type { AlertLedger } from '../workflows/alert-ledger.js';
import {
  credentialIdentity,
  type EngineContext,
  type ImportedKey,
  type IssuedRecord,
  type RevokedKey,
  type TeamAction,
  type TeamAlertChannel,
  type TeamListing,
  type TeamRotationJournal,
  type TeamSnooze,
  type TeamWrites,
  type WriteEvent,
} from '../workflows/context.js';
import { recordSnooze } from '../workflows/reminders.js';
import { deleteTeamChannel, insertTeamChannel, TeamAlertLedger, upsertTeamSnooze } from './alerts.js';
import { addPendingPush, type PendingPush, pendingPushes, removePendingPush } from './pending.js';
import { listenTeamDatabase, quoteIdent, type TeamDatabase, type TeamListener, type TeamQuery } from './pg.js';
import { TeamRotations } from './rotations.js';
import { descriptionColumns, putKeySecret, putKeySecrets, removeKeys, upsertKeys } from './rows.js';
import { readTeamMeta, teamChannel, type TeamRole } from './schema.js';
import { appendTeamAudit, nextSeq, type PullReport, type TeamWorkflows } from './workflow.js';

const ROLE_RANK: Record<TeamRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** The role each team write needs, and its words in a refusal. */
const ACTIONS: Record<TeamAction, { needs: TeamRole; words: string }> = {
  sync: { needs: 'operator', words: 'sync backends' },
  create: { needs: 'operator', words: 'create keys' },
  revoke: { needs: 'operator', words: 'revoke keys' },
  delete: { needs: 'operator', words: 'delete keys' },
  describe: { needs: 'operator', words: "change keys' descriptions" },
  edit: { needs: 'operator', words: 'edit keys' },
  import: { needs: 'operator', words: 'import keys' },
  backend: { needs: 'admin', words: 'add, remove or change backends and their credentials' },
  rotate: { needs: 'operator', words: 'rotate keys' },
  alert: { needs: 'operator', words: "send the team's alerts or test its alert channels (a viewer's host sends none: the team's operators' and admins' hosts do)" },
  channel: { needs: 'admin', words: "add or remove the team's alert channels" },
  snooze: { needs: 'operator', words: 'snooze reminders for the whole team' },
};

/** What a write's work gets: its transaction, its change number, and sealing under the team key (unwrapped on first use). */
interface TeamWrite {
  tx: TeamQuery;
  seq: number;
  team: string;
  generation: number;
  seal: (identity: string, plaintext: string) => Promise<Buffer>;
}

export class TeamChanges implements TeamWrites {
  /** Pulls of this process, one after another: two at once would apply the same changes twice. */
  private pulls: Promise<unknown> = Promise.resolve();
  private journal: TeamRotations | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly team: TeamWorkflows,
  ) {}

  async ready(action: TeamAction, backend: BackendRow | null): Promise<number> {
    const link = this.team.requireLink();
    try {
      return await this.team.withTeam(link, async (db) => {
        await requireRole(db, link, action);
        await this.pushPending(db, link);
        return Number((await db.query<{ seq: string }>(`SELECT seq FROM ${quoteIdent(link.team)}.counter`))[0]!.seq);
      });
    } catch (caught) {
      const error = toKeywardenError(caught);
      if (error.code !== 'network') throw error;
      const where = backend && backend.type !== 'manual' ? ` to ${backendDefinition(backend.type).displayName} (${backend.name})` : '';
      throw new KeywardenError(
        'network',
        `refused before anything was sent${where}: ${error.message}. In a team home every change is recorded on the team's server first; the inventory stays readable here meanwhile`,
        error.details,
        { cause: error },
      );
    }
  }

  async commitListing(row: BackendRow, listing: TeamListing): Promise<InventoryWrites> {
    return this.write('sync', [{ action: 'sync', ref: null, outcome: 'ok', detail: listing.detail }], row.name, async (w) => {
      const s = quoteIdent(w.team);
      await requireTeamBackend(w.tx, w.team, row.name);
      const stored = new Map(
        (
          await w.tx.query<{
            key_id: string;
            name: string;
            prefix: string | null;
            status: string;
            created_at: string | null;
            expires_at: string | null;
            grace_ends_at: string | null;
            last_used_at: string | null;
            details: string;
            seq: string;
          }>(`SELECT key_id, name, prefix, status, created_at, expires_at, grace_ends_at, last_used_at, details, seq FROM ${s}.keys WHERE backend = $1`, [row.name])
        ).map((stored) => [stored.key_id, stored]),
      );
      const writes: InventoryWrites = { inserted: 0, updated: 0, removed: 0, unchanged: 0 };
      const changed = listing.keys.filter((key) => {
        const before = stored.get(key.id);
        const same =
          before !== undefined &&
          before.name === key.name &&
          before.prefix === key.prefix &&
          before.status === key.status &&
          before.created_at === key.createdAt &&
          before.expires_at === key.expiresAt &&
          before.grace_ends_at === key.graceEndsAt &&
          before.last_used_at === key.lastUsedAt &&
          before.details === JSON.stringify(key.details ?? {});
        if (same) writes.unchanged += 1;
        else if (before) writes.updated += 1;
        else writes.inserted += 1;
        return !same;
      });
      // Only what changed gets the new change number: every member's next pull copies only that.
      await upsertKeys(
        w.tx,
        w.team,
        row.name,
        changed.map((key) => ({ key, syncedAt: listing.syncedAt })),
        w.seq,
      );
      const listed = new Set(listing.keys.map((key) => key.id));
      const gone = [...stored.values()].filter((before) => !listed.has(before.key_id) && Number(before.seq) <= listing.sinceSeq).map((before) => before.key_id);
      await removeKeys(w.tx, w.team, row.name, gone, w.seq);
      writes.removed = gone.length;
      const details = new Map(listing.keys.map((key) => [key.id, key.details]));
      for (const { keyId, secret } of listing.secrets) {
        const identity = this.ctx.keySecretIdentity(row, keyId, details.get(keyId));
        await putKeySecret(w.tx, w.team, row.name, keyId, await w.seal(identity, secret), w.generation, w.seq);
      }
      await w.tx.query(`UPDATE ${s}.backends SET vendor_facts = COALESCE($2, vendor_facts), last_sync_started_at = $3, last_sync_ok_at = $4, seq = $5 WHERE name = $1`, [
        row.name,
        listing.facts === undefined ? null : JSON.stringify(listing.facts),
        listing.syncStartedAt,
        listing.syncedAt,
        w.seq,
      ]);
      return writes;
    });
  }

  async commitIssued(row: BackendRow, issued: IssuedRecord, revoked: RevokedKey | null, event: WriteEvent): Promise<void> {
    await this.write(revoked ? 'revoke' : 'create', [{ ...event, detail: `${event.detail ?? ''}; secret sealed under the team key` }], row.name, async (w) => {
      await requireTeamBackend(w.tx, w.team, row.name);
      if (revoked) await this.writeRevoked(w, row, revoked);
      await upsertKeys(
        w.tx,
        w.team,
        row.name,
        [{ key: issued.key, ...(issued.description ? { description: issued.description } : {}), replaces: issued.replaces ?? null, syncedAt: new Date().toISOString() }],
        w.seq,
      );
      const identity = this.ctx.keySecretIdentity(row, issued.key.id, issued.key.details);
      await putKeySecret(w.tx, w.team, row.name, issued.key.id, await w.seal(identity, issued.secret), w.generation, w.seq);
    });
  }

  keepPending(row: BackendRow, issued: IssuedRecord, revoked: RevokedKey | null, event: WriteEvent, reason: string): void {
    const link = this.team.requireLink();
    addPendingPush(this.ctx.store, {
      id: randomUUID(),
      at: new Date().toISOString(),
      baseSeq: link.inventorySeq,
      backend: row.name,
      key: issued.key,
      description: issued.description ?? null,
      replaces: issued.replaces ?? null,
      revoked,
      event,
      reason,
    });
  }

  async commitRevoked(row: BackendRow, revoked: RevokedKey, event: WriteEvent): Promise<void> {
    await this.write('revoke', [event], row.name, async (w) => {
      await requireTeamBackend(w.tx, w.team, row.name);
      await this.writeRevoked(w, row, revoked);
    });
    await this.pullAfterWrite(event.ref ?? row.name);
  }

  async commitDeleted(row: BackendRow, keyId: string, event: WriteEvent): Promise<void> {
    await this.write('delete', [event], row.name, async (w) => removeKeys(w.tx, w.team, row.name, [keyId], w.seq));
    await this.pullAfterWrite(event.ref ?? row.name);
  }

  async describeKeys(changes: ReadonlyArray<{ row: BackendRow; keyId: string; description: KeyDescription; event: WriteEvent }>): Promise<void> {
    if (changes.length === 0) return;
    await this.write(
      'describe',
      changes.map((change) => change.event),
      null,
      async (w) => {
        for (const change of changes) {
          const updated = await w.tx.query(
            `UPDATE ${quoteIdent(w.team)}.keys SET owner = $3, environment = $4, tags = $5, notes = $6, seq = $7, changed_by = current_user WHERE backend = $1 AND key_id = $2 RETURNING 1`,
            [change.row.name, change.keyId, ...descriptionColumns(change.description), w.seq],
          );
          if (updated.length === 0) throw notInTeam(`${change.row.name}/${change.keyId}`, w.team);
        }
      },
    );
    await this.pullAfterWrite(changes.length === 1 ? (changes[0]!.event.ref ?? 'the change') : `the change to ${changes.length} keys`);
  }

  async recordKey(row: BackendRow, key: RemoteKey, event: WriteEvent, secret?: string): Promise<void> {
    const events = secret === undefined ? [event] : [{ ...event, detail: `${event.detail ?? ''}; secret sealed under the team key` }];
    await this.write('edit', events, row.name, async (w) => {
      const found = await w.tx.query(`SELECT 1 FROM ${quoteIdent(w.team)}.keys WHERE backend = $1 AND key_id = $2`, [row.name, key.id]);
      if (found.length === 0) throw notInTeam(`${row.name}/${key.id}`, w.team);
      await upsertKeys(w.tx, w.team, row.name, [{ key }], w.seq);
      if (secret !== undefined) await putKeySecret(w.tx, w.team, row.name, key.id, await w.seal(this.ctx.keySecretIdentity(row, key.id, key.details), secret), w.generation, w.seq);
    });
    await this.pullAfterWrite(event.ref ?? row.name);
  }

  async importBatch(row: BackendRow, keys: readonly ImportedKey[], event: WriteEvent): Promise<number> {
    const seq = await this.write('import', [event], row.name, async (w) => {
      await requireTeamBackend(w.tx, w.team, row.name);
      // The description is the source's (as a local import writes it); the lineage and listing time stay the team's.
      await upsertKeys(
        w.tx,
        w.team,
        row.name,
        keys.map(({ key, description }) => ({ key, description })),
        w.seq,
      );
      const sealed: { keyId: string; sealed: Buffer }[] = [];
      for (const { key, secret } of keys) if (secret !== null) sealed.push({ keyId: key.id, sealed: await w.seal(this.ctx.keySecretIdentity(row, key.id, key.details), secret) });
      await putKeySecrets(w.tx, w.team, row.name, sealed, w.generation, w.seq);
      return w.seq;
    });
    await this.pullAfterWrite(`the import's batch of ${keys.length} keys`);
    return seq;
  }

  async addBackend(backend: NewBackend, credential: string | null, event: WriteEvent): Promise<void> {
    await this.write('backend', [event], backend.name, async (w) => {
      const s = quoteIdent(w.team);
      if ((await w.tx.query(`SELECT 1 FROM ${s}.backends WHERE name = $1`, [backend.name])).length > 0) {
        throw new KeywardenError('conflict', `team "${w.team}" already has a backend named "${backend.name}"; choose another name ("keywarden team sync" copies it here)`, {
          backend: backend.name,
        });
      }
      await w.tx.query(`DELETE FROM ${s}.removed_backends WHERE name = $1`, [backend.name]);
      await w.tx.query(`INSERT INTO ${s}.backends (name, type, url, settings, rotate_every_days, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        backend.name,
        backend.type,
        backend.url,
        JSON.stringify(backend.settings),
        backend.rotateEveryDays,
        backend.createdAt,
        w.seq,
      ]);
      if (credential !== null) await this.writeCredential(w, backend, credential);
    });
    await this.pullAfterWrite(`backend ${backend.name}`);
  }

  async removeBackend(name: string, event: WriteEvent): Promise<void> {
    await this.write('backend', [event], name, async (w) => {
      const s = quoteIdent(w.team);
      await requireTeamBackend(w.tx, w.team, name);
      // Its keys, their secrets and its credential go with it (ON DELETE CASCADE); every copy drops it on its next pull.
      await w.tx.query(`DELETE FROM ${s}.backends WHERE name = $1`, [name]);
      await w.tx.query(`DELETE FROM ${s}.tombstones WHERE backend = $1`, [name]);
      await w.tx.query(`INSERT INTO ${s}.removed_backends (name, seq) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq`, [name, w.seq]);
    });
    await this.pullAfterWrite(`the removal of backend ${name}`);
  }

  async setCredential(row: BackendRow, credential: string, event: WriteEvent): Promise<void> {
    await this.write('backend', [event], row.name, async (w) => {
      await requireTeamBackend(w.tx, w.team, row.name);
      await this.writeCredential(w, row, credential);
    });
    await this.pullAfterWrite(`the credential of ${row.name}`);
  }

  async setRotationPolicy(row: BackendRow, days: number | null, event: WriteEvent): Promise<void> {
    await this.write('backend', [event], row.name, async (w) => {
      await requireTeamBackend(w.tx, w.team, row.name);
      await w.tx.query(`UPDATE ${quoteIdent(w.team)}.backends SET rotate_every_days = $2, seq = $3 WHERE name = $1`, [row.name, days, w.seq]);
    });
    await this.pullAfterWrite(`the rotation policy of ${row.name}`);
  }

  // ---- alerts and snoozes (team/alerts.ts) --------------------------------------------------------

  alertLedger(): AlertLedger {
    return new TeamAlertLedger(this.ctx, this.team, this.team.requireLink(), () => this.pull());
  }

  async addAlertChannel(channel: TeamAlertChannel, secret: { identity: string; secret: string } | null, event: WriteEvent): Promise<void> {
    await this.write('channel', [{ ...event, detail: `${event.detail ?? ''}${secret ? '; its secret sealed under the team key' : ''}` }], null, async (w) =>
      insertTeamChannel(w.tx, w.team, w.seq, channel, secret ? { sealed: await w.seal(secret.identity, secret.secret), generation: w.generation } : null),
    );
    await this.pullAfterWrite(`alert channel ${channel.name}`);
  }

  async removeAlertChannel(name: string, event: WriteEvent): Promise<void> {
    // The event's words need the counts the transaction finds: the work appends it itself.
    const { seq, detail } = await this.write('channel', [], null, async (w) => {
      const detail = removalDetail(event, await deleteTeamChannel(w.tx, w.team, w.seq, name));
      await appendTeamAudit(w.tx, w.team, w.seq, event.action, null, event.ref, event.outcome, detail);
      return { seq: w.seq, detail };
    });
    this.ctx.tryAudit(event.action, null, event.ref, event.outcome, `${detail}; recorded in team ${this.team.requireLink().team} at change ${seq}`);
    await this.pullAfterWrite(`the removal of alert channel ${name}`);
  }

  async snooze(snooze: TeamSnooze, event: WriteEvent): Promise<boolean> {
    try {
      await this.write('snooze', [event], backendOf(snooze.ref), (w) => upsertTeamSnooze(w.tx, w.team, w.seq, snooze));
    } catch (caught) {
      // A viewer's snooze, or one while the server is away, is this member's own (the caller keeps it here, saying so).
      const code = toKeywardenError(caught).code;
      if (code === 'forbidden' || code === 'network') return false;
      throw caught;
    }
    // This copy honours it at once, whatever the pull does; the pull brings the same row again.
    recordSnooze(this.ctx.store, snooze);
    await this.pull().catch(() => {});
    return true;
  }

  /** Pushes what waits (pending shown-once secrets), then pulls; one pull at a time in this process. */
  pull(): Promise<PullReport> {
    const run = async (): Promise<PullReport> => {
      const link = this.team.requireLink();
      if (pendingPushes(this.ctx.store).length > 0) {
        try {
          await this.team.withTeam(link, (db) => this.pushPending(db, link));
        } catch (caught) {
          // Unreachable: the pull below says so. Refused (a role changed): they stay pending, `team status` counts them.
          if (toKeywardenError(caught).code === 'network') throw caught;
        }
      }
      return this.team.pull();
    };
    const result = this.pulls.then(run, run);
    this.pulls = result.catch(() => {});
    return result;
  }

  /** The team's rotation journal and its leases (`rotations.ts`, which goes through this member's team connection). */
  rotations(): TeamRotationJournal {
    this.journal ??= new TeamRotations(this.ctx, this.team, this);
    return this.journal;
  }

  /** LISTENs for the team's change notices as this member (`desktop/team-follower.ts` decides what to do with them). */
  async listen(handlers: { onNotify: (payload: string) => void; onLost: (error: KeywardenError) => void }): Promise<TeamListener> {
    const link = this.team.requireLink();
    const listener = await listenTeamDatabase(link.databaseUrl, teamChannel(link.team), handlers);
    if (listener.role !== link.member) {
      await listener.close();
      throw new KeywardenError('invalid_input', `this team home belongs to ${link.member}, but the database connection is ${listener.role}; connect as ${link.member} (PGUSER, the URL)`);
    }
    return listener;
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /**
   * One team write: this member's role checked, the next change number, `work`, and `events` appended to the team's
   * audit trail, in one transaction; then the same events in the local trail (what this member did here).
   */
  private async write<T>(action: TeamAction, events: readonly WriteEvent[], backend: string | null, work: (write: TeamWrite) => Promise<T>): Promise<T> {
    const link = this.team.requireLink();
    let seq = 0;
    const result = await this.team.withTeam(link, async (db) => {
      const { generation } = await readTeamMeta(db, link.team);
      return db.transaction(async (tx) => {
        await requireRole(tx, link, action);
        seq = await nextSeq(tx, link.team);
        const sealer = this.sealer(tx, link, generation);
        try {
          const done = await work({ tx, seq, team: link.team, generation, seal: sealer.seal });
          for (const event of events) await appendTeamAudit(tx, link.team, seq, event.action, backend ?? backendOf(event.ref), event.ref, event.outcome, event.detail);
          return done;
        } finally {
          sealer.wipe();
        }
      });
    });
    for (const event of events) {
      this.ctx.tryAudit(event.action, backend ?? backendOf(event.ref), event.ref, event.outcome, `${event.detail ? `${event.detail}; ` : ''}recorded in team ${link.team} at change ${seq}`);
    }
    return result;
  }

  /** After a write committed: the local copy follows. A failed pull does not undo the write; it says how to catch up. */
  private async pullAfterWrite(what: string): Promise<void> {
    try {
      await this.pull();
    } catch (caught) {
      const error = toKeywardenError(caught);
      throw new KeywardenError(
        error.code,
        `${what} is recorded in the team, but this data folder could not copy it yet (${error.message}); "keywarden team sync" brings it`,
        { ...error.details, teamRecorded: true },
        { cause: error },
      );
    }
  }

  private async writeRevoked(w: TeamWrite, row: BackendRow, revoked: RevokedKey): Promise<void> {
    const s = quoteIdent(w.team);
    if (revoked.remote) await upsertKeys(w.tx, w.team, row.name, [{ key: revoked.remote, syncedAt: new Date().toISOString() }], w.seq);
    else await w.tx.query(`UPDATE ${s}.keys SET status = 'revoked', seq = $3, changed_by = current_user WHERE backend = $1 AND key_id = $2`, [row.name, revoked.keyId, w.seq]);
    if (revoked.dropSecret) await w.tx.query(`DELETE FROM ${s}.key_secrets WHERE backend = $1 AND key_id = $2`, [row.name, revoked.keyId]);
  }

  private async writeCredential(w: TeamWrite, backend: Pick<BackendRow, 'name' | 'type' | 'url'>, credential: string): Promise<void> {
    await w.tx.query(
      `INSERT INTO ${quoteIdent(w.team)}.backend_credentials (backend, sealed, generation, seq) VALUES ($1, $2, $3, $4)
       ON CONFLICT (backend) DO UPDATE SET sealed = excluded.sealed, generation = excluded.generation, seq = excluded.seq`,
      [backend.name, await w.seal(credentialIdentity(backend), credential), w.generation, w.seq],
    );
  }

  /**
   * Pushes every pending shown-once secret, each in its own transaction (one that cannot be pushed does not hold back
   * the others' record). Unreachable: stops, they stay pending. Pushed: the mark goes, the local trail says so.
   */
  private async pushPending(db: TeamDatabase, link: TeamLink): Promise<void> {
    for (const push of pendingPushes(this.ctx.store)) {
      const outcome = await this.pushOne(db, link, push);
      removePendingPush(this.ctx.store, push.id);
      this.ctx.tryAudit('team.push', push.backend, push.event.ref, outcome.pushed ? 'ok' : 'failed', outcome.detail);
    }
  }

  private async pushOne(db: TeamDatabase, link: TeamLink, push: PendingPush): Promise<{ pushed: boolean; detail: string }> {
    const ref = `${push.backend}/${push.key.id}`;
    const row = this.ctx.store.backends.find(push.backend);
    const { generation } = await readTeamMeta(db, link.team);
    return db.transaction(async (tx) => {
      const sealer = this.sealer(tx, link, generation);
      try {
        const s = quoteIdent(link.team);
        await requireRole(tx, link, push.revoked ? 'revoke' : 'create');
        if (!row || (await tx.query(`SELECT 1 FROM ${s}.backends WHERE name = $1`, [push.backend])).length === 0) {
          return { pushed: false, detail: `not pushed: backend ${push.backend} was removed from the team meanwhile` };
        }
        const removed = (await tx.query<{ seq: string }>(`SELECT seq FROM ${s}.tombstones WHERE backend = $1 AND key_id = $2`, [push.backend, push.key.id]))[0];
        if (removed && Number(removed.seq) > push.baseSeq) return { pushed: false, detail: `not pushed: the team removed ${ref} meanwhile (its vendor no longer lists it)` };
        const seq = await nextSeq(tx, link.team);
        const changedSince = async (keyId: string) => {
          const found = (await tx.query<{ seq: string }>(`SELECT seq FROM ${s}.keys WHERE backend = $1 AND key_id = $2`, [push.backend, keyId]))[0];
          return found !== undefined && Number(found.seq) > push.baseSeq;
        };
        const w: TeamWrite = { tx, seq, team: link.team, generation, seal: sealer.seal };
        // What the team wrote about these keys after this answer arrived is newer (a sync that listed them): it stays.
        if (push.revoked && !(await changedSince(push.revoked.keyId))) await this.writeRevoked(w, row, push.revoked);
        if (!(await changedSince(push.key.id))) {
          await upsertKeys(tx, link.team, push.backend, [{ key: push.key, ...(push.description ? { description: push.description } : {}), replaces: push.replaces, syncedAt: push.at }], seq);
        }
        // The secret always: nobody else ever saw it (a sync cannot list a shown-once secret).
        const sealed = this.ctx.store.keys.getSecret(row.id, push.key.id);
        const identity = this.ctx.keySecretIdentity(row, push.key.id, push.key.details);
        if (sealed) await putKeySecret(tx, link.team, push.backend, push.key.id, await w.seal(identity, await this.ctx.vault.open(identity, sealed)), generation, seq);
        const detail = `${push.event.detail ?? push.event.action}; kept in ${link.member}'s data folder while the team's server was away (${push.at}), pushed now${sealed ? '' : ' without its secret (no longer in that data folder)'}`;
        await appendTeamAudit(tx, link.team, seq, push.event.action, push.backend, push.event.ref, push.event.outcome, detail);
        return { pushed: true, detail: `${ref} pushed to team ${link.team} at change ${seq}` };
      } finally {
        sealer.wipe();
      }
    });
  }

  /** Seals under the team key of `generation`, unwrapped from this member's wrap on first use; `wipe` zeroes it. */
  private sealer(tx: TeamQuery, link: TeamLink, generation: number): { seal: TeamWrite['seal']; wipe: () => void } {
    let key: Promise<Buffer> | null = null;
    return {
      seal: async (identity, plaintext) => sealWith(await (key ??= this.team.teamKey(tx, link, generation)), identity, plaintext),
      wipe: () => void key?.then((opened) => opened.fill(0)).catch(() => {}),
    };
  }
}

/** This member's role on the server, or `forbidden` in words: not a member, not approved, or a role too low for `action`. */
export async function requireRole(db: TeamQuery, link: TeamLink, action: TeamAction): Promise<TeamRole> {
  const me = (await db.query<{ team_role: TeamRole | null }>(`SELECT team_role FROM ${quoteIdent(link.team)}.members WHERE role_name = current_user`))[0];
  const { needs, words } = ACTIONS[action];
  if (!me) throw new KeywardenError('forbidden', `${link.member} is no longer a member of team "${link.team}": nothing was sent or written`);
  if (!me.team_role) throw new KeywardenError('forbidden', `${link.member} is not approved in team "${link.team}" yet: nothing was sent or written`);
  if (ROLE_RANK[me.team_role] < ROLE_RANK[needs]) {
    throw new KeywardenError(
      'forbidden',
      `${link.member} is ${me.team_role === 'viewer' ? 'a' : 'an'} ${me.team_role} in team "${link.team}": only ${needs === 'admin' ? 'admins' : 'operators and admins'} ${words}, so nothing was sent or written. An admin can change your role ("keywarden team approve ${link.member} --role ${needs} --fingerprint ...")`,
      { role: me.team_role, needs },
    );
  }
  return me.team_role;
}

export async function requireTeamBackend(tx: TeamQuery, team: string, name: string): Promise<void> {
  if ((await tx.query(`SELECT 1 FROM ${quoteIdent(team)}.backends WHERE name = $1`, [name])).length === 0) {
    throw new KeywardenError('not_found', `team "${team}" has no backend "${name}" (an admin removed it, or it was never added to the team); "keywarden team sync" brings this copy up to date`, {
      backend: name,
    });
  }
}

export function notInTeam(ref: string, team: string): KeywardenError {
  return new KeywardenError('not_found', `team "${team}" has no key ${ref} (removed meanwhile); "keywarden team sync" brings this copy up to date`, { ref });
}

function removalDetail(event: WriteEvent, counts: { sent: number; pending: number }): string {
  return `${event.detail ?? ''} (${counts.sent} alerts sent, ${counts.pending} waiting dropped)`;
}

function backendOf(ref: string | null): string | null {
  return ref && ref.includes('/') ? ref.slice(0, ref.indexOf('/')) : null;
}
