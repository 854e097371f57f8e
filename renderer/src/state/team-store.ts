/**
 * The Team view's state (docs/team.md): this data folder's link and the server's state (`team:status`), the members,
 * the team's recent activity and its chain's verdict, Pull now, and the Approve, Change role, Remove and Leave dialogs. Nothing here is
 * a secret: fingerprints, role names and the database described without its password. What a member may do is the
 * engine's and PostgreSQL's to decide; `adminActions` and `leaveAction` only say why the buttons are off, from the status.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AuditChainStatus } from '../../../shared/audit.js';
import type { ContractClient } from '../../../shared/contract.js';
import type { TeamAuditEvent, TeamLeft, TeamMember, TeamPull, TeamRemoval, TeamRole, TeamRoleChanged, TeamStatus } from '../../../shared/team.js';
import { messageOf } from './inventory-store.js';

/** How many of the team's newest events the view lists. */
export const TEAM_ACTIVITY_SHOWN = 10;

export interface TeamState {
  status: TeamStatus | null;
  statusError: string | null;
  members: TeamMember[] | null;
  membersError: string | null;
  activity: TeamAuditEvent[] | null;
  activityError: string | null;
  /** Loading the status (the first one, or after a change). */
  loading: boolean;
  pulling: boolean;
  pulled: TeamPull | null;
  pullError: string | null;
  verifying: boolean;
  chain: AuditChainStatus | null;
  verifyError: string | null;
  /** The member the Approve dialog is open for. */
  approving: TeamMember | null;
  approveBusy: boolean;
  approveError: string | null;
  /** The member just approved (said on the view once the dialog closed). */
  approved: TeamMember | null;
  /** The member the Remove dialog is open for; after the removal it shows `removal`. */
  removing: TeamMember | null;
  removeBusy: boolean;
  removeError: string | null;
  removal: TeamRemoval | null;
  /** The member the Change role dialog is open for; after a change it shows `roleChanged` (also said on the view once closed). */
  changingRole: TeamMember | null;
  roleBusy: boolean;
  roleError: string | null;
  roleChanged: TeamRoleChanged | null;
  /** The Leave dialog is open. */
  leaving: boolean;
  leaveBusy: boolean;
  leaveError: string | null;
  /** The team this folder just left (said on the view, which is then a personal folder's). */
  left: TeamLeft | null;
  load: () => Promise<void>;
  pull: () => Promise<void>;
  verify: () => Promise<void>;
  askApprove: (member: TeamMember) => void;
  cancelApprove: () => void;
  approve: (role: TeamRole, fingerprint: string) => Promise<void>;
  askRemove: (member: TeamMember) => void;
  closeRemove: () => void;
  remove: () => Promise<void>;
  askRole: (member: TeamMember) => void;
  closeRole: () => void;
  /** `fingerprint`: as typed, where the change gives the team key (a viewer made an operator or admin). */
  changeRole: (role: TeamRole, fingerprint?: string) => Promise<void>;
  askLeave: () => void;
  closeLeave: () => void;
  /** `team`: the team's name as typed to confirm; the engine leaves only if it is this folder's team. */
  leave: (team: string) => Promise<void>;
}

export type TeamStore = StoreApi<TeamState>;

/** A fingerprint as compared: no spaces, colons or dashes, lower case (the engine compares the same way). */
export function normaliseFingerprint(text: string): string {
  return text.replace(/[\s:-]/g, '').toLowerCase();
}

/** Whether what the approver typed is the fingerprint shown, ignoring spaces and case; null while nothing is typed. */
export function fingerprintMatches(typed: string, shown: string): boolean | null {
  const given = normaliseFingerprint(typed);
  return given === '' ? null : given === normaliseFingerprint(shown);
}

/** A fingerprint in groups of 4 hexadecimal digits, as read aloud: "3f2a 0b1c …". */
export function fingerprintGroups(fingerprint: string): string[] {
  return normaliseFingerprint(fingerprint).match(/.{1,4}/g) ?? [];
}

export const ROLE_LABEL: Record<TeamRole, string> = { viewer: 'Viewer', operator: 'Operator', admin: 'Admin' };

