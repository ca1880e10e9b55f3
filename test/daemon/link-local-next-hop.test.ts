/**
 * Our next hop toward eBGP IPv6 peers on a shared link (RFC 2545 §3): the global address and our link-local
 * address of the session's interface (32 octets), as BIRD and FRR send them, so that a directly connected
 * peer can route via the link-local address. Never toward iBGP peers, nor toward multihop eBGP peers, which
 * are not known to share the link.
 */
import { describe, expect, it } from 'vitest';
import { replay, type ReplayStep } from '../helpers/replay.js';
import { parseScenario } from '../helpers/replay-scenario.js';

type Sent = { type: string; attributes?: { mpReach?: { nextHops: string[]; nlri: string[] } } };

/** The MP_REACH_NLRI next hops each peer was sent in a step. */
function mpNextHops(step: ReplayStep): Record<string, string[][]> {
  const out: Record<string, string[][]> = {};
  for (const [peer, sent] of Object.entries(step.sent)) {
    const hops = (sent as unknown as Sent[]).flatMap((m) => (m.attributes?.mpReach ? [m.attributes.mpReach.nextHops] : []));
    if (hops.length) out[peer] = hops;
  }
  return out;
}

describe('link-local next hop toward directly connected eBGP IPv6 peers (RFC 2545 §3)', () => {
  it('goes to single-hop eBGP peers only, with the link-local address of the session\'s interface', () => {
    const steps = replay(parseScenario(`
description: link-local next hop self
config:
  routerId: 192.0.2.1
  localAs: 65001
  families: [ipv6-unicast]
  ebgpRequiresPolicy: false
  peers:
    - { address: "2001:db8:1::2", remoteAs: 65002 }
    - { address: "2001:db8:2::2", remoteAs: 65003 }
    - { address: "2001:db8:3::2", remoteAs: 65004, multihop: 2 }
    - { address: "2001:db8:9::2", remoteAs: 65001 }
    - { address: "fe80::5%eth5", remoteAs: 65006 }
interfaces:
  eth1: ["2001:db8:1::1", "fe80::1"]
  eth2: ["2001:db8:2::1", "fe80::2:1"]
  eth3: ["2001:db8:3::1", "fe80::3:1"]
  eth5: ["fe80::1", "2001:db8:5::1"]
  eth9: ["2001:db8:9::1", "fe80::9:1"]
events:
  - up: { peer: "2001:db8:2::2", localAddress: "2001:db8:2::1", routerId: 1.1.1.3 }
  - up: { peer: "2001:db8:3::2", localAddress: "2001:db8:3::1", routerId: 1.1.1.4 }
  - up: { peer: "2001:db8:9::2", localAddress: "2001:db8:9::1", routerId: 1.1.1.9 }
  - up: { peer: "fe80::5%eth5", localAddress: "fe80::1%eth5", routerId: 1.1.1.5 }
  - up: { peer: "2001:db8:1::2", localAddress: "2001:db8:1::1", routerId: 1.1.1.2 }
  - update:
      from: "2001:db8:1::2"
      attributes: { origin: igp, asPath: [65002] }
      mpReach: { nextHops: ["2001:db8:1::2", "fe80::2"], nlri: ["2001:db8:100::/48"] }
`, 'link-local-self'));
    expect(mpNextHops(steps[5]!)).toEqual({
      '2001:db8:2::2': [['2001:db8:2::1', 'fe80::2:1']], // single-hop eBGP: global + ours on eth2
      '2001:db8:3::2': [['2001:db8:3::1']], // multihop eBGP: global only
      '2001:db8:9::2': [['2001:db8:1::2']], // iBGP: unchanged, without the link-local of the other link
      'fe80::5%eth5': [['2001:db8:5::1', 'fe80::1']], // link-local session: the session's own address
    });
  });
});
