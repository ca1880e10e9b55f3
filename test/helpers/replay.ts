/**
 * Deterministic replay of a scenario (replay-scenario.ts) through the daemon's RouteExchange, black-box: only
 * its PeerListener methods (`established`, `update`, `routeRefresh`, `down`), `flush()`, `store` and the
 * `ribChanged` hook, with a real LocRib, the real config → peer settings → OPEN negotiation path, the real
 * policy compiler and codec, a manual clock and fake peers that record what they are sent.
 *
 * Determinism: nothing waits for setImmediate; after every event the harness calls `flush()` itself (the
 * exchange's own deferred flush then finds nothing to do). Time is the manual clock, starting at 0. Outputs
 * hold no timestamps. The fake peers implement only what RouteExchange touches on a `Peer`.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { stringify } from 'yaml';
import {
  decodeMessage, encodeMessage, endOfRibMessage, Framer, makeContext, type BgpMessage, type Capability, type CodecContext, type GracefulRestartCap,
  type NotificationMessage, type OpenMessage, type UpdateMessage,
} from '../../src/bgp/wire/index.js';
import type { DownReason } from '../../src/bgp/down-reason.js';
import { buildLocalOpen, negotiate, type Negotiated } from '../../src/bgp/negotiate.js';
import { linkLocalSelf, nextHopSelf } from '../../src/bgp/next-hop-self.js';
import type { Peer, PeerSettings } from '../../src/bgp/peer.js';
import { silentLogger } from '../../src/common/logger.js';
import { formatConfigError, parseConfig } from '../../src/config/load.js';
import type { PeerConfig, TernConfig } from '../../src/config/schema.js';
import { peerSettings } from '../../src/daemon/peer-settings.js';
import { peerPolicies, policiesFromConfig } from '../../src/daemon/policy-config.js';
import { RouteExchange } from '../../src/daemon/route-exchange.js';
import { originateStatic } from '../../src/daemon/static-routes.js';
import { LocRib, type RibChange } from '../../src/rib/loc-rib.js';
import { DEFAULT_DECISION } from '../../src/rib/types.js';
import type { Json } from '../../src/cli/render-message.js';
import { manualClock, type ManualClock } from '../../src/common/manual-clock.js';
import { ribChangesJson, sentJson } from './replay-render.js';
import type { DownEventReason, ReplayEvent, ReplayFamily, Scenario, UpEvent } from './replay-scenario.js';
import { updateMessage } from './replay-update.js';

/** A scenario that does not make sense (unknown peer, no session): the harness's error, never recorded. */
class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** The part of `Peer` RouteExchange uses. */
type PeerSlice = Pick<Peer, 'settings' | 'negotiated' | 'localAddress' | 'send' | 'sendRaw' | 'automaticStop' | 'stop' | 'start'>;

interface Sent {
  readonly bytes: Uint8Array;
  readonly ctx: CodecContext;
}

/** A peer as RouteExchange sees it: settings from the config, a session the harness opens and closes. */
class FakePeer implements PeerSlice {
  negotiated: Negotiated | undefined;
  localAddress: string | undefined;
  readonly outbox: Sent[] = [];
  readonly actions: Json[] = [];

  /** @param lost ends the session as the FSM would after a local stop (listener.down, synchronously). */
  constructor(readonly settings: PeerSettings, private readonly lost: (peer: FakePeer, reason: DownReason) => void) {}

  send(message: BgpMessage): boolean {
    const ctx = this.negotiated?.send;
    if (!ctx) return false;
    this.outbox.push({ bytes: encodeMessage(message, ctx), ctx });
    return true;
  }

  sendRaw(bytes: Uint8Array, count: number): boolean {
    const ctx = this.negotiated?.send;
    if (!ctx) return false;
    const framed = new Framer(65535).push(bytes.slice());
    if (framed.error || framed.messages.length !== count) throw new Error(`sendRaw: ${count} messages announced, ${framed.messages.length} framed`);
    for (const m of framed.messages) this.outbox.push({ bytes: m, ctx });
    return true;
  }

