/**
 * Cuts a TCP byte stream into BGP messages (RFC 4271 §4.1). It owns the partial-read buffer, so chunking never
 * leaks into message code: feed it chunks of any size, get back whole messages (plain Uint8Array views of the
 * chunks where a message fits in one, else one copy into a buffer of exactly the message's size).
 *
 * It checks only what framing needs: the marker (Connection Not Synchronized) and a length between 19 and the
 * session's maximum (Bad Message Length, data = the length field). After an error it stays failed: the
 * session sends the NOTIFICATION and closes.
 */
import { ErrorCode, HEADER_LENGTH, HeaderSubcode, MAX_MESSAGE_LENGTH } from './constants.js';
import { wireError, type WireError } from './errors.js';

export interface FrameResult {
  readonly messages: Uint8Array[];
  readonly error?: WireError;
}

export class Framer {
  private readonly header = new Uint8Array(HEADER_LENGTH);
  private headerHave = 0;
  private message: Uint8Array | null = null;
  private messageHave = 0;
  private failed: WireError | undefined;

  /** @param maxLength 4096, or 65535 once RFC 8654 extended messages are negotiated. */
  constructor(private maxLength = MAX_MESSAGE_LENGTH) {}

  setMaxLength(maxLength: number): void {
    this.maxLength = maxLength;
  }

  /** Octets held that do not yet make a whole message. */
  get buffered(): number {
    return this.headerHave + this.messageHave;
  }

  private check(bytes: Uint8Array, at: number): number | WireError {
    for (let i = 0; i < 16; i++) {
      if (bytes[at + i] !== 0xff) {
        return wireError('session-reset', ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
      }
    }
    const length = (bytes[at + 16]! << 8) | bytes[at + 17]!;
    if (length < HEADER_LENGTH || length > this.maxLength) {
      return wireError('session-reset', ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH,
        `message length ${length} outside ${HEADER_LENGTH}..${this.maxLength}`, bytes.slice(at + 16, at + 18));
    }
    return length;
  }

  push(chunk: Uint8Array): FrameResult {
    const messages: Uint8Array[] = [];
    if (this.failed) return { messages, error: this.failed };
    let at = 0;
    while (at < chunk.length) {
      const avail = chunk.length - at;
      if (this.message) {
        const take = Math.min(this.message.length - this.messageHave, avail);
        this.message.set(chunk.subarray(at, at + take), this.messageHave);
        this.messageHave += take;
        at += take;
        if (this.messageHave === this.message.length) {
          messages.push(this.message);
          this.message = null;
          this.messageHave = 0;
        }
        continue;
      }
      if (this.headerHave === 0 && avail >= HEADER_LENGTH) {
        const length = this.check(chunk, at);
        if (typeof length !== 'number') return this.fail(messages, length);
        if (avail >= length) {
          // A plain Uint8Array view even of a Node Buffer: every message of one kind, whether it came whole
          // in one read or was put together from two (below). A Buffer's subarray is a Buffer, which V8
          // tells apart from a Uint8Array; code compiled for one was thrown away at the other ("wrong map"
          // in `--log-deopt`, in the first table after warm-up).
          messages.push(new Uint8Array(chunk.buffer, chunk.byteOffset + at, length));
          at += length;
        } else {
          this.message = new Uint8Array(length);
          this.message.set(chunk.subarray(at));
          this.messageHave = avail;
          at = chunk.length;
        }
        continue;
      }
      const take = Math.min(HEADER_LENGTH - this.headerHave, avail);
      this.header.set(chunk.subarray(at, at + take), this.headerHave);
      this.headerHave += take;
      at += take;
      if (this.headerHave < HEADER_LENGTH) break;
      const length = this.check(this.header, 0);
      if (typeof length !== 'number') return this.fail(messages, length);
      this.headerHave = 0;
      if (length === HEADER_LENGTH) {
        messages.push(this.header.slice());
      } else {
        this.message = new Uint8Array(length);
        this.message.set(this.header);
        this.messageHave = HEADER_LENGTH;
      }
    }
    return { messages };
  }

  private fail(messages: Uint8Array[], error: WireError): FrameResult {
    this.failed = error;
    return { messages, error };
  }
}
