/**
 * How the console reaches the engine: `window.keywarden` in the desktop window (the preload builds it), else
 * the HTTP transport of `keywarden ui`. Only the stores use the client; components never call it.
 */
import { buildContractClient, type ContractClient } from '../../shared/contract.js';
import { createHttpTransport, subscribeContractEvents, type ContractEventHandlers } from './contract/http-transport.js';

declare global {
  interface Window {
    /** The contract client the Electron preload exposes. */
    keywarden?: ContractClient;
    /** The preload's event subscription, when it provides one (the desktop window); over HTTP the page uses SSE. */
    keywardenEvents?: { subscribe(handlers: ContractEventHandlers): () => void };
  }
}

export interface Connection {
  client: ContractClient;
  subscribe(handlers: ContractEventHandlers, onClosed: () => void): () => void;
}

export function connect(): Connection {
  if (window.keywarden) {
    const events = window.keywardenEvents;
    return { client: window.keywarden, subscribe: (handlers) => events?.subscribe(handlers) ?? (() => {}) };
  }
  return {
    client: buildContractClient(createHttpTransport()),
    subscribe: (handlers, onClosed) =>
      subscribeContractEvents(handlers, {
        onError: (closed) => {
          if (closed) onClosed();
        },
      }),
  };
}
