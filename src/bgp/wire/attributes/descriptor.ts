/**
 * One row of the path attribute table: how an attribute is named, flagged, decoded, encoded, and which
 * RFC 7606 approach applies when it is malformed. Decoders signal a malformed value by throwing
 * `MalformedAttribute`; the attribute loop turns it into a `WireError` with the row's approach.
 */
import type { CodecContext } from '../context.js';
import type { ErrorAction } from '../errors.js';
import type { Writer } from '../writer.js';
import type { KnownAttribute } from './types.js';

export interface AttributeDescriptor<A extends KnownAttribute = KnownAttribute> {
  readonly code: number;
  /** IANA name, e.g. MULTI_EXIT_DISC. */
  readonly name: string;
  readonly type: A['type'];
  readonly optional: boolean;
  readonly transitive: boolean;
  /** RFC 7606 approach when the value (or the Optional/Transitive flags, §3 (c)) is malformed. */
  readonly malformed: ErrorAction;
  /** The UPDATE Message Error subcode recorded for a malformed value. */
  readonly subcode: number;
  /** A reason to drop a well-formed attribute in this context (e.g. LOCAL_PREF from an eBGP peer). */
  readonly ignoreIn?: (ctx: CodecContext) => string | undefined;
  /** Decode the value (flags and length already parsed). Throws MalformedAttribute. */
  decode(value: Uint8Array, flags: number, ctx: CodecContext): A;
  /** Write the value only; the caller writes flags, type and length. */
  encode(attr: A, w: Writer, ctx: CodecContext): void;
}

/** Thrown by attribute decoders; caught by the attribute loop only. */
export class MalformedAttribute extends Error {
  constructor(
    readonly reason: string,
    /** Overrides the descriptor's subcode (e.g. Attribute Length Error vs Invalid ORIGIN). */
    readonly subcode?: number,
  ) {
    super(reason);
    this.name = 'MalformedAttribute';
  }
}

export function expectLength(value: Uint8Array, ...allowed: number[]): void {
  if (!allowed.includes(value.length)) {
    throw new MalformedAttribute(`length ${value.length}, expected ${allowed.join(' or ')}`, 5);
  }
}

export function expectMultiple(value: Uint8Array, unit: number, allowEmpty = false): void {
  if ((!allowEmpty && value.length === 0) || value.length % unit !== 0) {
    throw new MalformedAttribute(`length ${value.length} is not a non-zero multiple of ${unit}`, 5);
  }
}
