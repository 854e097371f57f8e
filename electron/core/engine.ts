/**
 * The Keywarden engine: one long-lived object that opens the store once, unlocks the vault only when
 * a secret is needed, keeps one HTTP pool per backend, and exposes every workflow as a method that
 * returns domain objects or throws a KeywardenError. The CLI and the Electron main process are both
 * thin clients of this class.
 *
 * Guarantees enforced here, once, for every vendor:
 * - a shown-once secret is sealed and committed before any method reports success;
 * - a create or revoke whose answer was lost is reconciled by re-listing, never re-sent;
 * - a failed sync keeps the previous inventory and records the error;
 * - every action is audited, without secrets.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type {
  AuditEvent,
  AuditOutcome,
  BackendSummary,
  BackendType,
  Capability,
  IssuedKey,
  Key,
  KeyFilter,
  Reminder,
  RevokeResult,
  SyncProgress,
  SyncReport,
  TestResult,
} from '../../shared/domain.js';
import { BACKEND_NAME_PATTERN, BACKEND_NAME_RULE, MAX_POLICY_DAYS } from '../../shared/rules.js';
import type { BackendDefinition, Connector, KeyPage, RemoteKey } from './backends/backend.js';
import type { HttpClient, HttpOptions } from './backends/http.js';
import { backendDefinition } from './backends/registry.js';
import { KeywardenError, toKeywardenError } from './errors.js';
import { plural } from './text.js';
import { DATABASE_FILE } from './paths.js';
import { endOfWindow, parseUserDate } from './dates.js';
import { computeRotationDueAt, daysLeft, dueEventFor, thresholdReached } from './reminders/reminders.js';
import { type BackendRow, InventoryStore } from './store/store.js';
import { createOsKeychain, type Keychain } from './vault/keychain.js';
import { type PassphraseSource, Vault, VAULT_META, type VaultStatus } from './vault/vault.js';

export interface EngineOptions {
  /** The data folder; created (mode 0700) if missing. */
  home: string;
  /** Defaults to the OS keychain; tests of failure modes pass their own. */
  keychain?: Keychain;
  /** The clock used for reminders and manual-key status; sync and audit times are always real time. */
  now?: () => Date;
  http?: Partial<Omit<HttpOptions, 'backendName'>>;
  osUser?: string;
  /** Alternative better-sqlite3 binding (the Electron ABI build). */
  nativeBinding?: string;
  /**
   * Reading commands open the store read-only: nothing is created or written, so a read-only copy of a
   * data folder can be listed. Methods that write then fail with `store_read_only`.
   */
  readOnly?: boolean;
  /**
   * Refuse to create a data folder that does not exist yet (`no_inventory`), naming it: a mistyped
   * `--home` must not silently become a new, empty inventory. Only commands that add something create one.
   */
  mustExist?: boolean;
  /** Where the data folder's passphrase comes from when the keychain cannot open its key. */
  passphrase?: PassphraseSource;
  /** Limits that bound one backend's sync; tests lower them. */
  syncLimits?: Partial<SyncLimits>;
  /**
   * How long a shown-once secret waits for a database held by another process before it is returned
   * uncached (it is never dropped). Tests lower it.
   */
  shownOnceStoreWaitMs?: number;
}

export interface SyncLimits {
  /** Wall-clock bound for one backend's whole sync (all pages and secrets). */
  deadlineMs: number;
  /** Bound on the response bytes one backend's sync may receive: what it holds in memory before the commit. */
  maxBytes: number;
}

const DEFAULT_SYNC_LIMITS: SyncLimits = {
  // 10,000 pages at the vendors' usual 20-50 ms is a few minutes; beyond that the vendor is broken or hostile.
  deadlineMs: 5 * 60_000,
  // A key is about 300 bytes on the wire: 128 MiB is some 400,000 keys, far past any real account, and
  // keeps a vendor that sends full 8 MiB pages forever from growing the process without bound.
  maxBytes: 128 * 1024 * 1024,
};

/** A shown-once secret is worth waiting for: another process's long write must not cost it. */
const DEFAULT_SHOWN_ONCE_STORE_WAIT_MS = 120_000;

export interface ManualKeyInput {
  name: string;
  /** The vendor's name for display and search ("Stripe"). */
  vendor?: string | null;
  createdAt?: string | null;
  expiresAt?: string | null;
  rotateEveryDays?: number | null;
  secret?: string | null;
  /** `allowPrivateNetwork`: the administrator's consent to a test URL in the local network (refused otherwise). */
  test?: { url: string; header: string; valueTemplate: string; expectStatus: number; allowPrivateNetwork?: boolean } | null;
}

export interface AddBackendInput {
  name: string;
  type: BackendType;
  url?: string | null;
  credential?: string | null;
  rotateEveryDays?: number | null;
  settings?: Record<string, unknown>;
}

/** Upper bound on pages per sync: a vendor that keeps returning cursors is broken, not large. */
const MAX_PAGES_PER_SYNC = 10_000;

export class KeywardenEngine {
  readonly home: string;
  private readonly store: InventoryStore;
  private readonly vault: Vault;
  private readonly now: () => Date;
  private readonly osUser: string;
  private readonly connectors = new Map<string, { connector: Connector; http: HttpClient }>();

  /** Things the administrator should know that did not stop the engine (e.g. folder permissions it could not narrow). */
  readonly warnings: string[];
  private readonly httpOptions: Partial<Omit<HttpOptions, 'backendName'>>;
  private readonly syncLimits: SyncLimits;
  private readonly shownOnceStoreWaitMs: number;

  private constructor(options: EngineOptions, store: InventoryStore, warnings: string[]) {
    this.home = options.home;
    this.store = store;
    this.warnings = warnings;
    this.vault = new Vault(store, options.keychain ?? createOsKeychain(), options.passphrase);
    this.now = options.now ?? (() => new Date());
    this.osUser = options.osUser ?? currentOsUser();
    this.httpOptions = options.http ?? {};
    this.syncLimits = { ...DEFAULT_SYNC_LIMITS, ...options.syncLimits };
    this.shownOnceStoreWaitMs = options.shownOnceStoreWaitMs ?? DEFAULT_SHOWN_ONCE_STORE_WAIT_MS;
  }

