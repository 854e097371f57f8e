/**
 * The contract over HTTP, for the console served by `keywarden ui` (electron/cli/ui/): the same client the
 * desktop window gets from `window.keywarden`, built with `buildContractClient` over fetch instead of IPC.
 *
 *   const keywarden = buildContractClient(createHttpTransport());
 *   const keys = await keywarden['inventory:list']({});           // POST /api/inventory:list  [{}]
 *   const stop = subscribeContractEvents({ onSyncProgress: (progress) => ... });   // GET /api/events
 *
 * A call that fails throws a ContractCallError with the engine's `code` (`not_found`, `invalid_input`, ...),
 * its `message` for the administrator and the HTTP `status`; a result that does not fit the contract throws
 * the builder's ContractViolation. The session is the cookie the server set when the console was opened with
 * its URL; fetch sends it (same origin), and `session_required` means it is gone: open the URL again.
 *
 * Only browser APIs and shared/: this file runs in the console's page. Node 22 has fetch too, so the tests
 * run `invoke` against the real server; EventSource is taken from the page (or given, in tests).
 */
import { CONTRACT_EVENTS, type ContractEvent, type ContractEventPayload, type ContractMethod, type ContractTransport } from '../../../shared/contract.js';

/** A failed call, as the server reported it (or `server_unreachable` when no answer came). */
export class ContractCallError extends Error {
  override readonly name = 'ContractCallError';
  constructor(
    /** The engine's error code (docs/cli.md lists them), or the server's own: `session_required`, `request_refused`, `server_unreachable`. */
    readonly code: string,
    message: string,
    /** The HTTP status; 0 when the server did not answer. */
    readonly status: number,
    readonly details: Readonly<Record<string, string | number | boolean | null>> = {},
  ) {
    super(message);
  }
}

export interface HttpTransportOptions {
  /** Where the server is; '' (the default) is the page's own origin, which is what the console uses. */
  baseUrl?: string;
  /** The fetch to use; the page's by default (tests pass one that adds what a browser adds itself). */
  fetch?: typeof fetch;
}

export function createHttpTransport(options: HttpTransportOptions = {}): ContractTransport {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  return {
    async invoke(method: ContractMethod, args: unknown[]): Promise<unknown> {
      let response: Response;
      try {
        response = await doFetch(`${baseUrl}/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify(args),
        });
      } catch (error) {
        throw new ContractCallError('server_unreachable', `${method}: the keywarden ui server did not answer; is it still running? (${describe(error)})`, 0);
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ContractCallError('internal', `${method}: the server's answer (HTTP ${response.status}) is not JSON`, response.status);
      }
      if (response.ok) return body;
      const error = isErrorBody(body) ? body.error : { code: 'internal', message: `${method}: HTTP ${response.status} without an error description` };
      throw new ContractCallError(error.code, error.message, response.status, error.details ?? {});
    },
  };
}

/** The handlers a page subscribes with: any of the contract's events, each with its payload's type. */
export type ContractEventHandlers = { [E in ContractEvent]?: (payload: ContractEventPayload<E>) => void };

/** What the subscription uses of EventSource; the browser's fits, and a test may pass its own. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void;
  close(): void;
  onerror: ((event: unknown) => void) | null;
  /** 2 (EventSource.CLOSED): the browser will not reconnect. */
  readonly readyState: number;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

export interface EventSubscriptionOptions {
  baseUrl?: string;
  /** The page's EventSource by default. */
  EventSource?: EventSourceConstructor;
  /**
   * Told when the stream fails. EventSource reconnects by itself after a dropped connection; it gives up when
   * the server refuses the stream (no session any more, or the server stopped): then `closed` is true.
   */
  onError?: (closed: boolean) => void;
  /** Told when an event's data is not what the contract declares (it is not passed on). */
  onInvalidEvent?: (name: ContractEvent, problem: string) => void;
}

/**
 * Subscribes to the contract's events over `GET /api/events` (Server-Sent Events, with the session cookie).
 * Each payload is checked against CONTRACT_EVENTS before it reaches a handler. Returns the unsubscribe function.
 */
export function subscribeContractEvents(handlers: ContractEventHandlers, options: EventSubscriptionOptions = {}): () => void {
  const Source = options.EventSource ?? (Reflect.get(globalThis, 'EventSource') as EventSourceConstructor | undefined);
  if (!Source) throw new Error('EventSource is not available here');
  const source = new Source(`${options.baseUrl ?? ''}/api/events`);
  for (const name of Object.keys(handlers) as ContractEvent[]) {
    if (!Object.hasOwn(CONTRACT_EVENTS, name)) continue;
    const handler = handlers[name] as ((payload: unknown) => void) | undefined;
    if (!handler) continue;
    source.addEventListener(name, (event) => {
      let data: unknown;
      try {
        data = JSON.parse(String(event.data));
      } catch {
        options.onInvalidEvent?.(name, 'not JSON');
        return;
      }
      const parsed = CONTRACT_EVENTS[name].safeParse(data);
      if (parsed.success) handler(parsed.data);
      else options.onInvalidEvent?.(name, parsed.error.issues[0]?.message ?? 'invalid');
    });
  }
  source.onerror = () => {
    options.onError?.(source.readyState === 2);
  };
  return () => source.close();
}

function isErrorBody(body: unknown): body is { error: { code: string; message: string; details?: Record<string, string | number | boolean | null> } } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = body.error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { message?: unknown }).message === 'string';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
