/**
 * The team's recent activity: the newest events of the team's audit trail on the server (who did what, when), and
 * Verify, which walks the whole hash chain and names the first event altered, removed or reordered on the server.
 * The full trail is `keywarden team audit`.
 */
import { useStore } from 'zustand';
import { actionLabel, formatAuditTime } from '../audit/labels.js';
import { OutcomeBadge } from '../audit/OutcomeBadge.js';
import { datesInText, plural } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import type { TeamStore } from '../state/team-store.js';

export function TeamActivity({ store }: { store: TeamStore }) {
  const status = useStore(store, (state) => state.status);
  const activity = useStore(store, (state) => state.activity);
  const activityError = useStore(store, (state) => state.activityError);
  const verifying = useStore(store, (state) => state.verifying);
  const chain = useStore(store, (state) => state.chain);
  const verifyError = useStore(store, (state) => state.verifyError);
  const verify = useStore(store, (state) => state.verify);
  if (!status?.linked || !status.server.reachable || status.server.state !== 'approved') return null;
  return (
    <section className="admin-section" aria-labelledby="team-activity">
      <h2 id="team-activity">Recent team activity</h2>
      {activityError && (
        <p className="error-text" role="alert">
          Could not read the team&apos;s audit trail: <IsolatedText text={activityError} lines />
        </p>
      )}
      {activity && activity.length === 0 && <p className="muted">No event yet.</p>}
      {activity && activity.length > 0 && (
        <div className="admin-table-wrap">
          <table className="admin-table team-table" aria-label="Recent team activity">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Member</th>
                <th scope="col">Action</th>
                <th scope="col">On</th>
                <th scope="col">Outcome</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {activity.map((event) => (
                <tr key={event.id}>
                  <td className="team-when-cell">{formatAuditTime(event.at)}</td>
                  <td>
                    <IsolatedText text={event.member} />
                  </td>
                  <td title={event.action}>{actionLabel(event.action)}</td>
                  <td>
                    <IsolatedText text={event.ref ?? event.backend ?? '—'} />
                  </td>
                  <td>
                    <OutcomeBadge outcome={event.outcome} />
                  </td>
                  <td>{event.detail ? <IsolatedText text={datesInText(event.detail)} lines /> : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="admin-row team-verify-row">
        <p className="admin-fact" role="status">
          {verifying && 'Walking the chain…'}
          {chain?.ok && (
            <span className="team-verified">
              The team&apos;s audit trail verifies: {plural(chain.events, 'event')}, chained from the genesis to the head (head hash <span className="mono">{chain.headHash?.slice(0, 16)}…</span>).
            </span>
          )}
          {chain && !chain.ok && chain.firstBreak && (
            <span className="error-text">
              The team&apos;s audit trail does NOT verify: <IsolatedText text={chain.firstBreak.problem} lines />. {plural(chain.verified, 'event')} of {chain.events} verify before it.
            </span>
          )}
          {verifyError && (
            <span className="error-text">
              Could not verify: <IsolatedText text={verifyError} lines />
            </span>
          )}
          {!verifying && !chain && !verifyError && <span className="muted">Verify walks the whole trail on the server and names the first event altered, removed or reordered there.</span>}
        </p>
        <span className="admin-actions">
          <button type="button" className="button" onClick={() => void verify()} aria-disabled={verifying || undefined} aria-busy={verifying || undefined}>
            Verify
          </button>
        </span>
      </div>
    </section>
  );
}
