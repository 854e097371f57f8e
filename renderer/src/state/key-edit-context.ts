import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { KeyEditState, KeyEditStore } from './key-edit-store.js';

/** The key forms' store (add and edit a manual key, describe a key, its consumers): one for the app. */
export const KeyEditContext = createContext<KeyEditStore | null>(null);

export function useKeyEdit<T>(selector: (state: KeyEditState) => T): T {
  const store = useContext(KeyEditContext);
  if (!store) throw new Error('useKeyEdit outside <KeyEditContext>');
  return useStore(store, selector);
}
