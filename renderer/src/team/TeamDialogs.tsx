/**
 * The Team view's dialogs. Approve: the fingerprint of the key on the server, the one the member read out typed
 * (compared as the admin types, ignoring spaces and case; the engine compares again and refuses a mismatch), and the
 * role. Change role: the three roles with the current one marked, what the change means before it is made (a viewer
 * made an operator or admin gets the team key, so the fingerprint is compared as for an approval; an operator or admin
 * made a viewer rotates the team key, and their copies are not taken back), then what changed. Remove: what the
 * removal does (roles revoked, the team key rotated, every secret re-sealed) before it is done, then the keys the
 * member could have read, to rotate at their vendors. Leave: what leaving does and does not do, confirmed by the
 * team's name typed.
 */
import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { TEAM_ROLES, type TeamMember, type TeamRole, type TeamRotation } from '../../../shared/team.js';
import { Dialog, DialogButtons, Field, focusFirstInvalid } from '../backends/controls.js';
import { plural } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { hrefFor } from '../routing.js';
import { fingerprintMatches, ROLE_LABEL, ROLE_WORDS, type TeamStore } from '../state/team-store.js';
import { Fingerprint } from './TeamMembers.js';

const ROLE_MEANS: Record<TeamRole, string> = {
  viewer: 'reads the inventory and its dates, never a secret (no team key)',
  operator: 'also reveals, copies and tests keys and adds keys (gets the team key)',
  admin: 'also approves members, changes their roles, removes them and manages backends (gets the team key)',
};

/**
 * The check made before a member's key gets the team key (at an approval, or a viewer made an operator or admin): the
 * fingerprint of their key on the server, the one they read out typed, and whether the two match as it is typed.
 * `refusal` ends the mismatch line with what not to do if it still differs.
 */
function FingerprintCheck({
  name,
  fingerprint,
  typed,
  onType,
  mistake,
  refusal,
}: {
  name: string;
  fingerprint: string;
  typed: string;
  onType: (value: string) => void;
  mistake: string | null;
  refusal: string;
}) {
  const matchId = useId();
  const matches = fingerprintMatches(typed, fingerprint);
  return (
    <>
      <p className="dialog-text team-server-key">
        <span>The fingerprint of {name}&apos;s key on the server:</span>
        <Fingerprint value={fingerprint} />
      </p>
      <Field
        label={`Fingerprint ${name} read to you`}
        value={typed}
        onChange={(event) => onType(event.target.value)}
        autoComplete="off"
        spellCheck={false}
        className="team-fingerprint-field"
        error={mistake}
        describedBy={matches === null ? undefined : matchId}
        hint="Spaces and capitals do not matter."
      />
      <p id={matchId} className={matches === null ? 'team-match' : matches ? 'team-match team-match-yes' : 'team-match team-match-no'} role="status">
        {matches === true && 'It matches the key on the server.'}
        {matches === false && `It does not match the key on the server. Ask ${name} to read it again; if it still differs, ${refusal}.`}
      </p>
    </>
  );
}

/**
 * What a fingerprint check holds while it is typed (the text, and the mistake to show), and `ready`, which says what is
 * missing when nothing was typed yet: the approve and change-role dialogs ask for it the same way.
 */
function useFingerprintEntry(name: string, fingerprint: string) {
  const [typed, setTyped] = useState('');
  const [mistake, setMistake] = useState<string | null>(null);
  return {
    typed,
    ready(): boolean {
      const missing = fingerprintMatches(typed, fingerprint) === null;
      setMistake(missing ? `Type the fingerprint ${name} read to you.` : null);
      return !missing;
    },
    checkProps: {
      name,
      fingerprint,
      typed,
      mistake,
      onType: (value: string) => {
        setTyped(value);
        setMistake(null);
      },
    },
  };
}

