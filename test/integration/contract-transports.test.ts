/**
 * One table of adversarial calls, sent over every transport of the contract: the desktop app's IPC (the real binding of
 * electron/main/ipc.ts over the stand-in ipcMain, called as Keywarden's own page so the frame check passes),
 * `keywarden ui`'s HTTP API and its console socket (the real server on 127.0.0.1, signed in with a launch link). All
 * are adapters around electron/core/contract-pipeline.ts, so each call must get the same answer, word for word, from each; each
 * refusal must be `invalid_input` (HTTP 400) naming the method, and reach no engine: each transport has a real engine
 * behind a counting wrapper (test/support/counting-engine.ts).
 *
 * For EVERY contract method: arguments of the wrong type, missing, extra, oversized, nested too deep, and values that
 * are not plain data (where the transport can carry them: structured clone carries a Map or a function, a JSON body
 * cannot). Then what the engine's side may do wrong: an unknown method, a defect with a secret-looking message, a
 * result the contract does not declare, details that are not plain values.
 *
 * The valid sample per method is typed by the contract, so a method added to it fails to compile here until it has
 * one, and is then fuzzed like the others. What only one transport has (the frame check, HTTP's body cap, content
 * type and sessions) is tested beside it: test/unit/main/ipc.test.ts and test/integration/ui-server.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, type ContractArgs, type ContractMethod } from '../../shared/contract.js';
import type { IpcAnswer } from '../../shared/ipc-channels.js';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { createContractHandlers } from '../../electron/core/contract-handlers.js';
import { DEFAULT_ARGUMENT_LIMITS } from '../../electron/core/contract-pipeline.js';
import { APP_START_URL } from '../../electron/core/desktop/app-protocol.js';
import { KeywardenError } from '../../electron/core/errors.js';
import { bindContract, createFrameCheck } from '../../electron/main/ipc.js';
import { openCountingEngine, recordingSink, type CountingEngine } from '../support/counting-engine.js';
import { fake, FakeBrowserWindow } from '../support/fake-electron.js';
import { call as httpCall, login } from '../support/ui-client.js';
import { SOCKET_KEY_PROTOCOL_PREFIX, SOCKET_PATH, SOCKET_PROTOCOL } from '../../shared/console-socket.js';

const REF = 'hand/k1';

/** One valid call per method (valid for the schema; whether the engine would succeed does not matter here). */
const VALID: { [M in ContractMethod]: ContractArgs<M> } = {
  'inventory:list': [{}],
  'inventory:query': [{ limit: 10, sort: { field: 'name', direction: 'asc' } }],
  'inventory:facets': [],
  'inventory:lookup': [[REF, 'hand/k2']],
  'views:list': [],
  'views:save': [{ name: 'Due soon', query: { search: 'tag:prod', dueWithinDays: 30 }, sort: { field: 'due', direction: 'asc' }, columns: ['backend', 'due'] }, { overwrite: true }],
  'views:rename': ['Due soon', 'Due this month'],
  'views:delete': ['Due soon'],
  'key:show': [REF],
  'key:actions': [REF],
  'key:facts': [REF],
  'key:copy': [REF],
  'key:describe': [REF, { owner: 'ana', addTags: ['prod'] }],
  'keys:bulk': [
    { query: { search: 'tag:prod' }, except: [REF] },
    { action: 'tag', tags: ['q3'] },
  ],
  'issued:copy': ['not-a-real-issued-secret'],
  'key:reveal': [REF, { purpose: 'reveal' }],
  'key:test': [REF],
  'key:create': ['hand', 'New key'],
  'key:revoke': [REF, { validityDays: 7, revealReplacement: false }],
  'key:delete': [REF],
  'backend:list': [],
  'backend:add': [{ name: 'cb', type: 'commbox', url: 'https://commbox.example', credential: 'token' }],
  'backend:remove': ['hand'],
  'backend:credential': ['hand', 'token'],
  'backend:policy': ['hand', 90],
  'backend:interval': ['hand', 30],
  'manual:add': ['hand', { name: 'Key', expiresAt: '2030-01-01' }],
  'manual:edit': [REF, { expiresAt: null }],
  'consumers:list': [REF],
  'consumers:set': [REF, ['CI']],
  'vault:status': [],
  'vault:lock': [],
  'vault:unlock': [{ passphrase: 'correct horse battery' }],
  'vault:passphrase': [{ passphrase: 'correct horse battery' }],
  'vault:lockstate': [],
  'settings:get': [],
  'settings:set': [{ clipboardClearSeconds: 10, reminderLeadDays: [60, 30, 7, 1] }],
  'alerts:list': [],
  'alerts:add': [{ name: 'ops', type: 'webhook', url: 'https://alerts.example.com/hook', secret: 'a-signing-secret-of-some-length' }],
  'alerts:test': ['ops'],
  'alerts:remove': ['ops'],
  'export:inventory': [{ format: 'csv' }],
  'sync:run': [['hand']],
  'reminders:list': [{ withinDays: 30 }],
  'reminders:snooze': [REF, 7],
  'health:report': [{ leadDays: 14, unusedDays: 60, staleDays: 3 }],
  'calendar:export': [],
  'audit:list': [{ limit: 5 }],
  'import:stage': [{ name: 'keys.csv', kind: 'source', size: 12, data: Buffer.from('name,secret\n').toString('base64') }],
  'import:preview': [{ file: 'AAAAAAAAAAAAAAAAAAAAAA', format: 'csv', backend: 'hand' }],
  'import:run': [{ file: 'AAAAAAAAAAAAAAAAAAAAAA', format: 'kdbx', backend: 'hand', password: 'correct horse battery', keyFile: 'BBBBBBBBBBBBBBBBBBBBBB' }],
  'import:discard': ['AAAAAAAAAAAAAAAAAAAAAA'],
  'export:audit': [{ format: 'csv', limit: 5 }],
  'host:info': [],
  'demo:start': [],
  'rotation:plan': [REF, { validityDays: 30 }],
  'rotation:start': [REF, {}],
  'rotation:advance': [1, { action: 'continue' }],
  'rotation:list': [{ all: true }],
  'rotation:abandon': [1],
  'audit:verify': [],
  'store:backup': [],
  'store:backups': [],
  'store:restore': [{ name: 'keywarden-2020-01-01T00-00-00-000Z-manual.db' }],
  'audit:evidence': [],
  'team:status': [],
  'team:members': [],
  'team:approve': [{ member: 'bob', role: 'operator', fingerprint: '3f2a 0b1c' }],
  'team:role': [{ member: 'bob', role: 'viewer' }],
  'team:remove': ['bob'],
  'team:leave': [{ team: 'ops' }],
  'team:sync': [],
  'team:audit': [{ limit: 20, verify: true }],
};

