// Connection collision (RFC 4271 §6.8) between ternd and real BIRD 2 and FRR. Both ends of every session
// connect at the same moment, so two TCP connections exist and ternd is in OpenSent on both when the first
// OPEN arrives. Exactly one must survive on both sides: the one initiated by the speaker with the higher BGP
// identifier (the larger AS when the identifiers are equal, RFC 6286 §2.3). The loser is closed with
// NOTIFICATION Cease / Connection Collision Resolution (RFC 4486 subcode 7), read back from a capture with
// tshark, and the survivor stays up for more than a hold time.
//
// How the collision is forced: the peers sit behind a router namespace whose forwarding is off, so every
// speaker's first SYN is lost and retried. Once each has one stuck, all speakers are frozen (SIGSTOP), the
// router starts forwarding, and the kernels complete both handshakes of each pair on their own. ternd wakes
// first and sends its OPEN on both connections; then the peers wake and find ternd's OPENs waiting.
// GoBGP is left out: it keeps a single connection per neighbour and closes any second one without a BGP
// message (no §6.8 resolution to test).
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, gatedStar, notYet, startBird, startCapture, startFrr, startTernd, waitFor, type Capture, type Lab, type LabProcess, type WireMessage } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird', 'frr']);
const title = suite.title;

const TERN = { address: '10.77.99.1', asn: 65001 };
const BIRD = { address: '10.77.1.2', asn: 65002 };
const FRR = { address: '10.77.2.2', asn: 65003 };
/** Long enough that no speaker gives up its one stuck attempt and opens another while the test runs. */
const CONNECT_RETRY = 60;

interface Case {
  readonly name: string;
  readonly ternId: string;
  readonly birdId: string;
  /** FRR joins when set. */
  readonly frrId?: string;
}

interface Sock { readonly local: string; readonly localPort: number; readonly remote: string; readonly remotePort: number }

/** TCP sockets in one state inside a namespace, from `ss`. */
async function sockets(lab: Lab, ns: string, state: 'syn-sent' | 'established'): Promise<Sock[]> {
  const out = await lab.exec(ns, 'ss', ['-Htn', 'state', state]);
  return out.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const cols = line.trim().split(/\s+/);
    const [local, localPort] = splitEndpoint(cols[cols.length - 2]!);
    const [remote, remotePort] = splitEndpoint(cols[cols.length - 1]!);
    return { local, localPort, remote, remotePort };
  });
}

/** `10.0.0.1:179` or `[::ffff:10.0.0.1]:179` (a dual-stack listener's IPv4 connection) → address, port. */
function splitEndpoint(text: string): [string, number] {
  const i = text.lastIndexOf(':');
  return [text.slice(0, i).replace(/^\[(?:::ffff:)?|\]$/g, ''), Number(text.slice(i + 1))];
}

