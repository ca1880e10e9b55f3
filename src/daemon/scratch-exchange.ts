/**
 * A RouteExchange over a scratch Loc-RIB between two scratch eBGP sessions that send nothing anywhere, on a
 * clock of its own: the daemon's whole UPDATE path (framing, decoding, the RIB, the update groups, packing)
 * without sockets. Warm-up (warm-up.ts) runs its tables through one; tests watch the exchange's bookkeeping
 * with one. The first session sends what `deliver` is given; the second receives what the exchange exports.
 */
import { manualClock, type ManualClock } from '../common/manual-clock.js';
import { silentLogger } from '../common/logger.js';
import { decodeMessage, encodeMessage, Framer, makeContext, type BgpMessage, type CodecContext } from '../bgp/wire/index.js';
import { buildLocalOpen, negotiate, type Negotiated } from '../bgp/negotiate.js';
import type { Peer, PeerSettings } from '../bgp/peer.js';
import { parseConfig } from '../config/load.js';
import { LocRib } from '../rib/loc-rib.js';
import { DEFAULT_DECISION } from '../rib/types.js';
import { peerSettings } from './peer-settings.js';
import { RouteExchange } from './route-exchange.js';

const CONFIG = `
routerId: 192.0.2.1
localAs: 64500
families: [ipv4-unicast, ipv6-unicast]
ebgpRequiresPolicy: false
peers:
  - { address: 192.0.2.2, remoteAs: 64501, passive: true }
  - { address: 192.0.2.3, remoteAs: 64502, passive: true }
`;

/** What a TCP socket's read gives at most, the size of libuv's read buffer. */
const READ_SIZE = 65_536;

/** A scratch session: what RouteExchange uses of a Peer; whatever it is sent is counted and dropped. */
class Sink {
  localAddress = '192.0.2.1';
  octets = 0;
  updates = 0;
  constructor(readonly settings: PeerSettings, readonly negotiated: Negotiated) {}
  send(message: BgpMessage): boolean {
    this.octets += encodeMessage(message, this.negotiated.send).length;
    if (message.type === 'UPDATE') this.updates++;
    return true;
  }
  sendRaw(bytes: Uint8Array, messages: number): boolean {
    this.octets += bytes.length;
    this.updates += messages;
    return true;
  }
  automaticStop(): void {}
  stop(): void {}
  start(): void {}
}

export interface ScratchExchange {
  readonly rib: LocRib;
  readonly exchange: RouteExchange;
  /** The exchange's clock: its timers (the prune after a burst) fire when `advance` moves it past them. */
  readonly clock: ManualClock;
  /** The sending session's receive context: what its UPDATEs are encoded for. */
  readonly ctx: CodecContext;
  /** The sending session's bytes, handed over as a socket does (Node Buffers, 64 KiB at a time); flushed after. */
  deliver(bytes: Uint8Array): void;
  /** What the receiving session has been sent so far. */
  sent(): { readonly octets: number; readonly updates: number };
  /** Both sessions go down, and their routes with them. */
  close(): void;
}

/** A scratch exchange whose clock starts at `now` (ms since the epoch, or any time a test likes). */
export function scratchExchange(now: number): ScratchExchange {
  const parsed = parseConfig(CONFIG, 'scratch-exchange');
  if (!parsed.ok) throw new Error('scratch exchange: its own configuration does not parse');
  const config = parsed.config;
  const clock = manualClock(now);
  const rib = new LocRib({ decision: DEFAULT_DECISION, localAs: config.localAs, routerId: config.routerId, clusterId: config.routerId });
  const exchange = new RouteExchange({
    rib, localAs: config.localAs, routerId: config.routerId, clusterId: config.routerId, isRrClient: () => false, clock,
    logger: silentLogger, nextHopSelf: () => ({ 'ipv4-unicast': '192.0.2.1', 'ipv6-unicast': '2001:db8::1' }),
  });
  const sinks = config.peers.map((p, i) => {
    const settings = peerSettings(config, p, { dynamic: false, restarting: false });
    const open = buildLocalOpen({
      asn: p.remoteAs, routerId: `192.0.2.${i + 2}`, holdTime: 90, families: ['ipv4-unicast', 'ipv6-unicast'], addPath: {},
      extendedNextHop: false, extendedMessage: false,
    });
    const wire = makeContext({});
    const decoded = decodeMessage(encodeMessage(open, wire), wire);
    if (decoded.message?.type !== 'OPEN') throw new Error('scratch exchange: OPEN does not decode');
    const n = negotiate(settings.fsm.offer, decoded.message, settings.fsm.expect);
    if ('action' in n) throw new Error(`scratch exchange: OPEN refused: ${n.reason}`);
    return new Sink(settings, n);
  });
  // RouteExchange touches only the Sink's slice of a Peer.
  const peers = sinks.map((s) => s as unknown as Peer);
  sinks.forEach((s, i) => exchange.established(peers[i]!, s.negotiated));
  const from = peers[0]!;
  const ctx = sinks[0]!.negotiated.receive;
  return {
    rib,
    exchange,
    clock,
    ctx,
    deliver(bytes) {
      const framer = new Framer(4096);
      for (let at = 0; at < bytes.length; at += READ_SIZE) {
        // Node Buffers, as a socket gives: V8 tells them from plain Uint8Arrays, and code compiled for one was
        // thrown away at the first real table ("wrong map" at every byte read).
        const chunk = Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(READ_SIZE, bytes.length - at));
        for (const m of framer.push(chunk).messages) {
          const r = decodeMessage(m, ctx);
          if (r.message?.type === 'UPDATE' && r.action !== 'session-reset') exchange.update(from, r.message, { action: r.action, errors: r.errors });
        }
      }
      exchange.flush();
    },
    sent: () => ({ octets: sinks[1]!.octets, updates: sinks[1]!.updates }),
    close() {
      sinks.forEach((s, i) => exchange.down(peers[i]!, { code: 'admin-down', detail: 'scratch exchange closed' }, s.negotiated));
    },
  };
}
