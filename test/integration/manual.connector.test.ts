/**
 * The manual connector's key test against a real server on loopback: the template is checked as a whole
 * before the key is sent anywhere (also a template stored by an older, laxer version), a host name that
 * resolves into the local network is refused at connect time unless allowed, and the description shown
 * to the administrator names the target without the secret.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, RemoteKey } from '../../electron/core/backends/backend.js';
import { startBoxWatchEmulator } from '../../electron/core/backends/boxwatch/emulator.js';
import type { RunningEmulator } from '../../electron/core/backends/emulator-kit.js';
import { createHttpClient } from '../../electron/core/backends/http.js';
import { checkTestTemplate, createManualConnector, describeTestTarget } from '../../electron/core/backends/manual/connector.js';
import { failure } from '../support/connectors.js';

const BACKEND = 'manual-test';

let emulator: RunningEmulator;
let secret: string;
/** What the connector's clients resolve `localhost` to, when their guard is on. */
let localhostResolvesTo: string;
const asked: string[] = [];

beforeEach(async () => {
  const started = await startBoxWatchEmulator();
  emulator = started.emulator;
  secret = started.state.issueKey(started.state.addAccount('ops@acme.example').id, 'Entered by hand').secret;
  localhostResolvesTo = '127.0.0.1';
  asked.length = 0;
});

afterEach(async () => {
  await emulator.close();
});

function connector(): Connector {
  return createManualConnector({
    backendName: BACKEND,
    http: { request: () => Promise.reject(new Error('no vendor API')), bytesReceived: 0, close: async () => {} },
    credential: async () => '',
    settings: {},
    openHttp: (baseUrl, extra) =>
      createHttpClient(baseUrl, {
        backendName: BACKEND,
        baseBackoffMs: 5,
        ...extra,
        resolveHost: async (hostname) => {
          asked.push(hostname);
          return [{ address: hostname === 'localhost' ? localhostResolvesTo : '192.0.2.1', family: 4 }];
        },
      }),
  });
}

function key(details: Record<string, string | number | boolean | null>): RemoteKey {
  return {
    id: 'by-hand-1a2b3c',
    name: 'By hand',
    prefix: null,
    status: 'active',
    createdAt: null,
    expiresAt: null,
    graceEndsAt: null,
    lastUsedAt: null,
    details: { testHeader: 'Authorization', testValue: 'Bearer {secret}', testExpectStatus: 200, ...details },
  };
}

describe('checkTestTemplate', () => {
  const good = { url: 'https://api.example.com/v1/me', header: 'Authorization', valueTemplate: 'Bearer {secret}', expectStatus: 200 };
  const codeOf = (change: Partial<typeof good> & { allowPrivateNetwork?: boolean }) => {
    try {
      checkTestTemplate({ ...good, ...change });
      return null;
    } catch (error) {
      return (error as { code: string; message: string }).code;
    }
  };

  it('accepts a usual template, and any RFC 9110 token as header name', () => {
    expect(checkTestTemplate(good).hostname).toBe('api.example.com');
    for (const header of ['X-Api-Key', 'x-goog-api-key', 'Ocp-Apim-Subscription-Key', "a!#$%&'*+-.^_`|~9"]) expect(codeOf({ header }), header).toBeNull();
  });

  it('refuses header names that are not tokens', () => {
    for (const header of ['', 'X Api Key', 'Authorization:', 'X-Key\r\nHost', 'Ключ', '(key)']) expect(codeOf({ header }), JSON.stringify(header)).toBe('invalid_input');
  });

  it('refuses headers the HTTP client must control or that change what the test is, in any case', () => {
    for (const header of ['Host', 'content-length', 'Transfer-Encoding', 'CONNECTION', 'Upgrade', 'Cookie', 'TE', 'Trailer', 'Keep-Alive', 'Proxy-Authorization', 'proxy-connection']) {
      expect(codeOf({ header }), header).toBe('invalid_input');
    }
  });

  it('refuses a value without {secret} or with line breaks, a status outside 100..599, and a bad URL', () => {
    expect(codeOf({ valueTemplate: 'Bearer token' })).toBe('invalid_input');
    expect(codeOf({ valueTemplate: 'Bearer {secret}\r\nX-Evil: 1' })).toBe('invalid_input');
    expect(codeOf({ expectStatus: 99 })).toBe('invalid_input');
    expect(codeOf({ expectStatus: 600 })).toBe('invalid_input');
    expect(codeOf({ expectStatus: 200.5 })).toBe('invalid_input');
    expect(codeOf({ url: 'https://169.254.169.254/latest/meta-data/' })).toBe('invalid_input');
    expect(codeOf({ url: 'https://169.254.169.254/latest/meta-data/', allowPrivateNetwork: true })).toBeNull();
    expect(codeOf({ url: 'https://user:pw@example.com/x' })).toBe('invalid_input');
    expect(codeOf({ url: 'https://example.com/x#frag' })).toBe('invalid_input');
  });
});

