/**
 * What every workflow shares: the store, the vault, the clock, one connector (and HTTP pool) per
 * backend, the audit trail, and the rules that decide how a secret is sealed. The engine builds one
 * context and hands it to each workflow module, so the guarantees live in one place whatever the
 * workflow: every action audited without secrets, every secret bound to where it is sent.
 */
import type { AlertChannelType } from '../../../shared/alerts.js';
import type { AuditOutcome, BackendSummary, BackendType, Capability, KeyDescription, SyncReport } from '../../../shared/domain.js';
import { CAPABILITIES } from '../../../shared/rules.js';
import type { BackendDefinition, Connector, RemoteKey } from '../backends/backend.js';
import type { HttpClient, HttpOptions } from '../backends/http.js';
import { backendDefinition } from '../backends/registry.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import { redactingConnector } from '../redact.js';
import type { InventoryWrites } from '../store/key-rows.js';
import type { ReplacedKey } from '../store/keys.js';
import type { AuditEntry, BackendRow, InventoryStore, NewBackend } from '../store/store.js';
import type { SealedSecret, Vault } from '../vault/vault.js';
import type { RotationPlanKind, RotationStepName } from '../../../shared/rotation.js';
import type { AlertLedger } from './alert-ledger.js';

export interface SyncLimits {
  /** Wall-clock bound for one backend's whole sync (all pages and secrets). */
  deadlineMs: number;
  /** Bound on the response bytes one backend's sync may receive: what it holds in memory before the commit. */
  maxBytes: number;
}

export interface EngineContextOptions {
  store: InventoryStore;
  vault: Vault;
  now: () => Date;
  osUser: string;
  httpOptions: Partial<Omit<HttpOptions, 'backendName'>>;
  syncLimits: SyncLimits;
  shownOnceStoreWaitMs: number;
  /** Re-lists backends through the sync workflow (after a lost answer, or a new credential). */
  relist: (names: readonly string[]) => Promise<SyncReport>;
  /** Where a team home's writes go (team/changes.ts, loaded on first use); null in a personal data folder. */
  teamWrites: () => Promise<TeamWrites | null>;
}

/** What a team home's write is, for the role it needs and the words of a refusal (team/changes.ts). */
export type TeamAction = 'sync' | 'create' | 'revoke' | 'delete' | 'describe' | 'edit' | 'import' | 'backend' | 'rotate' | 'alert' | 'channel' | 'snooze';

/** A channel written to the team: what is not secret, as `store.alerts` keeps it. */
export interface TeamAlertChannel {
  name: string;
  type: AlertChannelType;
  config: Record<string, unknown>;
  createdAt: string;
}

/** A reminder put off for the whole team: the key's due date and the stage it was at, so every copy says it again after. */
export interface TeamSnooze {
  ref: string;
  kind: string;
  dueAt: string;
  stage: string | null;
  until: string;
}

/** One key of an import's batch, as it is written to the team: its row, its description, and its secret (null keeps the one cached). */
export interface ImportedKey {
  key: RemoteKey;
  description: KeyDescription;
  secret: string | null;
}

/** A key a vendor issued with its shown-once secret, and what it takes over (`vendor-changes.ts` `takeOver`). */
export interface IssuedRecord {
  key: RemoteKey;
  secret: string;
  description?: KeyDescription;
  replaces?: ReplacedKey;
}

/** The key a revoke changed: its row as the vendor answered (or, without one, just "revoked"), and whether its secret goes. */
export interface RevokedKey {
  keyId: string;
  remote: RemoteKey | null;
  dropSecret: boolean;
}

/** An event of the audit trail, as a write that commits it names it. */
export interface WriteEvent {
  action: string;
  ref: string | null;
  outcome: AuditOutcome;
  detail: string | null;
}

/** One backend's listing, as a sync gathered it, to be written to the team. */
export interface TeamListing {
  keys: readonly RemoteKey[];
  /** Secrets the sync could read (CommBox's, BoxWatch's credential key), in the clear until sealed under the team key. */
  secrets: ReadonlyArray<{ keyId: string; secret: string }>;
  facts: unknown;
  syncStartedAt: string;
  syncedAt: string;
  /** The team's change number when the sync began: a key written after it and not listed was made meanwhile, and stays. */
  sinceSeq: number;
  detail: string;
}

