/**
 * Copying a secret to the system clipboard from a terminal, and clearing it after a delay if it still holds that
 * secret (as `pass -c` does). The clearing runs in a small detached process, so the command returns at once; it
 * learns only a hash of the secret, through its stdin. The tools, and why the entry is marked as a secret only
 * with `wl-copy --sensitive`, are in electron/core/clipboard/system-clipboard.ts, shared with the desktop app's
 * tests; the "still holds it" test is the desktop app's too (clipboard-guard.ts).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { secretHash } from '../core/clipboard/clipboard-guard.js';
import { type ClipboardTool, clipboardTools, hasNoClipboardSession, writeWithTool } from '../core/clipboard/system-clipboard.js';
import { KeywardenError } from '../core/errors.js';

/** What the detached clearer (clipboard-clear.ts) reads from its stdin. */
export interface ClearJob {
  delayMs: number;
  hash: string;
  tool: ClipboardTool;
}

/** Copies `secret` and schedules clearing; returns the tool used. */
export async function copyToClipboard(secret: string, clearAfterSeconds: number): Promise<string> {
  const tools = clipboardTools();
  for (const tool of tools) {
    try {
      if ((await writeWithTool(tool.copy, secret)) !== 0) continue;
    } catch {
      continue; // not installed: try the next one
    }
    if (clearAfterSeconds > 0) {
      const clearer = spawn(process.execPath, [join(__dirname, 'clipboard-clear.js')], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      const job: ClearJob = { delayMs: clearAfterSeconds * 1000, hash: secretHash(secret), tool };
      clearer.stdin.end(JSON.stringify(job));
      clearer.unref();
    }
    return tool.copy[0];
  }
  throw new KeywardenError(
    'unsupported',
    hasNoClipboardSession()
      ? 'no graphical session, so there is no clipboard to copy to; use "keywarden reveal REF" instead'
      : 'no clipboard tool found (install xclip, xsel or wl-clipboard); or use "keywarden reveal REF"',
  );
}
