/**
 * The URL policy for a manual key's test URL: the key travels to it in a header, so the whole URL is
 * checked (scheme, user info, fragment, and whether an address literal points at this machine or into the
 * local network, in any of the forms an address can be written in).
 */
import { describe, expect, it } from 'vitest';
import { checkTestUrl, judgeAddress, refusedAddressKind, verdictInWords } from '../../electron/core/backends/url-policy.js';
import { KeywardenError } from '../../electron/core/errors.js';

function refusal(raw: string, allowPrivateNetwork = false): KeywardenError {
  try {
    checkTestUrl(raw, { allowPrivateNetwork });
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    return error as KeywardenError;
  }
  throw new Error(`expected "${raw}" to be refused`);
}

describe('refusedAddressKind', () => {
  it('names link-local, private, CGNAT, unspecified, multicast and reserved addresses', () => {
    const cases: Record<string, string> = {
      '169.254.169.254': 'link-local',
      '169.254.0.1': 'link-local',
      'fe80::1': 'link-local',
      'febf::1': 'link-local',
      '10.0.0.1': 'private',
      '172.16.0.1': 'private',
      '172.31.255.255': 'private',
      '192.168.1.1': 'private',
      'fc00::1': 'private',
      'fd12:3456::1': 'private',
      '100.64.0.1': 'shared (CGNAT)',
      '100.127.255.254': 'shared (CGNAT)',
      '0.0.0.0': 'unspecified',
      '::': 'unspecified',
      '224.0.0.1': 'multicast',
      'ff02::1': 'multicast',
      '255.255.255.255': 'reserved',
    };
    for (const [address, kind] of Object.entries(cases)) expect(refusedAddressKind(address), address).toBe(kind);
  });

  it('judges IPv4-mapped and NAT64 IPv6 addresses by the IPv4 address they carry, with or without brackets', () => {
    expect(refusedAddressKind('::ffff:169.254.169.254')).toBe('link-local');
    expect(refusedAddressKind('[::ffff:a9fe:a9fe]')).toBe('link-local');
    expect(refusedAddressKind('64:ff9b::10.1.2.3')).toBe('private');
    expect(refusedAddressKind('64:ff9b::808:808')).toBeNull();
    expect(refusedAddressKind('fe80::1%eth0')).toBe('link-local');
  });

  it('names every loopback form: all of 127/8, ::1, and the shorthand, octal, hexadecimal and decimal spellings', () => {
    for (const address of ['127.0.0.1', '127.0.0.5', '127.8.9.10', '127.255.255.254', '::1', '[::1]', '0177.0.0.1', '0x7f.1', '0x7f000001', '2130706433', '127.1']) {
      expect(refusedAddressKind(address), address).toBe('loopback');
    }
  });

  it('judges every IPv6 form that carries an IPv4 address by that address, and says which form it was', () => {
    const cases: Array<[string, string, string]> = [
      ['::ffff:127.0.0.1', 'loopback', 'an IPv4-mapped address carrying 127.0.0.1, a loopback address (this machine)'],
      ['::ffff:7f00:1', 'loopback', 'an IPv4-mapped address carrying 127.0.0.1, a loopback address (this machine)'],
      ['::a9fe:a9fe', 'link-local', 'an IPv4-compatible address carrying 169.254.169.254, a link-local address'],
      ['::127.0.0.1', 'loopback', 'an IPv4-compatible address carrying 127.0.0.1, a loopback address (this machine)'],
      ['::ffff:0:a00:5', 'private', 'an IPv4-translated address carrying 10.0.0.5, a private address'],
      ['2002:a9fe:a9fe::', 'link-local', 'a 6to4 address carrying 169.254.169.254, a link-local address'],
      ['[2002:7f00:1::1]', 'loopback', 'a 6to4 address carrying 127.0.0.1, a loopback address (this machine)'],
      ['2002:c0a8:101::', 'private', 'a 6to4 address carrying 192.168.1.1, a private address'],
      ['64:ff9b::7f00:1', 'loopback', 'a NAT64 address carrying 127.0.0.1, a loopback address (this machine)'],
      // Teredo keeps the client's IPv4 address inverted in its last 32 bits: 80ff:fffe is 127.0.0.1.
      ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback', 'a Teredo address carrying 127.0.0.1, a loopback address (this machine)'],
    ];
    for (const [address, kind, words] of cases) {
      const verdict = judgeAddress(address);
      expect(verdict?.kind, address).toBe(kind);
      expect(verdictInWords(verdict!), address).toBe(words);
    }
    // The same forms around a public IPv4 address are as public as it is.
    for (const address of ['::ffff:8.8.8.8', '::808:808', '2002:808:808::1', '64:ff9b::808:808', '2001:0:4136:e378:8000:63bf:f7f7:f7f7']) expect(refusedAddressKind(address), address).toBeNull();
  });

  it('names site-local, local-use NAT64 and reserved IPv6 ranges', () => {
    expect(refusedAddressKind('fec0::1')).toBe('site-local');
    expect(refusedAddressKind('feff::1')).toBe('site-local');
    expect(refusedAddressKind('64:ff9b:1::a00:5')).toBe('private');
    expect(refusedAddressKind('100::1')).toBe('reserved');
    expect(refusedAddressKind('::2:0:0:1')).toBe('reserved');
  });

  it('lets public addresses through, and host names (they are checked when resolved)', () => {
    for (const address of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '169.255.0.1', '128.0.0.1', '126.255.255.255', '2606:4700::1111', '2001:db8::1', 'api.example.com', 'localhost']) {
      expect(refusedAddressKind(address), address).toBeNull();
    }
  });
});

