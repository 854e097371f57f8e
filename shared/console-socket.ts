/**
 * The console's socket: the contract over one WebSocket per tab, beside `POST /api/<method>` (both served by
 * `keywarden ui`, electron/cli/ui/socket.ts; used by renderer/src/contract/socket-transport.ts).
 *
 * Why a socket at all: in Chromium a fetch to 127.0.0.1 costs about 10 ms before its answer is read (a new URL loader
 * per request in the network service), a message on an open WebSocket about 1 ms. A keystroke in the search box is
 * one call, and its rows cannot be on screen sooner than its answer.
 *
 * The wire, one JSON text frame per message:
 *   page → server  { "id": 7, "method": "inventory:query", "args": [ ... ] }
 *   server → page  { "id": 7, "ok": true, "value": ... }
 *                  { "id": 7, "ok": false, "status": 404, "error": { "code", "message", "details"? } }
 * `status` is the HTTP status the same failure has over POST, so the page reads both the same way.
 *
 * The session's request key travels in the handshake as a second subprotocol (`keywarden.key.<key>`; a browser's
 * WebSocket cannot send an Authorization header, and a query string would reach logs), and the server answers with
 * SOCKET_PROTOCOL alone, so the key is never echoed. Every call is judged against the session again, as every POST is.
 */

export const SOCKET_PATH = '/api/socket';
/** The subprotocol both sides speak; a new wire gets a new name, so an old page and a new server refuse each other. */
export const SOCKET_PROTOCOL = 'keywarden.contract.v1';
/** The subprotocol that carries the request key: this prefix, then the key (base64url, a valid protocol token). */
export const SOCKET_KEY_PROTOCOL_PREFIX = 'keywarden.key.';

/**
 * Close codes the page acts on (4000–4999 are the application's own). A close with calls still unanswered fails
 * them as `server_unreachable`: a create or a revoke may have happened, so nothing is sent again by itself.
 */
export const SOCKET_CLOSE = {
  /** The session ended (signed out, idle, past its lifetime): sign in again. */
  sessionEnded: 4401,
  /** Not a call this wire carries (not JSON, no id, a binary frame): a bug, not a user's doing. */
  malformed: 4400,
} as const;

export interface SocketCall {
  id: number;
  method: string;
  args: unknown;
}

export interface SocketError {
  code: string;
  message: string;
  details?: Record<string, string | number | boolean | null>;
}

export type SocketAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; status: number; error: SocketError };
