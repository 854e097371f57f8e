/**
 * Reminder notifications as the desktop app raises them: real SQLite files, a clock the test moves, and the
 * scheduler's `notify` collecting what an OS notification would show. What an administrator relies on: each
 * key is notified once per threshold (30, 7, 1 days, overdue), never twice, also after a restart or when two
 * processes check at once; a snooze puts one off and brings it back when it ends; the tray says the worst state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { ReminderScheduler } from '../../electron/core/notifications/scheduler.js';
import type { ReminderNotice } from '../../electron/core/workflows/reminders.js';

const DAY = 86_400_000;
const START = new Date('2026-06-01T09:00:00.000Z');

describe('reminder notifications', () => {
  let home: string;
  let clock: Date;
  const engines: KeywardenEngine[] = [];
  const open = () => {
    const engine = KeywardenEngine.open({ home, now: () => clock });
    engines.push(engine);
    return engine;
  };
  const checkWith = (engine: KeywardenEngine) => {
    const shown: ReminderNotice[] = [];
    new ReminderScheduler({ engine, notify: (notice) => shown.push(notice) }).check();
    return shown.map((notice) => `${notice.reminder.name}@${notice.reminder.threshold}`).sort();
  };
  const at = (days: number) => new Date(START.getTime() + days * DAY).toISOString();

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-notify-'));
    clock = START;
    const engine = open();
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Overdue', createdAt: at(-100), expiresAt: at(-2) });
    await engine.addManualKey('hand', { name: 'Week', createdAt: at(-100), expiresAt: at(5) });
    await engine.addManualKey('hand', { name: 'Month', createdAt: at(-100), expiresAt: at(20) });
    await engine.addManualKey('hand', { name: 'Later', createdAt: at(-100), expiresAt: at(200) });
  });

  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('notifies each reached threshold once, in words, and nothing again on the next check or after a restart', async () => {
    const engine = engines[0]!;
    const shown: ReminderNotice[] = [];
    new ReminderScheduler({ engine, notify: (notice) => shown.push(notice) }).check();
    expect(shown.map((notice) => `${notice.reminder.name}@${notice.reminder.threshold}`).sort()).toEqual(['Month@30', 'Overdue@overdue', 'Week@7']);
    const week = shown.find((notice) => notice.reminder.name === 'Week')!;
    expect(week.title).toBe('Week expires in 5 days');
    expect(week.body).toContain(week.reminder.ref);
    expect(shown.find((notice) => notice.reminder.name === 'Overdue')!.title).toBe('Overdue expires overdue by 2 days');

    expect(checkWith(engine)).toEqual([]);
    await engine.close();
    engines.splice(0);
    expect(checkWith(open())).toEqual([]);
  });

  it('notifies again when a key reaches its next threshold as the days pass', () => {
    const engine = engines[0]!;
    checkWith(engine);
    clock = new Date(START.getTime() + 14 * DAY);
    // Month is now due in 6 days (7-day threshold); Week is overdue.
    expect(checkWith(engine)).toEqual(['Month@7', 'Week@overdue']);
  });

  it('two processes checking at once notify each reminder once between them', () => {
    const first = engines[0]!;
    const second = open();
    const both = [...checkWith(first), ...checkWith(second)].sort();
    expect(both).toEqual(['Month@30', 'Overdue@overdue', 'Week@7']);
  });

  it('a snooze puts a reminder off, and brings it back when it ends', async () => {
    const engine = engines[0]!;
    checkWith(engine);
    const week = engine.reminders().find((reminder) => reminder.name === 'Week')!;
    const until = await engine.snoozeReminder(week.ref, 1);
    expect(Date.parse(until)).toBeGreaterThan(clock.getTime());
    expect(checkWith(engine)).toEqual([]);
    clock = new Date(START.getTime() + 1.5 * DAY);
    expect(checkWith(engine)).toEqual(['Week@7']);
    expect(engine.auditTrail({ action: 'reminder.snooze' }).map((event) => event.ref)).toEqual([week.ref]);
    await expect(engine.snoozeReminder(week.ref, 3)).rejects.toThrow(/1 or 7 days/);
    const later = engine.listKeys({}).find((key) => key.name === 'Later')!;
    await expect(engine.snoozeReminder(later.ref, 1)).resolves.toEqual(expect.any(String));
  });

  it('the tray shows the worst state and the next due keys', () => {
    const engine = engines[0]!;
    expect(engine.trayStatus()).toMatchObject({ state: 'overdue', overdue: 1, dueSoon: 1, windowDays: 7 });
    expect(engine.trayStatus().next.map((reminder) => reminder.name)).toEqual(['Overdue', 'Week']);
    clock = new Date(START.getTime() - 30 * DAY);
    expect(engine.trayStatus()).toMatchObject({ state: 'clear', overdue: 0, dueSoon: 0, windowDays: 7, next: [] });
  });

  it('the scheduler checks at start and again on its interval, and one failing notification does not hide the others', async () => {
    const engine = engines[0]!;
    const shown: string[] = [];
    const logged: string[] = [];
    let refused = false;
    const scheduler = new ReminderScheduler({
      engine,
      intervalMs: 20,
      log: (message) => logged.push(message),
      notify: (notice) => {
        if (notice.reminder.name === 'Week' && !refused) {
          refused = true;
          throw new Error('the OS refused');
        }
        shown.push(notice.reminder.name);
      },
    });
    scheduler.start();
    expect(shown.sort()).toEqual(['Month', 'Overdue']);
    expect(logged).toEqual([expect.stringContaining('the OS refused')]);
    clock = new Date(START.getTime() + 14 * DAY);
    await expect.poll(() => shown.length, { timeout: 5000 }).toBe(4);
    scheduler.stop();
    expect(shown.slice(2).sort()).toEqual(['Month', 'Week']);
  });
});
