/**
 * The reminders view's store and its pure helpers, over a real ContractClient (buildContractClient) with an
 * in-memory transport: what it asks for, the summary counts, the overdue list's order, the weeks ahead (from the
 * browser's today, in its zone), the words, and that a slow older answer never wins.
 */
import { describe, expect, it } from 'vitest';
import { buildContractClient, type ContractMethod } from '../../../shared/contract.js';
import type { Reminder } from '../../../shared/domain.js';
import {
  createRemindersStore,
  inBrowserDays,
  daysWords,
  kindWords,
  overdueReminders,
  REMINDER_WINDOW_DAYS,
  reminderTone,
  summarize,
  weeksAhead,
} from '../../../renderer/src/state/reminders-store.js';

/** Local noon of a day `days` after 2026-11-24 (local), as an ISO instant. */
function dayIso(days: number, hour = 12): string {
  return new Date(2026, 10, 24 + days, hour).toISOString();
}

function reminder(name: string, daysLeft: number, overrides: Partial<Reminder> = {}): Reminder {
  const threshold = daysLeft < 0 ? 'overdue' : daysLeft <= 1 ? 1 : daysLeft <= 7 ? 7 : daysLeft <= 30 ? 30 : null;
  return { ref: `hand/${name.toLowerCase().replace(/\W+/g, '-')}`, name, backend: 'hand', kind: 'expiry', dueAt: dayIso(daysLeft), daysLeft, threshold, ...overrides };
}

const TODAY = new Date(2026, 10, 24);

function fakeEngine(initial: Reminder[]) {
  let reminders = initial;
  const asked: unknown[] = [];
  let held: Array<() => void> | null = null;
  const client = buildContractClient({
    async invoke(method: ContractMethod, args: unknown[]) {
      if (method !== 'reminders:list') throw new Error(`not faked: ${method}`);
      asked.push(args[0]);
      const answer = reminders;
      if (held) await new Promise<void>((resolve) => held?.push(resolve));
      return answer;
    },
  });
  return {
    client,
    asked,
    set: (next: Reminder[]) => (reminders = next),
    hold(): () => void {
      held = [];
      return () => {
        const waiting = held ?? [];
        held = null;
        for (const release of waiting.reverse()) release();
      };
    },
  };
}

describe('the reminders store', () => {
  it('asks for the 90 days ahead and keeps the answer; a failure keeps what was shown, with the message', async () => {
    const engine = fakeEngine([reminder('Stripe prod', 5)]);
    const store = createRemindersStore(engine.client);
    expect(store.getState().reminders).toBeNull();
    await store.getState().load();
    expect(engine.asked).toEqual([{ withinDays: REMINDER_WINDOW_DAYS }]);
    expect(store.getState().reminders?.map((r) => r.name)).toEqual(['Stripe prod']);

    const failing = createRemindersStore(
      buildContractClient({
        invoke: () => Promise.reject(new Error('the data folder is locked')),
      }),
    );
    await failing.getState().load();
    expect(failing.getState()).toMatchObject({ reminders: null, loading: false, error: 'the data folder is locked' });
  });

  it('keeps the newest answer when an older one arrives last', async () => {
    const engine = fakeEngine([reminder('Old answer', 5)]);
    const store = createRemindersStore(engine.client);
    const release = engine.hold();
    const first = store.getState().load();
    engine.set([reminder('New answer', 3)]);
    const second = store.getState().load();
    // Answers released newest first: the older one lands last and must be dropped.
    release();
    await Promise.all([first, second]);
    expect(store.getState().reminders?.map((r) => r.name)).toEqual(['New answer']);
    expect(store.getState().loading).toBe(false);
  });
});

