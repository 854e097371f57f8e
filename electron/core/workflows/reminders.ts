/**
 * Reminders: what is due and when (from the inventory, offline), which reminders have reached a stage (a reminder
 * lead time, or overdue) not yet notified (the desktop app's notifications, never twice for the same key and stage,
 * across restarts, and never an earlier stage again after the lead times change), snoozing, and the tray's summary.
 * The lead times are the `reminderLeadDays` setting (30, 7 and 1 days by default), read on every call.
 */
import type { Key, Reminder, ReminderThreshold } from '../../../shared/domain.js';
import { addLocalDays, endOfWindow, isCalendarDay } from '../dates.js';
import { KeywardenError } from '../errors.js';
import { judgeKeys, type GateReport } from '../reminders/gate.js';
import { daysLeft, dueEventFor, isNewStage, parseStage, REMINDER_KIND_WORDS, stageRank, thresholdReached, trayWindowDays } from '../reminders/reminders.js';
import type { InventoryStore } from '../store/store.js';
import type { EngineContext, TeamSnooze } from './context.js';
import { parseRef } from './keys.js';
import { storedLeadDays } from './settings.js';

/** A reminder that has reached a threshold it was not notified at, with its notification's words. */
export interface ReminderNotice {
  reminder: Reminder & { threshold: ReminderThreshold };
  title: string;
  body: string;
}

export type TrayState = 'overdue' | 'due-soon' | 'clear';

export interface TrayStatus {
  /** Something overdue / something due within the tray's window / nothing due: the tray icon's three states. */
  state: TrayState;
  overdue: number;
  /** Keys due within `windowDays`, not overdue. */
  dueSoon: number;
  /** The tray's window in days (`trayWindowDays` of the lead times: 7 with the defaults). */
  windowDays: number;
  /** The next due keys for the tray menu, soonest first. */
  next: Reminder[];
}

export const SNOOZE_DAYS = [1, 7] as const;

export class ReminderWorkflows {
  constructor(private readonly ctx: EngineContext) {}

  /** The reminder lead times (the `reminderLeadDays` setting), largest first. */
  leadDays(): number[] {
    return storedLeadDays(this.ctx.store);
  }

  /**
   * Reminders due within `withinDays` calendar days (default: the largest lead time), overdue included, each with the
   * stage it has reached under the lead times (null when further away than every lead time).
   */
  reminders(options: { withinDays?: number; leadDays?: readonly number[] } = {}): Reminder[] {
    const now = this.ctx.now();
    const leadDays = options.leadDays ?? this.leadDays();
    const withinDays = options.withinDays ?? Math.max(...leadDays);
    // Calendar days, as `list --due-within` counts them: due on or before the local day today + withinDays.
    const keys = this.ctx.store.keys.listDue(endOfWindow(now, withinDays), now);
    const reminders: Reminder[] = [];
    for (const key of keys) {
      const reminder = reminderOf(key, now, leadDays);
      if (reminder) reminders.push(reminder);
    }
    return reminders;
  }

  /**
   * The reminders that reached a stage (a lead time, or overdue) later than any stage notified for the same due date,
   * each recorded as notified in the same transaction that finds it: two processes checking at once (the app and a
   * cron job) notify once, and a change of the lead times never notifies a stage already passed (`isNewStage`).
   * Snoozed keys are left for after their snooze.
   */
  claimNotifications(): ReminderNotice[] {
    const now = this.ctx.now();
    const at = now.toISOString();
    return this.ctx.store.transaction(() => {
      const snoozed = this.ctx.store.reminders.activeSnoozes(at);
      const notices: ReminderNotice[] = [];
      for (const reminder of this.reminders()) {
        const threshold = reminder.threshold;
        if (threshold === null || snoozed.has(reminder.ref)) continue;
        if (!isNewStage(threshold, this.ctx.store.reminders.notifiedStages(reminder.ref, reminder.kind, reminder.dueAt))) continue;
        if (!this.ctx.store.reminders.markNotified(reminder.ref, reminder.kind, reminder.dueAt, String(threshold), at)) continue;
        notices.push({ reminder: { ...reminder, threshold }, ...noticeWords(reminder, threshold) });
      }
      return notices;
    });
  }

