/**
 * The team's schema in PostgreSQL, as numbered versions (like the local store's migrations: each version is applied
 * once, in order, in the transaction that needs it; a version that has shipped is never edited). `team init` applies
 * them all; every connection of a linked member checks the version it finds (`requireTeamSchema`), and the schema's
 * owner brings an older one up to date. The design is docs/team.md:
 * group roles per team role, grants that keep sealed secrets and credentials away from viewers entirely, and
 * row-level security (forced, so the owner goes through it too) for what grants cannot say.
 */
import { KeywardenError } from '../errors.js';
import { quoteIdent, type TeamDatabase, type TeamQuery } from './pg.js';

export const TEAM_ROLES = ['viewer', 'operator', 'admin'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

/** A team name is a PostgreSQL schema name and the stem of three role names: kept to what needs no quoting anywhere. */
export function checkTeamName(team: string): string {
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(team)) {
    throw new KeywardenError('invalid_input', `a team name is 1 to 40 lower-case letters, digits and underscores, starting with a letter ("${team}" is not)`);
  }
  return team;
}

/** The group role of a team role: `<team>_viewer`, `<team>_operator`, `<team>_admin` (roles are cluster-wide). */
export function groupRole(team: string, role: TeamRole): string {
  return `${team}_${role}`;
}

/** A team's schema and group roles as SQL identifiers, quoted: what every version's SQL names. */
interface TeamIdentifiers {
  s: string;
  viewer: string;
  operator: string;
  admin: string;
}

function teamIdentifiers(team: string): TeamIdentifiers {
  return {
    s: quoteIdent(team),
    viewer: quoteIdent(groupRole(team, 'viewer')),
    operator: quoteIdent(groupRole(team, 'operator')),
    admin: quoteIdent(groupRole(team, 'admin')),
  };
}

interface TeamSchemaVersion {
  version: number;
  name: string;
  /** The version's SQL for `team`, whose identifiers `names` holds (teamIdentifiers). */
  sql: (team: string, names: TeamIdentifiers) => string;
}

