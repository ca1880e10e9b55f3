/**
 * bgpctl's side of the control socket: send one request line, read one response line. A daemon that is not
 * running is a clear error, not a stack trace.
 */
import { connect } from 'node:net';
import type { ControlRequest, ControlResponse } from '../control/protocol.js';

export class ControlError extends Error {
  override name = 'ControlError';
}

export function requestDaemon<T>(socketPath: string, request: ControlRequest, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const sock = connect(socketPath);
    let buffered = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ControlError(`no answer from ternd on ${socketPath} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(request) + '\n'));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'is ternd running? (--socket to choose another socket)' : err.message;
      reject(new ControlError(`cannot reach ternd at ${socketPath}: ${why}`));
    });
    sock.on('data', (chunk: string) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      const response = JSON.parse(buffered.slice(0, nl)) as ControlResponse<T>;
      if (response.ok) resolve(response.result);
      else reject(new ControlError(response.error));
    });
  });
}
