/**
 * Talking to the `keywarden ui` server from a test as a browser would: raw requests with any Host, Origin and
 * path (http.request sends the path as given, where fetch would normalise `/../`), the token exchange, and an
 * event stream read with fetch (Node 22 has no EventSource).
 */
import http from 'node:http';
import type { EventSourceConstructor, EventSourceLike } from '../../renderer/src/contract/http-transport.js';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  /** Replaces the Host header (default `127.0.0.1:PORT`). */
  host?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Every answer `raw` received in this test file, so a test can assert on all of them (no Access-Control-* header, ever). */
export const answersSeen: RawAnswer[] = [];

/** One request to 127.0.0.1:port, exactly as given. */
export function raw(port: number, request: RawRequest = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method ?? 'GET',
        path: request.path ?? '/',
        headers: { host: request.host ?? `127.0.0.1:${port}`, ...request.headers },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const answer = { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') };
          answersSeen.push(answer);
          resolve(answer);
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Opens the console's URL as a browser does on first load; returns the Cookie header value of the session. */
export async function login(url: string): Promise<string> {
  const { port, pathname, search } = new URL(url);
  const answer = await raw(Number(port), { path: `${pathname}${search}` });
  if (answer.status !== 303) throw new Error(`token exchange answered ${answer.status}: ${answer.body}`);
  const setCookie = answer.headers['set-cookie']?.[0];
  if (!setCookie) throw new Error('token exchange set no cookie');
  return setCookie.split(';')[0]!;
}

/** A contract call as the console's page makes it: same-origin POST with the session cookie. */
export async function call(port: number, cookie: string, method: string, args: unknown, extra: RawRequest = {}): Promise<{ status: number; json: unknown; headers: http.IncomingHttpHeaders }> {
  const answer = await raw(port, {
    method: 'POST',
    path: `/api/${method}`,
    body: JSON.stringify(args),
    ...extra,
    headers: { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json', cookie, ...extra.headers },
  });
  let json: unknown = answer.body;
  try {
    json = JSON.parse(answer.body);
  } catch {
    // a plain-text refusal (a foreign Host): `json` is the text
  }
  return { status: answer.status, json, headers: answer.headers };
}

export interface StreamEvent {
  event: string;
  data: string;
}

export interface EventStream {
  readonly status: number;
  readonly headers: Headers;
  readonly events: StreamEvent[];
  readonly comments: string[];
  /** Resolves once an event or comment satisfying `test` has arrived (the test's own timeout bounds the wait). */
  waitFor(test: (events: StreamEvent[], comments: string[]) => boolean): Promise<void>;
  close(): void;
}

/** Reads `GET /api/events` with fetch and parses the Server-Sent Events format as EventSource would. */
export async function openEventStream(origin: string, cookie: string): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${origin}/api/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal });
  const events: StreamEvent[] = [];
  const comments: string[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  const notify = () => waiters.splice(0).forEach((wake) => wake());
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length > 0) events.push({ event, data: data.join('\n') });
        }
        notify();
      }
    } catch {
      // aborted by close()
    }
    ended = true;
    notify();
  })();
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    async waitFor(test) {
      while (!test(events, comments)) {
        if (ended) throw new Error(`the event stream ended before the awaited event; it had ${JSON.stringify({ events, comments })}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    close: () => controller.abort(),
  };
}

/**
 * An EventSource for the renderer's subscribeContractEvents in Node (which has none): it reads the same stream
 * with fetch, sending the session cookie a browser would send, and dispatches each event to its listeners.
 */
export function fetchEventSource(cookie: string): EventSourceConstructor {
  return class FetchEventSource implements EventSourceLike {
    onerror: ((event: unknown) => void) | null = null;
    readyState = 0;
    private readonly listeners = new Map<string, Array<(event: { data?: unknown }) => void>>();
    private stream: EventStream | null = null;
    private closed = false;

    constructor(url: string) {
      const { origin } = new URL(url);
      void openEventStream(origin, cookie).then(async (stream) => {
        this.stream = stream;
        if (this.closed) return stream.close();
        this.readyState = 1;
        let delivered = 0;
        try {
          for (;;) {
            await stream.waitFor((events) => events.length > delivered);
            const { event, data } = stream.events[delivered++]!;
            for (const listener of this.listeners.get(event) ?? []) listener({ data });
          }
        } catch (error) {
          this.readyState = 2;
          if (!this.closed) this.onerror?.(error);
        }
      });
    }

    addEventListener(type: string, listener: (event: { data?: unknown }) => void): void {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
    }

    close(): void {
      this.closed = true;
      this.readyState = 2;
      this.stream?.close();
    }
  };
}