export const TEAM_SCHEMA_VERSIONS: readonly TeamSchemaVersion[] = [
  {
    version: 1,
    name: 'members, wrapped team keys, backends, keys, sealed secrets and credentials, removals, audit, the change counter',
    sql: (team, { s, viewer, operator, admin }) => {
      const viewerName = groupRole(team, 'viewer');
      return `
        CREATE SCHEMA ${s};
        CREATE ROLE ${viewer} NOLOGIN;
        CREATE ROLE ${operator} NOLOGIN IN ROLE ${viewer};
        CREATE ROLE ${admin} NOLOGIN IN ROLE ${operator};

        CREATE TABLE ${s}.meta (name text PRIMARY KEY, value text NOT NULL);
        -- One row: the change sequence. Every write takes the next number with UPDATE ... RETURNING; the row lock
        -- serialises writers, so changes commit in sequence order and a pull that sees N has seen all up to N.
        CREATE TABLE ${s}.counter (single boolean PRIMARY KEY DEFAULT true CHECK (single), seq bigint NOT NULL);
        INSERT INTO ${s}.counter VALUES (true, 0);

        CREATE TABLE ${s}.members (
          role_name    name PRIMARY KEY DEFAULT current_user,
          public_key   bytea NOT NULL CHECK (length(public_key) = 32),
          fingerprint  text NOT NULL,
          team_role    text CHECK (team_role IN ('viewer', 'operator', 'admin')),
          requested_at timestamptz NOT NULL DEFAULT now(),
          approved_by  name,
          approved_at  timestamptz,
          left_at      timestamptz
        );
        CREATE TABLE ${s}.team_keys (
          generation integer NOT NULL,
          member     name NOT NULL,
          wrapped    bytea NOT NULL,
          PRIMARY KEY (generation, member)
        );
        CREATE TABLE ${s}.backends (
          name              text PRIMARY KEY,
          type              text NOT NULL,
          url               text,
          settings          text NOT NULL DEFAULT '{}',
          rotate_every_days integer,
          created_at        text NOT NULL,
          seq               bigint NOT NULL
        );
        CREATE TABLE ${s}.backend_credentials (
          backend    text PRIMARY KEY REFERENCES ${s}.backends(name) ON DELETE CASCADE,
          sealed     bytea NOT NULL,
          generation integer NOT NULL,
          seq        bigint NOT NULL
        );
        CREATE TABLE ${s}.keys (
          backend       text NOT NULL REFERENCES ${s}.backends(name) ON DELETE CASCADE,
          key_id        text NOT NULL,
          name          text NOT NULL,
          prefix        text,
          status        text NOT NULL CHECK (status IN ('active', 'grace', 'revoked', 'expired')),
          created_at    text,
          expires_at    text,
          grace_ends_at text,
          last_used_at  text,
          details       text NOT NULL DEFAULT '{}',
          seq           bigint NOT NULL,
          changed_by    name NOT NULL DEFAULT current_user,
          PRIMARY KEY (backend, key_id)
        );
        CREATE INDEX keys_seq ON ${s}.keys (seq);
        CREATE TABLE ${s}.key_secrets (
          backend    text NOT NULL,
          key_id     text NOT NULL,
          sealed     bytea NOT NULL,
          generation integer NOT NULL,
          cached_at  text NOT NULL,
          seq        bigint NOT NULL,
          PRIMARY KEY (backend, key_id),
          FOREIGN KEY (backend, key_id) REFERENCES ${s}.keys (backend, key_id) ON DELETE CASCADE
        );
        CREATE TABLE ${s}.tombstones (backend text NOT NULL, key_id text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (backend, key_id));
        CREATE TABLE ${s}.audit (
          id        bigserial PRIMARY KEY,
          seq       bigint NOT NULL,
          at        text NOT NULL,
          member    name NOT NULL DEFAULT current_user,
          action    text NOT NULL,
          backend   text,
          ref       text,
          outcome   text NOT NULL CHECK (outcome IN ('ok', 'failed', 'unknown')),
          detail    text,
          prev_hash text NOT NULL,
          hash      text NOT NULL
        );

        -- Anyone who may connect to the database may ask to join (RLS: only as themselves, only as pending).
        GRANT USAGE ON SCHEMA ${s} TO PUBLIC;
        GRANT SELECT ON ${s}.meta TO PUBLIC;
        GRANT SELECT, INSERT ON ${s}.members TO PUBLIC;
        GRANT UPDATE (left_at) ON ${s}.members TO PUBLIC;
        -- Viewers: the inventory's metadata. No grant at all on key_secrets or backend_credentials.
        GRANT SELECT ON ${s}.counter, ${s}.backends, ${s}.keys, ${s}.tombstones, ${s}.audit, ${s}.team_keys TO ${viewer};
        -- Operators: use and write keys and their secrets; read credentials.
        GRANT UPDATE ON ${s}.counter TO ${operator};
        GRANT INSERT, UPDATE, DELETE ON ${s}.keys, ${s}.tombstones TO ${operator};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.key_secrets TO ${operator};
        GRANT SELECT ON ${s}.backend_credentials TO ${operator};
        GRANT INSERT ON ${s}.audit TO ${operator};
        GRANT USAGE ON SEQUENCE ${s}.audit_id_seq TO ${operator};
        -- Admins: backends and their credentials, members, team keys, the current key generation.
        GRANT INSERT, UPDATE, DELETE ON ${s}.backends, ${s}.backend_credentials, ${s}.team_keys TO ${admin};
        GRANT UPDATE, DELETE ON ${s}.members TO ${admin};
        GRANT UPDATE ON ${s}.meta TO ${admin};

        ALTER TABLE ${s}.members ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${s}.members FORCE ROW LEVEL SECURITY;
        CREATE POLICY members_read ON ${s}.members FOR SELECT USING (role_name = current_user OR pg_has_role(current_user, '${viewerName}', 'USAGE'));
        CREATE POLICY members_join ON ${s}.members FOR INSERT
          WITH CHECK (role_name = current_user AND team_role IS NULL AND approved_by IS NULL AND approved_at IS NULL AND left_at IS NULL);
        CREATE POLICY members_leave ON ${s}.members FOR UPDATE USING (role_name = current_user) WITH CHECK (role_name = current_user);
        CREATE POLICY members_admin ON ${s}.members FOR ALL TO ${admin} USING (true) WITH CHECK (true);

        ALTER TABLE ${s}.team_keys ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${s}.team_keys FORCE ROW LEVEL SECURITY;
        CREATE POLICY team_keys_own ON ${s}.team_keys FOR SELECT USING (member = current_user);
        CREATE POLICY team_keys_admin ON ${s}.team_keys FOR ALL TO ${admin} USING (true) WITH CHECK (true);

        ALTER TABLE ${s}.audit ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${s}.audit FORCE ROW LEVEL SECURITY;
        CREATE POLICY audit_read ON ${s}.audit FOR SELECT USING (true);
        CREATE POLICY audit_write ON ${s}.audit FOR INSERT WITH CHECK (member = current_user);
      `;
    },
  },
  {
    version: 2,
    name: "vendor backends on the team: keys' descriptions and lineage, a sync's facts and times, removed backends",
    // Idempotent (IF NOT EXISTS), as `requireTeamSchema` may meet a schema half-way between versions it did not make.
    sql: (team, { s, viewer, operator, admin }) => {
      return `
        -- What the administrators say about a key (owner, environment, tags as a JSON list, notes), the key it replaces
        -- (JSON {id, name, prefix}), and when a vendor last listed it as it is: written by the writer, pulled by all.
        ALTER TABLE ${s}.keys ADD COLUMN IF NOT EXISTS owner text, ADD COLUMN IF NOT EXISTS environment text, ADD COLUMN IF NOT EXISTS tags text,
          ADD COLUMN IF NOT EXISTS notes text, ADD COLUMN IF NOT EXISTS replaces text, ADD COLUMN IF NOT EXISTS synced_at text;
        -- A sync's facts about the vendor account and its times, so every member's copy says when the team last listed it.
        ALTER TABLE ${s}.backends ADD COLUMN IF NOT EXISTS vendor_facts text, ADD COLUMN IF NOT EXISTS last_sync_started_at text,
          ADD COLUMN IF NOT EXISTS last_sync_ok_at text;
        CREATE TABLE IF NOT EXISTS ${s}.removed_backends (name text PRIMARY KEY, seq bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS tombstones_seq ON ${s}.tombstones (seq);
        CREATE INDEX IF NOT EXISTS key_secrets_seq ON ${s}.key_secrets (seq);
        GRANT SELECT ON ${s}.removed_backends TO ${viewer};
        GRANT INSERT, UPDATE, DELETE ON ${s}.removed_backends TO ${admin};
        -- An operator's sync writes what it listed about the account, never the backend's address or settings.
        GRANT UPDATE (vendor_facts, last_sync_started_at, last_sync_ok_at, seq) ON ${s}.backends TO ${operator};
      `;
    },
  },
  {
    version: 3,
    name: 'guided rotation in a team home: the rotation journal, its lease, and a pasted secret sealed under the team key',
    // Idempotent, as version 2: IF NOT EXISTS, and policies and the trigger dropped before they are made again.
    sql: (team, { s, viewer, operator }) => {
      return `
        -- One row per rotation, the journal as rotation/steps.ts writes it (steps and consumers as JSON lists), and its
        -- lease: the member running it (holder) until lease_until. At most one open rotation per key across the team.
        CREATE TABLE IF NOT EXISTS ${s}.rotations (
          id            bigserial PRIMARY KEY,
          backend       text NOT NULL REFERENCES ${s}.backends(name) ON DELETE CASCADE,
          key_id        text NOT NULL,
          plan          text NOT NULL CHECK (plan IN ('revoke-replace', 'create-overlap', 'paste-first', 'revoke-first', 'paste-secret')),
          state         text NOT NULL CHECK (state IN ('active', 'done', 'abandoned')),
          options       text NOT NULL DEFAULT '{}',
          steps         text NOT NULL,
          consumers     text NOT NULL DEFAULT '[]',
          new_key_id    text,
          grace_ends_at text,
          problem       text,
          problem_kind  text,
          started_by    name NOT NULL DEFAULT current_user,
          started_at    text NOT NULL,
          updated_at    text NOT NULL,
          finished_at   text,
          holder        name,
          lease_until   timestamptz,
          seq           bigint NOT NULL,
          CHECK ((holder IS NULL) = (lease_until IS NULL)),
          CHECK (state = 'active' OR holder IS NULL)
        );
        CREATE UNIQUE INDEX IF NOT EXISTS rotations_one_open_per_key ON ${s}.rotations (backend, key_id) WHERE state = 'active';
        CREATE INDEX IF NOT EXISTS rotations_seq ON ${s}.rotations (seq);
        -- A pasted secret (a manual key's rotation) between its paste and its storing, sealed under the team key: no
        -- grant at all to viewers, as key_secrets.
        CREATE TABLE IF NOT EXISTS ${s}.rotation_secrets (
          rotation_id bigint PRIMARY KEY REFERENCES ${s}.rotations(id) ON DELETE CASCADE,
          sealed      bytea NOT NULL,
          generation  integer NOT NULL,
          seq         bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS rotation_secrets_seq ON ${s}.rotation_secrets (seq);
        GRANT SELECT ON ${s}.rotations TO ${viewer};
        GRANT INSERT, UPDATE ON ${s}.rotations TO ${operator};
        GRANT USAGE ON SEQUENCE ${s}.rotations_id_seq TO ${operator};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.rotation_secrets TO ${operator};

        -- The lease, enforced here whatever the client: a rotation is started only as its own holder; a row is changed
        -- only by its holder, or taken when its lease is free or over; a new lease is only one's own.
        ALTER TABLE ${s}.rotations ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${s}.rotations FORCE ROW LEVEL SECURITY;
        DROP POLICY IF EXISTS rotations_read ON ${s}.rotations;
        DROP POLICY IF EXISTS rotations_start ON ${s}.rotations;
        DROP POLICY IF EXISTS rotations_lease ON ${s}.rotations;
        CREATE POLICY rotations_read ON ${s}.rotations FOR SELECT USING (true);
        CREATE POLICY rotations_start ON ${s}.rotations FOR INSERT WITH CHECK (started_by = current_user AND holder = current_user AND state = 'active');
        CREATE POLICY rotations_lease ON ${s}.rotations FOR UPDATE
          USING (holder IS NULL OR holder = current_user OR lease_until < now())
          WITH CHECK (holder IS NULL OR holder = current_user);
        -- What row-level security cannot compare (the row before and after): the journal itself changes only in a
        -- statement of the member who held the lease before it; taking or letting go of a lease changes nothing else.
        CREATE OR REPLACE FUNCTION ${s}.rotation_journal_by_holder() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF (NEW.backend, NEW.key_id, NEW.plan, NEW.started_by, NEW.started_at) IS DISTINCT FROM (OLD.backend, OLD.key_id, OLD.plan, OLD.started_by, OLD.started_at) THEN
            RAISE EXCEPTION 'rotation %: its key, plan and start are never changed', OLD.id USING ERRCODE = '42501';
          END IF;
          IF (NEW.state, NEW.options, NEW.steps, NEW.consumers, NEW.new_key_id, NEW.grace_ends_at, NEW.problem, NEW.problem_kind, NEW.finished_at)
             IS DISTINCT FROM (OLD.state, OLD.options, OLD.steps, OLD.consumers, OLD.new_key_id, OLD.grace_ends_at, OLD.problem, OLD.problem_kind, OLD.finished_at)
             AND OLD.holder IS DISTINCT FROM current_user THEN
            RAISE EXCEPTION 'rotation %: only the member holding its lease writes its journal (the holder is %)', OLD.id, coalesce(OLD.holder::text, 'nobody') USING ERRCODE = '42501';
          END IF;
          IF OLD.state <> 'active' AND NEW IS DISTINCT FROM OLD THEN
            RAISE EXCEPTION 'rotation % is % already', OLD.id, OLD.state USING ERRCODE = '42501';
          END IF;
          RETURN NEW;
        END $$;
        DROP TRIGGER IF EXISTS rotations_by_holder ON ${s}.rotations;
        CREATE TRIGGER rotations_by_holder BEFORE UPDATE ON ${s}.rotations FOR EACH ROW EXECUTE FUNCTION ${s}.rotation_journal_by_holder();
      `;
    },
  },
  {
    version: 4,
    name: "alerts once per team: the team's alert channels (secrets sealed under the team key), each alert claimed and recorded, snoozes",
    // Idempotent (IF NOT EXISTS; a policy dropped before it is made), as `requireTeamSchema` may meet a schema half-way.
    sql: (team, { s, viewer, operator, admin }) => {
      return `
        -- The team's alert channels (docs/team.md, "Alerts and snoozes in a team home"): what is not secret, written
        -- by admins and pulled by everyone; and the channel's state, team-wide (its last attempt by any member's host,
        -- failures in a row, the backoff every host waits out), written by whoever sent.
        CREATE TABLE IF NOT EXISTS ${s}.alert_channels (
          name                 text PRIMARY KEY,
          type                 text NOT NULL CHECK (type IN ('webhook', 'slack', 'email')),
          config               text NOT NULL,
          created_at           text NOT NULL,
          created_by           name NOT NULL DEFAULT current_user,
          has_secret           boolean NOT NULL DEFAULT false,
          seq                  bigint NOT NULL,
          last_attempt_at      text,
          last_ok_at           text,
          last_error           text,
          consecutive_failures integer NOT NULL DEFAULT 0,
          next_attempt_at      text
        );
        -- A channel's secret (a webhook's signing secret, a Slack webhook's URL, the SMTP login), sealed under the team key.
        CREATE TABLE IF NOT EXISTS ${s}.alert_channel_secrets (
          channel    text PRIMARY KEY REFERENCES ${s}.alert_channels(name) ON DELETE CASCADE,
          sealed     bytea NOT NULL,
          generation integer NOT NULL,
          seq        bigint NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ${s}.removed_alert_channels (name text PRIMARY KEY, seq bigint NOT NULL);
        -- One row per (channel, key, due date, stage), the primary key: an alert is claimed once for the whole team
        -- (INSERT ... ON CONFLICT DO NOTHING, or a lease taken over once it expired), then sent or failed, by whom.
        CREATE TABLE IF NOT EXISTS ${s}.alert_deliveries (
          channel         text NOT NULL REFERENCES ${s}.alert_channels(name) ON DELETE CASCADE,
          ref             text NOT NULL,
          kind            text NOT NULL,
          due_at          text NOT NULL,
          stage           text NOT NULL,
          state           text NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'superseded')),
          attempts        integer NOT NULL DEFAULT 0,
          claimed_by      name,
          claim           text,
          claimed_until   text,
          next_attempt_at text,
          last_error      text,
          created_at      text NOT NULL,
          sent_at         text,
          sent_by         name,
          PRIMARY KEY (channel, ref, kind, due_at, stage)
        );
        CREATE INDEX IF NOT EXISTS alert_deliveries_open ON ${s}.alert_deliveries (channel, state) WHERE state IN ('sending', 'failed');
        -- A key's reminder put off for everyone: one row per key, the latest snooze wins; the stage it was at, so every
        -- copy says that stage again when it ends.
        CREATE TABLE IF NOT EXISTS ${s}.snoozes (
          ref        text PRIMARY KEY,
          kind       text NOT NULL,
          due_at     text NOT NULL,
          stage      text,
          until      text NOT NULL,
          snoozed_by name NOT NULL DEFAULT current_user,
          snoozed_at text NOT NULL,
          seq        bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS alert_channels_seq ON ${s}.alert_channels (seq);
        CREATE INDEX IF NOT EXISTS snoozes_seq ON ${s}.snoozes (seq);

        -- Viewers: channels (no secret), what was sent, snoozes. No grant at all on alert_channel_secrets.
        GRANT SELECT ON ${s}.alert_channels, ${s}.removed_alert_channels, ${s}.alert_deliveries, ${s}.snoozes TO ${viewer};
        -- Operators: read channel secrets, claim and record alerts, the channel's state; snooze.
        GRANT SELECT ON ${s}.alert_channel_secrets TO ${operator};
        GRANT INSERT, UPDATE ON ${s}.alert_deliveries, ${s}.snoozes TO ${operator};
        GRANT UPDATE (last_attempt_at, last_ok_at, last_error, consecutive_failures, next_attempt_at) ON ${s}.alert_channels TO ${operator};
        -- Admins: the channels and their secrets.
        GRANT INSERT, UPDATE, DELETE ON ${s}.alert_channels, ${s}.alert_channel_secrets, ${s}.removed_alert_channels TO ${admin};
        GRANT DELETE ON ${s}.alert_deliveries TO ${admin};

        -- Who claimed and who sent an alert, and who snoozed, is the writer's own role name.
        ALTER TABLE ${s}.alert_deliveries ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${s}.alert_deliveries FORCE ROW LEVEL SECURITY;
        DROP POLICY IF EXISTS alert_deliveries_read ON ${s}.alert_deliveries;
        DROP POLICY IF EXISTS alert_deliveries_claim ON ${s}.alert_deliveries;
        DROP POLICY IF EXISTS alert_deliveries_record ON ${s}.alert_deliveries;
        DROP POLICY IF EXISTS alert_deliveries_admin ON ${s}.alert_deliveries;
        CREATE POLICY alert_deliveries_read ON ${s}.alert_deliveries FOR SELECT USING (true);
        CREATE POLICY alert_deliveries_claim ON ${s}.alert_deliveries FOR INSERT
          WITH CHECK ((claimed_by IS NULL OR claimed_by = current_user) AND (sent_by IS NULL OR sent_by = current_user));
        CREATE POLICY alert_deliveries_record ON ${s}.alert_deliveries FOR UPDATE USING (true)
          WITH CHECK ((claimed_by IS NULL OR claimed_by = current_user) AND (sent_by IS NULL OR sent_by = current_user));
        CREATE POLICY alert_deliveries_admin ON ${s}.alert_deliveries FOR DELETE TO ${admin} USING (true);

        ALTER TABLE ${s}.snoozes ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${s}.snoozes FORCE ROW LEVEL SECURITY;
        DROP POLICY IF EXISTS snoozes_read ON ${s}.snoozes;
        DROP POLICY IF EXISTS snoozes_write ON ${s}.snoozes;
        DROP POLICY IF EXISTS snoozes_rewrite ON ${s}.snoozes;
        CREATE POLICY snoozes_read ON ${s}.snoozes FOR SELECT USING (true);
        CREATE POLICY snoozes_write ON ${s}.snoozes FOR INSERT WITH CHECK (snoozed_by = current_user);
        CREATE POLICY snoozes_rewrite ON ${s}.snoozes FOR UPDATE USING (true) WITH CHECK (snoozed_by = current_user);
      `;
    },
  },
];