describe('checkTestUrl', () => {
  it('accepts https anywhere public', () => {
    expect(checkTestUrl('https://api.stripe.com/v1/balance?expand=x', { allowPrivateNetwork: false }).href).toBe('https://api.stripe.com/v1/balance?expand=x');
    expect(checkTestUrl('https://8.8.8.8/x', { allowPrivateNetwork: false }).hostname).toBe('8.8.8.8');
    expect(checkTestUrl('https://[2002:808:808::1]/x', { allowPrivateNetwork: false }).hostname).toBe('[2002:808:808::1]');
  });

  it('refuses every form of this machine and the local network unless the key allows it, also plain http to loopback', () => {
    const forms = [
      'http://127.0.0.1:8080/me',
      'http://localhost/me',
      'http://[::1]:9000/me',
      'https://127.0.0.5/',
      'https://0177.0.0.1/',
      'https://0x7f.1/',
      'https://2130706433/',
      'https://127.1/',
      'https://localhost./',
      'https://api.localhost/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::127.0.0.1]/',
      'https://[::a9fe:a9fe]/',
      'https://[2002:a9fe:a9fe::]/',
      'https://[64:ff9b::7f00:1]/',
      'https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
      'https://[fec0::1]/',
      'https://[fd00::5]/',
      'https://[fe80::1]/',
      'https://100.64.0.9/',
      'https://240.0.0.1/',
      'https://[100::1]/',
    ];
    for (const raw of forms) {
      const error = refusal(raw);
      expect(error.code, raw).toBe('invalid_input');
      expect(error.message, raw).toMatch(/--test-allow-private-network/);
      expect(typeof error.details.addressKind, raw).toBe('string');
      expect(checkTestUrl(raw, { allowPrivateNetwork: true }).href, raw).toBe(new URL(raw).href);
    }
    expect(refusal('https://0177.0.0.1/x').message).toBe(
      'the test URL points at 127.0.0.1, a loopback address (this machine): on this machine or the local network another user or device could be listening for the key; such targets are refused unless allowed for this key (--test-allow-private-network)',
    );
    expect(refusal('https://[2002:a9fe:a9fe::]/').message).toMatch(/^the test URL points at \[2002:a9fe:a9fe::\], a 6to4 address carrying 169\.254\.169\.254, a link-local address:/);
  });

  it('refuses the cloud metadata address, however it is spelled', () => {
    for (const raw of ['https://169.254.169.254/latest/meta-data/', 'https://0xA9FEA9FE/', 'https://2852039166/', 'https://[::ffff:169.254.169.254]/', 'https://169.254.169.254./x']) {
      const error = refusal(raw);
      expect(error.code, raw).toBe('invalid_input');
      expect(error.message, raw).toMatch(/link-local/);
      expect(error.details.addressKind).toBe('link-local');
    }
  });

  it('refuses private, CGNAT, unspecified and multicast addresses unless private network targets are allowed', () => {
    for (const raw of [
      'https://10.0.0.5/',
      'https://192.168.0.1:8443/x',
      'https://172.20.1.1/',
      'https://100.64.0.9/',
      'https://[fd00::5]/',
      'https://0.0.0.0/',
      'https://[::]/',
      'https://224.0.0.251/',
    ]) {
      expect(refusal(raw).code, raw).toBe('invalid_input');
      expect(checkTestUrl(raw, { allowPrivateNetwork: true }).protocol).toBe('https:');
    }
    expect(refusal('https://10.0.0.5/').message).toMatch(/--test-allow-private-network/);
  });

  it('refuses user info without echoing the password, even when private targets are allowed', () => {
    for (const raw of ['https://user:hunter2@example.com/x', 'https://user@example.com/x', 'https://:hunter2@example.com/']) {
      const error = refusal(raw, true);
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(/user name or password/);
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('refuses a fragment, even an empty one', () => {
    expect(refusal('https://example.com/x#y').message).toMatch(/fragment/);
    expect(refusal('https://example.com/x#').message).toMatch(/fragment/);
    // An escaped "#" in the path is no fragment.
    expect(checkTestUrl('https://example.com/a%23b', { allowPrivateNetwork: false }).pathname).toBe('/a%23b');
  });

  it('refuses plain http to anything but loopback, other schemes and non-URLs', () => {
    expect(refusal('http://example.com/x').code).toBe('insecure_url');
    expect(refusal('http://127.0.0.5/x', true).code).toBe('insecure_url');
    expect(refusal('http://10.0.0.5/x', true).code).toBe('insecure_url');
    expect(refusal('ftp://example.com/x').code).toBe('invalid_input');
    expect(refusal('file:///etc/passwd').code).toBe('invalid_input');
    expect(refusal('example.com/x').code).toBe('invalid_input');
  });
});
