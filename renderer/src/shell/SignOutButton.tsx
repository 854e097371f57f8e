import { useStore } from 'zustand';
import { type SessionStore, useSessionStore } from '../state/session-store.js';

/** Sign out, in the browser only (the desktop window has no session): the session ends on the server, not just in this tab. */
export function SignOutButton() {
  const session = useSessionStore();
  return session ? <SignOut session={session} /> : null;
}

function SignOut({ session }: { session: SessionStore }) {
  const signingOut = useStore(session, (state) => state.signingOut);
  return (
    <button
      type="button"
      className="button subtle"
      aria-disabled={signingOut || undefined}
      onClick={() => {
        if (!signingOut) void session.getState().signOut();
      }}
      title="End this console session: every call with it is refused from now on"
    >
      Sign out
    </button>
  );
}
