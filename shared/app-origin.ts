/**
 * The desktop window's own origin. The main process serves the console there (electron/core/desktop/app-protocol.ts)
 * and accepts contract calls only from a top-level page on it (electron/main/ipc.ts); the preload exposes
 * `window.keywarden` only to a page on it (electron/preload/preload.ts). One definition for all three.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'keywarden';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the window loads: the console's index.html. */
export const APP_START_URL = `${APP_ORIGIN}/`;
