/**
 * One BGP message, whole: the discriminated union of the five types, `decodeMessage` for a framed message
 * (header included) and `encodeMessage`.
 *
 * `decodeMessage` never throws. Its result names the RFC 7606 approach the caller must take:
 *   none · attribute-discard (use the message; some attributes were dropped) · treat-as-withdraw (withdraw
 *   the listed NLRI instead of announcing them) · session-reset (send `notification` and close).
 * Header checks follow RFC 4271 §6.1 (marker, length, type, per-type minimum lengths) and RFC 8654 §4
 * (OPEN and KEEPALIVE never exceed 4096 octets, even with extended messages).
 */
import { ErrorCode, HEADER_LENGTH, HeaderSubcode, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MESSAGE_TYPE_NAMES, MessageType, RouteRefreshSubcode } from './constants.js';
import type { CodecContext } from './context.js';
import { WireDecodeError, wireError, worstAction, worstError, type WireError } from './errors.js';
import { isValidMarker, parseHeader } from './fixed-headers.js';
import { decodeNotification, encodeNotification, type NotificationMessage } from './notification.js';
import type { NlriList } from './nlri.js';
import { decodeOpen, encodeOpen, type OpenMessage } from './open.js';
import { decodeRouteRefresh, encodeRouteRefresh, type RouteRefreshMessage } from './route-refresh.js';
import { decodeUpdate, encodeUpdate, reachableNlri, type UpdateMessage } from './update.js';
import { Writer } from './writer.js';

export interface KeepaliveMessage {
  readonly type: 'KEEPALIVE';
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

export interface NotificationToSend {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export type DecodeResult =
  | { readonly action: 'none'; readonly message: BgpMessage; readonly errors: readonly WireError[] }
  | { readonly action: 'attribute-discard'; readonly message: UpdateMessage; readonly errors: readonly WireError[] }
  | {
      readonly action: 'treat-as-withdraw';
      readonly message: UpdateMessage;
      readonly errors: readonly WireError[];
      /** The NLRI the UPDATE announced, to be handled as withdrawn (RFC 7606 §2). */
      readonly withdraw: readonly NlriList[];
    }
  | {
      readonly action: 'session-reset';
      /** What could be decoded, for logs and `bgpctl decode`; undefined when nothing could. */
      readonly message: BgpMessage | undefined;
      readonly errors: readonly WireError[];
      readonly notification: NotificationToSend;
    };

/** Minimum total length per message type (RFC 4271 §4, RFC 2918 §3). */
const MIN_LENGTH: Readonly<Record<number, number>> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };

export function maxLengthFor(type: number, ctx: CodecContext): number {
  const extendedAllowed = type !== MessageType.OPEN && type !== MessageType.KEEPALIVE;
  return ctx.extendedMessage && extendedAllowed ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

const headerError = (subcode: number, reason: string, data?: Uint8Array): WireError =>
  wireError('session-reset', ErrorCode.MESSAGE_HEADER, subcode, reason, data);

function checkHeader(bytes: Uint8Array, ctx: CodecContext): WireError | { type: number } {
  if (bytes.length < HEADER_LENGTH) return headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, `${bytes.length} octets is shorter than a header`);
  if (!isValidMarker(bytes)) return headerError(HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
  const { length, type } = parseHeader(bytes);
  if (length !== bytes.length) {
    return headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, `length field ${length} but ${bytes.length} octets given`, bytes.slice(16, 18));
  }
  if (MESSAGE_TYPE_NAMES[type] === undefined) return headerError(HeaderSubcode.BAD_MESSAGE_TYPE, `unknown message type ${type}`, Uint8Array.of(type));
  const min = MIN_LENGTH[type]!;
  const max = maxLengthFor(type, ctx);
  if (length < min || length > max || (type === MessageType.KEEPALIVE && length !== HEADER_LENGTH)) {
    return headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, `${MESSAGE_TYPE_NAMES[type]} of length ${length} (allowed ${min}..${type === 4 ? 19 : max})`, bytes.slice(16, 18));
  }
  return { type };
}

