import { describe, expect, it } from 'vitest';
import { covers, inPrefixRange, rangeMatcher } from '../../../src/rib/policy/prefix-match.js';
import type { PrefixRange } from '../../../src/rib/policy/types.js';
import { addressKeyOf, prefixKeyFromText } from '../../../src/common/prefix-key.js';
import { key } from '../../helpers/paths.js';

function range(prefix: string, ge?: number, le?: number): PrefixRange {
  const k = prefixKeyFromText(prefix)!;
  const length = Number(prefix.split('/')[1]);
  return { family: k.family, prefix: k.key, ge: ge ?? length, le: le ?? length };
}

describe('prefix keys from text', () => {
  it('parses prefixes and addresses of both families, clearing host bits', () => {
    expect(prefixKeyFromText('10.1.2.3/16')).toEqual(prefixKeyFromText('10.1.0.0/16'));
    expect(prefixKeyFromText('2001:db8::1/32')).toEqual(prefixKeyFromText('2001:db8::/32'));
    expect(addressKeyOf('fe80::1%eth0')).toEqual(prefixKeyFromText('fe80::1/128'));
    expect(addressKeyOf('::ffff:10.0.0.1')).toEqual(prefixKeyFromText('10.0.0.1/32'));
    expect(prefixKeyFromText('10.0.0.0/33')).toBeUndefined();
    expect(prefixKeyFromText('10.0.0.0')).toBeUndefined();
    expect(addressKeyOf('not-an-address')).toBeUndefined();
  });
});

describe('prefix ranges', () => {
  it('matches exactly the prefix when ge and le are its length', () => {
    const m = rangeMatcher(range('10.244.0.0/16'));
    expect(inPrefixRange(m, key('10.244.0.0/16'))).toBe(true);
    expect(inPrefixRange(m, key('10.244.1.0/24'))).toBe(false);
    expect(inPrefixRange(m, key('10.245.0.0/16'))).toBe(false);
    expect(inPrefixRange(m, key('10.0.0.0/8'))).toBe(false);
  });

  it('bounds the length of covered prefixes with ge and le', () => {
    const m = rangeMatcher(range('10.244.0.0/16', 26, 26));
    expect(inPrefixRange(m, key('10.244.1.0/26'))).toBe(true);
    expect(inPrefixRange(m, key('10.244.255.192/26'))).toBe(true);
    expect(inPrefixRange(m, key('10.244.1.0/25'))).toBe(false);
    expect(inPrefixRange(m, key('10.244.1.0/27'))).toBe(false);
    expect(inPrefixRange(m, key('10.243.1.0/26'))).toBe(false);
  });

  it('handles /0 and addresses at the top of the IPv4 space', () => {
    const all = rangeMatcher(range('0.0.0.0/0', 0, 32));
    expect(inPrefixRange(all, key('255.255.255.255/32'))).toBe(true);
    expect(inPrefixRange(all, key('0.0.0.0/0'))).toBe(true);
    expect(inPrefixRange(all, key('2001:db8::/32'))).toBe(false);
    const top = rangeMatcher(range('240.0.0.0/4', 4, 32));
    expect(inPrefixRange(top, key('255.0.0.0/8'))).toBe(true);
    expect(inPrefixRange(top, key('239.0.0.0/8'))).toBe(false);
  });

  it('matches IPv6 on whole and on partial nibbles', () => {
    const whole = rangeMatcher(range('fd00:10:244::/48', 122, 122));
    expect(inPrefixRange(whole, key('fd00:10:244:1::40/122'))).toBe(true);
    expect(inPrefixRange(whole, key('fd00:10:245:1::40/122'))).toBe(false);
    expect(inPrefixRange(whole, key('fd00:10:244::/64'))).toBe(false);
    expect(inPrefixRange(whole, key('10.0.0.0/8'))).toBe(false);
    // /30 ends inside a nibble: 2001:0db8 is 0010 0000 0000 0001 0000 1101 1011 10|00.
    const partial = rangeMatcher(range('2001:db8::/30', 30, 128));
    expect(inPrefixRange(partial, key('2001:dbb::/32'))).toBe(true);
    expect(inPrefixRange(partial, key('2001:dbc::/32'))).toBe(false);
    expect(inPrefixRange(partial, key('2001:db8::/29'))).toBe(false);
  });

  it('tells whether an address lies inside a block (ge/le do not apply)', () => {
    const block = rangeMatcher({ family: 'ipv4-unicast', prefix: key('192.0.2.0/24') });
    expect(covers(block, key('192.0.2.77'))).toBe(true);
    expect(covers(block, key('192.0.3.77'))).toBe(false);
    const v6 = rangeMatcher({ family: 'ipv6-unicast', prefix: key('2001:db8::/32') });
    expect(covers(v6, key('2001:db8::1'))).toBe(true);
    expect(covers(v6, key('2001:db9::1'))).toBe(false);
    expect(covers(v6, key('192.0.2.1'))).toBe(false);
  });
});
