/** What the tray shows (electron/core/desktop/tray-menu.ts), from the engine's tray status and lock state. */
import { describe, expect, it } from 'vitest';
import type { LockState, Reminder } from '../../../shared/domain.js';
import { dueWords, trayModel } from '../../../electron/core/desktop/tray-menu.js';

const unlocked: LockState = { locked: false, since: null, reason: null, unlockWith: null };
const reminder = (name: string, daysLeft: number): Reminder => ({
  ref: `hand/${name.toLowerCase()}`,
  name,
  backend: 'hand',
  kind: 'expiry',
  dueAt: '2026-03-01T00:00:00.000Z',
  daysLeft,
  threshold: daysLeft < 0 ? 'overdue' : 7,
});

describe('the tray', () => {
  it('says when a key is due in words', () => {
    expect([-3, -1, 0, 1, 6].map((daysLeft) => dueWords({ daysLeft }))).toEqual(['overdue by 3 days', 'overdue by 1 day', 'due today', 'due in 1 day', 'due in 6 days']);
  });

  it('lists the next due keys, then the actions', () => {
    const model = trayModel({ state: 'overdue', overdue: 1, dueWithin7: 1, next: [reminder('Stripe', -2), reminder('R&D', 3)] }, unlocked, { syncing: false });
    expect(model.icon).toBe('overdue');
    expect(model.tooltip).toBe('Keywarden: 1 overdue, 1 due within 7 days');
    expect(model.items).toEqual([
      { type: 'heading', label: 'Next due' },
      { type: 'key', ref: 'hand/stripe', label: 'Stripe (hand): overdue by 2 days' },
      { type: 'key', ref: 'hand/r&d', label: 'R&&D (hand): due in 3 days' },
      { type: 'separator' },
      { type: 'action', action: 'sync', label: 'Sync now', enabled: true },
      { type: 'action', action: 'open', label: 'Open Keywarden', enabled: true },
      { type: 'action', action: 'lock', label: 'Lock', enabled: true },
      { type: 'separator' },
      { type: 'action', action: 'quit', label: 'Quit Keywarden', enabled: true },
    ]);
  });

  it('says when nothing is due, when a sync runs and when Keywarden is locked', () => {
    const model = trayModel({ state: 'clear', overdue: 0, dueWithin7: 0, next: [] }, { locked: true, since: '2026-03-01T00:00:00.000Z', reason: 'idle', unlockWith: null }, { syncing: true });
    expect(model.tooltip).toBe('Keywarden: nothing due within 7 days (locked)');
    expect(model.items.slice(0, 3)).toEqual([
      { type: 'action', action: 'sync', label: 'Syncing…', enabled: false },
      { type: 'action', action: 'open', label: 'Open Keywarden', enabled: true },
      { type: 'action', action: 'lock', label: 'Locked', enabled: false },
    ]);
    expect(trayModel({ state: 'due-soon', overdue: 0, dueWithin7: 2, next: [] }, unlocked, { syncing: false }).tooltip).toBe('Keywarden: 2 due within 7 days');
  });

  it('warns first when a grace period ends while consumers still use the old key, and never shows a clear icon then', () => {
    const warning = { rotationId: 1, ref: 'cb/key_1', newRef: 'cb/key_2', graceEndsAt: '2026-03-04T00:00:00.000Z', daysLeft: 3, unticked: ['CI pipeline', 'billing'] };
    const model = trayModel({ state: 'clear', overdue: 0, dueWithin7: 0, next: [] }, unlocked, { syncing: false, graceWarnings: [warning] });
    expect(model.icon).toBe('due-soon');
    expect(model.items.slice(0, 3)).toEqual([
      { type: 'heading', label: 'Switch consumers before the grace ends' },
      { type: 'key', ref: 'cb/key_1', label: 'cb/key_1: grace ends in 3 days; not switched: CI pipeline, billing' },
      { type: 'separator' },
    ]);
    expect(model.tooltip).toBe('Keywarden: nothing due within 7 days; 1 grace period ending with consumers not switched');
  });
});