/**
 * The one seam between the workflows and a team home (docs/team.md): in a team home, what a workflow would write to
 * SQLite goes to the team's PostgreSQL instead (one transaction with its audit event), then the local copy pulls.
 * The workflows keep their rules (vendor-changes.ts, sync.ts, backends.ts, keys.ts) and ask `ctx.teamWrites()` only
 * where the write goes. Each method but `ready` and `keepPending` writes to the team, then pulls.
 */
export interface TeamWrites {
  /**
   * Before anything is sent to a vendor or written: the team's server answers and this member's role allows `action`
   * (a viewer is refused here, with nothing sent); pending shown-once secrets are pushed first. Returns the team's
   * change number now.
   */
  ready(action: TeamAction, backend: BackendRow | null): Promise<number>;
  commitListing(row: BackendRow, listing: TeamListing): Promise<InventoryWrites>;
  /** A shown-once secret with its key (and the key a revoke replaced), sealed under the team key: written, not pulled. */
  commitIssued(row: BackendRow, issued: IssuedRecord, revoked: RevokedKey | null, event: WriteEvent): Promise<void>;
  /**
   * When the team could not take a shown-once secret: marks it pending, in the caller's SQLite transaction (the one
   * that keeps the key and its secret sealed in the local vault), to be pushed when the server is back.
   */
  keepPending(row: BackendRow, issued: IssuedRecord, revoked: RevokedKey | null, event: WriteEvent, reason: string): void;
  commitRevoked(row: BackendRow, revoked: RevokedKey, event: WriteEvent): Promise<void>;
  commitDeleted(row: BackendRow, keyId: string, event: WriteEvent): Promise<void>;
  describeKeys(changes: ReadonlyArray<{ row: BackendRow; keyId: string; description: KeyDescription; event: WriteEvent }>): Promise<void>;
  /** A manual key's row as edited (its dates); its description stays, and its secret unless a new one is given. */
  recordKey(row: BackendRow, key: RemoteKey, event: WriteEvent, secret?: string): Promise<void>;
  /**
   * One batch of an import into a manual backend: the keys (inserted or updated), their descriptions, their secrets
   * sealed under the team key, and the batch's event, in one transaction; then a pull. Returns the change number.
   */
  importBatch(row: BackendRow, keys: readonly ImportedKey[], event: WriteEvent): Promise<number>;
  addBackend(backend: NewBackend, credential: string | null, event: WriteEvent): Promise<void>;
  removeBackend(name: string, event: WriteEvent): Promise<void>;
  setCredential(row: BackendRow, credential: string, event: WriteEvent): Promise<void>;
  setRotationPolicy(row: BackendRow, days: number | null, event: WriteEvent): Promise<void>;
  /** Where a team home's alerts are claimed and recorded: the team's database (team/alerts.ts), so the team sends each once. */
  alertLedger(): AlertLedger;
  /** A channel of the team (admins): its secret sealed under the team key with `identity`, as `store.alerts` seals it locally. */
  addAlertChannel(channel: TeamAlertChannel, secret: { identity: string; secret: string } | null, event: WriteEvent): Promise<void>;
  removeAlertChannel(name: string, event: WriteEvent): Promise<void>;
  /**
   * A snooze for the whole team (operators and admins), then pulled. Returns false, writing nothing, when this member's
   * snooze cannot be the team's (a viewer; the server away): the caller keeps it in this data folder only.
   */
  snooze(snooze: TeamSnooze, event: WriteEvent): Promise<boolean>;
  pull(): Promise<unknown>;
  /** The team's rotation journal and its leases (team/rotations.ts), for guided rotation in a team home. */
  rotations(): TeamRotationJournal;
}

/** A rotation as the journal starts it, before it has an id (`store/rotations.ts` `NewRotation` without the local backend id). */
export interface TeamRotationStart {
  keyId: string;
  plan: RotationPlanKind;
  options: Record<string, unknown>;
  steps: readonly RotationStepName[];
  consumers: readonly string[];
  at: string;
}

/**
 * Guided rotation in a team home (docs/team.md, "Rotation in a team home"): the journal lives on the team's server,
 * one row per rotation, and a member runs a rotation only while holding its lease. The local journal
 * (`store/rotations.ts`) stays the working copy the steps write; this writes it through to the team.
 */
