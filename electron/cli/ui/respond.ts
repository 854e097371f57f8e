/** Small answer helpers shared by the server's parts; the security headers are already set on `response`. */
import type http from 'node:http';

/**
 * What a refused request may still send of its body: the rest is not read. Draining the body of a refusal keeps
 * the connection usable for the browser's next request, but a peer without a session must not make the server
 * read megabytes to refuse it: past this, the connection is closed.
 */
export const REFUSED_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Called before a refusal is sent: a body up to REFUSED_BODY_LIMIT_BYTES is read and thrown away; a larger one
 * (declared, or found while reading) closes the connection once the answer is written, or at once if the answer
 * is already out.
 */
export function discardRefusedBody(request: http.IncomingMessage, response: http.ServerResponse): void {
  const declared = Number(request.headers['content-length'] ?? 0);
  const cut = () => {
    if (response.writableFinished) request.socket.destroy();
    else {
      response.shouldKeepAlive = false;
      response.once('finish', () => request.socket.destroy());
    }
  };
  if (!Number.isFinite(declared) || declared > REFUSED_BODY_LIMIT_BYTES) {
    response.setHeader('Connection', 'close');
    cut();
    return;
  }
  let seen = 0;
  request.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > REFUSED_BODY_LIMIT_BYTES) {
      request.pause();
      cut();
    }
  });
  request.resume();
}

/** The error body of the API: the engine's code and message (and its secret-free details, when there are any). */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, string | number | boolean | null> };
}

export function sendJson(response: http.ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  response.end(body);
}

export function sendApiError(response: http.ServerResponse, status: number, code: string, message: string, details?: Record<string, string | number | boolean | null>): void {
  const body: ApiErrorBody = { error: { code, message, ...(details && Object.keys(details).length > 0 ? { details } : {}) } };
  sendJson(response, status, body);
}

export function sendText(response: http.ServerResponse, status: number, text: string, headers: http.OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(`${text}\n`, 'utf8');
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  response.end(body);
}

export function sendHtml(response: http.ServerResponse, status: number, html: string, head: boolean): void {
  const body = Buffer.from(html, 'utf8');
  response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length });
  response.end(head ? undefined : body);
}

/** The pages the server writes itself: plain HTML, no script and no inline style, so they satisfy the CSP. */
export function page(title: string, paragraphs: string[]): string {
  // Text content only (never an attribute), so &, < and > are all that need escaping.
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(title)}</title></head>`,
    '<body>',
    `<h1>${escape(title)}</h1>`,
    ...paragraphs.map((text) => `<p>${escape(text)}</p>`),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
