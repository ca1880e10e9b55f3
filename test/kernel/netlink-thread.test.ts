/**
 * ThreadedRtnlSocket's hand-over to a worker thread (src/kernel/netlink-thread.ts), with a stand-in worker:
 * the batch buffer is transferred, failures come back by index, and a worker that dies fails what was in
 * flight and leaves later batches to the main thread's socket. The real worker is exercised by every lab
 * test that runs ternd with the kernel on.
 */
import { describe, expect, it } from 'vitest';
import { NetlinkBatch } from '../../src/kernel/netlink-batch.js';
import type { BatchResult, KernelMessage, RtnlSocket } from '../../src/kernel/netlink-socket.js';
import { ThreadedRtnlSocket } from '../../src/kernel/netlink-thread.js';

class LocalSocket implements RtnlSocket {
  readonly batches: number[] = [];
  async batch(batch: NetlinkBatch): Promise<BatchResult> {
    this.batches.push(batch.count);
    return { failures: new Map(), uncertain: false };
  }
  async request(): Promise<void> {}
  async dump(): Promise<KernelMessage[]> {
    return [{ type: 3, body: Buffer.alloc(0) }];
  }
  close(): void {}
}

const WORKER = new URL('./fake-netlink-worker.mjs', import.meta.url);

/** A socket with the stand-in worker and a main-thread socket that counts the batches it gets. */
function threaded(): { socket: ThreadedRtnlSocket; local: LocalSocket; events: string[] } {
  const events: string[] = [];
  const logger = { log: (_l: string, event: string) => void events.push(event), child: () => logger };
  const local = new LocalSocket();
  return { socket: new ThreadedRtnlSocket(logger, local, WORKER), local, events };
}

function batchOf(...types: number[]): NetlinkBatch {
  return NetlinkBatch.of(types.map((type) => ({ type, flags: 1, body: Buffer.alloc(12) })));
}

describe('ThreadedRtnlSocket', () => {
  it('sends batches through the worker, transferring the buffer, and maps failures back by index', async () => {
    const { socket, local, events } = threaded();
    try {
      const batch = batchOf(24, 25, 24, 25);
      const result = await socket.batch(batch);
      expect([...result.failures]).toEqual([[1, 3], [3, 3]]);
      expect(batch.count).toBe(0); // handed over
      const [a, b] = await Promise.all([socket.batch(batchOf(25)), socket.batch(batchOf(24, 24))]);
      expect([...a.failures]).toEqual([[0, 3]]);
      expect(b.failures.size).toBe(0);
      expect(local.batches).toEqual([]);
      // Dumps and requests stay on the main thread's socket.
      expect(await socket.dump({ type: 26, flags: 0x301, body: Buffer.alloc(12) })).toHaveLength(1);
      expect(events).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('fails what was in flight when the worker dies, says so, and sends later batches itself', async () => {
    const { socket, local, events } = threaded();
    try {
      await expect(socket.batch(batchOf(0xdead, 24))).rejects.toThrow(/netlink worker exited \(code 3\)/);
      expect(events).toContain('kernel.netlink.worker-lost');
      expect((await socket.batch(batchOf(24, 24, 24))).failures.size).toBe(0);
      expect(local.batches).toEqual([3]);
    } finally {
      socket.close();
    }
  });

  it('lets the worker end by itself on close instead of terminating it', async () => {
    const { socket } = threaded();
    expect((await socket.batch(batchOf(24))).failures.size).toBe(0);
    socket.close();
    // A terminated worker exits with 1; one that closed its port and ended, with 0.
    expect(await socket.exited).toBe(0);
  });
});
