/**
 * Connection collision resolution (RFC 4271 §6.8), as a pure decision: two TCP connections to one peer, an
 * OPEN has just arrived on one of them; which one is closed with Cease / Connection Collision Resolution
 * (RFC 4486 subcode 7)?
 *
 * - The connection initiated by the dominant speaker survives. The dominant speaker has the higher BGP
 *   identifier, compared as an unsigned 32-bit number (§6.8 step 1); with equal identifiers, allowed between
 *   different ASes (RFC 6286 §2.2), the larger AS number (RFC 6286 §2.3). §6.8's steps 2 and 3 talk of the
 *   "existing" and the "new" connection, but both ends must reach the same answer whichever OPEN each reads
 *   first, so the rule is stated by initiator, as BIRD and FRR apply it.
 * - The other connection is only a rival once it has sent its OPEN (OpenSent; we know the peer's identifier
 *   from this OPEN, §6.8 allows it) or confirmed one (OpenConfirm). A connection still in Connect/Active is not.
 * - An Established session always survives (CollisionDetectEstablishedState is not supported).
 * - Two connections with the same initiator are not the collision §6.8 describes (it happens when the peer
 *   gave up a connection we still hold): the newer one, carrying this OPEN, survives.
 */
import type { Direction } from './connection.js';
import type { FsmStateName } from './fsm.js';
import { ipv4ToNumber, parseIPv4 } from './wire/index.js';

export interface CollisionSpeakers {
  readonly localId: string;
  readonly localAs: number;
  /** From the OPEN just received. */
  readonly remoteId: string;
  readonly remoteAs: number;
}

/** Whose connections win collisions with this peer: ours ('local') or the peer's ('remote'). */
export function dominantSpeaker(s: CollisionSpeakers): 'local' | 'remote' {
  const local = ipv4ToNumber(parseIPv4(s.localId));
  const remote = ipv4ToNumber(parseIPv4(s.remoteId));
  if (local !== remote) return local > remote ? 'local' : 'remote';
  return s.localAs > s.remoteAs ? 'local' : 'remote';
}

/** What to do with the OPEN that just arrived on connection `self`, given the peer's other connection. */
export type CollisionVerdict = 'no-collision' | 'close-this' | 'close-other';

export function collisionVerdict(
  self: Direction,
  other: { readonly direction: Direction; readonly state: FsmStateName } | undefined,
  speakers: CollisionSpeakers,
): CollisionVerdict {
  if (!other) return 'no-collision';
  if (other.state === 'Established') return 'close-this';
  if (other.state !== 'OpenSent' && other.state !== 'OpenConfirm') return 'no-collision';
  if (other.direction === self) return 'close-other';
  const keep: Direction = dominantSpeaker(speakers) === 'local' ? 'outgoing' : 'incoming';
  return self === keep ? 'close-other' : 'close-this';
}
