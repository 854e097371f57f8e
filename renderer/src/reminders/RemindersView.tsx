import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { KeyName } from '../keys/KeyName.js';
import type { Reminder } from '../../../shared/domain.js';
import type { DueTone } from '../lib/due.js';
import { hrefFor } from '../routing.js';
import { useClient, useRotationStore, useShell } from '../state/context.js';
import {
  createRemindersStore,
  daysWords,
  isOverdue,
  kindWords,
  inBrowserDays,
  leadDaysInWords,
  overdueReminders,
  REMINDER_WINDOW_DAYS,
  reminderTone,
  startOfLocalDay,
  summarize,
  TONE_WORDS,
  weeksAhead,
  type ReminderSummary,
  type ReminderWeek,
} from '../state/reminders-store.js';
import './reminders.css';
import { RotationsInProgress } from '../rotation/RotationsInProgress.js';
import { CalendarDownload } from '../health/CalendarDownload.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { formatDay, formatShortDay } from '../lib/dates.js';
import { useNow } from '../lib/use-now.js';

/**
 * What is due in the next 90 days, as the engine computes it: the overdue keys first (most overdue first), then
 * the weeks ahead, each reminder a link to its key. Reloads whenever the engine says something changed.
 */
export function RemindersView() {
  const client = useClient();
  const [store] = useState(() => createRemindersStore(client));
  const changes = useShell((state) => state.changes);
  const rotations = useRotationStore();
  const loaded = useStore(store, (state) => state.reminders);
  const error = useStore(store, (state) => state.error);
  const load = useStore(store, (state) => state.load);

  useEffect(() => {
    void load();
  }, [load, changes]);

  // Days counted here, in this browser's zone and clock, as the inventory counts them; again every minute, so a
  // view left open moves on when a due time passes or a day begins.
  const now = useNow();
  const minute = Math.floor(now.getTime() / 60_000);
  const todayKey = startOfLocalDay(now).getTime();
  const today = useMemo(() => new Date(todayKey), [todayKey]);
  const reminders = useMemo(() => (loaded === null ? null : inBrowserDays(loaded, new Date(minute * 60_000))), [loaded, minute]);
  const summary = useMemo(() => summarize(reminders ?? []), [reminders]);
  const overdue = useMemo(() => overdueReminders(reminders ?? []), [reminders]);
  const weeks = useMemo(() => weeksAhead(reminders ?? [], today), [reminders, today]);
  // The reminder lead times (a setting): when notifications, the tray and alerts speak up. Said, not required.
  const [leadDays, setLeadDays] = useState<number[] | null>(null);
  useEffect(() => {
    let current = true;
    client['settings:get']().then(
      (settings) => current && setLeadDays(settings.reminderLeadDays),
      () => current && setLeadDays(null),
    );
    return () => {
      current = false;
    };
  }, [client, changes]);

  return (
    <main className="page reminders" aria-labelledby="page-heading">
      <h1 id="page-heading">Reminders</h1>
      <p className="page-intro muted">
        Keys that expire, are due for rotation or leave their grace period in the next {REMINDER_WINDOW_DAYS} days, as of {formatDay(today)}. Select one to open it in the inventory.
      </p>
      {leadDays && (
        <p className="muted reminders-lead-days">Notifications and alerts come {leadDaysInWords(leadDays)} before each date, and once it is overdue (the reminder lead times, a setting).</p>
      )}
      {error && (
        <p className="view-error" role="alert">
          <span className="error-text">
            Could not load the reminders: <IsolatedText text={error} lines />
          </span>{' '}
          <button type="button" className="button" onClick={() => void load()}>
            Try again
          </button>
        </p>
      )}
      {reminders === null ? (
        !error && (
          <p className="muted" role="status">
            Loading reminders…
          </p>
        )
      ) : (
        <>
          <Summary summary={summary} />
          <CalendarDownload />
          <RotationsInProgress store={rotations} />
          {reminders.length === 0 ? (
            <div className="empty">
              <h2>Nothing due in the next {REMINDER_WINDOW_DAYS} days</h2>
              <p>
                No key expires, reaches its rotation date or ends its grace period before {formatDay(addDays(today, REMINDER_WINDOW_DAYS))}, and none is overdue. A key shows here{' '}
                {REMINDER_WINDOW_DAYS} days ahead of its date, and stays here once overdue until it is rotated.
              </p>
              <p className="muted">Keys without an expiry date or a rotation policy never show here: set a rotation policy on their backend.</p>
            </div>
          ) : (
            <>
              {overdue.length > 0 && <Overdue reminders={overdue} />}
              <Timeline weeks={weeks} />
            </>
          )}
        </>
      )}
    </main>
  );
}

function addDays(day: Date, days: number): Date {
  return new Date(day.getFullYear(), day.getMonth(), day.getDate() + days);
}