export const TEAM_SCHEMA_VERSION = TEAM_SCHEMA_VERSIONS.at(-1)!.version;

/** Creates the team's schema at the newest version (inside the caller's transaction: `team init`). */
export async function createTeamSchema(tx: TeamQuery, team: string): Promise<void> {
  const names = teamIdentifiers(team);
  for (const version of TEAM_SCHEMA_VERSIONS) await tx.query(version.sql(team, names));
  await tx.query(`INSERT INTO ${quoteIdent(team)}.meta (name, value) VALUES ('schema_version', $1)`, [String(TEAM_SCHEMA_VERSION)]);
}

/**
 * The channel every team write NOTIFYs after it commits (the payload is the change number, nothing else): a member's
 * long-running process LISTENs on it and pulls when woken. Any role that can connect can listen; it learns only that
 * something changed.
 */
export function teamChannel(team: string): string {
  return `keywarden_team_${team}`;
}

/**
 * Brings a team made by an earlier Keywarden up to this one's schema, when this connection may: the versions it lacks
 * are applied in one transaction, under a lock on its version record, by the role that owns the schema (the one that
 * ran `team init`; PostgreSQL lets only an owner alter a table). Anyone else is told who must connect once.
 */
export async function requireTeamSchema(db: TeamDatabase, team: string, options: TeamSchemaOptions = {}): Promise<void> {
  const { schemaVersion } = await readTeamMeta(db, team);
  if (schemaVersion >= TEAM_SCHEMA_VERSION) return;
  const owner = (await db.query<{ owner: string }>('SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1', [team]))[0]?.owner;
  if (owner !== db.role) {
    throw new KeywardenError(
      'conflict',
      `the team "${team}" was set up by an earlier Keywarden (team schema ${schemaVersion}; this one needs ${TEAM_SCHEMA_VERSION}): its owner ${owner ?? '(unknown)'} brings it up to date by connecting once with this version ("keywarden team status")`,
    );
  }
  await db.transaction(async (tx) => {
    const s = quoteIdent(team);
    const found = Number((await tx.query<{ value: string }>(`SELECT value FROM ${s}.meta WHERE name = 'schema_version' FOR UPDATE`))[0]?.value ?? 0);
    const names = teamIdentifiers(team);
    for (const version of TEAM_SCHEMA_VERSIONS) if (version.version > found) await tx.query(version.sql(team, names));
    if (found < 3) await startRotationIdsAfter(tx, team, options.localRotationIds?.() ?? 0);
    await tx.query(`UPDATE ${s}.meta SET value = $1 WHERE name = 'schema_version'`, [String(TEAM_SCHEMA_VERSION)]);
  });
}

