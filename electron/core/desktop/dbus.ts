/**
 * The desktop app's one way to D-Bus signals (Linux), through the D-Bus tools every desktop has rather than a D-Bus
 * library: `dbus-monitor` (package dbus / dbus-bin). The Secret Service is not reached from here: that is keytar's
 * (electron/core/vault).
 *
 * Used for what Electron does not tell on Linux: the session being locked (session-lock.ts). Best effort: a missing
 * tool or bus is logged and the lock falls back to the idle-state poll.
 */
import { spawn } from 'node:child_process';
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
}

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
  };
}
