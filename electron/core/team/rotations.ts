/**
 * Guided rotation in a team home (docs/team.md, "Rotation in a team home"): the team's rotation journal on its
 * PostgreSQL (`<team>.rotations`, team schema version 3) and the lease that lets one member at a time run a rotation.
 * The steps (rotation/steps.ts) keep writing the local journal, their working copy; this writes it through to the team
 * (`record`) at every step's intent, before the vendor is asked, and after every step. The rules kept here, once:
 *
 * - **One open rotation per key across the team** (a partial unique index): a second start is refused, naming who
 *   started the open one and who runs it now.
 * - **A lease to run one**: taken at the start and at every resume (`claim`), renewed by every write, let go when the
 *   run stops (`release`), and ended by time after a crash (`LEASE_SECONDS`). PostgreSQL enforces it whatever the
 *   client: row-level security lets a member take a lease only when it is free, their own or over, and a trigger lets
 *   only the member who held the lease change the journal.
 * - **The team's journal is the truth**, with one exception this tells apart: the local copy is the newer only when
 *   this member held the lease last and the copy was in step with the team's row at the row's current change number
 *   (a run that stopped between a step and its write-through); it is then written through. Otherwise the team's row is
 *   copied over the local one (a pull does the same), and the steps' own rules (a step at `intent` or `unknown` is
 *   reconciled by re-listing) see to it that nothing the journal says was, or may have been, done is sent again.
 * - **Every write of the journal takes the next change number** and appends its events (each step that changed,
 *   under the member who wrote it) to the team's audit trail, in its transaction; taking a free lease, renewing it and
 *   letting it go change nothing else and take none. Taking over another member's ended lease is an event.
 * - A pasted secret (a manual key's rotation) reaches the server only sealed under the team key, in `rotation_secrets`
 *   (no grant at all to viewers, as `key_secrets`).
 */
import type { AuditOutcome } from '../../../shared/domain.js';
import type { RotationPlanKind, RotationStepName, RotationStepStatus } from '../../../shared/rotation.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import type { InventoryStore } from '../store/store.js';
import type { RotationRow, RotationRowState, TeamRotationCopy, TeamRotationLease } from '../store/rotations.js';
import type { BackendRow } from '../store/store.js';
import type { TeamLink } from '../store/team.js';
import { sealWith } from '../vault/vault.js';
import { type EngineContext, rotationSecretIdentity, type SecretDestination, type TeamRotationJournal, type TeamRotationStart } from '../workflows/context.js';
import { notInTeam, requireRole, requireTeamBackend, type TeamChanges } from './changes.js';
import { quoteIdent, type TeamQuery } from './pg.js';
import { readTeamMeta } from './schema.js';
import { appendTeamAudit, nextSeq, openTeamRecord, type TeamWorkflows } from './workflow.js';

/**
 * How long a lease lasts without a write: longer than any one step (a vendor request is bounded well below it), short
 * enough that a crashed member's rotation is free again within minutes. Every write of the journal renews it.
 */
export const LEASE_SECONDS = 300;

/** A team's rotation row as read from the server. */
export interface PgRotationRow {
  id: string;
  backend: string;
  key_id: string;
  plan: RotationPlanKind;
  state: RotationRowState;
  options: string;
  steps: string;
  consumers: string;
  new_key_id: string | null;
  grace_ends_at: string | null;
  problem: string | null;
  problem_kind: string | null;
  started_by: string;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  holder: string | null;
  lease_until: Date | null;
  seq: string;
  /** Computed by the server (its clock decides): the lease has ended. */
  lease_over: boolean;
}

const COLUMNS = `id, backend, key_id, plan, state, options, steps, consumers, new_key_id, grace_ends_at, problem, problem_kind, started_by, started_at, updated_at,
  finished_at, holder, lease_until, seq, (lease_until IS NOT NULL AND lease_until < now()) AS lease_over`;

/** The journal as the steps wrote it locally, in the team row's columns. */
interface JournalColumns {
  state: RotationRowState;
  options: string;
  steps: string;
  consumers: string;
  newKeyId: string | null;
  graceEndsAt: string | null;
  problem: string | null;
  problemKind: string | null;
  updatedAt: string;
  finishedAt: string | null;
}

