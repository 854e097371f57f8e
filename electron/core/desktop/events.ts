/**
 * The desktop app's contract events go to several places at once: the window (over IPC), the tray (which refreshes
 * on inventory, reminder and lock changes) and the reminder scheduler (which checks after each sync). `fanOutEvents`
 * builds the one ContractEventSink the contract handlers get, calling every listener of each event; one listener
 * that throws (a window that is gone) does not keep the others from hearing it.
 */
import { CONTRACT_EVENTS, type ContractEvent } from '../../../shared/contract.js';
import type { ContractEventSink } from '../contract-handlers.js';

export type ContractEventListeners = Partial<ContractEventSink>;

export function fanOutEvents(targets: readonly ContractEventListeners[], log: (message: string) => void = () => {}): ContractEventSink {
  const sink: Partial<Record<ContractEvent, (payload: unknown) => void>> = {};
  for (const name of Object.keys(CONTRACT_EVENTS) as ContractEvent[]) {
    sink[name] = (payload: unknown) => {
      for (const target of targets) {
        const listener = target[name] as ((payload: unknown) => void) | undefined;
        if (!listener) continue;
        try {
          listener(payload);
        } catch (error) {
          log(`a listener of ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
  }
  return sink as ContractEventSink;
}
