/**
 * The contract over HTTP: `POST /api/<method>` with the JSON array of the method's arguments, answered with
 * the method's result as JSON, or `{ "error": { "code", "message", "details"? } }`. One route per contract method,
 * found by name in CONTRACT (no list of methods here), so a method added to the contract is served with no change.
 *
 * A thin adapter around electron/core/contract-pipeline.ts, which judges and runs the call exactly as it does for the
 * desktop app's IPC (the method, plain data within bounds, the schema, the handler, the result's schema, one error
 * shape). What is HTTP's own stays here (the server has already checked Host, Origin and the session's request key):
 * an unknown method is answered before its body is read, then POST only, `application/json`, a body no larger than
 * the cap, UTF-8 JSON; and each failure's HTTP status.
 */
import type http from 'node:http';
import { type ContractHandlers, isContractMethod } from '../../../shared/contract.js';
import { type ContractOutcome, type ContractPipelineOptions, invokeContract } from '../../core/contract-pipeline.js';
import type { ErrorCode } from '../../core/errors.js';
import { discardRefusedBody, sendApiError, sendJson } from './respond.js';

/**
 * The HTTP status of each engine error code; the body's `code` is what a client branches on. Every code must
 * be listed (the type says so), so a new one gets a status chosen on purpose. A vendor's 401 or 403 is the
 * vendor's answer, not the console's: 502, so the browser never confuses it with a missing session.
 */
const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  insecure_url: 400,
  not_found: 404,
  no_inventory: 404,
  conflict: 409,
  secret_not_cached: 409,
  no_credential: 409,
  unsupported: 422,
  // The source file is the user's input: a bad one is a request the console can explain.
  import_malformed: 422,
  import_unsupported: 422,
  import_wrong_password: 422,
  import_too_large: 413,
  keychain_locked: 423,
  vault_locked: 423,
  passphrase_required: 423,
  locked: 423,
  keychain_unavailable: 503,
  store_busy: 503,
  vault_key_mismatch: 500,
  vault_key_missing: 500,
  store_corrupt: 500,
  store_read_only: 500,
  insecure_permissions: 500,
  internal: 500,
  network: 502,
  unauthorized: 502,
  forbidden: 502,
  rate_limited: 502,
  vendor_unavailable: 502,
  vendor_rejected: 502,
  malformed_response: 502,
  outcome_unknown: 502,
  timeout: 504,
};

/** The status of a failure the pipeline itself decided (the engine's own codes go through STATUS). */
const KIND_STATUS = { unknown_method: 404, invalid_arguments: 400, internal: 500 } as const;

/** What a body larger than the cap may still send before the connection is cut instead of drained. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

export interface ApiOptions {
  handlers: ContractHandlers;
  maxBodyBytes: number;
  log: (message: string) => void;
}

/** Serves one call; `name` is the path segment after /api/, already decoded. */
export async function serveContractCall(request: http.IncomingMessage, response: http.ServerResponse, name: string, options: ApiOptions): Promise<void> {
  const call = (args: unknown) => runContractCall(options.handlers, name, args, options.log);
  if (!isContractMethod(name)) {
    // The pipeline's own answer to a method it does not have (whatever the arguments), given before the body is read.
    discardRefusedBody(request, response);
    sendOutcome(response, await call([]));
    return;
  }
  if (request.method !== 'POST') {
    discardRefusedBody(request, response);
    response.setHeader('Allow', 'POST');
    sendApiError(response, 405, 'invalid_input', `${name} is called with POST`);
    return;
  }
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') {
    discardRefusedBody(request, response);
    sendApiError(response, 415, 'invalid_input', 'the arguments must be sent as application/json');
    return;
  }
  const body = await readBody(request, options.maxBodyBytes);
  if (body === 'cut') return;
  if (body === 'too_large') {
    sendApiError(response, 413, 'invalid_input', `the request body is larger than ${options.maxBodyBytes} bytes`);
    return;
  }
  let args: unknown;
  try {
    args = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    sendApiError(response, 400, 'invalid_input', 'the request body is not JSON (UTF-8)');
    return;
  }
  sendOutcome(response, await call(args));
}

/** One call through the contract pipeline, however it arrived (a POST here, a frame on the console's socket). */
export function runContractCall(handlers: ContractHandlers, name: string, args: unknown, log: (message: string) => void): Promise<ContractOutcome> {
  const pipeline: ContractPipelineOptions = { detailsAt: 'the terminal running "keywarden ui"', log };
  return invokeContract(handlers, name, args, pipeline);
}

function sendOutcome(response: http.ServerResponse, outcome: ContractOutcome): void {
  // undefined is not JSON; a method declared to return nothing returns null.
  if (outcome.ok) sendJson(response, 200, outcome.value ?? null);
  else sendApiError(response, failureStatus(outcome), outcome.error.code, outcome.error.message, outcome.error.details);
}

/** The HTTP status of a failed call, whichever way it travelled (a POST, or a message on the console's socket). */
export function failureStatus(outcome: Extract<ContractOutcome, { ok: false }>): number {
  return outcome.kind === 'engine' ? (STATUS[outcome.error.code] ?? 500) : KIND_STATUS[outcome.kind];
}

/**
 * Reads the body up to `max` bytes. A larger body is read to its end and thrown away (so the client gets
 * the 413 instead of a reset connection), up to `drainLimit`, beyond which the connection is cut: then, and when
 * the client goes away mid-body, the answer is 'cut' and there is nobody left to answer.
 */
export function readBody(request: http.IncomingMessage, max: number, drainLimit = DRAIN_LIMIT_BYTES): Promise<Buffer | 'too_large' | 'cut'> {
  return new Promise((resolve) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > drainLimit) {
      request.destroy();
      resolve('cut');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > drainLimit) request.destroy();
      else if (size <= max) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > max ? 'too_large' : Buffer.concat(chunks)));
    request.on('error', () => resolve('cut'));
    request.on('close', () => {
      if (!request.complete) resolve('cut');
    });
  });
}