type StepColumns = Array<{ name: RotationStepName; status: RotationStepStatus; attempts: number; at: string | null; detail: string | null }>;

function journalOf(row: RotationRow): JournalColumns {
  return {
    state: row.state,
    options: JSON.stringify(row.options),
    steps: JSON.stringify(row.steps.map(({ name, status, attempts, at, detail }) => ({ name, status, attempts, at, detail }))),
    consumers: JSON.stringify(row.consumers.map(({ name, switchedAt }) => ({ name, switchedAt }))),
    newKeyId: row.newKeyId,
    graceEndsAt: row.graceEndsAt,
    problem: row.problem,
    problemKind: row.problemKind,
    updatedAt: row.updatedAt,
    finishedAt: row.finishedAt,
  };
}

/** Whether the team's row already holds this journal (its time of writing aside). */
function sameJournal(team: PgRotationRow, local: JournalColumns): boolean {
  return (
    team.state === local.state &&
    team.options === local.options &&
    team.steps === local.steps &&
    team.consumers === local.consumers &&
    team.new_key_id === local.newKeyId &&
    team.grace_ends_at === local.graceEndsAt &&
    team.problem === local.problem &&
    team.problem_kind === local.problemKind &&
    team.finished_at === local.finishedAt
  );
}

function refOf(row: Pick<PgRotationRow, 'backend' | 'key_id'>): string {
  return `${row.backend}/${row.key_id}`;
}

export function leaseOf(row: Pick<PgRotationRow, 'started_by' | 'holder' | 'lease_until' | 'seq'>): TeamRotationLease {
  return { startedBy: row.started_by, holder: row.holder, leaseUntil: row.lease_until?.toISOString() ?? null, seq: Number(row.seq) };
}

/** The events a write of the journal appends to the team's trail: each step that changed, and the end. */
function journalEvents(before: PgRotationRow, after: JournalColumns): Array<{ action: string; outcome: AuditOutcome; detail: string }> {
  const id = before.id;
  const previous = new Map((JSON.parse(before.steps) as StepColumns).map((step) => [step.name, step]));
  const events: Array<{ action: string; outcome: AuditOutcome; detail: string }> = [];
  for (const step of JSON.parse(after.steps) as StepColumns) {
    const was = previous.get(step.name);
    if (was && was.status === step.status && was.at === step.at && was.attempts === step.attempts && was.detail === step.detail) continue;
    const outcome: AuditOutcome = step.status === 'failed' ? 'failed' : step.status === 'unknown' ? 'unknown' : 'ok';
    // An intent keeps the detail of the attempt before it: only an outcome's detail is news.
    const detail = step.status !== 'intent' && step.detail ? `: ${step.detail}` : '';
    events.push({ action: step.status === 'pending' ? 'rotation.remedy' : 'rotation.step', outcome, detail: `rotation ${id}: ${step.name} ${step.status}${detail}` });
  }
  if (after.state !== before.state) {
    events.push({
      action: after.state === 'done' ? 'rotation.done' : 'rotation.abandon',
      outcome: 'ok',
      detail: `rotation ${id}${after.state === 'done' && after.newKeyId ? `: new key ${before.backend}/${after.newKeyId}` : ''}`,
    });
  }
  if (events.length === 0) {
    const what = before.consumers !== after.consumers ? 'consumers ticked' : before.problem !== after.problem ? (after.problem ? `blocked: ${after.problem}` : 'tried again') : 'journal updated';
    events.push({ action: 'rotation.update', outcome: 'ok', detail: `rotation ${id}: ${what}` });
  }
  return events;
}

