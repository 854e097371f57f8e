/**
 * The key actions of the console: what the engine allows for the open key (`key:actions`, each refusal with its
 * reason), Copy with the clipboard's timed clear, Revoke, Delete, and Create with its shown-once secret. Like every
 * store it calls only the ContractClient it was created with; the clipboard is passed in too (the page's
 * `navigator.clipboard` by default), so a unit test can watch what is written and cleared.
 *
 * Secrets: a copied secret is never put in the store's state. It lives only in the closure of the timer that clears
 * the clipboard, which needs it to tell whether the clipboard still holds it. The shown-once secret of a created key
 * is the one exception: the dialog shows it from `create.issued` until the administrator has copied or stored it,
 * and `dismissIssued` drops it.
 *
 * Test and Reveal stay in the inventory store (they were there first); the panel gates them with `actions` too.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { BackendSummary, IssuedKey, KeyActions, KeyFact, RevokeResult } from '../../../shared/domain.js';
import { DEFAULT_SETTINGS } from '../../../shared/domain.js';
import { messageOf } from './inventory-store.js';

/** The part of `navigator.clipboard` the store uses. */
export interface ClipboardLike {
  writeText(text: string): Promise<void>;
  readText(): Promise<string>;
}

export interface CopyState {
  /**
   * copying: asking the engine and writing; copied: on the clipboard, a clear is pending; cleared: cleared after
   * the delay; replaced: the clipboard held something else by then, so it was left alone; failed: see `error`.
   */
  phase: 'idle' | 'copying' | 'copied' | 'cleared' | 'replaced' | 'failed';
  /** The key copied (a key's reference, or the shown-once key's); the panel shows the state only for it. */
  ref: string | null;
  /** The delay before the clear, from the settings at the time of the copy. */
  seconds: number;
  /** Set when the clipboard could not be read back and was cleared without checking. */
  note: string | null;
  error: string | null;
}

export interface RevokeState {
  ref: string | null;
  running: boolean;
  error: string | null;
  result: RevokeResult | null;
}

export interface DeleteState {
  ref: string | null;
  running: boolean;
  error: string | null;
}

export interface CreateState {
  running: boolean;
  error: string | null;
  /** The created key with its shown-once secret, until `dismissIssued`. */
  issued: IssuedKey | null;
  /** Whether the shown-once secret was copied (the dialog may then be closed). */
  copied: boolean;
}

export interface KeyActionsState {
  /** The key whose `actions` these are. */
  ref: string | null;
  actions: KeyActions | null;
  /** The vendor's facts about the key, in words (loaded with the actions). */
  facts: KeyFact[] | null;
  loadingActions: boolean;
  actionsError: string | null;
  copy: CopyState;
  revoke: RevokeState;
  delete: DeleteState;
  /** Every backend, for the create dialog (loaded when it opens). */
  backends: BackendSummary[] | null;
  backendsError: string | null;
  create: CreateState;

  /** Asks what can be done with this key (on selection, and after anything changed it). */
  loadActions: (ref: string) => Promise<void>;
  /** Reveals the secret for the clipboard (audited as a copy), writes it, and clears it after the setting's delay. */
  copySecret: (ref: string) => Promise<void>;
  /** Revokes; the result (with the replacement, if the backend issued one) stays until `resetRevoke`. */
  revokeKey: (ref: string, options: { validityDays?: number }) => Promise<RevokeResult | null>;
  resetRevoke: () => void;
  /** Deletes at the vendor; true when done. */
  deleteKey: (ref: string) => Promise<boolean>;
  resetDelete: () => void;
  loadBackends: () => Promise<void>;
  createKey: (backend: string, label: string) => Promise<IssuedKey | null>;
  /** Copies the shown-once secret, with the same timed clear as any copy. */
  copyIssued: () => Promise<void>;
  /**
   * Copies another shown-once secret (a rotation's new key) under `ref` (what CopyStatus follows), the same way:
   * the host's clipboard in the desktop app, the page's in a browser.
   */
  copyShownOnce: (ref: string, secret: string) => Promise<boolean>;
  /** Forgets the shown-once secret (the dialog closed). */
  dismissIssued: () => void;
  resetCreate: () => void;
  /** Forgets a failed copy's message (Keywarden was unlocked since: it is no longer true). */
  clearFailedCopy: () => void;
  /** Cancels a pending clipboard clear (tests; the app keeps one store for its lifetime). */
  dispose: () => void;
}

export type KeyActionsStore = StoreApi<KeyActionsState>;

export const ISSUED_REF = 'shown-once';
/** Said beside "Copied" where the host cannot check its clear (native Wayland). */
export const BEST_EFFORT_NOTE = 'on Wayland the clear is best effort: check the clipboard if it matters';

