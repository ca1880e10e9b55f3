/**
 * A bounds-checked cursor over a byte view. Every read checks the remaining length and throws
 * `WireDecodeError` with the error the caller named when it built the reader, so a short field becomes the
 * right RFC 4271 / RFC 7606 error instead of a RangeError or a silent `undefined`.
 */
import { WireDecodeError, type WireError } from './errors.js';

export class Reader {
  private pos: number;
  private readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    private readonly onShort: (need: number, have: number) => WireError,
    start = 0,
    end = bytes.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.end - this.pos < n) throw new WireDecodeError(this.onShort(n, this.end - this.pos));
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const b = this.bytes;
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const b = this.bytes;
    const v = (b[this.pos]! << 16) | (b[this.pos + 1]! << 8) | b[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const v = ((b[this.pos]! << 24) | (b[this.pos + 1]! << 16) | (b[this.pos + 2]! << 8) | b[this.pos + 3]!) >>> 0;
    this.pos += 4;
    return v;
  }

  /** A view (no copy) of the next n bytes. */
  view(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A view of everything left. */
  rest(): Uint8Array {
    return this.view(this.end - this.pos);
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

export function readU16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
