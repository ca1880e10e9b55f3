// ternd's kernel routes follow the interfaces of a real kernel: a route whose next hop's subnet goes away
// (address removed, link down) moves to the VXLAN overlay or waits as unresolved, and comes back when the
// subnet returns; a tunnel device that appears after ternd started (made by an operator) is adopted and the
// routes that waited for it are installed; one deleted behind ternd's back is made again once its tunnel
// source address is there. Checked with `ip -json route`, `ip neigh` and `bridge fdb` in the namespace.
//
// BIRD is an iBGP peer on `to-bird` and announces 10.77.100.0/24 with next hop 10.77.9.3 on ternd's other
// link, `lan` (iBGP keeps the next hop), so that subnet can come and go without touching the session.
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, notYet, star, startBird, startTernd, waitFor, type Lab, type TerndInstance } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird']);
const title = suite.title;

const PREFIX = '10.77.100.0/24';
const NEXT_HOP = '10.77.9.3';
/** vtep-mac.ts: 02:74 and the four octets of the next hop. */
const NEXT_HOP_MAC = '02:74:0a:4d:09:03';

interface IpRoute { dst: string; gateway?: string; dev?: string; flags?: string[] }

async function route(lab: Lab, ns: string): Promise<IpRoute | undefined> {
  const all = JSON.parse(await lab.exec(ns, 'ip', ['-json', '-4', 'route', 'show', 'proto', 'bgp'])) as IpRoute[];
  return all.find((r) => r.dst === PREFIX);
}

/** Waits until the route is `via NEXT_HOP dev <dev>` (onlink through the tunnel), or gone when dev is undefined. */
async function routeVia(lab: Lab, ns: string, dev: string | undefined): Promise<IpRoute | 'gone'> {
  return waitFor(async () => {
    const r = await route(lab, ns);
    if (dev === undefined) return r ? notYet(r) : 'gone';
    return r?.dev === dev && r.gateway === NEXT_HOP ? r : notYet(r ?? 'no route');
  }, { what: dev ? `${PREFIX} via ${NEXT_HOP} dev ${dev}` : `${PREFIX} gone from the kernel`, timeoutMs: 20_000 });
}

async function neighbours(lab: Lab, ns: string): Promise<{ dst: string; lladdr?: string }[]> {
  return JSON.parse(await lab.exec(ns, 'ip', ['-json', 'neigh', 'show', 'dev', 'vxlan.tern'])) as { dst: string; lladdr?: string }[];
}

async function fdb(lab: Lab, ns: string): Promise<{ mac: string; dst?: string }[]> {
  return JSON.parse(await lab.exec(ns, 'bridge', ['-json', 'fdb', 'show', 'dev', 'vxlan.tern'])) as { mac: string; dst?: string }[];
}

function problems(tern: TerndInstance): { prefix: string; state: string; error: string }[] {
  return (JSON.parse(tern.bgpctl(['show', 'kernel', '--json'])) as { problems: { prefix: string; state: string; error: string }[] }).problems;
}

