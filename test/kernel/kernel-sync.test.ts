/**
 * KernelSync's next-hop resolution against a model of the kernel's interfaces: on-subnet next hops go direct,
 * off-subnet ones through the tunnel, an ECMP set mixes both per next hop, VXLAN neighbour/FDB entries follow
 * the routes that use them, and an interface going down re-resolves the routes through it.
 * (test/lab/workers.test.ts runs the same against a real kernel with VXLAN.)
 */
import { AttrStream, rt } from 'netlink';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { KernelSync } from '../../src/kernel/kernel-sync.js';
import { KernelError, type BatchResult, type KernelMessage, type RtnlSocket } from '../../src/kernel/netlink-socket.js';
import type { OverlayConfig } from '../../src/kernel/overlay.js';
import type { NetlinkBatch } from '../../src/kernel/netlink-batch.js';
import { addressBytes, parseRouteBody, RTM_NEWROUTE, type NetlinkRequest } from '../../src/kernel/route-message.js';
import { parseRouteKey, type RouteKey } from '../../src/kernel/route-key.js';
import { RTM_DELNEIGH, RTM_NEWNEIGH } from '../../src/kernel/neighbor-message.js';
import { manualClock } from '../helpers/manual-clock.js';

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

class FakeKernel implements RtnlSocket {
  links: KernelMessage[] = [linkMessage(1, 'lo', true), linkMessage(2, 'eth0', true), linkMessage(3, 'eth1', true)];
  addrs: KernelMessage[] = [addressMessage(2, '10.77.210.22/24'), addressMessage(3, '10.77.99.1/24')];
  readonly routes = new Map<string, string[]>();
  readonly neigh: string[] = [];
  created: string[] = [];
  createError: number | undefined;

  async batch(batch: NetlinkBatch): Promise<BatchResult> {
    for (const r of batch.messages()) {
      if (r.type === RTM_NEWNEIGH || r.type === RTM_DELNEIGH) {
        const family = r.body[0];
        this.neigh.push(`${r.type === RTM_NEWNEIGH ? 'add' : 'del'} ${family === 7 ? 'fdb' : 'neigh'}`);
        continue;
      }
      const o = parseRouteBody(Buffer.from(r.body))!;
      const key = `${o.route.dst}/${o.route.dstLen}`;
      if (r.type === RTM_NEWROUTE) this.routes.set(key, o.route.nexthops.map((n) => `${n.gateway} dev${n.ifindex ?? '?'}${n.onlink ? ' onlink' : ''}`));
      else this.routes.delete(key);
    }
    return { failures: new Map(), uncertain: false };
  }

  async request(req: NetlinkRequest): Promise<void> {
    if (req.type === 16 && (req.flags & 0x400)) {
      if (this.createError) throw new KernelError(this.createError, 'EOPNOTSUPP', 'request type 16');
      const name = Buffer.from(req.body).subarray(20).toString('latin1').split('\0')[0]!;
      this.created.push(name);
      this.links.push(linkMessage(10, name, true, 'vxlan'));
    }
  }

  async dump(req: NetlinkRequest): Promise<KernelMessage[]> {
    if (req.type === 18) return this.links;
    if (req.type === 22) return this.addrs;
    return [];
  }

  close(): void {}
}

/** The kernel side's key of a prefix written as text. */
function k(prefix: string): RouteKey {
  return parseRouteKey(prefix)!;
}

const VXLAN: OverlayConfig = { encapsulation: 'vxlan', crossSubnet: true, tunnelSource: '10.77.210.22', ipip: { device: 'tunl0' }, vxlan: { device: 'vxlan.tern', vni: 4096, port: 4789 } };

async function started(overlay: OverlayConfig = VXLAN) {
  const kernel = new FakeKernel();
  const sync = new KernelSync({ target: { table: 254, protocol: 186, metric: 20 }, retryInitialMs: 1000, retryMaxMs: 8000, antiEntropyMs: 0 }, overlay, { socket: kernel, clock: manualClock(), logger: silentLogger });
  await sync.start();
  sync.finishStartup();
  return { kernel, sync };
}

