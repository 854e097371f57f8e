/**
 * Team (`#/team`; docs/team.md, docs/console.md): for a personal data folder, what a team is and the commands that
 * start or join one (the console runs neither: they need a database URL and a PostgreSQL login role, which belong in
 * a terminal); for a team home, the status card (team, server, reachable or why not, your role (a viewer reads that
 * vendor syncs are the operators'), the local copy's last pull and Pull now), who waits for approval, the members
 * (Change role…, Remove…), the team's recent activity with Verify, and Leave the team…. After leaving, the folder is a
 * personal one, and the view says what an admin still does.
 */
import { useEffect, useId, useState } from 'react';
import { useStore } from 'zustand';
import type { TeamStatus } from '../../../shared/team.js';
import { formatDayTime, plural } from '../lib/dates.js';
import { ageInWords } from '../lib/age.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useNow } from '../lib/use-now.js';
import { useClient, useShell } from '../state/context.js';
import { createTeamStore, leaveAction, ROLE_LABEL, type TeamStore } from '../state/team-store.js';
import { TeamActivity } from './TeamActivity.js';
import { ApproveDialog, LeaveDialog, RemoveDialog, RoleDialog } from './TeamDialogs.js';
import { Fingerprint, MembersTable, PendingMembers } from './TeamMembers.js';
import '../admin/admin.css';
import './team.css';

export function TeamView() {
  const client = useClient();
  const [store] = useState(() => createTeamStore(client));
  const changes = useShell((state) => state.changes);
  const status = useStore(store, (state) => state.status);
  const statusError = useStore(store, (state) => state.statusError);
  const loading = useStore(store, (state) => state.loading);
  const approving = useStore(store, (state) => state.approving);
  const removing = useStore(store, (state) => state.removing);
  const changingRole = useStore(store, (state) => state.changingRole);
  const leaving = useStore(store, (state) => state.leaving);
  const left = useStore(store, (state) => state.left);
  const load = useStore(store, (state) => state.load);
  useEffect(() => void load(), [load, changes]);

  return (
    <main className="page admin team" aria-labelledby="page-heading">
      <h1 id="page-heading" tabIndex={-1}>
        Team
      </h1>
      {statusError && (
        <p className="view-error error-text" role="alert">
          Could not read this data folder&apos;s team: <IsolatedText text={statusError} lines />
        </p>
      )}
      {status === null && !statusError && (
        <p className="muted" role="status" aria-busy={loading || undefined}>
          Asking the team&apos;s server…
        </p>
      )}
      {status && !status.linked && left && (
        <p className="admin-note team-left" role="status">
          You left team <IsolatedText text={left.team} />: this data folder is personal now, and its copy stays readable here. Your access ends when an admin of the team removes{' '}
          <IsolatedText text={left.member} /> (in their Team view, or &quot;keywarden team remove {left.member}&quot;), which rotates the team key.
        </p>
      )}
      {status && !status.linked && <PersonalFolder home={status.home} />}
      {status?.linked && (
        <>
          <p className="page-intro muted">
            This data folder is a team home: its inventory is a copy of the team&apos;s, kept in PostgreSQL. Every view reads the copy, also offline; a change is written to the team first.
          </p>
          <StatusCard store={store} status={status} />
          <PendingMembers store={store} />
          <MembersTable store={store} />
          <TeamActivity store={store} />
          <LeaveSection store={store} status={status} />
        </>
      )}
      {approving && <ApproveDialog store={store} member={approving} />}
      {changingRole && <RoleDialog store={store} member={changingRole} />}
      {removing && <RemoveDialog store={store} member={removing} />}
      {leaving && status?.linked && (
        <LeaveDialog
          store={store}
          team={status.team}
          member={status.member}
          state={status.server.reachable ? status.server.state : 'approved'}
          role={status.server.reachable ? status.server.role : null}
        />
      )}
    </main>
  );
}

