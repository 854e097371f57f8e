/**
 * The guards of `keywarden ui`: the one-time launch tokens, the sessions they are exchanged for (each with a
 * request key the page sends in a header, never a cookie), the Host and Origin checks, and the headers every
 * answer carries. Nothing here knows the contract or the engine.
 *
 * Why no cookie: browsers send a 127.0.0.1 cookie to every port of 127.0.0.1, and every loopback port is the
 * same site for SameSite, so a page another user serves on another loopback port would receive it. The request
 * key lives in the console page's sessionStorage, which is isolated by origin (scheme, host and port), and only
 * the page's own script can put it in the `Authorization` header.
 */
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../../core/console/content-security-policy.js';
import { plural } from '../../core/text.js';

export interface SessionLimits {
  /** A session not used by an API call for this long ends (the event stream and its heartbeat do not count). */
  idleMs: number;
  /** A session ends this long after its sign-in, however much it is used. */
  lifetimeMs: number;
  /** At most this many sessions at once: one more sign-in is refused, and no open session is ever evicted for it. */
  maxSessions: number;
  /** A launch token not exchanged within this long is void. */
  tokenMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  idleMs: 30 * 60_000,
  lifetimeMs: 12 * 3_600_000,
  maxSessions: 16,
  tokenMs: 5 * 60_000,
};

/** Launch tokens not yet used; issuing one more voids the oldest (only the administrator's terminal issues them). */
const MAX_PENDING_TOKENS = 16;
/** Ended sessions remembered (by digest) so that their key is answered "expired" or "signed out", not "unknown". */
const MAX_REMEMBERED_ENDS = 64;

/** 256 random bits, URL-safe: each launch token and each request key. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The map key of a secret: its SHA-256. Tokens and request keys are looked up by the digest of what was presented,
 * never by the secret itself, so the time a lookup takes depends only on a hash the client cannot steer: it says
 * nothing about any stored secret (neither a shared prefix nor a length), which is what a constant-time compare
 * would give, without comparing against every stored secret in turn. A prefix of a secret, or one character of
 * it, has an unrelated digest and is simply not found.
 */
function digestOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64');
}

/** How a launch token left the pending list. */
export type TokenOutcome = 'used' | 'expired' | 'closed';

interface PendingToken {
  expiresAt: number;
  timer: NodeJS.Timeout;
  onSettled: ((outcome: TokenOutcome) => void) | undefined;
}

/** One-time launch tokens: each signs in once, within `lifetimeMs` of being issued. */
export class LaunchTokens {
  private readonly pending = new Map<string, PendingToken>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly now: () => number,
  ) {}

  /** A new token; `onSettled` is told once, when it is used, expires or the server stops (the launcher file goes then). */
  issue(onSettled?: (outcome: TokenOutcome) => void): string {
    const token = newSecret();
    const key = digestOf(token);
    const timer = setTimeout(() => this.settle(key, 'expired'), this.lifetimeMs);
    timer.unref();
    this.pending.set(key, { expiresAt: this.now() + this.lifetimeMs, timer, onSettled });
    while (this.pending.size > MAX_PENDING_TOKENS) this.settle(this.pending.keys().next().value!, 'expired');
    return token;
  }

  /** Whether `given` is a token that would sign in now (nothing is consumed). */
  isValid(given: string): boolean {
    const key = digestOf(given);
    const entry = this.pending.get(key);
    if (!entry) return false;
    if (this.now() < entry.expiresAt) return true;
    this.settle(key, 'expired');
    return false;
  }

  /** Consumes `given`: true once per token, and only before it expires. */
  take(given: string): boolean {
    if (!this.isValid(given)) return false;
    this.settle(digestOf(given), 'used');
    return true;
  }

  get size(): number {
    return this.pending.size;
  }

  close(): void {
    for (const key of [...this.pending.keys()]) this.settle(key, 'closed');
  }

  private settle(key: string, outcome: TokenOutcome): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    clearTimeout(entry.timer);
    try {
      entry.onSettled?.(outcome);
    } catch {
      // A listener's failure (a launcher file already gone) is not the token's business.
    }
  }
}

/** Why a session ended. */
export type SessionEnd = 'signed_out' | 'idle' | 'lifetime';

export type SessionCheck = { ok: true; id: string } | { ok: false; code: 'session_required' | 'session_expired'; message: string };

export interface NewSession {
  /** The secret the page sends as `Authorization: Bearer <requestKey>`; the server keeps only its digest. */
  requestKey: string;
  /** The session's handle inside the server (the digest): event streams are tied to it. */
  id: string;
  idleMs: number;
  /** When the session ends at the latest (ms since the epoch, by the server's clock). */
  expiresAt: number;
}

interface OpenSession {
  createdAt: number;
  lastUsedAt: number;
}

const SIGN_IN_AGAIN = 'sign in again with a new link from "keywarden ui" (press Enter in its terminal)';

/**
 * The console's sessions: created from a launch token, ended by sign-out, by `idleMs` without an API call, or
 * `lifetimeMs` after sign-in. Expiry is judged on every request (so it holds to the millisecond), and a timer at
 * the earliest deadline ends the event streams of a session nobody uses any more.
 */
