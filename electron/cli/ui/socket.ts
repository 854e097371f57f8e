/**
 * The console's socket (shared/console-socket.ts says why and what travels on it): the one file that imports `ws`.
 *
 * A socket is opened only by a page that passed every check a POST passes (server.ts judges the Host, the Origin and
 * the session before handing the upgrade here), and each call on it is judged again: the session must still be open
 * (a call is activity, as a POST is), then the call goes through the same contract pipeline as a POST. What is the
 * socket's own: one JSON text frame per call with its id, a frame no larger than the POST body cap, a bounded number
 * of calls in flight, and an end that never loses an answer: a socket whose session ends (or whose server stops)
 * takes no new call, answers the ones under way (a create's shown-once secret is in its answer), then closes.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { SOCKET_CLOSE, SOCKET_KEY_PROTOCOL_PREFIX, SOCKET_PROTOCOL, type SocketAnswer, type SocketCall, type SocketError } from '../../../shared/console-socket.js';
import type { ContractOutcome } from '../../core/contract-pipeline.js';
import { failureStatus } from './api.js';
import type { SessionCheck } from './security.js';

/** Calls one socket may have under way; a page waits for its answers long before this (a keystroke cancels nothing). */
const MAX_CALLS_IN_FLIGHT = 32;
/** A socket with this much unsent data belongs to a page that stopped reading: it is dropped. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Sockets one session may hold: a tab has one, a reload replaces it; more is a page opening them in a loop. */
const MAX_SOCKETS_PER_SESSION = 8;

export interface ContractSocketsOptions {
  /** The POST body cap: a larger frame closes the socket (1009), as a larger body is answered 413. */
  maxMessageBytes: number;
  /** The session of `requestKey`, judged as for a POST (`use`: a call is activity, opening the socket is not). */
  checkSession(requestKey: string, use: boolean): SessionCheck;
  /** Runs one call through the contract pipeline. */
  call(method: string, args: unknown): Promise<ContractOutcome>;
  /** Told of each call before it runs (the idle lock's clock), and of its promise (the server waits for it when closing). */
  onCall(underway: Promise<void>): void;
  log: (message: string) => void;
}

interface OpenSocket {
  session: string;
  requestKey: string;
  inFlight: number;
  /** Set when the session ended or the server stops: no new call, close once the last answer is out. */
  closing: { code: number; reason: string } | null;
}

/** The request key in a handshake's subprotocols, or null (none, several, or not a key's characters). */
export function readSocketKey(header: string | undefined): string | null {
  if (!header || header.length > 1024) return null;
  const keys = header
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol.startsWith(SOCKET_KEY_PROTOCOL_PREFIX))
    .map((protocol) => protocol.slice(SOCKET_KEY_PROTOCOL_PREFIX.length));
  return keys.length === 1 && /^[A-Za-z0-9_-]{1,512}$/.test(keys[0]!) ? keys[0]! : null;
}

export class ContractSockets {
  private readonly server: WebSocketServer;
  private readonly open = new Map<WebSocket, OpenSocket>();
  private stopped = false;