/** The refusal of a second rotation of a key: who started the open one, and who runs it now. */
function openElsewhere(team: string, open: PgRotationRow): KeywardenError {
  const running =
    open.holder && !open.lease_over
      ? `${open.holder} runs it, with a lease until ${open.lease_until!.toISOString()}`
      : open.holder
        ? `${open.holder}'s lease on it ended at ${open.lease_until!.toISOString()}`
        : 'nobody runs it now';
  return new KeywardenError(
    'conflict',
    `${refOf(open)} has a rotation in progress in team "${team}" already (rotation ${open.id}, started by ${open.started_by} at ${open.started_at}; ${running}): a key is rotated once at a time across the team. Resume it ("keywarden rotation resume ${open.id}") once no lease holds it, or abandon it`,
    { rotation: Number(open.id), startedBy: open.started_by, holder: open.holder, leaseUntil: open.lease_until?.toISOString() ?? null },
  );
}

/** The refusal of a resume while another member's lease is live. */
function heldElsewhere(row: PgRotationRow): KeywardenError {
  const holder = row.holder!;
  return new KeywardenError(
    'conflict',
    `rotation ${row.id} of ${refOf(row)} is being run by ${holder}, whose lease runs until ${row.lease_until!.toISOString()}: one member runs a rotation at a time. Wait for ${holder} to finish; if ${holder}'s run stopped (a crash, a closed app), "keywarden rotation resume ${row.id}" takes it over once that lease has ended. Nothing was sent to the vendor`,
    { rotation: Number(row.id), holder, leaseUntil: row.lease_until!.toISOString() },
  );
}

/** The refusal of a write by a member whose lease another member took over (after it ended). */
function lostLease(row: PgRotationRow, member: string): KeywardenError {
  return new KeywardenError(
    'conflict',
    `rotation ${row.id} of ${refOf(row)} is now ${row.holder ? `run by ${row.holder}, who took it over after ${member}'s lease ended` : `${row.state}, by another member, after ${member}'s lease ended`}: this run stops here, and nothing more is sent to the vendor`,
    { rotation: Number(row.id), holder: row.holder },
  );
}

/**
 * Takes rotation `id`'s lease for this member, in the caller's transaction (after the row's lock). `seq` only for a
 * takeover of another member's ended lease, which is a change of the team's; taking a free or own lease takes none.
 */
async function takeLease(tx: TeamQuery, team: string, id: number, seq?: number): Promise<PgRotationRow> {
  const takeover = seq === undefined ? '' : ', seq = $3';
  const params = seq === undefined ? [id, LEASE_SECONDS] : [id, LEASE_SECONDS, seq];
  return (
    await tx.query<PgRotationRow>(
      `UPDATE ${quoteIdent(team)}.rotations SET holder = current_user, lease_until = now() + make_interval(secs => $2)${takeover} WHERE id = $1 RETURNING ${COLUMNS}`,
      params,
    )
  )[0]!;
}

export class TeamRotations implements TeamRotationJournal {
  constructor(
    private readonly ctx: EngineContext,
    private readonly team: TeamWorkflows,
    private readonly changes: TeamChanges,
  ) {}

  async start(row: BackendRow, rotation: TeamRotationStart): Promise<number> {
    const link = this.team.requireLink();
    const ref = `${row.name}/${rotation.keyId}`;
    const created = await this.beforeVendor(row, () =>
      this.team.withTeam(link, (db) =>
        db.transaction(async (tx) => {
          const s = quoteIdent(link.team);
          await requireRole(tx, link, 'rotate');
          const seq = await nextSeq(tx, link.team);
          await requireTeamBackend(tx, link.team, row.name);
          if ((await tx.query(`SELECT 1 FROM ${s}.keys WHERE backend = $1 AND key_id = $2`, [row.name, rotation.keyId])).length === 0) throw notInTeam(ref, link.team);
          // The counter's row lock orders every start: the open rotation, if any, is committed and seen here.
          const open = (await tx.query<PgRotationRow>(`SELECT ${COLUMNS} FROM ${s}.rotations WHERE backend = $1 AND key_id = $2 AND state = 'active'`, [row.name, rotation.keyId]))[0];
          if (open) throw openElsewhere(link.team, open);
          const steps: StepColumns = rotation.steps.map((name) => ({ name, status: 'pending', attempts: 0, at: null, detail: null }));
          const inserted = (
            await tx.query<PgRotationRow>(
              `INSERT INTO ${s}.rotations (backend, key_id, plan, state, options, steps, consumers, started_at, updated_at, holder, lease_until, seq)
               VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $7, current_user, now() + make_interval(secs => $8), $9) RETURNING ${COLUMNS}`,
              [
                row.name,
                rotation.keyId,
                rotation.plan,
                JSON.stringify(rotation.options),
                JSON.stringify(steps),
                JSON.stringify(rotation.consumers.map((name) => ({ name, switchedAt: null }))),
                rotation.at,
                LEASE_SECONDS,
                seq,
              ],
            )
          )[0]!;
          await appendTeamAudit(
            tx,
            link.team,
            seq,
            'rotation.start',
            row.name,
            ref,
            'ok',
            `rotation ${inserted.id}: ${rotation.plan}${rotation.consumers.length ? `; consumers: ${rotation.consumers.join(', ')}` : ''}; lease until ${inserted.lease_until!.toISOString()}`,
          );
          return inserted;
        }),
      ),
    );
    await this.copy([{ row: created, secret: null }], { force: true });
    return Number(created.id);
  }

