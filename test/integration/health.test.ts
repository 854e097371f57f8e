/**
 * Health findings over a real inventory: real SQLite files, the Nitrobox emulator on 127.0.0.1 (a vendor that shows a
 * key once), a second Nitrobox account whose server is gone (a failing backend), and manual keys at known calendar
 * distances. What an administrator reads first: the most severe findings on top, each with the keys it concerns and
 * what fixes it; the same through `keywarden health --json`, with the keychain out of reach (metadata only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { addLocalDays } from '../../electron/core/dates.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import type { HealthReport } from '../../electron/core/health/findings.js';
import { hasIsolatedKeychain, runCli } from '../support/cli.js';

describe.skipIf(!hasIsolatedKeychain)('health findings', () => {
  let home: string;
  let engine: KeywardenEngine;
  let nitrobox: NitroboxEmulator;
  let gone: NitroboxEmulator;
  let clock = new Date();
  const inDays = (days: number) => {
    const day = addLocalDays(clock, days);
    day.setHours(12, 0, 0, 0);
    return day.toISOString();
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-health-'));
    engine = KeywardenEngine.open({ home, now: () => clock });
    nitrobox = await startNitroboxEmulator();
    const token = nitrobox.state.addUser('admin@acme.example', { role: true });
    nitrobox.state.seedClient('legacy-export', { createdAt: inDays(-10), createdBy: 'admin@acme.example' });
    await engine.addBackend({ name: 'nb', type: 'nitrobox', url: nitrobox.emulator.url, credential: token });
    gone = await startNitroboxEmulator();
    await engine.addBackend({ name: 'nb-eu', type: 'nitrobox', url: gone.emulator.url, credential: gone.state.addUser('ops@acme.example', { role: true }) });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', createdAt: inDays(-100), expiresAt: inDays(-3) });
    await engine.addManualKey('hand', { name: 'Mailgun', vendor: 'Mailgun', expiresAt: inDays(12) });
    await engine.addManualKey('hand', { name: 'Status page', vendor: 'Statuspage' });
    expect((await engine.sync(['nb', 'nb-eu'])).ok).toBe(true);
    await engine.createKey('nb', 'ci-deploy');
    await gone.emulator.close();
    expect((await engine.sync(['nb-eu'])).ok).toBe(false);
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
    await nitrobox?.emulator.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const subjectsOf = (report: HealthReport, category: string) => report.findings.find((finding) => finding.category === category)?.subjects.map((subject) => subject.name) ?? [];

  it('opens on what to do first: critical, then high, warning and info, each with its keys, why and the fix', async () => {
    const report = await engine.health();
    expect(report.findings.map((finding) => [finding.severity, finding.category, finding.count])).toEqual([
      ['critical', 'overdue', 1],
      ['high', 'backend-failing', 1],
      ['warning', 'due-soon', 1],
      ['warning', 'shown-once-not-cached', 1],
      ['info', 'no-due-date', 1],
      ['info', 'never-tested', 1],
    ]);
    expect(report.findings[0]!.subjects).toEqual([{ ref: expect.stringMatching(/^hand\//), backend: 'hand', name: 'Stripe prod', detail: '3 days overdue' }]);
    expect(report.findings[0]!.action).toMatch(/Rotate/);
    expect(subjectsOf(report, 'backend-failing')).toEqual(['nb-eu']);
    expect(subjectsOf(report, 'shown-once-not-cached')).toEqual(['legacy-export']);
    expect(subjectsOf(report, 'never-tested')).toEqual(['ci-deploy']);
    expect(report.counts).toEqual({ critical: 1, high: 1, warning: 2, info: 2 });
  });

  it('follows what changes: a tested key leaves "never tested", a week without a good sync makes a backend stale', async () => {
    const deploy = engine.listKeys({ search: 'ci-deploy' })[0]!;
    expect((await engine.testKey(deploy.ref)).ok).toBe(true);
    clock = new Date(clock.getTime() + 8 * 86_400_000);
    const report = await engine.health();
    expect(subjectsOf(report, 'never-tested')).toEqual([]);
    expect(report.findings.find((finding) => finding.category === 'backend-stale')?.subjects).toEqual([{ ref: null, backend: 'nb', name: 'nb', detail: 'last synced 8 days ago' }]);
    // Eight days on, Mailgun is due in 4 days, still within the lead time.
    expect(report.findings.find((finding) => finding.category === 'due-soon')?.subjects[0]?.detail).toMatch(/^in 4 days/);
    clock = new Date();
  });

  it('counts "no owner" over open keys as the administrator sees them: a manual key past its expiry is overdue, not ownerless', async () => {
    const [stripe, mailgun] = ['Stripe prod', 'Mailgun'].map((name) => engine.listKeys({ search: name }).find((key) => key.name === name)!);
    await engine.describeKey(mailgun!.ref, { owner: 'Ana Lima' });
    const report = await engine.health();
    const noOwner = report.findings.find((finding) => finding.category === 'no-owner')!;
    // Open keys: Status page, legacy-export, ci-deploy (Mailgun has an owner; Stripe prod expired three days ago).
    expect(noOwner.count).toBe(3);
    expect(noOwner.subjects.map((subject) => subject.name).sort()).toEqual(['Status page', 'ci-deploy', 'legacy-export']);
    expect(noOwner.subjects.map((subject) => subject.ref)).not.toContain(stripe!.ref);
    await engine.describeKey(mailgun!.ref, { owner: null });
  });

  it('keywarden health --json gives the same findings without the keychain', async () => {
    const result = await runCli(['--home', home, 'health', '--json'], { env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/keywarden-no-bus' } });
    expect(result.code).toBe(0);
    const report = result.json<HealthReport>();
    expect(report.findings[0]).toMatchObject({ severity: 'critical', category: 'overdue', count: 1 });
    const text = await runCli(['--home', home, 'health']);
    expect(text.stdout).toMatch(/^CRITICAL {2}Overdue or expired: 1\n/);
    expect(text.stdout).toMatch(/HIGH {2}Backend failing: 1/);
  });
});
