/**
 * The one way Keywarden changes something at a vendor (create, revoke, delete), for every caller: the plain commands
 * (workflows/keys.ts), guided rotation (rotation/steps.ts), and whatever comes next. The rules live here, once:
 *
 * - **Send once, then classify.** A request that creates or revokes is never retried blindly. Its failure is either
 *   *refused* (the vendor answered a 4xx and explained, or the request never left: a name the connector refused, no
 *   credential, a vault that would not open, Keywarden locked) or *may have happened* (the answer was lost, a
 *   timeout, a reset connection, or a 5xx: a gateway that timed out after the vendor acted answers 502 or 504).
 * - **May have happened: re-list before anything is sent again.** The vendor's list is the only truth about what a
 *   lost answer did (`relist`).
 * - **A revoke's replacement is the newest active key other than the old one**, by creation time (CommBox issues
 *   it with the revoke; a re-list finds it this way whatever order the vendor lists in).
 * - **A replacement takes over the key it replaces** (`takeOver`): its owner, environment, tags and notes, and a link
 *   both ways ("Replaces" / "Replaced by"), written with the replacement, whether its answer arrived or a re-list
 *   found it.
 * - **A shown-once secret is sealed and committed with its key and its audit event, in one transaction**
 *   (`commitIssuedKey`, through `store/keys.ts` `record`), waiting out a busy database; if it still cannot be stored, it is returned uncached (the
 *   caller shows it with the strong warning) and the create is audited anyway. Never lost, never half-kept.
 * - **In a team home the commit goes to the team** (`ctx.teamWrites()`, the one seam: team/changes.ts): the team's
 *   server must answer, and this member's role allow the change, before the vendor is asked (`readyToChange`); the
 *   change is then one PostgreSQL transaction with its audit event, and the local copy pulls. A shown-once secret the
 *   team cannot take (its server went away after the vendor answered) is committed locally as above and marked
 *   pending: pushed by the next team operation that reaches the server. A revoke or delete the team cannot record is
 *   said plainly (done at the vendor; the next sync records it) and nothing is queued.
 */
import type { AuditOutcome, IssuedKey, Key } from '../../../shared/domain.js';
import type { RemoteKey } from '../backends/backend.js';
import { backendDefinition } from '../backends/registry.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import { computeRotationDueAt } from '../reminders/reminders.js';
import type { BackendRow } from '../store/store.js';
import type { EngineContext, IssuedRecord, RevokedKey, TeamAction, WriteEvent } from './context.js';
import type { SealedSecret } from '../vault/vault.js';
import type { KeyRecord } from '../store/keys.js';
import { descriptionOf, NO_DESCRIPTION } from './key-descriptions.js';

/** Errors raised before a request is sent: nothing happened at the vendor. */
const NOT_SENT = new Set([
  'invalid_input',
  'unsupported',
  'no_credential',
  'locked',
  'passphrase_required',
  'vault_locked',
  'vault_key_missing',
  'vault_key_mismatch',
  'keychain_locked',
  'keychain_unavailable',
  'insecure_url',
]);

/**
 * Whether a failed change request certainly did nothing: the vendor refused it with a 4xx it explained (a 429 too:
 * rate-limited requests are not carried out), or it never left. Everything else may have been carried out.
 */
export function changeWasRefused(error: KeywardenError): boolean {
  const status = error.details.status;
  if (typeof status === 'number') return status >= 400 && status < 500 && status !== 408;
  return NOT_SENT.has(error.code);
}

export interface Relisted {
  ok: boolean;
  errorCode: string | null;
  error: string | null;
}

/**
 * Re-lists one backend (a sync of it): the one way to learn what a request whose answer was lost did. A sync that
 * could not even start (a team home whose server is away) is a re-list that failed, not a new kind of answer.
 */
export async function relist(ctx: EngineContext, row: BackendRow): Promise<Relisted> {
  let report;
  try {
    report = await ctx.sync([row.name]);
  } catch (caught) {
    const error = toKeywardenError(caught);
    return { ok: false, errorCode: error.code, error: error.message };
  }
  const result = report.results[0];
  return { ok: result?.ok ?? false, errorCode: result?.errorCode ?? null, error: result?.error ?? null };
}

/**
 * Before a change request is sent: in a team home, the team's server answers and this member may make the change, or
 * it is refused here with nothing sent (team/changes.ts `ready`, which also pushes pending secrets). Personal: nothing to check.
 */
export async function readyToChange(ctx: EngineContext, row: BackendRow, action: TeamAction): Promise<void> {
  await (await ctx.teamWrites())?.ready(action, row);
}

/** The key a revoke issued in place of `oldKeyId`, as the inventory lists it now: the newest other active key. */
export function newestReplacement(ctx: EngineContext, row: BackendRow, oldKeyId: string): Key | null {
  return (
    ctx.store.keys
      .list({ backend: row.name, status: 'active' }, ctx.now())
      .filter((key) => key.id !== oldKeyId)
      .sort((a, b) => Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? ''))[0] ?? null
  );
}