  static open(options: EngineOptions): KeywardenEngine {
    const databasePath = join(options.home, DATABASE_FILE);
    if ((options.mustExist || options.readOnly) && !existsSync(databasePath)) {
      throw new KeywardenError(
        'no_inventory',
        existsSync(options.home)
          ? `${options.home} holds no Keywarden inventory (no ${DATABASE_FILE}); check --home or KEYWARDEN_HOME, or add a backend there with "keywarden backend add"`
          : `no Keywarden data folder at ${options.home}; check --home or KEYWARDEN_HOME, or add a backend with "keywarden backend add" to create it`,
        { path: options.home },
      );
    }
    const warnings = options.readOnly ? [] : prepareDataFolder(options.home);
    const store = InventoryStore.open(databasePath, {
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
      ...(options.readOnly ? { readOnly: true } : {}),
    });
    return new KeywardenEngine(options, store, warnings);
  }

  async close(): Promise<void> {
    await Promise.all([...this.connectors.values()].map(({ http }) => http.close()));
    this.connectors.clear();
    this.store.close();
  }

  // ---- backends ---------------------------------------------------------------------------------

  async addBackend(input: AddBackendInput): Promise<BackendSummary> {
    const definition = backendDefinition(input.type);
    checkBackendName(input.name);
    refuseUnusedBackendInput(input.type, { url: input.url ?? null, credential: Boolean(input.credential) });
    const rotateEveryDays = checkPolicyDays(input.rotateEveryDays ?? null, 'rotation policy');
    let url: string | null = null;
    if (definition.requiresUrl) {
      if (!input.url) throw new KeywardenError('invalid_input', `a ${definition.displayName} backend needs --url (its API's base URL)`);
      const { checkBackendUrl } = await import('./backends/url-policy.js');
      url = checkBackendUrl(input.url);
    }
    if (definition.requiresCredential && !input.credential) {
      throw new KeywardenError('invalid_input', `a ${definition.displayName} backend needs a credential: pass it on standard input with --credential-stdin`);
    }
    if (this.store.findBackend(input.name)) {
      throw new KeywardenError('conflict', `a backend named "${input.name}" already exists; choose another name or remove it first`, { backend: input.name });
    }
    let sealed: Buffer | null = null;
    if (input.credential) {
      // Prove the credential works before anything is stored: a typo should not become a broken backend.
      const probe = await this.buildConnector(definition, input.name, url, async () => input.credential!, input.settings ?? {});
      try {
        await probe.connector.verifyCredential(input.credential);
      } finally {
        await probe.http.close();
      }
      sealed = await this.vault.seal(credentialIdentity({ name: input.name, type: input.type, url }), input.credential);
    }
    const row = this.store.insertBackend(
      { name: input.name, type: input.type, url, settings: input.settings ?? {}, rotateEveryDays, createdAt: new Date().toISOString() },
      sealed,
    );
    this.audit('backend.add', row.name, null, 'ok', `${definition.displayName}${url ? ` at ${url}` : ''}`);
    return this.summarise(row);
  }

  listBackends(): BackendSummary[] {
    return this.store.listBackends().map((row) => this.summarise(row));
  }

  getBackend(name: string): BackendSummary {
    return this.summarise(this.store.requireBackend(name));
  }

  async removeBackend(name: string): Promise<void> {
    const row = this.store.requireBackend(name);
    await this.dropConnector(name);
    this.store.deleteBackend(row.id);
    this.audit('backend.remove', name, null, 'ok', `${plural(row.keyCount, 'key')} removed from the inventory`);
  }

  /**
   * Replaces a backend's credential, testing the new one first: the old credential stays in place
   * unless the new one is proven to work.
   */
  async setCredential(name: string, credential: string): Promise<BackendSummary> {
    const row = this.store.requireBackend(name);
    const definition = backendDefinition(row.type);
    if (!definition.requiresCredential) throw new KeywardenError('unsupported', `${name}: ${definition.displayName} backends have no credential`);
    const probe = await this.buildConnector(definition, name, row.url, async () => credential, row.settings);
    try {
      await probe.connector.verifyCredential(credential);
    } catch (error) {
      this.audit('backend.set-credential', name, null, 'failed', toKeywardenError(error).code);
      throw error;
    } finally {
      await probe.http.close();
    }
    const sealed = await this.vault.seal(credentialIdentity(row), credential);
    this.store.setCredentialSealed(row.id, sealed);
    await this.dropConnector(name);
    this.audit('backend.set-credential', name, null, 'ok', 'tested, then stored');
    // Where the credential is itself a listed key (BoxWatch), sync so it shows as cached and revealable.
    const connector = await this.connectorFor(row);
    if (connector.keyIdForCredential) await this.sync([name]);
    return this.getBackend(name);
  }

  /**
   * Points an existing backend at a new URL with a new credential, keeping its keys and their cached
   * secrets (sealed again for the new destination). The demo uses it: its emulators start on new ports each run.
   */
  async reconnectBackend(name: string, url: string | null, credential: string | null): Promise<BackendSummary> {
    const row = this.store.requireBackend(name);
    const definition = backendDefinition(row.type);
    const { checkBackendUrl } = await import('./backends/url-policy.js');
    const checkedUrl = url === null ? null : checkBackendUrl(url);
    if (credential !== null) {
      const probe = await this.buildConnector(definition, name, checkedUrl, async () => credential, row.settings);
      try {
        await probe.connector.verifyCredential(credential);
      } finally {
        await probe.http.close();
      }
    }
    const moved = { ...row, url: checkedUrl };
    const sealedCredential = credential === null ? null : await this.vault.seal(credentialIdentity(moved), credential);
    // Cached secrets are bound to the old URL; re-seal them for the new one in the same transaction.
    const resealed: Array<{ keyId: string; sealed: Buffer }> = [];
    for (const key of this.store.listKeys({ backend: name }, this.now())) {
      if (!key.secretCached) continue;
      const secret = await this.vault.open(this.keySecretIdentity(row, key.id), this.store.getKeySecret(row.id, key.id)!);
      resealed.push({ keyId: key.id, sealed: await this.vault.seal(this.keySecretIdentity(moved, key.id), secret) });
    }
    const at = new Date().toISOString();
    this.store.transaction(() => {
      this.store.updateBackendEndpoint(row.id, checkedUrl, sealedCredential);
      for (const { keyId, sealed } of resealed) this.store.putKeySecret(row.id, keyId, sealed, at);
    });
    await this.dropConnector(name);
    this.audit('backend.reconnect', name, null, 'ok', checkedUrl ? `now at ${checkedUrl}` : null);
    return this.getBackend(name);
  }

