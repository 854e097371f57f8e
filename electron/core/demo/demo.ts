/**
 * Demo mode: the three vendor emulators on loopback, seeded with a realistic inventory, registered
 * as backends of an engine and synced. `keywarden demo` runs it in the terminal; the desktop app
 * offers it on first start when no backend is configured. The sample keys are chosen so that every
 * kind of reminder shows at once: keys expiring within 30 days, one in its grace period, one overdue
 * for rotation, and some that are fine.
 */
import { randomBytes } from 'node:crypto';
import type { SyncReport } from '../../../shared/domain.js';
import type { RunningEmulator } from '../backends/emulator-kit.js';
import type { KeywardenEngine } from '../engine.js';

export const DEMO_BACKENDS = {
  commbox: 'demo-commbox',
  boxwatch: 'demo-boxwatch',
  nitrobox: 'demo-nitrobox',
  manual: 'demo-manual',
} as const;

export interface RunningDemo {
  emulators: { commbox: RunningEmulator; boxwatch: RunningEmulator; nitrobox: RunningEmulator };
  report: SyncReport;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

/**
 * Starts the emulators and registers the demo backends, or, when an earlier demo registered them,
 * points them at the new emulators (which start on new ports). Nothing a person added is removed:
 * keys entered by hand in the demo's manual backend stay, and the sample manual keys are added only
 * once. The vendor backends show what the new emulators hold, as a sync of any backend would.
 */
export async function startDemo(engine: KeywardenEngine): Promise<RunningDemo> {
  const [{ startCommBoxEmulator }, { startBoxWatchEmulator }, { startNitroboxEmulator }] = await Promise.all([
    import('../backends/commbox/emulator.js'),
    import('../backends/boxwatch/emulator.js'),
    import('../backends/nitrobox/emulator.js'),
  ]);
  const [commbox, boxwatch, nitrobox] = await Promise.all([startCommBoxEmulator(), startBoxWatchEmulator(), startNitroboxEmulator()]);
  const stop = async () => {
    await Promise.all([commbox.emulator.close(), boxwatch.emulator.close(), nitrobox.emulator.close()]);
  };
  try {
    // CommBox: the previous key was revoked 24 days ago (6 days of grace left) and its replacement,
    // issued then for 49 days, expires in 25 days: inside the vendor's own 30-day notice.
    const commboxAdmin = commbox.state.addAdminToken();
    commbox.state.seedRevokedKey('Production', { createdAt: daysAgo(300), revokedAt: daysAgo(24) });
    commbox.state.issueActiveKey('Production', { createdAt: daysAgo(24), validityDays: 49 });

    // BoxWatch: the account's one key is 95 days old, past the 90-day rotation policy.
    const account = boxwatch.state.addAccount('ops@acme.example', 'Acme Ops');
    const boxwatchKey = boxwatch.state.issueKey(account.id, 'CI pipeline', { createdAt: daysAgo(95) });

    // Nitrobox: one client due in 10 days, one overdue, one recent (policy 180 days).
    const nitroboxToken = nitrobox.state.addUser('admin@acme.example', { role: true });
    nitrobox.state.seedClient('billing-sync', { createdAt: daysAgo(170), createdBy: 'admin@acme.example' });
    nitrobox.state.seedClient('warehouse-feed', { createdAt: daysAgo(200), createdBy: 'admin@acme.example' });
    nitrobox.state.seedClient('crm-export', { createdAt: daysAgo(20), createdBy: 'admin@acme.example' });

    const existing = new Set(engine.listBackends().map((backend) => backend.name));
    const register = async (name: string, type: 'commbox' | 'boxwatch' | 'nitrobox', url: string, credential: string) => {
      if (existing.has(name)) await engine.reconnectBackend(name, url, credential);
      else await engine.addBackend({ name, type, url, credential });
    };
    await register(DEMO_BACKENDS.commbox, 'commbox', commbox.emulator.url, commboxAdmin);
    await register(DEMO_BACKENDS.boxwatch, 'boxwatch', boxwatch.emulator.url, boxwatchKey.secret);
    await register(DEMO_BACKENDS.nitrobox, 'nitrobox', nitrobox.emulator.url, nitroboxToken);
    if (!existing.has(DEMO_BACKENDS.manual)) {
      await engine.addBackend({ name: DEMO_BACKENDS.manual, type: 'manual' });
      await engine.addManualKey(DEMO_BACKENDS.manual, {
        name: 'Payment gateway (prod)',
        vendor: 'Stripe',
        createdAt: daysAgo(359),
        expiresAt: new Date(Date.now() + 6 * DAY_MS).toISOString(),
        secret: `demo_${randomBytes(18).toString('base64url')}`,
        description: { owner: 'Ana Lima', environment: 'prod', tags: ['payments', 'pci'], notes: 'Checkout and refunds. Rotate with the payments team on a weekday.' },
      });
      await engine.addManualKey(DEMO_BACKENDS.manual, {
        name: 'SMS provider',
        vendor: 'Twilio',
        createdAt: daysAgo(30),
        rotateEveryDays: 90,
        description: { owner: 'On-call rota', environment: 'prod', tags: ['alerts'] },
      });
    }

    const report = await engine.sync([DEMO_BACKENDS.commbox, DEMO_BACKENDS.boxwatch, DEMO_BACKENDS.nitrobox]);
    // Who owns what, as an administrator would have said it: kept by Keywarden, so a restarted demo keeps its words.
    for (const key of engine.listKeys({ backend: DEMO_BACKENDS.nitrobox })) {
      if (key.owner === null) await engine.describeKey(key.ref, { owner: 'Data platform', environment: key.name === 'crm-export' ? 'staging' : 'prod', addTags: ['etl'] });
    }
    return { emulators: { commbox: commbox.emulator, boxwatch: boxwatch.emulator, nitrobox: nitrobox.emulator }, report, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The demo as a host holds it: the engine on the demo's folder, its emulators running, and one way to stop both. */
export interface DemoSession {
  engine: KeywardenEngine;
  home: string;
  /** Stops the emulators and closes the demo's engine. */
  stop(): Promise<void>;
}

/** Starts the demo on an engine opened on the demo's folder (`keywarden ui`'s first run); closes it if that fails. */
export async function startDemoSession(engine: KeywardenEngine, home: string): Promise<DemoSession> {
  try {
    const running = await startDemo(engine);
    return {
      engine,
      home,
      stop: async () => {
        await running.stop();
        await engine.close();
      },
    };
  } catch (error) {
    await engine.close();
    throw error;
  }
}
