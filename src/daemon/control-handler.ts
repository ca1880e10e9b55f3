/**
 * Answers control requests from the daemon's live objects: neighbour views for `bgpctl show neighbors`,
 * route explanations, and the operator's actions on one neighbour (shutdown with an RFC 9003 message,
 * enable, reset, refresh, soft-in).
 */
import type { DownReason, NotificationInfo } from '../bgp/down-reason.js';
import type { Peer } from '../bgp/peer.js';
import type { BgpSpeaker } from '../bgp/speaker.js';
import { notificationNames, shutdownCommunication } from '../bgp/wire/index.js';
import type { Clock } from '../common/clock.js';
import type { ControlHandler } from '../control/server.js';
import type {
  ControlRequest, ControlResponse, DownView, ExplainView, KernelView, NeighborView, NotificationView, RoutesView, SoftInView,
} from '../control/protocol.js';
import { explainPrefix, summarizeTable, type SessionPolicy } from '../rib/explain.js';
import type { LocRib } from '../rib/loc-rib.js';
import { prefixKeyFromText } from '../common/prefix-key.js';
import type { KernelParts } from './kernel-wiring.js';
import type { RouteExchange } from './route-exchange.js';

function notificationView(n: NotificationInfo): NotificationView {
  const message = n.message ?? shutdownCommunication({ type: 'NOTIFICATION', code: n.code, subcode: n.subcode, data: n.data });
  return { code: n.code, subcode: n.subcode, ...notificationNames(n), ...(message !== undefined ? { message } : {}) };
}

function downView(r: DownReason): DownView {
  return {
    code: r.code,
    detail: r.detail,
    ...(r.sent ? { sent: notificationView(r.sent) } : {}),
    ...(r.received ? { received: notificationView(r.received) } : {}),
  };
}

export function neighborView(peer: Peer, exchange: RouteExchange, now: number): NeighborView {
  const n = peer.negotiated;
  const down = peer.lastDownReason;
  const error = peer.lastErrorReason;
  const stats = peer.stats();
  const since = peer.uptimeSince;
  return {
    address: peer.settings.key,
    ...(peer.settings.description ? { description: peer.settings.description } : {}),
    remoteAs: peer.settings.fsm.expect.remoteAs,
    localAs: peer.settings.fsm.offer.asn,
    state: peer.state,
    dynamic: peer.settings.dynamic,
    adminDown: peer.adminDown,
    ...(since !== undefined ? { uptime: Math.round((now - since) / 1000) } : {}),
    ...(down ? { lastDown: downView(down) } : {}),
    ...(error && error !== down ? { lastError: downView(error) } : {}),
    ...(n ? {
      session: {
        peerAs: n.peerAs, routerId: n.peerRouterId, holdTime: n.holdTime, keepaliveTime: n.keepaliveTime,
        families: [...n.families], as4: n.as4, addPathReceive: [...n.addPathReceive], addPathSend: [...n.addPathSend],
        ...(n.addPathSend.size ? { addPathSendPaths: peer.settings.addPathSend ?? 'all' } : {}),
        extendedMessage: n.extendedMessage, enhancedRouteRefresh: n.enhancedRouteRefresh,
        ...(n.gracefulRestart ? { gracefulRestart: { restartTime: n.gracefulRestart.restartTime, restarting: n.gracefulRestart.restarting } } : {}),
        ...(n.peerHostname ? { hostname: n.peerHostname } : {}),
      },
    } : {}),
    messages: { in: stats.messagesIn, out: stats.messagesOut },
    prefixesReceived: exchange.receivedCount(peer),
  };
}

export function kernelView(kernel: KernelParts | undefined): KernelView {
  const sync = kernel?.sync;
  const connected = kernel?.connected?.prefixes();
  if (!sync) return { enabled: false, ...(connected ? { connected } : {}) };
  const stats = sync.stats();
  const target = sync.target;
  return {
    enabled: true,
    table: target.table, protocol: target.protocol, metric: target.metric,
    encapsulation: sync.overlay.config.encapsulation,
    ...(sync.overlay.tunnelError ? { tunnelError: sync.overlay.tunnelError } : {}),
    routes: { wanted: stats.wanted, installed: stats.installed, failed: stats.failed, unresolved: stats.unresolved, adopted: stats.adopted },
    vxlanPeers: stats.vxlanPeers,
    problems: sync.problems().slice(0, 100),
    ...(connected ? { connected } : {}),
  };
}

