/**
 * A BGP peer: runs the FSM (fsm.ts) over real connections (connection.ts), arms timers on the injected clock,
 * and resolves connection collisions (RFC 4271 §6.8).
 *
 * A peer owns one FSM "slot" normally, two while a collision is possible: the primary (its own outgoing attempt,
 * or the first incoming connection) and a secondary for a second connection that arrives while the primary
 * already has one. When an OPEN arrives on either and the other has sent or confirmed an OPEN (or is
 * Established), collision.ts decides which connection survives, before the FSM answers the OPEN: a losing
 * connection gets Cease / Connection Collision Resolution instead of a KEEPALIVE, a losing rival is closed
 * with it once this OPEN has been accepted.
 *
 * Timers: ConnectRetry and Keepalive are jittered to 75–100% (RFC 4271 §10).
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { collisionVerdict, type CollisionVerdict } from './collision.js';
import { Connection, type ConnectionOwner, type Direction } from './connection.js';
import { setSessionTtl } from './ttl.js';
import type { DownReason } from './down-reason.js';
import { INITIAL_STATE, step, type FsmAction, type FsmConfig, type FsmEvent, type FsmState, type FsmStateName, type TimerName } from './fsm.js';
import type { Negotiated } from './negotiate.js';
import type { RemovePrivateAs } from '../rib/private-as.js';
import {
  openAsn, type BgpMessage, type DecodeResult, type NotificationMessage, type OpenMessage, type RouteRefreshMessage,
  type UpdateMessage, type WireError,
} from './wire/index.js';

export interface PeerSettings {
  /** Unique key: the configured address (with zone for link-local IPv6). */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly description?: string;
  readonly fsm: FsmConfig;
  /** Bytes allowed to wait in the socket before the session is reset. */
  readonly maxQueuedBytes: number;
  /** Created from a listen range; removed when its session ends. */
  readonly dynamic: boolean;
  /** A route-reflector client of ours (RFC 4456). */
  readonly routeReflectorClient?: boolean;
  /** Outgoing TTL / hop limit: 1 for directly connected eBGP, higher for multihop, 255 for iBGP. */
  readonly ttl?: number;
  /** Prefix limit per family (RFC 4486 Cease/1); restartAfter 0 keeps the session down until a manual start. */
  readonly maxPrefix?: { readonly limit: number; readonly restartAfter: number };
  /** Minimum route advertisement interval for what we send, seconds (0 or absent: off). */
  readonly advertisementInterval?: number;
  /** On an eBGP session: private ASes removed from (or replaced in) the AS paths we send (rib/private-as.ts). */
  readonly removePrivateAs?: RemovePrivateAs;
  /** Paths per prefix sent in families where add-path send is negotiated (RFC 7911): a number, or all (absent). */
  readonly addPathSend?: number | 'all';
}

/** What a peer reports to the rest of the daemon (the RIB side). */
export interface PeerListener {
  established(peer: Peer, negotiated: Negotiated): void;
  /**
   * An UPDATE on the Established session, with its RFC 7606 outcome: for 'treat-as-withdraw' the announced
   * NLRI must be handled as withdrawn; for 'attribute-discard' the listed attributes were already dropped.
   */
  update(peer: Peer, update: UpdateMessage, outcome: UpdateOutcome): void;
  routeRefresh(peer: Peer, message: RouteRefreshMessage): void;
  down(peer: Peer, reason: DownReason, negotiated: Negotiated): void;
  stateChanged?(peer: Peer, from: FsmStateName, to: FsmStateName, reason?: DownReason): void;
}

export interface UpdateOutcome {
  readonly action: 'none' | 'attribute-discard' | 'treat-as-withdraw';
  readonly errors: readonly WireError[];
}

export interface PeerDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly listener: PeerListener;
  readonly random?: () => number;
  /** Opens an outgoing TCP connection (tests may substitute). */
  readonly connect?: (options: { host: string; port: number; localAddress?: string }) => Socket;
}

interface Slot {
  state: FsmState;
  direction: Direction;
  conn?: Connection;
  pending?: Socket;
  readonly timers: Map<TimerName, ArmedTimer>;
}

/** A running timer and the delay it was set with (a restart with the same delay refreshes it). */
interface ArmedTimer {
  readonly handle: TimerHandle;
  readonly ms: number;
}

const JITTERED: ReadonlySet<TimerName> = new Set(['connectRetry', 'keepalive']);

