/**
 * The one real rtnetlink transport, on the `netlink` package's socket. Requests go out in batches: many
 * messages per sendmsg(2), none waiting for the one before (ARCHITECTURE.md "never wait for one netlink ACK
 * before sending the next"). Requests carry no NLM_F_ACK, so the kernel answers only failures, each matched
 * to its request by sequence number; an acknowledged barrier closes each sendmsg's chunk of requests (sized
 * to the receive buffer, up to ~3,800 routes; netlink processes a socket's messages in order, so its ACK means
 * every earlier request is done), and the next chunk waits for it: a bounded number of answers queued. The
 * kernel does the route work inside sendmsg itself; netlink-thread.ts moves that off the main thread.
 *
 * If the receive buffer overflows (ENOBUFS), answers may be lost: the batch then reports `uncertain` and the
 * caller re-reads the kernel's state instead of trusting its bookkeeping.
 */
import { parseError, parseMessages, RawNetlinkSocket, type NetlinkMessage } from 'netlink';
import { frame, NLMSG_HDRLEN, type NetlinkBatch, type NetlinkRequest } from './netlink-batch.js';

const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
const RTM_GETLINK = 18;
/**
 * Asked for; the kernel grants at most net.core.rmem_max / wmem_max (doubled). 4 MB on this lab machine, 208 KB
 * on a stock host.
 */
const BUFFER_BYTES = 8 * 1024 * 1024;
/**
 * A chunk's answers must fit the receive buffer even if the kernel refuses every request (EPERM without
 * CAP_NET_ADMIN): each error is an skb of its own, about 1 KB of buffer accounting for a ~70-octet route
 * request, so a chunk gets 1/32 of the receive buffer in request octets, between 8 KB and 256 KB (the larger
 * the chunk, the fewer round trips: 256 KB is ~3,800 routes).
 */
function chunkBytes(receiveBuffer: number): number {
  return Math.max(8 * 1024, Math.min(256 * 1024, Math.floor(receiveBuffer / 32)));
}
/** The barrier: RTM_GETLINK of ifindex 1 (loopback), an ifinfomsg and nothing else. */
const BARRIER: NetlinkRequest = { type: RTM_GETLINK, flags: NLM_F_REQUEST, body: (() => {
  const b = Buffer.alloc(16);
  b.writeInt32LE(1, 4);
  return b;
})() };

export interface BatchResult {
  /** errno (positive) per failed request, by index in the batch. */
  readonly failures: ReadonlyMap<number, number>;
  /** Answers may have been lost (receive buffer overrun): re-read the kernel. */
  readonly uncertain: boolean;
}

export interface KernelMessage {
  readonly type: number;
  readonly body: Buffer;
}

/** What the FIB, interface and overlay code need from rtnetlink; unit tests give a fake. */
export interface RtnlSocket {
  /** Sends every message of the batch (numbering them: their sequence numbers are written into it). */
  batch(batch: NetlinkBatch): Promise<BatchResult>;
  /** One acknowledged request; rejects with a KernelError. */
  request(req: NetlinkRequest): Promise<void>;
  /** A dump (NLM_F_DUMP): every answer message until NLMSG_DONE. */
  dump(req: NetlinkRequest): Promise<KernelMessage[]>;
  close(): void;
}

export class KernelError extends Error {
  constructor(readonly errno: number, readonly code: string, what: string) {
    super(`${what}: ${code} (errno ${errno})`);
    this.name = 'KernelError';
  }
}

/** errno names for the errors the kernel gives route, link and neighbour requests. */
const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 12: 'ENOMEM', 13: 'EACCES', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV',
  22: 'EINVAL', 34: 'ERANGE', 95: 'EOPNOTSUPP', 101: 'ENETUNREACH', 105: 'ENOBUFS', 113: 'EHOSTUNREACH',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

/** Sequence numbers run 1 … SEQ_SPAN and wrap to 1: never 0, and the i-th after `first` is unique. */
const SEQ_SPAN = 0x7ffffffe;

export function seqAt(first: number, i: number): number {
  return ((first - 1 + i) % SEQ_SPAN) + 1;
}