export interface TeamRotationJournal {
  /**
   * Starts a rotation in the team (refused while the key has an open rotation anywhere in the team, naming who started
   * it and who holds its lease, or when this member may not rotate), with this member's lease, then copies it here
   * under the team's id. Returns that id.
   */
  start(row: BackendRow, rotation: TeamRotationStart): Promise<number>;
  /**
   * Takes the rotation's lease (refused while another member's is live, naming them and until when) and brings the
   * local copy to the team's journal, unless the local copy is the newer one (this member held the lease and wrote
   * last: a run that stopped before it could write through, which is then written now).
   */
  claim(id: number): Promise<void>;
  /**
   * Writes the local copy's journal to the team and renews the lease, with an event in the team's audit trail per step
   * that changed. Refused when the lease is no longer this member's (another took it over after it ended).
   */
  record(id: number): Promise<void>;
  /** Lets the lease go (the run stopped where it needs the administrator, or ended). */
  release(id: number): Promise<void>;
  /** Copies the team's rotations and their leases here (a pull). */
  refresh(): Promise<void>;
}

export class EngineContext {
  readonly store: InventoryStore;
  readonly vault: Vault;
  /** The clock used for reminders and manual-key status; sync and audit times are always real time. */
  readonly now: () => Date;
  readonly osUser: string;
  readonly httpOptions: Partial<Omit<HttpOptions, 'backendName'>>;
  readonly syncLimits: SyncLimits;
  readonly shownOnceStoreWaitMs: number;
  /** One connector (and HTTP pool) per backend, built on first use; reached through `connectorFor`, `bytesReceived`, `dropConnector`. */
  private readonly connectors = new Map<string, { connector: Connector; http: HttpClient }>();
  private readonly relist: (names: readonly string[]) => Promise<SyncReport>;
  /** Where a team home's writes go; null in a personal data folder (the seam: `TeamWrites`). */
  readonly teamWrites: () => Promise<TeamWrites | null>;

  constructor(options: EngineContextOptions) {
    this.store = options.store;
    this.vault = options.vault;
    this.now = options.now;
    this.osUser = options.osUser;
    this.httpOptions = options.httpOptions;
    this.syncLimits = options.syncLimits;
    this.shownOnceStoreWaitMs = options.shownOnceStoreWaitMs;
    this.relist = options.relist;
    this.teamWrites = options.teamWrites;
  }

  /**
   * Refuses, in a team home, a workflow that would change only this data folder's copy (docs/team.md, "Not done
   * yet"): a write that the other members would never see, and the next pull could undo, is worse than none.
   */
  refuseInTeamHome(what: string): void {
    const link = this.store.team.get();
    if (link) {
      throw new KeywardenError(
        'unsupported',
        `${what} is not available in a team home yet (team "${link.team}"): it would change only this data folder's copy, which the other members never see. Use a personal data folder (--home), or the vendor's own console`,
      );
    }
  }

  /** Re-lists backends through the sync workflow: after a lost answer (did the create happen?) or a new credential. */
  sync(names: readonly string[]): Promise<SyncReport> {
    return this.relist(names);
  }

  /** Bytes a backend's HTTP pool has received so far (a sync's bound on what it holds); 0 before its first request. */
  bytesReceived(name: string): number {
    return this.connectors.get(name)?.http.bytesReceived ?? 0;
  }

  /** Drops every backend's connector (their credentials were dropped: `vault reset`). */
  async dropAllConnectors(): Promise<void> {
    await Promise.all([...this.connectors.keys()].map((name) => this.dropConnector(name)));
  }

  async closeConnectors(): Promise<void> {
    await Promise.all([...this.connectors.values()].map(({ http }) => http.close()));
    this.connectors.clear();
  }

  summarise(row: BackendRow): BackendSummary {
    const definition = backendDefinition(row.type);
    return {
      name: row.name,
      type: row.type,
      url: row.url,
      capabilities: [...definition.capabilities],
      replacingRevoke: definition.replacementTerms ?? null,
      unsupported: Object.fromEntries(
        CAPABILITIES.filter((capability) => !definition.capabilities.includes(capability)).map((capability) => [capability, this.unsupportedReason(row, capability)]),
      ),
      hasCredential: row.hasCredential,
      rotateEveryDays: this.rotationDays(row),
      keyCount: row.keyCount,
      lastSyncAt: row.lastSyncAt,
      lastSyncOkAt: row.lastSyncOkAt,
      lastError: row.lastError,
      createdAt: row.createdAt,
    };
  }

  rotationDays(row: BackendRow): number | null {
    return row.rotateEveryDays ?? backendDefinition(row.type).defaultRotationDays;
  }