function decodeBody(type: number, bytes: Uint8Array, ctx: CodecContext): { message: BgpMessage; errors: WireError[] } {
  const body = bytes.subarray(HEADER_LENGTH);
  switch (type) {
    case MessageType.OPEN: {
      const { open, errors } = decodeOpen(body, bytes.slice(16, 18));
      return { message: open, errors };
    }
    case MessageType.UPDATE: {
      const { update, errors } = decodeUpdate(body, ctx);
      return { message: update, errors };
    }
    case MessageType.NOTIFICATION:
      return { message: decodeNotification(body), errors: [] };
    case MessageType.KEEPALIVE:
      return { message: { type: 'KEEPALIVE' }, errors: [] };
    default: {
      const rr = decodeRouteRefresh(body);
      // RFC 7313 §5: a BoRR/EoRR must be exactly 4 octets of body; the data is the whole message.
      const errors = (rr.subtype === 1 || rr.subtype === 2) && body.length !== 4
        ? [wireError('session-reset', ErrorCode.ROUTE_REFRESH, RouteRefreshSubcode.INVALID_MESSAGE_LENGTH,
            `ROUTE-REFRESH subtype ${rr.subtype} with ${body.length} octets of body`, bytes.slice())]
        : [];
      return { message: rr, errors };
    }
  }
}

function toResult(message: BgpMessage | undefined, errors: readonly WireError[]): DecodeResult {
  const action = worstAction(errors);
  if (action === 'session-reset' || message === undefined) {
    const e = worstError(errors) ?? headerError(0, 'nothing decoded');
    return { action: 'session-reset', message, errors, notification: { code: e.code, subcode: e.subcode, data: e.data } };
  }
  if (action === undefined) return { action: 'none', message, errors };
  if (message.type !== 'UPDATE') {
    // Only UPDATE decoding yields the weaker approaches; anything else is a codec bug surfaced loudly.
    throw new Error(`internal: ${action} on a ${message.type} message`);
  }
  if (action === 'treat-as-withdraw') return { action, message, errors, withdraw: reachableNlri(message) };
  return { action, message, errors };
}

/** Decode one framed message (header included). Never throws. */
export function decodeMessage(bytes: Uint8Array, ctx: CodecContext): DecodeResult {
  try {
    const header = checkHeader(bytes, ctx);
    if ('action' in header) return toResult(undefined, [header]);
    const { message, errors } = decodeBody(header.type, bytes, ctx);
    return toResult(message, errors);
  } catch (e) {
    if (e instanceof WireDecodeError) return toResult(undefined, [e.error]);
    // A bug in the codec must not take the daemon down: report it as a reset with a reason that says so.
    const reason = `internal decoder error: ${e instanceof Error ? e.message : String(e)}`;
    return toResult(undefined, [wireError('session-reset', ErrorCode.MESSAGE_HEADER, 0, reason)]);
  }
}

const TYPE_CODES: Readonly<Record<BgpMessage['type'], number>> = {
  OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, 'ROUTE-REFRESH': 5,
};

/** Encode one message with its header into `w` (appended). Throws RangeError when it would not fit. */
export function writeMessage(w: Writer, m: BgpMessage, ctx: CodecContext): void {
  const start = w.length;
  for (let i = 0; i < 16; i++) w.u8(0xff);
  const lenAt = w.reserve16();
  const type = TYPE_CODES[m.type];
  w.u8(type);
  switch (m.type) {
    case 'OPEN': encodeOpen(w, m); break;
    case 'UPDATE': encodeUpdate(w, m, ctx); break;
    case 'NOTIFICATION': encodeNotification(w, m); break;
    case 'KEEPALIVE': break;
    case 'ROUTE-REFRESH': encodeRouteRefresh(w, m); break;
  }
  const length = w.length - start;
  const max = maxLengthFor(type, ctx);
  if (length > max) throw new RangeError(`${m.type} of ${length} octets exceeds the ${max}-octet limit of this session`);
  w.patch16(lenAt, length);
}

export function encodeMessage(m: BgpMessage, ctx: CodecContext): Uint8Array {
  const w = new Writer(m.type === 'UPDATE' ? 4096 : 128);
  writeMessage(w, m, ctx);
  return w.finish();
}

export const KEEPALIVE: KeepaliveMessage = { type: 'KEEPALIVE' };
