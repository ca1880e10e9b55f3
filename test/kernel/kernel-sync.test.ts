/**
 * KernelSync's next-hop resolution against a model of the kernel's interfaces: on-subnet next hops go direct,
 * off-subnet ones through the tunnel, an ECMP set mixes both per next hop, VXLAN neighbour/FDB entries follow
 * the routes that use them, an interface going down re-resolves the routes through it, and tunnel devices that
 * appear, go or wait for their source address are followed.
 * (test/lab/workers.test.ts runs the same against a real kernel with VXLAN.)
 */
import { AttrStream, rt } from 'netlink';
import { describe, expect, it, vi } from 'vitest';
import { familyOfKey, prefixKeyFromText, type Family, type PrefixKey } from '../../src/common/prefix-key.js';
import { PrefixTable } from '../../src/common/prefix-table.js';
import { KernelSync, type RouteTarget } from '../../src/kernel/kernel-sync.js';
import { KernelError, type BatchResult, type KernelMessage, type RtnlSocket } from '../../src/kernel/netlink-socket.js';
import type { OverlayConfig } from '../../src/kernel/overlay.js';
import type { NetlinkBatch } from '../../src/kernel/netlink-batch.js';
import { addressBytes, parseRouteBody, routeBody, RTM_NEWROUTE, type NetlinkRequest } from '../../src/kernel/route-message.js';
import type { KernelRoute } from '../../src/kernel/types.js';
import { RTM_DELNEIGH, RTM_NEWNEIGH } from '../../src/kernel/neighbor-message.js';
import { manualClock } from '../../src/common/manual-clock.js';

/**
 * The RIB's hand-over for one route, as the daemon makes it (src/daemon/kernel-routes.ts): the prefix in a
 * prefix table of its family, its target as a shared gateway set, then `wantAt`.
 */
const ribTables = new WeakMap<KernelSync, Record<Family, PrefixTable>>();
function wantRoute(sync: KernelSync, route: RouteTarget & { readonly key: PrefixKey }): void {
  let tables = ribTables.get(sync);
  if (!tables) ribTables.set(sync, (tables = { 'ipv4-unicast': new PrefixTable(1), 'ipv6-unicast': new PrefixTable(4) }));
  const family = familyOfKey(route.key);
  const table = tables[family];
  sync.wantAt(family, table, table.addKey(route.key), sync.gatewaySetOf(route));
}

function linkMessage(ifindex: number, name: string, up: boolean, kind?: string): KernelMessage {
  const out = new AttrStream();
  const linkinfo = kind ? Buffer.concat([Buffer.from([4 + kind.length, 0, 1, 0]), Buffer.from(kind), Buffer.alloc((4 - (kind.length % 4)) % 4)]) : undefined;
  rt.formatLinkMessage({ kind: 'link', data: { index: ifindex, flags: up ? { up: true } : {} }, attrs: { ifname: name, mtu: 1500, operstate: up ? 6 : 2, ...(linkinfo ? { linkinfo } : {}) } }, out);
  return { type: 16, body: Buffer.concat(out.bufs) };
}

function addressMessage(ifindex: number, cidr: string, type = 20): KernelMessage {
  const [a, len] = cidr.split('/');
  const out = new AttrStream();
  rt.formatAddressMessage({ kind: 'address', data: { family: a!.includes(':') ? 10 : 2, prefixlen: Number(len), index: ifindex }, attrs: { local: addressBytes(a!), address: addressBytes(a!) } }, out);
  return { type, body: Buffer.concat(out.bufs) };
}

const TARGET = { table: 254, protocol: 186, metric: 20 };

