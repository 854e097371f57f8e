/**
 * The server behind `keywarden ui`: the console in a browser, on 127.0.0.1 only, for whoever holds the URL it
 * prints. Node's own `http`, no framework. Every request passes, in order:
 *
 * 1. the Host check: `127.0.0.1:PORT` or `localhost:PORT` only (a rebound DNS name is refused, 403);
 * 2. the Origin check: a request that names an Origin must name this one, and every POST must name it (403);
 * 3. the session: `GET /?token=<launch token>` (compared in constant time) sets an HttpOnly, SameSite=Strict
 *    session cookie and redirects to `/` (303), so the token leaves the address bar; everything else needs
 *    that cookie (401: a page for people, a JSON error for the API).
 *
 * Then: `POST /api/<method>` (api.ts), `GET /api/events` (events.ts), the built renderer (static-files.ts).
 * Every answer carries the security headers of security.ts and never an Access-Control-* header.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostInfo } from '../../../shared/domain.js';
import { type ContractHost, createContractHandlers } from '../../core/contract-handlers.js';
import type { DemoSession } from '../../core/demo/demo.js';
import type { KeywardenEngine } from '../../core/engine.js';
import { KeywardenError } from '../../core/errors.js';
import { serveContractCall } from './api.js';
import { EventHub } from './events.js';
import { page, sendApiError, sendHtml, sendText } from './respond.js';
import { allowedHosts, newSecret, readCookie, sameSecret, SessionStore, sessionCookie, sessionCookieName, setSecurityHeaders } from './security.js';
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
  /** Where the server reports what the browser is not told (internal errors); default: nowhere. */
  log?: (message: string) => void;
}

export interface UiServer {
  /** The URL to open: `http://127.0.0.1:PORT/?token=...`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly port: number;
  /** How many event streams are open (a closed tab's stream is removed). */
  eventStreams(): number;
  /** Stops accepting, ends the event streams, waits for the calls under way to finish, then closes every connection. */
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const log = options.log ?? (() => {});
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const token = newSecret();
  const sessions = new SessionStore();
  const hub = new EventHub(options.heartbeatMs ?? 15_000, log);
  let demo: RunningDemoEngine | null = null;
  const host: ContractHost = {
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
  const files = new StaticFiles(options.rendererFolder ?? defaultRendererFolder());
  const underway = new Set<Promise<void>>();
  // Both known once the port is.
  let hosts: ReadonlySet<string> = new Set();
  let cookieName = '';

  const route = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    setSecurityHeaders(response);
    const host = (request.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) {
      request.resume();
      sendText(response, 403, `refused: this server answers only to ${[...hosts].join(' and ')}`);
      return;
    }
    const ownOrigin = `http://${host}`;
    const origin = request.headers.origin;
    if ((origin !== undefined || request.method === 'POST') && origin !== ownOrigin) {
      request.resume();
      refuse(
        request,
        response,
        403,
        'request_refused',
        origin === undefined ? 'refused: a request that changes anything must come from the console itself (no Origin)' : 'refused: a request from another origin',
      );
      return;
    }
    const target = request.url ?? '';
    const queryAt = target.indexOf('?');
    const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
    if (!rawPath.startsWith('/')) {
      request.resume();
      sendText(response, 400, 'refused: not a path');
      return;
    }
    const hasSession = sessions.has(readCookie(request.headers.cookie, cookieName));

    if (rawPath === '/' && queryAt >= 0 && (request.method === 'GET' || request.method === 'HEAD')) {
      const given = new URLSearchParams(target.slice(queryAt + 1)).get('token');
      if (given !== null && sameSecret(given, token)) {
        response.setHeader('Set-Cookie', sessionCookie(cookieName, sessions.create()));
        response.writeHead(303, { Location: '/', 'Content-Length': 0 }).end();
        return;
      }
      if (hasSession) {
        // A session already: take the query (a stale token) out of the address bar.
        response.writeHead(303, { Location: '/', 'Content-Length': 0 }).end();
        return;
      }
    }
    if (!hasSession) {
      request.resume();
      refuse(request, response, 401, 'session_required', 'no console session: open the URL that "keywarden ui" printed');
      return;
    }
    if (rawPath === '/api/events') {
      if (request.method !== 'GET') {
        response.setHeader('Allow', 'GET');
        sendApiError(response, 405, 'invalid_input', 'the event stream is read with GET');
        return;
      }
      hub.attach(request, response);
      return;
    }
    if (rawPath.startsWith('/api/') || rawPath === '/api') {
      let name: string;
      try {
        name = decodeURIComponent(rawPath.slice('/api/'.length));
      } catch {
        name = '';
      }
      await serveContractCall(request, response, name, { handlers, maxBodyBytes, log });
      return;
    }
    await files.serve(request, response, rawPath);
  };

  const server = http.createServer((request, response) => {
    const call = route(request, response)
      .catch((error: unknown) => {
        log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!response.headersSent) sendApiError(response, 500, 'internal', 'internal error in the keywarden ui server');
        else response.destroy();
      })
      .finally(() => underway.delete(call));
    underway.add(call);
  });
  // A client that sends its headers this slowly is not a browser on this machine.
  server.headersTimeout = 30_000;

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
  cookieName = sessionCookieName(port);
  const origin = `http://${LOOPBACK}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    eventStreams: () => hub.size,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        hub.close();
        server.closeIdleConnections();
        // Calls under way (a sync, a create) finish and answer before the engine is closed under them.
        while (underway.size > 0) await Promise.allSettled([...underway]);
        server.closeAllConnections();
        await stopped;
        await demo?.stop();
      })();
      return closing;
    },
  };
}

/** A refusal: JSON for the API (the console's script reads it), a short page or text for a person. */
function refuse(request: http.IncomingMessage, response: http.ServerResponse, status: number, code: string, message: string): void {
  const path = request.url ?? '';
  if (path.startsWith('/api/') || path === '/api') {
    sendApiError(response, status, code, message);
  } else if (status === 401) {
    sendHtml(
      response,
      401,
      page('Keywarden: open the console with its URL', [
        'This page needs the URL that "keywarden ui" printed in its terminal (it carries the launch token). Open that URL, or start "keywarden ui" again to get a new one.',
      ]),
      request.method === 'HEAD',
    );
  } else {
    sendText(response, status, message);
  }
}
