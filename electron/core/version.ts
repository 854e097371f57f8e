/** Keywarden's version, for what it writes about itself (the evidence pack of the CLI and of the console). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Keywarden's version, from the package.json above this file (the project, or the packaged app). */
export function keywardenVersion(): string {
  for (let folder = __dirname, depth = 0; depth < 6; depth++, folder = dirname(folder)) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'keywarden' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not here: one folder up
    }
  }
  return 'unknown';
}