/** Which message after `first` carries `seq`. */
function seqIndex(first: number, seq: number): number {
  return (seq - first + SEQ_SPAN) % SEQ_SPAN;
}

/**
 * Writes consecutive sequence numbers from `first` into the messages of `bytes`, and returns where chunks of
 * at most `chunkBytes` end (at message boundaries; a single larger message is a chunk of its own).
 */
export function numberMessages(bytes: Uint8Array, first: number, chunkBytes: number): number[] {
  const ends: number[] = [];
  let start = 0;
  let off = 0;
  for (let i = 0; off + NLMSG_HDRLEN <= bytes.length; i++) {
    const size = ((bytes[off]! | (bytes[off + 1]! << 8) | (bytes[off + 2]! << 16) | (bytes[off + 3]! << 24)) + 3) & ~3;
    if (off > start && off + size - start > chunkBytes) {
      ends.push(off);
      start = off;
    }
    const seq = seqAt(first, i);
    bytes[off + 8] = seq & 255;
    bytes[off + 9] = (seq >>> 8) & 255;
    bytes[off + 10] = (seq >>> 16) & 255;
    bytes[off + 11] = seq >>> 24;
    off += size;
  }
  ends.push(off);
  return ends;
}

interface Pending {
  /** Sequence number of the batch's first request; requests are numbered consecutively. */
  readonly first: number;
  readonly count: number;
  readonly failures: Map<number, number>;
}

export class NetlinkRtnlSocket implements RtnlSocket {
  /**
   * The package's raw socket: its NetlinkSocket layer strips NLMSG_DONE from dumps (an empty dump then has no
   * sequence number left to match), so messages are split here with the package's `parseMessages`.
   */
  private readonly sock: RawNetlinkSocket;
  private readonly chunkBytes: number;
  private sending: Promise<void> = Promise.resolve();
  private dumping: Promise<void> = Promise.resolve();
  private seq = 1;
  private readonly batches = new Set<Pending>();
  private closed = false;
  private readonly acks = new Map<number, { resolve(): void; reject(e: Error): void; what: string }>();
  private readonly dumps = new Map<number, { messages: KernelMessage[]; resolve(m: KernelMessage[]): void; reject(e: Error): void }>();
  private overruns = 0;

  constructor() {
    this.sock = new RawNetlinkSocket(0 /* NETLINK_ROUTE */, { recvBufferSize: BUFFER_BYTES, sendBufferSize: BUFFER_BYTES });
    this.chunkBytes = chunkBytes(this.sock.getRecvBufferSize());
    // An exception thrown back into the native receive callback aborts the process: never let one escape.
    this.sock.on('message', (buf) => {
      try {
        this.receive(parseMessages(buf));
      } catch (e) {
        this.failAll(e instanceof Error ? e : new Error(String(e)));
      }
    });
    this.sock.on('error', (err) => {
      if (err.code === 'ENOBUFS') this.overruns++;
    });
  }

  private next(count = 1): number {
    const s = this.seq;
    this.seq = seqAt(s, count);
    return s;
  }

