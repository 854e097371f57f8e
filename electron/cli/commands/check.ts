/**
 * `keywarden check`: a gate for pipelines. Exit 0 when nothing is due within the window, 1 when something is, 2 when
 * something is overdue, expired or past its grace; 3 when it could not check (a Nagios-style "unknown", so that a
 * mistyped backend is never read as "something is due"). Reads metadata only: no keychain, no network.
 */
import type { GateEntry, GateReport } from '../../core/reminders/gate.js';
import { KeywardenError } from '../../core/errors.js';
import { day, dueIn, parseWholeNumber, plural, table } from '../io.js';
import type { CommandRun } from '../main.js';

/** Exit code of `check` when it could not check at all (bad arguments, a missing data folder or backend). */
export const EXIT_CHECK_UNKNOWN = 3;

const FORMATS = ['text', 'json', 'junit'] as const;
type Format = (typeof FORMATS)[number];

const KIND_WORDS = { expiry: 'expires', rotation: 'rotation due', 'grace-end': 'grace ends' } as const;

export const check: CommandRun = async ({ values, out, engine }) => {
  const withinDays = parseWholeNumber(values.within as string | undefined, '--within', 0, 36_500) ?? 30;
  const format = chosenFormat(values.format as string | undefined, out.json);
  const backends = (values.backend as string[] | undefined) ?? [];
  const report = (await engine()).checkDue({ withinDays, backends });
  if (format === 'junit') process.stdout.write(junit(report));
  else if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else out.result(report, () => text(report));
  return report.exitCode;
};

function chosenFormat(format: string | undefined, json: boolean): Format {
  if (format === undefined) return json ? 'json' : 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new KeywardenError('invalid_input', `--format must be one of ${FORMATS.join(', ')}, not "${format}"`);
  if (json && format !== 'json') throw new KeywardenError('invalid_input', `--json and --format ${format} ask for two outputs; give one`);
  return format as Format;
}

function when(entry: GateEntry): string {
  if (entry.daysLeft === null) return entry.verdict === 'overdue' ? 'expired' : '-';
  return dueIn(entry.daysLeft, entry.verdict === 'overdue');
}

function text(report: GateReport): string {
  const { counts } = report;
  const failing = report.entries.filter((entry) => entry.verdict === 'overdue' || entry.verdict === 'due');
  const summary =
    report.exitCode === 0
      ? `ok: nothing due within ${plural(report.withinDays, 'day')} (${plural(counts.checked, 'key')} checked${counts['no-date'] ? `, ${counts['no-date']} with no due date` : ''})`
      : `${counts.overdue} overdue, ${counts.due} due within ${plural(report.withinDays, 'day')} (${plural(counts.checked, 'key')} checked)`;
  if (failing.length === 0) return summary;
  const rows = failing.map((entry) => [entry.verdict.toUpperCase(), day(entry.dueAt), when(entry), entry.kind ? KIND_WORDS[entry.kind] : '-', entry.ref, entry.name]);
  return `${table(['VERDICT', 'DUE', 'WHEN', 'WHAT', 'REF', 'NAME'], rows)}\n${summary}`;
}

/**
 * JUnit XML, as CI systems read it: one suite, one test case per key checked (class name the backend, name the key and
 * its reference), a failure for a key due or overdue, skipped for a key with no due date.
 */
function junit(report: GateReport): string {
  const { counts } = report;
  const cases = report.entries.map((entry) => {
    const open = `    <testcase classname="keywarden.${xml(entry.backend)}" name="${xml(`${entry.name} (${entry.ref})`)}" time="0"`;
    if (entry.verdict === 'ok') return `${open}/>`;
    if (entry.verdict === 'no-date') return `${open}>\n      <skipped message="no expiry date and no rotation policy: nothing tells when this key must change"/>\n    </testcase>`;
    const what = entry.kind ? KIND_WORDS[entry.kind] : 'expired';
    const message = entry.dueAt ? `${what} ${day(entry.dueAt)} (${when(entry)})` : 'expired at the vendor';
    const type = entry.verdict === 'overdue' ? 'overdue' : 'due';
    return `${open}>\n      <failure type="${type}" message="${xml(message)}">${xml(`${entry.ref}: ${message}; window ${report.withinDays} days`)}</failure>\n    </testcase>`;
  });
  const failures = counts.overdue + counts.due;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="keywarden check" tests="${counts.checked}" failures="${failures}" skipped="${counts['no-date']}" errors="0">`,
    `  <testsuite name="keys due within ${report.withinDays} days" tests="${counts.checked}" failures="${failures}" skipped="${counts['no-date']}" errors="0" timestamp="${report.checkedAt.slice(0, 19)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/**
 * Text in an XML attribute or element. Vendor text can hold anything: the five specials are escaped, and characters
 * XML 1.0 cannot carry at all (control characters, lone surrogates) become U+FFFD, so a strange key name cannot make
 * the report unreadable to the CI system.
 */
function xml(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
