/**
 * Reminders that reach the administrator on each platform, through the real main process over the stand-in
 * 'electron' module, which follows Electron 45's Notification docs (docs/api/notification.md):
 *
 * - every reminder has a stable `id` naming its key;
 * - 'action' hands a details object (`{ actionIndex }`); the positional index is deprecated;
 * - Windows: 'close' with reason 'timedOut' means the toast went to the Action Center, where it can still be clicked
 *   or snoozed; `Notification.handleActivation` answers activations no object is left for (a cold start);
 * - macOS: 'failed' (an unsigned build) leaves the reminder in the log and the tray; `Notification.getHistory()`
 *   gives back the reminders still in Notification Center after a restart;
 * - Linux: no buttons (libnotify, electron#24333): Snooze is in the tray's menu.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fake, FakeNotification } from '../../support/fake-electron.js';
import { startTestDesktop, type TestDesktop } from '../../support/desktop.js';
import { reminderNotificationId } from '../../../electron/core/desktop/reminder-notices.js';

vi.mock('electron', async () => (await import('../../support/fake-electron.js')).electronModule);

const DAY = 86_400_000;

let desktop: TestDesktop | null = null;
afterEach(async () => {
  await desktop?.quit();
  desktop = null;
});

/** A desktop on `platform` with one key due in 5 days, its reminder shown. */
async function withReminder(platform: NodeJS.Platform, before?: () => void) {
  fake.reset();
  before?.();
  desktop = await startTestDesktop({ platform });
  await desktop.client['backend:add']({ name: 'hand', type: 'manual' });
  const ref = (await desktop.client['manual:add']('hand', { name: 'Mailer', expiresAt: new Date(Date.now() + 5 * DAY).toISOString() })).ref;
  await desktop.app.syncNow();
  const notice = fake.notifications.find((notification) => notification.options.title?.includes('Mailer'));
  if (!notice) throw new Error('no reminder was shown');
  return { desktop, ref, notice };
}

const snoozed = async (app: TestDesktop) => (await app.client['audit:list']({ action: 'reminder.snooze' })).map((event) => event.ref);
const opened = (app: TestDesktop) => app.window.webContents.sent.filter((message) => message.channel === 'event:onOpenKey').map((message) => message.args[0]);

describe('reminder notifications', () => {
  it('give each reminder a stable id naming its key (the toast Tag / request identifier)', async () => {
    const { ref, notice } = await withReminder('win32');
    expect(notice.options.id).toBe(reminderNotificationId(ref));
    expect(notice.id).toBe(reminderNotificationId(ref));
  });

  it("Windows: Snooze 1 week reads the 'action' details object (the positional index is deprecated)", async () => {
    const { desktop: app, ref, notice } = await withReminder('win32');
    expect(notice.options.actions?.map((action) => action.text)).toEqual(['Snooze 1 day', 'Snooze 1 week']);
    // Only the details object carries the index here: a handler reading the deprecated argument would snooze nothing.
    notice.emit('action', { actionIndex: 1, selectionIndex: -1 });
    expect(await snoozed(app)).toEqual([ref]);
    app.app.scheduler.check();
    expect(fake.notifications.filter((notification) => notification.options.title?.includes('Mailer'))).toHaveLength(1);
  });

  it("Windows: a toast timed out into the Action Center ('close', reason timedOut) still opens its key when clicked there", async () => {
    const { desktop: app, ref, notice } = await withReminder('win32');
    notice.closedBy('timedOut');
    // Handlers kept: the toast is still there, and a click in the Action Center comes to the same object.
    notice.click();
    expect(opened(app)).toEqual([{ ref }]);
  });

  it("Windows: a dismissed toast ('userCanceled') is let go; an activation that finds no object is answered by handleActivation", async () => {
    const { desktop: app, ref, notice } = await withReminder('win32');
    expect(fake.activationHandlerRegistrations).toBe(1);
    notice.closedBy('userCanceled');
    fake.activationHandler!({ type: 'action', actionIndex: 0, arguments: reminderNotificationId(ref) });
    expect(await snoozed(app)).toEqual([ref]);
  });

  it('Windows: handleActivation does not answer a click twice, whether it comes before or after the instance event', async () => {
    const { desktop: app, ref, notice } = await withReminder('win32');
    // Before: the notification is held, its own 'click' answers.
    fake.activationHandler!({ type: 'click', arguments: reminderNotificationId(ref) });
    notice.click();
    // After: the click has just been answered.
    fake.activationHandler!({ type: 'click', arguments: reminderNotificationId(ref) });
    expect(opened(app)).toEqual([{ ref }]);
  });

  it('Windows: a cold start from a toast (an activation before the app registered) opens its key', async () => {
    fake.reset();
    fake.pendingActivations.push({ type: 'click', arguments: reminderNotificationId('hand/cold-start') });
    desktop = await startTestDesktop({ platform: 'win32' });
    expect(opened(desktop)).toEqual([{ ref: 'hand/cold-start' }]);
    expect(desktop.window.isVisible()).toBe(true);
  });

  it("macOS: a notification that 'failed' (unsigned build) leaves the reminder in the log; the tray still lists the key", async () => {
    const { desktop: app, notice } = await withReminder('darwin');
    notice.fail('Notifications are not allowed for this application');
    expect(app.logs.some((line) => line.includes('could not be shown as a notification') && line.includes('Mailer'))).toBe(true);
    expect(fake.tray().labels()).toContain('Mailer (hand): due in 5 days');
    // macOS has buttons: no Snooze in the tray.
    expect(fake.tray().labels()).not.toContain('Snooze a reminder');
  });

  it('macOS: the reminders still in Notification Center from the last run get their handlers back (getHistory)', async () => {
    fake.reset();
    const restored = new FakeNotification({ id: reminderNotificationId('hand/from-last-run'), title: 'Key due' });
    const foreign = new FakeNotification({ id: 'someone-else', title: 'Not ours' });
    fake.notificationHistory.push(restored, foreign);
    desktop = await startTestDesktop({ platform: 'darwin' });
    await vi.waitFor(() => expect(restored.listenerCount('click')).toBe(1));
    expect(foreign.listenerCount('click')).toBe(0);
    restored.click();
    expect(opened(desktop)).toEqual([{ ref: 'hand/from-last-run' }]);
  });

  it('Linux: no buttons on the notification (libnotify, electron#24333); Snooze is in the tray menu', async () => {
    const { desktop: app, ref, notice } = await withReminder('linux');
    expect(notice.options.actions).toBeUndefined();
    expect(fake.activationHandlerRegistrations).toBe(0);
    fake.tray().clickItem('Snooze a reminder > Mailer (hand): 1 week');
    expect(await snoozed(app)).toEqual([ref]);
  });
});

describe('the tray menu', () => {
  it('is built again only when what it shows changed, and not while it is open (Menu: menu-will-show / menu-will-close)', async () => {
    const { desktop: app } = await withReminder('linux');
    const tray = fake.tray();
    const sets = tray.menuSets;
    app.app.tray.refresh();
    app.app.tray.refresh();
    expect(tray.menuSets).toBe(sets);

    tray.openMenu();
    await app.client['manual:add']('hand', { name: 'Third', expiresAt: new Date(Date.now() + 2 * DAY).toISOString() });
    expect(tray.menuSets).toBe(sets);
    expect(tray.labels()).not.toContain('Third (hand): due in 2 days');
    tray.closeMenu();
    await vi.waitFor(() => expect(tray.labels()).toContain('Third (hand): due in 2 days'));
  });
});
