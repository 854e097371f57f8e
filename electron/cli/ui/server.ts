/**
 * The server behind `keywarden ui`: the console in a browser, on 127.0.0.1 only, for whoever signs in with a
 * one-time link it issues. Node's own `http`, no framework. Every request passes, in order:
 *
 * 1. the Host check: `127.0.0.1:PORT` or `localhost:PORT` exactly (a rebound DNS name is refused, 403);
 * 2. the Origin check: a request that names an Origin must name this one, and every POST must name it (403);
 * 3. by path:
 *    - `POST /session` with `{"token": T}`: the launch token T (from `newLaunchUrl()`) is consumed, once, and
 *      answered with a session's request key in the body, which only the console's own script can read;
 *    - `POST /session/sign-out`, `POST /api/<method>` and `GET /api/events` need `Authorization: Bearer <request
 *      key>` of an open session (401 otherwise); no cookie is ever set or read;
 *    - anything else is the built renderer (static-files.ts), served without a session: it is the public
 *      console bundle, and it is what signs in (renderer/src/session.ts).
 *
 * Refusals read at most a small body (respond.ts), the connections are capped, and the sessions are capped
 * without eviction. Keywarden locks after `lockAfterIdleMinutes` without an API call from any tab (the idle lock). Every answer carries the security headers of security.ts and never an Access-Control-* header.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HostInfo } from '../../../shared/domain.js';
import { type ContractHost, createContractHandlers } from '../../core/contract-handlers.js';
import { keywardenVersion } from '../../core/version.js';
import type { DemoSession } from '../../core/demo/demo.js';
import type { KeywardenEngine } from '../../core/engine.js';
import { IdleLock } from '../../core/desktop/idle-lock.js';
import { startTeamFollower } from '../../core/desktop/team-follower.js';
import { KeywardenError } from '../../core/errors.js';
import { readBody, runContractCall, serveContractCall } from './api.js';
import { ContractSockets, refuseUpgrade } from './socket.js';
import { SOCKET_PATH } from '../../../shared/console-socket.js';
import { EventHub } from './events.js';
import { discardRefusedBody, REFUSED_BODY_LIMIT_BYTES, sendApiError, sendJson, sendText } from './respond.js';
import { allowedHosts, DEFAULT_SESSION_LIMITS, duration, LaunchTokens, readBearer, type SessionLimits, Sessions, setSecurityHeaders, type TokenOutcome } from './security.js';
import { defaultRendererFolder, StaticFiles } from './static-files.js';

/** The demo, as the console's first run starts it: an engine on the demo's own data folder, its emulators running. */
export type RunningDemoEngine = DemoSession;

export interface UiServerOptions {
  engine: KeywardenEngine;
  /** The engine's data folder, shown in the console (default: not named). */
  home?: string;
  /** Starts the demo (the `keywarden ui` command passes one); without it, the console's first run offers only "add a backend". */
  startDemo?: () => Promise<RunningDemoEngine>;
  /** 0 (the default): a free port. */
  port?: number;
  /** The built renderer; default `<project>/dist/renderer/`. */
  rendererFolder?: string;
  /** Largest request body accepted (default 1 MiB); larger is answered 413. */
  maxBodyBytes?: number;
  /** How often an idle event stream gets a comment line (default 15 s). */
  heartbeatMs?: number;
  /** Session and token lifetimes, and the most sessions at once (defaults: DEFAULT_SESSION_LIMITS); tests shorten them. */
  sessions?: Partial<SessionLimits>;
  /** Connections open at once (default 64); one more is closed as it arrives. */
  maxConnections?: number;
  /** The clock sessions and tokens are judged by (default Date.now); a test moves it on instead of waiting. */
  clock?: () => number;
  /** How often the idle lock checks (default every 30 s, as in the desktop app); tests make it short. */
  idleLockPollMs?: number;
  /** Where the server reports what the browser is not told (internal errors); default: nowhere. */
  log?: (message: string) => void;
}

