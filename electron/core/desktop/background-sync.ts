/**
 * The desktop app's background sync: every backend that can be listed is synced once the last sync is older than
 * the `backgroundSyncHours` setting, checked every few minutes while the app runs (and shortly after it starts, so
 * an app opened once a day for ten minutes still syncs). Skipped while offline, while Keywarden is locked (a sync
 * opens the vault, and the lock is a promise that the data key stays out of memory until the administrator
 * unlocks), and while the previous background sync is still running.
 *
 * A background sync is background work for the vault (`asBackgroundWork`): it never raises the OS keychain's unlock
 * prompt nor waits on one. Where the data key is not in memory and the login keyring is locked, the sync is skipped,
 * the log says so once (not every ten minutes), and it runs at the first check after the keyring is unlocked.
 *
 * In a team home, vendor syncs are the writing roles' (docs/team.md): a **viewer**'s sync would be refused before any
 * vendor is asked, so none is started. The role is the one the server last said (`KeywardenEngine.teamRole`, recorded
 * by every pull: the team follower pulls when an admin changes it), read at each check without asking the server, so
 * an approval as operator turns the background sync on at the next check. The log says once that it is off, and once
 * that it is on again; the tray says it in place of Sync now (`tray-menu.ts`).
 *
 * The decision is a pure function; the class is only its timer. electron/main/notifications.ts gives it Electron's
 * `net.isOnline()` and the contract handler of `sync:run`, so a background sync announces its changes (and so
 * refreshes the window, the tray and the reminder check) exactly like one the administrator started.
 */
import type { BackendSummary, LockState, Settings } from '../../../shared/domain.js';
import type { TeamRole } from '../../../shared/team.js';
import { KeywardenError } from '../errors.js';
import { asBackgroundWork } from '../vault/vault.js';

export const BACKGROUND_SYNC_CHECK_MS = 10 * 60 * 1000;
export const BACKGROUND_SYNC_FIRST_CHECK_MS = 30 * 1000;

export type BackgroundSyncDecision = { action: 'sync' } | { action: 'wait'; reason: 'not-due' | 'nothing-to-sync' | 'offline' | 'locked' | 'busy' | 'viewer'; dueAt?: number };

/** Why a viewer's data folder never syncs its backends, in the words the log and the tray use. */
export const VIEWER_SYNC_WORDS = "not for a viewer: the team's operators sync its backends";

export interface BackgroundSyncInput {
  now: number;
  backends: ReadonlyArray<Pick<BackendSummary, 'capabilities' | 'lastSyncAt'>>;
  intervalHours: number;
  online: boolean;
  locked: boolean;
  busy: boolean;
  /** In a team home, the member's role as last known (null: a personal folder, or not known yet). */
  teamRole?: TeamRole | null;
}

/**
 * Whether to sync now: the oldest listable backend's last sync (never counts as long ago) against the interval. A
 * viewer in a team home never syncs: the team's operators and admins write its backends' listings.
 */
export function backgroundSyncDecision(input: BackgroundSyncInput): BackgroundSyncDecision {
  if (input.busy) return { action: 'wait', reason: 'busy' };
  if (input.teamRole === 'viewer') return { action: 'wait', reason: 'viewer' };
  const listable = input.backends.filter((backend) => backend.capabilities.includes('list'));
  if (listable.length === 0) return { action: 'wait', reason: 'nothing-to-sync' };
  let oldest = Number.POSITIVE_INFINITY;
  for (const backend of listable) oldest = Math.min(oldest, backend.lastSyncAt === null ? Number.NEGATIVE_INFINITY : Date.parse(backend.lastSyncAt));
  const dueAt = oldest + input.intervalHours * 60 * 60 * 1000;
  if (input.now < dueAt) return { action: 'wait', reason: 'not-due', dueAt };
  // Offline and locked are checked only once a sync is due, so the log says why a due sync did not run.
  if (!input.online) return { action: 'wait', reason: 'offline' };
  if (input.locked) return { action: 'wait', reason: 'locked' };
  return { action: 'sync' };
}

export interface BackgroundSyncOptions {
  engine: {
    listBackends(): ReadonlyArray<Pick<BackendSummary, 'capabilities' | 'lastSyncAt'>>;
    settings(): Promise<Pick<Settings, 'backgroundSyncHours'>>;
    lockState(): LockState;
    /** In a team home, the member's role as the server last said it (`KeywardenEngine.teamRole`); absent: a personal folder. */
    teamRole?(): TeamRole | null;
  };
  /** Electron's `net.isOnline()` in the app. */
  isOnline: () => boolean;
  /**
   * Runs the sync of every listable backend (the contract handler of `sync:run` with no names); rejects when it could
   * not run (a keychain that is locked among others). Called as background work.
   */
  sync: () => Promise<unknown>;
  now?: () => number;
  checkEveryMs?: number;
  firstCheckMs?: number;
  log?: (message: string) => void;
}

export class BackgroundSync {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  /** The log has said that the keychain is locked; said again only after a sync that ran. */
  private saidKeychainLocked = false;
  /** The log has said that a viewer's folder does not sync; said again (on) when the role allows it again. */
  private saidViewer = false;

  constructor(private readonly options: BackgroundSyncOptions) {}

  /** Checks shortly after start, then every few minutes. The timers do not keep the process alive by themselves. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.firstCheckMs ?? BACKGROUND_SYNC_FIRST_CHECK_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One check: syncs if due and possible. Resolves once a sync it started has finished (failures are logged, not thrown). */
  async check(): Promise<BackgroundSyncDecision> {
    let decision: BackgroundSyncDecision;
    try {
      decision = backgroundSyncDecision({
        now: (this.options.now ?? Date.now)(),
        backends: this.options.engine.listBackends(),
        intervalHours: (await this.options.engine.settings()).backgroundSyncHours,
        online: this.options.isOnline(),
        locked: this.options.engine.lockState().locked,
        busy: this.running !== null,
        teamRole: this.options.engine.teamRole?.() ?? null,
      });
    } catch (error) {
      this.options.log?.(`background sync check failed: ${error instanceof Error ? error.message : String(error)}`);
      return { action: 'wait', reason: 'busy' };
    }
    // Said when it turns off and when it turns on again, never at every check.
    if (decision.action === 'wait' && decision.reason === 'viewer') {
      if (!this.saidViewer) this.options.log?.(`background sync off: ${VIEWER_SYNC_WORDS}`);
      this.saidViewer = true;
      return decision;
    }
    if (this.saidViewer && !(decision.action === 'wait' && decision.reason === 'busy')) {
      this.options.log?.("background sync on again: this member may now sync the team's backends");
      this.saidViewer = false;
    }
    if (decision.action === 'wait') {
      if (decision.reason === 'offline' || decision.reason === 'locked')
        this.options.log?.(`background sync due but skipped: ${decision.reason === 'offline' ? 'offline' : 'Keywarden is locked'}`);
      return decision;
    }
    const run = asBackgroundWork(() => this.options.sync()).then(
      () => {
        this.saidKeychainLocked = false;
      },
      (error: unknown) => {
        if (error instanceof KeywardenError && error.code === 'keychain_locked') {
          if (!this.saidKeychainLocked) this.options.log?.(`background sync due but skipped until the OS keychain is unlocked: ${error.message}`);
          this.saidKeychainLocked = true;
          return;
        }
        this.options.log?.(`background sync failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    this.running = run;
    try {
      await run;
    } finally {
      this.running = null;
    }
    return decision;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule(this.options.checkEveryMs ?? BACKGROUND_SYNC_CHECK_MS));
    }, delayMs);
    this.timer.unref?.();
  }
}
