/** A BGP peer scripted by a test over loopback: connects to ternd, sends OPEN + KEEPALIVE, records what comes back. */
import { connect, type Socket } from 'node:net';
import {
  buildOpen, decodeMessage, encodeMessage, Framer, KEEPALIVE, makeContext, type BgpMessage, type Capability,
} from '../../src/bgp/wire/index.js';

export interface Scripted {
  readonly socket: Socket;
  readonly received: { at: number; message: BgpMessage }[];
}

export async function scriptedPeer(
  local: string, port: number, asn: number, holdTime: number, extraCapabilities: readonly Capability[] = [],
): Promise<Scripted> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: local });
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const received: Scripted['received'] = [];
  const framer = new Framer(65535);
  const ctx = makeContext({});
  socket.on('data', (chunk) => {
    for (const m of framer.push(chunk).messages) {
      const r = decodeMessage(m, ctx);
      if (r.message) received.push({ at: Date.now(), message: r.message });
    }
  });
  const capabilities: Capability[] = [{ code: 65, name: 'four-octet-as', asn }, ...extraCapabilities];
  socket.write(encodeMessage(buildOpen({ asn, holdTime, routerId: local.replace('127.0.0', '10.9.9'), capabilities }), ctx));
  socket.write(encodeMessage(KEEPALIVE, ctx));
  return { socket, received };
}
