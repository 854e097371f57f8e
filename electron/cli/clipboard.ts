/**
 * Copying a secret to the system clipboard from a terminal, and clearing it after a delay if it
 * still holds that secret (as `pass -c` does). The clearing runs in a small detached process, so the
 * command returns at once; it learns only a hash of the secret, through its stdin.
 *
 * Marking the entry as a secret, so clipboard managers leave it out of their history (KeePassXC offers
 * the extra target `x-kde-passwordManagerHint` = `secret` on X11 and Wayland, and the pasteboard type
 * `org.nspasteboard.ConcealedType` on macOS), is possible here only where the copying tool can offer a
 * second target:
 * - Wayland: `wl-copy --sensitive` (wl-clipboard 2.3.0 and later) offers exactly that hint. Older
 *   wl-copy rejects the unknown option before touching the clipboard, so plain `wl-copy` is tried next.
 * - X11: not done. xclip serves one target per run (`-t`) and xsel none at all, so neither can offer the
 *   text and the hint together; that needs an X selection owner of our own (native code or an X11
 *   protocol library), which this command does not carry.
 * - macOS: not done. pbcopy writes plain text only; the concealed type needs NSPasteboard (native code,
 *   or an untested osascript/JXA bridge we have no Mac to verify on).
 * - Windows: not done. `clip` writes text only; excluding an entry from clipboard history needs the
 *   extra formats that only the Win32 clipboard API can set.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { KeywardenError } from '../core/errors.js';

interface ClipboardTool {
  copy: [string, ...string[]];
  paste: [string, ...string[]];
}

function clipboardTools(): ClipboardTool[] {
  if (process.platform === 'darwin') return [{ copy: ['pbcopy'], paste: ['pbpaste'] }];
  if (process.platform === 'win32') return [{ copy: ['clip'], paste: ['powershell', '-NoProfile', '-Command', 'Get-Clipboard'] }];
  const tools: ClipboardTool[] = [];
  if (process.env.WAYLAND_DISPLAY) {
    tools.push({ copy: ['wl-copy', '--sensitive'], paste: ['wl-paste', '--no-newline'] });
    tools.push({ copy: ['wl-copy'], paste: ['wl-paste', '--no-newline'] });
  }
  if (process.env.DISPLAY) {
    tools.push({ copy: ['xclip', '-selection', 'clipboard'], paste: ['xclip', '-selection', 'clipboard', '-o'] });
    tools.push({ copy: ['xsel', '--clipboard', '--input'], paste: ['xsel', '--clipboard', '--output'] });
  }
  return tools;
}

function runWithInput(argv: readonly string[], input: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // stdout/stderr ignored: xclip keeps serving the selection in the background and would hold pipes open.
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
    // A tool that exits before reading (wl-copy refusing --sensitive) closes the pipe: its exit code
    // says what happened, so the EPIPE must not crash the command.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

export function readClipboard(argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Copies `secret` and schedules clearing; returns the tool used. */
export async function copyToClipboard(secret: string, clearAfterSeconds: number): Promise<string> {
  const tools = clipboardTools();
  for (const tool of tools) {
    try {
      if ((await runWithInput(tool.copy, secret)) !== 0) continue;
    } catch {
      continue; // not installed: try the next one
    }
    if (clearAfterSeconds > 0) {
      const clearer = spawn(process.execPath, [join(__dirname, 'clipboard-clear.js')], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      clearer.stdin.end(JSON.stringify({ delayMs: clearAfterSeconds * 1000, hash: sha256(secret), copy: tool.copy, paste: tool.paste }));
      clearer.unref();
    }
    return tool.copy[0];
  }
  throw new KeywardenError(
    'unsupported',
    process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY
      ? 'no graphical session, so there is no clipboard to copy to; use "keywarden reveal REF" instead'
      : 'no clipboard tool found (install xclip, xsel or wl-clipboard); or use "keywarden reveal REF"',
  );
}
