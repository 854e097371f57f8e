/**
 * The tray: Keywarden keeps running there when its window is closed. The icon says whether anything is overdue, due
 * within its window (7 days with the default reminder lead times, see trayWindowDays), or nothing (tray-<state>.png, a @2x beside each; macOS: template images, trayIconFile); the menu lists the next due keys (a
 * click opens that key in the window), then Sync now, Open Keywarden, Lock and Quit. What it shows is
 * electron/core/desktop/tray-menu.ts (tested in Node); this file only hands it to Electron and is refreshed by
 * app.ts after syncs, on the inventory, reminder and lock events, and after the team follower's pulls (a new role).
 */
import { join } from 'node:path';
import { Menu, type MenuItemConstructorOptions, nativeImage, Tray } from 'electron';
import type { LockState } from '../../shared/domain.js';
import type { RotationGraceWarning } from '../../shared/rotation.js';
import { type TrayAction, trayIconFile, trayModel, type TrayModel } from '../core/desktop/tray-menu.js';
import type { TrayState, TrayStatus } from '../core/workflows/reminders.js';

export interface TrayOptions {
  /** `teamRole`: in a team home, the member's role as last known; a viewer's tray says the background sync is off. */
  engine: { trayStatus(): TrayStatus; lockState(): LockState; rotationGraceWarnings(): Promise<RotationGraceWarning[]>; teamRole?(): string | null };
  /** The folder of the tray's icons (`trayIconFolder`: resources/tray in a package, build/tray from the project). */
  iconFolder: string;
  /** Whose icon conventions apply: macOS gets template images. */
  platform: NodeJS.Platform;
  openKey: (ref: string) => void;
  /** The Snooze submenu (where notifications have no buttons); without it, none. */
  snooze?: (ref: string, days: 1 | 7) => void;
  actions: Record<TrayAction, () => void>;
  log: (message: string) => void;
}

export interface TrayController {
  /** Reads the engine again and redraws icon, tooltip and menu. */
  refresh(): void;
  setSyncing(syncing: boolean): void;
  /** What the tray shows now (the tests read it). */
  model(): TrayModel | null;
  destroy(): void;
}

export function trayIconPath(iconFolder: string, state: TrayState, platform: NodeJS.Platform): string {
  return join(iconFolder, trayIconFile(state, platform));
}

export function createTray(options: TrayOptions): TrayController {
  // A missing icon file gives an empty image, not an error: the tray still works (with the platform's blank icon).
  const icon = (state: TrayState) => nativeImage.createFromPath(trayIconPath(options.iconFolder, state, options.platform));
  const tray = new Tray(icon('clear'));
  let shown: TrayModel | null = null;
  let syncing = false;
  // Read asynchronously (the rotation code loads on first use): the tray draws with the last answer meanwhile.
  let graceWarnings: RotationGraceWarning[] = [];

  const template = (model: TrayModel): MenuItemConstructorOptions[] =>
    model.items.map((item): MenuItemConstructorOptions => {
      switch (item.type) {
        case 'separator':
          return { type: 'separator' };
        case 'heading':
          return { label: item.label, enabled: false };
        case 'key':
          return { label: item.label, click: () => options.openKey(item.ref) };
        case 'snooze':
          return { label: item.label, submenu: item.choices.map((choice) => ({ label: choice.label, click: () => options.snooze?.(choice.ref, choice.days) })) };
        case 'action':
          return { label: item.label, enabled: item.enabled, click: () => options.actions[item.action]() };
      }
    });

  const refresh = () => {
    render();
    options.engine.rotationGraceWarnings().then(
      (warnings) => {
        if (JSON.stringify(warnings) === JSON.stringify(graceWarnings)) return;
        graceWarnings = warnings;
        render();
      },
      (error: unknown) => options.log(`the tray could not read the rotations: ${error instanceof Error ? error.message : String(error)}`),
    );
  };

  const render = () => {
    let model: TrayModel;
    try {
      model = trayModel(options.engine.trayStatus(), options.engine.lockState(), {
        syncing,
        graceWarnings,
        snooze: options.snooze !== undefined,
        viewer: options.engine.teamRole?.() === 'viewer',
      });
    } catch (error) {
      options.log(`the tray could not be refreshed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (tray.isDestroyed()) return;
    if (shown?.icon !== model.icon) tray.setImage(icon(model.icon));
    if (shown?.tooltip !== model.tooltip) tray.setToolTip(model.tooltip);
    // The menu is built again only when what it shows changed, and never while it is open (a menu replaced under
    // the pointer closes or flickers on some platforms): a change made meanwhile is drawn once it closes.
    const same = shown !== null && JSON.stringify(shown.items) === JSON.stringify(model.items);
    shown = model;
    if (same) return;
    if (menuOpen) {
      stale = true;
      return;
    }
    setMenu(model);
  };

  let menuOpen = false;
  let stale = false;
  const setMenu = (model: TrayModel) => {
    stale = false;
    const menu = Menu.buildFromTemplate(template(model));
    // Menu events (Electron's Menu docs): 'menu-will-show' and 'menu-will-close'.
    menu.on('menu-will-show', () => {
      menuOpen = true;
    });
    menu.on('menu-will-close', () => {
      menuOpen = false;
      // After the item's click, which Electron delivers once the menu has closed.
      if (stale)
        setImmediate(() => {
          if (stale && !menuOpen && shown && !tray.isDestroyed()) setMenu(shown);
        });
    });
    tray.setContextMenu(menu);
  };

  // A click on the icon itself (Windows, some Linux trays) opens the window; the menu is on the other button.
  tray.on('click', () => options.actions.open());
  refresh();

  return {
    refresh,
    setSyncing(value) {
      syncing = value;
      refresh();
    },
    model: () => shown,
    destroy: () => {
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
