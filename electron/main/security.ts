/**
 * The window's walls, set by the main process (the page cannot change any of them):
 *
 * - the `app://keywarden/` origin: registered before the app is ready as standard and secure (a secure context with
 *   an origin of its own; `supportFetchAPI` so the page's module scripts load; not `corsEnabled`, so no other
 *   origin may read it), and served by electron/core/desktop/app-protocol.ts with the console's CSP on every answer;
 * - the session: every permission request and check denied (camera, notifications, clipboard, geolocation, HID...),
 *   device access denied, and every http(s), ws(s) and file request from the page cancelled: the page talks to the
 *   main process over IPC and to nothing else (the engine's own HTTP runs in Node, outside the session);
 * - every web contents: navigation away from the app's origin denied (in any frame, and redirects too), new windows
 *   denied, `<webview>` refused; an https link opens in the administrator's browser instead (navigation.ts), through
 *   `openInBrowser`, the app's one call to shell.openExternal.
 */
import { type Protocol, type Session, shell, type WebContents } from 'electron';
import { APP_SCHEME, serveAppRequest } from '../core/desktop/app-protocol.js';
import { isSafeExternalUrl, navigationDecision } from '../core/desktop/navigation.js';

/** The privileges of the app's scheme; see the file comment for why each. */
export const APP_SCHEME_PRIVILEGES = Object.freeze({ standard: true, secure: true, supportFetchAPI: true });

/** Must run before the app is ready (Electron's rule for privileged schemes). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

/** Serves the built console (`rendererFolder`) on the app's origin, on the window's session. */
export function serveAppOrigin(protocol: Pick<Protocol, 'handle'>, rendererFolder: string, log: (message: string) => void): void {
  protocol.handle(APP_SCHEME, async (request) => {
    try {
      return await serveAppRequest(request, rendererFolder);
    } catch (error) {
      log(`app:// request failed: ${error instanceof Error ? error.message : String(error)}`);
      return new Response('internal error', { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
    }
  });
}

/** Requests the page may never make: it reaches the engine over IPC only. */
export const BLOCKED_REQUEST_URLS = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*'];

export function hardenSession(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'webRequest'>,
  log: (message: string) => void,
): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`denied the page's request for the permission "${permission}"`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest({ urls: BLOCKED_REQUEST_URLS }, (details, callback) => {
    log(`cancelled a request from the page to ${describeUrl(details.url)}`);
    callback({ cancel: true });
  });
}

/**
 * Opens a page in the administrator's browser: https only, without user name or password (isSafeExternalUrl),
 * checked here, right before the one call to shell.openExternal in the app, whatever the caller checked before.
 * Anything else is refused: openExternal hands the URL to the OS, which would start whatever program a scheme names.
 */
export async function openInBrowser(url: string): Promise<void> {
  if (!isSafeExternalUrl(url)) throw new Error('only https pages are opened outside the app');
  await shell.openExternal(url);
}

export interface HardenOptions {
  /** Opens an https page outside the app; default `openInBrowser`. */
  openInBrowser?: (url: string) => Promise<void>;
  log: (message: string) => void;
}

/** Applied to every web contents the app creates (app 'web-contents-created'), the window's included. */
export function hardenWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>, options: HardenOptions): void {
  const elsewhere = (url: string, what: string): boolean => {
    const decision = navigationDecision(url);
    if (decision === 'stay') return false;
    if (decision === 'open-external') {
      options.log(`${what} to ${describeUrl(url)}: opened in the browser instead`);
      (options.openInBrowser ?? openInBrowser)(url).catch((error: unknown) => options.log(`could not open ${describeUrl(url)}: ${error instanceof Error ? error.message : String(error)}`));
    } else {
      options.log(`${what} to ${describeUrl(url)} denied`);
    }
    return true;
  };
  // 'will-frame-navigate' covers every frame; 'will-navigate' is the main frame's (kept: older tooling looks for it).
  contents.on('will-navigate', (event) => {
    if (elsewhere(event.url, 'navigation')) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame && navigationDecision(event.url) !== 'stay') {
      options.log(`subframe navigation to ${describeUrl(event.url)} denied`);
      event.preventDefault();
    }
  });
  contents.on('will-redirect', (event) => {
    if (navigationDecision(event.url) !== 'stay') {
      options.log(`redirect to ${describeUrl(event.url)} denied`);
      event.preventDefault();
    }
  });
  contents.on('will-attach-webview', (event) => {
    options.log('a <webview> was refused');
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    elsewhere(url, 'a new window');
    return { action: 'deny' };
  });
}

/** A URL for the log: scheme, host and path, never the query or fragment (they may hold anything). */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'an unparsable URL';
  }
}