  async claim(id: number): Promise<void> {
    const link = this.team.requireLink();
    // A rotation this copy has not seen yet (started by another member since the last pull): the pull brings it, and its backend.
    if (!this.ctx.store.rotations.get(id)) await this.beforeVendor(null, () => this.refresh());
    const local = this.ctx.store.rotations.get(id);
    const backend = local ? this.ctx.store.backends.find(local.backendName) : null;
    const taken = await this.beforeVendor(backend, () =>
      this.team.withTeam(link, async (db) =>
        db.transaction(async (tx) => {
          const s = quoteIdent(link.team);
          await requireRole(tx, link, 'rotate');
          // Locks in the order every write of the journal takes them: the change counter, then the row.
          await tx.query(`SELECT seq FROM ${s}.counter FOR UPDATE`);
          // Row-level security shows a row FOR UPDATE only when this member may take its lease (free, own, or over).
          const found = (await tx.query<PgRotationRow>(`SELECT ${COLUMNS} FROM ${s}.rotations WHERE id = $1 FOR UPDATE`, [id]))[0];
          if (!found) {
            const seen = (await tx.query<PgRotationRow>(`SELECT ${COLUMNS} FROM ${s}.rotations WHERE id = $1`, [id]))[0];
            if (!seen) {
              throw new KeywardenError(
                'not_found',
                local
                  ? `rotation ${id} is not in team "${link.team}": it was started in this data folder before it was linked to the team; abandon it ("keywarden rotation abandon ${id}")`
                  : `no rotation ${id} in team "${link.team}"; "keywarden rotation list" shows them`,
                { rotation: id },
              );
            }
            throw heldElsewhere(seen);
          }
          let row = found;
          if (found.state === 'active') {
            if (found.holder !== null && found.holder !== link.member) {
              // Another member's lease ended (their run stopped): taken over, which the team's trail says.
              const seq = await nextSeq(tx, link.team);
              row = await takeLease(tx, link.team, id, seq);
              await appendTeamAudit(
                tx,
                link.team,
                seq,
                'rotation.resume',
                found.backend,
                refOf(found),
                'ok',
                `rotation ${id}: taken over from ${found.holder}, whose lease ended at ${found.lease_until!.toISOString()}`,
              );
            } else {
              row = await takeLease(tx, link.team, id);
            }
          }
          const secret = await this.readSecret(tx, link, row);
          return { previousHolder: found.holder, row, secret };
        }),
      ),
    );
    const lease = this.ctx.store.rotations.teamLeases().get(id);
    const localIsNewer = local !== null && taken.row.state === 'active' && taken.previousHolder === link.member && lease?.seq === Number(taken.row.seq);
    if (!localIsNewer) {
      await this.copy([{ row: taken.row, secret: taken.secret }], { force: true });
      return;
    }
    // This member's run stopped before it wrote its last steps through: the local copy is the newer, and is written now.
    this.ctx.store.rotations.setTeamLeases([[id, leaseOf(taken.row)]]);
    await this.record(id);
  }

