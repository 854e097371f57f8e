/**
 * The pull: a team's changes since this data folder's cursors, read from one REPEATABLE READ snapshot and applied
 * to the local copy in one SQLite transaction (docs/team.md, "The local copy and the change feed"). Backends first
 * (keys need their rows), then keys, removals, secrets and credentials opened with the team key and sealed again
 * under the local data key, the team's rotations and alerts; the cursors move in the same transaction, and an older
 * snapshot never takes the copy back. Reached as `TeamWorkflows.pull`.
 */
import type { RemoteKey } from '../backends/backend.js';
import { KeywardenError } from '../errors.js';
import type { ReplacedKey } from '../store/keys.js';
import type { BackendRow } from '../store/store.js';
import type { TeamLink } from '../store/team.js';
import { boundKeySecretIdentity, credentialIdentity, type EngineContext } from '../workflows/context.js';
import { applyTeamAlerts, type FetchedTeamAlerts, fetchTeamAlerts, openTeamAlerts } from './alerts.js';
import { fingerprint } from './hpke.js';
import { quoteIdent } from './pg.js';
import { descriptionFromColumns } from './rows.js';
import { applyTeamRotations, type FetchedRotations, fetchTeamRotations, prepareTeamRotations } from './rotations.js';
import type { TeamRole } from './schema.js';
import { openTeamRecord, type TeamWorkflows } from './workflow.js';

export interface PullReport {
  backends: number;
  keys: number;
  removed: number;
  secrets: number;
  credentials: number;
  /** Rotations whose journal was copied (started, moved on or finished by a member). */
  rotations: number;
  seq: number;
}

interface PgKeyRow {
  backend: string;
  key_id: string;
  name: string;
  prefix: string | null;
  status: RemoteKey['status'];
  created_at: string | null;
  expires_at: string | null;
  grace_ends_at: string | null;
  last_used_at: string | null;
  details: string;
  owner: string | null;
  environment: string | null;
  tags: string | null;
  notes: string | null;
  replaces: string | null;
  synced_at: string | null;
}

interface PgBackendRow {
  name: string;
  type: BackendRow['type'];
  url: string | null;
  settings: string;
  rotate_every_days: number | null;
  created_at: string;
  vendor_facts: string | null;
  last_sync_started_at: string | null;
  last_sync_ok_at: string | null;
}

/**
 * Pulls the team's changes since the cursors, from one snapshot, into the local copy in one SQLite transaction:
 * backends, keys and removals for everyone; secrets and credentials (opened with the team key, sealed again under
 * this data folder's key) for operators and admins.
 */
export async function pullTeam(team: TeamWorkflows, ctx: EngineContext, link: TeamLink): Promise<PullReport> {
  const fetched = await team.withTeam(link, (db) =>
    db.transaction(
      async (tx) => {
        const s = quoteIdent(link.team);
        const me = (await tx.query<{ team_role: TeamRole | null }>(`SELECT team_role FROM ${s}.members WHERE role_name = current_user`))[0];
        if (!me) throw new KeywardenError('forbidden', `${link.member} is no longer a member of team "${link.team}"; the local copy stays as it was`);
        if (!me.team_role)
          throw new KeywardenError(
            'forbidden',
            `${link.member} is not approved yet: an admin runs "keywarden team approve ${link.member} --role ROLE --fingerprint ${fingerprint(link.publicKey)}"`,
          );
        const head = Number((await tx.query<{ seq: string }>(`SELECT seq FROM ${s}.counter`))[0]!.seq);
        const backends = await tx.query<PgBackendRow & { seq: string }>(`SELECT * FROM ${s}.backends WHERE seq > $1 ORDER BY seq`, [link.inventorySeq]);
        const keys = await tx.query<PgKeyRow>(`SELECT * FROM ${s}.keys WHERE seq > $1 ORDER BY seq`, [link.inventorySeq]);
        const tombstones = await tx.query<{ backend: string; key_id: string }>(`SELECT backend, key_id FROM ${s}.tombstones WHERE seq > $1 ORDER BY seq`, [link.inventorySeq]);
        const removedBackends = (await tx.query<{ name: string }>(`SELECT name FROM ${s}.removed_backends WHERE seq > $1 ORDER BY seq`, [link.inventorySeq])).map((row) => row.name);
        let secrets: { backend: string; key_id: string; sealed: Buffer; generation: number; cached_at: string }[] = [];
        let credentials: { backend: string; sealed: Buffer; generation: number }[] = [];
        let teamKeys = new Map<number, Buffer>();
        const rotations = await fetchTeamRotations(tx, link.team, link.inventorySeq, me.team_role !== 'viewer');
        const alerts = await fetchTeamAlerts(tx, link, me.team_role);
        if (me.team_role !== 'viewer') {
          secrets = await tx.query(`SELECT backend, key_id, sealed, generation, cached_at FROM ${s}.key_secrets WHERE seq > $1 ORDER BY seq`, [link.secretsSeq]);
          credentials = await tx.query(`SELECT backend, sealed, generation FROM ${s}.backend_credentials WHERE seq > $1 ORDER BY seq`, [link.secretsSeq]);
          if (secrets.length + credentials.length + rotations.secrets.length + alerts.secrets.length > 0) teamKeys = await team.ownTeamKeys(tx, link);
        }
        return { head, role: me.team_role, removedBackends, backends, keys, tombstones, secrets, credentials, rotations, teamKeys, alerts };
      },
      { isolation: 'repeatable read' },
    ),
  );
  try {
    return await applyPull(ctx, link, fetched);
  } finally {
    for (const key of fetched.teamKeys.values()) key.fill(0);
  }
}

