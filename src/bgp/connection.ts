/**
 * One TCP connection to a peer: frames and decodes what arrives, encodes and writes what goes out, and turns
 * both into calls on its owner. It knows nothing of the FSM; the peer maps its reports to FSM events.
 *
 * Output is bounded: when more than `maxQueuedBytes` wait in the socket's buffer (a peer that does not read),
 * the connection reports `output-queue-full` and the peer resets the session, so one slow reader never holds
 * memory or time that other peers need.
 */
import type { Socket } from 'node:net';
import {
  DEFAULT_CONTEXT, decodeMessage, Framer, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, writeMessage, Writer,
  type BgpMessage, type CodecContext, type DecodeResult, type WireError,
} from './wire/index.js';

export type Direction = 'outgoing' | 'incoming';

export interface ConnectionOwner {
  /** A whole message arrived and was decoded (with its RFC 7606 outcome). */
  onMessage(conn: Connection, result: DecodeResult, bytes: Uint8Array): void;
  /** The byte stream broke framing (bad marker or length): a header error. */
  onFramingError(conn: Connection, error: WireError): void;
  /** The connection closed or failed; called once. */
  onClosed(conn: Connection, detail: string): void;
  /** More than the allowed output is queued. */
  onOutputOverflow(conn: Connection, queued: number): void;
}

export interface ConnectionStats {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
}

export class Connection {
  private readonly framer = new Framer(MAX_MESSAGE_LENGTH);
  private readonly writer = new Writer(4096);
  private receiveCtx: CodecContext = DEFAULT_CONTEXT;
  private sendCtx: CodecContext = DEFAULT_CONTEXT;
  private closed = false;
  readonly stats: ConnectionStats = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };

  constructor(
    readonly socket: Socket,
    readonly direction: Direction,
    private readonly owner: ConnectionOwner,
    private readonly maxQueuedBytes: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.finish(err.message));
    socket.on('close', () => this.finish('connection closed by peer'));
    socket.on('end', () => socket.end());
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Switch to the negotiated session: decode/encode contexts and, with RFC 8654, 65535-octet messages. */
  setContexts(receive: CodecContext, send: CodecContext): void {
    this.receiveCtx = receive;
    this.sendCtx = send;
    this.framer.setMaxLength(receive.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH);
  }

  get sendContext(): CodecContext {
    return this.sendCtx;
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.stats.bytesIn += chunk.length;
    const framed = this.framer.push(chunk);
    for (const bytes of framed.messages) {
      if (this.closed) return;
      this.stats.messagesIn++;
      this.owner.onMessage(this, decodeMessage(bytes, this.receiveCtx), bytes);
    }
    if (framed.error && !this.closed) this.owner.onFramingError(this, framed.error);
  }

  send(message: BgpMessage): void {
    if (this.closed) return;
    this.writer.reset();
    writeMessage(this.writer, message, this.sendCtx);
    this.sendRaw(this.writer.finish(), 1);
  }

  /** Write pre-encoded messages (e.g. packed UPDATEs); `count` is how many messages the bytes hold. */
  sendRaw(bytes: Uint8Array, count: number): void {
    if (this.closed) return;
    this.stats.messagesOut += count;
    this.stats.bytesOut += bytes.length;
    this.socket.write(bytes);
    const queued = this.socket.writableLength;
    if (queued > this.maxQueuedBytes) this.owner.onOutputOverflow(this, queued);
  }

  /** Close after flushing what is queued (a NOTIFICATION just sent still goes out). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    // A peer that never reads would keep the socket half-open; do not wait for it forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private finish(detail: string): void {
    if (this.closed) {
      this.socket.destroy();
      return;
    }
    this.closed = true;
    this.socket.destroy();
    this.owner.onClosed(this, detail);
  }
}
