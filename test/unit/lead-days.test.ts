/**
 * Reminder lead times as a setting (`reminderLeadDays`, issue 23): what is accepted (whole days 1 to 3650, distinct,
 * at most 10), what it changes (the stages reminders reach, notifications, the tray's window, Health's "due soon", the
 * calendar's alarms), and the rule that a change of lead times never says a stage already passed again. Real SQLite
 * files and a clock the test moves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trayModel } from '../../electron/core/desktop/tray-menu.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { ReminderScheduler } from '../../electron/core/notifications/scheduler.js';
import { isNewStage, thresholdReached, trayWindowDays } from '../../electron/core/reminders/reminders.js';
import { parseLeadDays } from '../../electron/cli/commands/settings.js';
import { DEFAULT_SETTINGS, Settings } from '../../shared/domain.js';
import { leadDaysProblem } from '../../shared/rules.js';

const DAY = 86_400_000;
const START = new Date('2026-06-01T09:00:00.000Z');
const at = (days: number) => new Date(START.getTime() + days * DAY).toISOString();

describe('the reminderLeadDays setting', () => {
  it('defaults to 30, 7 and 1 days', () => {
    expect(DEFAULT_SETTINGS.reminderLeadDays).toEqual([30, 7, 1]);
  });

  it.each([
    [[60, 30, 14, 7, 1], null],
    [[1], null],
    [[3650, 1], null],
    [[], /at least one/],
    [[0], /from 1 to 3650/],
    [[3651], /from 1 to 3650/],
    [[7.5], /whole number/],
    [[7, 7], /once/],
    [[11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1], /at most 10/],
    ['30,7', /list/],
  ] as const)('judges %j', (value, problem) => {
    const found = leadDaysProblem(value);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
    expect(Settings.shape.reminderLeadDays.safeParse(value).success).toBe(problem === null);
  });

  it('reads the CLI form, naming a mistake with its flag', () => {
    expect(parseLeadDays('60,30,14,7,1')).toEqual([60, 30, 14, 7, 1]);
    expect(parseLeadDays(' 7, 30 ,1')).toEqual([7, 30, 1]);
    expect(parseLeadDays(undefined)).toBeUndefined();
    expect(() => parseLeadDays('30,seven')).toThrow(/--reminder-lead-days takes whole days separated by commas/);
    expect(() => parseLeadDays('30,30')).toThrow(/--reminder-lead-days: each lead time is given once/);
    expect(() => parseLeadDays('0')).toThrow(/from 1 to 3650/);
  });
});

describe('stages under lead times', () => {
  it('reaches the smallest lead time not below the days left, and overdue once the date has come', () => {
    const now = new Date('2026-06-01T12:00:00');
    const due = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
    const leads = [60, 30, 14, 7, 1];
    expect(thresholdReached(due(45), now, leads)).toBe(60);
    expect(thresholdReached(due(20), now, leads)).toBe(30);
    expect(thresholdReached(due(10), now, leads)).toBe(14);
    expect(thresholdReached(due(3), now, leads)).toBe(7);
    expect(thresholdReached(due(61), now, leads)).toBeNull();
    expect(thresholdReached(due(-1), now, leads)).toBe('overdue');
    // The default lead times, as before the setting.
    expect(thresholdReached(due(45), now)).toBeNull();
    expect(thresholdReached(due(20), now)).toBe(30);
  });

  it('a stage is news only when later than every stage already said for the same due date', () => {
    expect(isNewStage(7, [])).toBe(true);
    expect(isNewStage(7, ['30'])).toBe(true);
    expect(isNewStage(7, ['7'])).toBe(false);
    // Told at 7 days; 10 or 14 days added since are passed stages.
    expect(isNewStage(10, ['30', '7'])).toBe(false);
    expect(isNewStage(14, ['7'])).toBe(false);
    expect(isNewStage('overdue', ['1'])).toBe(true);
    expect(isNewStage(1, ['overdue'])).toBe(false);
  });

  it("the tray's window is the smallest lead time giving a week's notice, else the largest", () => {
    expect(trayWindowDays([30, 7, 1])).toBe(7);
    expect(trayWindowDays([60, 30, 14, 7, 1])).toBe(7);
    expect(trayWindowDays([60, 30, 14])).toBe(14);
    expect(trayWindowDays([30])).toBe(30);
    expect(trayWindowDays([3, 1])).toBe(3);
  });
});

describe('lead times in the engine', () => {
  let home: string;
  let clock: Date;
  let engine: KeywardenEngine;
  const said = () => {
    const shown: string[] = [];
    new ReminderScheduler({ engine, notify: (notice) => shown.push(`${notice.reminder.name}@${notice.reminder.threshold}`) }).check();
    return shown.sort();
  };

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-lead-days-'));
    clock = START;
    engine = KeywardenEngine.open({ home, now: () => clock });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'In45', createdAt: at(-100), expiresAt: at(45) });
    await engine.addManualKey('hand', { name: 'In10', createdAt: at(-100), expiresAt: at(10) });
    await engine.addManualKey('hand', { name: 'In3', createdAt: at(-100), expiresAt: at(3) });
  });

  afterEach(async () => {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps the lead times largest first, refuses a bad list with the setting named, and audits the change', async () => {
    expect((await engine.updateSettings({ reminderLeadDays: [7, 60, 1, 30, 14] })).reminderLeadDays).toEqual([60, 30, 14, 7, 1]);
    expect(engine.reminderLeadDays()).toEqual([60, 30, 14, 7, 1]);
    await expect(engine.updateSettings({ reminderLeadDays: [7, 7] })).rejects.toThrow(/the setting reminderLeadDays is not valid: each lead time is given once/);
    expect((await engine.settings()).reminderLeadDays).toEqual([60, 30, 14, 7, 1]);
    expect(engine.auditTrail({ action: 'settings.update' }).map((event) => event.detail)).toEqual(['reminderLeadDays=60,30,14,7,1']);
  });

  it('notifies at the stages of the lead times set, and the reminders list reaches the largest by default', async () => {
    await engine.updateSettings({ reminderLeadDays: [60, 30, 14, 7, 1] });
    expect(engine.reminders().map((reminder) => `${reminder.name}@${reminder.threshold}`)).toEqual(['In3@7', 'In10@14', 'In45@60']);
    expect(said()).toEqual(['In10@14', 'In3@7', 'In45@60']);
    clock = new Date(START.getTime() + 4 * DAY);
    // In10 is now 6 days away (7), In45 41 (60: said), In3 is overdue.
    expect(said()).toEqual(['In10@7', 'In3@overdue']);
  });

  it('a change of lead times never notifies a stage already passed again, nor any stage twice', async () => {
    expect(said()).toEqual(['In10@30', 'In3@7']);
    // Added 10 and 14 days: In10 is at its 10-day stage now, In3 at 7; the 30-day and 7-day notices were said.
    await engine.updateSettings({ reminderLeadDays: [30, 14, 10, 7, 1] });
    expect(said()).toEqual(['In10@10']);
    // Took 7 away: In3 is at its 10-day stage by the new list, which is earlier than the 7 it was told: nothing.
    await engine.updateSettings({ reminderLeadDays: [30, 14, 10, 1] });
    expect(said()).toEqual([]);
    // A 45-day stage added while In45 is 45 days away: a stage it reaches now, said once.
    await engine.updateSettings({ reminderLeadDays: [45, 30, 14, 10, 1] });
    expect(said()).toEqual(['In45@45']);
    expect(said()).toEqual([]);
  });

  it('a snooze brings its reminder back when it ends, also after the lead times changed', async () => {
    said();
    await engine.updateSettings({ reminderLeadDays: [30, 10, 1] });
    // In10 reaches the new 10-day stage; In3, told at 7 days, is at 10 by the new list: a passed stage.
    expect(said()).toEqual(['In10@10']);
    const in3 = engine.reminders().find((reminder) => reminder.name === 'In3')!;
    expect(in3.threshold).toBe(10);
    await engine.snoozeReminder(in3.ref, 1);
    expect(said()).toEqual([]);
    clock = new Date(START.getTime() + 1.5 * DAY);
    expect(said()).toEqual(['In3@10']);
  });

  it("the tray's window and words follow the lead times", async () => {
    const unlocked = { locked: false, since: null, reason: null, unlockWith: null } as const;
    expect(engine.trayStatus()).toMatchObject({ state: 'due-soon', dueSoon: 1, windowDays: 7 });
    expect(trayModel(engine.trayStatus(), unlocked, { syncing: false }).tooltip).toBe('Keywarden: 1 due within 7 days');
    await engine.updateSettings({ reminderLeadDays: [60, 30, 14] });
    expect(engine.trayStatus()).toMatchObject({ state: 'due-soon', dueSoon: 2, windowDays: 14 });
    expect(trayModel(engine.trayStatus(), unlocked, { syncing: false }).tooltip).toBe('Keywarden: 2 due within 14 days');
    await engine.updateSettings({ reminderLeadDays: [1] });
    expect(engine.trayStatus()).toMatchObject({ state: 'clear', dueSoon: 0, windowDays: 1 });
    expect(trayModel(engine.trayStatus(), unlocked, { syncing: false }).tooltip).toBe('Keywarden: nothing due within 1 day');
  });

  it('Health says "due soon" within the largest lead time, unless asked for another window', async () => {
    const dueSoon = async (options = {}) =>
      (await engine.health(options)).findings
        .find((finding) => finding.category === 'due-soon')
        ?.subjects.map((subject) => subject.name)
        .sort() ?? [];
    expect(await dueSoon()).toEqual(['In10', 'In3']);
    expect((await engine.health()).leadDays).toBe(30);
    await engine.updateSettings({ reminderLeadDays: [60, 7] });
    expect(await dueSoon()).toEqual(['In10', 'In3', 'In45']);
    expect((await engine.health()).leadDays).toBe(60);
    expect(await dueSoon({ leadDays: 5 })).toEqual(['In3']);
  });

  it("the expiry calendar's alarms are the lead times", async () => {
    await engine.updateSettings({ reminderLeadDays: [14, 2] });
    const { text } = await engine.expiryCalendar();
    const triggers = [...new Set(text.match(/TRIGGER[^\r\n]*/g))].sort();
    expect(triggers).toEqual(['TRIGGER:-P14D', 'TRIGGER:-P2D']);
  });
});
