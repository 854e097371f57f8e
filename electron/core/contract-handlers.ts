/**
 * The engine side of the contract in `shared/contract.ts`: one handler per method, each a direct call
 * into KeywardenEngine. The Electron main process binds these behind its validating IPC wrapper; tests
 * and the e2e bridge use them the same way, so every client sees the same behaviour.
 */
import type { ContractEventPayload, ContractHandlers } from '../../shared/contract.js';
import type { KeywardenEngine } from './engine.js';

export interface ContractEventSink {
  onSyncProgress(progress: ContractEventPayload<'onSyncProgress'>): void;
}

export function createContractHandlers(engine: KeywardenEngine, events: ContractEventSink): ContractHandlers {
  return {
    'inventory:list': async (filter) => engine.listKeys(filter),
    'inventory:query': async (query) => engine.queryInventory(query),
    'inventory:facets': async () => engine.inventoryFacets(),
    'key:show': async (ref) => engine.getKey(ref),
    'key:reveal': (ref) => engine.reveal(ref),
    'key:test': (ref) => engine.testKey(ref),
    'key:create': (backend, name) => engine.createKey(backend, name),
    'key:revoke': (ref, options) =>
      engine.revokeKey(ref, {
        ...(options.validityDays !== undefined ? { validityDays: options.validityDays } : {}),
        revealReplacement: options.revealReplacement ?? false,
      }),
    'key:delete': async (ref) => {
      await engine.deleteKey(ref);
      return null;
    },
    'backend:list': async () => engine.listBackends(),
    'sync:run': (names) => engine.sync(names, { onProgress: (progress) => events.onSyncProgress(progress) }),
    'reminders:list': async (options) => engine.reminders(options.withinDays !== undefined ? { withinDays: options.withinDays } : {}),
    'audit:list': async (options) => engine.auditTrail(options.limit !== undefined ? { limit: options.limit } : {}),
  };
}
