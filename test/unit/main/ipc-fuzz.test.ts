/**
 * Fuzzes the IPC binding: for EVERY contract method, arguments of the wrong type, missing, extra, oversized and not
 * plain data are sent through the bound handler, as Keywarden's own page would send them (so the frame check
 * passes and only the argument judgement stands in the way). Each must be refused with a clear `invalid_input`
 * naming the method, and none may reach the engine: a counting wrapper around a real engine counts every call.
 *
 * The valid sample per method is typed by the contract, so a method added to it fails to compile here until it
 * has one, and is then fuzzed like the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, type ContractArgs, type ContractMethod } from '../../../shared/contract.js';
import type { IpcAnswer } from '../../../shared/ipc-channels.js';
import { createContractHandlers } from '../../../electron/core/contract-handlers.js';
import { APP_START_URL } from '../../../electron/core/desktop/app-protocol.js';
import { DEFAULT_ARGUMENT_LIMITS } from '../../../electron/core/desktop/contract-dispatch.js';
import { bindContract, createFrameCheck } from '../../../electron/main/ipc.js';
import { openCountingEngine, recordingSink, type CountingEngine } from '../../support/counting-engine.js';
import { fake, FakeBrowserWindow } from '../../support/fake-electron.js';

const REF = 'hand/k1';

/** One valid call per method (valid for the schema; whether the engine would succeed does not matter here). */
const VALID: { [M in ContractMethod]: ContractArgs<M> } = {
  'inventory:list': [{}],
  'inventory:query': [{ limit: 10, sort: { field: 'name', direction: 'asc' } }],
  'inventory:facets': [],
  'key:show': [REF],
  'key:actions': [REF],
  'key:facts': [REF],
  'key:copy': [REF],
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
  'vault:status': [],
  'vault:lock': [],
  'vault:unlock': [{ passphrase: 'correct horse battery' }],
  'vault:passphrase': [{ passphrase: 'correct horse battery' }],
  'vault:lockstate': [],
  'settings:get': [],
  'settings:set': [{ clipboardClearSeconds: 10 }],
  'export:inventory': [{ format: 'csv' }],
  'sync:run': [['hand']],
  'reminders:list': [{ withinDays: 30 }],
  'reminders:snooze': [REF, 7],
  'audit:list': [{ limit: 5 }],
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
];

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
];

describe('the IPC binding under fuzzing', () => {
  let counting: CountingEngine;
  let window: FakeBrowserWindow;
  let unbind: () => void;
  let copies = 0;
  const refusals: string[] = [];

  beforeAll(async () => {
    fake.reset();
    counting = openCountingEngine();
    await counting.real.addBackend({ name: 'hand', type: 'manual' });
    window = new FakeBrowserWindow({});
    await window.loadURL(APP_START_URL);
    const handlers = createContractHandlers(counting.engine, recordingSink(), {
      info: () => ({ host: 'desktop', home: counting.home, demo: false, demoAvailable: false }),
      copySecret: async () => {
        copies += 1;
        return { clearsInSeconds: 30 };
      },
    });
    unbind = bindContract(
      fake.ipcMain,
      handlers,
      createFrameCheck(() => window),
      { log: (line) => refusals.push(line) },
    );
    counting.calls.length = 0;
  });

  afterAll(async () => {
    unbind();
    await counting.close();
  });

  /** A call from Keywarden's own page, its arguments handed over as given (no serialization in between). */
  const call = (method: ContractMethod, args: unknown[]) =>
    fake.ipcMain.invoke(`contract:${method}`, { sender: window.webContents, senderFrame: window.webContents.mainFrame }, ...args) as Promise<IpcAnswer>;

  const expectRefused = async (method: ContractMethod, args: unknown[], what: string) => {
    const answer = await call(method, args);
    expect(answer.ok, `${method} with ${what}`).toBe(false);
    if (answer.ok) return;
    expect(answer.error.code, `${method} with ${what}`).toBe('invalid_input');
    // Clear: it names the method and says what is wrong, in one line of reasonable length, without a stack.
    expect(answer.error.message, `${method} with ${what}`).toMatch(new RegExp(`^${method}: (refused: the arguments|invalid arguments: )`));
    expect(answer.error.message.length, `${method} with ${what}`).toBeLessThan(400);
    expect(answer.error.message).not.toMatch(/\n\s+at /);
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
    expect(counting.calls).toEqual([]);
  });

  it.each(METHODS)('%s: missing arguments are refused before the engine', async (method) => {
    const valid = VALID[method] as unknown[];
    const required = (CONTRACT[method].args as unknown as { def: { items: Array<{ safeParse(value: unknown): { success: boolean } }> } }).def.items.filter(
      (item) => !item.safeParse(undefined).success,
    ).length;
    // Methods whose every argument may be left out (vault:unlock without a passphrase) have nothing to miss.
    if (required === 0) return;
    for (let kept = 0; kept < required; kept += 1) await expectRefused(method, valid.slice(0, kept), `only ${kept} of ${required} required arguments`);
    // An explicit undefined in a required place is missing too.
    await expectRefused(
      method,
      valid.map((given, index) => (index === 0 ? undefined : given)),
      'undefined first',
    );
    expect(counting.calls).toEqual([]);
  });

  it.each(METHODS)('%s: extra arguments are refused before the engine', async (method) => {
    const valid = VALID[method] as unknown[];
    for (const extra of ['extra', 0, {}, [], null, REF]) await expectRefused(method, [...valid, extra], `an extra ${JSON.stringify(extra)}`);
    await expectRefused(method, [...valid, 'a', 'b', 'c'], 'three extras');
    expect(counting.calls).toEqual([]);
  });

  it.each(METHODS)('%s: oversized arguments are refused before the engine (and before the schema walks them)', async (method) => {
    const valid = VALID[method] as unknown[];
    for (const [what, make] of OVERSIZED) {
      // In each argument's place, and appended (which also covers methods without arguments).
      for (let position = 0; position < arity(method); position += 1) {
        await expectRefused(
          method,
          valid.map((given, index) => (index === position ? make() : given)),
          `${what} as argument ${position}`,
        );
      }
      await expectRefused(method, [...valid, make()], `${what} appended`);
    }
    // Big inside an object, where a string field has no length limit of its own (a key reference, a search text).
    const long = 'y'.repeat(70_000);
    const stretched = valid.some((given) => typeof given === 'string') ? valid.map((given) => (typeof given === 'string' ? `${given}${long}` : given)) : [...valid, long];
    await expectRefused(method, stretched, 'long strings');
    expect(counting.calls).toEqual([]);
  });

  it.each(METHODS)('%s: values that are not plain data are refused before the engine', async (method) => {
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
    expect(counting.calls).toEqual([]);
  });

  it('reached neither the engine nor the clipboard, and logged the refusals', () => {
    expect(counting.calls).toEqual([]);
    expect(copies).toBe(0);
    expect(refusals.length).toBeGreaterThan(METHODS.length * 20);
    // The log says why, never what was sent (a credential may be among the arguments).
    expect(refusals.some((line) => line.includes('x'.repeat(100)))).toBe(false);
  });

  it('still answers a valid call (the counter counts)', async () => {
    expect(await call('inventory:list', [{}])).toEqual({ ok: true, value: [] });
    expect(counting.calls).toEqual(['listKeys']);
  });
});
