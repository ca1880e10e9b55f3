/**
 * The daemon: builds the BGP speaker, its peers and the RIB from a resolved configuration and connects them:
 * sessions → RouteExchange → Loc-RIB → RouteExchange → sessions. Kernel, IPAM and the control socket join
 * here as they land.
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { Peer, PeerListener } from '../bgp/peer.js';
import { linkLocalSelf, nextHopSelf } from '../bgp/next-hop-self.js';
import { RouteExchange } from './route-exchange.js';
import { BgpSpeaker, type ListenRange } from '../bgp/speaker.js';
import { resolvePeer, usesKernel, type PeerConfig, type TernConfig } from '../config/schema.js';
import { LocRib } from '../rib/loc-rib.js';
import { DEFAULT_DECISION } from '../rib/types.js';
import { startControlServer } from '../control/server.js';
import { controlHandler } from './control-handler.js';
import { peerSettings, restartState } from './peer-settings.js';
import { peerPolicies, policiesFromConfig } from './policy-config.js';
import { originateStatic } from './static-routes.js';
import type { KernelParts } from './kernel-wiring.js';
import { warmUp } from './warm-up.js';

export interface Daemon {
  readonly speaker: BgpSpeaker;
  readonly rib: LocRib;
  /** The kernel side, when `kernel.enabled` or connected routes need the interface table. */
  readonly kernel?: KernelParts;
  /** The port actually listened on (0 in the config picks a free one). */
  readonly listening?: { address: string; port: number };
  /** Stop every session. With `graceful`, close TCP without NOTIFICATION so GR helpers keep our routes. */
  stop(options: { graceful: boolean; message?: string }): Promise<void>;
}

export interface DaemonDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Unix socket for bgpctl; none when undefined. */
  readonly controlSocket?: string;
  /** Started after a restart with graceful restart: advertise the R bit (RFC 4724 §4.1) until the restart is over. */
  readonly restarting?: boolean;
  /** Prime the UPDATE path before the sessions start (warm-up.ts). */
  readonly warmUp?: boolean;
}

