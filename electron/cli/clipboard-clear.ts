/**
 * Detached helper started by `keywarden copy`: waits, then empties the clipboard only if it still holds the copied
 * secret (compared by hash, as the desktop app's ClipboardGuard does), so whatever the user copied since is left
 * alone.
 */
import { holdsSecret } from '../core/clipboard/clipboard-guard.js';
import { toolClipboard } from '../core/clipboard/system-clipboard.js';
import type { ClearJob } from './clipboard.js';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ClearJob;
  await new Promise((resolve) => setTimeout(resolve, job.delayMs));
  const clipboard = toolClipboard(job.tool);
  if (!holdsSecret(await clipboard.readText(), job.hash)) return;
  await clipboard.clear();
}

void main().catch(() => process.exit(1));