  async record(id: number): Promise<void> {
    const link = this.team.requireLink();
    const local = this.ctx.store.rotations.get(id);
    if (!local) throw new KeywardenError('not_found', `no rotation ${id}; "keywarden rotation list" shows them`, { rotation: id });
    const backend = this.ctx.store.backends.require(local.backendName);
    const journal = journalOf(local);
    const identity = rotationSecretIdentity(local, backend);
    const pasted = local.newSecretSealed ? await this.ctx.vault.open(identity, local.newSecretSealed) : null;
    const written = await this.team.withTeam(link, async (db) => {
      const { generation } = await readTeamMeta(db, link.team);
      return db.transaction(async (tx) => {
        const s = quoteIdent(link.team);
        await requireRole(tx, link, 'rotate');
        await tx.query(`SELECT seq FROM ${s}.counter FOR UPDATE`);
        const current = (await tx.query<PgRotationRow>(`SELECT ${COLUMNS} FROM ${s}.rotations WHERE id = $1`, [id]))[0];
        if (!current) throw new KeywardenError('not_found', `rotation ${id} is no longer in team "${link.team}" (its backend was removed)`, { rotation: id });
        // A rotation that ended (its last write let the lease go) and that the local copy agrees with: nothing to write.
        if (current.state !== 'active' && sameJournal(current, journal)) return current;
        if (current.holder !== link.member) throw lostLease(current, link.member);
        const stored = (await tx.query(`SELECT 1 FROM ${s}.rotation_secrets WHERE rotation_id = $1`, [id])).length > 0;
        const pasteChanged = journal.steps !== current.steps && stepOf(journal.steps, 'paste-new') !== stepOf(current.steps, 'paste-new');
        const secretChanged = pasted !== null ? !stored || pasteChanged : stored;
        if (sameJournal(current, journal) && !secretChanged) {
          // Nothing new: the lease is renewed, and no change number is taken.
          return (await tx.query<PgRotationRow>(`UPDATE ${s}.rotations SET lease_until = now() + make_interval(secs => $2) WHERE id = $1 RETURNING ${COLUMNS}`, [id, LEASE_SECONDS]))[0]!;
        }
        const seq = await nextSeq(tx, link.team);
        const active = journal.state === 'active';
        const row = (
          await tx.query<PgRotationRow>(
            `UPDATE ${s}.rotations SET state = $2, options = $3, steps = $4, consumers = $5, new_key_id = $6, grace_ends_at = $7, problem = $8, problem_kind = $9,
               updated_at = $10, finished_at = $11, seq = $12,
               holder = CASE WHEN $13 THEN current_user END, lease_until = CASE WHEN $13 THEN now() + make_interval(secs => $14) END
             WHERE id = $1 AND holder = current_user RETURNING ${COLUMNS}`,
            [
              id,
              journal.state,
              journal.options,
              journal.steps,
              journal.consumers,
              journal.newKeyId,
              journal.graceEndsAt,
              journal.problem,
              journal.problemKind,
              journal.updatedAt,
              journal.finishedAt,
              seq,
              active,
              LEASE_SECONDS,
            ],
          )
        )[0];
        if (!row) throw lostLease(current, link.member);
        if (pasted !== null && secretChanged) {
          const key = await this.team.teamKey(tx, link, generation);
          try {
            await tx.query(
              `INSERT INTO ${s}.rotation_secrets (rotation_id, sealed, generation, seq) VALUES ($1, $2, $3, $4)
               ON CONFLICT (rotation_id) DO UPDATE SET sealed = excluded.sealed, generation = excluded.generation, seq = excluded.seq`,
              [id, sealWith(key, identity, pasted), generation, seq],
            );
          } finally {
            key.fill(0);
          }
        } else if (pasted === null && stored) {
          await tx.query(`DELETE FROM ${s}.rotation_secrets WHERE rotation_id = $1`, [id]);
        }
        for (const event of journalEvents(current, journal)) await appendTeamAudit(tx, link.team, seq, event.action, current.backend, refOf(current), event.outcome, event.detail);
        return row;
      });
    });
    // The local copy is in step with the team's row at this change number (the rule `claim` and the pull read).
    this.ctx.store.rotations.setTeamLeases([[id, leaseOf(written)]]);
  }

