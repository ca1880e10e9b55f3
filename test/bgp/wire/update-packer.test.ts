import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attribute, decodeMessage, encodeAttributesForPacking, findAttribute, Framer, IPV4_UNICAST, IPV6_UNICAST, makeContext,
  announcementsSize, appendAnnouncements, appendWithdrawals, forEachPrefix, packAnnouncements, packWithdrawals, parseAddress, prefixStrings,
  UpdateBuffer,
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

describe('prefixes of every length, with and without path identifiers', () => {
  const v4 = fc.array(fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 })), { minLength: 1, maxLength: 2500 });
  const v6 = fc.array(fc.tuple(fc.array(fc.nat(0xffffffff), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 128 })), { minLength: 1, maxLength: 800 });
  const masked = (word: number, bits: number): number => (bits <= 0 ? 0 : bits >= 32 ? word : (word & (0xffffffff << (32 - bits))) >>> 0);
  const batchOf = (family: typeof IPV4_UNICAST, list: [number[], number][], withIds: boolean): PrefixBatch => ({
    family, count: list.length,
    // Host bits zero, as the RIB keeps them.
    words: Uint32Array.from(list.flatMap(([w, l]) => w.map((x, k) => masked(x, l - 32 * k)))),
    lengths: Uint8Array.from(list, ([, l]) => l),
    ...(withIds ? { pathIds: Uint32Array.from(list, (_, i) => (i * 2654435761) >>> 0) } : {}),
  });
  const text = (b: PrefixBatch): string[] => Array.from({ length: b.count }, (_, i) => {
    const per = b.family.addressBytes >>> 2;
    const bytes = new Uint8Array(per * 4);
    for (let k = 0; k < per; k++) new DataView(bytes.buffer).setUint32(4 * k, b.words[i * per + k]!);
    return `${b.pathIds ? `${b.pathIds[i]} ` : ''}${Buffer.from(bytes).toString('hex')}/${b.lengths[i]}`;
  });
  // What the decoder read, in the same form: path id (add-path), address octets, length.
  const got = (updates: UpdateMessage[], b: PrefixBatch, what: 'withdrawn' | 'nlri'): string[] => updates.flatMap((u) => {
    const list = b.family === IPV4_UNICAST ? u[what] : what === 'nlri' ? findAttribute(u, 'mp-reach')!.nlri : findAttribute(u, 'mp-unreach')!.withdrawn;
    const out: string[] = [];
    forEachPrefix(list, (bytes, at, length, pathId) => {
      const addr = new Uint8Array(b.family.addressBytes);
      addr.set(bytes.subarray(at, at + ((length + 7) >>> 3)));
      out.push(`${b.pathIds ? `${pathId} ` : ''}${Buffer.from(addr).toString('hex')}/${length}`);
    });
    return out;
  });

  for (const [family, gen] of [[IPV4_UNICAST, v4.map((l) => l.map(([a, n]) => [[a], n] as [number[], number]))], [IPV6_UNICAST, v6]] as const) {
    for (const withIds of [false, true]) {
      it(`${family.name}${withIds ? ', add-path' : ''}: come back from withdrawals and announcements as they went in, in order`, () => {
        const ctx = makeContext({ addPath: new Set(withIds ? [family.name] : []) });
        const mp = family === IPV4_UNICAST ? undefined : { nextHop: parseAddress('2001:db8::1') };
        fc.assert(fc.property(gen, (list) => {
          const b = batchOf(family, list, withIds);
          expect(got(decodeAllUpdates(packWithdrawals(b, ctx).bytes, ctx), b, 'withdrawn')).toEqual(text(b));
          expect(got(decodeAllUpdates(packAnnouncements(b, attrs(ctx, mp === undefined), ctx, mp).bytes, ctx), b, 'nlri')).toEqual(text(b));
        }), { numRuns: 40 });
      });
    }
  }
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
