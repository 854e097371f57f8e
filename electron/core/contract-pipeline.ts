/**
 * One contract call, judged and run the same way whatever carried it: the desktop app's IPC (electron/main/ipc.ts)
 * and `keywarden ui`'s HTTP API (electron/cli/ui/api.ts) are thin adapters around `invokeContract`, so a refusal, a
 * limit or an error's shape cannot drift between them. In order, nothing reaching the engine before all of 1 to 3
 * passed:
 *
 * 1. the method is one of the contract's (found by name in CONTRACT, own properties only);
 * 2. the arguments are a list of plain data (null, booleans, numbers, strings, arrays and plain objects without a
 *    `__proto__` key: what a contract method can take), within a size and a depth bound (64 KiB, but for the chunk of a
 *    file `import:stage` carries: LARGER_ARGUMENTS): megabytes, a Map, a function, a cycle or a 10,000-deep array are
 *    refused without zod walking them;
 * 3. they pass the method's schema (`parseContractArgs`);
 * 4. the handler (contract-handlers.ts) runs, and its result must fit the method's result schema, so nothing the
 *    contract does not declare leaves the process.
 *
 * A failure is one shape, `{ code, message, details? }`: the engine's KeywardenError with its own code and line,
 * `invalid_input` for arguments the contract refuses, `not_found` for a method it does not have. `details` are copied
 * as plain JSON values only (strings, finite numbers, booleans, null), so a nested object or anything else a handler
 * put there never crosses. An internal error (a defect, or a result that does not fit) is logged with its stack and
 * answered in one neutral line that says where its details are; its text never crosses (it may hold anything).
 * Refusals are logged too, saying why, never the arguments (they may hold a credential).
 *
 * Plain Node (no Electron, no HTTP), so every transport and the tests call the same code.
 */
import { CONTRACT, type ContractHandlers, type ContractMethod, ContractViolation, isContractMethod, parseContractArgs } from '../../shared/contract.js';
import { IMPORT_CHUNK_BASE64_CHARS } from '../../shared/imports.js';
import { type ErrorCode, KeywardenError, toKeywardenError } from './errors.js';

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

/**
 * Methods allowed more than `maxBytes`, and how much: `import:stage` carries a chunk of a file to import (its schema
 * bounds the chunk's base64 at IMPORT_CHUNK_BASE64_CHARS; a few KiB more for its name and the JSON around it). Still
 * under the console's 1 MiB request body, and checked here before the schema walks it like any other argument.
 */
export const LARGER_ARGUMENTS: Partial<Record<ContractMethod, number>> = { 'import:stage': IMPORT_CHUNK_BASE64_CHARS + 4096 };

/** What may travel in an error's `details`: the engine's structured, secret-free facts (a ref, a backend, a count). */
export type ContractErrorDetails = Record<string, string | number | boolean | null>;

export interface ContractError {
  code: ErrorCode;
  message: string;
  /** Present only when there is something in it. */
  details?: ContractErrorDetails;
}

/**
 * Why a call failed, so a transport can answer in its own terms (HTTP picks its status from it):
 * - `unknown_method`: no such contract method (code `not_found`);
 * - `invalid_arguments`: not a list, not plain data, beyond the limits, or refused by the schema (code
 *   `invalid_input`); the handler never ran;
 * - `engine`: the engine refused or failed with a KeywardenError of its own code;
 * - `internal`: a defect (code `internal`), logged with its stack.
 */
export type ContractFailureKind = 'unknown_method' | 'invalid_arguments' | 'engine' | 'internal';

export type ContractOutcome = { ok: true; value: unknown } | { ok: false; kind: ContractFailureKind; error: ContractError };

export interface ContractPipelineOptions {
  /**
   * Where an internal error's details can be read, named in the one line the caller gets: "the app's log",
   * `the terminal running "keywarden ui"`.
   */
  detailsAt: string;
  /** Where refusals and internal errors are reported (the main process's log, the terminal); never the arguments. */
  log?: (message: string) => void;
  limits?: Partial<ArgumentLimits>;
}

