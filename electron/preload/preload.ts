/**
 * The desktop window's preload, sandboxed and context-isolated: it exposes exactly two objects to the page, and
 * nothing of Electron or Node.
 *
 * - `window.keywarden`: the contract client (one async function per method of shared/contract.ts, each checking
 *   its result), over `ipcRenderer.invoke('contract:<method>')`;
 * - `window.keywardenEvents.subscribe(handlers)`: the contract's events, each payload checked, with an unsubscribe.
 *
 * There is no way to send or invoke any other channel. The page's types come from here (`KeywardenApi`), which is
 * `ContractClient`: the contract is their single source, as renderer/src/connection.ts expects.
 *
 * Bundled into one CommonJS file with zod (vite.preload.config.mts): a sandboxed preload cannot require files of its own.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { config } from 'zod';
import { APP_HOST, APP_SCHEME } from '../../shared/app-origin.js';
import { createDesktopBridge } from './bridge.js';

// The contract's schemas check every answer; zod's compiled parsers need eval, which the page's CSP forbids (and
// which zod would otherwise probe for, reporting a CSP violation).
config({ jitless: true });

const bridge = createDesktopBridge(ipcRenderer, (name, problem) => console.warn(`keywarden: ignored a ${name} event that does not fit the contract (${problem})`));

export const api = bridge.api;
export const events = bridge.events;
/** The page's view of `window.keywarden`: exactly the contract's client. */
export type KeywardenApi = typeof api;
export type KeywardenEventsApi = typeof events;

// Only Keywarden's own page gets the bridge. The main process refuses calls from anything else anyway (and denies
// navigation), so this is a second lock on the same door: a page that somehow loaded elsewhere finds nothing.
if (window.location.protocol === `${APP_SCHEME}:` && window.location.host === APP_HOST) {
  contextBridge.exposeInMainWorld('keywarden', api);
  contextBridge.exposeInMainWorld('keywardenEvents', events);
}
