import { KeywardenError } from '../errors.js';

/** Hosts where plain http is acceptable: the traffic never leaves this machine (emulators, local proxies). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/**
 * Checks a backend's base URL before anything is stored or sent.
 * Credentials travel in headers on every request, so anything but https to a remote host is refused.
 * Returns the normalised base URL without a trailing slash.
 */
export function checkBackendUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KeywardenError('invalid_input', `"${raw}" is not a URL; give the backend's base URL, e.g. https://api.example.com`);
  }
  if (url.username || url.password) {
    throw new KeywardenError('invalid_input', 'the backend URL must not contain a user name or password; credentials are read from stdin');
  }
  if (url.search || url.hash) {
    throw new KeywardenError('invalid_input', 'the backend URL must not contain a query or fragment');
  }
  const isLoopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol === 'http:' && !isLoopback) {
    throw new KeywardenError(
      'insecure_url',
      `refusing plain http to ${url.hostname}: credentials would cross the network unencrypted; use https:// (http is allowed only for 127.0.0.1, ::1 and localhost)`,
      { host: url.hostname },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KeywardenError('invalid_input', `unsupported URL scheme "${url.protocol}"; use https://`);
  }
  return url.toString().replace(/\/+$/, '');
}
