/**
 * The team inventory as it crosses to the console (the contract's `team:*` methods; docs/team.md): this data folder's
 * link and the server's state, the members, a removal's keys to rotate, a pull, and the team's audit trail with its
 * chain's verdict. The engine's side is `electron/core/team/`; nothing here is ever a secret (a fingerprint and a
 * database described without its password are not).
 */
import { z } from 'zod';
import { AuditChainStatus } from './audit.js';
import { AuditOutcome, IsoDate, KeyRef } from './domain.js';

export const TEAM_ROLES = ['viewer', 'operator', 'admin'] as const;
export const TeamRole = z.enum(TEAM_ROLES);
export type TeamRole = z.infer<typeof TeamRole>;

/** A member is named by their PostgreSQL login role (at most 63 bytes, PostgreSQL's NAMEDATALEN). */
export const TeamMemberName = z.string().min(1).max(63);

export const TeamMember = z.object({
  member: TeamMemberName,
  /** Null while pending. */
  role: TeamRole.nullable(),
  state: z.enum(['pending', 'approved', 'left']),
  /** SHA-256 of the member's public key: 16 groups of 4 hexadecimal digits. */
  fingerprint: z.string(),
  requestedAt: IsoDate,
  approvedBy: z.string().nullable(),
  approvedAt: IsoDate.nullable(),
});
export type TeamMember = z.infer<typeof TeamMember>;

/** What the server says about this member, or why it could not be asked (the local copy stays readable either way). */
export const TeamServerState = z.discriminatedUnion('reachable', [
  z.object({
    reachable: z.literal(true),
    role: TeamRole.nullable(),
    state: z.enum(['pending', 'approved', 'left', 'removed']),
    /** The team's change number now. */
    seq: z.number().int().nonnegative(),
    /** The team key's generation (one more after every removal). */
    generation: z.number().int().nonnegative(),
    /** Members waiting for an admin's approval. */
    pending: z.number().int().nonnegative(),
  }),
  z.object({ reachable: z.literal(false), problem: z.string() }),
]);
export type TeamServerState = z.infer<typeof TeamServerState>;

export const TeamStatus = z.discriminatedUnion('linked', [
  /** A personal data folder: `home` is where it is, for the commands that create or join a team. */
  z.object({ linked: z.literal(false), home: z.string() }),
  z.object({
    linked: z.literal(true),
    team: z.string(),
    /** Who and where, never a password: `alice@db.example.org:5432/keys`. */
    database: z.string(),
    member: TeamMemberName,
    /** This member's own key fingerprint, to read to an admin. */
    fingerprint: z.string(),
    linkedAt: IsoDate,
    /** The last pull that reached the server (null: never pulled). */
    pulledAt: IsoDate.nullable(),
    /** The change number the local copy is up to. */
    localSeq: z.number().int().nonnegative(),
    server: TeamServerState,
  }),
]);
export type TeamStatus = z.infer<typeof TeamStatus>;

export const TeamApproval = z
  .object({
    member: TeamMemberName,
    role: TeamRole,
    /** The fingerprint the member read to the approver, as typed: compared ignoring spaces, colons, dashes and case. */
    fingerprint: z.string().trim().min(1).max(200),
  })
  .strict();
export type TeamApproval = z.infer<typeof TeamApproval>;

/** A new team key generation, made because a member no longer holds the team key (removed, or made a viewer). */
export const TeamRotation = z.object({
  /** The new team key's generation. */
  generation: z.number().int().positive(),
  /** Keys whose secret the member could have read: rotate them at their vendors. The name from the local copy, when it has the key. */
  keysToRotate: z.array(z.object({ ref: KeyRef, name: z.string().nullable() })),
  /** Backends whose credential the member could have read. */
  credentialsToRotate: z.array(z.string()),
});
export type TeamRotation = z.infer<typeof TeamRotation>;

export const TeamRemoval = TeamRotation.extend({ member: TeamMemberName });
export type TeamRemoval = z.infer<typeof TeamRemoval>;

/** An admin changes an approved member's role (never their own: another admin does). */
export const TeamRoleChange = z
  .object({
    member: TeamMemberName,
    role: TeamRole,
    /**
     * The fingerprint the member read out, as typed: needed when the change gives the team key to a member who holds
     * none (a viewer made an operator or admin), and compared whenever it is given.
     */
    fingerprint: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type TeamRoleChange = z.infer<typeof TeamRoleChange>;

export const TeamRoleChanged = z.object({
  member: TeamMember,
  /** The role before the change (null: the member was pending, so this was their approval). */
  previous: TeamRole.nullable(),
  /** A demotion to viewer rotates the team key, as a removal does: what they could have read. Null otherwise. */
  rotation: TeamRotation.nullable(),
});
export type TeamRoleChanged = z.infer<typeof TeamRoleChanged>;

/** A team's name: a PostgreSQL schema name, as `team init` accepts it. */
export const TeamName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/);

export const TeamLeave = z
  .object({
    /** The team's name as the member typed it to confirm; the engine leaves only if it is this data folder's team. */
    team: TeamName,
  })
  .strict();
export type TeamLeave = z.infer<typeof TeamLeave>;

export const TeamLeft = z.object({ team: TeamName, member: TeamMemberName });
export type TeamLeft = z.infer<typeof TeamLeft>;

export const TeamPull = z.object({
  backends: z.number().int().nonnegative(),
  keys: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
  secrets: z.number().int().nonnegative(),
  credentials: z.number().int().nonnegative(),
  /** Rotations whose journal was copied (started, moved on or finished by a member). */
  rotations: z.number().int().nonnegative(),
  /** The change number the local copy is now up to. */
  seq: z.number().int().nonnegative(),
});
export type TeamPull = z.infer<typeof TeamPull>;

/** One event of the team's audit trail, as the server holds it (`at` as stored: an edited row may hold anything). */
export const TeamAuditEvent = z.object({
  id: z.number().int(),
  /** The change number of the write that recorded it. */
  seq: z.number().int(),
  at: z.string(),
  /** The PostgreSQL role that wrote it (row-level security allows only one's own). */
  member: z.string(),
  action: z.string(),
  backend: z.string().nullable(),
  ref: z.string().nullable(),
  outcome: AuditOutcome,
  detail: z.string().nullable(),
});
export type TeamAuditEvent = z.infer<typeof TeamAuditEvent>;

export const TeamAuditQuery = z
  .object({
    /** The newest `limit` events (default 50). */
    limit: z.number().int().min(1).max(1000).optional(),
    /** Also walk the whole chain and say whether it verifies. */
    verify: z.boolean().optional(),
  })
  .strict();
export type TeamAuditQuery = z.infer<typeof TeamAuditQuery>;

export const TeamAudit = z.object({
  /** Newest first. */
  events: z.array(TeamAuditEvent),
  /** The chain's verdict when asked for (`verify`), else null. */
  chain: AuditChainStatus.nullable(),
});
export type TeamAudit = z.infer<typeof TeamAudit>;
