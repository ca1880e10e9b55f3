/**
 * The framer cuts a TCP byte stream into messages whatever the chunking: a stream of real captured messages
 * (plus an extended UPDATE built here) split at every offset, and byte by byte, yields the same messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildUpdate, decodeMessage, encodeMessage, endOfRibMessage, Framer, makeContext, type FrameResult,
} from '../../../src/bgp/wire/index.js';
import { availableVectorFiles, fromHex, loadVectors, toHex, vectorContext, type Vector } from '../../helpers/vectors.js';

const EXT = makeContext({ extendedMessage: true });
const MARKER = 'ff'.repeat(16);

const vectors = loadVectors(availableVectorFiles()[0]!);
const ofType = (t: string) => vectors.filter((v) => v.type_name === t);
const longest = (vs: Vector[]) => [...vs].sort((a, b) => b.length - a.length);

/** An UPDATE of more than 4096 octets: 1100 IPv4 /24s in the NLRI field (needs RFC 8654 extended messages). */
const bigUpdate = encodeMessage(buildUpdate({
  attributes: [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
    { type: 'next-hop', nextHop: '192.0.2.1' },
  ],
  nlri: Array.from({ length: 1100 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`),
}, EXT), EXT);

const picked: Vector[] = [
  ofType('OPEN')[0]!,
  ofType('KEEPALIVE')[0]!,
  ...longest(ofType('UPDATE')).slice(0, 3),
  ofType('ROUTE-REFRESH')[0]!,
  longest(ofType('NOTIFICATION'))[0]!,
];
const expected: Uint8Array[] = [
  ...picked.slice(0, 5).map((v) => fromHex(v.hex)),
  bigUpdate,
  encodeMessage(endOfRibMessage(1, 1, EXT), EXT),
  ...picked.slice(5).map((v) => fromHex(v.hex)),
];
const stream = concat(expected);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function feed(framer: Framer, chunks: readonly Uint8Array[]): { messages: Uint8Array[]; errors: FrameResult['error'][] } {
  const messages: Uint8Array[] = [];
  const errors: FrameResult['error'][] = [];
  for (const c of chunks) {
    const r = framer.push(c);
    // Copy: a message may be a view of the chunk, which a socket reader could reuse.
    messages.push(...r.messages.map((m) => m.slice()));
    if (r.error) errors.push(r.error);
  }
  return { messages, errors };
}

function same(got: readonly Uint8Array[], want: readonly Uint8Array[]): boolean {
  return got.length === want.length && got.every((m, i) => Buffer.from(m).equals(Buffer.from(want[i]!)));
}

describe('Framer: chunking never changes the messages', () => {
  it('the stream holds real messages of every type and one longer than 4096 octets', () => {
    expect(picked.map((v) => v.type_name)).toEqual(['OPEN', 'KEEPALIVE', 'UPDATE', 'UPDATE', 'UPDATE', 'ROUTE-REFRESH', 'NOTIFICATION']);
    expect(bigUpdate.length).toBe(19 + 4 + 4 + 9 + 7 + 1100 * 4);
    expect(bigUpdate.length).toBeGreaterThan(4096);
    expect(expected.map((m) => m[18])).toEqual([1, 4, 2, 2, 2, 2, 2, 5, 3]);
    // Every one of them decodes cleanly with its session's context (so they are real, whole messages).
    for (const v of picked) expect(decodeMessage(fromHex(v.hex), vectorContext(v)).action).toBe('none');
    expect(decodeMessage(bigUpdate, EXT).action).toBe('none');
  });

  it('in one chunk', () => {
    const { messages, errors } = feed(new Framer(65535), [stream]);
    expect(errors).toEqual([]);
    expect(messages.map(toHex)).toEqual(expected.map(toHex));
  });

  it('split into two chunks at every offset', () => {
    const bad: number[] = [];
    for (let cut = 0; cut <= stream.length; cut++) {
      const framer = new Framer(65535);
      const { messages, errors } = feed(framer, [stream.subarray(0, cut), stream.subarray(cut)]);
      if (errors.length > 0 || !same(messages, expected) || framer.buffered !== 0) bad.push(cut);
    }
    expect(bad).toEqual([]);
  });

  it('in single-octet chunks', () => {
    const framer = new Framer(65535);
    const chunks = Array.from(stream, (b) => Uint8Array.of(b));
    const { messages, errors } = feed(framer, chunks);
    expect(errors).toEqual([]);
    expect(messages.map(toHex)).toEqual(expected.map(toHex));
    expect(framer.buffered).toBe(0);
  });

  it('split into three chunks at random offsets', () => {
    fc.assert(fc.property(fc.nat(stream.length), fc.nat(stream.length), (a, b) => {
      const [x, y] = a < b ? [a, b] : [b, a];
      const { messages, errors } = feed(new Framer(65535), [stream.subarray(0, x), stream.subarray(x, y), stream.subarray(y)]);
      return errors.length === 0 && same(messages, expected);
    }), { numRuns: 300 });
  });

  it('gives plain Uint8Arrays, views of the chunk or not, when fed Node Buffers (one kind for the codec)', () => {
    const framer = new Framer(65535);
    const cut = expected[0]!.length + 5; // the first message whole in the first chunk, the second split
    const got = [...framer.push(Buffer.from(stream.subarray(0, cut))).messages, ...framer.push(Buffer.from(stream.subarray(cut))).messages];
    expect(got.map(toHex)).toEqual(expected.map(toHex));
    expect(got.map((m) => Object.getPrototypeOf(m) === Uint8Array.prototype)).toEqual(expected.map(() => true));
  });

  it('returns each message once, as soon as its last octet arrives', () => {
    const framer = new Framer(65535);
    let end = 0;
    for (const m of expected) {
      end += m.length;
      expect(framer.push(stream.subarray(end - m.length, end - 1)).messages).toEqual([]);
      const r = framer.push(stream.subarray(end - 1, end));
      expect(r.messages.map(toHex)).toEqual([toHex(m)]);
    }
  });
});

describe('Framer errors', () => {
  const keepalive = fromHex(MARKER + '0013' + '04');
  const header = (length: string, marker = MARKER) => fromHex(marker + length + '02');

  it('a bad marker is Connection Not Synchronized (1/1), after the messages before it', () => {
    const badMarker = fromHex('ff'.repeat(15) + 'fe' + '0013' + '04');
    const framer = new Framer();
    const r = framer.push(concat([keepalive, badMarker]));
    expect(r.messages.map(toHex)).toEqual([toHex(keepalive)]);
    expect(r.error).toMatchObject({ action: 'session-reset', code: 1, subcode: 1 });
    expect(r.error?.data).toEqual(new Uint8Array(0));
  });

  it.each([
    ['0000', 'zero'],
    ['0012', '18 (shorter than a header)'],
    ['1001', '4097 (over 4096 without extended messages)'],
    ['ffff', '65535 (over 4096 without extended messages)'],
  ])('length %s, %s, is Bad Message Length (1/2) with the length field as data', (length) => {
    const framer = new Framer();
    const r = framer.push(concat([keepalive, header(length), keepalive]));
    expect(r.messages.map(toHex)).toEqual([toHex(keepalive)]);
    expect(r.error).toMatchObject({ action: 'session-reset', code: 1, subcode: 2 });
    expect(toHex(r.error!.data)).toBe(length);
  });

  it('finds the error the same way when the header arrives octet by octet', () => {
    const framer = new Framer();
    const bytes = concat([keepalive, header('0012')]);
    const { messages, errors } = feed(framer, Array.from(bytes, (b) => Uint8Array.of(b)));
    expect(messages.map(toHex)).toEqual([toHex(keepalive)]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 1, subcode: 2 });
    expect(toHex(errors[0]!.data)).toBe('0012');

    const marker = new Framer();
    const bad = feed(marker, Array.from(fromHex('00'.repeat(16) + '0013' + '04'), (b) => Uint8Array.of(b)));
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatchObject({ code: 1, subcode: 1 });
  });

  it('stays failed: later pushes return the same error and no messages', () => {
    const framer = new Framer();
    const first = framer.push(header('0012'));
    expect(first.error).toMatchObject({ code: 1, subcode: 2 });
    for (const chunk of [keepalive, stream, keepalive.subarray(0, 5)]) {
      const r = framer.push(chunk);
      expect(r.messages).toEqual([]);
      expect(r.error).toBe(first.error);
    }
  });

  it('accepts extended messages after setMaxLength(65535), and not before', () => {
    const plain = new Framer();
    const refused = plain.push(bigUpdate);
    expect(refused.messages).toEqual([]);
    expect(refused.error).toMatchObject({ code: 1, subcode: 2 });
    expect(toHex(refused.error!.data)).toBe(toHex(bigUpdate.subarray(16, 18)));

    // As a session does it: OPENs and KEEPALIVE at 4096, then extended messages once negotiated.
    const framer = new Framer();
    const opening = framer.push(concat(expected.slice(0, 2)));
    expect(opening.messages).toHaveLength(2);
    framer.setMaxLength(65535);
    const later = feed(framer, [bigUpdate.subarray(0, 3000), bigUpdate.subarray(3000)]);
    expect(later.errors).toEqual([]);
    expect(later.messages.map(toHex)).toEqual([toHex(bigUpdate)]);
    // A 65535-octet message is the most it takes.
    const max = new Framer(65535);
    expect(max.push(header('ffff')).error).toBeUndefined();
  });
});

describe('Framer.buffered', () => {
  it('reports the octets held that do not yet make a message', () => {
    const framer = new Framer(65535);
    expect(framer.buffered).toBe(0);
    framer.push(bigUpdate.subarray(0, 10));
    expect(framer.buffered).toBe(10);
    framer.push(bigUpdate.subarray(10, 19));
    expect(framer.buffered).toBe(19);
    framer.push(bigUpdate.subarray(19, 1000));
    expect(framer.buffered).toBe(1000);
    const r = framer.push(bigUpdate.subarray(1000, bigUpdate.length - 1));
    expect(r.messages).toEqual([]);
    expect(framer.buffered).toBe(bigUpdate.length - 1);
    expect(framer.push(bigUpdate.subarray(bigUpdate.length - 1)).messages).toHaveLength(1);
    expect(framer.buffered).toBe(0);
  });

  it('counts the tail of a chunk that ends inside a message', () => {
    const framer = new Framer();
    const two = concat([expected[0]!, expected[2]!]);
    const cut = expected[0]!.length + 30;
    const r = framer.push(two.subarray(0, cut));
    expect(r.messages.map(toHex)).toEqual([toHex(expected[0]!)]);
    expect(framer.buffered).toBe(30);
    framer.push(two.subarray(cut, cut + 5));
    expect(framer.buffered).toBe(35);
    expect(framer.push(two.subarray(cut + 5)).messages.map(toHex)).toEqual([toHex(expected[2]!)]);
    expect(framer.buffered).toBe(0);
  });
});
