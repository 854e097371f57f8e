/**
 * The rotation wizard's state and the "rotations in progress" list, over the ContractClient only (components
 * read this store and call its actions; they never call the client).
 *
 * - The wizard opens on a key with its plan (`rotation:plan`, nothing changes), starts it (`rotation:start`), and
 *   answers what the rotation waits for (`rotation:advance`): a pasted key, a confirmation, a consumer ticked
 *   off, the remedy for a lost key. The journal is the engine's: closing the wizard loses nothing, and a rotation
 *   in progress is reopened from the list.
 * - A shown-once key arrives only in the answer of the step that received it (`issued`); it stays in the store
 *   until the administrator hides it, closes the wizard, or, when Keywarden cached it (Reveal and Copy work
 *   later), until the `revealHideSeconds` setting has passed (`issuedHidesAt`, for the countdown): a secret left on
 *   screen after the rotation ends is a secret shown to whoever walks by. It is never fetched again from here.
 * - A pasted key goes straight from the action's argument to the engine: the store never keeps it.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { IssuedKey } from '../../../shared/domain.js';
import { DEFAULT_SETTINGS } from '../../../shared/domain.js';
import type { Rotation, RotationAdvance, RotationChange, RotationOptions, RotationPlan, RotationStepResult } from '../../../shared/rotation.js';

export interface RotationState {
  /** The key the wizard is open on, or null when it is closed. */
  ref: string | null;
  options: RotationOptions;
  plan: RotationPlan | null;
  rotation: Rotation | null;
  /** A shown-once key received by the last step, until dismissed (or hidden on its own, see issuedHidesAt). */
  issued: IssuedKey | null;
  /** When the cached shown-once key hides on its own (epoch ms); null when it stays until dismissed (not cached). */
  issuedHidesAt: number | null;
  busy: boolean;
  error: string | null;
  /** Rotations in progress (null until loaded). */
  inProgress: Rotation[] | null;
  listError: string | null;

  /** Opens the wizard on a key and loads its plan. */
  open: (ref: string, options?: RotationOptions) => Promise<void>;
  /** Changes the plan's options (validity, BoxWatch order, new name, consumers) and reloads it. */
  setOptions: (options: RotationOptions) => Promise<void>;
  /** Reopens a rotation in progress (from the list). */
  reopen: (rotation: Rotation) => void;
  start: () => Promise<void>;
  answer: (advance: RotationAdvance) => Promise<void>;
  abandon: (id?: number) => Promise<void>;
  dismissIssued: () => void;
  close: () => void;
  loadInProgress: () => Promise<void>;
  /** `onRotationChanged`: refreshes the list, and the wizard's rotation when it is the one that changed elsewhere. */
  changed: (change: RotationChange) => Promise<void>;
}

export type RotationStore = StoreApi<RotationState>;

const CLOSED = { ref: null, options: {}, plan: null, rotation: null, issued: null, issuedHidesAt: null, busy: false, error: null } as const;

export function createRotationStore(client: ContractClient, options: { now?: () => number } = {}): RotationStore {
  const now = options.now ?? Date.now;
  /** Hides a cached shown-once key after the setting's delay; cleared by every hide and close. */
  let hideTimer: ReturnType<typeof setTimeout> | null = null;
  const stopHideTimer = () => {
    if (hideTimer) clearTimeout(hideTimer);
    hideTimer = null;
  };
  return createStore<RotationState>()((set, get) => {
    /** Shows a shown-once key; a cached one hides itself after `revealHideSeconds`, like a revealed secret. */
    const showIssued = async (issued: IssuedKey): Promise<void> => {
      stopHideTimer();
      set({ issued, issuedHidesAt: null });
      if (!issued.cached) return;
      const seconds = await client['settings:get']().then(
        (settings) => settings.revealHideSeconds,
        () => DEFAULT_SETTINGS.revealHideSeconds,
      );
      if (get().issued !== issued) return;
      set({ issuedHidesAt: now() + seconds * 1000 });
      hideTimer = setTimeout(() => {
        hideTimer = null;
        if (get().issued === issued) set({ issued: null, issuedHidesAt: null });
      }, seconds * 1000);
    };
    /** Runs one call with the wizard busy; its error is shown, not thrown. */
    const busy = async (call: () => Promise<void>): Promise<void> => {
      set({ busy: true, error: null });
      try {
        await call();
      } catch (error) {
        set({ error: error instanceof Error ? error.message : String(error) });
      } finally {
        set({ busy: false });
      }
    };
    const took = (result: RotationStepResult) => {
      set({ rotation: result.rotation });
      if (result.issued) void showIssued(result.issued);
      void get().loadInProgress();
    };

    return {
      ...CLOSED,
      inProgress: null,
      listError: null,

      open: async (ref, options = {}) => {
        stopHideTimer();
        set({ ...CLOSED, ref, options });
        await busy(async () => {
          const plan = await client['rotation:plan'](ref, options);
          if (get().ref === ref) set({ plan });
        });
      },

      setOptions: async (options) => {
        const ref = get().ref;
        if (!ref || get().rotation) return;
        set({ options, plan: null });
        await busy(async () => {
          const plan = await client['rotation:plan'](ref, options);
          if (get().ref === ref && get().options === options) set({ plan });
        });
      },

      reopen: (rotation) => {
        stopHideTimer();
        set({ ...CLOSED, ref: rotation.ref, rotation });
      },

      start: async () => {
        const { ref, options, rotation } = get();
        if (!ref || rotation) return;
        await busy(async () => took(await client['rotation:start'](ref, options)));
      },

      answer: async (advance) => {
        const rotation = get().rotation;
        if (!rotation) return;
        await busy(async () => took(await client['rotation:advance'](rotation.id, advance)));
      },

      abandon: async (id) => {
        const target = id ?? get().rotation?.id;
        if (target === undefined) return;
        await busy(async () => {
          const { rotation } = await client['rotation:abandon'](target);
          if (get().rotation?.id === target) set({ rotation });
          await get().loadInProgress();
        });
      },

      dismissIssued: () => {
        stopHideTimer();
        set({ issued: null, issuedHidesAt: null });
      },

      close: () => {
        stopHideTimer();
        set({ ...CLOSED });
      },

      loadInProgress: async () => {
        try {
          set({ inProgress: await client['rotation:list']({}), listError: null });
        } catch (error) {
          set({ listError: error instanceof Error ? error.message : String(error) });
        }
      },

      changed: async (change) => {
        await get().loadInProgress();
        const current = get().rotation;
        // Another window or process moved it on: show where it stands now (this wizard's own answers are already here).
        if (current?.id === change.id && !get().busy) {
          const fresh = (await client['rotation:list']({ all: true })).find((rotation) => rotation.id === change.id);
          if (fresh && get().rotation?.id === change.id) set({ rotation: fresh });
        }
      },
    };
  });
}

/** Whole local days until an instant (negative once past): the grace period's countdown. */
export { calendarDaysUntil as daysUntil } from '../lib/dates.js';