const NO_COPY: CopyState = { phase: 'idle', ref: null, seconds: 0, note: null, error: null };
const NO_REVOKE: RevokeState = { ref: null, running: false, error: null, result: null };
const NO_DELETE: DeleteState = { ref: null, running: false, error: null };
const NO_CREATE: CreateState = { running: false, error: null, issued: null, copied: false };

export const READ_REFUSED_NOTE = 'the clipboard could not be read back to check it, so it was cleared anyway';

/** The page's clipboard; absent outside a secure context (then Copy says so instead of failing silently). */
function pageClipboard(): ClipboardLike {
  // Through globalThis: the store is also type-checked (and unit-tested) without the DOM's types.
  const clipboard = (globalThis as { navigator?: { clipboard?: ClipboardLike } }).navigator?.clipboard;
  if (!clipboard) throw new Error('this page has no access to the clipboard');
  return clipboard;
}

export interface KeyActionsOptions {
  /** The page's clipboard; default `navigator.clipboard`. */
  clipboard?: () => ClipboardLike;
  /**
   * The host owns the clipboard (the desktop window, whose session denies the page every clipboard permission):
   * the shown-once secret is copied by the host (`issued:copy`), with its timed clear, never by the page. In a
   * browser (`keywarden ui`, possibly over SSH) the page copies it itself, and the secret is not sent back.
   * The same goes for Copy of a stored key: `key:copy` in the host, or a reveal for the clipboard in the page.
   */
  hostClipboard?: boolean;
}

