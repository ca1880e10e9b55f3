/** RFC 4271 §6.8 connection collision resolution with the RFC 6286 §2.3 tie-break, as a pure decision. */
import { describe, expect, it } from 'vitest';
import { collisionVerdict, dominantSpeaker, type CollisionSpeakers } from '../../src/bgp/collision.js';
import type { FsmStateName } from '../../src/bgp/fsm.js';

const speakers = (localId: string, remoteId: string, localAs = 65001, remoteAs = 65002): CollisionSpeakers => ({ localId, localAs, remoteId, remoteAs });

describe('dominant speaker', () => {
  it('is the one with the higher BGP identifier, compared as an unsigned 32-bit number', () => {
    expect(dominantSpeaker(speakers('10.0.0.9', '10.0.0.2'))).toBe('local');
    expect(dominantSpeaker(speakers('10.0.0.2', '10.0.0.9'))).toBe('remote');
    // 200.x has the top bit set: a signed comparison would put it below 10.x.
    expect(dominantSpeaker(speakers('200.0.0.1', '10.0.0.1'))).toBe('local');
    expect(dominantSpeaker(speakers('10.0.0.1', '255.255.255.255'))).toBe('remote');
    // The AS numbers only break ties.
    expect(dominantSpeaker(speakers('10.0.0.9', '10.0.0.2', 65001, 4200000000))).toBe('local');
  });

  it('with equal identifiers (eBGP, RFC 6286 §2.2) is the one with the larger AS number (§2.3)', () => {
    expect(dominantSpeaker(speakers('10.0.0.5', '10.0.0.5', 65001, 65002))).toBe('remote');
    expect(dominantSpeaker(speakers('10.0.0.5', '10.0.0.5', 65002, 65001))).toBe('local');
    expect(dominantSpeaker(speakers('10.0.0.5', '10.0.0.5', 4200000000, 65001))).toBe('local');
  });
});

describe('collision verdict for an OPEN on one connection', () => {
  const other = (direction: 'incoming' | 'outgoing', state: FsmStateName) => ({ direction, state });

  it('keeps the connection the dominant speaker initiated, whichever of the two carries the OPEN', () => {
    // We dominate: our outgoing connection survives.
    const we = speakers('10.0.0.9', '10.0.0.2');
    expect(collisionVerdict('outgoing', other('incoming', 'OpenSent'), we)).toBe('close-other');
    expect(collisionVerdict('incoming', other('outgoing', 'OpenSent'), we)).toBe('close-this');
    // The peer dominates: the connection it initiated (incoming for us) survives.
    const they = speakers('10.0.0.2', '10.0.0.9');
    expect(collisionVerdict('incoming', other('outgoing', 'OpenConfirm'), they)).toBe('close-other');
    expect(collisionVerdict('outgoing', other('incoming', 'OpenConfirm'), they)).toBe('close-this');
    // Equal identifiers: the larger AS decides.
    expect(collisionVerdict('outgoing', other('incoming', 'OpenSent'), speakers('10.0.0.5', '10.0.0.5', 65001, 65002))).toBe('close-this');
  });

  it('is no collision while the other connection has sent no OPEN, or when there is none', () => {
    const s = speakers('10.0.0.9', '10.0.0.2');
    for (const state of ['Idle', 'Connect', 'Active'] as const) expect(collisionVerdict('incoming', other('outgoing', state), s)).toBe('no-collision');
    expect(collisionVerdict('incoming', undefined, s)).toBe('no-collision');
  });

  it('always keeps an Established session, even against the dominant speaker\'s connection', () => {
    expect(collisionVerdict('outgoing', other('incoming', 'Established'), speakers('10.0.0.9', '10.0.0.2'))).toBe('close-this');
    expect(collisionVerdict('incoming', other('outgoing', 'Established'), speakers('10.0.0.2', '10.0.0.9'))).toBe('close-this');
  });

  it('keeps the newer of two connections opened by the same side (the peer gave up the older one)', () => {
    expect(collisionVerdict('incoming', other('incoming', 'OpenConfirm'), speakers('10.0.0.9', '10.0.0.2'))).toBe('close-other');
    expect(collisionVerdict('incoming', other('incoming', 'OpenSent'), speakers('10.0.0.2', '10.0.0.9'))).toBe('close-other');
  });
});
