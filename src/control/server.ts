/**
 * The control socket: a Unix socket that answers one JSON line per request line. Requests go to a handler
 * the daemon supplies; a malformed request gets an error response, never a crash or a hang.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import type { Logger } from '../common/logger.js';
import { CONTROL_OPS, type ControlRequest, type ControlResponse } from './protocol.js';

export type ControlHandler = (request: ControlRequest) => Promise<ControlResponse> | ControlResponse;

const OPS = new Set<string>(CONTROL_OPS);
const MAX_LINE = 64 * 1024;

function parse(line: string): ControlRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'request is not JSON';
  }
  if (typeof value !== 'object' || value === null || !OPS.has((value as { op?: unknown }).op as string)) {
    return `unknown request; expected one of: ${[...OPS].join(', ')}`;
  }
  return value as ControlRequest;
}

export async function startControlServer(socketPath: string, handler: ControlHandler, logger: Logger): Promise<Server> {
  mkdirSync(path.dirname(socketPath), { recursive: true });
  rmSync(socketPath, { force: true });
  const server = createServer((conn) => {
    let buffered = '';
    conn.setEncoding('utf8');
    conn.on('error', () => {});
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE) {
        conn.end(JSON.stringify({ ok: false, error: 'request too long' }) + '\n');
        return;
      }
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const request = parse(line);
        // Through .then so that a handler throwing synchronously still becomes an error response.
        void Promise.resolve()
          .then((): ControlResponse | Promise<ControlResponse> => (typeof request === 'string' ? { ok: false, error: request } : handler(request)))
          .catch((e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) }))
          .then((response) => conn.write(JSON.stringify(response) + '\n'));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  logger.log('info', 'control.listen', { socket: socketPath });
  return server;
}
