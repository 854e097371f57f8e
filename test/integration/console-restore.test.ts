/**
 * The console's backups, restore and passphrase change, through the contract handlers the console's HTTP API serves,
 * on real SQLite files: a restore while the engine holds the database open brings back the backup's inventory,
 * backs the state it replaces up first (restoring that backup undoes the restore), is audited in the restored
 * trail, and is refused with nothing changed while another process has the database open. Changing the passphrase
 * needs the current one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContractHandlers } from '../../shared/contract.js';
import type { ContractEventSink } from '../../electron/core/contract-handlers.js';
import { createContractHandlers } from '../../electron/core/contract-handlers.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { memoryKeychain } from '../support/memory-keychain.js';

describe('restoring a backup from the console, with the engine open', () => {
  let home: string;
  let engine: KeywardenEngine;
  let handlers: ContractHandlers;
  let lockEvents: boolean[];
  const keychain = memoryKeychain();
  const names = () =>
    engine
      .listKeys({})
      .map((key) => key.name)
      .sort();

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-console-restore-'));
    engine = KeywardenEngine.open({ home, keychain });
    lockEvents = [];
    const sink = {
      onSyncProgress: () => {},
      onInventoryChanged: () => {},
      onRemindersChanged: () => {},
      onLockChanged: (state) => lockEvents.push(state.locked),
      onOpenKey: () => {},
      onRotationChanged: () => {},
    } satisfies ContractEventSink;
    handlers = createContractHandlers(engine, sink, { info: () => ({ host: 'browser', home, demo: false, demoAvailable: false }), version: '9.9.9' });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Mailer', expiresAt: '2027-03-01', secret: randomBytes(16).toString('hex') });
    await engine.addManualKey('hand', { name: 'Billing', expiresAt: '2027-04-01' });
  });

  afterEach(async () => {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('brings back the old inventory, backs up the state it replaces first, and is audited in the restored trail', async () => {
    await handlers['store:backup']();
    const [made] = await handlers['store:backups']();
    expect(made).toMatchObject({ reason: 'manual', keys: 2, backends: 1, problem: null });
    expect(made!.schema).toBeGreaterThan(0);

    // After the backup: one key added, one deleted.
    await engine.addManualKey('hand', { name: 'Webhook', expiresAt: '2027-05-01' });
    await handlers['key:delete'](engine.listKeys({}).find((key) => key.name === 'Mailer')!.ref);
    expect(names()).toEqual(['Billing', 'Webhook']);

    const restored = await handlers['store:restore']({ name: made!.name });
    expect(restored.restoredFrom.name).toBe(made!.name);
    expect(restored.before.reason).toBe('before-restore');
    expect(restored.keys).toBe(2);
    // The engine answers from the restored database: the old inventory, the deleted key's secret with it.
    expect(names()).toEqual(['Billing', 'Mailer']);
    expect(await engine.reveal(engine.listKeys({}).find((key) => key.name === 'Mailer')!.ref)).toMatch(/^[0-9a-f]{32}$/);
    const restoreEvent = engine.auditTrail({ action: 'store.restore' }).at(-1);
    expect(restoreEvent).toMatchObject({ outcome: 'ok' });
    expect(restoreEvent!.detail).toContain(made!.name);
    expect(restoreEvent!.detail).toContain(restored.before.name);
    // The restored trail still verifies, the restore's event chained onto it.
    expect(await handlers['audit:verify']()).toMatchObject({ ok: true });

    // The state before the restore was backed up first: restoring that backup undoes the restore.
    const listed = await handlers['store:backups']();
    const before = listed.find((backup) => backup.name === restored.before.name);
    expect(before).toMatchObject({ reason: 'before-restore', keys: 2 });
    await handlers['store:restore']({ name: restored.before.name });
    expect(names()).toEqual(['Billing', 'Webhook']);
    // Writes go on in the reopened database.
    await engine.addManualKey('hand', { name: 'After', expiresAt: '2027-06-01' });
    expect(names()).toEqual(['After', 'Billing', 'Webhook']);
  });

  it('keeps Keywarden locked through a restore, and tells the console the lock state', async () => {
    await handlers['store:backup']();
    const [made] = await handlers['store:backups']();
    await handlers['vault:lock']();
    lockEvents = [];
    await handlers['store:restore']({ name: made!.name });
    expect(engine.lockState().locked).toBe(true);
    expect(lockEvents).toEqual([true]);
  });

  it('is refused with nothing changed while another process holds the database open, and the engine goes on', async () => {
    await handlers['store:backup']();
    const [made] = await handlers['store:backups']();
    await engine.addManualKey('hand', { name: 'Webhook', expiresAt: '2027-05-01' });
    const other = KeywardenEngine.open({ home, keychain });
    try {
      other.listKeys({});
      await expect(handlers['store:restore']({ name: made!.name })).rejects.toMatchObject({ code: 'store_busy' });
    } finally {
      await other.close();
    }
    expect(names()).toEqual(['Billing', 'Mailer', 'Webhook']);
    expect(engine.auditTrail({ action: 'store.restore' }).at(-1)).toMatchObject({ outcome: 'failed' });
    expect(existsSync(join(home, 'keywarden.db'))).toBe(true);
  });

  it('restores only a rolling backup named by its file name', async () => {
    await expect(handlers['store:restore']({ name: '../keywarden.db' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(handlers['store:restore']({ name: 'keywarden-2020-01-01T00-00-00-000Z-manual.db' })).rejects.toMatchObject({ code: 'not_found' });
    expect(names()).toEqual(['Billing', 'Mailer']);
  });

  it('exports the evidence pack as JSON with the chain verdict', async () => {
    const evidence = await handlers['audit:evidence']();
    expect(evidence).toMatchObject({ keys: 2, verified: true });
    const pack = JSON.parse(evidence.content) as { keywardenVersion: string; auditChain: { verified: boolean } };
    expect(pack.keywardenVersion).toBe('9.9.9');
    expect(pack.auditChain.verified).toBe(true);
  });

  it('changes the passphrase only with the current one', async () => {
    const first = `${randomBytes(9).toString('base64url')} first`;
    const second = `${randomBytes(9).toString('base64url')} second`;
    expect((await handlers['vault:passphrase']({ passphrase: first })).unlockWith).toBe('passphrase');
    await expect(handlers['vault:passphrase']({ passphrase: second })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(handlers['vault:passphrase']({ passphrase: second, current: 'not the passphrase' })).rejects.toThrow(/current passphrase is not right/);
    await handlers['vault:passphrase']({ passphrase: second, current: first });
    await handlers['vault:lock']();
    await expect(handlers['vault:unlock']({ passphrase: first })).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await handlers['vault:unlock']({ passphrase: second })).locked).toBe(false);
    const trail = JSON.stringify(engine.auditTrail({}));
    expect(trail).not.toContain(first);
    expect(trail).not.toContain(second);
    expect(engine.auditTrail({ action: 'vault.add-passphrase' }).map((event) => event.outcome)).toEqual(['ok', 'failed', 'ok']);
  });
});
