/** `bgpctl show neighbors` for people: the add-path column appears when some session negotiated add-path. */
import { describe, expect, it } from 'vitest';
import { renderNeighbors } from '../../src/cli/render-neighbors.js';
import type { NeighborView } from '../../src/control/protocol.js';

const session = {
  peerAs: 65001, routerId: '10.77.0.2', holdTime: 90, keepaliveTime: 30, families: ['ipv4-unicast', 'ipv6-unicast'], as4: true,
  addPathReceive: [], addPathSend: [], extendedMessage: false, enhancedRouteRefresh: true,
} as const;
const neighbor = (address: string, over: Partial<NeighborView['session']> = {}): NeighborView => ({
  address, remoteAs: 65001, localAs: 65001, state: 'Established', dynamic: false, adminDown: false, uptime: 61,
  session: { ...session, ...over }, messages: { in: 3, out: 4 }, prefixesReceived: 2,
});

describe('renderNeighbors', () => {
  it('shows what add-path was negotiated and how many paths each peer is sent', () => {
    const text = renderNeighbors([
      neighbor('10.77.1.2', { addPathSend: ['ipv4-unicast'], addPathSendPaths: 'all' }),
      neighbor('10.77.2.2', { addPathReceive: ['ipv4-unicast', 'ipv6-unicast'], addPathSend: ['ipv6-unicast'], addPathSendPaths: 2 }),
      neighbor('10.77.3.2'),
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Neighbor\s+AS\s+State\s+Up\s+Prefixes\s+Add-path\s+Description\s+Last down$/);
    expect(lines[1]).toMatch(/^10\.77\.1\.2\s+65001\s+Established\s+00:01:01\s+2\s+tx ipv4 all$/);
    expect(lines[2]).toMatch(/\s2\s+rx ipv4,ipv6 tx ipv6 best 2$/);
    expect(lines[3]).toMatch(/\s2\s+-$/);
  });

  it('leaves the column out when no session has add-path', () => {
    expect(renderNeighbors([neighbor('10.77.3.2')])).not.toContain('Add-path');
  });
});
