/**
 * The contract over the console's socket (shared/console-socket.ts: why, and the wire), for the page `keywarden ui`
 * serves: the same ContractTransport as the POST one (http-transport.ts), which it falls back to while no socket
 * can be opened (a proxy that drops upgrades, a server from before the socket), so the console works either way.
 *
 *   const keywarden = buildContractClient(createSocketTransport({ requestKey, onSessionEnded, fallback: createHttpTransport({ requestKey, onSessionEnded }) }));
 *
 * One socket, opened by the first call and kept; calls travel on it concurrently, each answer found by its id. A call
 * made while it is still opening (the page's first calls), or while none can open, goes by POST instead: it is sent once,
 * by one of the two. A call that was sent and whose socket closed before it was answered fails as `server_unreachable`
 * and is never sent again: it may have happened (a create, a revoke).
 *
 * Only browser APIs and shared/: this file runs in the console's page. Node 22 has a WebSocket too, so the tests run
 * it against the real server (with a constructor that sends the Origin a browser sends).
 */
import type { ContractMethod, ContractTransport } from '../../../shared/contract.js';
import { SOCKET_KEY_PROTOCOL_PREFIX, SOCKET_PATH, SOCKET_PROTOCOL, type SocketAnswer } from '../../../shared/console-socket.js';
import { ContractCallError, isSessionEnd, withoutTrailingUndefined } from './http-transport.js';

/** WebSocket.OPEN, spelled out: the tests' constructor need not carry the constants. */
const OPEN = 1;

export interface SocketTransportOptions {
  /** The session's request key; without one, calls go to the fallback (which is refused as `session_required`). */
  requestKey: () => string | null;
  /** Told when a call is refused because the session is gone, or the server closed the socket for that reason. */
  onSessionEnded?: (error: ContractCallError) => void;
  /** Where calls go while no socket can be opened: the POST transport. */
  fallback: ContractTransport;
  /** The socket's address; default: this page's origin, SOCKET_PATH. */
  url?: string;
  /** Opens a socket; default the page's WebSocket (tests pass one that sends an Origin, as a browser does). */
  openSocket?: (url: string, protocols: string[]) => WebSocket;
  /** After a socket failed to open, how long calls go by POST before a socket is tried again (default 5 s). */
  retryAfterMs?: number;
  /** The clock for retryAfterMs (default Date.now). */
  now?: () => number;
}

