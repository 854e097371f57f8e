/**
 * Opening the console in the default browser without putting a token on any command line. The sign-in URL goes
 * into a launcher file (an HTML page that redirects to it, as Jupyter does) that only this user can read, and the
 * browser is opened on that file: xdg-open (Linux and other Unix), open (macOS), `start` (Windows). Every local
 * user can read every process's arguments (`ps`, /proc/PID/cmdline), so the opener's and the browser's arguments
 * must hold nothing more than the file's path.
 *
 * Failing to open is not an error (a server without a desktop, a missing xdg-open): `report` is told why, and the
 * printed URL stays there for the person to open. The opener is not waited for: some stay until the browser exits.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, lstatSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface LauncherFile {
  /** The HTML file to open: mode 0600, in a folder of its own (mode 0700). */
  readonly path: string;
  /** Removes the file and its folder; safe to call more than once. */
  remove(): void;
}

/**
 * Where the launcher's folder is made: $XDG_RUNTIME_DIR when it is a folder of this user's that nobody else may
 * enter (it is on Linux desktops: /run/user/UID, in memory), else the OS temporary folder.
 */
function launcherBase(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime) && typeof process.getuid === 'function') {
    try {
      const stat = lstatSync(runtime);
      if (stat.isDirectory() && stat.uid === process.getuid() && (stat.mode & 0o077) === 0) return runtime;
    } catch {
      // not there: the temporary folder instead
    }
  }
  return tmpdir();
}

/** The page: a redirect to `url` (no script needed), and the link itself for a browser that does not follow it. */
function launcherPage(url: string): string {
  // The URL is ours (http://127.0.0.1:PORT/?token=<base64url>), but it goes into an attribute: escape it all the same.
  const attribute = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="referrer" content="no-referrer">',
    `<meta http-equiv="refresh" content="0;url=${attribute}">`,
    '<title>Opening the Keywarden console</title>',
    '</head>',
    '<body>',
    `<p>Opening the Keywarden console. If nothing happens, <a href="${attribute}">open it here</a>.</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Writes the launcher for `url` in a new private folder. The folder comes from mkdtemp (a fresh name, mode 0700);
 * the file is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, so it can be neither a file someone placed
 * there first nor a link to one.
 */
export function writeLauncherFile(url: string): LauncherFile {
  const folder = mkdtempSync(join(launcherBase(), 'keywarden-ui-'));
  const path = join(folder, 'open-console.html');
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    // O_NOFOLLOW does not exist on Windows (0 there: nothing to add).
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      writeSync(fd, launcherPage(url));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { path, remove };
}

/** Opens `target` (a file path or a URL holding no secret) with the desktop's opener. */
export function openInBrowser(target: string, report: (reason: string) => void): void {
  let reported = false;
  const onFailure = (reason: string) => {
    if (!reported) report(reason);
    reported = true;
  };
  const [command, args, verbatim] =
    process.platform === 'darwin'
      ? ['open', [target], false]
      : process.platform === 'win32'
        ? // `start` is a cmd built-in; its first quoted argument is a window title. A temporary path holds no quote.
          ['cmd.exe', ['/d', '/s', '/c', `start "" "${target}"`], true]
        : ['xdg-open', [target], false];
  let child;
  try {
    child = spawn(command, args, { stdio: 'ignore', detached: process.platform !== 'win32', windowsVerbatimArguments: verbatim });
  } catch (error) {
    onFailure(`${command}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  child.on('error', (error: NodeJS.ErrnoException) => onFailure(error.code === 'ENOENT' ? `${command} is not installed` : `${command}: ${error.message}`));
  child.on('exit', (code) => {
    if (code !== null && code !== 0) onFailure(`${command} exited with code ${code}`);
  });
  child.unref();
}
