/**
 * Graceful restart, receiving speaker (RFC 4724 §4.2), step by step through RouteExchange (replay harness):
 * - a peer that comes back without the Forwarding State bit for a family, without that family in its
 *   capability, or without the capability at all loses its stale routes of that family at once;
 * - the restart timer only bounds the time until the session is back; after that the stale routes wait for
 *   End-of-RIB, at most until `gracefulRestart.staleRoutesTime` (counted from the loss, as FRR's
 *   `bgp graceful-restart stalepath-time`) has passed.
 */
import { describe, expect, it } from 'vitest';
import { replay, type ReplayStep } from '../helpers/replay.js';
import { parseScenario } from '../helpers/replay-scenario.js';

type Change = { prefix: string; best: unknown };
type Sent = { type: string; nlri?: string[]; withdrawn?: string[]; attributes?: { mpUnreach?: { withdrawn: string[] } } };

/** Prefixes whose best path went away in a step (RIB side). */
function gone(step: ReplayStep): string[] {
  return (step.ribChanges as unknown as Change[]).filter((c) => c.best === null).map((c) => c.prefix).sort();
}

/** Prefixes withdrawn toward a peer in a step (IPv4 field and MP_UNREACH_NLRI). */
function withdrawnTo(step: ReplayStep, peer: string): string[] {
  const sent = (step.sent[peer] ?? []) as unknown as Sent[];
  return sent.flatMap((m) => [...(m.withdrawn ?? []), ...(m.attributes?.mpUnreach?.withdrawn ?? [])]).sort();
}

const HEAD = `
description: GR helper
config:
  routerId: 192.0.2.1
  localAs: 65001
  families: [ipv4-unicast, ipv6-unicast]
  ebgpRequiresPolicy: false
  gracefulRestart: { staleRoutesTime: 300 }
  peers:
    - { address: 10.0.1.2, remoteAs: 65002 }
    - { address: 10.0.2.2, remoteAs: 65003 }
interfaces:
  eth1: [10.0.1.1, "2001:db8:1::1"]
  eth2: [10.0.2.1, "2001:db8:2::1"]
events:
  - up: { peer: 10.0.2.2, localAddress: 10.0.2.1 }
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, gracefulRestart: { restartTime: 120 } }
  - update:
      from: 10.0.1.2
      attributes: { origin: igp, asPath: [65002], nextHop: 10.0.1.2 }
      nlri: [10.1.1.0/24]
  - update:
      from: 10.0.1.2
      attributes: { origin: igp, asPath: [65002] }
      mpReach: { nextHops: ["2001:db8:1::2"], nlri: ["2001:db8:100::/48"] }
  - down: { peer: 10.0.1.2, reason: tcp-closed }
`;
/** Index of the step after HEAD's events. */
const NEXT = 5;

function play(events: string): ReplayStep[] {
  return replay(parseScenario(HEAD + events, 'gr-helper'));
}

describe('graceful restart helper: the peer comes back (RFC 4724 §4.2)', () => {
  it('keeps the stale routes of the families whose F bit is set and removes the others at once', () => {
    const steps = play(`
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, gracefulRestart: { restartTime: 120, restarting: true, forwarding: [ipv4-unicast] } }
  - endOfRib: { from: 10.0.1.2, family: ipv4-unicast }
`);
    expect(gone(steps[NEXT - 1]!)).toEqual([]); // the loss itself: both stale, nothing withdrawn
    expect(gone(steps[NEXT]!)).toEqual(['2001:db8:100::/48']);
    expect(withdrawnTo(steps[NEXT]!, '10.0.2.2')).toEqual(['2001:db8:100::/48']);
    expect(gone(steps[NEXT + 1]!)).toEqual(['10.1.1.0/24']); // End-of-RIB sweeps what was kept
  });

  it('removes every stale route at once when the capability is missing', () => {
    const steps = play(`
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1 }
`);
    expect(gone(steps[NEXT]!)).toEqual(['10.1.1.0/24', '2001:db8:100::/48']);
    expect(withdrawnTo(steps[NEXT]!, '10.0.2.2')).toEqual(['10.1.1.0/24', '2001:db8:100::/48']);
  });

  it('removes the stale routes of a family the capability leaves out', () => {
    const steps = play(`
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, gracefulRestart: { restartTime: 120, families: [ipv6-unicast] } }
`);
    expect(gone(steps[NEXT]!)).toEqual(['10.1.1.0/24']);
  });

  it('removes the stale routes of a family the new session does not carry', () => {
    const steps = play(`
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, families: [ipv4-unicast], gracefulRestart: { restartTime: 120 } }
`);
    expect(gone(steps[NEXT]!)).toEqual(['2001:db8:100::/48']);
  });
});