export interface TeamSchemaOptions {
  /**
   * The highest rotation id in the connecting data folder's own journal (`team init`, or the owner bringing a team to
   * version 3): the team's rotation ids start above it. A team home copies the team's rotations under the team's ids,
   * and the only folder with a journal of its own from before it was linked is the one that ran `team init`.
   */
  localRotationIds?: () => number;
}

/** Makes the team's next rotation id larger than `floor` (see `TeamSchemaOptions.localRotationIds`). */
export async function startRotationIdsAfter(tx: TeamQuery, team: string, floor: number): Promise<void> {
  if (floor < 1) return;
  await tx.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), GREATEST($2::bigint, (SELECT COALESCE(MAX(id), 0) FROM ${quoteIdent(team)}.rotations)))`, [
    `${quoteIdent(team)}.rotations`,
    floor,
  ]);
}

/** The team's meta records (readable by anyone who may connect): its id, schema version, key generation, audit genesis. */
export async function readTeamMeta(db: TeamQuery, team: string): Promise<{ teamId: string; schemaVersion: number; generation: number; genesis: string }> {
  const rows = await db.query<{ name: string; value: string }>(`SELECT name, value FROM ${quoteIdent(team)}.meta`);
  const meta = new Map(rows.map((row) => [row.name, row.value]));
  const schemaVersion = Number(meta.get('schema_version'));
  if (schemaVersion > TEAM_SCHEMA_VERSION) {
    throw new KeywardenError('conflict', `the team "${team}" was set up by a newer Keywarden (team schema ${schemaVersion}, this one knows ${TEAM_SCHEMA_VERSION}); update Keywarden`);
  }
  return { teamId: meta.get('team_id') ?? '', schemaVersion, generation: Number(meta.get('generation') ?? 0), genesis: meta.get('audit_genesis') ?? '' };
}
