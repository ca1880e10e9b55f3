// A stand-in for src/kernel/netlink-worker.js in unit tests (no real netlink socket: that would change the
// test runner's own namespace). It answers each batch the way the real worker does: every RTM_DELROUTE (25)
// fails with ESRCH; a batch whose first message has type 0xdead makes the worker die; { close: true } ends it.
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (m) => {
  // Asked to close (as the real worker): close the port, and the thread ends with code 0.
  if (m.close) return void parentPort.close();
  const bytes = Buffer.from(m.buffer, 0, m.length);
  const failures = [];
  let off = 0;
  for (let i = 0; off + 16 <= bytes.length; i++) {
    const type = bytes.readUInt16LE(off + 4);
    if (i === 0 && type === 0xdead) process.exit(3);
    if (type === 25) failures.push([i, 3]);
    off += (bytes.readUInt32LE(off) + 3) & ~3;
  }
  parentPort.postMessage({ id: m.id, failures, uncertain: false, count: m.count });
});