export class Peer implements ConnectionOwner {
  private slots: Slot[] = [];
  private establishedAt: number | undefined;
  /** Why the last Established session ended (or the operator's shutdown). */
  private lastDown: DownReason | undefined;
  /** Why the last attempt of any kind failed, Established or not (BIRD's "Last error"). */
  private lastError: DownReason | undefined;
  private negotiatedSession: Negotiated | undefined;
  private readonly log: Logger;
  private readonly random: () => number;

  private current: PeerSettings;

  constructor(settings: PeerSettings, private readonly deps: PeerDeps) {
    this.current = settings;
    this.log = deps.logger.child({ peer: settings.key });
    this.random = deps.random ?? Math.random;
    this.slots.push(this.newSlot('outgoing'));
  }

  private newSlot(direction: Direction): Slot {
    return { state: INITIAL_STATE, direction, timers: new Map() };
  }

  private get primary(): Slot {
    return this.slots[0]!;
  }

  // ---- operator and daemon API -------------------------------------------------------------------------

  get settings(): PeerSettings {
    return this.current;
  }

  /**
   * What our OPENs say about a restart from now on: the Restart State (R) bit and the per-family Forwarding
   * State (F) bits of the graceful-restart capability (RFC 4724 §3). They belong to the OPENs a restarting
   * speaker sends to re-establish its sessions (§4.1); the daemon clears them once its restart is over. An
   * OPEN already sent keeps what it said. No effect without graceful restart.
   */
  setRestartState(state: { readonly restarting: boolean; readonly forwardingPreserved: boolean }): void {
    const { fsm } = this.current;
    const gr = fsm.offer.gracefulRestart;
    if (!gr || (gr.restarting === state.restarting && gr.forwardingPreserved === state.forwardingPreserved)) return;
    const offer = { ...fsm.offer, gracefulRestart: { ...gr, restarting: state.restarting, forwardingPreserved: state.forwardingPreserved } };
    this.current = { ...this.current, fsm: { ...fsm, offer } };
    this.log.log('debug', 'bgp.gr.restart-state', { restarting: state.restarting, forwardingPreserved: state.forwardingPreserved });
  }

  get state(): FsmStateName {
    const names = this.slots.map((s) => s.state.name);
    const order: FsmStateName[] = ['Established', 'OpenConfirm', 'OpenSent', 'Connect', 'Active', 'Idle'];
    return order.find((n) => names.includes(n)) ?? 'Idle';
  }

  get negotiated(): Negotiated | undefined {
    return this.negotiatedSession;
  }

  /**
   * Why the last session went down: a failed connection attempt afterwards (a refused connect, a collision
   * loser closing) does not overwrite it, so an operator still sees why the session was lost.
   */
  get lastDownReason(): DownReason | undefined {
    return this.lastDown;
  }

  /** Why the most recent attempt failed, including attempts that never reached Established. */
  get lastErrorReason(): DownReason | undefined {
    return this.lastError ?? this.primary.state.lastDown;
  }

  get uptimeSince(): number | undefined {
    return this.establishedAt;
  }

  /** Stopped by hand (or never started): no automatic restart until `start()`. */
  get adminDown(): boolean {
    return this.state === 'Idle' && this.slots.every((s) => s.state.stopped);
  }

  /** Ask the peer to send its routes again (RFC 2918); false when it did not negotiate route refresh. */
  requestRouteRefresh(): boolean {
    const n = this.negotiatedSession;
    if (!n?.routeRefresh) return false;
    for (const f of n.families) {
      const [afi, safi] = f.startsWith('ipv4') ? [1, f.endsWith('multicast') ? 2 : 1] : [2, f.endsWith('multicast') ? 2 : 1];
      this.send({ type: 'ROUTE-REFRESH', afi: afi!, safi: safi!, subtype: 0, orf: new Uint8Array(0) });
    }
    return true;
  }

  /** Who opened the TCP connection the Established session runs on. */
  get sessionDirection(): Direction | undefined {
    return this.slots.find((s) => s.state.name === 'Established')?.direction;
  }

  /** Our address on the Established session (next-hop-self uses it). */
  get localAddress(): string | undefined {
    return this.slots.find((s) => s.state.name === 'Established')?.conn?.socket.localAddress;
  }

  get remoteAddress(): string | undefined {
    return this.slots.find((s) => s.conn)?.conn?.remoteAddress;
  }