function idNumber(id: string): number {
  return id.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** RFC 4271 §6.8 with RFC 6286 §2.3: the address of the speaker whose connection must survive. */
function dominant(a: { id: string; asn: number; address: string }, b: { id: string; asn: number; address: string }): string {
  const x = idNumber(a.id);
  const y = idNumber(b.id);
  if (x !== y) return x > y ? a.address : b.address;
  return a.asn > b.asn ? a.address : b.address;
}

function ternConfig(c: Case): string {
  const peers = [`  - { address: ${BIRD.address}, remoteAs: ${BIRD.asn}, multihop: 2 }`];
  if (c.frrId) peers.push(`  - { address: ${FRR.address}, remoteAs: ${FRR.asn}, multihop: 2 }`);
  return `
routerId: ${c.ternId}
localAs: ${TERN.asn}
holdTime: 9
connectRetryTime: ${CONNECT_RETRY}
families: [ipv4-unicast]
peers:
${peers.join('\n')}
`;
}

/** Messages of one TCP connection between tern and `peer`, by the connection's initiator. */
function byInitiator(messages: readonly WireMessage[], initiators: ReadonlyMap<number, string>, peer: string): Map<string, WireMessage[]> {
  const result = new Map<string, WireMessage[]>();
  for (const m of messages) {
    if (m.src !== peer && m.dst !== peer) continue;
    const initiator = initiators.get(m.stream);
    if (!initiator) continue;
    const list = result.get(initiator) ?? [];
    list.push(m);
    result.set(initiator, list);
  }
  return result;
}

async function initiatorsOf(capture: Capture): Promise<Map<number, string>> {
  return new Map((await capture.connections()).map((c) => [c.stream, c.initiator]));
}

const keepalivesFrom = (list: readonly WireMessage[], from: string, after: number): number =>
  list.filter((m) => m.type === 4 && m.src === from && m.time > after).length;

/**
 * The wire story of one peer: ternd sent an OPEN on both connections (it was in OpenSent on both: a real
 * collision); the survivor carried an OPEN each way; the loser, the one the non-dominant speaker initiated,
 * got Cease/7 (from ternd, the peer or both) and nothing after, and never a KEEPALIVE from ternd
 * (§6.8 closes it on the OPEN instead of confirming it); the survivor carried no NOTIFICATION and at least
 * three KEEPALIVEs each way after the loser was closed (more than one hold time: 9 s); and no third
 * connection was ever opened (nobody dropped the session and reconnected).
 */
async function checkWire(capture: Capture, peer: string, winner: string): Promise<void> {
  const loser = winner === peer ? TERN.address : peer;
  const { survivor, dumped } = await waitFor(async () => {
    const streams = byInitiator(await capture.messages(), await initiatorsOf(capture), peer);
    const survivorMsgs = streams.get(winner) ?? [];
    const dumpedMsgs = streams.get(loser) ?? [];
    const cease = dumpedMsgs.find((m) => m.notification);
    if (!cease) return notYet({ streams: [...streams.keys()], dumped: dumpedMsgs.map((m) => m.type) });
    const ka = [keepalivesFrom(survivorMsgs, peer, cease.time), keepalivesFrom(survivorMsgs, TERN.address, cease.time)];
    return ka.every((n) => n >= 3) ? { survivor: survivorMsgs, dumped: dumpedMsgs } : notYet({ keepalivesAfterCease: ka });
  }, { what: `three KEEPALIVEs each way on the surviving connection to ${peer}`, timeoutMs: 45_000, intervalMs: 1000 });

  // Two connections in the whole capture, one from each side: nobody reconnected after a flap.
  const pair = (await capture.connections()).filter((c) => [c.initiator, c.responder].sort().join() === [peer, TERN.address].sort().join());
  expect(pair.map((c) => c.initiator).sort()).toEqual([peer, TERN.address].sort());
  expect(survivor.filter((m) => m.type === 1).map((m) => m.src).sort()).toEqual([peer, TERN.address].sort());
  // ternd sent its OPEN on the loser too (it was in OpenSent on both). The peer may not have: FRR, resolving
  // first, drops its queued OPEN and sends only the Cease.
  expect(dumped.filter((m) => m.type === 1 && m.src === TERN.address)).toHaveLength(1);
  const notifications = dumped.filter((m) => m.type === 3);
  expect(notifications.length).toBeGreaterThan(0);
  for (const n of notifications) expect(n.notification).toEqual({ code: 6, subcode: 7 });
  const closedAt = Math.min(...notifications.map((n) => n.time));
  expect(dumped.filter((m) => m.time > closedAt && m.type !== 3)).toEqual([]);
  expect(dumped.filter((m) => m.type === 4 && m.src === TERN.address)).toEqual([]);
  expect(survivor.filter((m) => m.type === 3)).toEqual([]);
}

/** Exactly one established TCP connection between tern and `peer`, initiated by `winner`. */
async function checkSockets(lab: Lab, ns: string, self: string, peer: string, winner: string): Promise<void> {
  const conns = (await sockets(lab, ns, 'established')).filter((s) => s.local === self && s.remote === peer);
  expect(conns).toHaveLength(1);
  // The initiator's side of a connection is the one not on port 179.
  expect(conns[0]![winner === self ? 'remotePort' : 'localPort']).toBe(179);
}

async function collide(lab: Lab, c: Case): Promise<void> {
  const withFrr = c.frrId !== undefined;
  const net = await gatedStar(lab, withFrr ? ['bird', 'frr'] : ['bird']);
  const capture = await startCapture(lab, net.tern, 'to-router');
  const tern = await startTernd(lab, net.tern, ternConfig(c));
  const bird = await startBird(lab, net.spokes.bird!, {
    routerId: c.birdId, asn: BIRD.asn, peers: [{ name: 'tern', address: TERN.address, asn: TERN.asn, multihop: 2, holdTime: 9 }],
  }, { connectRetryTime: CONNECT_RETRY });
  const frr = withFrr
    ? await startFrr(lab, net.spokes.frr!, {
      routerId: c.frrId!, asn: FRR.asn, peers: [{ name: 'tern', address: TERN.address, asn: TERN.asn, multihop: 2, holdTime: 9 }],
    }, { connectRetryTime: CONNECT_RETRY })
    : undefined;
  const peers = [{ ns: net.spokes.bird!, address: BIRD.address }, ...(frr ? [{ ns: frr.ns, address: FRR.address }] : [])];

  // 1. Every speaker has its first SYN stuck at the closed router.
  await waitFor(async () => {
    const stuck = (await sockets(lab, net.tern, 'syn-sent')).map((s) => s.remote);
    for (const p of peers) {
      if (!stuck.includes(p.address)) return notYet(`tern has no SYN out to ${p.address}: ${stuck.join(' ')}`);
      if (!(await sockets(lab, p.ns, 'syn-sent')).some((s) => s.remote === TERN.address)) return notYet(`${p.address} has no SYN out`);
    }
    return true;
  }, { what: 'a connection attempt from each side', timeoutMs: 30_000 });

  // 2. Freeze them all and open the router: the kernels complete both handshakes of each pair by themselves.
  const peerDaemons: LabProcess[] = [bird.process, ...(frr ? [frr.bgpd] : [])];
  const all = [...peerDaemons, tern.process];
  for (const p of all) p.kill('SIGSTOP');
  try {
    await net.gate(true);
    await waitFor(async () => {
      const up = await sockets(lab, net.tern, 'established');
      const missing = peers.filter((p) => !(up.some((s) => s.remote === p.address && s.localPort === 179) && up.some((s) => s.remote === p.address && s.remotePort === 179)));
      return missing.length === 0 ? true : notYet(up);
    }, { what: 'two TCP connections between tern and each peer', timeoutMs: 45_000 });
    // 3. ternd wakes first and sends its OPEN on both connections of each pair; then the peers answer. So
    //    ternd reads the first OPEN of a pair with both connections in OpenSent: §6.8 decides, not a race
    //    between one connection reaching Established and the other being accepted.
    tern.process.kill('SIGCONT');
    await waitFor(() => {
      const openSent = tern.logs().filter((e) => e.event === 'bgp.fsm.transition' && e.to === 'OpenSent');
      return peers.every((p) => ['incoming', 'outgoing'].every((d) => openSent.some((e) => e.peer === p.address && e.direction === d))) || undefined;
    }, { what: 'ternd in OpenSent on both connections of each pair', timeoutMs: 15_000 });
  } finally {
    for (const p of all) p.kill('SIGCONT');
  }

  // 4. One session per peer, on the connection RFC 4271 §6.8 keeps, stable for more than a hold time.
  await bird.waitEstablished('tern', 30_000);
  if (frr) await frr.waitEstablished(TERN.address, 30_000);
  const winners = new Map<string, string>([[BIRD.address, dominant({ id: c.ternId, asn: TERN.asn, address: TERN.address }, { id: c.birdId, asn: BIRD.asn, address: BIRD.address })]]);
  if (c.frrId) winners.set(FRR.address, dominant({ id: c.ternId, asn: TERN.asn, address: TERN.address }, { id: c.frrId, asn: FRR.asn, address: FRR.address }));
  for (const [peer, winner] of winners) await checkWire(capture, peer, winner);

  for (const p of peers) {
    const winner = winners.get(p.address)!;
    await checkSockets(lab, net.tern, TERN.address, p.address, winner);
    await checkSockets(lab, p.ns, p.address, TERN.address, winner);
    // ternd: one session came up and none went down.
    const logs = tern.logs().filter((e) => e.peer === p.address);
    expect(logs.filter((e) => e.event === 'bgp.session.established')).toHaveLength(1);
    expect(logs.filter((e) => e.event === 'bgp.fsm.transition' && e.from === 'Established')).toEqual([]);
  }
  // The peers agree (that they never reconnected is in the capture: two connections per pair, no more).
  expect(await bird.birdc('show protocols tern')).toMatch(/\bEstablished\b/);
  if (frr) {
    const view = await frr.waitEstablished(TERN.address);
    expect(view).toMatchObject({ connectionsEstablished: 1, connectionsDropped: 0 });
  }
}

const CASES: readonly Case[] = [
  { name: 'BIRD above tern, FRR below', ternId: '10.77.0.5', birdId: '10.77.0.9', frrId: '10.77.0.2' },
  { name: 'tern above BIRD, FRR above tern', ternId: '10.77.0.5', birdId: '10.77.0.2', frrId: '10.77.0.9' },
  { name: 'tern and BIRD with the same identifier: the larger AS, BIRD\'s, wins (RFC 6286 §2.3)', ternId: '10.77.0.5', birdId: '10.77.0.5' },
];

describe.skipIf(!suite.ok)(title('connection collision with BIRD and FRR'), () => {
  const labs: Lab[] = [];
  afterAll(async () => {
    for (const lab of labs) await lab.destroy();
  });

  for (const c of CASES) {
    it(`keeps the connection of the dominant speaker: ${c.name}`, async () => {
      const lab = createLab();
      labs.push(lab);
      try {
        await explained(lab, () => collide(lab, c));
      } finally {
        await lab.destroy();
      }
    }, 150_000);
  }
});
