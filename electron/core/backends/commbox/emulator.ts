/**
 * A local CommBox that speaks `docs/wire/commbox.md`: one active `cbx_` key per organisation,
 * automatic rotation at the end of the admin-set interval, revoke with a replacement and a 30-day grace
 * period, secrets that can be viewed at any time, and admin-only management.
 * Used by the tests and by demo mode; see `README.md` in this folder for seeding and control endpoints.
 *
 * Time only moves with the clock: every request first brings the state up to the clock's "now"
 * (rotations, grace ends), so the same clock moves always give the same timestamps.
 */
import { randomBytes } from 'node:crypto';
import { EmulatorClock, type EmulatorRequest, type EmulatorResponse, type RunningEmulator, type VendorEmulatorOptions, addDays, errorResponse, paginate, startEmulator } from '../emulator-kit.js';
import { COMMBOX_GRACE_DAYS, COMMBOX_MAX_DAYS, COMMBOX_MIN_DAYS, type CommBoxKey, commBoxLast4 } from './schemas.js';

const DEFAULT_INTERVAL_DAYS = 365;
const DEFAULT_LABEL = 'Production';

/** Unlike shown-once vendors, CommBox can show a key at any time, so it (and the emulator) keeps the secret. */
interface StoredKey extends CommBoxKey {
  secret: string;
}

export interface IssuedCommBoxKey {
  key: CommBoxKey;
  secret: string;
}

export class CommBoxState {
  /** In issue order, oldest first; the list shows them newest first ("the new key displays above the old one"). */
  readonly keys: StoredKey[] = [];
  private readonly adminTokens = new Set<string>();
  private readonly memberTokens = new Set<string>();
  private rotationInterval = DEFAULT_INTERVAL_DAYS;
  private sequence = 0;

  constructor(private readonly clock: EmulatorClock) {}

  get rotationIntervalDays(): number {
    return this.rotationInterval;
  }

  /** A token with admin rights: every management call works. */
  addAdminToken(): string {
    const token = newToken();
    this.adminTokens.add(token);
    return token;
  }

  /** A token of a user without admin rights: every `/v1/api-keys` call answers 403 admin_required. */
  addMemberToken(): string {
    const token = newToken();
    this.memberTokens.add(token);
    return token;
  }

  role(bearer: string | null): 'admin' | 'member' | null {
    if (bearer === null) return null;
    if (this.adminTokens.has(bearer)) return 'admin';
    if (this.memberTokens.has(bearer)) return 'member';
    return null;
  }

  activeKey(): StoredKey | undefined {
    return this.keys.find((key) => key.status === 'active');
  }

  findKey(id: string): StoredKey | undefined {
    return this.keys.find((key) => key.id === id);
  }

  /** Newest first by `createdAt` (later-issued first on a tie), without secrets: what `GET /v1/api-keys` lists. */
  listedKeys(): CommBoxKey[] {
    // Sorting is stable, so reversing first puts the later-issued key first when two share a creation time.
    return [...this.keys]
      .reverse()
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .map(publicKey);
  }

  /**
   * Seeds the organisation's active key, as CommBox does when API access is first set up.
   * `createdAt` may be in the past (e.g. to seed a key near its expiry); `validityDays` defaults to the interval.
   * CommBox has one active key at a time: seeding a second one is a test mistake and throws.
   */
  issueActiveKey(label = DEFAULT_LABEL, options: { createdAt?: string; validityDays?: number } = {}): IssuedCommBoxKey {
    if (this.activeKey()) throw new Error('CommBox has one active key at a time; revoke it (state.revoke) before issuing another');
    const stored = this.addKey(label, options.createdAt ?? this.clock.iso(), options.validityDays ?? this.rotationInterval);
    this.followClock();
    return { key: publicKey(stored), secret: stored.secret };
  }

