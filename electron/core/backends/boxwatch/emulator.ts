/**
 * A local BoxWatch that speaks `docs/wire/boxwatch.md`: shown-once `bw_` keys stored as
 * hashes, one full-scope key per account, immediate revoke, bearer auth, cursor pagination.
 * Used by the tests and by demo mode; see `README.md` in this folder for the control endpoints.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EmulatorClock, type EmulatorRequest, type EmulatorResponse, type RunningEmulator, type VendorEmulatorOptions, errorResponse, paginate, startEmulator } from '../emulator-kit.js';
import type { BoxWatchKey } from './schemas.js';
import { boxWatchPrefix } from './schemas.js';

interface Account {
  id: string;
  email: string;
  name: string;
}

interface StoredKey extends BoxWatchKey {
  accountId: string;
  /** SHA-256 of the full key: like the real service, the emulator cannot show a key again. */
  hash: string;
}

export class BoxWatchState {
  readonly accounts = new Map<string, Account>();
  readonly keys: StoredKey[] = [];
  private sequence = 0;

  constructor(private readonly clock: EmulatorClock) {}

  addAccount(email: string, name = email.split('@')[0] ?? email): Account {
    const account = { id: `acc_${++this.sequence}${randomBytes(3).toString('hex')}`, email, name };
    this.accounts.set(account.id, account);
    return account;
  }

  /**
   * Issues a key the way the dashboard does and returns the full key (the only time it exists in clear).
   * `allowSecond` exists for tests that need many keys in one list (pagination); the API never allows it.
   */
  issueKey(accountId: string, name: string, options: { createdAt?: string; allowSecond?: boolean } = {}): { key: BoxWatchKey; secret: string } {
    if (!options.allowSecond && this.keys.some((key) => key.accountId === accountId)) {
      throw new Error('BoxWatch allows one key per account');
    }
    const secret = `bw_${randomBytes(32).toString('hex')}`;
    const stored: StoredKey = {
      id: `key_${++this.sequence}${randomBytes(4).toString('hex')}`,
      name,
      prefix: boxWatchPrefix(secret),
      scope: 'full',
      createdAt: options.createdAt ?? this.clock.iso(),
      lastUsedAt: null,
      accountId,
      hash: hashKey(secret),
    };
    this.keys.push(stored);
    return { key: publicKey(stored), secret };
  }

  authenticate(bearer: string | null): StoredKey | null {
    if (bearer === null) return null;
    const hash = hashKey(bearer);
    return this.keys.find((key) => key.hash === hash) ?? null;
  }
}

export interface BoxWatchEmulator {
  emulator: RunningEmulator;
  state: BoxWatchState;
}

export async function startBoxWatchEmulator(options: VendorEmulatorOptions = {}): Promise<BoxWatchEmulator> {
  const clock = options.clock ?? new EmulatorClock();
  const state = new BoxWatchState(clock);

  function authenticated(handler: (request: EmulatorRequest, caller: StoredKey) => EmulatorResponse) {
    return (request: EmulatorRequest): EmulatorResponse => {
      const caller = state.authenticate(request.bearer);
      if (!caller) return errorResponse(401, 'unauthorized', 'missing, unknown or revoked API key');
      caller.lastUsedAt = clock.iso();
      return handler(request, caller);
    };
  }

  const emulator = await startEmulator({
    name: 'boxwatch',
    clock,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    routes: [
      {
        method: 'GET',
        pattern: '/auth/me',
        handler: authenticated((_request, caller) => {
          const account = state.accounts.get(caller.accountId)!;
          return { status: 200, body: { id: account.id, email: account.email, name: account.name } };
        }),
      },
      {
        method: 'GET',
        pattern: '/api-keys',
        handler: authenticated((request, caller) => {
          const own = state.keys.filter((key) => key.accountId === caller.accountId).map(publicKey);
          const result = paginate(own, request.query);
          if ('error' in result) return result.error;
          return { status: 200, body: { data: result.page, nextCursor: result.nextCursor } };
        }),
      },
      {
        method: 'POST',
        pattern: '/api-keys',
        handler: authenticated((request, caller) => {
          const body = (request.body ?? {}) as { name?: unknown; scope?: unknown };
          if (body.scope !== 'full') return errorResponse(400, 'invalid_scope', 'only scope "full" is accepted');
          if (typeof body.name !== 'string' || body.name.trim() === '' || body.name.length > 100) {
            return errorResponse(400, 'invalid_name', 'name must be 1 to 100 characters');
          }
          if (state.keys.some((key) => key.accountId === caller.accountId)) {
            return errorResponse(409, 'key_exists', 'only one API key is allowed per account; delete the existing key first');
          }
          const issued = state.issueKey(caller.accountId, body.name);
          return { status: 201, body: { ...issued.key, key: issued.secret } };
        }),
      },
      {
        method: 'DELETE',
        pattern: '/api-keys/:id',
        handler: authenticated((request, caller) => {
          const index = state.keys.findIndex((key) => key.id === request.params.id && key.accountId === caller.accountId);
          if (index < 0) return errorResponse(404, 'not_found', 'no such key');
          state.keys.splice(index, 1);
          return { status: 204 };
        }),
      },
    ],
  });
  return { emulator, state };
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function publicKey(stored: StoredKey): BoxWatchKey {
  return { id: stored.id, name: stored.name, prefix: stored.prefix, scope: stored.scope, createdAt: stored.createdAt, lastUsedAt: stored.lastUsedAt };
}