/** What a replacement takes over from the key it replaces: its description, and the link between them. */
export function takeOver(replaced: Key): Required<Pick<KeyRecord, 'description' | 'replaces'>> {
  return { description: descriptionOf(replaced), replaces: { id: replaced.id, name: replaced.name, prefix: replaced.prefix } };
}

/** The audit event written with an issued key, in the same transaction. */
export interface IssuedAudit {
  action: string;
  ref: string | null;
  outcome: AuditOutcome;
  detail: string;
}

/**
 * Seals a key's shown-once secret and commits it with the key row, whatever `also` writes (a rotation's journal, the
 * revoked key's new status) and the audit event, in one transaction: the trail is complete by construction. Waits
 * out another process's write lock (EngineContext.commitShownOnce). When the secret cannot be sealed or the database
 * never frees up, nothing secret is stored, the event is still audited (marked NOT cached) and the secret is
 * returned with `cached: false`, for the caller to hand to the administrator with its strong warning.
 */
export async function commitIssuedKey(
  ctx: EngineContext,
  row: BackendRow,
  /** `replaces`: the key this one replaces (a rotation, a CommBox revoke), which it takes over (`takeOver`). */
  issued: { key: RemoteKey; secret: string; replaces?: Key | null },
  audit: (ref: string) => IssuedAudit,
  /**
   * `revoked`: the key a revoke changed, written with the replacement; `also`: more of the same local transaction (a
   * rotation's journal step), or, in a team home, a local transaction once the team holds the key and its secret.
   */
  alongside: { revoked?: RevokedKey; also?: (at: string) => void } = {},
): Promise<IssuedKey & { secret: string }> {
  const ref = `${row.name}/${issued.key.id}`;
  const record: IssuedRecord = { key: issued.key, secret: issued.secret, ...(issued.replaces ? takeOver(issued.replaces) : {}) };
  const team = await ctx.teamWrites();
  let pending: { reason: string; mark: () => void } | null = null;
  if (team) {
    const event = audit(ref);
    try {
      await team.commitIssued(row, record, alongside.revoked ?? null, event);
    } catch (caught) {
      // The team could not take it (its server went away after the vendor answered, or refused the write): the
      // secret is kept here as in a personal folder, and marked to be pushed when the team can take it.
      const reason = toKeywardenError(caught).message;
      pending = { reason, mark: () => team.keepPending(row, record, alongside.revoked ?? null, event, reason) };
    }
    if (!pending) {
      // The team holds it; the local copy follows. A failed pull loses nothing: the next one brings it.
      await team.pull().catch(() => {});
      // What joins the commit locally (a rotation's journal) follows the team's commit: its step is written through
      // to the team by the journal (team/rotations.ts), and a run stopped in between finds the key and its secret in
      // the team when it re-lists (rotation/steps.ts reconcileCreate).
      if (alongside.also) {
        const also = alongside.also;
        ctx.store.transaction(() => also(new Date().toISOString()));
      }
      const key = ctx.store.keys.get(row.name, issued.key.id, ctx.now()) ?? { ...remoteAsKey(row, issued.key), ...(record.description ?? {}), secretCached: true };
      return { key, secret: issued.secret, cached: true };
    }
  }
  let sealed: SealedSecret | null = null;
  try {
    sealed = await ctx.sealKeySecret(row, issued.key.id, issued.secret, issued.key.details);
  } catch {
    // Only if the vault changed under the held key (reset by another process, its new key unreadable): not stored.
  }
  const at = new Date().toISOString();
  const event = pending ? withNote(audit(ref), `; the team could not take it (${pending.reason}): kept here, to be pushed when it can`) : audit(ref);
  const cached =
    sealed !== null &&
    (await ctx.commitShownOnce(() => {
      const local = { key: issued.key, sealed, at, syncedAt: at, rotateEveryDays: ctx.rotationDays(row), ...(issued.replaces ? takeOver(issued.replaces) : {}) };
      ctx.store.keys.record(row.id, local, ctx.auditEntry(event.action, row.name, event.ref, event.outcome, event.detail));
      if (alongside.revoked) writeRevokedLocally(ctx, row, alongside.revoked, at);
      alongside.also?.(at);
      pending?.mark();
    }));
  if (!cached) {
    ctx.tryAudit(
      event.action,
      row.name,
      event.ref,
      event.outcome,
      `${event.detail.replace(/ cached encrypted$/, '')}: secret NOT cached (${sealed ? 'the database stayed locked' : 'the vault could not seal it'}); handed back uncached`,
    );
    const key = ctx.store.keys.get(row.name, issued.key.id, ctx.now()) ?? { ...remoteAsKey(row, issued.key), ...(issued.replaces ? descriptionOf(issued.replaces) : {}), syncedAt: at };
    return { key: { ...key, secretCached: false }, secret: issued.secret, cached: false, ...(pending ? { teamPending: false } : {}) };
  }
  return { key: ctx.store.keys.get(row.name, issued.key.id, ctx.now())!, secret: issued.secret, cached: true, ...(pending ? { teamPending: true } : {}) };
}

