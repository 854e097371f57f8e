/**
 * Guided rotation when a step's outcome stays unknown, against the real emulators on loopback: the answer to a
 * create, revoke or delete is lost *and* the re-listing fails, so the step is left `unknown`. Resuming must re-list
 * first and record what the vendor did; it must never send the create or revoke again (counted at the emulator),
 * nor ask again for a confirmation already given. And a new key that failed its test is tested again on resume,
 * never skipped. Each case was a bug injected into the engine that no test caught (the last two by the mutation
 * check, tools/mutate); these pin the rules (workflows/vendor-changes.ts, rotation/steps.ts, rotation/workflow.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommBoxEmulator, startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';

const HTTP = { responseTimeoutMs: 3000, connectTimeoutMs: 2000, baseBackoffMs: 5, maxAttempts: 1 };
const count = (log: readonly string[], line: string) => log.filter((entry) => entry === line).length;

describe.skipIf(!hasIsolatedKeychain)('a rotation step whose outcome stays unknown, resumed', () => {
  let home: string;
  let engine: KeywardenEngine;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-rotation-reconcile-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
  });

  afterEach(async () => {
    await engine.resetVault();
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  describe('Nitrobox create', () => {
    let nitrobox: NitroboxEmulator;
    beforeEach(async () => {
      nitrobox = await startNitroboxEmulator();
      nitrobox.state.seedClient('billing-sync');
      await engine.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: nitrobox.state.addUser('admin@acme.example', { role: true }) });
      expect((await engine.sync(['nb'])).ok).toBe(true);
    });
    afterEach(() => nitrobox.emulator.close());

    it('answer lost and re-list failed: the step is unknown; resuming re-lists, finds the client and never creates a second one', async () => {
      nitrobox.emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: '/api/v1/api-keys' });
      nitrobox.emulator.addFault({ kind: 'status', status: 503, method: 'GET', pathPrefix: '/api/v1/api-keys', times: 1 });
      const started = await engine.startRotation('nb/billing-sync', { newName: 'billing-sync-next' });
      expect(started.rotation.state).toBe('blocked');
      expect(started.rotation.steps.find((step) => step.name === 'create-new')?.status).toBe('unknown');
      expect(started.rotation.problem).toMatch(/outcome is unknown and re-listing failed/);
      expect(count(nitrobox.emulator.requestLog, 'POST /api/v1/api-keys')).toBe(1);

      // The list works again: resuming looks before it sends, and the vendor's list says the create happened.
      const resumed = await engine.advanceRotation(started.rotation.id, { action: 'continue' });
      expect(count(nitrobox.emulator.requestLog, 'POST /api/v1/api-keys')).toBe(1);
      expect(resumed.rotation.problem).toMatch(/created "billing-sync-next".*can never be recovered/);
      expect(nitrobox.state.clients.map((client) => client.clientId).sort()).toEqual(['billing-sync', 'billing-sync-next']);
    });
    it('a new key that failed its test is tested again on resume, never stepped over', async () => {
      nitrobox.emulator.addFault({ kind: 'status', status: 401, method: 'POST', pathPrefix: '/oauth/token', times: 1 });
      const started = await engine.startRotation('nb/billing-sync', { newName: 'billing-sync-next' });
      expect(started.rotation.state).toBe('blocked');
      expect(started.rotation.steps.find((step) => step.name === 'test-new')?.status).toBe('failed');
      expect(started.rotation.problem).toMatch(/failed its test/);

      const resumed = await engine.advanceRotation(started.rotation.id, { action: 'continue' });
      expect(count(nitrobox.emulator.requestLog, 'POST /oauth/token')).toBe(2);
      expect(resumed.rotation.steps.find((step) => step.name === 'test-new')?.status).toBe('done');
      expect(resumed.rotation).toMatchObject({ state: 'waiting', currentStep: 'switch-consumers' });
    });

    it('the delete of the old client: answer lost and re-list failed; resuming re-lists and finishes, without asking again', async () => {
      const started = await engine.startRotation('nb/billing-sync', { newName: 'billing-sync-next' });
      expect(started.rotation).toMatchObject({ state: 'waiting', currentStep: 'switch-consumers' });
      const id = started.rotation.id;
      expect((await engine.advanceRotation(id, { action: 'confirm' })).rotation).toMatchObject({ state: 'waiting', currentStep: 'delete-old' });
      nitrobox.emulator.addFault({ kind: 'lost-reply', method: 'DELETE', pathPrefix: '/api/v1/api-keys/billing-sync' });
      nitrobox.emulator.addFault({ kind: 'status', status: 503, method: 'GET', pathPrefix: '/api/v1/api-keys', times: 1 });
      const confirmed = await engine.advanceRotation(id, { action: 'confirm' });
      expect(confirmed.rotation.state).toBe('blocked');
      expect(confirmed.rotation.steps.find((step) => step.name === 'delete-old')?.status).toBe('unknown');
      expect(nitrobox.state.findClient('billing-sync')).toBeNull();

      // The administrator confirmed once already: resuming only looks, and the list says the client is gone.
      const resumed = await engine.advanceRotation(id, { action: 'continue' });
      expect(resumed.rotation).toMatchObject({ state: 'done', currentStep: null });
      expect(count(nitrobox.emulator.requestLog, 'DELETE /api/v1/api-keys/billing-sync')).toBe(1);
      expect(engine.listKeys({ backend: 'nb' }).map((key) => key.id)).toEqual(['billing-sync-next']);
    });
  });

  describe('CommBox revoke', () => {
    let commbox: CommBoxEmulator;
    let oldId: string;
    beforeEach(async () => {
      commbox = await startCommBoxEmulator();
      oldId = commbox.state.issueActiveKey('Production', { validityDays: 365 }).key.id;
      await engine.addBackend({ name: 'cb', type: 'commbox', url: commbox.emulator.url, credential: commbox.state.addAdminToken() });
      expect((await engine.sync(['cb'])).ok).toBe(true);
    });
    afterEach(() => commbox.emulator.close());

    it('answer lost and re-list failed: resuming re-lists, records the revoke and the replacement, and never revokes again', async () => {
      commbox.emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: `/v1/api-keys/${oldId}/revoke` });
      commbox.emulator.addFault({ kind: 'status', status: 503, method: 'GET', pathPrefix: '/v1/api-keys', times: 1 });
      const started = await engine.startRotation(`cb/${oldId}`, { validityDays: 90 });
      expect(started.rotation.steps.find((step) => step.name === 'revoke-old')?.status).toBe('unknown');
      expect(count(commbox.emulator.requestLog, `POST /v1/api-keys/${oldId}/revoke`)).toBe(1);

      const resumed = await engine.advanceRotation(started.rotation.id, { action: 'continue' });
      expect(count(commbox.emulator.requestLog, `POST /v1/api-keys/${oldId}/revoke`)).toBe(1);
      const replacement = commbox.state.activeKey()!;
      expect(resumed.rotation.steps.find((step) => step.name === 'revoke-old')?.status).toBe('done');
      expect(resumed.rotation.newRef).toBe(`cb/${replacement.id}`);
      expect(await engine.reveal(`cb/${replacement.id}`)).toBe(replacement.secret);
      expect(engine.auditTrail({ action: 'revoke', ref: `cb/${oldId}` }).map((event) => event.outcome)).toEqual(['unknown', 'ok']);
    });

    it('a replacement found by re-listing takes over the old key as one whose answer arrived: description, and the link both ways', async () => {
      await engine.describeKey(`cb/${oldId}`, { owner: 'Ana Lima', addTags: ['prod'] });
      commbox.emulator.addFault({ kind: 'lost-reply', method: 'POST', pathPrefix: `/v1/api-keys/${oldId}/revoke` });
      const started = await engine.startRotation(`cb/${oldId}`, { validityDays: 90 });
      const replacement = commbox.state.activeKey()!;
      expect(started.rotation.newRef).toBe(`cb/${replacement.id}`);
      expect(engine.getKey(`cb/${replacement.id}`)).toMatchObject({ owner: 'Ana Lima', tags: ['prod'] });
      expect(engine.keyLineage(`cb/${replacement.id}`).replaces).toMatchObject({ ref: `cb/${oldId}`, name: 'Production', inInventory: true });
      expect(engine.keyLineage(`cb/${oldId}`).replacedBy).toMatchObject({ ref: `cb/${replacement.id}`, inInventory: true });
    });
  });
});
