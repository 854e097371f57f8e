/**
 * Keys: the inventory (offline), reveal and test, and the vendor workflows that change keys: create,
 * revoke and delete, whose lost answers are reconciled by re-listing and never re-sent; manual keys.
 * (Reminders: reminders.ts; the audit trail: audit.ts.)
 */
import { randomBytes } from 'node:crypto';
import type {
  ActionAvailability,
  BackendType,
  InventoryFacets,
  InventoryPage,
  InventoryQuery,
  IssuedKey,
  Key,
  KeyActions,
  KeyDescription,
  KeyDescriptionChange,
  KeyFact,
  KeyFilter,
  KeyLineage,
  KeySelection,
  RevokeResult,
  TestResult,
} from '../../../shared/domain.js';
import { linkedKeyText } from '../../../shared/rules.js';
import { BACKEND_NAME_PATTERN } from '../../../shared/rules.js';
import type { RemoteKey } from '../backends/backend.js';
import { testTemplateOf } from '../backends/manual/connector.js';
import { backendDefinition } from '../backends/registry.js';
import { parseUserDate } from '../dates.js';
import { inField, KeywardenError, toKeywardenError } from '../errors.js';
import type { KeySort } from '../store/keys.js';
import type { BackendRow } from '../store/store.js';
import { checkPolicyDays } from './backends.js';
import type { EngineContext, RevokedKey } from './context.js';
import { applyDescriptionChange, describeDescriptionChange, descriptionOf, NO_DESCRIPTION } from './key-descriptions.js';
import { changeWasRefused, commitIssuedKey, commitVendorChange, newestReplacement, readyToChange, relist } from './vendor-changes.js';

/** The dates of a manual key that can change after it was added; undefined keeps, null clears. */
export interface ManualKeyDates {
  createdAt?: string;
  expiresAt?: string | null;
  rotateEveryDays?: number | null;
}

export interface ManualKeyInput {
  name: string;
  /** The vendor's name for display and search ("Stripe"). */
  vendor?: string | null;
  createdAt?: string | null;
  expiresAt?: string | null;
  rotateEveryDays?: number | null;
  secret?: string | null;
  /** Owner, environment, tags and notes, recorded with the key. */
  description?: KeyDescriptionChange;
  /** `allowPrivateNetwork`: the administrator's consent to a test URL in the local network (refused otherwise). */
  test?: { url: string; header: string; valueTemplate: string; expectStatus: number; allowPrivateNetwork?: boolean } | null;
}

/** Keys written per transaction by a bulk change. */
const BULK_BATCH = 500;

export class KeyWorkflows {
  constructor(private readonly ctx: EngineContext) {}

  /** Every key matching `filter`, by backend and name, or in `sort` (the console's order: a saved view's). */
  listKeys(filter: KeyFilter & { vendor?: BackendType; overdue?: boolean } = {}, sort?: KeySort): Key[] {
    if (filter.backend !== undefined) this.ctx.store.backends.require(filter.backend);
    return this.ctx.store.keys.list(filter, this.ctx.now(), sort);
  }

  /**
   * The name and prefix of each referenced key still in the inventory (the audit trail names its events' keys with
   * them); a key that is gone, or a reference that is not one, is left out. One answer for a whole page of events.
   */
  lookupKeys(refs: readonly string[]): Array<{ ref: string; name: string; prefix: string | null }> {
    const now = this.ctx.now();
    const found: Array<{ ref: string; name: string; prefix: string | null }> = [];
    for (const ref of new Set(refs)) {
      const slash = ref.indexOf('/');
      if (slash <= 0) continue;
      const key = this.ctx.store.keys.get(ref.slice(0, slash), ref.slice(slash + 1), now);
      if (key) found.push({ ref: key.ref, name: key.name, prefix: key.prefix });
    }
    return found;
  }

  /**
   * The keys a console selection names: its references (each must exist), or every key matching its query but those it
   * excepts. Resolved here, in the engine, so a selection of "every key matching" never crosses as references.
   */
  selectedKeys(selection: KeySelection): Key[] {
    if ('refs' in selection) return [...new Set(selection.refs)].map((ref) => this.getKey(ref));
    const except = new Set(selection.except);
    return this.listKeys(selection.query).filter((key) => !except.has(key.ref));
  }

