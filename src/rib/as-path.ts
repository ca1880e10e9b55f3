/**
 * AS_PATH helpers for the decision process, eligibility and export (RFC 4271 §5.1.2, §9.1.2, §9.1.2.2;
 * RFC 5065 §5.3 for confederation segments). All functions are pure; none allocates except `prependAs`,
 * which returns a new array and never changes its argument.
 *
 * Segment order: `segments[0]` is the leftmost segment, the one the most recent speaker prepended to, so
 * the neighbouring AS is at the front and the originating AS at the back.
 */
import type { AsPathSegment } from './types.js';

/** The most ASes one segment can hold (the segment length is one octet, RFC 4271 §4.3). */
export const MAX_SEGMENT_ASNS = 255;

/**
 * The AS path length of the decision process (RFC 4271 §9.1.2.2 (a)): every AS of an AS_SEQUENCE counts 1,
 * an AS_SET counts 1 however many ASes it holds, and AS_CONFED_SEQUENCE / AS_CONFED_SET count 0
 * (RFC 5065 §5.3). An (invalid, RFC 7606 §7.3) empty AS_SET would still count 1; the decoder rejects it.
 */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/**
 * The neighbouring AS of RFC 4271 §9.1.2.2 (c), the AS whose MEDs are comparable: the first AS of the
 * leftmost segment, once leading confederation segments are skipped (a path learned from a confederation
 * peer: the AS that matters for MED is the first one outside our confederation, RFC 5065 §5.3).
 *
 * undefined when there is none: an empty path (locally originated, or originated by an iBGP peer of our
 * AS), a path of confederation segments only (originated inside our confederation), or a path whose first
 * non-confederation segment is an AS_SET (only an aggregate made inside our AS can look like that: an eBGP
 * speaker always prepends an AS_SEQUENCE, §5.1.2). The decision process treats all such paths as coming
 * from one and the same "AS" (see decision.ts step 4).
 */
export function neighbourAs(segments: readonly AsPathSegment[]): number | undefined {
  for (const s of segments) {
    if (s.type === 'confed-sequence' || s.type === 'confed-set') continue;
    return s.type === 'sequence' ? s.asns[0] : undefined;
  }
  return undefined;
}

/**
 * The originating AS: the last AS of the path when the path ends in an AS_SEQUENCE. undefined when the
 * path is empty, ends in an AS_SET (an aggregate: the origin is not one AS) or ends in a confederation
 * segment (originated inside our confederation, like an empty path for a plain AS).
 */
export function originAs(segments: readonly AsPathSegment[]): number | undefined {
  const last = segments[segments.length - 1];
  if (!last || last.type !== 'sequence') return undefined;
  return last.asns[last.asns.length - 1];
}

/** Whether `asn` occurs anywhere in the path, in a segment of any type (AS loop detection, RFC 4271 §9.1.2). */
export function containsAs(segments: readonly AsPathSegment[], asn: number): boolean {
  for (const s of segments) {
    if (s.asns.includes(asn)) return true;
  }
  return false;
}

/**
 * A new path with `asn` prepended `times` times, as a speaker does when it advertises to an external peer
 * (RFC 4271 §5.1.2 / §9.2): when the leftmost segment is an AS_SEQUENCE with room (fewer than 255 ASes), the
 * ASes go in front of it; what does not fit goes into new AS_SEQUENCE segments in front (the leftmost one
 * partly filled, the ones behind it full, exactly as prepending one at a time would build them). When the
 * leftmost segment is an AS_SET or a confederation segment, or the path is empty, a new AS_SEQUENCE goes first.
 *
 * Confederations: RFC 5065 §5.3 requires the leading AS_CONFED_SEQUENCE / AS_CONFED_SET segments to be
 * removed before prepending when a route leaves the confederation; that is the caller's job. Given a path
 * that still starts with them, this function puts the new AS_SEQUENCE before them and never prepends into
 * a confederation segment.
 *
 * The argument is not modified; unchanged segments are shared with it. `times` must be a non-negative
 * integer (0 returns a copy of the array).
 */
export function prependAs(segments: readonly AsPathSegment[], asn: number, times = 1): AsPathSegment[] {
  if (!Number.isInteger(times) || times < 0) throw new RangeError(`prependAs: times must be a non-negative integer, got ${times}`);
  if (times === 0) return segments.slice();
  const first = segments[0];
  let rest: readonly AsPathSegment[] = segments;
  let remaining = times;
  const front: AsPathSegment[] = [];
  if (first && first.type === 'sequence' && first.asns.length < MAX_SEGMENT_ASNS) {
    const fit = Math.min(remaining, MAX_SEGMENT_ASNS - first.asns.length);
    remaining -= fit;
    front.push({ type: 'sequence', asns: repeat(asn, fit).concat(first.asns) });
    rest = segments.slice(1);
  }
  // What did not fit: new segments built right to left (the one nearest the old path fills up first, as
  // one-at-a-time prepending would fill it), so only the leftmost can be partly filled.
  while (remaining > 0) {
    const size = Math.min(remaining, MAX_SEGMENT_ASNS);
    front.unshift({ type: 'sequence', asns: repeat(asn, size) });
    remaining -= size;
  }
  // concat makes an array of exactly the length it needs; spreading two arrays into one grows it as `push` does.
  return front.concat(rest);
}

function repeat(asn: number, n: number): number[] {
  const out = new Array<number>(n);
  out.fill(asn);
  return out;
}
