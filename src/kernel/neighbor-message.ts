/**
 * Neighbour and FDB entries for VXLAN peers (rtnetlink RTM_NEWNEIGH / RTM_DELNEIGH), the netlink form of
 * `ip neigh replace NH dev vxlan lladdr MAC nud permanent` and
 * `bridge fdb replace MAC dev vxlan dst NH self permanent`.
 */
import { AttrStream, FlagsNew, rt } from 'netlink';
import { addressBytes, AF_INET, AF_INET6, alignedBody, type NetlinkRequest } from './route-message.js';
import { macBytes } from './vtep-mac.js';

export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
const AF_BRIDGE = 7;

function build(type: number, flags: number, data: rt.Neighbor, attrs: rt.NeighborAttrs): NetlinkRequest {
  const out = new AttrStream();
  rt.formatNeighborMessage({ kind: 'neighbor', data, attrs }, out);
  return { type, flags, body: alignedBody(out.bufs) };
}

const REQUEST = 1;
const REPLACE = REQUEST | FlagsNew.CREATE | FlagsNew.REPLACE;

/** ARP/ND entry: the remote VTEP's address resolves to its derived MAC on the VXLAN device. */
export function neighborRequest(op: 'replace' | 'delete', ifindex: number, address: string, mac: string): NetlinkRequest {
  const family = address.includes(':') ? AF_INET6 : AF_INET;
  return build(op === 'replace' ? RTM_NEWNEIGH : RTM_DELNEIGH, op === 'replace' ? REPLACE : REQUEST,
    { family, ifindex, state: { permanent: true } },
    { dst: addressBytes(address), ...(op === 'replace' ? { lladdr: macBytes(mac) } : {}) });
}

/**
 * FDB entry: frames for the remote VTEP's MAC are sent to its underlay address. NTF_SELF (`flags.self`): the
 * entry belongs to the VXLAN driver's own FDB, not to a bridge master; NUD_PERMANENT|NUD_NOARP: never aged out
 * (the state iproute2's `bridge fdb ... permanent` sends).
 */
export function fdbRequest(op: 'replace' | 'delete', ifindex: number, mac: string, remote: string): NetlinkRequest {
  return build(op === 'replace' ? RTM_NEWNEIGH : RTM_DELNEIGH, op === 'replace' ? REPLACE : REQUEST,
    { family: AF_BRIDGE, ifindex, state: { permanent: true, noarp: true }, flags: { self: true } },
    { lladdr: macBytes(mac), dst: addressBytes(remote) });
}
