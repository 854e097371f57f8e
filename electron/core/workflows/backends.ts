/**
 * Backends: registering them (the credential tested before anything is stored), their credentials and
 * rotation policies, CommBox's vendor-side interval, and moving a backend to a new address. In a team home a backend
 * and its credential are the team's: written there by an admin (`TeamWrites`), then pulled into the local copy.
 */
import type { BackendSummary, BackendType } from '../../../shared/domain.js';
import { BACKEND_NAME_PATTERN, BACKEND_NAME_RULE, MAX_POLICY_DAYS } from '../../../shared/rules.js';
import type { BackendDefinition } from '../backends/backend.js';
import { backendDefinition } from '../backends/registry.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import { plural } from '../text.js';
import { credentialIdentity, type EngineContext } from './context.js';
import type { SealedSecret } from '../vault/vault.js';

export interface AddBackendInput {
  name: string;
  type: BackendType;
  url?: string | null;
  credential?: string | null;
  rotateEveryDays?: number | null;
  settings?: Record<string, unknown>;
}

export class BackendWorkflows {
  constructor(private readonly ctx: EngineContext) {}

  async addBackend(input: AddBackendInput): Promise<BackendSummary> {
    const definition = backendDefinition(input.type);
    checkBackendName(input.name);
    refuseUnusedBackendInput(input.type, { url: input.url ?? null, credential: Boolean(input.credential) });
    const rotateEveryDays = checkPolicyDays(input.rotateEveryDays ?? null, 'rotation policy');
    let url: string | null = null;
    if (definition.requiresUrl) {
      if (!input.url) throw new KeywardenError('invalid_input', `a ${definition.displayName} backend needs --url (its API's base URL)`);
      const { checkBackendUrl } = await import('../backends/url-policy.js');
      url = checkBackendUrl(input.url);
    }
    if (definition.requiresCredential && !input.credential) {
      throw new KeywardenError('invalid_input', `a ${definition.displayName} backend needs a credential: pass it on standard input with --credential-stdin`);
    }
    if (this.ctx.store.backends.find(input.name)) {
      throw new KeywardenError('conflict', `a backend named "${input.name}" already exists; choose another name or remove it first`, { backend: input.name });
    }
    const team = await this.ctx.teamWrites();
    // A team's backend is an admin's to add: refused before the credential is tried at the vendor.
    await team?.ready('backend', null);
    const backend = { name: input.name, type: input.type, url, settings: input.settings ?? {}, rotateEveryDays, createdAt: new Date().toISOString() };
    const event = { action: 'backend.add', ref: null, outcome: 'ok' as const, detail: `${definition.displayName}${url ? ` at ${url}` : ''}` };
    // Prove the credential works before anything is stored: a typo should not become a broken backend.
    if (input.credential) await this.verifyCredential(definition, input.name, url, input.credential, input.settings ?? {});
    if (team) {
      await team.addBackend(backend, input.credential ?? null, event);
      return this.getBackend(input.name);
    }
    const sealed = input.credential ? await this.ctx.vault.seal(credentialIdentity(backend), input.credential) : null;
    const row = this.ctx.store.backends.insert(backend, sealed);
    this.ctx.audit(event.action, row.name, null, event.outcome, event.detail);
    return this.ctx.summarise(row);
  }

  listBackends(): BackendSummary[] {
    return this.ctx.store.backends.list().map((row) => this.ctx.summarise(row));
  }

  getBackend(name: string): BackendSummary {
    return this.ctx.summarise(this.ctx.store.backends.require(name));
  }

  async removeBackend(name: string): Promise<void> {
    const row = this.ctx.store.backends.require(name);
    const event = { action: 'backend.remove', ref: null, outcome: 'ok' as const, detail: `${plural(row.keyCount, 'key')} removed from the inventory` };
    const team = await this.ctx.teamWrites();
    await this.ctx.dropConnector(name);
    if (team) return team.removeBackend(name, event);
    this.ctx.store.backends.delete(row.id);
    this.ctx.audit(event.action, name, null, event.outcome, event.detail);
  }