async function applyPull(
  ctx: EngineContext,
  link: TeamLink,
  fetched: {
    head: number;
    role: TeamRole;
    removedBackends: string[];
    backends: PgBackendRow[];
    keys: PgKeyRow[];
    tombstones: { backend: string; key_id: string }[];
    secrets: { backend: string; key_id: string; sealed: Buffer; generation: number; cached_at: string }[];
    credentials: { backend: string; sealed: Buffer; generation: number }[];
    rotations: FetchedRotations;
    teamKeys: Map<number, Buffer>;
    alerts: FetchedTeamAlerts;
  },
): Promise<PullReport> {
  const store = ctx.store;
  const at = new Date().toISOString();
  // Backends first (keys need their rows); then everything sealed again under the local key before the one
  // SQLite transaction (sealing is asynchronous, the transaction is not).
  const teamKeyOf = (generation: number, what: string) => {
    const key = fetched.teamKeys.get(generation);
    if (!key) throw new KeywardenError('forbidden', `${what} is sealed under team key generation ${generation}, which ${link.member} does not hold; pull again after an admin's approval`);
    return key;
  };
  // Each backend looked up once, not once per secret (a first copy brings every secret of the team).
  const destinations = new Map<string, { name: string; type: BackendRow['type']; url: string | null }>();
  const destination = (name: string) => {
    let found = destinations.get(name);
    if (!found) {
      const local = store.backends.find(name);
      const incoming = local ? null : fetched.backends.find((b) => b.name === name);
      if (!local && !incoming) throw new KeywardenError('internal', `the team sent a secret for backend ${name}, which neither it nor the local copy has`);
      found = local ? { name, type: local.type, url: local.url } : { name, type: incoming!.type, url: incoming!.url };
      destinations.set(name, found);
    }
    return found;
  };
  const credentials: { backend: string; sealed: Buffer }[] = [];
  for (const credential of fetched.credentials) {
    const identity = credentialIdentity(destination(credential.backend));
    const plaintext = openTeamRecord(teamKeyOf(credential.generation, `the credential of ${credential.backend}`), identity, credential.sealed, `the credential of ${credential.backend}`);
    credentials.push({ backend: credential.backend, sealed: await ctx.vault.seal(identity, plaintext) });
  }
  const incomingKeys = new Map(fetched.keys.map((key) => [`${key.backend}/${key.key_id}`, key]));
  const detailsOf = (backend: string, keyId: string): RemoteKey['details'] => {
    const incoming = incomingKeys.get(`${backend}/${keyId}`);
    if (incoming) return JSON.parse(incoming.details) as RemoteKey['details'];
    const local = store.backends.find(backend);
    return local ? store.keys.getRemote(local.id, keyId)?.details : undefined;
  };
  // Each opened with the team key and sealed again with its fingerprint under the local key, as every cached secret
  // is (Health's duplicate-secret finding); the local key read once for all of them.
  const resealed = await ctx.vault.sealSecrets(fetched.secrets, (secret) => {
    const ref = `${secret.backend}/${secret.key_id}`;
    const identity = boundKeySecretIdentity(destination(secret.backend), secret.key_id, detailsOf(secret.backend, secret.key_id));
    return { identity, plaintext: openTeamRecord(teamKeyOf(secret.generation, ref), identity, secret.sealed, ref) };
  });
  const secrets = fetched.secrets.map((secret, index) => ({ backend: secret.backend, keyId: secret.key_id, sealed: resealed[index]!, at: secret.cached_at }));
  const rotations = await prepareTeamRotations(ctx, fetched.rotations, destination, teamKeyOf);
  let rotationsCopied = 0;
  const alerts = await openTeamAlerts(ctx, fetched.alerts, teamKeyOf);
  const applied = store.transaction(() => {
    // Another pull of this data folder (another process, or a concurrent one here) got further: this older
    // snapshot must not take the copy back. The next pull starts from where that one left the cursors.
    if ((store.team.get()?.inventorySeq ?? 0) > fetched.head) return false;
    for (const name of fetched.removedBackends) {
      const row = store.backends.find(name);
      if (row) store.backends.delete(row.id);
    }
    for (const backend of fetched.backends) applyTeamBackend(ctx, backend);
    // The backends as they now are, each read once: every key of a backend takes its id and rotation policy.
    const local = new Map<string, { id: number; rotateEveryDays: number | null }>();
    const localBackend = (name: string) => {
      let found = local.get(name);
      if (!found) {
        const row = store.backends.require(name);
        found = { id: row.id, rotateEveryDays: ctx.rotationDays(row) };
        local.set(name, found);
      }
      return found;
    };
    store.keys.writeTeamCopies(
      fetched.keys.map((key) => {
        const backend = localBackend(key.backend);
        return {
          backendId: backend.id,
          key: {
            id: key.key_id,
            name: key.name,
            prefix: key.prefix,
            status: key.status,
            createdAt: key.created_at,
            expiresAt: key.expires_at,
            graceEndsAt: key.grace_ends_at,
            lastUsedAt: key.last_used_at,
            details: JSON.parse(key.details) as RemoteKey['details'],
          },
          syncedAt: key.synced_at,
          rotateEveryDays: backend.rotateEveryDays,
          description: descriptionFromColumns(key),
          replaces: key.replaces ? (JSON.parse(key.replaces) as ReplacedKey) : null,
          at,
        };
      }),
    );
    for (const tombstone of fetched.tombstones) {
      const row = store.backends.find(tombstone.backend);
      if (row) store.keys.delete(row.id, tombstone.key_id);
    }
    for (const credential of credentials) store.backends.setCredentialSealed(store.backends.require(credential.backend).id, credential.sealed);
    store.keys.putSecrets(secrets.map((secret) => ({ backendId: localBackend(secret.backend).id, keyId: secret.keyId, secret: secret.sealed, at: secret.at })));
    // The team's rotations after the keys they rotate (a rotation this member is running keeps its newer local copy).
    rotationsCopied = applyTeamRotations(store, rotations, fetched.rotations.open, link.member);
    const alerted = applyTeamAlerts(store, alerts);
    store.team.advance(fetched.head, fetched.role === 'viewer' ? link.secretsSeq : fetched.head, at);
    // What the server said this member is, for what decides offline (the desktop app's background sync and tray).
    if (store.team.role() !== fetched.role) store.team.setRole(fetched.role);
    const alertChanges = alerted.channels + alerted.removedChannels + alerts.secrets.length + alerted.snoozes;
    const changed =
      fetched.removedBackends.length + fetched.backends.length + fetched.keys.length + fetched.tombstones.length + secrets.length + credentials.length + rotationsCopied + alertChanges;
    if (changed > 0) {
      const alertWords = alertChanges
        ? `, ${alerted.channels} alert channels${alerted.removedChannels ? ` (${alerted.removedChannels} removed)` : ''}, ${alerts.secrets.length} channel secrets, ${alerted.snoozes} snoozes`
        : '';
      ctx.audit(
        'team.pull',
        null,
        null,
        'ok',
        `${fetched.backends.length} backends${fetched.removedBackends.length ? ` (${fetched.removedBackends.length} removed)` : ''}, ${fetched.keys.length} keys, ${fetched.tombstones.length} removed, ${secrets.length} secrets, ${credentials.length} credentials${rotationsCopied ? `, ${rotationsCopied} rotations` : ''}${alertWords}; up to change ${fetched.head}`,
      );
    }
    return true;
  });
  if (!applied) return { backends: 0, keys: 0, removed: 0, secrets: 0, credentials: 0, rotations: 0, seq: fetched.head };
  return {
    backends: fetched.backends.length,
    keys: fetched.keys.length,
    removed: fetched.tombstones.length,
    secrets: secrets.length,
    credentials: credentials.length,
    rotations: rotationsCopied,
    seq: fetched.head,
  };
}

