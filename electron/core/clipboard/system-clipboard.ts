/**
 * The system clipboard through the platform's command-line tools (xclip, xsel, wl-clipboard, pbcopy, clip): how
 * `keywarden copy` and its detached clearer reach it, and what the clipboard tests drive on a private X display.
 * The desktop app uses Electron's own `clipboard` module instead, behind the same `ClipboardAccess`.
 *
 * Marking the entry as a secret, so clipboard managers leave it out of their history (KeePassXC offers the extra
 * target `x-kde-passwordManagerHint` = `secret` on X11 and Wayland, and the pasteboard type
 * `org.nspasteboard.ConcealedType` on macOS), is possible here only where the copying tool can offer a second
 * target:
 * - Wayland: `wl-copy --sensitive` (wl-clipboard 2.3.0 and later) offers exactly that hint. Older wl-copy rejects
 *   the unknown option before touching the clipboard, so plain `wl-copy` is tried next.
 * - X11: not done. xclip serves one target per run (`-t`) and xsel none at all, so neither can offer the text and
 *   the hint together; that needs an X selection owner of our own (native code or an X11 protocol library).
 * - macOS: not done. pbcopy writes plain text only; the concealed type needs NSPasteboard (native code, or an
 *   untested osascript/JXA bridge we have no Mac to verify on).
 * - Windows: not done. `clip` writes text only; excluding an entry from clipboard history needs the extra formats
 *   that only the Win32 clipboard API can set.
 */
import { spawn } from 'node:child_process';
import type { ClipboardAccess } from './clipboard-guard.js';

/** One way to reach the clipboard: the command that writes its stdin there, and the one that prints it. */
export interface ClipboardTool {
  copy: [string, ...string[]];
  paste: [string, ...string[]];
}

/** The tools to try, best first, for this platform and session (a display's variables decide on Linux). */
export function clipboardTools(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): ClipboardTool[] {
  if (platform === 'darwin') return [{ copy: ['pbcopy'], paste: ['pbpaste'] }];
  if (platform === 'win32') return [{ copy: ['clip'], paste: ['powershell', '-NoProfile', '-Command', 'Get-Clipboard'] }];
  const tools: ClipboardTool[] = [];
  if (env.WAYLAND_DISPLAY) {
    tools.push({ copy: ['wl-copy', '--sensitive'], paste: ['wl-paste', '--no-newline'] });
    tools.push({ copy: ['wl-copy'], paste: ['wl-paste', '--no-newline'] });
  }
  if (env.DISPLAY) {
    tools.push({ copy: ['xclip', '-selection', 'clipboard'], paste: ['xclip', '-selection', 'clipboard', '-o'] });
    tools.push({ copy: ['xsel', '--clipboard', '--input'], paste: ['xsel', '--clipboard', '--output'] });
  }
  return tools;
}

/** True where there is no graphical session, so no clipboard at all (Linux over SSH, a server, a container). */
export function hasNoClipboardSession(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): boolean {
  return platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY;
}

/** Runs a copying tool with `text` on its stdin; resolves to its exit code, rejects if it cannot be started. */
export function writeWithTool(argv: readonly string[], text: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    // stdout/stderr ignored: xclip keeps serving the selection in the background and would hold pipes open.
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
    // A tool that exits before reading (wl-copy refusing --sensitive) closes the pipe: its exit code says what
    // happened, so the EPIPE must not crash the caller.
    child.stdin.on('error', () => {});
    child.stdin.end(text);
  });
}

/**
 * Runs a pasting tool and resolves to what it printed. A tool that fails prints nothing, which reads as an empty
 * clipboard (xclip exits 1 when the clipboard holds nothing). The timeout stops a read from a clipboard owner that
 * never answers.
 */
export function readWithTool(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'ignore'], timeout: timeoutMs });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
}

/** The clipboard through one tool: for `keywarden copy`'s clearer and the tests (the desktop app uses Electron's). */
export function toolClipboard(tool: ClipboardTool, env: NodeJS.ProcessEnv = process.env): ClipboardAccess {
  const write = async (text: string) => {
    const code = await writeWithTool(tool.copy, text, env);
    if (code !== 0) throw new Error(`${tool.copy[0]} exited with code ${code}`);
  };
  return {
    writeSecret: write,
    readText: () => readWithTool(tool.paste, env),
    clear: () => write(''),
  };
}
