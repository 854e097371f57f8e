/**
 * The steps of a rotation, each written to the journal before and after it acts:
 * - a vendor step writes `intent` (committed) before its request, and its outcome after, in the transaction that
 *   stores what the vendor answered: a shown-once key is sealed and committed together with its step's `done`;
 * - a step found at `intent` or `unknown` (a crash, a kill, a lost answer) is reconciled by re-listing the
 *   backend before anything is sent again: a create or a revoke is never repeated blindly;
 * - a create whose answer was lost and whose key is listed can never be recovered (its secret was shown once, to
 *   nobody): the rotation says so and offers the remedy, to delete that key and create another.
 * Each step also passes the test-only fault points (`fault-points.ts`) before, between and after.
 */
import type { IssuedKey, Key } from '../../../shared/domain.js';
import type { RotationAdvance, RotationStepName } from '../../../shared/rotation.js';
import type { Connector } from '../backends/backend.js';
import { backendDefinition } from '../backends/registry.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import type { BackendRow } from '../store/store.js';
import type { RotationRow, RotationStepRow } from '../store/rotations.js';
import { plural } from '../text.js';
import { credentialIdentity, type EngineContext, rotationSecretIdentity } from '../workflows/context.js';
import { type KeyWorkflows, maskedTail } from '../workflows/keys.js';
import { changeWasRefused, commitIssuedKey, commitManualKey, commitVendorChange, newestReplacement, relist, takeOver } from '../workflows/vendor-changes.js';
import { faultPoint } from './fault-points.js';
import { type JournalOptions, nextFreeName } from './plans.js';
import type { SealedSecret } from '../vault/vault.js';

/** What a step did: go on to the next step, wait for the administrator, or stop (a problem is recorded). */
export interface StepResult {
  next: 'continue' | 'wait' | 'stop';
  /** The administrator's answer was used by this step. */
  consumed?: boolean;
  /** A shown-once key this step received (already committed). */
  issued?: IssuedKey;
}

/** Problems a rotation can be blocked by; the first two have a remedy. */
export type ProblemKind = 'secret-lost' | 'name-taken' | 'step-failed' | 'outcome-unknown' | 'test-failed';

const DAY_MS = 86_400_000;

/**
 * Where the journal is kept beyond this data folder: in a team home, a step's intent is written through to the team's
 * journal (under the member's lease) before the vendor is asked (rotation/workflow.ts, team/rotations.ts). A
 * personal folder's is a no-op.
 */
export interface StepJournal {
  intentWritten(rotationId: number): Promise<void>;
}

export class RotationSteps {
  constructor(
    private readonly ctx: EngineContext,
    private readonly keys: KeyWorkflows,
    private readonly journal: StepJournal = { intentWritten: async () => {} },
  ) {}

  /** Runs the rotation's current step with the administrator's answer, if any. */
  async run(rotation: RotationRow, step: RotationStepRow, input: RotationAdvance | null): Promise<StepResult> {
    const row = this.ctx.store.backends.require(rotation.backendName);
    switch (step.name) {
      // The steps that receive a shown-once secret hold the data key until it is committed (see Vault.hold).
      case 'revoke-old':
        return this.ctx.vault.hold(() => this.revokeOld(rotation, step, row));
      case 'create-new':
        return this.ctx.vault.hold(() => this.createNew(rotation, step, row));
      case 'paste-new':
        return this.pasteNew(rotation, row, input);
      case 'test-new':
        return this.testNew(rotation, row);
      case 'record-dates':
        return this.recordDates(rotation, row);
      case 'switch-consumers':
        return this.switchConsumers(rotation, step, input);
      case 'delete-old':
        return this.deleteOld(rotation, step, row, input);
    }
  }

  // ---- journal -----------------------------------------------------------------------------------

  private now(): string {
    return new Date().toISOString();
  }

  /** The step's intent, committed (in a team home, also in the team's journal) before anything is sent to the vendor. */
  private async intent(rotation: RotationRow, name: RotationStepName): Promise<void> {
    this.ctx.store.rotations.setStep(rotation.id, name, 'intent', this.now());
    await this.journal.intentWritten(rotation.id);
    faultPoint(name, 'before');
  }

