/**
 * Sessions over real TCP on loopback (127.0.0.0/8 only): two tern speakers peering with each other, and a
 * hand-driven raw peer for misbehaviour. Timers are real but short.
 */
import { createServer, connect, type Socket, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/common/clock.js';
import { silentLogger } from '../../src/common/logger.js';
import type { FsmConfig } from '../../src/bgp/fsm.js';
import type { LocalOffer } from '../../src/bgp/negotiate.js';
import type { Peer, PeerListener, PeerSettings } from '../../src/bgp/peer.js';
import { BgpSpeaker } from '../../src/bgp/speaker.js';
import {
  buildOpen, buildUpdate, decodeMessage, encodeMessage, Framer, KEEPALIVE, makeContext, shutdownCommunication,
  type BgpMessage, type NotificationMessage,
} from '../../src/bgp/wire/index.js';
import { until } from '../helpers/until.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function basePort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

interface Recorder extends PeerListener {
  events: string[];
  updates: number;
}

function recorder(): Recorder {
  const r: Recorder = {
    events: [],
    updates: 0,
    established: (p) => r.events.push(`established ${p.settings.key}`),
    update: () => { r.updates++; },
    routeRefresh: () => r.events.push('route-refresh'),
    down: (p, reason) => r.events.push(`down ${p.settings.key} ${reason.code}`),
  };
  return r;
}

function offer(routerId: string, asn: number, holdTime = 9): LocalOffer {
  return { asn, routerId, holdTime, families: ['ipv4-unicast', 'ipv6-unicast'], extendedMessage: true };
}

function fsmConfig(o: LocalOffer, remoteAs: number | 'any', extra: Partial<FsmConfig> = {}): FsmConfig {
  return {
    offer: o, expect: { remoteAs }, passive: false, connectRetryTime: 1, delayOpenTime: 0, largeHoldTime: 240,
    idleHoldTime: 1, idleHoldMax: 2, allowAutomaticStart: true, ...extra,
  };
}

function settings(address: string, port: number, local: string, fsm: FsmConfig): PeerSettings {
  return { key: address, address, port, localAddress: local, fsm, maxQueuedBytes: 1 << 24, dynamic: false };
}

async function speaker(address: string, port: number, listener: PeerListener): Promise<BgpSpeaker> {
  const s = new BgpSpeaker({ listen: { address, port }, ranges: [], logger: silentLogger }, { clock: systemClock, logger: silentLogger, listener });
  await s.listen();
  cleanups.push(() => s.close());
  return s;
}


describe('two tern speakers on loopback', { timeout: 20_000 }, () => {
  it('establish a session with negotiated capabilities, and an admin shutdown reaches the other side with its message', async () => {
    const port = basePort();
    const ra = recorder();
    const rb = recorder();
    const a = await speaker('127.0.0.1', port, ra);
    const b = await speaker('127.0.0.2', port, rb);
    const pa = a.addPeer(settings('127.0.0.2', port, '127.0.0.1', fsmConfig(offer('10.0.0.1', 65001, 9), 65002)));
    const pb = b.addPeer(settings('127.0.0.1', port, '127.0.0.2', fsmConfig(offer('10.0.0.2', 65002, 30), 65001, { passive: true })));
    b.startAll();
    a.startAll();
    await until('both Established', () => pa.state === 'Established' && pb.state === 'Established');
    expect(pa.negotiated).toMatchObject({ peerAs: 65002, peerRouterId: '10.0.0.2', holdTime: 9, keepaliveTime: 3, as4: true, extendedMessage: true });
    expect(pa.negotiated!.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    expect(pb.negotiated).toMatchObject({ peerAs: 65001, holdTime: 9 });

    pa.stop('maintenance window 42');
    await until('b down', () => pb.state !== 'Established');
    expect(pb.lastDownReason?.code).toBe('notification-received');
    const n = pb.lastDownReason!.received!;
    expect([n.code, n.subcode]).toEqual([6, 2]);
    expect(shutdownCommunication({ type: 'NOTIFICATION', ...n })).toBe('maintenance window 42');
    expect(pa.lastDownReason).toMatchObject({ code: 'admin-down', sent: { code: 6, subcode: 2, message: 'maintenance window 42' } });
    expect(rb.events).toContain('down 127.0.0.1 notification-received');
    // A stopped peer stays down.
    await new Promise((r) => setTimeout(r, 1500));
    expect(pa.state).toBe('Idle');
  });

  it('resolve a connection collision by BGP identifier and keep exactly one session', async () => {
    const port = basePort();
    const a = await speaker('127.0.0.1', port, recorder());
    const b = await speaker('127.0.0.2', port, recorder());
    // Both sides connect at once; a's identifier is higher, so a's outgoing connection must survive.
    const pa = a.addPeer(settings('127.0.0.2', port, '127.0.0.1', fsmConfig(offer('10.0.0.9', 65001), 65002)));
    const pb = b.addPeer(settings('127.0.0.1', port, '127.0.0.2', fsmConfig(offer('10.0.0.2', 65002), 65001)));
    a.startAll();
    b.startAll();
    await until('both Established', () => pa.state === 'Established' && pb.state === 'Established');
    await new Promise((r) => setTimeout(r, 500));
    expect(pa.state).toBe('Established');
    expect(pb.state).toBe('Established');
    // a has the higher identifier: the connection a initiated carries the session on both sides.
    expect(pa.sessionDirection).toBe('outgoing');
    expect(pb.sessionDirection).toBe('incoming');
    expect(pa.negotiated?.peerRouterId).toBe('10.0.0.2');
  });
});

/** Records what tern sends on one raw connection (into `received`). */
function recordOn(socket: Socket, received: BgpMessage[] = []): BgpMessage[] {
  const framer = new Framer(65535);
  socket.on('data', (chunk) => {
    for (const m of framer.push(chunk).messages) {
      const r = decodeMessage(m, makeContext({}));
      if (r.message) received.push(r.message);
    }
  });
  socket.on('error', () => {});
  return received;
}

/** A scripted peer: accepts tern's connection and lets the test speak raw BGP. */
async function rawPeer(address: string, port: number): Promise<{ server: Server; socket: Promise<Socket>; received: BgpMessage[] }> {
  const received: BgpMessage[] = [];
  let resolveSocket!: (s: Socket) => void;
  const socket = new Promise<Socket>((r) => (resolveSocket = r));
  const server = createServer((s) => {
    recordOn(s, received);
    resolveSocket(s);
  });
  await new Promise<void>((r) => server.listen(port, address, () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  cleanups.push(async () => {
    (await Promise.race([socket, Promise.resolve(undefined)]))?.destroy();
  });
  return { server, socket, received };
}

describe('a tern peer facing a scripted peer', { timeout: 20_000 }, () => {
  async function established(hold: number) {
    const port = basePort();
    const raw = await rawPeer('127.0.0.3', port);
    const rec = recorder();
    const s = new BgpSpeaker({ ranges: [], logger: silentLogger }, { clock: systemClock, logger: silentLogger, listener: rec });
    cleanups.push(() => s.close());
    const peer = s.addPeer(settings('127.0.0.3', port, '127.0.0.1', fsmConfig(offer('10.0.0.1', 65001, hold), 65003)));
    peer.start();
    const sock = await raw.socket;
    const ctx = makeContext({});
    sock.write(encodeMessage(buildOpen({ asn: 65003, holdTime: hold, routerId: '10.0.0.3', capabilities: [{ code: 65, name: 'four-octet-as', asn: 65003 }] }), ctx));
    sock.write(encodeMessage(KEEPALIVE, ctx));
    await until('Established', () => peer.state === 'Established');
    return { peer, sock, raw, rec, ctx };
  }

  it('expires the hold timer of a silent peer and sends NOTIFICATION 4/0', async () => {
    const { peer, raw } = await established(3);
    await until('hold timer expiry', () => peer.state !== 'Established', 8000);
    expect(peer.lastDownReason?.code).toBe('hold-timer-expired');
    await until('notification seen', () => raw.received.some((m) => m.type === 'NOTIFICATION'));
    const n = raw.received.find((m) => m.type === 'NOTIFICATION') as NotificationMessage;
    expect([n.code, n.subcode]).toEqual([4, 0]);
  });

  it('restarts the hold timer at every KEEPALIVE: the session outlives its hold time while they come, not after', async () => {
    const { peer, sock, ctx } = await established(3);
    const start = Date.now();
    let last = start;
    // A KEEPALIVE a second for 4.5 s: past the 3 s hold time of the first one, the timer must have restarted.
    while (Date.now() - start < 4500) {
      await new Promise((r) => setTimeout(r, 1000));
      sock.write(encodeMessage(KEEPALIVE, ctx));
      last = Date.now();
      expect(peer.state).toBe('Established');
    }
    await until('hold timer expiry', () => peer.state !== 'Established', 8000);
    // Never before the hold time since the last KEEPALIVE (a lower bound: a slow machine only makes it later).
    expect(Date.now() - last).toBeGreaterThanOrEqual(2900);
    expect(peer.lastDownReason?.code).toBe('hold-timer-expired');
  });

  it('remembers why the session went down while later connection attempts fail for other reasons', async () => {
    const { peer, raw } = await established(3);
    await until('hold timer expiry', () => peer.state !== 'Established', 8000);
    // No one listens any more: the automatic restarts are refused.
    await new Promise<void>((r) => raw.server.close(() => r()));
    await until('a refused reconnect', () => peer.lastErrorReason?.code === 'tcp-connect-failed', 8000);
    expect(peer.lastDownReason?.code).toBe('hold-timer-expired');
  });

  it('keeps the session on a treat-as-withdraw UPDATE and resets it on a bad marker with 1/1', async () => {
    const { peer, sock, rec, ctx, raw } = await established(30);
    const good = encodeMessage(buildUpdate({ nlri: ['10.1.0.0/24'], attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns: [65003] }] }, { type: 'next-hop', nextHop: '127.0.0.3' }] }, ctx), ctx);
    // Same UPDATE without NEXT_HOP: missing well-known attribute → treat-as-withdraw (RFC 7606 §3 (d)).
    const bad = encodeMessage(buildUpdate({ nlri: ['10.2.0.0/24'], attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns: [65003] }] }] }, ctx), ctx);
    sock.write(good);
    sock.write(bad);
    await until('two updates delivered', () => rec.updates === 2);
    expect(peer.state).toBe('Established');
    const garbage = Uint8Array.from(good);
    garbage[3] = 0;
    sock.write(garbage);
    await until('reset', () => peer.state !== 'Established');
    expect(peer.lastDownReason?.code).toBe('header-error');
    await until('notification seen', () => raw.received.some((m) => m.type === 'NOTIFICATION'));
    const n = raw.received.find((m) => m.type === 'NOTIFICATION') as NotificationMessage;
    expect([n.code, n.subcode]).toEqual([1, 1]);
  });
});

