/**
 * What every team suite starts from: a private PostgreSQL cluster (postgres.ts), PGPASSFILE pointed at its password
 * file (as a member's shell would have it), and a data folder with its engine for each member, written into the
 * suite's own `homes` and `engines` (a test may replace a member's, as one starting over does). `close()` undoes it
 * all: each engine resets its vault leaving its team (a team home's reset is refused otherwise) and closes, the
 * folders go, PGPASSFILE is restored and the cluster stops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { KeywardenError } from '../../electron/core/errors.js';
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