describe('graceful restart helper: timers (RFC 4724 §4.2)', () => {
  it('stops the restart timer once the session is back; the stale-routes time sweeps what End-of-RIB did not', () => {
    const steps = play(`
  - advance: { seconds: 60 }
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, gracefulRestart: { restartTime: 120, restarting: true } }
  - update:
      from: 10.0.1.2
      attributes: { origin: igp, asPath: [65002], nextHop: 10.0.1.2 }
      nlri: [10.1.1.0/24]
  - advance: { seconds: 100 }
  - advance: { seconds: 139 }
  - advance: { seconds: 2 }
`);
    // 160 s after the loss: past the restart time, but the session is back: nothing goes.
    expect(gone(steps[NEXT + 3]!)).toEqual([]);
    // 299 s: still within staleRoutesTime (300 s from the loss).
    expect(gone(steps[NEXT + 4]!)).toEqual([]);
    // 301 s: the IPv6 route, never announced again and without End-of-RIB, is swept; the re-announced one stays.
    expect(gone(steps[NEXT + 5]!)).toEqual(['2001:db8:100::/48']);
    expect(withdrawnTo(steps[NEXT + 5]!, '10.0.2.2')).toEqual(['2001:db8:100::/48']);
  });

  it('sweeps at the restart time when the session does not come back', () => {
    const steps = play(`
  - advance: { seconds: 119 }
  - advance: { seconds: 2 }
`);
    expect(gone(steps[NEXT]!)).toEqual([]);
    expect(gone(steps[NEXT + 1]!)).toEqual(['10.1.1.0/24', '2001:db8:100::/48']);
  });

  it('sweeps at the stale-routes time even when it is shorter than the restart time', () => {
    const steps = replay(parseScenario(HEAD.replace('staleRoutesTime: 300', 'staleRoutesTime: 30') + `
  - advance: { seconds: 29 }
  - advance: { seconds: 2 }
`, 'gr-helper-short'));
    expect(gone(steps[NEXT]!)).toEqual([]);
    expect(gone(steps[NEXT + 1]!)).toEqual(['10.1.1.0/24', '2001:db8:100::/48']);
  });

  it('ends the stale-routes time with the last End-of-RIB: later losses start afresh', () => {
    const steps = play(`
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, gracefulRestart: { restartTime: 120, restarting: true } }
  - update:
      from: 10.0.1.2
      attributes: { origin: igp, asPath: [65002], nextHop: 10.0.1.2 }
      nlri: [10.1.1.0/24]
  - endOfRib: { from: 10.0.1.2, family: ipv4-unicast }
  - endOfRib: { from: 10.0.1.2, family: ipv6-unicast }
  - advance: { seconds: 250 }
  - down: { peer: 10.0.1.2, reason: tcp-closed }
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, gracefulRestart: { restartTime: 120, restarting: true } }
  - advance: { seconds: 100 }
  - advance: { seconds: 201 }
`);
    expect(gone(steps[NEXT + 3]!)).toEqual(['2001:db8:100::/48']); // IPv6 End-of-RIB sweeps its stale route
    // 350 s after the first loss, 100 s after the second: the first timer must not sweep the second cycle.
    expect(gone(steps[NEXT + 7]!)).toEqual([]);
    expect(gone(steps[NEXT + 8]!)).toEqual(['10.1.1.0/24']); // 301 s after the second loss
  });
});
