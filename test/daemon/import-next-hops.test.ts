/**
 * Which next hop an imported route gets when one UPDATE carries NLRI in two places (RFC 4760 §2, §3): the
 * IPv4 NLRI field goes with NEXT_HOP, the NLRI inside MP_REACH_NLRI with MP_REACH_NLRI's own next hop.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/cli/render-message.js';
import { replay, type ReplayStep } from '../helpers/replay.js';
import { parseScenario } from '../helpers/replay-scenario.js';

type Change = { prefix: string; best: { attributes: { nextHop: string; nextHopLinkLocal?: string } } | null };

function nextHops(step: ReplayStep): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of step.ribChanges as unknown as Change[]) {
    const a = c.best?.attributes;
    if (a) out[c.prefix] = a.nextHopLinkLocal ? `${a.nextHop} ${a.nextHopLinkLocal}` : a.nextHop;
  }
  return out;
}

const CONFIG = `
config:
  routerId: 192.0.2.1
  localAs: 65001
  ebgpRequiresPolicy: false
  peers:
    - { address: 10.0.3.2, remoteAs: 65004, families: [ipv4-unicast, ipv6-unicast], extendedNextHop: true }
interfaces:
  eth3: [10.0.3.1, "2001:db8:3::1"]
`;

describe('next hops of an UPDATE with NLRI in both places', () => {
  it('gives IPv4 NLRI the NEXT_HOP attribute and IPv6 NLRI in MP_REACH_NLRI its own next hop', () => {
    const steps = replay(parseScenario(`
description: IPv4 NLRI + NEXT_HOP and IPv6 NLRI in MP_REACH_NLRI in one UPDATE
${CONFIG}
events:
  - up: { peer: 10.0.3.2, localAddress: 10.0.3.1 }
  - update:
      from: 10.0.3.2
      attributes: { origin: igp, asPath: [65004], nextHop: 10.0.3.2 }
      nlri: [10.71.0.0/24]
      mpReach: { nextHops: ["2001:db8:3::2", "fe80::2"], nlri: ["2001:db8:301::/48"] }
`, 'mixed-next-hops'));
    expect(nextHops(steps[1]!)).toEqual({ '10.71.0.0/24': '10.0.3.2', '2001:db8:301::/48': '2001:db8:3::2 fe80::2' });
  });

  it('keeps the two IPv4 lists apart when MP_REACH_NLRI carries IPv4 over an IPv6 next hop (RFC 8950)', () => {
    const steps = replay(parseScenario(`
description: IPv4 NLRI + NEXT_HOP and IPv4 NLRI in MP_REACH_NLRI with an IPv6 next hop in one UPDATE
${CONFIG}
events:
  - up: { peer: 10.0.3.2, localAddress: 10.0.3.1, extendedNextHop: true }
  - update:
      from: 10.0.3.2
      attributes: { origin: igp, asPath: [65004], nextHop: 10.0.3.2 }
      nlri: [10.71.0.0/24]
      mpReach: { family: ipv4-unicast, nextHops: ["2001:db8:3::2"], nlri: [10.72.0.0/24] }
`, 'mixed-next-hops-rfc8950'));
    const step: Json = steps[1]!.decoded ?? null;
    expect(step).toBeNull();
    expect(nextHops(steps[1]!)).toEqual({ '10.71.0.0/24': '10.0.3.2', '10.72.0.0/24': '2001:db8:3::2' });
  });
});
