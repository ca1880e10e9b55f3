/**
 * RefreshGate (RFC 7313 §4): which BoRR and EoRR messages of a session count. The replay tests in
 * enhanced-route-refresh.test.ts show what that does to the routes; these pin the rules per session.
 */
import { describe, expect, it } from 'vitest';
import { RefreshGate } from '../../src/daemon/refresh-gate.js';

describe('RefreshGate', () => {
  it('acts on a BoRR from a peer without graceful restart, and on one EoRR after it', () => {
    const g = new RefreshGate<string>();
    g.established('a', false);
    expect(g.eorr('a', 'ipv4-unicast')).toMatch(/without a BoRR/);
    expect(g.borr('a', 'ipv4-unicast')).toBeUndefined();
    expect(g.eorr('a', 'ipv6-unicast')).toMatch(/without a BoRR/); // the refresh is per family
    expect(g.eorr('a', 'ipv4-unicast')).toBeUndefined();
    expect(g.eorr('a', 'ipv4-unicast')).toMatch(/without a BoRR/); // that refresh is over
  });

  it('ignores BoRRs from a graceful restart peer until its End-of-RIB for the family, per session', () => {
    const g = new RefreshGate<string>();
    g.established('a', true);
    expect(g.borr('a', 'ipv4-unicast')).toMatch(/before End-of-RIB/);
    expect(g.eorr('a', 'ipv4-unicast')).toMatch(/without a BoRR/);
    g.endOfRib('a', 'ipv4-unicast');
    expect(g.borr('a', 'ipv6-unicast')).toMatch(/before End-of-RIB/);
    expect(g.borr('a', 'ipv4-unicast')).toBeUndefined();
    // A new session (a restart) waits for a new End-of-RIB, and a refresh open in the old one is gone.
    g.down('a');
    g.established('a', true);
    expect(g.eorr('a', 'ipv4-unicast')).toMatch(/without a BoRR/);
    expect(g.borr('a', 'ipv4-unicast')).toMatch(/before End-of-RIB/);
    g.down('a');
    expect(g.borr('a', 'ipv4-unicast')).toBe('no session');
  });
});
