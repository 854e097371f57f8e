/**
 * The contract over HTTP, for the console served by `keywarden ui` (electron/cli/ui/): the same client the
 * desktop window gets from `window.keywarden`, built with `buildContractClient` over fetch instead of IPC.
 *
 *   const { requestKey } = await exchangeLaunchToken(token);                 // POST /session {"token": ...}
 *   const keywarden = buildContractClient(createHttpTransport({ requestKey: () => requestKey }));
 *   const keys = await keywarden['inventory:list']({});                       // POST /api/inventory:list  [{}]
 *   const stop = subscribeContractEvents({ onSyncProgress: (progress) => ... }, { requestKey: () => requestKey });
 *
 * Every call carries the session's request key as `Authorization: Bearer <key>`: the server sets no cookie and
 * honours none, because a browser sends a 127.0.0.1 cookie to every port of 127.0.0.1. Only this page's script
 * holds the key (src/connection.ts keeps it in sessionStorage, which is isolated by port). The event stream needs
 * the header too, so it is read with fetch and a streamed body, not EventSource (which cannot send headers).
 *
 * A call that fails throws a ContractCallError with the engine's `code` (`not_found`, `invalid_input`, ...),
 * its `message` for the administrator and the HTTP `status`; a result that does not fit the contract throws
 * the builder's ContractViolation. `session_required` and `session_expired` (401) mean the session is gone:
 * `onSessionEnded` is told, and the page asks for a new sign-in link.
 *
 * Only browser APIs and shared/: this file runs in the console's page. Node 22 has fetch and streams too, so the
 * tests run it against the real server.
 */
import { CONTRACT_EVENTS, type ContractEvent, type ContractEventPayload, type ContractMethod, type ContractTransport } from '../../../shared/contract.js';

/** A failed call, as the server reported it (or `server_unreachable` when no answer came). */
export class ContractCallError extends Error {
  override readonly name = 'ContractCallError';
  constructor(
    /**
     * The engine's error code (docs/cli.md lists them), or the server's own: `session_required`, `session_expired`,
     * `token_refused`, `too_many_sessions`, `request_refused`, `server_unreachable`.
     */
    readonly code: string,
    message: string,
    /** The HTTP status; 0 when the server did not answer. */
    readonly status: number,
    readonly details: Readonly<Record<string, string | number | boolean | null>> = {},
  ) {
    super(message);
  }
}

/** The codes that mean the session is gone (signed out, expired, or not one of this server's). */
export function isSessionEnd(error: unknown): error is ContractCallError {
  return error instanceof ContractCallError && error.status === 401 && (error.code === 'session_required' || error.code === 'session_expired');
}

export interface HttpOptions {
  /** Where the server is; '' (the default) is the page's own origin, which is what the console uses. */
  baseUrl?: string;
  /** The fetch to use; the page's by default (tests pass one that adds what a browser adds itself: the Origin). */
  fetch?: typeof fetch;
}

export interface HttpTransportOptions extends HttpOptions {
  /** The session's request key, sent with every call; null: none (the server will answer `session_required`). */
  requestKey?: () => string | null;
  /** Told when a call is refused because the session is gone (before the call's error is thrown). */
  onSessionEnded?: (error: ContractCallError) => void;
}

export function createHttpTransport(options: HttpTransportOptions = {}): ContractTransport {
  return {
    async invoke(method: ContractMethod, args: unknown[]): Promise<unknown> {
      try {
        return await post(options, `/api/${encodeURIComponent(method)}`, withoutTrailingUndefined(args), method, options.requestKey?.() ?? null);
      } catch (error) {
        if (isSessionEnd(error)) options.onSessionEnded?.(error);
        throw error;
      }
    },
  };
}

/**
 * An optional argument left out at the end (`vault:unlock(undefined)`) is not sent: JSON has no undefined, and
 * `[undefined]` would arrive as `[null]`, which the contract rightly refuses. Over IPC it is simply absent too.
 */
export function withoutTrailingUndefined(args: readonly unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end -= 1;
  return args.slice(0, end);
}

/** What a sign-in answers: the request key, and the session's idle and absolute limits. */
export interface SignedIn {
  requestKey: string;
  /** A session unused by any call for this long ends. */
  idleSeconds: number;
  /** When the session ends at the latest (ISO time, the server's clock). */
  expiresAt: string;
}

/**
 * Exchanges a launch token (the `token` of a URL that `keywarden ui` printed) for a session. The token works
 * once: `token_refused` (401) when it was used or expired, `too_many_sessions` (429) when the server is full.
 */
export async function exchangeLaunchToken(token: string, options: HttpOptions = {}): Promise<SignedIn> {
  const answer = await post(options, '/session', { token }, 'sign-in', null);
  if (!isSignedIn(answer)) throw new ContractCallError('internal', 'sign-in: the server answered without a request key', 200);
  return answer;
}

/** Ends the session on the server; its request key is refused from then on. */
export async function signOutSession(requestKey: string, options: HttpOptions = {}): Promise<void> {
  await post(options, '/session/sign-out', {}, 'sign-out', requestKey);
}

