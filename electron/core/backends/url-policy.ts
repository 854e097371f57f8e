import { BlockList, isIP } from 'node:net';
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

/** Address ranges a hand-typed target must not reach unless allowed: they lead into the local network. */
export type RefusedAddressKind = 'link-local' | 'private' | 'shared (CGNAT)' | 'unspecified' | 'multicast' | 'reserved';

const REFUSED_RANGES: ReadonlyArray<readonly [RefusedAddressKind, string, number, 'ipv4' | 'ipv6']> = [
  // 0.0.0.0/8 is "this network"; connecting to 0.0.0.0 reaches the local host on Linux.
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['shared (CGNAT)', '100.64.0.0', 10, 'ipv4'],
  // Includes 169.254.169.254, the cloud metadata service that hands out machine credentials.
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  // Includes the broadcast address 255.255.255.255.
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
];

let refusedLists: Array<[RefusedAddressKind, BlockList]> | null = null;
let nat64: BlockList | null = null;

/**
 * The kind of a link-local, private, CGNAT, unspecified, multicast or reserved IP address; null for a
 * public or loopback address, and for anything that is not an IP address (a host name is checked on
 * what it resolves to, at connect time). IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::/96`)
 * IPv6 addresses are judged by the IPv4 address they carry.
 */
export function refusedAddressKind(address: string): RefusedAddressKind | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return null;
  if (!refusedLists) {
    const byKind = new Map<RefusedAddressKind, BlockList>();
    for (const [kind, network, prefix, type] of REFUSED_RANGES) {
      if (!byKind.has(kind)) byKind.set(kind, new BlockList());
      byKind.get(kind)!.addSubnet(network, prefix, type);
    }
    refusedLists = [...byKind];
    nat64 = new BlockList();
    nat64.addSubnet('64:ff9b::', 96, 'ipv6');
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (type === 'ipv6' && nat64!.check(bare, 'ipv6')) {
    const groups = new URL(`http://[${bare}]`).hostname.slice(1, -1).split(':');
    const [high, low] = groups.slice(-2).map((group) => Number.parseInt(group || '0', 16));
    return refusedAddressKind([high! >> 8, high! & 255, low! >> 8, low! & 255].join('.'));
  }
  for (const [kind, list] of refusedLists) if (list.check(bare, type)) return kind;
  return null;
}

/**
 * Checks the whole URL a manual key is tested with, before it is stored and again before it is used:
 * the secret travels to it in a header, so it must go over https (plain http only to this machine),
 * carry no user info (which would be a second, unprotected credential) and no fragment (never sent, so
 * it only hides what the URL really is), and not point into the local network unless the administrator
 * allowed that for this key. Host names are checked on what they resolve to when the test connects.
 */
export function checkTestUrl(raw: string, options: { allowPrivateNetwork: boolean }): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KeywardenError('invalid_input', `the test URL "${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KeywardenError('invalid_input', `the test URL has the unsupported scheme "${url.protocol}"; use https://`);
  }
  if (url.username || url.password) {
    throw new KeywardenError('invalid_input', 'the test URL must not contain a user name or password; the key travels in the test header');
  }
  // The serialised URL has a "#" only where a fragment starts (also an empty one); elsewhere it is escaped.
  if (url.href.includes('#')) {
    throw new KeywardenError('invalid_input', 'the test URL must not contain a fragment ("#..."); it is never sent to the server');
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new KeywardenError(
      'insecure_url',
      `refusing plain http to ${url.hostname}: the key would cross the network unencrypted; use https:// (http is allowed only for 127.0.0.1, ::1 and localhost)`,
      { host: url.hostname },
    );
  }
  const kind = refusedAddressKind(url.hostname);
  if (kind && !options.allowPrivateNetwork) {
    throw new KeywardenError(
      'invalid_input',
      `the test URL points at ${url.hostname}, a ${kind} address; private network targets are refused unless allowed for this key (--test-allow-private-network)`,
      { host: url.hostname, addressKind: kind },
    );
  }
  return url;
}
