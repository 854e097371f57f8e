/**
 * The verdicts of `keywarden check` for what the CLI test cannot set up by hand: keys a vendor reports expired or in
 * grace, and revoked keys. A pipeline fails on these verdicts, so each is asserted by the exit status it leads to.
 */
import { describe, expect, it } from 'vitest';
import { judgeKeys } from '../../electron/core/reminders/gate.js';
import { addLocalDays } from '../../electron/core/dates.js';
import type { Key } from '../../shared/domain.js';

const NOW = new Date(2026, 11, 4, 15, 0);
const at = (days: number, hour = 12) => {
  const day = addLocalDays(NOW, days);
  day.setHours(hour, 0, 0, 0);
  return day.toISOString();
};

function key(id: string, fields: Partial<Key>): Key {
  return {
    ref: `cb/${id}`,
    backend: 'cb',
    backendType: 'commbox',
    id,
    name: id,
    prefix: null,
    status: 'active',
    createdAt: null,
    expiresAt: null,
    graceEndsAt: null,
    rotationDueAt: null,
    lastUsedAt: null,
    lastTestedAt: null,
    lastTestOk: null,
    secretCached: false,
    syncedAt: null,
    owner: null,
    environment: null,
    tags: [],
    notes: null,
    ...fields,
  };
}

describe('the pipeline gate (keywarden check)', () => {
  it('a key the vendor reports expired fails the gate as overdue, with or without a date', () => {
    const report = judgeKeys([key('dated', { status: 'expired', expiresAt: at(-3) }), key('undated', { status: 'expired' })], NOW, 30);
    expect(report.exitCode).toBe(2);
    expect(report.entries.map((entry) => [entry.ref, entry.verdict, entry.daysLeft])).toEqual([
      ['cb/dated', 'overdue', -3],
      ['cb/undated', 'overdue', null],
    ]);
  });

  it('a grace period counts by its end: ending in 3 days is due, ended an hour ago is overdue even on the same day', () => {
    expect(judgeKeys([key('grace', { status: 'grace', graceEndsAt: at(3), expiresAt: at(3) })], NOW, 30).entries[0]).toMatchObject({ verdict: 'due', kind: 'grace-end', daysLeft: 3 });
    const ended = judgeKeys([key('grace', { status: 'grace', graceEndsAt: at(0, 14) })], NOW, 30);
    expect(ended.entries[0]).toMatchObject({ verdict: 'overdue', daysLeft: 0 });
    expect(ended.exitCode).toBe(2);
  });

  it('revoked keys are not checked; a window of 0 days still catches what is due later today', () => {
    const report = judgeKeys([key('old', { status: 'revoked', expiresAt: at(-40) }), key('today', { expiresAt: at(0, 20) })], NOW, 0);
    expect(report.counts).toEqual({ checked: 1, overdue: 0, due: 1, ok: 0, 'no-date': 0 });
    expect(report.exitCode).toBe(1);
  });

  it('passes (exit 0) when every date is beyond the window, and keys with no date do not fail it', () => {
    const report = judgeKeys([key('later', { expiresAt: at(31) }), key('never', {})], NOW, 30);
    expect(report.exitCode).toBe(0);
    expect(report.entries.map((entry) => entry.verdict)).toEqual(['ok', 'no-date']);
  });
});
