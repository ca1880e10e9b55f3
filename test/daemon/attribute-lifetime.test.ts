/**
 * Attribute sets live as long as something holds them: a path, or an update group that still advertises the
 * set exported from them. A table whose sets change round after round must not grow the attribute store:
 * the export verdicts and encodings of the groups let go of a set the store dropped, once the burst is over.
 */
import { describe, expect, it } from 'vitest';
import {
  attribute, decodeMessage, encodeAttributesForPacking, encodeMessage, Framer, IPV4_UNICAST, makeContext, packAnnouncements,
  packWithdrawals, type BgpMessage,
} from '../../src/bgp/wire/index.js';
import { buildLocalOpen, negotiate, type Negotiated } from '../../src/bgp/negotiate.js';
import type { Peer, PeerSettings } from '../../src/bgp/peer.js';
import { silentLogger } from '../../src/common/logger.js';
import { parseConfig } from '../../src/config/load.js';
import { peerSettings } from '../../src/daemon/peer-settings.js';
import { RouteExchange } from '../../src/daemon/route-exchange.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { DEFAULT_DECISION } from '../../src/rib/types.js';
import { manualClock } from '../../src/common/manual-clock.js';

/** What RouteExchange uses of a Peer; counts the UPDATEs it is sent. */
class Sink {
  localAddress = '192.0.2.1';
  updates = 0;
  constructor(readonly settings: PeerSettings, readonly negotiated: Negotiated) {}
  send(m: BgpMessage): boolean {
    if (m.type === 'UPDATE') this.updates++;
    return true;
  }
  sendRaw(_bytes: Uint8Array, messages: number): boolean {
    this.updates += messages;
    return true;
  }
  automaticStop(): void {}
  stop(): void {}
  start(): void {}
}

function setup() {
  const parsed = parseConfig(`
routerId: 192.0.2.1
localAs: 64500
families: [ipv4-unicast]
ebgpRequiresPolicy: false
peers:
  - { address: 192.0.2.2, remoteAs: 64501, passive: true }
  - { address: 192.0.2.3, remoteAs: 64502, passive: true }
`, 'test');
  if (!parsed.ok) throw new Error('config');
  const config = parsed.config;
  const clock = manualClock(0);
  const rib = new LocRib({ decision: DEFAULT_DECISION, localAs: config.localAs, routerId: config.routerId, clusterId: config.routerId });
  const exchange = new RouteExchange({
    rib, localAs: config.localAs, routerId: config.routerId, clusterId: config.routerId, isRrClient: () => false, clock,
    logger: silentLogger, nextHopSelf: () => ({ 'ipv4-unicast': '192.0.2.1' }),
  });
  const sinks = config.peers.map((p, i) => {
    const settings = peerSettings(config, p, { dynamic: false, restarting: false });
    const open = buildLocalOpen({ asn: p.remoteAs, routerId: `192.0.2.${i + 2}`, holdTime: 90, families: ['ipv4-unicast'], addPath: {}, extendedNextHop: false, extendedMessage: false });
    const ctx = makeContext({});
    const d = decodeMessage(encodeMessage(open, ctx), ctx);
    if (d.message?.type !== 'OPEN') throw new Error('OPEN');
    const n = negotiate(settings.fsm.offer, d.message, settings.fsm.expect);
    if ('action' in n) throw new Error(n.reason);
    return new Sink(settings, n);
  });
  sinks.forEach((s) => exchange.established(s as unknown as Peer, s.negotiated));
  const ctx = sinks[0]!.negotiated.receive;
  const deliver = (bytes: Uint8Array): void => {
    for (const m of new Framer(4096).push(bytes).messages) {
      const r = decodeMessage(m, ctx);
      if (r.message?.type === 'UPDATE' && r.action !== 'session-reset') exchange.update(sinks[0] as unknown as Peer, r.message, { action: r.action, errors: r.errors });
    }
    exchange.flush();
  };
  return { rib, exchange, sinks, ctx, deliver, clock };
}

/** `sets` UPDATEs of 10 prefixes each, set k with AS path [64501, base + k]. */
function table(sets: number, base: number, ctx: ReturnType<typeof makeContext>): { announce: Uint8Array; withdraw: Uint8Array } {
  const n = sets * 10;
  const words = new Uint32Array(n);
  for (let i = 0; i < n; i++) words[i] = ((10 << 24) | (i << 8)) >>> 0;
  const lengths = new Uint8Array(n).fill(24);
  const parts: Uint8Array[] = [];
  for (let k = 0; k < sets; k++) {
    const attrs = encodeAttributesForPacking([
      attribute({ type: 'origin', origin: 'igp' }), attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [64501, base + k] }] }),
      attribute({ type: 'next-hop', nextHop: '192.0.2.2' }),
    ], ctx);
    parts.push(packAnnouncements({ family: IPV4_UNICAST, count: 10, words: words.subarray(k * 10, k * 10 + 10), lengths: lengths.subarray(k * 10, k * 10 + 10) }, attrs, ctx).bytes);
  }
  const announce = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((at, p) => (announce.set(p, at), at + p.length), 0);
  return { announce, withdraw: packWithdrawals({ family: IPV4_UNICAST, count: n, words, lengths }, ctx).bytes };
}

describe('attribute set lifetime', () => {
  it('a table under new sets each round, announced and withdrawn, leaves the store empty every time', () => {
    const { exchange, rib, sinks, ctx, deliver, clock } = setup();
    for (let round = 0; round < 4; round++) {
      const t = table(50, 65000 + round * 100, ctx);
      deliver(t.announce);
      expect(rib.size('ipv4-unicast')).toBe(500);
      // Each received set and the set exported from it to the eBGP peer.
      expect(exchange.store.size).toBe(100);
      deliver(t.withdraw);
      expect(rib.size('ipv4-unicast')).toBe(0);
      // The received sets are gone at once; the groups let go of the exported ones once the burst is over.
      expect(exchange.store.size).toBe(50);
      clock.advance(100);
      expect(exchange.store.size).toBe(0);
    }
    // The receiving peer heard every set of every round: 50 UPDATEs, then the withdrawals.
    expect(sinks[1]!.updates).toBeGreaterThanOrEqual(4 * 51);
  });

  it('a set still advertised stays the one object for its content: replaced and back, announced once each time', () => {
    const { sinks, ctx, deliver } = setup();
    const a = table(1, 65010, ctx);
    const b = table(1, 65020, ctx);
    deliver(a.announce);
    const afterA = sinks[1]!.updates;
    deliver(b.announce); // the same 10 prefixes under another set: A's received set is dropped
    const afterB = sinks[1]!.updates;
    expect(afterB).toBe(afterA + 1);
    deliver(a.announce); // A again: a new received set, exported to a new content-equal set
    expect(sinks[1]!.updates).toBe(afterB + 1);
    deliver(a.announce); // unchanged: nothing to send
    expect(sinks[1]!.updates).toBe(afterB + 1);
  });
});
