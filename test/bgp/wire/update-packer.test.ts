import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attribute, decodeMessage, encodeAttributesForPacking, findAttribute, Framer, IPV4_UNICAST, IPV6_UNICAST, makeContext,
  announcementsSize, appendAnnouncements, appendWithdrawals, packAnnouncements, packWithdrawals, parseAddress, prefixStrings, UpdateBuffer,
  withdrawalsSize, type CodecContext, type PrefixBatch, type UpdateMessage,
} from '../../../src/bgp/wire/index.js';

function ipv4Batch(n: number, withPathIds = false): PrefixBatch {
  const words = new Uint32Array(n);
  const lengths = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    words[i] = ((10 << 24) | (i << 8)) >>> 0;
    lengths[i] = 24;
  }
  return { family: IPV4_UNICAST, count: n, words, lengths, ...(withPathIds ? { pathIds: Uint32Array.from({ length: n }, (_, i) => i + 1) } : {}) };
}

function ipv6Batch(n: number): PrefixBatch {
  const words = new Uint32Array(n * 4);
  const lengths = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    words[i * 4] = 0x20010db8;
    words[i * 4 + 1] = i << 16;
    lengths[i] = 48;
  }
  return { family: IPV6_UNICAST, count: n, words, lengths };
}

function decodeAllUpdates(bytes: Uint8Array, ctx: CodecContext): UpdateMessage[] {
  const framed = new Framer(ctx.extendedMessage ? 65535 : 4096).push(bytes);
  expect(framed.error).toBeUndefined();
  return framed.messages.map((m) => {
    const r = decodeMessage(m, ctx);
    expect(r.errors).toEqual([]);
    expect(m.length).toBeLessThanOrEqual(ctx.extendedMessage ? 65535 : 4096);
    return r.message as UpdateMessage;
  });
}

const attrs = (ctx: CodecContext, withNextHop: boolean) => encodeAttributesForPacking([
  attribute({ type: 'origin', origin: 'igp' }),
  attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] }),
  ...(withNextHop ? [attribute({ type: 'next-hop', nextHop: '192.0.2.1' })] : []),
], ctx);

