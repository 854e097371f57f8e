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
import { mkdirSync } from 'node:fs';
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
import type { BackendDefinition, Connector, RemoteKey } from './backends/backend.js';
import type { HttpClient, HttpOptions } from './backends/http.js';
import { backendDefinition } from './backends/registry.js';
import { KeywardenError, toKeywardenError } from './errors.js';
import { DATABASE_FILE } from './paths.js';
import { endOfWindow, parseUserDate } from './dates.js';
import { daysLeft, dueEventFor, thresholdReached } from './reminders/reminders.js';
import { type BackendRow, InventoryStore } from './store/store.js';
import { createOsKeychain, type Keychain } from './vault/keychain.js';
import { Vault } from './vault/vault.js';

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
}

export interface ManualKeyInput {
  name: string;
  /** The vendor's name for display and search ("Stripe"). */
  vendor?: string | null;
  createdAt?: string | null;
  expiresAt?: string | null;
  rotateEveryDays?: number | null;
  secret?: string | null;
  test?: { url: string; header: string; valueTemplate: string; expectStatus: number } | null;
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

  private constructor(options: EngineOptions, store: InventoryStore) {
    this.home = options.home;
    this.store = store;
    this.vault = new Vault(store, options.keychain ?? createOsKeychain());
    this.now = options.now ?? (() => new Date());
    this.osUser = options.osUser ?? currentOsUser();
    this.httpOptions = options.http ?? {};
  }

  private readonly httpOptions: Partial<Omit<HttpOptions, 'backendName'>>;

