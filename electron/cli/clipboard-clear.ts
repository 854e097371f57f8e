/**
 * Detached helper started by `keywarden copy`: waits, then empties the clipboard only if it still
 * holds the copied secret (compared by hash), so whatever the user copied since is left alone.
 */
import { readClipboard, sha256 } from './clipboard.js';
import { spawn } from 'node:child_process';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { delayMs: number; hash: string; copy: string[]; paste: string[] };
  await new Promise((resolve) => setTimeout(resolve, job.delayMs));
  const current = await readClipboard(job.paste);
  if (sha256(current) !== job.hash && sha256(current.replace(/\r?\n$/, '')) !== job.hash) return;
  await new Promise<void>((resolve) => {
    const child = spawn(job.copy[0]!, job.copy.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => resolve());
    child.on('exit', () => resolve());
    child.stdin.on('error', () => {});
    child.stdin.end('');
  });
}

void main().catch(() => process.exit(1));
