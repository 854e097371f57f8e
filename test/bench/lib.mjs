/**
 * Shared helpers of the benchmark: statistics, timed child processes and access to the compiled code.
 * Plain Node ESM; the code under test is always the compiled JavaScript in dist/ (run `npm run build`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(BENCH_DIR, '..', '..');
export const DIST = join(ROOT, 'dist');
export const CLI = join(ROOT, 'bin', 'keywarden.js');

/** Imports a compiled module from dist/ (CommonJS, so its exports are on `default`). */
export async function loadDist(relativePath) {
  const file = join(DIST, relativePath);
  if (!existsSync(file)) throw new Error(`${file} is missing: build first ("npm run build")`);
  const module = await import(pathToFileURL(file).href);
  return module.default ?? module;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const round = (value, digits) => (value === null ? null : Number(value.toFixed(digits)));

/**
 * One figure as results.json records it: unit, number of runs, median and p90 (nearest rank), min and max.
 * For rates (higher is better) p10 is added too, since there the slow tail is the low one.
 */
export function figure(unit, samples, extra = {}) {
  const sorted = [...samples].sort((a, b) => a - b);
  const digits = unit === 'ms' ? 2 : ['MiB', 'KiB', 'KiB/day', 's'].includes(unit) ? 1 : 0;
  const result = {
    unit,
    runs: sorted.length,
    median: round(median(sorted), digits),
    p90: round(percentile(sorted, 90), digits),
    min: round(sorted[0] ?? null, digits),
    max: round(sorted.at(-1) ?? null, digits),
  };
  if (unit.endsWith('/s')) result.p10 = round(percentile(sorted, 10), digits);
  return { ...result, ...extra };
}

/**
 * Spawns a process and resolves when it has exited, with its wall time measured from just before
 * spawn() to the 'close' event (all output read). Output is collected (up to `maxCapture` bytes each)
 * and counted. Rejects if the process cannot start or exits non-zero (unless `allowFailure`).
 */
export function timedSpawn(command, args, options = {}) {
  const { env = process.env, cwd = ROOT, input = null, allowFailure = false, maxCapture = 1 << 20, timeoutMs = 120_000 } = options;
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const captured = { stdout: [], stderr: [] };
    const bytes = { stdout: 0, stderr: 0 };
    for (const stream of ['stdout', 'stderr']) {
      child[stream].on('data', (chunk) => {
        if (bytes[stream] < maxCapture) captured[stream].push(chunk);
        bytes[stream] += chunk.length;
      });
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (input !== null) child.stdin.end(input);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      const stdout = Buffer.concat(captured.stdout).toString('utf8');
      const stderr = Buffer.concat(captured.stderr).toString('utf8');
      if ((code !== 0 || signal) && !allowFailure) {
        reject(new Error(`${command} ${args.join(' ')} exited with ${signal ?? code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
        return;
      }
      resolvePromise({ ms, code, signal, stdout, stderr, stdoutBytes: bytes.stdout, stderrBytes: bytes.stderr });
    });
  });
}

/**
 * Runs a bench child script (test/bench/child/*.mjs) in its own Node process and returns the JSON
 * document it prints as its last stdout line. A crash or a non-JSON answer rejects.
 */
export async function runChild(script, args = [], options = {}) {
  const nodeArgs = options.nodeArgs ?? [];
  const result = await timedSpawn(process.execPath, [...nodeArgs, join(BENCH_DIR, 'child', script), ...args], { timeoutMs: 180_000, ...options });
  const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return { ...JSON.parse(lastLine), wallMs: result.ms };
  } catch {
    throw new Error(`child ${script} printed no JSON result; stderr: ${result.stderr.trim().slice(-500)}`);
  }
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times, returning the measured values. Sequential on purpose. */
export async function repeat(runs, warmup, fn) {
  for (let index = 0; index < warmup; index++) await fn(-1 - index);
  const values = [];
  for (let index = 0; index < runs; index++) values.push(await fn(index));
  return values;
}

/**
 * Runs several cases round-robin (`warmup` unmeasured rounds, then `runs` rounds), so that a burst of
 * other work on the machine lands on all of them alike rather than on whichever ran at that moment.
 * `cases` maps a name to an async function returning one sample; returns the samples by name.
 */
export async function interleaved(cases, runs, warmup) {
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let round = -warmup; round < runs; round++) {
    for (const [name, run] of Object.entries(cases)) {
      const value = await run(round);
      if (round >= 0) samples[name].push(value);
    }
  }
  return samples;
}

export const MiB = 1024 * 1024;

/** Prints a line to stderr so that progress never mixes with anything parseable. */
export function progress(message) {
  process.stderr.write(`bench: ${message}\n`);
}