  /** The FSM's AutomaticStop in Established: the NOTIFICATION goes out, then the session is down. */
  automaticStop(reason: DownReason, notification: NotificationMessage): void {
    this.actions.push({ automaticStop: reason.code });
    if (!this.negotiated) return;
    this.send(notification);
    this.lost(this, reason);
  }

  stop(): void {
    this.actions.push('stop');
    if (this.negotiated) this.lost(this, { code: 'admin-down', detail: 'replay: stop' });
  }

  start(): void {
    this.actions.push('start');
  }
}

export interface ReplayStep {
  readonly step: number;
  readonly event: Json;
  /** How the session decoded the UPDATE (RFC 7606), when it was not clean. */
  readonly decoded?: Json;
  /** What RouteExchange threw while handling the event, if it did. */
  readonly thrown?: string;
  readonly ribChanges: Json[];
  /** Per peer (config order), the messages it was sent during this step. */
  readonly sent: { [peer: string]: Json[] };
  /** Per peer, session actions RouteExchange asked for (max-prefix stop, restart). */
  readonly actions?: { [peer: string]: Json[] };
}

function loadConfig(s: Scenario): TernConfig {
  const r = parseConfig(stringify(s.config), `${s.name}.yaml#config`);
  if (!r.ok) throw new ScenarioError(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

/** Interfaces as `os.networkInterfaces()` reports them, from the scenario's list of addresses. */
function interfaceTable(s: Scenario): NodeJS.Dict<NetworkInterfaceInfo[]> {
  const table: NodeJS.Dict<NetworkInterfaceInfo[]> = {};
  for (const [name, addresses] of Object.entries(s.interfaces)) {
    table[name] = addresses.map((address): NetworkInterfaceInfo => address.includes(':')
      ? { address, family: 'IPv6', netmask: 'ffff:ffff:ffff:ffff::', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/64`, scopeid: 0 }
      : { address, family: 'IPv4', netmask: '255.255.255.0', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/24` });
  }
  return table;
}

const AFI_SAFI: Readonly<Record<ReplayFamily, readonly [number, number]>> = { 'ipv4-unicast': [1, 1], 'ipv6-unicast': [2, 1] };

/** The graceful-restart capability as the up event describes it: which families it lists, with which F bits. */
function grFamilies(c: Capability, e: UpEvent): Capability {
  const gr = e.gracefulRestart;
  if (c.code !== 64 || !gr) return c;
  const cap = c as GracefulRestartCap;
  const name = (f: { afi: number }): ReplayFamily => (f.afi === 1 ? 'ipv4-unicast' : 'ipv6-unicast');
  const forwarding = (f: ReplayFamily) => (Array.isArray(gr.forwarding) ? gr.forwarding.includes(f) : gr.forwarding ?? true);
  return {
    ...cap,
    families: cap.families
      .filter((f) => !gr.families || gr.families.includes(name(f)))
      .map((f) => ({ ...f, forwarding: forwarding(name(f)), flags: forwarding(name(f)) ? 0x80 : 0 })),
  };
}
const SUBTYPES = { request: 0, borr: 1, eorr: 2 } as const;
const CAPABILITY_CODES = { 'four-octet-as': 65, 'route-refresh': 2, 'enhanced-route-refresh': 70 } as const;

class Replay {
  readonly clock: ManualClock = manualClock(0);
  readonly config: TernConfig;
  readonly rib: LocRib;
  readonly exchange: RouteExchange;
  private readonly peers = new Map<string, FakePeer>();
  private readonly peerConfigs: Map<string, PeerConfig>;
  private changes: RibChange[] = [];

  constructor(readonly scenario: Scenario) {
    const config = (this.config = loadConfig(scenario));
    this.peerConfigs = new Map(config.peers.map((p) => [p.address, p]));
    const policies = policiesFromConfig(config);
    const interfaces = interfaceTable(scenario);
    this.rib = new LocRib({ decision: { ...DEFAULT_DECISION, ...config.decision }, localAs: config.localAs, routerId: config.routerId, clusterId: config.routerId });
    this.exchange = new RouteExchange({
      rib: this.rib, localAs: config.localAs, routerId: config.routerId, clusterId: config.routerId,
      isRrClient: (peer) => Boolean(peer.settings.routeReflectorClient), clock: this.clock, logger: silentLogger,
      staleRoutesTime: config.gracefulRestart.staleRoutesTime,
      nextHopSelf: (local) => nextHopSelf(local, interfaces),
      linkLocalSelf: (local) => linkLocalSelf(local, interfaces),
      policyFor: (peer, ibgp) => peerPolicies(policies, this.peerConfigs.get(peer.settings.key), ibgp),
      ribChanged: (family, slots) => this.changes.push(...slots.map((s) => this.rib.changeAt(family, s))),
    });
    // As the daemon does: static routes are in the table before any session, not a change to flush.
    originateStatic(config.staticRoutes, this.rib, this.exchange.store, this.clock.now());
    this.rib.takeChanges();
    const lost = (peer: FakePeer, reason: DownReason) => this.sessionDown(peer, reason);
    for (const p of config.peers) this.peers.set(p.address, new FakePeer(peerSettings(config, p, { dynamic: false, restarting: false }), lost));
  }

  private peer(address: string): FakePeer {
    const p = this.peers.get(address);
    if (!p) throw new ScenarioError(`${this.scenario.name}: ${address} is not a configured peer`);
    return p;
  }

  private session(address: string): { peer: FakePeer; n: Negotiated } {
    const peer = this.peer(address);
    if (!peer.negotiated) throw new ScenarioError(`${this.scenario.name}: ${address} has no session`);
    return { peer, n: peer.negotiated };
  }

  /** The peer's OPEN as it arrives (encoded and decoded), negotiated against the configured offer. */
  private up(e: UpEvent): void {
    const peer = this.peer(e.peer);
    if (peer.negotiated) throw new ScenarioError(`${this.scenario.name}: ${e.peer} is already up`);
    const pc = this.peerConfigs.get(e.peer)!;
    const routerId = e.routerId ?? (e.peer.includes(':') ? undefined : e.peer);
    if (!routerId) throw new ScenarioError(`${this.scenario.name}: ${e.peer} needs a routerId`);
    const built = buildLocalOpen({
      asn: e.asn ?? pc.remoteAs, routerId, holdTime: 90, families: e.families ?? pc.families, addPath: e.addPath ?? {},
      extendedNextHop: Boolean(e.extendedNextHop), extendedMessage: Boolean(e.extendedMessage),
      ...(e.gracefulRestart ? { gracefulRestart: { restartTime: e.gracefulRestart.restartTime, restarting: Boolean(e.gracefulRestart.restarting), forwardingPreserved: true } } : {}),
    });
    const dropped = new Set<number>((e.without ?? []).map((c) => CAPABILITY_CODES[c]));
    const open: OpenMessage = {
      ...built,
      parameters: built.parameters.map((p) => (p.kind === 'capabilities' ? { ...p, capabilities: p.capabilities.filter((c) => !dropped.has(c.code)).map((c) => grFamilies(c, e)) } : p)),
    };
    const wire = makeContext({});
    const decoded = decodeMessage(encodeMessage(open, wire), wire);
    if (decoded.message?.type !== 'OPEN' || decoded.action !== 'none') throw new ScenarioError(`${this.scenario.name}: the OPEN of ${e.peer} does not decode`);
    const n = negotiate(peer.settings.fsm.offer, decoded.message, peer.settings.fsm.expect);
    if ('action' in n) throw new ScenarioError(`${this.scenario.name}: OPEN of ${e.peer} refused: ${n.reason}`);
    peer.negotiated = n;
    peer.localAddress = e.localAddress;
    this.exchange.established(peer as unknown as Peer, n);
  }

  /** As the session hands it over: the bytes decoded with the receive context, RFC 7606 outcome attached. */
  private receiveUpdate(from: string, u: UpdateMessage): Json | undefined {
    const { peer, n } = this.session(from);
    const r = decodeMessage(encodeMessage(u, n.receive), n.receive);
    const errors = r.errors.map((e) => ({ action: e.action, code: e.code, subcode: e.subcode, reason: e.reason }));
    if (r.action === 'session-reset') {
      // The FSM would send the NOTIFICATION (UpdateMsgErr) and drop the session: the RIB sees a down.
      this.down(from, 'update-error');
      return { action: r.action, errors };
    }
    if (r.message?.type !== 'UPDATE') throw new ScenarioError('not an UPDATE');
    this.exchange.update(peer as unknown as Peer, r.message, { action: r.action, errors: r.errors });
    return errors.length ? { action: r.action, errors } : undefined;
  }

  private down(address: string, reason: DownEventReason): void {
    this.sessionDown(this.session(address).peer, { code: reason, detail: `replay: ${reason}` });
  }

  private sessionDown(peer: FakePeer, reason: DownReason): void {
    const n = peer.negotiated;
    if (!n) return;
    // Peer.ts forgets its session before it tells the listener.
    peer.negotiated = undefined;
    peer.localAddress = undefined;
    this.exchange.down(peer as unknown as Peer, reason, n);
  }

  /** Run one event; what it caused once the exchange is flushed. */
  run(event: ReplayEvent, index: number): ReplayStep {
    let outcome: { decoded?: Json; thrown?: string } = {};
    try {
      outcome = { decoded: this.dispatch(event) };
      this.exchange.flush();
    } catch (err) {
      if (err instanceof ScenarioError) throw err;
      // tern threw out of a listener call: in ternd that is an exception in a socket handler. Recorded, so
      // that a golden file can show it; the scenario goes on with whatever state is left.
      outcome = { ...outcome, thrown: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
    return this.collect(event, index, outcome);
  }

  private dispatch(event: ReplayEvent): Json | undefined {
    let decoded: Json | undefined;
    if ('up' in event) this.up(event.up);
    else if ('update' in event) decoded = this.receiveUpdate(event.update.from, updateMessage(event.update, this.session(event.update.from).n.receive));
    else if ('endOfRib' in event) {
      const [afi, safi] = AFI_SAFI[event.endOfRib.family];
      decoded = this.receiveUpdate(event.endOfRib.from, endOfRibMessage(afi, safi, this.session(event.endOfRib.from).n.receive));
    } else if ('routeRefresh' in event) {
      const { peer, n } = this.session(event.routeRefresh.from);
      const [afi, safi] = AFI_SAFI[event.routeRefresh.family];
      const m = decodeMessage(encodeMessage({ type: 'ROUTE-REFRESH', afi, safi, subtype: SUBTYPES[event.routeRefresh.subtype], orf: new Uint8Array(0) }, n.receive), n.receive);
      if (m.message?.type !== 'ROUTE-REFRESH') throw new ScenarioError('not a ROUTE-REFRESH');
      this.exchange.routeRefresh(peer as unknown as Peer, m.message);
    } else if ('down' in event) this.down(event.down.peer, event.down.reason);
    else this.clock.advance(event.advance.seconds * 1000);
    return decoded;
  }

  private collect(event: ReplayEvent, index: number, outcome: { decoded?: Json; thrown?: string }): ReplayStep {
    const sent: { [peer: string]: Json[] } = {};
    const actions: { [peer: string]: Json[] } = {};
    for (const [key, peer] of this.peers) {
      if (peer.outbox.length) sent[key] = sentJson(peer.outbox.splice(0));
      if (peer.actions.length) actions[key] = peer.actions.splice(0);
    }
    const ribChanges = ribChangesJson(this.changes.splice(0));
    return {
      step: index + 1,
      event: JSON.parse(JSON.stringify(event)) as Json,
      ...(outcome.decoded !== undefined ? { decoded: outcome.decoded } : {}),
      ...(outcome.thrown !== undefined ? { thrown: outcome.thrown } : {}),
      ribChanges,
      sent,
      ...(Object.keys(actions).length ? { actions } : {}),
    };
  }
}

/** Every step of the scenario with what it caused. */
export function replay(scenario: Scenario): ReplayStep[] {
  const r = new Replay(scenario);
  return scenario.events.map((e, i) => r.run(e, i));
}