  /**
   * One change to many keys (`keys:bulk`): each key is described as `describeKey` describes it, with its own audit
   * event, and the keys are written in one transaction per batch of BULK_BATCH (a batch commits whole, and a long run
   * does not hold the write lock for all of it). The change is checked once, before any key: a tag that is not one word
   * refuses the whole action. In a team home each batch is one transaction of the team's (then the copy pulls).
   */
  async describeKeys(keys: readonly Key[], change: KeyDescriptionChange, outcome: (key: Key, result: 'ok' | 'unchanged', detail: string | null) => void): Promise<void> {
    applyDescriptionChange(NO_DESCRIPTION, change);
    const team = await this.ctx.teamWrites();
    for (let start = 0; start < keys.length; start += BULK_BATCH) {
      const batch = keys.slice(start, start + BULK_BATCH).map((key) => {
        const before = descriptionOf(key);
        const after = applyDescriptionChange(before, change);
        return { key, row: this.ctx.store.backends.require(key.backend), after, changed: describeDescriptionChange(before, after) };
      });
      const changes = batch.filter((entry) => entry.changed !== null);
      if (team) {
        await team.describeKeys(
          changes.map(({ key, row, after, changed }) => ({ row, keyId: key.id, description: after, event: { action: 'key.describe', ref: key.ref, outcome: 'ok', detail: changed } })),
        );
      } else {
        this.ctx.store.keys.describeMany(
          changes.map(({ key, row, after, changed }) => ({ backendId: row.id, keyId: key.id, description: after, event: this.ctx.auditEntry('key.describe', row.name, key.ref, 'ok', changed) })),
        );
      }
      for (const { key, changed } of batch) outcome(key, changed === null ? 'unchanged' : 'ok', changed);
    }
  }

  /** One page of the inventory for the console: filtered, sorted and paged by the store. */
  queryInventory(query: InventoryQuery): InventoryPage {
    if (query.backend !== undefined) this.ctx.store.backends.require(query.backend);
    return this.ctx.store.keys.query(query, this.ctx.now());
  }

  inventoryFacets(): InventoryFacets {
    return this.ctx.store.keys.facets(this.ctx.now());
  }

