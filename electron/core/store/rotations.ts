/**
 * The rotation journal's tables (migration 005): every query the rotation workflow runs. Like the rest of the
 * store it knows rows and transactions, not vendors: the state machine itself is in `rotation/`. Reached as
 * `InventoryStore.rotations`, over the same connection, so a journal write and an inventory write (a shown-once
 * key and the step that received it) commit in one `InventoryStore.transaction`.
 */
import type { RotationPlanKind, RotationStepName, RotationStepStatus } from '../../../shared/rotation.js';
import { KeywardenError } from '../errors.js';
import type { SqlDatabase } from './sqlite.js';

export type RotationRowState = 'active' | 'done' | 'abandoned';

export interface RotationStepRow {
  position: number;
  name: RotationStepName;
  status: RotationStepStatus;
  attempts: number;
  at: string | null;
  detail: string | null;
}

export interface RotationRow {
  id: number;
  backendId: number;
  backendName: string;
  keyId: string;
  plan: RotationPlanKind;
  state: RotationRowState;
  options: Record<string, unknown>;
  newKeyId: string | null;
  newSecretSealed: Buffer | null;
  graceEndsAt: string | null;
  problem: string | null;
  problemKind: string | null;
  ownerPid: number | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  steps: RotationStepRow[];
  consumers: Array<{ name: string; switchedAt: string | null }>;
}

export interface NewRotation {
  /** Given in a team home: the team's id for the rotation (`team/rotations.ts`); else the next local one. */
  id?: number;
  backendId: number;
  keyId: string;
  plan: RotationPlanKind;
  options: Record<string, unknown>;
  steps: readonly RotationStepName[];
  consumers: readonly string[];
  at: string;
}

/** Columns of `rotations` a workflow may change; `undefined` keeps a column. */
export interface RotationChanges {
  state?: RotationRowState;
  options?: Record<string, unknown>;
  newKeyId?: string | null;
  newSecretSealed?: Buffer | null;
  graceEndsAt?: string | null;
  problem?: { kind: string; message: string } | null;
  finishedAt?: string | null;
}

/**
 * A team's rotation as this data folder copies it (docs/team.md, "Rotation in a team home"): the team's journal row,
 * under the team's id, over whatever the local copy held. `newSecretSealed` undefined keeps the local one.
 */
export interface TeamRotationCopy {
  id: number;
  backendId: number;
  keyId: string;
  plan: RotationPlanKind;
  state: RotationRowState;
  options: Record<string, unknown>;
  steps: ReadonlyArray<Omit<RotationStepRow, 'position'>>;
  consumers: ReadonlyArray<{ name: string; switchedAt: string | null }>;
  newKeyId: string | null;
  newSecretSealed?: Buffer | null;
  graceEndsAt: string | null;
  problem: string | null;
  problemKind: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** A team rotation's lease as this copy last saw it, and the team's change number its copy of the journal is at. */
export interface TeamRotationLease {
  startedBy: string;
  holder: string | null;
  leaseUntil: string | null;
  /** The team row's change number this data folder's copy corresponds to (written through, or copied). */
  seq: number;
}

/** The meta record of the team rotations' leases (a JSON object by rotation id): no migration, nothing secret. */
const LEASES_RECORD = 'team.rotationLeases';

interface RawRotation {
  id: number;
  backend_id: number;
  backend_name: string;
  key_id: string;
  plan: RotationPlanKind;
  state: RotationRowState;
  options: string;
  new_key_id: string | null;
  new_secret_sealed: Buffer | null;
  grace_ends_at: string | null;
  problem: string | null;
  problem_kind: string | null;
  owner_pid: number | null;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

const ROTATION_SELECT = `SELECT r.*, b.name AS backend_name FROM rotations r JOIN backends b ON b.id = r.backend_id`;

export class RotationTables {
  private tablesPresent: boolean | null = null;

  constructor(
    private readonly db: SqlDatabase,
    private readonly guard: <T>(fn: () => T) => T,
  ) {}

