/**
 * Guided rotation: the plan for a key (shown before anything changes), and the journal that carries it out
 * step by step (`steps.ts`), resumable after a crash, a kill or a closed app, never repeating anything at the
 * vendor. One process runs a rotation at a time (`owner_pid`; a killed owner is taken over). The engine's
 * rotation methods delegate here; this module is loaded only when one of them is called.
 */
import type { IssuedKey, Key } from '../../../shared/domain.js';
import type {
  Rotation,
  RotationAdvance,
  RotationChange,
  RotationGraceWarning,
  RotationNeed,
  RotationOptions,
  RotationPlan,
  RotationPlanKind,
  RotationState,
  RotationStepResult,
  RotationTeam,
} from '../../../shared/rotation.js';
import { backendDefinition } from '../backends/registry.js';
import { endOfWindow, localDate } from '../dates.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import { daysLeft } from '../reminders/reminders.js';
import type { RotationRow, RotationStepRow, TeamRotationLease } from '../store/rotations.js';
import type { BackendRow } from '../store/store.js';
import { visible } from '../text.js';
import type { EngineContext, TeamRotationJournal } from '../workflows/context.js';
import type { KeyWorkflows } from '../workflows/keys.js';
import { checkKeyState, checkOptions, choosePlanKind, defaultNewName, describePlan, type JournalOptions, type PlanWords, planDowntime, planTitle, stepNames, stepSpecs } from './plans.js';
import { RotationSteps } from './steps.js';

export interface RotationHooks {
  /** Called after each step is written, so open views (and the CLI's progress) follow. */
  onChange?: (change: RotationChange, rotation: Rotation) => void;
}

/** Problems with a remedy the administrator can take (`remedy`). */
const REMEDIES = new Set(['secret-lost', 'name-taken']);

