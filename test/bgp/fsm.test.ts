/**
 * The RFC 4271 §8 FSM, sans I/O: every state × every event, then the behaviours that need a sequence of steps
 * (hold-time negotiation, DelayOpen, passive peers, manual stop/reset, automatic restart with back-off).
 * No sockets and no clock: a test drives `step` with events and reads the actions it returns.
 */
import { describe, expect, it } from 'vitest';
import type { DownCode, DownReason } from '../../src/bgp/down-reason.js';
import {
  INITIAL_STATE, step, type FsmConfig, type FsmEvent, type FsmResult, type FsmState, type FsmStateName, type TimerName,
} from '../../src/bgp/fsm.js';
import { buildLocalOpen, type LocalOffer } from '../../src/bgp/negotiate.js';
import { buildOpen, openCapabilities, wireError, type GracefulRestartCap, type NotificationMessage, type OpenMessage } from '../../src/bgp/wire/index.js';

// ---- fixtures ------------------------------------------------------------------------------------------

const OFFER: LocalOffer = { asn: 65001, routerId: '192.0.2.1', holdTime: 90, families: ['ipv4-unicast', 'ipv6-unicast'] };

function peerOpen(opts: { asn?: number; holdTime?: number; routerId?: string } = {}): OpenMessage {
  const asn = opts.asn ?? 65002;
  return buildOpen({
    asn, holdTime: opts.holdTime ?? 60, routerId: opts.routerId ?? '192.0.2.2',
    capabilities: [
      { code: 1, name: 'multiprotocol', afi: 1, safi: 1, reserved: 0 },
      { code: 1, name: 'multiprotocol', afi: 2, safi: 1, reserved: 0 },
      { code: 2, name: 'route-refresh' },
      { code: 65, name: 'four-octet-as', asn },
    ],
  });
}

function cfg(over: Partial<FsmConfig> = {}): FsmConfig {
  return {
    offer: OFFER, expect: { remoteAs: 65002 }, passive: false, connectRetryTime: 120, delayOpenTime: 0,
    largeHoldTime: 240, idleHoldTime: 5, idleHoldMax: 300, allowAutomaticStart: true, ...over,
  };
}

const MAX_PREFIX: DownReason = { code: 'max-prefix', detail: 'more than 100 prefixes from the peer' };
const CEASE_MAX_PREFIX: NotificationMessage = { type: 'NOTIFICATION', code: 6, subcode: 1, data: Uint8Array.of(0, 1, 1, 0, 0, 0, 100) };
const PEER_SHUTDOWN: NotificationMessage = { type: 'NOTIFICATION', code: 6, subcode: 2, data: Uint8Array.of(3, 0x62, 0x79, 0x65) };
const HEADER_ERR = wireError('session-reset', 1, 2, 'bad message length 18', Uint8Array.of(0, 18));
const OPEN_ERR = wireError('session-reset', 2, 4, 'unsupported optional parameter type 9');
const UPDATE_ERR = wireError('session-reset', 3, 1, 'attribute runs past the path attributes', Uint8Array.of(0x40, 1, 1, 0));

/** One event of every type of the `FsmEvent` union (the mapped type makes a missing one a compile error). */
const EVENTS: { readonly [K in FsmEvent['type']]: Extract<FsmEvent, { type: K }> } = {
  ManualStart: { type: 'ManualStart' },
  ManualStop: { type: 'ManualStop', message: 'maintenance' },
  AutomaticStart: { type: 'AutomaticStart' },
  AutomaticStop: { type: 'AutomaticStop', reason: MAX_PREFIX, notification: CEASE_MAX_PREFIX },
  ConnectRetryTimerExpires: { type: 'ConnectRetryTimerExpires' },
  HoldTimerExpires: { type: 'HoldTimerExpires' },
  KeepaliveTimerExpires: { type: 'KeepaliveTimerExpires' },
  DelayOpenTimerExpires: { type: 'DelayOpenTimerExpires' },
  IdleHoldTimerExpires: { type: 'IdleHoldTimerExpires' },
  TcpConnectionUp: { type: 'TcpConnectionUp' },
  TcpConnectionFails: { type: 'TcpConnectionFails', detail: 'connection reset by peer' },
  BGPOpen: { type: 'BGPOpen', open: peerOpen() },
  BGPHeaderErr: { type: 'BGPHeaderErr', error: HEADER_ERR },
  BGPOpenMsgErr: { type: 'BGPOpenMsgErr', error: OPEN_ERR },
  OpenCollisionDump: { type: 'OpenCollisionDump' },
  NotifMsg: { type: 'NotifMsg', notification: PEER_SHUTDOWN },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  UpdateMsg: { type: 'UpdateMsg' },
  UpdateMsgErr: { type: 'UpdateMsgErr', error: UPDATE_ERR },
  RouteRefreshMsg: { type: 'RouteRefreshMsg' },
};
type EventType = FsmEvent['type'];
const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

// ---- driving and reading results -----------------------------------------------------------------------

/** The events that lead from the initial state to each state (Active: with a passive configuration). */
const PATHS: Readonly<Record<FsmStateName, readonly FsmEvent[]>> = {
  Idle: [],
  Connect: [EVENTS.ManualStart],
  Active: [EVENTS.ManualStart],
  OpenSent: [EVENTS.ManualStart, EVENTS.TcpConnectionUp],
  OpenConfirm: [EVENTS.ManualStart, EVENTS.TcpConnectionUp, EVENTS.BGPOpen],
  Established: [EVENTS.ManualStart, EVENTS.TcpConnectionUp, EVENTS.BGPOpen, EVENTS.KeepAliveMsg],
};

const configFor = (name: FsmStateName): FsmConfig => cfg({ passive: name === 'Active' });

