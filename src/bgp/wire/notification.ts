/**
 * NOTIFICATION (RFC 4271 §4.5) and the RFC 9003 shutdown communication carried by Cease / Administrative
 * Shutdown and Cease / Administrative Reset: one length octet, then that many octets of UTF-8 (at most 255).
 */
import { CeaseSubcode, ErrorCode, errorCodeName, errorSubcodeName } from './constants.js';
import type { Writer } from './writer.js';

export interface NotificationMessage {
  readonly type: 'NOTIFICATION';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export function decodeNotification(body: Uint8Array): NotificationMessage {
  return { type: 'NOTIFICATION', code: body[0]!, subcode: body[1]!, data: body.slice(2) };
}

export function encodeNotification(w: Writer, n: NotificationMessage): void {
  w.u8(n.code).u8(n.subcode).bytes(n.data);
}

export function notificationNames(n: { code: number; subcode: number }): { codeName: string; subcodeName: string } {
  return { codeName: errorCodeName(n.code), subcodeName: errorSubcodeName(n.code, n.subcode) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function carriesShutdownCommunication(n: { code: number; subcode: number }): boolean {
  return n.code === ErrorCode.CEASE && (n.subcode === CeaseSubcode.ADMIN_SHUTDOWN || n.subcode === CeaseSubcode.ADMIN_RESET);
}

/**
 * The RFC 9003 shutdown communication, or undefined when the NOTIFICATION carries none or a malformed one
 * (RFC 9003 §2: a length past the data or invalid UTF-8 is not a message; the NOTIFICATION still counts).
 */
export function shutdownCommunication(n: NotificationMessage): string | undefined {
  if (!carriesShutdownCommunication(n) || n.data.length === 0) return undefined;
  const len = n.data[0]!;
  if (len === 0 || 1 + len > n.data.length) return undefined;
  try {
    return utf8.decode(n.data.subarray(1, 1 + len));
  } catch {
    return undefined;
  }
}

/** A Cease NOTIFICATION with an RFC 9003 message (truncated on a character boundary to 255 octets). */
export function shutdownNotification(subcode: 2 | 4, message: string): NotificationMessage {
  let bytes = Buffer.from(message, 'utf8');
  if (bytes.length > 255) {
    let cut = 255;
    while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
    bytes = bytes.subarray(0, cut);
  }
  const data = new Uint8Array(bytes.length === 0 ? 0 : 1 + bytes.length);
  if (bytes.length > 0) {
    data[0] = bytes.length;
    data.set(bytes, 1);
  }
  return { type: 'NOTIFICATION', code: ErrorCode.CEASE, subcode, data };
}
