/**
 * How the console reaches the engine: `window.keywarden` in the desktop window (the preload builds it), else
 * the socket (or, while it cannot open, the HTTP POST) transport of `keywarden ui`, with the browser session (src/state/session-store.ts) whose request key
 * every call and the event stream carry. Only the stores use the client; components never call it.
 */
import { buildContractClient, type ContractClient } from '../../shared/contract.js';
import { createHttpTransport, exchangeLaunchToken, signOutSession, subscribeContractEvents, type ContractEventHandlers } from './contract/http-transport.js';
import { createSocketTransport } from './contract/socket-transport.js';
import { createSessionStore, type SessionDeps, type SessionStore } from './state/session-store.js';

declare global {
  interface Window {
    /** The contract client the Electron preload exposes. */
    keywarden?: ContractClient;
    /** The preload's event subscription, when it provides one (the desktop window); over HTTP the page reads a stream. */
    keywardenEvents?: { subscribe(handlers: ContractEventHandlers): () => void };
  }
}

export interface Connection {
  client: ContractClient;
  subscribe(handlers: ContractEventHandlers, onClosed: () => void): () => void;
  /** The browser's session with `keywarden ui`; absent in the desktop window. */
  session?: SessionStore;
  /** The host owns the clipboard (the desktop window): secrets are copied by the main process, never by the page. */
  hostClipboard: boolean;
}

/** Where the tab keeps its request key: sessionStorage (this tab, this origin only), or memory where it is refused. */
const STORAGE_KEY = 'keywarden.session';

function tabStorage(): SessionDeps['storage'] {
  let memory: string | null = null;
  return {
    get: () => {
      try {
        return window.sessionStorage.getItem(STORAGE_KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    set: (requestKey) => {
      memory = requestKey;
      try {
        window.sessionStorage.setItem(STORAGE_KEY, requestKey);
      } catch {
        // memory only: a reload will ask for a new link
      }
    },
    clear: () => {
      memory = null;
      try {
        window.sessionStorage.removeItem(STORAGE_KEY);
      } catch {
        // nothing was stored
      }
    },
  };
}

/** The `token` of the address, removed from it (and from this history entry) before anything else happens. */
function takeLaunchToken(): string | null {
  const params = new URLSearchParams(window.location.search);
  if (!params.has('token')) return null;
  const token = params.get('token');
  params.delete('token');
  const query = params.toString();
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`);
  return token || null;
}

export function connect(): Connection {
  if (window.keywarden) {
    const events = window.keywardenEvents;
    return { client: window.keywarden, subscribe: (handlers) => events?.subscribe(handlers) ?? (() => {}), hostClipboard: true };
  }
  const session = createSessionStore({ takeLaunchToken, storage: tabStorage(), exchange: (token) => exchangeLaunchToken(token), signOut: (requestKey) => signOutSession(requestKey) });
  const requestKey = () => session.getState().requestKey;
  const onSessionEnded = (error: { code: string; message: string }) => session.getState().ended(error);
  void session.getState().start();
  return {
    // Calls travel on the console's socket (about 1 ms each in Chromium, against 10 for a fetch), by POST while it cannot open.
    client: buildContractClient(createSocketTransport({ requestKey, onSessionEnded, fallback: createHttpTransport({ requestKey, onSessionEnded }) })),
    subscribe: (handlers, onClosed) =>
      subscribeContractEvents(handlers, {
        requestKey,
        onSessionEnded,
        onError: (closed) => {
          // A stream refused for want of a session is the signed-out page's business, not a lost connection.
          if (closed && session.getState().phase === 'active') onClosed();
        },
      }),
    session,
    hostClipboard: false,
  };
}