  setRotationPolicy(name: string, days: number | null): BackendSummary {
    const row = this.store.requireBackend(name);
    const checked = checkPolicyDays(days, 'rotation policy');
    this.store.setRotationPolicy(row.id, checked, checked ?? backendDefinition(row.type).defaultRotationDays);
    this.audit('backend.set-policy', name, null, 'ok', checked === null ? 'vendor default' : `every ${plural(checked, 'day')}`);
    return this.getBackend(name);
  }

  /**
   * CommBox: sets the admin's replacement interval at the vendor, then re-lists so the active key's
   * new expiry (or the rotation it triggered) shows at once and reminders follow it.
   */
  async setVendorRotationInterval(name: string, days: number): Promise<{ backend: BackendSummary; intervalDays: number }> {
    const row = this.store.requireBackend(name);
    const connector = await this.connectorFor(row);
    if (!connector.setRotationInterval) {
      throw new KeywardenError('unsupported', `${name}: ${backendDefinition(row.type).displayName} has no vendor-side rotation interval; use "keywarden backend set-policy" for Keywarden's own reminder policy`);
    }
    let intervalDays: number;
    try {
      ({ intervalDays } = await connector.setRotationInterval(days));
    } catch (error) {
      const typed = toKeywardenError(error);
      this.audit('backend.set-interval', name, null, typed.code === 'outcome_unknown' ? 'unknown' : 'failed', typed.code);
      throw typed;
    }
    this.audit('backend.set-interval', name, null, 'ok', plural(intervalDays, 'day'));
    const report = await this.sync([name]);
    if (!report.ok) throw new KeywardenError('vendor_unavailable', `${name}: the interval was set to ${plural(intervalDays, 'day')}, but re-listing failed: ${report.results[0]?.error}`);
    return { backend: this.getBackend(name), intervalDays };
  }

  // ---- sync -------------------------------------------------------------------------------------

  /**
   * Lists every named backend (all that can be listed when none is named) concurrently; the pages of
   * one backend are fetched strictly in order. One backend failing never affects another's inventory.
   */
  async sync(names: readonly string[] = [], options: { onProgress?: (progress: SyncProgress) => void } = {}): Promise<SyncReport> {
    const rows = names.length > 0 ? names.map((name) => this.store.requireBackend(name)) : this.store.listBackends();
    const listable = rows.filter((row) => backendDefinition(row.type).capabilities.includes('list'));
    const startedAt = new Date().toISOString();
    const results = await Promise.all(listable.map((row) => this.syncOne(row, options.onProgress)));
    return { ok: results.every((result) => result.ok), startedAt, results };
  }

  /**
   * One backend's sync. Everything the vendor shows (every page, the facts, the secrets it lets us
   * cache) is gathered first; the inventory then changes in one transaction, or not at all. A failure
   * at any step, a page or a secret, leaves the previous inventory and its last good sync time as they were.
   */
  private async syncOne(row: BackendRow, onProgress?: (progress: SyncProgress) => void): Promise<SyncReport['results'][number]> {
    const started = performance.now();
    const syncStartedAt = new Date().toISOString();
    const emit = (phase: SyncProgress['phase'], pages: number, keys: number, error: string | null = null) => {
      try {
        onProgress?.({ backend: row.name, phase, pages, keys, error });
      } catch {
        // A failing progress listener (a closed window) must not fail the sync itself.
      }
    };
    emit('started', 0, 0);
    let pages = 0;
    const keys: RemoteKey[] = [];
    const deadline = Date.now() + this.syncLimits.deadlineMs;
    let bytesAtStart = 0;
    const checkBounds = () => {
      if (Date.now() > deadline) {
        throw new KeywardenError('timeout', `${row.name}: the sync did not finish within ${Math.round(this.syncLimits.deadlineMs / 1000)} s; the cached inventory is kept`, {
          backend: row.name,
        });
      }
      const received = (this.connectors.get(row.name)?.http.bytesReceived ?? 0) - bytesAtStart;
      if (received > this.syncLimits.maxBytes) {
        throw new KeywardenError(
          'malformed_response',
          `${row.name}: the backend sent more than ${formatBytes(this.syncLimits.maxBytes)} in one sync, far more than a key list; the cached inventory is kept`,
          { backend: row.name },
        );
      }
    };
    try {
      const connector = await this.connectorFor(row);
      bytesAtStart = this.connectors.get(row.name)?.http.bytesReceived ?? 0;
      const seenCursors = new Set<string>();
      let cursor: string | null = null;
      let facts: KeyPage['facts'] | undefined;
      do {
        checkBounds();
        const page = await connector.listPage(cursor);
        pages += 1;
        keys.push(...page.keys);
        if (page.facts) facts = page.facts;
        emit('page', pages, keys.length);
        cursor = page.nextCursor;
        if (cursor !== null && (seenCursors.has(cursor) || pages >= MAX_PAGES_PER_SYNC)) {
          throw new KeywardenError('malformed_response', `${row.name}: the backend's pagination does not end (cursor repeated or over ${MAX_PAGES_PER_SYNC} pages)`, {
            backend: row.name,
          });
        }
        if (cursor !== null) seenCursors.add(cursor);
      } while (cursor !== null);

      checkBounds();
      const { secrets, note } = await this.gatherSecrets(row, connector, keys, checkBounds);
      const syncedAt = new Date().toISOString();
      this.store.transaction(() => {
        if (facts) this.store.updateBackendSettings(row.id, { ...row.settings, vendorFacts: facts });
        this.store.replaceInventory(row.id, keys, { syncStartedAt, syncedAt, rotateEveryDays: this.rotationDays(row) });
        for (const secret of secrets) this.store.putKeySecret(row.id, secret.keyId, secret.sealed, syncedAt);
      });
      emit('done', pages, keys.length);
      this.audit('sync', row.name, null, 'ok', `${plural(keys.length, 'key')} in ${plural(pages, 'page')}${secrets.length ? `, ${plural(secrets.length, 'secret')} cached` : ''}${note ? `; ${note}` : ''}`);
      return { backend: row.name, ok: true, keyCount: keys.length, pages, error: null, errorCode: null, durationMs: Math.round(performance.now() - started), note };
    } catch (caught) {
      const error = toKeywardenError(caught, `${row.name}: sync failed`);
      this.store.recordSyncFailure(row.id, new Date().toISOString(), error.message);
      emit('failed', pages, keys.length, error.message);
      this.audit('sync', row.name, null, 'failed', error.code);
      return {
        backend: row.name,
        ok: false,
        keyCount: row.keyCount,
        pages,
        error: error.message,
        errorCode: error.code,
        durationMs: Math.round(performance.now() - started),
        note: null,
      };
    }
  }

