/**
 * How a long-running host follows the team (electron/core/desktop/team-follower.ts), in Node with fake timers and a
 * stand-in engine: a burst of notices is one pull, a notice during a pull one more after it, a lost connection is
 * opened again with a growing delay and caught up, nothing is pulled while Keywarden is locked, a data folder
 * that becomes a team home is followed from the next tick, and one that left its team is no longer listened for. (The real LISTEN/NOTIFY: team-vendors.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TeamFollower } from '../../../electron/core/desktop/team-follower.js';
import { KeywardenError } from '../../../electron/core/errors.js';
import type { PullReport } from '../../../electron/core/team/workflow.js';

const EMPTY: PullReport = { backends: 0, keys: 0, removed: 0, secrets: 0, credentials: 0, rotations: 0, seq: 0 };

describe('following the team', () => {
  let teamHome: boolean;
  let locked: boolean;
  let listens: number;
  let closes: number;
  let handlers: { onNotify: (payload: string) => void; onLost: (error: KeywardenError) => void } | null;
  let refuseListen: boolean;
  let pulls: number;
  let finishPull: ((report: PullReport) => void) | null;
  let changes: string[];
  let logs: string[];
  let follower: TeamFollower;

  beforeEach(() => {
    vi.useFakeTimers();
    teamHome = true;
    locked = false;
    listens = 0;
    closes = 0;
    handlers = null;
    refuseListen = false;
    pulls = 0;
    finishPull = null;
    changes = [];
    logs = [];
    follower = new TeamFollower({
      engine: {
        isTeamHome: () => teamHome,
        listenToTeam: async (given) => {
          listens += 1;
          if (refuseListen) throw new KeywardenError('network', "cannot reach the team's PostgreSQL");
          handlers = given;
          return {
            close: async () => {
              closes += 1;
            },
          };
        },
        teamSync: () => {
          pulls += 1;
          return new Promise<PullReport>((resolve) => {
            finishPull = resolve;
          });
        },
        lockState: () => ({ locked }),
      },
      events: { onInventoryChanged: (change) => changes.push(change.reason), onRemindersChanged: () => {} },
      debounceMs: 100,
      fallbackMs: 60_000,
      reconnectFirstMs: 1_000,
      reconnectMaxMs: 4_000,
      log: (message) => logs.push(message),
    });
  });

  afterEach(async () => {
    // `stop` waits for a pull under way, as a host's shutdown must.
    finishPull?.(EMPTY);
    await follower.stop();
    vi.useRealTimers();
  });

  /** Lets the pull under way answer, then runs what follows it. */
  async function answer(report: PullReport = EMPTY): Promise<void> {
    const finish = finishPull!;
    finishPull = null;
    finish(report);
    await vi.advanceTimersByTimeAsync(0);
  }

  it('listens at start and catches up once; a burst of notices is one pull, and a notice during a pull one more after it', async () => {
    follower.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(listens).toBe(1);
    expect(pulls).toBe(1);
    await answer();

    for (let notice = 0; notice < 5; notice++) handlers!.onNotify(String(notice));
    await vi.advanceTimersByTimeAsync(100);
    expect(pulls).toBe(2);
    handlers!.onNotify('6');
    handlers!.onNotify('7');
    await answer({ ...EMPTY, keys: 3 });
    // The two notices that came during the pull: one more pull, after the debounce.
    expect(pulls).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(pulls).toBe(3);
    await answer();
    // Only the pull that changed the copy told the window.
    expect(changes).toEqual(['sync']);
  });

  it('opens a lost connection again with a growing delay, says so once, and catches up when it is back', async () => {
    follower.start();
    await vi.advanceTimersByTimeAsync(0);
    await answer();
    refuseListen = true;
    handlers!.onLost(new KeywardenError('network', 'the server restarted'));
    expect(follower.listening).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(listens).toBe(2);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(listens).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(listens).toBe(3);
    expect(logs).toEqual([expect.stringMatching(/change notices stopped \(the server restarted\)/)]);
    refuseListen = false;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(listens).toBe(4);
    expect(follower.listening).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(pulls).toBe(2);
    expect(logs.at(-1)).toMatch(/listening to the team's change notices again/);
  });

  it('pulls nothing while Keywarden is locked, and follows a data folder that became a team home from the next tick', async () => {
    teamHome = false;
    follower.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(listens).toBe(0);
    teamHome = true;
    locked = true;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(listens).toBe(1);
    expect(pulls).toBe(0);
    handlers!.onNotify('1');
    await vi.advanceTimersByTimeAsync(100);
    expect(pulls).toBe(0);
    locked = false;
    handlers!.onNotify('2');
    await vi.advanceTimersByTimeAsync(100);
    expect(pulls).toBe(1);
  });

  it('stops listening once the data folder left its team (the next notice or tick), and pulls nothing more', async () => {
    follower.start();
    await vi.advanceTimersByTimeAsync(0);
    await answer();
    expect(follower.listening).toBe(true);
    teamHome = false;
    handlers!.onNotify('9');
    await vi.advanceTimersByTimeAsync(100);
    expect(pulls).toBe(1);
    expect(follower.listening).toBe(false);
    expect(closes).toBe(1);
    expect(logs).toEqual([expect.stringMatching(/no longer follows a team: stopped listening/)]);
    // The fallback tick tries no connection either while the folder is personal.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(listens).toBe(1);
    expect(pulls).toBe(1);
  });
});
