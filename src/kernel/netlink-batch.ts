/**
 * Many netlink requests laid out back to back in one buffer, ready for sendmsg(2): each an nlmsghdr (length,
 * type, flags; sequence number and port left at zero for the transport to fill in) and its body, padded to 4
 * octets (NLMSG_ALIGN). Writers append whole messages; the FIB copies a prepared message and patches its
 * destination (route-message.ts RouteEncoder), so a batch of 100,000 routes is one growing buffer, not
 * 100,000 objects.
 */
export const NLMSG_HDRLEN = 16;

/** One request before framing: message type, flags and the payload after the nlmsghdr. */
export interface NetlinkRequest {
  readonly type: number;
  readonly flags: number;
  readonly body: Uint8Array;
}

export class NetlinkBatch {
  private buf: Buffer;
  /** `buf` as 32-bit words (it starts at offset 0 of its own ArrayBuffer), for copying whole messages. */
  private words: Int32Array;
  private used = 0;
  private n = 0;

  /** Never from Node's shared pool: the buffer may be handed to another thread whole (`detach`). */
  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(16, initialBytes));
    this.words = wordsOf(this.buf);
  }

  /** A batch over messages already laid out (what `detach` gave away, on the other side). */
  static over(bytes: Buffer, count: number): NetlinkBatch {
    const b = new NetlinkBatch(0);
    b.buf = bytes;
    b.words = new Int32Array(0); // read, never written
    b.used = bytes.length;
    b.n = count;
    return b;
  }

  /**
   * Hands the messages over as an ArrayBuffer to transfer to another thread; the batch is empty afterwards.
   * The buffer is the batch's own (allocUnsafeSlow), so transferring it detaches nothing else.
   */
  detach(): { readonly buffer: ArrayBuffer; readonly length: number; readonly count: number } {
    const own = this.buf.byteOffset === 0 && this.buf.buffer instanceof ArrayBuffer;
    const out = { buffer: own ? (this.buf.buffer as ArrayBuffer) : new Uint8Array(this.bytes).buffer, length: this.used, count: this.n };
    this.buf = Buffer.allocUnsafeSlow(16);
    this.words = wordsOf(this.buf);
    this.used = 0;
    this.n = 0;
    return out;
  }

  get count(): number {
    return this.n;
  }

  /** The messages so far (the transport writes sequence numbers into it). */
  get bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  /** The whole underlying buffer, to write a reserved message into; valid until the next `reserve`. */
  get buffer(): Buffer {
    return this.buf;
  }

  /** Room for one message of `size` octets (a multiple of 4) at the end; returns where it starts in `buffer`. */
  reserve(size: number): number {
    if (this.used + size > this.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.used + size));
      this.buf.copy(bigger, 0, 0, this.used);
      this.buf = bigger;
      this.words = wordsOf(bigger);
    }
    const at = this.used;
    this.used += size;
    this.n++;
    return at;
  }

  /**
   * Appends a prepared message given as 32-bit words (a word loop: for messages of a few dozen octets it is
   * much cheaper than TypedArray#set); returns where it starts in `buffer`.
   */
  appendWords(message: Int32Array): number {
    const at = this.reserve(message.length * 4);
    const words = this.words;
    const base = at >>> 2;
    for (let i = 0; i < message.length; i++) words[base + i] = message[i]!;
    return at;
  }

  push(req: NetlinkRequest): void {
    const message = frame(req);
    const at = this.reserve(message.length); // may replace the buffer: read it after
    this.buf.set(message, at);
  }

  /** Each message as type, flags and body, in order (for tests and fakes of the transport). */
  *messages(): Generator<NetlinkRequest> {
    for (let off = 0; off + NLMSG_HDRLEN <= this.used;) {
      const len = this.buf.readUInt32LE(off);
      yield { type: this.buf.readUInt16LE(off + 4), flags: this.buf.readUInt16LE(off + 6), body: this.buf.subarray(off + NLMSG_HDRLEN, off + len) };
      off += (len + 3) & ~3;
    }
  }

  static of(requests: readonly NetlinkRequest[]): NetlinkBatch {
    const b = new NetlinkBatch();
    for (const r of requests) b.push(r);
    return b;
  }
}

function wordsOf(buf: Buffer): Int32Array {
  return new Int32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
}

/** nlmsghdr + body, padded with zeros to 4 octets; sequence number and port zero. */
export function frame(req: NetlinkRequest, extraFlags = 0): Buffer {
  const len = NLMSG_HDRLEN + req.body.length;
  const buf = Buffer.alloc((len + 3) & ~3);
  buf.writeUInt32LE(len, 0);
  buf.writeUInt16LE(req.type, 4);
  buf.writeUInt16LE(req.flags | extraFlags, 6);
  buf.set(req.body, NLMSG_HDRLEN);
  return buf;
}
