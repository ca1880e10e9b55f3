/**
 * The worker thread side of ThreadedRtnlSocket (netlink-thread.ts): owns one rtnetlink socket and sends the
 * batches the main thread transfers to it. The kernel does its route work inside sendmsg(2), in the sending
 * thread: here, beside the main thread's BGP and RIB work instead of after it.
 */
import { parentPort } from 'node:worker_threads';
import { NetlinkBatch } from './netlink-batch.js';
import { NetlinkRtnlSocket } from './netlink-socket.js';
import type { WorkerAnswer, WorkerBatch, WorkerClose } from './netlink-thread.js';

const port = parentPort;
if (port) {
  const socket = new NetlinkRtnlSocket();
  let inFlight = 0;
  let closing = false;
  // Asked to close: once the batches in flight are answered, close the socket and the port, and the thread ends.
  const maybeEnd = (): void => {
    if (!closing || inFlight > 0) return;
    socket.close();
    port.close();
  };
  port.on('message', (m: WorkerBatch | WorkerClose) => {
    if ('close' in m) {
      closing = true;
      maybeEnd();
      return;
    }
    const answer = (a: WorkerAnswer): void => port.postMessage(a);
    inFlight++;
    socket.batch(NetlinkBatch.over(Buffer.from(m.buffer, 0, m.length), m.count)).then(
      (r) => answer({ id: m.id, failures: [...r.failures], uncertain: r.uncertain }),
      (e: unknown) => answer({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
    ).finally(() => {
      inFlight--;
      maybeEnd();
    });
  });
}
