import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/common/clock.js';
import { warmUp } from '../../src/daemon/warm-up.js';

describe('warm-up', () => {
  it('runs a synthetic table through the whole UPDATE path to the scratch receiver', () => {
    const r = warmUp(systemClock, { prefixes: 2000, rounds: 1, sets: 0 });
    expect(r.routes).toEqual({ ipv4: 2000, ipv6: 500 });
    expect(r.sets).toBe(0);
    // Each IPv4 /24 costs 4 octets announced and 4 withdrawn, each IPv6 /48 7 and 7; headers and attributes come on top.
    expect(r.sent).toBeGreaterThan(2000 * 8 + 500 * 14);
  });

  it('runs a table of many attribute sets, each received and exported one', () => {
    const r = warmUp(systemClock, { prefixes: 500, rounds: 1, sets: 64, setPrefixes: 256, setRounds: 2 });
    // 64 received sets and the 64 export made of them (our AS prepended); the one-set tables' sets were withdrawn.
    expect(r.sets).toBe(128);
    const none = warmUp(systemClock, { prefixes: 500, rounds: 1, sets: 0 });
    expect(r.sent - none.sent).toBeGreaterThan(2 * 256 * 8);
  });

  it('leaves nothing behind: a second run starts from an empty table again', () => {
    const a = warmUp(systemClock, { prefixes: 500, rounds: 2 });
    const b = warmUp(systemClock, { prefixes: 500, rounds: 2 });
    expect(b).toEqual(a);
    expect(a.routes.ipv4).toBe(500);
  });

  it('prunes after every withdrawal, as the daemon does once a burst is over', () => {
    // The next round's announcements then take freed slots (the prefix table's free list), as a table that
    // comes back after a session reset does. Without the prunes the last withdrawal's slots stay retired.
    const r = warmUp(systemClock, { prefixes: 500, rounds: 2, sets: 16, setPrefixes: 64, setRounds: 2 });
    expect(r.retired).toBe(0);
  });
});
