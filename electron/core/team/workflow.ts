/**
 * The team inventory's workflows (docs/team.md), over the engine's context: `team init`, `join`, `approve`,
 * `members`, `remove`, `leave`, `status`, `sync` (the pull into the local copy), and a manual key written to the team.
 * Loaded only when a team command runs or a team home writes, so `pg` and HPKE cost nothing elsewhere.
 *
 * Rules kept here, once:
 * - every write to the team is one PostgreSQL transaction that takes the next change number (`nextSeq`, the row lock
 *   that orders all writers) and appends its event to the team's hash-chained audit;
 * - secrets and credentials reach PostgreSQL only sealed under the team key, in the vault's record format with the
 *   same record identity as locally (`sealWith`); the team key only wrapped with HPKE for one member (`hpke.ts`);
 * - writes go to the server, then the local copy follows by a pull; nothing is queued while the server is away
 *   (but a shown-once secret a vendor already issued: `changes.ts`, which holds a team home's vendor writes);
 * - every committed write NOTIFYs the team's channel (`nextSeq`), so listening members pull at once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditChainStatus } from '../../../shared/audit.js';
import type { AuditOutcome, Key } from '../../../shared/domain.js';
import type { RemoteKey } from '../backends/backend.js';
import { KeywardenError } from '../errors.js';
import { AUDIT_CHAIN_VERSION, auditEventHash } from '../store/audit-chain.js';
import type { BackendRow } from '../store/store.js';
import type { TeamLink } from '../store/team.js';
import { openWith, sealWith } from '../vault/vault.js';
import { boundKeySecretIdentity, credentialIdentity, type EngineContext, rotationSecretIdentity } from '../workflows/context.js';
import { descriptionOf } from '../workflows/key-descriptions.js';
import type { KeyWorkflows, ManualKeyInput } from '../workflows/keys.js';
import { localChannelsSealed, publishChannels, resealChannelSecrets } from './alerts.js';
import { type ChainedTeamEvent, findRecordedHead, listTeamAudit, readTeamChain, type RecordedTeamHead, verifyTeamChain } from './audit.js';
import { checkDatabaseUrl, describeDatabase } from './connection-settings.js';
import { checkPublicKey, fingerprint, generateMemberKeyPair, newTeamKey, unwrapTeamKey, wrapInfo, wrapTeamKey } from './hpke.js';
import { connectTeamDatabase, quoteIdent, type TeamDatabase, type TeamQuery } from './pg.js';
import { pendingPushes } from './pending.js';
import { type PullReport, pullTeam } from './pull.js';
import { type TeamKeyRow, upsertKeys } from './rows.js';
import { checkTeamName, createTeamSchema, groupRole, readTeamMeta, requireTeamSchema, startRotationIdsAfter, TEAM_ROLES, teamChannel, type TeamRole } from './schema.js';

export type { PullReport } from './pull.js';

export interface TeamMember {
  member: string;
  role: TeamRole | null;
  state: 'pending' | 'approved' | 'left';
  fingerprint: string;
  requestedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
}

export interface TeamStatus {
  team: string;
  database: string;
  member: string;
  fingerprint: string;
  linkedAt: string;
  pulledAt: string | null;
  localSeq: number;
  /** Shown-once secrets kept here while the server was away, waiting to be pushed (`team/pending.ts`). */
  pendingPushes: number;
  /** What the server says, or why it could not be asked. */
  server: { reachable: true; role: TeamRole | null; state: TeamMember['state'] | 'removed'; seq: number; generation: number; pending: number } | { reachable: false; problem: string };
}

/** A new team key generation, made because a member lost (or gave up) the team key: what they could have read. */
export interface RotationReport {
  generation: number;
  /** Keys whose secret the member could have read: rotate them at their vendors. */
  keysToRotate: string[];
  /** Backends whose credential the member could have read. */
  credentialsToRotate: string[];
  /** The team's alert channels whose secret (signing secret, Slack URL, SMTP login) the removed member could have read. */
  alertChannelsToRotate: string[];
}

export interface RemovalReport extends RotationReport {
  member: string;
}

/** An approval (`previous` null) or a change of an approved member's role. */
export interface RoleChange {
  member: TeamMember;
  previous: TeamRole | null;
  /** A demotion to viewer rotates the team key as a removal does (the member held it); null otherwise. */
  rotation: RotationReport | null;
}

/** The record identity of a member's private key in the local vault: bound to the team and the member. */
function memberKeyIdentity(teamId: string, member: string): string {
  return `team-member-key:${teamId}\n${member}`;
}

function normaliseFingerprint(text: string): string {
  return text.replace(/[\s:-]/g, '').toLowerCase();
}

export class TeamWorkflows {
  constructor(
    private readonly ctx: EngineContext,
    private readonly keys: KeyWorkflows,
  ) {}

  /** The link of this team home, or `invalid_input` naming how to make one. */
  requireLink(): TeamLink {
    const link = this.ctx.store.team.get();
    if (!link) {
      throw new KeywardenError(
        'invalid_input',
        `${this.ctx.store.path} is not a team home: "keywarden team init --database URL" starts a team, "keywarden team join --database URL" asks to join one`,
      );
    }
    return link;
  }

  // ---- init and join -----------------------------------------------------------------------------

