/**
 * The BGP finite state machine of RFC 4271 §8, sans I/O: `step(config, state, event)` returns the next state
 * and the actions the driver must carry out (connect, send, arm a timer, close, report). No sockets, no timers,
 * no clock inside, so every state × event pair is testable without a network.
 *
 * One FSM runs per TCP connection attempt; the peer (peer.ts) owns up to two of them while a connection
 * collision (§6.8) is being resolved.
 *
 * Events carry their RFC 4271 §8.1 numbers in comments. Unexpected events answer with the RFC 6608 FSM-error
 * subcodes. Every transition to Idle carries a named `DownReason`. Session attributes supported: passive
 * (never initiate), DelayOpen (§8.1.1 option), automatic restart after errors with a growing IdleHold time
 * (the DampPeerOscillations option, simplified). Not supported: SendNOTIFICATIONwithoutOPEN (a NOTIFICATION is
 * only sent once our OPEN is out), CollisionDetectEstablishedState (an Established session always wins).
 */
import {
  ErrorCode, FsmSubcode, KEEPALIVE, shutdownNotification, type BgpMessage, type NotificationMessage,
  type OpenMessage, type WireError,
} from './wire/index.js';
import type { DownReason, NotificationInfo } from './down-reason.js';
import { buildLocalOpen, negotiate, type LocalOffer, type Negotiated, type PeerExpectation } from './negotiate.js';

export type FsmStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';
export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'delayOpen' | 'idleHold';

export interface FsmConfig {
  readonly offer: LocalOffer;
  readonly expect: PeerExpectation;
  /** Never initiate a connection; wait for the peer (BIRD `passive on`). */
  readonly passive: boolean;
  readonly connectRetryTime: number;
  /** DelayOpen time in seconds; 0 disables it. */
  readonly delayOpenTime: number;
  /** Hold time while waiting for the peer's OPEN (RFC 4271 §8.2.2 suggests 4 minutes). */
  readonly largeHoldTime: number;
  /** First automatic-restart delay after an error; doubles per consecutive failure up to `idleHoldMax`. */
  readonly idleHoldTime: number;
  readonly idleHoldMax: number;
  /** Restart automatically after errors (false: stay Idle until a manual start). */
  readonly allowAutomaticStart: boolean;
}

export interface FsmState {
  readonly name: FsmStateName;
  readonly connectRetryCounter: number;
  /** A manual stop happened and no start since: automatic restarts are off. */
  readonly stopped: boolean;
  readonly delayOpenRunning: boolean;
  readonly remoteOpen?: OpenMessage;
  readonly negotiated?: Negotiated;
  readonly lastDown?: DownReason;
}

export const INITIAL_STATE: FsmState = { name: 'Idle', connectRetryCounter: 0, stopped: true, delayOpenRunning: false };

export type FsmEvent =
  | { readonly type: 'ManualStart' } // 1 (and 4 when the peer is passive)
  | { readonly type: 'ManualStop'; readonly message?: string; readonly reset?: boolean } // 2
  | { readonly type: 'AutomaticStart' } // 3 / 5
  | { readonly type: 'AutomaticStop'; readonly reason: DownReason; readonly notification?: NotificationMessage } // 8
  | { readonly type: 'ConnectRetryTimerExpires' } // 9
  | { readonly type: 'HoldTimerExpires' } // 10
  | { readonly type: 'KeepaliveTimerExpires' } // 11
  | { readonly type: 'DelayOpenTimerExpires' } // 12
  | { readonly type: 'IdleHoldTimerExpires' } // 13
  | { readonly type: 'TcpConnectionUp' } // 16 Tcp_CR_Acked / 17 TcpConnectionConfirmed
  | { readonly type: 'TcpConnectionFails'; readonly detail: string } // 18
  /**
   * 19 / 20. `collisionLost`: the driver found, by RFC 4271 §6.8, that this connection loses a collision with
   * the peer's other one if this OPEN is valid; a valid OPEN is then answered with Cease/7 (event 23), never
   * with a KEEPALIVE the peer could take as the session coming up.
   */
  | { readonly type: 'BGPOpen'; readonly open: OpenMessage; readonly collisionLost?: boolean }
  | { readonly type: 'BGPHeaderErr'; readonly error: WireError } // 21
  | { readonly type: 'BGPOpenMsgErr'; readonly error: WireError } // 22
  | { readonly type: 'OpenCollisionDump' } // 23
  | { readonly type: 'NotifMsg'; readonly notification: NotificationMessage } // 24 / 25
  | { readonly type: 'KeepAliveMsg' } // 26
  | { readonly type: 'UpdateMsg' } // 27
  | { readonly type: 'UpdateMsgErr'; readonly error: WireError } // 28
  | { readonly type: 'RouteRefreshMsg' }; // RFC 2918: valid in Established only

