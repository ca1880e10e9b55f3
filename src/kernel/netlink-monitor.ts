/**
 * rtnetlink notifications (multicast groups): links, addresses and routes as they change. A receive-buffer
 * overrun (ENOBUFS) means notifications were lost; listeners are told so they can re-read the kernel.
 */
import { parseMessages, RawNetlinkSocket } from 'netlink';
import type { KernelMessage } from './netlink-socket.js';

/** rtnetlink multicast groups (RTNLGRP_*, include/uapi/linux/rtnetlink.h). */
export const RTNLGRP = { LINK: 1, IPV4_IFADDR: 5, IPV4_ROUTE: 7, IPV6_IFADDR: 9, IPV6_ROUTE: 11 } as const;

export interface MonitorListener {
  message(m: KernelMessage): void;
  overrun(): void;
}

export interface RtnlMonitor {
  close(): void;
}

export function startMonitor(groups: readonly number[], listener: MonitorListener): RtnlMonitor {
  const sock = new RawNetlinkSocket(0, { recvBufferSize: 8 * 1024 * 1024, sendBufferSize: 64 * 1024 });
  for (const g of groups) sock.addMembership(g);
  sock.on('message', (buf) => {
    // An exception thrown back into the native receive callback aborts the process: never let one escape.
    try {
      for (const m of parseMessages(buf)) listener.message({ type: m.type, body: m.data });
    } catch {
      listener.overrun(); // unreadable: treat as lost notifications and re-read
    }
  });
  sock.on('error', (err) => {
    if (err.code === 'ENOBUFS') listener.overrun();
  });
  return { close: () => sock.close() };
}