  /**
   * Replaces a backend's credential, testing the new one first: the old credential stays in place
   * unless the new one is proven to work.
   */
  async setCredential(name: string, credential: string): Promise<BackendSummary> {
    const row = this.ctx.store.backends.require(name);
    const definition = backendDefinition(row.type);
    if (!definition.requiresCredential) throw new KeywardenError('unsupported', `${name}: ${definition.displayName} backends have no credential`);
    const team = await this.ctx.teamWrites();
    await team?.ready('backend', row);
    try {
      await this.verifyCredential(definition, name, row.url, credential, row.settings);
    } catch (error) {
      this.ctx.audit('backend.set-credential', name, null, 'failed', toKeywardenError(error).code);
      throw error;
    }
    const event = { action: 'backend.set-credential', ref: null, outcome: 'ok' as const, detail: 'tested, then stored' };
    if (team) await team.setCredential(row, credential, event);
    else {
      this.ctx.store.backends.setCredentialSealed(row.id, await this.ctx.vault.seal(credentialIdentity(row), credential));
      this.ctx.audit(event.action, name, null, event.outcome, event.detail);
    }
    await this.ctx.dropConnector(name);
    // Where the credential is itself a listed key (BoxWatch), sync so it shows as cached and revealable.
    const connector = await this.ctx.connectorFor(row);
    if (connector.keyIdForCredential) await this.ctx.sync([name]);
    return this.getBackend(name);
  }

  /**
   * Points an existing backend at a new URL with a new credential, keeping its keys and their cached
   * secrets (sealed again for the new destination). The demo uses it: its emulators start on new ports each run.
   */
  async reconnectBackend(name: string, url: string, credential: string): Promise<BackendSummary> {
    const row = this.ctx.store.backends.require(name);
    this.ctx.refuseInTeamHome(`Moving backend ${name} to another address`);
    const { checkBackendUrl } = await import('../backends/url-policy.js');
    const checkedUrl = checkBackendUrl(url);
    await this.verifyCredential(backendDefinition(row.type), name, checkedUrl, credential, row.settings);
    const moved = { ...row, url: checkedUrl };
    // The old credential is bound to the old URL: a move always comes with the credential for the new place.
    const sealedCredential = await this.ctx.vault.seal(credentialIdentity(moved), credential);
    // Cached secrets are bound to the old URL; re-seal them for the new one in the same transaction.
    const resealed: Array<{ keyId: string; sealed: SealedSecret }> = [];
    for (const key of this.ctx.store.keys.list({ backend: name }, this.ctx.now())) {
      if (!key.secretCached) continue;
      const secret = await this.ctx.vault.open(this.ctx.keySecretIdentity(row, key.id), this.ctx.store.keys.getSecret(row.id, key.id)!);
      resealed.push({ keyId: key.id, sealed: await this.ctx.sealKeySecret(moved, key.id, secret) });
    }
    const at = new Date().toISOString();
    this.ctx.store.transaction(() => {
      this.ctx.store.backends.updateEndpoint(row.id, checkedUrl, sealedCredential);
      for (const { keyId, sealed } of resealed) this.ctx.store.keys.putSecret(row.id, keyId, sealed, at);
    });
    await this.ctx.dropConnector(name);
    this.ctx.audit('backend.reconnect', name, null, 'ok', `now at ${checkedUrl}`);
    return this.getBackend(name);
  }

  /** Proves a credential works at `url` before anything is stored, with a throw-away connector. */
  private async verifyCredential(definition: BackendDefinition, name: string, url: string | null, credential: string, settings: Record<string, unknown>): Promise<void> {
    const probe = await this.ctx.buildConnector(definition, name, url, async () => credential, settings);
    try {
      await probe.connector.verifyCredential(credential);
    } finally {
      await probe.http.close();
    }
  }

