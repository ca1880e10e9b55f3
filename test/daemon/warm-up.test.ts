import { describe, expect, it } from 'vitest';
import { warmUp } from '../../src/daemon/warm-up.js';
import { manualClock } from '../helpers/manual-clock.js';

describe('warm-up', () => {
  it('runs a synthetic table through the whole UPDATE path to the scratch receiver', () => {
    const r = warmUp(manualClock(0), { prefixes: 2000, rounds: 1, sets: 64, setPrefixes: 512 });
    expect(r.routes).toEqual({ ipv4: 2000, ipv6: 500 });
    // Each IPv4 /24 costs 4 octets announced and 4 withdrawn, each IPv6 /48 7 and 7; headers and attributes come on top.
    expect(r.sent).toBeGreaterThan(2000 * 8 + 500 * 14);
  });

  it('also sends a table of many attribute sets, one UPDATE each, announced and withdrawn', () => {
    const one = warmUp(manualClock(0), { prefixes: 500, rounds: 1, sets: 0 });
    const many = warmUp(manualClock(0), { prefixes: 500, rounds: 1, sets: 64, setPrefixes: 512 });
    // The sets' table is gone before the one-set table is counted.
    expect(many.routes).toEqual(one.routes);
    // 64 UPDATEs of their own (19-octet header, 4 length octets, ORIGIN + AS_PATH + NEXT_HOP + COMMUNITIES, 8 /24s
    // of 4 octets) and 512 withdrawals of 4 octets at least.
    expect(many.sent - one.sent).toBeGreaterThanOrEqual(64 * (19 + 4 + 4 + 13 + 7 + 7 + 8 * 4) + 512 * 4);
  });

  it('leaves nothing behind: a second run starts from an empty table again', () => {
    const a = warmUp(manualClock(0), { prefixes: 500, rounds: 2, sets: 64, setPrefixes: 512 });
    const b = warmUp(manualClock(0), { prefixes: 500, rounds: 2, sets: 64, setPrefixes: 512 });
    expect(b).toEqual(a);
    expect(a.routes.ipv4).toBe(500);
  });
});
