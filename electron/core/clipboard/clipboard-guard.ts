/**
 * Keeps a copied secret in the clipboard only as long as it is needed: `copy()` writes it and schedules a clear,
 * and the clear happens only if the clipboard still holds that secret, so whatever the user copied since is left
 * alone. The desktop app holds one guard for its whole life (its host's `copySecret`) and disposes of it when it
 * quits, so a secret never outlives the app in the clipboard; `keywarden copy`'s detached clearer applies the same
 * test (`holdsSecret`), from a hash handed to it.
 *
 * The clipboard itself is injected (`ClipboardAccess`): Electron's `clipboard` module in the main process, a
 * command-line tool (`system-clipboard.ts`) in the CLI and the tests. The guard keeps a hash of the secret, never
 * the secret, so nothing here holds it after the write.
 */
import { createHash } from 'node:crypto';
import { KeywardenError } from '../errors.js';

/** The clipboard as the guard needs it. Each call may be slow (a child process, a round trip to the X server). */
export interface ClipboardAccess {
  /** Writes `text` as the clipboard's content; an implementation may mark it as a secret for clipboard managers. */
  writeSecret(text: string): Promise<void>;
  /** The clipboard's text now ('' when it holds none). */
  readText(): Promise<string>;
  /** Empties the clipboard. */
  clear(): Promise<void>;
}

/** SHA-256 of `text`, hex: how a secret is recognised later without being kept. */
export function secretHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * True if the clipboard's `current` text is the secret hashed as `hash`. Tolerates one trailing newline, as some
 * paste tools add one (PowerShell's Get-Clipboard, `xsel` in some versions): a secret never ends with a newline.
 */
export function holdsSecret(current: string, hash: string): boolean {
  return secretHash(current) === hash || secretHash(current.replace(/\r?\n$/, '')) === hash;
}

export interface ClipboardGuardOptions {
  /** Told of a clear that failed (the clipboard tool died, the display went away); the default ignores it. */
  onError?: (error: unknown) => void;
}

interface Pending {
  hash: string;
  timer: NodeJS.Timeout;
  clearsAt: number;
}

export class ClipboardGuard {
  #pending: Pending | null = null;
  /** Every clipboard operation runs after the previous one: a clear never interleaves with a copy's write. */
  #queue: Promise<void> = Promise.resolve();
  #disposed = false;
  /** The secret last cleared (its hash), until a check finds it gone: see `recheck`. */
  #cleared: string | null = null;
  readonly #onError: (error: unknown) => void;

  constructor(
    private readonly access: ClipboardAccess,
    options: ClipboardGuardOptions = {},
  ) {
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Writes `secret` and clears it after `clearAfterSeconds` if the clipboard still holds it then. A copy made while
   * an earlier one waits replaces it: the earlier timer is cancelled (its secret is no longer in the clipboard,
   * or is the same one, now cleared on the new schedule).
   */
  async copy(secret: string, clearAfterSeconds: number): Promise<{ clearsInSeconds: number }> {
    if (this.#disposed) throw new KeywardenError('unsupported', 'the clipboard is no longer available: Keywarden is quitting');
    if (!Number.isFinite(clearAfterSeconds) || clearAfterSeconds <= 0) {
      // A secret is always cleared: "never" is no choice here (the settings and the CLI refuse it too).
      throw new KeywardenError('invalid_input', `the clipboard must be cleared after a positive number of seconds, not ${clearAfterSeconds}`);
    }
    const hash = secretHash(secret);
    await this.#serially(async () => {
      this.#cancel();
      this.#cleared = null;
      await this.access.writeSecret(secret);
      const delayMs = Math.round(clearAfterSeconds * 1000);
      // unref: a pending clear must not keep a Node process (the CLI, a test) alive; the app's own loop keeps
      // running anyway, and dispose() clears at quit.
      const pending: Pending = { hash, timer: setTimeout(() => void this.#clearIfStillPending(pending).catch(this.#onError), delayMs).unref(), clearsAt: Date.now() + delayMs };
      this.#pending = pending;
    });
    return { clearsInSeconds: Math.ceil(clearAfterSeconds) };
  }

  /** When the pending clear is due (ms since the epoch), or null if none is pending. */
  get clearsAt(): number | null {
    return this.#pending?.clearsAt ?? null;
  }

  /** Whether a clear is pending (a copied secret may still be in the clipboard). */
  get holding(): boolean {
    return this.#pending !== null;
  }

  /** Clears now, if the clipboard still holds the last secret copied (the window closed, Keywarden locked). */
  clearNow(): Promise<void> {
    return this.#serially(async () => {
      const pending = this.#pending;
      this.#cancel();
      if (pending) await this.#clearIfHeldNow(pending.hash);
    });
  }

  /**
   * The session is ending (Windows' 'session-end': the process may be ended as soon as the handler returns), so no
   * promise can be waited for, not even the read-back (Electron's `clipboard.readText()` is a promise; its
   * `clear()` is not). If a copied secret may still be there, clears at once without reading back, as a clipboard
   * that cannot be read back is cleared: wiping something copied since is a nuisance, a secret left is a leak.
   * Returns whether it cleared.
   */
  clearNowUnchecked(clear: () => void): boolean {
    if (!this.#pending) return false;
    this.#cancel();
    clear();
    return true;
  }

  /** The app is quitting: clear now if the clipboard still holds the last secret copied; later copies are refused. */
  async dispose(): Promise<void> {
    if (this.#disposed) return this.#queue;
    this.#disposed = true;
    await this.#serially(async () => {
      // Read inside the queue: a copy already under way has recorded its secret by now.
      const pending = this.#pending;
      this.#cancel();
      if (pending) await this.#clearIfHeldNow(pending.hash);
    });
  }

  #cancel(): void {
    if (this.#pending) clearTimeout(this.#pending.timer);
    this.#pending = null;
  }

  /**
   * The timer's callback. It clears only for the copy it was scheduled by: a timer that fired while a newer copy
   * waited in the queue finds another `Pending` (even for the same secret, which now has its own schedule).
   */
  #clearIfStillPending(pending: Pending): Promise<void> {
    return this.#serially(async () => {
      if (this.#pending !== pending) return;
      this.#pending = null;
      await this.#clearIfHeldNow(pending.hash);
    });
  }

  /**
   * A clipboard that cannot be read back is cleared anyway (and the failure reported): wiping something copied
   * since is a nuisance, a secret left in the clipboard is a leak.
   */
  async #clearIfHeldNow(hash: string): Promise<void> {
    let current: string;
    try {
      current = await this.access.readText();
    } catch (error) {
      this.#onError(error);
      await this.access.clear();
      return;
    }
    if (holdsSecret(current, hash)) {
      await this.access.clear();
      this.#cleared = hash;
    }
  }

  /**
   * Clears again if the clipboard still holds the secret last cleared (the desktop app calls it when its window gets
   * the focus): on Wayland a clear sent by a client without focus may have been ignored by the compositor.
   */
  recheck(): Promise<void> {
    return this.#serially(async () => {
      const hash = this.#cleared;
      if (hash === null || this.#pending) return;
      const current = await this.access.readText();
      if (holdsSecret(current, hash)) await this.access.clear();
      else this.#cleared = null;
    });
  }

  #serially(operation: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(operation);
    // The queue goes on after a failure; the caller still sees the error through `run`.
    this.#queue = run.catch(() => {});
    return run;
  }
}
