import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ContractClient } from '../../../shared/contract.js';
import type { RotationState, RotationStore } from '../rotation/rotation-store.js';
import type { BackendsState, BackendsStore } from './backends-store.js';
import type { InventoryState, InventoryStore } from './inventory-store.js';
import type { ShellState, ShellStore } from './shell-store.js';
import type { ViewsState, ViewsStore } from './views-store.js';

export const InventoryContext = createContext<InventoryStore | null>(null);
export const ShellContext = createContext<ShellStore | null>(null);
/** The backends view's store, created by the view from the client (see BackendsView). */
export const BackendsContext = createContext<BackendsStore | null>(null);
/** The contract client, for a view that creates a store of its own (never called from a component). */
export const ClientContext = createContext<ContractClient | null>(null);

/** Reads the inventory store (pick a small slice: the component re-renders when it changes). */
export function useInventory<T>(selector: (state: InventoryState) => T): T {
  const store = useContext(InventoryContext);
  if (!store) throw new Error('useInventory outside <InventoryContext>');
  return useStore(store, selector);
}

/** The inventory store itself, for a view that updates it (Settings: the reveal delay takes effect at once). */
export function useInventoryStore(): InventoryStore {
  const store = useContext(InventoryContext);
  if (!store) throw new Error('useInventoryStore outside <InventoryContext>');
  return store;
}

export function useShell<T>(selector: (state: ShellState) => T): T {
  const store = useContext(ShellContext);
  if (!store) throw new Error('useShell outside <ShellContext>');
  return useStore(store, selector);
}

export const RotationContext = createContext<RotationStore | null>(null);

/** The rotation wizard's store (one for the console: a rotation outlives the panel it was started from). */
export function useRotationStore(): RotationStore {
  const store = useContext(RotationContext);
  if (!store) throw new Error('useRotationStore outside <RotationContext>');
  return store;
}

export function useRotation<T>(selector: (state: RotationState) => T): T {
  return useStore(useRotationStore(), selector);
}

export function useClient(): ContractClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside <ClientContext>');
  return client;
}

export function useBackends<T>(selector: (state: BackendsState) => T): T {
  const store = useContext(BackendsContext);
  if (!store) throw new Error('useBackends outside <BackendsContext>');
  return useStore(store, selector);
}

/** The inventory's saved views (one for the console, over the inventory store). */
export const ViewsContext = createContext<ViewsStore | null>(null);

export function useViews<T>(selector: (state: ViewsState) => T): T {
  const store = useContext(ViewsContext);
  if (!store) throw new Error('useViews outside <ViewsContext>');
  return useStore(store, selector);
}