  /**
   * As `done`, where what the vendor did is committed by a vendor-changes function (`commit`: to the team in a team
   * home, then pulled), which writes the step's outcome in its local transaction.
   */
  private async doneThrough(rotation: RotationRow, name: RotationStepName, detail: string, commit: (step: (at: string) => void) => Promise<void>): Promise<void> {
    await commit((at) => this.ctx.store.rotations.setStep(rotation.id, name, 'done', at, detail));
    faultPoint(name, 'after');
    this.ctx.audit('rotation.step', rotation.backendName, this.ref(rotation), 'ok', `rotation ${rotation.id}: ${name} done: ${detail}`);
  }

  /** The step's outcome, committed with `alsoWrite` (what the vendor answered) in one transaction. */
  private done(rotation: RotationRow, name: RotationStepName, detail: string, alsoWrite?: () => void, status: 'done' | 'skipped' = 'done'): void {
    this.ctx.store.transaction(() => {
      alsoWrite?.();
      this.ctx.store.rotations.setStep(rotation.id, name, status, this.now(), detail);
    });
    faultPoint(name, 'after');
    this.ctx.audit('rotation.step', rotation.backendName, this.ref(rotation), 'ok', `rotation ${rotation.id}: ${name} ${status}: ${detail}`);
  }

  private block(rotation: RotationRow, name: RotationStepName, status: 'failed' | 'unknown', kind: ProblemKind, message: string): StepResult {
    const at = this.now();
    this.ctx.store.transaction(() => {
      this.ctx.store.rotations.setStep(rotation.id, name, status, at, message);
      this.ctx.store.rotations.update(rotation.id, { problem: { kind, message } }, at);
    });
    this.ctx.tryAudit('rotation.step', rotation.backendName, this.ref(rotation), status === 'unknown' ? 'unknown' : 'failed', `rotation ${rotation.id}: ${name}: ${message}`);
    return { next: 'stop' };
  }

  /** The rotated key, which its replacement takes over (`takeOver`); null when it is gone already. */
  private rotatedKey(row: BackendRow, rotation: RotationRow): Key | null {
    return this.ctx.store.keys.get(row.name, rotation.keyId, this.ctx.now());
  }

  private ref(rotation: RotationRow): string {
    return `${rotation.backendName}/${rotation.keyId}`;
  }

  private options(rotation: RotationRow): JournalOptions {
    return rotation.options;
  }

  // ---- revoke ------------------------------------------------------------------------------------

  private async revokeOld(rotation: RotationRow, step: RotationStepRow, row: BackendRow): Promise<StepResult> {
    if (step.status === 'intent' || step.status === 'unknown') {
      const reconciled = await this.reconcileRevoke(rotation, row, null);
      if (reconciled) return reconciled;
    }
    const connector = await this.ctx.connectorFor(row);
    if (!connector.revokeKey) throw this.ctx.unsupported(row, 'revoke');
    const options = this.options(rotation);
    await this.intent(rotation, 'revoke-old');
    let outcome;
    try {
      outcome = await connector.revokeKey(rotation.keyId, options.validityDays !== undefined ? { validityDays: options.validityDays } : {});
    } catch (caught) {
      const error = toKeywardenError(caught);
      this.ctx.audit('revoke', row.name, this.ref(rotation), changeWasRefused(error) ? 'failed' : 'unknown', `rotation ${rotation.id}: ${error.code}`);
      if (changeWasRefused(error)) return this.block(rotation, 'revoke-old', 'failed', 'step-failed', `${error.message}; resume to try again, or abandon`);
      this.ctx.store.rotations.setStep(rotation.id, 'revoke-old', 'unknown', this.now(), `answer lost (${error.code}); re-listing`);
      return (await this.reconcileRevoke(rotation, row, error)) ?? { next: 'continue' };
    }
    faultPoint('revoke-old', 'answered');
    if (outcome.replacement) {
      const replacement = outcome.replacement;
      const newRef = `${row.name}/${replacement.key.id}`;
      const committed = await commitIssuedKey(
        this.ctx,
        row,
        { ...replacement, replaces: this.rotatedKey(row, rotation) },
        () => ({ action: 'revoke', ref: this.ref(rotation), outcome: 'ok', detail: `rotation ${rotation.id}: replacement ${newRef} cached encrypted` }),
        {
          revoked: { keyId: rotation.keyId, remote: outcome.revoked, dropSecret: false },
          also: (at) => {
            this.ctx.store.rotations.update(rotation.id, { newKeyId: replacement.key.id, graceEndsAt: outcome.revoked?.graceEndsAt ?? null }, at);
            this.ctx.store.rotations.setStep(rotation.id, 'revoke-old', 'done', at, `revoked; replacement ${newRef} cached encrypted`);
          },
        },
      );
      // A replacement the vendor shows again on request is not lost: the next resume re-lists and fetches it.
      if (!committed.cached) return this.block(rotation, 'revoke-old', 'unknown', 'outcome-unknown', 'the database stayed busy; resume to record the revoke from the vendor list');
      faultPoint('revoke-old', 'after');
      return { next: 'continue' };
    }
    await this.revoked(rotation, row, 'revoked', `rotation ${rotation.id}`);
    return { next: 'continue' };
  }

