// BGP on the wire: tcpdump records port 179 inside a lab namespace, tshark's own BGP dissector reads it back.
// Tests assert on what actually crossed the link, decoded by a program that is not tern.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Lab, LabProcess } from './lab.js';
import { notYet, waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

/** One BGP message as tshark decoded it, with the TCP connection it travelled on. */
export interface WireMessage {
  /** Capture time, seconds since the epoch. */
  readonly time: number;
  /** tshark's TCP stream index: one per connection. */
  readonly stream: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** 1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE, 5 ROUTE-REFRESH. */
  readonly type: number;
  /** NOTIFICATION error code and subcode. */
  readonly notification?: { readonly code: number; readonly subcode: number };
  /** OPEN: the sender's BGP identifier. */
  readonly identifier?: string;
  /** OPEN with a graceful-restart capability: its Restart State (R) bit (RFC 4724 §3). */
  readonly restartState?: boolean;
}

/** A TCP connection seen in the capture: who sent its first SYN. */
export interface WireConnection {
  readonly stream: number;
  readonly initiator: string;
  readonly responder: string;
}

export interface Capture {
  readonly file: string;
  readonly process: LabProcess;
  /** Every BGP message captured so far (tcpdump writes packet by packet, so this works while it runs). */
  messages(): Promise<WireMessage[]>;
  /** Every TCP connection opened so far, by its SYN. */
  connections(): Promise<WireConnection[]>;
  stop(): Promise<void>;
}

/** Starts tcpdump on `ifname` in `ns` for TCP port 179 and waits until it is listening. */
export async function startCapture(lab: Lab, ns: string, ifname: string): Promise<Capture> {
  const dir = await lab.tmpdir('pcap');
  const file = path.join(dir, `${ifname}.pcap`);
  // --immediate-mode: hand each packet over at once (by default libpcap waits up to a second to fill a
  // buffer); -U: write each packet to the file at once; -Z root: keep root, so the file lands in our
  // root-owned temp dir. Readers still poll: a packet on the wire is in the file moments later.
  const proc = lab.spawn(ns, 'tcpdump', ['-i', ifname, '--immediate-mode', '-U', '-n', '-s', '0', '-Z', 'root', '-w', file, 'tcp port 179'], { name: `tcpdump(${ifname})` });
  await waitFor(() => /listening on/.test(proc.output()) || (proc.running() ? notYet(proc.output()) : undefined), {
    what: `tcpdump on ${ifname} in ${ns}`,
    timeoutMs: 15_000,
    failIf: () => (proc.running() ? undefined : `tcpdump exited: ${proc.output()}`),
  });
  return {
    file,
    process: proc,
    messages: () => readMessages(file),
    connections: () => readConnections(file),
    stop: () => proc.stop(),
  };
}

async function tshark(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync('tshark', ['-n', ...args], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** First value of `key` anywhere below `node` (tshark nests capability fields several levels down). */
function find(node: Json | undefined, key: string): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const hit = find(child, key);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (!isObject(node)) return undefined;
  const own = node[key];
  if (typeof own === 'string') return own;
  if (Array.isArray(own) && typeof own[0] === 'string') return own[0];
  for (const child of Object.values(node)) {
    const hit = find(child, key);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** tshark's JSON: one object per frame; a frame with several BGP messages has an array under `bgp`. */
async function readMessages(file: string): Promise<WireMessage[]> {
  const out = await tshark(['-r', file, '-Y', 'bgp', '-T', 'json', '--no-duplicate-keys', '-J', 'frame ip tcp bgp']);
  const frames = (out.trim() === '' ? [] : JSON.parse(out)) as { _source: { layers: JsonObject } }[];
  const messages: WireMessage[] = [];
  for (const { _source: { layers } } of frames) {
    const field = (layer: string, key: string): string => find(layers[layer], key) ?? '';
    const base = {
      time: Number(field('frame', 'frame.time_epoch')),
      stream: Number(field('tcp', 'tcp.stream')),
      src: field('ip', 'ip.src'),
      srcPort: Number(field('tcp', 'tcp.srcport')),
      dst: field('ip', 'ip.dst'),
      dstPort: Number(field('tcp', 'tcp.dstport')),
    };
    const bgp = layers.bgp;
    for (const m of Array.isArray(bgp) ? bgp : [bgp]) {
      const type = Number(find(m, 'bgp.type'));
      if (!Number.isInteger(type)) continue;
      const code = find(m, 'bgp.notify.major_error');
      const subcode = find(m, 'bgp.notify.minor_error_cease') ?? find(m, 'bgp.notify.minor_error');
      const identifier = find(m, 'bgp.open.identifier');
      const restart = find(m, 'bgp.cap.gr.timers.restart_flag');
      messages.push({
        ...base,
        type,
        ...(type === 3 && code !== undefined ? { notification: { code: Number(code), subcode: Number(subcode ?? 0) } } : {}),
        ...(type === 1 && identifier !== undefined ? { identifier } : {}),
        ...(type === 1 && restart !== undefined ? { restartState: restart === '1' || restart === 'True' } : {}),
      });
    }
  }
  return messages;
}

async function readConnections(file: string): Promise<WireConnection[]> {
  const out = await tshark(['-r', file, '-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0', '-T', 'fields', '-e', 'tcp.stream', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst']);
  const seen = new Map<number, WireConnection>();
  for (const line of out.split('\n')) {
    // IPv4 connections fill the ip.* fields, IPv6 ones the ipv6.* fields.
    const [stream, src4, dst4, src6, dst6] = line.replace(/\r$/, '').split('\t');
    const initiator = src4 || src6;
    const responder = dst4 || dst6;
    if (!stream || !initiator || !responder) continue;
    // A retransmitted SYN belongs to the same stream: the first one names the initiator.
    if (!seen.has(Number(stream))) seen.set(Number(stream), { stream: Number(stream), initiator, responder });
  }
  return [...seen.values()];
}
