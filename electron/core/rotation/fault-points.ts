/**
 * TEST-ONLY fault points of the rotation journal. With `KEYWARDEN_FAULT_POINT=rotation:<step>:<moment>` in its
 * environment, the process kills itself with SIGKILL (no cleanup, no exit handlers: a crash, a kill -9, a power
 * cut of the process) at that point of that step, so the crash tests can prove that `keywarden rotation resume`
 * finishes the rotation from there without repeating anything at the vendor. Moments:
 * - `before`: the step's intent is committed, nothing has been sent to the vendor;
 * - `answered`: the vendor has carried the step out and answered, and nothing of the answer is committed yet
 *   (for a create, the shown-once key is lost: the case the journal must recognise and say plainly);
 * - `after`: the step's outcome is committed (with the shown-once key it received).
 *
 * Inert unless the variable is set, which nobody does outside the tests (docs/cli.md lists it as test-only).
 */
export type FaultMoment = 'before' | 'answered' | 'after';

export function faultPoint(step: string, moment: FaultMoment): void {
  const wanted = process.env.KEYWARDEN_FAULT_POINT;
  if (wanted === undefined || wanted !== `rotation:${step}:${moment}`) return;
  process.kill(process.pid, 'SIGKILL');
}
