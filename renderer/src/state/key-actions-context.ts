import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { KeyActionsState, KeyActionsStore } from './key-actions-store.js';

/** The key actions store: one for the app's lifetime, so a pending clipboard clear survives closing the panel. */
export const KeyActionsContext = createContext<KeyActionsStore | null>(null);

export function useKeyActions<T>(selector: (state: KeyActionsState) => T): T {
  const store = useContext(KeyActionsContext);
  if (!store) throw new Error('useKeyActions outside <KeyActionsContext>');
  return useStore(store, selector);
}