export const ROLE_WORDS: Record<TeamRole, string> = { viewer: 'a viewer', operator: 'an operator', admin: 'an admin' };

/** Whether this member may approve, change the roles of and remove members, and if not, why, in words (from the status; PostgreSQL decides). */
export function adminActions(status: TeamStatus | null): { allowed: true } | { allowed: false; why: string } {
  if (!status || !status.linked) return { allowed: false, why: 'This data folder is not a team home.' };
  if (!status.server.reachable) return { allowed: false, why: "Approving members, changing their roles and removing them need the team's server, which cannot be reached now." };
  const { state, role } = status.server;
  if (state === 'pending') return { allowed: false, why: 'You are not approved yet: only an admin of the team approves members, changes their roles and removes them.' };
  if (state !== 'approved' || role === null) return { allowed: false, why: 'You are no longer a member of this team.' };
  if (role !== 'admin') return { allowed: false, why: `Only the team's admins approve members, change their roles and remove them; you are ${ROLE_WORDS[role]}.` };
  return { allowed: true };
}

/**
 * Whether this member may leave, and if not, why (the engine checks again): the server must answer (it records that
 * they left), and the team keeps an admin, so its last one stays until another member is made an admin.
 */
export function leaveAction(status: TeamStatus | null, members: readonly TeamMember[] | null): { allowed: true } | { allowed: false; why: string } {
  if (!status || !status.linked) return { allowed: false, why: 'This data folder is not a team home.' };
  if (!status.server.reachable) return { allowed: false, why: "Leaving needs the team's server, which records that you left; it cannot be reached now." };
  const { state, role } = status.server;
  if (state === 'approved' && role === 'admin') {
    const admins = (members ?? []).filter((member) => member.state === 'approved' && member.role === 'admin');
    if (admins.length <= 1) {
      return { allowed: false, why: "You are the team's only admin: make another member an admin (Change role…) before you leave, so the team keeps one." };
    }
  }
  return { allowed: true };
}

/** Whether the member can read the team's members and activity: approved, and the server reachable. */
function canRead(status: TeamStatus): boolean {
  return status.linked && status.server.reachable && status.server.state === 'approved';
}

/** Whether two lists of the newest events are the same events (by id). */
function sameEvents(a: readonly TeamAuditEvent[], b: readonly TeamAuditEvent[] | null): boolean {
  return b !== null && a.length === b.length && a.every((event, index) => event.id === b[index]!.id);
}