export class RotationWorkflows {
  private readonly steps: RotationSteps;
  /** Rotations this process is running now (the desktop app can receive two calls for one rotation). */
  private readonly running = new Set<number>();
  /** In a team home: the team's journal of each rotation this process runs now, under this member's lease. */
  private readonly teamRuns = new Map<number, TeamRotationJournal>();
  /** Rotations whose local journal is ahead of the team's (a write-through failed): their lease is kept, not let go. */
  private readonly unrecorded = new Set<number>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly keys: KeyWorkflows,
  ) {
    this.steps = new RotationSteps(ctx, keys, { intentWritten: (id) => this.writeThrough(id, 'intent') });
  }

  /** The plan for a key, changing nothing: the steps, the downtime, the warnings. */
  async plan(ref: string, options: RotationOptions = {}): Promise<RotationPlan> {
    return (await this.prepare(ref, options)).plan;
  }

  /**
   * Starts a rotation (journal first, then the steps that need no answer) and returns where it stands. In a team home
   * the journal is started in the team's (docs/team.md, "Rotation in a team home"): refused while the key has an open
   * rotation anywhere in the team, or when this member may not rotate, before anything is sent to the vendor.
   */
  async start(ref: string, options: RotationOptions = {}, hooks: RotationHooks = {}): Promise<RotationStepResult> {
    const team = await this.teamJournal();
    // In a team home the team's journal says whether the key has an open rotation (the local copy may be behind).
    const prepared = await this.prepare(ref, options, { checkOpen: team === null });
    const { key, row, kind, journal, plan } = prepared;
    if (team) refuseInTeam(kind, row);
    const at = new Date().toISOString();
    let id: number;
    if (team) {
      id = await team.start(row, { keyId: key.id, plan: kind, options: { ...journal }, steps: stepNames(kind), consumers: plan.consumers, at });
      if (options.consumers) this.ctx.store.rotations.setKeyConsumers(row.id, key.id, plan.consumers, at);
    } else {
      id = this.ctx.store.transaction(() => {
        if (options.consumers) this.ctx.store.rotations.setKeyConsumers(row.id, key.id, plan.consumers, at);
        return this.ctx.store.rotations.insert({ backendId: row.id, keyId: key.id, plan: kind, options: { ...journal }, steps: stepNames(kind), consumers: plan.consumers, at });
      });
    }
    this.ctx.audit(
      'rotation.start',
      row.name,
      key.ref,
      'ok',
      `rotation ${id}: ${kind}${plan.consumers.length ? `; consumers: ${plan.consumers.join(', ')}` : ''}${team ? `; in team ${this.ctx.store.team.get()?.team ?? ''}` : ''}`,
    );
    return this.advance(id, { action: 'continue' }, hooks);
  }

  /**
   * Moves a rotation on with the administrator's answer, running every step that needs nothing more, and stops
   * where it needs the administrator, where a problem blocks it, or when it is done. In a team home it runs under
   * this member's lease on the team's journal, which every step writes through (`writeThrough`).
   */
  async advance(id: number, input: RotationAdvance, hooks: RotationHooks = {}): Promise<RotationStepResult> {
    await this.begin(id);
    let pending: RotationAdvance | null = input;
    let issued: IssuedKey | null = null;
    let retried = false;
    try {
      for (let guard = 0; guard < 50; guard++) {
        const rotation = this.require(id);
        if (rotation.state !== 'active') break;
        if (rotation.problemKind) {
          if (REMEDIES.has(rotation.problemKind)) {
            if (pending?.action !== 'remedy') break;
            this.steps.remedy(rotation);
            pending = null;
            this.notify(id, hooks);
            continue;
          }
          // A failed step, a failed test, an outcome not yet known: tried once more per call (that is what "resume" asks).
          if (retried || pending === null) break;
          retried = true;
          this.ctx.store.rotations.update(id, { problem: null }, new Date().toISOString());
          if (pending.action === 'continue') pending = null;
          continue;
        }
        const step = currentStep(rotation);
        if (!step) {
          this.finish(rotation);
          await this.writeThrough(id, 'step');
          this.notify(id, hooks);
          break;
        }
        let result;
        try {
          result = await this.steps.run(rotation, step, pending?.action === 'continue' ? null : pending);
        } finally {
          this.notify(id, hooks);
        }
        if (result.issued) issued = result.issued;
        try {
          await this.writeThrough(id, 'step', result.issued);
        } catch (error) {
          // A shown-once key nothing could keep is in this answer only: it is returned, whatever the team's journal.
          if (result.issued && !result.issued.cached) break;
          throw error;
        }
        if (result.consumed) pending = null;
        if (result.next !== 'continue') break;
      }
      if (!issued || issued.cached) await this.writeThrough(id, 'step', issued);
      if (pending && pending.action !== 'continue' && pending.action !== 'remedy' && this.require(id).state === 'active') {
        // An answer nobody asked for (confirming a step that waits for a key, say) is refused, not dropped in silence.
        const view = this.view(this.require(id));
        if (view.state === 'waiting') throw new KeywardenError('invalid_input', `rotation ${id} is waiting for something else: ${view.needs?.prompt ?? 'see "keywarden rotation list"'}`);
      }
    } catch (error) {
      const typed = toKeywardenError(error);
      this.ctx.tryAudit('rotation.step', this.require(id).backendName, refOf(this.require(id)), 'failed', `rotation ${id}: ${typed.code}`);
      // What the journal says now (a blocked step, a failed one) reaches the team too, if it can.
      if (!typed.details.teamJournal) await this.writeThrough(id, 'step').catch(() => {});
      throw typed;
    } finally {
      await this.end(id);
    }
    return { rotation: this.get(id), issued };
  }

  get(id: number): Rotation {
    return this.view(this.require(id));
  }

  /** A rotation, brought here first in a team home if this copy has not seen it yet (another member started it). */
  async find(id: number): Promise<Rotation> {
    const team = this.ctx.store.rotations.get(id) ? null : await this.teamJournal();
    if (team) await team.refresh();
    return this.get(id);
  }

  /**
   * Open rotations (all of them with `all`), newest first. In a team home, the team's: pulled first, with who holds
   * each one's lease (the local copy as last pulled while the server is away).
   */
  async list(options: { all?: boolean } = {}): Promise<Rotation[]> {
    const team = await this.teamJournal();
    if (team) {
      try {
        await team.refresh();
      } catch {
        // Offline (or refused): the copy as last pulled, which is what every other read in a team home shows.
      }
    }
    return this.listHere(options);
  }

  /** The same from the local copy only (a team home's as last pulled): for reads that never wait on a server (Health). */
  listHere(options: { all?: boolean } = {}): Rotation[] {
    return this.ctx.store.rotations.list(options).map((row) => this.view(row));
  }

  /**
   * Stops a rotation where it stands. Nothing at the vendor is undone; the answer says what was done there. A
   * pasted secret kept in the journal is dropped. In a team home it needs the rotation's lease, as a step does.
   */
  async abandon(id: number): Promise<{ rotation: Rotation; summary: string }> {
    await this.begin(id);
    let rotation: RotationRow;
    try {
      rotation = this.require(id);
      if (rotation.state !== 'active') throw new KeywardenError('conflict', `rotation ${id} is ${rotation.state} already`, { rotation: id });
      const at = new Date().toISOString();
      this.ctx.store.rotations.update(id, { state: 'abandoned', finishedAt: at, newSecretSealed: null, problem: null }, at);
      await this.writeThrough(id, 'step');
    } finally {
      await this.end(id);
    }
    const done = rotation.steps.filter((step) => step.status === 'done').map((step) => step.name);
    const unknown = rotation.steps.filter((step) => step.status === 'intent' || step.status === 'unknown').map((step) => step.name);
    const summary = [
      done.length ? `done at the vendor and kept: ${done.join(', ')}` : 'nothing was changed at the vendor',
      rotation.newKeyId ? `the new key ${rotation.backendName}/${rotation.newKeyId} stays` : null,
      unknown.length ? `the outcome of ${unknown.join(', ')} is not known: run "keywarden sync ${rotation.backendName}" to see the vendor's state` : null,
    ]
      .filter(Boolean)
      .join('; ');
    this.ctx.audit('rotation.abandon', rotation.backendName, refOf(rotation), 'ok', `rotation ${id}: ${summary}`);
    return { rotation: this.get(id), summary };
  }

  /**
   * Grace periods ending within `withinDays` (local calendar days; overdue ones included) while their rotation
   * still waits for consumers to switch: for the reminders and the tray.
   */
  graceWarnings(withinDays = 7): RotationGraceWarning[] {
    const now = this.ctx.now();
    return this.ctx.store.rotations
      .listGraceEndingBefore(endOfWindow(now, withinDays).toISOString())
      .filter((rotation) => rotation.steps.some((step) => step.name === 'switch-consumers' && step.status !== 'done' && step.status !== 'skipped'))
      .map((rotation) => ({
        rotationId: rotation.id,
        ref: refOf(rotation),
        newRef: rotation.newKeyId ? `${rotation.backendName}/${rotation.newKeyId}` : null,
        graceEndsAt: rotation.graceEndsAt!,
        daysLeft: daysLeft(rotation.graceEndsAt!, now),
        unticked: rotation.consumers.filter((consumer) => consumer.switchedAt === null).map((consumer) => consumer.name),
      }));
  }

  /** A key's named consumers. */
  consumers(ref: string): string[] {
    const key = this.keys.getKey(ref);
    return this.ctx.store.rotations.keyConsumers(this.ctx.store.backends.require(key.backend).id, key.id);
  }

  /**
   * Replaces a key's named consumers; an open rotation of the key gets the new names to tick off too (in a team home,
   * under its lease, written through to the team's journal; a key's own list is this member's).
   */
  async setConsumers(ref: string, names: readonly string[]): Promise<{ names: string[]; rotationId: number | null }> {
    const key = this.keys.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    const clean = cleanConsumers(names);
    const open = this.ctx.store.rotations.list().find((rotation) => rotation.backendId === row.id && rotation.keyId === key.id);
    const team = open ? await this.teamJournal() : null;
    if (open && team) await this.begin(open.id);
    let rotationId: number | null;
    try {
      rotationId = this.ctx.store.rotations.setKeyConsumers(row.id, key.id, clean, new Date().toISOString(), { openRotations: true });
      if (open && team) await this.writeThrough(open.id, 'step');
    } finally {
      if (open && team) await this.end(open.id);
    }
    this.ctx.audit('key.consumers', row.name, ref, 'ok', clean.length ? clean.join(', ') : 'none');
    return { names: clean, rotationId };
  }

  // ---- internals ---------------------------------------------------------------------------------

  private async prepare(
    ref: string,
    options: RotationOptions,
    check: { checkOpen: boolean } = { checkOpen: true },
  ): Promise<{ plan: RotationPlan; kind: RotationPlanKind; key: Key; row: BackendRow; journal: JournalOptions }> {
    const key = this.keys.getKey(ref);
    const row = this.ctx.store.backends.require(key.backend);
    const definition = backendDefinition(row.type);
    const kind = choosePlanKind(definition, options);
    const remote = this.ctx.store.keys.getRemote(row.id, key.id);
    const ownDays = typeof remote?.details?.rotateEveryDays === 'number' ? remote.details.rotateEveryDays : null;
    checkOptions(kind, definition, options, key, ownDays);
    checkKeyState(kind, key);
    const open = check.checkOpen ? this.ctx.store.rotations.list().find((rotation) => rotation.backendId === row.id && rotation.keyId === key.id) : undefined;
    if (open) {
      const team = this.teamLease(open.id);
      const who = team ? `, started by ${team.startedBy}${team.holder ? `; ${team.holder} runs it, with a lease until ${team.leaseUntil}` : ''}` : '';
      throw new KeywardenError('conflict', `${ref} has a rotation in progress already (rotation ${open.id}${who}): resume it ("keywarden rotation resume ${open.id}") or abandon it`, {
        rotation: open.id,
      });
    }
    const consumers = options.consumers ? cleanConsumers(options.consumers) : this.ctx.store.rotations.keyConsumers(row.id, key.id);
    const journal: JournalOptions = {};
    if (options.validityDays !== undefined) journal.validityDays = options.validityDays;
    if (kind === 'create-overlap') {
      const taken = (name: string) => this.ctx.store.keys.get(row.name, name, this.ctx.now()) !== null;
      const newName = options.newName ?? defaultNewName(key.id, this.ctx.now(), taken);
      if (newName === key.id) throw new KeywardenError('invalid_input', `the new key needs a name other than the old one's ("${key.id}")`);
      if (taken(newName)) throw new KeywardenError('conflict', `${row.name} already has a key "${newName}"; choose another with --new-name`);
      journal.newName = newName;
    }
    if (definition.credentialIsKey) journal.oldIsCredential = (await this.ctx.credentialKeyId(row)) === key.id;
    if (kind === 'paste-secret') {
      const { describeTestTarget } = await import('../backends/manual/connector.js');
      journal.testTarget = describeTestTarget(remote?.details);
      journal.hasTest = journal.testTarget !== null;
    }
    const alternatives: RotationPlanKind[] = definition.credentialIsKey ? [kind === 'paste-first' ? 'revoke-first' : 'paste-first'] : [];
    const plan = describePlan(kind, key, this.words(row, ref, journal, consumers, null), alternatives);
    return { plan, kind, key, row, journal };
  }

  private words(row: BackendRow, ref: string, options: JournalOptions, consumers: readonly string[], graceEndsAt: string | null): PlanWords {
    const definition = backendDefinition(row.type);
    return { ref, backend: row.name, displayName: definition.displayName, graceDays: definition.replacementTerms?.graceDays ?? null, options, consumers, graceEndsAt };
  }

  private require(id: number): RotationRow {
    const rotation = this.ctx.store.rotations.get(id);
    if (!rotation) throw new KeywardenError('not_found', `no rotation ${id}; "keywarden rotation list" shows them`, { rotation: id });
    return rotation;
  }

  /** The team's journal in a team home (team/rotations.ts, through the one seam `ctx.teamWrites()`), else null. */
  private async teamJournal(): Promise<TeamRotationJournal | null> {
    return (await this.ctx.teamWrites())?.rotations() ?? null;
  }

  /** The lease of a team's rotation as this copy last saw it (null in a personal folder, or for a folder's own). */
  private teamLease(id: number): TeamRotationLease | null {
    return this.ctx.store.team.get() ? (this.ctx.store.rotations.teamLeases().get(id) ?? null) : null;
  }

  /**
   * Takes a rotation for this run: this process's claim on the local journal and, in a team home, the member's lease
   * on the team's (which brings the local copy to the team's journal first). Refused with nothing sent to a vendor.
   */
  private async begin(id: number): Promise<void> {
    const team = await this.teamJournal();
    if (team && !this.ctx.store.rotations.get(id)) await team.refresh();
    this.claim(id);
    if (!team) return;
    try {
      await team.claim(id);
    } catch (error) {
      this.release(id);
      throw error;
    }
    this.teamRuns.set(id, team);
  }

  /** The run stops: the local claim goes, and the team's lease is let go unless the team's journal is behind the local one. */
  private async end(id: number): Promise<void> {
    this.release(id);
    const team = this.teamRuns.get(id);
    this.teamRuns.delete(id);
    if (!team) return;
    if (this.unrecorded.has(id)) {
      // Kept until it ends: the local copy stays the newer one, and this member's next resume writes it through.
      this.unrecorded.delete(id);
      return;
    }
    try {
      await team.release(id);
    } catch {
      // Unreachable: the lease ends at its time.
    }
  }

  /**
   * In a team home, writes the local journal through to the team's (team/rotations.ts `record`): at a step's intent,
   * before the vendor is asked (a failure refuses the step), and after each step (a failure leaves the step recorded
   * here, the lease kept, and says so). A personal folder's journal is the local one: nothing to do.
   */
  private async writeThrough(id: number, moment: 'intent' | 'step', issued?: IssuedKey | null): Promise<void> {
    const team = this.teamRuns.get(id);
    if (!team) return;
    try {
      await team.record(id);
      this.unrecorded.delete(id);
    } catch (caught) {
      const error = toKeywardenError(caught);
      const lost = error.code === 'conflict';
      if (!lost) this.unrecorded.add(id);
      const step = currentStep(this.require(id))?.name ?? 'the last step';
      const kept = issued ? ` The new key ${issued.key.ref} and its secret are kept${issued.teamPending ? ' in this data folder, to be pushed to the team' : ' in the team'}.` : '';
      const message =
        moment === 'intent'
          ? `${step} was not started: the team's journal could not record it (${error.message}); nothing was sent to the vendor. "keywarden rotation resume ${id}" goes on when the team's server answers`
          : lost
            ? error.message
            : `rotation ${id} is recorded in this data folder, but the team's journal could not be brought up to date (${error.message}).${kept} Your lease keeps the other members from running it until it ends; "keywarden rotation resume ${id}" writes it through when the server answers, and whoever resumes it after the lease ends re-lists the vendor before anything is sent again`;
      throw new KeywardenError(error.code, message, { ...error.details, rotation: id, teamJournal: true }, { cause: error });
    }
  }

  private claim(id: number): void {
    if (this.running.has(id)) throw new KeywardenError('conflict', `rotation ${id} is being run by this process already`, { rotation: id });
    const holder = this.ctx.store.rotations.claim(id, process.pid, isAlive);
    if (holder !== null) {
      throw new KeywardenError('conflict', `rotation ${id} is being run by another Keywarden process (pid ${holder}); wait for it to finish`, { rotation: id, pid: holder });
    }
    this.running.add(id);
  }

  private release(id: number): void {
    this.running.delete(id);
    try {
      this.ctx.store.rotations.release(id, process.pid);
    } catch {
      // A store that fails here fails the next call too; a stale owner is recognised as gone anyway.
    }
  }

  private finish(rotation: RotationRow): void {
    const at = new Date().toISOString();
    this.ctx.store.transaction(() => {
      this.steps.carryConsumers(
        rotation,
        rotation.consumers.map((consumer) => consumer.name),
        at,
      );
      this.ctx.store.rotations.update(rotation.id, { state: 'done', finishedAt: at, problem: null }, at);
    });
    this.ctx.audit('rotation.done', rotation.backendName, refOf(rotation), 'ok', `rotation ${rotation.id}${rotation.newKeyId ? `: new key ${rotation.backendName}/${rotation.newKeyId}` : ''}`);
  }

  private notify(id: number, hooks: RotationHooks): void {
    if (!hooks.onChange) return;
    try {
      const rotation = this.get(id);
      hooks.onChange({ id, ref: rotation.ref, state: rotation.state }, rotation);
    } catch {
      // A listener that fails (a closed window) must not fail the rotation.
    }
  }

  /** The journal row as the administrator sees it: the steps in words, what it waits for, the problem. */
  private view(rotation: RotationRow): Rotation {
    const row = this.ctx.store.backends.find(rotation.backendName);
    const type = row?.type ?? 'manual';
    const definition = backendDefinition(type);
    const options = rotation.options as JournalOptions;
    const ref = refOf(rotation);
    const newRef = rotation.newKeyId ? `${rotation.backendName}/${rotation.newKeyId}` : null;
    const words: PlanWords = {
      ref,
      backend: rotation.backendName,
      displayName: definition.displayName,
      graceDays: definition.replacementTerms?.graceDays ?? null,
      options,
      consumers: rotation.consumers.map((consumer) => consumer.name),
      graceEndsAt: rotation.graceEndsAt,
    };
    const specs = stepSpecs(rotation.plan, words);
    const current = currentStep(rotation);
    const spec = current ? specs.find((candidate) => candidate.name === current.name) : undefined;
    let state: RotationState;
    let needs: RotationNeed | null = null;
    if (rotation.state === 'done' || rotation.state === 'abandoned') state = rotation.state;
    else if (rotation.problem) {
      state = 'blocked';
      if (rotation.problemKind && REMEDIES.has(rotation.problemKind)) {
        const next = options.newName ?? 'another name';
        needs = {
          kind: 'remedy',
          prompt:
            rotation.problemKind === 'secret-lost'
              ? `Delete "${options.newName}" (its key was lost) and create another key instead?`
              : `"${next}" is taken at ${definition.displayName}: create the new key under the next free name instead?`,
          optional: false,
        };
      }
    } else if (spec && spec.need !== 'none' && current && (spec.need === 'secret' || (current.status !== 'intent' && current.status !== 'unknown'))) {
      // A confirmation written as intent was given before the process stopped; a pasted secret at intent never was stored.
      state = 'waiting';
      needs = { kind: spec.need, prompt: this.prompt(rotation, spec.name, words, newRef), optional: spec.optional };
    } else state = 'running';
    return {
      id: rotation.id,
      ref,
      newRef,
      backend: rotation.backendName,
      backendType: type,
      kind: rotation.plan,
      title: planTitle(rotation.plan, definition.displayName),
      downtime: planDowntime(rotation.plan, { backend: rotation.backendName, backendType: type }, words),
      state,
      currentStep: rotation.state === 'active' ? (current?.name ?? null) : null,
      steps: rotation.steps.map((step) => {
        const stepWords = specs.find((candidate) => candidate.name === step.name)!;
        return {
          name: step.name,
          title: stepWords.title,
          vendor: stepWords.vendor,
          irreversible: stepWords.irreversible,
          optional: stepWords.optional,
          status: step.status,
          at: step.at,
          detail: step.detail,
        };
      }),
      needs,
      problem: rotation.problem,
      consumers: rotation.consumers,
      graceEndsAt: rotation.graceEndsAt,
      startedAt: rotation.startedAt,
      updatedAt: rotation.updatedAt,
      finishedAt: rotation.finishedAt,
      team: this.teamView(rotation),
    };
  }

  /** Who started a team's rotation and who holds its lease, as this copy last saw it; null outside a team. */
  private teamView(rotation: RotationRow): RotationTeam | null {
    const lease = this.teamLease(rotation.id);
    if (!lease) return null;
    const open = rotation.state === 'active';
    const holder = open ? lease.holder : null;
    return {
      startedBy: lease.startedBy,
      holder,
      leaseUntil: open ? lease.leaseUntil : null,
      leaseLive: holder !== null && lease.leaseUntil !== null && Date.parse(lease.leaseUntil) > Date.now(),
      heldByYou: holder !== null && holder === this.ctx.store.team.get()?.member,
    };
  }

  private prompt(rotation: RotationRow, step: RotationStepRow['name'], words: PlanWords, newRef: string | null): string {
    const ref = words.ref;
    const countdown = rotation.graceEndsAt ? ` (${ref} stops working on ${localDate(rotation.graceEndsAt)}: ${RotationSteps.daysWords(daysLeft(rotation.graceEndsAt, this.ctx.now()))})` : '';
    switch (step) {
      case 'paste-new':
        return rotation.plan === 'paste-secret' ? `Paste the new secret of ${ref}` : `Paste the new key created in the ${words.displayName} dashboard`;
      case 'switch-consumers': {
        const left = rotation.consumers.filter((consumer) => consumer.switchedAt === null).map((consumer) => visible(consumer.name));
        const target = newRef && newRef !== ref ? `the new key ${newRef}` : 'the new secret';
        return left.length ? `Switch ${left.join(', ')} to ${target}${countdown}` : `Have the consumers of ${ref} been switched to ${target}?${countdown}`;
      }
      case 'delete-old':
        return rotation.plan === 'revoke-replace'
          ? `Delete ${ref} now? Otherwise it keeps working until the end of its grace period${rotation.graceEndsAt ? ` (${localDate(rotation.graceEndsAt)})` : ''}, then expires on its own`
          : `Delete the old key ${ref} at ${words.displayName}? This is irreversible`;
      default:
        return `Go on with ${step}?`;
    }
  }
}

