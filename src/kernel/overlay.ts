/**
 * The overlay per next hop (Calico's CrossSubnet, done per next hop):
 * - next hop on a local subnet, or encapsulation `none`: `via NH dev IF` (or `via NH`, resolved by the kernel);
 * - IPIP: `via NH dev tunl0 onlink`;
 * - VXLAN: `via NH dev <vxlan> onlink`, plus the neighbour entry NH → MAC(NH) and the FDB entry
 *   MAC(NH) → dst NH, where MAC() is the derivation of vtep-mac.ts; both go when the last route through NH goes.
 * With `crossSubnet: false` every next hop of another node goes through the tunnel, on-subnet or not.
 *
 * The tunnel device is created when missing (IPIP: MTU underlay − 20; VXLAN: MTU underlay − 50, learning off,
 * the derived MAC). A kernel without the tunnel type is reported once, clearly, and only the routes that need
 * the tunnel wait (unresolved); everything else keeps working. The device is watched: one that appears later
 * is adopted, one that goes away is set up again, and the waiting routes follow.
 */
import type { Logger } from '../common/logger.js';
import type { InterfaceTable } from './interfaces.js';
import { ipipCreateRequest, linkUpRequest, vxlanCreateRequest } from './link-message.js';
import { fdbRequest, neighborRequest } from './neighbor-message.js';
import { NetlinkBatch } from './netlink-batch.js';
import { KernelError, type RtnlSocket } from './netlink-socket.js';
import type { InterfaceAddress, KernelNextHop } from './types.js';
import { vtepMac } from './vtep-mac.js';

export type Encapsulation = 'none' | 'ipip' | 'vxlan';

export interface OverlayConfig {
  readonly encapsulation: Encapsulation;
  /** Encapsulate only next hops that are not on a local subnet. */
  readonly crossSubnet: boolean;
  /** The node's underlay address: the tunnel source, and the address other nodes derive our VTEP MAC from. */
  readonly tunnelSource: string;
  readonly ipip: { readonly device: string };
  readonly vxlan: { readonly device: string; readonly vni: number; readonly port: number };
}

export type NextHopResolution =
  | { readonly ok: true; readonly nexthop: KernelNextHop; readonly vxlanPeer?: string }
  | { readonly ok: false; readonly error: string };

const IPIP_OVERHEAD = 20;
const VXLAN_OVERHEAD = 50;

export class Overlay {
  private tunnelIfindex: number | undefined;
  private unavailable: string | undefined;
  /** After a failed setup: the tunnel source was missing (a new address may fix it), or the device failed. */
  private missingSource = false;
  /** The device a setup failed on, so the same device is not tried again at every interface change. */
  private failedIfindex: number | undefined;
  private settingUp: Promise<void> | undefined;
  /** VXLAN peers in use: next hop → number of routes through it. */
  private readonly peers = new Map<string, number>();
  private readonly pending: { op: 'replace' | 'delete'; peer: string }[] = [];
  private flushing = false;

  constructor(
    readonly config: OverlayConfig,
    private readonly deps: { socket: RtnlSocket; interfaces: InterfaceTable; logger: Logger; /** The tunnel came or went. */ changed?: () => void },
  ) {}

  get tunnelError(): string | undefined {
    return this.unavailable;
  }

  private get deviceName(): string {
    return this.config.encapsulation === 'ipip' ? this.config.ipip.device : this.config.vxlan.device;
  }

  /** Finds or creates the tunnel device. Never throws: a failure is kept and reported per route. */
  setup(): Promise<void> {
    if (this.config.encapsulation === 'none') return Promise.resolve();
    this.settingUp ??= this.trySetup().finally(() => {
      this.settingUp = undefined;
    });
    return this.settingUp;
  }

  /**
   * The interface table changed. The tunnel device that went away is set up again (tern's config still asks
   * for it); while there is none, one that appeared (made by an operator, another agent, or `modprobe ipip`,
   * which brings tunl0) is adopted, and creation is tried again once the missing tunnel source address is there.
   */
  refresh(): void {
    if (this.config.encapsulation === 'none' || this.settingUp) return;
    const dev = this.deps.interfaces.linkByName(this.deviceName);
    if (this.tunnelIfindex !== undefined) {
      if (dev?.ifindex === this.tunnelIfindex) return;
      this.tunnelIfindex = undefined;
      this.unavailable = `tunnel device ${this.deviceName} went away`;
      this.deps.logger.log('warn', 'kernel.overlay.device-lost', { device: this.deviceName });
      this.deps.changed?.();
      void this.setup();
      return;
    }
    const worth = dev
      ? (dev.kind === undefined || dev.kind === this.config.encapsulation) && dev.ifindex !== this.failedIfindex
      : this.missingSource && this.underlay() !== undefined;
    if (worth) void this.setup();
  }

  private underlay(): InterfaceAddress | undefined {
    return this.deps.interfaces.addresses().find((a) => a.address === this.config.tunnelSource);
  }

