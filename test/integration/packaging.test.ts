/**
 * `npm run dist` for real, as far as it goes offline: electron-builder packages the `dir` target for Linux (the
 * unpacked app every Linux target starts from) in a staged copy of the project, with a stand-in Electron
 * distribution (electronDist; the real one is a download) and a stand-in Electron build of better-sqlite3
 * (KEYWARDEN_SQLITE_BINDING; the real one is a download or a compile). Checked: the app.asar holds the build and
 * package.json with its entry, both native modules are unpacked beside it (without better-sqlite3's sources), the
 * afterPack hook put the Electron build in place of the Node one, the tray icons are resources, and the project's
 * node_modules kept its Node build.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { extractFile, listPackage } from '@electron/asar';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/cli.js';

/** Where a fuse wire starts in Electron's binary (@electron/fuses' constant). */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** The fuses of a binary, in FuseV1Options' order (RunAsNode, EnableCookieEncryption, ...), as '1' and '0'. */
function fuseWire(binary: string): string {
  const bytes = readFileSync(binary);
  const at = bytes.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  const length = bytes[at + 1] ?? 0;
  return bytes.subarray(at + 2, at + 2 + length).toString('latin1');
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const builtCli = existsSync(join(PROJECT_ROOT, 'dist', 'electron', 'cli', 'main.js'));

describe.skipIf(process.platform !== 'linux' || !builtCli)('npm run dist (the Linux dir target, offline)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'keywarden-dist-'));

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('packages the app with better-sqlite3 for Electron unpacked beside the asar, and leaves node_modules alone', async () => {
    // The project as `npm run dist` sees it after `npm run build`; a placeholder main process where none is built yet.
    const project = join(folder, 'project');
    for (const path of ['package.json', 'electron-builder.yml', 'bin', 'build', 'dist', 'tools/packaging', 'tools/native']) {
      cpSync(join(PROJECT_ROOT, path), join(project, path), { recursive: true, filter: (source) => !source.startsWith(join(PROJECT_ROOT, 'dist', 'native')) });
    }
    const main = join(project, 'dist', 'electron', 'main', 'main.js');
    if (!existsSync(main)) {
      mkdirSync(join(project, 'dist', 'electron', 'main'), { recursive: true });
      writeFileSync(main, '// the main process, stood in for\n');
    }
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(project, 'node_modules'));
    // Stand-ins for the two downloads.
    const electronDist = join(folder, 'electron-dist');
    mkdirSync(electronDist);
    // With a fuse wire as Electron's binary carries one (@electron/fuses: the sentinel, the wire's version and
    // length, then one byte per fuse: '1' on, '0' off), all on, as Electron ships them except cookie encryption
    // and the three that default to off; electron-builder must flip it per electron-builder.yml's electronFuses.
    writeFileSync(join(electronDist, 'electron'), Buffer.concat([Buffer.from(`#!/bin/sh\n# ${FUSE_SENTINEL}`), Buffer.from([1, 8]), Buffer.from('10110001\n')]), { mode: 0o755 });
    writeFileSync(join(electronDist, 'LICENSE'), 'MIT\n');
    writeFileSync(join(electronDist, 'LICENSES.chromium.html'), '<html></html>\n');
    const binding = join(folder, 'better_sqlite3-for-electron.node');
    writeFileSync(binding, 'an Electron build of better-sqlite3, stood in for\n');
    const nodeBuild = join(PROJECT_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const nodeBuildBefore = sha256(nodeBuild);

    const output = join(folder, 'release');
    const builder = join(PROJECT_ROOT, 'node_modules', 'electron-builder', 'cli.js');
    const run = await promisify(execFile)(process.execPath, [builder, '--linux', 'dir', '--publish', 'never', `-c.electronDist=${electronDist}`, `-c.directories.output=${output}`], {
      cwd: project,
      env: { ...process.env, KEYWARDEN_SQLITE_BINDING: binding },
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(run.stdout).toMatch(/keywarden afterPack: better-sqlite3 for Electron \d+\.\d+\.\d+ \(linux-x64\) put into the package/);

    const app = join(output, 'linux-unpacked');
    expect(existsSync(join(app, 'keywarden-desktop'))).toBe(true);
    // The fuses flipped (electronFuses): RunAsNode off, cookie encryption on, NODE_OPTIONS off, --inspect off,
    // asar integrity on, only app.asar on, the V8 snapshot left as it was (off), file:// privileges off.
    expect(fuseWire(join(app, 'keywarden-desktop'))).toBe('01001100');
    const asar = join(app, 'resources', 'app.asar');
    const files = listPackage(asar, { isPack: false }).map((path) => path.split('\\').join('/'));
    for (const path of ['/package.json', '/bin/keywarden.js', '/dist/electron/main/main.js', '/dist/electron/cli/main.js', '/dist/electron/core/engine.js', '/dist/renderer/index.html'])
      expect(files).toContain(path);
    expect(
      files.filter((path) => path.endsWith('.map') || path.startsWith('/dist/.tsbuild') || path.startsWith('/dist/.types') || path.startsWith('/test/') || path.startsWith('/dist/native')),
    ).toEqual([]);
    expect((JSON.parse(extractFile(asar, 'package.json').toString('utf8')) as { main: string }).main).toBe('dist/electron/main/main.js');

    const unpacked = join(app, 'resources', 'app.asar.unpacked', 'node_modules');
    expect(readFileSync(join(unpacked, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), 'utf8')).toBe('an Electron build of better-sqlite3, stood in for\n');
    expect(existsSync(join(unpacked, 'better-sqlite3', 'deps'))).toBe(false);
    expect(existsSync(join(unpacked, 'better-sqlite3', 'src'))).toBe(false);
    expect(existsSync(join(unpacked, 'keytar', 'build', 'Release', 'keytar.node'))).toBe(true);
    for (const name of ['tray-overdue.png', 'tray-due-soon@2x.png', 'tray-clear.png', 'trayTemplate.png']) expect(existsSync(join(app, 'resources', 'tray', name)), name).toBe(true);

    // The Node build the CLI and the tests load is untouched.
    expect(sha256(nodeBuild)).toBe(nodeBuildBefore);
  });
});
