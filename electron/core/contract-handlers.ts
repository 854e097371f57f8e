/**
 * The engine side of the contract in `shared/contract.ts`: one handler per method, each a direct call
 * into KeywardenEngine. The Electron main process binds these behind its validating IPC wrapper, and
 * `keywarden ui` behind its HTTP routes; tests use them the same way, so every client sees the same
 * behaviour. Handlers that change the inventory announce it, so every open view refreshes.
 */
import { createHash } from 'node:crypto';
import type { ContractEvent, ContractEventPayload, ContractHandlers } from '../../shared/contract.js';
import type { HostInfo, InventoryChange } from '../../shared/domain.js';
import type { RotationChange, RotationStepResult } from '../../shared/rotation.js';
import type { KeywardenEngine } from './engine.js';
import { KeywardenError } from './errors.js';
import { createTeamHandlers } from './team-handlers.js';

/** Where the handlers push contract events: one function per event the contract declares. */
export type ContractEventSink = { [E in ContractEvent]: (payload: ContractEventPayload<E>) => void };

/** What only the host can answer: which host it is, and (where it can) switching to the demo's data folder. */
export interface ContractHost {
  info(): HostInfo;
  /** Copies a secret to the clipboard the host owns (desktop); absent in a browser host. */
  copySecret?: (secret: string) => Promise<{ clearsInSeconds: number; bestEffortClear?: boolean }>;
  /** Keywarden's version, for the evidence pack. */
  version?: string;
  /** Starts the demo and switches the host to it; absent where the host cannot. */
  startDemo?: () => Promise<HostInfo>;
}

/** How many shown-once secrets `issued:copy` recognises: the most recent ones (one dialog shows one at a time). */
const ISSUED_REMEMBERED = 16;

