/**
 * The console in a browser needs a session (src/state/session-store.ts): while it signs in, a line says so;
 * without one (no link, a spent link, signed out, expired), a page says why and how to get a new link; with one,
 * the console. The desktop window has no session store and always gets the console.
 */
import { useEffect, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { SessionContext, type SessionEndReason, type SessionStore } from '../state/session-store.js';

export function SessionGate({ session, children }: { session: SessionStore | undefined; children: ReactNode }) {
  if (!session) return children;
  return <Gate session={session}>{children}</Gate>;
}

function Gate({ session, children }: { session: SessionStore; children: ReactNode }) {
  const phase = useStore(session, (state) => state.phase);
  if (phase === 'signing_in')
    return (
      <p className="session-wait" role="status">
        Signing in…
      </p>
    );
  if (phase === 'ended') return <SignedOut session={session} />;
  return <SessionContext value={session}>{children}</SessionContext>;
}

const TITLES: Record<SessionEndReason, string> = {
  no_session: 'This tab is not signed in',
  link_refused: 'This sign-in link cannot be used',
  too_many_sessions: 'Too many console sessions',
  expired: 'Your session expired',
  ended: 'Your session has ended',
  signed_out: 'You signed out',
  unreachable: 'keywarden ui did not answer',
};

const EXPLANATIONS: Record<SessionEndReason, string> = {
  no_session: 'The console opens only from a sign-in link of keywarden ui, in the tab that opened it.',
  link_refused: 'A sign-in link works once, and only for a few minutes after it is printed: this one was already used, or it expired.',
  too_many_sessions: 'keywarden ui has as many console sessions open as it allows.',
  expired: 'A console session ends when it is left unused for a while, and some hours after signing in however much it is used.',
  ended: 'keywarden ui no longer knows this session: it was signed out in another tab, or keywarden ui was restarted.',
  signed_out: 'This tab is signed out of the console; its session was ended on the server too.',
  unreachable: 'The sign-in did not reach keywarden ui: it may have stopped.',
};

function SignedOut({ session }: { session: SessionStore }) {
  const reason = useStore(session, (state) => state.reason) ?? 'no_session';
  const message = useStore(session, (state) => state.message);
  useEffect(() => {
    document.title = `${TITLES[reason]} · Keywarden`;
  }, [reason]);
  return (
    <main className="session-screen">
      <section className="empty" aria-labelledby="session-heading">
        <h1 id="session-heading">{TITLES[reason]}</h1>
        <p>{EXPLANATIONS[reason]}</p>
        {message && reason !== 'link_refused' && <p className="muted">{message}</p>}
        <h2>To open the console</h2>
        <p>
          In the terminal running <code>keywarden ui</code>, press <kbd>Enter</kbd>: it prints a new sign-in link. Open that link in this tab. Or start <code>keywarden ui</code> again.
        </p>
      </section>
    </main>
  );
}
