/**
 * What every team suite starts from: a private PostgreSQL cluster (postgres.ts), PGPASSFILE pointed at its password
 * file (as a member's shell would have it), and a data folder with its engine for each member, written into the
 * suite's own `homes` and `engines` (a test may replace a member's, as one starting over does). `close()` undoes it
 * all: each engine resets its vault leaving its team (a team home's reset is refused otherwise) and closes, the
 * folders go, PGPASSFILE is restored and the cluster stops. `legacyTeam` is a team left by an earlier Keywarden.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { KeywardenError } from '../../electron/core/errors.js';
import { TEAM_SCHEMA_VERSION } from '../../electron/core/team/schema.js';
import { MEMBERS, type MemberName, type PrivatePostgres, startPrivatePostgres } from './postgres.js';

export interface TeamHomes {
  server: PrivatePostgres;
  close(): Promise<void>;
}

export async function startTeamHomes(
  label: string,
  homes: Partial<Record<MemberName, string>>,
  engines: Partial<Record<MemberName, KeywardenEngine>>,
  options: { members?: readonly MemberName[]; now?: () => Date } = {},
): Promise<TeamHomes> {
  const members = options.members ?? MEMBERS;
  const server = await startPrivatePostgres(members);
  const previousPassfile = process.env.PGPASSFILE;
  process.env.PGPASSFILE = server.passfile;
  for (const member of members) {
    homes[member] = mkdtempSync(join(tmpdir(), `keywarden-${label}-${member}-`));
    engines[member] = KeywardenEngine.open({ home: homes[member], osUser: member, ...(options.now ? { now: options.now } : {}) });
  }
  return {
    server,
    async close() {
      for (const member of members) {
        const engine = engines[member];
        if (!engine) continue;
        await engine.resetVault({ leaveTeam: true });
        await engine.close();
        rmSync(homes[member]!, { recursive: true, force: true });
      }
      if (previousPassfile === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = previousPassfile;
      server.stop();
    },
  };
}

/** The KeywardenError `promise` ends with: its code, and its message matching `message` when given. */
export async function expectError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<KeywardenError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeywardenError);
  expect((error as KeywardenError).code).toBe(code);
  if (message) expect((error as KeywardenError).message).toMatch(message);
  return error as KeywardenError;
}

/**
 * What each team schema version (electron/core/team/schema.ts) adds to team "legacy", newest first, for `downgrade`
 * to undo: a team of an earlier version lacks all of it, not only what the suite at hand is about. A new version
 * adds its line here.
 */
const ADDED_BY_VERSION: ReadonlyArray<[version: number, undo: string]> = [
  [4, 'DROP TABLE legacy.alert_deliveries, legacy.alert_channel_secrets, legacy.removed_alert_channels, legacy.alert_channels, legacy.snoozes;'],
  [3, 'DROP TABLE legacy.rotation_secrets; DROP TABLE legacy.rotations; DROP FUNCTION legacy.rotation_journal_by_holder();'],
  [
    2,
    `ALTER TABLE legacy.keys DROP COLUMN owner, DROP COLUMN environment, DROP COLUMN tags, DROP COLUMN notes, DROP COLUMN replaces, DROP COLUMN synced_at;
     ALTER TABLE legacy.backends DROP COLUMN vendor_facts, DROP COLUMN last_sync_started_at, DROP COLUMN last_sync_ok_at;
     DROP TABLE legacy.removed_backends; DROP INDEX legacy.tombstones_seq; DROP INDEX legacy.key_secrets_seq;`,
  ],
];

export interface LegacyTeam {
  alice: KeywardenEngine;
  bob: KeywardenEngine;
  /** alice's `team init` of team "legacy", as this version makes it. */
  init(): Promise<void>;
  /** The team as a Keywarden of team schema `version` left it: what later versions add dropped, its version record set back. */
  downgrade(): Promise<void>;
  /**
   * bob joins and is told the team is out of date and that its owner alice brings it up to date; alice's first
   * connection does; she approves bob as an operator.
   */
  upgradeByOwner(): Promise<void>;
  /** Each engine resets its vault leaving the team and closes; the folders go. */
  close(): Promise<void>;
}

/** alice and bob in data folders of their own (not the suite's), for team "legacy" of team schema `version`. */
export function legacyTeam(server: PrivatePostgres, version: number, options: { label: string; now?: () => Date }): LegacyTeam {
  const homes = {
    alice: mkdtempSync(join(tmpdir(), `keywarden-${options.label}-alice-`)),
    bob: mkdtempSync(join(tmpdir(), `keywarden-${options.label}-bob-`)),
  };
  const now = options.now ? { now: options.now } : {};
  const engines = { alice: KeywardenEngine.open({ home: homes.alice, osUser: 'alice', ...now }), bob: KeywardenEngine.open({ home: homes.bob, osUser: 'bob', ...now }) };
  return {
    ...engines,
    async init() {
      await engines.alice.teamInit(server.url('alice'), 'legacy');
    },
    async downgrade() {
      const undo = ADDED_BY_VERSION.filter(([added]) => added > version).map(([, sql]) => sql);
      await server.superuser(`${undo.join('\n')}\nUPDATE legacy.meta SET value = '${version}' WHERE name = 'schema_version';`);
    },
    async upgradeByOwner() {
      const joined = await engines.bob.teamJoin(server.url('bob'), 'legacy');
      await expectError(
        engines.bob.teamSync(),
        'conflict',
        new RegExp(`team "legacy" was set up by an earlier Keywarden \\(team schema ${version}; this one needs ${TEAM_SCHEMA_VERSION}\\): its owner alice brings it up to date`),
      );
      expect((await engines.alice.teamStatus()).server).toMatchObject({ reachable: true, role: 'admin' });
      expect(await server.superuser("SELECT value FROM legacy.meta WHERE name = 'schema_version'")).toEqual([{ value: String(TEAM_SCHEMA_VERSION) }]);
      await engines.alice.teamApprove('bob', 'operator', joined.fingerprint);
    },
    async close() {
      for (const member of ['alice', 'bob'] as const) {
        await engines[member].resetVault({ leaveTeam: true });
        await engines[member].close();
        rmSync(homes[member], { recursive: true, force: true });
      }
    },
  };
}
