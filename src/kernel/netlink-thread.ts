/**
 * rtnetlink with the batches sent from a worker thread. The kernel installs routes inside sendmsg(2), in the
 * calling thread: about a microsecond per route, 100 ms for 100,000, which on the main thread would come on
 * top of decoding BGP and running the RIB. Here the main thread plans and encodes a batch (one buffer),
 * transfers that buffer to a worker that owns a netlink socket, and goes on; the worker sends it in chunks
 * with their barriers and answers with the failures. Requests and dumps (few, and awaited by their callers)
 * stay on a socket of the main thread. A batch's promise resolves only after the kernel has processed all of
 * it, so a dump that follows it sees its effect.
 *
 * If the worker cannot start or dies, batches go over the main thread's socket instead (what is in flight
 * then fails as a lost answer, and the FIB re-reads the kernel).
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../common/logger.js';
import type { NetlinkBatch, NetlinkRequest } from './netlink-batch.js';
import { NetlinkRtnlSocket, type BatchResult, type KernelMessage, type RtnlSocket } from './netlink-socket.js';

/** Main thread → worker: one batch, its buffer transferred. */
export interface WorkerBatch {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly length: number;
  readonly count: number;
}

/** Main thread → worker: send what is in flight, close the socket and end (see `close`). */
export interface WorkerClose {
  readonly close: true;
}

/** Worker → main thread: the batch's failures as [index, errno] pairs, or why it could not be sent. */
export type WorkerAnswer =
  | { readonly id: number; readonly failures: readonly (readonly [number, number])[]; readonly uncertain: boolean }
  | { readonly id: number; readonly error: string };

export class ThreadedRtnlSocket implements RtnlSocket {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: BatchResult): void; reject(e: Error): void }>();
  /** The worker's exit code once it has ended (undefined without a worker). */
  readonly exited: Promise<number | undefined>;

  /** `workerUrl` is for tests: a stand-in for netlink-worker.js speaking the same messages. */
  constructor(private readonly logger: Logger, private readonly local: RtnlSocket = new NetlinkRtnlSocket(), workerUrl = new URL('./netlink-worker.js', import.meta.url)) {
    try {
      const worker = new Worker(workerUrl);
      worker.on('message', (a: WorkerAnswer) => this.answer(a));
      worker.on('error', (e) => this.lost(`netlink worker failed: ${e.message}`));
      worker.on('exit', (code) => this.lost(`netlink worker exited (code ${code})`));
      worker.unref();
      this.worker = worker;
      this.exited = new Promise((resolve) => worker.once('exit', resolve));
    } catch (e) {
      this.logger.log('warn', 'kernel.netlink.no-worker', { error: String(e), why: 'route batches go over the main thread' });
      this.exited = Promise.resolve(undefined);
    }
  }

  batch(batch: NetlinkBatch): Promise<BatchResult> {
    const worker = this.worker;
    if (!worker) return this.local.batch(batch);
    if (batch.count === 0) return Promise.resolve({ failures: new Map(), uncertain: false });
    const id = this.nextId++;
    const { buffer, length, count } = batch.detach();
    const message: WorkerBatch = { id, buffer, length, count };
    return new Promise<BatchResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(message, [buffer]);
    });
  }

  private answer(a: WorkerAnswer): void {
    const p = this.pending.get(a.id);
    if (!p) return;
    this.pending.delete(a.id);
    if ('error' in a) p.reject(new Error(a.error));
    else p.resolve({ failures: new Map(a.failures), uncertain: a.uncertain });
  }

  private lost(why: string): void {
    if (!this.worker) return;
    this.worker = undefined;
    this.logger.log('error', 'kernel.netlink.worker-lost', { error: why, inFlight: this.pending.size });
    for (const p of this.pending.values()) p.reject(new Error(why));
    this.pending.clear();
  }

  request(req: NetlinkRequest): Promise<void> {
    return this.local.request(req);
  }

  dump(req: NetlinkRequest): Promise<KernelMessage[]> {
    return this.local.dump(req);
  }

  /**
   * The worker is asked to close its netlink socket and end by itself, and the process waits for it (at
   * most two seconds, then it is terminated): terminating it with the native socket open aborted the whole
   * process now and then (Napi::Error after close, about one stop in ten).
   */
  close(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      worker.ref();
      const fallback = setTimeout(() => void worker.terminate(), 2000);
      fallback.unref();
      worker.once('exit', () => clearTimeout(fallback));
      worker.postMessage({ close: true } satisfies WorkerClose);
    }
    for (const p of this.pending.values()) p.reject(new Error('netlink socket closed'));
    this.pending.clear();
    this.local.close();
  }
}