/** What a team is, and the terminal commands that start or join one. */
function PersonalFolder({ home }: { home: string }) {
  const quoted = /^[\w./~-]+$/.test(home) ? home : `"${home.replaceAll('"', '\\"')}"`;
  return (
    <>
      <p className="page-intro muted">
        This data folder is personal: its inventory is yours alone. A <strong>team</strong> shares one inventory among several administrators.
      </p>
      <section className="admin-section" aria-labelledby="team-what">
        <h2 id="team-what">What a team is</h2>
        <ul className="team-points">
          <li>The shared inventory lives in a PostgreSQL database your organisation already runs and backs up. Each administrator logs in with a PostgreSQL role of their own.</li>
          <li>Every member keeps a copy in a data folder of their own (a team home), read by every view of the console, also offline. Changes go to the server first.</li>
          <li>
            Secrets are encrypted end to end: the server holds only ciphertext, under a team key wrapped for each member&apos;s own key. A new member is approved by an admin who compares their
            key&apos;s fingerprint, read out by phone or in person.
          </li>
          <li>
            Roles: viewers read the inventory without its secrets; operators also use and add keys; admins also approve members, change their roles and remove them (a removal, or an operator made
            a viewer, rotates the team key).
          </li>
        </ul>
      </section>
      <section className="admin-section" aria-labelledby="team-start">
        <h2 id="team-start">Start or join a team, in a terminal</h2>
        <p>
          The console does not start or join a team itself: that needs the database&apos;s URL and your PostgreSQL login role, with its password in <code>PGPASSWORD</code> or a password file (
          <code>~/.pgpass</code>), which belong in a terminal. Never put the password in the URL.
        </p>
        <h3 className="team-command-title">Start a team with this data folder&apos;s inventory (you become its first admin)</h3>
        <pre className="team-command">
          <code>keywarden --home {quoted} team init --database postgresql://ROLE@HOST/DATABASE?sslmode=verify-full</code>
        </pre>
        <h3 className="team-command-title">Join a team, from a new data folder (its inventory will be the team&apos;s)</h3>
        <pre className="team-command">
          <code>keywarden --home ~/keywarden-team team join --database postgresql://ROLE@HOST/DATABASE?sslmode=verify-full</code>
        </pre>
        <p className="muted">
          Joining prints your key&apos;s fingerprint: read it to an admin of the team, who approves you in their Team view. Then open the console on the team home with{' '}
          <code>keywarden --home ~/keywarden-team ui</code>. The design, roles and keys: <code>docs/team.md</code>.
        </p>
      </section>
    </>
  );
}

/** Leave the team…: for any member; off (with why) while the server cannot record it, or for the team's only admin. */
function LeaveSection({ store, status }: { store: TeamStore; status: Extract<TeamStatus, { linked: true }> }) {
  const members = useStore(store, (state) => state.members);
  const askLeave = useStore(store, (state) => state.askLeave);
  const whyId = useId();
  const action = leaveAction(status, members);
  return (
    <section className="admin-section" aria-labelledby="team-leave">
      <h2 id="team-leave">Leave the team</h2>
      <div className="admin-row">
        <p className="admin-fact">
          This data folder stops following team <IsolatedText text={status.team} />, and its copy stays readable here. Your access ends only when an admin removes you.
        </p>
        <span className="admin-actions">
          <button type="button" className="button danger" onClick={askLeave} disabled={!action.allowed} aria-describedby={action.allowed ? undefined : whyId}>
            Leave the team…
          </button>
        </span>
      </div>
      {!action.allowed && (
        <p id={whyId} className="team-why muted">
          {action.why}
        </p>
      )}
    </section>
  );
}

