import { isIP } from 'node:net';
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

/**
 * Kinds of address a hand-typed target must not reach unless the administrator allowed it: each leads to this
 * machine or into the local network, where a listener may belong to someone else (another user of the machine, a
 * device on the network, the cloud metadata service that hands out machine credentials).
 */
export type RefusedAddressKind = 'loopback' | 'link-local' | 'private' | 'site-local' | 'shared (CGNAT)' | 'unspecified' | 'multicast' | 'reserved';

/** What an address was judged to be; `carries` when an IPv6 form was judged by the IPv4 address inside it. */
export interface AddressVerdict {
  kind: RefusedAddressKind;
  carries: { form: string; ipv4: string } | null;
}

const IPV4_RANGES: ReadonlyArray<readonly [RefusedAddressKind, string, number]> = [
  // 0.0.0.0/8 is "this network"; connecting to 0.0.0.0 reaches this machine on Linux.
  ['unspecified', '0.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['shared (CGNAT)', '100.64.0.0', 10],
  // All of 127/8 is this machine, not only 127.0.0.1: 127.0.0.5 reaches any listener bound to 0.0.0.0.
  ['loopback', '127.0.0.0', 8],
  // Includes 169.254.169.254, the cloud metadata service.
  ['link-local', '169.254.0.0', 16],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['multicast', '224.0.0.0', 4],
  // Includes the broadcast address 255.255.255.255.
  ['reserved', '240.0.0.0', 4],
];

function ipv4Number(dotted: string): number {
  return dotted.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function ipv4Text(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function ipv4Kind(value: number): RefusedAddressKind | null {
  for (const [kind, network, prefix] of IPV4_RANGES) if (value >>> (32 - prefix) === ipv4Number(network) >>> (32 - prefix)) return kind;
  return null;
}

/** The eight 16-bit groups of an IPv6 address, from the URL parser's canonical form (which never has a dotted tail). */
function ipv6Groups(address: string): number[] {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.includes('::') ? canonical.split('::') : [canonical, null];
  const parse = (part: string | null | undefined) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const before = parse(head);
  const after = parse(tail);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

function carried(form: string, value: number): AddressVerdict | null {
  const kind = ipv4Kind(value);
  return kind ? { kind, carries: { form, ipv4: ipv4Text(value) } } : null;
}

function ipv6Verdict(groups: number[]): AddressVerdict | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const low32 = g6 * 65536 + g7;
  const zeroUpTo = (end: number) => groups.slice(0, end).every((group) => group === 0);
  const plain = (kind: RefusedAddressKind): AddressVerdict => ({ kind, carries: null });
  if (zeroUpTo(8)) return plain('unspecified');
  if (zeroUpTo(7) && g7 === 1) return plain('loopback');
  // Forms that carry an IPv4 address reach that address (through the host's IPv4 stack, a tunnel or a
  // translator), so they are judged by it: a public one is as public as the IPv4 address itself.
  if (zeroUpTo(6)) return carried('IPv4-compatible', low32);
  if (zeroUpTo(5) && g5 === 0xffff) return carried('IPv4-mapped', low32);
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return carried('IPv4-translated', low32);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return carried('NAT64', low32);
  // 64:ff9b:1::/48 is for translators inside one network (RFC 8215).
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return plain('private');
  if (g0 === 0x2002) return carried('6to4', g1 * 65536 + g2);
  // Teredo: a host with a Teredo client sends straight to the client address, stored inverted in the last 32 bits.
  if (g0 === 0x2001 && g1 === 0) return carried('Teredo', ~low32 >>> 0);
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return plain('reserved');
  if ((g0 & 0xfe00) === 0xfc00) return plain('private');
  if ((g0 & 0xffc0) === 0xfe80) return plain('link-local');
  // fec0::/10, deprecated but still routed as the local site by some networks.
  if ((g0 & 0xffc0) === 0xfec0) return plain('site-local');
  if ((g0 & 0xff00) === 0xff00) return plain('multicast');
  // The rest of ::/8 is reserved by the IETF and never a vendor's address.
  if ((g0 & 0xff00) === 0) return plain('reserved');
  return null;
}

/**
 * Judges an IP address, in any form: IPv4 (also the shorthand, octal and hexadecimal forms the URL parser and
 * the C resolver accept, e.g. `0177.0.0.1`, `0x7f.1`, `2130706433`) and IPv6 (with or without brackets and zone;
 * IPv4-mapped, -compatible and -translated, NAT64, 6to4 and Teredo forms are judged by the IPv4 address they
 * carry). Null for a public address, and for anything that is not an IP address (a host name is judged on what
 * it resolves to, at connect time).
 */
export function judgeAddress(address: string): AddressVerdict | null {
  let bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(bare) === 0 && /^[0-9a-fx.]+$/i.test(bare)) {
    // Numeric forms other than the dotted quad: the URL parser normalises them as a connect would.
    try {
      bare = new URL(`http://${bare}/`).hostname;
    } catch {
      return null;
    }
  }
  const family = isIP(bare);
  if (family === 4) {
    const kind = ipv4Kind(ipv4Number(bare));
    return kind ? { kind, carries: null } : null;
  }
  return family === 6 ? ipv6Verdict(ipv6Groups(bare)) : null;
}

/** The kind of a loopback, link-local, private, site-local, CGNAT, unspecified, multicast or reserved address (see `judgeAddress`). */
export function refusedAddressKind(address: string): RefusedAddressKind | null {
  return judgeAddress(address)?.kind ?? null;
}

const KIND_IN_WORDS: Readonly<Record<RefusedAddressKind, string>> = {
  loopback: 'a loopback address (this machine)',
  'link-local': 'a link-local address',
  private: 'a private address',
  'site-local': 'a site-local address',
  'shared (CGNAT)': 'a shared (CGNAT) address',
  unspecified: 'an unspecified address (this machine)',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/** A verdict in words for messages: `a loopback address (this machine)`, `a 6to4 address carrying 169.254.169.254, a link-local address`. */
export function verdictInWords(verdict: AddressVerdict): string {
  const kind = KIND_IN_WORDS[verdict.kind];
  if (!verdict.carries) return kind;
  const { form, ipv4 } = verdict.carries;
  return `${/^[aeiou]/i.test(form) ? 'an' : 'a'} ${form} address carrying ${ipv4}, ${kind}`;
}

/** Whether a host name always means this machine (RFC 6761): judged before any lookup. */
function isLocalhostName(hostname: string): boolean {
  const name = hostname.replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * How `checkTestUrl`'s refusals name what they check: a manual key's test URL (the default), or an alert channel's
 * URL (`checkAlertUrl`). `echo: false` keeps a URL that is itself a secret (a Slack webhook's) out of every message.
 */
interface UrlWording {
  subject: string;
  flag: string;
  carries: string;
  owner: string;
  echo: boolean;
}

const TEST_URL_WORDING: UrlWording = { subject: 'the test URL', flag: '--test-allow-private-network', carries: 'the key', owner: 'this key', echo: true };

/**
 * Checks the whole URL a manual key is tested with, before it is stored and again before it is used:
 * the secret travels to it in a header, so it must go over https (plain http only to this machine),
 * carry no user info (which would be a second, unprotected credential) and no fragment (never sent, so
 * it only hides what the URL really is), and not point at this machine or into the local network unless the
 * administrator allowed that for this key (a listener there may belong to another user). Address literals and
 * `localhost` are judged here; other host names on what they resolve to, and every target again on the
 * address the test actually connects to (http.ts).
 */
export function checkTestUrl(raw: string, options: { allowPrivateNetwork: boolean }, wording: UrlWording = TEST_URL_WORDING): URL {
  const { subject, flag, carries, owner } = wording;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KeywardenError('invalid_input', wording.echo ? `${subject} "${raw}" is not a URL` : `${subject} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KeywardenError('invalid_input', `${subject} has the unsupported scheme "${url.protocol}"; use https://`);
  }
  if (url.username || url.password) {
    throw new KeywardenError(
      'invalid_input',
      `${subject} must not contain a user name or password; ${carries === 'the key' ? 'the key travels in the test header' : 'it would be a second, unprotected credential'}`,
    );
  }
  // The serialised URL has a "#" only where a fragment starts (also an empty one); elsewhere it is escaped.
  if (url.href.includes('#')) {
    throw new KeywardenError('invalid_input', `${subject} must not contain a fragment ("#..."); it is never sent to the server`);
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new KeywardenError(
      'insecure_url',
      `refusing plain http to ${url.hostname}: ${carries} would cross the network unencrypted; use https:// (http is allowed only for 127.0.0.1, ::1 and localhost, with ${flag})`,
      { host: url.hostname },
    );
  }
  const verdict = isLocalhostName(url.hostname) ? ({ kind: 'loopback', carries: null } satisfies AddressVerdict) : judgeAddress(url.hostname);
  if (verdict && !options.allowPrivateNetwork) {
    throw new KeywardenError(
      'invalid_input',
      `${subject} points at ${url.hostname}, ${verdictInWords(verdict)}: on this machine or the local network another user or device could be listening for ${carries}; such targets are refused unless allowed for ${owner} (${flag})`,
      { host: url.hostname, addressKind: verdict.kind },
    );
  }
  return url;
}

/**
 * Checks an alert channel's URL (a webhook's, a Slack incoming webhook's) with the rules of a manual key's test URL
 * (`checkTestUrl`): https, plain http only to this machine, no user info or fragment, and nothing on this machine or
 * the local network unless the channel allows it (`--allow-private-network`); http.ts judges the address connected
 * to as well. `secretUrl`: the URL is itself the secret (Slack's), so no message repeats it.
 */
export function checkAlertUrl(raw: string, options: { allowPrivateNetwork: boolean; secretUrl: boolean }): URL {
  return checkTestUrl(raw, options, {
    subject: options.secretUrl ? 'the webhook URL' : 'the alert URL',
    flag: '--allow-private-network',
    carries: 'the alert',
    owner: 'this channel',
    echo: !options.secretUrl,
  });
}
