/**
 * The daemon: builds the BGP speaker and its peers from a resolved configuration and connects them to what
 * consumes routes. Until the RIB lands, received routes are counted per peer (what `bgpctl show neighbor`
 * will show as received prefixes) and logged; nothing is re-advertised.
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { Peer, PeerListener } from '../bgp/peer.js';
import { BgpSpeaker, type ListenRange } from '../bgp/speaker.js';
import { endOfRib, findAttribute } from '../bgp/wire/index.js';
import { resolvePeer, type TernConfig } from '../config/schema.js';
import { peerSettings } from './peer-settings.js';

export interface PeerRouteCounters {
  announced: number;
  withdrawn: number;
  treatedAsWithdraw: number;
  endOfRib: string[];
}

export interface Daemon {
  readonly speaker: BgpSpeaker;
  readonly counters: ReadonlyMap<Peer, PeerRouteCounters>;
  /** The port actually listened on (0 in the config picks a free one). */
  readonly listening?: { address: string; port: number };
  /** Stop every session. With `graceful`, close TCP without NOTIFICATION so GR helpers keep our routes. */
  stop(options: { graceful: boolean; message?: string }): Promise<void>;
}

export interface DaemonDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Started after a restart with graceful restart: advertise the R bit (RFC 4724 §4.1). */
  readonly restarting?: boolean;
}

function counting(counters: Map<Peer, PeerRouteCounters>, logger: Logger): PeerListener {
  const of = (peer: Peer): PeerRouteCounters => {
    let c = counters.get(peer);
    if (!c) counters.set(peer, (c = { announced: 0, withdrawn: 0, treatedAsWithdraw: 0, endOfRib: [] }));
    return c;
  };
  return {
    established(peer) {
      counters.set(peer, { announced: 0, withdrawn: 0, treatedAsWithdraw: 0, endOfRib: [] });
    },
    update(peer, u, result) {
      const c = of(peer);
      const reach = findAttribute(u, 'mp-reach');
      const unreach = findAttribute(u, 'mp-unreach');
      c.withdrawn += u.withdrawn.count + (unreach?.withdrawn.count ?? 0);
      const announced = u.nlri.count + (reach?.nlri.count ?? 0);
      if (result.action === 'treat-as-withdraw') {
        c.treatedAsWithdraw += announced;
        logger.log('warn', 'bgp.update.treat-as-withdraw', { peer: peer.settings.key, prefixes: announced, errors: result.errors.map((e) => e.reason) });
      } else {
        c.announced += announced;
      }
      const eor = result.action === 'none' ? endOfRib(u) : undefined;
      if (eor) c.endOfRib.push(`${eor.afi}/${eor.safi}`);
    },
    routeRefresh(peer, m) {
      logger.log('info', 'bgp.route-refresh.received', { peer: peer.settings.key, afi: m.afi, safi: m.safi, subtype: m.subtype });
    },
    down() {},
  };
}

export async function startDaemon(config: TernConfig, deps: DaemonDeps): Promise<Daemon> {
  const counters = new Map<Peer, PeerRouteCounters>();
  const log = deps.logger;
  const restarting = Boolean(deps.restarting);
  // The listener needs the speaker and the speaker needs the listener: tie the knot through a holder.
  const holder: { speaker?: BgpSpeaker } = {};
  const base = counting(counters, log);
  const listener: PeerListener = {
    ...base,
    stateChanged(peer, _from, to) {
      // A dynamic neighbour exists only while it has a session: forget it once it is back in Idle.
      if (to === 'Idle' && peer.settings.dynamic) queueMicrotask(() => holder.speaker?.releaseDynamic(peer));
    },
  };
  const ranges: ListenRange[] = (config.listenRanges ?? []).map((r) => ({
    prefix: r.prefix,
    limit: r.limit,
    settingsFor: (address: string) => {
      const remoteAs = r.remoteAs === 'any' ? config.localAs : r.remoteAs[0]!;
      const resolved = resolvePeer(config, { address, remoteAs }, r.peer);
      return peerSettings(config, resolved, { dynamic: true, restarting, remoteAs: r.remoteAs });
    },
  }));
  const speaker = new BgpSpeaker(
    { ...(config.listen.enabled ? { listen: { address: config.listen.address, port: config.listen.port } } : {}), ranges, logger: log },
    { clock: deps.clock, logger: log, listener },
  );
  holder.speaker = speaker;
  for (const p of config.peers) {
    const peer = speaker.addPeer(peerSettings(config, p, { dynamic: false, restarting }));
    if (p.multihop !== (p.localAs === p.remoteAs ? 255 : 1)) {
      log.log('warn', 'bgp.peer.ttl-unsupported', { peer: p.address, multihop: p.multihop, why: 'Node.js cannot set IP_TTL on TCP sockets yet; the kernel default TTL is used' });
    }
    if (p.shutdown) log.log('info', 'bgp.peer.admin-down', { peer: p.address });
    else peer.start();
  }
  const listening = await speaker.listen();
  return {
    speaker,
    counters,
    ...(listening ? { listening } : {}),
    async stop({ graceful, message }) {
      for (const peer of speaker.allPeers()) {
        if (!graceful) peer.stop(message ?? 'ternd shutting down');
      }
      // Let NOTIFICATIONs drain before the sockets go.
      if (!graceful) await new Promise((r) => setTimeout(r, 100));
      await speaker.close();
    },
  };
}
