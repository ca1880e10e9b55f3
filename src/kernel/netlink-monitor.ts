/**
 * rtnetlink notifications (multicast groups): links, addresses and routes as they change. A receive-buffer
 * overrun (ENOBUFS) means notifications were lost; listeners are told so they can re-read the kernel.
 */
import { parseMessages, RawNetlinkSocket } from 'netlink';
import type { KernelMessage } from './netlink-socket.js';

/** rtnetlink multicast groups (RTNLGRP_*, include/uapi/linux/rtnetlink.h). */
export const RTNLGRP = { LINK: 1, IPV4_IFADDR: 5, IPV6_IFADDR: 9 } as const;

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
  // An exception thrown back into a native callback aborts the process: never let one escape.
  const guarded = (fn: () => void): void => {
    try {
      fn();
    } catch {
      // nothing to do: a lost notification is repaired by the next re-read
    }
  };
  sock.on('message', (buf) => guarded(() => {
    let messages;
    try {
      messages = parseMessages(buf);
    } catch {
      listener.overrun(); // unreadable: treat as lost notifications and re-read
      return;
    }
    for (const m of messages) listener.message({ type: m.type, body: m.data });
  }));
  sock.on('error', (err) => guarded(() => {
    if (err.code === 'ENOBUFS') listener.overrun();
  }));
  return { close: () => sock.close() };
}