  private send(buf: Buffer | Buffer[]): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(buf, undefined, (e) => (e ? reject(e) : resolve())));
  }

  private frame(req: NetlinkRequest, seq: number, extraFlags = 0): Buffer {
    const buf = frame(req, extraFlags);
    buf.writeUInt32LE(seq, 8);
    return buf;
  }

  /**
   * Numbers the batch's messages consecutively and sends them a chunk per sendmsg(2). Every chunk ends with an
   * acknowledged barrier, and the next chunk waits for it: at most one chunk's answers are ever queued for us.
   * Without that bound, a batch the kernel refuses wholesale (EPERM without CAP_NET_ADMIN: one error per route)
   * overruns the receive buffer, and the `netlink` package aborts the process on that receive error.
   */
  batch(batch: NetlinkBatch): Promise<BatchResult> {
    // One batch at a time: the chunks of two must not interleave, or the kernel would apply a later
    // request for a route before an earlier one.
    const result = this.sending.then(() => this.sendBatch(batch));
    this.sending = result.then(() => undefined, () => undefined);
    return result;
  }

  private async sendBatch(batch: NetlinkBatch): Promise<BatchResult> {
    if (batch.count === 0) return { failures: new Map(), uncertain: false };
    const first = this.next(batch.count);
    const pending: Pending = { first, count: batch.count, failures: new Map() };
    this.batches.add(pending);
    const overrunsAtStart = this.overruns;
    const bytes = batch.bytes;
    try {
      let start = 0;
      for (const end of numberMessages(bytes, first, this.chunkBytes)) {
        await this.sendWithBarrier(bytes.subarray(start, end));
        start = end;
      }
    } catch (e) {
      if (this.closed) return { failures: pending.failures, uncertain: true };
      throw e;
    } finally {
      this.batches.delete(pending);
    }
    return { failures: pending.failures, uncertain: this.overruns !== overrunsAtStart };
  }

  /** Sends a chunk and a barrier behind it (get the loopback link, acknowledged); resolves on the barrier's ACK. */
  private sendWithBarrier(chunk: Buffer): Promise<void> {
    const seq = this.next();
    const barrier = this.frame(BARRIER, seq, NLM_F_ACK);
    return new Promise<void>((resolve, reject) => {
      // The barrier's own answer is an ACK: an error would mean the kernel could not read the request at all.
      this.acks.set(seq, { resolve, reject: () => resolve(), what: 'barrier' });
      this.send([chunk, barrier]).catch((e: Error) => {
        this.acks.delete(seq);
        reject(e);
      });
    });
  }

  request(req: NetlinkRequest): Promise<void> {
    const seq = this.next();
    return new Promise<void>((resolve, reject) => {
      this.acks.set(seq, { resolve, reject, what: `request type ${req.type}` });
      this.send(this.frame(req, seq, NLM_F_ACK)).catch((e: Error) => {
        this.acks.delete(seq);
        reject(e);
      });
    });
  }

  dump(req: NetlinkRequest): Promise<KernelMessage[]> {
    // The kernel runs one dump per socket at a time and refuses a second with EBUSY: they wait their turn.
    const result = this.dumping.then(() => this.dumpNow(req));
    this.dumping = result.then(() => undefined, () => undefined);
    return result;
  }

  private dumpNow(req: NetlinkRequest): Promise<KernelMessage[]> {
    const seq = this.next();
    return new Promise<KernelMessage[]>((resolve, reject) => {
      this.dumps.set(seq, { messages: [], resolve, reject });
      this.send(this.frame(req, seq)).catch((e: Error) => {
        this.dumps.delete(seq);
        reject(e);
      });
    });
  }

  private receive(msgs: readonly NetlinkMessage[]): void {
    for (const m of msgs) {
      const dump = this.dumps.get(m.seq);
      if (dump) {
        if (m.type === NLMSG_DONE) {
          this.dumps.delete(m.seq);
          dump.resolve(dump.messages);
        } else if (m.type === NLMSG_ERROR) {
          this.dumps.delete(m.seq);
          const e = parseError(m.data, m.flags);
          dump.reject(new KernelError(-e.errno || e.errno, errnoName(Math.abs(e.errno)), 'dump'));
        } else {
          dump.messages.push({ type: m.type, body: m.data });
        }
        continue;
      }
      if (m.type !== NLMSG_ERROR) continue;
      const errno = Math.abs(parseError(m.data, m.flags).errno);
      const ack = this.acks.get(m.seq);
      if (ack) {
        this.acks.delete(m.seq);
        if (errno === 0) ack.resolve();
        else ack.reject(new KernelError(errno, errnoName(errno), ack.what));
        continue;
      }
      if (errno === 0) continue;
      for (const b of this.batches.values()) {
        const index = seqIndex(b.first, m.seq);
        if (index < b.count) {
          b.failures.set(index, errno);
          break;
        }
      }
    }
  }

  private failAll(error: Error): void {
    for (const a of this.acks.values()) a.reject(error);
    for (const d of this.dumps.values()) d.reject(error);
    this.batches.clear();
    this.acks.clear();
    this.dumps.clear();
  }

  close(): void {
    this.closed = true;
    this.failAll(new Error('netlink socket closed'));
    this.sock.close();
  }
}
