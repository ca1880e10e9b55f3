import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6, parseAddress } from '../../../src/bgp/wire/address.js';

/** ipaddr.js's RFC 5952 text of 16 octets, what formatIPv6 must agree with (mapped IPv4 aside). */
function reference(b: Uint8Array): string {
  return ipaddr.fromByteArray(Array.from(b)).toString();
}

describe('formatIPv6', () => {
  it('writes RFC 5952 text (compressed, lower case) and IPv4-mapped addresses in mixed notation', () => {
    expect(formatIPv6(parseAddress('2001:0DB8:0000:0000:0000:0000:0000:0001'))).toBe('2001:db8::1');
    expect(formatIPv6(parseAddress('fe80::1'))).toBe('fe80::1');
    expect(formatIPv6(new Uint8Array(16))).toBe('::');
    expect(formatIPv6(parseAddress('::ffff:192.0.2.1'))).toBe('::ffff:192.0.2.1');
    // The address at an offset, as in a 32-octet MP_REACH_NLRI next hop (global, then link-local).
    const two = new Uint8Array(32);
    two.set(parseAddress('2001:db8::2'), 0);
    two.set(parseAddress('fe80::2'), 16);
    expect([formatIPv6(two, 0), formatIPv6(two, 16)]).toEqual(['2001:db8::2', 'fe80::2']);
  });

  it('gives the same text for an address however often it comes and whatever came between (its memo)', () => {
    // Many addresses that share the memo's slots (they differ in octets the slot is taken from and in others),
    // formatted in rounds, each round in another order: every answer must be ipaddr.js's.
    let x = 7;
    const next = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) & 255;
    const addresses = Array.from({ length: 300 }, () => {
      const b = parseAddress('2001:db8::');
      for (const i of [5, 7, 12, 13, 14, 15]) b[i] = next() & (i === 13 ? 3 : 255);
      return b;
    });
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < addresses.length; k++) {
        const b = addresses[(k * (2 * round + 1)) % addresses.length]!;
        expect(formatIPv6(b)).toBe(reference(b));
      }
    }
  });
});

describe('formatIPv4', () => {
  it('writes dotted quads, also at an offset', () => {
    expect(formatIPv4(Uint8Array.of(192, 0, 2, 1))).toBe('192.0.2.1');
    expect(formatIPv4(Uint8Array.of(9, 0, 0, 0, 0, 255, 255, 255, 255), 5)).toBe('255.255.255.255');
    expect(formatIPv4(new Uint8Array(4))).toBe('0.0.0.0');
  });

  it('gives the same text for an address however often it comes and whatever came between (its memo)', () => {
    // 500 addresses over few slots' worth of octets, formatted in rounds in other orders, against the plain text.
    let x = 11;
    const next = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) & 255;
    const addresses = Array.from({ length: 500 }, () => Uint8Array.of(10, next() & 3, next(), next()));
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < addresses.length; k++) {
        const b = addresses[(k * (2 * round + 1)) % addresses.length]!;
        expect(formatIPv4(b)).toBe(`${b[0]}.${b[1]}.${b[2]}.${b[3]}`);
      }
    }
  });
});
