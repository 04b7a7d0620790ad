import { describe, expect, it } from 'vitest';
import { AddressPolicy, nonPublicRange, parseAddress } from '../../src/webhooks/address-policy.js';

describe('which addresses are not public', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'shared address space (CGNAT)'],
    ['100.127.255.255', 'shared address space (CGNAT)'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved (incl. broadcast)'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fd12:3456::1', 'unique local'],
    ['fc00::1', 'unique local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local (cloud metadata)'],
    ['::ffff:a00:1', 'IPv4-mapped private'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 link-local (cloud metadata)'],
    ['2002:7f00:1::', '6to4 loopback'],
    ['not-an-ip', 'not an IP address'],
  ])('%s is %s', (address, kind) => {
    expect(nonPublicRange(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('%s is public', (address) => {
    expect(nonPublicRange(address)).toBeUndefined();
  });

  it('parses IPv6 with :: anywhere and a dotted tail', () => {
    expect(parseAddress('1::')).toEqual([0, 1, ...new Array(14).fill(0)]);
    expect(parseAddress('::ffff:1.2.3.4')?.slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect(parseAddress('1:2:3:4:5:6:7:8')).toHaveLength(16);
    expect(parseAddress('1:2:3')).toBeUndefined();
  });
});

describe('the allow option', () => {
  it('refuses every non-public address by default, and says what it is', () => {
    const policy = AddressPolicy.from(false);
    expect(policy.refusal('localhost', '127.0.0.1')).toBe('127.0.0.1 is a loopback address');
    expect(policy.refusal('example.com', '93.184.215.14')).toBeUndefined();
  });

  it('true allows them all', () => {
    expect(AddressPolicy.from(true).refusal('x', '169.254.169.254')).toBeUndefined();
  });

  it('a list allows CIDRs, single addresses and host names, and nothing else', () => {
    const policy = AddressPolicy.from(['10.1.0.0/16', '::1', 'hooks.internal', 'fd00::/8']);
    expect(policy.refusal('a', '10.1.2.3')).toBeUndefined();
    expect(policy.refusal('a', '::ffff:10.1.2.3')).toBeUndefined();
    expect(policy.refusal('a', '10.2.0.1')).toBe('10.2.0.1 is a private address');
    expect(policy.refusal('a', '::1')).toBeUndefined();
    expect(policy.refusal('a', '127.0.0.1')).toBe('127.0.0.1 is a loopback address');
    expect(policy.refusal('Hooks.Internal.', '192.168.9.9')).toBeUndefined();
    expect(policy.refusal('fd12::1', 'fd12::1')).toBeUndefined();
    expect(policy.refusal('a', '169.254.169.254')).toBe('169.254.169.254 is a link-local (cloud metadata) address');
  });

  it('names a bad entry', () => {
    expect(() => AddressPolicy.from(['10.0.0.0/8', '10.0.0.0/33'])).toThrow("allow_private[1]: '10.0.0.0/33' is neither a CIDR");
    expect(() => AddressPolicy.from(['http://x'])).toThrow("allow_private[0]: 'http://x'");
  });
});