  getKey(ref: string): Key {
    const { backend, keyId } = parseRef(ref);
    const key = this.ctx.store.keys.get(backend, keyId, this.ctx.now());
    if (!key) {
      this.ctx.store.backends.require(backend);
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
    const row = this.ctx.store.backends.require(key.backend);
    if (!backendDefinition(row.type).capabilities.includes('test')) return null;
    if (row.type !== 'manual') return `the ${backendDefinition(row.type).displayName} API at ${row.url}`;
    const { describeTestTarget } = await import('../backends/manual/connector.js');
    return describeTestTarget(this.ctx.store.keys.getRemote(row.id, key.id)?.details);
  }

  /**
   * What can be done with this key now, each refusal with the reason the engine would give, so the console
   * shows the reason in place of a button instead of a button that fails. Offline: no vendor is asked.
   */
  keyActions(ref: string): KeyActions {
    const key = this.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    const definition = backendDefinition(row.type);
    const can = (capability: 'reveal' | 'test' | 'revoke' | 'delete'): ActionAvailability | null =>
      definition.capabilities.includes(capability) ? null : { available: false, reason: this.ctx.unsupportedReason(row, capability) };
    const yes: ActionAvailability = { available: true, reason: null };
    const secret: ActionAvailability =
      can('reveal') ??
      (key.secretCached || definition.secretsViewable
        ? yes
        : {
            available: false,
            // Read in the console, so in its words: the manual definition's reason advises a CLI flag.
            reason:
              row.type === 'manual'
                ? 'Keywarden holds no secret for this key: none was given when it was added'
                : `Keywarden holds no secret for this key${definition.unsupportedReasons.reveal ? `: ${this.ctx.unsupportedReason(row, 'reveal')}` : ''}`,
          });
    const revoke: ActionAvailability =
      can('revoke') ??
      (key.status === 'active'
        ? yes
        : {
            available: false,
            // The grace end as the instant it is: its UTC day (what slice(0, 10) gave) is not the reader's day everywhere.
            reason:
              key.status === 'grace'
                ? `already revoked: it keeps working until its grace period ends${key.graceEndsAt ? ` at ${key.graceEndsAt}` : ''}`
                : `the key is ${key.status}: there is nothing left to revoke`,
          });
    const refusedDelete = definition.deleteRefused?.statuses.includes(key.status) ? { available: false, reason: definition.deleteRefused.reason } : null;
    return { reveal: secret, copy: secret, test: can('test') ?? this.testAvailability(row, key), revoke, delete: can('delete') ?? refusedDelete ?? yes };
  }

  /**
   * Whether Test can work for this key, in words for the console (never a CLI flag): a manual key needs the test
   * request it was added with, and a test made by using the key (Nitrobox, BoxWatch, manual) needs its secret; a
   * vendor that tests by ID (CommBox, whose secrets stay viewable) needs neither.
   */
  private testAvailability(row: BackendRow, key: Key): ActionAvailability {
    if (row.type === 'manual') {
      const remote = this.ctx.store.keys.getRemote(row.id, key.id);
      if (!remote || !testTemplateOf(remote)) return { available: false, reason: 'no test is set up for this key: it was added without a test request' };
    }
    if (!key.secretCached && !backendDefinition(row.type).secretsViewable) {
      return { available: false, reason: "the test uses the key's secret, and Keywarden holds none for this key" };
    }
    return { available: true, reason: null };
  }

  /**
   * The vendor's facts about a key that the Key shape does not carry, in words: who created it, when it was
   * revoked, what its test calls. The test template's header value is never shown (it holds the secret's place).
   */
  async keyFacts(ref: string): Promise<KeyFact[]> {
    const key = this.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    const details = this.ctx.store.keys.getRemote(row.id, key.id)?.details ?? {};
    const facts: KeyFact[] = [];
    for (const [name, value] of Object.entries(details)) {
      if (value === null || value === '' || name.startsWith('test')) continue;
      const label = FACT_LABELS[name] ?? name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (first) => first.toUpperCase());
      facts.push({ label, value: typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value) });
    }
    const { describeTestTarget } = await import('../backends/manual/connector.js');
    const testTarget = describeTestTarget(details);
    if (testTarget) facts.push({ label: 'Test request', value: testTarget });
    const lineage = this.keyLineage(key.ref);
    if (lineage.replaces) facts.push({ label: 'Replaces', value: linkedKeyText(lineage.replaces), key: lineage.replaces });
    if (lineage.replacedBy) facts.push({ label: 'Replaced by', value: linkedKeyText(lineage.replacedBy), key: lineage.replacedBy });
    return facts;
  }

  /** Which key this one replaces and which key replaced it, as recorded by rotations and revokes (offline). */
  keyLineage(ref: string): KeyLineage {
    const key = this.getKey(ref);
    return this.ctx.store.keys.lineage(this.ctx.store.backends.require(key.backend).id, key.backend, key.id);
  }

  /** Returns the secret, from the encrypted cache or (CommBox) from the vendor, caching it. Audited. */
  async reveal(ref: string, purpose: 'reveal' | 'copy' = 'reveal'): Promise<string> {
    const key = this.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    if (this.ctx.vault.locked) {
      this.ctx.audit(purpose, row.name, ref, 'failed', 'locked');
      throw new KeywardenError('locked', `Keywarden is locked: unlock it to ${purpose} a secret`, { ref });
    }
    try {
      const secret = await this.secretFor(row, key, true);
      if (secret === null) {
        const reason = backendDefinition(row.type).unsupportedReasons.reveal?.replaceAll('{backend}', row.name);
        throw new KeywardenError('secret_not_cached', `${ref}: Keywarden holds no secret for this key${reason ? `. ${reason}` : ''}`, { ref });
      }
      this.ctx.audit(purpose, row.name, ref, 'ok', null);
      return secret;
    } catch (error) {
      this.ctx.audit(purpose, row.name, ref, 'failed', toKeywardenError(error).code);
      throw error;
    }
  }

  private async secretFor(row: BackendRow, key: Key, fetchIfViewable: boolean): Promise<string | null> {
    const sealed = this.ctx.store.keys.getSecret(row.id, key.id);
    if (sealed) return this.ctx.vault.open(this.ctx.keySecretIdentity(row, key.id), sealed);
    if (!fetchIfViewable) return null;
    const connector = await this.ctx.connectorFor(row);
    if (!connector.fetchSecret) return null;
    const secret = await connector.fetchSecret(key.id);
    this.ctx.store.keys.putSecret(row.id, key.id, await this.ctx.sealKeySecret(row, key.id, secret), new Date().toISOString());
    return secret;
  }

  async testKey(ref: string): Promise<TestResult> {
    const key = this.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    this.ctx.requireCapability(row, 'test');
    try {
      const connector = await this.ctx.connectorFor(row);
      const secret = this.ctx.store.keys.getSecret(row.id, key.id) ? await this.secretFor(row, key, false) : null;
      const outcome = await connector.testKey(this.ctx.store.keys.getRemote(row.id, key.id)!, secret);
      const checkedAt = new Date().toISOString();
      this.ctx.store.keys.recordTest(row.id, key.id, checkedAt, outcome.ok);
      this.ctx.audit('test', row.name, ref, outcome.ok ? 'ok' : 'failed', outcome.detail);
      return { ref, ok: outcome.ok, checkedAt, detail: outcome.detail };
    } catch (error) {
      this.ctx.audit('test', row.name, ref, 'failed', toKeywardenError(error).code);
      throw error;
    }
  }

  /**
   * Creates a key at the vendor. The vault is unlocked before the request is sent, so a keychain
   * problem can never strand a shown-once secret; the secret is committed with the key row in one
   * transaction before this returns.
   */
  createKey(backendName: string, name: string): Promise<IssuedKey> {
    const row = this.ctx.store.backends.require(backendName);
    this.ctx.requireCapability(row, 'create');
    // Held from before the request until the secret is committed: a lock meanwhile (the screen locks) waits for it.
    return this.ctx.vault.hold(() => this.createKeyHoldingVault(row, backendName, name));
  }

  private async createKeyHoldingVault(row: BackendRow, backendName: string, name: string): Promise<IssuedKey> {
    await readyToChange(this.ctx, row, 'create');
    const connector = await this.ctx.connectorFor(row);
    if (!connector.createKey) throw this.ctx.unsupported(row, 'create');
    let issued;
    try {
      issued = await connector.createKey(name);
    } catch (caught) {
      const error = toKeywardenError(caught);
      if (changeWasRefused(error)) {
        this.ctx.audit('create', row.name, null, 'failed', error.code);
        throw error;
      }
      return this.reconcileCreate(row, name, error);
    }
    return commitIssuedKey(this.ctx, row, issued, (ref) => ({ action: 'create', ref, outcome: 'ok', detail: 'secret cached encrypted' }));
  }

  /**
   * A create that may have happened (its answer was lost, or a gateway answered 5xx after the vendor acted): the
   * vendor's list says whether it did. Never "try again" unless the list shows no such key.
   */
  private async reconcileCreate(row: BackendRow, name: string, error: KeywardenError): Promise<never> {
    const backendName = row.name;
    const relisted = await relist(this.ctx, row);
    if (!relisted.ok) {
      // The list could not be read either: whether the key exists is still unknown, and "try again" could make a second one.
      this.ctx.audit('create', row.name, null, 'unknown', `answer lost (${error.code}); re-listing failed`);
      throw new KeywardenError(
        'outcome_unknown',
        `${backendName}: the create request's outcome is unknown (${error.message}), and re-listing failed too (${relisted.error ?? 'the backend was not listed'}): the key "${name}" may have been created. Run "keywarden sync ${backendName}" and check before creating it again`,
        { backend: backendName, ref: null, created: null },
        { cause: error },
      );
    }
    const appeared = this.ctx.store.keys.list({ backend: backendName }, this.ctx.now()).find((key) => key.name === name && !key.secretCached);
    this.ctx.audit('create', row.name, appeared?.ref ?? null, 'unknown', appeared ? `created; secret lost in transit (${error.code})` : `not created (${error.code})`);
    throw new KeywardenError(
      'outcome_unknown',
      appeared
        ? `${backendName}: the key "${name}" was created (${appeared.ref}) but its one-time secret was lost in transit (${error.message}). Delete it ("keywarden delete ${appeared.ref} --confirm ${appeared.ref}") and create it again`
        : `${backendName}: the create request's answer was lost (${error.message}); re-listing shows no key "${name}", so it was not created and can be tried again`,
      { backend: backendName, ref: appeared?.ref ?? null, created: Boolean(appeared) },
      { cause: error },
    );
  }

  /**
   * Revokes a key. A replacement the vendor issues (CommBox) is sealed and committed before this
   * returns; its secret is in the result only with `revealReplacement`, and is then audited as a
   * reveal of the replacement, like any other secret that leaves the engine. Otherwise it is null:
   * "keywarden reveal" or "copy" gets it later, audited too.
   */
  revokeKey(ref: string, options: { validityDays?: number; revealReplacement?: boolean } = {}): Promise<RevokeResult> {
    const key = this.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    this.ctx.requireCapability(row, 'revoke');
    // Held for the whole revoke: it opens the credential, and a replacement (CommBox) is sealed after the answer.
    // While Keywarden is locked this refuses at once, so nothing (a replacement's secret least of all) leaves.
    return this.ctx.vault.hold(() => this.revokeKeyHoldingVault(row, key, ref, options));
  }

  private async revokeKeyHoldingVault(row: BackendRow, key: Key, ref: string, options: { validityDays?: number; revealReplacement?: boolean }): Promise<RevokeResult> {
    const connector = await this.ctx.connectorFor(row);
    if (!connector.revokeKey) throw this.ctx.unsupported(row, 'revoke');
    const definition = backendDefinition(row.type);
    // Known before the request: once the key is revoked, the credential it was no longer opens anything.
    const isCredential = definition.credentialIsKey ? (await this.ctx.credentialKeyId(row)) === key.id : false;
    if (isCredential) this.ctx.refuseInTeamHome(`Revoking the key that is ${row.name}'s own credential`);
    await readyToChange(this.ctx, row, 'revoke');
    let outcome;
    try {
      outcome = await connector.revokeKey(key.id, options.validityDays !== undefined ? { validityDays: options.validityDays } : {});
    } catch (caught) {
      const error = toKeywardenError(caught);
      if (changeWasRefused(error)) {
        this.ctx.audit('revoke', row.name, ref, 'failed', error.code);
        throw error;
      }
      return this.reconcileRevoke(row, key, error, options.revealReplacement ?? false, isCredential);
    }
    if (isCredential) {
      await this.ctx.forgetRevokedCredential(row, key.id, () => this.ctx.audit('revoke', row.name, ref, 'ok', 'it was the backend credential: the backend needs a new one'));
      return { revoked: this.getKey(ref), replacement: null };
    }
    // A key the vendor revokes at once (no grace) works nowhere: its secret is not worth keeping.
    const revoked: RevokedKey = { keyId: key.id, remote: outcome.revoked, dropSecret: definition.credentialIsKey === true };
    if (!outcome.replacement) {
      await commitVendorChange(this.ctx, row, { revoked }, { action: 'revoke', ref, outcome: 'ok', detail: null });
      return { revoked: this.getKey(ref), replacement: null };
    }
    const replacement = await commitIssuedKey(
      this.ctx,
      row,
      { ...outcome.replacement, replaces: key },
      (replacementRef) => ({ action: 'revoke', ref, outcome: 'ok', detail: `replacement ${replacementRef} cached encrypted` }),
      { revoked },
    );
    // A replacement that could not be stored is not lost: CommBox shows it again (reveal fetches it), so it is only shown when asked for.
    if (options.revealReplacement) this.ctx.tryAudit('reveal', row.name, replacement.key.ref, 'ok', 'replacement shown after revoke');
    return {
      revoked: this.getKey(ref),
      replacement: { ...replacement, secret: options.revealReplacement ? replacement.secret : null },
    };
  }

  /** A revoke that may have happened: re-list to learn whether it did, and recover what can be recovered. */
  private async reconcileRevoke(row: BackendRow, before: Key, error: KeywardenError, revealReplacement: boolean, isCredential: boolean): Promise<RevokeResult> {
    const listed = await relist(this.ctx, row);
    // The revoked key was the credential: a re-list refused with 401 is the vendor saying it is revoked.
    const refused = listed.errorCode === 'unauthorized';
    if (isCredential && (refused || (listed.ok && !this.ctx.store.keys.get(row.name, before.id, this.ctx.now())))) {
      await this.ctx.forgetRevokedCredential(row, before.id, () =>
        this.ctx.audit('revoke', row.name, before.ref, 'ok', 'answer lost; the vendor now refuses the key (it was the backend credential: the backend needs a new one)'),
      );
      return { revoked: this.getKey(before.ref), replacement: null };
    }
    if (!listed.ok) {
      this.ctx.audit('revoke', row.name, before.ref, 'unknown', `answer lost (${error.code}); re-listing failed`);
      throw error;
    }
    const after = this.ctx.store.keys.get(row.name, before.id, this.ctx.now());
    if (after && after.status === 'active') {
      this.ctx.audit('revoke', row.name, before.ref, 'failed', `answer lost (${error.code}); re-listing shows the key still active`);
      throw new KeywardenError('outcome_unknown', `${row.name}: the revoke request's answer was lost and re-listing shows ${before.ref} still active: it was not revoked and can be tried again`, {
        ref: before.ref,
        revoked: false,
      });
    }
    // It happened. A vendor that issues replacements can show them again (CommBox), so recover the new key's secret.
    const replacement = backendDefinition(row.type).revokeIssuesReplacement ? newestReplacement(this.ctx, row, before.id) : null;
    let issued: IssuedKey | null = null;
    if (replacement) {
      const secret = await this.secretFor(this.ctx.store.backends.require(row.name), replacement, true);
      issued = { key: this.getKey(replacement.ref), secret: revealReplacement ? secret : null, cached: true };
    }
    this.ctx.audit('revoke', row.name, before.ref, 'ok', 'answer lost; confirmed by re-listing');
    if (issued && issued.secret !== null) this.ctx.audit('reveal', row.name, issued.key.ref, 'ok', 'replacement shown after revoke');
    return { revoked: after, replacement: issued };
  }

  async deleteKey(ref: string): Promise<void> {
    const key = this.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    this.ctx.requireCapability(row, 'delete');
    await readyToChange(this.ctx, row, 'delete');
    const connector = await this.ctx.connectorFor(row);
    if (!connector.deleteKey) throw this.ctx.unsupported(row, 'delete');
    try {
      await connector.deleteKey(key.id);
    } catch (caught) {
      const error = toKeywardenError(caught);
      if (changeWasRefused(error)) {
        this.ctx.audit('delete', row.name, ref, 'failed', error.code);
        throw error;
      }
      const listed = await relist(this.ctx, row);
      const stillThere = listed.ok && this.ctx.store.keys.get(row.name, key.id, this.ctx.now());
      if (!listed.ok || stillThere) {
        this.ctx.audit('delete', row.name, ref, 'unknown', `answer lost (${error.code})`);
        throw stillThere
          ? new KeywardenError('outcome_unknown', `${row.name}: the delete request's answer was lost and re-listing still shows ${ref}: it was not deleted and can be tried again`, { ref })
          : error;
      }
    }
    await commitVendorChange(this.ctx, row, { deleted: key.id }, { action: 'delete', ref, outcome: 'ok', detail: null });
  }

  /** Whether this key is its backend's own credential (BoxWatch), so revoking it takes Keywarden's access with it. */
  async isCredentialKey(ref: string): Promise<boolean> {
    const key = this.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    return backendDefinition(row.type).credentialIsKey === true && (await this.ctx.credentialKeyId(row)) === key.id;
  }

  /** Records a key of a vendor without an API in a manual backend; its secret, if given, is sealed and committed with it and its audit event. */
  async addManualKey(backendName: string, input: ManualKeyInput): Promise<Key> {
    const { row, remote, description } = await this.manualKeyDraft(backendName, input);
    const keyId = remote.id;
    const ref = `${row.name}/${keyId}`;
    // Sealed after the details: the test template is bound into the secret's associated data.
    const sealed = input.secret ? await this.ctx.sealKeySecret(row, keyId, input.secret, remote.details) : null;
    const at = new Date().toISOString();
    // The key, its secret and its audit event commit together, or none of them (store/keys.ts `record`).
    this.ctx.store.keys.record(
      row.id,
      { key: remote, sealed, at, syncedAt: null, rotateEveryDays: this.ctx.rotationDays(row), description },
      this.ctx.auditEntry('key.add', row.name, ref, 'ok', [sealed ? 'secret cached encrypted' : 'no secret', describeDescriptionChange(NO_DESCRIPTION, description)].filter(Boolean).join('; ')),
    );
    return this.getKey(ref);
  }

  /**
   * A manual key as `addManualKey` would record it, every input checked (name, dates, policy, test template), nothing
   * written: the personal path records it in the store, a team home's path (`team/workflow.ts`) writes it to the team.
   */
  async manualKeyDraft(backendName: string, input: ManualKeyInput): Promise<{ row: BackendRow; remote: RemoteKey; description: KeyDescription }> {
    const row = this.ctx.store.backends.require(backendName);
    if (row.type !== 'manual') {
      throw new KeywardenError(
        'invalid_input',
        `${backendName} is a ${backendDefinition(row.type).displayName} backend: its keys come from the vendor ("keywarden sync ${backendName}"); "key add" is for manual backends`,
      );
    }
    // Each refusal names the input field it is about (`details.field`): the console shows it under that field.
    const name = input.name.trim();
    if (name === '' || name.length > 200) throw new KeywardenError('invalid_input', 'the key name must be 1 to 200 characters', { field: 'name' });
    if (input.expiresAt && input.rotateEveryDays) throw new KeywardenError('invalid_input', 'give either an expiry date or a rotation interval, not both', { field: 'expiresAt' });
    const createdAt = input.createdAt ? inField('createdAt', () => parseUserDate(input.createdAt!, 'created date')) : new Date().toISOString();
    const expiresAt = input.expiresAt ? inField('expiresAt', () => parseUserDate(input.expiresAt!, 'expiry date')) : null;
    if (expiresAt && Date.parse(expiresAt) <= Date.parse(createdAt)) throw new KeywardenError('invalid_input', 'the expiry date must be after the created date', { field: 'expiresAt' });
    const rotateEveryDays = inField('rotateEveryDays', () => checkPolicyDays(input.rotateEveryDays ?? null, 'rotation interval'));
    if (input.test) {
      // The whole template: URL (scheme, user info, fragment, address), header name and value, status (each names its field).
      const { checkTestTemplate } = await import('../backends/manual/connector.js');
      checkTestTemplate(input.test);
      if (!input.secret) throw new KeywardenError('invalid_input', "a test sends the key itself: give the key's secret too", { field: 'secret' });
    }
    const description = applyDescriptionChange(NO_DESCRIPTION, input.description ?? {});
    const keyId = `${slug(name)}-${randomBytes(3).toString('hex')}`;
    const details: Record<string, string | number | boolean | null> = { vendor: input.vendor ?? null };
    if (rotateEveryDays) details.rotateEveryDays = rotateEveryDays;
    if (input.test)
      Object.assign(details, {
        testUrl: input.test.url,
        testHeader: input.test.header,
        testValue: input.test.valueTemplate,
        testExpectStatus: input.test.expectStatus,
        testAllowPrivateNetwork: input.test.allowPrivateNetwork === true,
      });
    const remote: RemoteKey = { id: keyId, name, prefix: input.secret ? maskedTail(input.secret) : null, status: 'active', createdAt, expiresAt, graceEndsAt: null, lastUsedAt: null, details };
    return { row, remote, description };
  }

  /**
   * Changes what the administrator says about a key (owner, environment, tags, notes): any key, of any backend, since
   * it is Keywarden's own record and no vendor is asked. The change and its audit event commit together (in a team
   * home, in the team's transaction, then the copy pulls); a change that changes nothing writes nothing.
   */
  async describeKey(ref: string, change: KeyDescriptionChange): Promise<Key> {
    await this.describeKeys([this.getKey(ref)], change, () => {});
    return this.getKey(ref);
  }

  /**
   * Changes a manual key's dates: its creation date, and either its expiry or its own rotation interval
   * (setting one clears the other, as when the key was added). Due dates and reminders follow at once.
   * The secret and its test template are untouched, so the sealed secret still opens.
   */
  async updateManualKey(ref: string, changes: ManualKeyDates): Promise<Key> {
    const key = this.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    if (row.type !== 'manual') {
      throw new KeywardenError('invalid_input', `${ref} belongs to a ${backendDefinition(row.type).displayName} backend: its dates come from the vendor, so only manual keys can be edited`);
    }
    if (changes.expiresAt && changes.rotateEveryDays) throw new KeywardenError('invalid_input', 'give either an expiry date or a rotation interval, not both', { field: 'expiresAt' });
    const remote = this.ctx.store.keys.getRemote(row.id, key.id)!;
    const details = { ...remote.details };
    const createdAt = changes.createdAt ? inField('createdAt', () => parseUserDate(changes.createdAt!, 'created date')) : remote.createdAt;
    let expiresAt = changes.expiresAt === undefined ? remote.expiresAt : changes.expiresAt === null ? null : inField('expiresAt', () => parseUserDate(changes.expiresAt!, 'expiry date'));
    if (changes.expiresAt) delete details.rotateEveryDays;
    if (changes.rotateEveryDays !== undefined) {
      const interval = changes.rotateEveryDays;
      const days = inField('rotateEveryDays', () => checkPolicyDays(interval, 'rotation interval'));
      if (days === null) delete details.rotateEveryDays;
      else {
        details.rotateEveryDays = days;
        expiresAt = null;
      }
    }
    if (expiresAt && createdAt && Date.parse(expiresAt) <= Date.parse(createdAt))
      throw new KeywardenError('invalid_input', 'the expiry date must be after the created date', { field: 'expiresAt' });
    const described = [
      createdAt !== remote.createdAt ? `created ${createdAt}` : null,
      expiresAt !== remote.expiresAt ? `expires ${expiresAt ?? 'never'}` : null,
      details.rotateEveryDays !== remote.details?.rotateEveryDays ? `rotate every ${details.rotateEveryDays ?? '(backend policy)'} days` : null,
    ].filter(Boolean);
    // No secret given: the cached one stays (its test template did not change, so it still opens). The edit and its event commit together.
    const edited = { ...remote, createdAt, expiresAt, details };
    const event = { action: 'key.edit', ref, outcome: 'ok' as const, detail: described.length ? described.join(', ') : 'no change' };
    const team = await this.ctx.teamWrites();
    if (team) await team.recordKey(row, edited, event);
    else {
      this.ctx.store.keys.record(
        row.id,
        { key: edited, sealed: null, at: new Date().toISOString(), syncedAt: null, rotateEveryDays: this.ctx.rotationDays(row) },
        this.ctx.auditEntry(event.action, row.name, ref, event.outcome, event.detail),
      );
    }
    return this.getKey(ref);
  }
}

/** Words for the vendor facts Keywarden knows; others are shown with their name spelled out. */
const FACT_LABELS: Record<string, string> = {
  vendor: 'Vendor',
  url: 'URL',
  group: 'Group (imported from)',
  createdBy: 'Created by',
  revokedAt: 'Revoked at',
  rotateEveryDays: 'Rotate every (days)',
};

export function parseRef(ref: string): { backend: string; keyId: string } {
  const slash = ref.indexOf('/');
  const backend = slash > 0 ? ref.slice(0, slash) : '';
  const keyId = slash > 0 ? ref.slice(slash + 1) : '';
  if (!BACKEND_NAME_PATTERN.test(backend) || keyId === '') {
    throw new KeywardenError('invalid_input', `"${ref}" is not a key reference; references look like <backend>/<id>, as "keywarden list" shows them`, { ref });
  }
  return { backend, keyId };
}

/** A readable, URL-safe id stem from a label: "Stripe (prod)" → "stripe-prod". */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'key'
  );
}

/** Identifies a manual key by its last four characters, as vendors' consoles do; not for short secrets, where four is too much. */
export function maskedTail(secret: string): string | null {
  return secret.length >= 16 ? `…${secret.slice(-4)}` : null;
}