export type FsmAction =
  | { readonly type: 'connect' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'send'; readonly message: BgpMessage }
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly seconds: number }
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  /** A valid OPEN was accepted: what follows is decoded and encoded with the negotiated capabilities. */
  | { readonly type: 'open-received'; readonly negotiated: Negotiated }
  | { readonly type: 'established'; readonly negotiated: Negotiated }
  /** The session left Established: routes from it are withdrawn (or kept stale under graceful restart). */
  | { readonly type: 'session-down'; readonly reason: DownReason };

export interface FsmResult {
  readonly state: FsmState;
  readonly actions: readonly FsmAction[];
  /** Set when the state name changed: the one place transitions are logged and counted. */
  readonly transition?: { readonly from: FsmStateName; readonly to: FsmStateName; readonly reason?: DownReason };
}

const ALL_TIMERS: readonly TimerName[] = ['connectRetry', 'hold', 'keepalive', 'delayOpen'];

function info(n: NotificationMessage): NotificationInfo {
  return { code: n.code, subcode: n.subcode, data: n.data };
}

function notification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): NotificationMessage {
  return { type: 'NOTIFICATION', code, subcode, data };
}

function fromError(e: WireError): NotificationMessage {
  return notification(e.code, e.subcode, e.data);
}

function idleHoldSeconds(config: FsmConfig, counter: number): number {
  return Math.min(config.idleHoldMax, config.idleHoldTime * 2 ** Math.max(0, Math.min(counter - 1, 16)));
}

/** A builder for one step's result, so each handler reads as the RFC's list of steps. */
class Step {
  readonly actions: FsmAction[] = [];
  constructor(public state: FsmState) {}
  send(message: BgpMessage): this {
    this.actions.push({ type: 'send', message });
    return this;
  }
  timer(timer: TimerName, seconds: number): this {
    this.actions.push(seconds > 0 ? { type: 'start-timer', timer, seconds } : { type: 'stop-timer', timer });
    return this;
  }
  stop(...timers: TimerName[]): this {
    for (const timer of timers) this.actions.push({ type: 'stop-timer', timer });
    return this;
  }
  to(name: FsmStateName, patch: Partial<FsmState> = {}): this {
    this.state = { ...this.state, ...patch, name };
    return this;
  }
}

function finish(before: FsmState, step: Step): FsmResult {
  if (before.name === step.state.name) return { state: step.state, actions: step.actions };
  const reason = step.state.name === 'Idle' ? step.state.lastDown : undefined;
  return { state: step.state, actions: step.actions, transition: { from: before.name, to: step.state.name, ...(reason ? { reason } : {}) } };
}

/**
 * Go to Idle: stop timers, send the NOTIFICATION if any, drop the connection, report the reason, and arm the
 * automatic restart unless stopped by hand (RFC 4271 §8.2.2 "releases all BGP resources, drops the TCP
 * connection, increments the ConnectRetryCounter, changes its state to Idle").
 */
function toIdle(config: FsmConfig, s: Step, reason: DownReason, opts: { send?: NotificationMessage; manual?: boolean } = {}): Step {
  const wasEstablished = s.state.name === 'Established';
  if (opts.send) s.send(opts.send);
  s.stop(...ALL_TIMERS);
  s.actions.push({ type: 'disconnect' });
  if (wasEstablished) s.actions.push({ type: 'session-down', reason });
  const counter = opts.manual ? 0 : s.state.connectRetryCounter + 1;
  const stopped = Boolean(opts.manual) || s.state.stopped || !config.allowAutomaticStart;
  s.to('Idle', { connectRetryCounter: counter, stopped, delayOpenRunning: false, lastDown: reason, remoteOpen: undefined, negotiated: undefined });
  if (!stopped) s.timer('idleHold', idleHoldSeconds(config, counter));
  return s;
}

