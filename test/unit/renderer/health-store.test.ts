/**
 * The Health view's store, the calendar download's store and their pure helpers, over a real ContractClient
 * (buildContractClient) with an in-memory transport: what they ask for, that an answer the contract does not declare
 * is refused, the order and words the view uses, and that a slow older answer never wins.
 */
import { describe, expect, it } from 'vitest';
import { buildContractClient, type ContractMethod } from '../../../shared/contract.js';
import type { Finding, HealthReport } from '../../../shared/health.js';
import { CALENDAR_FILE_NAME, createCalendarStore } from '../../../renderer/src/state/calendar-store.js';
import type { SavedFile } from '../../../renderer/src/state/audit-store.js';
import { createHealthStore, listedInWords, openAtFirst, orderFindings, subjectsInWords, SUBJECTS_SHOWN } from '../../../renderer/src/state/health-store.js';

function finding(category: Finding['category'], severity: Finding['severity'], refs: Array<string | null>): Finding {
  const subjects = refs.map((ref) => ({ ref, backend: ref ? ref.split('/')[0]! : 'cb', name: ref ?? 'cb', detail: 'something' }));
  return { category, severity, title: category, why: 'why', action: 'fix', count: subjects.length, subjects, truncated: false };
}

function report(findings: Finding[]): HealthReport {
  const counts = { critical: 0, high: 0, warning: 0, info: 0 };
  for (const each of findings) counts[each.severity] += each.count;
  return { checkedAt: '2026-12-05T10:00:00.000Z', findings, counts, keysChecked: 3 };
}

function fakeEngine(answers: Partial<Record<ContractMethod, () => unknown>>) {
  const asked: Array<[ContractMethod, unknown[]]> = [];
  let held: Array<() => void> | null = null;
  const client = buildContractClient({
    async invoke(method, args) {
      const answer = answers[method];
      if (!answer) throw new Error(`not faked: ${method}`);
      asked.push([method, args]);
      const value = answer();
      if (held) await new Promise<void>((resolve) => held?.push(resolve));
      return value;
    },
  });
  return {
    client,
    asked,
    hold(): () => void {
      held = [];
      return () => {
        const waiting = held ?? [];
        held = null;
        for (const release of waiting.reverse()) release();
      };
    },
  };
}

describe('the health store', () => {
  it('asks health:report with the engine defaults and keeps the report; a refresh keeps the old one until the answer', async () => {
    let current = report([finding('overdue', 'critical', ['hand/a'])]);
    const engine = fakeEngine({ 'health:report': () => current });
    const store = createHealthStore(engine.client);
    await store.getState().load();
    expect(engine.asked).toEqual([['health:report', []]]);
    expect(store.getState()).toMatchObject({ report: current, error: null, loading: false });

    const first = store.getState().report;
    current = report([]);
    const release = engine.hold();
    const pending = store.getState().load();
    expect(store.getState().report).toBe(first);
    release();
    await pending;
    expect(store.getState().report?.findings).toEqual([]);
  });

  it('keeps only the newest answer when two loads overlap', async () => {
    let answer = report([finding('overdue', 'critical', ['hand/old'])]);
    const engine = fakeEngine({ 'health:report': () => answer });
    const store = createHealthStore(engine.client);
    const release = engine.hold();
    const older = store.getState().load();
    answer = report([finding('due-soon', 'warning', ['hand/new'])]);
    const newer = store.getState().load();
    release();
    await Promise.all([older, newer]);
    expect(store.getState().report?.findings.map((each) => each.category)).toEqual(['due-soon']);
  });

  it('refuses an answer the contract does not declare and says why, keeping nothing half-read', async () => {
    const engine = fakeEngine({ 'health:report': () => ({ findings: [], counts: { critical: 'many' } }) });
    const store = createHealthStore(engine.client);
    await store.getState().load();
    expect(store.getState().report).toBeNull();
    expect(store.getState().error).toMatch(/^health:report: unexpected result/);
  });

  it('orders findings most severe first (the engine order within a severity), opens critical and high, and words the subjects', () => {
    const findings = [
      finding('no-due-date', 'info', ['hand/a']),
      finding('due-soon', 'warning', ['hand/b']),
      finding('backend-failing', 'high', [null]),
      finding('overdue', 'critical', ['hand/c', 'hand/d']),
      finding('grace-not-switched', 'critical', ['hand/e']),
    ];
    expect(orderFindings(findings).map((each) => each.category)).toEqual(['overdue', 'grace-not-switched', 'backend-failing', 'due-soon', 'no-due-date']);
    expect(findings.filter(openAtFirst).map((each) => each.severity)).toEqual(['high', 'critical', 'critical']);
    expect(subjectsInWords(findings[3]!.subjects)).toBe('2 keys');
    expect(subjectsInWords(findings[2]!.subjects)).toBe('1 backend');
    expect(subjectsInWords([{ ref: 'hand/a' }, { ref: null }, { ref: null }])).toBe('1 key and 2 backends');
    expect(subjectsInWords([{ ref: null, what: 'alert-channel' }, { ref: null }])).toBe('1 backend and 1 alert channel');
    expect(SUBJECTS_SHOWN).toBe(50);
  });

  it('a finding the engine cut says how many it concerns and how many it lists', () => {
    const cut = { ...finding('overdue', 'critical', ['cb/a', 'cb/b']), count: 5312, truncated: true };
    expect(subjectsInWords(cut.subjects, cut.count)).toBe('5,312 keys');
    expect(listedInWords(cut)).toBe('first 2 of 5,312');
    expect(listedInWords(finding('overdue', 'critical', ['cb/a']))).toBeNull();
  });
});

describe('the calendar download store', () => {
  it('asks calendar:export and saves the text as keywarden-due-dates.ics, then says how many due dates', async () => {
    const content = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';
    const engine = fakeEngine({ 'calendar:export': () => ({ events: 3, content }) });
    const saved: SavedFile[] = [];
    const store = createCalendarStore(engine.client, { save: (file) => saved.push(file) });
    await store.getState().download();
    expect(engine.asked).toEqual([['calendar:export', []]]);
    expect(saved).toEqual([{ name: CALENDAR_FILE_NAME, content, type: 'text/calendar;charset=utf-8' }]);
    expect(CALENDAR_FILE_NAME).toBe('keywarden-due-dates.ics');
    expect(store.getState()).toMatchObject({ running: false, done: { events: 3, name: CALENDAR_FILE_NAME }, error: null });
  });

  it('a refusal is kept as its message and nothing is saved; a second click while one runs asks once', async () => {
    const engine = fakeEngine({
      'calendar:export': () => {
        throw new Error('the engine is closed');
      },
    });
    const saved: SavedFile[] = [];
    const store = createCalendarStore(engine.client, { save: (file) => saved.push(file) });
    await store.getState().download();
    expect(saved).toEqual([]);
    expect(store.getState().error).toBe('the engine is closed');

    const slow = fakeEngine({ 'calendar:export': () => ({ events: 0, content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' }) });
    const again = createCalendarStore(slow.client, { save: (file) => saved.push(file) });
    const release = slow.hold();
    const first = again.getState().download();
    const second = again.getState().download();
    release();
    await Promise.all([first, second]);
    expect(slow.asked).toHaveLength(1);
    expect(saved).toHaveLength(1);
  });
});