describe('KernelSync next-hop resolution', () => {
  it('routes an on-subnet next hop directly and an off-subnet one through VXLAN, with its neighbour and FDB entries', async () => {
    const { kernel, sync } = await started();
    expect(kernel.created).toEqual(['vxlan.tern']);
    sync.set({ key: k('10.77.10.0/24'), kind: 'unicast', gateways: ['10.77.210.21'] });
    sync.set({ key: k('10.77.30.0/24'), kind: 'unicast', gateways: ['10.77.230.23'] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.10.0/24')).toEqual(['10.77.210.21 dev2']);
    expect(kernel.routes.get('10.77.30.0/24')).toEqual(['10.77.230.23 dev10 onlink']);
    expect(kernel.neigh).toEqual(['add neigh', 'add fdb']);
    expect(sync.stats().vxlanPeers).toBe(1);
  });

  it('installs an ECMP set whose members need different encapsulation, each with its own device', async () => {
    const { kernel, sync } = await started();
    sync.set({ key: k('10.77.99.0/24'), kind: 'unicast', gateways: ['10.77.210.21', '10.77.230.23', '10.77.99.7'] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.99.0/24')).toEqual(['10.77.210.21 dev2', '10.77.230.23 dev10 onlink', '10.77.99.7 dev3']);
  });

  it('keeps one neighbour/FDB pair per VXLAN peer and removes it with the last route through it', async () => {
    const { kernel, sync } = await started();
    sync.set({ key: k('10.77.30.0/26'), kind: 'unicast', gateways: ['10.77.230.23'] });
    sync.set({ key: k('10.77.30.64/26'), kind: 'unicast', gateways: ['10.77.230.23'] });
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
    sync.set({ key: k('10.77.10.0/24'), kind: 'unicast', gateways: ['10.77.210.21'] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.10.0/24')).toEqual(['10.77.210.21 dev10 onlink']);
  });

  it('lets the kernel resolve an off-subnet next hop without encapsulation, and installs blackholes', async () => {
    const { kernel, sync } = await started({ ...VXLAN, encapsulation: 'none' });
    expect(kernel.created).toEqual([]);
    sync.set({ key: k('10.77.30.0/24'), kind: 'unicast', gateways: ['10.77.230.23'] });
    sync.set({ key: k('10.77.20.0/26'), kind: 'blackhole', gateways: [] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.30.0/24')).toEqual(['10.77.230.23 dev?']);
    expect(kernel.routes.get('10.77.20.0/26')).toEqual([]);
  });

  it('reports a route it cannot resolve as unresolved with the tunnel error, and installs the rest', async () => {
    const kernel = new FakeKernel();
    kernel.createError = 95;
    const sync = new KernelSync({ target: { table: 254, protocol: 186, metric: 20 }, retryInitialMs: 1000, retryMaxMs: 8000, antiEntropyMs: 0 },
      { ...VXLAN, encapsulation: 'ipip' }, { socket: kernel, clock: manualClock(), logger: silentLogger });
    await sync.start();
    expect(sync.overlay.tunnelError).toMatch(/kernel has no ipip tunnels \(EOPNOTSUPP creating tunl0\): load the module \(modprobe ipip\)/);
    sync.set({ key: k('10.77.30.0/24'), kind: 'unicast', gateways: ['10.77.230.23'] });
    sync.set({ key: k('10.77.10.0/24'), kind: 'unicast', gateways: ['10.77.210.21'] });
    await sync.whenIdle();
    expect(sync.status(k('10.77.30.0/24'))).toMatchObject({ state: 'unresolved', error: expect.stringContaining('10.77.230.23') });
    expect(kernel.routes.has('10.77.30.0/24')).toBe(false);
    expect(kernel.routes.get('10.77.10.0/24')).toEqual(['10.77.210.21 dev2']);
  });

  it('re-resolves when an interface goes down: the next hop is no longer on a local subnet', async () => {
    const { kernel, sync } = await started();
    sync.set({ key: k('10.77.50.0/24'), kind: 'unicast', gateways: ['10.77.99.7'] });
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.50.0/24')).toEqual(['10.77.99.7 dev3']);
    expect(sync.interfaces.apply(linkMessage(3, 'eth1', false))).toBe(true);
    await new Promise((r) => setImmediate(r));
    await sync.whenIdle();
    expect(kernel.routes.get('10.77.50.0/24')).toEqual(['10.77.99.7 dev10 onlink']);
  });

  it('installs a link-local gateway on its named interface, never through the tunnel', async () => {
    const { kernel, sync } = await started({ ...VXLAN, crossSubnet: false });
    sync.set({ key: k('fd77:200::/48'), kind: 'unicast', gateways: ['fe80::2%eth1'] });
    sync.set({ key: k('fd77:300::/48'), kind: 'unicast', gateways: ['fe80::2%nope'] });
    await sync.whenIdle();
    expect(kernel.routes.get('fd77:200::/48')).toEqual(['fe80::2 dev3']);
    expect(sync.status(k('fd77:300::/48'))).toMatchObject({ state: 'unresolved', error: expect.stringMatching(/interface nope .* does not exist/) });
  });
});