  stats(): { messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number } {
    const total = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
    for (const s of this.slots) {
      if (!s.conn) continue;
      total.messagesIn += s.conn.stats.messagesIn;
      total.messagesOut += s.conn.stats.messagesOut;
      total.bytesIn += s.conn.stats.bytesIn;
      total.bytesOut += s.conn.stats.bytesOut;
    }
    return total;
  }

  start(): void {
    this.dispatch(this.primary, { type: 'ManualStart' });
  }

  /** Administrative shutdown, with an optional RFC 9003 message; stays down until `start()`. */
  stop(message?: string): void {
    for (const slot of [...this.slots]) this.dispatch(slot, { type: 'ManualStop', ...(message !== undefined ? { message } : {}) });
  }

  /** Administrative reset: Cease / Administrative Reset, then an automatic restart. */
  reset(message?: string): void {
    for (const slot of [...this.slots]) this.dispatch(slot, { type: 'ManualStop', reset: true, ...(message !== undefined ? { message } : {}) });
  }

  /** Stop because of a local condition (e.g. max-prefix), sending `notification`. */
  automaticStop(reason: DownReason, notification: NotificationMessage): void {
    for (const slot of [...this.slots]) this.dispatch(slot, { type: 'AutomaticStop', reason, notification });
  }

  /** Send a message on the Established session; false when there is none. */
  send(message: BgpMessage): boolean {
    const slot = this.slots.find((s) => s.state.name === 'Established');
    if (!slot?.conn) return false;
    slot.conn.send(message);
    return true;
  }

  sendRaw(bytes: Uint8Array, count: number): boolean {
    const slot = this.slots.find((s) => s.state.name === 'Established');
    if (!slot?.conn) return false;
    slot.conn.sendRaw(bytes, count);
    return true;
  }

  /** Hand an accepted TCP connection from this peer to the FSM. Returns false when it was refused. */
  accept(socket: Socket): boolean {
    const primary = this.primary;
    if (primary.state.name === 'Idle' || this.slots.length > 1) return false;
    // Waiting with no connection attempt of our own: take the peer's. While our own attempt is in flight
    // keep both: killing ours while the peer kills its own would lose both (the simultaneous-open race);
    // the collision is resolved once the OPENs are in (RFC 4271 §6.8).
    if ((primary.state.name === 'Connect' || primary.state.name === 'Active') && !primary.conn && !primary.pending) {
      this.bind(primary, socket, 'incoming');
      return true;
    }
    const secondary: Slot = { ...this.newSlot('incoming'), state: { ...INITIAL_STATE, name: 'Active', stopped: false } };
    this.slots.push(secondary);
    this.bind(secondary, socket, 'incoming');
    return true;
  }

  /** Tear everything down without NOTIFICATION bookkeeping (daemon exit, peer removed). */
  destroy(): void {
    for (const slot of this.slots) {
      for (const t of slot.timers.values()) this.deps.clock.clearTimeout(t.handle);
      slot.timers.clear();
      slot.pending?.destroy();
      slot.conn?.close();
    }
    this.slots = [this.newSlot('outgoing')];
  }

  // ---- FSM plumbing ----------------------------------------------------------------------------------

  private bind(slot: Slot, socket: Socket, direction: Direction): void {
    slot.direction = direction;
    if (this.settings.ttl !== undefined) {
      const failed = setSessionTtl(socket, this.settings.ttl);
      if (failed) this.log.log('warn', 'bgp.ttl.failed', { ttl: this.settings.ttl, error: failed });
    }
    slot.conn = new Connection(socket, direction, this, this.settings.maxQueuedBytes);
    this.dispatch(slot, { type: 'TcpConnectionUp' });
  }

  private dispatch(slot: Slot, event: FsmEvent): void {
    if (!this.slots.includes(slot)) return;
    const before = slot.state;
    const result = step(this.settings.fsm, before, event);
    slot.state = result.state;
    for (const action of result.actions) this.perform(slot, action);
    if (result.transition) {
      const { from, to, reason } = result.transition;
      this.log.log(to === 'Idle' && reason && reason.code !== 'admin-down' ? 'warn' : 'info', 'bgp.fsm.transition', {
        from, to, fsmEvent: event.type, direction: slot.direction, ...(reason ? { reason: reason.code, detail: reason.detail } : {}),
      });
      if (reason) {
        this.lastError = reason;
        if (from === 'Established' || reason.code === 'admin-down') this.lastDown = reason;
      }
      this.deps.listener.stateChanged?.(this, from, to, reason);
      if (to === 'Idle') this.afterIdle(slot);
    }
  }

