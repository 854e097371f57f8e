/**
 * One backend's line of a sync, in words, from the inventory store's sync state: its progress as the engine
 * reports pages ("Syncing: 2 pages, 200 keys so far"), then its result. Pure, for the tests.
 */
import type { SyncState } from '../state/inventory-store.js';

export interface SyncLine {
  text: string;
  tone: 'progress' | 'ok' | 'failed';
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function syncLine(sync: SyncState, name: string, requested: boolean): SyncLine | null {
  const progress = sync.progress[name];
  if (sync.running) {
    if (progress?.phase === 'failed') return { text: `Sync failed: ${progress.error ?? 'unknown error'}`, tone: 'failed' };
    if (progress?.phase === 'done') return { text: `Saving ${count(progress.keys, 'key', 'keys')} from ${count(progress.pages, 'page', 'pages')}…`, tone: 'progress' };
    if (progress) return { text: `Syncing: ${count(progress.pages, 'page', 'pages')}, ${count(progress.keys, 'key', 'keys')} so far…`, tone: 'progress' };
    return requested ? { text: 'Starting sync…', tone: 'progress' } : null;
  }
  const result = sync.results?.find((candidate) => candidate.backend === name);
  if (result) {
    if (!result.ok) return { text: `Sync failed: ${result.error ?? 'unknown error'}`, tone: 'failed' };
    const note = result.note ? ` (${result.note})` : '';
    return { text: `Synced: ${count(result.keyCount, 'key', 'keys')} in ${count(result.pages, 'page', 'pages')}${note}.`, tone: 'ok' };
  }
  if (requested && sync.error) return { text: `Sync failed: ${sync.error}`, tone: 'failed' };
  return null;
}
