/**
 * What the console's forms rely on from the engine: every refusal of a manual key's add or edit, and of a description,
 * names the field it is about (`details.field`, through the contract), so the form shows the engine's own message
 * under that field and never restates a rule; and a key's consumers are the list its open rotation ticks off.
 * Real SQLite file, real keychain, the contract's own pipeline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildContractClient, type ContractClient } from '../../shared/contract.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { KeywardenError } from '../../electron/core/errors.js';
import type { ManualKeyInput } from '../../electron/core/workflows/keys.js';
import { hasIsolatedKeychain } from '../support/cli.js';

describe.skipIf(!hasIsolatedKeychain)('manual key forms: refusals that name their field, and consumers', () => {
  let home: string;
  let engine: KeywardenEngine;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-keyform-'));
    engine = KeywardenEngine.open({ home });
    await engine.addBackend({ name: 'hand', type: 'manual' });
  });

  afterEach(async () => {
    await engine.resetVault();
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function refusal(run: () => Promise<unknown>): Promise<{ field: unknown; message: string }> {
    try {
      await run();
    } catch (error) {
      expect(error).toBeInstanceOf(KeywardenError);
      const typed = error as KeywardenError;
      expect(['invalid_input', 'insecure_url']).toContain(typed.code);
      return { field: typed.details.field, message: typed.message };
    }
    throw new Error('expected a refusal');
  }

  const template = { url: 'https://api.example.com/v1/me', header: 'Authorization', valueTemplate: 'Bearer {secret}', expectStatus: 200 };
  const cases: Array<[string, ManualKeyInput, string, RegExp]> = [
    ['a created day not on the calendar', { name: 'k', createdAt: '2027-02-30' }, 'createdAt', /February 2027 has 28 days/],
    ['an expiry before the created day', { name: 'k', createdAt: '2027-03-01', expiresAt: '2027-02-01' }, 'expiresAt', /after the created date/],
    ['an expiry that is not a date', { name: 'k', expiresAt: 'next week' }, 'expiresAt', /is not a date/],
    ['both an expiry and an interval', { name: 'k', expiresAt: '2027-02-01', rotateEveryDays: 90 }, 'expiresAt', /not both/],
    ['an interval out of range', { name: 'k', rotateEveryDays: 0 }, 'rotateEveryDays', /whole number of days/],
    ['a plain-http test URL', { name: 'k', secret: 's'.repeat(20), test: { ...template, url: 'http://api.example.com/' } }, 'testUrl', /plain http/],
    ['a header the client controls', { name: 'k', secret: 's'.repeat(20), test: { ...template, header: 'Host' } }, 'testHeader', /cannot be "Host"/],
    ['a header value without {secret}', { name: 'k', secret: 's'.repeat(20), test: { ...template, valueTemplate: 'Bearer' } }, 'testValue', /\{secret\}/],
    ['a test without the secret', { name: 'k', test: template }, 'secret', /sends the key itself/],
    ['a tag of two words', { name: 'k', description: { tags: ['two words'] } }, 'tags', /not one word/],
    ['an owner on two lines', { name: 'k', description: { owner: 'Ana\nLima' } }, 'owner', /one line/],
  ];

  it.each(cases)('refuses %s, names the field, and adds nothing', async (_what, input, field, message) => {
    const refused = await refusal(() => engine.addManualKey('hand', input));
    expect(refused.field).toBe(field);
    expect(refused.message).toMatch(message);
    expect(engine.listKeys({ backend: 'hand' })).toHaveLength(0);
  });

  it('names the field through the contract, as the console receives it', async () => {
    const { createContractHandlers } = await import('../../electron/core/contract-handlers.js');
    const { invokeContract } = await import('../../electron/core/contract-pipeline.js');
    const rotationEvents: number[] = [];
    const handlers = createContractHandlers(
      engine,
      {
        onSyncProgress: () => {},
        onInventoryChanged: () => {},
        onRemindersChanged: () => {},
        onLockChanged: () => {},
        onOpenKey: () => {},
        onRotationChanged: (change) => rotationEvents.push(change.id),
      },
      { info: () => ({ host: 'browser', home, demo: false, demoAvailable: false }) },
    );
    const client: ContractClient = buildContractClient({
      async invoke(method, args) {
        const answer = await invokeContract(handlers, method, args, { detailsAt: 'the test' });
        if (answer.ok) return answer.value;
        throw Object.assign(new Error(answer.error.message), { code: answer.error.code, details: answer.error.details });
      },
    });
    await expect(client['manual:add']('hand', { name: 'k', createdAt: '2027-03-01', expiresAt: '2027-02-28' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'expiresAt' },
    });
    // Refused by the contract's schema before the engine: the field is named all the same.
    await expect(client['manual:add']('hand', { name: 'k', rotateEveryDays: 0 })).rejects.toMatchObject({ details: { field: 'rotateEveryDays' } });
    await expect(
      client['manual:add']('hand', { name: 'k', secret: 's'.repeat(20), test: { url: 'https://x.example', header: 'A', valueTemplate: '{secret}', expectStatus: 99 } }),
    ).rejects.toMatchObject({ details: { field: 'test.expectStatus' } });
    const key = await client['manual:add']('hand', { name: 'k', expiresAt: '2099-01-01' });
    await expect(client['manual:edit'](key.ref, { expiresAt: '2099-13-01' })).rejects.toMatchObject({ details: { field: 'expiresAt' } });
    await expect(client['key:describe'](key.ref, { addTags: ['a,b'] })).rejects.toMatchObject({ details: { field: 'tags' } });
    expect((await client['key:show'](key.ref)).expiresAt).toBe('2099-01-01');
    // Consumers through the contract: no open rotation, so no rotation event.
    expect(await client['consumers:set'](key.ref, [' CI ', 'Reports'])).toEqual(['CI', 'Reports']);
    expect(await client['consumers:list'](key.ref)).toEqual(['CI', 'Reports']);
    expect(rotationEvents).toEqual([]);
  });

  it("edits a key's consumers, and its open rotation ticks off the same list (a tick kept for a name kept)", async () => {
    const key = await engine.addManualKey('hand', { name: 'Billing', expiresAt: '2099-01-01', secret: 'sk_live_0123456789abcdef' });
    expect(await engine.setKeyConsumers(key.ref, ['CI', 'Billing job'])).toEqual(['CI', 'Billing job']);
    const started = await engine.startRotation(key.ref, {});
    const id = started.rotation.id;
    const consumersOf = async () => (await engine.listRotations({ all: true })).find((rotation) => rotation.id === id)!.consumers.map((c) => c.name);
    expect((await consumersOf()).sort()).toEqual(['Billing job', 'CI']);

    expect(await engine.setKeyConsumers(key.ref, ['CI', 'Reports'])).toEqual(['CI', 'Reports']);
    expect(await engine.keyConsumers(key.ref)).toEqual(['CI', 'Reports']);
    expect((await consumersOf()).sort()).toEqual(['CI', 'Reports']);
    expect(engine.auditTrail({ action: 'key.consumers' }).map((event) => event.detail)).toEqual(['CI, Billing job', 'CI, Reports']);
  });
});