  /**
   * Seeds a key that was revoked at `revokedAt` (default: now) and is in its grace period until 30 days later;
   * if that is already past, the key is `expired`. Its expiry defaults to its revocation (as after an automatic
   * rotation) and its creation to one interval before that.
   */
  seedRevokedKey(label = DEFAULT_LABEL, options: { revokedAt?: string; createdAt?: string; expiresAt?: string } = {}): IssuedCommBoxKey {
    const revokedAt = options.revokedAt ?? this.clock.iso();
    const expiresAt = options.expiresAt ?? revokedAt;
    const createdAt = options.createdAt ?? addDays(expiresAt, -this.rotationInterval);
    const stored = this.addKey(label, createdAt, 0);
    stored.expiresAt = expiresAt;
    revokeStored(stored, revokedAt);
    this.followClock();
    return { key: publicKey(stored), secret: stored.secret };
  }

  /** Seeds a key whose grace period ended `daysAgo` days ago (default 1), so it is `expired`. */
  seedExpiredKey(label = DEFAULT_LABEL, options: { daysAgo?: number } = {}): IssuedCommBoxKey {
    const graceEndedAt = addDays(this.clock.now(), -(options.daysAgo ?? 1));
    return this.seedRevokedKey(label, { revokedAt: addDays(graceEndedAt, -COMMBOX_GRACE_DAYS) });
  }

  /**
   * Seeds `count` expired keys, one day apart, as a long history of rotations would leave them: enough to
   * make the list span several pages. Returns them oldest first.
   */
  seedHistory(count: number, labelPrefix = 'Old key'): IssuedCommBoxKey[] {
    const issued: IssuedCommBoxKey[] = [];
    for (let index = 0; index < count; index++) {
      issued.push(this.seedExpiredKey(`${labelPrefix} ${index + 1}`, { daysAgo: 1 + (count - index) }));
    }
    return issued;
  }

  /**
   * Brings the state up to the clock: an active key past its expiry is rotated at that moment (as many
   * times as whole intervals have passed), and a revoked key past its grace end becomes expired.
   */
  followClock(): void {
    const now = this.clock.now().getTime();
    let active = this.activeKey();
    while (active && Date.parse(active.expiresAt) <= now) {
      // Rotation happens at the expiry, not when someone next looks: the grace period starts there.
      const rotatedAt = active.expiresAt;
      revokeStored(active, rotatedAt);
      active = this.addKey(active.label, rotatedAt, this.rotationInterval);
    }
    for (const key of this.keys) {
      if (key.status === 'revoked' && key.graceEndsAt !== null && Date.parse(key.graceEndsAt) <= now) key.status = 'expired';
    }
  }

  /** An admin's revoke: the key enters its grace period now and a replacement valid for `validityDays` is issued. */
  revoke(key: StoredKey, validityDays: number): { revoked: CommBoxKey; replacement: IssuedCommBoxKey } {
    const now = this.clock.iso();
    revokeStored(key, now);
    const replacement = this.addKey(key.label, now, validityDays);
    return { revoked: publicKey(key), replacement: { key: publicKey(replacement), secret: replacement.secret } };
  }

  /**
   * Sets the replacement interval. The active key's expiry is recomputed from its creation; if that moment
   * has passed, the key rotates now (its grace starts now, never back-dated).
   */
  setRotationInterval(days: number): void {
    this.rotationInterval = days;
    const active = this.activeKey();
    if (!active) return;
    const expiresAt = addDays(active.createdAt, days);
    if (Date.parse(expiresAt) > this.clock.now().getTime()) {
      active.expiresAt = expiresAt;
      return;
    }
    const now = this.clock.iso();
    // The key stopped being current now, whatever the new interval says; its record reads so.
    active.expiresAt = now;
    revokeStored(active, now);
    this.addKey(active.label, now, days);
  }

  deleteKey(id: string): void {
    const index = this.keys.findIndex((key) => key.id === id);
    if (index >= 0) this.keys.splice(index, 1);
  }

  private addKey(label: string, createdAt: string, validityDays: number): StoredKey {
    const secret = `cbx_${randomBase62(36)}`;
    const stored: StoredKey = {
      id: `key_${String(++this.sequence).padStart(4, '0')}${randomBytes(3).toString('hex')}`,
      label,
      status: 'active',
      createdAt,
      expiresAt: addDays(createdAt, validityDays),
      revokedAt: null,
      graceEndsAt: null,
      last4: commBoxLast4(secret),
      secret,
    };
    this.keys.push(stored);
    return stored;
  }
}

export interface CommBoxEmulator {
  emulator: RunningEmulator;
  state: CommBoxState;
}

