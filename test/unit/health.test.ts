/**
 * Health findings the integration test cannot reach without weeks of vendor history: a failed test, a key unused for
 * 90 days, a grace period ending with consumers not switched, rotations stopped part-way (and an abandoned one that a
 * later rotation made moot). Pure: keys, backends and rotations as the engine reads them.
 */
import { describe, expect, it } from 'vitest';
import { computeHealth, type HealthInput } from '../../electron/core/health/findings.js';
import { addLocalDays } from '../../electron/core/dates.js';
import type { BackendSummary, Key } from '../../shared/domain.js';
import type { Rotation } from '../../shared/rotation.js';

const NOW = new Date(2026, 11, 4, 15, 0);
const at = (days: number) => addLocalDays(NOW, days).toISOString();

const key = (id: string, fields: Partial<Key> = {}): Key => ({
  ref: `cb/${id}`,
  backend: 'cb',
  backendType: 'commbox',
  id,
  name: id,
  prefix: null,
  status: 'active',
  createdAt: at(-10),
  expiresAt: at(200),
  graceEndsAt: null,
  rotationDueAt: null,
  lastUsedAt: null,
  lastTestedAt: at(-1),
  lastTestOk: true,
  secretCached: true,
  syncedAt: at(0),
  owner: null,
  environment: null,
  tags: [],
  notes: null,
  ...fields,
});

const backend = (name: string, fields: Partial<BackendSummary> = {}): BackendSummary => ({
  name,
  type: 'commbox',
  url: 'https://commbox.example',
  capabilities: ['list', 'reveal', 'test'],
  replacingRevoke: null,
  unsupported: {},
  hasCredential: true,
  rotateEveryDays: null,
  keyCount: 1,
  lastSyncAt: at(0),
  lastSyncOkAt: at(0),
  lastError: null,
  createdAt: at(-30),
  ...fields,
});

const rotation = (id: number, ref: string, state: Rotation['state'], startedDaysAgo: number): Rotation => ({
  id,
  ref,
  newRef: null,
  backend: 'cb',
  backendType: 'commbox',
  kind: 'replacing-revoke' as Rotation['kind'],
  title: 'Rotate',
  downtime: 'none',
  state,
  currentStep: null,
  steps: [],
  needs: null,
  problem: state === 'blocked' ? 'the vendor refused the revoke' : null,
  consumers: [],
  graceEndsAt: null,
  startedAt: at(-startedDaysAgo),
  updatedAt: at(-startedDaysAgo),
  finishedAt: null,
});

const health = (input: Partial<HealthInput>) => computeHealth({ keys: [], backends: [], shownOnceBackends: new Set(), rotations: [], graceWarnings: [], now: NOW, ...input });
const names = (report: ReturnType<typeof computeHealth>, category: string) =>
  report.findings.find((finding) => finding.category === category)?.subjects.map((subject) => `${subject.name}: ${subject.detail}`);

describe('health findings', () => {
  it('a healthy inventory has nothing to report', () => {
    const report = health({ keys: [key('fine')], backends: [backend('cb')] });
    expect(report.findings).toEqual([]);
    expect(report.counts).toEqual({ critical: 0, high: 0, warning: 0, info: 0 });
  });

  it('a failed last test is high; a key unused for 90 days or more is a warning, 89 days is not', () => {
    const report = health({ keys: [key('broken', { lastTestOk: false, lastTestedAt: at(-2) }), key('idle', { lastUsedAt: at(-90) }), key('recent', { lastUsedAt: at(-89) })] });
    expect(report.findings.map((finding) => [finding.severity, finding.category])).toEqual([
      ['high', 'test-failed'],
      ['warning', 'unused'],
    ]);
    expect(names(report, 'unused')).toEqual(['idle: last used 90 days ago']);
    expect(health({ keys: [key('idle', { lastUsedAt: at(-30) })], options: { unusedDays: 30 } }).findings[0]?.category).toBe('unused');
  });

  it('a grace period ending with consumers not switched is critical, naming them', () => {
    const report = health({
      keys: [key('old', { status: 'grace', graceEndsAt: at(2) })],
      graceWarnings: [{ rotationId: 7, ref: 'cb/old', newRef: 'cb/new', graceEndsAt: at(2), daysLeft: 2, unticked: ['CI', 'billing'] }],
    });
    expect(report.findings[0]).toMatchObject({ severity: 'critical', category: 'grace-not-switched' });
    expect(names(report, 'grace-not-switched')).toEqual(['old: grace ends in 2 days; CI, billing not switched (rotation 7)']);
  });

  it('waiting and blocked rotations are listed; an abandoned one only while no later rotation of the key finished', () => {
    const keys = [key('a'), key('b'), key('c')];
    const rotations = [rotation(1, 'cb/a', 'waiting', 3), rotation(2, 'cb/b', 'blocked', 2), rotation(3, 'cb/c', 'abandoned', 9)];
    expect(names(health({ keys, rotations }), 'rotation-stopped')).toEqual(['a: rotation 1 waiting', 'b: rotation 2 blocked: the vendor refused the revoke', 'c: rotation 3 abandoned']);
    const redone = health({ keys, rotations: [...rotations, rotation(4, 'cb/c', 'done', 1)] });
    expect(names(redone, 'rotation-stopped')).toEqual(['a: rotation 1 waiting', 'b: rotation 2 blocked: the vendor refused the revoke']);
  });

  it('a backend never synced is stale; one whose last sync failed is failing; manual backends are neither', () => {
    const report = health({
      backends: [
        backend('new', { lastSyncAt: null, lastSyncOkAt: null }),
        backend('down', { lastSyncAt: at(0), lastSyncOkAt: at(-1), lastError: 'HTTP 503' }),
        backend('hand', { type: 'manual', capabilities: ['reveal'], lastSyncOkAt: null, lastSyncAt: null }),
      ],
    });
    expect(names(report, 'backend-failing')).toEqual(['down: HTTP 503']);
    expect(names(report, 'backend-stale')).toEqual(['new: never synced']);
  });
});
