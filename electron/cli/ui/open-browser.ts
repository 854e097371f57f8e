/**
 * Opens a URL in the default browser: xdg-open (Linux and other Unix), open (macOS), `start` (Windows).
 * Failing to open is not an error (a server without a desktop, a missing xdg-open): `onFailure` is told why,
 * and the URL stays printed for the person to open. The opener is not waited for: some stay until the browser exits.
 */
import { spawn } from 'node:child_process';

export function openInBrowser(url: string, report: (reason: string) => void): void {
  let reported = false;
  const onFailure = (reason: string) => {
    if (!reported) report(reason);
    reported = true;
  };
  const [command, args, verbatim] =
    process.platform === 'darwin'
      ? ['open', [url], false]
      : process.platform === 'win32'
        ? // `start` is a cmd built-in; its first quoted argument is a window title. The URL holds no character cmd interprets.
          ['cmd.exe', ['/d', '/s', '/c', `start "" "${url}"`], true]
        : ['xdg-open', [url], false];
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
