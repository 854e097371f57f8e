#!/usr/bin/env node
// @ts-check
/**
 * `npm run mutate`: the mutation check over the engine's safety paths. Each named mutant in mutants.mjs is a
 * realistic one-line bug in a rule Keywarden is trusted for; the tests named with it must fail while it is in place.
 *
 * For each mutant, one at a time: its `find` text is replaced in its source file, the build is brought up to date
 * (`tsc -b`: the CLI tests run the compiled command in dist/), `vitest run --bail 1` runs the mutant's test files,
 * and the file is written back byte for byte (in a finally, and on Ctrl-C or SIGTERM), checked against the bytes
 * read and, for a file git had clean, with `git diff --quiet`. Outcomes:
 * - killed: a test failed (the tests notice the bug);
 * - survived: every test passed (a test is missing, or the mutant changes nothing: see bench/README.md);
 * - error: the mutant does not compile, the tests ran past the time limit, or vitest crashed without a report.
 * The score is killed / (killed + survived). A full run writes it into bench/results.json under `mutation`,
 * leaving every other key as it was; `--only` runs are printed, not written (unless `--output FILE`).
 *
 * Before the mutants, the tests of the selected mutants run once against the unchanged sources: a test that fails
 * already would "kill" every mutant, so the run stops there instead. The exit status is 0 only when every mutant
 * was killed.
 *
 *   npm run mutate                                   # every mutant; writes bench/results.json
 *   npm run mutate -- --only vault-lock-check-removed,ui-host-endswith
 *   npm run mutate -- --list                         # the mutants, checked (each find occurs once), nothing run
 *   npm run mutate -- --timeout 600                  # seconds per mutant's test run (default 300)
 *   npm run mutate -- --only NAME --no-baseline      # skip the unchanged run (while writing a mutant or its test)
 *
 * Run it inside test/support/with-test-keychain.mjs (npm run mutate does): the vault tests need the private keychain.
 * Logs of every run: test-results/mutate/<name>.log.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS } from './mutants.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const LOGS = join(ROOT, 'test-results', 'mutate');
const RESULTS = join(ROOT, 'bench', 'results.json');
const DEFAULT_TIMEOUT_S = 300;

const USAGE = 'usage: node tools/mutate/run.mjs [--list] [--only NAME[,NAME...]] [--timeout SECONDS] [--output FILE] [--no-baseline]';

/** @typedef {import('./mutants.mjs').Mutant} Mutant */
/** @typedef {'killed' | 'survived' | 'error'} Outcome */
/** @typedef {{ name: string; file: string; outcome: Outcome; durationMs: number; killedBy: string | null; detail: string | null; tests: string[] }} MutantResult */

const say = (/** @type {string} */ line) => process.stdout.write(`${line}\n`);

/** @param {string[]} argv */
export function parseArgs(argv) {
  /** @type {{ list: boolean; only: string[] | null; timeoutS: number; output: string | null; baseline: boolean }} */
  const options = { list: false, only: null, timeoutS: DEFAULT_TIMEOUT_S, output: null, baseline: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--list') options.list = true;
    else if (arg === '--only')
      options.only = value()
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
    else if (arg === '--timeout') {
      options.timeoutS = Number(value());
      if (!Number.isFinite(options.timeoutS) || options.timeoutS <= 0) throw new Error(`--timeout takes a number of seconds\n${USAGE}`);
    } else if (arg === '--output') options.output = resolve(value());
    else if (arg === '--no-baseline') options.baseline = false;
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return options;
}

/** Occurrences of `needle` in `text`. */
function occurrences(/** @type {string} */ text, /** @type {string} */ needle) {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) count++;
  return count;
}

/**
 * Every problem of the list: a mutant whose text is not found exactly once (the source moved on), a test file that
 * is gone, a duplicate name, a missing reason. Checked on every run, whatever --only selects.
 * @param {readonly Mutant[]} mutants
 */