/** Apply events in order; returns every step's result. */
function drive(config: FsmConfig, state: FsmState, events: readonly FsmEvent[]): FsmResult[] {
  const results: FsmResult[] = [];
  for (const e of events) {
    const r = step(config, state, e);
    results.push(r);
    state = r.state;
  }
  return results;
}

function reach(name: FsmStateName, config: FsmConfig = configFor(name)): FsmState {
  const results = drive(config, INITIAL_STATE, PATHS[name]);
  const state = results.at(-1)?.state ?? INITIAL_STATE;
  expect(state.name).toBe(name);
  return state;
}

/** The messages a step sends, as `OPEN`, `KEEPALIVE` or `NOTIFICATION code/subcode`. */
function sent(r: FsmResult): string[] {
  return r.actions.flatMap((a) => {
    if (a.type !== 'send') return [];
    return [a.message.type === 'NOTIFICATION' ? `NOTIFICATION ${a.message.code}/${a.message.subcode}` : a.message.type];
  });
}

function notificationSent(r: FsmResult): NotificationMessage | undefined {
  for (const a of r.actions) if (a.type === 'send' && a.message.type === 'NOTIFICATION') return a.message;
  return undefined;
}

/** The last word of a step on a timer: its start seconds, 'stopped', or undefined when untouched. */
function timer(r: FsmResult, name: TimerName): number | 'stopped' | undefined {
  let out: number | 'stopped' | undefined;
  for (const a of r.actions) {
    if (a.type === 'start-timer' && a.timer === name) out = a.seconds;
    else if (a.type === 'stop-timer' && a.timer === name) out = 'stopped';
  }
  return out;
}

function has(r: FsmResult, type: FsmResult['actions'][number]['type']): boolean {
  return r.actions.some((a) => a.type === type);
}

function count(r: FsmResult, type: FsmResult['actions'][number]['type']): number {
  return r.actions.filter((a) => a.type === type).length;
}

// ---- the state × event table ---------------------------------------------------------------------------

interface Row {
  readonly to: FsmStateName;
  /** Messages sent, in order. */
  readonly sends?: readonly string[];
  /** DownReason code, for transitions to Idle. */
  readonly down?: DownCode;
  /** The event changes nothing: no actions, same state. */
  readonly ignored?: boolean;
  readonly connect?: boolean;
  readonly disconnect?: boolean;
  /** Expected counter for rows that stay out of Idle (default: unchanged, 0 on reaching Established). */
  readonly counter?: number;
  readonly timers?: Readonly<Partial<Record<TimerName, number | 'stopped'>>>;
}

const stay = (to: FsmStateName): Row => ({ to, ignored: true });
const down = (code: DownCode, notification?: string): Row => ({ to: 'Idle', down: code, sends: notification ? [`NOTIFICATION ${notification}`] : [] });

/** Before each event the counter is set to this, so increments and resets show. */
const COUNTER = 2;
/** The IdleHold delay armed by an error at COUNTER + 1 consecutive failures: 5 s doubled twice. */
const BACKOFF = 20;

const CONNECTING: Readonly<Record<EventType, Row>> = {
  ManualStart: stay('Connect'),
  ManualStop: down('admin-down'),
  AutomaticStart: stay('Connect'),
  AutomaticStop: down('max-prefix'),
  ConnectRetryTimerExpires: { to: 'Connect', connect: true, disconnect: true, timers: { connectRetry: 120, delayOpen: 'stopped' } },
  HoldTimerExpires: down('fsm-error'),
  KeepaliveTimerExpires: down('fsm-error'),
  DelayOpenTimerExpires: stay('Connect'), // the DelayOpen timer is not running
  IdleHoldTimerExpires: stay('Connect'),
  TcpConnectionUp: { to: 'OpenSent', sends: ['OPEN'], timers: { connectRetry: 'stopped', hold: 240 } },
  TcpConnectionFails: down('tcp-connect-failed'),
  BGPOpen: down('fsm-error'), // no OPEN can come before ours without DelayOpen
  BGPHeaderErr: down('header-error'), // no NOTIFICATION before our OPEN (SendNOTIFICATIONwithoutOPEN is off)
  BGPOpenMsgErr: down('open-error'),
  OpenCollisionDump: down('fsm-error'),
  NotifMsg: down('notification-received'),
  KeepAliveMsg: down('fsm-error'),
  UpdateMsg: down('fsm-error'),
  UpdateMsgErr: down('fsm-error'),
  RouteRefreshMsg: down('fsm-error'),
};