/**
 * The plans a team home does not run yet (docs/team.md, "Not done yet"): BoxWatch's, whose new key becomes the
 * backend's credential and whose old one (the credential) is revoked, which is a change of the team's credential.
 */
function refuseInTeam(kind: RotationPlanKind, row: BackendRow): void {
  if (kind === 'paste-first' || kind === 'revoke-first') {
    throw new KeywardenError(
      'unsupported',
      `rotating a ${backendDefinition(row.type).displayName} key in a team home is not available yet: its new key becomes ${row.name}'s credential and the old one is revoked, which changes the team's credential. Create the new key in the vendor's dashboard, set it with "keywarden backend set-credential ${row.name} --credential-stdin" (an admin), then revoke the old one there`,
      { backend: row.name, plan: kind },
    );
  }
}

/** The first step not yet done (or left out). */
function currentStep(rotation: RotationRow): RotationStepRow | undefined {
  return rotation.steps.find((step) => step.status !== 'done' && step.status !== 'skipped');
}

function refOf(rotation: RotationRow): string {
  return `${rotation.backendName}/${rotation.keyId}`;
}

function cleanConsumers(names: readonly string[]): string[] {
  const clean: string[] = [];
  for (const raw of names) {
    const name = raw.trim();
    // eslint-disable-next-line no-control-regex -- names are printed in terminals: control characters are refused
    if (name === '' || name.length > 100 || /[\u0000-\u001f\u007f-\u009f]/.test(name)) {
      throw new KeywardenError('invalid_input', 'a consumer name is 1 to 100 printable characters');
    }
    if (!clean.includes(name)) clean.push(name);
  }
  if (clean.length > 50) throw new KeywardenError('invalid_input', 'a key has at most 50 named consumers');
  return clean;
}

/** Whether a process still runs (a rotation's owner killed with SIGKILL is gone, and its rotation can be taken over). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
