/**
 * The tray-host decisions (electron/core/desktop/tray-host.ts) in Node: on Linux the tray icon is a
 * StatusNotifierItem (electron#21445), shown only where a host owns org.kde.StatusNotifierWatcher, so closing the
 * window hides it only where one is known to be there; macOS's menu bar and Windows' notification area always show
 * it. And the bus's NameOwnerChanged signal, as dbus-monitor prints it, read into "a host is there" or not.
 */
import { describe, expect, it } from 'vitest';
import { DbusMonitorParser, type DbusSignal } from '../../../electron/core/desktop/dbus.js';
import { closeAction, hostFromSignal, trayHostRules } from '../../../electron/core/desktop/tray-host.js';

describe('what closing the window does', () => {
  it('hides to the tray on macOS and Windows, and on Linux only where a StatusNotifierItem host is known to be there', () => {
    expect(closeAction('darwin', null)).toBe('hide');
    expect(closeAction('win32', false)).toBe('hide');
    expect(closeAction('linux', true)).toBe('hide');
    expect(closeAction('linux', false)).toBe('minimize');
    // Cannot be told (no dbus-send, no bus): a window that can still be found beats one that may be lost.
    expect(closeAction('linux', null)).toBe('minimize');
  });

  it("reads NameOwnerChanged for the watcher's name (dbus 1.14's dbus-monitor output) into whether a host is there", () => {
    const signals: DbusSignal[] = [];
    const parser = new DbusMonitorParser((signal) => signals.push(signal));
    for (const line of [
      'signal time=1796426048.955408 sender=org.freedesktop.DBus -> destination=(null destination) serial=7 path=/org/freedesktop/DBus; interface=org.freedesktop.DBus; member=NameOwnerChanged',
      '   string "org.kde.StatusNotifierWatcher"',
      '   string ""',
      '   string ":1.42"',
      'signal time=1796426050.1 sender=org.freedesktop.DBus -> destination=(null destination) serial=9 path=/org/freedesktop/DBus; interface=org.freedesktop.DBus; member=NameOwnerChanged',
      '   string "org.kde.StatusNotifierWatcher"',
      '   string ":1.42"',
      '   string ""',
    ])
      parser.line(line);
    parser.flush();
    expect(signals.map(hostFromSignal)).toEqual([true, false]);
    expect(hostFromSignal({ ...signals[0]!, args: ['"org.example.Other"', '""', '":1.5"'] })).toBeNull();
    expect(trayHostRules()[0]).toContain("arg0='org.kde.StatusNotifierWatcher'");
  });
});