  /**
   * The secrets a sync can cache, fetched and sealed before anything is written:
   * - BoxWatch: the credential is one of the listed keys; it is sealed as that key's secret so it can be revealed offline;
   * - vendors that show a key at any time (CommBox): the active keys' secrets not cached yet.
   * A vendor error fails the sync (nothing is committed). A vault that cannot be opened (keychain
   * locked or absent) does not: the inventory is still worth having, and the note says what was skipped.
   */
  private async gatherSecrets(
    row: BackendRow,
    connector: Connector,
    keys: readonly RemoteKey[],
    checkBounds: () => void,
  ): Promise<{ secrets: Array<{ keyId: string; sealed: Buffer }>; note: string | null }> {
    const secrets: Array<{ keyId: string; sealed: Buffer }> = [];
    if (connector.keyIdForCredential) {
      const credential = await this.openCredential(row);
      const keyId = connector.keyIdForCredential(credential, keys);
      if (keyId) secrets.push({ keyId, sealed: await this.vault.seal(this.keySecretIdentity(row, keyId), credential) });
    }
    if (!connector.fetchSecret) return { secrets, note: null };
    const wanted = keys.filter((key) => key.status === 'active' && !this.store.getKeySecret(row.id, key.id));
    if (wanted.length === 0) return { secrets, note: null };
    try {
      await this.vault.ensureReady();
    } catch (error) {
      const typed = toKeywardenError(error);
      if (!isVaultUnavailable(typed)) throw typed;
      return { secrets, note: `${plural(wanted.length, 'secret')} not cached: ${typed.message}` };
    }
    for (const key of wanted) {
      checkBounds();
      const secret = await connector.fetchSecret(key.id);
      secrets.push({ keyId: key.id, sealed: await this.vault.seal(this.keySecretIdentity(row, key.id), secret) });
    }
    return { secrets, note: null };
  }

  // ---- inventory --------------------------------------------------------------------------------

  listKeys(filter: KeyFilter = {}): Key[] {
    if (filter.backend !== undefined) this.store.requireBackend(filter.backend);
    return this.store.listKeys(filter, this.now());
  }

  getKey(ref: string): Key {
    const { backend, keyId } = parseRef(ref);
    const key = this.store.getKey(backend, keyId, this.now());
    if (!key) {
      this.store.requireBackend(backend);
      throw new KeywardenError('not_found', `no key "${keyId}" in backend "${backend}"; run "keywarden sync ${backend}" if it was created elsewhere`, { ref });
    }
    return key;
  }

  /**
   * Where `test` sends the key (and its secret), in words, so the administrator can check it before
   * running it: a manual key's request template, else the vendor's API. Null when it has no test.
   */
  async testTarget(ref: string): Promise<string | null> {
    const key = this.getKey(ref);
    const row = this.store.requireBackend(key.backend);
    if (!backendDefinition(row.type).capabilities.includes('test')) return null;
    if (row.type !== 'manual') return `the ${backendDefinition(row.type).displayName} API at ${row.url}`;
    const { describeTestTarget } = await import('./backends/manual/connector.js');
    return describeTestTarget(this.store.getRemoteKey(row.id, key.id)?.details);
  }

  /** Returns the secret, from the encrypted cache or (CommBox) from the vendor, caching it. Audited. */
  async reveal(ref: string, purpose: 'reveal' | 'copy' = 'reveal'): Promise<string> {
    const key = this.getKey(ref);
    const row = this.store.requireBackend(key.backend);
    try {
      const secret = await this.secretFor(row, key, true);
      if (secret === null) {
        const reason = backendDefinition(row.type).unsupportedReasons.reveal?.replaceAll('{backend}', row.name);
        throw new KeywardenError('secret_not_cached', `${ref}: Keywarden holds no secret for this key${reason ? `. ${reason}` : ''}`, { ref });
      }
      this.audit(purpose, row.name, ref, 'ok', null);
      return secret;
    } catch (error) {
      this.audit(purpose, row.name, ref, 'failed', toKeywardenError(error).code);
      throw error;
    }
  }

  private async secretFor(row: BackendRow, key: Key, fetchIfViewable: boolean): Promise<string | null> {
    const sealed = this.store.getKeySecret(row.id, key.id);
    if (sealed) return this.vault.open(this.keySecretIdentity(row, key.id), sealed);
    if (!fetchIfViewable) return null;
    const connector = await this.connectorFor(row);
    if (!connector.fetchSecret) return null;
    const secret = await connector.fetchSecret(key.id);
    this.store.putKeySecret(row.id, key.id, await this.vault.seal(this.keySecretIdentity(row, key.id), secret), new Date().toISOString());
    return secret;
  }

