/**
 * The "connector" of manual backends: there is no vendor API, so it only tests a key with the HTTPS
 * request template stored with it, and deletes are local. Everything else is refused by capability.
 */
import { inField, KeywardenError } from '../../errors.js';
import type { Connector, ConnectorContext, RemoteKey } from '../backend.js';
import { checkTestUrl } from '../url-policy.js';

/** How a manual key is tested: a GET to `url` carrying the secret in one header, expecting one status. */
export interface ManualTestTemplate {
  url: string;
  /** Header name, e.g. `Authorization`. */
  header: string;
  /** Header value with `{secret}` where the key goes, e.g. `Bearer {secret}`. */
  valueTemplate: string;
  expectStatus: number;
  /** The administrator's explicit consent to a target on this machine (loopback) or in the local network (private, link-local, CGNAT...). */
  allowPrivateNetwork: boolean;
}

export const SECRET_PLACEHOLDER = '{secret}';

/** RFC 9110 section 5.6.2: a field name is a token. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Headers the HTTP client itself must control (framing, connection, target host), or that would turn the
 * test into something else (a cookie session, a proxy credential). Compared in lower case.
 */
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'cookie', 'te', 'trailer', 'keep-alive']);

/** RFC 9110 section 5.5: a field value is visible characters, spaces and tabs; anything else could split the header. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function testTemplateOf(key: RemoteKey): ManualTestTemplate | null {
  return templateFromDetails(key.details);
}

function templateFromDetails(details: Readonly<Record<string, unknown>> | null | undefined): ManualTestTemplate | null {
  if (!details) return null;
  if (typeof details.testUrl !== 'string' || typeof details.testHeader !== 'string' || typeof details.testValue !== 'string') return null;
  return {
    url: details.testUrl,
    header: details.testHeader,
    valueTemplate: details.testValue,
    expectStatus: Number(details.testExpectStatus ?? 200),
    allowPrivateNetwork: details.testAllowPrivateNetwork === true,
  };
}

/**
 * Validates a test template before it is stored, and again before it is used (a key stored by an older
 * version was checked less). Returns the parsed URL. Messages never contain the header value: it may
 * already hold a key pasted in place of `{secret}`.
 */
export function checkTestTemplate(template: Omit<ManualTestTemplate, 'allowPrivateNetwork'> & { allowPrivateNetwork?: boolean }): URL {
  // Each refusal names its field (`details.field`, the names of a manual key's stored details), for the console's form.
  const url = inField('testUrl', () => checkTestUrl(template.url, { allowPrivateNetwork: template.allowPrivateNetwork === true }));
  const header = template.header;
  if (!HEADER_TOKEN.test(header)) {
    throw new KeywardenError('invalid_input', `the test header name "${header.slice(0, 80)}" is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only)`, {
      field: 'testHeader',
    });
  }
  const lower = header.toLowerCase();
  if (FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-')) {
    throw new KeywardenError('invalid_input', `the test header cannot be "${header}": Keywarden's HTTP client controls it; use the header the vendor reads the key from, e.g. Authorization`, {
      field: 'testHeader',
    });
  }
  if (!template.valueTemplate.includes(SECRET_PLACEHOLDER)) {
    throw new KeywardenError('invalid_input', 'the test header value must contain {secret} where the key goes, e.g. "Bearer {secret}"', { field: 'testValue' });
  }
  if (!HEADER_VALUE.test(template.valueTemplate)) {
    throw new KeywardenError('invalid_input', 'the test header value must not contain line breaks or other control characters', { field: 'testValue' });
  }
  if (!Number.isInteger(template.expectStatus) || template.expectStatus < 100 || template.expectStatus > 599) {
    throw new KeywardenError('invalid_input', `the expected test status must be an HTTP status from 100 to 599 (got ${template.expectStatus})`, { field: 'testExpectStatus' });
  }
  return url;
}

/**
 * What a manual key's test does, for display (`keywarden show`), from the key's stored details:
 * e.g. `GET https://api.stripe.com/v1/balance with header Authorization, expecting 200`. Never the
 * header value; user info in a URL stored by an older version is masked. Null when no test is configured.
 */
export function describeTestTarget(details: Readonly<Record<string, unknown>> | null | undefined): string | null {
  const template = templateFromDetails(details);
  if (!template) return null;
  let target = template.url;
  try {
    const url = new URL(template.url);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    target = url.href;
  } catch {
    // Shown as stored: the test itself refuses it.
  }
  return `GET ${target} with header ${template.header}, expecting ${template.expectStatus}${template.allowPrivateNetwork ? ' (target on this machine or the local network allowed)' : ''}`;
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
      const ref = `${backendName}/${key.id}`;
      const template = testTemplateOf(key);
      if (!template) {
        throw new KeywardenError('unsupported', `${ref}: no test is configured for this key; add it again with --test-url, --test-header and --test-expect`, {
          ref,
        });
      }
      if (secret === null) {
        throw new KeywardenError('secret_not_cached', `${ref}: the test needs the key's secret, which was not given when it was added`);
      }
      let url: URL;
      try {
        url = checkTestTemplate(template);
      } catch (error) {
        if (!(error instanceof KeywardenError)) throw error;
        throw new KeywardenError(error.code, `${ref}: ${error.message}; add the key again with a corrected test`, { ...error.details, ref }, { cause: error });
      }
      const value = template.valueTemplate.replaceAll(SECRET_PLACEHOLDER, secret);
      if (!HEADER_VALUE.test(value)) {
        throw new KeywardenError('invalid_input', `${ref}: the key's secret contains line breaks or control characters and cannot be sent in a header`, { ref });
      }
      const http = context.openHttp(url.origin, { blockPrivateNetwork: !template.allowPrivateNetwork });
      try {
        const response = await http.request({
          method: 'GET',
          path: url.pathname + url.search,
          headers: { [template.header]: value },
          idempotent: true,
          // Any endpoint may serve as a test: only its status matters, whatever its body.
          responseType: 'ignore',
        });
        const ok = response.status === template.expectStatus;
        return { ok, detail: ok ? `HTTP ${response.status} as expected` : `HTTP ${response.status}, expected ${template.expectStatus}` };
      } catch (error) {
        if (error instanceof KeywardenError && typeof error.details.addressKind === 'string') {
          // The host name resolved to, or the socket connected to, this machine or the local network: say how to allow it if that is intended.
          throw new KeywardenError(error.code, `${error.message}; if this target is intended, add the key again with --test-allow-private-network`, error.details, {
            cause: error,
          });
        }
        throw error;
      } finally {
        await http.close();
      }
    },
    async deleteKey() {
      // Nothing to do remotely: the engine removes the key from the inventory.
    },
  };
}