function Summary({ summary }: { summary: ReminderSummary }) {
  const items: Array<[string, number, DueTone | null]> = [
    ['Overdue', summary.overdue, summary.overdue > 0 ? 'overdue' : null],
    ['Due within 7 days', summary.within7, summary.within7 > 0 ? 'soon' : null],
    ['Due within 30 days', summary.within30, null],
    [`Due within ${REMINDER_WINDOW_DAYS} days`, summary.within90, null],
  ];
  return (
    <dl className="summary summary-card reminders-summary" aria-label="Summary">
      {items.map(([label, count, tone]) => (
        <div key={label} className={tone ? `tone-${tone}` : undefined}>
          <dt>{label}</dt>
          <dd>{count}</dd>
        </div>
      ))}
    </dl>
  );
}

function Overdue({ reminders }: { reminders: Reminder[] }) {
  return (
    <section className="reminders-overdue" aria-labelledby="overdue-heading">
      <h2 id="overdue-heading">
        Overdue <span className="pill">{reminders.length}</span>
      </h2>
      <p className="muted">Most overdue first. Rotate or replace these keys now: an expired key, or one whose grace period has ended, no longer works.</p>
      <ul className="reminder-list">
        {reminders.map((reminder) => (
          <ReminderItem key={`${reminder.ref} ${reminder.kind}`} reminder={reminder} />
        ))}
      </ul>
    </section>
  );
}

function Timeline({ weeks }: { weeks: ReminderWeek[] }) {
  const busiest = Math.max(1, ...weeks.map((week) => week.items.length));
  const upcoming = weeks.reduce((total, week) => total + week.items.length, 0);
  const focusWeek = (index: number) => document.getElementById(`week-${index}-heading`)?.focus();
  return (
    <section className="reminders-timeline" aria-labelledby="timeline-heading">
      <div className="timeline-head">
        <h2 id="timeline-heading">Next {REMINDER_WINDOW_DAYS} days</h2>
        <ul className="tone-legend" aria-label="Colours">
          {(['soon', 'month', 'later'] as const).map((tone) => (
            <li key={tone} data-tone={tone}>
              <span className="legend-mark" aria-hidden="true" />
              {tone === 'later' ? `in 31 to ${REMINDER_WINDOW_DAYS} days` : TONE_WORDS[tone]}
            </li>
          ))}
        </ul>
      </div>
      <ol className="week-strip" aria-label="Weeks at a glance">
        {weeks.map((week) => {
          const tone = week.items[0] ? reminderTone(week.items[0]) : null;
          // Read as "Week of Nov 24: 2 due"; shown as the count over its bar over the date (CSS order).
          const body = (
            <>
              <span className="visually-hidden">Week of </span>
              <span className="week-date">{formatShortDay(week.start)}</span>
              <span className="visually-hidden">: </span>
              <span className="week-count">{week.items.length}</span>
              <span className="visually-hidden"> due</span>
              <span className="week-bar" aria-hidden="true">
                <span style={{ height: `${Math.round((week.items.length / busiest) * 100)}%` }} />
              </span>
            </>
          );
          return (
            <li key={week.index} data-tone={tone ?? 'none'}>
              {week.items.length > 0 ? (
                <button type="button" className="week-cell" title={`${weekRange(week)}: show these reminders`} onClick={() => focusWeek(week.index)}>
                  {body}
                </button>
              ) : (
                <span className="week-cell empty-week" title={`${weekRange(week)}: nothing due`}>
                  {body}
                </span>
              )}
            </li>
          );
        })}
      </ol>
      {upcoming === 0 ? (
        <p className="muted">Nothing else is due in the next {REMINDER_WINDOW_DAYS} days.</p>
      ) : (
        weeks
          .filter((week) => week.items.length > 0)
          .map((week) => (
            <section key={week.index} className="week" aria-labelledby={`week-${week.index}-heading`}>
              <h3 id={`week-${week.index}-heading`} tabIndex={-1}>
                {weekRange(week)} <span className="muted week-when">{weekWhen(week)}</span>
                <span className="week-total">{week.items.length} due</span>
              </h3>
              <ul className="reminder-list">
                {week.items.map((reminder) => (
                  <ReminderItem key={`${reminder.ref} ${reminder.kind}`} reminder={reminder} />
                ))}
              </ul>
            </section>
          ))
      )}
    </section>
  );
}

function weekRange(week: ReminderWeek): string {
  return week.firstDay === week.lastDay ? formatDay(week.start) : `${formatShortDay(week.start)} – ${formatShortDay(week.end)}`;
}

function weekWhen(week: ReminderWeek): string {
  if (week.index === 0) return 'next 7 days, today included';
  return `days ${week.firstDay} to ${week.lastDay}`;
}

function ReminderItem({ reminder }: { reminder: Reminder }) {
  const tone = reminderTone(reminder);
  const overdue = isOverdue(reminder);
  return (
    <li>
      <a className="reminder" data-tone={tone} href={hrefFor('inventory', reminder.ref)}>
        <span className="reminder-mark" aria-hidden="true" />
        <span className="reminder-key">
          <KeyName className="reminder-name" name={reminder.name} keyRef={reminder.ref} />
          <IsolatedText className="reminder-backend muted" text={reminder.backend} />
        </span>
        <span className="reminder-kind">{kindWords(reminder.kind, overdue)}</span>
        <time className="reminder-date" dateTime={reminder.dueAt}>
          {formatDay(reminder.dueAt)}
        </time>
        <span className="reminder-days">{daysWords(reminder)}</span>
      </a>
    </li>
  );
}
