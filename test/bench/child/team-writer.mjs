/**
 * One member of team.mjs's concurrent writers, in a process of its own as a member's machine would be: a single Node
 * process for all of them would queue every member's CPU work (SCRAM login, unwrapping the team key, sealing, the
 * pull after each write) on one thread and measure that queue instead of the team's write path.
 *
 *   node test/bench/child/team-writer.mjs HOME MEMBER
 * with PGPASSFILE set (the member's password) and the data folder already joined and approved. It pulls the team's
 * copy first (untimed), prints "ready", waits for "go DEADLINE_EPOCH_MS" on stdin, then adds manual keys with a
 * secret through the team write path (engine.addManualKey: one PostgreSQL transaction, then a pull) one after the
 * other until the deadline, and prints one JSON line: every write that reported success (ref, latency), and the
 * failures' messages. Never a secret.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { loadDist } from '../lib.mjs';

const [home, member] = process.argv.slice(2);
const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const engine = KeywardenEngine.open({ home, osUser: member });
await engine.teamSync();
process.stdout.write('ready\n');

const lines = createInterface({ input: process.stdin });
const deadline = await new Promise((resolve) => {
  lines.on('line', (line) => {
    if (line.startsWith('go ')) resolve(Number(line.slice(3)));
  });
});
lines.close();

const written = [];
const failures = [];
for (let n = 0; Date.now() < deadline; n++) {
  const name = `${member}-${n}`;
  const started = performance.now();
  try {
    const key = await engine.addManualKey('hand', { name, vendor: 'Bench', secret: `sk_bench_${randomBytes(18).toString('base64url')}` });
    written.push({ ref: `${key.backend}/${key.id}`, name, ms: performance.now() - started });
  } catch (error) {
    failures.push({ name, ms: performance.now() - started, error: error instanceof Error ? error.message : String(error) });
  }
}
await engine.close();
process.stdout.write(`${JSON.stringify({ member, written, failures })}\n`);
