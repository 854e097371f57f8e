/**
 * `key:copy` in the desktop app (ContractHost.copySecret): the secret goes from the engine to the system clipboard
 * in the main process and never reaches the page. It is marked for clipboard managers as a password where the
 * platform has a convention for it, and cleared after the `clipboardClearSeconds` setting only if the clipboard
 * still holds it (what the administrator copied since is left alone); also at once when the window is closed, when
 * Keywarden locks and when the app quits.
 *
 * The timing and the "only if still there" rule are electron/core/clipboard/clipboard-guard.ts's (ClipboardGuard,
 * tested with a real X clipboard); this file is Electron's clipboard behind the interface it needs.
 */
import { clipboard, ClipboardItem } from 'electron';
import { readWithTool, writeWithTool } from '../core/clipboard/system-clipboard.js';

/**
 * A native Wayland session (Electron 38 and later run natively there): WAYLAND_DISPLAY set and XDG_SESSION_TYPE
 * "wayland". There a selection set by a client without focus is dropped by the compositor while Chromium's
 * `readText()` answers from its own cache, so Electron's read-back cannot say whether a clear took.
 */
export function isNativeWayland(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  return platform === 'linux' && Boolean(env.WAYLAND_DISPLAY) && env.XDG_SESSION_TYPE === 'wayland';
}

/** What the guard needs of a clipboard; `electronClipboard()` is Electron's. */
export interface SecretClipboard {
  /** Writes the secret as text, marked as a password for clipboard managers where possible. */
  writeSecret(secret: string): Promise<void>;
  readText(): Promise<string>;
  clear(): void;
}

/** A raw platform clipboard format, in the custom MIME type Electron's clipboard uses for those. */
export function rawClipboardFormat(name: string): string {
  return `electron application/osclipboard;format="${name}"`;
}

/**
 * The markers that tell clipboard managers to keep an entry out of their history, written in the same clipboard
 * item as the text (separate writes would replace each other):
 * - Linux (KDE Klipper, CopyQ, GNOME extensions that honour it): `x-kde-passwordManagerHint` = `secret`;
 * - macOS: `org.nspasteboard.ConcealedType` (nspasteboard.org), whose presence is the marker;
 * - Windows: `ExcludeClipboardContentFromMonitorProcessing`, which keeps it out of clipboard history and cloud sync.
 */
export function concealedMarkers(platform: NodeJS.Platform): Record<string, string> {
  if (platform === 'linux') return { [rawClipboardFormat('x-kde-passwordManagerHint')]: 'secret' };
  if (platform === 'darwin') return { [rawClipboardFormat('org.nspasteboard.ConcealedType')]: '' };
  if (platform === 'win32') return { [rawClipboardFormat('ExcludeClipboardContentFromMonitorProcessing')]: '' };
  return {};
}

/**
 * Electron's clipboard. On native Wayland (isNativeWayland) the guard does not trust Chromium's read-back: it reads
 * the compositor's selection with `wl-paste` (wl-clipboard) where installed, and a clear is also sent with
 * `wl-copy --clear`; without wl-clipboard a read counts as failed, so the guard clears whatever is there. Auto-clear
 * is best effort there all the same (the compositor may refuse an unfocused client), so app.ts clears again when
 * the window gets the focus back, and the docs say so.
 */
export function electronClipboard(platform: NodeJS.Platform = process.platform, log: (message: string) => void = () => {}, env: NodeJS.ProcessEnv = process.env): SecretClipboard {
  if (isNativeWayland(platform, env)) {
    let warned = false;
    const warnOnce = (message: string) => {
      if (!warned) log(message);
      warned = true;
    };
    const base = electronClipboard('linux', log, {});
    return {
      ...base,
      readText: async () => {
        try {
          return await readWithTool(['wl-paste', '--no-newline'], env, 5_000);
        } catch (error) {
          warnOnce(
            `wl-paste is not available (${error instanceof Error ? error.message : String(error)}): on Wayland a copied secret is cleared without checking that it is still there; install wl-clipboard`,
          );
          throw error;
        }
      },
      clear: () => {
        clipboard.clear();
        writeWithTool(['wl-copy', '--clear'], '', env).then(
          (code) => {
            if (code !== 0) warnOnce(`wl-copy --clear exited with code ${code}`);
          },
          (error: unknown) =>
            warnOnce(
              `wl-copy is not available (${error instanceof Error ? error.message : String(error)}): on Wayland the clipboard is cleared through Electron only, which the compositor may ignore; install wl-clipboard`,
            ),
        );
      },
    };
  }
  return {
    async writeSecret(secret) {
      try {
        await clipboard.write([new ClipboardItem({ 'text/plain': secret, ...concealedMarkers(platform) })]);
      } catch (error) {
        // A platform that refuses a marker still gets the text: copying must work; the marker is a courtesy.
        log(`the clipboard refused the password marker (${error instanceof Error ? error.message : String(error)}); copied as plain text`);
        await clipboard.writeText(secret);
      }
    },
    readText: () => clipboard.readText(),
    clear: () => clipboard.clear(),
  };
}
