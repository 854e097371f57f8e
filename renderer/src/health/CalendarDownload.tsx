import { useState } from 'react';
import { useStore } from 'zustand';
import { IsolatedText } from '../lib/IsolatedText.js';
import { plural } from '../lib/dates.js';
import { saveTextFile } from '../lib/save-file.js';
import { createCalendarStore } from '../state/calendar-store.js';
import { useClient } from '../state/context.js';
import './health.css';

/**
 * "Download calendar (.ics)": every key's due dates as an iCalendar file for the administrator's own calendar
 * (Outlook, Google, Apple), with alarms at 30, 7 and 1 days. Shown on Health and Reminders; each keeps its own status.
 */
export function CalendarDownload() {
  const client = useClient();
  const [store] = useState(() => createCalendarStore(client, { save: saveTextFile }));
  const running = useStore(store, (state) => state.running);
  const done = useStore(store, (state) => state.done);
  const error = useStore(store, (state) => state.error);
  const download = useStore(store, (state) => state.download);
  return (
    <div className="calendar-download">
      <button
        type="button"
        className="button"
        onClick={() => void download()}
        disabled={running}
        title="Every key's expiry, rotation date and grace end as all-day events, with alarms 30, 7 and 1 days before; no secret"
      >
        {running ? 'Preparing calendar…' : 'Download calendar (.ics)'}
      </button>
      <span role="status" className="calendar-status muted">
        {done && !error && `Saved ${plural(done.events, 'due date')} as ${done.name}`}
      </span>
      {error && (
        <span role="alert" className="error-text calendar-status">
          Could not make the calendar: <IsolatedText text={error} lines />
        </span>
      )}
    </div>
  );
}
