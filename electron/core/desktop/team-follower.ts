/**
 * A team home's copy follows the team while a long-running host runs (the desktop app, `keywarden ui`): every team
 * write NOTIFYs the team's channel when it commits (team/workflow.ts `nextSeq`), and the follower, LISTENing on it
 * (team/pg.ts `listenTeamDatabase`), pulls when woken. So another member's change shows here within moments, without
 * anyone running `keywarden team sync`.
 *
 * - **Debounced**: a burst of notices (a sync of several backends, a bulk describe) is one pull, once the burst is
 *   quiet for a moment; a notice that arrives during a pull gets one more pull after it.
 * - **A timer as a fallback**: every few minutes a pull runs anyway (a notice can be lost with its connection), and
 *   a data folder that became a team home while the host runs starts being followed then.
 * - **Reconnecting**: a lost connection (the server restarted, the network went) is opened again with a growing
 *   delay (1 s, doubling, at most a minute); once open again, one pull catches up with what was missed meanwhile.
 * - **Background work**: the pull never raises the keychain's unlock prompt, and waits while Keywarden is locked
 *   (a pull re-seals the team's secrets under the data key); the next notice or timer tick pulls.
 *
 * Electron-free, like background-sync.ts: the host gives it the engine and its event sink.
 */
import type { ContractEventSink } from '../contract-handlers.js';
import type { KeywardenError } from '../errors.js';
import type { PullReport } from '../team/workflow.js';
import { asBackgroundWork } from '../vault/vault.js';

export const TEAM_PULL_DEBOUNCE_MS = 300;
export const TEAM_FALLBACK_PULL_MS = 5 * 60 * 1000;
export const TEAM_RECONNECT_FIRST_MS = 1000;
export const TEAM_RECONNECT_MAX_MS = 60 * 1000;

export type TeamPullReason = 'notice' | 'connected' | 'timer';

export interface TeamFollowerOptions {
  engine: {
    isTeamHome(): boolean;
    listenToTeam(handlers: { onNotify: (payload: string) => void; onLost: (error: KeywardenError) => void }): Promise<{ close(): Promise<void> }>;
    teamSync(): Promise<PullReport>;
    lockState(): { locked: boolean };
  };
  /** Told after every pull that changed the copy (the desktop app's window and tray, the console's tabs refresh). */
  events?: Pick<ContractEventSink, 'onInventoryChanged' | 'onRemindersChanged'>;
  /** Told after every pull, whatever it brought (tests wait on it; hosts may log). */
  onPulled?: (report: PullReport, reason: TeamPullReason) => void;
  debounceMs?: number;
  fallbackMs?: number;
  reconnectFirstMs?: number;
  reconnectMaxMs?: number;
  log?: (message: string) => void;
}

export class TeamFollower {
  private listener: { close(): Promise<void> } | null = null;
  private connecting = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectDelay: number;
  private debounceTimer: ReturnType<typeof setTimeout> | null = null;
  private debounceReason: TeamPullReason = 'notice';
  private fallbackTimer: ReturnType<typeof setInterval> | null = null;
  private pulling: Promise<void> | null = null;
  /** A notice arrived while a pull ran: one more pull after it. */
  private again: TeamPullReason | null = null;
  private stopped = true;
  /** The log has said the connection is down; said again only after it was up. */
  private saidDown = false;

  constructor(private readonly options: TeamFollowerOptions) {
    this.reconnectDelay = options.reconnectFirstMs ?? TEAM_RECONNECT_FIRST_MS;
  }

  /** Whether a LISTEN connection is open now. */
  get listening(): boolean {
    return this.listener !== null;
  }

  /** LISTENs (if this data folder is a team home) and starts the fallback timer. The timers keep no process alive. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.fallbackTimer = setInterval(() => {
      // A data folder linked since start, or a connection that could not be opened: try again now too.
      if (!this.listener && !this.reconnectTimer) void this.connect();
      this.requestPull('timer', 0);
    }, this.options.fallbackMs ?? TEAM_FALLBACK_PULL_MS);
    this.fallbackTimer.unref?.();
    void this.connect();
  }

  /** Stops listening and every timer; a pull under way finishes first. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.reconnectTimer, this.debounceTimer]) if (timer) clearTimeout(timer);
    if (this.fallbackTimer) clearInterval(this.fallbackTimer);
    this.reconnectTimer = this.debounceTimer = this.fallbackTimer = null;
    const listener = this.listener;
    this.listener = null;
    await listener?.close();
    await this.pulling;
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.listener || this.connecting || !this.options.engine.isTeamHome()) return;
    this.connecting = true;
    try {
      const listener = await this.options.engine.listenToTeam({
        onNotify: () => this.requestPull('notice'),
        onLost: (error) => {
          if (this.listener !== listener) return;
          this.listener = null;
          this.down(`the team's change notices stopped (${error.message}); listening again shortly`);
        },
      });
      if (this.stopped) {
        await listener.close();
        return;
      }
      this.listener = listener;
      this.reconnectDelay = this.options.reconnectFirstMs ?? TEAM_RECONNECT_FIRST_MS;
      if (this.saidDown) this.options.log?.("listening to the team's change notices again");
      this.saidDown = false;
      // Whatever changed while nobody listened.
      this.requestPull('connected', 0);
    } catch (error) {
      this.down(`cannot listen to the team's change notices (${error instanceof Error ? error.message : String(error)}); trying again shortly`);
    } finally {
      this.connecting = false;
    }
  }

  /** Closes the LISTEN connection (the folder is no longer a team home); the fallback timer listens again once it is. */
  private dropListener(): void {
    const listener = this.listener;
    this.listener = null;
    if (listener) {
      this.options.log?.('this data folder no longer follows a team: stopped listening to its change notices');
      void listener.close().catch(() => {});
    }
  }

  private down(message: string): void {
    if (!this.saidDown) this.options.log?.(message);
    this.saidDown = true;
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, this.options.reconnectMaxMs ?? TEAM_RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref?.();
  }

  private requestPull(reason: TeamPullReason, delayMs = this.options.debounceMs ?? TEAM_PULL_DEBOUNCE_MS): void {
    if (this.stopped) return;
    if (this.pulling) {
      this.again ??= reason;
      return;
    }
    if (this.debounceTimer) return;
    this.debounceReason = reason;
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null;
      this.pull(this.debounceReason);
    }, delayMs);
    this.debounceTimer.unref?.();
  }

  private pull(reason: TeamPullReason): void {
    if (this.stopped || this.pulling) return;
    if (!this.options.engine.isTeamHome()) {
      // The member left the team (the console's Leave, or "keywarden team leave"): stop listening as them.
      this.dropListener();
      return;
    }
    // Locked: the data key stays out of memory until the administrator unlocks; the next notice or tick pulls.
    if (this.options.engine.lockState().locked) return;
    this.pulling = asBackgroundWork(() => this.options.engine.teamSync())
      .then(
        (report) => {
          if (report.backends + report.keys + report.removed + report.secrets + report.credentials + report.rotations > 0) {
            this.options.events?.onInventoryChanged({ reason: 'sync', backend: null });
            this.options.events?.onRemindersChanged({ reason: 'sync', backend: null });
          }
          this.options.onPulled?.(report, reason);
        },
        (error: unknown) => this.options.log?.(`pulling the team's changes failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        this.pulling = null;
        const again = this.again;
        this.again = null;
        if (again) this.requestPull(again);
      });
  }
}

/** Starts following the team (a no-op until the data folder is a team home). */
export function startTeamFollower(options: TeamFollowerOptions): TeamFollower {
  const follower = new TeamFollower(options);
  follower.start();
  return follower;
}
