/**
 * The console's rotation store over a real ContractClient (buildContractClient, so every answer is checked
 * against the contract) with an in-memory transport: the plan before anything changes, the start and each
 * answer, a shown-once key kept until dismissed and never asked for again, a pasted key never kept, errors
 * shown rather than thrown, and a rotation moved on elsewhere (onRotationChanged) shown where it stands.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildContractClient, type ContractMethod } from '../../../shared/contract.js';
import type { Rotation, RotationPlan } from '../../../shared/rotation.js';
import { createRotationStore, daysUntil } from '../../../renderer/src/rotation/rotation-store.js';

const AT = '2026-11-24T10:00:00.000Z';

const plan: RotationPlan = {
  ref: 'nb/billing-sync',
  backend: 'nb',
  backendType: 'nitrobox',
  kind: 'create-overlap',
  title: 'Nitrobox: create a new key, test it, switch consumers, delete the old key',
  downtime: 'none',
  warnings: [],
  steps: [{ name: 'create-new', title: 'create', vendor: true, irreversible: false, optional: false }],
  alternatives: [],
  consumers: ['CI pipeline'],
  graceDays: null,
  newName: 'billing-sync-20261124',
};

function rotation(overrides: Partial<Rotation> = {}): Rotation {
  return {
    id: 7,
    ref: 'nb/billing-sync',
    newRef: 'nb/billing-sync-20261124',
    backend: 'nb',
    backendType: 'nitrobox',
    kind: 'create-overlap',
    title: plan.title,
    downtime: 'none',
    state: 'waiting',
    currentStep: 'switch-consumers',
    steps: [{ name: 'create-new', title: 'create', vendor: true, irreversible: false, optional: false, status: 'done', at: AT, detail: null }],
    needs: { kind: 'consumers', prompt: 'Switch CI pipeline', optional: false },
    problem: null,
    consumers: [{ name: 'CI pipeline', switchedAt: null }],
    graceEndsAt: null,
    startedAt: AT,
    updatedAt: AT,
    finishedAt: null,
    ...overrides,
  };
}

const issuedKey = {
  key: {
    ref: 'nb/billing-sync-20261124',
    backend: 'nb',
    backendType: 'nitrobox' as const,
    id: 'billing-sync-20261124',
    name: 'billing-sync-20261124',
    prefix: 'billing-sync-20261124',
    status: 'active' as const,
    createdAt: AT,
    expiresAt: null,
    graceEndsAt: null,
    rotationDueAt: null,
    lastUsedAt: null,
    lastTestedAt: null,
    lastTestOk: null,
    secretCached: true,
    syncedAt: AT,
    owner: null,
    environment: null,
    tags: [],
    notes: null,
  },
  secret: 'shown-once-value',
  cached: true,
};

function fakeEngine() {
  const calls: Array<[ContractMethod, unknown[]]> = [];
  let current = rotation();
  let fail: string | null = null;
  const transport = {
    async invoke(method: ContractMethod, args: unknown[]): Promise<unknown> {
      calls.push([method, args]);
      if (fail) throw new Error(fail);
      switch (method) {
        case 'rotation:plan':
          return plan;
        case 'rotation:start':
          return { rotation: current, issued: issuedKey };
        case 'rotation:advance':
          current = rotation({ state: 'done', currentStep: null, needs: null, finishedAt: AT });
          return { rotation: current, issued: null };
        case 'rotation:list':
          return (current.state === 'done' || current.state === 'abandoned') && !(args[0] as { all?: boolean }).all ? [] : [current];
        case 'settings:get':
          return { clipboardClearSeconds: 7, backgroundSyncHours: 6, revealHideSeconds: 20, lockAfterIdleMinutes: 15, maxRotationDays: null, reminderLeadDays: [30, 7, 1] };
        case 'rotation:abandon':
          current = rotation({ state: 'abandoned', needs: null, currentStep: null, finishedAt: AT });
          return { rotation: current, summary: 'nothing was changed at the vendor' };
        default:
          throw new Error(`unexpected ${method}`);
      }
    },
  };
  return {
    client: buildContractClient(transport),
    calls,
    failWith: (message: string | null) => (fail = message),
    moveOn: (next: Rotation) => (current = next),
  };
}

describe('the console rotation store', () => {
  it('shows the plan first, then starts, keeps the shown-once key until dismissed, and never keeps a pasted key', async () => {
    const engine = fakeEngine();
    const store = createRotationStore(engine.client);
    await store.getState().open('nb/billing-sync');
    expect(store.getState()).toMatchObject({ ref: 'nb/billing-sync', plan, rotation: null, busy: false, error: null });
    expect(engine.calls.map(([method]) => method)).toEqual(['rotation:plan']);

    await store.getState().start();
    expect(store.getState().rotation).toMatchObject({ id: 7, state: 'waiting' });
    expect(store.getState().issued?.secret).toBe('shown-once-value');
    expect(engine.calls[1]).toEqual(['rotation:start', ['nb/billing-sync', {}]]);

    await store.getState().answer({ action: 'secret', secret: 'pasted-value' });
    expect(engine.calls.find(([method]) => method === 'rotation:advance')).toEqual(['rotation:advance', [7, { action: 'secret', secret: 'pasted-value' }]]);
    expect(JSON.stringify(store.getState())).not.toContain('pasted-value');
    // The shown-once key stays until the administrator hides it; the later answer carried none.
    expect(store.getState()).toMatchObject({ rotation: { state: 'done' }, issued: { secret: 'shown-once-value' } });
    store.getState().dismissIssued();
    expect(store.getState().issued).toBeNull();
    store.getState().close();
    expect(store.getState()).toMatchObject({ ref: null, plan: null, rotation: null });
  });

  it('shows an error instead of throwing, lists rotations in progress, abandons, and follows a rotation moved on elsewhere', async () => {
    const engine = fakeEngine();
    const store = createRotationStore(engine.client);
    engine.failWith('nb/billing-sync has a rotation in progress already (rotation 7)');
    await store.getState().open('nb/billing-sync');
    expect(store.getState()).toMatchObject({ plan: null, busy: false, error: expect.stringMatching(/in progress already/) });
    engine.failWith(null);

    await store.getState().loadInProgress();
    const [open] = store.getState().inProgress!;
    store.getState().reopen(open!);
    expect(store.getState()).toMatchObject({ ref: 'nb/billing-sync', rotation: { id: 7 }, error: null });

    engine.moveOn(rotation({ consumers: [{ name: 'CI pipeline', switchedAt: AT }], state: 'waiting', currentStep: 'delete-old' }));
    await store.getState().changed({ id: 7, ref: 'nb/billing-sync', state: 'waiting' });
    expect(store.getState().rotation).toMatchObject({ currentStep: 'delete-old' });

    await store.getState().abandon();
    expect(store.getState().rotation).toMatchObject({ state: 'abandoned' });
    expect(store.getState().inProgress).toEqual([]);
  });

  describe('the shown-once key', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('hides itself after the reveal setting when Keywarden cached it, and says when', async () => {
      vi.useFakeTimers();
      const engine = fakeEngine();
      const store = createRotationStore(engine.client);
      await store.getState().open('nb/billing-sync');
      await store.getState().start();
      await vi.advanceTimersByTimeAsync(0);
      expect(store.getState().issued?.secret).toBe('shown-once-value');
      expect(store.getState().issuedHidesAt).toBe(Date.now() + 20_000);
      // The rotation ends meanwhile: the key does not stay on screen for whoever walks by.
      await store.getState().answer({ action: 'confirm' });
      await vi.advanceTimersByTimeAsync(19_900);
      expect(store.getState().issued).not.toBeNull();
      await vi.advanceTimersByTimeAsync(200);
      expect(store.getState()).toMatchObject({ rotation: { state: 'done' }, issued: null, issuedHidesAt: null });
    });

    it('stays until dismissed when it could not be cached (it exists nowhere else)', async () => {
      vi.useFakeTimers();
      const engine = fakeEngine();
      const store = createRotationStore(engine.client);
      issuedKey.cached = false;
      try {
        await store.getState().open('nb/billing-sync');
        await store.getState().start();
        await vi.advanceTimersByTimeAsync(60_000);
        expect(store.getState()).toMatchObject({ issued: { secret: 'shown-once-value' }, issuedHidesAt: null });
      } finally {
        issuedKey.cached = true;
      }
    });
  });

  it('counts the grace period in local calendar days', () => {
    const now = new Date(2026, 10, 24, 23, 30);
    expect(daysUntil(new Date(2026, 10, 25, 0, 30).toISOString(), now)).toBe(1);
    expect(daysUntil(new Date(2026, 10, 24, 8, 0).toISOString(), now)).toBe(0);
    expect(daysUntil(new Date(2026, 10, 20, 8, 0).toISOString(), now)).toBe(-4);
  });
});