const TABLE: Readonly<Record<Exclude<FsmStateName, 'Idle'>, Readonly<Record<EventType, Row>>>> = {
  Connect: CONNECTING,
  // Passive: the ConnectRetry timer restarts but never leads to a connection of ours.
  Active: {
    ...CONNECTING,
    ManualStart: stay('Active'),
    AutomaticStart: stay('Active'),
    DelayOpenTimerExpires: stay('Active'),
    IdleHoldTimerExpires: stay('Active'),
    ConnectRetryTimerExpires: { to: 'Active', timers: { connectRetry: 120, delayOpen: 'stopped' } },
  },
  OpenSent: {
    ManualStart: stay('OpenSent'),
    ManualStop: down('admin-down', '6/2'),
    AutomaticStart: stay('OpenSent'),
    AutomaticStop: down('max-prefix', '6/1'),
    ConnectRetryTimerExpires: down('fsm-error', '5/0'),
    HoldTimerExpires: down('hold-timer-expired', '4/0'),
    KeepaliveTimerExpires: down('fsm-error', '5/0'),
    DelayOpenTimerExpires: down('fsm-error', '5/0'),
    IdleHoldTimerExpires: stay('OpenSent'),
    TcpConnectionUp: stay('OpenSent'), // a second connection: the peer tracks it (§6.8)
    TcpConnectionFails: down('tcp-closed'),
    BGPOpen: { to: 'OpenConfirm', sends: ['KEEPALIVE'], timers: { connectRetry: 'stopped', delayOpen: 'stopped', keepalive: 20, hold: 60 } },
    BGPHeaderErr: down('header-error', '1/2'),
    BGPOpenMsgErr: down('open-error', '2/4'),
    OpenCollisionDump: down('connection-collision', '6/7'),
    NotifMsg: down('notification-received'),
    KeepAliveMsg: down('fsm-error', '5/1'),
    UpdateMsg: down('fsm-error', '5/1'),
    UpdateMsgErr: down('fsm-error', '5/1'),
    RouteRefreshMsg: down('fsm-error', '5/1'),
  },
  OpenConfirm: {
    ManualStart: stay('OpenConfirm'),
    ManualStop: down('admin-down', '6/2'),
    AutomaticStart: stay('OpenConfirm'),
    AutomaticStop: down('max-prefix', '6/1'),
    ConnectRetryTimerExpires: down('fsm-error', '5/0'),
    HoldTimerExpires: down('hold-timer-expired', '4/0'),
    KeepaliveTimerExpires: { to: 'OpenConfirm', sends: ['KEEPALIVE'], timers: { keepalive: 20 } },
    DelayOpenTimerExpires: down('fsm-error', '5/0'),
    IdleHoldTimerExpires: stay('OpenConfirm'),
    TcpConnectionUp: stay('OpenConfirm'),
    TcpConnectionFails: down('tcp-closed'),
    BGPOpen: down('fsm-error', '5/2'),
    BGPHeaderErr: down('header-error', '1/2'),
    BGPOpenMsgErr: down('open-error', '2/4'),
    OpenCollisionDump: down('connection-collision', '6/7'),
    NotifMsg: down('notification-received'),
    KeepAliveMsg: { to: 'Established', counter: 0, timers: { hold: 60 } },
    UpdateMsg: down('fsm-error', '5/2'),
    UpdateMsgErr: down('fsm-error', '5/2'),
    RouteRefreshMsg: down('fsm-error', '5/2'),
  },
  Established: {
    ManualStart: stay('Established'),
    ManualStop: down('admin-down', '6/2'),
    AutomaticStart: stay('Established'),
    AutomaticStop: down('max-prefix', '6/1'),
    ConnectRetryTimerExpires: down('fsm-error', '5/0'),
    HoldTimerExpires: down('hold-timer-expired', '4/0'),
    KeepaliveTimerExpires: { to: 'Established', sends: ['KEEPALIVE'], timers: { keepalive: 20 } },
    DelayOpenTimerExpires: down('fsm-error', '5/0'),
    IdleHoldTimerExpires: stay('Established'),
    TcpConnectionUp: stay('Established'),
    TcpConnectionFails: down('tcp-closed'),
    BGPOpen: down('fsm-error', '5/3'),
    BGPHeaderErr: down('header-error', '1/2'),
    BGPOpenMsgErr: down('open-error', '2/4'),
    OpenCollisionDump: stay('Established'), // an Established session wins every collision
    NotifMsg: down('notification-received'),
    KeepAliveMsg: { to: 'Established', timers: { hold: 60 } },
    UpdateMsg: { to: 'Established', timers: { hold: 60 } },
    UpdateMsgErr: down('update-error', '3/1'),
    RouteRefreshMsg: { to: 'Established', timers: { hold: 60 } },
  },
};

const STATES = Object.keys(TABLE) as Exclude<FsmStateName, 'Idle'>[];

