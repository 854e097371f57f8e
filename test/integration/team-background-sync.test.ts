/**
 * The desktop app's background sync in a team home (electron/core/desktop/background-sync.ts, docs/team.md), with the
 * real engine of each member over a private PostgreSQL (test/support/postgres.ts), the real keychain
 * (with-test-keychain.mjs) and the Nitrobox emulator on 127.0.0.1: a viewer's folder never starts a vendor sync (the
 * team would refuse it) and says so once, in the log and in the tray; approved as operator, the role the team
 * follower's next pull brings turns it on at the next check, and it syncs.
 *
 *   node test/support/with-test-keychain.mjs npx vitest run test/integration/team-background-sync.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { BackgroundSync } from '../../electron/core/desktop/background-sync.js';
import { startTeamFollower } from '../../electron/core/desktop/team-follower.js';
import { trayModel } from '../../electron/core/desktop/tray-menu.js';
import type { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { type MemberName, NO_POSTGRES_REASON, SKIP_NO_POSTGRES } from '../support/postgres.js';
import { startTeamHomes, type TeamHomes } from '../support/team-homes.js';

if (SKIP_NO_POSTGRES) console.warn(`team background sync tests skipped: ${NO_POSTGRES_REASON}`);

const DAY_MS = 86_400_000;

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)("the desktop app's background sync in a team home", () => {
  const homes = {} as Record<MemberName, string>;
  const engines = {} as Record<MemberName, KeywardenEngine>;
  let team: TeamHomes | undefined;
  let nitrobox: NitroboxEmulator;
  let carolFingerprint: string;
  const alice = () => engines.alice;

  beforeAll(async () => {
    team = await startTeamHomes('team-background-sync', homes, engines);
    nitrobox = await startNitroboxEmulator();
    const token = nitrobox.state.addUser('ops@acme.example', { role: true });
    nitrobox.state.seedClient('billing-export');
    await engines.alice.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: token });
    await engines.alice.sync(['nb']);
    await engines.alice.teamInit(team.server.url('alice'), 'ops');
    carolFingerprint = (await engines.carol.teamJoin(team.server.url('carol'), 'ops')).fingerprint;
    await engines.alice.teamApprove('carol', 'viewer', carolFingerprint);
  });

  afterAll(async () => {
    await team?.close();
    await nitrobox?.emulator.close();
  });

  /** carol's background sync as the desktop app starts it (app.ts): her engine, `sync:run`'s sync of every backend. */
  function backgroundSyncOf(engine: KeywardenEngine, logs: string[]): BackgroundSync {
    return new BackgroundSync({
      engine,
      isOnline: () => true,
      sync: () => engine.sync([]),
      // A week on: every backend is due.
      now: () => Date.now() + 7 * DAY_MS,
      log: (message) => logs.push(message),
    });
  }

  const trayOf = (engine: KeywardenEngine) => trayModel(engine.trayStatus(), engine.lockState(), { syncing: false, viewer: engine.teamRole() === 'viewer' });

  it("a viewer's folder starts no vendor sync and says so once, in the log and the tray; approved as operator, it syncs after the next pull", async () => {
    const carol = engines.carol;
    // Before the first answer of the server, the role is not known; the pull records it.
    expect(carol.teamRole()).toBeNull();
    await carol.teamSync();
    expect(carol.teamRole()).toBe('viewer');
    expect(carol.listBackends().map((backend) => [backend.name, backend.capabilities.includes('list')])).toEqual([['nb', true]]);

    const logs: string[] = [];
    const background = backgroundSyncOf(carol, logs);
    const requests = nitrobox.emulator.requestLog.length;
    for (let check = 0; check < 3; check++) expect(await background.check()).toEqual({ action: 'wait', reason: 'viewer' });
    // Nothing asked of the vendor, nothing refused by the team: one line, not one per due check.
    expect(nitrobox.emulator.requestLog.length).toBe(requests);
    expect(logs).toEqual(["background sync off: not for a viewer: the team's operators sync its backends"]);
    expect(trayOf(carol).items.find((item) => item.type === 'action' && item.action === 'sync')).toEqual({
      type: 'action',
      action: 'sync',
      label: "Background sync: not for a viewer: the team's operators sync its backends",
      enabled: false,
    });

    // alice approves carol as operator; carol's follower (as the desktop app runs it) pulls on the change notice,
    // and the pull brings the new role.
    let promoted!: () => void;
    const operator = new Promise<void>((resolve) => (promoted = resolve));
    const follower = startTeamFollower({
      engine: carol,
      onPulled: () => {
        if (carol.teamRole() === 'operator') promoted();
      },
    });
    try {
      await alice().teamApprove('carol', 'operator', carolFingerprint);
      await operator;
    } finally {
      await follower.stop();
    }
    expect(trayOf(carol).items.find((item) => item.type === 'action' && item.action === 'sync')).toMatchObject({ label: 'Sync now', enabled: true });
    expect(await background.check()).toEqual({ action: 'sync' });
    expect(nitrobox.emulator.requestLog.length).toBeGreaterThan(requests);
    expect(logs).toEqual(["background sync off: not for a viewer: the team's operators sync its backends", "background sync on again: this member may now sync the team's backends"]);
    // The sync was written to the team: its record of nb's last good sync is carol's now.
    const nb = carol.getBackend('nb');
    expect(nb.lastError).toBeNull();
    expect(Date.parse(nb.lastSyncAt!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('`team status` records the role too, and leaving the team forgets it', async () => {
    await alice().teamApprove('carol', 'viewer', carolFingerprint);
    expect(engines.carol.teamRole()).toBe('operator');
    expect((await engines.carol.teamStatus()).server).toMatchObject({ reachable: true, role: 'viewer' });
    expect(engines.carol.teamRole()).toBe('viewer');
    await engines.carol.teamLeave();
    expect(engines.carol.teamRole()).toBeNull();
    expect(await backgroundSyncOf(engines.carol, []).check()).not.toEqual({ action: 'wait', reason: 'viewer' });
  });
});
