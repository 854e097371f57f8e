/**
 * A key Keywarden records with its secret is committed with that secret and the action's audit event, or not at all
 * (store/keys.ts `record`): the manual key added by hand, its dates edited, and the secret pasted in a rotation.
 * Before this rule lived in one place, these paths wrote the key (and secret) in one transaction and the audit event
 * after it: an event that could not be written left a key, or a pasted secret, that the trail never recorded.
 *
 * The failure is real: a trigger in the database file refuses the one audit event the test names (as a full disk or
 * a failing write would), while the engine runs on its own connection. The pasted secret's test request goes over
 * real HTTP to a BoxWatch emulator's GET /auth/me.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BoxWatchEmulator, startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { DATABASE_FILE } from '../../electron/core/paths.js';
import { hasIsolatedKeychain } from '../support/cli.js';

const DAY_MS = 86_400_000;

describe.skipIf(!hasIsolatedKeychain)('a key recorded with its secret commits with its audit event, or not at all', () => {
  let home: string;
  let engine: KeywardenEngine;
  let target: BoxWatchEmulator;
  let account: string;

  beforeAll(async () => {
    // The manual key's test request goes here: any API that answers 200 to a good key.
    target = await startBoxWatchEmulator();
    account = target.state.addAccount('ops@acme.example').id;
  });
  afterAll(() => target.emulator.close());

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-key-with-secret-'));
    engine = KeywardenEngine.open({ home });
    await engine.addBackend({ name: 'hand', type: 'manual' });
  });

  afterEach(async () => {
    await engine.resetVault();
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** Makes every write of an audit event with this action fail, from another connection on the same file. */
  function refuseAuditOf(action: string): { lift: () => void } {
    const db = new Database(join(home, DATABASE_FILE));
    db.exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit WHEN NEW.action = '${action}' BEGIN SELECT RAISE(ABORT, 'audit write failed (test)'); END`);
    return {
      lift: () => {
        db.exec('DROP TRIGGER refuse_audit');
        db.close();
      },
    };
  }

  function addMonitoringKey(secret: string) {
    return engine.addManualKey('hand', {
      name: 'Monitoring',
      createdAt: new Date(Date.now() - 80 * DAY_MS).toISOString().slice(0, 10),
      expiresAt: new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10),
      secret,
      test: { url: `${target.emulator.url}/auth/me`, header: 'Authorization', valueTemplate: 'Bearer {secret}', expectStatus: 200, allowPrivateNetwork: true },
    });
  }

  it('a manual key whose audit event cannot be written is not added, secret and all; once it can, it is', async () => {
    const old = target.state.issueKey(account, 'old', { allowSecond: true });
    const refused = refuseAuditOf('key.add');
    await expect(addMonitoringKey(old.secret)).rejects.toThrow(/audit write failed/);
    expect(engine.listKeys({ backend: 'hand' })).toEqual([]);
    refused.lift();

    const key = await addMonitoringKey(old.secret);
    expect(await engine.reveal(key.ref)).toBe(old.secret);
    expect(engine.auditTrail({ action: 'key.add' }).map((event) => [event.ref, event.detail])).toEqual([[key.ref, 'secret cached encrypted']]);
  });

  it("a manual key's edit whose audit event cannot be written changes nothing", async () => {
    const key = await addMonitoringKey(target.state.issueKey(account, 'old', { allowSecond: true }).secret);
    const refused = refuseAuditOf('key.edit');
    await expect(engine.updateManualKey(key.ref, { expiresAt: null, rotateEveryDays: 30 })).rejects.toThrow(/audit write failed/);
    refused.lift();
    expect(engine.getKey(key.ref)).toMatchObject({ expiresAt: key.expiresAt, createdAt: key.createdAt });
    expect(engine.auditTrail({ action: 'key.edit' })).toEqual([]);
  });

  it("a pasted rotation secret is stored with its key's new dates and its audit event, or the key keeps its old secret", async () => {
    const old = target.state.issueKey(account, 'old', { allowSecond: true });
    const fresh = target.state.issueKey(account, 'new', { allowSecond: true });
    const key = await addMonitoringKey(old.secret);
    const started = await engine.startRotation(key.ref);
    expect(started.rotation).toMatchObject({ state: 'waiting', currentStep: 'paste-new' });

    // The new secret passes its test (real HTTP), then recording it fails at its audit event.
    const refused = refuseAuditOf('key.edit');
    await expect(engine.advanceRotation(started.rotation.id, { action: 'secret', secret: fresh.secret })).rejects.toThrow(/audit write failed/);
    refused.lift();
    expect(await engine.reveal(key.ref)).toBe(old.secret);
    expect(engine.getKey(key.ref)).toMatchObject({ createdAt: key.createdAt, expiresAt: key.expiresAt });
    expect((await engine.getRotation(started.rotation.id)).steps.find((step) => step.name === 'record-dates')?.status).not.toBe('done');
    expect(engine.auditTrail({ action: 'key.edit' })).toEqual([]);

    // Resumed once the trail can be written: the new secret, its dates and the event, together.
    const resumed = await engine.advanceRotation(started.rotation.id, { action: 'continue' });
    expect(resumed.rotation.steps.find((step) => step.name === 'record-dates')?.status).toBe('done');
    expect(await engine.reveal(key.ref)).toBe(fresh.secret);
    expect(engine.auditTrail({ action: 'key.edit' }).map((event) => event.detail)).toEqual([expect.stringMatching(new RegExp(`^rotation ${started.rotation.id}: new secret, created `))]);
  });
});