export async function startDaemon(config: TernConfig, deps: DaemonDeps): Promise<Daemon> {
  const log = deps.logger;
  const restarting = Boolean(deps.restarting);
  const policies = policiesFromConfig(config);
  /** Each peer's resolved configuration by key, dynamic neighbours included while they exist. */
  const peerConfigs = new Map<string, PeerConfig>(config.peers.map((p) => [p.address, p]));
  const rib = new LocRib({ decision: { ...DEFAULT_DECISION, ...config.decision }, localAs: config.localAs, routerId: config.routerId, clusterId: config.routerId });
  const exchange = new RouteExchange({
    rib, localAs: config.localAs, routerId: config.routerId, clusterId: config.routerId,
    isRrClient: (peer: Peer) => Boolean(peer.settings.routeReflectorClient), clock: deps.clock, logger: log, nextHopSelf, linkLocalSelf,
    // RFC 4724 §4.2: as a helper, keep a peer's stale routes at most this long after its session was lost.
    staleRoutesTime: config.gracefulRestart.staleRoutesTime,
    // RFC 4724 §4.1: after our own restart, hold our routes until the helpers' End-of-RIB (or the restart time).
    ...(restarting ? { selectionDeferral: config.gracefulRestart.restartTime } : {}),
    policyFor: (peer, ibgp) => peerPolicies(policies, peerConfigs.get(peer.settings.key), ibgp),
    softReconfigurationIn: (peer) => peerConfigs.get(peer.settings.key)?.softReconfiguration.inbound ?? false,
    peersNotUp: () => (holder.speaker?.allPeers() ?? []).filter((p) => !p.settings.dynamic && !p.adminDown && p.state !== 'Established').length,
    ribChanged: (family, slots) => holder.kernel?.routes?.changed(family, slots),
    ribReset: () => holder.kernel?.routes?.reset(),
    endOfRib: (peer, family) => holder.kernel?.routes?.endOfRib(peer, family),
    // RFC 4724 §4.1: R and F mark the OPENs that re-establish sessions after our restart. Once the deferral
    // is over (every helper's End-of-RIB, or the timer), the restart is: later OPENs clear them.
    deferralEnded: () => {
      for (const peer of holder.speaker?.allPeers() ?? []) peer.setRestartState(restartState(false));
    },
  });
  // The listener needs the speaker and the speaker needs the listener: tie the knot through holders.
  const holder: { speaker?: BgpSpeaker; kernel?: KernelParts } = {};
  originateStatic(config.staticRoutes, rib, exchange.store, deps.clock.now());
  // The kernel side (and with it the netlink package: 2-7 MB of resident memory here) is loaded only when the
  // config uses it: a route reflector, or a node that only peers, never touches the kernel.
  holder.kernel = !usesKernel(config) ? undefined : await (await import('./kernel-wiring.js')).startKernel(config, {
    rib, exchange, clock: deps.clock, logger: log,
    configuredPeers: () => (holder.speaker?.allPeers() ?? []).filter((p) => !p.settings.dynamic && !p.adminDown),
  });
  rib.discardChanges(); // new sessions get the table in full; nothing to flush yet
  const listener: PeerListener = {
    established: (peer, n) => exchange.established(peer, n),
    update: (peer, u, outcome) => exchange.update(peer, u, outcome),
    routeRefresh: (peer, m) => exchange.routeRefresh(peer, m),
    down: (peer, reason, n) => exchange.down(peer, reason, n),
    stateChanged(peer, _from, to) {
      // A dynamic neighbour exists only while it has a session: forget it once it is back in Idle.
      if (to === 'Idle' && peer.settings.dynamic) {
        queueMicrotask(() => holder.speaker?.releaseDynamic(peer));
        peerConfigs.delete(peer.settings.key);
      }
    },
  };
  const ranges: ListenRange[] = (config.listenRanges ?? []).map((r) => ({
    prefix: r.prefix,
    limit: r.limit,
    settingsFor: (address: string) => {
      const remoteAs = r.remoteAs === 'any' ? config.localAs : r.remoteAs[0]!;
      const resolved = resolvePeer(config, { address, remoteAs }, r.peer);
      peerConfigs.set(resolved.address, resolved);
      return peerSettings(config, resolved, { dynamic: true, restarting: exchange.deferring, remoteAs: r.remoteAs });
    },
  }));
  const speaker = new BgpSpeaker(
    { ...(config.listen.enabled ? { listen: { address: config.listen.address, port: config.listen.port } } : {}), ranges, logger: log },
    { clock: deps.clock, logger: log, listener },
  );
  holder.speaker = speaker;
  const peers = config.peers.map((p) => ({ config: p, peer: speaker.addPeer(peerSettings(config, p, { dynamic: false, restarting })) }));
  if (deps.warmUp) {
    // After the daemon's own objects are built, before any session: see warm-up.ts.
    const t0 = performance.now();
    const { sent } = warmUp(deps.clock);
    log.log('info', 'daemon.warm-up', { ms: Math.round(performance.now() - t0), sent });
  }
  for (const { config: p, peer } of peers) {
    if (p.shutdown) log.log('info', 'bgp.peer.admin-down', { peer: p.address });
    else peer.start();
  }
  const listening = await speaker.listen();
  const control = deps.controlSocket ? await startControlServer(deps.controlSocket, controlHandler(speaker, exchange, deps.clock, rib, () => holder.kernel), log) : undefined;
  return {
    speaker,
    rib,
    ...(holder.kernel ? { kernel: holder.kernel } : {}),
    ...(listening ? { listening } : {}),
    async stop({ graceful, message }) {
      for (const peer of speaker.allPeers()) {
        if (!graceful) peer.stop(message ?? 'ternd shutting down');
      }
      // Let NOTIFICATIONs drain before the sockets go.
      if (!graceful) await new Promise((r) => setTimeout(r, 100));
      if (control) await new Promise<void>((r) => control.close(() => r()));
      await speaker.close();
      holder.kernel?.close(); // tern's kernel routes stay: a restart must not lose traffic
    },
  };
}