  /** Records a revoke without a replacement: the key, its cached secret, and (if it was one) the backend's credential. */
  private async revoked(rotation: RotationRow, row: BackendRow, detail: string, revokeAudit: string): Promise<void> {
    // The revoke's audit event goes in the same transaction as what it records: no kill can separate the two.
    const write = () => {
      this.ctx.store.rotations.setStep(rotation.id, 'revoke-old', 'done', this.now(), detail);
      this.ctx.audit('revoke', row.name, this.ref(rotation), 'ok', revokeAudit);
    };
    if (this.options(rotation).oldIsCredential && this.ctx.store.backends.getCredentialSealed(row.id) && (await this.stillCredential(row, rotation.keyId))) {
      await this.ctx.forgetRevokedCredential(row, rotation.keyId, write);
    } else {
      // A key revoked at once (no replacement, no grace) works nowhere: its secret goes.
      await commitVendorChange(
        this.ctx,
        row,
        { revoked: { keyId: rotation.keyId, remote: null, dropSecret: true } },
        { action: 'revoke', ref: this.ref(rotation), outcome: 'ok', detail: revokeAudit },
        (at) => this.ctx.store.rotations.setStep(rotation.id, 'revoke-old', 'done', at, detail),
      );
    }
    faultPoint('revoke-old', 'after');
    this.ctx.audit('rotation.step', row.name, this.ref(rotation), 'ok', `rotation ${rotation.id}: revoke-old done: ${detail}`);
  }

  /** Whether the backend's stored credential is still this key (it is not once a new key was pasted). */
  private async stillCredential(row: BackendRow, keyId: string): Promise<boolean> {
    const current = await this.ctx.credentialKeyId(row);
    // The key may be gone from the inventory already (a re-list after the revoke): then the credential can only be it.
    return current === keyId || (current === null && !this.ctx.store.keys.get(row.name, keyId, this.ctx.now()));
  }

