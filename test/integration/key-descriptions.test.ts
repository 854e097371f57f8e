/**
 * What an administrator says about a key (owner, environment, tags, notes) is Keywarden's own record: written for any
 * key with its audit event, kept by every sync, searched, carried over to the key that replaces it, and never sent to
 * a vendor. Real SQLite file, real keychain, real HTTP to the CommBox emulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCommBoxEmulator } from '../../electron/core/backends/commbox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { hasIsolatedKeychain } from '../support/cli.js';

describe.skipIf(!hasIsolatedKeychain)('key descriptions', () => {
  let home: string;
  let engine: KeywardenEngine;
  const closers: Array<() => Promise<void>> = [];

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-describe-'));
    engine = KeywardenEngine.open({ home });
  });

  afterEach(async () => {
    await engine.resetVault();
    await engine.close();
    for (const close of closers.splice(0)) await close();
    rmSync(home, { recursive: true, force: true });
  });

  async function commBox() {
    const started = await startCommBoxEmulator();
    closers.push(() => started.emulator.close());
    const active = started.state.issueActiveKey('Production');
    await engine.addBackend({ name: 'cb', type: 'commbox', url: started.emulator.url, credential: started.state.addAdminToken() });
    expect((await engine.sync(['cb'])).ok).toBe(true);
    return { ...started, ref: `cb/${active.key.id}` };
  }

  it("describes a vendor's key, keeps the description through every sync, and audits what changed", async () => {
    const { ref, emulator } = await commBox();
    const requestsBefore = emulator.requestLog.length;
    const key = await engine.describeKey(ref, { owner: 'Ana Lima', environment: 'prod', addTags: ['billing', 'pci'], notes: 'Invoice job.\nAsk Ana first.' });
    expect(key).toMatchObject({ owner: 'Ana Lima', environment: 'prod', tags: ['billing', 'pci'], notes: 'Invoice job.\nAsk Ana first.' });
    // Keywarden's own record: no vendor was asked.
    expect(emulator.requestLog.length).toBe(requestsBefore);

    expect((await engine.sync(['cb'])).ok).toBe(true);
    expect(engine.getKey(ref)).toMatchObject({ owner: 'Ana Lima', environment: 'prod', tags: ['billing', 'pci'] });

    const events = engine.auditTrail({ action: 'key.describe' });
    expect(events.map((event) => [event.ref, event.detail])).toEqual([[ref, 'owner Ana Lima; environment prod; tags +billing +pci; notes changed']]);
    // A change that changes nothing writes nothing, not even an event.
    await engine.describeKey(ref, { owner: 'Ana Lima', addTags: ['billing'] });
    expect(engine.auditTrail({ action: 'key.describe' })).toHaveLength(1);
  });

  it('finds keys by owner, environment, tag and notes in the same search as names', async () => {
    await engine.addBackend({ name: 'hand', type: 'manual' });
    const stripe = await engine.addManualKey('hand', { name: 'Payments', vendor: 'Stripe', description: { owner: 'Ana', addTags: ['pci'] } });
    const sms = await engine.addManualKey('hand', { name: 'SMS', description: { environment: 'staging', notes: 'paging for the on-call rota' } });
    const names = (search: string) => engine.listKeys({ search }).map((key) => key.ref);
    expect(names('ana')).toEqual([stripe.ref]);
    expect(names('pci')).toEqual([stripe.ref]);
    expect(names('staging')).toEqual([sms.ref]);
    expect(names('on-call')).toEqual([sms.ref]);
    // Added with its description in one event.
    expect(engine.auditTrail({ action: 'key.add' }).find((event) => event.ref === stripe.ref)?.detail).toBe('no secret; owner Ana; tags +pci');
  });

  it('a CommBox revoke gives the replacement the description of the key it replaces', async () => {
    const { ref, state } = await commBox();
    await engine.describeKey(ref, { owner: 'Ana Lima', addTags: ['prod'], notes: 'billing' });
    const result = await engine.revokeKey(ref, { validityDays: 90 });
    const replacement = state.activeKey()!;
    expect(result.replacement?.key.ref).toBe(`cb/${replacement.id}`);
    expect(engine.getKey(`cb/${replacement.id}`)).toMatchObject({ owner: 'Ana Lima', tags: ['prod'], notes: 'billing' });
    // And links to it, both ways: the key detail's "Replaces" and "Replaced by", named with their prefixes.
    const oldKey = engine.getKey(ref);
    const newKey = engine.getKey(`cb/${replacement.id}`);
    expect(engine.keyLineage(newKey.ref)).toEqual({ replaces: { ref, name: 'Production', prefix: oldKey.prefix, inInventory: true }, replacedBy: null });
    expect(engine.keyLineage(ref)).toEqual({ replaces: null, replacedBy: { ref: newKey.ref, name: newKey.name, prefix: newKey.prefix, inInventory: true } });
    expect(await engine.keyFacts(newKey.ref)).toContainEqual({ label: 'Replaces', value: `Production (${oldKey.prefix})`, key: expect.objectContaining({ ref }) });
    expect(await engine.keyFacts(ref)).toContainEqual({ label: 'Replaced by', value: `${newKey.name} (${newKey.prefix})`, key: expect.objectContaining({ ref: newKey.ref }) });
  });

  it('an unknown key or a description that does not fit is refused, and nothing stored changes', async () => {
    const { ref } = await commBox();
    await engine.describeKey(ref, { owner: 'Ana' });
    await expect(engine.describeKey(ref, { owner: 'Bo', tags: ['two words'] })).rejects.toThrow(/not one word/);
    expect(engine.getKey(ref).owner).toBe('Ana');
    await expect(engine.describeKey('cb/nope', { owner: 'Bo' })).rejects.toThrow(/nope/);
  });

  it('changes many keys at once (keys:bulk): every key matching a query but those unticked, one audit event per key, refusals with their reason', async () => {
    await engine.addBackend({ name: 'hand', type: 'manual' });
    const due = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const keys = [];
    for (const name of ['Payments eu', 'Payments us', 'Payments apac', 'Ledger']) keys.push(await engine.addManualKey('hand', { name, ...(name === 'Payments apac' ? {} : { expiresAt: due }) }));
    const [eu, us, apac, ledger] = keys.map((key) => key.ref);
    const tagged = await engine.bulkChange({ query: { search: 'payments' }, except: [us!] }, { action: 'tag', tags: ['pci'] });
    expect(tagged).toMatchObject({ keys: 2, ok: 2, unchanged: 0, refused: 0, truncated: false });
    expect(
      engine
        .listKeys({ search: 'tag:pci' })
        .map((key) => key.ref)
        .sort(),
    ).toEqual([eu, apac].sort());
    expect(
      engine
        .auditTrail({ action: 'key.describe' })
        .map((event) => event.ref)
        .sort(),
    ).toEqual([eu, apac].sort());
    // Again: nothing changes, nothing is written.
    expect(await engine.bulkChange({ refs: [eu!, apac!] }, { action: 'tag', tags: ['PCI'] })).toMatchObject({ ok: 0, unchanged: 2 });
    expect(engine.auditTrail({ action: 'key.describe' })).toHaveLength(2);
    expect(await engine.bulkChange({ refs: [eu!, ledger!] }, { action: 'owner', owner: 'Ana Lima' })).toMatchObject({ ok: 2 });
    expect(
      engine
        .listKeys({ search: 'owner:ana' })
        .map((key) => key.ref)
        .sort(),
    ).toEqual([eu, ledger].sort());
    // A snooze needs something due: the key without a date is refused, with the reason, and the others are snoozed.
    const snoozed = await engine.bulkChange({ query: { search: 'payments' }, except: [] }, { action: 'snooze', days: 7 });
    expect(snoozed).toMatchObject({ keys: 3, ok: 2, refused: 1 });
    expect(snoozed.results[0]).toMatchObject({ ref: apac, outcome: 'refused', detail: `${apac} has no reminder to snooze (nothing is due for it)` });
    // A tag that is not one word refuses the whole action before any key is written.
    await expect(engine.bulkChange({ refs: [ledger!] }, { action: 'tag', tags: ['two words'] })).rejects.toThrow(/is not one word/);
    expect(engine.getKey(ledger!).tags).toEqual([]);
  });
});
