/**
 * The fixed-layout headers, parsed with binary-parser: the 19-octet message header (RFC 4271 §4.1) and the
 * 10 fixed octets of OPEN (§4.2). Callers check lengths first; any exception binary-parser might still raise is
 * wrapped into the codec's own error type so nothing else escapes.
 */
import { Parser } from 'binary-parser';
import { ErrorCode, HeaderSubcode } from './constants.js';
import { WireDecodeError, wireError } from './errors.js';

export interface MessageHeader {
  readonly marker: Uint8Array;
  readonly length: number;
  readonly type: number;
}

export interface OpenFixed {
  readonly version: number;
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: number;
  readonly optLen: number;
}

const headerParser = new Parser().buffer('marker', { length: 16 }).uint16be('length').uint8('type');
const openParser = new Parser().uint8('version').uint16be('myAs').uint16be('holdTime').uint32be('bgpId').uint8('optLen');

function parseWith<T>(parser: Parser, bytes: Uint8Array, what: string): T {
  try {
    return parser.parse(bytes) as T;
  } catch (e) {
    throw new WireDecodeError(wireError('session-reset', ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH,
      `cannot parse ${what}: ${(e as Error).message}`));
  }
}

/** Parse the message header from the first 19 octets of `bytes` (length checked by the caller). */
export function parseHeader(bytes: Uint8Array): MessageHeader {
  return parseWith<MessageHeader>(headerParser, bytes.subarray(0, 19), 'message header');
}

/** Parse the fixed part of an OPEN body (length checked by the caller). */
export function parseOpenFixed(body: Uint8Array): OpenFixed {
  return parseWith<OpenFixed>(openParser, body.subarray(0, 10), 'OPEN');
}

export function isValidMarker(bytes: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (bytes[i] !== 0xff) return false;
  return true;
}
