/** What the tray shows (electron/core/desktop/tray-menu.ts), from the engine's tray status and lock state. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockState, Reminder } from '../../../shared/domain.js';
import { dueWords, trayIconFile, trayIconFolder, trayModel } from '../../../electron/core/desktop/tray-menu.js';
import type { TrayState } from '../../../electron/core/workflows/reminders.js';

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
    const model = trayModel({ state: 'overdue', overdue: 1, dueSoon: 1, windowDays: 7, next: [reminder('Stripe', -2), reminder('R&D', 3)] }, unlocked, { syncing: false });
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
    const model = trayModel(
      { state: 'clear', overdue: 0, dueSoon: 0, windowDays: 7, next: [] },
      { locked: true, since: '2026-03-01T00:00:00.000Z', reason: 'idle', unlockWith: null },
      { syncing: true },
    );
    expect(model.tooltip).toBe('Keywarden: nothing due within 7 days (locked)');
    expect(model.items.slice(0, 3)).toEqual([
      { type: 'action', action: 'sync', label: 'Syncing…', enabled: false },
      { type: 'action', action: 'open', label: 'Open Keywarden', enabled: true },
      { type: 'action', action: 'lock', label: 'Locked', enabled: false },
    ]);
    expect(trayModel({ state: 'due-soon', overdue: 0, dueSoon: 2, windowDays: 7, next: [] }, unlocked, { syncing: false }).tooltip).toBe('Keywarden: 2 due within 7 days');
  });

  it("says, where Sync now would be, that a team's viewer has no background sync, and why", () => {
    const model = trayModel({ state: 'clear', overdue: 0, dueSoon: 0, windowDays: 7, next: [] }, unlocked, { syncing: false, viewer: true });
    expect(model.items[0]).toEqual({ type: 'action', action: 'sync', label: "Background sync: not for a viewer: the team's operators sync its backends", enabled: false });
    expect(trayModel({ state: 'clear', overdue: 0, dueSoon: 0, windowDays: 7, next: [] }, unlocked, { syncing: false, viewer: false }).items[0]).toEqual({
      type: 'action',
      action: 'sync',
      label: 'Sync now',
      enabled: true,
    });
  });

  it('warns first when a grace period ends while consumers still use the old key, and never shows a clear icon then', () => {
    const warning = { rotationId: 1, ref: 'cb/key_1', newRef: 'cb/key_2', graceEndsAt: '2026-03-04T00:00:00.000Z', daysLeft: 3, unticked: ['CI pipeline', 'billing'] };
    const model = trayModel({ state: 'clear', overdue: 0, dueSoon: 0, windowDays: 7, next: [] }, unlocked, { syncing: false, graceWarnings: [warning] });
    expect(model.icon).toBe('due-soon');
    expect(model.items.slice(0, 3)).toEqual([
      { type: 'heading', label: 'Switch consumers before the grace ends' },
      { type: 'key', ref: 'cb/key_1', label: 'cb/key_1: grace ends in 3 days; not switched: CI pipeline, billing' },
      { type: 'separator' },
    ]);
    expect(model.tooltip).toBe('Keywarden: nothing due within 7 days; 1 grace period ending with consumers not switched');
  });
});

describe('the tray icon files', () => {
  // Electron's Tray docs: on macOS "it is recommended to use template images"; a file name ending in "Template"
  // makes one. The coloured dots of the other platforms would be lost in a tinted menu bar.
  it('macOS gets template images: the attention icon while something is overdue or due soon, the plain one when clear', () => {
    expect(['overdue', 'due-soon', 'clear'].map((state) => trayIconFile(state as TrayState, 'darwin'))).toEqual(['trayAttentionTemplate.png', 'trayAttentionTemplate.png', 'trayTemplate.png']);
    expect(['overdue', 'due-soon', 'clear'].map((state) => trayIconFile(state as TrayState, 'linux'))).toEqual(['tray-overdue.png', 'tray-due-soon.png', 'tray-clear.png']);
    expect(trayIconFile('overdue', 'win32')).toBe('tray-overdue.png');
  });

  it('a package reads them from resources/tray (outside the asar, electron#30911); a run from the project from build/tray', () => {
    expect(trayIconFolder({ packaged: true, resourcesPath: '/opt/Keywarden/resources', appRoot: '/opt/Keywarden/resources/app.asar' })).toBe('/opt/Keywarden/resources/tray');
    expect(trayIconFolder({ packaged: false, resourcesPath: '/x/node_modules/electron/dist/resources', appRoot: '/home/ana/keywarden' })).toBe('/home/ana/keywarden/build/tray');
  });

  it('every file named here is in build/tray, so neither platform draws a blank icon', () => {
    for (const platform of ['darwin', 'linux'] as const)
      for (const state of ['overdue', 'due-soon', 'clear'] as const)
        expect(existsSync(join(__dirname, '..', '..', '..', 'build', 'tray', trayIconFile(state, platform))), `${platform} ${state}`).toBe(true);
  });
});
