/**
 * The contract in shared/contract.ts, end to end over an in-process transport: the same validation
 * the IPC binding will apply, in front of a real engine on a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildContractClient, CONTRACT, type ContractClient, type ContractHandlers, type ContractMethod, ContractViolation, parseContractArgs } from '../../shared/contract.js';
import { createContractHandlers } from '../../electron/core/contract-handlers.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { formatAudit } from '../../electron/core/export.js';
import { openSqlite } from '../../electron/core/store/sqlite.js';
import type { AuditEvent } from '../../shared/domain.js';

describe('the renderer contract', () => {
  let home: string;
  let engine: KeywardenEngine;
  let handlers: ContractHandlers;
  let client: ContractClient;
  const progress: unknown[] = [];
  let changes: Array<[string, unknown]> = [];

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-contract-'));
    // No secret is stored in these tests, so the keychain is never asked; a failing one proves it.
    const refusingKeychain = { get: () => Promise.reject(new Error('no keychain')), set: () => Promise.reject(new Error('no keychain')), delete: async () => false };
    engine = KeywardenEngine.open({ home, keychain: refusingKeychain });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    changes = [];
    handlers = createContractHandlers(
      engine,
      {
        onSyncProgress: (event) => progress.push(event),
        onInventoryChanged: (change) => changes.push(['inventory', change]),
        onRemindersChanged: (change) => changes.push(['reminders', change]),
        onLockChanged: (state) => changes.push(['lock', state]),
        onOpenKey: () => {},
        onRotationChanged: (change) => changes.push(['rotation', change]),
      },
      { info: () => ({ host: 'browser', home, demo: false, demoAvailable: false }) },
    );
    client = buildContractClient({
      invoke: async (method, args) => {
        const parsed = parseContractArgs(method, args);
        return (handlers[method] as (...a: unknown[]) => Promise<unknown>)(...(parsed as unknown[]));
      },
    });
  });

  afterEach(async () => {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('has a handler for every declared method and nothing else', () => {
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const method of Object.keys(CONTRACT)) expect(method).toMatch(/^[a-z]+:[a-z]+$/);
  });

  it('returns the inventory, reminders, backends and audit in the declared shapes', async () => {
    const keys = await client['inventory:list']({ search: 'stripe' });
    expect(keys.map((key) => key.name)).toEqual(['Stripe prod']);
    const [reminder] = await client['reminders:list']({});
    expect(reminder).toMatchObject({ ref: keys[0]!.ref, kind: 'expiry', threshold: 7 });
    expect((await client['backend:list']()).map((backend) => backend.name)).toEqual(['hand']);
    expect((await client['audit:list']({ limit: 10 })).map((event) => event.action)).toEqual(['backend.add', 'key.add']);
    expect(await client['key:show'](keys[0]!.ref)).toEqual(keys[0]);
  });

  it('answers the health findings as the engine computes them (health:report), options included, in the declared shape', async () => {
    // A key overdue for rotation (created 100 days ago, every 80) beside the one expiring in 5 days.
    await engine.addManualKey('hand', { name: 'Legacy webhook', createdAt: new Date(Date.now() - 100 * 86_400_000).toISOString(), rotateEveryDays: 80 });
    const report = await client['health:report']();
    // The same findings as the engine's own answer a moment later (only the time of the check differs).
    expect({ ...report, checkedAt: null }).toEqual({ ...(await engine.health()), checkedAt: null });
    expect(report.findings.map((finding) => [finding.category, finding.severity, finding.count])).toEqual([
      ['overdue', 'critical', 1],
      ['due-soon', 'warning', 1],
    ]);
    expect(report.findings[0]!.subjects[0]).toMatchObject({ name: 'Legacy webhook', backend: 'hand', detail: '20 days overdue' });
    expect(report.counts).toEqual({ critical: 1, high: 0, warning: 1, info: 0 });
    // A lead time of 3 days: the key due in 5 is no longer "due soon"; only the options given change.
    const narrow = await client['health:report']({ leadDays: 3 });
    expect(narrow.findings).toEqual((await engine.health({ leadDays: 3 })).findings);
    expect(narrow.findings.map((finding) => finding.category)).toEqual(['overdue']);
    // Locked: metadata only, so it still answers.
    await client['vault:lock']();
    expect((await client['health:report']({})).counts.critical).toBe(1);
    for (const args of [[{ leadDays: -1 }], [{ unusedDays: 0 }], [{ staleDays: 1.5 }], [{ leadDays: 4000 }], [{ verbose: true }], ['30']]) {
      expect(() => parseContractArgs('health:report', args), JSON.stringify(args)).toThrow(ContractViolation);
    }
  });

  it('answers the expiry calendar as iCalendar text (calendar:export), the same as the CLI export, never a secret', async () => {
    const [key] = await client['inventory:list']({});
    const calendar = await client['calendar:export']();
    const fromEngine = await engine.expiryCalendar();
    // The CLI's file, but for its time stamp; lines unfolded (RFC 5545 folds long ones) before looking inside.
    const stamped = (text: string) => text.replace(/^DTSTAMP:.*$/gm, 'DTSTAMP');
    expect(stamped(calendar.content)).toBe(stamped(fromEngine.text));
    expect(calendar.events).toBe(fromEngine.events);
    expect(calendar.events).toBe(1);
    expect(calendar.content.startsWith('BEGIN:VCALENDAR')).toBe(true);
    expect(calendar.content).toContain('BEGIN:VEVENT');
    expect(calendar.content).toContain('Stripe prod');
    expect(calendar.content.replace(/\r\n /g, '')).toContain(`Reference: ${key!.ref}`);
    expect(() => parseContractArgs('calendar:export', [{ includeSecrets: true }])).toThrow(ContractViolation);
  });

  it('makes a backup into the rolling set and lists it (store:backup, store:backups), in the declared shapes', async () => {
    expect(await client['store:backups']()).toEqual([]);
    const made = await client['store:backup']();
    expect(made.path).toMatch(new RegExp(`^${home}/backups/keywarden-.*-manual\\.db$`));
    const listed = await client['store:backups']();
    expect(listed).toEqual([
      {
        path: made.path,
        name: expect.stringMatching(/^keywarden-/),
        createdAt: expect.any(String),
        reason: 'manual',
        bytes: expect.any(Number),
        schema: expect.any(Number),
        backends: 1,
        keys: 1,
        problem: null,
      },
    ]);
    expect(CONTRACT['store:backups'].result.safeParse(listed).success).toBe(true);
  });

  it("says which actions a key allows, with the engine's reason in place of each one it does not", async () => {
    const [key] = await client['inventory:list']({});
    const actions = await client['key:actions'](key!.ref);
    // A manual key added without its secret: nothing to reveal or copy, and revoking happens at its vendor.
    expect(actions.reveal).toEqual({ available: false, reason: 'Keywarden holds no secret for this key: none was given when it was added' });
    expect(actions.copy).toEqual(actions.reveal);
    expect(actions.revoke).toEqual({ available: false, reason: 'revoke the key at its vendor, then delete it here' });
    // Nor a test request: Test is not offered (the reasons are read in the console: no CLI flags in them).
    expect(actions.test).toEqual({ available: false, reason: 'no test is set up for this key: it was added without a test request' });
    expect(actions.delete).toEqual({ available: true, reason: null });
    expect(await client['key:facts'](key!.ref)).toEqual([{ label: 'Vendor', value: 'Stripe' }]);
    const [backend] = await client['backend:list']();
    expect(backend!.unsupported.create).toContain('manual keys are created at their vendor');
    expect(backend!.unsupported.reveal).toBeUndefined();
  });

  it('filters the audit trail by key, backend and action, and records a copy as a copy', async () => {
    const withSecret = await client['manual:add']('hand', { name: 'Mailer', vendor: 'Mailgun' });
    // No secret to copy (and this test's keychain refuses anyway): the attempt is recorded as a failed copy.
    await expect(client['key:reveal'](withSecret.ref, { purpose: 'copy' })).rejects.toThrow(/holds no secret/);
    expect((await client['audit:list']({ ref: withSecret.ref })).map((event) => [event.action, event.outcome])).toEqual([
      ['key.add', 'ok'],
      ['copy', 'failed'],
    ]);
    expect((await client['audit:list']({ action: 'key.add' })).map((event) => event.detail ?? event.ref)).toHaveLength(2);
    expect(await client['audit:list']({ backend: 'elsewhere' })).toEqual([]);
    await expect(client['audit:list']({ action: 'DROP TABLE audit' })).rejects.toThrow(/lower-case word/);
  });

  it("verifies the audit trail's hash chain: the count and head when it holds, the first broken event when it does not", async () => {
    const held = await client['audit:verify']();
    expect(held).toMatchObject({ ok: true, events: 2, verified: 2, firstBreak: null });
    expect(held.headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(held.genesis).toMatch(/^[0-9a-f]{64}$/);
    await client['settings:set']({ clipboardClearSeconds: 20 });
    const grown = await client['audit:verify']();
    expect(grown).toMatchObject({ ok: true, events: 3 });
    expect(grown.headHash).not.toBe(held.headHash);

    // Edited outside Keywarden (another connection to the file): named by id, time and what is wrong.
    const [first] = await client['audit:list']({ limit: 1, action: 'backend.add' });
    const raw = openSqlite(join(home, 'keywarden.db'));
    try {
      raw.prepare("UPDATE audit SET os_user = 'someone-else' WHERE id = ?").run(first!.id);
    } finally {
      raw.close();
    }
    const broken = await client['audit:verify']();
    expect(broken).toMatchObject({ ok: false, events: 3, verified: 0, firstBreak: { id: first!.id, at: first!.at, kind: 'content-changed' } });
    await expect(handlers['audit:verify']()).resolves.toEqual(broken);
    expect(() => parseContractArgs('audit:verify', [{ repair: true }])).toThrow(ContractViolation);
  });

  it('locks and unlocks through the contract, telling open views; a host without a clipboard refuses key:copy', async () => {
    const [key] = await client['inventory:list']({});
    await expect(client['key:copy'](key!.ref)).rejects.toThrow(/no clipboard of its own/);
    changes = [];
    expect(await client['vault:lock']()).toMatchObject({ locked: true, reason: 'manual' });
    expect(changes).toEqual([['lock', expect.objectContaining({ locked: true })]]);
    expect(await client['vault:lockstate']()).toMatchObject({ locked: true });
    await expect(client['key:reveal'](key!.ref)).rejects.toThrow(/Keywarden is locked/);
    // No vault in this folder yet (nothing sealed): unlocking has no key to read, and never asks the keychain.
    expect(await client['vault:unlock']()).toEqual({ locked: false, since: null, reason: null, unlockWith: null });
  });

  it('refuses the demo on a host that cannot start it', async () => {
    expect(await client['host:info']()).toEqual({ host: 'browser', home, demo: false, demoAvailable: false });
    await expect(client['demo:start']()).rejects.toThrow(/cannot start the demo/);
  });

  it('pages the inventory and counts it for the console, in the declared shapes', async () => {
    await engine.addManualKey('hand', { name: 'Twilio', vendor: 'Twilio', expiresAt: new Date(Date.now() + 50 * 86_400_000).toISOString() });
    const first = await client['inventory:query']({ limit: 1 });
    expect(first).toMatchObject({ total: 2, offset: 0 });
    expect(first.rows.map((key) => key.name)).toEqual(['Stripe prod']);
    const second = await client['inventory:query']({ limit: 1, offset: 1 });
    expect(second.rows.map((key) => key.name)).toEqual(['Twilio']);
    expect((await client['inventory:query']({ search: 'twil', sort: { field: 'name', direction: 'desc' } })).rows.map((key) => key.name)).toEqual(['Twilio']);
    const facets = await client['inventory:facets']();
    expect(facets).toMatchObject({ total: 2, status: { active: 2 }, vendors: { manual: 2 }, backends: [{ name: 'hand', type: 'manual', count: 2 }], due: { within7: 1, later: 1 } });
  });

  it('manages backends and manual keys for the console, and tells open views what changed', async () => {
    const added = await client['backend:add']({ name: 'hand2', type: 'manual' });
    expect(added).toMatchObject({ name: 'hand2', type: 'manual', hasCredential: false });
    const policy = await client['backend:policy']('hand2', 45);
    expect(policy.rotateEveryDays).toBe(45);
    const key = await client['manual:add']('hand2', { name: 'Mailgun', createdAt: '2026-01-10' });
    expect(key).toMatchObject({ backend: 'hand2', name: 'Mailgun', secretCached: false });
    expect(key.rotationDueAt).not.toBeNull();
    expect(changes).toEqual([
      ['inventory', { reason: 'backend', backend: 'hand2' }],
      ['reminders', { reason: 'backend', backend: 'hand2' }],
      ['inventory', { reason: 'backend', backend: 'hand2' }],
      ['reminders', { reason: 'backend', backend: 'hand2' }],
      ['inventory', { reason: 'key', backend: 'hand2' }],
      ['reminders', { reason: 'key', backend: 'hand2' }],
    ]);
    // A manual backend has no credential: the engine says so, and the views are still told (nothing changed).
    await expect(client['backend:credential']('hand2', 'whatever')).rejects.toThrow(/no credential/);
    expect(await client['backend:remove']('hand2')).toBeNull();
    expect((await client['backend:list']()).map((backend) => backend.name)).toEqual(['hand']);
    // Reads announce nothing.
    const before = changes.length;
    await client['inventory:query']({});
    await client['vault:status']();
    expect(changes).toHaveLength(before);
  });

  it('exports the inventory as CSV or JSON for the console to save, with formulas defused', async () => {
    // (That no secret is ever in an export is checked with cached secrets by the CLI tests, which share this code.)
    await engine.addManualKey('hand', { name: '=HYPERLINK("http://x")' });
    const csv = await client['export:inventory']({ format: 'csv' });
    expect(csv).toMatchObject({ format: 'csv', keys: 2 });
    const lines = csv.content.split('\n');
    // A byte-order mark first, so Excel reads it as UTF-8; the due date, the days left to it and the vendor last.
    expect(lines[0]).toBe(
      '\uFEFFref,backend,backendType,id,name,prefix,status,createdAt,expiresAt,graceEndsAt,rotationDueAt,lastUsedAt,lastTestedAt,lastTestOk,secretCached,syncedAt,owner,environment,notes,dueAt,daysLeft,vendor,tags',
    );
    expect(lines).toHaveLength(3);
    expect(csv.content).toContain(`"'=HYPERLINK(""http://x"")"`);
    const json = await client['export:inventory']({ format: 'json' });
    expect((JSON.parse(json.content) as unknown[]).length).toBe(2);
  });

  it('exports the filtered audit trail as CSV or JSON for the console to save, oldest first', async () => {
    const hostile = await client['manual:add']('hand', { name: 'Mailer', vendor: 'Mailgun' });
    await client['key:test'](hostile.ref).catch(() => undefined);
    await client['manual:edit'](hostile.ref, { rotateEveryDays: 30 });
    const csv = await client['export:audit']({ format: 'csv', ref: hostile.ref });
    expect(csv).toMatchObject({ format: 'csv', events: 3 });
    const lines = csv.content.split('\n');
    expect(lines[0]).toBe('id,at,osUser,action,backend,ref,outcome,detail');
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).map((line) => line.split(',')[3])).toEqual(['key.add', 'test', 'key.edit']);
    expect(lines.every((line) => line.includes(hostile.ref) || line.startsWith('id,'))).toBe(true);
    // The same filters and limit as audit:list: only the newest matching events, still oldest first.
    const newest = await client['export:audit']({ format: 'json', ref: hostile.ref, limit: 2 });
    expect(newest.events).toBe(2);
    expect((JSON.parse(newest.content) as Array<{ action: string }>).map((event) => event.action)).toEqual(['test', 'key.edit']);
    expect(JSON.parse(newest.content)).toEqual((await client['audit:list']({ ref: hostile.ref, limit: 2 })).map((event) => ({ ...event })));
    const byAction = await client['export:audit']({ format: 'csv', action: 'backend.add' });
    expect(byAction.events).toBe(1);
    expect(byAction.content.split('\n')[1]).toMatch(/,backend\.add,hand,,ok,/);
    // Nothing matching: the header row alone.
    expect((await client['export:audit']({ format: 'csv', backend: 'elsewhere' })).content).toBe('id,at,osUser,action,backend,ref,outcome,detail');
  });

  it("quotes the audit export's cells as the inventory's: formulas defused, control characters shown, commas and quotes quoted", () => {
    const event: AuditEvent = {
      id: 7,
      at: '2026-11-24T10:00:00.000Z',
      osUser: '=cmd|calc',
      action: 'test',
      backend: 'hand',
      ref: 'hand/a,b',
      outcome: 'failed',
      detail: 'said "no"\u001b[2J\nnext',
    };
    const [header, row] = formatAudit([event], 'csv').split('\n');
    expect(header).toBe('id,at,osUser,action,backend,ref,outcome,detail');
    expect(row).toBe(String.raw`7,2026-11-24T10:00:00.000Z,'=cmd|calc,test,hand,"hand/a,b",failed,"said ""no""\x1b[2J\nnext"`);
    expect(formatAudit([{ ...event, detail: null }], 'csv').endsWith(',failed,')).toBe(true);
    expect(JSON.parse(formatAudit([event], 'json'))).toEqual([event]);
  });

  it('reads and changes the shared preferences', async () => {
    expect(await client['settings:get']()).toEqual({
      clipboardClearSeconds: 30,
      backgroundSyncHours: 6,
      revealHideSeconds: 30,
      lockAfterIdleMinutes: 15,
      maxRotationDays: null,
      reminderLeadDays: [30, 7, 1],
    });
    expect(await client['settings:set']({ backgroundSyncHours: 12 })).toEqual({
      clipboardClearSeconds: 30,
      backgroundSyncHours: 12,
      revealHideSeconds: 30,
      lockAfterIdleMinutes: 15,
      maxRotationDays: null,
      reminderLeadDays: [30, 7, 1],
    });
    expect(await client['settings:get']()).toMatchObject({ backgroundSyncHours: 12 });
    // The organisation's rotation policy: set, then unset again.
    expect(await client['settings:set']({ maxRotationDays: 90 })).toMatchObject({ maxRotationDays: 90 });
    expect(await client['settings:set']({ maxRotationDays: null })).toMatchObject({ maxRotationDays: null });
  });

  it('shows how the vault is opened, without ever creating it or asking the keychain', async () => {
    expect(await client['vault:status']()).toEqual({
      created: false,
      vaultId: null,
      keychainEntry: null,
      keychain: null,
      keychainDetail: null,
      passphraseSlot: null,
      sealed: { keySecrets: 0, credentials: 0, alertSecrets: 0 },
    });
  });

  it('refuses wrong-typed, malformed, oversized and unknown arguments before the engine sees them', async () => {
    const listKeys = vi.spyOn(engine, 'listKeys');
    const calls: Array<[ContractMethod, unknown[]]> = [
      ['key:show', [42]],
      ['key:show', ['no-slash']],
      ['inventory:list', [{ status: 'sleeping' }]],
      ['inventory:list', [{ search: 'x'.repeat(10_000) }]],
      ['inventory:list', []],
      ['key:revoke', ['hand/x', { validityDays: 900 }]],
      ['key:revoke', ['hand/x', { validityDays: 30, force: true }]],
      ['key:revoke', ['hand/x', { revealReplacement: 'yes' }]],
      ['key:create', ['hand', '']],
      ['sync:run', [Array.from({ length: 500 }, (_, i) => `b${i}`)]],
      ['inventory:query', [{ limit: 501 }]],
      ['inventory:query', [{ offset: -1 }]],
      ['inventory:query', [{ sort: { field: 'secret', direction: 'asc' } }]],
      ['inventory:query', [{ vendor: 'acme' }]],
      ['inventory:query', [{ orderBy: 'name; DROP TABLE keys' }]],
      ['inventory:facets', [{}]],
      ['backend:add', [{ name: 'x', type: 'acme' }]],
      ['backend:add', [{ name: 'Bad Name', type: 'manual' }]],
      ['backend:add', [{ name: 'x', type: 'manual', token: 'smuggled' }]],
      ['backend:policy', ['hand', 0]],
      ['backend:interval', ['hand', 400]],
      ['backend:credential', ['hand', '']],
      ['manual:add', ['hand', { name: '' }]],
      ['manual:add', ['hand', { name: 'k', test: { url: 'https://x', header: 'A', valueTemplate: '{secret}', expectStatus: 700 } }]],
      ['vault:status', ['now']],
      ['manual:edit', ['hand/x', { expiresAt: 5 }]],
      ['export:inventory', [{ format: 'xlsx' }]],
      ['settings:set', [{ clipboardClearSeconds: 0 }]],
      ['settings:set', [{ theme: 'dark' }]],
      ['export:inventory', [{ format: 'csv', includeSecrets: true }]],
      ['export:audit', [{ format: 'xlsx' }]],
      ['export:audit', [{ limit: 10 }]],
      ['export:audit', [{ format: 'csv', limit: 0 }]],
      ['export:audit', [{ format: 'csv', action: 'DROP TABLE audit' }]],
      ['export:audit', [{ format: 'csv', includeSecrets: true }]],
      ['manual:edit', ['hand/x', { createdAt: null }]],
      ['manual:edit', ['hand/x', { secret: 'smuggled' }]],
      ['rotation:plan', ['hand/x', { validityDays: 0 }]],
      ['rotation:plan', ['hand/x', { force: true }]],
      ['rotation:start', ['hand/x', { consumers: ['ok', ''] }]],
      ['rotation:start', ['hand/x', { order: 'sideways' }]],
      ['rotation:advance', [0, { action: 'continue' }]],
      ['rotation:advance', [1, { action: 'secret' }]],
      ['rotation:advance', [1, { action: 'confirm', secret: 'smuggled' }]],
      ['rotation:advance', [1, { action: 'undo' }]],
      ['rotation:list', [{ state: 'done' }]],
      ['rotation:abandon', ['1']],
    ];
    for (const [method, args] of calls) {
      expect(() => parseContractArgs(method, args), `${method} ${JSON.stringify(args).slice(0, 60)}`).toThrow(ContractViolation);
    }
    expect(() => parseContractArgs('shell:exec' as ContractMethod, [])).toThrow(/not a contract method/);
    expect(listKeys).not.toHaveBeenCalled();
  });

  it('plans, starts, lists and abandons a rotation, telling open views; a secret never crosses unless a step received one', async () => {
    const [key] = await client['inventory:list']({});
    const plan = await client['rotation:plan'](key!.ref, { consumers: ['billing service'] });
    expect(plan).toMatchObject({ ref: key!.ref, kind: 'paste-secret', consumers: ['billing service'], alternatives: [] });
    expect(plan.steps.map((step) => [step.name, step.title])).toContainEqual(['test-new', 'test: none (the key has no test request)']);
    // An order (paste-first or revoke-first) means nothing for a manual key: refused, not ignored.
    await expect(client['rotation:plan'](key!.ref, { order: 'revoke-first' })).rejects.toThrow(/does not apply/);
    expect(await client['rotation:list']({})).toEqual([]);

    changes = [];
    const started = await client['rotation:start'](key!.ref, { consumers: ['billing service'] });
    expect(started.issued).toBeNull();
    expect(started.rotation).toMatchObject({ state: 'waiting', currentStep: 'paste-new', needs: { kind: 'secret', optional: false }, consumers: [{ name: 'billing service', switchedAt: null }] });
    expect(changes).toContainEqual(['rotation', { id: started.rotation.id, ref: key!.ref, state: 'waiting' }]);
    expect(changes).toContainEqual(['inventory', { reason: 'key', backend: 'hand' }]);
    await expect(client['rotation:start'](key!.ref, {})).rejects.toThrow(/rotation in progress already/);
    // An answer the rotation did not ask for is refused, not dropped.
    await expect(client['rotation:advance'](started.rotation.id, { action: 'confirm' })).rejects.toThrow(/waiting for something else: Paste the new secret/);
    expect((await client['rotation:list']({})).map((rotation) => [rotation.id, rotation.state])).toEqual([[started.rotation.id, 'waiting']]);

    changes = [];
    const abandoned = await client['rotation:abandon'](started.rotation.id);
    expect(abandoned).toMatchObject({ rotation: { state: 'abandoned' }, summary: 'nothing was changed at the vendor' });
    expect(changes).toEqual([['rotation', { id: started.rotation.id, ref: key!.ref, state: 'abandoned' }]]);
    expect(await client['rotation:list']({})).toEqual([]);
    expect((await client['rotation:list']({ all: true })).map((rotation) => rotation.state)).toEqual(['abandoned']);
    await expect(client['rotation:advance'](999, { action: 'continue' })).rejects.toThrow(/no rotation 999/);
  });

  it('rejects a result that does not match the contract', async () => {
    const lying = buildContractClient({ invoke: async () => [{ ref: 'not a key' }] });
    await expect(lying['inventory:list']({})).rejects.toThrow(/inventory:list: unexpected result/);
  });

  it('syncs nothing for an inventory of manual keys, and says so', async () => {
    const report = await client['sync:run']([]);
    expect(report).toEqual({ ok: true, startedAt: expect.any(String), results: [] });
    expect(progress).toEqual([]);
    await expect(client['sync:run'](['nowhere'])).rejects.toThrow(/no backend named "nowhere"/);
  });
});