describe('IPv4 prefixes of every length', () => {
  const prefixes = fc.array(fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 })), { minLength: 1, maxLength: 2500 });
  const batchOf = (list: [number, number][]): PrefixBatch => ({
    family: IPV4_UNICAST, count: list.length,
    // Host bits zero, as the RIB keeps them.
    words: Uint32Array.from(list, ([a, l]) => (l === 0 ? 0 : (a & (0xffffffff << (32 - l))) >>> 0)),
    lengths: Uint8Array.from(list, ([, l]) => l),
  });
  const text = (b: PrefixBatch): string[] => Array.from({ length: b.count }, (_, i) => {
    const w = b.words[i]!;
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}/${b.lengths[i]}`;
  });

  it('come back from withdrawals and announcements as they went in, in order', () => {
    const ctx = makeContext();
    fc.assert(fc.property(prefixes, (list) => {
      const b = batchOf(list);
      const withdrawn = decodeAllUpdates(packWithdrawals(b, ctx).bytes, ctx).flatMap((u) => prefixStrings(u.withdrawn));
      const announced = decodeAllUpdates(packAnnouncements(b, attrs(ctx, true), ctx).bytes, ctx).flatMap((u) => prefixStrings(u.nlri));
      expect(withdrawn).toEqual(text(b));
      expect(announced).toEqual(text(b));
    }), { numRuns: 60 });
  });
});

describe('packAnnouncements', () => {
  it.each([false, true])('fills 4096-octet UPDATEs with IPv4 /24s and loses none (add-path %s)', (addPath) => {
    const ctx = makeContext({ addPath: new Set(addPath ? ['ipv4-unicast' as const] : []) });
    const packed = packAnnouncements(ipv4Batch(3000, addPath), attrs(ctx, true), ctx);
    const updates = decodeAllUpdates(packed.bytes, ctx);
    expect(updates.length).toBe(packed.messages);
    // Every message but the last is full: not even one more prefix of the largest size would fit.
    const sizes = new Framer().push(packed.bytes).messages.map((m) => m.length);
    for (const size of sizes.slice(0, -1)) expect(4096 - size).toBeLessThan(addPath ? 9 : 5);
    const all = updates.flatMap((u) => prefixStrings(u.nlri));
    expect(all.length).toBe(3000);
    expect(all[0]).toBe('10.0.0.0/24');
    expect(all[2999]).toBe(`10.${(2999 >> 8) & 255}.${2999 & 255}.0/24`);
    expect(new Set(all).size).toBe(3000);
    expect(findAttribute(updates[0]!, 'next-hop')?.nextHop).toBe('192.0.2.1');
  });

  it('puts IPv6 prefixes in MP_REACH_NLRI first, with both next hops, up to 65535 octets with extended messages', () => {
    const ctx = makeContext({ extendedMessage: true });
    const nextHop = new Uint8Array([...parseAddress('2001:db8::1'), ...parseAddress('fe80::1')]);
    const packed = packAnnouncements(ipv6Batch(20000), attrs(ctx, false), ctx, { nextHop });
    const updates = decodeAllUpdates(packed.bytes, ctx);
    expect(updates.length).toBeLessThan(20000 / 4000 + 2);
    const reach = updates.map((u) => {
      expect(u.attributes[0]!.type).toBe('mp-reach');
      return findAttribute(u, 'mp-reach')!;
    });
    expect(reach.reduce((n, r) => n + r.nlri.count, 0)).toBe(20000);
    expect(prefixStrings(reach[0]!.nlri)[1]).toBe('2001:db8:1::/48');
  });
});

describe('packWithdrawals', () => {
  it('withdraws IPv4 in the withdrawn field and IPv6 in MP_UNREACH_NLRI', () => {
    const ctx = makeContext({});
    const v4 = decodeAllUpdates(packWithdrawals(ipv4Batch(2000), ctx).bytes, ctx);
    expect(v4.reduce((n, u) => n + u.withdrawn.count, 0)).toBe(2000);
    expect(v4.every((u) => u.attributes.length === 0)).toBe(true);
    const v6 = decodeAllUpdates(packWithdrawals(ipv6Batch(2000), ctx).bytes, ctx);
    expect(v6.reduce((n, u) => n + findAttribute(u, 'mp-unreach')!.withdrawn.count, 0)).toBe(2000);
  });

  it('refuses a batch without path identifiers when add-path is on', () => {
    const ctx = makeContext({ addPath: new Set(['ipv4-unicast' as const]) });
    expect(() => packWithdrawals(ipv4Batch(3), ctx)).toThrow(/path identifier/);
  });
});

describe('appending to one UpdateBuffer', () => {
  it('gives the bytes of the separate packs back to back, from a buffer that had to grow', () => {
    const ctx = makeContext({});
    const nextHop = { nextHop: Uint8Array.from(parseAddress('2001:db8::1')) };
    const other = encodeAttributesForPacking([
      attribute({ type: 'origin', origin: 'egp' }), attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [65009] }] }),
      attribute({ type: 'next-hop', nextHop: '192.0.2.9' }),
    ], ctx);
    const parts = [
      packWithdrawals(ipv4Batch(1500), ctx), packAnnouncements(ipv4Batch(7), attrs(ctx, true), ctx),
      packAnnouncements(ipv4Batch(2000), other, ctx), packAnnouncements(ipv6Batch(300), attrs(ctx, false), ctx, nextHop),
    ];
    const out = new UpdateBuffer(64);
    appendWithdrawals(out, ipv4Batch(1500), ctx);
    appendAnnouncements(out, ipv4Batch(7), attrs(ctx, true), ctx);
    appendAnnouncements(out, ipv4Batch(2000), other, ctx);
    appendAnnouncements(out, ipv6Batch(300), attrs(ctx, false), ctx, nextHop);
    const joined = out.done();
    expect(joined.messages).toBe(parts.reduce((n, p) => n + p.messages, 0));
    expect(Buffer.from(joined.bytes).equals(Buffer.concat(parts.map((p) => p.bytes)))).toBe(true);
    const updates = decodeAllUpdates(joined.bytes, ctx);
    expect(updates.length).toBe(joined.messages);
    expect(updates.reduce((n, u) => n + u.nlri.count, 0)).toBe(2007);
  });

  it('size hints cover what packing writes', () => {
    const ctx = makeContext({});
    const a = attrs(ctx, true);
    expect(announcementsSize(ipv4Batch(3000), a, ctx)).toBeGreaterThanOrEqual(packAnnouncements(ipv4Batch(3000), a, ctx).bytes.length);
    expect(withdrawalsSize(ipv6Batch(999), ctx)).toBeGreaterThanOrEqual(packWithdrawals(ipv6Batch(999), ctx).bytes.length);
  });
});