const METHODS = Object.keys(CONTRACT) as ContractMethod[];

/** Values of every JSON type and a few shapes; each position tries those its schema refuses. */
const WRONG_TYPED: unknown[] = [42, -1, 1.5, Number.NaN, true, false, 'text', '', null, {}, [], [1, 2], { name: 1 }, { purpose: 'steal' }, 'hand/k1', 'x/'];

function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

const OVERSIZED: Array<[string, () => unknown]> = [
  ['a 1 MB string', () => 'x'.repeat(1024 * 1024)],
  ['a 64 KiB + 1 string', () => 'x'.repeat(DEFAULT_ARGUMENT_LIMITS.maxBytes + 1)],
  ['an array of 200,000 numbers', () => new Array<number>(200_000).fill(0)],
  ['a sparse array of a billion holes', () => new Array<number>(1_000_000_000)],
  ['an object with 100,000 keys', () => Object.fromEntries(Array.from({ length: 100_000 }, (_, index) => [`k${index}`, index]))],
  ['an array nested 10,000 deep', () => deeplyNested(10_000)],
  ['an array nested 9 deep (one past the limit)', () => deeplyNested(DEFAULT_ARGUMENT_LIMITS.maxDepth + 1)],
];

let madeOversized: Array<[string, unknown]> | null = null;
/** OVERSIZED, made once for the file: nothing on the way changes them, and a 100,000-key object takes a while to build. */
function oversized(): Array<[string, unknown]> {
  madeOversized ??= OVERSIZED.map(([what, make]) => [what, make()]);
  return madeOversized;
}

