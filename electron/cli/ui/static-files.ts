/**
 * The built renderer, served from one folder: GET and HEAD only, a content type per extension, and nothing
 * outside the folder. The path is judged segment by segment after one percent-decoding: a segment that is
 * `.` or `..`, starts with a dot, or holds a slash, a backslash or NUL is refused (400) before any file is
 * touched; the file found must also resolve (symbolic links followed) inside the folder.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type http from 'node:http';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { page, sendHtml, sendText } from './respond.js';

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

/**
 * Where the built renderer is by default: `<project>/dist/renderer/`, found from this file's own place, so it
 * holds for `node bin/keywarden.js` and for the packaged app alike. Compiled, this file is
 * `dist/electron/cli/ui/`, three levels below `dist/`; run from its TypeScript source (the tests), it is
 * `electron/cli/ui/`, three levels below the project.
 */
export function defaultRendererFolder(): string {
  const up = resolve(__dirname, '..', '..', '..');
  return basename(up) === 'dist' ? join(up, 'renderer') : join(up, 'dist', 'renderer');
}

/** Why a path is refused, or its decoded segments. */
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

export class StaticFiles {
  constructor(readonly folder: string) {}

  async serve(request: http.IncomingMessage, response: http.ServerResponse, rawPath: string): Promise<void> {
    const head = request.method === 'HEAD';
    if (request.method !== 'GET' && !head) {
      response.setHeader('Allow', 'GET, HEAD');
      sendText(response, 405, 'method not allowed');
      return;
    }
    const segments = pathSegments(rawPath);
    if (segments === null) {
      sendText(response, 400, 'refused: not a path inside the console');
      return;
    }
    const isIndex = segments.length === 0 || (segments.length === 1 && segments[0] === 'index.html');
    const file = await this.find(segments.length === 0 ? ['index.html'] : segments);
    if (!file) {
      if (isIndex) sendHtml(response, 200, this.notBuiltPage(), head);
      else sendText(response, 404, 'not found');
      return;
    }
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': file.size,
    });
    if (head) {
      response.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  }

  /** The regular file at `segments` inside the folder (after symbolic links), or null. */
  private async find(segments: string[]): Promise<{ path: string; size: number } | null> {
    try {
      const root = await realpath(this.folder);
      const path = await realpath(join(root, ...segments));
      const inside = relative(root, path);
      if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || resolve(root, inside) !== path) return null;
      const info = await stat(path);
      return info.isFile() ? { path, size: info.size } : null;
    } catch {
      return null;
    }
  }

  private notBuiltPage(): string {
    return page('Keywarden: the console is not built yet', [
      `This server is running and its API answers, but there is no console to show: ${this.folder} has no index.html.`,
      'The console (the React renderer, renderer/ in the project) has not been built into that folder. Where the project has its sources, build it as renderer/README.md says, then reload this page; where it has none yet, the console arrives with the renderer.',
      'Until then, every workflow is available from the terminal: keywarden --help lists the commands.',
    ]);
  }
}
