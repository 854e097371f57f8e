/**
 * The IPC channel names of the desktop app and the envelope its answers travel in, in one place for both sides:
 * the main process binds `contract:<method>` for every method of CONTRACT and sends `event:<name>` for every event
 * of CONTRACT_EVENTS; the preload invokes and listens on exactly these. Both are derived from the contract, so a
 * method added there has its channel here with no change, and no other channel exists.
 */
import { CONTRACT, CONTRACT_EVENTS, type ContractEvent, type ContractEventPayload, type ContractMethod } from './contract.js';

export type ContractChannel = `contract:${ContractMethod}`;
export type EventChannel = `event:${ContractEvent}`;

export function contractChannel(method: ContractMethod): ContractChannel {
  return `contract:${method}`;
}

export function eventChannel(event: ContractEvent): EventChannel {
  return `event:${event}`;
}

/** Every method's channel, in the contract's order. */
export const CONTRACT_CHANNELS: ReadonlyArray<readonly [ContractMethod, ContractChannel]> = Object.freeze(
  (Object.keys(CONTRACT) as ContractMethod[]).map((method) => [method, contractChannel(method)] as const),
);

/** Every event's channel, in the contract's order. */
export const EVENT_CHANNELS: ReadonlyArray<readonly [ContractEvent, EventChannel]> = Object.freeze(
  (Object.keys(CONTRACT_EVENTS) as ContractEvent[]).map((event) => [event, eventChannel(event)] as const),
);

/** A failed call as it crosses IPC: the engine's code (or the binding's own) and a line for the administrator; never a stack. */
export interface IpcError {
  code: string;
  message: string;
  details?: Record<string, string | number | boolean | null>;
}

/**
 * What every `contract:<method>` handler answers. An envelope rather than a thrown error, because Electron turns a
 * handler's throw into a new Error whose message is prefixed ("Error invoking remote method ...") and whose other
 * properties, the code among them, are lost; it also logs the thrown error's stack in the main process.
 */
export type IpcAnswer = { ok: true; value: unknown } | { ok: false; error: IpcError };

export function isIpcAnswer(value: unknown): value is IpcAnswer {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  if (value.ok !== false || !('error' in value)) return false;
  const error = value.error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { message?: unknown }).message === 'string';
}

/** The handlers a page subscribes with: any of the contract's events, each with its payload's type. */
export type ContractEventHandlers = { [E in ContractEvent]?: (payload: ContractEventPayload<E>) => void };

/** The code of a call the main process refused before the engine saw it (a foreign frame, arguments out of bounds). */
export const REQUEST_REFUSED = 'request_refused';