  static open(options: EngineOptions): KeywardenEngine {
    try {
      mkdirSync(options.home, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new KeywardenError('invalid_input', `cannot create the data folder ${options.home}: ${(error as Error).message}`, { path: options.home });
    }
    const store = InventoryStore.open(join(options.home, DATABASE_FILE), options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
    return new KeywardenEngine(options, store);
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
      sealed = await this.vault.seal(credentialIdentity(input.name), input.credential);
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
    this.audit('backend.remove', name, null, 'ok', `${row.keyCount} keys removed from the inventory`);
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
    const sealed = await this.vault.seal(credentialIdentity(name), credential);
    this.store.setCredentialSealed(row.id, sealed);
    await this.dropConnector(name);
    this.audit('backend.set-credential', name, null, 'ok', 'tested, then stored');
    // Where the credential is itself a listed key (BoxWatch), sync so it shows as cached and revealable.
    const connector = await this.connectorFor(row);
    if (connector.keyIdForCredential) await this.sync([name]);
    return this.getBackend(name);
  }

  setRotationPolicy(name: string, days: number | null): BackendSummary {
    const row = this.store.requireBackend(name);
    const checked = checkPolicyDays(days, 'rotation policy');
    this.store.setRotationPolicy(row.id, checked, checked ?? backendDefinition(row.type).defaultRotationDays);
    this.audit('backend.set-policy', name, null, 'ok', checked === null ? 'vendor default' : `every ${checked} days`);
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
    this.audit('backend.set-interval', name, null, 'ok', `${intervalDays} days`);
    const report = await this.sync([name]);
    if (!report.ok) throw new KeywardenError('vendor_unavailable', `${name}: the interval was set to ${intervalDays} days, but re-listing failed: ${report.results[0]?.error}`);
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
    try {
      const connector = await this.connectorFor(row);
      const seenCursors = new Set<string>();
      let cursor: string | null = null;
      do {
        const page = await connector.listPage(cursor);
        pages += 1;
        keys.push(...page.keys);
        if (page.facts) this.store.updateBackendSettings(row.id, { ...row.settings, vendorFacts: page.facts });
        emit('page', pages, keys.length);
        cursor = page.nextCursor;
        if (cursor !== null && (seenCursors.has(cursor) || pages >= MAX_PAGES_PER_SYNC)) {
          throw new KeywardenError('malformed_response', `${row.name}: the backend's pagination does not end (cursor repeated or over ${MAX_PAGES_PER_SYNC} pages)`, {
            backend: row.name,
          });
        }
        if (cursor !== null) seenCursors.add(cursor);
      } while (cursor !== null);

      const credentialSecret = await this.credentialAsKeySecret(row, connector, keys);
      const syncedAt = new Date().toISOString();
      this.store.transaction(() => {
        this.store.replaceInventory(row.id, keys, { syncStartedAt, syncedAt, rotateEveryDays: this.rotationDays(row) });
        if (credentialSecret) this.store.putKeySecret(row.id, credentialSecret.keyId, credentialSecret.sealed, syncedAt);
      });
      await this.cacheViewableSecrets(row, connector, keys);
      emit('done', pages, keys.length);
      this.audit('sync', row.name, null, 'ok', `${keys.length} keys in ${pages} pages`);
      return { backend: row.name, ok: true, keyCount: keys.length, pages, error: null, errorCode: null, durationMs: Math.round(performance.now() - started) };
    } catch (caught) {
      const error = toKeywardenError(caught, `${row.name}: sync failed`);
      this.store.recordSyncFailure(row.id, new Date().toISOString(), error.message);
      emit('failed', pages, keys.length, error.message);
      this.audit('sync', row.name, null, 'failed', error.code);
      return { backend: row.name, ok: false, keyCount: row.keyCount, pages, error: error.message, errorCode: error.code, durationMs: Math.round(performance.now() - started) };
    }
  }

  /** BoxWatch: the credential is one of the listed keys; seal it as that key's secret so it can be revealed offline. */
  private async credentialAsKeySecret(row: BackendRow, connector: Connector, keys: RemoteKey[]): Promise<{ keyId: string; sealed: Buffer } | null> {
    if (!connector.keyIdForCredential) return null;
    const credential = await this.openCredential(row);
    const keyId = connector.keyIdForCredential(credential, keys);
    if (!keyId) return null;
    return { keyId, sealed: await this.vault.seal(keySecretIdentity(row.name, keyId), credential) };
  }

  /**
   * Vendors that show a key at any time (CommBox): cache the active keys' secrets so they can be
   * revealed offline. Best effort: a missing keychain must not fail an otherwise good sync.
   */
  private async cacheViewableSecrets(row: BackendRow, connector: Connector, keys: RemoteKey[]): Promise<void> {
    if (!connector.fetchSecret) return;
    for (const key of keys) {
      if (key.status !== 'active' || this.store.getKeySecret(row.id, key.id)) continue;
      try {
        const secret = await connector.fetchSecret(key.id);
        this.store.putKeySecret(row.id, key.id, await this.vault.seal(keySecretIdentity(row.name, key.id), secret), new Date().toISOString());
      } catch (error) {
        const typed = toKeywardenError(error);
        if (typed.code.startsWith('keychain') || typed.code === 'vault_key_mismatch') return;
        throw typed;
      }
    }
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
    if (sealed) return this.vault.open(keySecretIdentity(row.name, key.id), sealed);
    if (!fetchIfViewable) return null;
    const connector = await this.connectorFor(row);
    if (!connector.fetchSecret) return null;
    const secret = await connector.fetchSecret(key.id);
    this.store.putKeySecret(row.id, key.id, await this.vault.seal(keySecretIdentity(row.name, key.id), secret), new Date().toISOString());
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
    const sealed = await this.vault.seal(keySecretIdentity(row.name, issued.key.id), issued.secret);
    const at = new Date().toISOString();
    this.store.transaction(() => {
      this.store.upsertKey(row.id, issued.key, at, this.rotationDays(row));
      this.store.putKeySecret(row.id, issued.key.id, sealed, at);
    });
    this.audit('create', row.name, ref, 'ok', 'secret cached encrypted');
    return { key: this.getKey(ref), secret: issued.secret };
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
      ? await this.vault.seal(keySecretIdentity(row.name, outcome.replacement.key.id), outcome.replacement.secret)
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
      replacement: { key: this.getKey(replacementRef), secret: options.revealReplacement ? outcome.replacement.secret : null },
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
      issued = { key: this.getKey(replacement.ref), secret: revealReplacement ? secret : null };
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
      const { checkBackendUrl } = await import('./backends/url-policy.js');
      let testUrl: URL;
      try {
        testUrl = new URL(input.test.url);
      } catch {
        throw new KeywardenError('invalid_input', `the test URL "${input.test.url}" is not a URL`);
      }
      checkBackendUrl(testUrl.origin);
      if (!input.test.valueTemplate.includes('{secret}')) throw new KeywardenError('invalid_input', 'the test header value must contain {secret} where the key goes, e.g. "Bearer {secret}"');
      if (!input.secret) throw new KeywardenError('invalid_input', 'a test needs the key itself: pass it with --secret-stdin');
    }
    const keyId = `${slug(name)}-${randomBytes(3).toString('hex')}`;
    const ref = `${row.name}/${keyId}`;
    const sealed = input.secret ? await this.vault.seal(keySecretIdentity(row.name, keyId), input.secret) : null;
    const details: Record<string, string | number | null> = { vendor: input.vendor ?? null };
    if (rotateEveryDays) details.rotateEveryDays = rotateEveryDays;
    if (input.test) Object.assign(details, { testUrl: input.test.url, testHeader: input.test.header, testValue: input.test.valueTemplate, testExpectStatus: input.test.expectStatus });
    const at = new Date().toISOString();
    const remote: RemoteKey = { id: keyId, name, prefix: input.secret ? maskedTail(input.secret) : null, status: 'active', createdAt, expiresAt, graceEndsAt: null, lastUsedAt: null, details };
    this.store.transaction(() => {
      this.store.upsertKey(row.id, remote, null, this.rotationDays(row));
      if (sealed) this.store.putKeySecret(row.id, keyId, sealed, at);
    });
    this.audit('key.add', row.name, ref, 'ok', sealed ? 'secret cached encrypted' : 'no secret');
    return this.getKey(ref);
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
    const openHttp = (baseUrl: string) => createHttpClient(baseUrl, { ...this.httpOptions, backendName: name });
    const http: HttpClient = url
      ? openHttp(url)
      : { request: () => Promise.reject(new KeywardenError('internal', `${name}: this backend has no URL`)), close: async () => {} };
    return { connector: factory({ backendName: name, http, credential, settings, openHttp }), http };
  }

  private async openCredential(row: BackendRow): Promise<string> {
    const sealed = this.store.getCredentialSealed(row.id);
    if (!sealed) {
      throw new KeywardenError('no_credential', `${row.name}: no credential is set; run "keywarden backend set-credential ${row.name} --credential-stdin"`, { backend: row.name });
    }
    return this.vault.open(credentialIdentity(row.name), sealed);
  }

  private async dropConnector(name: string): Promise<void> {
    const cached = this.connectors.get(name);
    this.connectors.delete(name);
    await cached?.http.close();
  }

  private audit(action: string, backend: string | null, ref: string | null, outcome: AuditOutcome, detail: string | null): void {
    this.store.appendAudit({ at: new Date().toISOString(), osUser: this.osUser, action, backend, ref, outcome, detail });
  }
}

/** Associated data binding a sealed credential to its backend. */
function credentialIdentity(backendName: string): string {
  return `credential:${backendName}`;
}

/** Associated data binding a sealed secret to its key. */
function keySecretIdentity(backendName: string, keyId: string): string {
  return `key-secret:${backendName}/${keyId}`;
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
