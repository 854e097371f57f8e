/**
 * `keywarden rotate|rotation ...|key consumers`: guided rotation through the engine's journal. The plan is shown
 * (on stderr) before anything changes; each step's progress goes to stderr; stdout holds the rotation as it
 * stands at the end (one JSON document with --json). The journal lives in the engine, so a rotation stopped here
 * (a question answered no, a kill, a closed terminal) is resumed by `rotation resume`, from any process.
 *
 * Exit codes: 0 done, 4 paused (it waits for the administrator: a pasted key, a confirmation), 1 blocked or error.
 */
import type { Rotation, RotationAdvance, RotationOptions, RotationPlan, RotationStepResult } from '../../../shared/rotation.js';
import type { KeywardenEngine } from '../../core/engine.js';
import { KeywardenError } from '../../core/errors.js';
import { day, parseWholeNumber, readSecretFromStdin, table, visible } from '../io.js';
import type { CommandRun, CommandContext } from '../main.js';

/** The rotation waits for something only the administrator can give; `rotation resume` continues it. */
export const EXIT_PAUSED = 4;

interface Drive {
  core: KeywardenEngine;
  out: CommandContext['out'];
  yes: boolean;
  secretStdin: boolean;
  /** The pasted key is read from stdin at most once. */
  secretRead: boolean;
  printed: Map<string, string>;
}

export const rotate: CommandRun = async ({ values, positionals, out, engine }) => {
  const ref = positionals[0]!;
  const options: RotationOptions = {};
  const validityDays = parseWholeNumber(values['validity-days'] as string | undefined, '--validity-days', 1, 3650);
  if (validityDays !== undefined) options.validityDays = validityDays;
  const order = values.order as string | undefined;
  if (order !== undefined) {
    if (order !== 'paste-first' && order !== 'revoke-first') throw new KeywardenError('invalid_input', '--order is paste-first or revoke-first');
    options.order = order;
  }
  if (values['new-name'] !== undefined) options.newName = values['new-name'] as string;
  const core = await engine();
  const plan = await core.planRotation(ref, options);
  if (values.plan) {
    out.result(plan, () => planText(plan));
    return 0;
  }
  out.info(planText(plan));
  const yes = Boolean(values.yes);
  if (!yes) {
    const answer = await ask('Start this rotation?');
    if (answer === null) throw new KeywardenError('invalid_input', 'Start this rotation? Not confirmed: add --yes to run it without a terminal; nothing was changed');
    if (!answer) throw new KeywardenError('invalid_input', 'cancelled; nothing was changed');
  }
  const drive: Drive = { core, out, yes, secretStdin: Boolean(values['secret-stdin']), secretRead: false, printed: new Map() };
  const rotation = await run(drive, (hooks) => core.startRotation(ref, options, hooks));
  return finish(drive, [rotation]);
};

export const rotationList: CommandRun = async ({ values, out, engine }) => {
  const rotations = await (await engine()).listRotations({ all: Boolean(values.all) });
  out.result(rotations, () =>
    rotations.length === 0
      ? values.all
        ? 'no rotations yet; start one with "keywarden rotate REF"'
        : 'no rotation in progress'
      : rotations.some((r) => r.team)
        ? // A team home: who started each rotation, and who runs it now under a lease (one member at a time).
          table(
            ['ID', 'KEY', 'PLAN', 'STATE', 'STEP', 'NEW KEY', 'STARTED BY', 'LEASE', 'UPDATED'],
            rotations.map((r) => [String(r.id), r.ref, r.kind, r.state, r.currentStep ?? '-', r.newRef ?? '-', r.team?.startedBy ?? '-', leaseText(r), day(r.updatedAt)]),
          )
        : table(
            ['ID', 'KEY', 'PLAN', 'STATE', 'STEP', 'NEW KEY', 'GRACE ENDS', 'UPDATED'],
            rotations.map((r) => [String(r.id), r.ref, r.kind, r.state, r.currentStep ?? '-', r.newRef ?? '-', day(r.graceEndsAt), day(r.updatedAt)]),
          ),
  );
  return 0;
};

/** A team rotation's lease in words: who holds it until when, or that it is free to resume. */
function leaseText(rotation: Rotation): string {
  const team = rotation.team;
  if (!team || rotation.state === 'done' || rotation.state === 'abandoned') return '-';
  if (!team.holder || !team.leaseUntil) return 'free';
  const until = team.leaseUntil.slice(11, 19);
  return team.leaseLive ? `${team.holder} until ${until} UTC` : `${team.holder}'s ended ${until} UTC`;
}

