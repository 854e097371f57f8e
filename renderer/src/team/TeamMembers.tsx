/**
 * The Team view's members: who waits for approval (each with their key's fingerprint and Approve…), and every member
 * with role, state (who approved them, when), fingerprint (Change role… for an approved member, Remove…). Not on your
 * own row: another admin changes your role, and you leave (the view's Leave the team…) rather than remove yourself.
 * The buttons are enabled for admins only; anyone else reads why beside them (`adminActions`). PostgreSQL's grants
 * decide in the end.
 */
import { useId } from 'react';
import { useStore } from 'zustand';
import type { TeamMember } from '../../../shared/team.js';
import { formatDayTime } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { adminActions, fingerprintGroups, ROLE_LABEL, ROLE_WORDS, type TeamStore } from '../state/team-store.js';

const STATE_LABEL: Record<TeamMember['state'], string> = { pending: 'Waiting for approval', approved: 'Approved', left: 'Left the team' };
const STATE_TONE: Record<TeamMember['state'], string> = { pending: 'tone-grace', approved: 'tone-active', left: 'tone-revoked' };

/** A key fingerprint in groups of 4 hexadecimal digits (as read aloud), wrapping between groups: two lines of eight. */
export function Fingerprint({ value }: { value: string }) {
  return <span className="fingerprint mono">{fingerprintGroups(value).join(' ')}</span>;
}

/** Why the admin actions are off, said once above them; their buttons point to it. */
function WhyNot({ id, why }: { id: string; why: string }) {
  return (
    <p id={id} className="team-why muted">
      {why}
    </p>
  );
}

/** Change role… for one approved member: off for anyone but an admin, pointing to why (`WhyNot`). */
function RoleButton({ member, onChange, allowed, whyId }: { member: TeamMember; onChange: (member: TeamMember) => void; allowed: boolean; whyId: string }) {
  return (
    <button type="button" className="button" onClick={() => onChange(member)} disabled={!allowed} aria-describedby={allowed ? undefined : whyId} aria-label={`Change role for ${member.member}…`}>
      Change role…
    </button>
  );
}

/** Remove… for one member, pending or approved: off for anyone but an admin, pointing to why (`WhyNot`). */
function RemoveButton({ member, onRemove, allowed, whyId }: { member: TeamMember; onRemove: (member: TeamMember) => void; allowed: boolean; whyId: string }) {
  return (
    <button type="button" className="button" onClick={() => onRemove(member)} disabled={!allowed} aria-describedby={allowed ? undefined : whyId} aria-label={`Remove ${member.member}…`}>
      Remove…
    </button>
  );
}

export function PendingMembers({ store }: { store: TeamStore }) {
  const status = useStore(store, (state) => state.status);
  const members = useStore(store, (state) => state.members);
  const approved = useStore(store, (state) => state.approved);
  const askApprove = useStore(store, (state) => state.askApprove);
  const askRemove = useStore(store, (state) => state.askRemove);
  const whyId = useId();
  if (!status?.linked || !status.server.reachable || status.server.state !== 'approved' || members === null) return null;
  const pending = members.filter((member) => member.state === 'pending');
  const actions = adminActions(status);
  return (
    <section className="admin-section" aria-labelledby="team-pending">
      <h2 id="team-pending">Waiting for approval</h2>
      <p className="admin-done" role="status">
        {approved && `${approved.member} is approved as ${approved.role ?? 'a member'}.`}
      </p>
      {pending.length === 0 ? (
        <p className="muted">No one is waiting. A new member asks with &quot;keywarden team join&quot; and reads you their key&apos;s fingerprint.</p>
      ) : (
        <>
          {!actions.allowed && <WhyNot id={whyId} why={actions.why} />}
          <ul className="team-pending">
            {pending.map((member) => (
              <li key={member.member} className="team-pending-item">
                <div className="team-pending-who">
                  <strong>
                    <IsolatedText text={member.member} />
                  </strong>{' '}
                  <span className="muted">asked {formatDayTime(member.requestedAt)}</span>
                  <div>
                    <Fingerprint value={member.fingerprint} />
                  </div>
                </div>
                <span className="admin-actions">
                  <button
                    type="button"
                    className="button primary"
                    onClick={() => askApprove(member)}
                    disabled={!actions.allowed}
                    aria-describedby={actions.allowed ? undefined : whyId}
                    aria-label={`Approve ${member.member}…`}
                  >
                    Approve…
                  </button>
                  <RemoveButton member={member} onRemove={askRemove} allowed={actions.allowed} whyId={whyId} />
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function MembersTable({ store }: { store: TeamStore }) {
  const status = useStore(store, (state) => state.status);
  const members = useStore(store, (state) => state.members);
  const membersError = useStore(store, (state) => state.membersError);
  const askRemove = useStore(store, (state) => state.askRemove);
  const askRole = useStore(store, (state) => state.askRole);
  const roleChanged = useStore(store, (state) => state.roleChanged);
  const changingRole = useStore(store, (state) => state.changingRole);
  const whyId = useId();
  if (!status?.linked || !status.server.reachable) return null;
  const actions = adminActions(status);
  const me = status.member;
  const removable = (members ?? []).some((member) => member.member !== me && member.state !== 'pending');
  const changed = roleChanged && !changingRole ? roleChanged : null;
  return (
    <section className="admin-section" aria-labelledby="team-members">
      <h2 id="team-members">Members</h2>
      {membersError && (
        <p className="error-text" role="alert">
          Could not list the members: <IsolatedText text={membersError} lines />
        </p>
      )}
      <p className="admin-done" role="status">
        {changed && `${changed.member.member} is now ${ROLE_WORDS[changed.member.role ?? 'viewer']}.`}
      </p>
      {status.server.state === 'pending' && <p className="muted">A member waiting for approval sees only themself.</p>}
      {removable && !actions.allowed && <WhyNot id={whyId} why={actions.why} />}
      {members && (
        <div className="admin-table-wrap">
          <table className="admin-table team-table" aria-label="Members">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Key fingerprint</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((member) => (
                <tr key={member.member}>
                  <th scope="row">
                    <IsolatedText text={member.member} />
                    {member.member === me && <span className="muted"> (you)</span>}
                  </th>
                  <td>{member.role ? ROLE_LABEL[member.role] : '—'}</td>
                  <td>
                    <span className={`badge ${STATE_TONE[member.state]}`}>
                      <span className="dot" aria-hidden="true" />
                      {STATE_LABEL[member.state]}
                    </span>
                    {member.approvedBy && (
                      <span className="team-when">
                        by <IsolatedText text={member.approvedBy} />
                        {member.approvedAt && `, ${formatDayTime(member.approvedAt)}`}
                      </span>
                    )}
                  </td>
                  <td>
                    <Fingerprint value={member.fingerprint} />
                  </td>
                  <td className="admin-cell-action">
                    {member.member !== me && member.state !== 'pending' && (
                      <span className="team-row-actions">
                        {member.state === 'approved' && <RoleButton member={member} onChange={askRole} allowed={actions.allowed} whyId={whyId} />}
                        <RemoveButton member={member} onRemove={askRemove} allowed={actions.allowed} whyId={whyId} />
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {members && actions.allowed && <p className="team-own-role muted">Your own role is changed by another admin: an admin who steps down asks one.</p>}
    </section>
  );
}
