/**
 * How an unexpected status becomes the one-line error an administrator reads (`expectStatus`): the
 * vendor's own code, and when to try again where the vendor said so.
 */
import { describe, expect, it } from 'vitest';
import { expectStatus } from '../../electron/core/backends/connector-kit.js';
import type { HttpResponse } from '../../electron/core/backends/http.js';
import { KeywardenError } from '../../electron/core/errors.js';

const BACKEND = 'kit-test';

function answer(status: number, headers: Record<string, string> = {}, body: unknown = null): HttpResponse {
  return { status, attempts: 4, headers, body };
}

function thrown(response: HttpResponse): KeywardenError {
  try {
    expectStatus(response, [200], BACKEND, 'listing keys');
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    return error as KeywardenError;
  }
  throw new Error('expected expectStatus to throw');
}

describe('Retry-After in the error', () => {
  it('a 429 says when to try again', () => {
    const error = thrown(answer(429, { 'retry-after': '120' }));
    expect(error.code).toBe('rate_limited');
    expect(error.message).toBe(`${BACKEND}: rate limited while listing keys (429); try again in 120 s`);
    expect(error.details.retryAfterSeconds).toBe(120);
  });

  it('a 503 (maintenance) says when to try again too, with the vendor code', () => {
    const error = thrown(answer(503, { 'retry-after': '90' }, { error: 'maintenance', message: 'back soon' }));
    expect(error.code).toBe('vendor_unavailable');
    expect(error.message).toMatch(/^kit-test: .*listing keys.*HTTP 503.*\(maintenance: back soon\); try again in 90 s$/);
    expect(error.details).toMatchObject({ status: 503, vendorError: 'maintenance', retryAfterSeconds: 90 });
  });

  it('a 503 with an HTTP-date Retry-After is rounded up to whole seconds', () => {
    const error = thrown(answer(503, { 'retry-after': new Date(Date.now() + 30_500).toUTCString() }));
    expect(Number(error.details.retryAfterSeconds)).toBeGreaterThanOrEqual(29);
    expect(error.message).toMatch(/try again in \d+ s$/);
  });

  it('a 503 without Retry-After, and a 500, say nothing about when', () => {
    const unavailable = thrown(answer(503));
    expect(unavailable.message).not.toMatch(/try again/);
    expect(unavailable.details.retryAfterSeconds).toBeNull();
    const failed = thrown(answer(500, { 'retry-after': '5' }));
    expect(failed.code).toBe('vendor_unavailable');
    expect(failed.message).not.toMatch(/try again/);
  });
});
