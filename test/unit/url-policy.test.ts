/**
 * The URL policy for a manual key's test URL: the key travels to it in a header, so the whole URL is
 * checked (scheme, user info, fragment, and whether an address literal points into the local network).
 */
import { describe, expect, it } from 'vitest';
import { checkTestUrl, refusedAddressKind } from '../../electron/core/backends/url-policy.js';
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

  it('lets public and loopback addresses through, and host names (they are checked when resolved)', () => {
    for (const address of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700::1111', '127.0.0.1', '127.8.9.10', '::1', 'api.example.com', 'localhost']) {
      expect(refusedAddressKind(address), address).toBeNull();
    }
  });
});

describe('checkTestUrl', () => {
  it('accepts https anywhere public and plain http to loopback', () => {
    expect(checkTestUrl('https://api.stripe.com/v1/balance?expand=x', { allowPrivateNetwork: false }).href).toBe('https://api.stripe.com/v1/balance?expand=x');
    expect(checkTestUrl('http://127.0.0.1:8080/me', { allowPrivateNetwork: false }).port).toBe('8080');
    expect(checkTestUrl('http://localhost/me', { allowPrivateNetwork: false }).hostname).toBe('localhost');
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
    expect(refusal('http://10.0.0.5/x', true).code).toBe('insecure_url');
    expect(refusal('ftp://example.com/x').code).toBe('invalid_input');
    expect(refusal('file:///etc/passwd').code).toBe('invalid_input');
    expect(refusal('example.com/x').code).toBe('invalid_input');
  });
});
