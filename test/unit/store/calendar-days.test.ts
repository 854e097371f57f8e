/**
 * A day typed without a time ("expires 2026-12-07") is stored as that calendar day, and the store's own
 * comparisons (a manual key's derived "expired", the overdue and due-within filters, the console's due counts, the
 * reminder scan) must read it as that day where Keywarden runs: from the first moment of the 7th local time. Compared
 * as text with an ISO instant it would be UTC midnight: expired on the evening of the 6th in Los Angeles, still valid
 * on the morning of the 7th in Auckland. Real SQLite file, the engine's clock moved by the test, the zone set in TZ.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenEngine } from '../../../electron/core/engine.js';

describe.each([
  // 17:00 on the 6th in Los Angeles is already the 7th in UTC; 08:00 on the 7th in Auckland is still the 6th in UTC.
  { zone: 'America/Los_Angeles', eveningBefore: '2026-12-07T01:00:00.000Z', morningOf: '2026-12-07T08:30:00.000Z' },
  { zone: 'Pacific/Auckland', eveningBefore: '2026-12-06T04:00:00.000Z', morningOf: '2026-12-06T19:30:00.000Z' },
])('a key expiring on 2026-12-07, read in $zone', ({ zone, eveningBefore, morningOf }) => {
  const savedTz = process.env.TZ;
  let home: string;
  let clock: Date;
  let engine: KeywardenEngine;

  beforeAll(() => {
    process.env.TZ = zone;
  });
  afterAll(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  afterEach(async () => {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function keyExpiringOnThe7th(): Promise<string> {
    home = mkdtempSync(join(tmpdir(), 'keywarden-days-'));
    clock = new Date('2026-11-01T12:00:00.000Z');
    engine = KeywardenEngine.open({ home, now: () => clock });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    const key = await engine.addManualKey('hand', { name: 'Stripe prod', createdAt: '2026-10-01', expiresAt: '2026-12-07' });
    expect(key.expiresAt).toBe('2026-12-07');
    return key.ref;
  }

  it('is still active, due tomorrow and not overdue on the evening of the 6th', async () => {
    const ref = await keyExpiringOnThe7th();
    clock = new Date(eveningBefore);
    expect(clock.getDate()).toBe(6);
    expect(engine.getKey(ref).status).toBe('active');
    expect(engine.listKeys({ status: 'expired' })).toEqual([]);
    expect(engine.queryInventory({ limit: 10, overdue: true }).total).toBe(0);
    expect(engine.inventoryFacets().due).toMatchObject({ overdue: 0, within7: 1 });
    expect(engine.listKeys({ dueWithinDays: 0 })).toEqual([]);
    expect(engine.listKeys({ dueWithinDays: 1 }).map((key) => key.ref)).toEqual([ref]);
    expect(engine.reminders({ withinDays: 30 })).toMatchObject([{ ref, daysLeft: 1, threshold: 1 }]);
  });

  it('is expired and overdue from the first moment of the 7th', async () => {
    const ref = await keyExpiringOnThe7th();
    clock = new Date(morningOf);
    expect(clock.getDate()).toBe(7);
    expect(engine.getKey(ref).status).toBe('expired');
    expect(engine.listKeys({ status: 'expired' }).map((key) => key.ref)).toEqual([ref]);
    expect(engine.queryInventory({ limit: 10, overdue: true }).total).toBe(1);
    expect(engine.inventoryFacets().due).toMatchObject({ overdue: 1, within7: 0 });
    expect(engine.listKeys({ dueWithinDays: 0 }).map((key) => key.ref)).toEqual([ref]);
    expect(engine.reminders({ withinDays: 0 })).toMatchObject([{ ref, daysLeft: 0, threshold: 'overdue' }]);
  });
});
