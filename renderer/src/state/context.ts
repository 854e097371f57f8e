import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { InventoryState, InventoryStore } from './inventory-store.js';

export const InventoryContext = createContext<InventoryStore | null>(null);

/** Reads the inventory store (pick a small slice: the component re-renders when it changes). */
export function useInventory<T>(selector: (state: InventoryState) => T): T {
  const store = useContext(InventoryContext);
  if (!store) throw new Error('useInventory outside <InventoryContext>');
  return useStore(store, selector);
}