export async function startCommBoxEmulator(options: VendorEmulatorOptions = {}): Promise<CommBoxEmulator> {
  const clock = options.clock ?? new EmulatorClock();
  const state = new CommBoxState(clock);

  function admin(handler: (request: EmulatorRequest) => EmulatorResponse) {
    return (request: EmulatorRequest): EmulatorResponse => {
      const role = state.role(request.bearer);
      if (role === null) return errorResponse(401, 'unauthorized', 'missing or unknown token');
      if (role !== 'admin') return errorResponse(403, 'admin_required', 'admin access is required to manage API keys');
      return handler(request);
    };
  }

  function withKey(handler: (request: EmulatorRequest, key: StoredKey) => EmulatorResponse) {
    return admin((request) => {
      const key = state.findKey(request.params.id ?? '');
      if (!key) return errorResponse(404, 'not_found', 'no such API key');
      return handler(request, key);
    });
  }

  const emulator = await startEmulator({
    name: 'commbox',
    clock,
    beforeRequest: () => state.followClock(),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    routes: [
      {
        method: 'GET',
        pattern: '/v1/api-keys',
        handler: admin((request) => {
          const result = paginate(state.listedKeys(), request.query);
          if ('error' in result) return result.error;
          return { status: 200, body: { data: result.page, nextCursor: result.nextCursor, rotation: { intervalDays: state.rotationIntervalDays } } };
        }),
      },
      {
        method: 'PUT',
        pattern: '/v1/api-keys/rotation',
        handler: admin((request) => {
          const days = (request.body as { intervalDays?: unknown } | null)?.intervalDays;
          if (!isDays(days)) return errorResponse(400, 'invalid_interval', `intervalDays must be a whole number from ${COMMBOX_MIN_DAYS} to ${COMMBOX_MAX_DAYS}`);
          state.setRotationInterval(days);
          return { status: 200, body: { intervalDays: state.rotationIntervalDays } };
        }),
      },
      {
        method: 'GET',
        pattern: '/v1/api-keys/:id/secret',
        handler: withKey((_request, key) => ({ status: 200, body: { id: key.id, secret: key.secret } })),
      },
      {
        method: 'POST',
        pattern: '/v1/api-keys/:id/test',
        // A key in its grace period still works; only an expired one fails.
        handler: withKey((_request, key) => ({ status: 200, body: { valid: key.status !== 'expired', checkedAt: clock.iso() } })),
      },
      {
        method: 'POST',
        pattern: '/v1/api-keys/:id/revoke',
        handler: withKey((request, key) => {
          const days = (request.body as { validityDays?: unknown } | null)?.validityDays;
          if (!isDays(days)) return errorResponse(400, 'invalid_validity', `validityDays must be a whole number from ${COMMBOX_MIN_DAYS} to ${COMMBOX_MAX_DAYS}`);
          if (key.status !== 'active') return errorResponse(409, 'not_active', `only the active key can be revoked; this key is ${key.status}`);
          const { revoked, replacement } = state.revoke(key, days);
          return { status: 200, body: { revoked, replacement: { ...replacement.key, secret: replacement.secret } } };
        }),
      },
      {
        method: 'DELETE',
        pattern: '/v1/api-keys/:id',
        handler: withKey((_request, key) => {
          if (key.status === 'active') return errorResponse(409, 'key_active', 'the active key cannot be deleted; revoke it first');
          state.deleteKey(key.id);
          return { status: 204 };
        }),
      },
    ],
  });
  return { emulator, state };
}

function isDays(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= COMMBOX_MIN_DAYS && value <= COMMBOX_MAX_DAYS;
}

function revokeStored(key: StoredKey, at: string): void {
  key.status = 'revoked';
  key.revokedAt = at;
  key.graceEndsAt = addDays(at, COMMBOX_GRACE_DAYS);
}

function publicKey(stored: StoredKey): CommBoxKey {
  const { secret: _secret, ...key } = stored;
  return key;
}

function newToken(): string {
  return `cbt_${randomBytes(24).toString('hex')}`;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform base62: bytes of 248 and above are dropped, since 248 is the largest multiple of 62 below 256. */
function randomBase62(length: number): string {
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && text.length < length) text += BASE62[byte % 62];
    }
  }
  return text;
}