  /**
   * Puts a key's reminder off for a day or a week: no notification for it until then, and its current one is
   * shown again when the snooze ends (that is what "remind me tomorrow" means). Returns when the snooze ends.
   *
   * In a team home an operator's or admin's snooze is the team's (docs/team.md): written to the team with its audit
   * event, then pulled, so every member's copy holds it (offline too). A viewer's, or one made while the team's server
   * is away, is this member's own, kept in this data folder only, and its audit event says so.
   */
  async snooze(ref: string, days: number): Promise<string> {
    if (!(SNOOZE_DAYS as readonly number[]).includes(days)) throw new KeywardenError('invalid_input', `a reminder is snoozed for ${SNOOZE_DAYS.join(' or ')} days`);
    // One key, read directly: its reminder whatever the window, never the whole inventory's.
    const { backend, keyId } = parseRef(ref);
    const now = this.ctx.now();
    const key = this.ctx.store.keys.get(backend, keyId, now);
    const reminder = key ? reminderOf(key, now, this.leadDays()) : null;
    if (!reminder) throw new KeywardenError('not_found', `${ref} has no reminder to snooze (nothing is due for it)`, { ref });
    const snooze: TeamSnooze = {
      ref,
      kind: reminder.kind,
      dueAt: reminder.dueAt,
      stage: reminder.threshold === null ? null : String(reminder.threshold),
      until: addLocalDays(now, days).toISOString(),
    };
    const event = { action: 'reminder.snooze', ref, outcome: 'ok' as const, detail: `until ${snooze.until}` };
    // A personal folder's snooze is written before this returns its promise (a notification's button: no wait).
    const team = this.ctx.store.team.get() ? await this.ctx.teamWrites() : null;
    if (!team || !(await team.snooze(snooze, event))) {
      this.keepSnooze(snooze, reminder.backend, team ? `${event.detail}; this member's own, kept in this data folder only (not the team's)` : event.detail);
    }
    return snooze.until;
  }

  private keepSnooze(snooze: TeamSnooze, backend: string, detail: string): void {
    this.ctx.store.transaction(() => {
      recordSnooze(this.ctx.store, snooze);
      this.ctx.audit('reminder.snooze', backend, snooze.ref, 'ok', detail);
    });
  }

  /**
   * `keywarden check`: every key of the named backends (all when none is named) judged against a window of
   * `withinDays` calendar days. Metadata only, so it works offline and without the keychain.
   */
  gate(options: { withinDays: number; backends?: readonly string[] }): GateReport {
    const now = this.ctx.now();
    const names = [...new Set(options.backends ?? [])];
    for (const name of names) this.ctx.store.backends.require(name);
    const keys = names.length === 0 ? this.ctx.store.keys.list({}, now) : names.flatMap((backend) => this.ctx.store.keys.list({ backend }, now));
    return judgeKeys(keys, now, options.withinDays);
  }

  /** The tray's state and next due keys, within `trayWindowDays` of the lead times (7 days with the defaults). */
  trayStatus(limit = 5): TrayStatus {
    const leadDays = this.leadDays();
    const windowDays = trayWindowDays(leadDays);
    const due = this.reminders({ withinDays: windowDays, leadDays }).sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
    const overdue = due.filter((reminder) => reminder.threshold === 'overdue').length;
    const dueSoon = due.length - overdue;
    return { state: overdue > 0 ? 'overdue' : dueSoon > 0 ? 'due-soon' : 'clear', overdue, dueSoon, windowDays, next: due.slice(0, limit) };
  }
}

/**
 * Records a snooze in this data folder (a personal folder's, or a team's as a pull copies it), in the caller's
 * transaction: the key's notifications wait until it ends, and its stage then is said again when it does: forgotten,
 * with any later one that would hold it back (said under lead times since changed; see `isNewStage`).
 */
export function recordSnooze(store: InventoryStore, snooze: TeamSnooze): void {
  store.transaction(() => {
    store.reminders.snooze(snooze.ref, snooze.until);
    const current = snooze.stage === null ? null : parseStage(snooze.stage);
    if (current === null) return;
    for (const stage of store.reminders.notifiedStages(snooze.ref, snooze.kind, snooze.dueAt)) {
      const said = parseStage(stage);
      if (said !== null && stageRank(said) <= stageRank(current)) store.reminders.forgetNotified(snooze.ref, snooze.kind, snooze.dueAt, stage);
    }
  });
}

/** A key's next due event as a reminder, or null when nothing is due for it (revoked, or no date known). */
function reminderOf(key: Key, now: Date, leadDays: readonly number[]): Reminder | null {
  // A manual key shows `expired` once its date passes, but for reminders it is an overdue expiry.
  const due = dueEventFor(key.backendType === 'manual' && key.status === 'expired' ? { ...key, status: 'active' } : key);
  if (!due) return null;
  return { ref: key.ref, name: key.name, backend: key.backend, kind: due.kind, dueAt: due.dueAt, daysLeft: daysLeft(due.dueAt, now), threshold: thresholdReached(due.dueAt, now, leadDays) };
}

/** A notification's title and body: the key, what happens, and when, in the administrator's words. */
export function noticeWords(reminder: Reminder, threshold: ReminderThreshold): { title: string; body: string } {
  const what = REMINDER_KIND_WORDS[reminder.kind];
  const when =
    threshold === 'overdue'
      ? reminder.daysLeft < 0
        ? `overdue by ${-reminder.daysLeft} day${reminder.daysLeft === -1 ? '' : 's'}`
        : 'overdue since today'
      : reminder.daysLeft === 0
        ? 'today'
        : `in ${reminder.daysLeft} day${reminder.daysLeft === 1 ? '' : 's'}`;
  // A calendar day is read in UTC, where its midnight is the day itself; an instant in the local zone.
  const date = new Date(reminder.dueAt).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric', ...(isCalendarDay(reminder.dueAt) ? { timeZone: 'UTC' } : {}) });
  return { title: `${reminder.name} ${what} ${when}`, body: `${reminder.backend} · ${reminder.ref} · ${date}` };
}
