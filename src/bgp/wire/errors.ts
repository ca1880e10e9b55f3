/**
 * Decode errors as data (RFC 7606 §2, §3).
 *
 * Every problem the decoder finds is a `WireError` naming the RFC 7606 approach it requires. When several are
 * found, the strongest approach wins (RFC 7606 §3 (f)): attribute discard < treat-as-withdraw < session reset.
 * For session reset the code/subcode/data are what the NOTIFICATION must carry (RFC 4271 §6); for the weaker
 * approaches they are kept for logs and `bgpctl decode`.
 *
 * Invariant: decode functions never throw anything but `WireDecodeError`, and the message-level entry points
 * catch even that, so callers only ever see values.
 */

export type ErrorAction = 'attribute-discard' | 'treat-as-withdraw' | 'session-reset';

const ACTION_RANK: Readonly<Record<ErrorAction, number>> = {
  'attribute-discard': 1,
  'treat-as-withdraw': 2,
  'session-reset': 3,
};

export interface WireError {
  readonly action: ErrorAction;
  /** NOTIFICATION error code and subcode (RFC 4271 §4.5). */
  readonly code: number;
  readonly subcode: number;
  /** NOTIFICATION data for this error (RFC 4271 §6); empty when the RFC asks for none. */
  readonly data: Uint8Array;
  /** One line for operators: what was wrong, where. */
  readonly reason: string;
  /** The path attribute type code involved, when there is one. */
  readonly attribute?: number;
}

const EMPTY = new Uint8Array(0);

export function wireError(
  action: ErrorAction,
  code: number,
  subcode: number,
  reason: string,
  data: Uint8Array = EMPTY,
  attribute?: number,
): WireError {
  return attribute === undefined
    ? { action, code, subcode, data, reason }
    : { action, code, subcode, data, reason, attribute };
}

/** The strongest action among the errors, or undefined when there are none. */
export function worstAction(errors: readonly WireError[]): ErrorAction | undefined {
  let worst: ErrorAction | undefined;
  for (const e of errors) {
    if (worst === undefined || ACTION_RANK[e.action] > ACTION_RANK[worst]) worst = e.action;
  }
  return worst;
}

/** The first error with the strongest action: the one whose NOTIFICATION a session reset sends. */
export function worstError(errors: readonly WireError[]): WireError | undefined {
  let worst: WireError | undefined;
  for (const e of errors) {
    if (worst === undefined || ACTION_RANK[e.action] > ACTION_RANK[worst.action]) worst = e;
  }
  return worst;
}

/** Thrown inside the codec only, caught at message boundaries and turned into a `WireError` value. */
export class WireDecodeError extends Error {
  readonly error: WireError;
  constructor(error: WireError) {
    super(error.reason);
    this.name = 'WireDecodeError';
    this.error = error;
  }
}