  async setRotationPolicy(name: string, days: number | null): Promise<BackendSummary> {
    const row = this.ctx.store.backends.require(name);
    const checked = checkPolicyDays(days, 'rotation policy');
    const event = { action: 'backend.set-policy', ref: null, outcome: 'ok' as const, detail: checked === null ? 'vendor default' : `every ${plural(checked, 'day')}` };
    const team = await this.ctx.teamWrites();
    if (team) await team.setRotationPolicy(row, checked, event);
    else {
      this.ctx.store.keys.setRotationPolicy(row.id, checked, checked ?? backendDefinition(row.type).defaultRotationDays);
      this.ctx.audit(event.action, name, null, event.outcome, event.detail);
    }
    return this.getBackend(name);
  }

  /**
   * CommBox: sets the admin's replacement interval at the vendor, then re-lists so the active key's
   * new expiry (or the rotation it triggered) shows at once and reminders follow it.
   */
  async setVendorRotationInterval(name: string, days: number): Promise<{ backend: BackendSummary; intervalDays: number }> {
    const row = this.ctx.store.backends.require(name);
    // In a team home its outcome (the re-listed key) is the team's: the change waits for its server, as a sync does.
    await (await this.ctx.teamWrites())?.ready('sync', row);
    const connector = await this.ctx.connectorFor(row);
    if (!connector.setRotationInterval) {
      throw new KeywardenError(
        'unsupported',
        `${name}: ${backendDefinition(row.type).displayName} has no vendor-side rotation interval; use "keywarden backend set-policy" for Keywarden's own reminder policy`,
      );
    }
    let intervalDays: number;
    try {
      ({ intervalDays } = await connector.setRotationInterval(days));
    } catch (error) {
      const typed = toKeywardenError(error);
      this.ctx.audit('backend.set-interval', name, null, typed.code === 'outcome_unknown' ? 'unknown' : 'failed', typed.code);
      throw typed;
    }
    this.ctx.audit('backend.set-interval', name, null, 'ok', plural(intervalDays, 'day'));
    const report = await this.ctx.sync([name]);
    if (!report.ok) throw new KeywardenError('vendor_unavailable', `${name}: the interval was set to ${plural(intervalDays, 'day')}, but re-listing failed: ${report.results[0]?.error}`);
    return { backend: this.getBackend(name), intervalDays };
  }
}

/**
 * Refuses what a backend type has no use for (a manual backend's URL or credential), instead of storing
 * or ignoring it: an accepted --url that does nothing, or a credential "tested and stored" that no
 * command can ever use, misleads. Exported so the CLI can refuse before it reads a credential from stdin.
 */
export function refuseUnusedBackendInput(type: BackendType, input: { url: string | null; credential: boolean }): void {
  const definition = backendDefinition(type);
  if (!definition.requiresUrl && input.url) {
    throw new KeywardenError(
      'invalid_input',
      `${definition.displayName.toLowerCase()} backends have no URL: Keywarden calls no vendor API for them (a key's own test URL is given with "keywarden key add --test-url")`,
    );
  }
  if (!definition.requiresCredential && input.credential) {
    throw new KeywardenError('invalid_input', `${definition.displayName.toLowerCase()} backends have no credential: each key's secret is given with "keywarden key add --secret-stdin"`);
  }
}

function checkBackendName(name: string): void {
  if (!BACKEND_NAME_PATTERN.test(name)) throw new KeywardenError('invalid_input', `"${name}" is not a valid backend name: ${BACKEND_NAME_RULE}`);
}

export function checkPolicyDays(days: number | null, what: string): number | null {
  if (days === null) return null;
  if (!Number.isInteger(days) || days < 1 || days > MAX_POLICY_DAYS) {
    throw new KeywardenError('invalid_input', `the ${what} must be a whole number of days from 1 to ${MAX_POLICY_DAYS}`);
  }
  return days;
}