function StatusCard({ store, status }: { store: TeamStore; status: Extract<TeamStatus, { linked: true }> }) {
  const now = useNow();
  const pulling = useStore(store, (state) => state.pulling);
  const pulled = useStore(store, (state) => state.pulled);
  const pullError = useStore(store, (state) => state.pullError);
  const pull = useStore(store, (state) => state.pull);
  const { server } = status;
  const canPull = server.reachable && server.state === 'approved';
  const whyNoPull = !server.reachable
    ? 'The server cannot be reached: the local copy stays readable, and Pull now works again once it answers.'
    : server.state === 'pending'
      ? 'You are not approved yet: nothing to pull until an admin approves you.'
      : server.state !== 'approved'
        ? 'You are no longer a member of this team: nothing more reaches this copy.'
        : null;
  return (
    <section className="admin-section" aria-labelledby="team-status">
      <h2 id="team-status">Team {status.team}</h2>
      <dl className="admin-facts">
        <dt>Server</dt>
        <dd>
          <span className="mono">
            <IsolatedText text={status.database} />
          </span>{' '}
          {server.reachable ? (
            <span className="badge tone-active">
              <span className="dot" aria-hidden="true" />
              Reachable
            </span>
          ) : (
            <span className="badge tone-expired">
              <span className="dot" aria-hidden="true" />
              Not reachable
            </span>
          )}
          {!server.reachable && (
            <span className="team-problem">
              <IsolatedText text={server.problem} lines />
            </span>
          )}
        </dd>
        <dt>You</dt>
        <dd>
          <IsolatedText text={status.member} />,{' '}
          {!server.reachable
            ? 'role unknown while the server cannot be reached'
            : server.state === 'approved' && server.role
              ? ROLE_LABEL[server.role].toLowerCase()
              : server.state === 'pending'
                ? 'waiting for approval'
                : server.state === 'left'
                  ? 'left the team'
                  : 'no longer a member'}
        </dd>
        {server.reachable && server.state === 'approved' && server.role === 'viewer' && (
          <>
            <dt>Vendor syncs</dt>
            <dd>
              Not for a viewer: the team&apos;s operators sync its backends, and this copy follows them. The desktop app&apos;s background sync does not run in this data folder (its tray says so),
              and Sync now is refused.
            </dd>
          </>
        )}
        <dt>Your key</dt>
        <dd>
          <Fingerprint value={status.fingerprint} />
        </dd>
        <dt>Local copy</dt>
        <dd>
          {status.pulledAt ? (
            <>
              Last pull {ageInWords(status.pulledAt, now)} ({formatDayTime(status.pulledAt)})
            </>
          ) : (
            'Never pulled'
          )}
          ; up to change {status.localSeq}
          {server.reachable && server.state === 'approved' && (server.seq > status.localSeq ? `, the team is at change ${server.seq}` : ', as the team')}
        </dd>
        {server.reachable && (
          <>
            <dt>Team key</dt>
            <dd>
              Generation {server.generation}; {plural(server.pending, 'member')} waiting for approval
            </dd>
          </>
        )}
      </dl>
      {server.reachable && server.state === 'pending' && (
        <p className="admin-note">
          Waiting for an admin&apos;s approval. Read your key&apos;s fingerprint above to an admin of the team, by phone or in person: they compare it with what their Team view shows before
          approving you.
        </p>
      )}
      <div className="admin-row">
        <p className="admin-fact" role="status">
          {pulling && 'Pulling…'}
          {pulled && `Pulled up to change ${pulled.seq}: ${plural(pulled.keys, 'key')}, ${plural(pulled.secrets, 'secret')}, ${plural(pulled.backends, 'backend')}, ${pulled.removed} removed.`}
          {pullError && (
            <span className="error-text">
              <IsolatedText text={pullError} lines />
            </span>
          )}
          {!pulling && !pulled && !pullError && whyNoPull && <span className="muted">{whyNoPull}</span>}
        </p>
        <span className="admin-actions">
          <button type="button" className="button primary" onClick={() => void pull()} disabled={!canPull} aria-disabled={pulling || undefined} aria-busy={pulling || undefined}>
            Pull now
          </button>
        </span>
      </div>
    </section>
  );
}