  requireCapability(row: BackendRow, capability: Capability): void {
    if (!backendDefinition(row.type).capabilities.includes(capability)) throw this.unsupported(row, capability);
  }

  /** Why a backend lacks a capability, in its vendor's terms (the same words the CLI's refusal uses). */
  unsupportedReason(row: BackendRow, capability: Capability): string {
    const definition = backendDefinition(row.type);
    return (definition.unsupportedReasons[capability] ?? `${definition.displayName} does not offer "${capability}"`).replaceAll('{backend}', row.name);
  }

  unsupported(row: BackendRow, capability: Capability): KeywardenError {
    return new KeywardenError('unsupported', `${row.name}: ${this.unsupportedReason(row, capability)}`, { backend: row.name, capability });
  }

  async connectorFor(row: BackendRow): Promise<Connector> {
    const cached = this.connectors.get(row.name);
    if (cached) return cached.connector;
    const built = await this.buildConnector(backendDefinition(row.type), row.name, row.url, () => this.openCredential(row), row.settings);
    this.connectors.set(row.name, built);
    return built.connector;
  }

  async buildConnector(
    definition: BackendDefinition,
    name: string,
    url: string | null,
    credential: () => Promise<string>,
    settings: Record<string, unknown>,
  ): Promise<{ connector: Connector; http: HttpClient }> {
    const [factory, { createHttpClient }] = await Promise.all([definition.loadConnector(), import('../backends/http.js')]);
    const openHttp = (baseUrl: string, extra: Partial<Pick<HttpOptions, 'blockPrivateNetwork'>> = {}) => createHttpClient(baseUrl, { ...this.httpOptions, ...extra, backendName: name });
    const http: HttpClient = url ? openHttp(url) : { request: () => Promise.reject(new KeywardenError('internal', `${name}: this backend has no URL`)), bytesReceived: 0, close: async () => {} };
    // Whether the credential was ever opened (so sent), not the credential itself: it is opened again only to redact.
    let credentialSent = false;
    const sendCredential = async () => {
      const value = await credential();
      credentialSent = true;
      return value;
    };
    const connector = factory({ backendName: name, http, credential: sendCredential, settings, openHttp });
    // Every vendor's text leaves the connector with the credential and anything key-shaped taken out (redact.ts).
    return { connector: redactingConnector(connector, async () => (credentialSent ? [await credential()] : [])), http };
  }

  /** Looks up a manual key's test template when the caller does not have it at hand. */
  keySecretIdentity(row: BackendRow, keyId: string, details?: RemoteKey['details']): string {
    return boundKeySecretIdentity(row, keyId, row.type === 'manual' ? (details ?? this.store.keys.getRemote(row.id, keyId)?.details) : undefined);
  }

  /**
   * Seals a key's secret for the store, with its fingerprint: the one way a key's secret becomes something
   * `store.keys.record` / `putSecret` accept (they take a `SealedSecret`), so every cached secret has a fingerprint.
   */
  sealKeySecret(row: BackendRow, keyId: string, secret: string, details?: RemoteKey['details']): Promise<SealedSecret> {
    return this.vault.sealSecret(this.keySecretIdentity(row, keyId, details), secret);
  }

  async openCredential(row: BackendRow): Promise<string> {
    const sealed = this.store.backends.getCredentialSealed(row.id);
    if (!sealed) {
      const team = this.store.team.get();
      throw new KeywardenError(
        'no_credential',
        team
          ? `${row.name}: this copy of team "${team.team}" holds no credential for it: only operators and admins get the team's credentials ("keywarden team sync" copies them once you are one)`
          : `${row.name}: no credential is set; run "keywarden backend set-credential ${row.name} --credential-stdin"`,
        { backend: row.name },
      );
    }
    return this.vault.open(credentialIdentity(row), sealed);
  }

  /**
   * Which listed key of this backend is its own credential (BoxWatch: the account's key), or null where the
   * credential is not a key. Matched by the connector without revealing anything (by prefix); opens the credential.
   */
  async credentialKeyId(row: BackendRow): Promise<string | null> {
    if (!backendDefinition(row.type).credentialIsKey || !this.store.backends.getCredentialSealed(row.id)) return null;
    const connector = await this.connectorFor(row);
    if (!connector.keyIdForCredential) return null;
    const credential = await this.openCredential(row);
    const keys = this.store.keys.list({ backend: row.name }, this.now()).flatMap((key) => this.store.keys.getRemote(row.id, key.id) ?? []);
    return connector.keyIdForCredential(credential, keys);
  }

