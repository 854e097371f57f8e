/**
 * `keywarden ui`'s API as the console uses it, against a Nitrobox emulator and a manual backend, with the
 * private test keychain: the backends and the inventory, a sync whose progress arrives over the event stream
 * while the sync is still running, and a typed error. The console's calls go through the renderer's own
 * transport (renderer/src/contract/http-transport.ts) and its event subscription.
 *
 * To show the events arrive during the sync (and not with its answer), the emulator sits behind a gate that
 * holds the second page of the list until the test has seen the first page's progress event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NitroboxEmulator, startNitroboxEmulator } from '../../electron/core/backends/nitrobox/emulator.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { buildContractClient, type ContractClient } from '../../shared/contract.js';
import type { SyncProgress } from '../../shared/domain.js';
import { ContractCallError, createHttpTransport, subscribeContractEvents } from '../../renderer/src/contract/http-transport.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { call, login, openEventStream, pageFetch, raw } from '../support/ui-client.js';

const HTTP = { responseTimeoutMs: 5000, connectTimeoutMs: 5000, baseBackoffMs: 5, maxAttempts: 2 };

interface Gate {
  url: string;
  /** Requests for a later page (`cursor=`) wait until `open()`. */
  close(): void;
  open(): void;
  /** How many requests the gate is holding. */
  holding(): number;
  stop(): Promise<void>;
}

/** A forwarding proxy in front of the emulator that can hold the requests for every page but the first. */
async function startGate(target: string): Promise<Gate> {
  let held: Array<() => void> | null = null;
  const server = http.createServer((request, response) => {
    const forward = () => {
      const upstream = http.request(`${target}${request.url}`, { method: request.method, headers: { ...request.headers, host: new URL(target).host } }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.on('error', () => response.destroy());
      request.pipe(upstream);
    };
    if (held && (request.url ?? '').includes('cursor=')) held.push(forward);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      held ??= [];
    },
    open: () => {
      const waiting = held ?? [];
      held = null;
      for (const forward of waiting) forward();
    },
    holding: () => held?.length ?? 0,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!hasIsolatedKeychain)('keywarden ui: a contract round trip with a vendor emulator', () => {
  let home: string;
  let engine: KeywardenEngine;
  let nitrobox: NitroboxEmulator;
  let gate: Gate;
  let server: UiServer;
  let requestKey: string;
  let keywarden: ContractClient;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-ui-roundtrip-'));
    engine = KeywardenEngine.open({ home, http: HTTP });
    nitrobox = await startNitroboxEmulator();
    const token = nitrobox.state.addUser('admin@acme.example', { role: true });
    for (let i = 0; i < 150; i++) nitrobox.state.seedClient(`client-${String(i).padStart(3, '0')}`, { createdAt: new Date().toISOString(), createdBy: 'admin@acme.example' });
    gate = await startGate(nitrobox.emulator.url);
    await engine.addBackend({ name: 'nb', type: 'nitrobox', url: gate.url, credential: token });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addManualKey('hand', { name: 'Stripe prod', vendor: 'Stripe', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    server = await startUiServer({ engine });
    requestKey = await login(server.newLaunchUrl());
    // As on the console's page: the request key from the sign-in, and the Origin the browser adds itself.
    keywarden = buildContractClient(createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => requestKey }));
  });

  afterAll(async () => {
    await server?.close();
    await engine?.close();
    await gate?.stop();
    await nitrobox?.emulator.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists the backends and the inventory', async () => {
    const backends = await keywarden['backend:list']();
    expect(backends.map((backend) => [backend.name, backend.type]).sort()).toEqual([
      ['hand', 'manual'],
      ['nb', 'nitrobox'],
    ]);
    const keys = await keywarden['inventory:list']({});
    expect(keys.map((key) => key.name)).toEqual(['Stripe prod']);
  });

  it('syncs, with the progress events arriving over the event stream while the sync runs', async () => {
    const stream = await openEventStream(server.origin, requestKey);
    const subscribed: SyncProgress[] = [];
    const unsubscribe = subscribeContractEvents(
      { onSyncProgress: (progress) => subscribed.push(progress) },
      { baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => requestKey },
    );
    try {
      await stream.waitFor((_, comments) => comments.includes('keywarden events'));
      while (server.eventStreams() < 2) await new Promise((resolve) => setTimeout(resolve, 10));

      gate.close();
      let answered = false;
      const sync = keywarden['sync:run'](['nb']).finally(() => (answered = true));
      const progress = () => stream.events.filter((event) => event.event === 'onSyncProgress').map((event) => JSON.parse(event.data) as SyncProgress);
      await stream.waitFor(() => progress().some((event) => event.phase === 'page'));
      // The first page's event is here; the second page is held at the gate, so the sync has not answered.
      expect(answered).toBe(false);
      expect(progress()).toEqual([
        { backend: 'nb', phase: 'started', pages: 0, keys: 0, error: null },
        { backend: 'nb', phase: 'page', pages: 1, keys: 100, error: null },
      ]);
      gate.open();
      const report = await sync;
      expect(report.ok).toBe(true);
      expect(report.results).toEqual([expect.objectContaining({ backend: 'nb', ok: true, keyCount: 150, pages: 2 })]);
      await stream.waitFor(() => progress().some((event) => event.phase === 'done'));
      expect(progress().map((event) => `${event.phase} ${event.pages} ${event.keys}`)).toEqual(['started 0 0', 'page 1 100', 'page 2 150', 'done 2 150']);
      // The renderer's subscription got the same events, typed and checked against the contract.
      while (subscribed.length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(subscribed).toEqual(progress());
    } finally {
      stream.close();
      unsubscribe();
    }
    expect((await keywarden['inventory:list']({ backend: 'nb' })).length).toBe(150);
    expect(await keywarden['audit:list']({})).toContainEqual(expect.objectContaining({ action: 'sync', backend: 'nb', outcome: 'ok' }));
  });

  it('an optional argument left out as undefined is not sent as null (vault:unlock, vault:lock from the lock banner)', async () => {
    expect(await keywarden['vault:lock']()).toMatchObject({ locked: true });
    // The shell store may pass undefined for "no passphrase": JSON would make it [null], which the contract refuses.
    const unlocked = await keywarden['vault:unlock'](undefined);
    expect(unlocked).toMatchObject({ locked: false });
  });

  it('a missing key is a typed not_found (404)', async () => {
    const error = await keywarden['key:show']('nb/no-such-client').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContractCallError);
    expect(error).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('stopping the server lets a call under way finish and answer first', async () => {
    const second = await startUiServer({ engine });
    const secondKey = await login(second.newLaunchUrl());
    gate.close();
    const sync = call(second.port, secondKey, 'sync:run', [['nb']]);
    while (gate.holding() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    let closed = false;
    const closing = second.close().then(() => (closed = true));
    // Stopping: no new connection is accepted, but the sync held at the gate is still under way.
    await expect(raw(second.port, { path: '/' })).rejects.toThrow(/ECONNREFUSED/);
    expect(closed).toBe(false);
    gate.open();
    const answer = await sync;
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ ok: true, results: [expect.objectContaining({ backend: 'nb', ok: true, keyCount: 150 })] });
    await closing;
    expect(closed).toBe(true);
  });
});