  /**
   * A revoke whose answer is unknown: re-list, and record what the list shows. Returns null when it did not
   * happen (the caller may send it), else what to do next.
   */
  private async reconcileRevoke(rotation: RotationRow, row: BackendRow, cause: KeywardenError | null): Promise<StepResult | null> {
    const listed = await relist(this.ctx, row);
    const credentialRefused = this.options(rotation).oldIsCredential === true && listed.errorCode === 'unauthorized';
    if (!listed.ok && !credentialRefused) {
      return this.block(rotation, 'revoke-old', 'unknown', 'outcome-unknown', `the revoke's outcome is unknown and re-listing failed (${listed.error}); resume to look again`);
    }
    const after = listed.ok ? this.ctx.store.keys.get(row.name, rotation.keyId, this.ctx.now()) : null;
    if (after && after.status === 'active') {
      // It did not happen: safe to send, now that the list says so.
      if (cause) return this.block(rotation, 'revoke-old', 'failed', 'step-failed', `${cause.message}; re-listing shows ${after.ref} still active: resume to revoke it again`);
      return null;
    }
    const fresh = this.ctx.store.backends.require(row.name);
    if (!backendDefinition(row.type).revokeIssuesReplacement) {
      await this.revoked(rotation, fresh, 'answer lost; re-listing shows the key revoked', `rotation ${rotation.id}: answer lost; confirmed by re-listing`);
      return { next: 'continue' };
    }
    // The vendor issued a replacement: the active key other than the old one. A vendor that shows keys again gives its secret back.
    const replacement = newestReplacement(this.ctx, fresh, rotation.keyId);
    if (!replacement) return this.block(rotation, 'revoke-old', 'unknown', 'outcome-unknown', `${this.ref(rotation)} is no longer active, but no replacement is listed; sync, then resume`);
    let sealed: SealedSecret | null = null;
    if (!this.ctx.store.keys.getSecret(fresh.id, replacement.id)) {
      const connector = await this.ctx.connectorFor(fresh);
      if (connector.fetchSecret) sealed = await this.ctx.sealKeySecret(fresh, replacement.id, await connector.fetchSecret(replacement.id));
    }
    const at = this.now();
    const replaced = after ?? this.rotatedKey(fresh, rotation);
    this.done(rotation, 'revoke-old', `answer lost; re-listing shows the revoke done and the replacement ${replacement.ref}${sealed ? ', cached encrypted' : ''}`, () => {
      if (sealed) this.ctx.store.keys.putSecret(fresh.id, replacement.id, sealed, at);
      if (replaced) this.ctx.store.keys.recordReplacement(fresh.id, replacement.id, takeOver(replaced), at);
      this.ctx.store.rotations.update(rotation.id, { newKeyId: replacement.id, graceEndsAt: after?.graceEndsAt ?? null }, at);
    });
    this.ctx.audit('revoke', row.name, this.ref(rotation), 'ok', `rotation ${rotation.id}: answer lost; confirmed by re-listing`);
    return { next: 'continue' };
  }

  // ---- create ------------------------------------------------------------------------------------

  private async createNew(rotation: RotationRow, step: RotationStepRow, row: BackendRow): Promise<StepResult> {
    const options = this.options(rotation);
    const name = options.newName!;
    const connector = await this.ctx.connectorFor(row);
    if (!connector.createKey) throw this.ctx.unsupported(row, 'create');
    if (options.orphan) {
      const cleared = await this.deleteOrphan(rotation, row, connector, options.orphan);
      if (cleared) return cleared;
    }
    if (step.status === 'intent' || step.status === 'unknown') {
      const reconciled = await this.reconcileCreate(rotation, row, name, null);
      if (reconciled) return reconciled;
    }
    // The vault is already open (run() holds it): a keychain problem stopped the rotation before the vendor showed a key.
    await this.intent(rotation, 'create-new');
    let issued;
    try {
      issued = await connector.createKey(name);
    } catch (caught) {
      const error = toKeywardenError(caught);
      this.ctx.audit('create', row.name, null, changeWasRefused(error) ? 'failed' : 'unknown', `rotation ${rotation.id}: ${error.code}`);
      if (changeWasRefused(error)) {
        return this.block(rotation, 'create-new', 'failed', error.code === 'conflict' ? 'name-taken' : 'step-failed', `${error.message}; resume to try again, or abandon`);
      }
      this.ctx.store.rotations.setStep(rotation.id, 'create-new', 'unknown', this.now(), `answer lost (${error.code}); re-listing`);
      return (await this.reconcileCreate(rotation, row, name, error)) ?? { next: 'continue' };
    }
    faultPoint('create-new', 'answered');
    const committed = await commitIssuedKey(
      this.ctx,
      row,
      { ...issued, replaces: this.rotatedKey(row, rotation) },
      (ref) => ({ action: 'create', ref, outcome: 'ok', detail: `rotation ${rotation.id}: secret cached encrypted` }),
      {
        also: (at) => {
          this.ctx.store.rotations.update(rotation.id, { newKeyId: issued.key.id }, at);
          this.ctx.store.rotations.setStep(rotation.id, 'create-new', 'done', at, `created ${row.name}/${issued.key.id}; its key is cached encrypted`);
        },
      },
    );
    // Never lost: handed to the administrator, who is told to keep it (the journal could not record it either).
    if (!committed.cached) return { next: 'stop', issued: committed };
    faultPoint('create-new', 'after');
    return { next: 'continue', issued: committed };
  }

