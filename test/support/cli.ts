/**
 * Runs the real `keywarden` command (compiled, as users run it) in a child process with a
 * temporary data folder. Always asynchronous: the emulators run in the test process and must keep
 * answering while the CLI waits for them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childOutput } from './child-output.js';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
const BIN = join(PROJECT_ROOT, 'bin', 'keywarden.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = unknown>(): T;
}

export interface CliHome {
  home: string;
  run(args: readonly string[], options?: { input?: string | Buffer; env?: Record<string, string | undefined> }): Promise<CliResult>;
  /** Every file of the data folder, read as bytes (database, WAL, shared memory). */
  filesContent(): Buffer[];
  remove(): void;
}

/** True when the isolated test keychain is running (see with-test-keychain.mjs); never the user's own. */
export const hasIsolatedKeychain = process.env.KEYWARDEN_TEST_KEYCHAIN === 'isolated';

export async function runCli(args: readonly string[], options: { input?: string | Buffer; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, KEYWARDEN_HTTP_TIMEOUT_MS: '2000', KEYWARDEN_HTTP_BACKOFF_MS: '20', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = childOutput(child);
  child.stdin.end(options.input ?? '');
  const { code, stdout, stderr } = await output;
  return {
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not one JSON document (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

export function makeCliHome(): CliHome {
  const home = mkdtempSync(join(tmpdir(), 'keywarden-test-home-'));
  return {
    home,
    run: (args, options) => runCli(['--home', home, ...args], options),
    filesContent: () => listFiles(home).map((file) => readFileSync(file)),
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}

function listFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}
