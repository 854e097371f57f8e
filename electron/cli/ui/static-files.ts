/**
 * The built renderer, served from one folder: GET and HEAD only, a content type per extension, and nothing
 * outside the folder. The path judgement and the lookup are the desktop window's too (electron/core/console/assets.ts):
 * a refused path is answered 400 before any file is touched, a path outside the folder 404.
 */
import { createReadStream } from 'node:fs';
import type http from 'node:http';
import { basename, join, resolve } from 'node:path';
import { contentTypeOf, findConsoleFile, pathSegments } from '../../core/console/assets.js';
import { page, sendHtml, sendText } from './respond.js';

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
    const file = await findConsoleFile(this.folder, segments.length === 0 ? ['index.html'] : segments);
    if (!file) {
      if (isIndex) sendHtml(response, 200, this.notBuiltPage(), head);
      else sendText(response, 404, 'not found');
      return;
    }
    response.writeHead(200, {
      'Content-Type': contentTypeOf(file.path),
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

  private notBuiltPage(): string {
    return page('Keywarden: the console is not built yet', [
      `This server is running and its API answers, but there is no console to show: ${this.folder} has no index.html.`,
      'The console (the React renderer, renderer/ in the project) has not been built into that folder. Where the project has its sources, build it as renderer/README.md says, then reload this page; where it has none yet, the console arrives with the renderer.',
      'Until then, every workflow is available from the terminal: keywarden --help lists the commands.',
    ]);
  }
}