  /**
   * A create whose answer is unknown: re-list. Not listed: it did not happen (null: the caller may send it).
   * Listed: the vendor made it, and its shown-once secret reached nobody; say so, and offer the remedy.
   */
  private async reconcileCreate(rotation: RotationRow, row: BackendRow, name: string, cause: KeywardenError | null): Promise<StepResult | null> {
    const listed = await relist(this.ctx, row);
    if (!listed.ok) return this.block(rotation, 'create-new', 'unknown', 'outcome-unknown', `the create's outcome is unknown and re-listing failed (${listed.error}); resume to look again`);
    const created = this.ctx.store.keys.get(row.name, name, this.ctx.now());
    if (!created) {
      if (cause) return this.block(rotation, 'create-new', 'failed', 'step-failed', `${cause.message}; re-listing shows no "${name}": it was not created, and resuming creates it`);
      return null;
    }
    if (created.secretCached && !cause) {
      // Its answer was committed with its secret, and only this step's outcome was not: in a team home the key and
      // its secret go to the team in their own transaction, before the journal's step is written through (a run that
      // stopped in between; the member resuming it pulled both). A personal folder commits them together.
      this.done(rotation, 'create-new', `created ${created.ref}; its key is cached encrypted (found by re-listing)`, () =>
        this.ctx.store.rotations.update(rotation.id, { newKeyId: created.id }, this.now()),
      );
      return { next: 'continue' };
    }
    const displayName = backendDefinition(row.type).displayName;
    return this.block(
      rotation,
      'create-new',
      'unknown',
      'secret-lost',
      `${displayName} created "${name}" (${created.ref}), but the answer carrying its key never reached Keywarden: the key was shown once, to nobody, and can never be recovered. Delete ${created.ref} and create another key: "keywarden rotation resume ${rotation.id}" offers it`,
    );
  }

  /** The remedy's first half: the key whose secret was lost is deleted (idempotent: re-listed first). */
  private async deleteOrphan(rotation: RotationRow, row: BackendRow, connector: Connector, orphan: string): Promise<StepResult | null> {
    const listed = await relist(this.ctx, row);
    if (!listed.ok) return this.block(rotation, 'create-new', 'failed', 'step-failed', `could not re-list before deleting "${orphan}" (${listed.error}); resume to try again`);
    if (this.ctx.store.keys.get(row.name, orphan, this.ctx.now())) {
      try {
        await connector.deleteKey!(orphan);
      } catch (caught) {
        const error = toKeywardenError(caught);
        if (error.code !== 'not_found') return this.block(rotation, 'create-new', 'failed', 'step-failed', `deleting "${orphan}" failed: ${error.message}; resume to try again`);
      }
      await commitVendorChange(
        this.ctx,
        row,
        { deleted: orphan },
        { action: 'delete', ref: `${row.name}/${orphan}`, outcome: 'ok', detail: `rotation ${rotation.id}: its key was lost in transit` },
      );
    }
    const { orphan: _done, ...rest } = this.options(rotation);
    this.ctx.store.rotations.update(rotation.id, { options: rest }, this.now());
    rotation.options = rest;
    return null;
  }

  /** The remedy: a key whose secret was lost is deleted and another created under the next free name. */
  remedy(rotation: RotationRow): void {
    const options = this.options(rotation);
    const taken = (candidate: string) => this.ctx.store.keys.get(rotation.backendName, candidate, this.ctx.now()) !== null;
    const lost = rotation.problemKind === 'secret-lost' ? options.newName : undefined;
    const next = nextFreeName(options.newName!, (candidate) => taken(candidate) || candidate === options.newName);
    const at = this.now();
    this.ctx.store.transaction(() => {
      this.ctx.store.rotations.update(rotation.id, { options: { ...options, newName: next, ...(lost ? { orphan: lost } : {}) }, problem: null }, at);
      this.ctx.store.rotations.setStep(rotation.id, 'create-new', 'pending', at, lost ? `"${lost}" is deleted (its key was lost); creating "${next}" instead` : `creating "${next}" instead`);
    });
    this.ctx.audit('rotation.remedy', rotation.backendName, this.ref(rotation), 'ok', `rotation ${rotation.id}: ${lost ? `delete "${lost}", ` : ''}create "${next}"`);
  }

