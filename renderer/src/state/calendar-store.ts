/**
 * The expiry calendar's download (`calendar:export`): the engine writes the iCalendar text (the same file as
 * `keywarden export --format ics`), the console saves it as `keywarden-due-dates.ics` through the `save` function
 * given (a Blob link in the page, which the desktop window's session saves with its dialog, as the CSV exports).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { SavedFile } from './audit-store.js';
import { messageOf } from './inventory-store.js';

/** One name, not dated: importing the file again updates the same events (their UIDs are stable per key). */
export const CALENDAR_FILE_NAME = 'keywarden-due-dates.ics';

export interface CalendarState {
  running: boolean;
  /** The last download, for a status line: how many events and the file's name. */
  done: { events: number; name: string } | null;
  error: string | null;
  download: () => Promise<void>;
}

export type CalendarStore = StoreApi<CalendarState>;

export function createCalendarStore(client: ContractClient, options: { save: (file: SavedFile) => void }): CalendarStore {
  return createStore<CalendarState>()((set, get) => ({
    running: false,
    done: null,
    error: null,

    async download() {
      if (get().running) return;
      set({ running: true, error: null });
      try {
        const { events, content } = await client['calendar:export']();
        options.save({ name: CALENDAR_FILE_NAME, content, type: 'text/calendar;charset=utf-8' });
        set({ running: false, done: { events, name: CALENDAR_FILE_NAME } });
      } catch (error) {
        set({ running: false, error: messageOf(error) });
      }
    },
  }));
}
