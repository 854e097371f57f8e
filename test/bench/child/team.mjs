/**
 * The team inventory at scale (issue 25, docs/team.md), against a real PostgreSQL: a private cluster
 * (test/support/postgres-cluster.cjs) with one login role and password (SCRAM, from a PGPASSFILE) per member, each
 * member with a data folder of their own and the real keychain (run under with-test-keychain.mjs).
 *
 *   node test/bench/child/team.mjs KEYS FIRST_COPY_RUNS PROPAGATION_RUNS WRITERS SECONDS
 *
 * 1. Seeding: the 10,000-key "mixed" bench inventory (fixtures.mjs, ~800 cached secrets sealed by the real vault) is
 *    written into alice's data folder and published by her `team init` (the real workflow: every key and secret
 *    opened with her data key and sealed under the team key, in one PostgreSQL transaction). Then she adds a manual
 *    backend "hand" through the team write path, for the writes below.
 * 2. First copy: a new member joins, alice approves them as operator, and their first `teamSync()` into the fresh
 *    data folder is timed (every key copied, every secret opened with the team key and re-sealed under the member's
 *    data key). A new member and folder each run.
 * 3. Propagation: alice adds a key through the team write path; bob runs the real follower (team-follower.ts,
 *    LISTEN/NOTIFY, its 300 ms debounce) and the figure runs from the start of alice's write to the end of the pull
 *    that brought the key into bob's copy (the follower's onPulled hook, then a lookup in bob's store). Also given:
 *    from the change notice (which PostgreSQL delivers at commit) to bob's copy holding the key.
 * 4. Concurrent writers: WRITERS members, each in a process of its own (team-writer.mjs), add manual keys with
 *    secrets as fast as they can for SECONDS. Then the check: every write that reported success is on the server
 *    exactly once (its key row, and one key.add event in the team's audit), the change numbers taken meanwhile run
 *    without gap or duplicate, and the team's audit chain verifies (`team audit --verify`). Any failure throws.
 *
 * Prints one JSON line; `{ skipped }` where the PostgreSQL server binaries are missing. Never a secret or password.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NO_POSTGRES_REASON, PG_BIN, startPostgresCluster } from '../../support/postgres-cluster.cjs';
import { populateStore } from '../fixtures.mjs';
import { figure, loadDist, percentile, progress } from '../lib.mjs';

const [keys, firstCopyRuns, propagationRuns, writerCount, seconds] = process.argv.slice(2).map(Number);
const TEAM = 'bench';

if (!PG_BIN) {
  process.stdout.write(`${JSON.stringify({ skipped: NO_POSTGRES_REASON })}\n`);
  process.exit(0);
}

const pad = (n) => String(n).padStart(2, '0');
const firstCopyMembers = Array.from({ length: firstCopyRuns }, (_, i) => `newcomer${pad(i + 1)}`);
const writers = Array.from({ length: writerCount }, (_, i) => `writer${pad(i + 1)}`);
const cluster = await startPostgresCluster({ members: ['alice', 'bob', ...firstCopyMembers, ...writers], creator: 'alice' });
process.env.PGPASSFILE = cluster.passfile;
const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const { startTeamFollower } = await loadDist('electron/core/desktop/team-follower.js');
const { teamChannel } = await loadDist('electron/core/team/schema.js');

const folders = [];
const newHome = (member) => {
  const home = mkdtempSync(join(tmpdir(), `keywarden-team-bench-${member}-`));
  folders.push(home);
  return home;
};
const open = [];
const openEngine = (home, member) => {
  const engine = KeywardenEngine.open({ home, osUser: member });
  open.push(engine);
  return engine;
};

/** Joins `member` in a fresh data folder and has alice approve them as operator (fingerprint compared, as required). */
async function joinAndApprove(alice, member) {
  const home = newHome(member);
  const engine = openEngine(home, member);
  const joined = await engine.teamJoin(cluster.url(member), TEAM);
  await alice.teamApprove(member, 'operator', joined.fingerprint);
  return { home, engine };
}

async function closeEngine(engine) {
  // The data key of a throw-away folder goes from the keychain with it (resetVault), as the team tests do.
  await engine.resetVault({ leaveTeam: true });
  await engine.close();
  open.splice(open.indexOf(engine), 1);
}