export function createTeamStore(client: ContractClient): TeamStore {
  /** Answers of an older load are dropped: a change event can start a load while another is on its way. */
  let generation = 0;
  return createStore<TeamState>()((set, get) => ({
    status: null,
    statusError: null,
    members: null,
    membersError: null,
    activity: null,
    activityError: null,
    loading: false,
    pulling: false,
    pulled: null,
    pullError: null,
    verifying: false,
    chain: null,
    verifyError: null,
    approving: null,
    approveBusy: false,
    approveError: null,
    approved: null,
    removing: null,
    removeBusy: false,
    removeError: null,
    removal: null,
    changingRole: null,
    roleBusy: false,
    roleError: null,
    roleChanged: null,
    leaving: false,
    leaveBusy: false,
    leaveError: null,
    left: null,

    async load() {
      const mine = ++generation;
      set({ loading: true });
      let status: TeamStatus;
      try {
        status = await client['team:status']();
      } catch (error) {
        if (mine === generation) set({ loading: false, statusError: messageOf(error) });
        return;
      }
      if (mine !== generation) return;
      set({ status, statusError: null });
      if (!status.linked || !status.server.reachable) {
        set({ loading: false, members: null, membersError: null, activity: null, activityError: null });
        return;
      }
      // A pending member sees their own row only, and no activity (PostgreSQL grants the trail to members).
      const [members, activity] = await Promise.allSettled([client['team:members'](), canRead(status) ? client['team:audit']({ limit: TEAM_ACTIVITY_SHOWN }) : Promise.resolve(null)]);
      if (mine !== generation) return;
      set({
        loading: false,
        // A verdict is about the trail as it was: new activity makes it stale, so Verify is asked again.
        ...(activity.status === 'fulfilled' && activity.value && !sameEvents(activity.value.events, get().activity) ? { chain: null, verifyError: null } : {}),
        members: members.status === 'fulfilled' ? members.value : null,
        membersError: members.status === 'rejected' ? messageOf(members.reason) : null,
        activity: activity.status === 'fulfilled' ? (activity.value?.events ?? null) : null,
        activityError: activity.status === 'rejected' ? messageOf(activity.reason) : null,
      });
    },

    async pull() {
      if (get().pulling) return;
      set({ pulling: true, pulled: null, pullError: null });
      try {
        const pulled = await client['team:sync']();
        set({ pulling: false, pulled });
      } catch (error) {
        set({ pulling: false, pullError: messageOf(error) });
      }
      await get().load();
    },

    async verify() {
      if (get().verifying) return;
      set({ verifying: true, chain: null, verifyError: null });
      try {
        const { events, chain } = await client['team:audit']({ limit: TEAM_ACTIVITY_SHOWN, verify: true });
        set({ verifying: false, chain, activity: events, activityError: null });
      } catch (error) {
        set({ verifying: false, verifyError: messageOf(error) });
      }
    },

    askApprove(member) {
      set({ approving: member, approveBusy: false, approveError: null, approved: null, removal: null, roleChanged: null });
    },

    cancelApprove() {
      if (!get().approveBusy) set({ approving: null, approveError: null });
    },

    async approve(role, fingerprint) {
      const member = get().approving;
      if (!member || get().approveBusy) return;
      set({ approveBusy: true, approveError: null });
      try {
        const approved = await client['team:approve']({ member: member.member, role, fingerprint });
        set({ approveBusy: false, approving: null, approved });
        await get().load();
      } catch (error) {
        set({ approveBusy: false, approveError: messageOf(error) });
      }
    },

    askRemove(member) {
      set({ removing: member, removeBusy: false, removeError: null, removal: null, approved: null, roleChanged: null });
    },

    closeRemove() {
      if (!get().removeBusy) set({ removing: null, removeError: null, removal: null });
    },

    async remove() {
      const member = get().removing;
      if (!member || get().removeBusy || get().removal) return;
      set({ removeBusy: true, removeError: null });
      try {
        const removal = await client['team:remove'](member.member);
        // The dialog stays open on the keys to rotate: what the administrator does next.
        set({ removeBusy: false, removal });
        await get().load();
      } catch (error) {
        set({ removeBusy: false, removeError: messageOf(error) });
      }
    },

    askRole(member) {
      set({ changingRole: member, roleBusy: false, roleError: null, roleChanged: null, approved: null, removal: null });
    },

    closeRole() {
      // What changed stays, said on the view once the dialog closed.
      if (!get().roleBusy) set({ changingRole: null, roleError: null });
    },

    async changeRole(role, fingerprint) {
      const member = get().changingRole;
      if (!member || get().roleBusy || get().roleChanged) return;
      set({ roleBusy: true, roleError: null });
      try {
        const changed = await client['team:role']({ member: member.member, role, ...(fingerprint ? { fingerprint } : {}) });
        // The dialog stays open on what changed (and, after a demotion to viewer, the keys to rotate).
        set({ roleBusy: false, roleChanged: changed });
        await get().load();
      } catch (error) {
        set({ roleBusy: false, roleError: messageOf(error) });
      }
    },

    askLeave() {
      set({ leaving: true, leaveBusy: false, leaveError: null, approved: null });
    },

    closeLeave() {
      if (!get().leaveBusy) set({ leaving: false, leaveError: null });
    },

    async leave(team) {
      if (!get().leaving || get().leaveBusy) return;
      set({ leaveBusy: true, leaveError: null });
      try {
        const left = await client['team:leave']({ team });
        set({ leaveBusy: false, leaving: false, left });
        // The status now says a personal folder: the view shows it so.
        await get().load();
      } catch (error) {
        set({ leaveBusy: false, leaveError: messageOf(error) });
      }
    },
  }));
}