class Gadget {
  readonly kind = 'gadget';
}
/** What structured clone can carry (or a buggy preload could hand over) but no contract method takes. */
const NOT_PLAIN: Array<[string, () => unknown]> = [
  ['a Map', () => new Map([['ref', REF]])],
  ['a Set', () => new Set([REF])],
  ['a Date', () => new Date()],
  ['a Uint8Array', () => new Uint8Array(8)],
  ['a RegExp', () => /x/],
  ['a class instance', () => new Gadget()],
  ['a function', () => () => REF],
  ['a bigint', () => 10n],
  ['a symbol', () => Symbol('ref')],
  ['an Error', () => new Error('boom')],
  [
    'an object that contains itself',
    () => {
      const cycle: Record<string, unknown> = { name: 'loop' };
      cycle.self = cycle;
      return cycle;
    },
  ],
];

/** A call's answer as the page sees it; `status` is HTTP's. */
type Answer = { ok: true; value: unknown; status?: number } | { ok: false; error: { code: string; message: string; details?: unknown }; status?: number };

interface Transport {
  readonly name: 'IPC' | 'HTTP' | 'socket';
  readonly counting: CountingEngine;
  /** What the transport's log received (the main process's log, the terminal running `keywarden ui`). */
  readonly logs: string[];
  /** Whether this transport can carry `args` as they are. */
  carries(args: unknown[]): boolean;
  call(method: string, args: unknown[]): Promise<Answer>;
  close(): Promise<void>;
}

/** A counting engine with the backend the samples name, and a key of its own for calls that should succeed. */
async function seededEngine(): Promise<{ counting: CountingEngine; ref: string }> {
  const counting = openCountingEngine();
  await counting.real.addBackend({ name: 'hand', type: 'manual' });
  const { ref } = await counting.real.addManualKey('hand', { name: 'Mailer', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString() });
  return { counting, ref };
}

async function overIpc(): Promise<Transport> {
  fake.reset();
  const { counting } = await seededEngine();
  const window = new FakeBrowserWindow({});
  await window.loadURL(APP_START_URL);
  const logs: string[] = [];
  const handlers = createContractHandlers(counting.engine, recordingSink(), {
    info: () => ({ host: 'desktop', home: counting.home, demo: false, demoAvailable: false }),
    copySecret: () => Promise.reject(new Error('the clipboard was reached')),
  });
  const unbind = bindContract(
    fake.ipcMain,
    handlers,
    createFrameCheck(() => window),
    { log: (line) => logs.push(line) },
  );
  return {
    name: 'IPC',
    counting,
    logs,
    // Structured clone carries anything the tests make; the arguments are handed over as given.
    carries: () => true,
    call: async (method, args) => (await fake.ipcMain.invoke(`contract:${method}`, { sender: window.webContents, senderFrame: window.webContents.mainFrame }, ...args)) as IpcAnswer,
    close: async () => {
      unbind();
      await counting.close();
    },
  };
}

/** `keywarden ui`'s server over a seeded counting engine, and a session signed in with a launch link. */
async function signedInServer(): Promise<{ counting: CountingEngine; logs: string[]; server: UiServer; requestKey: string }> {
  const { counting } = await seededEngine();
  const rendererFolder = join(counting.home, 'console');
  mkdirSync(rendererFolder);
  const logs: string[] = [];
  // The idle lock would read the engine's settings through the counting wrapper; a day apart, it never does here.
  const server = await startUiServer({ engine: counting.engine, rendererFolder, log: (line) => logs.push(line), idleLockPollMs: 86_400_000 });
  return { counting, logs, server, requestKey: await login(server.newLaunchUrl()) };
}

async function overHttp(): Promise<Transport> {
  const { counting, logs, server, requestKey } = await signedInServer();
  return {
    name: 'HTTP',
    counting,
    logs,
    carries: (args) => args.every((arg) => jsonOf(arg) !== null),
    call: async (method, args) => {
      // The body written out here: JSON.stringify recurses, and an argument 10,000 levels deep is part of the table.
      const answer = await httpCall(server.port, requestKey, method, null, { body: bodyOf(args) });
      return answer.status === 200 ? { ok: true, value: answer.json, status: 200 } : { ...(answer.json as { error: { code: string; message: string } }), ok: false, status: answer.status };
    },
    close: async () => {
      await server.close();
      await counting.close();
    },
  };
}