describe('FSM: every state × every event', () => {
  it('the table covers all six states and all twenty event types', () => {
    expect(EVENT_TYPES).toHaveLength(20);
    expect(STATES).toEqual(['Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established']);
    for (const s of STATES) expect(Object.keys(TABLE[s]).sort()).toEqual([...EVENT_TYPES].sort());
  });

  describe('Idle (administratively stopped)', () => {
    const before: FsmState = { ...INITIAL_STATE, connectRetryCounter: COUNTER };
    it.each(EVENT_TYPES)('%s', (type) => {
      const r = step(cfg(), before, EVENTS[type]);
      if (type === 'ManualStart') {
        expect(r.state).toMatchObject({ name: 'Connect', connectRetryCounter: 0, stopped: false });
        expect(r.actions).toEqual([
          { type: 'stop-timer', timer: 'idleHold' },
          { type: 'start-timer', timer: 'connectRetry', seconds: 120 },
          { type: 'connect' },
        ]);
        expect(r.transition).toEqual({ from: 'Idle', to: 'Connect' });
      } else if (type === 'ManualStop') {
        expect(r.state).toMatchObject({ name: 'Idle', connectRetryCounter: 0, stopped: true });
        expect(r.actions).toEqual([{ type: 'stop-timer', timer: 'idleHold' }]);
        expect(r.transition).toBeUndefined();
      } else {
        // RFC 4271 §8.2.2 Idle: every other event is ignored; AutomaticStart and IdleHold do nothing while stopped.
        expect(r.state).toEqual(before);
        expect(r.actions).toEqual([]);
        expect(r.transition).toBeUndefined();
      }
    });
  });

  for (const from of STATES) {
    describe(from, () => {
      const config = configFor(from);
      const before: FsmState = { ...reach(from, config), connectRetryCounter: COUNTER };

      it.each(EVENT_TYPES)('%s', (type) => {
        const row = TABLE[from][type];
        const r = step(config, before, EVENTS[type]);
        expect(r.state.name).toBe(row.to);
        expect(sent(r)).toEqual(row.sends ?? []);
        expect(has(r, 'connect')).toBe(Boolean(row.connect));
        // Never a connection of our own from a passive configuration.
        if (config.passive) expect(has(r, 'connect')).toBe(false);
        expect(has(r, 'session-down')).toBe(from === 'Established' && row.to === 'Idle');
        expect(has(r, 'established')).toBe(from === 'OpenConfirm' && row.to === 'Established');
        expect(has(r, 'open-received')).toBe(row.to === 'OpenConfirm' && from !== 'OpenConfirm');
        for (const [t, v] of Object.entries(row.timers ?? {})) expect(timer(r, t as TimerName), t).toBe(v);

        if (row.ignored) {
          expect(r.actions).toEqual([]);
          expect(r.state).toEqual(before);
          expect(r.transition).toBeUndefined();
          return;
        }
        if (row.to !== 'Idle') {
          expect(has(r, 'disconnect')).toBe(Boolean(row.disconnect));
          expect(r.state.connectRetryCounter).toBe(row.counter ?? COUNTER);
          expect(r.transition).toEqual(row.to === from ? undefined : { from, to: row.to });
          return;
        }

        // Every transition to Idle: reason, dropped connection, all session timers stopped.
        const reason = r.state.lastDown!;
        expect(reason.code).toBe(row.down);
        expect(reason.detail).not.toBe('');
        expect(r.transition).toEqual({ from, to: 'Idle', reason });
        expect(count(r, 'disconnect')).toBe(1);
        for (const t of ['connectRetry', 'hold', 'keepalive', 'delayOpen'] as const) expect(timer(r, t), t).toBe('stopped');
        expect(r.state.negotiated).toBeUndefined();
        expect(r.state.remoteOpen).toBeUndefined();
        if (from === 'Established') {
          expect(r.actions.find((a) => a.type === 'session-down')).toEqual({ type: 'session-down', reason });
        }
        // The NOTIFICATION goes out before the connection is dropped, and the reason records it.
        const n = notificationSent(r);
        if (n) {
          expect(r.actions.findIndex((a) => a.type === 'send')).toBeLessThan(r.actions.findIndex((a) => a.type === 'disconnect'));
          expect(reason.sent).toMatchObject({ code: n.code, subcode: n.subcode, data: n.data });
        } else {
          expect(reason.sent).toBeUndefined();
        }
        if (type === 'NotifMsg') expect(reason.received).toEqual({ code: 6, subcode: 2, data: PEER_SHUTDOWN.data });
        if (type === 'ManualStop') {
          // RFC 4271 §8.2.2: ManualStop sets the ConnectRetryCounter to zero; no automatic restart follows.
          expect(r.state.connectRetryCounter).toBe(0);
          expect(r.state.stopped).toBe(true);
          expect(timer(r, 'idleHold')).toBe('stopped');
        } else {
          // Errors increment the counter and arm the automatic restart with the back-off for that count.
          expect(r.state.connectRetryCounter).toBe(COUNTER + 1);
          expect(r.state.stopped).toBe(false);
          expect(timer(r, 'idleHold')).toBe(BACKOFF);
        }
      });
    });
  }
});

// ---- sequences ------------------------------------------------------------------------------------------

