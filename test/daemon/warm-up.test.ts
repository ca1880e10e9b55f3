import { describe, expect, it } from 'vitest';
import { warmUp } from '../../src/daemon/warm-up.js';
import { manualClock } from '../helpers/manual-clock.js';

describe('warm-up', () => {
  it('runs a synthetic table through the whole UPDATE path to the scratch receiver', () => {
    const r = warmUp(manualClock(0), { prefixes: 2000, rounds: 1 });
    expect(r.routes).toEqual({ ipv4: 2000, ipv6: 500 });
    // Each IPv4 /24 costs 4 octets announced and 4 withdrawn, each IPv6 /48 7 and 7; headers and attributes come on top.
    expect(r.sent).toBeGreaterThan(2000 * 8 + 500 * 14);
  });

  it('leaves nothing behind: a second run starts from an empty table again', () => {
    const a = warmUp(manualClock(0), { prefixes: 500, rounds: 2 });
    const b = warmUp(manualClock(0), { prefixes: 500, rounds: 2 });
    expect(b).toEqual(a);
    expect(a.routes.ipv4).toBe(500);
  });
});