describe.skipIf(!suite.ok)(title('kernel routes follow interface and tunnel changes'), () => {
  const lab = createLab();
  let t!: string;
  let tern!: TerndInstance;
  afterAll(() => lab.destroy());

  it('routes over the shared subnet while the tunnel has no source address, and waits unresolved when the subnet goes', () => explained(lab, async () => {
    const s = await star(lab, ['bird']);
    t = s.tern;
    await lab.connect({ ns: t, ifname: 'lan', addrs: ['10.77.9.1/24'] }, { ns: s.spokes.bird!, ifname: 'lan', addrs: ['10.77.9.2/24'] });
    // The tunnel source is not an address of this node yet: no VXLAN device at start.
    tern = await startTernd(lab, t, `
routerId: 10.77.0.1
localAs: 65001
holdTime: 9
connectRetryTime: 1
kernel:
  enabled: true
  overlay: { encapsulation: vxlan, crossSubnet: true, tunnelSource: 10.77.8.1 }
peers:
  - { address: 10.77.1.2, remoteAs: 65001 }
`);
    await startBird(lab, s.spokes.bird!, {
      routerId: '10.77.0.2', asn: 65001,
      peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001, ipv4: true }],
      staticRoutes: [{ prefix: PREFIX, nextHop: NEXT_HOP }],
    });
    const unavailable = await tern.waitLog('kernel.overlay.unavailable', undefined, 15_000);
    expect(String(unavailable.error)).toMatch(/tunnel source 10\.77\.8\.1 is not an address of this node/);
    expect(((await routeVia(lab, t, 'lan')) as IpRoute).flags ?? []).not.toContain('onlink');

    await lab.exec(t, 'ip', ['addr', 'del', '10.77.9.1/24', 'dev', 'lan']);
    await routeVia(lab, t, undefined);
    const waiting = await waitFor(() => problems(tern).find((p) => p.prefix === PREFIX) ?? notYet(problems(tern)), { what: `${PREFIX} unresolved in bgpctl`, timeoutMs: 10_000 });
    expect(waiting).toMatchObject({ state: 'unresolved', error: expect.stringContaining('tunnel source 10.77.8.1') });
  }), 90_000);

  it('adopts a VXLAN device an operator creates later and installs the waiting route through it', () => explained(lab, async () => {
    await lab.exec(t, 'ip', ['link', 'add', 'vxlan.tern', 'type', 'vxlan', 'id', '4096', 'dstport', '4789', 'local', '10.77.1.1', 'dev', 'to-bird', 'nolearning']);
    await tern.waitLog('kernel.overlay.device-adopted', undefined, 10_000);
    const r = (await routeVia(lab, t, 'vxlan.tern')) as IpRoute;
    expect(r.flags).toContain('onlink');
    // ternd brought the device up, and wrote the neighbour and FDB entries for the next hop's VTEP.
    const [link] = JSON.parse(await lab.exec(t, 'ip', ['-json', 'link', 'show', 'vxlan.tern'])) as { flags: string[] }[];
    expect(link!.flags).toContain('UP');
    await waitFor(async () => (await neighbours(lab, t)).find((n) => n.dst === NEXT_HOP && n.lladdr === NEXT_HOP_MAC) ?? notYet(await neighbours(lab, t)), { what: 'neighbour entry', timeoutMs: 10_000 });
    expect(await fdb(lab, t)).toContainEqual(expect.objectContaining({ mac: NEXT_HOP_MAC, dst: NEXT_HOP }));
    expect(problems(tern)).toEqual([]);
  }), 60_000);

  it('goes back to the shared subnet when its address returns, and drops the tunnel entries', () => explained(lab, async () => {
    await lab.exec(t, 'ip', ['addr', 'add', '10.77.9.1/24', 'dev', 'lan']);
    const r = (await routeVia(lab, t, 'lan')) as IpRoute;
    expect(r.flags ?? []).not.toContain('onlink');
    await waitFor(async () => ((await neighbours(lab, t)).some((n) => n.dst === NEXT_HOP) ? notYet(await neighbours(lab, t)) : true), { what: 'neighbour entry removed', timeoutMs: 10_000 });
    expect((await fdb(lab, t)).filter((f) => f.mac === NEXT_HOP_MAC)).toEqual([]);
  }), 60_000);

  it('moves to the tunnel while the shared link is down, and back when it is up', () => explained(lab, async () => {
    await lab.exec(t, 'ip', ['link', 'set', 'lan', 'down']);
    expect(((await routeVia(lab, t, 'vxlan.tern')) as IpRoute).flags).toContain('onlink');
    await lab.exec(t, 'ip', ['link', 'set', 'lan', 'up']);
    await routeVia(lab, t, 'lan');
  }), 60_000);

  it('makes the VXLAN device again once its tunnel source address exists, after an operator deleted it', () => explained(lab, async () => {
    await lab.exec(t, 'ip', ['link', 'set', 'lan', 'down']);
    await routeVia(lab, t, 'vxlan.tern');
    await lab.exec(t, 'ip', ['link', 'del', 'vxlan.tern']);
    await tern.waitLog('kernel.overlay.device-lost', undefined, 10_000);
    await routeVia(lab, t, undefined);
    await waitFor(() => problems(tern).find((p) => p.prefix === PREFIX && p.state === 'unresolved') ?? notYet(problems(tern)), { what: 'unresolved without the tunnel', timeoutMs: 10_000 });
    await lab.exec(t, 'ip', ['addr', 'add', '10.77.8.1/32', 'dev', 'to-bird']);
    const created = await tern.waitLog('kernel.overlay.device-created', undefined, 10_000);
    expect(created).toMatchObject({ device: 'vxlan.tern', type: 'vxlan', source: '10.77.8.1' });
    expect(((await routeVia(lab, t, 'vxlan.tern')) as IpRoute).flags).toContain('onlink');
    await waitFor(async () => (await neighbours(lab, t)).find((n) => n.dst === NEXT_HOP) ?? notYet(await neighbours(lab, t)), { what: 'neighbour entry on the new device', timeoutMs: 10_000 });
    await lab.exec(t, 'ip', ['link', 'set', 'lan', 'up']);
    await routeVia(lab, t, 'lan');
    expect(problems(tern)).toEqual([]);
  }), 60_000);
});
