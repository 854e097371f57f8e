/**
 * The desktop app's one way to D-Bus (Linux), through the D-Bus tools every desktop has rather than a D-Bus library
 * (package dbus / dbus-bin): `dbus-monitor` follows signals, `dbus-send` asks the bus who owns a name. The Secret
 * Service is not reached from here: that is keytar's (electron/core/vault).
 *
 * Used for what Electron does not tell on Linux: the session being locked (session-lock.ts), and whether a
 * StatusNotifierItem host is there to show the tray icon (tray-host.ts). Best effort: a missing tool or bus is
 * logged; the lock falls back to the idle-state poll, and the window minimises instead of hiding to a tray that may
 * not be shown.
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Which bus: the user's session bus, the system bus, or one given by its address (the tests' private bus). */
export type DbusBus = 'session' | 'system' | { address: string };

/** One signal as dbus-monitor prints it: where it came from and its arguments, as printed ("true", "\"text\""). */
export interface DbusSignal {
  path: string;
  interface: string;
  member: string;
  args: string[];
}

export interface DbusMonitor {
  stop(): void;
}

export interface DbusTools {
  /** Follows the signals matching `rules` (D-Bus match rules) until stopped; `onExit` is told if the tool ends on its own. */
  monitor(bus: DbusBus, rules: readonly string[], onSignal: (signal: DbusSignal) => void, onExit?: (reason: string) => void): DbusMonitor;
  /** Whether a connection owns `name` on the bus (org.freedesktop.DBus.NameHasOwner); null when the bus or the tool cannot be reached. */
  nameHasOwner(bus: DbusBus, name: string): Promise<boolean | null>;
}

/** How long the bus may take to say who owns a name: the bus daemon answers at once, or is not there. */
const NAME_QUERY_TIMEOUT_MS = 3_000;

function busFlag(bus: DbusBus): string[] {
  if (bus === 'session') return ['--session'];
  if (bus === 'system') return ['--system'];
  return ['--address', bus.address];
}

const HEADER = /^signal time=\S+ sender=\S+ -> destination=.*? serial=\d+ path=([^;]*); interface=([^;]*); member=(\S+)$/;

/**
 * Reads dbus-monitor's default output: a header line per message, then one indented line per (simple) argument.
 * A signal is complete when the next header or the end comes; `flush` hands over the last one.
 */
export class DbusMonitorParser {
  private current: DbusSignal | null = null;

  constructor(private readonly onSignal: (signal: DbusSignal) => void) {}

  line(text: string): void {
    const header = HEADER.exec(text);
    if (header) {
      this.flush();
      this.current = { path: header[1]!, interface: header[2]!, member: header[3]!, args: [] };
      return;
    }
    if (/^(method call|method return|error) /.test(text)) {
      this.flush();
      return;
    }
    // "   boolean true", "   string "x"": the type, then the value. Containers are not needed here.
    const arg = /^\s+(boolean|string|object path|u?int\d+|double|byte) (.*)$/.exec(text);
    if (arg && this.current) this.current.args.push(arg[2]!);
  }

  flush(): void {
    const done = this.current;
    this.current = null;
    if (done) this.onSignal(done);
  }
}

/** The real tools. `env` is the environment the tools run in (DBUS_SESSION_BUS_ADDRESS among others). */
export function dbusTools(env: NodeJS.ProcessEnv = process.env): DbusTools {
  return {
    monitor(bus, rules, onSignal, onExit) {
      const child = spawn('dbus-monitor', [...busFlag(bus), ...rules], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      let stopped = false;
      const parser = new DbusMonitorParser(onSignal);
      const lines = createInterface({ input: child.stdout });
      // dbus-monitor writes each message (its header and argument lines) in one flush, and the next header may be
      // long in coming: a signal is handed over once the lines of the chunk it arrived in have been read.
      let flushing: NodeJS.Immediate | null = null;
      lines.on('line', (text) => {
        parser.line(text);
        flushing ??= setImmediate(() => {
          flushing = null;
          parser.flush();
        });
      });
      child.on('error', (error) => {
        if (!stopped) onExit?.(`dbus-monitor could not start: ${error.message}`);
        stopped = true;
      });
      child.on('exit', (code, signal) => {
        if (!stopped) onExit?.(`dbus-monitor ended (${signal ?? `code ${code}`})`);
        stopped = true;
      });
      return {
        stop() {
          if (stopped) return;
          stopped = true;
          if (flushing) clearImmediate(flushing);
          child.kill();
        },
      };
    },
    nameHasOwner(bus, name) {
      // dbus-send's --address opens a connection without registering on the bus (Hello), which the bus then refuses;
      // a bus given by its address is reached as the session bus of the tool's environment instead.
      const flag = bus === 'system' ? '--system' : '--session';
      const toolEnv = typeof bus === 'object' ? { ...env, DBUS_SESSION_BUS_ADDRESS: bus.address } : env;
      const args = [flag, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`];
      return new Promise((resolve) => {
        execFile('dbus-send', args, { env: toolEnv, timeout: NAME_QUERY_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout) => {
          // The reply is printed as "method return ...", then "   boolean true".
          const match = /^\s+boolean (true|false)$/m.exec(stdout);
          resolve(!error && match ? match[1] === 'true' : null);
        });
      });
    },
  };
}
