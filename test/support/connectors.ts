/** Helpers for tests that drive a Connector, or the CLI, against the vendor emulators. */
import { expect } from 'vitest';
import type { Connector, RemoteKey } from '../../electron/core/backends/backend.js';
import { KeywardenError } from '../../electron/core/errors.js';

/** Awaits a call that must fail, and returns the KeywardenError it failed with. */
export async function failure(call: Promise<unknown> | (() => Promise<unknown>)): Promise<KeywardenError> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    return error as KeywardenError;
  }
  throw new Error('expected a KeywardenError, but the call succeeded');
}

/** Walks `listPage` from the start until `nextCursor` is null (bounded, so a looping cursor fails instead of hanging). */
export async function listAll(connector: Connector): Promise<{ keys: RemoteKey[]; pages: number }> {
  const keys: RemoteKey[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await connector.listPage(cursor);
    keys.push(...page.keys);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 50);
  expect(cursor, 'pagination must end').toBeNull();
  return { keys, pages };
}

/** Moves an emulator's clock forward through its control endpoint, as a test of expiry or rotation needs. */
export async function advanceEmulatorClock(emulatorUrl: string, days: number): Promise<void> {
  const response = await fetch(`${emulatorUrl}/__emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceDays: days }),
  });
  expect(response.status).toBe(200);
}
