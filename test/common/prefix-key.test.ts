/** Prefix keys (src/common/prefix-key.ts): the one encoding the RIB and the kernel side share. */
import { describe, expect, it } from 'vitest';
import {
  familyOfKey, formatPrefixKey, ipv4Key, ipv6Key, prefixAddressText, prefixKeyFromText, prefixKeyOfBytes, prefixLength,
} from '../../src/common/prefix-key.js';

describe('prefix keys', () => {
  it.each(['10.77.100.0/24', '0.0.0.0/0', '255.255.255.255/32', '10.77.128.0/17', 'fd77:200::/48', '::/0', 'fd77:1:2:3:4:5:6:7/128', 'fd77:1:fe00::/39'])(
    'round-trips %s through text, bytes and back',
    (text) => {
      const { family, key } = prefixKeyFromText(text)!;
      expect(formatPrefixKey(key)).toBe(text);
      expect(familyOfKey(key)).toBe(family);
      const [address, len] = text.split('/') as [string, string];
      expect(prefixAddressText(key)).toBe(address);
      expect(prefixLength(key)).toBe(Number(len));
    },
  );

  it('numbers IPv4 and spells IPv6 as the wire codec does', () => {
    expect(prefixKeyFromText('10.1.2.0/24')!.key).toBe(ipv4Key(0x0a010200, 24));
    expect(prefixKeyFromText('fd77:1::/32')!.key).toBe(ipv6Key(Uint8Array.from([0xfd, 0x77, 0, 1]), 0, 32));
    expect(prefixKeyFromText('fd77:1::/32')!.key).toBe(`fd770001${'0'.repeat(24)}/32`);
  });

  it('clears host bits, from text and from address octets (kernel routes)', () => {
    expect(prefixKeyFromText('10.77.100.9/24')!.key).toBe(prefixKeyFromText('10.77.100.0/24')!.key);
    expect(prefixKeyFromText('fd77:1:ff01::1/39')!.key).toBe(prefixKeyFromText('fd77:1:fe00::/39')!.key);
    expect(prefixKeyOfBytes('ipv4-unicast', Uint8Array.from([9, 10, 77, 100, 9]), 1, 24)).toBe(prefixKeyFromText('10.77.100.0/24')!.key);
    expect(prefixKeyOfBytes('ipv4-unicast', Uint8Array.from([255, 255, 255, 255]), 0, 0)).toBe(0);
    const v6 = Uint8Array.from([0xfd, 0x77, 0, 1, 0xff, 1, ...Array(9).fill(0), 1]);
    expect(prefixKeyOfBytes('ipv6-unicast', v6, 0, 39)).toBe(prefixKeyFromText('fd77:1:fe00::/39')!.key);
    expect(prefixKeyOfBytes('ipv6-unicast', v6, 0, 128)).toBe(prefixKeyFromText('fd77:1:ff01::1/128')!.key);
  });

  it('is undefined for what is no prefix', () => {
    for (const text of ['10.0.0.0', '10.0.0.0/33', 'fd77::/129', 'nonsense/8']) expect(prefixKeyFromText(text)).toBeUndefined();
  });
});