describe('FSM: NOTIFICATION contents', () => {
  it('sends the UPDATE error code, subcode and data (RFC 4271 §6.3)', () => {
    const r = step(cfg(), reach('Established'), EVENTS.UpdateMsgErr);
    expect(notificationSent(r)).toEqual({ type: 'NOTIFICATION', code: 3, subcode: 1, data: UPDATE_ERR.data });
    expect(r.state.lastDown).toMatchObject({ code: 'update-error', detail: UPDATE_ERR.reason });
  });

  it('sends the header error code, subcode and data (RFC 4271 §6.1)', () => {
    const r = step(cfg(), reach('OpenConfirm'), EVENTS.BGPHeaderErr);
    expect(notificationSent(r)).toEqual({ type: 'NOTIFICATION', code: 1, subcode: 2, data: Uint8Array.of(0, 18) });
  });

  it('HoldTimerExpires sends Hold Timer Expired 4/0 with no data', () => {
    const r = step(cfg(), reach('Established'), EVENTS.HoldTimerExpires);
    expect(notificationSent(r)).toEqual({ type: 'NOTIFICATION', code: 4, subcode: 0, data: new Uint8Array(0) });
    expect(r.state.lastDown?.code).toBe('hold-timer-expired');
  });

  it('RFC 6608: unexpected messages get the per-state subcode, unexpected timers 5/0', () => {
    expect(sent(step(cfg(), reach('OpenSent'), EVENTS.KeepAliveMsg))).toEqual(['NOTIFICATION 5/1']);
    expect(sent(step(cfg(), reach('OpenConfirm'), EVENTS.UpdateMsg))).toEqual(['NOTIFICATION 5/2']);
    expect(sent(step(cfg(), reach('Established'), EVENTS.BGPOpen))).toEqual(['NOTIFICATION 5/3']);
    expect(sent(step(cfg(), reach('OpenSent'), EVENTS.KeepaliveTimerExpires))).toEqual(['NOTIFICATION 5/0']);
    expect(sent(step(cfg(), reach('Established'), EVENTS.ConnectRetryTimerExpires))).toEqual(['NOTIFICATION 5/0']);
  });

  it('AutomaticStop sends its NOTIFICATION, or Cease/0 without one, and keeps its reason', () => {
    const withNotification = step(cfg(), reach('Established'), EVENTS.AutomaticStop);
    expect(notificationSent(withNotification)).toEqual(CEASE_MAX_PREFIX);
    expect(withNotification.state.lastDown).toMatchObject({ ...MAX_PREFIX, sent: { code: 6, subcode: 1 } });
    const bare = step(cfg(), reach('OpenSent'), { type: 'AutomaticStop', reason: { code: 'peer-deconfigured', detail: 'removed' } });
    expect(sent(bare)).toEqual(['NOTIFICATION 6/0']);
    expect(bare.state.lastDown?.code).toBe('peer-deconfigured');
    // Before our OPEN went out there is nothing to send, but the reason is still the one given.
    const early = step(cfg(), reach('Connect'), { type: 'AutomaticStop', reason: { code: 'peer-deconfigured', detail: 'removed' } });
    expect(sent(early)).toEqual([]);
    expect(early.state.lastDown).toEqual({ code: 'peer-deconfigured', detail: 'removed' });
  });

  it('OpenCollisionDump sends Cease/7 in OpenSent and OpenConfirm and is ignored in Established', () => {
    for (const from of ['OpenSent', 'OpenConfirm'] as const) {
      const r = step(cfg(), reach(from), EVENTS.OpenCollisionDump);
      expect(notificationSent(r)).toEqual({ type: 'NOTIFICATION', code: 6, subcode: 7, data: new Uint8Array(0) });
      expect(r.state.lastDown?.code).toBe('connection-collision');
    }
    const est = reach('Established');
    const r = step(cfg(), est, EVENTS.OpenCollisionDump);
    expect(r).toEqual({ state: est, actions: [] });
  });

  it('a valid OPEN that lost a collision (§6.8) gets Cease/7, never a KEEPALIVE, and goes Idle', () => {
    const r = step(cfg(), reach('OpenSent'), { type: 'BGPOpen', open: peerOpen(), collisionLost: true });
    expect(sent(r)).toEqual(['NOTIFICATION 6/7']);
    expect(r.state).toMatchObject({ name: 'Idle', connectRetryCounter: 1 });
    expect(r.state.lastDown).toMatchObject({ code: 'connection-collision', sent: { code: 6, subcode: 7 } });
    expect(has(r, 'open-received')).toBe(false);
    expect(r.transition).toMatchObject({ from: 'OpenSent', to: 'Idle', reason: { code: 'connection-collision' } });
    // While DelayOpen runs our OPEN has not gone out yet: it precedes the NOTIFICATION.
    const [, , delayed] = drive(cfg({ delayOpenTime: 5 }), INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp, { type: 'BGPOpen', open: peerOpen(), collisionLost: true }]);
    expect(sent(delayed!)).toEqual(['OPEN', 'NOTIFICATION 6/7']);
    expect(delayed!.state.name).toBe('Idle');
  });

  it('an unacceptable OPEN is answered with its OPEN error even when it would have lost a collision', () => {
    const r = step(cfg(), reach('OpenSent'), { type: 'BGPOpen', open: peerOpen({ asn: 65099 }), collisionLost: true });
    expect(sent(r)).toEqual(['NOTIFICATION 2/2']);
    expect(r.state.lastDown?.code).toBe('open-error');
  });

  it('a NOTIFICATION from the peer is recorded as received, with nothing sent back', () => {
    const r = step(cfg(), reach('Established'), EVENTS.NotifMsg);
    expect(sent(r)).toEqual([]);
    expect(r.state.lastDown).toEqual({
      code: 'notification-received', detail: 'peer sent NOTIFICATION 6/2', received: { code: 6, subcode: 2, data: PEER_SHUTDOWN.data },
    });
  });
});

