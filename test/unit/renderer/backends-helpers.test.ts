/**
 * The backends view's pure helpers: the age of data in words, which backends the inventory warns about, a failed
 * sync explained, one backend's sync line from the progress events, and the add form's own checks.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BackendSummary, SyncProgress } from '../../../shared/domain.js';
import { ageInWords, explainSyncError, staleBackends, stalenessSummary, syncedInWords } from '../../../renderer/src/lib/age.js';
import { checkAddBackend, parseDays, policyInWords } from '../../../renderer/src/backends/vendors.js';
import { syncLine } from '../../../renderer/src/backends/sync-text.js';
import type { SyncState } from '../../../renderer/src/state/inventory-store.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;

function backend(name: string, extra: Partial<BackendSummary>): BackendSummary {
  return {
    name,
    type: 'nitrobox',
    url: 'https://nb.example',
    capabilities: ['list'],
    unsupported: {},
    replacingRevoke: null,
    hasCredential: true,
    rotateEveryDays: 180,
    keyCount: 1,
    lastSyncAt: null,
    lastSyncOkAt: null,
    lastError: null,
    createdAt: '2026-11-01T00:00:00.000Z',
    ...extra,
  };
}

describe('age in words', () => {
  it('says how long ago, in the largest whole unit', () => {
    expect(ageInWords(ago(20_000), NOW)).toBe('less than a minute ago');
    expect(ageInWords(ago(5 * MIN), NOW)).toBe('5 min ago');
    expect(ageInWords(ago(3 * HOUR + 10 * MIN), NOW)).toBe('3 h ago');
    expect(ageInWords(ago(50 * HOUR), NOW)).toBe('2 d ago');
    // A clock a little ahead of this one: now, not "in the future".
    expect(ageInWords(ago(-5_000), NOW)).toBe('less than a minute ago');
    expect(syncedInWords(ago(3 * HOUR), NOW)).toBe('synced 3 h ago');
    expect(syncedInWords(null, NOW)).toBe('never synced');
  });
});

describe('staleness', () => {
  it('warns about failed syncs and data over a day old, never about manual backends or fresh data', () => {
    const list = [
      backend('fresh', { lastSyncOkAt: ago(2 * HOUR) }),
      backend('old', { lastSyncOkAt: ago(30 * HOUR) }),
      backend('down', { lastSyncOkAt: ago(3 * HOUR), lastError: 'down: cannot reach the backend (ECONNREFUSED)' }),
      backend('hand', { type: 'manual', capabilities: [], lastSyncOkAt: null }),
      backend('new', {}),
    ];
    const { failing, old } = staleBackends(list, NOW);
    expect(failing.map((b) => b.name)).toEqual(['down']);
    expect(old.map((b) => b.name)).toEqual(['old']);
    expect(stalenessSummary(list, NOW)).toBe('2 backends unreachable or out of date — data from 1 d ago');
    expect(stalenessSummary([list[0]!, list[2]!], NOW)).toBe('1 backend unreachable — data from 3 h ago');
    expect(stalenessSummary([list[1]!], NOW)).toBe('1 backend out of date — data from 1 d ago');
    expect(stalenessSummary([backend('never', { lastError: 'refused' })], NOW)).toBe('1 backend unreachable — no data yet');
    expect(stalenessSummary([list[0]!, list[3]!, list[4]!], NOW)).toBeNull();
  });

  it('explains the common failures in plain words, and leaves the rest to the engine', () => {
    expect(explainSyncError('nb: cannot reach the backend (ECONNREFUSED)')).toMatch(/^Unreachable: nothing answered/);
    expect(explainSyncError('nb: no answer in time to GET /clients')).toBe('The vendor did not answer in time.');
    expect(explainSyncError('nb: 401 unauthorized')).toMatch(/refused the credential/);
    expect(explainSyncError('nb: something entirely different')).toBeNull();
  });
});

describe('a sync line', () => {
  const idle: SyncState = { running: false, progress: {}, results: null, error: null };
  const progress = (phase: SyncProgress['phase'], pages: number, keys: number): SyncProgress => ({ backend: 'nb', phase, pages, keys, error: null });

  it('shows the pages and keys as they arrive, then the result', () => {
    expect(syncLine(idle, 'nb', false)).toBeNull();
    expect(syncLine({ ...idle, running: true }, 'nb', true)).toEqual({ text: 'Starting sync…', tone: 'progress' });
    expect(syncLine({ ...idle, running: true }, 'nb', false)).toBeNull();
    expect(syncLine({ ...idle, running: true, progress: { nb: progress('page', 1, 100) } }, 'nb', true)).toEqual({ text: 'Syncing: 1 page, 100 keys so far…', tone: 'progress' });
    expect(syncLine({ ...idle, running: true, progress: { nb: progress('page', 2, 151) } }, 'nb', true)?.text).toBe('Syncing: 2 pages, 151 keys so far…');
    const ok = { backend: 'nb', ok: true, keyCount: 151, pages: 2, error: null, errorCode: null, durationMs: 40, note: null };
    expect(syncLine({ ...idle, results: [ok] }, 'nb', false)).toEqual({ text: 'Synced: 151 keys in 2 pages.', tone: 'ok' });
    const failed = { ...ok, ok: false, keyCount: 0, pages: 0, error: 'nb: cannot reach the backend (ECONNREFUSED)', errorCode: 'network' };
    expect(syncLine({ ...idle, results: [failed] }, 'nb', true)).toEqual({ text: 'Sync failed: nb: cannot reach the backend (ECONNREFUSED)', tone: 'failed' });
    expect(syncLine({ ...idle, error: 'the server stopped' }, 'nb', true)).toEqual({ text: 'Sync failed: the server stopped', tone: 'failed' });
  });
});

describe('the add form checks', () => {
  const fields = { type: 'nitrobox' as const, name: 'nb', url: 'https://nb.example', credential: randomBytes(8).toString('hex'), policy: '' };

  it("mirrors the engine's rules", () => {
    expect(checkAddBackend(fields)).toEqual({});
    expect(checkAddBackend({ ...fields, name: 'Bad Name' }).name).toMatch(/^Not a valid name: use 1-63 lowercase letters/);
    expect(checkAddBackend({ ...fields, name: '' }).name).toBe('Enter a name.');
    expect(checkAddBackend(fields, ['nb']).name).toBe('A backend named “nb” already exists.');
    expect(checkAddBackend({ ...fields, url: '' }).url).toMatch(/^Enter the Nitrobox API’s base URL/);
    expect(checkAddBackend({ ...fields, url: 'nb.example' }).url).toMatch(/^Enter a URL starting with https:\/\//);
    expect(checkAddBackend({ ...fields, credential: '' }).credential).toBe('Enter the Nitrobox user token.');
    expect(checkAddBackend({ ...fields, policy: '0' }).policy).toBe('Enter a whole number of days from 1 to 3650.');
    expect(checkAddBackend({ ...fields, policy: '2.5' }).policy).toBeDefined();
    // A manual backend needs a name only.
    expect(checkAddBackend({ type: 'manual', name: 'hand', url: '', credential: '', policy: '30' })).toEqual({});
  });

  it('parses days and words the policy', () => {
    expect(parseDays(' 90 ')).toEqual({ days: 90 });
    expect(parseDays('400', 365)).toEqual({ error: 'Enter a whole number of days from 1 to 365.' });
    expect(policyInWords('nitrobox', 180)).toBe('every 180 days (vendor default)');
    expect(policyInWords('nitrobox', 30)).toBe('every 30 days');
    expect(policyInWords('commbox', null)).toBe('CommBox’s own expiry (its replacement interval)');
    expect(policyInWords('manual', null)).toBe('each key’s own dates');
  });
});
