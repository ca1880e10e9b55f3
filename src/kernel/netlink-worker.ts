/**
 * The worker thread side of ThreadedRtnlSocket (netlink-thread.ts): owns one rtnetlink socket and sends the
 * batches the main thread transfers to it. The kernel does its route work inside sendmsg(2), in the sending
 * thread: here, beside the main thread's BGP and RIB work instead of after it.
 */
import { parentPort } from 'node:worker_threads';
import { NetlinkBatch } from './netlink-batch.js';
import { NetlinkRtnlSocket } from './netlink-socket.js';
import type { WorkerAnswer, WorkerBatch } from './netlink-thread.js';

const port = parentPort;
if (port) {
  const socket = new NetlinkRtnlSocket();
  port.on('message', (m: WorkerBatch) => {
    const answer = (a: WorkerAnswer): void => port.postMessage(a);
    socket.batch(NetlinkBatch.over(Buffer.from(m.buffer, 0, m.length), m.count)).then(
      (r) => answer({ id: m.id, failures: [...r.failures], uncertain: r.uncertain }),
      (e: unknown) => answer({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
    );
  });
}