describe('FSM: OPEN handling and hold time', () => {
  function openConfirm(config: FsmConfig, open: OpenMessage): FsmResult {
    const results = drive(config, INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp, { type: 'BGPOpen', open }]);
    return results.at(-1)!;
  }

  it('TCP up sends our OPEN with the large hold time', () => {
    const [, up] = drive(cfg(), INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp]);
    const open = up!.actions.find((a) => a.type === 'send');
    expect(open).toEqual({ type: 'send', message: buildLocalOpen(OFFER) });
    expect(buildLocalOpen(OFFER)).toMatchObject({ myAs: 65001, holdTime: 90, routerId: '192.0.2.1' });
    expect(timer(up!, 'hold')).toBe(240);
  });

  it('builds each OPEN from the offer it is given at that step: the R and F bits can change between OPENs', () => {
    const gr = { restartTime: 120, restarting: true, forwardingPreserved: true };
    const during = cfg({ offer: { ...OFFER, gracefulRestart: gr } });
    const after = cfg({ offer: { ...OFFER, gracefulRestart: { ...gr, restarting: false, forwardingPreserved: false } } });
    const bits = (r: FsmResult): [boolean, boolean[]] => {
      const open = r.actions.find((a) => a.type === 'send' && a.message.type === 'OPEN');
      if (open?.type !== 'send' || open.message.type !== 'OPEN') throw new Error('no OPEN sent');
      const cap = openCapabilities(open.message).find((c): c is GracefulRestartCap => c.code === 64)!;
      return [cap.restartState, cap.families.map((f) => f.forwarding)];
    };
    const connect = reach('Connect', during);
    expect(bits(step(during, connect, EVENTS.TcpConnectionUp))).toEqual([true, [true, true]]);
    expect(bits(step(after, connect, EVENTS.TcpConnectionUp))).toEqual([false, [false, false]]);
  });

  it('hold time is the smaller of both sides, keepalive a third of it', () => {
    const theirsSmaller = openConfirm(cfg(), peerOpen({ holdTime: 60 }));
    expect(theirsSmaller.state.negotiated).toMatchObject({ holdTime: 60, keepaliveTime: 20 });
    expect([timer(theirsSmaller, 'hold'), timer(theirsSmaller, 'keepalive')]).toEqual([60, 20]);
    const oursSmaller = openConfirm(cfg({ offer: { ...OFFER, holdTime: 30 } }), peerOpen({ holdTime: 180 }));
    expect(oursSmaller.state.negotiated).toMatchObject({ holdTime: 30, keepaliveTime: 10 });
    expect([timer(oursSmaller, 'hold'), timer(oursSmaller, 'keepalive')]).toEqual([30, 10]);
  });

  it('a configured keepalive below hold/3 is used; one above is capped at hold/3', () => {
    const lower = openConfirm(cfg({ offer: { ...OFFER, keepaliveTime: 7 } }), peerOpen({ holdTime: 60 }));
    expect(timer(lower, 'keepalive')).toBe(7);
    const higher = openConfirm(cfg({ offer: { ...OFFER, keepaliveTime: 50 } }), peerOpen({ holdTime: 60 }));
    expect(timer(higher, 'keepalive')).toBe(20);
    expect(higher.state.negotiated?.keepaliveTime).toBe(20);
  });

  it('hold time 0 runs neither keepalive nor hold timer, in OpenConfirm or Established', () => {
    const config = cfg();
    const oc = openConfirm(config, peerOpen({ holdTime: 0 }));
    expect(oc.state.negotiated).toMatchObject({ holdTime: 0, keepaliveTime: 0 });
    expect(oc.actions.filter((a) => a.type === 'start-timer')).toEqual([]);
    expect([timer(oc, 'hold'), timer(oc, 'keepalive')]).toEqual(['stopped', 'stopped']);
    const est = step(config, oc.state, EVENTS.KeepAliveMsg);
    expect(est.state.name).toBe('Established');
    expect(est.actions.filter((a) => a.type === 'start-timer')).toEqual([]);
    const update = step(config, est.state, EVENTS.UpdateMsg);
    expect(update.actions.filter((a) => a.type === 'start-timer')).toEqual([]);
  });

  it('reaching Established reports the negotiated session once and resets the counter', () => {
    const config = cfg();
    const oc = openConfirm(config, peerOpen());
    expect(oc.actions.filter((a) => a.type === 'open-received')).toEqual([{ type: 'open-received', negotiated: oc.state.negotiated }]);
    const est = step(config, { ...oc.state, connectRetryCounter: 4 }, EVENTS.KeepAliveMsg);
    expect(est.actions).toEqual([
      { type: 'start-timer', timer: 'hold', seconds: 60 },
      { type: 'established', negotiated: oc.state.negotiated },
    ]);
    expect(est.state).toMatchObject({ name: 'Established', connectRetryCounter: 0 });
    expect(est.transition).toEqual({ from: 'OpenConfirm', to: 'Established' });
  });

  it('an unacceptable OPEN in OpenSent sends the OPEN error and goes Idle', () => {
    const r = step(cfg(), reach('OpenSent'), { type: 'BGPOpen', open: peerOpen({ asn: 65099 }) });
    expect(notificationSent(r)).toEqual({ type: 'NOTIFICATION', code: 2, subcode: 2, data: Uint8Array.of(65099 >> 8, 65099 & 0xff) });
    expect(r.state).toMatchObject({ name: 'Idle', connectRetryCounter: 1 });
    expect(r.state.lastDown).toMatchObject({ code: 'open-error', sent: { code: 2, subcode: 2 } });
    expect(has(r, 'open-received')).toBe(false);
    expect(timer(r, 'idleHold')).toBe(5);
  });
});

describe('FSM: DelayOpen', () => {
  const config = cfg({ delayOpenTime: 5 });

  it('TCP up arms DelayOpen and sends no OPEN', () => {
    const [, up] = drive(config, INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp]);
    expect(up!.state).toMatchObject({ name: 'Connect', delayOpenRunning: true });
    expect(up!.actions).toEqual([{ type: 'stop-timer', timer: 'connectRetry' }, { type: 'start-timer', timer: 'delayOpen', seconds: 5 }]);
    expect(up!.transition).toBeUndefined();
  });

  it('DelayOpen expiry sends our OPEN and goes to OpenSent', () => {
    const [, , expiry] = drive(config, INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp, EVENTS.DelayOpenTimerExpires]);
    expect(sent(expiry!)).toEqual(['OPEN']);
    expect(timer(expiry!, 'hold')).toBe(240);
    expect(expiry!.state).toMatchObject({ name: 'OpenSent', delayOpenRunning: false });
  });

  it('an OPEN during DelayOpen is answered with OPEN + KEEPALIVE and goes to OpenConfirm', () => {
    const [, , open] = drive(config, INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp, EVENTS.BGPOpen]);
    expect(sent(open!)).toEqual(['OPEN', 'KEEPALIVE']);
    expect(open!.state).toMatchObject({ name: 'OpenConfirm', delayOpenRunning: false });
    expect([timer(open!, 'delayOpen'), timer(open!, 'connectRetry'), timer(open!, 'keepalive'), timer(open!, 'hold')])
      .toEqual(['stopped', 'stopped', 20, 60]);
    expect(has(open!, 'open-received')).toBe(true);
    expect(open!.transition).toEqual({ from: 'Connect', to: 'OpenConfirm' });
  });

  it('the same holds for a passive peer in Active', () => {
    const passive = cfg({ delayOpenTime: 5, passive: true });
    const [start, up, open] = drive(passive, INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp, EVENTS.BGPOpen]);
    expect(start!.state.name).toBe('Active');
    expect(up!.state).toMatchObject({ name: 'Active', delayOpenRunning: true });
    expect(sent(open!)).toEqual(['OPEN', 'KEEPALIVE']);
    expect(open!.state.name).toBe('OpenConfirm');
  });

  it('an unacceptable OPEN during DelayOpen gets our OPEN, then the NOTIFICATION', () => {
    const [, , r] = drive(config, INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp, { type: 'BGPOpen', open: peerOpen({ asn: 65099 }) }]);
    expect(sent(r!)).toEqual(['OPEN', 'NOTIFICATION 2/2']);
    expect(r!.state.lastDown?.code).toBe('open-error');
  });

  it('RFC 4271 §8.2.2 Connect: TCP failure while DelayOpen runs goes to Active and keeps listening', () => {
    const [, , r] = drive(config, INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp, EVENTS.TcpConnectionFails]);
    expect(r!.state).toMatchObject({ name: 'Active', delayOpenRunning: false, connectRetryCounter: 0 });
    expect(r!.actions).toEqual([
      { type: 'disconnect' }, { type: 'stop-timer', timer: 'delayOpen' }, { type: 'start-timer', timer: 'connectRetry', seconds: 120 },
    ]);
    // ... and the ConnectRetry timer then tries again from Active.
    const retry = step(config, r!.state, EVENTS.ConnectRetryTimerExpires);
    expect(retry.state.name).toBe('Connect');
    expect(has(retry, 'connect')).toBe(true);
  });

  it('RFC 4271 §8.2.2 Active: TCP failure goes to Idle, even while DelayOpen runs', () => {
    const passive = cfg({ delayOpenTime: 5, passive: true });
    const [, , r] = drive(passive, INITIAL_STATE, [EVENTS.ManualStart, EVENTS.TcpConnectionUp, EVENTS.TcpConnectionFails]);
    expect(r!.state).toMatchObject({ name: 'Idle', connectRetryCounter: 1 });
    expect(r!.state.lastDown?.code).toBe('tcp-connect-failed');
    expect(timer(r!, 'delayOpen')).toBe('stopped');
    expect(timer(r!, 'idleHold')).toBe(5);
  });
});

