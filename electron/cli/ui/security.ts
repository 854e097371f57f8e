/**
 * The guards of `keywarden ui`: the launch token and the sessions it is exchanged for, the Host and
 * Origin checks, and the headers every answer carries. Nothing here knows the contract or the engine.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../../core/console/content-security-policy.js';

/**
 * The session cookie's name carries the port: browsers send a 127.0.0.1 cookie to every port of 127.0.0.1,
 * so two `keywarden ui` servers at once (two data folders) would otherwise overwrite each other's session.
 */
export function sessionCookieName(port: number): string {
  return `keywarden_session_${port}`;
}

/** How many browser sessions one server keeps; the oldest is dropped beyond this. */
const MAX_SESSIONS = 32;

/** 256 random bits, URL-safe: the launch token and each session id. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Compares a secret in constant time. Both sides are hashed to 32 bytes first, so neither a differing
 * prefix nor a differing length shows in the time taken.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The session ids handed out as cookies, checked in constant time (every stored id is compared, no early exit). */
export class SessionStore {
  private readonly ids: string[] = [];

  create(): string {
    const id = newSecret();
    this.ids.push(id);
    if (this.ids.length > MAX_SESSIONS) this.ids.shift();
    return id;
  }

  has(id: string | undefined): boolean {
    if (id === undefined || id === '') return false;
    let found = false;
    for (const stored of this.ids) found = sameSecret(id, stored) || found;
    return found;
  }
}

/** One cookie's value from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value of a session: not readable by script, never sent on a cross-site request, for the whole origin. */
export function sessionCookie(name: string, id: string): string {
  return `${name}=${id}; HttpOnly; SameSite=Strict; Path=/`;
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
 * The Host values this server answers to. Any other name is refused, so a page whose DNS name is made to
 * point at 127.0.0.1 (DNS rebinding) cannot reach the console under its own origin.
 */
export function allowedHosts(port: number): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}
