/**
 * What the preload builds, without Electron: the contract client over an `ipcRenderer`-like object, and the event
 * subscription. preload.ts hands these Electron's ipcRenderer and exposes them; tests hand them the stand-in IPC that
 * reaches the real main-process binding.
 *
 * - `api`: `buildContractClient` over `invoke('contract:<method>', ...args)`; the main process answers with an
 *   `IpcAnswer` envelope, unwrapped here: a value is checked against the method's result schema by the builder, a
 *   failure is thrown as an `IpcCallError` with the engine's code and message.
 * - `events.subscribe(handlers)`: one `ipcRenderer.on('event:<name>')` per handler given for a contract event,
 *   each payload checked against CONTRACT_EVENTS before the handler sees it; returns the unsubscribe function.
 *
 * No other channel can be named: every channel comes from shared/ipc-channels.ts, derived from the contract.
 */
import { buildContractClient, CONTRACT_EVENTS, type ContractClient, type ContractEvent, type ContractTransport } from '../../shared/contract.js';
import { type ContractEventHandlers, contractChannel, eventChannel, isIpcAnswer } from '../../shared/ipc-channels.js';

type IpcListener = (event: unknown, ...args: unknown[]) => void;

/** What the bridge uses of Electron's ipcRenderer. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: IpcListener): unknown;
  removeListener(channel: string, listener: IpcListener): unknown;
}

/**
 * A failed call, with the engine's code. Note: across contextBridge only an Error's message survives (Electron copies
 * errors into the page by their message), so the page sees `message`; `code` serves code that runs in the preload's
 * world, and the tests.
 */
export class IpcCallError extends Error {
  override readonly name = 'IpcCallError';
  constructor(
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, string | number | boolean | null>> = {},
  ) {
    super(message);
  }
}

export function createIpcTransport(ipc: Pick<IpcRendererLike, 'invoke'>): ContractTransport {
  return {
    async invoke(method, args) {
      const answer = await ipc.invoke(contractChannel(method), ...args);
      if (!isIpcAnswer(answer)) throw new IpcCallError('internal', `${method}: the main process's answer is not a contract answer`);
      if (answer.ok) return answer.value;
      throw new IpcCallError(answer.error.code, answer.error.message, answer.error.details ?? {});
    },
  };
}

export interface KeywardenEvents {
  subscribe(handlers: ContractEventHandlers): () => void;
}

export function createEventSubscriber(ipc: Pick<IpcRendererLike, 'on' | 'removeListener'>, onInvalidEvent: (name: ContractEvent, problem: string) => void = () => {}): KeywardenEvents {
  return {
    subscribe(handlers) {
      const bound: Array<[string, IpcListener]> = [];
      if (typeof handlers !== 'object' || handlers === null) return () => {};
      for (const name of Object.keys(CONTRACT_EVENTS) as ContractEvent[]) {
        const handler = handlers[name] as ((payload: unknown) => void) | undefined;
        if (typeof handler !== 'function') continue;
        const listener: IpcListener = (_event, payload) => {
          const parsed = CONTRACT_EVENTS[name].safeParse(payload);
          if (parsed.success) handler(parsed.data);
          else onInvalidEvent(name, parsed.error.issues[0]?.message ?? 'invalid');
        };
        ipc.on(eventChannel(name), listener);
        bound.push([eventChannel(name), listener]);
      }
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        for (const [channel, listener] of bound) ipc.removeListener(channel, listener);
      };
    },
  };
}

/** Both objects the preload exposes, built over one ipcRenderer. */
export function createDesktopBridge(ipc: IpcRendererLike, onInvalidEvent?: (name: ContractEvent, problem: string) => void): { api: ContractClient; events: KeywardenEvents } {
  return { api: buildContractClient(createIpcTransport(ipc)), events: Object.freeze(createEventSubscriber(ipc, onInvalidEvent)) };
}