interface Pending {
  method: ContractMethod;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** One socket and the calls sent on it. */
interface Link {
  socket: WebSocket;
  requestKey: string;
  /** Resolves once: true when the socket opened speaking SOCKET_PROTOCOL, false when it did not open. */
  opened: Promise<boolean>;
  /** `opened` resolved true: calls are written at once. */
  ready: boolean;
  /** Replaced by a socket for a new session: closed once its last answer is in. */
  retiring: boolean;
  pending: Map<number, Pending>;
}

export function createSocketTransport(options: SocketTransportOptions): ContractTransport {
  const now = options.now ?? Date.now;
  const retryAfterMs = options.retryAfterMs ?? 5000;
  const openSocket = options.openSocket ?? ((url, protocols) => new WebSocket(url, protocols));
  let link: Link | null = null;
  /** While no socket opens for this request key, calls go by POST until then (a new key tries at once). */
  let unavailable = { key: '', until: 0 };
  let nextId = 1;

  const defaultUrl = () => {
    // The page's own origin (typed here without the DOM library: the tests compile this file for Node).
    const page = (globalThis as { location?: { protocol: string; host: string } }).location!;
    return `${page.protocol === 'https:' ? 'wss:' : 'ws:'}//${page.host}${SOCKET_PATH}`;
  };

  const sessionEnded = (error: ContractCallError) => options.onSessionEnded?.(error);

  function connect(requestKey: string): Link {
    const socket = openSocket(options.url ?? defaultUrl(), [SOCKET_PROTOCOL, `${SOCKET_KEY_PROTOCOL_PREFIX}${requestKey}`]);
    const pending = new Map<number, Pending>();
    const opened = new Promise<boolean>((resolve) => {
      socket.addEventListener(
        'open',
        () => {
          current.ready = socket.protocol === SOCKET_PROTOCOL;
          resolve(current.ready);
        },
        { once: true },
      );
      // A refused handshake fires error then close in a browser; resolving on either is enough (a promise settles once).
      socket.addEventListener('error', () => resolve(false), { once: true });
      socket.addEventListener('close', () => resolve(false), { once: true });
    });
    const current: Link = { socket, requestKey, opened, pending, ready: false, retiring: false };
    void opened.then((ok) => {
      if (ok) return;
      // Refused, or not our protocol: POST for a while before another socket is tried.
      if (link === current) link = null;
      socket.close();
      unavailable = { key: requestKey, until: now() + retryAfterMs };
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      const answer = readAnswer(event.data);
      const call = answer ? pending.get(answer.id) : undefined;
      if (!answer || !call) return;
      pending.delete(answer.id);
      if (current.retiring && pending.size === 0) socket.close(1000);
      if (answer.ok) {
        call.resolve(answer.value);
        return;
      }
      const error = new ContractCallError(answer.error.code, answer.error.message, answer.status, answer.error.details ?? {});
      if (isSessionEnd(error)) sessionEnded(error);
      call.reject(error);
    });
    socket.addEventListener('close', () => {
      if (link === current) link = null;
      for (const call of pending.values()) {
        call.reject(
          new ContractCallError('server_unreachable', `${call.method}: the connection to keywarden ui closed before it answered; what was asked may have happened, so look before asking again`, 0),
        );
      }
      pending.clear();
      // A session that ended (SOCKET_CLOSE.sessionEnded) is not reported from here: the next call, or the event
      // stream's reconnection, is refused with the reason in the server's words (signed out, idle for how long).
    });
    return current;
  }

  return {
    invoke(method: ContractMethod, args: unknown[]): Promise<unknown> {
      const requestKey = options.requestKey();
      if (requestKey === null || (unavailable.key === requestKey && now() < unavailable.until)) return options.fallback.invoke(method, args);
      if (link && link.requestKey !== requestKey) {
        // A new session (signed in again): the old socket answers what it has, then goes.
        const old = link;
        link = null;
        old.retiring = true;
        if (old.pending.size === 0) old.socket.close(1000);
      }
      try {
        link ??= connect(requestKey);
      } catch {
        // No WebSocket here at all (or the policy forbids it): POST from now on, as when a socket does not open.
        unavailable = { key: requestKey, until: Infinity };
        return options.fallback.invoke(method, args);
      }
      const current = link;
      // Not open yet (the page's first calls, made while it renders): sent by POST now rather than after the handshake,
      // which waits for the page's thread; later calls take the socket. A call is sent once, by one of the two.
      // An open socket is written to at once, in the caller's own task: a keystroke's query leaves before React renders
      // the keystroke, so the engine works while the page does.
      if (!current.ready || current.socket.readyState !== OPEN) return options.fallback.invoke(method, args);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        current.pending.set(id, { method, resolve, reject });
        try {
          current.socket.send(JSON.stringify({ id, method, args: withoutTrailingUndefined(args) }));
        } catch (error) {
          current.pending.delete(id);
          reject(new ContractCallError('server_unreachable', `${method}: the connection to keywarden ui is closed (${error instanceof Error ? error.message : String(error)})`, 0));
        }
      });
    },
  };
}

/** A frame as an answer, or null (not JSON, or not an answer: ignored, as the server never sends one). */
function readAnswer(data: unknown): SocketAnswer | null {
  if (typeof data !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { id?: unknown }).id !== 'number') return null;
  const answer = parsed as SocketAnswer;
  if (answer.ok === true) return answer;
  return answer.ok === false && typeof answer.status === 'number' && typeof answer.error?.code === 'string' && typeof answer.error.message === 'string' ? answer : null;
}