  async testKey(ref: string): Promise<TestResult> {
    const key = this.getKey(ref);
    const row = this.store.requireBackend(key.backend);
    this.requireCapability(row, 'test');
    try {
      const connector = await this.connectorFor(row);
      const secret = this.store.getKeySecret(row.id, key.id) ? await this.secretFor(row, key, false) : null;
      const outcome = await connector.testKey(this.store.getRemoteKey(row.id, key.id)!, secret);
      const checkedAt = new Date().toISOString();
      this.store.recordTest(row.id, key.id, checkedAt, outcome.ok);
      this.audit('test', row.name, ref, outcome.ok ? 'ok' : 'failed', outcome.detail);
      return { ref, ok: outcome.ok, checkedAt, detail: outcome.detail };
    } catch (error) {
      this.audit('test', row.name, ref, 'failed', toKeywardenError(error).code);
      throw error;
    }
  }

  /**
   * Creates a key at the vendor. The vault is unlocked before the request is sent, so a keychain
   * problem can never strand a shown-once secret; the secret is committed with the key row in one
   * transaction before this returns.
   */
  async createKey(backendName: string, name: string): Promise<IssuedKey> {
    const row = this.store.requireBackend(backendName);
    this.requireCapability(row, 'create');
    const connector = await this.connectorFor(row);
    if (!connector.createKey) throw this.unsupported(row, 'create');
    await this.vault.ensureReady();
    let issued;
    try {
      issued = await connector.createKey(name);
    } catch (caught) {
      const error = toKeywardenError(caught);
      if (error.code === 'outcome_unknown') {
        await this.sync([backendName]);
        const appeared = this.store.listKeys({ backend: backendName }, this.now()).find((key) => key.name === name && !key.secretCached);
        this.audit('create', row.name, appeared?.ref ?? null, 'unknown', appeared ? 'created; secret lost in transit' : 'not created');
        throw new KeywardenError(
          'outcome_unknown',
          appeared
            ? `${backendName}: the key "${name}" was created (${appeared.ref}) but its one-time secret was lost in transit. Delete it ("keywarden delete ${appeared.ref} --confirm ${appeared.ref}") and create it again`
            : `${backendName}: the answer to the create request was lost; re-listing shows no key "${name}", so it was not created and can be tried again`,
          { backend: backendName, ref: appeared?.ref ?? null, created: Boolean(appeared) },
          { cause: error },
        );
      }
      this.audit('create', row.name, null, 'failed', error.code);
      throw error;
    }
    const ref = `${row.name}/${issued.key.id}`;
    const sealed = await this.vault.seal(this.keySecretIdentity(row, issued.key.id), issued.secret);
    const at = new Date().toISOString();
    const cached = await this.commitShownOnce(() => {
      this.store.upsertKey(row.id, issued.key, at, this.rotationDays(row));
      this.store.putKeySecret(row.id, issued.key.id, sealed, at);
    });
    if (!cached) {
      // The vendor has the key and this is the only time its secret will ever be shown: hand it to the
      // administrator rather than fail (a retry would create a second key). Nothing secret is stored.
      this.tryAudit('create', row.name, ref, 'ok', 'secret NOT cached: the database stayed locked; it was shown to the user');
      const key: Key = { ...remoteAsKey(row, issued.key), syncedAt: at };
      return { key, secret: issued.secret, cached: false };
    }
    this.audit('create', row.name, ref, 'ok', 'secret cached encrypted');
    return { key: this.getKey(ref), secret: issued.secret, cached: true };
  }