describe('listen ranges', () => {
  it('accept any peer inside the range up to the limit and refuse the rest', async () => {
    const port = basePort();
    const rec = recorder();
    const rrOffer = offer('10.0.0.100', 65000, 30);
    const s = new BgpSpeaker({
      listen: { address: '127.0.0.1', port },
      logger: silentLogger,
      ranges: [{ prefix: '127.0.0.0/8', limit: 3, settingsFor: (address) => settings(address, port, '127.0.0.1', fsmConfig(rrOffer, 65000, { passive: true })) }],
    }, { clock: systemClock, logger: silentLogger, listener: rec });
    await s.listen();
    cleanups.push(() => s.close());
    const clients: Socket[] = [];
    cleanups.push(() => clients.forEach((c) => c.destroy()));
    const ctx = makeContext({});
    for (let i = 0; i < 4; i++) {
      const c = connect({ host: '127.0.0.1', port, localAddress: `127.0.1.${i + 1}` });
      c.on('error', () => {});
      clients.push(c);
      await new Promise<void>((r) => c.once('connect', () => r()));
      c.write(encodeMessage(buildOpen({ asn: 65000, holdTime: 30, routerId: `10.0.1.${i + 1}`, capabilities: [{ code: 65, name: 'four-octet-as', asn: 65000 }] }), ctx));
      c.write(encodeMessage(KEEPALIVE, ctx));
    }
    await until('three dynamic peers Established', () => s.allPeers().filter((p: Peer) => p.state === 'Established').length === 3);
    expect(s.allPeers().map((p) => p.settings.key).sort()).toEqual(['127.0.1.1', '127.0.1.2', '127.0.1.3']);
    expect(s.allPeers().every((p) => p.settings.dynamic)).toBe(true);
    await until('fourth refused', () => clients[3]!.destroyed || clients[3]!.readableEnded, 3000);
  });
});