export function checkMutants(mutants) {
  /** @type {string[]} */
  const problems = [];
  const names = new Set();
  for (const mutant of mutants) {
    const label = `mutant "${mutant.name}"`;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(mutant.name)) problems.push(`${label}: a name is lower-case words joined by "-"`);
    if (names.has(mutant.name)) problems.push(`${label}: the name is used twice`);
    names.add(mutant.name);
    if (!mutant.why || mutant.why.trim().length < 10) problems.push(`${label}: say why it matters (why)`);
    if (mutant.find === mutant.replace) problems.push(`${label}: replace is the same as find`);
    if (!Array.isArray(mutant.tests) || mutant.tests.length === 0) problems.push(`${label}: name the test files that should kill it (tests)`);
    for (const test of mutant.tests ?? []) if (!existsSync(join(ROOT, test))) problems.push(`${label}: test file ${test} does not exist`);
    const path = join(ROOT, mutant.file);
    if (!existsSync(path)) {
      problems.push(`${label}: ${mutant.file} does not exist`);
      continue;
    }
    const found = occurrences(readFileSync(path, 'utf8'), mutant.find);
    if (found !== 1) problems.push(`${label}: its find text occurs ${found} times in ${mutant.file} (it must occur exactly once): update the mutant to the source`);
  }
  return problems;
}

/** A file's state in git: clean (as committed) or not; null outside a work tree. */
function gitClean(/** @type {string} */ file) {
  const result = spawnSync('git', ['diff', '--quiet', 'HEAD', '--', file], { cwd: ROOT });
  return result.status === 0 ? true : result.status === 1 ? false : null;
}

function gitCommit() {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return { commit: head.status === 0 ? head.stdout.trim() : null, dirty: status.status === 0 ? status.stdout.trim() !== '' : null };
}

/** The source file currently mutated, with its original bytes: what every exit path writes back. */
/** @type {{ path: string; original: Buffer } | null} */
let applied = null;
/** The process group of the test run under way, killed on Ctrl-C and on timeout. */
/** @type {import('node:child_process').ChildProcess | null} */
let running = null;

function restore() {
  if (!applied) return;
  const { path, original } = applied;
  writeFileSync(path, original);
  if (!readFileSync(path).equals(original)) throw new Error(`${path} could not be restored: check it with "git diff"`);
  applied = null;
}