export function createKeyActionsStore(client: ContractClient, options: KeyActionsOptions = {}): KeyActionsStore {
  const clipboard = options.clipboard ?? pageClipboard;
  /** The one pending clear: a newer copy replaces it (the clipboard no longer holds the older secret anyway). */
  let clearTimer: ReturnType<typeof setTimeout> | null = null;
  /** Keys deleted from here: their panel is closing, and asking for their actions again could only get a 404. */
  const deleted = new Set<string>();

  return createStore<KeyActionsState>()((set, get) => {
    /**
     * Writes `secret` to the clipboard and schedules its clear. `secret` stays in this closure only, for the
     * comparison; the state records that a copy happened, never what was copied.
     */
    const copyToClipboard = async (ref: string, secret: string): Promise<void> => {
      const seconds = await client['settings:get']().then(
        (settings) => settings.clipboardClearSeconds,
        () => DEFAULT_SETTINGS.clipboardClearSeconds,
      );
      await clipboard().writeText(secret);
      if (clearTimer) clearTimeout(clearTimer);
      set({ copy: { phase: 'copied', ref, seconds, note: null, error: null } });
      clearTimer = setTimeout(() => {
        clearTimer = null;
        void clearIfStillHeld(ref, secret);
      }, seconds * 1000);
    };

    /**
     * Clears the clipboard if it still holds `secret`; something the administrator copied since is left alone.
     * If the clipboard cannot be read back (the permission is refused, or the window lost focus), it is cleared
     * anyway: wiping something else the administrator copied is a nuisance, a secret left lying in the clipboard
     * is a leak, so the doubt goes to clearing.
     */
    const clearIfStillHeld = async (ref: string, secret: string): Promise<void> => {
      let holds = true;
      let note: string | null = null;
      try {
        holds = (await clipboard().readText()) === secret;
      } catch {
        note = READ_REFUSED_NOTE;
      }
      const current = get().copy;
      const mine = current.ref === ref && current.phase === 'copied';
      if (!holds) {
        if (mine) set({ copy: { ...current, phase: 'replaced' } });
        return;
      }
      try {
        await clipboard().writeText('');
        if (mine) set({ copy: { ...current, phase: 'cleared', note } });
      } catch (error) {
        set({ copy: { ...current, phase: 'failed', note: null, error: `The clipboard could not be cleared (${messageOf(error)}): clear it yourself` } });
      }
    };

    return {
      ref: null,
      actions: null,
      facts: null,
      loadingActions: false,
      actionsError: null,
      copy: NO_COPY,
      revoke: NO_REVOKE,
      delete: NO_DELETE,
      backends: null,
      backendsError: null,
      create: NO_CREATE,

      async loadActions(ref) {
        if (deleted.has(ref) || (get().delete.running && get().delete.ref === ref)) return;
        // A new key starts from nothing (no buttons of the previous key); the same key keeps its buttons meanwhile.
        set((state) => (state.ref === ref ? { loadingActions: true } : { ref, actions: null, facts: null, loadingActions: true, actionsError: null }));
        try {
          const [actions, facts] = await Promise.all([client['key:actions'](ref), client['key:facts'](ref)]);
          if (get().ref === ref) set({ actions, facts, loadingActions: false, actionsError: null });
        } catch (error) {
          if (get().ref === ref) set({ actions: null, loadingActions: false, actionsError: messageOf(error) });
        }
      },

      async copySecret(ref) {
        set({ copy: { ...NO_COPY, phase: 'copying', ref } });
        // Decided from the connection up front, never by trying: a host that owns the clipboard (the desktop app)
        // copies in its own process, so the secret never reaches the page and its clear survives the window. A
        // browser host cannot (it would answer `unsupported`, a failed request in the console on every Copy), so
        // there the page reveals for the clipboard and copies itself.
        if (options.hostClipboard) {
          try {
            const { clearsInSeconds, bestEffortClear } = await client['key:copy'](ref);
            set({ copy: { phase: 'copied', ref, seconds: clearsInSeconds, note: bestEffortClear ? BEST_EFFORT_NOTE : null, error: null } });
          } catch (error) {
            set({ copy: { ...NO_COPY, phase: 'failed', ref, error: messageOf(error) } });
          }
          return;
        }
        let secret: string;
        try {
          secret = await client['key:reveal'](ref, { purpose: 'copy' });
        } catch (error) {
          set({ copy: { ...NO_COPY, phase: 'failed', ref, error: messageOf(error) } });
          return;
        }
        try {
          await copyToClipboard(ref, secret);
        } catch (error) {
          set({ copy: { ...NO_COPY, phase: 'failed', ref, error: `Not copied: ${messageOf(error)}` } });
        }
      },

      async revokeKey(ref, options) {
        if (get().revoke.running) return null;
        set({ revoke: { ref, running: true, error: null, result: null } });
        try {
          const result = await client['key:revoke'](ref, options.validityDays !== undefined ? { validityDays: options.validityDays } : {});
          set({ revoke: { ref, running: false, error: null, result } });
          if (get().ref === ref) await get().loadActions(ref);
          return result;
        } catch (error) {
          set({ revoke: { ref, running: false, error: messageOf(error), result: null } });
          return null;
        }
      },

      resetRevoke() {
        if (!get().revoke.running) set({ revoke: NO_REVOKE });
      },

      async deleteKey(ref) {
        if (get().delete.running) return false;
        set({ delete: { ref, running: true, error: null } });
        try {
          await client['key:delete'](ref);
          deleted.add(ref);
          set({ delete: NO_DELETE });
          if (get().ref === ref) set({ ref: null, actions: null });
          return true;
        } catch (error) {
          set({ delete: { ref, running: false, error: messageOf(error) } });
          return false;
        }
      },

      resetDelete() {
        if (!get().delete.running) set({ delete: NO_DELETE });
      },

      async loadBackends() {
        try {
          set({ backends: await client['backend:list'](), backendsError: null });
        } catch (error) {
          set({ backendsError: messageOf(error) });
        }
      },

      async createKey(backend, label) {
        if (get().create.running) return null;
        set({ create: { ...NO_CREATE, running: true } });
        try {
          const issued = await client['key:create'](backend, label);
          set({ create: { running: false, error: null, issued, copied: false } });
          return issued;
        } catch (error) {
          set({ create: { ...NO_CREATE, error: messageOf(error) } });
          return null;
        }
      },

      async copyIssued() {
        const secret = get().create.issued?.secret;
        if (!secret) return;
        if (await get().copyShownOnce(ISSUED_REF, secret)) set((state) => ({ create: { ...state.create, copied: true } }));
      },

      async copyShownOnce(ref, secret) {
        set({ copy: { ...NO_COPY, phase: 'copying', ref } });
        try {
          if (options.hostClipboard) {
            const { clearsInSeconds, bestEffortClear } = await client['issued:copy'](secret);
            set({ copy: { phase: 'copied', ref, seconds: clearsInSeconds, note: bestEffortClear ? BEST_EFFORT_NOTE : null, error: null } });
          } else {
            await copyToClipboard(ref, secret);
          }
          return true;
        } catch (error) {
          set({ copy: { ...NO_COPY, phase: 'failed', ref, error: `Not copied: ${messageOf(error)}` } });
          return false;
        }
      },

      dismissIssued() {
        set((state) => ({ create: NO_CREATE, copy: state.copy.ref === ISSUED_REF ? { ...state.copy, ref: null } : state.copy }));
      },

      resetCreate() {
        if (!get().create.running && !get().create.issued) set({ create: NO_CREATE });
      },

      clearFailedCopy() {
        if (get().copy.phase === 'failed') set({ copy: NO_COPY });
      },

      dispose() {
        if (clearTimer) clearTimeout(clearTimer);
        clearTimer = null;
      },
    };
  });
}
