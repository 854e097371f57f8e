/**
 * TEST-ONLY crash points outside the rotation journal (which has its own, `rotation/fault-points.ts`). With
 * `KEYWARDEN_FAULT_POINT=<point>` in its environment, the process kills itself with SIGKILL at that point: no
 * cleanup, no exit handlers, an open transaction left as it was, as a crash or a power cut would leave it.
 * - `sync:<backend>:in-commit`: inside the transaction that commits a backend's sync, after every row of it was
 *   written and before the commit (the crash tests prove the previous inventory survives it).
 *
 * Inert unless the variable is set, which nobody does outside the tests (docs/cli.md lists it as test-only).
 */
export function crashPoint(point: string): void {
  if (process.env.KEYWARDEN_FAULT_POINT === point) process.kill(process.pid, 'SIGKILL');
}
