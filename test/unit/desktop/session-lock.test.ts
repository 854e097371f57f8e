/**
 * The Linux session lock's decisions (electron/core/desktop/session-lock.ts, dbus.ts) in Node: systemd's object
 * path of a session (sd_bus_path_encode's escaping, as `loginctl show-session` paths look), which signals mean
 * "locked", and dbus-monitor's output read into signals.
 */
import { describe, expect, it } from 'vitest';
import { DbusMonitorParser, type DbusSignal } from '../../../electron/core/desktop/dbus.js';
import { isLockSignal, login1SessionPath, sessionLockRules } from '../../../electron/core/desktop/session-lock.js';

describe('the session lock signals', () => {
  it("names this session's login1 object path as systemd escapes it", () => {
    expect(login1SessionPath('2')).toBe('/org/freedesktop/login1/session/_32');
    expect(login1SessionPath('c2')).toBe('/org/freedesktop/login1/session/c2');
    expect(login1SessionPath('a-1')).toBe('/org/freedesktop/login1/session/a_2d1');
  });

  it('follows the system bus only when the session is known', () => {
    expect(sessionLockRules(undefined).system).toEqual([]);
    expect(sessionLockRules('2').system).toEqual(["type='signal',interface='org.freedesktop.login1.Session',member='Lock',path='/org/freedesktop/login1/session/_32'"]);
    expect(sessionLockRules('2').session).toHaveLength(2);
  });

  it('treats ActiveChanged(true) and this session’s Lock as locked, nothing else', () => {
    const signal = (over: Partial<DbusSignal>): DbusSignal => ({ path: '/org/gnome/ScreenSaver', interface: 'org.gnome.ScreenSaver', member: 'ActiveChanged', args: ['true'], ...over });
    expect(isLockSignal(signal({}), '2')).toBe(true);
    expect(isLockSignal(signal({ interface: 'org.freedesktop.ScreenSaver' }), undefined)).toBe(true);
    expect(isLockSignal(signal({ args: ['false'] }), '2')).toBe(false);
    expect(isLockSignal(signal({ interface: 'org.freedesktop.login1.Session', member: 'Lock', path: '/org/freedesktop/login1/session/_32', args: [] }), '2')).toBe(true);
    expect(isLockSignal(signal({ interface: 'org.freedesktop.login1.Session', member: 'Lock', path: '/org/freedesktop/login1/session/_33', args: [] }), '2')).toBe(false);
    expect(isLockSignal(signal({ interface: 'org.freedesktop.login1.Session', member: 'Unlock', path: '/org/freedesktop/login1/session/_32', args: [] }), '2')).toBe(false);
  });

  it("reads dbus-monitor's output (as printed by dbus 1.14) into signals with their arguments", () => {
    const signals: DbusSignal[] = [];
    const parser = new DbusMonitorParser((signal) => signals.push(signal));
    for (const line of [
      'signal time=1796426048.955408 sender=org.freedesktop.DBus -> destination=:1.0 serial=2 path=/org/freedesktop/DBus; interface=org.freedesktop.DBus; member=NameAcquired',
      '   string ":1.0"',
      'signal time=1796426049.467747 sender=:1.1 -> destination=(null destination) serial=2 path=/org/gnome/ScreenSaver; interface=org.gnome.ScreenSaver; member=ActiveChanged',
      '   boolean true',
      'signal time=1796426049.479019 sender=:1.2 -> destination=(null destination) serial=2 path=/org/freedesktop/login1/session/_32; interface=org.freedesktop.login1.Session; member=Lock',
    ])
      parser.line(line);
    parser.flush();
    expect(signals).toEqual([
      { path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'NameAcquired', args: ['":1.0"'] },
      { path: '/org/gnome/ScreenSaver', interface: 'org.gnome.ScreenSaver', member: 'ActiveChanged', args: ['true'] },
      { path: '/org/freedesktop/login1/session/_32', interface: 'org.freedesktop.login1.Session', member: 'Lock', args: [] },
    ]);
  });
});