  /**
   * Commits a shown-once secret, waiting much longer than the usual busy timeout for another process
   * (a long sync, a backup) to release the database. Returns false only when it never could.
   */
  private async commitShownOnce(write: () => void): Promise<boolean> {
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

  /**
   * Revokes a key. A replacement the vendor issues (CommBox) is sealed and committed before this
   * returns; its secret is in the result only with `revealReplacement`, and is then audited as a
   * reveal of the replacement, like any other secret that leaves the engine. Otherwise it is null:
   * "keywarden reveal" or "copy" gets it later, audited too.
   */
  async revokeKey(ref: string, options: { validityDays?: number; revealReplacement?: boolean } = {}): Promise<RevokeResult> {
    const key = this.getKey(ref);
    const row = this.store.requireBackend(key.backend);
    this.requireCapability(row, 'revoke');
    const connector = await this.connectorFor(row);
    if (!connector.revokeKey) throw this.unsupported(row, 'revoke');
    if (backendDefinition(row.type).revokeIssuesReplacement) await this.vault.ensureReady();
    let outcome;
    try {
      outcome = await connector.revokeKey(key.id, options.validityDays !== undefined ? { validityDays: options.validityDays } : {});
    } catch (caught) {
      const error = toKeywardenError(caught);
      if (error.code !== 'outcome_unknown') {
        this.audit('revoke', row.name, ref, 'failed', error.code);
        throw error;
      }
      return this.reconcileRevoke(row, key, error, options.revealReplacement ?? false);
    }
    const at = new Date().toISOString();
    let replacementRef: string | null = null;
    const sealedReplacement = outcome.replacement
      ? await this.vault.seal(this.keySecretIdentity(row, outcome.replacement.key.id), outcome.replacement.secret)
      : null;
    this.store.transaction(() => {
      if (outcome.revoked) this.store.upsertKey(row.id, outcome.revoked, at, this.rotationDays(row));
      else this.store.setKeyStatus(row.id, key.id, 'revoked');
      if (outcome.replacement && sealedReplacement) {
        this.store.upsertKey(row.id, outcome.replacement.key, at, this.rotationDays(row));
        this.store.putKeySecret(row.id, outcome.replacement.key.id, sealedReplacement, at);
        replacementRef = `${row.name}/${outcome.replacement.key.id}`;
      }
    });
    this.audit('revoke', row.name, ref, 'ok', replacementRef ? `replacement ${replacementRef} cached encrypted` : null);
    if (!replacementRef || !outcome.replacement) return { revoked: this.getKey(ref), replacement: null };
    if (options.revealReplacement) this.audit('reveal', row.name, replacementRef, 'ok', 'replacement shown after revoke');
    return {
      revoked: this.getKey(ref),
      replacement: { key: this.getKey(replacementRef), secret: options.revealReplacement ? outcome.replacement.secret : null, cached: true },
    };
  }

  /** A revoke whose answer was lost: re-list to learn whether it happened, and recover what can be recovered. */
  private async reconcileRevoke(row: BackendRow, before: Key, error: KeywardenError, revealReplacement: boolean): Promise<RevokeResult> {
    const report = await this.sync([row.name]);
    if (!report.ok) {
      this.audit('revoke', row.name, before.ref, 'unknown', 'answer lost; re-listing failed');
      throw error;
    }
    const after = this.store.getKey(row.name, before.id, this.now());
    if (after && after.status === 'active') {
      this.audit('revoke', row.name, before.ref, 'failed', 'answer lost; re-listing shows the key still active');
      throw new KeywardenError('outcome_unknown', `${row.name}: the revoke request's answer was lost and re-listing shows ${before.ref} still active: it was not revoked and can be tried again`, {
        ref: before.ref,
        revoked: false,
      });
    }
    // It happened. A vendor that issues replacements can show them again (CommBox), so recover the new key's secret.
    const replacement = this.store.listKeys({ backend: row.name, status: 'active' }, this.now()).find((key) => key.ref !== before.ref) ?? null;
    let issued: IssuedKey | null = null;
    if (backendDefinition(row.type).revokeIssuesReplacement && replacement) {
      const secret = await this.secretFor(this.store.requireBackend(row.name), replacement, true);
      issued = { key: this.getKey(replacement.ref), secret: revealReplacement ? secret : null, cached: true };
    }
    this.audit('revoke', row.name, before.ref, 'ok', 'answer lost; confirmed by re-listing');
    if (issued && issued.secret !== null) this.audit('reveal', row.name, issued.key.ref, 'ok', 'replacement shown after revoke');
    return { revoked: after, replacement: issued };
  }

  async deleteKey(ref: string): Promise<void> {
    const key = this.getKey(ref);
    const row = this.store.requireBackend(key.backend);
    this.requireCapability(row, 'delete');
    const connector = await this.connectorFor(row);
    if (!connector.deleteKey) throw this.unsupported(row, 'delete');
    try {
      await connector.deleteKey(key.id);
    } catch (caught) {
      const error = toKeywardenError(caught);
      if (error.code !== 'outcome_unknown') {
        this.audit('delete', row.name, ref, 'failed', error.code);
        throw error;
      }
      const report = await this.sync([row.name]);
      const stillThere = report.ok && this.store.getKey(row.name, key.id, this.now());
      if (!report.ok || stillThere) {
        this.audit('delete', row.name, ref, 'unknown', 'answer lost');
        throw stillThere
          ? new KeywardenError('outcome_unknown', `${row.name}: the delete request's answer was lost and re-listing still shows ${ref}: it was not deleted and can be tried again`, { ref })
          : error;
      }
    }
    this.store.deleteKey(row.id, key.id);
    this.audit('delete', row.name, ref, 'ok', null);
  }

  /** Records a key of a vendor without an API in a manual backend; its secret, if given, is sealed in the same transaction. */
  async addManualKey(backendName: string, input: ManualKeyInput): Promise<Key> {
    const row = this.store.requireBackend(backendName);
    if (row.type !== 'manual') {
      throw new KeywardenError('invalid_input', `${backendName} is a ${backendDefinition(row.type).displayName} backend: its keys come from the vendor ("keywarden sync ${backendName}"); "key add" is for manual backends`);
    }
    const name = input.name.trim();
    if (name === '' || name.length > 200) throw new KeywardenError('invalid_input', 'the key name must be 1 to 200 characters');
    if (input.expiresAt && input.rotateEveryDays) throw new KeywardenError('invalid_input', 'give either an expiry date or a rotation interval, not both');
    const createdAt = input.createdAt ? parseUserDate(input.createdAt, 'created date') : new Date().toISOString();
    const expiresAt = input.expiresAt ? parseUserDate(input.expiresAt, 'expiry date') : null;
    if (expiresAt && Date.parse(expiresAt) <= Date.parse(createdAt)) throw new KeywardenError('invalid_input', 'the expiry date must be after the created date');
    const rotateEveryDays = checkPolicyDays(input.rotateEveryDays ?? null, 'rotation interval');
    if (input.test) {
      // The whole template: URL (scheme, user info, fragment, address), header name and value, status.
      const { checkTestTemplate } = await import('./backends/manual/connector.js');
      checkTestTemplate(input.test);
      if (!input.secret) throw new KeywardenError('invalid_input', 'a test needs the key itself: pass it with --secret-stdin');
    }
    const keyId = `${slug(name)}-${randomBytes(3).toString('hex')}`;
    const ref = `${row.name}/${keyId}`;
    const details: Record<string, string | number | boolean | null> = { vendor: input.vendor ?? null };
    if (rotateEveryDays) details.rotateEveryDays = rotateEveryDays;
    if (input.test) Object.assign(details, { testUrl: input.test.url, testHeader: input.test.header, testValue: input.test.valueTemplate, testExpectStatus: input.test.expectStatus, testAllowPrivateNetwork: input.test.allowPrivateNetwork === true });
    // Sealed after the details: the test template is bound into the secret's associated data.
    const sealed = input.secret ? await this.vault.seal(this.keySecretIdentity(row, keyId, details), input.secret) : null;
    const at = new Date().toISOString();
    const remote: RemoteKey = { id: keyId, name, prefix: input.secret ? maskedTail(input.secret) : null, status: 'active', createdAt, expiresAt, graceEndsAt: null, lastUsedAt: null, details };
    this.store.transaction(() => {
      this.store.upsertKey(row.id, remote, null, this.rotationDays(row));
      if (sealed) this.store.putKeySecret(row.id, keyId, sealed, at);
    });
    this.audit('key.add', row.name, ref, 'ok', sealed ? 'secret cached encrypted' : 'no secret');
    return this.getKey(ref);
  }

  // ---- vault ------------------------------------------------------------------------------------

  async vaultStatus(): Promise<VaultStatus & { sealed: { keySecrets: number; credentials: number } }> {
    return { ...(await this.vault.status()), sealed: this.store.countSealed() };
  }

  /** Adds (or replaces) the passphrase that opens this data folder's key without the keychain. */
  async addPassphrase(passphrase: string): Promise<VaultStatus> {
    await this.vault.addPassphrase(passphrase);
    this.audit('vault.add-passphrase', null, null, 'ok', null);
    return this.vault.status();
  }

  async removePassphrase(): Promise<VaultStatus> {
    await this.vault.removePassphrase();
    this.audit('vault.remove-passphrase', null, null, 'ok', null);
    return this.vault.status();
  }

  /**
   * Starts the vault over: every cached secret and backend credential is dropped (they were sealed
   * under the old key), with the vault's records and its keychain entry; the inventory, dates and
   * audit trail stay. Backends then need their credentials again; CommBox secrets are cached again on
   * the next sync. The one explicit way out of a lost key, confirmed by the caller.
   */
  async resetVault(): Promise<{ dropped: { keySecrets: number; credentials: number }; backendsNeedingCredential: string[]; keychainEntry: string | null; keychainEntryRemoved: boolean; keychainProblem: string | null }> {
    const forgotten = await this.vault.forgetKey();
    const dropped = this.store.dropSealedRecords(Object.values(VAULT_META));
    await Promise.all([...this.connectors.keys()].map((name) => this.dropConnector(name)));
    this.audit('vault.reset', null, null, 'ok', `${plural(dropped.keySecrets, 'cached secret')} and ${plural(dropped.credentials, 'credential')} dropped`);
    return {
      dropped: { keySecrets: dropped.keySecrets, credentials: dropped.credentials },
      backendsNeedingCredential: dropped.backends,
      keychainEntry: forgotten.keychainEntry,
      keychainEntryRemoved: forgotten.removed,
      keychainProblem: forgotten.problem,
    };
  }

  // ---- reminders and audit ----------------------------------------------------------------------

  /** Reminders due within `withinDays` (default 30), most urgent first, overdue included. */
  reminders(options: { withinDays?: number } = {}): Reminder[] {
    const now = this.now();
    const withinDays = options.withinDays ?? 30;
    // Calendar days, as `list --due-within` counts them: due on or before the local day today + withinDays.
    const keys = this.store.listDueKeys(endOfWindow(now, withinDays), now);
    const reminders: Reminder[] = [];
    for (const key of keys) {
      // A manual key shows `expired` once its date passes, but for reminders it is an overdue expiry.
      const due = dueEventFor(key.backendType === 'manual' && key.status === 'expired' ? { ...key, status: 'active' } : key);
      if (!due) continue;
      reminders.push({
        ref: key.ref,
        name: key.name,
        backend: key.backend,
        kind: due.kind,
        dueAt: due.dueAt,
        daysLeft: daysLeft(due.dueAt, now),
        threshold: thresholdReached(due.dueAt, now),
      });
    }
    return reminders;
  }

  auditTrail(options: { limit?: number } = {}): AuditEvent[] {
    return this.store.listAudit(Math.min(Math.max(options.limit ?? 1000, 1), 100_000));
  }

  // ---- internals --------------------------------------------------------------------------------

  private summarise(row: BackendRow): BackendSummary {
    const definition = backendDefinition(row.type);
    return {
      name: row.name,
      type: row.type,
      url: row.url,
      capabilities: [...definition.capabilities],
      hasCredential: row.hasCredential,
      rotateEveryDays: this.rotationDays(row),
      keyCount: row.keyCount,
      lastSyncAt: row.lastSyncAt,
      lastSyncOkAt: row.lastSyncOkAt,
      lastError: row.lastError,
      createdAt: row.createdAt,
    };
  }

  private rotationDays(row: BackendRow): number | null {
    return row.rotateEveryDays ?? backendDefinition(row.type).defaultRotationDays;
  }

  private requireCapability(row: BackendRow, capability: Capability): void {
    if (!backendDefinition(row.type).capabilities.includes(capability)) throw this.unsupported(row, capability);
  }

  private unsupported(row: BackendRow, capability: Capability): KeywardenError {
    const definition = backendDefinition(row.type);
    const reason = (definition.unsupportedReasons[capability] ?? `${definition.displayName} does not offer "${capability}"`).replaceAll('{backend}', row.name);
    return new KeywardenError('unsupported', `${row.name}: ${reason}`, { backend: row.name, capability });
  }

  private async connectorFor(row: BackendRow): Promise<Connector> {
    const cached = this.connectors.get(row.name);
    if (cached) return cached.connector;
    const built = await this.buildConnector(backendDefinition(row.type), row.name, row.url, () => this.openCredential(row), row.settings);
    this.connectors.set(row.name, built);
    return built.connector;
  }

  private async buildConnector(
    definition: BackendDefinition,
    name: string,
    url: string | null,
    credential: () => Promise<string>,
    settings: Record<string, unknown>,
  ): Promise<{ connector: Connector; http: HttpClient }> {
    const [factory, { createHttpClient }] = await Promise.all([definition.loadConnector(), import('./backends/http.js')]);
    const openHttp = (baseUrl: string, extra: Partial<Pick<HttpOptions, 'blockPrivateNetwork'>> = {}) => createHttpClient(baseUrl, { ...this.httpOptions, ...extra, backendName: name });
    const http: HttpClient = url
      ? openHttp(url)
      : { request: () => Promise.reject(new KeywardenError('internal', `${name}: this backend has no URL`)), bytesReceived: 0, close: async () => {} };
    return { connector: factory({ backendName: name, http, credential, settings, openHttp }), http };
  }

  /** Looks up a manual key's test template when the caller does not have it at hand. */
  private keySecretIdentity(row: BackendRow, keyId: string, details?: RemoteKey['details']): string {
    return boundKeySecretIdentity(row, keyId, row.type === 'manual' ? (details ?? this.store.getRemoteKey(row.id, keyId)?.details) : undefined);
  }

  private async openCredential(row: BackendRow): Promise<string> {
    const sealed = this.store.getCredentialSealed(row.id);
    if (!sealed) {
      throw new KeywardenError('no_credential', `${row.name}: no credential is set; run "keywarden backend set-credential ${row.name} --credential-stdin"`, { backend: row.name });
    }
    return this.vault.open(credentialIdentity(row), sealed);
  }

  private async dropConnector(name: string): Promise<void> {
    const cached = this.connectors.get(name);
    this.connectors.delete(name);
    await cached?.http.close();
  }

  private audit(action: string, backend: string | null, ref: string | null, outcome: AuditOutcome, detail: string | null): void {
    this.store.appendAudit({ at: new Date().toISOString(), osUser: this.osUser, action, backend, ref, outcome, detail });
  }

  /** For paths that must still return (a shown-once secret): an audit row that cannot be written is not worth losing the secret over. */
  private tryAudit(...args: Parameters<KeywardenEngine['audit']>): void {
    try {
      this.audit(...args);
    } catch {
      // The database is what failed; the caller is already telling the user.
    }
  }
}

/** A key as the vendor issued it, for the rare answer that cannot be read back from the store. */
function remoteAsKey(row: BackendRow, key: RemoteKey): Key {
  return {
    ref: `${row.name}/${key.id}`,
    backend: row.name,
    backendType: row.type,
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    status: key.status,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    graceEndsAt: key.graceEndsAt,
    rotationDueAt: computeRotationDueAt(key.createdAt, key.expiresAt, row.rotateEveryDays ?? backendDefinition(row.type).defaultRotationDays),
    lastUsedAt: key.lastUsedAt,
    lastTestedAt: null,
    lastTestOk: null,
    secretCached: false,
    syncedAt: null,
  };
}

/** What decides where a backend's secrets are sent: bound into every record sealed for it. */
interface SecretDestination {
  name: string;
  type: BackendType;
  url: string | null;
}

/**
 * Associated data of a sealed credential: the record, and where the credential goes. Editing the
 * backend's type or URL in the database (to point it at another listener) makes the credential fail
 * to open instead of being sent there.
 */
function credentialIdentity(backend: SecretDestination): string {
  return `credential:${backend.name}\n${JSON.stringify({ type: backend.type, url: backend.url })}`;
}

/** The test template fields of a manual key that decide where its secret is sent, in a fixed order. */
const MANUAL_TEST_DESTINATION_FIELDS = ['testUrl', 'testHeader', 'testValue', 'testAllowPrivateNetwork'] as const;

/**
 * Associated data of a sealed key secret: the key, its backend's destination and, for manual keys,
 * the test template (the secret is sent to that URL in that header).
 */
function boundKeySecretIdentity(backend: SecretDestination, keyId: string, details: RemoteKey['details'] | undefined): string {
  const destination: Record<string, unknown> = { type: backend.type, url: backend.url };
  if (backend.type === 'manual') for (const field of MANUAL_TEST_DESTINATION_FIELDS) destination[field] = details?.[field] ?? null;
  return `key-secret:${backend.name}/${keyId}\n${JSON.stringify(destination)}`;
}

/**
 * Prepares the data folder: created 0700, or narrowed to 0700 when it already exists with wider
 * rights (the database inside holds sealed secrets and the audit trail). Returns warnings for what
 * could not be done, for the caller to show.
 */
function prepareDataFolder(home: string): string[] {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new KeywardenError('invalid_input', `cannot create the data folder ${home}: ${(error as Error).message}`, { path: home });
  }
  if (process.platform === 'win32') return []; // NTFS ACLs of the per-user profile already keep other users out
  try {
    const { mode, uid } = statSync(home);
    if ((mode & 0o077) === 0) return [];
    if (uid !== process.getuid?.()) return [`the data folder ${home} is readable by other users and owned by someone else; Keywarden could not restrict it to you`];
    chmodSync(home, 0o700);
    return [];
  } catch (error) {
    return [`the data folder ${home} is readable by other users and could not be restricted to you (${(error as Error).message}); run "chmod 700 ${home}"`];
  }
}

