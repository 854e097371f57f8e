/**
 * The console's session with `keywarden ui` (the browser only; the desktop window has none): signing in with the
 * launch token of the link the page was opened with, the request key every call then carries, Sign out, and why
 * the session ended (the page then shows how to get a new link instead of the console).
 *
 * The request key is kept where `SessionDeps.storage` says (sessionStorage in the page: this tab only, isolated
 * by origin, so a page on another port of 127.0.0.1 cannot read it) and nowhere else.
 */
import { createContext, useContext } from 'react';
import { createStore, type StoreApi } from 'zustand/vanilla';

/** Why there is no session: each gets its own explanation on the signed-out page. */
export type SessionEndReason =
  /** Opened without a sign-in link (a new tab, a bookmark). */
  | 'no_session'
  /** The link was already used, or expired. */
  | 'link_refused'
  /** The server has as many sessions as it allows. */
  | 'too_many_sessions'
  /** Idle too long, or past the session's lifetime. */
  | 'expired'
  /** Signed out elsewhere, or the server no longer knows the session (restarted). */
  | 'ended'
  | 'signed_out'
  /** The server did not answer the sign-in. */
  | 'unreachable';

export interface SessionState {
  phase: 'signing_in' | 'active' | 'ended';
  reason: SessionEndReason | null;
  /** The server's own words about it, when it gave any. */
  message: string | null;
  requestKey: string | null;
  signingOut: boolean;
  /** Signs in with the page's launch token, or resumes the tab's session; once. */
  start: () => Promise<void>;
  signOut: () => Promise<void>;
  /** A call or the event stream was refused because the session is gone. */
  ended: (error: { code: string; message: string }) => void;
}

export interface SessionDeps {
  /** The token of the link the page was opened with, taken out of the address bar; null when there is none. */
  takeLaunchToken: () => string | null;
  /** Where the tab keeps its request key. */
  storage: { get: () => string | null; set: (requestKey: string) => void; clear: () => void };
  exchange: (token: string) => Promise<{ requestKey: string }>;
  signOut: (requestKey: string) => Promise<void>;
}

export type SessionStore = StoreApi<SessionState>;

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'internal';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createSessionStore(deps: SessionDeps): SessionStore {
  let started: Promise<void> | null = null;
  return createStore<SessionState>()((set, get) => ({
    phase: 'signing_in',
    reason: null,
    message: null,
    requestKey: null,
    signingOut: false,

    start() {
      started ??= (async () => {
        // Taken out of the address bar first, whatever happens next: a used token must not stay on screen or in a bookmark.
        const token = deps.takeLaunchToken();
        const stored = deps.storage.get();
        if (token) {
          try {
            const { requestKey } = await deps.exchange(token);
            // A new link opened in a tab that had a session: the old one is ended rather than left to expire.
            if (stored && stored !== requestKey) void deps.signOut(stored).catch(() => {});
            deps.storage.set(requestKey);
            set({ phase: 'active', reason: null, message: null, requestKey });
            return;
          } catch (error) {
            // The link is spent, but this tab is still signed in: carry on with its session.
            if (stored) {
              set({ phase: 'active', requestKey: stored });
              return;
            }
            const code = codeOf(error);
            const reason: SessionEndReason = code === 'too_many_sessions' ? 'too_many_sessions' : code === 'server_unreachable' ? 'unreachable' : 'link_refused';
            set({ phase: 'ended', reason, message: messageOf(error) });
            return;
          }
        }
        if (stored) set({ phase: 'active', requestKey: stored });
        else set({ phase: 'ended', reason: 'no_session', message: null });
      })();
      return started;
    },

    async signOut() {
      const requestKey = get().requestKey;
      if (get().signingOut || !requestKey) return;
      set({ signingOut: true });
      let message: string | null = null;
      try {
        await deps.signOut(requestKey);
      } catch (error) {
        // Already gone on the server (expired, restarted) is signed out all the same.
        if (codeOf(error) !== 'session_required' && codeOf(error) !== 'session_expired') {
          message = `This tab forgot its session, but keywarden ui did not confirm the sign-out (${messageOf(error)}); the session ends by itself once it is unused for its idle time.`;
        }
      }
      deps.storage.clear();
      set({ phase: 'ended', reason: 'signed_out', message, requestKey: null, signingOut: false });
    },

    ended(error) {
      // Late refusals of a session this tab is signing out of (or has left) change nothing.
      if (get().phase !== 'active' || get().signingOut) return;
      deps.storage.clear();
      set({ phase: 'ended', reason: error.code === 'session_expired' ? 'expired' : 'ended', message: error.message, requestKey: null });
    },
  }));
}

/** The session of the console in a browser; null in the desktop window, which has none. */
export const SessionContext = createContext<SessionStore | null>(null);

export function useSessionStore(): SessionStore | null {
  return useContext(SessionContext);
}