  /** A slot that fell back to Idle: a secondary is dropped; a primary hands over to a live secondary. */
  private afterIdle(slot: Slot): void {
    if (this.slots.length < 2) return;
    const other = this.slots.find((s) => s !== slot)!;
    if (slot !== this.primary || other.state.name !== 'Idle') {
      this.removeSlot(slot);
    }
  }

  private removeSlot(slot: Slot): void {
    for (const t of slot.timers.values()) this.deps.clock.clearTimeout(t.handle);
    slot.timers.clear();
    slot.pending?.destroy();
    this.slots = this.slots.filter((s) => s !== slot);
    if (this.slots.length === 0) this.slots.push(this.newSlot('outgoing'));
  }

  private perform(slot: Slot, action: FsmAction): void {
    switch (action.type) {
      case 'connect': return this.openConnection(slot);
      case 'disconnect':
        slot.pending?.destroy();
        delete slot.pending;
        slot.conn?.close();
        delete slot.conn;
        return;
      case 'send': slot.conn?.send(action.message); return;
      case 'start-timer': return this.armTimer(slot, action.timer, action.seconds);
      case 'stop-timer': {
        const t = slot.timers.get(action.timer);
        if (t) this.deps.clock.clearTimeout(t.handle);
        slot.timers.delete(action.timer);
        return;
      }
      case 'open-received':
        slot.conn?.setContexts(action.negotiated.receive, action.negotiated.send);
        return;
      case 'established':
        this.negotiatedSession = action.negotiated;
        this.establishedAt = this.deps.clock.now();
        this.log.log('info', 'bgp.session.established', {
          peerAs: action.negotiated.peerAs, routerId: action.negotiated.peerRouterId, holdTime: action.negotiated.holdTime,
          families: action.negotiated.families,
        });
        this.deps.listener.established(this, action.negotiated);
        return;
      case 'session-down': {
        const negotiated = this.negotiatedSession;
        this.establishedAt = undefined;
        this.negotiatedSession = undefined;
        if (negotiated) this.deps.listener.down(this, action.reason, negotiated);
        return;
      }
    }
  }

  private armTimer(slot: Slot, timer: TimerName, seconds: number): void {
    const old = slot.timers.get(timer);
    const factor = JITTERED.has(timer) ? 0.75 + 0.25 * this.random() : 1;
    const ms = Math.max(1, Math.round(seconds * 1000 * factor));
    // The hold timer restarts at every KEEPALIVE and UPDATE received (RFC 4271 §8.2.2, events 26 and 27),
    // always with the same delay: refreshed in place rather than cleared and set anew.
    if (old && old.ms === ms) {
      this.deps.clock.refresh(old.handle);
      return;
    }
    if (old) this.deps.clock.clearTimeout(old.handle);
    const handle = this.deps.clock.setTimeout(() => {
      slot.timers.delete(timer);
      this.dispatch(slot, { type: TIMER_EVENTS[timer] });
    }, ms);
    slot.timers.set(timer, { handle, ms });
  }