export function parseRef(ref: string): { backend: string; keyId: string } {
  const slash = ref.indexOf('/');
  const backend = slash > 0 ? ref.slice(0, slash) : '';
  const keyId = slash > 0 ? ref.slice(slash + 1) : '';
  if (!BACKEND_NAME_PATTERN.test(backend) || keyId === '') {
    throw new KeywardenError('invalid_input', `"${ref}" is not a key reference; references look like <backend>/<id>, as "keywarden list" shows them`, { ref });
  }
  return { backend, keyId };
}

/** The vault cannot be opened right now: secrets cannot be cached, but reading the inventory still works. */
function isVaultUnavailable(error: KeywardenError): boolean {
  return ['keychain_unavailable', 'keychain_locked', 'vault_key_mismatch', 'vault_key_missing', 'vault_locked'].includes(error.code);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}


/**
 * Refuses what a backend type has no use for (a manual backend's URL or credential), instead of storing
 * or ignoring it: an accepted --url that does nothing, or a credential "tested and stored" that no
 * command can ever use, misleads. Exported so the CLI can refuse before it reads a credential from stdin.
 */
export function refuseUnusedBackendInput(type: BackendType, input: { url: string | null; credential: boolean }): void {
  const definition = backendDefinition(type);
  if (!definition.requiresUrl && input.url) {
    throw new KeywardenError('invalid_input', `${definition.displayName.toLowerCase()} backends have no URL: Keywarden calls no vendor API for them (a key's own test URL is given with "keywarden key add --test-url")`);
  }
  if (!definition.requiresCredential && input.credential) {
    throw new KeywardenError('invalid_input', `${definition.displayName.toLowerCase()} backends have no credential: each key's secret is given with "keywarden key add --secret-stdin"`);
  }
}

function checkBackendName(name: string): void {
  if (!BACKEND_NAME_PATTERN.test(name)) throw new KeywardenError('invalid_input', `"${name}" is not a valid backend name: ${BACKEND_NAME_RULE}`);
}

function checkPolicyDays(days: number | null, what: string): number | null {
  if (days === null) return null;
  if (!Number.isInteger(days) || days < 1 || days > MAX_POLICY_DAYS) {
    throw new KeywardenError('invalid_input', `the ${what} must be a whole number of days from 1 to ${MAX_POLICY_DAYS}`);
  }
  return days;
}

/** A readable, URL-safe id stem from a label: "Stripe (prod)" → "stripe-prod". */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'key';
}

/** Identifies a manual key by its last four characters, as vendors' consoles do; not for short secrets, where four is too much. */
function maskedTail(secret: string): string | null {
  return secret.length >= 16 ? `…${secret.slice(-4)}` : null;
}

function currentOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
