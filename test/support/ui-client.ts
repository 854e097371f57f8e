/**
 * Talking to the `keywarden ui` server from a test as the console's page would: raw requests with any Host, Origin
 * and path (http.request sends the path as given, where fetch would normalise `/../`), the sign-in (the launch
 * token exchanged for a request key, `POST /session`), calls with `Authorization: Bearer <request key>`, and the
 * event stream read with fetch.
 */
import http from 'node:http';

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

/** What the sign-in answered: the request key the page keeps in sessionStorage, and the session's limits. */
export interface SignIn {
  status: number;
  json: unknown;
  headers: http.IncomingHttpHeaders;
}

/** `POST /session` with a launch token, as the console's page sends it (same-origin, JSON), whatever it answers. */
export async function signIn(port: number, token: string, extra: RawRequest = {}): Promise<SignIn> {
  const answer = await raw(port, {
    method: 'POST',
    path: '/session',
    body: JSON.stringify({ token }),
    ...extra,
    headers: { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json', ...extra.headers },
  });
  let json: unknown = answer.body;
  try {
    json = JSON.parse(answer.body);
  } catch {
    // a plain-text refusal
  }
  return { status: answer.status, json, headers: answer.headers };
}

/** Signs in with a URL that `keywarden ui` printed (or `newLaunchUrl()` made); returns the session's request key. */
export async function login(url: string): Promise<string> {
  const { port, searchParams } = new URL(url);
  const answer = await signIn(Number(port), searchParams.get('token') ?? '');
  if (answer.status !== 200) throw new Error(`sign-in answered ${answer.status}: ${JSON.stringify(answer.json)}`);
  return (answer.json as { requestKey: string }).requestKey;
}

/** The header a signed-in page sends with every call; none for an empty key. */
export function bearer(requestKey: string): Record<string, string> {
  return requestKey === '' ? {} : { authorization: `Bearer ${requestKey}` };
}

/** A contract call as the console's page makes it: same-origin POST with the session's request key ('' for none). */
export async function call(port: number, requestKey: string, method: string, args: unknown, extra: RawRequest = {}): Promise<{ status: number; json: unknown; headers: http.IncomingHttpHeaders }> {
  const answer = await raw(port, {
    method: 'POST',
    path: `/api/${method}`,
    body: JSON.stringify(args),
    ...extra,
    headers: { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json', ...bearer(requestKey), ...extra.headers },
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

/** Reads `GET /api/events` with fetch (with the request key) and parses the Server-Sent Events format. */
export async function openEventStream(origin: string, requestKey: string): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${origin}/api/events`, { headers: { ...bearer(requestKey), accept: 'text/event-stream' }, signal: controller.signal });
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

/** A fetch for the renderer's own transport in Node: it adds the Origin header the console's page sends itself. */
export function pageFetch(origin: string): typeof fetch {
  return (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), origin } });
}
