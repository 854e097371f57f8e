/**
 * Health findings the integration test cannot reach without weeks of vendor history: a failed test, a key unused for
 * 90 days, a grace period ending with consumers not switched, rotations stopped part-way (and an abandoned one that a
 * later rotation made moot), a finding longer than the list it sends, the same secret under two keys, keys longer
 * than the organisation's rotation policy. The keys are written to a real store (a temporary SQLite file), where
 * Health counts and lists them; backends and rotations as the engine reads them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeHealth, type HealthInput } from '../../electron/core/health/findings.js';
import { addLocalDays } from '../../electron/core/dates.js';
import { InventoryStore } from '../../electron/core/store/store.js';
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

const opened: Array<{ store: InventoryStore; folder: string }> = [];
afterEach(() => {
  for (const { store, folder } of opened.splice(0)) {
    store.close();
    rmSync(folder, { recursive: true, force: true });
  }
});

/** A store holding `keys` as a sync or the administrator would have left them: dates, last test, a cached secret. */
function storeWith(keys: readonly Key[], secrets: Record<string, Buffer> = {}): InventoryStore {
  const folder = mkdtempSync(join(tmpdir(), 'keywarden-health-unit-'));
  const store = InventoryStore.open(join(folder, 'keywarden.db'));
  opened.push({ store, folder });
  const ids = new Map<string, number>();
  store.transaction(() => {
    for (const key of keys) {
      let id = ids.get(key.backend);
      if (id === undefined) {
        id = store.backends.insert({ name: key.backend, type: key.backendType, url: null, settings: {}, rotateEveryDays: null, createdAt: at(-30) }, null).id;
        ids.set(key.backend, id);
      }
      const details: Record<string, number> = key.rotationDueAt && !key.expiresAt ? { rotateEveryDays: Math.round((Date.parse(key.rotationDueAt) - Date.parse(key.createdAt!)) / 86_400_000) } : {};
      store.keys.upsert(id, { ...key, details }, key.syncedAt, null);
      if (key.lastTestedAt !== null || key.lastTestOk !== null) store.keys.recordTest(id, key.id, key.lastTestedAt ?? at(0), key.lastTestOk === true);
      if (key.owner !== null) {
        store.keys.describe(
          id,
          key.id,
          { owner: key.owner, environment: null, tags: [], notes: null },
          { at: at(0), osUser: 'test', action: 'key.edit', backend: key.backend, ref: key.ref, outcome: 'ok', detail: null },
        );
      }
      // Opaque bytes: Health never opens a secret. The fingerprint is what the vault would give this secret.
      if (key.secretCached) store.keys.putSecret(id, key.id, { sealed: randomBytes(48), fingerprint: secrets[key.id] ?? randomBytes(32) }, at(0));
    }
  });
  return store;
}

const health = ({ keys = [], secrets, ...input }: Partial<Omit<HealthInput, 'keys'>> & { keys?: Key[]; secrets?: Record<string, Buffer> }) =>
  computeHealth({ keys: storeWith(keys, secrets).keys, backends: [], shownOnceBackends: new Set(), rotations: [], graceWarnings: [], now: NOW, ...input });
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

  it('a finding with more keys than it lists says how many, and lists the most urgent first', () => {
    const keys = Array.from({ length: 205 }, (_, index) => key(`k${String(index).padStart(3, '0')}`, { expiresAt: at(-(index + 1)) }));
    const report = health({ keys });
    const overdue = report.findings.find((finding) => finding.category === 'overdue')!;
    expect(overdue).toMatchObject({ count: 205, truncated: true });
    expect(overdue.subjects).toHaveLength(200);
    // The longest overdue first: k204 expired 205 days ago; the five least overdue are the ones left out.
    expect(overdue.subjects[0]).toMatchObject({ name: 'k204', detail: '205 days overdue' });
    expect(overdue.subjects.at(-1)).toMatchObject({ name: 'k005', detail: '6 days overdue' });
    expect(report.counts.critical).toBe(205);
    const small = health({ keys: keys.slice(0, 3) }).findings.find((finding) => finding.category === 'overdue')!;
    expect(small).toMatchObject({ count: 3, truncated: false });
    expect(health({ keys: keys.slice(0, 12), options: { subjectLimit: 10 } }).findings[0]).toMatchObject({ count: 12, truncated: true, subjects: expect.any(Array) });
  });

  it('the same secret under two keys is found by its fingerprint, naming the other key; different secrets are not', () => {
    const shared = randomBytes(32);
    const report = health({ keys: [key('prod'), key('copy'), key('other')], secrets: { prod: shared, copy: Buffer.from(shared) } });
    expect(names(report, 'duplicate-secret')).toEqual(['copy: same secret as cb/prod', 'prod: same secret as cb/copy']);
    expect(report.findings.find((finding) => finding.category === 'duplicate-secret')).toMatchObject({ severity: 'warning', count: 2 });
    // A revoked key's secret no longer counts: nothing uses it.
    expect(names(health({ keys: [key('prod'), key('old', { status: 'revoked' })], secrets: { prod: shared, old: Buffer.from(shared) } }), 'duplicate-secret')).toBeUndefined();
  });

  it("keys valid or rotated longer than the organisation's policy are listed once a policy is set", () => {
    const keys = [
      key('year', { createdAt: at(-10), expiresAt: at(355) }),
      key('quarter', { createdAt: at(-10), expiresAt: at(80) }),
      key('policy', { createdAt: at(-10), expiresAt: null, rotationDueAt: at(170) }),
    ];
    expect(names(health({ keys }), 'interval-over-policy')).toBeUndefined();
    const report = health({ keys, options: { maxRotationDays: 90 } });
    // Listed by key (backend, then id): the key's own words say how long.
    expect(names(report, 'interval-over-policy')).toEqual(['policy: rotated every 180 days; policy at most 90 days', 'year: valid for 365 days; policy at most 90 days']);
    // Exactly the policy is within it.
    expect(names(health({ keys, options: { maxRotationDays: 365 } }), 'interval-over-policy')).toBeUndefined();
  });

  it('keys without an owner are listed once the inventory uses owners, and never before', () => {
    expect(names(health({ keys: [key('a'), key('b')] }), 'no-owner')).toBeUndefined();
    const report = health({ keys: [key('a', { owner: 'ana' }), key('b'), key('gone', { status: 'revoked' })] });
    expect(names(report, 'no-owner')).toEqual(['b: no owner']);
    expect(report.findings.find((finding) => finding.category === 'no-owner')).toMatchObject({ severity: 'info', count: 1 });
  });
});
