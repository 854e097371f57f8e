/**
 * The engine's reminders and `dueWithinDays` windows on a real SQLite file, with a fixed clock and a
 * pinned time zone: windows end at local midnight (calendar days, also across a DST change), and the
 * default reminder window is exactly 30 days.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../electron/core/engine.js';

const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'Europe/Berlin';
  expect(new Date('2026-01-15T12:00:00.000Z').getTimezoneOffset(), 'time zone Europe/Berlin is not available').toBe(-60);
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

// No secret is stored in these tests, so the keychain is never asked; a failing one proves it.
const refusingKeychain = { get: () => Promise.reject(new Error('no keychain')), set: () => Promise.reject(new Error('no keychain')), delete: async () => false };

describe('reminder windows in calendar days (Europe/Berlin, fixed clock)', () => {
  let home: string;
  let engine: KeywardenEngine;
  let now: Date;

  afterEach(async () => {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** Opens an engine whose clock reads `localNow` (Berlin time), with one manual key per entry expiring at that Berlin time. */
  async function open(localNow: string, expiries: Record<string, string>): Promise<Record<string, string>> {
    home = mkdtempSync(join(tmpdir(), 'keywarden-days-'));
    now = new Date(localNow);
    engine = KeywardenEngine.open({ home, keychain: refusingKeychain, now: () => now });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    const refs: Record<string, string> = {};
    for (const [name, localExpiry] of Object.entries(expiries)) {
      const key = await engine.addManualKey('hand', { name, createdAt: '2025-01-01T00:00:00Z', expiresAt: new Date(localExpiry).toISOString() });
      refs[name] = key.ref;
    }
    return refs;
  }

  const names = (list: Array<{ name: string }>) => list.map((item) => item.name).sort();

  it('the default window is exactly 30 days: due on day 30 late at night is listed, day 31 just after midnight is not', async () => {
    await open('2026-11-24T12:00:00', { day30: '2026-12-24T23:30:00', day31: '2026-12-25T00:30:00' });
    const reminders = engine.reminders();
    expect(names(reminders)).toEqual(['day30']);
    expect(reminders[0]).toMatchObject({ daysLeft: 30, threshold: 30 });
    expect(names(engine.reminders({ withinDays: 31 }))).toEqual(['day30', 'day31']);
    expect(engine.reminders({ withinDays: 31 }).find((reminder) => reminder.name === 'day31')).toMatchObject({ daysLeft: 31, threshold: null });
    expect(names(engine.listKeys({ dueWithinDays: 30 }))).toEqual(['day30']);
    expect(names(engine.listKeys({ dueWithinDays: 29 }))).toEqual([]);
  });

  it('within 0 days is today: overdue, due earlier today and due later today, not tomorrow', async () => {
    await open('2026-11-24T15:00:00', {
      overdue: '2026-11-04T09:00:00',
      earlierToday: '2026-11-24T09:00:00',
      laterToday: '2026-11-24T23:59:00',
      tomorrow: '2026-11-25T00:01:00',
      in6: '2026-11-30T09:00:00',
    });
    expect(names(engine.reminders({ withinDays: 0 }))).toEqual(['earlierToday', 'laterToday', 'overdue']);
    expect(names(engine.listKeys({ dueWithinDays: 0 }))).toEqual(['earlierToday', 'laterToday', 'overdue']);
    const byName = Object.fromEntries(engine.reminders().map((reminder) => [reminder.name, reminder]));
    expect(byName.overdue).toMatchObject({ daysLeft: -20, threshold: 'overdue' });
    expect(byName.earlierToday).toMatchObject({ daysLeft: 0, threshold: 'overdue' });
    expect(byName.laterToday).toMatchObject({ daysLeft: 0, threshold: 1 });
    expect(byName.tomorrow).toMatchObject({ daysLeft: 1, threshold: 1 });
    expect(byName.in6).toMatchObject({ daysLeft: 6, threshold: 7 });
  });

  it('a window that spans the 25-hour day ends at local midnight (23:00 UTC), not 24 hours per day from now', async () => {
    await open('2026-10-24T12:00:00', { sundayLate: '2026-10-25T23:30:00', mondayEarly: '2026-10-26T00:30:00' });
    expect(names(engine.reminders({ withinDays: 1 }))).toEqual(['sundayLate']);
    expect(names(engine.listKeys({ dueWithinDays: 1 }))).toEqual(['sundayLate']);
    expect(engine.reminders({ withinDays: 2 }).map((reminder) => [reminder.name, reminder.daysLeft])).toEqual([
      ['sundayLate', 1],
      ['mondayEarly', 2],
    ]);
  });

  it('a window that spans the 23-hour day ends at local midnight too', async () => {
    await open('2026-03-28T23:30:00', { sundayLate: '2026-03-29T23:45:00', mondayEarly: '2026-03-30T00:15:00' });
    expect(names(engine.reminders({ withinDays: 1 }))).toEqual(['sundayLate']);
    expect(engine.reminders({ withinDays: 2 }).map((reminder) => [reminder.name, reminder.daysLeft])).toEqual([
      ['sundayLate', 1],
      ['mondayEarly', 2],
    ]);
  });
});