export const rotationResume: CommandRun = async ({ values, positionals, out, engine }) => {
  const all = Boolean(values.all);
  if (all === (positionals.length === 1)) throw new KeywardenError('invalid_input', 'give a rotation ID or --all; usage: keywarden rotation resume [ID | --all] [--yes]');
  const core = await engine();
  let ids: number[];
  if (!all) ids = [parseId(positionals[0]!)];
  else {
    const open = await core.listRotations();
    // In a team home, a rotation another member runs now (a live lease of theirs) is theirs to finish: named, left alone.
    for (const rotation of open) {
      if (rotation.team?.leaseLive && !rotation.team.heldByYou)
        out.info(`rotation ${rotation.id} (${rotation.ref}) is run by ${rotation.team.holder} until ${rotation.team.leaseUntil}: left alone`);
    }
    ids = open
      .filter((rotation) => !(rotation.team?.leaseLive && !rotation.team.heldByYou))
      .map((rotation) => rotation.id)
      .reverse();
  }
  if (ids.length === 0) {
    out.result([], () => 'no rotation in progress');
    return 0;
  }
  const drive: Drive = { core, out, yes: Boolean(values.yes), secretStdin: Boolean(values['secret-stdin']), secretRead: false, printed: new Map() };
  const done: Rotation[] = [];
  for (const id of ids) {
    const before = await core.getRotation(id);
    if (before.state === 'done' || before.state === 'abandoned') throw new KeywardenError('conflict', `rotation ${id} is ${before.state}; nothing to resume`, { rotation: id });
    out.info(`rotation ${id}: ${visible(before.title)} (${before.ref})`);
    for (const step of before.steps) if (step.status === 'done' || step.status === 'skipped') drive.printed.set(step.name, step.status);
    if (before.problem) out.info(`  was blocked: ${before.problem}`);
    done.push(await run(drive, (hooks) => core.advanceRotation(id, { action: 'continue' }, hooks)));
  }
  return finish(drive, done, !all);
};

export const rotationAbandon: CommandRun = async ({ positionals, out, engine }) => {
  const { rotation, summary } = await (await engine()).abandonRotation(parseId(positionals[0]!));
  out.result(rotation, () => `abandoned rotation ${rotation.id} of ${rotation.ref}; ${summary}`);
  return 0;
};

export const keyConsumers: CommandRun = async ({ values, positionals, out, engine }) => {
  const ref = positionals[0]!;
  const core = await engine();
  const add = values.add as string | undefined;
  const remove = values.remove as string | undefined;
  let names = await core.keyConsumers(ref);
  if (add !== undefined || remove !== undefined || values.clear) {
    if (values.clear) names = [];
    if (remove !== undefined) {
      if (!names.includes(remove.trim())) throw new KeywardenError('not_found', `${ref} has no consumer "${visible(remove)}"`);
      names = names.filter((name) => name !== remove.trim());
    }
    if (add !== undefined) names = [...names, add];
    names = await core.setKeyConsumers(ref, names);
  }
  out.result({ ref, consumers: names }, () => (names.length ? names.map((name) => `- ${name}`).join('\n') : `${ref} has no named consumers`));
  return 0;
};

// ---- driving a rotation --------------------------------------------------------------------------

/** Runs one engine call, then answers what the rotation asks for (or stops where it cannot), until it stands still. */
async function run(drive: Drive, first: (hooks: { onChange: (change: unknown, rotation: Rotation) => void }) => Promise<RotationStepResult>): Promise<Rotation> {
  const hooks = { onChange: (_change: unknown, rotation: Rotation) => progress(drive, rotation) };
  let result = await first(hooks);
  for (;;) {
    report(drive, result);
    const rotation = result.rotation;
    const answer = await answerFor(drive, rotation);
    if (answer === null) return rotation;
    result = await drive.core.advanceRotation(rotation.id, answer, hooks);
  }
}

/** Prints each step once, as it is done or left out. */
function progress(drive: Drive, rotation: Rotation): void {
  for (const step of rotation.steps) {
    if ((step.status !== 'done' && step.status !== 'skipped') || drive.printed.get(step.name) === step.status) continue;
    drive.printed.set(step.name, step.status);
    drive.out.info(`  ${step.status === 'done' ? 'done' : 'left out'}: ${step.detail ?? step.title}`);
  }
}

function report(drive: Drive, result: RotationStepResult): void {
  progress(drive, result.rotation);
  const issued = result.issued;
  if (!issued) return;
  if (issued.cached) {
    drive.out.info(`  ${issued.key.ref}: its key, shown only once by the vendor, is cached encrypted: "keywarden reveal ${issued.key.ref}" or "keywarden copy ${issued.key.ref}"`);
  } else {
    // Never lost: the vendor made the key and will not show it again, and the database could not take it.
    drive.out.info(`keywarden: WARNING: ${issued.key.ref} was created, but its key could NOT be cached (the database stayed locked). Store it yourself now:`);
    process.stdout.write(`${issued.secret ?? ''}\n`);
  }
}

