/**
 * What the conformance suite (`../conformance.test.ts`) needs to know about one vendor. Each vendor's
 * file in this folder exports one `ConformanceFixture`; the suite runs every case against every fixture.
 *
 * Secrets are never written here or in a fixture: emulators mint them at run time, and anything
 * "wrong but well-formed" is generated with `node:crypto` when the test runs.
 */
import { expect } from 'vitest';
import type { Capability } from '../../../shared/domain.js';
import type { BackendDefinition, Connector, RemoteKey } from '../../../electron/core/backends/backend.js';
import type { RunningEmulator } from '../../../electron/core/backends/emulator-kit.js';
import { type HttpClient, type HttpOptions, createHttpClient } from '../../../electron/core/backends/http.js';
import { KeywardenError } from '../../../electron/core/errors.js';
import { failure, listAll } from '../../support/connectors.js';

export { failure, listAll };

/** Keys seeded for the list cases: more than one page of 100, so pagination is exercised. */
export const SEEDED_KEYS = 150;

/** HTTP settings of every connector the suite builds: quick backoff, short timeouts (the hang case waits this long). */
export const SUITE_HTTP: Partial<Omit<HttpOptions, 'backendName'>> = { baseBackoffMs: 5, responseTimeoutMs: 800 };

/** A key and the `secret` argument `Connector.testKey` is called with (null for vendors that test by id). */
export interface KeyUnderTest {
  key: RemoteKey;
  secret: string | null;
}

/** A request that creates or revokes a key: it must never be retried, and a lost answer is `outcome_unknown`. */
export interface WriteCall {
  /** 'create' or 'revoke': the capability this call implements. */
  capability: Capability;
  /** For the emulator's fault matcher and for counting requests in `requestLog`. */
  method: string;
  pathPrefix: string;
  run(connector: Connector): Promise<unknown>;
  /** Whether the call's effect shows at the vendor (true after a lost reply, false after a refused 429). */
  happened(connector: Connector): Promise<boolean>;
}

/** One running vendor, seeded with `SEEDED_KEYS` keys (for listable vendors), made fresh for every test. */
export interface VendorHarness {
  /** The base URL the connector is given; null for a vendor without an API (manual). */
  url: string | null;
  /** The vendor's emulator; null when there is none. */
  emulator: RunningEmulator | null;
  /** A management credential that works; null when the vendor takes none. */
  credential: string | null;
  /** A well-formed credential the vendor does not know. */
  badCredential: string | null;
  /** Ids of every seeded key: the full list must show each exactly once. Empty for vendors without a list. */
  seededIds: readonly string[];
  /** Secrets of seeded keys that the list must never contain. */
  seededSecrets: readonly string[];
  /** A key (as the list shows it) and the secret argument with which `testKey` answers ok: true. */
  goodTestKey(connector: Connector): Promise<KeyUnderTest>;
  /** A key and secret argument with which `testKey` answers ok: false (without throwing). */
  badTestKey(connector: Connector): Promise<KeyUnderTest>;
  /**
   * One check per claimed capability, proving it works once against the emulator. The suite fails for
   * a claimed capability without a check, so a new vendor cannot claim a workflow it does not prove.
   */
  capabilityChecks: Partial<Record<Capability, (connector: Connector) => Promise<void>>>;
  /** Every call that creates or revokes a key (empty when the vendor has neither). */
  writes: readonly WriteCall[];
  close(): Promise<void>;
}

export interface ConformanceFixture {
  definition: BackendDefinition;
  /** The backend name connectors are built with; every error message must start with it. */
  backendName: string;
  /** Path of the list call (fault `pathPrefix`); null when the vendor has no list (manual). */
  listPath: string | null;
  /** Starts the emulator and seeds it. */
  start(): Promise<VendorHarness>;
}

/** Builds a connector the way the engine does, over a fresh HTTP client the caller closes. */
export async function connect(
  fixture: ConformanceFixture,
  harness: VendorHarness,
  options: { credential?: string | null; http?: Partial<Omit<HttpOptions, 'backendName'>> } = {},
): Promise<{ connector: Connector; http: HttpClient }> {
  const { backendName } = fixture;
  const http: HttpClient = harness.url
    ? createHttpClient(harness.url, { ...SUITE_HTTP, ...options.http, backendName })
    : // As the engine does for a backend without a URL: any request is a defect.
      { request: () => Promise.reject(new KeywardenError('internal', `${backendName}: this backend has no URL`)), bytesReceived: 0, close: async () => {} };
  const credential = options.credential === undefined ? harness.credential : options.credential;
  const factory = await fixture.definition.loadConnector();
  const connector = factory({
    backendName,
    http,
    credential: async () => {
      if (credential === null) throw new KeywardenError('no_credential', `${backendName}: no credential`);
      return credential;
    },
    settings: {},
    openHttp: (baseUrl, extra) => createHttpClient(baseUrl, { ...SUITE_HTTP, ...options.http, ...extra, backendName }),
  });
  return { connector, http };
}

/** The listed key with `id`, or a failed expectation. */
export async function listed(connector: Connector, id: string): Promise<RemoteKey> {
  const key = (await listAll(connector)).keys.find((candidate) => candidate.id === id);
  expect(key, `key ${id} should be listed`).toBeDefined();
  return key!;
}

/** Whether the full list still contains `id`. */
export async function isListed(connector: Connector, id: string): Promise<boolean> {
  return (await listAll(connector)).keys.some((candidate) => candidate.id === id);
}

/** How many requests matching `method` and `pathPrefix` the emulator has logged since index `since`. */
export function countRequests(emulator: RunningEmulator, method: string, pathPrefix: string, since = 0): number {
  return emulator.requestLog.slice(since).filter((line) => {
    const [logged, path] = line.split(' ');
    return logged === method && path !== undefined && path.startsWith(pathPrefix);
  }).length;
}
