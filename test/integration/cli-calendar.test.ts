/**
 * `keywarden export --format ics`: the due dates in the administrator's own calendar. The real command over a real data
 * folder, the file read back by an independent parser (Mozilla's ical.js, as calendar clients use), in the zones where
 * a day is most easily lost: a key typed as due on a day is an all-day event on that day in Auckland and in Los
 * Angeles alike. Re-exporting keeps each UID (a calendar updates instead of duplicating); a deleted key is cancelled.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Key } from '../../shared/domain.js';
import { type CliHome, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';

interface ParsedEvent {
  uid: string;
  summary: string;
  start: string;
  allDay: boolean;
  status: string;
  alarms: string[];
  description: string;
}

/** ical.js is an ES module only; the tests compile as CommonJS, so it is loaded with import() (in beforeAll). */
let ICAL: typeof import('ical.js', { with: { 'resolution-mode': 'import' } }).default;

function parseCalendar(text: string): ParsedEvent[] {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  expect(calendar.name).toBe('vcalendar');
  expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
  return calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      summary: event.summary,
      start: event.startDate.toString(),
      allDay: event.startDate.isDate,
      status: String(vevent.getFirstPropertyValue('status')),
      alarms: vevent.getAllSubcomponents('valarm').map((alarm) => String(alarm.getFirstPropertyValue('trigger'))),
      description: event.description,
    };
  });
}

describe.skipIf(!hasIsolatedKeychain)('keywarden export --format ics: the expiry calendar', () => {
  let home: CliHome;
  let folder: string;
  const keys: Record<string, Key> = {};
  const secret = `sk_live_${'x'.repeat(8)}${Date.now().toString(36)}`;

  const exportIn = async (zone: string): Promise<ParsedEvent[]> => {
    const result = await home.run(['export', '--format', 'ics'], { env: { TZ: zone } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(secret);
    return parseCalendar(result.stdout);
  };

  beforeAll(async () => {
    ICAL = (await import('ical.js')).default;
    home = makeCliHome();
    folder = mkdtempSync(join(tmpdir(), 'keywarden-ics-'));
    expect((await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand'])).code).toBe(0);
    const add = async (args: string[], input?: string) => {
      const result = await home.run(['key', 'add', '--backend', 'hand', ...args, '--json'], { env: { TZ: 'Pacific/Auckland' }, ...(input ? { input } : {}) });
      expect(result.code, result.stderr).toBe(0);
      return result.json<Key>();
    };
    // Typed in Auckland, where the 7th begins while it is still the 6th in Los Angeles.
    keys.stripe = await add(['--name', 'Stripe, "prod"; EU', '--created-at', '2026-01-10', '--expires-at', '2027-03-07', '--secret-stdin'], `${secret}\n`);
    keys.legacy = await add(['--name', 'Legacy webhook', '--created-at', '2026-10-01', '--rotate-every-days', '90']);
    keys.gone = await add(['--name', 'Old mailer', '--created-at', '2026-01-01', '--expires-at', '2027-06-01']);
  }, 60_000);

  afterAll(() => {
    home?.remove();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('one all-day event per due date, on the day typed, in Auckland and in Los Angeles alike', async () => {
    for (const zone of ['Pacific/Auckland', 'America/Los_Angeles']) {
      const events = await exportIn(zone);
      const stripe = events.find((event) => event.summary.startsWith('Stripe'))!;
      expect(stripe).toMatchObject({ summary: 'Stripe, "prod"; EU expires', start: '2027-03-07', allDay: true, status: 'CONFIRMED' });
      expect(stripe.alarms.sort()).toEqual(['-P1D', '-P30D', '-P7D']);
      expect(stripe.description).toContain(`Reference: ${keys.stripe!.ref}`);
      // 90 days after 2026-10-01: a rotation date, not an expiry.
      expect(events.find((event) => event.summary.startsWith('Legacy'))).toMatchObject({ summary: 'Legacy webhook is due for rotation', start: '2026-12-30', allDay: true });
    }
  });

  it("keeps each event's UID across exports, so a re-import updates; a moved date moves its event", async () => {
    const before = await exportIn('UTC');
    expect((await home.run(['key', 'edit', keys.stripe!.ref, '--expires-at', '2027-04-01'])).code).toBe(0);
    const after = await exportIn('UTC');
    const uidOf = (events: ParsedEvent[]) => events.find((event) => event.summary.startsWith('Stripe'))!;
    expect(uidOf(after).uid).toBe(uidOf(before).uid);
    expect(uidOf(after).start).toBe('2027-04-01');
    expect(new Set(after.map((event) => event.uid)).size).toBe(after.length);
  });

  it('a key deleted from Keywarden comes back CANCELLED under the same UID; --output writes a 0600 file', async () => {
    const uid = (await exportIn('UTC')).find((event) => event.summary.startsWith('Old mailer'))!.uid;
    expect((await home.run(['delete', keys.gone!.ref, '--confirm', keys.gone!.ref])).code).toBe(0);
    const output = join(folder, 'keys.ics');
    const written = await home.run(['export', '--format', 'ics', '--output', output]);
    expect(written.code, written.stderr).toBe(0);
    expect(statSync(output).mode & 0o777).toBe(0o600);
    const cancelled = parseCalendar(readFileSync(output, 'utf8')).filter((event) => event.uid === uid);
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]).toMatchObject({ status: 'CANCELLED', alarms: [] });
    expect((await home.run(['export', '--format', 'ics', '--json'])).stderr).toMatch(/cannot carry a calendar/);
  });
});
