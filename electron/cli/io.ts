/**
 * Terminal input and output for the CLI: reading secrets from stdin (never argv), printing exactly
 * one JSON document under `--json`, and plain tables for people.
 */
import { localDate } from '../core/dates.js';
import { KeywardenError } from '../core/errors.js';
import { plural, visible } from '../core/text.js';

export { plural, visible };

export interface Output {
  json: boolean;
  /** Data for stdout: one JSON document with --json, else the text. */
  result: (value: unknown, text: () => string) => void;
  /** Progress and notices: always stderr, so stdout stays parseable. */
  info: (message: string) => void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, text) {
      // JSON escapes control characters itself and must stay exact; text for people is made harmless
      // here too, in case a command printed vendor text outside a table (cells are escaped in `table`).
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${visible(text(), true)}\n`);
    },
    info(message) {
      process.stderr.write(`${visible(message, true)}\n`);
    },
  };
}

/**
 * Reads a secret from standard input. Piped input is read whole (one trailing newline removed);
 * at a terminal the secret is typed without echo.
 */
export async function readSecretFromStdin(what: string): Promise<string> {
  const stdin = process.stdin;
  let text: string;
  if (stdin.isTTY) {
    text = await promptHidden(`${what}: `);
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    if (bytes.length > 65_536) throw new KeywardenError('invalid_input', `the ${what} on standard input is longer than 16 KiB; is it the right input?`);
    try {
      // Fatal: Buffer#toString would store each invalid byte as U+FFFD, a secret that works nowhere.
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new KeywardenError('invalid_input', `the ${what} on standard input is not UTF-8 text (binary data?); is it the right input?`);
    }
    text = text.replace(/\r?\n$/, '');
  }
  if (text.trim() === '') throw new KeywardenError('invalid_input', `no ${what} on standard input; pipe it in, e.g. "printf %s \\"$TOKEN\\" | keywarden ..."`);
  if (text.length > 16_384) throw new KeywardenError('invalid_input', `the ${what} on standard input is longer than 16 KiB; is it the right input?`);
  // No key or token contains control characters; one that does is a wrong file, a paste with a stray
  // escape, or binary data. Which character, and where, is not said: that would tell of the secret.
  // eslint-disable-next-line no-control-regex -- a secret with control characters is refused, so they are matched
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) {
    throw new KeywardenError('invalid_input', `the ${what} on standard input contains control characters (NUL, tab, escape, ...); only one trailing newline is allowed`);
  }
  return text.trim();
}

/**
 * Reads plain text (not a secret: a key's notes) from standard input, line breaks kept; at a terminal it is typed and
 * ended with Ctrl-D. The engine checks what the text may hold.
 */
export async function readTextFromStdin(what: string, maxBytes = 65_536): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) process.stderr.write(`${what} (end with Ctrl-D on a line of its own):\n`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new KeywardenError('invalid_input', `the ${what} on standard input is longer than ${Math.round(maxBytes / 1024)} KiB`);
    chunks.push(chunk as Buffer);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new KeywardenError('invalid_input', `the ${what} on standard input is not UTF-8 text`);
  }
}

export function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new KeywardenError('invalid_input', 'cancelled'));
          return;
        }
        if (char === '\u007f') value = value.slice(0, -1);
        else value += char;
      }
    };
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

/** Asks for confirmation at a terminal; elsewhere the caller must have passed --yes. */
export async function confirm(question: string, assumeYes: boolean, flagHint = '--yes'): Promise<void> {
  if (assumeYes) return;
  if (!process.stdin.isTTY) throw new KeywardenError('invalid_input', `${question} Not confirmed: add ${flagHint} to run this without a terminal`);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new KeywardenError('invalid_input', 'cancelled; nothing was changed');
  } finally {
    rl.close();
  }
}

/** Aligned columns; every cell goes through `visible`, so vendor text can neither drive the terminal nor break a row. */
export function table(headers: readonly string[], cellRows: ReadonlyArray<ReadonlyArray<string>>): string {
  const rows = cellRows.map((row) => row.map((cell) => visible(cell)));
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * The local calendar date of an instant, `2026-11-22`; the full UTC time is in --json. Local, because
 * the day counts ("in 6d") are local calendar days: both must name the same day.
 */
export function day(iso: string | null): string {
  return iso ? localDate(iso) : '-';
}

/** How far off a due date is, in the local calendar days of `daysLeft`: `in 6d`, `today`, `overdue today`, `overdue 20d`. */
export function dueIn(daysLeft: number, overdue: boolean): string {
  if (daysLeft > 0) return `in ${daysLeft}d`;
  if (daysLeft < 0) return `overdue ${-daysLeft}d`;
  return overdue ? 'overdue today' : 'today';
}

/** A whole number option within [min, max]; `unit` ("seconds") is named in the message when there is one. */
export function parseWholeNumber(value: string | undefined, flag: string, min: number, max: number, unit = ''): number | undefined {
  if (value === undefined) return undefined;
  const range = `from ${min} to ${max}${unit ? ` ${unit}` : ''}`;
  if (!/^-?\d+$/.test(value)) throw new KeywardenError('invalid_input', `${flag} takes a whole number ${range}, not "${visible(value)}"`);
  const number = Number(value);
  if (number < min || number > max) throw new KeywardenError('invalid_input', `${flag} must be ${range}, not ${value}`);
  return number;
}
