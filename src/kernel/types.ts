/**
 * The kernel side's vocabulary: routes as tern wants them in the FIB, interfaces and addresses as the kernel
 * reports them. Plain data; the netlink encoding lives in route-message.ts, link-message.ts and
 * neighbor-message.ts.
 */

export type IpVersion = 4 | 6;

/** One next hop of a kernel route: `via gateway dev ifindex [onlink]`. */
export interface KernelNextHop {
  /** Gateway address as text; undefined for a device route. */
  readonly gateway?: string;
  /** Output interface; undefined lets the kernel resolve the gateway recursively. */
  readonly ifindex?: number;
  /** RTNH_F_ONLINK: the gateway is reachable on the device even without a matching subnet (tunnels). */
  readonly onlink: boolean;
}

/**
 * How a route forwards, without its destination. The FIB shares one object between every route through the
 * same next hops, so comparing what is wanted with what is installed is mostly an identity check.
 */
export interface Forwarding {
  readonly type: 'unicast' | 'blackhole';
  /** One entry: a plain route; several: an ECMP (RTA_MULTIPATH) route; none for a blackhole. */
  readonly nexthops: readonly KernelNextHop[];
}

export const BLACKHOLE: Forwarding = Object.freeze({ type: 'blackhole', nexthops: Object.freeze([]) });

export interface KernelRoute extends Forwarding {
  readonly version: IpVersion;
  /** Network address as text (host bits zero). */
  readonly dst: string;
  readonly dstLen: number;
}

/** Where tern's routes go and how they are tagged (BIRD's `kernel table`, `metric`, and the protocol id). */
export interface FibTarget {
  readonly table: number;
  /** rtm_protocol; 186 is `bgp` in iproute2's rt_protos. Routes of any other protocol are never touched. */
  readonly protocol: number;
  /** Route priority (`metric`): a route of another protocol with the same prefix and metric is not replaced. */
  readonly metric: number;
}

export interface InterfaceAddress {
  readonly ifindex: number;
  readonly version: IpVersion;
  readonly address: string;
  readonly prefixLen: number;
}

export interface Link {
  readonly ifindex: number;
  readonly name: string;
  /** IFF_UP and carrier (operstate up or unknown). */
  readonly up: boolean;
  readonly mtu: number;
  /** IFLA_INFO_KIND (veth, bridge, vxlan, ipip, ...) when the kernel reports one. */
  readonly kind?: string;
}