function killRunning() {
  if (running?.pid === undefined || running.exitCode !== null) return;
  try {
    process.kill(-running.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    killRunning();
    const was = applied?.path;
    try {
      restore();
    } catch (error) {
      process.stderr.write(`mutate: ${String(error)}\n`);
      process.exit(1);
    }
    process.stderr.write(`\nmutate: stopped by ${signal}${was ? `; ${was} is restored` : ''}. dist/ may still hold a mutant: run "npx tsc -b"\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/**
 * Runs a command in a process group of its own (so a timeout or Ctrl-C ends vitest's workers too), its output into
 * `log`. Resolves with the exit code, or null when it was killed at the time limit.
 * @param {string} command
 * @param {string[]} args
 * @param {{ log: string; timeoutMs: number }} options
 * @returns {Promise<{ code: number | null; timedOut: boolean; output: string }>}
 */
function runLogged(command, args, { log, timeoutMs }) {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env };
    // The project's vitest config writes its own JSON report under CI; this run asks for its own.
    delete env.CI;
    const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    let output = '';
    const collect = (/** @type {Buffer} */ chunk) => (output += chunk.toString('utf8'));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killRunning();
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      running = null;
      writeFileSync(log, output);
      resolvePromise({ code, timedOut, output });
    });
  });
}

/** `tsc -b`: brings dist/ up to date with the sources (a few seconds after a one-file change). */
function build() {
  const result = spawnSync(process.execPath, [TSC, '-b'], { cwd: ROOT, encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/**
 * Runs vitest on `tests`, stopping at the first failure. Reads vitest's JSON report to tell a failed test (killed)
 * from a run that never reported (error).
 * @param {string[]} tests
 * @param {{ log: string; timeoutMs: number }} options
 * @returns {Promise<{ outcome: Outcome; killedBy: string | null; detail: string | null }>}
 */
async function runTests(tests, { log, timeoutMs }) {
  const report = `${log}.json`;
  rmSync(report, { force: true });
  const run = await runLogged(process.execPath, [VITEST, 'run', '--bail', '1', '--reporter', 'default', '--reporter', 'json', '--outputFile.json', report, ...tests], { log, timeoutMs });
  if (run.timedOut) return { outcome: 'error', killedBy: null, detail: `the tests ran past ${Math.round(timeoutMs / 1000)} s` };
  /** @type {{ success: boolean; numFailedTests: number; testResults: Array<{ name: string; status: string; message?: string; assertionResults: Array<{ fullName: string; status: string }> }> } | null} */
  let json = null;
  try {
    json = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    // no report: vitest crashed
  }
  if (!json) return { outcome: 'error', killedBy: null, detail: `vitest exited ${run.code} without a report: ${lastLines(run.output)}` };
  if (run.code === 0 && json.success) return { outcome: 'survived', killedBy: null, detail: null };
  for (const file of json.testResults) {
    const failed = file.assertionResults.find((assertion) => assertion.status === 'failed');
    if (failed) return { outcome: 'killed', killedBy: `${file.name.slice(ROOT.length + 1)}: ${failed.fullName}`, detail: null };
  }
  const failedFile = json.testResults.find((file) => file.status === 'failed');
  if (failedFile) return { outcome: 'killed', killedBy: `${failedFile.name.slice(ROOT.length + 1)}: ${(failedFile.message ?? 'failed to run').split('\n')[0]}`, detail: null };
  // Failed without a failed test: an unhandled error the mutant caused during the run.
  return { outcome: 'killed', killedBy: `an unhandled error during the run (${lastLines(run.output)})`, detail: null };
}

function lastLines(/** @type {string} */ text, count = 3) {
  return text
    .replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex -- the terminal colours in vitest's output
    .trim()
    .split('\n')
    .slice(-count)
    .join(' / ')
    .slice(0, 400);
}

/**
 * Applies one mutant, builds, runs its tests and restores the file, whatever happens.
 * @param {Mutant} mutant
 * @param {{ timeoutMs: number }} options
 * @returns {Promise<MutantResult>}
 */
async function runMutant(mutant, { timeoutMs }) {
  const path = join(ROOT, mutant.file);
  const started = performance.now();
  const log = join(LOGS, `${mutant.name}.log`);
  const original = readFileSync(path);
  const clean = gitClean(mutant.file);
  /** @type {Pick<MutantResult, 'outcome' | 'killedBy' | 'detail'>} */
  let result;
  try {
    applied = { path, original };
    writeFileSync(
      path,
      original.toString('utf8').replace(mutant.find, () => mutant.replace),
    );
    const built = build();
    result = built.ok ? await runTests(mutant.tests, { log, timeoutMs }) : { outcome: 'error', killedBy: null, detail: `does not compile: ${lastLines(built.output, 2)}` };
  } finally {
    restore();
  }
  if (clean === true && gitClean(mutant.file) !== true) throw new Error(`${mutant.file} differs from git after restoring mutant ${mutant.name}: check it with "git diff"`);
  return { name: mutant.name, file: mutant.file, ...result, durationMs: Math.round(performance.now() - started), tests: mutant.tests };
}

/** Writes `mutation` into the results file, keeping every other key as it is. */
function writeResults(/** @type {string} */ output, /** @type {Record<string, unknown>} */ mutation) {
  /** @type {Record<string, unknown>} */
  let results = {};
  if (existsSync(output)) results = JSON.parse(readFileSync(output, 'utf8'));
  results.mutation = mutation;
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
}

function seconds(/** @type {number} */ ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** @param {readonly MutantResult[]} results */
function table(results) {
  const width = Math.max(4, ...results.map((result) => result.name.length));
  const lines = [`${'name'.padEnd(width)}  outcome   time     killed by / why`];
  for (const result of results) {
    lines.push(`${result.name.padEnd(width)}  ${result.outcome.padEnd(8)}  ${seconds(result.durationMs).padStart(7)}  ${result.killedBy ?? result.detail ?? ''}`);
  }
  return lines.join('\n');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const problems = checkMutants(MUTANTS);
  if (options.only) for (const name of options.only) if (!MUTANTS.some((mutant) => mutant.name === name)) problems.push(`--only: no mutant "${name}" (see --list)`);
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`mutate: ${problem}\n`);
    process.exit(1);
  }
  if (options.list) {
    for (const mutant of MUTANTS) say(`${mutant.name}\n  ${mutant.file}\n  ${mutant.why}\n  killed by: ${mutant.tests.join(', ')}\n`);
    say(`${MUTANTS.length} mutants, each found exactly once in its file.`);
    return;
  }
  const selected = options.only ? MUTANTS.filter((mutant) => options.only?.includes(mutant.name)) : MUTANTS;
  const timeoutMs = options.timeoutS * 1000;
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg().map((value) => Number(value.toFixed(2)));
  const git = gitCommit();
  mkdirSync(LOGS, { recursive: true });

  say(`mutate: ${selected.length} of ${MUTANTS.length} mutants; load average ${loadAverageAtStart.join(', ')}`);
  const baseBuild = build();
  if (!baseBuild.ok) throw new Error(`the unchanged sources do not build:\n${baseBuild.output}`);
  const allTests = [...new Set(selected.flatMap((mutant) => mutant.tests))].sort();
  /** @type {number | null} */
  let baselineMs = null;
  if (options.baseline) {
    say(`baseline: ${allTests.length} test files against the unchanged sources ...`);
    const baselineStarted = performance.now();
    const baseline = await runTests(allTests, { log: join(LOGS, 'baseline.log'), timeoutMs: timeoutMs * 4 });
    baselineMs = Math.round(performance.now() - baselineStarted);
    if (baseline.outcome !== 'survived') {
      throw new Error(`the tests fail without any mutant (${baseline.killedBy ?? baseline.detail}); fix that first (log: ${join(LOGS, 'baseline.log')})`);
    }
    say(`baseline: passed in ${seconds(baselineMs)}`);
  }

  /** @type {MutantResult[]} */
  const results = [];
  for (const [index, mutant] of selected.entries()) {
    const result = await runMutant(mutant, { timeoutMs });
    results.push(result);
    say(
      `[${index + 1}/${selected.length}] ${mutant.name}: ${result.outcome} in ${seconds(result.durationMs)}${result.killedBy ? ` (${result.killedBy})` : result.detail ? ` (${result.detail})` : ''}`,
    );
  }
  // dist/ was last built with the final mutant in place.
  const rebuilt = build();
  if (!rebuilt.ok) throw new Error(`rebuilding the restored sources failed:\n${rebuilt.output}`);

  const count = (/** @type {Outcome} */ outcome) => results.filter((result) => result.outcome === outcome).length;
  const killed = count('killed');
  const survived = count('survived');
  const errors = count('error');
  const score = killed + survived === 0 ? null : Number((killed / (killed + survived)).toFixed(3));
  const totalMs = Math.round(performance.now() - started);
  say(`\n${table(results)}\n`);
  say(`score ${score ?? '-'}: ${killed} killed, ${survived} survived, ${errors} errors, in ${seconds(totalMs)}`);

  const mutation = {
    generatedBy: 'tools/mutate/run.mjs (npm run mutate)',
    description: 'Named mutants (tools/mutate/mutants.mjs) of the rules Keywarden is trusted for, each run against the tests that should kill it; score = killed / (killed + survived).',
    date: startedAt,
    git,
    node: process.version,
    cpus: os.cpus().length,
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg().map((value) => Number(value.toFixed(2))),
    only: options.only,
    score,
    killed,
    survived,
    errors,
    baselineMs,
    totalMs,
    mutants: results.map(({ tests: _tests, ...result }) => result),
  };
  const output = options.output ?? (options.only ? null : RESULTS);
  if (output) {
    writeResults(output, mutation);
    say(`written to ${output} (key "mutation")`);
  } else {
    say('not written: a partial run (--only); add --output FILE to keep it');
  }
  if (survived > 0)
    say(
      `survived: ${results
        .filter((result) => result.outcome === 'survived')
        .map((result) => result.name)
        .join(', ')}`,
    );
  if (survived + errors > 0) process.exitCode = 1;
}

main().catch((error) => {
  killRunning();
  try {
    restore();
  } catch (restoreError) {
    process.stderr.write(`mutate: ${String(restoreError)}\n`);
  }
  process.stderr.write(`mutate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