  private async trySetup(): Promise<void> {
    const c = this.config;
    const name = this.deviceName;
    const { interfaces, socket } = this.deps;
    const underlay = this.underlay();
    const underlayLink = underlay ? interfaces.link(underlay.ifindex) : undefined;
    const mtu = (underlayLink?.mtu ?? 1500) - (c.encapsulation === 'ipip' ? IPIP_OVERHEAD : VXLAN_OVERHEAD);
    let dev = interfaces.linkByName(name);
    try {
      if (dev && dev.kind !== undefined && dev.kind !== c.encapsulation) {
        throw new Error(`interface ${name} exists but is of type ${dev.kind}, not ${c.encapsulation}`);
      }
      if (!dev) {
        if (!underlay) throw new MissingSource(`tunnel source ${c.tunnelSource} is not an address of this node`);
        await socket.request(c.encapsulation === 'ipip'
          ? ipipCreateRequest({ name, local: c.tunnelSource })
          : vxlanCreateRequest({ name, vni: c.vxlan.vni, port: c.vxlan.port, local: c.tunnelSource, underlayIfindex: underlay.ifindex, mac: vtepMac(c.tunnelSource), mtu }));
        await interfaces.load(socket);
        dev = interfaces.linkByName(name);
        if (!dev) throw new Error(`interface ${name} was created but is not listed`);
        this.deps.logger.log('info', 'kernel.overlay.device-created', { device: name, type: c.encapsulation, mtu, source: c.tunnelSource });
      } else if (this.unavailable !== undefined) {
        this.deps.logger.log('info', 'kernel.overlay.device-adopted', { device: name, ifindex: dev.ifindex });
      }
      await socket.request(linkUpRequest(dev.ifindex, mtu));
    } catch (e) {
      const error = describeTunnelError(c.encapsulation, name, e);
      // Said once per distinct reason: a retry that fails the same way stays quiet.
      if (error !== this.unavailable) this.deps.logger.log('error', 'kernel.overlay.unavailable', { device: name, type: c.encapsulation, error });
      this.unavailable = error;
      this.missingSource = e instanceof MissingSource;
      this.failedIfindex = dev?.ifindex;
      return;
    }
    this.unavailable = undefined;
    this.missingSource = false;
    this.failedIfindex = undefined;
    if (this.tunnelIfindex === dev.ifindex) return;
    this.tunnelIfindex = dev.ifindex;
    // A new device has none of the neighbour and FDB entries of the peers in use.
    for (const peer of this.peers.keys()) this.queue('replace', peer);
    this.deps.changed?.();
  }

  /** How to reach `gateway`: directly, or through the tunnel. */
  resolve(gateway: string): NextHopResolution {
    const c = this.config;
    const local = this.deps.interfaces.onLink(gateway);
    const tunnel = c.encapsulation !== 'none' && (!local || !c.crossSubnet) && !gateway.includes(':') === !c.tunnelSource.includes(':');
    if (!tunnel) {
      return { ok: true, nexthop: { gateway, ...(local ? { ifindex: local.ifindex } : {}), onlink: false } };
    }
    if (this.tunnelIfindex === undefined) return { ok: false, error: this.unavailable ?? `${c.encapsulation} tunnel not set up` };
    const nexthop: KernelNextHop = { gateway, ifindex: this.tunnelIfindex, onlink: true };
    return c.encapsulation === 'vxlan' ? { ok: true, nexthop, vxlanPeer: gateway } : { ok: true, nexthop };
  }

  /** One more route goes through this VXLAN peer: the first one installs its neighbour and FDB entries. */
  acquire(peer: string): void {
    const n = this.peers.get(peer) ?? 0;
    this.peers.set(peer, n + 1);
    if (n === 0) this.queue('replace', peer);
  }

  /** One route fewer through this VXLAN peer: the last one removes its entries. */
  release(peer: string): void {
    const n = this.peers.get(peer) ?? 0;
    if (n <= 1) {
      this.peers.delete(peer);
      if (n === 1) this.queue('delete', peer);
    } else this.peers.set(peer, n - 1);
  }

  vxlanPeers(): ReadonlyMap<string, number> {
    return this.peers;
  }

  private queue(op: 'replace' | 'delete', peer: string): void {
    this.pending.push({ op, peer });
    if (!this.flushing) void this.flush();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0);
        const ifindex = this.tunnelIfindex;
        if (ifindex === undefined) continue;
        const requests = batch.flatMap(({ op, peer }) => {
          const mac = vtepMac(peer);
          return [neighborRequest(op, ifindex, peer, mac), fdbRequest(op, ifindex, mac, peer)];
        });
        const result = await this.deps.socket.batch(NetlinkBatch.of(requests));
        for (const [i, errno] of result.failures) {
          const { op, peer } = batch[Math.floor(i / 2)]!;
          if (op === 'delete' && errno === 2) continue; // already gone
          this.deps.logger.log('warn', 'kernel.overlay.neighbor-failed', { peer, op, entry: i % 2 ? 'fdb' : 'neighbour', errno });
        }
      }
    } catch (e) {
      this.deps.logger.log('error', 'kernel.overlay.neighbor-failed', { error: String(e) });
    } finally {
      this.flushing = false;
    }
  }

  /** Resolves when queued neighbour/FDB changes are written (tests). */
  async whenIdle(): Promise<void> {
    while (this.flushing || this.pending.length) await new Promise((r) => setTimeout(r, 5));
  }
}

class MissingSource extends Error {}

function describeTunnelError(type: Encapsulation, device: string, e: unknown): string {
  if (e instanceof KernelError) {
    if (e.errno === 95) {
      return `the kernel has no ${type} tunnels (EOPNOTSUPP creating ${device}): load the module (modprobe ${type === 'ipip' ? 'ipip' : 'vxlan'}) `
        + `or set kernel.overlay.encapsulation to ${type === 'ipip' ? 'vxlan' : 'ipip'} or none; routes through off-subnet next hops are not installed meanwhile`;
    }
    if (e.errno === 1) return `no permission to create ${device} (EPERM): ternd needs CAP_NET_ADMIN`;
    return `creating ${device} failed: ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