/**
 * A team's backend in the local copy: added, or its settings, rotation policy (due dates follow) and the team's last
 * good sync brought up to the team's. A local failure newer than the team's last good sync is kept (it is news).
 */
function applyTeamBackend(ctx: EngineContext, backend: PgBackendRow): void {
  const store = ctx.store;
  const settings = { ...(JSON.parse(backend.settings) as Record<string, unknown>), ...(backend.vendor_facts ? { vendorFacts: JSON.parse(backend.vendor_facts) as unknown } : {}) };
  let local = store.backends.find(backend.name);
  if (!local) {
    local = store.backends.insert({ name: backend.name, type: backend.type, url: backend.url, settings, rotateEveryDays: backend.rotate_every_days, createdAt: backend.created_at }, null);
  } else {
    store.backends.updateSettings(local.id, settings);
    if (local.rotateEveryDays !== backend.rotate_every_days) {
      store.keys.setRotationPolicy(local.id, backend.rotate_every_days, ctx.rotationDays({ ...local, rotateEveryDays: backend.rotate_every_days }));
    }
  }
  if (backend.last_sync_ok_at && !(local.lastSyncAt && local.lastSyncAt > backend.last_sync_ok_at)) {
    store.backends.recordSyncSuccess(local.id, { syncStartedAt: backend.last_sync_started_at ?? backend.last_sync_ok_at, syncedAt: backend.last_sync_ok_at });
  }
}
