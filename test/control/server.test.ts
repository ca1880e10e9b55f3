import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { startControlServer } from '../../src/control/server.js';
import { ControlError, requestDaemon } from '../../src/cli/control-client.js';
import type { ControlRequest } from '../../src/control/protocol.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tern-ctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function raw(socket: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let out = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) {
        c.end();
        resolve(out.trim());
      }
    });
    c.on('error', reject);
    c.write(text);
  });
}

describe('control socket', () => {
  it('answers requests through the handler and rejects malformed ones without dying', async () => {
    const socket = path.join(dir, 'a.sock');
    const seen: ControlRequest[] = [];
    const server = await startControlServer(socket, (req) => {
      seen.push(req);
      if (req.op === 'neighbor-enable' && req.peer === 'boom') throw new Error('handler failed');
      return { ok: true, result: req.op };
    }, silentLogger);
    try {
      expect(await requestDaemon<string>(socket, { op: 'show-neighbors' })).toBe('show-neighbors');
      expect(JSON.parse(await raw(socket, 'not json\n'))).toEqual({ ok: false, error: 'request is not JSON' });
      expect(JSON.parse(await raw(socket, '{"op":"format-disk"}\n')).error).toMatch(/^unknown request/);
      await expect(requestDaemon(socket, { op: 'neighbor-enable', peer: 'boom' })).rejects.toThrow('handler failed');
      expect(await requestDaemon<string>(socket, { op: 'neighbor-refresh', peer: 'x', direction: 'out' })).toBe('neighbor-refresh');
      expect(seen.map((r) => r.op)).toEqual(['show-neighbors', 'neighbor-enable', 'neighbor-refresh']);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('tells the operator when no daemon listens', async () => {
    await expect(requestDaemon(path.join(dir, 'none.sock'), { op: 'show-neighbors' })).rejects.toBeInstanceOf(ControlError);
    await expect(requestDaemon(path.join(dir, 'none.sock'), { op: 'show-neighbors' })).rejects.toThrow(/is ternd running/);
  });
});