function sent(n: NotificationMessage, message?: string): NotificationInfo {
  return message !== undefined ? { ...info(n), message } : info(n);
}

function manualStop(config: FsmConfig, s: Step, e: Extract<FsmEvent, { type: 'ManualStop' }>): Step {
  const hasOpenOut = s.state.name === 'OpenSent' || s.state.name === 'OpenConfirm' || s.state.name === 'Established';
  const subcode = e.reset ? 4 : 2;
  const n = shutdownNotification(subcode, e.message ?? '');
  const detail = e.message ? `administratively ${e.reset ? 'reset' : 'shut down'}: ${e.message}` : `administratively ${e.reset ? 'reset' : 'shut down'}`;
  const reason: DownReason = hasOpenOut
    ? { code: e.reset ? 'admin-reset' : 'admin-down', detail, sent: sent(n, e.message) }
    : { code: e.reset ? 'admin-reset' : 'admin-down', detail };
  // RFC 4271 §8.2.2: ManualStop sets the ConnectRetryCounter to zero in every state, reset or not.
  toIdle(config, s, reason, { ...(hasOpenOut ? { send: n } : {}), manual: true });
  if (e.reset) {
    // A reset is a stop followed by an automatic start.
    s.state = { ...s.state, stopped: false };
    s.stop('idleHold');
    s.timer('idleHold', 1);
  } else {
    s.stop('idleHold');
  }
  return s;
}

function start(config: FsmConfig, s: Step): Step {
  s.stop('idleHold');
  s.timer('connectRetry', config.connectRetryTime);
  if (config.passive) return s.to('Active', { stopped: false });
  s.actions.push({ type: 'connect' });
  return s.to('Connect', { stopped: false });
}

function sendOpen(config: FsmConfig, s: Step): Step {
  return s.send(openOf(config)).timer('hold', config.largeHoldTime).to('OpenSent', { delayOpenRunning: false });
}

const openCache = new WeakMap<LocalOffer, OpenMessage>();
function openOf(config: FsmConfig): OpenMessage {
  let open = openCache.get(config.offer);
  if (!open) {
    open = buildLocalOpen(config.offer);
    openCache.set(config.offer, open);
  }
  return open;
}

/**
 * A valid OPEN in Connect/Active (with DelayOpen) or OpenSent: negotiate, answer KEEPALIVE, go OpenConfirm.
 * When it loses a connection collision, answer Cease/7 instead (§6.8 runs on a valid OPEN, §8.2.2 event 23).
 */
function acceptOpen(config: FsmConfig, s: Step, e: Extract<FsmEvent, { type: 'BGPOpen' }>, sendOurOpen: boolean): Step {
  const result = negotiate(config.offer, e.open, config.expect);
  if ('action' in result) {
    const n = fromError(result);
    if (sendOurOpen) s.send(openOf(config));
    return toIdle(config, s, { code: 'open-error', detail: result.reason, sent: info(n) }, { send: n });
  }
  if (e.collisionLost) {
    if (sendOurOpen) s.send(openOf(config));
    return collisionDump(config, s);
  }
  s.stop('connectRetry', 'delayOpen');
  if (sendOurOpen) s.send(openOf(config));
  s.send(KEEPALIVE);
  s.timer('keepalive', result.keepaliveTime).timer('hold', result.holdTime);
  s.to('OpenConfirm', { remoteOpen: e.open, negotiated: result, delayOpenRunning: false });
  s.actions.push({ type: 'open-received', negotiated: result });
  return s;
}

/** Event 23 OpenCollisionDump: Cease / Connection Collision Resolution (RFC 4486 subcode 7), then Idle. */
function collisionDump(config: FsmConfig, s: Step): Step {
  const n = notification(ErrorCode.CEASE, 7);
  return toIdle(config, s, { code: 'connection-collision', detail: 'connection collision resolution (RFC 4271 §6.8)', sent: info(n) }, { send: n });
}