export function createContractHandlers(engine: KeywardenEngine, events: ContractEventSink, host: ContractHost): ContractHandlers {
  /**
   * Digests of the shown-once secrets `key:create` and a rotation's steps returned, so that `issued:copy` writes only what this host issued
   * (never text of the page's choosing); digests, not the secrets, stay in memory.
   */
  const issued: string[] = [];
  const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');
  const rememberIssued = (secret: string | null) => {
    if (!secret || !host.copySecret) return;
    issued.push(digest(secret));
    if (issued.length > ISSUED_REMEMBERED) issued.shift();
  };
  /** Runs a change, then tells the views: what is due can change with anything the inventory holds. */
  const changing = async <T>(change: InventoryChange, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } finally {
      // Also after a failure: a failed sync records its error, a lost answer is reconciled by re-listing.
      events.onInventoryChanged(change);
      events.onRemindersChanged(change);
    }
  };
  const backendOf = (ref: string) => ref.slice(0, ref.indexOf('/'));
  /** Each step a rotation writes is pushed as it happens; the inventory and what is due change with it. */
  const rotationHooks = { onChange: (change: RotationChange) => events.onRotationChanged(change) };
  const rotating = async (backend: string | null, run: () => Promise<RotationStepResult>): Promise<RotationStepResult> => {
    let touched = backend;
    try {
      const result = await run();
      touched = result.rotation.backend;
      // The wizard's Copy of the new key goes through `issued:copy` in the desktop app, as the create dialog's does.
      rememberIssued(result.issued?.secret ?? null);
      return result;
    } finally {
      events.onInventoryChanged({ reason: 'key', backend: touched });
      events.onRemindersChanged({ reason: 'key', backend: touched });
    }
  };
  return {
    'inventory:list': async (filter) => engine.listKeys(filter),
    'inventory:query': async (query) => engine.queryInventory(query),
    'inventory:facets': async () => engine.inventoryFacets(),
    'inventory:lookup': async (refs) => engine.lookupKeys(refs),
    'views:list': () => engine.savedViews(),
    'views:save': (view, options) => engine.saveView(view, options ?? {}),
    'views:rename': (from, to) => engine.renameView(from, to),
    'views:delete': (name) => engine.deleteView(name),
    'key:show': async (ref) => engine.getKey(ref),
    'key:actions': async (ref) => engine.keyActions(ref),
    'key:facts': (ref) => engine.keyFacts(ref),
    'key:copy': async (ref) => {
      if (!host.copySecret) throw new KeywardenError('unsupported', 'this host has no clipboard of its own: the console copies with the browser');
      return host.copySecret(await engine.reveal(ref, 'copy'));
    },
    'issued:copy': async (secret) => {
      if (!host.copySecret) throw new KeywardenError('unsupported', 'this host has no clipboard of its own: the console copies with the browser');
      if (!issued.includes(digest(secret))) throw new KeywardenError('not_found', 'not the shown-once secret of a key created here: nothing was copied');
      return host.copySecret(secret);
    },
    'key:reveal': (ref, options) => engine.reveal(ref, options?.purpose ?? 'reveal'),
    'key:test': (ref) => changing({ reason: 'key', backend: backendOf(ref) }, () => engine.testKey(ref)),
    'key:create': (backend, name) =>
      changing({ reason: 'key', backend }, async () => {
        const created = await engine.createKey(backend, name);
        rememberIssued(created.secret);
        return created;
      }),
    'key:revoke': (ref, options) =>
      changing({ reason: 'key', backend: backendOf(ref) }, () =>
        engine.revokeKey(ref, {
          ...(options.validityDays !== undefined ? { validityDays: options.validityDays } : {}),
          revealReplacement: options.revealReplacement ?? false,
        }),
      ),
    'key:delete': (ref) =>
      changing({ reason: 'key', backend: backendOf(ref) }, async () => {
        await engine.deleteKey(ref);
        return null;
      }),
    'backend:list': async () => engine.listBackends(),
    'backend:add': (input) =>
      changing({ reason: 'backend', backend: input.name }, () =>
        engine.addBackend({
          name: input.name,
          type: input.type,
          url: input.url ?? null,
          credential: input.credential ?? null,
          rotateEveryDays: input.rotateEveryDays ?? null,
        }),
      ),
    'backend:remove': (name) =>
      changing({ reason: 'backend', backend: name }, async () => {
        await engine.removeBackend(name);
        return null;
      }),
    'backend:credential': (name, credential) => changing({ reason: 'backend', backend: name }, () => engine.setCredential(name, credential)),
    'backend:policy': (name, days) => changing({ reason: 'backend', backend: name }, () => engine.setRotationPolicy(name, days)),
    'backend:interval': (name, days) => changing({ reason: 'backend', backend: name }, () => engine.setVendorRotationInterval(name, days)),
    'manual:add': (backend, input) =>
      changing({ reason: 'key', backend }, () =>
        engine.addManualKey(backend, {
          name: input.name,
          vendor: input.vendor ?? null,
          createdAt: input.createdAt ?? null,
          expiresAt: input.expiresAt ?? null,
          rotateEveryDays: input.rotateEveryDays ?? null,
          secret: input.secret ?? null,
          description: input.description ?? {},
          test: input.test ? { ...input.test, allowPrivateNetwork: input.test.allowPrivateNetwork ?? false } : null,
        }),
      ),
    'manual:edit': (ref, changes) => changing({ reason: 'key', backend: backendOf(ref) }, () => engine.updateManualKey(ref, changes)),
    'key:describe': (ref, change) => changing({ reason: 'key', backend: backendOf(ref) }, () => engine.describeKey(ref, change)),
    'consumers:list': (ref) => engine.keyConsumers(ref),
    // The key's open rotation ticks off the same list: its wizard refreshes on the rotation event.
    'consumers:set': (ref, names) =>
      changing({ reason: 'key', backend: backendOf(ref) }, async () => {
        const { names: set, rotationId } = await engine.setKeyConsumersWithRotation(ref, names);
        const open = rotationId === null ? undefined : (await engine.listRotations({})).find((rotation) => rotation.id === rotationId);
        if (open) events.onRotationChanged({ id: open.id, ref: open.ref, state: open.state });
        return set;
      }),
    'keys:bulk': (selection, change) => changing({ reason: 'key', backend: null }, () => engine.bulkChange(selection, change)),
    'vault:status': () => engine.vaultStatus(),
    'vault:lock': async () => {
      const state = engine.lock('manual');
      events.onLockChanged(state);
      return state;
    },
    'vault:unlock': async (options) => {
      const state = await engine.unlock(options?.passphrase);
      events.onLockChanged(state);
      return state;
    },
    'vault:passphrase': async ({ passphrase, current }) => {
      await engine.changePassphrase(passphrase, current);
      const state = engine.lockState();
      events.onLockChanged(state);
      return state;
    },
    'vault:lockstate': async () => engine.lockState(),
    'settings:get': () => engine.settings(),
    // The lead times change what is due when: the reminders view, the tray and badges refresh.
    'settings:set': async (changes) => {
      const settings = await engine.updateSettings(changes);
      if (changes.reminderLeadDays) events.onRemindersChanged({ reason: 'key', backend: null });
      return settings;
    },
    'alerts:list': () => engine.alertChannels(),
    'alerts:add': (input) => engine.addAlertChannel(input),
    'alerts:test': (name) => engine.testAlertChannel(name),
    'alerts:remove': async (name) => {
      await engine.removeAlertChannel(name);
      return null;
    },
    'export:inventory': async ({ format, selection }) => {
      const { formatInventory } = await import('./export.js');
      const keys = selection ? engine.selectedKeys(selection) : engine.listKeys({});
      return { format, keys: keys.length, content: formatInventory(keys, format) };
    },
    'export:audit': async ({ format, ...query }) => {
      const { formatAudit } = await import('./export.js');
      const events = engine.auditTrail(query);
      return { format, events: events.length, content: formatAudit(events, format) };
    },
    'sync:run': (names) => changing({ reason: 'sync', backend: names.length === 1 ? names[0]! : null }, () => engine.sync(names, { onProgress: (progress) => events.onSyncProgress(progress) })),
    'reminders:list': async (options) => engine.reminders(options.withinDays !== undefined ? { withinDays: options.withinDays } : {}),
    // Only the options given: an absent one keeps the engine's default.
    'health:report': (options) => engine.health(Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined))),
    'calendar:export': async () => {
      const { text, events } = await engine.expiryCalendar();
      return { events, content: text };
    },
    'reminders:snooze': (ref, days) => changing({ reason: 'key', backend: backendOf(ref) }, async () => ({ until: await engine.snoozeReminder(ref, days) })),
    'audit:list': async (query) => engine.auditTrail(query),
    'import:stage': (chunk) => engine.stageImportFile(chunk),
    'import:preview': (request) => engine.importStagedFile(request, { dryRun: true }),
    // A new backend, keys created and updated: every view refreshes, the backends list included.
    'import:run': (request) => changing({ reason: 'backend', backend: request.backend }, () => engine.importStagedFile(request, { dryRun: false })),
    'import:discard': async (id) => {
      await engine.discardStagedFile(id);
      return null;
    },
    'store:backup': async () => ({ path: (await engine.backup()).path }),
    'store:backups': async () =>
      engine.checkedBackups().map(({ path, name, createdAt, reason, bytes, check }) => ({
        path,
        name,
        createdAt,
        reason,
        bytes,
        schema: check.ok ? check.schema : null,
        backends: check.ok ? check.backends : null,
        keys: check.ok ? check.keys : null,
        problem: check.ok ? null : check.problem,
      })),
    'store:restore': async ({ name }) => {
      try {
        const restored = await engine.restoreWhileOpen(name);
        const listed = ({ name, createdAt, reason }: { name: string; createdAt: string; reason: string }) => ({ name, createdAt, reason });
        return { ...restored, restoredFrom: listed(restored.restoredFrom), before: listed(restored.before) };
      } finally {
        // Everything the views show may have changed, and the vault with it (another data key, a passphrase or none).
        events.onInventoryChanged({ reason: 'backend', backend: null });
        events.onRemindersChanged({ reason: 'backend', backend: null });
        events.onLockChanged(engine.lockState());
      }
    },
    'audit:evidence': async () => {
      const pack = await engine.evidencePack(host.version ?? 'unknown');
      return { content: `${JSON.stringify(pack, null, 2)}\n`, keys: pack.inventory.keys.length, events: pack.events.length, verified: pack.auditChain.verified };
    },
    'host:info': async () => host.info(),
    'demo:start': async () => {
      if (!host.startDemo) throw new KeywardenError('unsupported', 'this host cannot start the demo: run "keywarden demo" in a terminal');
      if (engine.listBackends().length > 0) throw new KeywardenError('conflict', 'the demo starts only from an empty data folder; this one already has backends');
      const info = await host.startDemo();
      events.onInventoryChanged({ reason: 'backend', backend: null });
      events.onRemindersChanged({ reason: 'backend', backend: null });
      return info;
    },
    'rotation:plan': (ref, options) => engine.planRotation(ref, options),
    'rotation:start': (ref, options) => rotating(backendOf(ref), () => engine.startRotation(ref, options, rotationHooks)),
    'rotation:advance': (id, input) => rotating(null, () => engine.advanceRotation(id, input, rotationHooks)),
    'rotation:list': (options) => engine.listRotations(options.all ? { all: true } : {}),
    'rotation:abandon': async (id) => {
      const abandoned = await engine.abandonRotation(id);
      events.onRotationChanged({ id, ref: abandoned.rotation.ref, state: abandoned.rotation.state });
      return abandoned;
    },
    'audit:verify': async () => engine.verifyAuditTrail(),
    ...createTeamHandlers(engine, changing),
  };
}