  // ---- paste -------------------------------------------------------------------------------------

  private async pasteNew(rotation: RotationRow, row: BackendRow, input: RotationAdvance | null): Promise<StepResult> {
    if (input?.action !== 'secret') return { next: 'wait' };
    const secret = input.secret.trim();
    const definition = backendDefinition(row.type);
    await this.intent(rotation, 'paste-new');
    if (!definition.credentialIsKey) {
      // Kept sealed in the journal until the test passes and the dates are recorded.
      const sealed = await this.ctx.vault.seal(rotationSecretIdentity(rotation, row), secret);
      this.done(rotation, 'paste-new', 'new secret received, kept encrypted', () => this.ctx.store.rotations.update(rotation.id, { newSecretSealed: sealed }, this.now()));
      return { next: 'continue', consumed: true };
    }
    // The key becomes the backend's credential: proven to work first, with a throw-away connector.
    const probe = await this.ctx.buildConnector(definition, row.name, row.url, async () => secret, row.settings);
    try {
      await probe.connector.verifyCredential(secret);
      const old = this.ctx.store.keys.getRemote(row.id, rotation.keyId);
      if (old && probe.connector.keyIdForCredential?.(secret, [old]) === rotation.keyId) {
        throw new KeywardenError('invalid_input', `${row.name}: this is the old key ${this.ref(rotation)} itself; paste the new key created in the ${definition.displayName} dashboard`);
      }
    } catch (error) {
      this.ctx.store.rotations.setStep(rotation.id, 'paste-new', 'failed', this.now(), `the pasted key was refused: ${toKeywardenError(error).code}`);
      throw error;
    } finally {
      await probe.http.close();
    }
    const sealed = await this.ctx.vault.seal(credentialIdentity(row), secret);
    this.done(rotation, 'paste-new', "new key tested and stored as the backend's credential", () => {
      this.ctx.store.backends.setCredentialSealed(row.id, sealed);
      this.ctx.store.backends.clearError(row.id);
    });
    await this.ctx.dropConnector(row.name);
    this.ctx.audit('backend.set-credential', row.name, null, 'ok', `rotation ${rotation.id}: tested, then stored`);
    return { next: 'continue', consumed: true };
  }

  // ---- test --------------------------------------------------------------------------------------

  private async testNew(rotation: RotationRow, row: BackendRow): Promise<StepResult> {
    const definition = backendDefinition(row.type);
    const options = this.options(rotation);
    if (!definition.capabilities.includes('list') && !options.hasTest) {
      this.done(rotation, 'test-new', 'no test request is recorded for this key', undefined, 'skipped');
      return { next: 'continue' };
    }
    await this.intent(rotation, 'test-new');
    let outcome: { ok: boolean; detail: string };
    let newRef: string;
    try {
      if (!definition.capabilities.includes('list')) {
        // Manual: the pasted secret, not the cached old one, is what must work.
        newRef = this.ref(rotation);
        const secret = await this.ctx.vault.open(rotationSecretIdentity(rotation, row), rotation.newSecretSealed!);
        const connector = await this.ctx.connectorFor(row);
        outcome = await connector.testKey(this.ctx.store.keys.getRemote(row.id, rotation.keyId)!, secret);
      } else {
        const newKeyId = rotation.newKeyId ?? (await this.findPastedKey(rotation, row));
        if (!newKeyId) return this.block(rotation, 'test-new', 'failed', 'step-failed', 'the new key is not in the list yet; resume to look again');
        newRef = `${row.name}/${newKeyId}`;
        outcome = await this.keys.testKey(newRef);
      }
    } catch (caught) {
      const error = toKeywardenError(caught);
      return this.block(rotation, 'test-new', 'failed', 'test-failed', `testing the new key failed: ${error.message}; resume to test again, or abandon`);
    }
    if (!outcome.ok) {
      return this.block(rotation, 'test-new', 'failed', 'test-failed', `the new key ${newRef} failed its test (${outcome.detail}); fix it and resume to test again, or abandon`);
    }
    this.done(rotation, 'test-new', `${newRef}: ${outcome.detail}`);
    return { next: 'continue' };
  }

