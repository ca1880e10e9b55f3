/**
 * The real rtnetlink transport (src/kernel/netlink-socket.ts) in the test's own network namespace, reading
 * only: dumps need no privilege and change nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NetlinkRtnlSocket } from '../../src/kernel/netlink-socket.js';
import { routeDumpRequest } from '../../src/kernel/route-message.js';

const RTM_NEWLINK = 16;
const RTM_NEWROUTE = 24;
const LINK_DUMP = { type: 18, flags: 1 | 0x300, body: Buffer.alloc(16) };

describe('NetlinkRtnlSocket', () => {
  const socket = new NetlinkRtnlSocket();
  afterAll(() => socket.close());

  it('answers dumps asked for at once, each with its own messages (the kernel runs one dump per socket at a time)', async () => {
    const [links, v4, v6, again] = await Promise.all([
      socket.dump(LINK_DUMP), socket.dump(routeDumpRequest(4)), socket.dump(routeDumpRequest(6)), socket.dump(LINK_DUMP),
    ]);
    expect(links.length).toBeGreaterThan(0); // at least the loopback
    expect(links.every((m) => m.type === RTM_NEWLINK)).toBe(true);
    expect(again.length).toBe(links.length);
    expect([...v4, ...v6].every((m) => m.type === RTM_NEWROUTE)).toBe(true);
    expect(v4.every((m) => m.body[0] === 2)).toBe(true); // AF_INET
    expect(v6.every((m) => m.body[0] === 10)).toBe(true); // AF_INET6
  });
});