  private openConnection(slot: Slot): void {
    const { address, port, localAddress } = this.settings;
    const connect = this.deps.connect ?? ((o: { host: string; port: number; localAddress?: string }) => tcpConnect(o));
    const socket = connect({ host: address, port, ...(localAddress ? { localAddress } : {}) });
    slot.pending = socket;
    const onError = (err: Error) => {
      if (slot.pending !== socket) return;
      delete slot.pending;
      socket.destroy();
      this.dispatch(slot, { type: 'TcpConnectionFails', detail: `connect to ${address} port ${port}: ${err.message}` });
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      if (slot.pending !== socket) {
        socket.destroy();
        return;
      }
      delete slot.pending;
      this.bind(slot, socket, 'outgoing');
    });
  }

  /** RFC 4271 §6.8 for an OPEN that just arrived on `slot` (see collision.ts). */
  private collision(slot: Slot, open: OpenMessage): CollisionVerdict {
    const other = this.slots.find((s) => s !== slot);
    const offer = this.settings.fsm.offer;
    const verdict = collisionVerdict(slot.direction, other && { direction: other.direction, state: other.state.name }, {
      localId: offer.routerId, localAs: offer.asn, remoteId: open.routerId, remoteAs: openAsn(open),
    });
    if (verdict !== 'no-collision') {
      const keep = verdict === 'close-other' ? slot.direction : other!.direction;
      this.log.log('info', 'bgp.collision', { keep, otherState: other!.state.name, localId: offer.routerId, remoteId: open.routerId });
    }
    return verdict;
  }

  /** The OPEN on `winner` was accepted: close the peer's other connection with Cease/7. */
  private closeRival(winner: Slot): void {
    const loser = this.slots.find((s) => s !== winner);
    if (!loser) return;
    this.dispatch(loser, { type: 'OpenCollisionDump' });
    // The loser is gone (afterIdle drops it); the survivor is now the only, so primary, slot.
    if (this.slots.includes(loser)) this.removeSlot(loser);
  }

  // ---- ConnectionOwner -------------------------------------------------------------------------------

  private slotOf(conn: Connection): Slot | undefined {
    return this.slots.find((s) => s.conn === conn);
  }

  onMessage(conn: Connection, result: DecodeResult, bytes: Uint8Array): void {
    const slot = this.slotOf(conn);
    if (!slot) return;
    // RFC 4271 §6.4: a NOTIFICATION is never answered with one, even a malformed NOTIFICATION.
    let event: FsmEvent = result.action === 'session-reset' && bytes[18] === 3
      ? { type: 'TcpConnectionFails', detail: `malformed NOTIFICATION received: ${result.errors[0]?.reason ?? ''}` }
      : eventFor(result);
    const verdict = event.type === 'BGPOpen' ? this.collision(slot, event.open) : 'no-collision';
    if (verdict === 'close-this' && event.type === 'BGPOpen') event = { ...event, collisionLost: true };
    this.dispatch(slot, event);
    if (verdict === 'close-other' && slot.state.name === 'OpenConfirm') this.closeRival(slot);
    if (slot.state.name !== 'Established' || result.action === 'session-reset') return;
    const m = result.message;
    if (m.type === 'UPDATE') this.deps.listener.update(this, m, { action: result.action, errors: result.errors });
    else if (m.type === 'ROUTE-REFRESH') this.deps.listener.routeRefresh(this, m);
  }

  onFramingError(conn: Connection, error: WireError): void {
    const slot = this.slotOf(conn);
    if (slot) this.dispatch(slot, { type: 'BGPHeaderErr', error });
  }

  onClosed(conn: Connection, detail: string): void {
    const slot = this.slotOf(conn);
    if (!slot) return;
    delete slot.conn;
    this.dispatch(slot, { type: 'TcpConnectionFails', detail });
  }

  onOutputOverflow(conn: Connection, queued: number): void {
    const slot = this.slotOf(conn);
    if (!slot) return;
    this.dispatch(slot, {
      type: 'AutomaticStop',
      reason: { code: 'output-queue-full', detail: `${queued} octets waiting: the peer does not read fast enough` },
      notification: { type: 'NOTIFICATION', code: 6, subcode: 8, data: new Uint8Array(0) },
    });
  }
}

const TIMER_EVENTS: Readonly<Record<TimerName, 'ConnectRetryTimerExpires' | 'HoldTimerExpires' | 'KeepaliveTimerExpires' | 'DelayOpenTimerExpires' | 'IdleHoldTimerExpires'>> = {
  connectRetry: 'ConnectRetryTimerExpires',
  hold: 'HoldTimerExpires',
  keepalive: 'KeepaliveTimerExpires',
  delayOpen: 'DelayOpenTimerExpires',
  idleHold: 'IdleHoldTimerExpires',
};

/** The FSM event for a decoded message (RFC 4271 §8.1.4/§8.1.5 events 19–28). */
export function eventFor(result: DecodeResult): FsmEvent {
  if (result.action === 'session-reset') {
    const e = result.errors.find((x) => x.action === 'session-reset')!;
    if (e.code === 1) return { type: 'BGPHeaderErr', error: e };
    if (e.code === 2 || result.message?.type === 'OPEN') return { type: 'BGPOpenMsgErr', error: e };
    return { type: 'UpdateMsgErr', error: e };
  }
  const m = result.message;
  switch (m.type) {
    case 'OPEN': return { type: 'BGPOpen', open: m };
    case 'KEEPALIVE': return { type: 'KeepAliveMsg' };
    case 'NOTIFICATION': return { type: 'NotifMsg', notification: m };
    case 'UPDATE': return { type: 'UpdateMsg' };
    case 'ROUTE-REFRESH': return { type: 'RouteRefreshMsg' };
  }
}