  /**
   * After a key that is also the backend's credential was revoked: the key is marked revoked, its secret leaves
   * the cache, and the backend is marked as needing a credential (its next sync asks for one instead of meeting
   * a bare 401). Written in one transaction; `extra` joins it (a rotation's journal step).
   */
  async forgetRevokedCredential(row: BackendRow, keyId: string, extra?: () => void): Promise<void> {
    // `extra` joins the transaction: a rotation's journal step, or the revoke's audit event (written with the action).
    const ref = `${row.name}/${keyId}`;
    this.store.transaction(() => {
      this.store.keys.setStatus(row.id, keyId, 'revoked');
      this.store.keys.deleteSecret(row.id, keyId);
      this.store.backends.clearCredential(
        row.id,
        `needs a credential: the key Keywarden used (${ref}) was revoked on ${new Date().toISOString().slice(0, 10)}; create a new key at the vendor and run "keywarden backend set-credential ${row.name} --credential-stdin"`,
      );
      extra?.();
    });
    await this.dropConnector(row.name);
  }

  /**
   * Commits a shown-once secret, waiting much longer than the usual busy timeout for another process
   * (a long sync, a backup) to release the database. Returns false only when it never could.
   */
  async commitShownOnce(write: () => void): Promise<boolean> {
    const deadline = Date.now() + this.shownOnceStoreWaitMs;
    for (;;) {
      try {
        this.store.transaction(write);
        return true;
      } catch (error) {
        if (toKeywardenError(error).code !== 'store_busy') throw error;
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async dropConnector(name: string): Promise<void> {
    const cached = this.connectors.get(name);
    this.connectors.delete(name);
    await cached?.http.close();
  }

  audit(action: string, backend: string | null, ref: string | null, outcome: AuditOutcome, detail: string | null): void {
    this.store.audit.append(this.auditEntry(action, backend, ref, outcome, detail));
  }

  /** An audit event, now, by this OS user: for a store write that commits it with the action's rows (`store.keys.record`). */
  auditEntry(action: string, backend: string | null, ref: string | null, outcome: AuditOutcome, detail: string | null): AuditEntry {
    return { at: new Date().toISOString(), osUser: this.osUser, action, backend, ref, outcome, detail };
  }

  /** For paths that must still return (a shown-once secret): an audit row that cannot be written is not worth losing the secret over. */
  tryAudit(...args: Parameters<EngineContext['audit']>): void {
    try {
      this.audit(...args);
    } catch {
      // The database is what failed; the caller is already telling the user.
    }
  }
}

/** What decides where a backend's secrets are sent: bound into every record sealed for it. */
export interface SecretDestination {
  name: string;
  type: BackendType;
  url: string | null;
}

/**
 * Associated data of a sealed credential: the record, and where the credential goes. Editing the
 * backend's type or URL in the database (to point it at another listener) makes the credential fail
 * to open instead of being sent there.
 */
export function credentialIdentity(backend: SecretDestination): string {
  return `credential:${backend.name}\n${JSON.stringify({ type: backend.type, url: backend.url })}`;
}

/**
 * Associated data of a secret kept in a rotation's journal between its paste and its storing: the rotation and where
 * the key is sent. The same in every member's copy of a team's rotation (its id is the team's), and on the team's server.
 */
export function rotationSecretIdentity(rotation: { id: number; keyId: string }, row: SecretDestination): string {
  return `rotation-secret:${rotation.id}\n${JSON.stringify({ backend: row.name, type: row.type, url: row.url, keyId: rotation.keyId })}`;
}

/** The test template fields of a manual key that decide where its secret is sent, in a fixed order. */
const MANUAL_TEST_DESTINATION_FIELDS = ['testUrl', 'testHeader', 'testValue', 'testAllowPrivateNetwork'] as const;

/**
 * Associated data of a sealed key secret: the key, its backend's destination and, for manual keys,
 * the test template (the secret is sent to that URL in that header).
 */
export function boundKeySecretIdentity(backend: SecretDestination, keyId: string, details: RemoteKey['details'] | undefined): string {
  const destination: Record<string, unknown> = { type: backend.type, url: backend.url };
  if (backend.type === 'manual') for (const field of MANUAL_TEST_DESTINATION_FIELDS) destination[field] = details?.[field] ?? null;
  return `key-secret:${backend.name}/${keyId}\n${JSON.stringify(destination)}`;
}