describe('a peer that does not read', { timeout: 20_000 }, () => {
  it('is reset with a named reason once its output queue passes the limit, and the speaker keeps running', async () => {
    const port = basePort();
    const raw = await rawPeer('127.0.0.4', port);
    const rec = recorder();
    const s = new BgpSpeaker({ ranges: [], logger: silentLogger }, { clock: systemClock, logger: silentLogger, listener: rec });
    cleanups.push(() => s.close());
    const peer = s.addPeer({ ...settings('127.0.0.4', port, '127.0.0.1', fsmConfig(offer('10.0.0.1', 65001, 30), 65004)), maxQueuedBytes: 1 << 20 });
    peer.start();
    const sock = await raw.socket;
    const ctx = makeContext({});
    sock.write(encodeMessage(buildOpen({ asn: 65004, holdTime: 30, routerId: '10.0.0.4', capabilities: [{ code: 65, name: 'four-octet-as', asn: 65004 }] }), ctx));
    sock.write(encodeMessage(KEEPALIVE, ctx));
    await until('Established', () => peer.state === 'Established');
    sock.pause(); // stop reading: the kernel buffers fill, then Node's queue grows
    const chunk = encodeMessage(buildUpdate({ nlri: Array.from({ length: 900 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`), attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [] }, { type: 'next-hop', nextHop: '127.0.0.1' }] }, ctx), ctx);
    for (let i = 0; i < 4000 && peer.state === 'Established'; i++) peer.sendRaw(chunk, 1);
    expect(peer.state).not.toBe('Established');
    expect(peer.lastDownReason?.code).toBe('output-queue-full');
    expect(peer.lastDownReason?.sent).toMatchObject({ code: 6, subcode: 8 });
  });
});

describe('a connection collision with a scripted peer (RFC 4271 §6.8)', { timeout: 20_000 }, () => {
  interface Case { name: string; tern: [string, number]; raw: [string, number]; firstOn: 'ours' | 'theirs'; survivor: 'outgoing' | 'incoming' }
  const cases: Case[] = [
    { name: 'we dominate, their connection carries the first OPEN: it gets Cease/7 and no KEEPALIVE', tern: ['10.0.0.9', 65001], raw: ['10.0.0.2', 65006], firstOn: 'theirs', survivor: 'outgoing' },
    { name: 'they dominate, our connection carries the first OPEN: it gets Cease/7 and no KEEPALIVE', tern: ['10.0.0.2', 65001], raw: ['10.0.0.9', 65006], firstOn: 'ours', survivor: 'incoming' },
    { name: 'equal identifiers, their AS is larger (RFC 6286 §2.3): their connection survives', tern: ['10.0.0.5', 65001], raw: ['10.0.0.5', 65006], firstOn: 'ours', survivor: 'incoming' },
    { name: 'we dominate, our connection carries the first OPEN: it is confirmed and theirs gets Cease/7', tern: ['10.0.0.9', 65001], raw: ['10.0.0.2', 65006], firstOn: 'ours', survivor: 'outgoing' },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const port = basePort();
      const raw = await rawPeer('127.0.0.6', port);
      const s = await speaker('127.0.0.1', port, recorder());
      const peer = s.addPeer(settings('127.0.0.6', port, '127.0.0.1', fsmConfig(offer(c.tern[0], c.tern[1], 30), c.raw[1])));
      peer.start();
      // Ours: the connection tern opened to the scripted peer. Theirs: one the scripted peer opens to tern.
      const ours = await raw.socket;
      const theirs = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.6' });
      cleanups.push(() => void theirs.destroy());
      const onTheirs = recordOn(theirs);
      const onOurs = raw.received;
      await until('tern OPEN on both connections', () => onOurs.some((m) => m.type === 'OPEN') && onTheirs.some((m) => m.type === 'OPEN'));

      const ctx = makeContext({});
      const open = encodeMessage(buildOpen({ asn: c.raw[1], holdTime: 30, routerId: c.raw[0], capabilities: [{ code: 65, name: 'four-octet-as', asn: c.raw[1] }] }), ctx);
      const [first, firstSeen] = c.firstOn === 'ours' ? [ours, onOurs] : [theirs, onTheirs];
      const [second, secondSeen] = c.firstOn === 'ours' ? [theirs, onTheirs] : [ours, onOurs];
      first.write(open);
      const firstIsSurvivor = (c.firstOn === 'ours') === (c.survivor === 'outgoing');
      const [loserSeen, survivorSocket, survivorSeen] = firstIsSurvivor ? [secondSeen, first, firstSeen] : [firstSeen, second, secondSeen];
      await until('Cease on the loser', () => loserSeen.some((m) => m.type === 'NOTIFICATION'));
      expect(loserSeen.map((m) => m.type)).toEqual(['OPEN', 'NOTIFICATION']);
      const cease = loserSeen[1] as NotificationMessage;
      expect([cease.code, cease.subcode]).toEqual([6, 7]);

      if (!firstIsSurvivor) survivorSocket.write(open);
      survivorSocket.write(encodeMessage(KEEPALIVE, ctx));
      await until('Established', () => peer.state === 'Established');
      expect(peer.sessionDirection).toBe(c.survivor);
      expect(survivorSeen.map((m) => m.type).slice(0, 2)).toEqual(['OPEN', 'KEEPALIVE']);
      expect(survivorSeen.some((m) => m.type === 'NOTIFICATION')).toBe(false);
    });
  }
});
