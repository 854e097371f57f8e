/**
 * The contract's `team:*` methods (shared/team.ts) over the engine's team workflow, for the console's Team view. The
 * workflow itself (and with it `pg` and HPKE) is loaded by the engine on the first team call, so a personal data
 * folder's console pays nothing for it: `team:status` answers a personal folder from the local link alone.
 *
 * PostgreSQL's refusals reach the console in its own words: a permission the member's team role lacks is said as
 * "approving members needs the team's admin role; you (carol) are a viewer", with PostgreSQL's reason after it (the
 * grants are the rule, not a check made here); an unreachable server says that nothing changed and that the local
 * copy stays readable. Codes and details stay the engine's, so the console can still branch on them.
 */
import type { ContractHandlers } from '../../shared/contract.js';
import type { InventoryChange } from '../../shared/domain.js';
import type { TeamMember, TeamStatus } from '../../shared/team.js';
import type { KeywardenEngine } from './engine.js';
import { KeywardenError } from './errors.js';

type TeamMethod = 'team:status' | 'team:members' | 'team:approve' | 'team:role' | 'team:remove' | 'team:leave' | 'team:sync' | 'team:audit';

/** What each action is called in a refusal, and what its refusal means was not done. */
const ACTIONS = {
  members: { needs: 'Listing the members needs an approved member', undone: 'Nothing was read' },
  approve: { needs: "Approving members needs the team's admin role", undone: 'Nothing was approved' },
  role: { needs: "Changing members' roles needs the team's admin role", undone: 'No role was changed' },
  leave: { needs: 'Leaving needs a member of the team', undone: 'You have not left: this data folder still follows the team' },
  remove: { needs: "Removing members needs the team's admin role", undone: 'Nothing was removed and the team key was not rotated' },
  pull: { needs: 'Pulling needs an approved member', undone: 'Nothing was pulled' },
  audit: { needs: "Reading the team's audit trail needs an approved member", undone: 'Nothing was read' },
} as const;
type TeamAction = keyof typeof ACTIONS;

function roleInWords(status: TeamStatus): string {
  if (!status.linked) return 'not a member';
  if (!status.server.reachable) return 'a member whose role the server did not say';
  const { role, state } = status.server;
  if (state === 'pending') return 'not approved yet';
  if (state === 'left') return 'a member who has left';
  if (state === 'removed') return 'no longer a member';
  return role === 'admin' ? 'an admin' : `${role === 'operator' ? 'an operator' : 'a viewer'}`;
}

export function createTeamHandlers(engine: KeywardenEngine, changing: <T>(change: InventoryChange, run: () => Promise<T>) => Promise<T>): Pick<ContractHandlers, TeamMethod> {
  const status = async (): Promise<TeamStatus> => {
    // The engine's own folder (a host may not name it): the commands shown for a personal folder need it.
    if (!engine.isTeamHome()) return { linked: false, home: engine.home };
    return { linked: true, ...(await engine.teamStatus()) };
  };

  /** Runs a team action; PostgreSQL's refusal of the member's role, or an unreachable server, said in the console's words. */
  const inConsoleWords = async <T>(action: TeamAction, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof KeywardenError)) throw error;
      const words = ACTIONS[action];
      if (error.code === 'forbidden' && error.details.sqlstate === '42501') {
        // Asked again only on this path: the member's role as the server has it now, to say who was refused.
        const now = await status().catch(() => null);
        const who = now?.linked ? `you (${now.member}) are ${roleInWords(now)}` : 'your team role does not allow it';
        const reason = error.cause instanceof Error ? error.cause.message : 'permission denied';
        throw new KeywardenError('forbidden', `${words.needs}; ${who}. PostgreSQL refused it (${reason}). ${words.undone}.`, { ...error.details }, { cause: error });
      }
      if (error.code === 'network' || error.code === 'timeout') {
        throw new KeywardenError(
          error.code,
          `${words.undone}: the team's server cannot be reached (${error.message}). The local copy stays readable; try again when the server is back.`,
          { ...error.details },
          { cause: error },
        );
      }
      throw error;
    }
  };

  const member = (m: TeamMember): TeamMember => ({
    member: m.member,
    role: m.role,
    state: m.state,
    fingerprint: m.fingerprint,
    requestedAt: m.requestedAt,
    approvedBy: m.approvedBy,
    approvedAt: m.approvedAt,
  });

  /** A key's name in the local copy, for the list of keys to rotate (null when this copy does not have it). */
  const nameOf = (ref: string): string | null => {
    try {
      return engine.getKey(ref).name;
    } catch {
      return null;
    }
  };

  const rotation = (report: { generation: number; keysToRotate: string[]; credentialsToRotate: string[] }) => ({
    generation: report.generation,
    keysToRotate: report.keysToRotate.map((ref) => ({ ref, name: nameOf(ref) })),
    credentialsToRotate: report.credentialsToRotate,
  });

  return {
    'team:status': status,
    'team:members': () => inConsoleWords('members', async () => (await engine.teamMembers()).map(member)),
    'team:approve': ({ member: name, role, fingerprint }) => inConsoleWords('approve', async () => member(await engine.teamApprove(name, role, fingerprint))),
    'team:role': ({ member: name, role, fingerprint }) =>
      inConsoleWords('role', async () => {
        const change = await engine.teamSetRole(name, role, fingerprint ?? null);
        return { member: member(change.member), previous: change.previous, rotation: change.rotation ? rotation(change.rotation) : null };
      }),
    'team:remove': (name) =>
      inConsoleWords('remove', async () => {
        const report = await engine.teamRemove(name);
        return { member: report.member, ...rotation(report) };
      }),
    // The folder stops being a team home: every open view refreshes (what a view offers differs in a team home).
    'team:leave': ({ team }) => changing({ reason: 'sync', backend: null }, () => inConsoleWords('leave', () => engine.teamLeave({ confirmTeam: team }))),
    // A pull changes the local copy: every open view refreshes.
    'team:sync': () => changing({ reason: 'sync', backend: null }, () => inConsoleWords('pull', () => engine.teamSync())),
    'team:audit': ({ limit, verify }) =>
      inConsoleWords('audit', async () => {
        const events = (await engine.teamAudit(limit ?? 50)).map(({ id, seq, at, member: who, action, backend, ref, outcome, detail }) => ({
          id,
          seq,
          at,
          member: who,
          action,
          backend,
          ref,
          outcome,
          detail,
        }));
        return { events, chain: verify ? await engine.verifyTeamAudit() : null };
      }),
  };
}
