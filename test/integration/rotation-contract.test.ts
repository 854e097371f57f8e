/**
 * A rotation walked one answer at a time through the console's contract (the handlers the desktop app and
 * `keywarden ui` bind, behind the contract's own validation), against the vendor emulators, a real SQLite file
 * and the isolated keychain: what the wizard sees at each step, the events it refreshes on, that a shown-once
 * key crosses once (in the answer of the step that received it), consumers ticked one by one, the irreversible
 * delete waiting for its confirmation, and the grace warning the tray and the reminders get.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import type { RunningEmulator } from '../../electron/core/backends/emulator-kit.js';
import { startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { createContractHandlers } from '../../electron/core/contract-handlers.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { buildContractClient, type ContractClient, parseContractArgs } from '../../shared/contract.js';
import { hasIsolatedKeychain } from '../support/cli.js';

const DAY_MS = 86_400_000;
const HTTP = { responseTimeoutMs: 2000, connectTimeoutMs: 2000, baseBackoffMs: 5 };

describe.skipIf(!hasIsolatedKeychain)('rotation through the contract', () => {
  let home: string;
  let engine: KeywardenEngine | null;
  let events: Array<[string, unknown]>;
  const emulators: RunningEmulator[] = [];

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-rotation-contract-'));
    events = [];
    engine = null;
  });

  afterEach(async () => {
    await engine?.close();
    await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
    rmSync(home, { recursive: true, force: true });
  });

  function open(now?: () => Date): { kw: KeywardenEngine; client: ContractClient } {
    const kw = KeywardenEngine.open({ home, http: HTTP, ...(now ? { now } : {}) });
    engine = kw;
    const handlers = createContractHandlers(
      kw,
      {
        onSyncProgress: () => {},
        onInventoryChanged: (change) => events.push(['inventory', change]),
        onRemindersChanged: () => {},
        onLockChanged: () => {},
        onOpenKey: () => {},
        onRotationChanged: (change) => events.push(['rotation', change]),
      },
      { info: () => ({ host: 'browser', home, demo: false, demoAvailable: false }) },
    );
    const client = buildContractClient({
      invoke: async (method, args) => (handlers[method] as (...a: unknown[]) => Promise<unknown>)(...(parseContractArgs(method, args) as unknown[])),
    });
    return { kw, client };
  }

  it('Nitrobox: the shown-once key crosses once, consumers are ticked one by one, and the old client waits for the confirmation', async () => {
    const { emulator, state } = await startNitroboxEmulator();
    emulators.push(emulator);
    const token = state.addUser('admin@acme.example', { role: true });
    state.seedClient('billing-sync');
    const { kw, client } = open();
    await kw.addBackend({ name: 'nb', type: 'nitrobox', url: emulator.url, credential: token });
    await kw.sync(['nb']);

    const started = await client['rotation:start']('nb/billing-sync', { newName: 'billing-sync-2027', consumers: ['CI pipeline', 'billing service'] });
    // The create's answer carries the key, the one time it crosses; it is already cached.
    expect(started.issued).toMatchObject({ key: { ref: 'nb/billing-sync-2027', secretCached: true }, cached: true, secret: expect.any(String) });
    expect(await kw.reveal('nb/billing-sync-2027')).toBe(started.issued!.secret);
    expect(started.rotation).toMatchObject({
      state: 'waiting',
      currentStep: 'switch-consumers',
      newRef: 'nb/billing-sync-2027',
      needs: { kind: 'consumers', prompt: expect.stringMatching(/^Switch CI pipeline, billing service to the new key nb\/billing-sync-2027/) },
    });
    expect(started.rotation.steps.map((step) => [step.name, step.status])).toEqual([
      ['create-new', 'done'],
      ['test-new', 'done'],
      ['switch-consumers', 'pending'],
      ['delete-old', 'pending'],
    ]);
    const rotationEvents = events.filter(([kind]) => kind === 'rotation').map(([, change]) => (change as { state: string }).state);
    expect(rotationEvents.at(-1)).toBe('waiting');
    expect(rotationEvents.length).toBeGreaterThanOrEqual(2);
    expect(events).toContainEqual(['inventory', { reason: 'key', backend: 'nb' }]);

    const id = started.rotation.id;
    const first = await client['rotation:advance'](id, { action: 'consumer-switched', name: 'CI pipeline' });
    expect(first.issued).toBeNull();
    expect(first.rotation).toMatchObject({ state: 'waiting', currentStep: 'switch-consumers', needs: { prompt: expect.stringMatching(/^Switch billing service to/) } });
    await expect(client['rotation:advance'](id, { action: 'consumer-switched', name: 'somebody else' })).rejects.toThrow(/has no consumer "somebody else"/);
    const second = await client['rotation:advance'](id, { action: 'consumer-switched', name: 'billing service' });
    expect(second.rotation).toMatchObject({ state: 'waiting', currentStep: 'delete-old', needs: { kind: 'confirm', optional: false, prompt: expect.stringMatching(/irreversible/) } });
    // Irreversible: not skippable, and nothing is deleted until it is confirmed.
    await expect(client['rotation:advance'](id, { action: 'skip' })).rejects.toThrow(/waiting for something else/);
    expect(state.findClient('billing-sync')).not.toBeNull();
    const done = await client['rotation:advance'](id, { action: 'confirm' });
    expect(done).toMatchObject({ issued: null, rotation: { state: 'done', currentStep: null, finishedAt: expect.any(String) } });
    expect(state.clients.map((client) => client.clientId)).toEqual(['billing-sync-2027']);
    expect(done.rotation.consumers.every((consumer) => consumer.switchedAt !== null)).toBe(true);
    expect(await kw.keyConsumers('nb/billing-sync-2027')).toEqual(['CI pipeline', 'billing service']);
    // The new key still says which key it replaced, once that key is gone; the old one is no longer a link.
    expect(await client['key:facts']('nb/billing-sync-2027')).toContainEqual({
      label: 'Replaces',
      value: 'billing-sync, no longer in the inventory',
      key: { ref: 'nb/billing-sync', name: 'billing-sync', prefix: 'billing-sync', inInventory: false },
    });
    // Listing shows no secret anywhere.
    expect(JSON.stringify(await client['rotation:list']({ all: true }))).not.toContain(started.issued!.secret!);
  });

  /** A CommBox key 300 days old, rotated with a 60-day replacement: its grace period runs while the consumers switch. */
  async function startGraceRotation(consumers: string[]) {
    const { emulator, state } = await startCommBoxEmulator();
    emulators.push(emulator);
    const token = state.addAdminToken();
    const old = state.issueActiveKey('Production', { createdAt: new Date(Date.now() - 300 * DAY_MS).toISOString() });
    const first = open();
    await first.kw.addBackend({ name: 'cb', type: 'commbox', url: emulator.url, credential: token });
    await first.kw.sync(['cb']);
    const started = await first.client['rotation:start'](`cb/${old.key.id}`, { validityDays: 60, consumers });
    return { state, old, first, started };
  }

  it('CommBox: a grace period ending soon with consumers not switched is a warning for the tray and the reminders', async () => {
    const { state, old, first, started } = await startGraceRotation(['CI pipeline', 'billing service']);
    // CommBox's replacement is not a shown-once key (CommBox shows it on request): it does not cross.
    expect(started.issued).toBeNull();
    expect(started.rotation).toMatchObject({ state: 'waiting', currentStep: 'switch-consumers', graceEndsAt: expect.any(String) });
    await first.client['rotation:advance'](started.rotation.id, { action: 'consumer-switched', name: 'CI pipeline' });
    expect(await first.kw.rotationGraceWarnings()).toEqual([]);
    await first.kw.close();

    // 26 days later: the grace period ends in 4 days and the billing service still uses the old key.
    const graceEndsAt = started.rotation.graceEndsAt!;
    const later = open(() => new Date(Date.parse(graceEndsAt) - 4 * DAY_MS));
    expect(await later.kw.rotationGraceWarnings()).toEqual([
      { rotationId: started.rotation.id, ref: `cb/${old.key.id}`, newRef: started.rotation.newRef, graceEndsAt, daysLeft: 4, unticked: ['billing service'] },
    ]);
    const done = await later.client['rotation:advance'](started.rotation.id, { action: 'consumer-switched', name: 'billing service' });
    // The early delete is optional: leaving it out lets the old key expire at its grace end.
    expect(done.rotation).toMatchObject({ state: 'waiting', currentStep: 'delete-old', needs: { kind: 'confirm', optional: true } });
    expect(await later.kw.rotationGraceWarnings()).toEqual([]);
    const skipped = await later.client['rotation:advance'](started.rotation.id, { action: 'skip' });
    expect(skipped.rotation.state).toBe('done');
    expect(state.keys).toHaveLength(2);
  });

  it('CommBox: an abandoned rotation raises no grace warning any more, though its consumers were never switched', async () => {
    const { first, started } = await startGraceRotation(['billing service']);
    await first.kw.close();
    const later = open(() => new Date(Date.parse(started.rotation.graceEndsAt!) - 2 * DAY_MS));
    expect((await later.kw.rotationGraceWarnings()).map((warning) => warning.rotationId)).toEqual([started.rotation.id]);
    await later.client['rotation:abandon'](started.rotation.id);
    expect(await later.kw.rotationGraceWarnings()).toEqual([]);
  });
});