const result = {};
try {
  // ---- 1. seeding ----------------------------------------------------------------------------------
  progress(`team: writing the ${keys}-key inventory and publishing it with team init`);
  const aliceHome = newHome('alice');
  const fixture = await populateStore(aliceHome, { layout: 'mixed', count: keys });
  if (fixture.sealed !== 'vault') throw new Error(`the fixture's secrets could not be sealed by the vault (${fixture.sealed}): run under with-test-keychain.mjs`);
  const secretsSeeded = fixture.backends.reduce((sum, backend) => sum + backend.secretsCached, 0);
  const alice = openEngine(aliceHome, 'alice');
  let started = performance.now();
  const init = await alice.teamInit(cluster.url('alice'), TEAM);
  const initMs = performance.now() - started;
  await alice.addBackend({ name: 'hand', type: 'manual' });
  result.setup = { keys: init.keys, backends: init.backends, secretsSealed: secretsSeeded, teamInitMs: Math.round(initMs), seededWith: 'team init over the mixed bench inventory' };

  // ---- 2. first copy -------------------------------------------------------------------------------
  const firstCopy = [];
  let firstReport = null;
  for (const member of firstCopyMembers) {
    const { engine } = await joinAndApprove(alice, member);
    started = performance.now();
    const report = await engine.teamSync();
    firstCopy.push(performance.now() - started);
    const listed = engine.listKeys({}).length;
    if (listed !== keys || report.secrets !== secretsSeeded)
      throw new Error(`${member}'s first copy holds ${listed} keys and ${report.secrets} secrets; the team has ${keys} and ${secretsSeeded}`);
    firstReport = report;
    progress(`team: first copy ${firstCopy.length}/${firstCopyRuns}: ${Math.round(firstCopy.at(-1))} ms`);
    await closeEngine(engine);
  }
  result.first_copy_10k = figure('ms', firstCopy, { target_ms: 3000, keys: firstReport.keys, secrets_reopened_and_resealed: firstReport.secrets });

  // ---- 3. propagation ------------------------------------------------------------------------------
  const bob = (await joinAndApprove(alice, 'bob')).engine;
  await bob.teamSync();
  const pulled = [];
  const follower = startTeamFollower({
    engine: bob,
    onPulled: (report, reason) => {
      const at = performance.now();
      for (const waiter of pulled.splice(0)) waiter({ at, report, reason });
    },
    fallbackMs: 3_600_000,
  });
  const nextPull = () => new Promise((resolve) => pulled.push(resolve));
  // The notice as any listener receives it: the commit's moment, seen from this process.
  const notices = new pg.Client({ connectionString: cluster.url('alice'), application_name: 'keywarden-bench-listen' });
  await notices.connect();
  let noticeAt = null;
  notices.on('notification', () => {
    noticeAt ??= performance.now();
  });
  await notices.query(`LISTEN "${teamChannel(TEAM)}"`);
  try {
    await nextPull(); // the follower's first pull, once it listens
    const fromWrite = [];
    const fromNotice = [];
    for (let run = 0; run < propagationRuns; run++) {
      const name = `propagated-${run}`;
      noticeAt = null;
      const visible = new Promise((resolve) => {
        // After every pull of bob's follower: does his copy list the key yet? (a lookup in the small "hand" backend)
        const wait = () =>
          void nextPull().then(({ at }) => {
            if (bob.listKeys({ backend: 'hand' }).some((key) => key.name === name)) resolve(at);
            else wait();
          });
        wait();
      });
      const writeStarted = performance.now();
      await alice.addManualKey('hand', { name, vendor: 'Bench', secret: `sk_bench_propagation_${run}_${Date.now()}` });
      const at = await visible;
      fromWrite.push(at - writeStarted);
      if (noticeAt !== null) fromNotice.push(at - noticeAt);
      progress(`team: propagation ${run + 1}/${propagationRuns}: ${Math.round(at - writeStarted)} ms`);
      // Apart, so that each write is its own notice and pull rather than one debounced burst.
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    result.propagation = figure('ms', fromWrite, {
      target_ms: 1000,
      follower_debounce_ms: 300,
      from_notice_ms: figure('ms', fromNotice),
      note: "from the start of alice's write (connection, transaction, commit) to the end of the follower's pull that brought the key into bob's copy; includes the follower's 300 ms debounce",
    });
  } finally {
    await follower.stop();
    await notices.end();
  }

  // ---- 4. concurrent writers -----------------------------------------------------------------------
  progress(`team: ${writerCount} writers join; each takes its first copy in its own process`);
  const writerHomes = [];
  for (const member of writers) {
    const { home, engine } = await joinAndApprove(alice, member);
    // The child opens the folder; this process must not hold it open meanwhile.
    await engine.close();
    open.splice(open.indexOf(engine), 1);
    writerHomes.push({ member, home });
  }
  const seqBefore = Number((await cluster.superuser(`SELECT seq FROM ${TEAM}.counter`))[0].seq);
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'team-writer.mjs');
  const children = writerHomes.map(({ member, home }) => {
    const child = spawn(process.execPath, [script, home, member], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise((resolve, reject) => {
      lines.on('line', (line) => {
        if (line === 'ready') resolve();
      });
      child.on('exit', (code) => reject(new Error(`writer ${member} exited (${code}) before it was ready`)));
    });
    const done = new Promise((resolve, reject) => {
      let last = '';
      lines.on('line', (line) => {
        last = line;
      });
      child.on('exit', (code) => {
        if (code !== 0) return reject(new Error(`writer ${member} exited with ${code}`));
        try {
          resolve(JSON.parse(last));
        } catch {
          reject(new Error(`writer ${member} printed no JSON result`));
        }
      });
    });
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  progress(`team: ${writerCount} writers writing for ${seconds} s`);
  const deadline = Date.now() + 500 + seconds * 1000;
  const writeStart = deadline - seconds * 1000;
  for (const { child } of children) child.stdin.end(`go ${deadline}\n`);
  const answers = await Promise.all(children.map((c) => c.done));
  const elapsedS = (Date.now() - writeStart) / 1000;

  const written = answers.flatMap((answer) => answer.written);
  const failures = answers.flatMap((answer) => answer.failures);
  const rows = await cluster.superuser(`SELECT key_id, name, seq FROM ${TEAM}.keys WHERE backend = 'hand' AND name LIKE 'writer%'`);
  const events = await cluster.superuser(`SELECT seq, action, ref FROM ${TEAM}.audit WHERE seq > $1 ORDER BY seq, id`, [seqBefore]);
  const seqAfter = Number((await cluster.superuser(`SELECT seq FROM ${TEAM}.counter`))[0].seq);
  const rowByRef = new Map(rows.map((row) => [`hand/${row.key_id}`, row]));
  const eventsByRef = new Map();
  for (const event of events) eventsByRef.set(event.ref, [...(eventsByRef.get(event.ref) ?? []), event]);
  const lost = written.filter((write) => !rowByRef.has(write.ref) || rowByRef.get(write.ref).name !== write.name);
  const notOnce = written.filter((write) => (eventsByRef.get(write.ref) ?? []).filter((event) => event.action === 'key.add').length !== 1);
  const seqMismatch = written.filter((write) => rowByRef.get(write.ref) && eventsByRef.get(write.ref)?.[0] && Number(rowByRef.get(write.ref).seq) !== Number(eventsByRef.get(write.ref)[0].seq));
  const seqs = events.map((event) => Number(event.seq));
  const duplicates = seqs.filter((seq, index) => index > 0 && seqs[index - 1] === seq).length;
  const expected = seqAfter - seqBefore;
  const gaps = expected - new Set(seqs).size;
  const outOfRange = seqs.filter((seq) => seq <= seqBefore || seq > seqAfter).length;
  const verify = await alice.verifyTeamAudit();
  const latencies = written.map((write) => write.ms).sort((a, b) => a - b);
  result.concurrent_writers = {
    writers: writerCount,
    // From the start signal to the last writer's exit: the writes under way at the deadline finish first.
    seconds: Number(elapsedS.toFixed(1)),
    processes: writerCount,
    writes_ok: written.length,
    writes_failed: failures.length,
    failure_examples: [...new Set(failures.map((failure) => failure.error))].slice(0, 3),
    writes_per_second_total: Number((written.length / elapsedS).toFixed(1)),
    // Each writer's count over the run (a rate per writer is below 1/s here, which figure() would round away).
    writes_per_writer: figure(
      'writes',
      answers.map((answer) => answer.written.length),
    ),
    write_latency_ms: { ...figure('ms', latencies), p50: Number(percentile(latencies, 50).toFixed(2)) },
    check: {
      lost_updates: lost.length,
      not_recorded_exactly_once: notOnce.length,
      key_row_and_event_disagree_on_change_number: seqMismatch.length,
      change_numbers: { from: seqBefore + 1, to: seqAfter, taken: expected, events: seqs.length, gaps, duplicates, outside_range: outOfRange },
      // A write that failed at the client after its commit would be on the server without a success reported.
      events_without_reported_success: events.length - written.length,
      audit_verify: { ok: verify.ok, events: verify.events, verified: verify.verified },
    },
  };
  const problems = [];
  if (lost.length) problems.push(`${lost.length} writes reported success but are not on the server (lost updates), e.g. ${lost[0].ref}`);
  if (notOnce.length) problems.push(`${notOnce.length} writes are not recorded exactly once in the team's audit`);
  if (seqMismatch.length) problems.push(`${seqMismatch.length} key rows carry another change number than their event`);
  if (gaps || duplicates || outOfRange) problems.push(`change numbers ${seqBefore + 1}..${seqAfter}: ${gaps} missing, ${duplicates} duplicated, ${outOfRange} outside`);
  if (!verify.ok) problems.push(`the team's audit chain does not verify: ${JSON.stringify(verify).slice(0, 300)}`);
  if (written.length === 0) problems.push(`no write succeeded: ${failures[0]?.error ?? 'none tried'}`);
  if (problems.length) throw new Error(`team concurrent writers: ${problems.join('; ')}`);
} finally {
  for (const engine of [...open]) {
    try {
      await closeEngine(engine);
    } catch {
      // the cluster goes next anyway
    }
  }
  cluster.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result)}\n`);