  /** A read-only copy of an older database (before migration 005) has no journal: it reads as having no rotations. */
  private present(): boolean {
    this.tablesPresent ??= this.guard(() => this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rotations'").get() !== undefined);
    return this.tablesPresent;
  }

  /** Creates a rotation with its steps (all pending) and its consumers; refused while the key has an open one. */
  insert(rotation: NewRotation): number {
    return this.guard(() =>
      this.db.transaction(() => {
        const open = this.db.prepare<{ id: number }>("SELECT id FROM rotations WHERE backend_id = ? AND key_id = ? AND state = 'active'").get(rotation.backendId, rotation.keyId);
        if (open) {
          throw new KeywardenError('conflict', `this key already has a rotation in progress (rotation ${open.id}); resume it with "keywarden rotation resume ${open.id}" or abandon it`, {
            rotation: open.id,
          });
        }
        const id = Number(
          this.db
            .prepare("INSERT INTO rotations (id, backend_id, key_id, plan, state, options, started_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)")
            .run(rotation.id ?? null, rotation.backendId, rotation.keyId, rotation.plan, JSON.stringify(rotation.options), rotation.at, rotation.at).lastInsertRowid,
        );
        const step = this.db.prepare("INSERT INTO rotation_steps (rotation_id, position, name, status) VALUES (?, ?, ?, 'pending')");
        rotation.steps.forEach((name, position) => step.run(id, position, name));
        const consumer = this.db.prepare('INSERT OR IGNORE INTO rotation_consumers (rotation_id, name) VALUES (?, ?)');
        for (const name of rotation.consumers) consumer.run(id, name);
        return id;
      }),
    );
  }

  get(id: number): RotationRow | null {
    if (!this.present()) return null;
    return this.guard(() => {
      const raw = this.db.prepare<RawRotation>(`${ROTATION_SELECT} WHERE r.id = ?`).get(id);
      return raw ? this.hydrate(raw) : null;
    });
  }

  /** Newest first; open rotations only unless `all`. */
  list(options: { all?: boolean } = {}): RotationRow[] {
    if (!this.present()) return [];
    return this.guard(() =>
      this.db
        .prepare<RawRotation>(`${ROTATION_SELECT} ${options.all ? '' : "WHERE r.state = 'active'"} ORDER BY r.id DESC`)
        .all()
        .map((raw) => this.hydrate(raw)),
    );
  }

  update(id: number, changes: RotationChanges, at: string): void {
    const sets: string[] = ['updated_at = ?'];
    const params: Array<string | number | Buffer | null> = [at];
    const set = (column: string, value: string | number | Buffer | null) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (changes.state !== undefined) set('state', changes.state);
    if (changes.options !== undefined) set('options', JSON.stringify(changes.options));
    if (changes.newKeyId !== undefined) set('new_key_id', changes.newKeyId);
    if (changes.newSecretSealed !== undefined) set('new_secret_sealed', changes.newSecretSealed);
    if (changes.graceEndsAt !== undefined) set('grace_ends_at', changes.graceEndsAt);
    if (changes.finishedAt !== undefined) set('finished_at', changes.finishedAt);
    if (changes.problem !== undefined) {
      set('problem', changes.problem?.message ?? null);
      set('problem_kind', changes.problem?.kind ?? null);
    }
    if (changes.state !== undefined && changes.state !== 'active') set('owner_pid', null);
    this.guard(() => this.db.prepare(`UPDATE rotations SET ${sets.join(', ')} WHERE id = ?`).run(...params, id));
  }

  /** Writes a step's journal state; `intent` counts an attempt. */
  setStep(id: number, name: RotationStepName, status: RotationStepStatus, at: string, detail?: string | null): void {
    this.guard(() => {
      this.db
        .prepare(`UPDATE rotation_steps SET status = ?, at = ?, attempts = attempts + (CASE WHEN ? = 'intent' THEN 1 ELSE 0 END), detail = COALESCE(?, detail) WHERE rotation_id = ? AND name = ?`)
        .run(status, at, status, detail ?? null, id, name);
      this.db.prepare('UPDATE rotations SET updated_at = ? WHERE id = ?').run(at, id);
    });
  }

  /**
   * Takes the rotation for this process unless another live process holds it; returns the holder's pid when
   * refused. A holder that was killed (its pid gone) is taken over: that is what resuming after a crash is.
   */
  claim(id: number, pid: number, isAlive: (pid: number) => boolean): number | null {
    return this.guard(() =>
      this.db.transaction(() => {
        const row = this.db.prepare<{ owner_pid: number | null }>('SELECT owner_pid FROM rotations WHERE id = ?').get(id);
        if (!row) throw new KeywardenError('not_found', `no rotation ${id}; "keywarden rotation list" shows them`, { rotation: id });
        if (row.owner_pid !== null && row.owner_pid !== pid && isAlive(row.owner_pid)) return row.owner_pid;
        this.db.prepare('UPDATE rotations SET owner_pid = ? WHERE id = ?').run(pid, id);
        return null;
      }),
    );
  }

  release(id: number, pid: number): void {
    this.guard(() => this.db.prepare('UPDATE rotations SET owner_pid = NULL WHERE id = ? AND owner_pid = ?').run(id, pid));
  }

  tickConsumer(id: number, name: string, at: string): boolean {
    return this.guard(() => this.db.prepare('UPDATE rotation_consumers SET switched_at = ? WHERE rotation_id = ? AND name = ? AND switched_at IS NULL').run(at, id, name).changes === 1);
  }

  tickAllConsumers(id: number, at: string): void {
    this.guard(() => this.db.prepare('UPDATE rotation_consumers SET switched_at = ? WHERE rotation_id = ? AND switched_at IS NULL').run(at, id));
  }

  /** Open rotations whose old key stops working on its own by `before` (a grace period), soonest first. */
  listGraceEndingBefore(before: string): RotationRow[] {
    if (!this.present()) return [];
    return this.guard(() =>
      this.db
        .prepare<RawRotation>(`${ROTATION_SELECT} WHERE r.state = 'active' AND r.grace_ends_at IS NOT NULL AND r.grace_ends_at <= ? ORDER BY r.grace_ends_at`)
        .all(before)
        .map((raw) => this.hydrate(raw)),
    );
  }

  // ---- a team home's copies (team/rotations.ts) ------------------------------------------------

  /** The highest rotation id of this journal (0 when empty): a team's ids start above it (`team/schema.ts`). */
  maxId(): number {
    if (!this.present()) return 0;
    return this.guard(() => this.db.prepare<{ id: number | null }>('SELECT MAX(id) AS id FROM rotations').get()?.id ?? 0);
  }

  /**
   * Writes a team's rotation over the local copy under the team's id (joins the caller's transaction): its row, steps
   * and consumers as the team has them; the local process claim (`owner_pid`) stays while it is active. Returns false,
   * writing nothing, when that id holds another rotation of this folder's own (which a team's ids are kept above).
   */
  putTeamCopy(copy: TeamRotationCopy): boolean {
    return this.guard(() =>
      this.db.transaction(() => {
        const local = this.db.prepare<{ backend_id: number; key_id: string; started_at: string }>('SELECT backend_id, key_id, started_at FROM rotations WHERE id = ?').get(copy.id);
        if (local && (local.backend_id !== copy.backendId || local.key_id !== copy.keyId || local.started_at !== copy.startedAt)) return false;
        if (copy.state === 'active') {
          // The team has one open rotation per key: an open local row of the same key that is not this one is over.
          this.db
            .prepare("UPDATE rotations SET state = 'abandoned', finished_at = ?, owner_pid = NULL WHERE backend_id = ? AND key_id = ? AND state = 'active' AND id <> ?")
            .run(copy.updatedAt, copy.backendId, copy.keyId, copy.id);
        }
        const values = [copy.plan, copy.state, JSON.stringify(copy.options), copy.newKeyId, copy.graceEndsAt, copy.problem, copy.problemKind, copy.updatedAt, copy.finishedAt];
        if (local) {
          this.db
            .prepare(
              `UPDATE rotations SET plan = ?, state = ?, options = ?, new_key_id = ?, grace_ends_at = ?, problem = ?, problem_kind = ?, updated_at = ?, finished_at = ?,
                 owner_pid = CASE WHEN ? = 'active' THEN owner_pid END WHERE id = ?`,
            )
            .run(...values, copy.state, copy.id);
          if (copy.newSecretSealed !== undefined) this.db.prepare('UPDATE rotations SET new_secret_sealed = ? WHERE id = ?').run(copy.newSecretSealed, copy.id);
        } else {
          this.db
            .prepare(
              `INSERT INTO rotations (plan, state, options, new_key_id, grace_ends_at, problem, problem_kind, updated_at, finished_at, id, backend_id, key_id, started_at, new_secret_sealed)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(...values, copy.id, copy.backendId, copy.keyId, copy.startedAt, copy.newSecretSealed ?? null);
        }
        this.db.prepare('DELETE FROM rotation_steps WHERE rotation_id = ?').run(copy.id);
        const step = this.db.prepare('INSERT INTO rotation_steps (rotation_id, position, name, status, attempts, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)');
        copy.steps.forEach((s, position) => step.run(copy.id, position, s.name, s.status, s.attempts, s.at, s.detail));
        this.db.prepare('DELETE FROM rotation_consumers WHERE rotation_id = ?').run(copy.id);
        const consumer = this.db.prepare('INSERT OR IGNORE INTO rotation_consumers (rotation_id, name, switched_at) VALUES (?, ?, ?)');
        for (const c of copy.consumers) consumer.run(copy.id, c.name, c.switchedAt);
        return true;
      }),
    );
  }

  /** The team rotations' leases as this copy last saw them, by rotation id (empty in a personal folder). */
  teamLeases(): Map<number, TeamRotationLease> {
    return this.guard(() => {
      const text = this.db.prepare<{ value: string }>('SELECT value FROM meta WHERE name = ?').get(LEASES_RECORD)?.value;
      return new Map(Object.entries(text ? (JSON.parse(text) as Record<string, TeamRotationLease>) : {}).map(([id, lease]) => [Number(id), lease]));
    });
  }

  /** Forgets every lease (a folder linked to a team anew: a team it was linked to before is none of its business). */
  forgetTeamLeases(): void {
    this.guard(() => this.db.prepare('DELETE FROM meta WHERE name = ?').run(LEASES_RECORD));
  }

  /** Records leases (null forgets one), in the caller's transaction if any. */
  setTeamLeases(changes: ReadonlyArray<readonly [number, TeamRotationLease | null]>): void {
    if (changes.length === 0) return;
    this.guard(() =>
      this.db.transaction(() => {
        const leases = this.teamLeases();
        for (const [id, lease] of changes) {
          if (lease) leases.set(id, lease);
          else leases.delete(id);
        }
        this.db
          .prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value')
          .run(LEASES_RECORD, JSON.stringify(Object.fromEntries([...leases].sort(([a], [b]) => a - b))));
      }),
    );
  }

  // ---- consumers of keys ----------------------------------------------------------------------

  keyConsumers(backendId: number, keyId: string): string[] {
    if (!this.present()) return [];
    return this.guard(() =>
      this.db
        .prepare<{ name: string }>('SELECT name FROM key_consumers WHERE backend_id = ? AND key_id = ? ORDER BY added_at, name')
        .all(backendId, keyId)
        .map((row) => row.name),
    );
  }

  /**
   * Replaces a key's consumers (the key must be in the inventory). With `openRotations`, the key's open rotation
   * follows the same list: a new name is added to be ticked off, a name taken away goes whether ticked or not, and
   * a name kept keeps its tick. The key's list and its rotation's are then one list, whichever was edited last.
   */
  setKeyConsumers(backendId: number, keyId: string, names: readonly string[], at: string, options: { openRotations?: boolean } = {}): number | null {
    return this.guard(() =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM key_consumers WHERE backend_id = ? AND key_id = ?').run(backendId, keyId);
        const insert = this.db.prepare('INSERT OR IGNORE INTO key_consumers (backend_id, key_id, name, added_at) VALUES (?, ?, ?, ?)');
        for (const name of names) insert.run(backendId, keyId, name, at);
        if (!options.openRotations) return null;
        const open = this.db.prepare<{ id: number }>("SELECT id FROM rotations WHERE backend_id = ? AND key_id = ? AND state = 'active'").get(backendId, keyId);
        if (!open) return null;
        const kept = new Set(names);
        const current = this.db.prepare<{ name: string }>('SELECT name FROM rotation_consumers WHERE rotation_id = ?').all(open.id);
        const remove = this.db.prepare('DELETE FROM rotation_consumers WHERE rotation_id = ? AND name = ?');
        for (const { name } of current) if (!kept.has(name)) remove.run(open.id, name);
        const add = this.db.prepare('INSERT OR IGNORE INTO rotation_consumers (rotation_id, name) VALUES (?, ?)');
        for (const name of names) add.run(open.id, name);
        return open.id;
      }),
    );
  }

  private hydrate(raw: RawRotation): RotationRow {
    const steps = this.db
      .prepare<{ position: number; name: RotationStepName; status: RotationStepStatus; attempts: number; at: string | null; detail: string | null }>(
        'SELECT position, name, status, attempts, at, detail FROM rotation_steps WHERE rotation_id = ? ORDER BY position',
      )
      .all(raw.id);
    const consumers = this.db
      .prepare<{ name: string; switched_at: string | null }>('SELECT name, switched_at FROM rotation_consumers WHERE rotation_id = ? ORDER BY rowid')
      .all(raw.id)
      .map((row) => ({ name: row.name, switchedAt: row.switched_at }));
    return {
      id: raw.id,
      backendId: raw.backend_id,
      backendName: raw.backend_name,
      keyId: raw.key_id,
      plan: raw.plan,
      state: raw.state,
      options: JSON.parse(raw.options) as Record<string, unknown>,
      newKeyId: raw.new_key_id,
      newSecretSealed: raw.new_secret_sealed,
      graceEndsAt: raw.grace_ends_at,
      problem: raw.problem,
      problemKind: raw.problem_kind,
      ownerPid: raw.owner_pid,
      startedAt: raw.started_at,
      updatedAt: raw.updated_at,
      finishedAt: raw.finished_at,
      steps,
      consumers,
    };
  }
}
