/**
 * The desktop app's composition root: it puts the engine (electron/core) behind the window, the tray, the
 * notifications, the background sync and the lock, and binds the contract to IPC. Everything with a decision in it
 * lives in electron/core (tested in Node); the files here hand those decisions Electron's objects.
 *
 * Start-up, in order: one instance only (a second start shows the first one's window); the `app://` scheme
 * registered (before ready, as Electron requires); every web contents hardened as it is created; then, once ready,
 * the session locked down and the origin served, the engine opened on the data folder the CLI shares
 * (electron/core/paths.ts), the contract bound, and the window, tray, reminder checks, background sync and lock
 * watch started. Quitting stops them, clears a copied secret still on the clipboard, and closes the engine.
 */
import { join } from 'node:path';
import { app, type BrowserWindow, dialog, ipcMain, protocol, session } from 'electron';
import type { ContractHandlers } from '../../shared/contract.js';
import { type ContractEventSink, type ContractHost, createContractHandlers } from '../core/contract-handlers.js';
import { type BackgroundSync } from '../core/desktop/background-sync.js';
import { dbusTools, type DbusBus, type DbusTools } from '../core/desktop/dbus.js';
import { fanOutEvents } from '../core/desktop/events.js';
import { startTeamFollower } from '../core/desktop/team-follower.js';
import { closeAction, type TrayHostWatch, watchTrayHost } from '../core/desktop/tray-host.js';
import { notificationsShowButtons } from '../core/desktop/reminder-notices.js';
import { trayIconFolder } from '../core/desktop/tray-menu.js';
import { KeywardenEngine } from '../core/engine.js';
import type { ReminderScheduler } from '../core/notifications/scheduler.js';
import { resolveHome } from '../core/paths.js';
import type { Keychain } from '../core/vault/keychain.js';
import { asBackgroundWork } from '../core/vault/vault.js';
import { ClipboardGuard } from '../core/clipboard/clipboard-guard.js';
import { electronClipboard, isNativeWayland, type SecretClipboard } from './clipboard.js';
import { applyAppIdentity, quitWhenLauncherAsks, sqliteBindingOverride } from './dev-run.js';
import { bindContract, createFrameCheck, windowEventTarget } from './ipc.js';
import { type LockWatch, type LockWatchOptions, watchLock } from './lock.js';
import { endWithSession } from './session-end.js';
import { startBackgroundSync, startReminderNotifications } from './notifications.js';
import { hardenSession, hardenWebContents, registerAppScheme, serveAppOrigin } from './security.js';
import { createTray, type TrayController } from './tray.js';
import { createMainWindow, showWindow } from './window.js';
import { startDemo, type RunningDemo } from '../core/demo/demo.js';
import { demoHome, demoPassphraseSource } from '../core/demo/demo-home.js';

/** The command-line flag that starts the app on the demo's data folder with the built-in emulators. */
export const DEMO_FLAG = '--demo';

export interface DesktopAppOptions {
  /** The data folder; default: KEYWARDEN_HOME, else the per-user folder the CLI uses too (the demo's own with `demo`). */
  home?: string;
  /**
   * Demo mode (`--demo`, which the console's "Try the demo" relaunches the app with): the built-in emulators with
   * sample keys, in the demo's own data folder, never the real inventory.
   */
  demo?: boolean;
  /** The folder holding dist/ and build/; default: `app.getAppPath()`. */
  appRoot?: string;
  /** Tests pass their own keychain; the app uses the OS keychain. */
  keychain?: Keychain;
  /** Tests pass their own clipboard; the app uses Electron's. */
  clipboard?: SecretClipboard;
  log?: (message: string) => void;
  /** Timers, lowered by tests. */
  reminderIntervalMs?: number;
  idlePollMs?: number;
  /** The platform whose desktop conventions apply (notification buttons, tray, clipboard); tests pick one. Default: process.platform. */
  platform?: NodeJS.Platform;
  /** Linux's session lock over D-Bus (lock.ts); tests give a private bus or turn it off. */
  sessionLock?: LockWatchOptions['sessionLock'];
  /**
   * Linux: whether a StatusNotifierItem host shows the tray (core/desktop/tray-host.ts), asked on the session bus by
   * default; tests give a private bus, or say outright that there is a host (true) or none (false).
   */
  trayHost?: { dbus?: DbusTools; bus?: DbusBus } | boolean;
}

