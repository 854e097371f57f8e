/**
 * Reminder state (migrations 001 and 004): which reminder was notified at which threshold (so none is shown twice,
 * across processes), and snoozes. The due dates themselves are key columns (`keys.ts`, `../reminders/`). Reached as
 * `InventoryStore.reminders`.
 */
import type { StoreConnection } from './connection.js';

export class ReminderState {
  constructor(private readonly conn: StoreConnection) {}

  /** Records that a reminder was notified; returns false when it already had been (so it is never shown twice). */
  markNotified(ref: string, kind: string, dueAt: string, threshold: string, at: string): boolean {
    return this.conn.guard(
      () =>
        this.conn.db.prepare('INSERT INTO reminder_notifications (ref, kind, due_at, threshold, notified_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(ref, kind, dueAt, threshold, at)
          .changes === 1,
    );
  }

  /** The stages (`'30'`, `'7'`, `'overdue'`...) a reminder's due date was notified at so far, in any order. */
  notifiedStages(ref: string, kind: string, dueAt: string): string[] {
    return this.conn.guard(() =>
      this.conn.db
        .prepare<{ threshold: string }>('SELECT threshold FROM reminder_notifications WHERE ref = ? AND kind = ? AND due_at = ?')
        .all(ref, kind, dueAt)
        .map((row) => row.threshold),
    );
  }

  /** Forgets that a reminder was notified at a threshold, so that it is notified again (after a snooze). */
  forgetNotified(ref: string, kind: string, dueAt: string, threshold: string): void {
    this.conn.guard(() => this.conn.db.prepare('DELETE FROM reminder_notifications WHERE ref = ? AND kind = ? AND due_at = ? AND threshold = ?').run(ref, kind, dueAt, threshold));
  }

  /** Snoozes a key's reminder notifications until `until` (replacing an earlier snooze). */
  snooze(ref: string, until: string): void {
    this.conn.guard(() => this.conn.db.prepare('INSERT INTO reminder_snoozes (ref, until) VALUES (?, ?) ON CONFLICT (ref) DO UPDATE SET until = excluded.until').run(ref, until));
  }

  /** Keys whose reminders are snoozed beyond `now`, with the date each snooze ends. */
  activeSnoozes(now: string): Map<string, string> {
    return this.conn.guard(
      () =>
        new Map(
          this.conn.db
            .prepare<{ ref: string; until: string }>('SELECT ref, until FROM reminder_snoozes WHERE until > ?')
            .all(now)
            .map((row) => [row.ref, row.until] as const),
        ),
    );
  }
}