async function post(options: HttpOptions, path: string, body: unknown, what: string, requestKey: string | null): Promise<unknown> {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  let response: Response;
  try {
    response = await doFetch(`${options.baseUrl ?? ''}${path}`, {
      method: 'POST',
      // No cookie is involved: nothing of the browser's own is sent.
      credentials: 'omit',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authorization(requestKey) },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new ContractCallError('server_unreachable', `${what}: the keywarden ui server did not answer; is it still running? (${describe(error)})`, 0);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ContractCallError('internal', `${what}: the server's answer (HTTP ${response.status}) is not JSON`, response.status);
  }
  if (response.ok) return parsed;
  throw errorOf(parsed, response.status, what);
}

function authorization(requestKey: string | null): Record<string, string> {
  return requestKey ? { Authorization: `Bearer ${requestKey}` } : {};
}

function errorOf(body: unknown, status: number, what: string): ContractCallError {
  const error = isErrorBody(body) ? body.error : { code: 'internal', message: `${what}: HTTP ${status} without an error description` };
  return new ContractCallError(error.code, error.message, status, error.details ?? {});
}

/** The handlers a page subscribes with: any of the contract's events, each with its payload's type. */
export type ContractEventHandlers = { [E in ContractEvent]?: (payload: ContractEventPayload<E>) => void };

export interface EventSubscriptionOptions extends HttpOptions {
  /** The session's request key, sent when the stream is opened (and each time it is opened again). */
  requestKey?: () => string | null;
  /**
   * Told when the stream fails. A dropped connection, or a server that does not answer, is retried by itself
   * (`closed` false); a stream the server refuses is not (`closed` true): then the subscription has stopped.
   */
  onError?: (closed: boolean) => void;
  /** Told when the stream was refused because the session is gone (then onError(true) follows). */
  onSessionEnded?: (error: ContractCallError) => void;
  /** Told when an event's data is not what the contract declares (it is not passed on). */
  onInvalidEvent?: (name: ContractEvent, problem: string) => void;
  /** How long to wait before reconnecting, until the server's `retry:` says otherwise (default 2 s). */
  retryMs?: number;
}

/**
 * Subscribes to the contract's events over `GET /api/events`, read as Server-Sent Events from a streamed fetch
 * (with the session's request key). Each payload is checked against CONTRACT_EVENTS before it reaches a handler.
 * Returns the unsubscribe function.
 */
export function subscribeContractEvents(handlers: ContractEventHandlers, options: EventSubscriptionOptions = {}): () => void {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const controller = new AbortController();
  let retryMs = options.retryMs ?? 2000;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const dispatch = (name: string, data: string) => {
    if (!Object.hasOwn(CONTRACT_EVENTS, name) || !Object.hasOwn(handlers, name)) return;
    const event = name as ContractEvent;
    const handler = handlers[event] as ((payload: unknown) => void) | undefined;
    if (!handler) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      options.onInvalidEvent?.(event, 'not JSON');
      return;
    }
    const parsed = CONTRACT_EVENTS[event].safeParse(payload);
    if (parsed.success) handler(parsed.data);
    else options.onInvalidEvent?.(event, parsed.error.issues[0]?.message ?? 'invalid');
  };

  const run = async () => {
    while (!controller.signal.aborted) {
      let response: Response;
      try {
        response = await doFetch(`${options.baseUrl ?? ''}/api/events`, {
          credentials: 'omit',
          headers: { Accept: 'text/event-stream', ...authorization(options.requestKey?.() ?? null) },
          signal: controller.signal,
        });
      } catch {
        if (controller.signal.aborted) return;
        options.onError?.(false);
        await pause(retryMs);
        continue;
      }
      if (!response.ok || !response.body) {
        let body: unknown = null;
        try {
          body = JSON.parse(await response.text());
        } catch {
          // not an error document: a refusal all the same
        }
        const error = errorOf(body, response.status, 'events');
        if (isSessionEnd(error)) options.onSessionEnded?.(error);
        options.onError?.(true);
        return;
      }
      try {
        await readEventStream(response.body, dispatch, (ms) => (retryMs = ms));
      } catch {
        // the connection dropped (or the subscription was stopped): below
      }
      if (controller.signal.aborted) return;
      // The stream ended: the server stopped, or ended this session's streams. Reconnecting says which.
      options.onError?.(false);
      await pause(retryMs);
    }
  };
  void run();
  return () => {
    controller.abort();
    wake?.();
  };
}

/** Reads the Server-Sent Events format (https://html.spec.whatwg.org/#event-stream-interpretation) until the body ends. */
async function readEventStream(body: ReadableStream<Uint8Array>, dispatch: (name: string, data: string) => void, setRetry: (ms: number) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let name = '';
  let data: string[] = [];
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) dispatch(name || 'message', data.join('\n'));
      name = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) setRetry(Number(value));
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      line(buffer.slice(0, end).replace(/\r$/, ''));
      buffer = buffer.slice(end + 1);
    }
  }
}

function isSignedIn(body: unknown): body is SignedIn {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Partial<SignedIn>;
  return typeof candidate.requestKey === 'string' && candidate.requestKey !== '' && typeof candidate.idleSeconds === 'number' && typeof candidate.expiresAt === 'string';
}

function isErrorBody(body: unknown): body is { error: { code: string; message: string; details?: Record<string, string | number | boolean | null> } } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = body.error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { message?: unknown }).message === 'string';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
