/**
 * What a child process wrote and how it ended, for every test helper that runs one (the CLI, a script in a private
 * keyring, the engine in a process of its own): stdout and stderr collected as UTF-8 until the process closes.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface ChildOutput {
  /** The exit code, or -1 when a signal ended the process. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Collects a child's output until it closes; rejects only when the process could not be started at all. */
export function childOutput(child: ChildProcessByStdio<Writable | null, Readable, Readable>): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