export function ApproveDialog({ store, member }: { store: TeamStore; member: TeamMember }) {
  const busy = useStore(store, (state) => state.approveBusy);
  const error = useStore(store, (state) => state.approveError);
  const cancel = useStore(store, (state) => state.cancelApprove);
  const approve = useStore(store, (state) => state.approve);
  const [role, setRole] = useState<TeamRole>('viewer');
  const errorId = useId();
  const name = member.member;
  const fingerprint = useFingerprintEntry(name, member.fingerprint);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy || !fingerprint.ready()) return;
    // Sent as typed: the engine compares it with the key on the server and refuses a mismatch.
    void approve(role, fingerprint.typed);
  };

  return (
    <Dialog title={`Approve ${name}?`} onClose={cancel} className="admin-dialog team-dialog">
      <form onSubmit={submit} noValidate>
        <p className="dialog-text">
          Approve only after {name} read you their key&apos;s fingerprint by phone or in person (from their Team view or &quot;keywarden team status&quot;). If it differs from the key on the
          server, someone may have put their own key in its place: do not approve.
        </p>
        <FingerprintCheck {...fingerprint.checkProps} refusal="do not approve" />
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
            <RotateList rotation={removal} />
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

/** The keys and credentials a member could have read, each key a link to it in the inventory (where Rotate… is). */
function RotateList({ rotation }: { rotation: TeamRotation }) {
  return (
    <ul className="team-rotate" aria-label="Keys to rotate">
      {rotation.keysToRotate.map((key) => (
        <li key={key.ref}>
          <a href={hrefFor('inventory', key.ref)}>
            <IsolatedText text={key.name ?? key.ref} />
          </a>{' '}
          <span className="mono muted">
            <IsolatedText text={key.ref} />
          </span>
        </li>
      ))}
      {rotation.credentialsToRotate.map((backend) => (
        <li key={`credential:${backend}`}>
          The credential of backend <IsolatedText text={backend} />
        </li>
      ))}
    </ul>
  );
}

/** What changing `name`'s role from `from` to `to` means, said before it is done. */
function roleChangeMeans(name: string, from: TeamRole, to: TeamRole): ReactNode {
  if (from === 'viewer') {
    return (
      <>
        <strong>{name} will be able to read secrets.</strong> The team key is wrapped for {name}&apos;s key, so {name}&apos;s next pull brings every key&apos;s secret
        {to === 'admin' ? ' and every backend’s credential' : ''}, and {name} can reveal, copy, test and add keys
        {to === 'admin' ? '; as an admin, also approve, change and remove members and manage backends' : ''}. As at an approval, compare {name}&apos;s key with the fingerprint {name} reads to you
        first.
      </>
    );
  }
  if (to === 'viewer') {
    return (
      <>
        <strong>{name} will no longer read secrets:</strong> PostgreSQL refuses them to {name}&apos;s connection at once, and the <strong>team key is rotated</strong> as for a removal, so what is
        sealed from now on is sealed under a key {name} never held. {name}&apos;s copies of secrets are not taken back: {name}&apos;s data folder keeps what it already pulled, and {name} may have
        kept others. Rotate what {name} could read at its vendors: the keys are listed next.
      </>
    );
  }
  if (to === 'admin') {
    return (
      <>
        {name} will also approve, change the roles of and remove members, and add, remove and change backends and their credentials. {name} keeps the team key {name} already holds.
      </>
    );
  }
  return (
    <>
      {name} will no longer approve, change or remove members, nor manage backends. {name} keeps the team key and reads secrets as before.
    </>
  );
}

export function RoleDialog({ store, member }: { store: TeamStore; member: TeamMember }) {
  const busy = useStore(store, (state) => state.roleBusy);
  const error = useStore(store, (state) => state.roleError);
  const changed = useStore(store, (state) => state.roleChanged);
  const close = useStore(store, (state) => state.closeRole);
  const changeRole = useStore(store, (state) => state.changeRole);
  const current = member.role ?? 'viewer';
  const [role, setRole] = useState<TeamRole>(current);
  const formRef = useRef<HTMLFormElement>(null);
  const errorId = useId();
  const meansId = useId();
  const name = member.member;
  const needsFingerprint = current === 'viewer' && role !== 'viewer';
  const fingerprint = useFingerprintEntry(name, member.fingerprint);

  if (changed) {
    const now = changed.member.role ?? role;
    const { rotation } = changed;
    return (
      <Dialog title={`${name} is now ${ROLE_WORDS[now]}`} onClose={close} className="admin-dialog team-dialog">
        <p className="dialog-text" role="status">
          {name}&apos;s roles in PostgreSQL are changed
          {changed.previous === 'viewer' ? `, and the team key is wrapped for ${name}'s key: ${name}'s next pull brings the secrets.` : '.'}
          {rotation && ` The team key is now generation ${rotation.generation}: every secret and credential on the server is sealed under it, and no copy of it was made for ${name}.`}
        </p>
        {rotation &&
          (rotation.keysToRotate.length + rotation.credentialsToRotate.length === 0 ? (
            <p className="dialog-text">Nothing was sealed on the server: there is nothing to rotate at the vendors.</p>
          ) : (
            <>
              <p className="dialog-text">
                {name} could have read {plural(rotation.keysToRotate.length + rotation.credentialsToRotate.length, 'secret')}, and {name}&apos;s data folder keeps those it pulled. Rotate each at
                its vendor (Rotate… in the key&apos;s panel, or &quot;keywarden rotate REF&quot;):
              </p>
              <RotateList rotation={rotation} />
            </>
          ))}
        <div className="dialog-buttons">
          <button type="button" className="button primary" onClick={close}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy || role === current) return;
    if (needsFingerprint && !fingerprint.ready()) {
      focusFirstInvalid(formRef.current);
      return;
    }
    // Sent as typed: the engine compares it with the key on the server and refuses a mismatch.
    void changeRole(role, needsFingerprint ? fingerprint.typed : undefined);
  };

  return (
    <Dialog title={`Change ${name}'s role`} onClose={close} className="admin-dialog team-dialog">
      <form ref={formRef} onSubmit={submit} noValidate>
        <p className="dialog-text">
          {name} is {ROLE_WORDS[current]} now. A new role takes effect at once in PostgreSQL, and the team&apos;s audit trail records who changed it.
        </p>
        <fieldset className="choices team-roles">
          <legend>Role</legend>
          {TEAM_ROLES.map((candidate) => (
            <label key={candidate} className={candidate === role ? 'choice team-role selected' : 'choice team-role'}>
              <input type="radio" name="team-new-role" value={candidate} checked={role === candidate} onChange={() => setRole(candidate)} />
              <span>
                <strong>{ROLE_LABEL[candidate]}</strong>
                {candidate === current && <span className="team-current"> (current role)</span>}: {ROLE_MEANS[candidate]}
              </span>
            </label>
          ))}
        </fieldset>
        {role !== current && (
          <p id={meansId} className={role === 'viewer' ? 'dialog-text team-means team-means-warning' : 'dialog-text team-means'}>
            {roleChangeMeans(name, current, role)}
          </p>
        )}
        {needsFingerprint && <FingerprintCheck {...fingerprint.checkProps} refusal="do not give them the team key" />}
        {error && (
          <p id={errorId} className="error-text" role="alert">
            Not changed: <IsolatedText text={error} lines />
          </p>
        )}
        <DialogButtons
          busy={busy}
          submit={role === current ? 'Change role' : `Make ${name} ${ROLE_WORDS[role]}`}
          busyText="Changing…"
          onClose={close}
          danger={role === 'viewer' && current !== 'viewer'}
          disabled={role === current}
          {...(error ? { describedBy: errorId } : role !== current ? { describedBy: meansId } : {})}
        />
      </form>
    </Dialog>
  );
}

export function LeaveDialog({ store, team, member, state, role }: { store: TeamStore; team: string; member: string; state: 'pending' | 'approved' | 'left' | 'removed'; role: TeamRole | null }) {
  const busy = useStore(store, (state) => state.leaveBusy);
  const error = useStore(store, (state) => state.leaveError);
  const close = useStore(store, (state) => state.closeLeave);
  const leave = useStore(store, (state) => state.leave);
  const [typed, setTyped] = useState('');
  const [mistake, setMistake] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const errorId = useId();
  const confirmed = typed.trim() === team;
  const pending = state === 'pending';
  const removed = state === 'removed' || state === 'left';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!confirmed) {
      setMistake(`Type ${team} to confirm.`);
      focusFirstInvalid(formRef.current);
      return;
    }
    setMistake(null);
    void leave(typed.trim());
  };

  return (
    <Dialog title={`Leave team ${team}?`} onClose={close} className="admin-dialog danger-dialog team-dialog">
      <form ref={formRef} onSubmit={submit} noValidate>
        <p className="dialog-text">
          This data folder <strong>stops following team {team}</strong>: nothing more is pulled into it, and what you change here no longer goes to the team.
          {pending && ' You are not approved yet: leaving withdraws your request.'}
        </p>
        <p className="dialog-text">
          Its copy stays here, readable, as a personal inventory: the keys, their dates and the secrets it already holds. The console then shows this data folder as a personal one.
        </p>
        {removed ? (
          <p className="dialog-text">The team no longer lists {member} as a member: leaving only unlinks this data folder.</p>
        ) : (
          <p className="dialog-text team-means team-means-warning">
            {pending ? (
              <>Your request stays on the team&apos;s list, marked as left, until an admin removes {member}: tell an admin you left.</>
            ) : (
              <>
                <strong>Leaving does not revoke your access.</strong> Your PostgreSQL roles{role === 'operator' || role === 'admin' ? ' and the team key wrapped for your key' : ''} stay until an
                admin removes {member} from the team, which rotates the team key: tell an admin you left.
              </>
            )}
          </p>
        )}
        <Field
          label={
            <>
              Type <strong className="mono">{team}</strong> to confirm
            </>
          }
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(event) => {
            setTyped(event.target.value);
            setMistake(null);
          }}
          error={mistake}
          describedBy={error ? errorId : undefined}
        />
        {error && (
          <p id={errorId} className="error-text" role="alert">
            Not left: <IsolatedText text={error} lines />
          </p>
        )}
        <DialogButtons busy={busy} submit={`Leave team ${team}`} busyText="Leaving…" onClose={close} danger disabled={!confirmed} {...(error ? { describedBy: errorId } : {})} />
      </form>
    </Dialog>
  );
}
