/**
 * The built console's files (dist/renderer/), as both hosts find them: `keywarden ui` over HTTP
 * (electron/cli/ui/static-files.ts) and the desktop window over `app://keywarden/` (electron/core/desktop/app-protocol.ts).
 * One judgement of a requested path for both, because it is what keeps a request inside the folder:
 *
 * - the path is judged segment by segment after one percent-decoding: a segment that is `.` or `..`, starts with a
 *   dot, or holds a slash, a backslash or NUL is refused before any file is touched;
 * - the file found must also resolve (symbolic links followed) inside the folder, and be a regular file.
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** The Content-Type a console file is served with; anything unknown is opaque bytes, never sniffed as a page. */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The decoded segments of a URL path (`/assets/index.js`), or null when any segment is refused. */
export function pathSegments(rawPath: string): string[] | null {
  const segments: string[] = [];
  for (const raw of rawPath.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '') continue;
    if (segment.startsWith('.') || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

/** The regular file at `segments` inside `folder` (after symbolic links), or null. */
export async function findConsoleFile(folder: string, segments: readonly string[]): Promise<{ path: string; size: number } | null> {
  try {
    const root = await realpath(folder);
    const path = await realpath(join(root, ...segments));
    const inside = relative(root, path);
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || resolve(root, inside) !== path) return null;
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : null;
  } catch {
    return null;
  }
}
