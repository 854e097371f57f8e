/**
 * Where the desktop window may go: nowhere but its own origin. A link to an https page (a vendor's console, the
 * documentation) opens in the administrator's browser instead, outside the app; everything else (http, file,
 * javascript:, custom schemes that start other programs) is refused. Electron's navigation and window-open events
 * ask this (electron/main/security.ts).
 */
import { isAppUrl } from './app-protocol.js';

export type NavigationDecision = 'stay' | 'open-external' | 'deny';

/** What to do when the page asks to go to `url`: `stay` only on the app's own origin; an https page opens outside. */
export function navigationDecision(url: string): NavigationDecision {
  if (isAppUrl(url)) return 'stay';
  return isSafeExternalUrl(url) ? 'open-external' : 'deny';
}

/** An https URL without user name or password: the only kind handed to the OS to open (shell.openExternal). */
export function isSafeExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
}
