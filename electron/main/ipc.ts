/**
 * The contract over IPC, main-process side: `bindContract` binds every method of shared/contract.ts to
 * `ipcMain.handle('contract:<method>')`, each through the same wrapper, and `windowEventTarget` sends each contract
 * event to the window on `event:<name>`. Both iterate the contract: a new method or event needs nothing here.
 *
 * The wrapper, in order (nothing reaches the engine before all of it passed):
 * 1. the sender frame must be Keywarden's own page: the top-level frame of the app's window, on `app://keywarden`
 *    (VS Code's validated-IPC idea: a handler trusts the frame, not the channel name, since any frame that gets a
 *    handle on ipcRenderer can name any channel). Refused calls are logged and answered `request_refused`;
 * 2. electron/core/contract-pipeline.ts, the same for every transport: plain data within bounds, then the contract's
 *    schema, then the handler, then the result's schema; errors as `{ code, message, details? }`, never a stack.
 *    Its outcome becomes the `IpcAnswer` envelope.
 */
import { type ContractHandlers } from '../../shared/contract.js';
import { CONTRACT_CHANNELS, EVENT_CHANNELS, type IpcAnswer, REQUEST_REFUSED } from '../../shared/ipc-channels.js';
import { type ArgumentLimits, invokeContract } from '../core/contract-pipeline.js';
import type { ContractEventListeners } from '../core/desktop/events.js';
import { isAppUrl } from '../core/desktop/app-protocol.js';

/** What the frame check reads of a frame (Electron's WebFrameMain has these). */
export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
  readonly processId: number;
  readonly routingId: number;
}

/** What the binding reads of an invoke event (Electron's IpcMainInvokeEvent has these). */
export interface InvokeEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: FrameLike | null;
}

/** What the binding uses of Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<IpcAnswer> | IpcAnswer): void;
  removeHandler(channel: string): void;
}

/** What the frame check and the event target use of the app's window. */
export interface AppWindowLike {
  isDestroyed(): boolean;
  readonly webContents: { readonly id: number; readonly mainFrame: FrameLike; send(channel: string, ...args: unknown[]): void; isDestroyed?(): boolean };
}

export type FrameCheck = (event: InvokeEventLike) => boolean;

/**
 * Trusts a call only from the app window's top-level frame while it shows `app://keywarden`: the same web contents,
 * no parent frame, the main frame's own process and routing ids, and a URL on the app's origin. Anything else (a
 * subframe, another window, a page that navigated away, a destroyed frame) is refused.
 */
export function createFrameCheck(getWindow: () => AppWindowLike | null): FrameCheck {
  return (event) => {
    const window = getWindow();
    const frame = event.senderFrame;
    if (!window || window.isDestroyed() || !frame) return false;
    const main = window.webContents.mainFrame;
    return event.sender.id === window.webContents.id && frame.parent === null && frame.processId === main.processId && frame.routingId === main.routingId && isAppUrl(frame.url);
  };
}

export interface BindOptions {
  log?: (message: string) => void;
  limits?: Partial<ArgumentLimits>;
}

/** Binds every contract method once; returns the function that removes the bindings again (on quit, and in tests). */
export function bindContract(ipcMain: IpcMainLike, handlers: ContractHandlers, isTrustedFrame: FrameCheck, options: BindOptions = {}): () => void {
  const log = options.log ?? (() => {});
  const pipeline = { detailsAt: "the app's log", log, ...(options.limits ? { limits: options.limits } : {}) };
  for (const [method, channel] of CONTRACT_CHANNELS) {
    ipcMain.handle(channel, async (event, ...args): Promise<IpcAnswer> => {
      let trusted: boolean;
      try {
        trusted = isTrustedFrame(event);
      } catch {
        // A frame destroyed while we looked at it.
        trusted = false;
      }
      if (!trusted) {
        const reason = `the sender is not Keywarden's own page (${describeSender(event)})`;
        log(`refused ${JSON.stringify(method)}: ${reason}`);
        return { ok: false, error: { code: REQUEST_REFUSED, message: `${method}: refused: ${reason}` } };
      }
      const outcome = await invokeContract(handlers, method, args, pipeline);
      // The envelope carries the value or the error; the failure's kind is for transports that need it (HTTP's status).
      return outcome.ok ? { ok: true, value: outcome.value } : { ok: false, error: outcome.error };
    });
  }
  return () => {
    for (const [, channel] of CONTRACT_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** The sender for the log: the frame's origin and whether it is a subframe, never its full URL (a query may hold anything). */
function describeSender(event: InvokeEventLike): string {
  const frame = event.senderFrame;
  if (!frame) return 'no frame';
  let origin = 'an unparsable URL';
  try {
    const url = new URL(frame.url);
    origin = url.origin === 'null' ? `${url.protocol}//${url.host}` : url.origin;
  } catch {
    // keep the placeholder
  }
  return `${frame.parent === null ? 'top-level frame' : 'subframe'} of web contents ${event.sender.id} at ${origin}`;
}

/** Sends each contract event to the window's page on `event:<name>`, while the window exists. */
export function windowEventTarget(getWindow: () => AppWindowLike | null): ContractEventListeners {
  const target: Record<string, (payload: unknown) => void> = {};
  for (const [event, channel] of EVENT_CHANNELS) {
    target[event] = (payload) => {
      const window = getWindow();
      if (!window || window.isDestroyed() || window.webContents.isDestroyed?.()) return;
      window.webContents.send(channel, payload);
    };
  }
  return target;
}
