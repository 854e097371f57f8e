/**
 * A local Nitrobox that speaks `docs/wire/nitrobox.md`: portal users with or without the role
 * "Manage API credentials", API clients whose key is shown once and stored as a hash, irreversible
 * delete, and the OAuth 2.0 client-credentials token endpoint that proves a key works.
 * Used by the tests and by demo mode; see `README.md` in this folder for seeding and control endpoints.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EmulatorClock, type EmulatorRequest, type EmulatorResponse, type RunningEmulator, type VendorEmulatorOptions, errorResponse, paginate, startEmulator } from '../emulator-kit.js';
import { NITROBOX_CLIENT_ID_PATTERN, NITROBOX_MANAGE_ROLE, type NitroboxKey } from './schemas.js';

interface PortalUser {
  email: string;
  /** Whether the user holds "Manage API credentials". */
  role: boolean;
}

interface StoredClient extends NitroboxKey {
  /** SHA-256 of the API key: like the real service, the emulator cannot show a key again. */
  hash: string;
}

const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

export class NitroboxState {
  /** Portal user tokens (random, issued by `addUser`) to their users. */
  readonly users = new Map<string, PortalUser>();
  /** API clients in creation order, which is the list order. */
  readonly clients: StoredClient[] = [];

  constructor(private readonly clock: EmulatorClock) {}

  /** Adds a portal user and returns the token that user manages keys with. */
  addUser(email: string, options: { role: boolean }): string {
    const token = randomBytes(32).toString('base64url');
    this.users.set(token, { email, role: options.role });
    return token;
  }

  /** Grants or withdraws "Manage API credentials", as an administrator would in User Management. */
  setRole(token: string, role: boolean): void {
    const user = this.users.get(token);
    if (!user) throw new Error('no such portal user token');
    user.role = role;
  }

  /**
   * Creates an API client as the portal's "+ Add" does and returns its API key (the only time it
   * exists in clear). For tests and demo data: seed as many as needed, e.g. more than a page.
   */
  seedClient(clientId: string, options: { createdAt?: string; createdBy?: string } = {}): { key: NitroboxKey; apiKey: string } {
    if (!NITROBOX_CLIENT_ID_PATTERN.test(clientId)) throw new Error(`invalid Nitrobox client ID "${clientId}"`);
    if (this.findClient(clientId)) throw new Error(`Nitrobox client "${clientId}" exists already`);
    return this.createClient(clientId, options.createdBy ?? 'seed@nitrobox.example', options.createdAt);
  }

  /** A client as the list shows it (no secret), or null once deleted. */
  findClient(clientId: string): NitroboxKey | null {
    const stored = this.clients.find((client) => client.clientId === clientId);
    return stored ? publicKey(stored) : null;
  }

  createClient(clientId: string, createdBy: string, createdAt: string = this.clock.iso()): { key: NitroboxKey; apiKey: string } {
    // 36 random bytes are exactly 48 base64url characters, with no padding to trim.
    const apiKey = randomBytes(36).toString('base64url');
    const stored: StoredClient = { clientId, createdAt, createdBy, lastUsedAt: null, hash: hashKey(apiKey) };
    this.clients.push(stored);
    return { key: publicKey(stored), apiKey };
  }

  deleteClient(clientId: string): boolean {
    const index = this.clients.findIndex((client) => client.clientId === clientId);
    if (index < 0) return false;
    this.clients.splice(index, 1);
    return true;
  }

  /** The client-credentials check: the client must exist and the key must match its hash. */
  authenticateClient(clientId: string, apiKey: string): StoredClient | null {
    const stored = this.clients.find((client) => client.clientId === clientId);
    return stored && stored.hash === hashKey(apiKey) ? stored : null;
  }
}

export interface NitroboxEmulator {
  emulator: RunningEmulator;
  state: NitroboxState;
}

export async function startNitroboxEmulator(options: VendorEmulatorOptions = {}): Promise<NitroboxEmulator> {
  const clock = options.clock ?? new EmulatorClock();
  const state = new NitroboxState(clock);

  /** Every `/api/v1/api-keys` call: 401 for an unknown token, 403 naming the role for a user without it. */
  function manager(handler: (request: EmulatorRequest, user: PortalUser) => EmulatorResponse) {
    return (request: EmulatorRequest): EmulatorResponse => {
      const user = request.bearer === null ? undefined : state.users.get(request.bearer);
      if (!user) return errorResponse(401, 'unauthorized', 'missing or unknown portal user token');
      if (!user.role) {
        return errorResponse(403, 'missing_role', `your user lacks the role "${NITROBOX_MANAGE_ROLE}"`, { role: NITROBOX_MANAGE_ROLE });
      }
      return handler(request, user);
    };
  }

  const emulator = await startEmulator({
    name: 'nitrobox',
    clock,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    routes: [
      {
        method: 'GET',
        pattern: '/api/v1/api-keys',
        handler: manager((request) => {
          const result = paginate(state.clients.map(publicKey), request.query);
          if ('error' in result) return result.error;
          return { status: 200, body: { items: result.page, nextCursor: result.nextCursor } };
        }),
      },
      {
        method: 'POST',
        pattern: '/api/v1/api-keys',
        handler: manager((request, user) => {
          const body = (request.body ?? {}) as { clientId?: unknown };
          // Validation before existence, as the contract orders them.
          if (typeof body.clientId !== 'string' || !NITROBOX_CLIENT_ID_PATTERN.test(body.clientId)) {
            return errorResponse(400, 'invalid_client_id', 'clientId must match ^[a-z0-9][a-z0-9-]{2,63}$');
          }
          if (state.findClient(body.clientId)) return errorResponse(409, 'client_exists', `an API client "${body.clientId}" exists already`);
          const created = state.createClient(body.clientId, user.email);
          return { status: 201, body: { ...created.key, apiKey: created.apiKey } };
        }),
      },
      {
        method: 'DELETE',
        pattern: '/api/v1/api-keys/:clientId',
        handler: manager((request) => {
          if (!state.deleteClient(request.params.clientId ?? '')) return errorResponse(404, 'not_found', 'no such API client');
          return { status: 204 };
        }),
      },
      {
        method: 'POST',
        pattern: '/oauth/token',
        handler: (request) => {
          // OAuth 2.0 (RFC 6749 §4.4): the token request is form-encoded; a JSON body is a client bug worth surfacing.
          if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
            return errorResponse(400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded');
          }
          const form = (request.body ?? {}) as Record<string, unknown>;
          if (form.grant_type !== 'client_credentials') {
            return errorResponse(400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
          }
          const client = typeof form.client_id === 'string' && typeof form.client_secret === 'string' ? state.authenticateClient(form.client_id, form.client_secret) : null;
          if (!client) return errorResponse(401, 'invalid_client', 'unknown client or wrong API key');
          client.lastUsedAt = clock.iso();
          return {
            status: 200,
            // Token answers must not be cached by anything in between (RFC 6749 §5.1).
            headers: { 'cache-control': 'no-store' },
            body: { access_token: randomBytes(32).toString('base64url'), token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_SECONDS },
          };
        },
      },
    ],
  });
  return { emulator, state };
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function publicKey(stored: StoredClient): NitroboxKey {
  return { clientId: stored.clientId, createdAt: stored.createdAt, createdBy: stored.createdBy, lastUsedAt: stored.lastUsedAt };
}