/** Judges and runs one call; never throws. `rawArgs` is what the transport received, before any check. */
export async function invokeContract(handlers: ContractHandlers, method: string, rawArgs: unknown, options: ContractPipelineOptions): Promise<ContractOutcome> {
  const log = options.log ?? (() => {});
  const limits: ArgumentLimits = { ...DEFAULT_ARGUMENT_LIMITS, ...options.limits };
  // A name chosen by the caller: shortened and quoted wherever it is repeated, so it cannot fill or forge a log line.
  const shown = JSON.stringify(method.slice(0, 100));
  const refuse = (kind: 'unknown_method' | 'invalid_arguments', code: ErrorCode, message: string, reason = message, details?: ContractErrorDetails): ContractOutcome => {
    log(`refused ${shown}: ${reason}`);
    return { ok: false, kind, error: { code, message, ...(details ? { details } : {}) } };
  };

  if (!isContractMethod(method)) return refuse('unknown_method', 'not_found', `no contract method ${shown}`, 'not a contract method');
  const allowed = { ...limits, maxBytes: Math.max(limits.maxBytes, LARGER_ARGUMENTS[method] ?? 0) };
  const problem = Array.isArray(rawArgs) ? checkPlainArguments(rawArgs, allowed) : 'are not a list (one item per argument)';
  if (problem) return refuse('invalid_arguments', 'invalid_input', `${method}: refused: the arguments ${problem}`, `the arguments ${problem}`);
  let parsed: unknown[];
  try {
    parsed = parseContractArgs(method, rawArgs);
  } catch (error) {
    // The field of an object argument the schema refused (`rotateEveryDays`, `test.expectStatus`), as the engine's own
    // refusals name theirs: a form shows the message under that field.
    const field = error instanceof ContractViolation && error.path.length > 1 ? error.path.slice(1).map(String).join('.') : null;
    const message = error instanceof ContractViolation ? error.message : `${method}: invalid arguments`;
    return refuse('invalid_arguments', 'invalid_input', message, message, field ? { field } : undefined);
  }

  try {
    const handler = handlers[method] as (...handlerArgs: unknown[]) => Promise<unknown>;
    const result = await handler(...parsed);
    const checked = CONTRACT[method].result.safeParse(result);
    if (!checked.success) throw new KeywardenError('internal', `${method}: the engine's result does not fit the contract: ${checked.error.issues[0]?.message ?? 'invalid'}`);
    return { ok: true, value: checked.data };
  } catch (error) {
    const typed = toKeywardenError(error);
    if (typed.code !== 'internal') {
      const details = plainDetails(typed.details);
      return { ok: false, kind: 'engine', error: { code: typed.code, message: typed.message, ...(details ? { details } : {}) } };
    }
    // A defect: the whole story goes to the log, one neutral line to the caller.
    const cause: unknown = typed.cause ?? typed;
    log(`${method} failed with an internal error: ${typed.message}${cause instanceof Error && cause.stack ? `\n${cause.stack}` : ''}`);
    return { ok: false, kind: 'internal', error: { code: 'internal', message: `${method} failed: an internal error in Keywarden (details in ${options.detailsAt})` } };
  }
}

/**
 * A copy of an error's details with only what its type promises: own string keys with a string, finite number,
 * boolean or null value. Anything else a handler put there (a nested object, an array, a function, NaN) is left
 * out rather than serialized, passed by reference or allowed to make the answer uncloneable. Null when nothing is left.
 */
function plainDetails(details: unknown): ContractErrorDetails | null {
  if (typeof details !== 'object' || details === null) return null;
  let kept: Array<[string, unknown]>;
  try {
    kept = Object.entries(details).filter(([, value]) => value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)));
  } catch {
    // A getter or proxy that throws: the details are dropped, the error's code and message still go out.
    return null;
  }
  // fromEntries defines each key as an own property, so a key named __proto__ stays data.
  return kept.length > 0 ? (Object.fromEntries(kept) as ContractErrorDetails) : null;
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
        // Only JSON.parse makes such a key (as data); no contract method takes one, and a careless merge would make it a prototype.
        if (key === '__proto__') return 'hold a "__proto__" key, which no contract method takes';
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