describe('FSM: passive peers', () => {
  const passive = cfg({ passive: true });

  it('never emit connect: not on start, ConnectRetry expiry, or automatic restart', () => {
    const results = drive(passive, INITIAL_STATE, [
      EVENTS.ManualStart, EVENTS.ConnectRetryTimerExpires, EVENTS.ConnectRetryTimerExpires,
      EVENTS.TcpConnectionUp, EVENTS.TcpConnectionFails, EVENTS.IdleHoldTimerExpires, EVENTS.ConnectRetryTimerExpires,
    ]);
    expect(results.map((r) => r.state.name)).toEqual(['Active', 'Active', 'Active', 'OpenSent', 'Idle', 'Active', 'Active']);
    for (const r of results) expect(has(r, 'connect')).toBe(false);
    expect(timer(results[1]!, 'connectRetry')).toBe(120);
  });
});

describe('FSM: manual stop and reset', () => {
  const MESSAGE = 'maintenance — back at 14:00';
  const bytes = Buffer.from(MESSAGE, 'utf8');

  for (const from of ['OpenSent', 'OpenConfirm', 'Established'] as const) {
    it(`ManualStop in ${from} sends Cease/2 with the RFC 9003 message and stays down`, () => {
      const config = cfg();
      const r = step(config, { ...reach(from), connectRetryCounter: 3 }, { type: 'ManualStop', message: MESSAGE });
      expect(notificationSent(r)).toEqual({ type: 'NOTIFICATION', code: 6, subcode: 2, data: Uint8Array.from([bytes.length, ...bytes]) });
      expect(bytes.length).toBe(MESSAGE.length + 2); // the em dash takes three octets
      expect(r.state).toMatchObject({ name: 'Idle', stopped: true, connectRetryCounter: 0 });
      expect(r.state.lastDown).toMatchObject({ code: 'admin-down', sent: { code: 6, subcode: 2, message: MESSAGE } });
      expect(r.state.lastDown?.detail).toContain(MESSAGE);
      expect(r.actions.some((a) => a.type === 'start-timer')).toBe(false);
      expect(timer(r, 'idleHold')).toBe('stopped');
      expect(has(r, 'session-down')).toBe(from === 'Established');
      // Nothing restarts: neither a (stale) IdleHold expiry nor an automatic start.
      for (const e of [EVENTS.IdleHoldTimerExpires, EVENTS.AutomaticStart]) {
        const after = step(config, r.state, e);
        expect(after.state).toEqual(r.state);
        expect(after.actions).toEqual([]);
      }
      // A manual start does.
      expect(step(config, r.state, EVENTS.ManualStart).state).toMatchObject({ name: 'Connect', stopped: false });
    });
  }

  it('ManualStop without a message sends Cease/2 with no data', () => {
    const r = step(cfg(), reach('Established'), { type: 'ManualStop' });
    expect(notificationSent(r)).toEqual({ type: 'NOTIFICATION', code: 6, subcode: 2, data: new Uint8Array(0) });
    expect(r.state.lastDown).toEqual({ code: 'admin-down', detail: 'administratively shut down', sent: { code: 6, subcode: 2, data: new Uint8Array(0) } });
  });

  it('ManualStop before our OPEN sends nothing', () => {
    for (const from of ['Connect', 'Active'] as const) {
      const r = step(configFor(from), reach(from), { type: 'ManualStop', message: MESSAGE });
      expect(sent(r)).toEqual([]);
      expect(r.state).toMatchObject({ name: 'Idle', stopped: true });
      expect(r.state.lastDown).toEqual({ code: 'admin-down', detail: `administratively shut down: ${MESSAGE}` });
    }
  });

  for (const from of ['OpenSent', 'OpenConfirm', 'Established'] as const) {
    it(`ManualStop with reset in ${from} sends Cease/4 and re-arms the restart`, () => {
      const config = cfg();
      const r = step(config, { ...reach(from), connectRetryCounter: 3 }, { type: 'ManualStop', message: MESSAGE, reset: true });
      expect(notificationSent(r)).toEqual({ type: 'NOTIFICATION', code: 6, subcode: 4, data: Uint8Array.from([bytes.length, ...bytes]) });
      // RFC 4271 §8.2.2: a ManualStop sets the ConnectRetryCounter to zero, reset or not.
      expect(r.state).toMatchObject({ name: 'Idle', stopped: false, connectRetryCounter: 0 });
      expect(r.state.lastDown).toMatchObject({ code: 'admin-reset', sent: { code: 6, subcode: 4, message: MESSAGE } });
      expect(timer(r, 'idleHold')).toBe(1);
      const restart = step(config, r.state, EVENTS.IdleHoldTimerExpires);
      expect(restart.state.name).toBe('Connect');
      expect(has(restart, 'connect')).toBe(true);
    });
  }

  it('a reset restarts even with automatic start disabled', () => {
    const config = cfg({ allowAutomaticStart: false });
    const r = step(config, reach('Established', config), { type: 'ManualStop', reset: true });
    expect(r.state.stopped).toBe(false);
    expect(timer(r, 'idleHold')).toBe(1);
    expect(step(config, r.state, EVENTS.IdleHoldTimerExpires).state.name).toBe('Connect');
  });

  it('a reset in Idle while waiting to restart clears the back-off and restarts soon', () => {
    const config = cfg();
    const failed = step(config, { ...reach('Connect'), connectRetryCounter: 5 }, EVENTS.TcpConnectionFails);
    expect(timer(failed, 'idleHold')).toBe(160);
    const r = step(config, failed.state, { type: 'ManualStop', reset: true });
    expect(r.state).toMatchObject({ name: 'Idle', stopped: false, connectRetryCounter: 0 });
    expect(timer(r, 'idleHold')).toBe(1);
    expect(sent(r)).toEqual([]);
    expect(step(config, r.state, EVENTS.IdleHoldTimerExpires).state.name).toBe('Connect');
  });

  it('a reset in Idle after a manual stop keeps the peer down', () => {
    const config = cfg();
    const stopped = step(config, reach('Established'), { type: 'ManualStop' }).state;
    const r = step(config, stopped, { type: 'ManualStop', reset: true });
    expect(r.state).toMatchObject({ name: 'Idle', stopped: true, connectRetryCounter: 0 });
    expect(r.actions.some((a) => a.type === 'start-timer')).toBe(false);
  });
});