class FakeKernel implements RtnlSocket {
  links: KernelMessage[] = [linkMessage(1, 'lo', true), linkMessage(2, 'eth0', true), linkMessage(3, 'eth1', true)];
  addrs: KernelMessage[] = [addressMessage(2, '10.77.210.22/24'), addressMessage(3, '10.77.99.1/24')];
  /** What the routes look like: `gateway devN [onlink]` per next hop. */
  readonly routes = new Map<string, string[]>();
  readonly table = new Map<string, KernelRoute>();
  readonly neigh: string[] = [];
  created: string[] = [];
  /** Devices set up (`ip link set up`), by ifindex. */
  readonly linkUps: number[] = [];
  createError: number | undefined;
  private nextIfindex = 10;

  async batch(batch: NetlinkBatch): Promise<BatchResult> {
    for (const r of batch.messages()) {
      if (r.type === RTM_NEWNEIGH || r.type === RTM_DELNEIGH) {
        const family = r.body[0];
        this.neigh.push(`${r.type === RTM_NEWNEIGH ? 'add' : 'del'} ${family === 7 ? 'fdb' : 'neigh'}`);
        continue;
      }
      const o = parseRouteBody(Buffer.from(r.body))!;
      const key = `${o.route.dst}/${o.route.dstLen}`;
      if (r.type === RTM_NEWROUTE) this.table.set(key, o.route);
      else this.table.delete(key);
      this.show(key);
    }
    return { failures: new Map(), uncertain: false };
  }

  private show(key: string): void {
    const route = this.table.get(key);
    if (route) this.routes.set(key, route.nexthops.map((n) => `${n.gateway} dev${n.ifindex ?? '?'}${n.onlink ? ' onlink' : ''}`));
    else this.routes.delete(key);
  }

  async request(req: NetlinkRequest): Promise<void> {
    if (req.type !== 16) return;
    if (req.flags & 0x400) {
      if (this.createError) throw new KernelError(this.createError, 'EOPNOTSUPP', 'request type 16');
      const name = Buffer.from(req.body).subarray(20).toString('latin1').split('\0')[0]!;
      this.created.push(name);
      this.links.push(linkMessage(this.nextIfindex++, name, true, 'vxlan'));
    } else this.linkUps.push(Buffer.from(req.body).readInt32LE(4));
  }

  async dump(req: NetlinkRequest): Promise<KernelMessage[]> {
    if (req.type === 18) return this.links;
    if (req.type === 22) return this.addrs;
    if (req.type === 26) return [...this.table.values()].filter((r) => r.version === (req.body[0] === 2 ? 4 : 6)).map((r) => ({ type: RTM_NEWROUTE, body: routeBody(r, TARGET, 'replace') }));
    return [];
  }

  /** A link changes or goes, as the kernel does it: routes through a link that goes down or away are flushed. */
  link(message: KernelMessage, gone = false): KernelMessage {
    const ifindex = message.body.readInt32LE(4);
    this.links = this.links.filter((l) => l.body.readInt32LE(4) !== ifindex);
    if (!gone) this.links.push(message);
    if (gone || !(message.body.readUInt32LE(8) & 1)) {
      for (const [key, route] of this.table) {
        if (route.nexthops.some((n) => n.ifindex === ifindex)) {
          this.table.delete(key);
          this.show(key);
        }
      }
    }
    return gone ? { type: 17, body: message.body } : message;
  }

  close(): void {}
}

/** Lets queued work run: re-resolution, tunnel setup, FIB batches. */
async function settled(sync: KernelSync): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    await sync.whenIdle();
  }
}

/** The kernel side's key of a prefix written as text. */
function k(prefix: string): PrefixKey {
  return prefixKeyFromText(prefix)!.key;
}

const VXLAN: OverlayConfig = { encapsulation: 'vxlan', crossSubnet: true, tunnelSource: '10.77.210.22', ipip: { device: 'tunl0' }, vxlan: { device: 'vxlan.tern', vni: 4096, port: 4789 } };

