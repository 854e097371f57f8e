/**
 * The contract between the engine and a vendor connector.
 *
 * A connector speaks one vendor's wire protocol and nothing else: it does not touch the store, the
 * vault or the audit trail. The engine drives it (pagination in order, caching secrets before
 * reporting success, audit) so every vendor gets the same guarantees without re-implementing them.
 */
import type { BackendType, Capability, KeyStatus } from '../../../shared/domain.js';
import type { HttpClient, HttpOptions } from './http.js';

/** A key as the vendor reports it, before Keywarden adds its own fields (ref, rotationDueAt, cache state). */
export interface RemoteKey {
  id: string;
  name: string;
  prefix: string | null;
  status: KeyStatus;
  createdAt: string | null;
  expiresAt: string | null;
  graceEndsAt: string | null;
  lastUsedAt: string | null;
  /** Vendor-specific, secret-free facts worth keeping (e.g. CommBox `revokedAt`, Nitrobox `createdBy`). */
  details?: Record<string, string | number | boolean | null>;
}

export interface KeyPage {
  keys: RemoteKey[];
  nextCursor: string | null;
  /** Backend-wide facts the vendor returns with its list (e.g. CommBox's rotation interval). */
  facts?: Record<string, string | number | boolean | null>;
}

/** A newly issued key with the secret the vendor shows (for shown-once vendors, the only time). */
export interface IssuedRemoteKey {
  key: RemoteKey;
  secret: string;
}

export interface RevokeOutcome {
  /** The revoked key's new state, when the vendor returns it (else the engine re-syncs). */
  revoked: RemoteKey | null;
  /** CommBox issues a replacement on revoke; its secret must be cached before success is reported. */
  replacement: IssuedRemoteKey | null;
}

export interface KeyTestOutcome {
  ok: boolean;
  /** Short and secret-free: "valid", "401 unauthorized", "expired". */
  detail: string;
}

/** What a connector is given: nothing it could use to reach the store or the vault. */
export interface ConnectorContext {
  /** The backend's name as the administrator gave it; every error message starts with it. */
  backendName: string;
  http: HttpClient;
  /** Decrypts the backend's credential on demand, so a connector built for a read-only command never unlocks the vault. */
  credential(): Promise<string>;
  /**
   * A client for another origin (a manual key's test URL), with the engine's timeouts and retry policy.
   * `blockPrivateNetwork` refuses hosts that resolve into the local network (see `HttpOptions`).
   * The caller closes it.
   */
  openHttp(baseUrl: string, options?: Partial<Pick<HttpOptions, 'blockPrivateNetwork'>>): HttpClient;
  /** Non-secret per-backend settings (vendor options, manual test template). */
  settings: Readonly<Record<string, unknown>>;
}

export interface Connector {
  /** One page of keys, in the vendor's order. The engine asks for the next page only after storing nothing yet: pages are requested strictly in order. */
  listPage(cursor: string | null): Promise<KeyPage>;
  /** Proves a credential works before it is stored (e.g. BoxWatch `GET /auth/me`); returns a secret-free account label. */
  verifyCredential(credential: string): Promise<{ account: string }>;
  /** Tests one key. `secret` is the cached secret when there is one (needed by vendors that test by using the key). */
  testKey(key: RemoteKey, secret: string | null): Promise<KeyTestOutcome>;
  /** Vendors that can show a key's secret at any time (CommBox). */
  fetchSecret?(keyId: string): Promise<string>;
  /** Vendors that issue keys over the API. Never retried: a lost answer means the key may exist. */
  createKey?(name: string): Promise<IssuedRemoteKey>;
  revokeKey?(keyId: string, options: { validityDays?: number }): Promise<RevokeOutcome>;
  deleteKey?(keyId: string): Promise<void>;
  /**
   * For vendors whose management credential is itself one of the listed keys (BoxWatch): which listed
   * key the credential is, matched without revealing it (by prefix). The engine then caches it as that key's secret.
   */
  keyIdForCredential?(credential: string, keys: readonly RemoteKey[]): string | null;
  /** CommBox: the admin-set replacement interval. */
  setRotationInterval?(days: number): Promise<{ intervalDays: number }>;
}

/** What the registry knows about a vendor without loading its code. */
export interface BackendDefinition {
  type: BackendType;
  displayName: string;
  /** Workflows the vendor offers; the engine refuses others with a plain explanation. */
  capabilities: readonly Capability[];
  /** Days from `createdAt` at which a key without vendor expiry is due for rotation; null when the vendor sets expiry. */
  defaultRotationDays: number | null;
  requiresUrl: boolean;
  requiresCredential: boolean;
  /** Revoking issues a replacement key (CommBox): the vault must be unlocked before the request is sent. */
  revokeIssuesReplacement?: boolean;
  /** What a replacing revoke promises (CommBox): the old key's grace period and the replacement's validity bounds. */
  replacementTerms?: { graceDays: number; minValidityDays: number; maxValidityDays: number };
  /**
   * The backend's credential is itself one of its keys (BoxWatch: the account's only key): rotating or revoking
   * that key takes Keywarden's own access with it, so it warns, and asks for the new key to be pasted.
   */
  credentialIsKey?: boolean;
  /** The vendor shows a key's secret again on request (CommBox): reveal works whether or not it is cached. */
  secretsViewable?: boolean;
  /** Keys the vendor refuses to delete, and why (CommBox: the active key); the console shows the reason instead of Delete. */
  deleteRefused?: { statuses: readonly KeyStatus[]; reason: string };
  /** Why a workflow is missing, in the vendor's own terms (shown instead of a generic "unsupported"). */
  unsupportedReasons: Partial<Record<Capability, string>>;
  /** Loaded lazily so that `keywarden list` never pays for vendor code it does not run. */
  loadConnector(): Promise<(context: ConnectorContext) => Connector>;
}