export interface UiServer {
  /**
   * A new one-time sign-in URL, `http://127.0.0.1:PORT/?token=...`: it signs in one browser tab once, within the
   * token lifetime (5 minutes by default). `onSettled` is told once, when it is used, expires or the server stops.
   */
  newLaunchUrl(onSettled?: (outcome: TokenOutcome) => void): string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly port: number;
  /** How many event streams are open (a closed tab's stream is removed). */
  eventStreams(): number;
  /** How many console sockets are open (shared/console-socket.ts). */
  sockets(): number;
  /** How many sessions are open (expired ones are not counted). */
  openSessions(): number;
  /** Stops accepting, ends the event streams, waits for the calls under way to finish, then closes every connection. */
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
/** The sign-in body is `{"token": "<43 characters>"}`; anything much larger is not a sign-in. */
const SIGN_IN_BODY_BYTES = 1024;

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const log = options.log ?? (() => {});
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const clock = options.clock ?? Date.now;
  const limits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...options.sessions };
  const hub = new EventHub(options.heartbeatMs ?? 15_000, log);
  const tokens = new LaunchTokens(limits.tokenMs, clock);
  // A session that ends (sign-out, expiry) takes its event streams with it.
  const sessions = new Sessions(limits, clock, (id) => {
    hub.endSession(id);
    sockets.endSession(id);
  });
  let demo: RunningDemoEngine | null = null;
  const host: ContractHost = {
    version: keywardenVersion(),
    info: (): HostInfo => ({ host: 'browser', home: demo?.home ?? options.home ?? '', demo: demo !== null, demoAvailable: options.startDemo !== undefined && demo === null }),
    ...(options.startDemo
      ? {
          startDemo: async () => {
            if (!demo) {
              demo = await options.startDemo!();
              // From here on every call reaches the demo's engine; the real one is left as it was.
              handlers = createContractHandlers(demo.engine, hub.sink(), host);
            }
            return host.info();
          },
        }
      : {}),
  };
  let handlers = createContractHandlers(options.engine, hub.sink(), host);
  // The console's idle lock: the `lockAfterIdleMinutes` setting, counted from the last API call of any tab (the
  // event stream and its heartbeats are not use). The browser gives no system idle time; a console nobody calls
  // is idle, whether its tabs are closed or left open on an unattended screen. Locking tells every tab.
  let lastCallAt = clock();
  const currentEngine = () => demo?.engine ?? options.engine;
  const idleLock = new IdleLock({
    engine: { lock: (reason) => currentEngine().lock(reason), lockState: () => currentEngine().lockState(), settings: () => currentEngine().settings() },
    events: hub.sink(),
    idleSeconds: () => (clock() - lastCallAt) / 1000,
    ...(options.idleLockPollMs !== undefined ? { pollMs: options.idleLockPollMs } : {}),
    log,
  });
  idleLock.start();
  // A team home's copy follows the team while the console is served: pulled when another member writes (LISTEN/NOTIFY).
  const teamFollower = startTeamFollower({ engine: options.engine, events: hub.sink(), log });
  const files = new StaticFiles(options.rendererFolder ?? defaultRendererFolder());
  const underway = new Set<Promise<void>>();
  const sockets = new ContractSockets({
    maxMessageBytes: maxBodyBytes,
    checkSession: (requestKey, use) => sessions.check(requestKey, use),
    call: (method, args) => runContractCall(handlers, method, args, log),
    onCall: (call) => {
      lastCallAt = clock();
      const settled = call.catch(() => {}).finally(() => underway.delete(settled));
      underway.add(settled);
    },
    log,
  });
  // Known once the port is.
  let hosts: ReadonlySet<string> = new Set();

  const refuseSession = (request: http.IncomingMessage, response: http.ServerResponse, code: string, message: string) => {
    discardRefusedBody(request, response);
    response.setHeader('WWW-Authenticate', 'Bearer realm="keywarden"');
    sendApiError(response, 401, code, message);
  };

  /** `POST /session`: a launch token for a session's request key. */
  const signIn = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') {
      discardRefusedBody(request, response);
      sendApiError(response, 415, 'invalid_input', 'the sign-in is sent as application/json: {"token": "..."}');
      return;
    }
    const body = await readBody(request, SIGN_IN_BODY_BYTES, REFUSED_BODY_LIMIT_BYTES);
    if (body === 'cut') return;
    let token: unknown = null;
    if (body !== 'too_large') {
      try {
        token = (JSON.parse(body.toString('utf8')) as { token?: unknown } | null)?.token;
      } catch {
        // answered below
      }
    }
    if (typeof token !== 'string' || token === '') {
      sendApiError(response, 400, 'invalid_input', 'the sign-in body must be {"token": "..."} with the token of a link from "keywarden ui"');
      return;
    }
    if (!tokens.isValid(token)) {
      refuseSession(
        request,
        response,
        'token_refused',
        `this sign-in link was already used, has expired (a link works once, within ${duration(limits.tokenMs)} of being printed) or is not from this server: press Enter in the terminal running "keywarden ui" for a new one`,
      );
      return;
    }
    // Full: refused before the token is used, so the same link works once a session is freed. No open session is
    // evicted: whoever holds a link must not be able to sign the administrator out by signing in many times.
    if (sessions.isFull()) {
      sendApiError(
        response,
        429,
        'too_many_sessions',
        `${limits.maxSessions} console sessions are open, the most this server allows: sign out in a tab you no longer use (a session unused for ${duration(limits.idleMs)} ends by itself), then open the link again`,
      );
      return;
    }
    tokens.take(token);
    const session = sessions.create();
    sendJson(response, 200, { requestKey: session.requestKey, idleSeconds: Math.round(session.idleMs / 1000), expiresAt: new Date(session.expiresAt).toISOString() });
  };

  /**
   * The Host (one of this server's names: no DNS rebinding) and the Origin (none, or the console's own; required where
   * the request can change anything: a POST, a socket), judged alike for every request and every socket's handshake.
   */
  const judgeSource = (request: http.IncomingMessage, originRequired: boolean): { code: string; message: string; text: boolean } | null => {
    const host = (request.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) return { code: 'request_refused', message: `refused: this server answers only to ${[...hosts].join(' and ')}`, text: true };
    const origin = request.headers.origin;
    if ((origin !== undefined || originRequired) && origin !== `http://${host}`) {
      return {
        code: 'request_refused',
        message: origin === undefined ? 'refused: a request that changes anything must come from the console itself (no Origin)' : 'refused: a request from another origin',
        text: false,
      };
    }
    return null;
  };

  const route = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    setSecurityHeaders(response);
    const refused = judgeSource(request, request.method === 'POST');
    if (refused) {
      discardRefusedBody(request, response);
      if (refused.text) sendText(response, 403, refused.message);
      else refuse(request, response, 403, refused.code, refused.message);
      return;
    }
    const rawPath = pathOf(request.url);
    if (!rawPath.startsWith('/')) {
      discardRefusedBody(request, response);
      sendText(response, 400, 'refused: not a path');
      return;
    }

    if (rawPath === '/session' || rawPath === '/session/sign-out') {
      if (request.method !== 'POST') {
        discardRefusedBody(request, response);
        response.setHeader('Allow', 'POST');
        sendApiError(response, 405, 'invalid_input', `${rawPath} is called with POST`);
        return;
      }
      if (rawPath === '/session') {
        await signIn(request, response);
        return;
      }
      const check = sessions.check(readBearer(request.headers.authorization), false);
      if (!check.ok) {
        refuseSession(request, response, check.code, check.message);
        return;
      }
      discardRefusedBody(request, response);
      sessions.end(check.id, 'signed_out');
      sendJson(response, 200, { signedOut: true });
      return;
    }

    if (rawPath.startsWith('/api/') || rawPath === '/api') {
      const isEvents = rawPath === '/api/events';
      // An API call is activity (the idle clock restarts); opening the event stream is not.
      const check = sessions.check(readBearer(request.headers.authorization), !isEvents);
      if (!check.ok) {
        refuseSession(request, response, check.code, check.message);
        return;
      }
      if (!isEvents) lastCallAt = clock();
      if (isEvents) {
        if (request.method !== 'GET') {
          discardRefusedBody(request, response);
          response.setHeader('Allow', 'GET');
          sendApiError(response, 405, 'invalid_input', 'the event stream is read with GET');
          return;
        }
        hub.attach(request, response, check.id);
        return;
      }
      let name: string;
      try {
        name = decodeURIComponent(rawPath.slice('/api/'.length));
      } catch {
        name = '';
      }
      await serveContractCall(request, response, name, { handlers, maxBodyBytes, log });
      return;
    }
    discardRefusedBody(request, response);
    await files.serve(request, response, rawPath);
  };

  const server = http.createServer(
    {
      // A client that sends its request this slowly is not a browser on this machine. Checked every 5 s
      // (Node's default is 30 s), so a peer that opens connections and sends nothing holds each only briefly.
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 5_000,
    },
    (request, response) => {
      const call = route(request, response)
        .catch((error: unknown) => {
          log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
          if (!response.headersSent) sendApiError(response, 500, 'internal', 'internal error in the keywarden ui server');
          else response.destroy();
        })
        .finally(() => underway.delete(call));
      underway.add(call);
    },
  );
  // Each connection costs a socket and its buffers; a browser needs a handful per tab (and one per event stream).
  server.maxConnections = options.maxConnections ?? 64;
  // The console's socket (shared/console-socket.ts): the same Host, Origin and session checks as a POST, then the same pipeline.
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refused = judgeSource(request, true) ?? (pathOf(request.url) === SOCKET_PATH ? null : { code: 'not_found', message: `only ${SOCKET_PATH} is a socket`, text: false });
    if (refused) refuseUpgrade(socket, refused.code === 'not_found' ? 404 : 403, { code: refused.code, message: refused.message });
    else sockets.upgrade(request, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new KeywardenError('conflict', `port ${options.port ?? 0} on ${LOOPBACK} is in use; choose another with --port, or leave it out for a free one`)
          : error.code === 'EACCES'
            ? new KeywardenError('invalid_input', `port ${options.port ?? 0} on ${LOOPBACK} needs privileges; choose one above 1023, or leave --port out for a free one`)
            : error,
      );
    });
    server.listen({ host: LOOPBACK, port: options.port ?? 0, exclusive: true }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(port);
  const origin = `http://${LOOPBACK}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    newLaunchUrl: (onSettled) => `${origin}/?token=${tokens.issue(onSettled)}`,
    origin,
    port,
    eventStreams: () => hub.size,
    sockets: () => sockets.size,
    openSessions: () => sessions.size,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        tokens.close();
        hub.close();
        sockets.close();
        server.closeIdleConnections();
        // Calls under way (a sync, a create) finish and answer before the engine is closed under them.
        while (underway.size > 0) await Promise.allSettled([...underway]);
        idleLock.stop();
        await teamFollower.stop();
        sessions.close();
        server.closeAllConnections();
        // An upgraded socket is no longer the HTTP server's to close, but the listener waits for it.
        sockets.terminate();
        await stopped;
        await demo?.stop();
      })();
      return closing;
    },
  };
}

/** The path of a request's target, without its query. */
function pathOf(target: string | undefined): string {
  const queryAt = (target ?? '').indexOf('?');
  return queryAt < 0 ? (target ?? '') : target!.slice(0, queryAt);
}

/** A refusal: JSON for the API and the sign-in (the console's script reads it), text for anything else. */
function refuse(request: http.IncomingMessage, response: http.ServerResponse, status: number, code: string, message: string): void {
  const path = request.url ?? '';
  if (path.startsWith('/api/') || path === '/api' || path.startsWith('/session')) sendApiError(response, status, code, message);
  else sendText(response, status, message);
}
