/**
 * The Electron main process's entry (package.json "main"): starts the desktop app (app.ts) and turns a failure to
 * start into a message and an exit, never a silent process in the background.
 */
import { app, dialog } from 'electron';
import { startDesktopApp } from './app.js';

startDesktopApp().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`keywarden: the desktop app could not start: ${error instanceof Error && error.stack ? error.stack : message}`);
  dialog.showErrorBox('Keywarden could not start', message);
  app.exit(1);
});