  async release(id: number): Promise<void> {
    const link = this.team.requireLink();
    const released = await this.team.withTeam(link, (db) =>
      db.query<PgRotationRow>(`UPDATE ${quoteIdent(link.team)}.rotations SET holder = NULL, lease_until = NULL WHERE id = $1 AND holder = current_user AND state = 'active' RETURNING ${COLUMNS}`, [
        id,
      ]),
    );
    if (released[0]) this.ctx.store.rotations.setTeamLeases([[id, leaseOf(released[0])]]);
  }

  async refresh(): Promise<void> {
    await this.changes.pull();
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /** Before a vendor is asked: an unreachable server refuses the run, with nothing sent (as `TeamChanges.ready` says it). */
  private async beforeVendor<T>(backend: BackendRow | null, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (caught) {
      const error = toKeywardenError(caught);
      if (error.code !== 'network') throw error;
      throw new KeywardenError(
        'network',
        `refused before anything was sent${backend ? ` to ${backend.name}` : ''}: ${error.message}. In a team home a rotation's journal and its lease are kept on the team's server; the inventory stays readable here meanwhile`,
        error.details,
        { cause: error },
      );
    }
  }

  /** The rotation's pasted secret, opened with the team key (this member's role allows it: `requireRole` came first), or null. */
  private async readSecret(tx: TeamQuery, link: TeamLink, row: PgRotationRow): Promise<{ destination: SecretDestination; secret: string } | null> {
    const s = quoteIdent(link.team);
    const stored = (await tx.query<{ sealed: Buffer; generation: number }>(`SELECT sealed, generation FROM ${s}.rotation_secrets WHERE rotation_id = $1`, [row.id]))[0];
    if (!stored) return null;
    // Bound to where the key is sent, as the team's backend row says (the copy's backend comes from it).
    const destination = (await tx.query<SecretDestination>(`SELECT name, type, url FROM ${s}.backends WHERE name = $1`, [row.backend]))[0]!;
    const key = await this.team.teamKey(tx, link, stored.generation);
    try {
      const identity = rotationSecretIdentity({ id: Number(row.id), keyId: row.key_id }, destination);
      return { destination, secret: openTeamRecord(key, identity, stored.sealed, `the pasted secret of rotation ${row.id}`) };
    } finally {
      key.fill(0);
    }
  }

  /** Copies team rows over the local journal, a pasted secret sealed again under the local key first, in one transaction. */
  private async copy(rows: ReadonlyArray<{ row: PgRotationRow; secret: { destination: SecretDestination; secret: string } | null }>, options: { force: boolean }): Promise<void> {
    const member = this.team.requireLink().member;
    const prepared: PreparedRotation[] = [];
    for (const { row, secret } of rows) {
      const identity = secret ? rotationSecretIdentity({ id: Number(row.id), keyId: row.key_id }, secret.destination) : null;
      prepared.push({ row, sealed: secret && identity ? await this.ctx.vault.seal(identity, secret.secret) : null });
    }
    this.ctx.store.transaction(() => applyTeamRotations(this.ctx.store, prepared, [], member, options));
  }
}

function stepOf(steps: string, name: RotationStepName): string {
  return JSON.stringify((JSON.parse(steps) as StepColumns).find((step) => step.name === name) ?? null);
}

/** What a pull reads of the team's rotations, in its snapshot. */
export interface FetchedRotations {
  /** Rows written since the cursor. */
  changed: PgRotationRow[];
  /** Their pasted secrets, sealed under the team key (operators and admins only). */
  secrets: Array<{ rotation_id: string; sealed: Buffer; generation: number }>;
  /** Every open rotation's lease as it stands (a lease taken or let go takes no change number). */
  open: PgRotationRow[];
}

export async function fetchTeamRotations(tx: TeamQuery, team: string, since: number, withSecrets: boolean): Promise<FetchedRotations> {
  const s = quoteIdent(team);
  const changed = await tx.query<PgRotationRow>(`SELECT ${COLUMNS} FROM ${s}.rotations WHERE seq > $1 ORDER BY seq, id`, [since]);
  const open = await tx.query<PgRotationRow>(`SELECT ${COLUMNS} FROM ${s}.rotations WHERE state = 'active' ORDER BY id`);
  const secrets =
    withSecrets && changed.length > 0
      ? await tx.query<{ rotation_id: string; sealed: Buffer; generation: number }>(`SELECT rotation_id, sealed, generation FROM ${s}.rotation_secrets WHERE rotation_id = ANY($1::bigint[])`, [
          changed.map((row) => row.id),
        ])
      : [];
  return { changed, secrets, open };
}

/** A team row ready to be copied: its pasted secret (if the member may read it) sealed under the local data key. */
export interface PreparedRotation {
  row: PgRotationRow;
  sealed: Buffer | null;
}

/** Opens each pasted secret with the team key and seals it again under the local key (before the pull's SQLite transaction). */
export async function prepareTeamRotations(
  ctx: EngineContext,
  fetched: FetchedRotations,
  destination: (backend: string) => SecretDestination,
  teamKeyOf: (generation: number, what: string) => Buffer,
): Promise<PreparedRotation[]> {
  const prepared: PreparedRotation[] = [];
  for (const row of fetched.changed) {
    const stored = fetched.secrets.find((secret) => secret.rotation_id === row.id);
    let sealed: Buffer | null = null;
    if (stored) {
      const identity = rotationSecretIdentity({ id: Number(row.id), keyId: row.key_id }, destination(row.backend));
      const what = `the pasted secret of rotation ${row.id}`;
      sealed = await ctx.vault.seal(identity, openTeamRecord(teamKeyOf(stored.generation, what), identity, stored.sealed, what));
    }
    prepared.push({ row, sealed });
  }
  return prepared;
}

/**
 * Writes team rows into the local journal, in the caller's SQLite transaction: each row over the local copy unless the
 * local copy is the newer (this member holds the lease and its copy is at the row's change number; `force` copies
 * anyway), and every open rotation's lease as the server has it. Returns how many rows were copied.
 */
export function applyTeamRotations(store: InventoryStore, rows: readonly PreparedRotation[], open: readonly PgRotationRow[], member: string, options: { force?: boolean } = {}): number {
  const leases = store.rotations.teamLeases();
  const changes: Array<readonly [number, TeamRotationLease]> = [];
  let copied = 0;
  for (const { row, sealed } of rows) {
    const id = Number(row.id);
    const backend = store.backends.find(row.backend);
    if (!backend) continue;
    const local = store.rotations.get(id);
    const localIsNewer = !options.force && local !== null && row.holder === member && leases.get(id)?.seq === Number(row.seq);
    if (!localIsNewer) {
      const copy: TeamRotationCopy = {
        id,
        backendId: backend.id,
        keyId: row.key_id,
        plan: row.plan,
        state: row.state,
        options: JSON.parse(row.options) as Record<string, unknown>,
        steps: JSON.parse(row.steps) as StepColumns,
        consumers: JSON.parse(row.consumers) as Array<{ name: string; switchedAt: string | null }>,
        newKeyId: row.new_key_id,
        newSecretSealed: sealed,
        graceEndsAt: row.grace_ends_at,
        problem: row.problem,
        problemKind: row.problem_kind,
        startedAt: row.started_at,
        updatedAt: row.updated_at,
        finishedAt: row.finished_at,
      };
      // An id taken by this folder's own journal from before it was linked is left alone (the team's ids start above it).
      if (!store.rotations.putTeamCopy(copy)) continue;
      copied += 1;
    }
    changes.push([id, leaseOf(row)]);
  }
  for (const row of open) {
    const id = Number(row.id);
    if (changes.some(([changed]) => changed === id)) continue;
    const known = leases.get(id);
    // Only the lease: the copy's change number stays what it was (a lease taken or let go is not a change).
    if (known) changes.push([id, { ...leaseOf(row), seq: known.seq }]);
  }
  store.rotations.setTeamLeases(changes);
  return copied;
}
