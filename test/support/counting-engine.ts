/**
 * A real KeywardenEngine on a temporary data folder, behind a counting wrapper: every engine method the contract
 * handlers call is counted, so a test can prove that a refused call never reached the engine. `misbehave` makes one
 * method of the wrapper do something else (throw, return what the contract does not declare), for every host that
 * was given the wrapper.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContractEventSink } from '../../electron/core/contract-handlers.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { memoryKeychain } from './memory-keychain.js';

export interface CountingEngine {
  /** The wrapper to hand to createContractHandlers. */
  engine: KeywardenEngine;
  /** The engine itself, for the test's own setup (not counted). */
  real: KeywardenEngine;
  /** Engine method calls made through the wrapper, by name. */
  calls: string[];
  /** From now on, `method` called through the wrapper runs `instead` (still counted); `undefined` restores it. */
  misbehave(method: keyof KeywardenEngine, instead: ((...args: unknown[]) => unknown) | undefined): void;
  home: string;
  close(): Promise<void>;
}

export function openCountingEngine(): CountingEngine {
  const home = mkdtempSync(join(tmpdir(), 'keywarden-counting-'));
  const real = KeywardenEngine.open({ home, keychain: memoryKeychain() });
  const calls: string[] = [];
  const faults = new Map<PropertyKey, (...args: unknown[]) => unknown>();
  const engine = new Proxy(real, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        calls.push(String(property));
        const instead = faults.get(property);
        return instead ? instead(...args) : (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    engine,
    real,
    calls,
    misbehave(method, instead) {
      if (instead) faults.set(method, instead);
      else faults.delete(method);
    },
    home,
    async close() {
      await real.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** An event sink that records every event, in order. */
export function recordingSink(): ContractEventSink & { readonly seen: Array<{ event: string; payload: unknown }> } {
  const seen: Array<{ event: string; payload: unknown }> = [];
  const record = (event: string) => (payload: unknown) => void seen.push({ event, payload });
  return {
    seen,
    onSyncProgress: record('onSyncProgress'),
    onInventoryChanged: record('onInventoryChanged'),
    onRemindersChanged: record('onRemindersChanged'),
    onLockChanged: record('onLockChanged'),
    onOpenKey: record('onOpenKey'),
    onRotationChanged: record('onRotationChanged'),
  };
}
