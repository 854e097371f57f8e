/**
 * `keywarden check`, the gate a pipeline runs before a deploy: the real command (compiled, in a child process) over
 * a real data folder with manual keys at known calendar distances. Its exit status is what CI acts on, so each case
 * asserts the status first; the JUnit report is read back by an independent XML parser (Python's), as a CI system
 * would read it.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateReport } from '../../electron/core/reminders/gate.js';
import { localDate, startOfLocalDay } from '../../electron/core/dates.js';
import { type CliHome, type CliResult, hasIsolatedKeychain, makeCliHome, runCli } from '../support/cli.js';

/** `YYYY-MM-DD`, `days` calendar days from today in the local time zone (which the CLI child shares). */
const dateIn = (days: number) => localDate(startOfLocalDay(new Date(), days).toISOString());

/** Python's ElementTree reads the report: one line per test case, "<classname>|<name>|<failure type or skipped or ok>". */
function junitCases(xml: string): string[] {
  const script = [
    'import sys, xml.etree.ElementTree as ET',
    'root = ET.fromstring(sys.stdin.buffer.read())',
    'for case in root.iter("testcase"):',
    '    failure = case.find("failure")',
    '    state = failure.get("type") if failure is not None else ("skipped" if case.find("skipped") is not None else "ok")',
    '    print(case.get("classname") + "|" + case.get("name") + "|" + state)',
  ].join('\n');
  const parsed = spawnSync('python3', ['-c', script], { input: xml, encoding: 'utf8' });
  if (parsed.status !== 0) throw new Error(`the JUnit report is not well-formed XML: ${parsed.stderr}\n${xml}`);
  return parsed.stdout.trim().split('\n').filter(Boolean).sort();
}

describe.skipIf(!hasIsolatedKeychain)('keywarden check: a gate for pipelines', () => {
  let home: CliHome;
  const check = (args: string[] = [], env?: Record<string, string | undefined>): Promise<CliResult> => home.run(['check', ...args], env ? { env } : {});

  async function add(backend: string, name: string, args: string[]): Promise<void> {
    const result = await home.run(['key', 'add', '--backend', backend, '--name', name, ...args]);
    if (result.code !== 0) throw new Error(`key add ${name}: ${result.stderr}`);
  }

  beforeAll(async () => {
    home = makeCliHome();
    for (const backend of ['prod', 'staging']) expect((await home.run(['backend', 'add', '--type', 'manual', '--name', backend])).code).toBe(0);
    // prod: one key due in 5 days, one in 60, one with no date at all.
    await add('prod', 'Payments <live> & "main"', ['--vendor', 'Stripe', '--expires-at', dateIn(5)]);
    await add('prod', 'Search', ['--vendor', 'Algolia', '--expires-at', dateIn(60)]);
    await add('prod', 'Status page', ['--vendor', 'Statuspage']);
    // staging: rotation every 80 days of a key made 100 days ago: 20 days overdue.
    await add('staging', 'Legacy webhook', ['--vendor', 'Acme', '--created-at', dateIn(-100), '--rotate-every-days', '80']);
  }, 60_000);

  afterAll(() => home?.remove());

  it('exits 2 when something is overdue, listing it first with how late it is', async () => {
    const result = await check();
    expect(result.code).toBe(2);
    const lines = result.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^OVERDUE .*overdue 20d\s+rotation due\s+staging\/\S+\s+Legacy webhook$/);
    expect(lines[2]).toMatch(/^DUE .*in 5d\s+expires\s+prod\//);
    expect(lines.at(-1)).toBe('1 overdue, 1 due within 30 days (4 keys checked)');
  });

  it('exits 1 when something is due within the window and nothing is overdue; 0 when the window is shorter', async () => {
    expect((await check(['--backend', 'prod'])).code).toBe(1);
    const narrow = await check(['--backend', 'prod', '--within', '4']);
    expect(narrow.code).toBe(0);
    expect(narrow.stdout.trim()).toBe('ok: nothing due within 4 days (3 keys checked, 1 with no due date)');
    // The window counts calendar days, as reminders do: a key due on day 5 is inside a 5-day window.
    expect((await check(['--backend', 'prod', '--within', '5'])).code).toBe(1);
  });

  it('--format json: one document with a verdict per key, the counts and the exit code', async () => {
    for (const args of [['--format', 'json'], ['--json']]) {
      const result = await check(['--within', '60', ...args]);
      expect(result.code).toBe(2);
      const report = result.json<GateReport>();
      expect(report.exitCode).toBe(2);
      expect(report.counts).toEqual({ checked: 4, overdue: 1, due: 2, ok: 0, 'no-date': 1 });
      expect(report.entries.map((entry) => [entry.name, entry.verdict, entry.daysLeft])).toEqual([
        ['Legacy webhook', 'overdue', -20],
        ['Payments <live> & "main"', 'due', 5],
        ['Search', 'due', 60],
        ['Status page', 'no-date', null],
      ]);
    }
  });

  it('--format junit: one test case per key, failures for due and overdue, skipped for a key with no due date, valid XML whatever the names', async () => {
    const result = await check(['--format', 'junit']);
    expect(result.code).toBe(2);
    const cases = junitCases(result.stdout);
    expect(cases).toHaveLength(4);
    expect(cases.map((line) => line.replace(/\((?:prod|staging)\/[^)]+\)/, '(REF)'))).toEqual([
      'keywarden.prod|Payments <live> & "main" (REF)|due',
      'keywarden.prod|Search (REF)|ok',
      'keywarden.prod|Status page (REF)|skipped',
      'keywarden.staging|Legacy webhook (REF)|overdue',
    ]);
    expect(result.stdout).toMatch(/<testsuites name="keywarden check" tests="4" failures="2" skipped="1" errors="0">/);
  });

  it('never needs the keychain: it answers with no Secret Service reachable', async () => {
    const result = await check(['--backend', 'staging'], { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/keywarden-no-bus' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
  });

  it('exits 3, never 0 to 2, when it could not check: an unknown backend, a bad window or format, a missing data folder', async () => {
    const unknown = await check(['--backend', 'prdo']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/prdo/);
    expect((await check(['--within', '-1'])).code).toBe(3);
    expect((await check(['--format', 'xml'])).stderr).toMatch(/--format must be one of text, json, junit/);
    expect((await check(['--format', 'junit', '--json'])).code).toBe(3);
    const missing = await runCli(['--home', `${home.home}-missing`, 'check']);
    expect(missing.code).toBe(3);
  });
});
