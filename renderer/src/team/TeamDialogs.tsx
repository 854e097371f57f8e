/**
 * The Team view's two admin dialogs. Approve: the fingerprint of the key on the server, the one the member read out
 * typed (compared as the admin types, ignoring spaces and case; the engine compares again and refuses a mismatch), and
 * the role. Remove: what the removal does (roles revoked, the team key rotated, every secret re-sealed) before it is
 * done, then the keys the member could have read, to rotate at their vendors.
 */
import { type FormEvent, useId, useState } from 'react';
import { useStore } from 'zustand';
import { TEAM_ROLES, type TeamMember, type TeamRole } from '../../../shared/team.js';
import { Dialog, DialogButtons, Field } from '../backends/controls.js';
import { plural } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { hrefFor } from '../routing.js';
import { fingerprintMatches, ROLE_LABEL, type TeamStore } from '../state/team-store.js';
import { Fingerprint } from './TeamMembers.js';

const ROLE_MEANS: Record<TeamRole, string> = {
  viewer: 'reads the inventory and its dates, never a secret (no team key)',
  operator: 'also reveals, copies and tests keys and adds keys (gets the team key)',
  admin: 'also approves and removes members and manages backends (gets the team key)',
};

export function ApproveDialog({ store, member }: { store: TeamStore; member: TeamMember }) {
  const busy = useStore(store, (state) => state.approveBusy);
  const error = useStore(store, (state) => state.approveError);
  const cancel = useStore(store, (state) => state.cancelApprove);
  const approve = useStore(store, (state) => state.approve);
  const [typed, setTyped] = useState('');
  const [role, setRole] = useState<TeamRole>('viewer');
  const [mistake, setMistake] = useState<string | null>(null);
  const errorId = useId();
  const matchId = useId();
  const matches = fingerprintMatches(typed, member.fingerprint);
  const name = member.member;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (matches === null) return setMistake(`Type the fingerprint ${name} read to you.`);
    setMistake(null);
    // Sent as typed: the engine compares it with the key on the server and refuses a mismatch.
    void approve(role, typed);
  };

  return (
    <Dialog title={`Approve ${name}?`} onClose={cancel} className="admin-dialog team-dialog">
      <form onSubmit={submit} noValidate>
        <p className="dialog-text">
          Approve only after {name} read you their key&apos;s fingerprint by phone or in person (from their Team view or &quot;keywarden team status&quot;). If it differs from the key on the
          server, someone may have put their own key in its place: do not approve.
        </p>
        <p className="dialog-text team-server-key">
          <span>The fingerprint of {name}&apos;s key on the server:</span>
          <Fingerprint value={member.fingerprint} />
        </p>
        <Field
          label={`Fingerprint ${name} read to you`}
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          autoComplete="off"
          spellCheck={false}
          className="team-fingerprint-field"
          error={mistake}
          describedBy={matches === null ? undefined : matchId}
          hint="Spaces and capitals do not matter."
        />
        <p id={matchId} className={matches === null ? 'team-match' : matches ? 'team-match team-match-yes' : 'team-match team-match-no'} role="status">
          {matches === true && 'It matches the key on the server.'}
          {matches === false && `It does not match the key on the server. Ask ${name} to read it again; if it still differs, do not approve.`}
        </p>
        <fieldset className="choices">
          <legend>Role</legend>
          {TEAM_ROLES.map((candidate) => (
            <label key={candidate} className="choice">
              <input type="radio" name="team-role" value={candidate} checked={role === candidate} onChange={() => setRole(candidate)} />
              <span>
                <strong>{ROLE_LABEL[candidate]}</strong>: {ROLE_MEANS[candidate]}
              </span>
            </label>
          ))}
        </fieldset>
        {error && (
          <p id={errorId} className="error-text" role="alert">
            Not approved: <IsolatedText text={error} lines />
          </p>
        )}
        <DialogButtons busy={busy} submit={`Approve as ${ROLE_LABEL[role].toLowerCase()}`} busyText="Approving…" onClose={cancel} {...(error ? { describedBy: errorId } : {})} />
      </form>
    </Dialog>
  );
}

export function RemoveDialog({ store, member }: { store: TeamStore; member: TeamMember }) {
  const busy = useStore(store, (state) => state.removeBusy);
  const error = useStore(store, (state) => state.removeError);
  const removal = useStore(store, (state) => state.removal);
  const close = useStore(store, (state) => state.closeRemove);
  const remove = useStore(store, (state) => state.remove);
  const errorId = useId();
  const name = member.member;
  const heldKey = member.role === 'operator' || member.role === 'admin';

  if (removal) {
    const nothing = removal.keysToRotate.length + removal.credentialsToRotate.length === 0;
    return (
      <Dialog title={`${name} was removed`} onClose={close} className="admin-dialog team-dialog">
        <p className="dialog-text" role="status">
          {name}&apos;s roles are revoked. The team key is now generation {removal.generation}: every secret and credential on the server is sealed under it, and no copy of it was made for {name}.
        </p>
        {nothing ? (
          <p className="dialog-text">{name} never held the team key: there is nothing to rotate at the vendors.</p>
        ) : (
          <>
            <p className="dialog-text">
              {name} could have read {plural(removal.keysToRotate.length + removal.credentialsToRotate.length, 'secret')} and may have kept copies. Rotate each at its vendor (Rotate… in the
              key&apos;s panel, or &quot;keywarden rotate REF&quot;):
            </p>
            <ul className="team-rotate" aria-label="Keys to rotate">
              {removal.keysToRotate.map((key) => (
                <li key={key.ref}>
                  <a href={hrefFor('inventory', key.ref)}>
                    <IsolatedText text={key.name ?? key.ref} />
                  </a>{' '}
                  <span className="mono muted">
                    <IsolatedText text={key.ref} />
                  </span>
                </li>
              ))}
              {removal.credentialsToRotate.map((backend) => (
                <li key={`credential:${backend}`}>
                  The credential of backend <IsolatedText text={backend} />
                </li>
              ))}
            </ul>
          </>
        )}
        <div className="dialog-buttons">
          <button type="button" className="button primary" onClick={close}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title={`Remove ${name} from the team?`} onClose={close} className="admin-dialog danger-dialog team-dialog">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void remove();
        }}
      >
        <p className="dialog-text">
          {name}&apos;s roles in PostgreSQL are revoked at once. Then the <strong>team key is rotated</strong>: a new one is made and wrapped for every remaining operator and admin, every secret
          and credential on the server is sealed again under it, and the old one is deleted. Nothing changes at any vendor.
        </p>
        <p className="dialog-text">
          {heldKey
            ? `${name} held the team key, and may have kept what they could read: the keys they could have read are listed next, to rotate at their vendors.`
            : `${name} never held the team key (${member.role === 'viewer' ? 'a viewer' : 'not approved'}): nothing will need rotating at the vendors, but the team key is rotated anyway.`}
        </p>
        {error && (
          <p id={errorId} className="error-text" role="alert">
            Not removed: <IsolatedText text={error} lines />
          </p>
        )}
        <DialogButtons busy={busy} submit={`Remove ${name}`} busyText="Removing…" onClose={close} danger {...(error ? { describedBy: errorId } : {})} />
      </form>
    </Dialog>
  );
}
