/**
 * The session ending (shut down, restart, log off) without the app being asked to quit. `before-quit` and
 * `will-quit` are not emitted then on Windows (Electron's app docs: "will not be emitted if the application is
 * closed due to a shutdown/restart of the system or a user logout"), so a copied secret would stay on the clipboard
 * and the engine would not be closed:
 *
 * - Windows: the window's 'query-session-end' (the session is about to end; not prevented: the administrator's
 *   choice to end it is respected) clears the clipboard, and only that, since another program may still cancel
 *   the end of the session and Keywarden must then go on working; 'session-end' (it ends, and the process with it
 *   once the handler returns) clears the clipboard synchronously, since no promise may get to run, then starts the
 *   shutdown (engine closed if Windows leaves it the time).
 * - Linux, macOS: `powerMonitor` 'shutdown' is prevented, as its docs ask of an app that wants to exit cleanly,
 *   and the app quits at once, through the usual 'will-quit' path. The clipboard is cleared first.
 *
 * SQLite's journal keeps the data safe if the process is ended mid-close.
 */
import { app, powerMonitor, type BrowserWindow } from 'electron';

export interface SessionEndOptions {
  window: Pick<BrowserWindow, 'on' | 'removeListener'>;
  /** Clears a copied secret without waiting (ClipboardGuard.clearNowUnchecked over Electron's clipboard). */
  clearClipboardNow: () => void;
  /** The app's shutdown (clipboard, timers, engine). */
  shutdown: () => Promise<void>;
  log: (message: string) => void;
}

export function endWithSession(options: SessionEndOptions): () => void {
  const start = (why: string) => {
    try {
      options.clearClipboardNow();
    } catch (error) {
      options.log(`could not clear the clipboard at ${why}: ${error instanceof Error ? error.message : String(error)}`);
    }
    void options.shutdown().catch((error: unknown) => options.log(`shutting down at ${why}: ${error instanceof Error ? error.message : String(error)}`));
  };
  const onQuerySessionEnd = () => {
    try {
      options.clearClipboardNow();
    } catch (error) {
      options.log(`could not clear the clipboard before the end of the session: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const onSessionEnd = () => start('the end of the session');
  // Electron 45 types the listener without arguments; its docs (and Electron's code) hand it an event to prevent.
  const onShutdown = (event?: { preventDefault(): void }) => {
    event?.preventDefault();
    try {
      options.clearClipboardNow();
    } catch (error) {
      options.log(`could not clear the clipboard at shutdown: ${error instanceof Error ? error.message : String(error)}`);
    }
    app.quit();
  };
  options.window.on('query-session-end', onQuerySessionEnd);
  options.window.on('session-end', onSessionEnd);
  powerMonitor.on('shutdown', onShutdown);
  return () => {
    options.window.removeListener('query-session-end', onQuerySessionEnd);
    options.window.removeListener('session-end', onSessionEnd);
    powerMonitor.removeListener('shutdown', onShutdown);
  };
}