export function routesView(rib: LocRib, family: 'ipv4-unicast' | 'ipv6-unicast' | undefined, limit: number): RoutesView {
  const families = family ? [family] : (['ipv4-unicast', 'ipv6-unicast'] as const);
  return {
    routes: families.flatMap((f) => summarizeTable(rib, f, limit).routes),
    totals: { 'ipv4-unicast': rib.size('ipv4-unicast'), 'ipv6-unicast': rib.size('ipv6-unicast') },
  };
}

/**
 * An exact prefix, or for an address the longest prefix in the Loc-RIB that holds it. With the Established
 * sessions, import and export verdicts too.
 */
export function explainView(rib: LocRib, text: string, kernel: KernelParts | undefined, sessions?: readonly SessionPolicy[]): ExplainView | string {
  const exact = text.includes('/') ? prefixKeyFromText(text) : undefined;
  let found = exact;
  if (!text.includes('/')) {
    const max = text.includes(':') ? 128 : 32;
    for (let len = max; len >= 0 && !found; len--) {
      const p = prefixKeyFromText(`${text}/${len}`);
      if (!p) return `not an address or prefix: ${text}`;
      if (rib.get(p.family, p.key)) found = p;
    }
    if (!found) return `no route for ${text}`;
  }
  if (!found) return `not a prefix: ${text}`;
  const explanation = explainPrefix(rib, found.family, found.key, rib.decision, sessions);
  const prefix = explanation?.prefix ?? text;
  const k = kernel?.sync?.status(found.key);
  return {
    prefix,
    ...(explanation ? { explanation } : {}),
    ...(k ? { kernel: { state: k.state, ...('error' in k ? { error: k.error } : {}), ...('route' in k ? { nexthops: k.route.nexthops } : {}) } } : {}),
  };
}

/** Soft reconfiguration inbound when the peer's routes are kept, else ROUTE-REFRESH (FRR does the same). */
export function softIn(peer: Peer, exchange: RouteExchange): ControlResponse<SoftInView> {
  const key = peer.settings.key;
  const result = exchange.softReconfigureIn(peer);
  if (result) {
    const message = `${key}: import policy re-applied to ${result.routes} routes as received (${result.accepted} accepted, `
      + `${result.rejected} rejected, ${result.changed} changed in the Loc-RIB)`;
    return { ok: true, result: { peer: key, method: 'soft-reconfiguration', result, message } };
  }
  if (peer.state !== 'Established') return { ok: false, error: `${key}: no session` };
  if (!peer.requestRouteRefresh()) {
    return { ok: false, error: `${key}: soft reconfiguration inbound is off and the peer did not negotiate route refresh` };
  }
  const message = `${key}: soft reconfiguration inbound is off (softReconfiguration: { inbound: true } keeps the routes as received), `
    + 'sent ROUTE-REFRESH instead';
  return { ok: true, result: { peer: key, method: 'route-refresh', message } };
}

export function controlHandler(speaker: BgpSpeaker, exchange: RouteExchange, clock: Clock, rib: LocRib, kernel?: () => KernelParts | undefined): ControlHandler {
  const find = (key: string): Peer | ControlResponse => speaker.peer(key) ?? { ok: false, error: `no neighbour ${key}` };
  return (req: ControlRequest): ControlResponse => {
    if (req.op === 'show-kernel') return { ok: true, result: kernelView(kernel?.()) };
    if (req.op === 'show-routes') return { ok: true, result: routesView(rib, req.family, Math.max(1, Math.min(req.limit ?? 1000, 100_000))) };
    if (req.op === 'explain') {
      const view = explainView(rib, req.prefix, kernel?.(), exchange.sessionPolicies());
      return typeof view === 'string' ? { ok: false, error: view } : { ok: true, result: view };
    }
    if (req.op === 'show-neighbors') {
      const now = clock.now();
      return { ok: true, result: speaker.allPeers().map((p) => neighborView(p, exchange, now)) };
    }
    const peer = find(req.peer);
    if ('ok' in peer) return peer;
    switch (req.op) {
      case 'neighbor-shutdown':
        peer.stop(req.message);
        return { ok: true, result: `${req.peer} shut down` };
      case 'neighbor-enable':
        peer.start();
        return { ok: true, result: `${req.peer} enabled` };
      case 'neighbor-reset':
        peer.reset(req.message);
        return { ok: true, result: `${req.peer} reset` };
      case 'neighbor-refresh': {
        const done = req.direction === 'in' ? peer.requestRouteRefresh() : exchange.resendTable(peer);
        return done ? { ok: true, result: `${req.peer} refresh ${req.direction}` } : { ok: false, error: `${req.peer}: no session${req.direction === 'in' ? ' with route refresh' : ''}` };
      }
      case 'neighbor-soft-in':
        return softIn(peer, exchange);
    }
  };
}
