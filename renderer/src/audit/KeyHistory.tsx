import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { hrefFor } from '../routing.js';
import { useClient, useShell } from '../state/context.js';
import { createKeyHistoryStore, KEY_HISTORY_LIMIT } from '../state/audit-store.js';
import { actionLabel, formatAuditTime } from './labels.js';
import { OutcomeBadge } from './OutcomeBadge.js';
import './audit.css';
import { datesInText } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';

/**
 * A key's own history for the inventory's detail panel: its last KEY_HISTORY_LIMIT audit events, newest first,
 * and a link to the whole trail filtered to it. Reloads when the key changes or the engine reports a change
 * (a Test in the same panel shows up at once). Usage: `<KeyHistory keyRef={key.ref} />` inside the panel.
 */
export function KeyHistory({ keyRef }: { keyRef: string }) {
  const client = useClient();
  const [store] = useState(() => createKeyHistoryStore(client));
  const changes = useShell((state) => state.changes);
  const load = useStore(store, (state) => state.load);
  const events = useStore(store, (state) => (state.ref === keyRef ? state.events : null));
  const error = useStore(store, (state) => (state.ref === keyRef ? state.error : null));

  useEffect(() => {
    void load(keyRef);
  }, [load, keyRef, changes]);

  return (
    <section className="key-history" aria-labelledby="key-history-heading">
      <h3 id="key-history-heading">History</h3>
      {error && (
        <p className="error-text">
          Could not load this key&apos;s history: <IsolatedText text={error} lines />
        </p>
      )}
      {events === null ? (
        !error && <p className="muted">Loading…</p>
      ) : events.length === 0 ? (
        <p className="muted">Nothing recorded for this key yet.</p>
      ) : (
        <ol className="key-history-list" aria-label={`Last ${KEY_HISTORY_LIMIT} events, newest first`}>
          {[...events].reverse().map((event) => (
            <li key={event.id}>
              <div className="key-history-line">
                <span className="key-history-action">{actionLabel(event.action)}</span>
                <OutcomeBadge outcome={event.outcome} />
              </div>
              <div className="key-history-meta muted">
                <time dateTime={event.at}>{formatAuditTime(event.at)}</time> · <IsolatedText text={event.osUser} />
                {event.detail && (
                  <>
                    {' · '}
                    <IsolatedText text={datesInText(event.detail)} lines />
                  </>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      <a className="key-history-all" href={hrefFor('audit', keyRef)}>
        All of this key&apos;s events in the audit trail
      </a>
    </section>
  );
}
