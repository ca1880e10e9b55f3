/**
 * The VXLAN device's MAC address, derived from the node's tunnel source address so that every node can
 * compute every other node's VTEP MAC from the BGP next hop alone, with no extra signalling.
 *
 * Derivation: 02:74 followed by the four octets of the IPv4 address (02 = locally administered, unicast;
 * 0x74 = "t" for tern). 192.168.230.23 → 02:74:c0:a8:e6:17. For an IPv6 tunnel source the last four
 * octets are used after 02:76, which is unique as long as the nodes' underlay addresses differ in their last
 * 32 bits (true for SLAAC and for the usual ::N numbering).
 */
import ipaddr from 'ipaddr.js';

export function vtepMac(tunnelSource: string): string {
  const bytes = ipaddr.parse(tunnelSource).toByteArray();
  const tail = bytes.slice(-4);
  const head = bytes.length === 4 ? [0x02, 0x74] : [0x02, 0x76];
  return [...head, ...tail].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}
