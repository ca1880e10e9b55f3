import { describe, expect, it } from 'vitest';
import { asPathLength, containsAs, MAX_SEGMENT_ASNS, neighbourAs, originAs, prependAs } from '../../src/rib/as-path.js';
import type { AsPathSegment } from '../../src/rib/types.js';

const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 'set', asns });
const cseq = (...asns: number[]): AsPathSegment => ({ type: 'confed-sequence', asns });
const cset = (...asns: number[]): AsPathSegment => ({ type: 'confed-set', asns });
const range = (n: number, asn: number): number[] => new Array<number>(n).fill(asn);

function deepFreeze(path: AsPathSegment[]): readonly AsPathSegment[] {
  for (const s of path) Object.freeze(s.asns);
  return Object.freeze(path.map((s) => Object.freeze(s)));
}

describe('asPathLength (RFC 4271 §9.1.2.2 (a), RFC 5065 §5.3)', () => {
  it.each([
    ['empty', [], 0],
    ['one sequence', [seq(1, 2, 3)], 3],
    ['a set counts 1', [set(4, 5, 6)], 1],
    ['sequence then set', [seq(1, 2), set(3, 4, 5)], 3],
    ['confed segments count 0', [cseq(64512, 64513), cset(64514), seq(1)], 1],
    ['prepended duplicates count each', [seq(1, 1, 1, 2)], 4],
  ] as const)('%s', (_name, path, expected) => {
    expect(asPathLength(path)).toBe(expected);
  });
});

describe('neighbourAs', () => {
  it('is the first AS of the leftmost sequence', () => {
    expect(neighbourAs([seq(65002, 65010), set(1, 2)])).toBe(65002);
  });
  it('skips leading confederation segments', () => {
    expect(neighbourAs([cseq(64512, 64513), cset(64514), seq(65002, 65010)])).toBe(65002);
  });
  it('is undefined for locally or iBGP-originated paths (empty, confed only) and for a leading set', () => {
    expect(neighbourAs([])).toBeUndefined();
    expect(neighbourAs([cseq(64512)])).toBeUndefined();
    expect(neighbourAs([set(1, 2), seq(3)])).toBeUndefined();
  });
});

describe('originAs', () => {
  it('is the last AS of a path ending in a sequence', () => {
    expect(originAs([seq(65002, 65010)])).toBe(65010);
    expect(originAs([seq(65002), set(7, 8), seq(9, 10)])).toBe(10);
  });
  it('is undefined for an empty path, a path ending in a set or in a confederation segment', () => {
    expect(originAs([])).toBeUndefined();
    expect(originAs([seq(1), set(2, 3)])).toBeUndefined();
    expect(originAs([cseq(64512)])).toBeUndefined();
  });
});

describe('containsAs (loop detection, RFC 4271 §9.1.2)', () => {
  it('finds the AS in segments of every type', () => {
    expect(containsAs([seq(1, 2)], 2)).toBe(true);
    expect(containsAs([seq(1), set(5, 6)], 6)).toBe(true);
    expect(containsAs([cseq(64512), seq(1)], 64512)).toBe(true);
    expect(containsAs([cset(64513), seq(1)], 64513)).toBe(true);
    expect(containsAs([seq(1, 2), set(3)], 4)).toBe(false);
    expect(containsAs([], 1)).toBe(false);
  });
});

describe('prependAs (RFC 4271 §5.1.2)', () => {
  it('starts a sequence on an empty path', () => {
    expect(prependAs([], 65001)).toEqual([seq(65001)]);
  });

  it('prepends into a leading sequence with room, once or several times', () => {
    expect(prependAs([seq(65002, 65010)], 65001)).toEqual([seq(65001, 65002, 65010)]);
    expect(prependAs([seq(65002)], 65001, 3)).toEqual([seq(65001, 65001, 65001, 65002)]);
  });

  it('puts a new sequence in front of a full sequence, a set or a confederation segment', () => {
    const full = seq(...range(MAX_SEGMENT_ASNS, 7));
    expect(prependAs([full], 65001)).toEqual([seq(65001), full]);
    expect(prependAs([set(1, 2)], 65001)).toEqual([seq(65001), set(1, 2)]);
    // Leaving a confederation, the caller removes the confed segments first (RFC 5065 §5.3).
    expect(prependAs([cseq(64512), seq(65002)], 65001)).toEqual([seq(65001), cseq(64512), seq(65002)]);
  });

  it('fills the leading sequence up to 255 and overflows into new segments as one-at-a-time prepending would', () => {
    const out = prependAs([seq(...range(253, 7))], 65001, 3);
    expect(out.map((s) => s.asns.length)).toEqual([1, 255]);
    expect(out[0]).toEqual(seq(65001));
    expect(out[1]!.asns.slice(0, 3)).toEqual([65001, 65001, 7]);

    let oneByOne: AsPathSegment[] = [seq(9)];
    for (let i = 0; i < 600; i++) oneByOne = prependAs(oneByOne, 65001);
    const atOnce = prependAs([seq(9)], 65001, 600);
    expect(atOnce).toEqual(oneByOne);
    expect(atOnce.map((s) => s.asns.length)).toEqual([91, 255, 255]);
    expect(asPathLength(atOnce)).toBe(601);
  });

  it('returns a new array and leaves its argument alone', () => {
    const path = deepFreeze([seq(65002), set(1, 2)]);
    const out = prependAs(path, 65001, 2);
    expect(out).not.toBe(path);
    expect(path).toEqual([seq(65002), set(1, 2)]);
    expect(out[1]).toBe(path[1]);
    const copy = prependAs(path, 65001, 0);
    expect(copy).toEqual(path);
    expect(copy).not.toBe(path);
  });

  it('rejects a negative or fractional count', () => {
    expect(() => prependAs([], 1, -1)).toThrow(RangeError);
    expect(() => prependAs([], 1, 1.5)).toThrow(RangeError);
  });
});
