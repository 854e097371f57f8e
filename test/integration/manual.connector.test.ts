/**
 * The manual connector's key test against a real server on loopback: the template is checked as a whole
 * before the key is sent anywhere (also a template stored by an older, laxer version), a target on this
 * machine (the emulator's own loopback address included) or a host name that resolves there or into the local
 * network is refused unless the key allows it, and the description shown to the administrator names the
 * target without the secret.
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
/** What the connector's clients resolve `api.vendor.example` to, when their guard is on. */
let vendorResolvesTo: string;
const asked: string[] = [];
const VENDOR_URL = 'https://api.vendor.example/auth/me';

beforeEach(async () => {
  const started = await startBoxWatchEmulator();
  emulator = started.emulator;
  secret = started.state.issueKey(started.state.addAccount('ops@acme.example').id, 'Entered by hand').secret;
  vendorResolvesTo = '192.0.2.1';
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
          const address = hostname === 'api.vendor.example' ? vendorResolvesTo : '192.0.2.1';
          return [{ address, family: address.includes(':') ? 6 : 4 }];
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
      'GET https://api.stripe.com/v1/balance with header Authorization, expecting 200 (target on this machine or the local network allowed)',
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
  it('tests through the template when the key allows its target on this machine', async () => {
    const url = `http://localhost:${emulator.port}/auth/me`;
    expect(await connector().testKey(key({ testUrl: url, testAllowPrivateNetwork: true }), secret)).toEqual({ ok: true, detail: 'HTTP 200 as expected' });
    // The consent turns the guard off: the operating system's resolver is used.
    expect(asked).toEqual([]);
    expect(emulator.requestLog).toEqual(['GET /auth/me']);
  });

  it('refuses a target on this machine without the consent, also one an older version stored, sending nothing', async () => {
    for (const testUrl of [`http://127.0.0.1:${emulator.port}/auth/me`, `http://localhost:${emulator.port}/auth/me`, `http://[::1]:${emulator.port}/auth/me`]) {
      const error = await failure(connector().testKey(key({ testUrl }), secret));
      expect(error.code, testUrl).toBe('invalid_input');
      expect(error.message, testUrl).toMatch(/a loopback address \(this machine\)/);
      expect(error.message, testUrl).toMatch(/--test-allow-private-network/);
      expect(error.message).not.toContain(secret);
    }
    expect(emulator.requestLog).toEqual([]);
  });

  it('refuses a host name resolving to this machine or the local network, naming host and address, sending nothing', async () => {
    for (const address of ['127.0.0.1', '10.20.30.40', '::ffff:127.0.0.1', '2002:a9fe:a9fe::']) {
      vendorResolvesTo = address;
      asked.length = 0;
      const error = await failure(connector().testKey(key({ testUrl: VENDOR_URL }), secret));
      expect(error.code, address).toBe('invalid_input');
      expect(error.message).toContain(`refusing to send the request to api.vendor.example: it resolves to ${address}, `);
      expect(error.message).toMatch(/if this target is intended, add the key again with --test-allow-private-network$/);
      expect(error.message).not.toContain(secret);
      expect(asked).toEqual(['api.vendor.example']);
    }
    expect(emulator.requestLog).toEqual([]);
  });

  it('refuses templates an older version stored without checking them, before sending the key', async () => {
    // Each allows its target on this machine: what is refused is the other fault.
    const stored: Array<Record<string, string | boolean>> = [
      { testUrl: 'https://169.254.169.254/latest/meta-data/iam/', testAllowPrivateNetwork: false },
      { testUrl: `http://user:pw@127.0.0.1:${emulator.port}/auth/me`, testAllowPrivateNetwork: true },
      { testUrl: `http://127.0.0.1:${emulator.port}/auth/me#x`, testAllowPrivateNetwork: true },
      { testUrl: `http://127.0.0.1:${emulator.port}/auth/me`, testHeader: 'Host', testAllowPrivateNetwork: true },
      { testUrl: `http://127.0.0.1:${emulator.port}/auth/me`, testHeader: 'Proxy-Authorization', testAllowPrivateNetwork: true },
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
    const error = await failure(connector().testKey(key({ testUrl: `http://127.0.0.1:${emulator.port}/auth/me`, testAllowPrivateNetwork: true }), bad));
    expect(error.code).toBe('invalid_input');
    expect(error.message).not.toContain(bad.slice(0, 16));
    expect(emulator.requestLog).toEqual([]);
  });
});