  constructor(private readonly options: ContractSocketsOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      // Compression buys nothing on loopback and has been the source of memory exhaustion bugs in the past.
      perMessageDeflate: false,
      clientTracking: false,
      // Our protocol only; the key's protocol is never echoed back.
      handleProtocols: (protocols) => (protocols.has(SOCKET_PROTOCOL) ? SOCKET_PROTOCOL : false),
    });
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Takes an upgrade request whose Host and Origin the server has already accepted: refused with 401 without a
   * session (the key in the subprotocols), 400 without our subprotocol, 429 past the sockets a session may hold.
   */
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const protocols = request.headers['sec-websocket-protocol'];
    const requestKey = readSocketKey(protocols);
    const check: SessionCheck = this.stopped ? { ok: false, code: 'session_required', message: 'the keywarden ui server is stopping' } : this.options.checkSession(requestKey ?? '', false);
    if (!check.ok) {
      refuseUpgrade(socket, 401, { code: check.code, message: check.message });
      return;
    }
    if (!(protocols ?? '').split(',').some((protocol) => protocol.trim() === SOCKET_PROTOCOL)) {
      refuseUpgrade(socket, 400, { code: 'invalid_input', message: `the console's socket speaks ${SOCKET_PROTOCOL}` });
      return;
    }
    if ([...this.open.values()].filter((open) => open.session === check.id).length >= MAX_SOCKETS_PER_SESSION) {
      refuseUpgrade(socket, 429, { code: 'too_many_sockets', message: `a console session holds at most ${MAX_SOCKETS_PER_SESSION} sockets` });
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.serve(ws, { session: check.id, requestKey: requestKey!, inFlight: 0, closing: null }));
  }

  /** The session ended: its sockets take no new call and close once their answers are out. */
  endSession(session: string): void {
    for (const [ws, open] of this.open) if (open.session === session) this.closeWhenAnswered(ws, open, SOCKET_CLOSE.sessionEnded, 'session ended');
  }

  /** The server stops: every socket closes once its answers are out (the server waits for the calls, see onCall). */
  close(): void {
    this.stopped = true;
    for (const [ws, open] of this.open) this.closeWhenAnswered(ws, open, 1001, 'server stopping');
  }

  /** Cuts what is left (after the calls were waited for). */
  terminate(): void {
    for (const ws of this.open.keys()) ws.terminate();
    this.open.clear();
    this.server.close();
  }

  private serve(ws: WebSocket, open: OpenSocket): void {
    this.open.set(ws, open);
    ws.on('close', () => this.open.delete(ws));
    ws.on('error', (error) => this.options.log(`console socket: ${error.message}`));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const call = isBinary ? null : readCall(data);
      if (!call) {
        ws.close(SOCKET_CLOSE.malformed, 'not a contract call');
        return;
      }
      const answer = (reply: SocketAnswer) => {
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.terminate();
        else if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      };
      // Counted from here, so a session that ends during its own check (it expired) closes only after this answer.
      open.inFlight += 1;
      const finish = () => {
        open.inFlight -= 1;
        if (open.closing && open.inFlight === 0) ws.close(open.closing.code, open.closing.reason);
      };
      if (open.closing) {
        answer(refusal(call.id, 401, { code: 'session_required', message: 'this console session has ended: sign in again' }));
        finish();
        return;
      }
      const check = this.options.checkSession(open.requestKey, true);
      if (!check.ok) {
        answer(refusal(call.id, 401, { code: check.code, message: check.message }));
        open.closing ??= { code: SOCKET_CLOSE.sessionEnded, reason: 'session ended' };
        finish();
        return;
      }
      if (open.inFlight > MAX_CALLS_IN_FLIGHT) {
        answer(refusal(call.id, 429, { code: 'too_many_calls', message: `at most ${MAX_CALLS_IN_FLIGHT} calls at once on one console socket` }));
        finish();
        return;
      }
      const underway = this.options
        .call(call.method, call.args)
        .then((outcome) => {
          // undefined is not JSON; a method declared to return nothing returns null (as over POST).
          answer(outcome.ok ? { id: call.id, ok: true, value: outcome.value ?? null } : refusal(call.id, failureStatus(outcome), outcome.error));
        })
        .finally(finish);
      this.options.onCall(underway);
    });
  }

  private closeWhenAnswered(ws: WebSocket, open: OpenSocket, code: number, reason: string): void {
    open.closing ??= { code, reason };
    if (open.inFlight === 0) ws.close(open.closing.code, open.closing.reason);
  }
}

function refusal(id: number, status: number, error: SocketError): SocketAnswer {
  return { id, ok: false, status, error: { code: error.code, message: error.message, ...(error.details && Object.keys(error.details).length > 0 ? { details: error.details } : {}) } };
}

/** A frame as a call: a JSON object with a safe integer `id` and a string `method`; anything else is null. */
function readCall(data: RawData): SocketCall | null {
  let parsed: unknown;
  try {
    // ws has checked that a text frame is UTF-8.
    parsed = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { id, method, args } = parsed as Record<string, unknown>;
  if (!Number.isSafeInteger(id) || (id as number) < 0 || typeof method !== 'string' || method.length > 200) return null;
  return { id: id as number, method, args };
}

/** Answers a refused handshake with a plain HTTP response (the socket was never a WebSocket) and closes it. */
export function refuseUpgrade(socket: Duplex, status: number, error: SocketError): void {
  const body = JSON.stringify({ error });
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests' }[status] ?? 'Refused';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\n\r\n${body}`,
  );
}