describe('describeTestTarget', () => {
  it('says what the test sends where and what it expects, without the header value', () => {
    const details = { testUrl: 'https://api.stripe.com/v1/balance', testHeader: 'Authorization', testValue: 'Bearer {secret}', testExpectStatus: 200 };
    expect(describeTestTarget(details)).toBe('GET https://api.stripe.com/v1/balance with header Authorization, expecting 200');
    expect(describeTestTarget({ ...details, testAllowPrivateNetwork: true })).toBe(
      'GET https://api.stripe.com/v1/balance with header Authorization, expecting 200 (private network target allowed)',
    );
    expect(describeTestTarget({ ...details, testValue: `Bearer ${secret}` })).not.toContain(secret);
  });

  it('is null without a test, and masks user info stored by an older version', () => {
    expect(describeTestTarget({ vendor: 'Stripe' })).toBeNull();
    expect(describeTestTarget(undefined)).toBeNull();
    const described = describeTestTarget({ testUrl: 'https://admin:hunter2@example.com/x', testHeader: 'X-Key', testValue: '{secret}', testExpectStatus: 204 });
    expect(described).not.toContain('hunter2');
    expect(described).toMatch(/^GET https:\/\/\*\*\*@example\.com\/x with header X-Key, expecting 204$/);
  });
});

describe('testKey', () => {
  it('tests through the template, resolving the host name through the guard', async () => {
    const url = `http://localhost:${emulator.port}/auth/me`;
    expect(await connector().testKey(key({ testUrl: url }), secret)).toEqual({ ok: true, detail: 'HTTP 200 as expected' });
    expect(asked).toEqual(['localhost']);
    expect(emulator.requestLog).toEqual(['GET /auth/me']);
  });

  it('refuses a host name resolving to a private address, naming host and address, sending nothing', async () => {
    localhostResolvesTo = '10.20.30.40';
    const error = await failure(connector().testKey(key({ testUrl: `http://localhost:${emulator.port}/auth/me` }), secret));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('localhost');
    expect(error.message).toContain('10.20.30.40');
    expect(error.message).toMatch(/--test-allow-private-network/);
    expect(error.message).not.toContain(secret);
    expect(emulator.requestLog).toEqual([]);
  });

  it('connects where it resolves when the key allows private network targets', async () => {
    localhostResolvesTo = '10.20.30.40';
    const outcome = await connector().testKey(key({ testUrl: `http://localhost:${emulator.port}/auth/me`, testAllowPrivateNetwork: true }), secret);
    // The guard is off, so the operating system's resolver is used and the request reaches the emulator.
    expect(outcome.ok).toBe(true);
    expect(asked).toEqual([]);
  });

  it('refuses templates an older version stored without checking them, before sending the key', async () => {
    const stored: Array<Record<string, string>> = [
      { testUrl: 'https://169.254.169.254/latest/meta-data/iam/' },
      { testUrl: `http://user:pw@127.0.0.1:${emulator.port}/auth/me` },
      { testUrl: `http://127.0.0.1:${emulator.port}/auth/me#x` },
      { testUrl: `http://127.0.0.1:${emulator.port}/auth/me`, testHeader: 'Host' },
      { testUrl: `http://127.0.0.1:${emulator.port}/auth/me`, testHeader: 'Proxy-Authorization' },
    ];
    for (const details of stored) {
      const error = await failure(connector().testKey(key(details), secret));
      expect(error.code, JSON.stringify(details)).toBe('invalid_input');
      expect(error.message).toMatch(new RegExp(`^${BACKEND}/by-hand-1a2b3c: `));
      expect(error.message).not.toContain(secret);
    }
    expect(emulator.requestLog).toEqual([]);
  });

  it('refuses a secret that cannot travel in a header, without echoing it', async () => {
    const bad = `${randomBytes(8).toString('hex')}\r\nX-Injected: 1`;
    const error = await failure(connector().testKey(key({ testUrl: `http://127.0.0.1:${emulator.port}/auth/me` }), bad));
    expect(error.code).toBe('invalid_input');
    expect(error.message).not.toContain(bad.slice(0, 16));
    expect(emulator.requestLog).toEqual([]);
  });
});