  /** The pasted key in the vendor's list (it is the credential now): re-listed, and remembered as the new key. */
  private async findPastedKey(rotation: RotationRow, row: BackendRow): Promise<string | null> {
    const listed = await relist(this.ctx, row);
    if (!listed.ok) throw new KeywardenError('vendor_unavailable', `${row.name}: re-listing failed: ${listed.error}`);
    const keyId = await this.ctx.credentialKeyId(this.ctx.store.backends.require(row.name));
    if (keyId && keyId !== rotation.keyId) {
      this.ctx.store.rotations.update(rotation.id, { newKeyId: keyId }, this.now());
      rotation.newKeyId = keyId;
      return keyId;
    }
    return null;
  }

  // ---- record dates (manual) ---------------------------------------------------------------------

  private async recordDates(rotation: RotationRow, row: BackendRow): Promise<StepResult> {
    await this.intent(rotation, 'record-dates');
    const remote = this.ctx.store.keys.getRemote(row.id, rotation.keyId);
    if (!remote) throw new KeywardenError('not_found', `${this.ref(rotation)} is no longer in the inventory; abandon the rotation`);
    const secret = await this.ctx.vault.open(rotationSecretIdentity(rotation, row), rotation.newSecretSealed!);
    const now = new Date();
    const options = this.options(rotation);
    const oldValidity = remote.expiresAt && remote.createdAt ? Date.parse(remote.expiresAt) - Date.parse(remote.createdAt) : null;
    const expiresAt = options.validityDays
      ? new Date(now.getTime() + options.validityDays * DAY_MS).toISOString()
      : oldValidity && oldValidity > 0
        ? new Date(now.getTime() + oldValidity).toISOString()
        : null;
    const at = now.toISOString();
    const detail = `created ${at.slice(0, 10)}${expiresAt ? `, expires ${expiresAt.slice(0, 10)}` : ''}; the new secret is cached encrypted`;
    // The pasted secret is committed with its key's new dates and the key's audit event, and this step with them (in a
    // team home: the team's transaction, then this step).
    await this.doneThrough(rotation, 'record-dates', detail, (step) =>
      commitManualKey(
        this.ctx,
        row,
        { ...remote, prefix: maskedTail(secret) ?? null, createdAt: at, expiresAt },
        secret,
        { action: 'key.edit', ref: this.ref(rotation), outcome: 'ok', detail: `rotation ${rotation.id}: new secret, created ${at}${expiresAt ? `, expires ${expiresAt}` : ''}` },
        (committedAt) => {
          this.ctx.store.rotations.update(rotation.id, { newKeyId: remote.id, newSecretSealed: null }, committedAt);
          step(committedAt);
        },
      ),
    );
    return { next: 'continue' };
  }

  // ---- consumers ---------------------------------------------------------------------------------

  private async switchConsumers(rotation: RotationRow, step: RotationStepRow, input: RotationAdvance | null): Promise<StepResult> {
    let consumed = false;
    // At `intent` the administrator already confirmed (then the process stopped): finish without asking again.
    if (step.status !== 'intent') {
      if (input?.action === 'consumer-switched') {
        if (!rotation.consumers.some((consumer) => consumer.name === input.name)) {
          throw new KeywardenError('invalid_input', `rotation ${rotation.id} has no consumer "${input.name}"; its consumers: ${rotation.consumers.map((c) => c.name).join(', ') || 'none'}`);
        }
        this.ctx.store.rotations.tickConsumer(rotation.id, input.name, this.now());
        consumed = true;
        const left = this.ctx.store.rotations.get(rotation.id)!.consumers.filter((consumer) => consumer.switchedAt === null);
        if (left.length > 0) return { next: 'wait', consumed };
      } else if (input?.action === 'confirm') {
        consumed = true;
      } else {
        return { next: 'wait' };
      }
      await this.intent(rotation, 'switch-consumers');
    }
    const at = this.now();
    const names = rotation.consumers.map((consumer) => consumer.name);
    this.done(rotation, 'switch-consumers', names.length ? `switched: ${names.join(', ')}` : 'consumers switched (confirmed)', () => {
      this.ctx.store.rotations.tickAllConsumers(rotation.id, at);
      this.carryConsumers(rotation, names, at);
    });
    return { next: 'continue', consumed };
  }

