/**
 * One contract call as the desktop app's main process receives it over IPC, judged before anything reaches the
 * engine, in this order:
 *
 * 1. the arguments are plain data (null, booleans, numbers, strings, arrays and plain objects: what a contract
 *    method can take), within a size and a depth bound: a renderer that sends megabytes, a Map or a 10,000-deep
 *    array is refused without zod walking it;
 * 2. they pass the method's schema (`parseContractArgs`);
 * 3. the handler (electron/core/contract-handlers.ts) runs, and its result must fit the method's result schema,
 *    so nothing the contract does not declare leaves the process.
 *
 * Every answer is an `IpcAnswer` envelope: a failure is `{ code, message }` (a KeywardenError's own code and line,
 * `invalid_input` for arguments the contract refuses, `request_refused` for what the binding refuses), never a
 * stack. Internal errors are logged here with their stack and reported to the page in one neutral line.
 *
 * Electron-free (the frame check, which needs Electron's objects, is electron/main/ipc.ts), so it is tested in Node.
 */
import { CONTRACT, type ContractHandlers, ContractViolation, isContractMethod, parseContractArgs } from '../../../shared/contract.js';
import { type IpcAnswer, REQUEST_REFUSED } from '../../../shared/ipc-channels.js';
import { KeywardenError, toKeywardenError } from '../errors.js';

export interface ArgumentLimits {
  /**
   * Roughly the size of the arguments as JSON. The largest a method legitimately takes is a manual key with its
   * secret and test template (about 20 KiB); 64 KiB leaves room and still refuses a flood.
   */
  maxBytes: number;
  /** How deeply arrays and objects may nest; the deepest argument (a manual key's test template) is 3 levels down. */
  maxDepth: number;
}

export const DEFAULT_ARGUMENT_LIMITS: ArgumentLimits = { maxBytes: 64 * 1024, maxDepth: 8 };

export interface ContractDispatcherOptions {
  handlers: ContractHandlers;
  /** Where refusals and internal errors are reported (the main process's log); never the arguments themselves, which may hold a credential. */
  log?: (message: string) => void;
  limits?: Partial<ArgumentLimits>;
}

export interface ContractDispatcher {
  /** Judges and runs one call; never throws. */
  call(method: string, args: unknown): Promise<IpcAnswer>;
  /** The answer to a call refused before it was judged (a foreign frame); logged. */
  refuse(method: string, reason: string): IpcAnswer;
}

export function createContractDispatcher(options: ContractDispatcherOptions): ContractDispatcher {
  const log = options.log ?? (() => {});
  const limits: ArgumentLimits = { ...DEFAULT_ARGUMENT_LIMITS, ...options.limits };
  const shown = (method: string) => JSON.stringify(method.slice(0, 100));

  const refuse = (method: string, reason: string, code = REQUEST_REFUSED): IpcAnswer => {
    log(`refused ${shown(method)}: ${reason}`);
    return { ok: false, error: { code, message: `${method.slice(0, 100)}: refused: ${reason}` } };
  };

  return {
    refuse,
    async call(method, args) {
      if (!isContractMethod(method)) return refuse(method, 'not a contract method');
      if (!Array.isArray(args)) return refuse(method, 'the arguments are not a list', 'invalid_input');
      const problem = checkPlainArguments(args, limits);
      if (problem) return refuse(method, `the arguments ${problem}`, 'invalid_input');
      let parsed: unknown[];
      try {
        parsed = parseContractArgs(method, args);
      } catch (error) {
        const message = error instanceof ContractViolation ? error.message : `${method}: invalid arguments`;
        log(`refused ${shown(method)}: ${message}`);
        return { ok: false, error: { code: 'invalid_input', message } };
      }
      try {
        const handler = options.handlers[method] as (...handlerArgs: unknown[]) => Promise<unknown>;
        const result = await handler(...parsed);
        const checked = CONTRACT[method].result.safeParse(result);
        if (!checked.success) throw new KeywardenError('internal', `${method}: the engine's result does not fit the contract: ${checked.error.issues[0]?.message ?? 'invalid'}`);
        return { ok: true, value: checked.data };
      } catch (error) {
        const typed = toKeywardenError(error);
        if (typed.code !== 'internal') return { ok: false, error: { code: typed.code, message: typed.message, details: { ...typed.details } } };
        // A defect: the whole story goes to the main process's log, one neutral line to the page.
        const cause: unknown = typed.cause ?? typed;
        log(`${method} failed with an internal error: ${typed.message}${cause instanceof Error && cause.stack ? `\n${cause.stack}` : ''}`);
        return { ok: false, error: { code: 'internal', message: `${method} failed: an internal error in Keywarden (details in the app's log)` } };
      }
    },
  };
}

/**
 * Why `value` is not plain data within the limits, or null when it is. Iterative (a deep value cannot overflow the
 * stack) and counting before descending (a sparse array of a billion holes is refused by its length, not walked).
 */
export function checkPlainArguments(value: unknown, limits: ArgumentLimits = DEFAULT_ARGUMENT_LIMITS): string | null {
  let bytes = 0;
  const pending: Array<{ item: unknown; depth: number }> = [{ item: value, depth: 0 }];
  while (pending.length > 0) {
    const { item, depth } = pending.pop()!;
    if (item === null || item === undefined || typeof item === 'boolean' || typeof item === 'number') {
      bytes += 8;
    } else if (typeof item === 'string') {
      bytes += item.length + 2;
    } else if (depth >= limits.maxDepth && typeof item === 'object') {
      return `nest deeper than ${limits.maxDepth} levels`;
    } else if (Array.isArray(item)) {
      bytes += item.length + 2;
      if (bytes > limits.maxBytes) break;
      for (let index = 0; index < item.length; index += 1) pending.push({ item: item[index] as unknown, depth: depth + 1 });
    } else if (typeof item === 'object' && isPlainObject(item)) {
      const keys = Object.keys(item);
      bytes += keys.length + 2;
      if (bytes > limits.maxBytes) break;
      for (const key of keys) {
        bytes += key.length + 3;
        pending.push({ item: (item as Record<string, unknown>)[key], depth: depth + 1 });
      }
    } else {
      return `hold ${describeValue(item)}, which no contract method takes`;
    }
    if (bytes > limits.maxBytes) break;
  }
  return bytes > limits.maxBytes ? `are larger than ${limits.maxBytes} bytes` : null;
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeValue(value: unknown): string {
  const article = (word: string) => `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
  if (typeof value !== 'object' || value === null) return article(typeof value);
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name !== '' ? article(name) : 'an object that is not plain data';
}
