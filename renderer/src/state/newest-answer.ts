/**
 * What every view that reloads on the engine's `changes` needs: a load that keeps only the newest request's answer.
 * Changes can come in bursts (a sync commits several backends), so loads overlap, and a slow older answer must never
 * overwrite a newer one. The data on screen stays while a reload runs: a refresh does not blank the view.
 */
import { messageOf } from './inventory-store.js';

/** What a view shows: its data (null until the first answer), whether a load runs, and the last load's error. */
export interface LoadedState<T> {
  loading: boolean;
  error: string | null;
  data: T | null;
}

/**
 * A `load` for a store: runs `ask`, and hands `apply` the state to set (the data, or the error with the data kept),
 * unless a newer load started meanwhile.
 */
export function newestAnswerLoader<T>(ask: () => Promise<T>, apply: (state: Partial<LoadedState<T>>) => void): () => Promise<void> {
  let generation = 0;
  return async () => {
    const mine = ++generation;
    apply({ loading: true });
    try {
      const data = await ask();
      if (mine === generation) apply({ data, loading: false, error: null });
    } catch (error) {
      if (mine === generation) apply({ loading: false, error: messageOf(error) });
    }
  };
}
