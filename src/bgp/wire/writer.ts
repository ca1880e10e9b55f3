/**
 * A growable byte writer. Lengths that are only known after their content is written are reserved and
 * patched afterwards (`reserve16` / `patch16`), so encoders write each field once, in order.
 */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v;
    return this;
  }

  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos++] = v >>> 16;
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = v >>> 16;
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Reserve a 1-octet field and return its offset for `patch8`. */
  reserve8(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Reserve a 2-octet field and return its offset for `patch16`. */
  reserve16(): number {
    this.ensure(2);
    const at = this.pos;
    this.pos += 2;
    return at;
  }

  patch8(at: number, v: number): void {
    this.buf[at] = v;
  }

  patch16(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
  }

  /** The bytes written so far (a copy, safe to keep while this writer is reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** A view of the bytes written so far, valid until the next write. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }
}