async function started(overlay: OverlayConfig = VXLAN, setup: (kernel: FakeKernel) => void = () => undefined) {
  const kernel = new FakeKernel();
  setup(kernel);
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const logger = { log: (_l: string, event: string, fields: Record<string, unknown> = {}) => events.push({ event, fields }), child: () => logger };
  const sync = new KernelSync({ target: TARGET, retryInitialMs: 1000, retryMaxMs: 8000, antiEntropyMs: 0 }, overlay, { socket: kernel, clock: manualClock(), logger });
  await sync.start();
  sync.finishStartup();
  return { kernel, sync, events };
}

describe('KernelSync next-hop resolution', () => {
  it('routes an on-subnet next hop directly and an off-subnet one through VXLAN, with its neighbour and FDB entries', async () => {
    const { kernel, sync } = await started();
    expect(kernel.created).toEqual(['vxlan.tern']);
    wantRoute(sync, { key: k('10.77.10.0/24'), kind: 'unicast', gateways: ['10.77.210.21'] });
    wantRoute(sync, { key: k('10.77.30.0/24'), kind: 'unicast', gateways: ['10.77.230.23'] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.10.0/24')).toEqual(['10.77.210.21 dev2']);
    expect(kernel.routes.get('10.77.30.0/24')).toEqual(['10.77.230.23 dev10 onlink']);
    expect(kernel.neigh).toEqual(['add neigh', 'add fdb']);
    expect(sync.stats().vxlanPeers).toBe(1);
  });

  it('takes routes by the RIB\'s prefix-table slots, both families, and drops them the same way', async () => {
    const { kernel, sync } = await started();
    // The RIB's tables, with slots of their own (the FIB's differ).
    const rib4 = new PrefixTable(1);
    const rib6 = new PrefixTable(4);
    rib4.addKey(k('10.99.0.0/16'));
    const a = rib4.addKey(k('10.77.10.0/24'));
    const b = rib4.addKey(k('10.77.30.0/24'));
    const c = rib6.addKey(k('fd77:200::/48'));
    const direct = sync.gatewaySetOf({ kind: 'unicast', gateways: ['10.77.210.21'] });
    expect(sync.gatewaySetOf({ kind: 'unicast', gateways: ['10.77.210.21'] })).toBe(direct); // one object per target
    sync.wantAt('ipv4-unicast', rib4, a, direct);
    sync.wantAt('ipv4-unicast', rib4, b, sync.gatewaySetOf({ kind: 'unicast', gateways: ['10.77.230.23'] }));
    sync.wantAt('ipv6-unicast', rib6, c, sync.gatewaySetOf({ kind: 'blackhole', gateways: [] }));
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.10.0/24')).toEqual(['10.77.210.21 dev2']);
    expect(kernel.routes.get('10.77.30.0/24')).toEqual(['10.77.230.23 dev10 onlink']);
    expect(kernel.routes.get('fd77:200::/48')).toEqual([]);
    expect(sync.status(k('fd77:200::/48'))).toMatchObject({ state: 'installed', route: { version: 6, dst: 'fd77:200::', dstLen: 48, type: 'blackhole' } });
    expect(sync.stats()).toMatchObject({ wanted: 3, installed: 3, vxlanPeers: 1 });
    sync.wantAt('ipv4-unicast', rib4, b, undefined);
    sync.wantAt('ipv6-unicast', rib6, c, undefined);
    sync.wantAt('ipv4-unicast', rib4, 0, undefined); // never wanted: nothing to do
    await sync.whenIdle();
    expect([...kernel.routes.keys()]).toEqual(['10.77.10.0/24']);
    expect(kernel.neigh).toEqual(['add neigh', 'add fdb', 'del neigh', 'del fdb']);
    expect(sync.stats()).toMatchObject({ wanted: 1, installed: 1, vxlanPeers: 0 });
  });

  it('installs an ECMP set whose members need different encapsulation, each with its own device', async () => {
    const { kernel, sync } = await started();
    wantRoute(sync, { key: k('10.77.99.0/24'), kind: 'unicast', gateways: ['10.77.210.21', '10.77.230.23', '10.77.99.7'] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.99.0/24')).toEqual(['10.77.210.21 dev2', '10.77.230.23 dev10 onlink', '10.77.99.7 dev3']);
  });

  it('keeps one neighbour/FDB pair per VXLAN peer and removes it with the last route through it', async () => {
    const { kernel, sync } = await started();
    wantRoute(sync, { key: k('10.77.30.0/26'), kind: 'unicast', gateways: ['10.77.230.23'] });
    wantRoute(sync, { key: k('10.77.30.64/26'), kind: 'unicast', gateways: ['10.77.230.23'] });
    await sync.whenIdle();
    expect(kernel.neigh).toEqual(['add neigh', 'add fdb']);
    sync.remove(k('10.77.30.0/26'));
    await sync.whenIdle();
    expect(kernel.neigh).toHaveLength(2);
    sync.remove(k('10.77.30.64/26'));
    await sync.whenIdle();
    expect(kernel.neigh).toEqual(['add neigh', 'add fdb', 'del neigh', 'del fdb']);
    expect(sync.stats().vxlanPeers).toBe(0);
  });

  it('sends every next hop of another node through the tunnel when crossSubnet is off', async () => {
    const { kernel, sync } = await started({ ...VXLAN, crossSubnet: false });
    wantRoute(sync, { key: k('10.77.10.0/24'), kind: 'unicast', gateways: ['10.77.210.21'] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.10.0/24')).toEqual(['10.77.210.21 dev10 onlink']);
  });

  it('lets the kernel resolve an off-subnet next hop without encapsulation, and installs blackholes', async () => {
    const { kernel, sync } = await started({ ...VXLAN, encapsulation: 'none' });
    expect(kernel.created).toEqual([]);
    wantRoute(sync, { key: k('10.77.30.0/24'), kind: 'unicast', gateways: ['10.77.230.23'] });
    wantRoute(sync, { key: k('10.77.20.0/26'), kind: 'blackhole', gateways: [] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.30.0/24')).toEqual(['10.77.230.23 dev?']);
    expect(kernel.routes.get('10.77.20.0/26')).toEqual([]);
  });

  it('reports a route it cannot resolve as unresolved with the tunnel error, and installs the rest', async () => {
    const { kernel, sync } = await started({ ...VXLAN, encapsulation: 'ipip' }, (kernel) => {
      kernel.createError = 95;
    });
    expect(sync.overlay.tunnelError).toMatch(/kernel has no ipip tunnels \(EOPNOTSUPP creating tunl0\): load the module \(modprobe ipip\)/);
    wantRoute(sync, { key: k('10.77.30.0/24'), kind: 'unicast', gateways: ['10.77.230.23'] });
    wantRoute(sync, { key: k('10.77.10.0/24'), kind: 'unicast', gateways: ['10.77.210.21'] });
    await sync.whenIdle();
    expect(sync.status(k('10.77.30.0/24'))).toMatchObject({ state: 'unresolved', error: expect.stringContaining('10.77.230.23') });
    expect(kernel.routes.has('10.77.30.0/24')).toBe(false);
    expect(kernel.routes.get('10.77.10.0/24')).toEqual(['10.77.210.21 dev2']);
  });

  it('re-resolves when an interface goes down: the next hop is no longer on a local subnet', async () => {
    const { kernel, sync } = await started();
    wantRoute(sync, { key: k('10.77.50.0/24'), kind: 'unicast', gateways: ['10.77.99.7'] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.50.0/24')).toEqual(['10.77.99.7 dev3']);
    expect(sync.interfaces.apply(linkMessage(3, 'eth1', false))).toBe(true);
    await new Promise((r) => setImmediate(r));
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.50.0/24')).toEqual(['10.77.99.7 dev10 onlink']);
  });

  it('installs a link-local gateway on its named interface, never through the tunnel', async () => {
    const { kernel, sync } = await started({ ...VXLAN, crossSubnet: false });
    wantRoute(sync, { key: k('fd77:200::/48'), kind: 'unicast', gateways: ['fe80::2%eth1'] });
    wantRoute(sync, { key: k('fd77:300::/48'), kind: 'unicast', gateways: ['fe80::2%nope'] });
    await sync.whenIdle();
    expect(kernel.routes.get('fd77:200::/48')).toEqual(['fe80::2 dev3']);
    expect(sync.status(k('fd77:300::/48'))).toMatchObject({ state: 'unresolved', error: expect.stringMatching(/interface nope .* does not exist/) });
  });
});

describe('KernelSync when interfaces and tunnels change after start', () => {
  it('adopts a tunnel device that appears later (tunl0 from `modprobe ipip`) and installs the routes that waited for it', async () => {
    const { kernel, sync, events } = await started({ ...VXLAN, encapsulation: 'ipip' }, (kernel) => {
      kernel.createError = 95;
    });
    wantRoute(sync, { key: k('10.77.30.0/24'), kind: 'unicast', gateways: ['10.77.230.23'] });
    await settled(sync);
    expect(sync.status(k('10.77.30.0/24'))).toMatchObject({ state: 'unresolved', error: expect.stringContaining('no ipip tunnels') });
    // Unrelated interface changes do not make it try to create the device again.
    sync.interfaces.apply(kernel.link(linkMessage(4, 'veth-pod', true)));
    await settled(sync);
    expect(events.filter((e) => e.event === 'kernel.overlay.unavailable')).toHaveLength(1);
    sync.interfaces.apply(kernel.link(linkMessage(11, 'tunl0', true, 'ipip')));
    await settled(sync);
    expect(kernel.linkUps).toContain(11);
    expect(kernel.routes.get('10.77.30.0/24')).toEqual(['10.77.230.23 dev11 onlink']);
    expect(sync.status(k('10.77.30.0/24'))).toMatchObject({ state: 'installed' });
    expect(sync.overlay.tunnelError).toBeUndefined();
    expect(events.map((e) => e.event)).toContain('kernel.overlay.device-adopted');
    expect(sync.problems()).toEqual([]);
  });

  it('creates the tunnel device once its missing tunnel source address appears', async () => {
    const { kernel, sync } = await started({ ...VXLAN, tunnelSource: '10.77.210.50' });
    expect(kernel.created).toEqual([]);
    expect(sync.overlay.tunnelError).toMatch(/tunnel source 10\.77\.210\.50 is not an address/);
    wantRoute(sync, { key: k('10.77.30.0/24'), kind: 'unicast', gateways: ['10.77.230.23'] });
    wantRoute(sync, { key: k('10.77.10.0/24'), kind: 'unicast', gateways: ['10.77.210.21'] });
    await settled(sync);
    expect(sync.status(k('10.77.30.0/24'))?.state).toBe('unresolved');
    expect(kernel.routes.get('10.77.10.0/24')).toEqual(['10.77.210.21 dev2']);
    const address = addressMessage(2, '10.77.210.50/24');
    kernel.addrs.push(address);
    sync.interfaces.apply(address);
    await settled(sync);
    expect(kernel.created).toEqual(['vxlan.tern']);
    expect(kernel.routes.get('10.77.30.0/24')).toEqual(['10.77.230.23 dev10 onlink']);
    expect(kernel.neigh).toEqual(['add neigh', 'add fdb']);
  });

  it('sets the tunnel device up again when it is deleted, with the neighbour and FDB entries of the peers in use', async () => {
    const { kernel, sync, events } = await started();
    wantRoute(sync, { key: k('10.77.30.0/24'), kind: 'unicast', gateways: ['10.77.230.23'] });
    await settled(sync);
    expect(kernel.routes.get('10.77.30.0/24')).toEqual(['10.77.230.23 dev10 onlink']);
    sync.interfaces.apply(kernel.link(linkMessage(10, 'vxlan.tern', true, 'vxlan'), true));
    await settled(sync);
    expect(events.map((e) => e.event)).toContain('kernel.overlay.device-lost');
    expect(kernel.created).toEqual(['vxlan.tern', 'vxlan.tern']);
    expect(kernel.routes.get('10.77.30.0/24')).toEqual(['10.77.230.23 dev11 onlink']);
    // The kernel took the old device's entries with it: the new one gets them again.
    expect(kernel.neigh.slice(-2)).toEqual(['add neigh', 'add fdb']);
    expect(sync.stats()).toMatchObject({ vxlanPeers: 1, unresolved: 0 });
  });

  it('re-reads the kernel after a link its routes use went down, so routes the kernel flushed come back', async () => {
    const { kernel, sync } = await started();
    wantRoute(sync, { key: k('10.77.50.0/24'), kind: 'unicast', gateways: ['10.77.99.7'] });
    await settled(sync);
    expect(kernel.routes.get('10.77.50.0/24')).toEqual(['10.77.99.7 dev3']);
    // Down and up again before tern re-resolves: the route resolves as before, but the kernel dropped it.
    sync.interfaces.apply(kernel.link(linkMessage(3, 'eth1', false)));
    sync.interfaces.apply(kernel.link(linkMessage(3, 'eth1', true)));
    expect(kernel.routes.has('10.77.50.0/24')).toBe(false);
    await settled(sync);
    expect(kernel.routes.get('10.77.50.0/24')).toEqual(['10.77.99.7 dev3']);
  });

  it('moves routes to the tunnel when their next hop\'s subnet address is removed, and back when it returns', async () => {
    const { kernel, sync } = await started();
    wantRoute(sync, { key: k('10.77.50.0/24'), kind: 'unicast', gateways: ['10.77.99.7'] });
    await settled(sync);
    sync.interfaces.apply(addressMessage(3, '10.77.99.1/24', 21));
    await settled(sync);
    expect(kernel.routes.get('10.77.50.0/24')).toEqual(['10.77.99.7 dev10 onlink']);
    expect(kernel.neigh).toEqual(['add neigh', 'add fdb']);
    sync.interfaces.apply(addressMessage(3, '10.77.99.1/24'));
    await settled(sync);
    expect(kernel.routes.get('10.77.50.0/24')).toEqual(['10.77.99.7 dev3']);
    expect(kernel.neigh).toEqual(['add neigh', 'add fdb', 'del neigh', 'del fdb']);
  });

  it('visits no route when an interface change moves no gateway set (a pod veth, an IPv6 address after DAD)', async () => {
    const { kernel, sync } = await started();
    for (let i = 0; i < 50; i++) wantRoute(sync, { key: k(`10.78.${i}.0/24`), kind: 'unicast', gateways: ['10.77.210.21'] });
    wantRoute(sync, { key: k('10.77.50.0/24'), kind: 'unicast', gateways: ['10.77.99.7'] });
    await settled(sync);
    const want = vi.spyOn(sync.fibs['ipv4-unicast'], 'want');
    sync.interfaces.apply(kernel.link(linkMessage(7, 'veth-pod7', true)));
    sync.interfaces.apply(addressMessage(7, 'fe80::1/64'));
    await settled(sync);
    expect(want).not.toHaveBeenCalled();
    // A change that does move a set re-resolves the routes.
    sync.interfaces.apply(addressMessage(3, '10.77.99.1/24', 21));
    await settled(sync);
    expect(want).toHaveBeenCalled();
    expect(kernel.routes.get('10.77.50.0/24')).toEqual(['10.77.99.7 dev10 onlink']);
    expect(kernel.routes.get('10.78.7.0/24')).toEqual(['10.77.210.21 dev2']);
  });
});