export class Sessions {
  private readonly open = new Map<string, OpenSession>();
  private readonly ended = new Map<string, SessionEnd>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limits: SessionLimits,
    private readonly now: () => number,
    private readonly onEnded: (id: string, why: SessionEnd) => void,
  ) {}

  get size(): number {
    this.sweep();
    return this.open.size;
  }

  isFull(): boolean {
    return this.size >= this.limits.maxSessions;
  }

  create(): NewSession {
    const requestKey = newSecret();
    const id = digestOf(requestKey);
    const now = this.now();
    this.open.set(id, { createdAt: now, lastUsedAt: now });
    this.arm();
    return { requestKey, id, idleMs: this.limits.idleMs, expiresAt: now + this.limits.lifetimeMs };
  }

  /**
   * Judges the request key a request presented. `use`: an API call, which counts as activity (the idle clock
   * restarts); the event stream and sign-out are not activity.
   */
  check(given: string | null, use: boolean): SessionCheck {
    if (given === null || given === '') return { ok: false, code: 'session_required', message: `no console session: ${SIGN_IN_AGAIN}` };
    const id = digestOf(given);
    const session = this.open.get(id);
    if (!session) {
      const why = this.ended.get(id);
      if (why === 'idle' || why === 'lifetime') return this.expired(why);
      if (why === 'signed_out') return { ok: false, code: 'session_required', message: `this console session was signed out: ${SIGN_IN_AGAIN}` };
      return { ok: false, code: 'session_required', message: `not a console session of this server (it may have been restarted): ${SIGN_IN_AGAIN}` };
    }
    const due = this.dueReason(session, this.now());
    if (due) {
      this.end(id, due);
      return this.expired(due);
    }
    if (use) session.lastUsedAt = this.now();
    return { ok: true, id };
  }

  end(id: string, why: SessionEnd): void {
    if (!this.open.delete(id)) return;
    this.ended.set(id, why);
    while (this.ended.size > MAX_REMEMBERED_ENDS) this.ended.delete(this.ended.keys().next().value!);
    this.onEnded(id, why);
    this.arm();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.open.clear();
  }

  private expired(why: 'idle' | 'lifetime'): SessionCheck {
    const because = why === 'idle' ? `it was not used for ${duration(this.limits.idleMs)}` : `a session lasts at most ${duration(this.limits.lifetimeMs)}`;
    return { ok: false, code: 'session_expired', message: `your console session expired: ${because}; ${SIGN_IN_AGAIN}` };
  }

  private dueReason(session: OpenSession, now: number): 'idle' | 'lifetime' | null {
    if (now >= session.createdAt + this.limits.lifetimeMs) return 'lifetime';
    if (now >= session.lastUsedAt + this.limits.idleMs) return 'idle';
    return null;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, session] of [...this.open]) {
      const due = this.dueReason(session, now);
      if (due) this.end(id, due);
    }
  }

  /** One timer, at the earliest deadline; when it fires, what is due ends and it is set for the next. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let earliest = Infinity;
    for (const session of this.open.values()) earliest = Math.min(earliest, session.createdAt + this.limits.lifetimeMs, session.lastUsedAt + this.limits.idleMs);
    if (earliest === Infinity) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.sweep();
        this.arm();
      },
      // setTimeout's longest delay is 2^31-1 ms; a later deadline is simply looked at again then.
      Math.min(Math.max(0, earliest - this.now()) + 1, 2 ** 31 - 1),
    );
    this.timer.unref();
  }
}

/** A lifetime in words: "30 minutes", "12 hours", "2 seconds". */
export function duration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  if (ms >= 60_000 && ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  if (ms >= 1000 && ms % 1000 === 0) return plural(ms / 1000, 'second');
  return plural(ms, 'millisecond');
}

/** The request key of an `Authorization: Bearer <key>` header, or null (no header, another scheme, a malformed value). */
export function readBearer(header: string | undefined): string | null {
  if (!header || header.length > 512) return null;
  const match = /^Bearer +([A-Za-z0-9_-]+)$/i.exec(header.trim());
  return match ? match[1]! : null;
}

/** The console's policy, shared with the desktop window (electron/core/console/content-security-policy.ts says what it allows). */
export { CONTENT_SECURITY_POLICY };

/** Headers on every answer, refusals included. No Access-Control-* header is ever sent: no other origin may read anything. */
export function setSecurityHeaders(response: http.ServerResponse): void {
  response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
  // Other origins may not embed these answers (<script src>, <img src>) nor keep a handle on this window.
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  // Nothing here is worth caching, and an API answer may hold a secret (a reveal).
  response.setHeader('Cache-Control', 'no-store');
}

/**
 * The Host values this server answers to, compared whole (so `evil.localhost:PORT`, which browsers also resolve
 * to loopback, is refused). Any other name is refused, so a page whose DNS name is made to point at 127.0.0.1
 * (DNS rebinding) cannot reach the console under its own origin.
 */
export function allowedHosts(port: number): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}