/** The answer to what the rotation waits for: from the flags, from the terminal, or null (it stays paused). */
async function answerFor(drive: Drive, rotation: Rotation): Promise<RotationAdvance | null> {
  const { out, yes } = drive;
  const needs = rotation.needs;
  if (rotation.state === 'blocked') {
    out.info(`rotation ${rotation.id} is blocked: ${rotation.problem ?? 'see "keywarden rotation list"'}`);
    if (needs?.kind !== 'remedy') return null;
    const go = yes || (await ask(needs.prompt));
    return go ? { action: 'remedy' } : null;
  }
  if (rotation.state !== 'waiting' || !needs) return null;
  switch (needs.kind) {
    case 'secret': {
      if (drive.secretRead || (!drive.secretStdin && !process.stdin.isTTY)) {
        out.info(`rotation ${rotation.id} waits: ${needs.prompt}; pipe it to "keywarden rotation resume ${rotation.id} --secret-stdin"`);
        return null;
      }
      out.info(needs.prompt);
      drive.secretRead = true;
      return { action: 'secret', secret: await readSecretFromStdin('new key') };
    }
    case 'confirm': {
      // An optional step (deleting a CommBox key before its grace period ends) is left out under --yes.
      if (yes) return needs.optional ? { action: 'skip' } : { action: 'confirm' };
      const go = await ask(needs.prompt);
      if (go === null) return paused(drive, rotation);
      if (go) return { action: 'confirm' };
      return needs.optional ? { action: 'skip' } : paused(drive, rotation);
    }
    case 'consumers': {
      if (yes) return { action: 'confirm' };
      const left = rotation.consumers.filter((consumer) => consumer.switchedAt === null);
      const next = left[0];
      const target = rotation.newRef && rotation.newRef !== rotation.ref ? rotation.newRef : 'the new key';
      const go = await ask(next ? `Has "${visible(next.name)}" been switched to ${target}?` : needs.prompt);
      if (go === null || !go) {
        if (go === null || next) out.info(`  ${needs.prompt}`);
        return paused(drive, rotation);
      }
      return next ? { action: 'consumer-switched', name: next.name } : { action: 'confirm' };
    }
    case 'remedy':
      return null;
  }
}

function paused(drive: Drive, rotation: Rotation): null {
  drive.out.info(`rotation ${rotation.id} is paused; continue it with "keywarden rotation resume ${rotation.id}"${drive.yes ? '' : ' (or --yes)'}`);
  return null;
}

/** Prints the rotations as they stand and picks the exit code: 0 done, 4 paused, 1 blocked. */
function finish(drive: Drive, rotations: Rotation[], single = true): number {
  drive.out.result(single && rotations.length === 1 ? rotations[0] : rotations, () => rotations.map(summary).join('\n'));
  if (rotations.some((rotation) => rotation.state === 'blocked')) return 1;
  if (rotations.some((rotation) => rotation.state !== 'done')) return EXIT_PAUSED;
  return 0;
}

function summary(rotation: Rotation): string {
  switch (rotation.state) {
    case 'done':
      return `rotation ${rotation.id} of ${rotation.ref} is done${rotation.newRef && rotation.newRef !== rotation.ref ? `: the new key is ${rotation.newRef}` : ''}`;
    case 'blocked':
      return `rotation ${rotation.id} of ${rotation.ref} is blocked at ${rotation.currentStep}: ${rotation.problem}`;
    case 'abandoned':
      return `rotation ${rotation.id} of ${rotation.ref} was abandoned`;
    default:
      return `rotation ${rotation.id} of ${rotation.ref} waits at ${rotation.currentStep}: ${rotation.needs?.prompt ?? 'resume it'}; "keywarden rotation resume ${rotation.id}"`;
  }
}

function planText(plan: RotationPlan): string {
  const lines = [`Rotation plan for ${plan.ref}: ${plan.title}`, `  downtime: ${plan.downtime}`];
  for (const warning of plan.warnings) lines.push(`  WARNING: ${warning}`);
  plan.steps.forEach((step, index) => lines.push(`  ${index + 1}. ${step.title}${step.irreversible && !step.optional ? ' [irreversible]' : ''}`));
  lines.push(
    plan.consumers.length ? `  consumers to switch before the old key goes: ${plan.consumers.join(', ')}` : `  no named consumers (add them with "keywarden key consumers ${plan.ref} --add NAME")`,
  );
  if (plan.alternatives.length) lines.push(`  other order: --order ${plan.alternatives.join(' | --order ')}`);
  return lines.map((line) => visible(line)).join('\n');
}

/** Asks a yes/no question at a terminal; null where there is none to ask at. */
async function ask(question: string): Promise<boolean | null> {
  if (!process.stdin.isTTY) return null;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${visible(question)} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function parseId(text: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) === 0) throw new KeywardenError('invalid_input', `"${visible(text)}" is not a rotation ID; "keywarden rotation list" shows them`);
  return Number(text);
}