describe('FSM: automatic restart', () => {
  it('arms IdleHold after each error, doubling per consecutive failure up to idleHoldMax', () => {
    const config = cfg();
    let state = step(config, INITIAL_STATE, EVENTS.ManualStart).state;
    const delays: (number | 'stopped' | undefined)[] = [];
    for (let i = 1; i <= 9; i++) {
      const fail = step(config, state, { type: 'TcpConnectionFails', detail: 'connection refused' });
      expect(fail.state).toMatchObject({ name: 'Idle', connectRetryCounter: i, stopped: false });
      expect(fail.state.lastDown?.code).toBe('tcp-connect-failed');
      delays.push(timer(fail, 'idleHold'));
      const restart = step(config, fail.state, EVENTS.IdleHoldTimerExpires);
      expect(restart.state).toMatchObject({ name: 'Connect', connectRetryCounter: i });
      expect(restart.actions).toEqual([
        { type: 'stop-timer', timer: 'idleHold' },
        { type: 'start-timer', timer: 'connectRetry', seconds: 120 },
        { type: 'connect' },
      ]);
      expect(restart.transition).toEqual({ from: 'Idle', to: 'Connect' });
      state = restart.state;
    }
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 300, 300, 300]);

    // Reaching Established resets the count: the next failure waits the first delay again.
    const [, , est] = drive(config, state, [EVENTS.TcpConnectionUp, EVENTS.BGPOpen, EVENTS.KeepAliveMsg]);
    expect(est!.state).toMatchObject({ name: 'Established', connectRetryCounter: 0 });
    const hold = step(config, est!.state, EVENTS.HoldTimerExpires);
    expect(hold.state.connectRetryCounter).toBe(1);
    expect(timer(hold, 'idleHold')).toBe(5);
  });

  it('an AutomaticStart also restarts a peer that is not stopped', () => {
    const config = cfg();
    const failed = step(config, reach('Connect'), EVENTS.TcpConnectionFails).state;
    expect(step(config, failed, EVENTS.AutomaticStart).state.name).toBe('Connect');
  });

  it('restarts into Active when passive', () => {
    const config = cfg({ passive: true });
    const failed = step(config, reach('OpenSent', config), EVENTS.HoldTimerExpires);
    expect(timer(failed, 'idleHold')).toBe(5);
    const restart = step(config, failed.state, EVENTS.IdleHoldTimerExpires);
    expect(restart.state.name).toBe('Active');
    expect(has(restart, 'connect')).toBe(false);
    expect(timer(restart, 'connectRetry')).toBe(120);
  });

  it('does not restart when automatic start is disabled', () => {
    const config = cfg({ allowAutomaticStart: false });
    const failed = step(config, reach('Established', config), EVENTS.HoldTimerExpires);
    expect(failed.state).toMatchObject({ name: 'Idle', stopped: true, connectRetryCounter: 1 });
    expect(failed.actions.some((a) => a.type === 'start-timer')).toBe(false);
    expect(step(config, failed.state, EVENTS.IdleHoldTimerExpires).actions).toEqual([]);
    expect(step(config, failed.state, EVENTS.ManualStart).state).toMatchObject({ name: 'Connect', connectRetryCounter: 0 });
  });

  it('nothing restarts after a ManualStop, in any state', () => {
    for (const from of ['Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const) {
      const config = configFor(from);
      const r = step(config, reach(from, config), EVENTS.ManualStop);
      expect(r.actions.some((a) => a.type === 'start-timer'), from).toBe(false);
      for (const e of [EVENTS.IdleHoldTimerExpires, EVENTS.AutomaticStart, EVENTS.ConnectRetryTimerExpires, EVENTS.TcpConnectionUp]) {
        expect(step(config, r.state, e).state, `${from} then ${e.type}`).toEqual(r.state);
      }
    }
  });
});
