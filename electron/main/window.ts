/**
 * The app's one window: the console on `app://keywarden/`, sandboxed, isolated and with no Node; shown once it has
 * painted (no white flash); its size and place remembered with the engine and restored only where a display still
 * shows it (electron/core/desktop/window-state.ts). Closing it hides it: the app keeps running in the tray, and
 * "Quit" is the tray's (electron/main/tray.ts).
 */
import { BrowserWindow, screen } from 'electron';
import { APP_START_URL } from '../core/desktop/app-protocol.js';
import { placeWindow, type WindowState, MIN_WINDOW_SIZE } from '../core/desktop/window-state.js';

export interface MainWindowOptions {
  preloadPath: string;
  /** The remembered state (engine.windowState()), or null. */
  saved: WindowState | null;
  /** Stores the state (engine.saveWindowState), when the window is moved, resized or hidden. */
  save: (state: WindowState) => void;
  /** True once the app is quitting: then closing really closes. */
  isQuitting: () => boolean;
  /** Told when the window is hidden by its close button (the clipboard is cleared then). */
  onHidden: () => void;
  devTools: boolean;
  log: (message: string) => void;
}

/** How long moving or resizing must pause before the state is stored (one write per gesture, not per pixel). */
const SAVE_DELAY_MS = 500;

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const workAreas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((display) => display.workArea);
  const place = placeWindow(options.saved, workAreas);
  // Written out here, as one literal, so that a reader and the security scan (npm run audit:electron) see every
  // setting where the window is made. Each is stated even where it is Electron's default, so a change of default
  // cannot weaken the window.
  const window = new BrowserWindow({
    x: place.x,
    y: place.y,
    width: place.width,
    height: place.height,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Keywarden',
    // Shown on 'ready-to-show', once the page has painted.
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preloadPath,
      // The page and the preload run in separate JavaScript worlds; the page sees only what contextBridge exposes.
      contextIsolation: true,
      // The renderer process runs in Chromium's OS sandbox; the preload gets Electron's small polyfilled require().
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      // A middle click on a link would ask for a new window; those are denied anyway (security.ts), this stops the ask.
      disableBlinkFeatures: 'Auxclick',
      // Spellchecking would send typed text (a credential being entered) to the OS or a dictionary service.
      spellcheck: false,
      devTools: options.devTools,
    },
  });
  // Shown once the page has painted, then maximised if it was: maximize() on a hidden window shows it at once on
  // Linux and Windows (the window then flashes white before the page paints), so it waits for 'ready-to-show' too.
  window.once('ready-to-show', () => {
    window.show();
    if (place.maximized) window.maximize();
  });

  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  const saveNow = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    if (window.isDestroyed()) return;
    try {
      options.save({ ...window.getNormalBounds(), maximized: window.isMaximized() });
    } catch (error) {
      options.log(`could not remember the window's place: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const saveSoon = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, SAVE_DELAY_MS);
  };
  window.on('resize', saveSoon);
  window.on('move', saveSoon);
  window.on('maximize', saveSoon);
  window.on('unmaximize', saveSoon);

  window.on('close', (event) => {
    saveNow();
    if (options.isQuitting()) return;
    // Closing hides: Keywarden stays in the tray, reminders and background sync keep running.
    event.preventDefault();
    window.hide();
    options.onHidden();
  });

  void window.loadURL(APP_START_URL).catch((error: unknown) => options.log(`the console did not load: ${error instanceof Error ? error.message : String(error)}`));
  return window;
}

/** Brings the window to the front (tray, notification, a second start of the app). */
export function showWindow(window: Pick<BrowserWindow, 'isDestroyed' | 'isMinimized' | 'restore' | 'show' | 'focus'> | null): void {
  if (!window || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
