/**
 * The team's key rows as a write leaves them (docs/team.md), each rule once: a key written carries the write's change
 * number, takes back an earlier removal (its tombstone goes), keeps its description unless the write gives one, and
 * keeps its lineage and listing time unless the write knows newer ones; a key removed leaves a tombstone, which a
 * pull turns into a removal; a secret is stored sealed with the team key generation that sealed it.
 */
import type { KeyDescription } from '../../../shared/domain.js';
import type { RemoteKey } from '../backends/backend.js';
import type { ReplacedKey } from '../store/keys.js';
import { quoteIdent, type TeamQuery } from './pg.js';

/** Keys per statement: one round trip for a page of a large listing, well within PostgreSQL's parameter sizes. */
const ROWS_PER_STATEMENT = 2_000;

/** A key as the team stores it: the vendor's row, and what the write knows beyond it. */
export interface TeamKeyRow {
  key: RemoteKey;
  /** Given: written as it is (a describe, a replacement taking over). Left out: the team's description stays. */
  description?: KeyDescription;
  /** The key this one replaces; left out, the recorded one stays. */
  replaces?: ReplacedKey | null;
  /** When a vendor last listed the key as it is now; left out, the recorded time stays. */
  syncedAt?: string | null;
}

/** The description as the team's columns hold it: tags as a JSON list (null when none), as the local store does. */
export function descriptionColumns(description: KeyDescription): [string | null, string | null, string | null, string | null] {
  return [description.owner, description.environment, description.tags.length ? JSON.stringify(description.tags) : null, description.notes];
}

/** The description a team row holds, for the local copy. */
export function descriptionFromColumns(row: { owner: string | null; environment: string | null; tags: string | null; notes: string | null }): KeyDescription {
  return { owner: row.owner, environment: row.environment, tags: row.tags ? (JSON.parse(row.tags) as string[]) : [], notes: row.notes };
}

export async function upsertKeys(tx: TeamQuery, team: string, backend: string, rows: readonly TeamKeyRow[], seq: number): Promise<void> {
  // Rows that bring a description and rows that keep the team's are two statements: the choice is per statement.
  const described = rows.filter((row) => row.description !== undefined);
  const kept = rows.filter((row) => row.description === undefined);
  for (const [group, writesDescription] of [
    [described, true],
    [kept, false],
  ] as const) {
    for (let start = 0; start < group.length; start += ROWS_PER_STATEMENT) await upsertBatch(tx, team, backend, group.slice(start, start + ROWS_PER_STATEMENT), seq, writesDescription);
  }
}

async function upsertBatch(tx: TeamQuery, team: string, backend: string, rows: readonly TeamKeyRow[], seq: number, writesDescription: boolean): Promise<void> {
  const s = quoteIdent(team);
  const column = (pick: (row: TeamKeyRow) => string | null) => rows.map(pick);
  const description = (index: number) => column((row) => (row.description ? descriptionColumns(row.description)[index]! : null));
  const keep = (name: string) => (writesDescription ? `excluded.${name}` : `keys.${name}`);
  await tx.query(
    `INSERT INTO ${s}.keys (backend, key_id, name, prefix, status, created_at, expires_at, grace_ends_at, last_used_at, details, owner, environment, tags, notes, replaces, synced_at, seq)
     SELECT $1::text, u.*, $17::bigint FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                                      $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[]) AS u
     ON CONFLICT (backend, key_id) DO UPDATE SET name = excluded.name, prefix = excluded.prefix, status = excluded.status, created_at = excluded.created_at,
       expires_at = excluded.expires_at, grace_ends_at = excluded.grace_ends_at, last_used_at = excluded.last_used_at, details = excluded.details,
       owner = ${keep('owner')}, environment = ${keep('environment')}, tags = ${keep('tags')}, notes = ${keep('notes')},
       replaces = COALESCE(excluded.replaces, keys.replaces), synced_at = COALESCE(excluded.synced_at, keys.synced_at),
       seq = excluded.seq, changed_by = current_user`,
    [
      backend,
      column((row) => row.key.id),
      column((row) => row.key.name),
      column((row) => row.key.prefix),
      column((row) => row.key.status),
      column((row) => row.key.createdAt),
      column((row) => row.key.expiresAt),
      column((row) => row.key.graceEndsAt),
      column((row) => row.key.lastUsedAt),
      column((row) => JSON.stringify(row.key.details ?? {})),
      description(0),
      description(1),
      description(2),
      description(3),
      column((row) => (row.replaces ? JSON.stringify(row.replaces) : null)),
      column((row) => row.syncedAt ?? null),
      seq,
    ],
  );
  await tx.query(`DELETE FROM ${s}.tombstones WHERE backend = $1 AND key_id = ANY($2::text[])`, [backend, column((row) => row.key.id)]);
}

/** Removes keys (their secrets go with them) and leaves a tombstone each, so every member's copy removes them too. */
export async function removeKeys(tx: TeamQuery, team: string, backend: string, keyIds: readonly string[], seq: number): Promise<void> {
  if (keyIds.length === 0) return;
  const s = quoteIdent(team);
  await tx.query(`DELETE FROM ${s}.keys WHERE backend = $1 AND key_id = ANY($2::text[])`, [backend, keyIds]);
  await tx.query(`INSERT INTO ${s}.tombstones (backend, key_id, seq) SELECT $1::text, unnest($2::text[]), $3::bigint ON CONFLICT (backend, key_id) DO UPDATE SET seq = excluded.seq`, [
    backend,
    keyIds,
    seq,
  ]);
}

/** A key's secret, sealed under the team key of `generation` (never in the clear: the caller sealed it). */
export async function putKeySecret(tx: TeamQuery, team: string, backend: string, keyId: string, sealed: Buffer, generation: number, seq: number): Promise<void> {
  await tx.query(
    `INSERT INTO ${quoteIdent(team)}.key_secrets (backend, key_id, sealed, generation, cached_at, seq) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (backend, key_id) DO UPDATE SET sealed = excluded.sealed, generation = excluded.generation, cached_at = excluded.cached_at, seq = excluded.seq`,
    [backend, keyId, sealed, generation, new Date().toISOString(), seq],
  );
}

/**
 * Many keys' secrets of one backend at once (an import's batch), each sealed under the team key of `generation` by the
 * caller: one statement, so a batch of 500 is one round trip. Passed as hexadecimal text and decoded by PostgreSQL.
 */
export async function putKeySecrets(tx: TeamQuery, team: string, backend: string, rows: ReadonlyArray<{ keyId: string; sealed: Buffer }>, generation: number, seq: number): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const slice = rows.slice(start, start + ROWS_PER_STATEMENT);
    await tx.query(
      `INSERT INTO ${quoteIdent(team)}.key_secrets (backend, key_id, sealed, generation, cached_at, seq)
       SELECT $1::text, u.key_id, decode(u.sealed, 'hex'), $4::integer, $5::text, $6::bigint FROM unnest($2::text[], $3::text[]) AS u (key_id, sealed)
       ON CONFLICT (backend, key_id) DO UPDATE SET sealed = excluded.sealed, generation = excluded.generation, cached_at = excluded.cached_at, seq = excluded.seq`,
      [backend, slice.map((row) => row.keyId), slice.map((row) => row.sealed.toString('hex')), generation, new Date().toISOString(), seq],
    );
  }
}