describe('the reminders view helpers', () => {
  const list = [
    reminder('Later', 64),
    reminder('Legacy webhook', -20, { kind: 'rotation' }),
    reminder('Stripe prod', 5),
    reminder('Due earlier today', 0, { threshold: 'overdue', dueAt: dayIso(0, 1) }),
    reminder('CommBox grace', 29, { kind: 'grace-end' }),
    reminder('Very old', -200),
    reminder('Today later', 0),
    reminder('Edge of window', 90),
    reminder('A week out', 7),
  ];

  it('counts overdue, within 7, within 30 (the 7 included) and within 90 (all upcoming)', () => {
    expect(summarize(list)).toEqual({ overdue: 3, within7: 3, within30: 4, within90: 6 });
    expect(summarize([])).toEqual({ overdue: 0, within7: 0, within30: 0, within90: 0 });
  });

  it('lists the overdue ones most overdue first, an earlier-today one included', () => {
    expect(overdueReminders(list).map((r) => r.name)).toEqual(['Very old', 'Legacy webhook', 'Due earlier today']);
  });

  it('groups the rest into the 13 weeks of the next 90 days, soonest first, empty weeks kept', () => {
    const weeks = weeksAhead(list, TODAY);
    expect(weeks).toHaveLength(13);
    expect(weeks.map((week) => [week.firstDay, week.lastDay]).slice(0, 2)).toEqual([
      [0, 6],
      [7, 13],
    ]);
    expect(weeks[12]).toMatchObject({ firstDay: 84, lastDay: 90 });
    expect(weeks[0]!.items.map((r) => r.name)).toEqual(['Today later', 'Stripe prod']);
    expect(weeks[1]!.items.map((r) => r.name)).toEqual(['A week out']);
    expect(weeks[4]!.items.map((r) => r.name)).toEqual(['CommBox grace']);
    expect(weeks[9]!.items.map((r) => r.name)).toEqual(['Later']);
    expect(weeks[12]!.items.map((r) => r.name)).toEqual(['Edge of window']);
    expect(weeks.reduce((total, week) => total + week.items.length, 0)).toBe(6);
    expect(weeks[1]!.start).toEqual(new Date(2026, 11, 1));
    expect(weeks[1]!.end).toEqual(new Date(2026, 11, 7));
  });

  it("counts the days again in the browser's zone: a calendar day is that day, an instant this zone's day", () => {
    const now = new Date(2026, 11, 4, 15);
    const engine = (dueAt: string, daysLeft: number): Reminder => ({ ...reminder('Typed', daysLeft), dueAt, threshold: null });
    // The engine (another zone) said 3 and 2; here the 7th is 3 days from the 4th either way.
    const [day, instant] = inBrowserDays([engine('2026-12-07', 2), engine(new Date(2026, 11, 7, 9).toISOString(), 2)], now);
    expect([day!.daysLeft, instant!.daysLeft]).toEqual([3, 3]);
    // A calendar day is due from its first moment; an instant once it has passed.
    expect(inBrowserDays([engine('2026-12-04', 0)], now)[0]!.threshold).toBe('overdue');
    expect(inBrowserDays([engine(new Date(2026, 11, 4, 18).toISOString(), 0)], now)[0]!.threshold).toBeNull();
  });

  it('says the urgency and the kind in words', () => {
    expect(list.map((r) => [r.name, reminderTone(r), daysWords(r)])).toEqual([
      ['Later', 'later', 'in 64 days'],
      ['Legacy webhook', 'overdue', '20 days overdue'],
      ['Stripe prod', 'soon', 'in 5 days'],
      ['Due earlier today', 'overdue', 'overdue today'],
      ['CommBox grace', 'month', 'in 29 days'],
      ['Very old', 'overdue', '200 days overdue'],
      ['Today later', 'soon', 'today'],
      ['Edge of window', 'later', 'in 90 days'],
      ['A week out', 'soon', 'in 7 days'],
    ]);
    expect(daysWords(reminder('x', 1))).toBe('tomorrow');
    expect(daysWords(reminder('x', -1))).toBe('1 day overdue');
    expect([kindWords('expiry', false), kindWords('rotation', false), kindWords('grace-end', false)]).toEqual(['expires', 'rotation due', 'grace ends']);
    expect([kindWords('expiry', true), kindWords('rotation', true), kindWords('grace-end', true)]).toEqual(['expired', 'rotation was due', 'grace ended']);
  });
});