/** The console's socket (shared/console-socket.ts) on the same kind of server: one frame per call, answers found by id. */
async function overSocket(): Promise<Transport> {
  const { counting, logs, server, requestKey } = await signedInServer();
  // As a browser opens it: the console's Origin, the session's key as the second subprotocol.
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}${SOCKET_PATH}`, { protocols: [SOCKET_PROTOCOL, `${SOCKET_KEY_PROTOCOL_PREFIX}${requestKey}`], headers: { origin: server.origin } });
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve);
    socket.addEventListener('error', reject);
  });
  const pending = new Map<number, (answer: Answer) => void>();
  socket.addEventListener('message', (event) => {
    const answer = JSON.parse(String(event.data)) as { id: number; ok: boolean; value?: unknown; status?: number; error?: { code: string; message: string } };
    pending.get(answer.id)?.(answer.ok ? { ok: true, value: answer.value, status: 200 } : { ok: false, status: answer.status!, error: answer.error! });
    pending.delete(answer.id);
  });
  let nextId = 1;
  return {
    name: 'socket',
    counting,
    logs,
    carries: (args) => args.every((arg) => jsonOf(arg) !== null),
    call: (method, args) => {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        // Written out as the HTTP body is (an argument 10,000 levels deep is part of the table).
        socket.send(`{"id":${id},"method":${JSON.stringify(method)},"args":${bodyOf(args)}}`);
      });
    },
    close: async () => {
      socket.close();
      await server.close();
      await counting.close();
    },
  };
}

/** Whether a JSON body carries `value` unchanged: no undefined, NaN, holes, object met twice (a cycle), Map, function or other non-JSON value. */
function survivesJson(value: unknown): boolean {
  const pending: unknown[] = [value];
  const seen = new Set<unknown>();
  while (pending.length > 0) {
    const item = pending.pop();
    if (item === null || typeof item === 'string' || typeof item === 'boolean') continue;
    if (typeof item === 'number' && Number.isFinite(item)) continue;
    if (seen.has(item)) return false;
    seen.add(item);
    if (Array.isArray(item)) {
      // A hole becomes null (and a billion of them would be gigabytes of text).
      if (Object.keys(item).length !== item.length) return false;
      for (const inner of item as unknown[]) pending.push(inner);
    } else if (typeof item === 'object' && Object.getPrototypeOf(item) === Object.prototype) {
      for (const inner of Object.values(item)) pending.push(inner);
    } else {
      return false;
    }
  }
  return true;
}

/** `value` as JSON text; written without recursion where JSON.stringify runs out of stack (a page can send any depth). */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
  const out: string[] = [];
  const pending: Array<{ text: string } | { value: unknown }> = [{ value }];
  while (pending.length > 0) {
    const token = pending.pop()!;
    if ('text' in token) {
      out.push(token.text);
      continue;
    }
    const item = token.value;
    // Pushed in reverse, so they come off the stack in order: the opening bracket, each item after a comma, the closing one.
    if (Array.isArray(item)) {
      pending.push({ text: ']' });
      for (let index = item.length - 1; index >= 0; index -= 1) {
        pending.push({ value: item[index] as unknown });
        if (index > 0) pending.push({ text: ',' });
      }
      pending.push({ text: '[' });
    } else if (typeof item === 'object' && item !== null) {
      const entries = Object.entries(item);
      pending.push({ text: '}' });
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        pending.push({ value: entries[index]![1] }, { text: `${JSON.stringify(entries[index]![0])}:` });
        if (index > 0) pending.push({ text: ',' });
      }
      pending.push({ text: '{' });
    } else {
      out.push(JSON.stringify(item));
    }
  }
  return out.join('');
}

const jsonTexts = new WeakMap<object, string | null>();
/**
 * One argument as JSON text, or null where a JSON body cannot carry it unchanged. Kept per object: the table sends the
 * same large values for every method, and walking a 100,000-key object each time would be most of this file's run.
 */
function jsonOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return survivesJson(value) ? JSON.stringify(value) : null;
  if (!jsonTexts.has(value)) jsonTexts.set(value, survivesJson(value) ? jsonText(value) : null);
  return jsonTexts.get(value)!;
}

/** The request body for `args` (each of which jsonOf carries). */
function bodyOf(args: unknown[]): string {
  return `[${args.map((arg) => jsonOf(arg)).join(',')}]`;
}

/** The HTTP server's own cap on a request body (its default), checked before the pipeline sees the arguments. */
const HTTP_BODY_CAP = 1024 * 1024;

describe("the contract over IPC, over HTTP and over the console's socket: one pipeline", () => {
  let transports: Transport[];

  beforeAll(async () => {
    transports = [await overIpc(), await overHttp(), await overSocket()];
    for (const transport of transports) transport.counting.calls.length = 0;
  });

  afterAll(async () => {
    for (const transport of transports ?? []) await transport.close();
  });

  /**
   * Sends the call over each transport that can carry it: each must refuse it with `invalid_input` in one clear line
   * naming the method, HTTP and the socket with 400, and all must answer the same, word for word.
   */
  const expectRefused = async (method: ContractMethod, args: unknown[], what: string) => {
    const judged: Array<{ code: string; message: string }> = [];
    for (const transport of transports) {
      if (!transport.carries(args)) continue;
      // Past its body cap the server answers 413 before the pipeline sees anything (ui-server.test.ts has it);
      // sending megabytes again for every method would test that cap, not the pipeline, 200 times over.
      // The socket's frame cap is the same, and closes the socket (ui-socket.test.ts has it).
      if (transport.name !== 'IPC' && Buffer.byteLength(bodyOf(args)) > HTTP_BODY_CAP) continue;
      const label = `${transport.name}: ${method} with ${what}`;
      const answer = await transport.call(method, args);
      expect(answer.ok, label).toBe(false);
      if (answer.ok) return;
      expect(answer.error.code, label).toBe('invalid_input');
      expect(answer.error.message.length, label).toBeLessThan(400);
      expect(answer.error.message, label).not.toMatch(/\n\s+at /);
      if (transport.name !== 'IPC') expect(answer.status, label).toBe(400);
      // Clear: it names the method and says what is wrong.
      expect(answer.error.message, label).toMatch(new RegExp(`^${method}: (refused: the arguments|invalid arguments: )`));
      judged.push(answer.error);
    }
    for (const [index, answer] of judged.entries()) expect(answer, `${method} with ${what}: answered as IPC does (${index})`).toEqual(judged[0]);
  };

  const expectEngineUntouched = () => {
    for (const transport of transports) expect(transport.counting.calls, transport.name).toEqual([]);
  };

  const arity = (method: ContractMethod) => (CONTRACT[method].args as unknown as { def: { items: unknown[] } }).def.items.length;

  it('has a valid sample for every method, which the contract accepts', () => {
    expect(Object.keys(VALID).sort()).toEqual([...METHODS].sort());
    for (const method of METHODS) expect(CONTRACT[method].args.safeParse(VALID[method]).success, method).toBe(true);
  });

  it.each(METHODS)('%s: wrong-typed arguments are refused before the engine', async (method) => {
    const valid = VALID[method] as unknown[];
    for (let position = 0; position < arity(method); position += 1) {
      const refusedHere = WRONG_TYPED.map((value) => valid.map((given, index) => (index === position ? value : given))).filter((args) => !CONTRACT[method].args.safeParse(args).success);
      expect(refusedHere.length, `${method}: no wrong-typed value for argument ${position}`).toBeGreaterThan(3);
      for (const args of refusedHere) await expectRefused(method, args, `argument ${position} = ${JSON.stringify(args[position])}`);
    }
    expectEngineUntouched();
  });

  it.each(METHODS)('%s: missing arguments are refused before the engine', async (method) => {
    const valid = VALID[method] as unknown[];
    const required = (CONTRACT[method].args as unknown as { def: { items: Array<{ safeParse(value: unknown): { success: boolean } }> } }).def.items.filter(
      (item) => !item.safeParse(undefined).success,
    ).length;
    // Methods whose every argument may be left out (vault:unlock without a passphrase) have nothing to miss.
    if (required === 0) return;
    for (let kept = 0; kept < required; kept += 1) await expectRefused(method, valid.slice(0, kept), `only ${kept} of ${required} required arguments`);
    // An explicit undefined in a required place is missing too (IPC carries it; JSON has no undefined, so null there).
    await expectRefused(
      method,
      valid.map((given, index) => (index === 0 ? undefined : given)),
      'undefined first',
    );
    if (!CONTRACT[method].args.safeParse(valid.map((given, index) => (index === 0 ? null : given))).success) {
      await expectRefused(
        method,
        valid.map((given, index) => (index === 0 ? null : given)),
        'null first',
      );
    }
    expectEngineUntouched();
  });

  it.each(METHODS)('%s: extra arguments are refused before the engine', async (method) => {
    const valid = VALID[method] as unknown[];
    for (const extra of ['extra', 0, {}, [], null, REF]) await expectRefused(method, [...valid, extra], `an extra ${JSON.stringify(extra)}`);
    await expectRefused(method, [...valid, 'a', 'b', 'c'], 'three extras');
    expectEngineUntouched();
  });

  it.each(METHODS)('%s: oversized and too deeply nested arguments are refused before the engine (and before the schema walks them)', async (method) => {
    const valid = VALID[method] as unknown[];
    for (const [what, value] of oversized()) {
      // In each argument's place, and appended (which also covers methods without arguments).
      for (let position = 0; position < arity(method); position += 1) {
        await expectRefused(
          method,
          valid.map((given, index) => (index === position ? value : given)),
          `${what} as argument ${position}`,
        );
      }
      await expectRefused(method, [...valid, value], `${what} appended`);
    }
    // Big inside an object, where a string field has no length limit of its own (a key reference, a search text).
    const long = 'y'.repeat(70_000);
    const stretched = valid.some((given) => typeof given === 'string') ? valid.map((given) => (typeof given === 'string' ? `${given}${long}` : given)) : [...valid, long];
    await expectRefused(method, stretched, 'long strings');
    expectEngineUntouched();
  });

  it.each(METHODS)('%s: values that are not plain data are refused before the engine, where a transport can carry them', async (method) => {
    const valid = VALID[method] as unknown[];
    for (const [what, make] of NOT_PLAIN) {
      for (let position = 0; position < Math.max(1, arity(method)); position += 1) {
        const args = arity(method) === 0 ? [make()] : valid.map((given, index) => (index === position ? make() : given));
        await expectRefused(method, args, `${what} as argument ${position}`);
      }
      // Hidden one level down, inside an object or an array.
      await expectRefused(method, [...valid, { inner: make() }], `${what} inside an object`);
      await expectRefused(method, [[make()], ...valid.slice(1)], `${what} inside an array`);
    }
    expectEngineUntouched();
  });

  it('a "__proto__" key, as JSON.parse makes it, is refused and pollutes nothing', async () => {
    for (const [method, json] of [
      ['inventory:list', '[{"__proto__": {"search": "x", "polluted": true}}]'],
      ['settings:set', '[{"__proto__": {"clipboardClearSeconds": 5}, "constructor": {"prototype": {"polluted": true}}}]'],
    ] as const) {
      await expectRefused(method, JSON.parse(json) as unknown[], json);
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expectEngineUntouched();
  });

  it('an unknown method reaches nothing: IPC has no channel for it, HTTP and the socket answer 404 not_found', async () => {
    for (const method of ['shell:exec', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'key:show/extra', 'KEY:SHOW', '']) {
      for (const transport of transports) {
        const answer = await transport.call(method, [REF]).catch((error: unknown) => error);
        if (transport.name === 'IPC') {
          // The binding registered one channel per contract method and no other: Electron has nothing to call.
          expect(answer, method).toBeInstanceOf(Error);
          expect((answer as Error).message, method).toMatch(/No handler registered/);
        } else {
          expect(answer, method).toEqual({ ok: false, status: 404, error: { code: 'not_found', message: `no contract method ${JSON.stringify(method)}` } });
        }
      }
    }
    expectEngineUntouched();
  });

  it('a call every transport accepts gets the same answer from each, through the engine', async () => {
    const answers = [];
    for (const transport of transports) {
      const answer = await transport.call('inventory:list', [{ search: 'mailer' }]);
      expect(answer, transport.name).toMatchObject({ ok: true, value: [{ name: 'Mailer' }] });
      answers.push((answer as { value: Array<{ name: string; backend: string }> }).value.map(({ name, backend }) => ({ name, backend })));
      expect(transport.counting.calls, transport.name).toEqual(['listKeys']);
      transport.counting.calls.length = 0;
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  /** Runs `method` over every transport while the engine misbehaves as `instead`; returns each answer. */
  const withFault = async (engineMethod: Parameters<CountingEngine['misbehave']>[0], instead: (...args: unknown[]) => unknown, method: ContractMethod, args: unknown[]) => {
    const answers: Answer[] = [];
    for (const transport of transports) {
      transport.counting.misbehave(engineMethod, instead);
      try {
        answers.push(await transport.call(method, args));
      } finally {
        transport.counting.misbehave(engineMethod, undefined);
      }
      // The engine was reached: these are the engine's failures, not refusals.
      expect(transport.counting.calls, transport.name).toEqual([engineMethod]);
      transport.counting.calls.length = 0;
    }
    return answers;
  };

  it("returns the engine's own error with its code and details, the same over each", async () => {
    const [ipc, http, socket] = await Promise.all(transports.map((transport) => transport.call('key:show', ['hand/missing'])));
    expect(ipc).toEqual({ ok: false, error: { code: 'not_found', message: expect.stringContaining('no key "missing" in backend "hand"'), details: { ref: 'hand/missing' } } });
    expect(http).toEqual({ ...ipc, status: 404 });
    expect(socket).toEqual(http);
    for (const transport of transports) transport.counting.calls.length = 0;
  });

  it('a defect with a secret-looking message: one neutral line to the page, the message and its stack only in the log', async () => {
    const secret = `kw_live_${randomBytes(18).toString('base64url')}`;
    const answers = await withFault(
      'inventoryFacets',
      () => {
        throw new TypeError(`cannot read properties of undefined (reading '${secret}')`);
      },
      'inventory:facets',
      [],
    );
    const [ipc, http] = answers;
    expect(ipc).toEqual({ ok: false, error: { code: 'internal', message: "inventory:facets failed: an internal error in Keywarden (details in the app's log)" } });
    expect(http).toEqual({
      ok: false,
      status: 500,
      error: { code: 'internal', message: 'inventory:facets failed: an internal error in Keywarden (details in the terminal running "keywarden ui")' },
    });
    expect(answers[2]).toEqual(http);
    for (const transport of transports) {
      const logged = transport.logs.find((line) => line.startsWith('inventory:facets failed'));
      expect(logged, transport.name).toMatch(/cannot read properties of undefined.*\n.*TypeError/s);
      expect(logged, transport.name).toMatch(/\n\s+at /);
    }
    expect(JSON.stringify(answers)).not.toContain(secret);
  });

  it('a result the contract does not declare never leaves the process: internal, over each', async () => {
    const secret = `kw_live_${randomBytes(18).toString('base64url')}`;
    const [ipc, http, socket] = await withFault('lockState', () => ({ locked: 'no', leaked: secret }), 'vault:lockstate', []);
    expect(ipc).toEqual({ ok: false, error: { code: 'internal', message: expect.stringMatching(/^vault:lockstate failed: an internal error in Keywarden \(details in the app's log\)$/) } });
    expect(http).toMatchObject({ ok: false, status: 500, error: { code: 'internal' } });
    expect(socket).toEqual(http);
    expect(JSON.stringify([ipc, http, socket])).not.toContain(secret);
    for (const transport of transports) expect(transport.logs.join('\n'), transport.name).toMatch(/vault:lockstate: the engine's result does not fit the contract/);
  });

  it('details that are not plain values are left out: only strings, finite numbers, booleans and null cross, the same over each', async () => {
    const secret = `kw_live_${randomBytes(18).toString('base64url')}`;
    const details = {
      ref: 'hand/k1',
      count: 3,
      shownOnce: true,
      replacedBy: null,
      nested: { deep: { secret } },
      list: [secret],
      callback: () => secret,
      when: new Date(),
      notANumber: Number.NaN,
      big: 10n,
    };
    const [ipc, http, socket] = await withFault(
      'getKey',
      () => {
        throw new KeywardenError('conflict', 'the key is being rotated', details as never);
      },
      'key:show',
      [REF],
    );
    const expected = { code: 'conflict', message: 'the key is being rotated', details: { ref: 'hand/k1', count: 3, shownOnce: true, replacedBy: null } };
    expect(ipc).toEqual({ ok: false, error: expected });
    expect(http).toEqual({ ok: false, status: 409, error: expected });
    expect(socket).toEqual(http);
    expect(JSON.stringify([ipc, http, socket])).not.toContain(secret);
  });

  it('logged every refusal on each, saying why and never what was sent; the clipboard was never reached', () => {
    for (const transport of transports) {
      expect(transport.logs.filter((line) => line.startsWith('refused ')).length, transport.name).toBeGreaterThan(METHODS.length * 20);
      // The log says why, never what was sent (a credential may be among the arguments).
      expect(
        transport.logs.some((line) => line.includes('x'.repeat(100)) || line.includes('y'.repeat(100))),
        transport.name,
      ).toBe(false);
    }
  });
});