function fsmError(config: FsmConfig, s: Step, event: FsmEvent): Step {
  const subcode = s.state.name === 'OpenSent' ? FsmSubcode.UNEXPECTED_IN_OPENSENT
    : s.state.name === 'OpenConfirm' ? FsmSubcode.UNEXPECTED_IN_OPENCONFIRM
      : s.state.name === 'Established' ? FsmSubcode.UNEXPECTED_IN_ESTABLISHED : FsmSubcode.UNSPECIFIED;
  const isMessage = /Msg$|^UpdateMsgErr$|^BGPOpen$/.test(event.type);
  const n = notification(ErrorCode.FSM, isMessage ? subcode : FsmSubcode.UNSPECIFIED);
  return toIdle(config, s, { code: 'fsm-error', detail: `unexpected ${event.type} in ${s.state.name}`, sent: info(n) }, { send: n });
}

function received(n: NotificationMessage): DownReason {
  return { code: 'notification-received', detail: `peer sent NOTIFICATION ${n.code}/${n.subcode}`, received: info(n) };
}

/** Idle (§8.2.2): only starts do anything. */
function idle(config: FsmConfig, s: Step, e: FsmEvent): Step {
  switch (e.type) {
    case 'ManualStart':
      return start(config, s.to('Idle', { connectRetryCounter: 0, stopped: false }));
    case 'AutomaticStart':
    case 'IdleHoldTimerExpires':
      return s.state.stopped ? s : start(config, s);
    case 'ManualStop':
      // A reset while waiting to restart clears the back-off and restarts soon; a stopped peer stays down.
      if (e.reset && !s.state.stopped) return s.stop('idleHold').timer('idleHold', 1).to('Idle', { connectRetryCounter: 0 });
      return s.stop('idleHold').to('Idle', { stopped: true, connectRetryCounter: 0 });
    default:
      return s; // all other events are ignored in Idle
  }
}

/** Connect and Active (§8.2.2): waiting for TCP (initiated by us in Connect, by the peer in Active). */
function connecting(config: FsmConfig, s: Step, e: FsmEvent): Step {
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'IdleHoldTimerExpires':
      return s;
    case 'ManualStop':
      return manualStop(config, s, e);
    case 'AutomaticStop':
      return toIdle(config, s, e.reason); // no OPEN sent yet, so no NOTIFICATION
    case 'ConnectRetryTimerExpires':
      s.timer('connectRetry', config.connectRetryTime).stop('delayOpen');
      if (config.passive) return s.to('Active', { delayOpenRunning: false });
      s.actions.push({ type: 'disconnect' }, { type: 'connect' });
      return s.to('Connect', { delayOpenRunning: false });
    case 'DelayOpenTimerExpires':
      return s.state.delayOpenRunning ? sendOpen(config, s) : s;
    case 'TcpConnectionUp':
      s.stop('connectRetry');
      if (config.delayOpenTime > 0) return s.timer('delayOpen', config.delayOpenTime).to(s.state.name, { delayOpenRunning: true });
      return sendOpen(config, s);
    case 'TcpConnectionFails':
      // RFC 4271 §8.2.2: only Connect falls back to Active while DelayOpen runs; Active goes to Idle.
      if (s.state.delayOpenRunning && s.state.name === 'Connect') {
        s.actions.push({ type: 'disconnect' });
        return s.stop('delayOpen').timer('connectRetry', config.connectRetryTime).to('Active', { delayOpenRunning: false });
      }
      return toIdle(config, s, { code: 'tcp-connect-failed', detail: e.detail });
    case 'BGPOpen':
      // Event 20: an OPEN while DelayOpen runs; without DelayOpen no OPEN can arrive before ours is sent.
      if (s.state.delayOpenRunning) return acceptOpen(config, s, e, true);
      return toIdle(config, s, { code: 'fsm-error', detail: `OPEN received in ${s.state.name} before ours was sent` });
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return toIdle(config, s, { code: e.type === 'BGPHeaderErr' ? 'header-error' : 'open-error', detail: e.error.reason });
    case 'NotifMsg':
      return toIdle(config, s, received(e.notification));
    default:
      return toIdle(config, s, { code: 'fsm-error', detail: `unexpected ${e.type} in ${s.state.name}` });
  }
}