/** What the running app holds; main.ts ignores it, the tests drive it. */
export interface DesktopApp {
  readonly engine: KeywardenEngine;
  readonly handlers: ContractHandlers;
  readonly events: ContractEventSink;
  readonly clipboard: ClipboardGuard;
  readonly tray: TrayController;
  readonly scheduler: ReminderScheduler;
  readonly backgroundSync: BackgroundSync;
  readonly lock: LockWatch;
  /** Whether the tray is shown (a StatusNotifierItem host on Linux; always elsewhere), null while not known. */
  trayHost(): boolean | null;
  /** Resolves once the first answer about the tray host is in. */
  readonly trayHostReady: Promise<void>;
  window(): BrowserWindow | null;
  openKey(ref: string): void;
  /** Syncs every listable backend as the tray's "Sync now" does (the background sync too). */
  syncNow(): Promise<void>;
  /** What quitting runs (will-quit): stops everything and closes the engine. */
  shutdown(): Promise<void>;
}

export async function startDesktopApp(options: DesktopAppOptions = {}): Promise<DesktopApp | null> {
  const log = options.log ?? ((message: string) => console.warn(`keywarden: ${message}`));
  // Before the single-instance lock, which is per profile: a development run must not find the installed app's.
  applyAppIdentity(app);
  if (!app.requestSingleInstanceLock()) {
    // Another Keywarden runs: it shows its window ('second-instance' below) and this one leaves.
    app.quit();
    return null;
  }
  registerAppScheme(protocol);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, { log }));
  quitWhenLauncherAsks(
    app.isPackaged,
    () => process.stdin,
    () => app.quit(),
  );

  await app.whenReady();
  const appRoot = options.appRoot ?? app.getAppPath();
  hardenSession(session.defaultSession, log);
  serveAppOrigin(protocol, join(appRoot, 'dist', 'renderer'), log);

  const demo = options.demo ?? process.argv.includes(DEMO_FLAG);
  const home = options.home ?? (demo ? demoHome() : resolveHome(undefined));
  let engine: KeywardenEngine;
  try {
    // `npm start` builds better-sqlite3 for Electron's ABI beside the Node build the tests use, and names it here
    // (tools/start); a packaged app has the Electron build in place of the Node one and ignores the variable.
    const nativeBinding = sqliteBindingOverride(app.isPackaged);
    engine = await KeywardenEngine.start({
      home,
      ...(options.keychain ? { keychain: options.keychain } : {}),
      ...(nativeBinding ? { nativeBinding } : {}),
      // Sample secrets only: where no keychain holds the demo's data key, its random passphrase file beside them does.
      ...(demo ? { passphrase: demoPassphraseSource(home) } : {}),
    });
  } catch (error) {
    dialog.showErrorBox('Keywarden cannot open its data folder', error instanceof Error ? error.message : String(error));
    app.exit(1);
    return null;
  }
  for (const warning of engine.warnings) log(warning);

  let window: BrowserWindow | null = null;
  let tray: TrayController | null = null;
  let scheduler: ReminderScheduler | null = null;
  let quitting = false;
  const board = options.clipboard ?? electronClipboard(process.platform, log);
  const guard = new ClipboardGuard(
    { writeSecret: (secret) => board.writeSecret(secret), readText: () => board.readText(), clear: async () => board.clear() },
    { onError: (error) => log(`clipboard: ${error instanceof Error ? error.message : String(error)}`) },
  );
  const clearClipboard = () => void guard.clearNow().catch((error: unknown) => log(`could not clear the clipboard: ${error instanceof Error ? error.message : String(error)}`));

  const events = fanOutEvents(
    [
      windowEventTarget(() => window),
      {
        onInventoryChanged: (change) => {
          tray?.refresh();
          // After each sync: what it learned may have reached a reminder threshold.
          if (change.reason === 'sync') scheduler?.check();
        },
        onRemindersChanged: () => tray?.refresh(),
        onLockChanged: (state) => {
          tray?.refresh();
          if (state.locked) clearClipboard();
        },
      },
    ],
    log,
  );
  // The demo's emulators run in this process for as long as the app does.
  let runningDemo: RunningDemo | null = null;
  if (demo) {
    try {
      runningDemo = await startDemo(engine);
    } catch (error) {
      log(`the demo's emulators could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const host: ContractHost = {
    version: app.getVersion(),
    info: () => ({ host: 'desktop', home, demo, demoAvailable: !demo }),
    copySecret: async (secret) => ({
      ...(await guard.copy(secret, (await engine.settings()).clipboardClearSeconds)),
      // On native Wayland the clear cannot be checked (electron/main/clipboard.ts): the console says so.
      ...(isNativeWayland(process.platform, process.env) ? { bestEffortClear: true } : {}),
    }),
    // The first run's "Try the demo": the app starts again on the demo's folder (one engine, tray and scheduler per
    // process keeps every part of the app on the same data). The real folder is left as it was.
    ...(demo
      ? {}
      : {
          startDemo: async () => {
            app.relaunch({ args: [...process.argv.slice(1).filter((arg) => arg !== DEMO_FLAG), DEMO_FLAG] });
            setImmediate(() => app.quit());
            return { host: 'desktop' as const, home: demoHome(), demo: true, demoAvailable: false };
          },
        }),
  };
  const handlers = createContractHandlers(engine, events, host);
  const unbind = bindContract(
    ipcMain,
    handlers,
    createFrameCheck(() => window),
    { log },
  );

  const openKey = (ref: string) => {
    showWindow(window);
    events.onOpenKey({ ref });
  };
  let syncing: Promise<void> | null = null;
  const runSync = (): Promise<void> => {
    syncing ??= (async () => {
      tray?.setSyncing(true);
      try {
        await handlers['sync:run']([]);
      } finally {
        syncing = null;
        tray?.setSyncing(false);
      }
    })();
    return syncing;
  };
  // The tray's Sync now: a person asking, who may answer the keychain's unlock prompt.
  const syncNow = (): Promise<void> => runSync().catch((error: unknown) => log(`sync failed: ${error instanceof Error ? error.message : String(error)}`));
  // The background sync runs as background work (core/desktop/background-sync.ts) and never joins a sync already
  // running: that one may be waiting on the person at the unlock prompt.
  const backgroundSyncRun = (): Promise<void> => (syncing ? Promise.resolve() : runSync());

  // Where the tray icon is not shown, closing the window minimises it (core/desktop/tray-host.ts).
  const platform = options.platform ?? process.platform;
  const trayHostWatch: TrayHostWatch | null =
    platform === 'linux' && typeof options.trayHost !== 'boolean'
      ? watchTrayHost({ dbus: options.trayHost?.dbus ?? dbusTools(), ...(options.trayHost?.bus ? { bus: options.trayHost.bus } : {}), log })
      : null;
  const trayHost = (): boolean | null => (trayHostWatch ? trayHostWatch.present() : typeof options.trayHost === 'boolean' ? options.trayHost : true);

  window = createMainWindow({
    preloadPath: join(appRoot, 'dist', 'preload', 'preload.js'),
    saved: engine.windowState(),
    save: (state) => engine.saveWindowState(state),
    isQuitting: () => quitting,
    onHidden: clearClipboard,
    closeAction: () => closeAction(platform, trayHost()),
    devTools: !app.isPackaged,
    log,
  });
  const lock = watchLock({
    engine,
    events,
    log,
    ...(options.idlePollMs !== undefined ? { pollMs: options.idlePollMs } : {}),
    ...(options.sessionLock !== undefined ? { sessionLock: options.sessionLock } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
  });
  const snoozeReminder = (ref: string, days: 1 | 7) => {
    // In a team home the snooze is written to the team first (a moment's wait); a personal folder's is written at once.
    engine.snoozeReminder(ref, days).then(
      () => tray?.refresh(),
      (error: unknown) => log(`snooze of ${ref} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  tray = createTray({
    engine,
    iconFolder: trayIconFolder({ packaged: app.isPackaged, resourcesPath: process.resourcesPath, appRoot }),
    platform,
    openKey,
    // Where notifications have no Snooze buttons (Linux), the tray's menu has it.
    ...(notificationsShowButtons(options.platform ?? process.platform) ? {} : { snooze: snoozeReminder }),
    actions: { sync: () => void syncNow(), open: () => showWindow(window), lock: () => void lock.lockNow(), quit: () => app.quit() },
    log,
  });
  scheduler = startReminderNotifications({
    // Each check (at start, after a sync, hourly) also redraws the tray: a day passing can turn "due soon" into "overdue".
    engine: {
      claimReminderNotifications: () => {
        const notices = engine.claimReminderNotifications();
        tray?.refresh();
        return notices;
      },
    },
    openKey,
    showWindow: () => showWindow(window),
    ...(options.platform ? { platform: options.platform } : {}),
    snooze: snoozeReminder,
    // Alerts to the channels configured (webhook, Slack, email), as background work: a locked keyring is not asked
    // to unlock for them; they go at the next check once it is open. Each alert is claimed in the store first, so a
    // `keywarden notify` cron job on the same data folder never sends one twice.
    alerts: async () => {
      const report = await asBackgroundWork(() => engine.deliverAlerts());
      for (const skipped of report.skipped) log(`alerts: channel "${skipped.channel}" sent nothing: ${skipped.reason}`);
      if (report.counts.failed > 0) log(`alerts: ${report.counts.failed} not delivered; retried after ${report.nextAttemptAt ?? 'a backoff'}`);
      return { nextAttemptAt: report.nextAttemptAt };
    },
    log,
    ...(options.reminderIntervalMs !== undefined ? { intervalMs: options.reminderIntervalMs } : {}),
  });
  const backgroundSync = startBackgroundSync({ engine, sync: backgroundSyncRun, log });
  // A team home's copy follows the team: pulled when another member writes (LISTEN/NOTIFY), and every few minutes.
  // A pull also brings the member's role as the server says it now (an admin's approval as operator): the tray, which
  // says when the background sync is off for a viewer, is drawn again when it changed.
  let trayRole = engine.teamRole();
  const teamFollower = startTeamFollower({
    engine,
    events,
    log,
    onPulled: () => {
      const role = engine.teamRole();
      if (role === trayRole) return;
      trayRole = role;
      tray?.refresh();
    },
  });

  let closed: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    closed ??= (async () => {
      quitting = true;
      scheduler?.stop();
      backgroundSync.stop();
      await teamFollower.stop().catch(() => {});
      lock.stop();
      trayHostWatch?.stop();
      await guard.dispose().catch(() => {});
      unbind();
      tray?.destroy();
      await runningDemo?.stop().catch(() => {});
      await engine.close();
    })();
    return closed;
  };

  // Wayland may have ignored a clear sent while the window had no focus: clear again once it has (clipboard.ts).
  window.on('focus', () => void guard.recheck().catch((error: unknown) => log(`clipboard: ${error instanceof Error ? error.message : String(error)}`)));
  // Shutdown and log-off, which skip 'will-quit' on Windows (session-end.ts).
  endWithSession({ window, clearClipboardNow: () => void guard.clearNowUnchecked(() => board.clear()), shutdown, log });
  app.on('second-instance', () => showWindow(window));
  // macOS: a click on the Dock icon.
  app.on('activate', () => showWindow(window));
  // The window only hides; it closes when quitting, and then the app is leaving anyway. Without a listener here
  // Electron would quit when the last window closes.
  app.on('window-all-closed', () => {});
  app.on('before-quit', () => {
    quitting = true;
  });
  let shutDown = false;
  app.on('will-quit', (event) => {
    if (shutDown) return;
    event.preventDefault();
    void shutdown()
      .catch((error: unknown) => log(`shutting down: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        shutDown = true;
        app.quit();
      });
  });

  return {
    engine,
    handlers,
    events,
    clipboard: guard,
    tray,
    scheduler,
    backgroundSync,
    lock,
    trayHost,
    trayHostReady: trayHostWatch?.ready ?? Promise.resolve(),
    window: () => window,
    openKey,
    syncNow,
    shutdown,
  };
}