  /**
   * Creates the team's schema, roles and grants in an existing database, makes the caller its first admin, and
   * publishes this data folder's backends and keys (secrets re-sealed under the new team key), in one transaction.
   */
  async init(url: string, team: string): Promise<{ team: string; member: string; fingerprint: string; backends: number; keys: number }> {
    checkDatabaseUrl(url);
    checkTeamName(team);
    this.refuseLinked();
    const db = await connectTeamDatabase(url);
    try {
      if ((await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [team])).length > 0) {
        throw new KeywardenError('conflict', `a team named "${team}" already exists in ${describeDatabase(url)}: ask to join it with "keywarden team join --database URL --team ${team}"`);
      }
      const teamId = randomUUID();
      const pair = await generateMemberKeyPair();
      const teamKey = newTeamKey();
      // The vault first: a keychain problem stops init before anything exists on the server.
      const privateKeySealed = await this.ctx.vault.seal(memberKeyIdentity(teamId, db.role), pair.privateKey.toString('base64'));
      const published = await this.localInventorySealed(teamKey);
      const channels = await localChannelsSealed(this.ctx, teamKey);
      const s = quoteIdent(team);
      const seq = await db.transaction(async (tx) => {
        await createTeamSchema(tx, team);
        // This folder's own rotations keep their ids: the team's start above them (its copies take the team's ids).
        await startRotationIdsAfter(tx, team, this.ctx.store.rotations.maxId());
        for (const role of TEAM_ROLES) await tx.query(`GRANT ${quoteIdent(groupRole(team, role))} TO CURRENT_USER WITH ADMIN OPTION`);
        await tx.query(`INSERT INTO ${s}.meta (name, value) VALUES ('team_id', $1), ('generation', '1'), ('audit_genesis', $2)`, [teamId, randomBytes(32).toString('hex')]);
        await tx.query(`INSERT INTO ${s}.members (public_key, fingerprint, team_role, approved_by, approved_at) VALUES ($1, $2, 'admin', current_user, now())`, [
          pair.publicKey,
          fingerprint(pair.publicKey),
        ]);
        await tx.query(`INSERT INTO ${s}.team_keys (generation, member, wrapped) VALUES (1, current_user, $1)`, [await wrapTeamKey(pair.publicKey, teamKey, wrapInfo(teamId, 1, db.role))]);
        const seq = await nextSeq(tx, team);
        for (const backend of published.backends) {
          await tx.query(`INSERT INTO ${s}.backends (name, type, url, settings, rotate_every_days, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
            backend.row.name,
            backend.row.type,
            backend.row.url,
            JSON.stringify(backend.row.settings),
            backend.row.rotateEveryDays,
            backend.row.createdAt,
            seq,
          ]);
          if (backend.credential) await tx.query(`INSERT INTO ${s}.backend_credentials (backend, sealed, generation, seq) VALUES ($1, $2, 1, $3)`, [backend.row.name, backend.credential, seq]);
        }
        for (const { backend, key, description, sealed } of published.keys) {
          await insertKey(tx, team, backend, key, seq, { description });
          if (sealed)
            await tx.query(`INSERT INTO ${s}.key_secrets (backend, key_id, sealed, generation, cached_at, seq) VALUES ($1, $2, $3, 1, $4, $5)`, [
              backend,
              key.id,
              sealed,
              new Date().toISOString(),
              seq,
            ]);
        }
        await publishChannels(tx, team, seq, channels);
        await appendTeamAudit(
          tx,
          team,
          seq,
          'team.init',
          null,
          null,
          'ok',
          `${published.backends.length} backends, ${published.keys.length} keys${channels.length ? `, ${channels.length} alert channels` : ''} published`,
        );
        return seq;
      });
      this.ctx.store.transaction(() => {
        this.ctx.store.rotations.forgetTeamLeases();
        this.ctx.store.team.insert({
          teamId,
          team,
          databaseUrl: url,
          member: db.role,
          publicKey: pair.publicKey,
          privateKeySealed,
          linkedAt: new Date().toISOString(),
          inventorySeq: seq,
          secretsSeq: seq,
        });
        this.ctx.audit('team.init', null, null, 'ok', `team ${team} at ${describeDatabase(url)}, first admin ${db.role}`);
      });
      return { team, member: db.role, fingerprint: fingerprint(pair.publicKey), backends: published.backends.length, keys: published.keys.length };
    } finally {
      await db.close();
    }
  }

  /** Asks to join: a new key pair, its public half registered as pending; the fingerprint to read to an admin. */
  async join(url: string, team: string): Promise<{ team: string; member: string; fingerprint: string }> {
    checkDatabaseUrl(url);
    checkTeamName(team);
    this.refuseLinked();
    if (this.ctx.store.backends.list().length > 0 || this.ctx.store.alerts.listChannels().length > 0) {
      throw new KeywardenError('conflict', `${this.ctx.store.path} already holds an inventory of its own; join a team in a new data folder (--home NEW_FOLDER): its inventory will be the team's`);
    }
    const db = await connectTeamDatabase(url);
    try {
      const meta = await readTeamMeta(db, team);
      const pair = await generateMemberKeyPair();
      const privateKeySealed = await this.ctx.vault.seal(memberKeyIdentity(meta.teamId, db.role), pair.privateKey.toString('base64'));
      const existing = await db.query<{ role_name: string }>(`SELECT role_name FROM ${quoteIdent(team)}.members WHERE role_name = current_user`);
      if (existing.length > 0) {
        throw new KeywardenError('conflict', `${db.role} is already a member of team "${team}" or has asked to join; an admin can remove the request with "keywarden team remove ${db.role}"`);
      }
      await db.query(`INSERT INTO ${quoteIdent(team)}.members (public_key, fingerprint) VALUES ($1, $2)`, [pair.publicKey, fingerprint(pair.publicKey)]);
      this.ctx.store.transaction(() => {
        this.ctx.store.team.insert({
          teamId: meta.teamId,
          team,
          databaseUrl: url,
          member: db.role,
          publicKey: pair.publicKey,
          privateKeySealed,
          linkedAt: new Date().toISOString(),
          inventorySeq: 0,
          secretsSeq: 0,
        });
        this.ctx.audit('team.join', null, null, 'ok', `asked to join team ${team} at ${describeDatabase(url)} as ${db.role}`);
      });
      return { team, member: db.role, fingerprint: fingerprint(pair.publicKey) };
    } finally {
      await db.close();
    }
  }

  // ---- members -----------------------------------------------------------------------------------

  async members(): Promise<TeamMember[]> {
    const link = this.requireLink();
    return this.withTeam(link, async (db) => listMembers(db, link.team));
  }

  /** Approves a pending member (or changes an approved member's role: `setRole`), after the fingerprint comparison. */
  async approve(member: string, role: TeamRole, expectedFingerprint: string): Promise<TeamMember> {
    return (await this.setRole(member, role, expectedFingerprint)).member;
  }

  /**
   * Approves a pending member, or changes an approved member's role, in one transaction. The rules, each once:
   * - **The fingerprint** the approver compared out of band must match the key on the server whenever it is given, and
   *   must be given when the change wraps the team key for a key that holds none: an approval, or a viewer made an
   *   operator or admin. Wrapping the team key for a key is the trust decision; it is made against a fingerprint a
   *   person compared. Between operator and admin the wrap the member holds stays as it is.
   * - **Not one's own role**: another admin changes it (a promotion would be self-granted; a demotion would revoke,
   *   mid-transaction, the grants the transaction itself runs under). An admin who steps down asks another admin.
   * - **The team keeps an admin** (`requireAnotherAdmin`), the rule `leave` keeps too.
   * - **A demotion to viewer rotates the team key** as a removal does (`rotateTeamKey`): the member held the team key
   *   and may have kept it, so what is sealed from now on is sealed under a key they never had; the answer lists what
   *   they could have read, to rotate at the vendors. What their own data folder already holds is not taken back.
   * - A member who left is not changed: an admin removes them.
   */
  async setRole(member: string, role: TeamRole, expectedFingerprint: string | null): Promise<RoleChange> {
    if (!TEAM_ROLES.includes(role)) throw new KeywardenError('invalid_input', `a team role is one of ${TEAM_ROLES.join(', ')} ("${role}" is not)`);
    const link = this.requireLink();
    return this.withTeam(link, async (db) => {
      const meta = await readTeamMeta(db, link.team);
      const s = quoteIdent(link.team);
      const lookUp = async (tx: TeamQuery) =>
        (await tx.query<{ public_key: Buffer; team_role: TeamRole | null; left_at: Date | null }>(`SELECT public_key, team_role, left_at FROM ${s}.members WHERE role_name = $1`, [member]))[0];
      const change = await db.transaction(async (tx) => {
        await requireMembersGrant(tx, link.team);
        if (member === link.member) {
          throw new KeywardenError(
            'invalid_input',
            `you cannot change your own role in team "${link.team}": another admin does it ("keywarden team approve ${member} --role ROLE --fingerprint ..." from their data folder); nothing changed`,
          );
        }
        // Asked before the change number is taken: a change to the role a member already has writes nothing.
        const before = await lookUp(tx);
        if (before && before.team_role === role && before.left_at === null) {
          if (expectedFingerprint !== null) checkFingerprint(member, before.public_key, expectedFingerprint, 'nothing changed');
          return { previous: role, rotation: null, changed: false, detail: null };
        }
        const seq = await nextSeq(tx, link.team);
        // Every member row locked, in one order (as `remove` and `requireAnotherAdmin` lock them), so no two writers wait on each other.
        await lockMembers(tx, link.team);
        const row = await lookUp(tx);
        if (!row) throw new KeywardenError('not_found', `${member} has not asked to join team "${link.team}" ("keywarden team members" lists who has)`);
        if (row.left_at) {
          throw new KeywardenError(
            'conflict',
            `${member} left team "${link.team}": an admin removes them ("keywarden team remove ${member}"); to come back they join again from a new data folder`,
          );
        }
        checkPublicKey(row.public_key);
        const previous = row.team_role;
        const wrapsNewly = role !== 'viewer' && (previous === null || previous === 'viewer');
        if (expectedFingerprint !== null) checkFingerprint(member, row.public_key, expectedFingerprint, previous === null ? 'nothing was approved' : 'nothing changed');
        else if (previous === null) throw new KeywardenError('invalid_input', `approving ${member} needs the fingerprint ${member} read to you: nothing was approved`);
        else if (wrapsNewly) {
          throw new KeywardenError(
            'invalid_input',
            `making ${member} ${role === 'admin' ? 'an admin' : 'an operator'} gives them the team key, which a viewer does not hold: give the fingerprint ${member} reads to you (their Team view or "keywarden team status"), compared with their key on the server; nothing changed`,
          );
        }
        if (previous === role) throw new KeywardenError('conflict', `${member} was made ${role === 'admin' ? 'an admin' : `a ${role}`} meanwhile: nothing changed`);
        if (previous === 'admin') {
          await requireAnotherAdmin(tx, link.team, member, `${member} is the last admin of team "${link.team}": make another member an admin first; nothing changed`);
        }
        for (const r of TEAM_ROLES) await tx.query(`REVOKE ${quoteIdent(groupRole(link.team, r))} FROM ${quoteIdent(member)}`);
        const grants = role === 'admin' ? TEAM_ROLES : [role];
        for (const r of grants) await tx.query(`GRANT ${quoteIdent(groupRole(link.team, r))} TO ${quoteIdent(member)}${role === 'admin' ? ' WITH ADMIN OPTION' : ''}`);
        if (previous === null) {
          await tx.query(`UPDATE ${s}.members SET team_role = $2, approved_by = current_user, approved_at = now() WHERE role_name = $1`, [member, role]);
        } else {
          // The approval (who compared the fingerprint, when) stays as it was; the change is the audit trail's.
          await tx.query(`UPDATE ${s}.members SET team_role = $2 WHERE role_name = $1`, [member, role]);
        }
        let rotation: RotationReport | null = null;
        if (role === 'viewer') {
          await tx.query(`DELETE FROM ${s}.team_keys WHERE member = $1`, [member]);
          if (previous === 'operator' || previous === 'admin') rotation = await this.rotateTeamKey(tx, link, meta.generation, seq, true);
        } else if (wrapsNewly) {
          const teamKey = await this.teamKey(tx, link, meta.generation);
          await tx.query(`INSERT INTO ${s}.team_keys (generation, member, wrapped) VALUES ($1, $2, $3) ON CONFLICT (generation, member) DO UPDATE SET wrapped = excluded.wrapped`, [
            meta.generation,
            member,
            await wrapTeamKey(row.public_key, teamKey, wrapInfo(link.teamId, meta.generation, member)),
          ]);
          teamKey.fill(0);
        }
        const detail =
          previous === null
            ? `as ${role}`
            : `from ${previous} to ${role}${rotation ? `; team key generation ${rotation.generation}; ${rotation.keysToRotate.length} keys and ${rotation.credentialsToRotate.length} credentials to rotate` : ''}`;
        await appendTeamAudit(tx, link.team, seq, previous === null ? 'team.approve' : 'team.role', null, member, 'ok', detail);
        return { previous, rotation, changed: true, detail };
      });
      if (change.changed) this.ctx.audit(change.previous === null ? 'team.approve' : 'team.role', null, member, 'ok', change.detail);
      const updated = (await listMembers(db, link.team)).find((m) => m.member === member);
      if (!updated) throw new KeywardenError('not_found', `${member} is not a member of team "${link.team}"`);
      return { member: updated, previous: change.previous, rotation: change.rotation };
    });
  }

  /**
   * Removes a member: roles revoked, the member's row deleted, and the team key rotated (`rotateTeamKey`), in one
   * transaction. Returns what the removed member could have read, to rotate at the vendors.
   */
  async remove(member: string): Promise<RemovalReport> {
    const link = this.requireLink();
    if (member === link.member)
      throw new KeywardenError('invalid_input', `you cannot remove yourself; "keywarden team leave" leaves, and another admin then runs "keywarden team remove ${member}"`);
    const report = await this.withTeam(link, async (db) => {
      const meta = await readTeamMeta(db, link.team);
      const s = quoteIdent(link.team);
      return db.transaction(async (tx) => {
        await requireMembersGrant(tx, link.team);
        const seq = await nextSeq(tx, link.team);
        const members = await lockMembers(tx, link.team);
        if (!members.some((m) => m.role_name === member)) throw new KeywardenError('not_found', `${member} is not a member of team "${link.team}"`);
        const heldKey = (await tx.query(`SELECT 1 FROM ${s}.team_keys WHERE member = $1`, [member])).length > 0;
        for (const r of TEAM_ROLES) await tx.query(`REVOKE ${quoteIdent(groupRole(link.team, r))} FROM ${quoteIdent(member)}`);
        await tx.query(`DELETE FROM ${s}.members WHERE role_name = $1`, [member]);
        const rotation = await this.rotateTeamKey(tx, link, meta.generation, seq, heldKey);
        await appendTeamAudit(
          tx,
          link.team,
          seq,
          'team.remove',
          null,
          member,
          'ok',
          `team key generation ${rotation.generation}; ${rotation.keysToRotate.length} keys and ${rotation.credentialsToRotate.length} credentials to rotate${rotation.alertChannelsToRotate.length ? `, and ${rotation.alertChannelsToRotate.length} alert channel secrets` : ''}`,
        );
        return { member, ...rotation };
      });
    });
    this.ctx.audit('team.remove', null, member, 'ok', `team key generation ${report.generation}`);
    return report;
  }

  /**
   * A new team key generation, in the caller's transaction (which holds the change number `seq` and has already taken
   * the team key from the member who loses it: removed, or demoted to viewer): wrapped for every operator and admin who
   * has not left, every key secret and backend credential re-sealed under it, the old generation's wraps deleted.
   * `heldKey`: whether that member held the team key; then everything sealed is what they could have read.
   */
  private async rotateTeamKey(tx: TeamQuery, link: TeamLink, current: number, seq: number, heldKey: boolean): Promise<RotationReport> {
    const s = quoteIdent(link.team);
    const oldKey = await this.teamKey(tx, link, current);
    const generation = current + 1;
    const newKey = newTeamKey();
    try {
      const holders = await tx.query<{ role_name: string; public_key: Buffer }>(
        `SELECT role_name, public_key FROM ${s}.members WHERE team_role IN ('operator', 'admin') AND left_at IS NULL ORDER BY role_name`,
      );
      await tx.query(`DELETE FROM ${s}.team_keys`);
      for (const m of holders) {
        await tx.query(`INSERT INTO ${s}.team_keys (generation, member, wrapped) VALUES ($1, $2, $3)`, [
          generation,
          m.role_name,
          await wrapTeamKey(m.public_key, newKey, wrapInfo(link.teamId, generation, m.role_name)),
        ]);
      }
      const secrets = await tx.query<{ backend: string; key_id: string; sealed: Buffer; type: BackendRow['type']; url: string | null; details: string }>(
        `SELECT s.backend, s.key_id, s.sealed, b.type, b.url, k.details FROM ${s}.key_secrets s JOIN ${s}.keys k USING (backend, key_id) JOIN ${s}.backends b ON b.name = s.backend ORDER BY s.backend, s.key_id FOR UPDATE OF s`,
      );
      for (const secret of secrets) {
        const identity = boundKeySecretIdentity({ name: secret.backend, type: secret.type, url: secret.url }, secret.key_id, JSON.parse(secret.details) as RemoteKey['details']);
        await tx.query(`UPDATE ${s}.key_secrets SET sealed = $3, generation = $4, seq = $5 WHERE backend = $1 AND key_id = $2`, [
          secret.backend,
          secret.key_id,
          reseal(oldKey, newKey, identity, secret.sealed, `${secret.backend}/${secret.key_id}`),
          generation,
          seq,
        ]);
      }
      const credentials = await tx.query<{ backend: string; sealed: Buffer; type: BackendRow['type']; url: string | null }>(
        `SELECT c.backend, c.sealed, b.type, b.url FROM ${s}.backend_credentials c JOIN ${s}.backends b ON b.name = c.backend ORDER BY c.backend FOR UPDATE OF c`,
      );
      for (const credential of credentials) {
        const identity = credentialIdentity({ name: credential.backend, type: credential.type, url: credential.url });
        await tx.query(`UPDATE ${s}.backend_credentials SET sealed = $2, generation = $3, seq = $4 WHERE backend = $1`, [
          credential.backend,
          reseal(oldKey, newKey, identity, credential.sealed, `credential of ${credential.backend}`),
          generation,
          seq,
        ]);
      }
      // A pasted secret waiting in a rotation's journal (a manual key's rotation), bound to the rotation and where its key is sent.
      const pasted = await tx.query<{ rotation_id: string; sealed: Buffer; key_id: string; backend: string; type: BackendRow['type']; url: string | null }>(
        `SELECT p.rotation_id, p.sealed, r.key_id, r.backend, b.type, b.url FROM ${s}.rotation_secrets p JOIN ${s}.rotations r ON r.id = p.rotation_id JOIN ${s}.backends b ON b.name = r.backend
         ORDER BY p.rotation_id FOR UPDATE OF p`,
      );
      for (const secret of pasted) {
        const identity = rotationSecretIdentity({ id: Number(secret.rotation_id), keyId: secret.key_id }, { name: secret.backend, type: secret.type, url: secret.url });
        await tx.query(`UPDATE ${s}.rotation_secrets SET sealed = $2, generation = $3, seq = $4 WHERE rotation_id = $1`, [
          secret.rotation_id,
          reseal(oldKey, newKey, identity, secret.sealed, `the pasted secret of rotation ${secret.rotation_id}`),
          generation,
          seq,
        ]);
      }
      const channels = await resealChannelSecrets(tx, link.team, oldKey, newKey, generation, seq);
      await tx.query(`UPDATE ${s}.meta SET value = $1 WHERE name = 'generation'`, [String(generation)]);
      return {
        generation,
        keysToRotate: heldKey ? secrets.map((row) => `${row.backend}/${row.key_id}`) : [],
        credentialsToRotate: heldKey ? credentials.map((row) => row.backend) : [],
        alertChannelsToRotate: heldKey ? channels : [],
      };
    } finally {
      oldKey.fill(0);
      newKey.fill(0);
    }
  }

  /**
   * Leaves: marked as left on the server (an admin's `team remove` revokes and rotates), then the data folder is
   * unlinked; its copy stays, readable, as a personal inventory's cache. The team keeps an admin: its last one is
   * refused (`requireAnotherAdmin`). `confirmTeam`, when given, must be this folder's team (the console's typed name).
   * A member the team already removed leaves too: the folder is unlinked.
   */
  async leave(options: { confirmTeam?: string } = {}): Promise<{ team: string; member: string }> {
    const link = this.requireLink();
    if (options.confirmTeam !== undefined && options.confirmTeam !== link.team) {
      throw new KeywardenError('invalid_input', `this data folder follows team "${link.team}", not "${options.confirmTeam}": nothing was done`);
    }
    await this.withTeam(link, (db) =>
      db.transaction(async (tx) => {
        const s = quoteIdent(link.team);
        const me = (await tx.query<{ team_role: TeamRole | null; left_at: Date | null }>(`SELECT team_role, left_at FROM ${s}.members WHERE role_name = current_user`))[0];
        if (me?.team_role === 'admin' && me.left_at === null) {
          await requireAnotherAdmin(
            tx,
            link.team,
            link.member,
            `you are the last admin of team "${link.team}": make another member an admin first ("keywarden team approve MEMBER --role admin ..."), then leave; nothing changed`,
          );
        }
        await tx.query(`UPDATE ${s}.members SET left_at = now() WHERE role_name = current_user AND left_at IS NULL`);
      }),
    );
    this.ctx.store.transaction(() => {
      const channels = this.ctx.store.team.delete();
      this.ctx.audit(
        'team.leave',
        null,
        null,
        'ok',
        `left team ${link.team}; the copied inventory stays in this data folder${channels.length ? `, the team's alert channels (${channels.join(', ')}) do not` : ''}`,
      );
    });
    return { team: link.team, member: link.member };
  }

  async status(): Promise<TeamStatus> {
    const link = this.requireLink();
    const local = {
      team: link.team,
      database: describeDatabase(link.databaseUrl),
      member: link.member,
      fingerprint: fingerprint(link.publicKey),
      linkedAt: link.linkedAt,
      pulledAt: link.pulledAt,
      localSeq: link.inventorySeq,
      pendingPushes: pendingPushes(this.ctx.store).length,
    };
    try {
      const server = await this.withTeam(link, async (db) => {
        const meta = await readTeamMeta(db, link.team);
        const members = await listMembers(db, link.team);
        const me = members.find((m) => m.member === link.member);
        // What the server says this member is, for what decides offline; not where the folder is open for reading only
        // (`keywarden team status` is a reading command).
        const role = me?.state === 'approved' ? me.role : null;
        if (!this.ctx.store.readOnly && this.ctx.store.team.role() !== role) this.ctx.store.team.setRole(role);
        const seq = me?.state === 'approved' ? Number((await db.query<{ seq: string }>(`SELECT seq FROM ${quoteIdent(link.team)}.counter`))[0]!.seq) : 0;
        return {
          reachable: true as const,
          role: me?.role ?? null,
          state: me?.state ?? ('removed' as const),
          seq,
          generation: meta.generation,
          pending: members.filter((m) => m.state === 'pending').length,
        };
      });
      return { ...local, server };
    } catch (error) {
      const problem = error instanceof KeywardenError ? error.message : String(error);
      return { ...local, server: { reachable: false, problem } };
    }
  }

  // ---- the team's audit trail (team/audit.ts) -----------------------------------------------------

  /** The newest `limit` events of the team's audit trail, newest first (any approved member may read them). */
  async auditTrail(limit: number): Promise<ChainedTeamEvent[]> {
    const link = this.requireLink();
    return this.withTeam(link, (db) => listTeamAudit(db, link.team, limit));
  }

  /**
   * Walks the team's audit chain from one snapshot of the server, by the local trail's rules. Reads only. `head`: a head
   * hash recorded earlier, looked for in the same snapshot (`findRecordedHead`).
   */
  async verifyAudit(options: { head?: string } = {}): Promise<AuditChainStatus & { recordedHead?: RecordedTeamHead }> {
    const link = this.requireLink();
    const chain = await this.withTeam(link, (db) => db.transaction((tx) => readTeamChain(tx, link.team), { isolation: 'repeatable read' }));
    const status = verifyTeamChain(chain.genesis, chain.counter, chain.events);
    return options.head === undefined ? status : { ...status, recordedHead: findRecordedHead(chain.genesis, chain.events, options.head) };
  }

  // ---- the local copy ----------------------------------------------------------------------------

  /**
   * Pulls the team's changes since the cursors into the local copy (`pull.ts`): backends, keys and removals for
   * everyone; secrets and credentials (opened with the team key, sealed again under this data folder's key) for
   * operators and admins.
   */
  async pull(): Promise<PullReport> {
    return pullTeam(this, this.ctx, this.requireLink());
  }

  /** A manual key written to the team (one PostgreSQL transaction with its sealed secret and audit event), then pulled. */
  async addManualKey(backendName: string, input: ManualKeyInput): Promise<Key> {
    const link = this.requireLink();
    const { row, remote, description } = await this.keys.manualKeyDraft(backendName, input);
    await this.withTeam(link, async (db) => {
      const meta = await readTeamMeta(db, link.team);
      const s = quoteIdent(link.team);
      await db.transaction(async (tx) => {
        const seq = await nextSeq(tx, link.team);
        await insertKey(tx, link.team, row.name, remote, seq, { description });
        if (input.secret) {
          const teamKey = await this.teamKey(tx, link, meta.generation);
          const sealed = sealWith(teamKey, boundKeySecretIdentity(row, remote.id, remote.details), input.secret);
          teamKey.fill(0);
          await tx.query(`INSERT INTO ${s}.key_secrets (backend, key_id, sealed, generation, cached_at, seq) VALUES ($1, $2, $3, $4, $5, $6)`, [
            row.name,
            remote.id,
            sealed,
            meta.generation,
            new Date().toISOString(),
            seq,
          ]);
        }
        await appendTeamAudit(tx, link.team, seq, 'key.add', row.name, `${row.name}/${remote.id}`, 'ok', input.secret ? 'secret sealed under the team key' : 'no secret');
      });
    });
    await this.pull();
    return this.keys.getKey(`${row.name}/${remote.id}`);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private refuseLinked(): void {
    const link = this.ctx.store.team.get();
    if (link) throw new KeywardenError('conflict', `this data folder is already linked to team "${link.team}" as ${link.member}; use another --home, or "keywarden team leave" first`);
  }

  /**
   * Connects as this member to the team's database, runs `work`, closes. The role must still be the one that linked;
   * a team schema made by an earlier Keywarden is brought up to date first (or its owner named: `requireTeamSchema`).
   */
  async withTeam<T>(link: TeamLink, work: (db: TeamDatabase) => Promise<T>): Promise<T> {
    const db = await this.connect(link);
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  /** `withTeam`'s connection, for a caller that holds it over several steps (an alert run) and closes it itself. */
  async connect(link: TeamLink): Promise<TeamDatabase> {
    const db = await connectTeamDatabase(link.databaseUrl);
    try {
      if (db.role !== link.member) {
        throw new KeywardenError('invalid_input', `this team home belongs to ${link.member}, but the database connection is ${db.role}; connect as ${link.member} (PGUSER, the URL)`);
      }
      await requireTeamSchema(db, link.team, { localRotationIds: () => this.ctx.store.rotations.maxId() });
      return db;
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  private async privateKey(link: TeamLink): Promise<Buffer> {
    return Buffer.from(await this.ctx.vault.open(memberKeyIdentity(link.teamId, link.member), link.privateKeySealed), 'base64');
  }

  /** The team key of `generation`, unwrapped from this member's own wrap (RLS shows a member only their own). */
  async teamKey(tx: TeamQuery, link: TeamLink, generation: number): Promise<Buffer> {
    const key = (await this.ownTeamKeys(tx, link)).get(generation);
    if (!key) throw new KeywardenError('forbidden', `${link.member} holds no team key of generation ${generation}: only operators and admins do (ask an admin to approve you as one)`);
    return key;
  }

  async ownTeamKeys(tx: TeamQuery, link: TeamLink): Promise<Map<number, Buffer>> {
    const rows = await tx.query<{ generation: number; wrapped: Buffer }>(`SELECT generation, wrapped FROM ${quoteIdent(link.team)}.team_keys WHERE member = current_user`);
    const privateKey = await this.privateKey(link);
    try {
      const keys = new Map<number, Buffer>();
      for (const row of rows) keys.set(row.generation, await unwrapTeamKey(privateKey, row.wrapped, wrapInfo(link.teamId, row.generation, link.member)));
      return keys;
    } finally {
      privateKey.fill(0);
    }
  }

  /** This data folder's backends and keys, secrets and credentials opened with the local vault and sealed under `teamKey`. */
  private async localInventorySealed(teamKey: Buffer): Promise<{
    backends: { row: BackendRow; credential: Buffer | null }[];
    keys: { backend: string; key: RemoteKey; description: ReturnType<typeof descriptionOf>; sealed: Buffer | null }[];
  }> {
    const backends: { row: BackendRow; credential: Buffer | null }[] = [];
    const keys: { backend: string; key: RemoteKey; description: ReturnType<typeof descriptionOf>; sealed: Buffer | null }[] = [];
    for (const row of this.ctx.store.backends.list()) {
      const sealedCredential = this.ctx.store.backends.getCredentialSealed(row.id);
      const credential = sealedCredential ? sealWith(teamKey, credentialIdentity(row), await this.ctx.vault.open(credentialIdentity(row), sealedCredential)) : null;
      backends.push({ row, credential });
      for (const listed of this.ctx.store.keys.list({ backend: row.name }, this.ctx.now())) {
        const key = this.ctx.store.keys.getRemote(row.id, listed.id)!;
        const identity = this.ctx.keySecretIdentity(row, key.id, key.details);
        const secret = this.ctx.store.keys.getSecret(row.id, key.id);
        keys.push({
          backend: row.name,
          key,
          description: descriptionOf(listed),
          sealed: secret ? sealWith(teamKey, identity, await this.ctx.vault.open(identity, secret)) : null,
        });
      }
    }
    return { backends, keys };
  }
}

/**
 * The next change number; its row lock orders this transaction after every earlier writer until it commits. It also
 * queues the team's change notice (`teamChannel`), which PostgreSQL delivers to every listener when, and only if, the
 * transaction commits: every team write takes a number here, so every committed write wakes the members' listeners.
 */
export async function nextSeq(tx: TeamQuery, team: string): Promise<number> {
  const seq = Number((await tx.query<{ seq: string }>(`UPDATE ${quoteIdent(team)}.counter SET seq = seq + 1 RETURNING seq`))[0]!.seq);
  await tx.query('SELECT pg_notify($1, $2)', [teamChannel(team), String(seq)]);
  return seq;
}

/**
 * PostgreSQL's own answer to "may this role change members?" before approve or remove look a member up: a write that
 * changes nothing, which the grants refuse to anyone but an admin ("permission denied for table members"). Without it
 * an operator's lookup (SELECT ... FOR UPDATE, filtered by row-level security to their own row) would find no such
 * member and say so, which is not why they were refused.
 */
async function requireMembersGrant(tx: TeamQuery, team: string): Promise<void> {
  await tx.query(`UPDATE ${quoteIdent(team)}.members SET team_role = team_role WHERE false`);
}

/**
 * Locks every member row the caller may see, in one order (by name): a role change and a removal hold them until they
 * commit, and `requireAnotherAdmin` locks the admins' in the same order, so two such writers never wait on each other.
 */
async function lockMembers(tx: TeamQuery, team: string): Promise<{ role_name: string }[]> {
  return tx.query<{ role_name: string }>(`SELECT role_name FROM ${quoteIdent(team)}.members ORDER BY role_name FOR UPDATE`);
}

/**
 * The rule that the team keeps an admin, for a change that would take `member`'s away (a demotion, a leave): another
 * approved admin who has not left must remain, else `refusal`. Every active admin's row is locked, in one order, so
 * two such changes at once (two admins leaving) run one after the other and the second sees the first.
 */
async function requireAnotherAdmin(tx: TeamQuery, team: string, member: string, refusal: string): Promise<void> {
  const admins = await tx.query<{ role_name: string }>(`SELECT role_name FROM ${quoteIdent(team)}.members WHERE team_role = 'admin' AND left_at IS NULL ORDER BY role_name FOR UPDATE`);
  if (!admins.some((admin) => admin.role_name !== member)) throw new KeywardenError('conflict', refusal, { lastAdmin: member });
}

/** The fingerprint a person compared must be the one of the key on the server: else nothing changes. */
function checkFingerprint(member: string, publicKey: Buffer, expected: string, undone: string): void {
  if (normaliseFingerprint(expected) !== normaliseFingerprint(fingerprint(publicKey))) {
    throw new KeywardenError(
      'invalid_input',
      `the fingerprint given does not match ${member}'s key on the server: ${undone}. Ask ${member} to read the fingerprint from "keywarden team status" again; if it still differs, someone replaced the key`,
    );
  }
}

async function insertKey(tx: TeamQuery, team: string, backend: string, key: RemoteKey, seq: number, extras: Omit<TeamKeyRow, 'key'> = {}): Promise<void> {
  await upsertKeys(tx, team, backend, [{ key, ...extras }], seq);
}

/**
 * Appends an event to the team's audit trail, chained as the local trail is (`audit-chain.ts`: the same hash, the
 * member's role name in place of the OS user), from the team's random genesis. The caller holds the counter's row
 * lock (`nextSeq`), so the head read here is still the head when the event is written.
 */
export async function appendTeamAudit(
  tx: TeamQuery,
  team: string,
  seq: number,
  action: string,
  backend: string | null,
  ref: string | null,
  outcome: AuditOutcome,
  detail: string | null,
): Promise<void> {
  const s = quoteIdent(team);
  const head = (await tx.query<{ hash: string }>(`SELECT hash FROM ${s}.audit ORDER BY id DESC LIMIT 1`))[0]?.hash;
  const prev = head ?? (await tx.query<{ value: string }>(`SELECT value FROM ${s}.meta WHERE name = 'audit_genesis'`))[0]!.value;
  const member = (await tx.query<{ role: string }>('SELECT current_user AS role'))[0]!.role;
  const at = new Date().toISOString();
  const hash = auditEventHash(AUDIT_CHAIN_VERSION, prev, { at, osUser: member, action, backend, ref, outcome, detail })!;
  await tx.query(`INSERT INTO ${s}.audit (seq, at, action, backend, ref, outcome, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
    seq,
    at,
    action,
    backend,
    ref,
    outcome,
    detail,
    prev,
    hash,
  ]);
}

async function listMembers(db: TeamQuery, team: string): Promise<TeamMember[]> {
  const rows = await db.query<{
    role_name: string;
    team_role: TeamRole | null;
    public_key: Buffer;
    requested_at: Date;
    approved_by: string | null;
    approved_at: Date | null;
    left_at: Date | null;
  }>(`SELECT role_name, team_role, public_key, requested_at, approved_by, approved_at, left_at FROM ${quoteIdent(team)}.members ORDER BY requested_at, role_name`);
  return rows.map((row) => ({
    member: row.role_name,
    role: row.team_role,
    state: row.left_at ? 'left' : row.team_role ? 'approved' : 'pending',
    // Computed from the key itself, not the stored text: what an approver compares is what will be wrapped for.
    fingerprint: fingerprint(row.public_key),
    requestedAt: row.requested_at.toISOString(),
    approvedBy: row.approved_by,
    approvedAt: row.approved_at?.toISOString() ?? null,
  }));
}

export function openTeamRecord(key: Buffer, identity: string, sealed: Buffer, what: string): string {
  try {
    return openWith(key, identity, sealed);
  } catch {
    throw new KeywardenError('vault_key_mismatch', `${what} does not open with the team key: it was altered on the server, or moved to another record`, { record: what });
  }
}

function reseal(oldKey: Buffer, newKey: Buffer, identity: string, sealed: Buffer, what: string): Buffer {
  return sealWith(newKey, identity, openTeamRecord(oldKey, identity, sealed, what));
}