function common(config: FsmConfig, s: Step, e: FsmEvent): Step | undefined {
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'IdleHoldTimerExpires':
    case 'TcpConnectionUp':
      return s;
    case 'ManualStop':
      return manualStop(config, s, e);
    case 'AutomaticStop': {
      const n = e.notification ?? notification(ErrorCode.CEASE, 0);
      return toIdle(config, s, { ...e.reason, sent: info(n) }, { send: n });
    }
    case 'HoldTimerExpires': {
      const n = notification(ErrorCode.HOLD_TIMER_EXPIRED, 0);
      return toIdle(config, s, { code: 'hold-timer-expired', detail: 'no message from the peer within the hold time', sent: info(n) }, { send: n });
    }
    case 'TcpConnectionFails':
      return toIdle(config, s, { code: 'tcp-closed', detail: e.detail });
    case 'NotifMsg':
      return toIdle(config, s, received(e.notification));
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
    case 'UpdateMsgErr': {
      const n = fromError(e.error);
      const code = e.type === 'BGPHeaderErr' ? 'header-error' : e.type === 'BGPOpenMsgErr' ? 'open-error' : 'update-error';
      return toIdle(config, s, { code, detail: e.error.reason, sent: info(n) }, { send: n });
    }
    case 'OpenCollisionDump':
      return collisionDump(config, s);
    default:
      return undefined;
  }
}

function openSent(config: FsmConfig, s: Step, e: FsmEvent): Step {
  if (e.type === 'BGPOpen') return acceptOpen(config, s, e, false);
  // RFC 4271 §8.2.2 OpenSent (event 28 among "any other event") and RFC 6608: an UPDATE, even a bad one, is unexpected.
  if (e.type === 'UpdateMsgErr') return fsmError(config, s, e);
  return common(config, s, e) ?? fsmError(config, s, e);
}

function openConfirm(config: FsmConfig, s: Step, e: FsmEvent): Step {
  switch (e.type) {
    case 'KeepaliveTimerExpires':
      return s.send(KEEPALIVE).timer('keepalive', s.state.negotiated!.keepaliveTime);
    case 'KeepAliveMsg': {
      const negotiated = s.state.negotiated!;
      s.timer('hold', negotiated.holdTime);
      s.actions.push({ type: 'established', negotiated });
      return s.to('Established', { connectRetryCounter: 0 });
    }
    case 'UpdateMsgErr':
      return fsmError(config, s, e); // RFC 4271 §8.2.2 OpenConfirm event 28, RFC 6608 subcode 2
    default:
      return common(config, s, e) ?? fsmError(config, s, e);
  }
}

function established(config: FsmConfig, s: Step, e: FsmEvent): Step {
  const negotiated = s.state.negotiated!;
  switch (e.type) {
    case 'KeepaliveTimerExpires':
      return s.send(KEEPALIVE).timer('keepalive', negotiated.keepaliveTime);
    case 'KeepAliveMsg':
    case 'UpdateMsg':
    case 'RouteRefreshMsg':
      // RFC 4271 §8.2.2: KEEPALIVE and UPDATE restart the HoldTimer; we count ROUTE-REFRESH as life too.
      return s.timer('hold', negotiated.holdTime);
    case 'OpenCollisionDump':
      return s; // an Established session wins every collision
    default:
      return common(config, s, e) ?? fsmError(config, s, e);
  }
}

export function step(config: FsmConfig, state: FsmState, event: FsmEvent): FsmResult {
  const s = new Step(state);
  switch (state.name) {
    case 'Idle': idle(config, s, event); break;
    case 'Connect':
    case 'Active': connecting(config, s, event); break;
    case 'OpenSent': openSent(config, s, event); break;
    case 'OpenConfirm': openConfirm(config, s, event); break;
    case 'Established': established(config, s, event); break;
  }
  return finish(state, s);
}