  /** The new key inherits the consumers, so its own rotation starts from them. */
  carryConsumers(rotation: RotationRow, names: readonly string[], at: string): void {
    const newKeyId = this.ctx.store.rotations.get(rotation.id)?.newKeyId ?? rotation.newKeyId;
    if (!newKeyId || names.length === 0 || !this.ctx.store.keys.getRemote(rotation.backendId, newKeyId)) return;
    this.ctx.store.rotations.setKeyConsumers(rotation.backendId, newKeyId, names, at);
  }

  // ---- delete ------------------------------------------------------------------------------------

  private async deleteOld(rotation: RotationRow, step: RotationStepRow, row: BackendRow, input: RotationAdvance | null): Promise<StepResult> {
    const optional = backendDefinition(row.type).revokeIssuesReplacement === true;
    let consumed = false;
    // At `intent` or `unknown` the administrator already confirmed: only the outcome is to be found.
    if (step.status !== 'intent' && step.status !== 'unknown') {
      if (optional && input?.action === 'skip') {
        const graceEnd = rotation.graceEndsAt ? ` on ${rotation.graceEndsAt.slice(0, 10)}` : '';
        this.done(rotation, 'delete-old', `left to expire at the end of its grace period${graceEnd}`, undefined, 'skipped');
        return { next: 'continue', consumed: true };
      }
      if (input?.action !== 'confirm') return { next: 'wait' };
      consumed = true;
    } else {
      const listed = await relist(this.ctx, row);
      if (!listed.ok) return this.block(rotation, 'delete-old', 'unknown', 'outcome-unknown', `the delete's outcome is unknown and re-listing failed (${listed.error}); resume to look again`);
      if (!this.ctx.store.keys.get(row.name, rotation.keyId, this.ctx.now())) {
        this.done(rotation, 'delete-old', 're-listing shows the old key deleted');
        return { next: 'continue', consumed };
      }
    }
    const connector = await this.ctx.connectorFor(row);
    if (!connector.deleteKey) throw this.ctx.unsupported(row, 'delete');
    await this.intent(rotation, 'delete-old');
    try {
      await connector.deleteKey(rotation.keyId);
    } catch (caught) {
      const error = toKeywardenError(caught);
      // Deleting is safe to repeat: whatever went wrong, the list says whether the key is still there.
      const listed = await relist(this.ctx, row);
      const gone = listed.ok && !this.ctx.store.keys.get(row.name, rotation.keyId, this.ctx.now());
      if (!gone) {
        this.ctx.audit('delete', row.name, this.ref(rotation), 'failed', `rotation ${rotation.id}: ${error.code}`);
        return this.block(rotation, 'delete-old', changeWasRefused(error) ? 'failed' : 'unknown', 'step-failed', `${error.message}; resume to try again, or abandon`);
      }
    }
    faultPoint('delete-old', 'answered');
    await this.doneThrough(rotation, 'delete-old', `deleted ${this.ref(rotation)}`, (step) =>
      commitVendorChange(this.ctx, row, { deleted: rotation.keyId }, { action: 'delete', ref: this.ref(rotation), outcome: 'ok', detail: `rotation ${rotation.id}` }, step),
    );
    return { next: 'continue', consumed };
  }

  /** Words for the days left of a grace period. */
  static daysWords(days: number): string {
    return days < 0 ? `ended ${plural(-days, 'day')} ago` : days === 0 ? 'ends today' : `${plural(days, 'day')} left`;
  }
}
