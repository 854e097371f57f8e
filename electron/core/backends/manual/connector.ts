/**
 * The "connector" of manual backends: there is no vendor API, so it only tests a key with the HTTPS
 * request template stored with it, and deletes are local. Everything else is refused by capability.
 */
import { KeywardenError } from '../../errors.js';
import type { Connector, ConnectorContext, RemoteKey } from '../backend.js';

/** How a manual key is tested: a GET to `url` carrying the secret in one header, expecting one status. */
export interface ManualTestTemplate {
  url: string;
  /** Header name, e.g. `Authorization`. */
  header: string;
  /** Header value with `{secret}` where the key goes, e.g. `Bearer {secret}`. */
  valueTemplate: string;
  expectStatus: number;
}

export const SECRET_PLACEHOLDER = '{secret}';

export function testTemplateOf(key: RemoteKey): ManualTestTemplate | null {
  const details = key.details ?? {};
  if (typeof details.testUrl !== 'string' || typeof details.testHeader !== 'string' || typeof details.testValue !== 'string') return null;
  return { url: details.testUrl, header: details.testHeader, valueTemplate: details.testValue, expectStatus: Number(details.testExpectStatus ?? 200) };
}

export function createManualConnector(context: ConnectorContext): Connector {
  const { backendName } = context;
  return {
    async listPage() {
      throw new KeywardenError('unsupported', `${backendName}: manual backends have nothing to sync`);
    },
    async verifyCredential() {
      return { account: 'manual' };
    },
    async testKey(key, secret) {
      const template = testTemplateOf(key);
      if (!template) {
        throw new KeywardenError('unsupported', `${backendName}/${key.id}: no test is configured for this key; add it again with --test-url, --test-header and --test-expect`, {
          ref: `${backendName}/${key.id}`,
        });
      }
      if (secret === null) {
        throw new KeywardenError('secret_not_cached', `${backendName}/${key.id}: the test needs the key's secret, which was not given when it was added`);
      }
      const url = new URL(template.url);
      const http = context.openHttp(url.origin);
      try {
        const response = await http.request({
          method: 'GET',
          path: url.pathname + url.search,
          headers: { [template.header]: template.valueTemplate.replaceAll(SECRET_PLACEHOLDER, secret) },
          idempotent: true,
          // Any endpoint may serve as a test: only its status matters, whatever its body.
          responseType: 'ignore',
        });
        const ok = response.status === template.expectStatus;
        return { ok, detail: ok ? `HTTP ${response.status} as expected` : `HTTP ${response.status}, expected ${template.expectStatus}` };
      } finally {
        await http.close();
      }
    },
    async deleteKey() {
      // Nothing to do remotely: the engine removes the key from the inventory.
    },
  };
}
