import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { linkLocalSelf, nextHopSelf } from '../../src/bgp/next-hop-self.js';

function iface(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  const base = { address, netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

const table = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('10.77.2.1', 'IPv4'), iface('fe80::1', 'IPv6'), iface('fd77:2::1', 'IPv6')],
  eth1: [iface('10.77.3.1', 'IPv4')],
  // Another link with the same link-local address (common: fe80::1 on every link), a global one of its own.
  eth2: [iface('fe80::1', 'IPv6'), iface('fd77:4::1', 'IPv6'), iface('fe80::a8c1:abff:fe00:1', 'IPv6')],
};

describe('nextHopSelf', () => {
  it('uses the session address for its family and the same interface for the other', () => {
    expect(nextHopSelf('10.77.2.1', table)).toEqual({ 'ipv4-unicast': '10.77.2.1', 'ipv6-unicast': 'fd77:2::1' });
    expect(nextHopSelf('fd77:2::1', table)).toEqual({ 'ipv4-unicast': '10.77.2.1', 'ipv6-unicast': 'fd77:2::1' });
    expect(nextHopSelf('::ffff:10.77.2.1', table)).toEqual({ 'ipv4-unicast': '10.77.2.1', 'ipv6-unicast': 'fd77:2::1' });
  });

  it('never uses a link-local address as a global next hop, and gives nothing it does not have', () => {
    expect(nextHopSelf('fe80::1%eth0', table)).toEqual({ 'ipv4-unicast': '10.77.2.1', 'ipv6-unicast': 'fd77:2::1' });
    expect(nextHopSelf('10.77.3.1', table)).toEqual({ 'ipv4-unicast': '10.77.3.1' });
    expect(nextHopSelf(undefined, table)).toEqual({});
  });
});

describe('link-local self (RFC 2545 §3)', () => {
  it('is the session address when the session is link-local, else the link-local address of its interface', () => {
    expect(linkLocalSelf('fe80::1%eth2', table)).toBe('fe80::1');
    expect(linkLocalSelf('fd77:2::1', table)).toBe('fe80::1');
    expect(linkLocalSelf('fd77:4::1', table)).toBe('fe80::1');
    expect(linkLocalSelf('10.77.2.1', table)).toBe('fe80::1');
    expect(linkLocalSelf('::ffff:10.77.2.1', table)).toBe('fe80::1');
  });

  it('is none for an interface without one, or without a session', () => {
    expect(linkLocalSelf('10.77.3.1', table)).toBeUndefined();
    expect(linkLocalSelf(undefined, table)).toBeUndefined();
  });

  it('finds the interface of a link-local session by its scope, not by the address other links share', () => {
    expect(nextHopSelf('fe80::1%eth2', table)).toEqual({ 'ipv6-unicast': 'fd77:4::1' });
    expect(nextHopSelf('fe80::1%eth0', table)).toEqual({ 'ipv4-unicast': '10.77.2.1', 'ipv6-unicast': 'fd77:2::1' });
  });
});
