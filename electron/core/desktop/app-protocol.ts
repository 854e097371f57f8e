/**
 * The desktop window's own origin, `app://keywarden/`, and what it serves: the built console (dist/renderer/) and
 * nothing else. The Electron main process registers the scheme (standard and secure, so the page is a secure
 * context with an origin of its own and `'self'` in the policy means exactly this origin) and hands every request to
 * `serveAppRequest`. Plain web Request and Response, so this is tested in Node on real files.
 *
 * Why a custom scheme and not file://: a file:// page shares its origin with every other file, may read
 * neighbouring files, and gets no response headers; here every answer carries the console's strict CSP, and the
 * main process can tell Keywarden's page from anything else by its URL (electron/main/ipc.ts).
 */
import { readFile } from 'node:fs/promises';
import { APP_HOST, APP_SCHEME } from '../../../shared/app-origin.js';
import { contentTypeOf, findConsoleFile, pathSegments } from '../console/assets.js';
import { CONTENT_SECURITY_POLICY } from '../console/content-security-policy.js';

export { APP_HOST, APP_ORIGIN, APP_SCHEME, APP_START_URL } from '../../../shared/app-origin.js';

/** Whether `url` is on Keywarden's own origin (`app://keywarden`, no port, no user name). */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.hostname === APP_HOST && parsed.port === '' && parsed.username === '' && parsed.password === '';
}

/**
 * Headers on every answer of the origin, refusals included: the console's CSP (the same string as `keywarden ui`),
 * no MIME sniffing, no referrer, no framing, and nothing cached (an answer is a local file, and caching gains nothing).
 */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
});

function answer(status: number, body: string | Uint8Array | null, contentType: string): Response {
  return new Response(body, { status, headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': contentType } });
}

function text(status: number, message: string): Response {
  return answer(status, message, 'text/plain; charset=utf-8');
}

/**
 * Answers one request for the origin from `folder` (the built console): GET and HEAD only, on `app://keywarden`
 * only, each path judged before any file is touched (electron/core/console/assets.ts), and only regular files
 * inside the folder.
 */
export async function serveAppRequest(request: Pick<Request, 'url' | 'method'>, folder: string): Promise<Response> {
  if (!isAppUrl(request.url)) return text(404, 'not found: the app serves only app://keywarden/');
  const head = request.method === 'HEAD';
  if (request.method !== 'GET' && !head) return text(405, 'method not allowed');
  const segments = pathSegments(new URL(request.url).pathname);
  if (segments === null) return text(400, 'refused: not a path inside the console');
  const file = await findConsoleFile(folder, segments.length === 0 ? ['index.html'] : segments);
  if (!file) {
    const isIndex = segments.length === 0 || (segments.length === 1 && segments[0] === 'index.html');
    return text(404, isIndex ? `the console is not built: ${folder} has no index.html (npm run build builds it)` : 'not found');
  }
  const body = head ? null : new Uint8Array(await readFile(file.path));
  return answer(200, body, contentTypeOf(file.path));
}