function withNote(event: IssuedAudit, note: string): IssuedAudit {
  return { ...event, detail: `${event.detail}${note}` };
}

/** A revoked key in the local store: its row as the vendor answered (or just its status), its secret dropped when it works nowhere. */
export function writeRevokedLocally(ctx: EngineContext, row: BackendRow, revoked: RevokedKey, at: string): void {
  if (revoked.remote) ctx.store.keys.upsert(row.id, revoked.remote, at, ctx.rotationDays(row));
  else ctx.store.keys.setStatus(row.id, revoked.keyId, 'revoked');
  if (revoked.dropSecret) ctx.store.keys.deleteSecret(row.id, revoked.keyId);
}

/**
 * A revoke without a replacement, or a delete, done at the vendor: recorded with its audit event where the inventory
 * lives (one SQLite transaction, or the team's). When the team cannot record it, that is said plainly and nothing is
 * queued: the vendor holds the truth, and the next sync of the backend (by any member) writes it to the team.
 */
export async function commitVendorChange(
  ctx: EngineContext,
  row: BackendRow,
  change: { revoked: RevokedKey } | { deleted: string },
  event: WriteEvent,
  /** More of the same local transaction (a rotation's journal step); in a team home, written once the team holds the change. */
  also?: (at: string) => void,
): Promise<void> {
  const team = await ctx.teamWrites();
  if (!team) {
    ctx.store.transaction(() => {
      const at = new Date().toISOString();
      if ('revoked' in change) writeRevokedLocally(ctx, row, change.revoked, at);
      else ctx.store.keys.delete(row.id, change.deleted);
      ctx.audit(event.action, row.name, event.ref, event.outcome, event.detail);
      also?.(at);
    });
    return;
  }
  try {
    if ('revoked' in change) await team.commitRevoked(row, change.revoked, event);
    else await team.commitDeleted(row, change.deleted, event);
    if (also) ctx.store.transaction(() => also(new Date().toISOString()));
  } catch (caught) {
    const error = toKeywardenError(caught);
    if (error.details.teamRecorded) {
      // The team holds it; only this copy's pull failed: what follows the commit locally is written all the same.
      if (also) ctx.store.transaction(() => also(new Date().toISOString()));
      throw error;
    }
    const done = 'revoked' in change ? 'revoked' : 'deleted';
    ctx.tryAudit(event.action, row.name, event.ref, event.outcome, `${event.detail ? `${event.detail}; ` : ''}${done} at the vendor; NOT recorded in the team (${error.code})`);
    throw new KeywardenError(
      error.code,
      `${event.ref} was ${done} at ${backendDefinition(row.type).displayName}, but the team could not record it (${error.message}); nothing is queued: the next sync of ${row.name} in a team home records what the vendor shows ("keywarden sync ${row.name}")`,
      { ...error.details, ref: event.ref, [done]: true },
      { cause: error },
    );
  }
}

/**
 * A manual key's new secret and dates (a rotation's `record-dates`), committed with its audit event where the inventory
 * lives: one SQLite transaction with `also` (the journal's step), or the team's transaction (the secret sealed under the
 * team key), then a pull, then `also`. A team that cannot take it refuses it: the secret is still in the journal, and
 * resuming tries again.
 */
export async function commitManualKey(ctx: EngineContext, row: BackendRow, key: RemoteKey, secret: string, event: WriteEvent, also: (at: string) => void): Promise<void> {
  const team = await ctx.teamWrites();
  if (team) {
    await team.recordKey(row, key, event, secret);
    ctx.store.transaction(() => also(new Date().toISOString()));
    return;
  }
  const sealed = await ctx.sealKeySecret(row, key.id, secret, key.details);
  const at = new Date().toISOString();
  ctx.store.transaction(() => {
    ctx.store.keys.record(row.id, { key, sealed, at, syncedAt: null, rotateEveryDays: ctx.rotationDays(row) }, ctx.auditEntry(event.action, row.name, event.ref, event.outcome, event.detail));
    also(at);
  });
}

/** A key as the vendor issued it, for the rare answer that cannot be read back from the store. */
export function remoteAsKey(row: BackendRow, key: RemoteKey): Key {
  return {
    ref: `${row.name}/${key.id}`,
    backend: row.name,
    backendType: row.type,
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    status: key.status,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    graceEndsAt: key.graceEndsAt,
    rotationDueAt: computeRotationDueAt(key.createdAt, key.expiresAt, row.rotateEveryDays ?? backendDefinition(row.type).defaultRotationDays),
    lastUsedAt: key.lastUsedAt,
    lastTestedAt: null,
    lastTestOk: null,
    secretCached: false,
    syncedAt: null,
    ...NO_DESCRIPTION,
  };
}
