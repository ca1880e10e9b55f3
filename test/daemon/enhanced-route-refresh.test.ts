/**
 * BoRR and EoRR (RFC 7313 §4) mean something only on a session that negotiated enhanced route refresh. On
 * one that did not, the octet is RFC 2918's Reserved field; RFC 7313 §5 answers a well-formed ROUTE-REFRESH
 * whose subtype the receiver cannot act on by ignoring it (a NOTIFICATION is for a bad length only), so
 * neither marks nor sweeps anything, and the session stays up.
 *
 * With graceful restart (RFC 7313 §4): a peer that sent the capability has its BoRRs for a family ignored
 * until its End-of-RIB for that family, and an EoRR without a BoRR acted upon is ignored too, so a refresh
 * never re-marks or sweeps what the restart keeps stale until End-of-RIB (RFC 4724 §4.2).
 */
import { describe, expect, it } from 'vitest';
import { replay, type ReplayStep } from '../helpers/replay.js';
import { parseScenario } from '../helpers/replay-scenario.js';

type Change = { prefix: string; best: unknown };

function gone(step: ReplayStep): string[] {
  return (step.ribChanges as unknown as Change[]).filter((c) => c.best === null).map((c) => c.prefix).sort();
}

const HEAD = `
description: BoRR/EoRR with and without enhanced route refresh
config:
  routerId: 192.0.2.1
  localAs: 65001
  families: [ipv4-unicast]
  ebgpRequiresPolicy: false
  peers:
    - { address: 10.0.1.2, remoteAs: 65002 }
    - { address: 10.0.2.2, remoteAs: 65003 }
interfaces:
  eth1: [10.0.1.1]
  eth2: [10.0.2.1]
events:
  - up: { peer: 10.0.2.2, localAddress: 10.0.2.1 }
`;

const ROUTES = `
  - update:
      from: 10.0.1.2
      attributes: { origin: igp, asPath: [65002], nextHop: 10.0.1.2 }
      nlri: [10.1.1.0/24, 10.1.2.0/24]
`;

describe('BoRR and EoRR (RFC 7313)', () => {
  it('are acted upon when enhanced route refresh was negotiated', () => {
    const steps = replay(parseScenario(`${HEAD}
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1 }
${ROUTES}
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: borr }
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: eorr }
`, 'err-negotiated'));
    expect(gone(steps[4]!)).toEqual(['10.1.1.0/24', '10.1.2.0/24']);
  });

  it('are ignored without it: nothing marked, nothing swept, no NOTIFICATION', () => {
    const steps = replay(parseScenario(`${HEAD}
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, without: [enhanced-route-refresh] }
${ROUTES}
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: borr }
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: eorr }
`, 'err-not-negotiated'));
    expect(gone(steps[3]!)).toEqual([]);
    expect(gone(steps[4]!)).toEqual([]);
    expect(steps[3]!.sent).toEqual({});
    expect(steps[4]!.sent).toEqual({});
    expect(steps.some((s) => s.actions !== undefined || s.thrown !== undefined)).toBe(false);
  });

  it('without it, an EoRR does not sweep routes kept stale by graceful restart before End-of-RIB', () => {
    const steps = replay(parseScenario(`${HEAD}
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, without: [enhanced-route-refresh], gracefulRestart: { restartTime: 120 } }
${ROUTES}
  - down: { peer: 10.0.1.2, reason: tcp-closed }
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, without: [enhanced-route-refresh], gracefulRestart: { restartTime: 120, restarting: true } }
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: eorr }
  - endOfRib: { from: 10.0.1.2, family: ipv4-unicast }
`, 'err-not-negotiated-gr'));
    expect(gone(steps[5]!)).toEqual([]);
    expect(gone(steps[6]!)).toEqual(['10.1.1.0/24', '10.1.2.0/24']); // End-of-RIB does, as RFC 4724 §4.2 says
  });

  it('during a graceful restart, before End-of-RIB: BoRR and EoRR are ignored, End-of-RIB sweeps (RFC 7313 §4)', () => {
    const steps = replay(parseScenario(`${HEAD}
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, gracefulRestart: { restartTime: 120 } }
${ROUTES}
  - down: { peer: 10.0.1.2, reason: tcp-closed }
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, gracefulRestart: { restartTime: 120, restarting: true } }
  - update:
      from: 10.0.1.2
      attributes: { origin: igp, asPath: [65002], nextHop: 10.0.1.2 }
      nlri: [10.1.1.0/24]
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: borr }
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: eorr }
  - endOfRib: { from: 10.0.1.2, family: ipv4-unicast }
`, 'err-gr-before-eor'));
    // Acting on the BoRR would mark 10.1.1.0/24 (sent again) stale once more, and the EoRR would sweep it.
    expect(gone(steps[6]!)).toEqual([]);
    expect(gone(steps[7]!)).toEqual([]);
    expect(steps[7]!.sent).toEqual({});
    expect(gone(steps[8]!)).toEqual(['10.1.2.0/24']); // only what the restarted peer did not send again
  });

  it('from a peer with the capability, a BoRR counts only after its End-of-RIB for the family (RFC 7313 §4)', () => {
    const steps = replay(parseScenario(`${HEAD}
  - up: { peer: 10.0.1.2, localAddress: 10.0.1.1, gracefulRestart: { restartTime: 120 } }
${ROUTES}
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: borr }
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: eorr }
  - endOfRib: { from: 10.0.1.2, family: ipv4-unicast }
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: borr }
  - update:
      from: 10.0.1.2
      attributes: { origin: igp, asPath: [65002], nextHop: 10.0.1.2 }
      nlri: [10.1.1.0/24]
  - routeRefresh: { from: 10.0.1.2, family: ipv4-unicast, subtype: eorr }
`, 'err-gr-first-session'));
    expect(gone(steps[4]!)).toEqual([]); // before End-of-RIB: the BoRR marked nothing, so the EoRR sweeps nothing
    expect(gone(steps[5]!)).toEqual([]); // and End-of-RIB finds nothing stale
    expect(gone(steps[8]!)).toEqual(['10.1.2.0/24']); // after it: a refresh like any other
  });
});
