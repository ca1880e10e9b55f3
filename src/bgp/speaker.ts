/**
 * The BGP speaker: the listening socket(s) and the set of peers. An incoming connection is matched to a
 * configured peer by its address (IPv4-mapped IPv6 addresses are unmapped; link-local addresses carry their
 * zone), else to a listen range, which creates a dynamic peer on the fly from the range's template, up to the
 * range's limit. Anything else is refused at once. Dynamic peers disappear when their session ends.
 */
import { createServer, type Server, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Logger } from '../common/logger.js';
import { Peer, type PeerDeps, type PeerSettings } from './peer.js';

export interface ListenRange {
  readonly prefix: string;
  /** Settings for a peer at `address` accepted from this range. */
  readonly settingsFor: (address: string) => PeerSettings;
  readonly limit: number;
}

export interface SpeakerOptions {
  readonly listen?: { readonly address: string; readonly port: number };
  readonly ranges: readonly ListenRange[];
  readonly logger: Logger;
}

/** The address as a peer key: IPv4-mapped IPv6 unmapped; IPv6 in RFC 5952 form with any zone kept. */
export function normalizeAddress(address: string): string {
  const [addr, zone] = address.split('%');
  if (!addr || !ipaddr.isValid(addr)) return address;
  let parsed = ipaddr.parse(addr);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const text = parsed.toString();
  return zone ? `${text}%${zone}` : text;
}

function inRange(address: string, prefix: string): boolean {
  const [addr] = address.split('%');
  try {
    const a = ipaddr.parse(addr!);
    const [net, bits] = ipaddr.parseCIDR(prefix);
    return a.kind() === net.kind() && a.match([net, bits]);
  } catch {
    return false;
  }
}

export class BgpSpeaker {
  private readonly peers = new Map<string, Peer>();
  private readonly dynamicCount = new Map<ListenRange, number>();
  private server: Server | undefined;
  private readonly log: Logger;

  constructor(private readonly options: SpeakerOptions, private readonly deps: PeerDeps) {
    this.log = options.logger.child({ component: 'speaker' });
  }

  addPeer(settings: PeerSettings): Peer {
    const key = normalizeAddress(settings.key);
    const existing = this.peers.get(key);
    if (existing) return existing;
    const peer = new Peer({ ...settings, key }, this.deps);
    this.peers.set(key, peer);
    return peer;
  }

  removePeer(key: string, message = 'peer de-configured'): void {
    const peer = this.peers.get(key);
    if (!peer) return;
    peer.stop(message);
    peer.destroy();
    this.peers.delete(key);
  }

  peer(key: string): Peer | undefined {
    return this.peers.get(normalizeAddress(key));
  }

  allPeers(): Peer[] {
    return [...this.peers.values()];
  }

  startAll(): void {
    for (const p of this.peers.values()) p.start();
  }

  async listen(): Promise<{ address: string; port: number } | undefined> {
    const l = this.options.listen;
    if (!l) return undefined;
    const server = createServer({ noDelay: true }, (socket) => this.incoming(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: l.address, port: l.port, ipv6Only: false }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.log('error', 'bgp.listen.error', { error: err.message }));
    const a = server.address();
    if (a && typeof a === 'object') {
      this.log.log('info', 'bgp.listen', { address: a.address, port: a.port });
      return { address: a.address, port: a.port };
    }
    return undefined;
  }

  private incoming(socket: Socket): void {
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    let peer = this.peers.get(remote) ?? this.findScoped(remote);
    if (!peer) peer = this.dynamicPeer(remote);
    if (!peer || !peer.accept(socket)) {
      this.log.log('info', 'bgp.connection.refused', { remote, why: peer ? `peer is ${peer.state}` : 'no peer or listen range matches' });
      socket.destroy();
    }
  }

  /** A link-local peer configured with a zone matches a connection reported with or without one. */
  private findScoped(remote: string): Peer | undefined {
    const bare = remote.split('%')[0];
    for (const [key, peer] of this.peers) if (key.split('%')[0] === bare) return peer;
    return undefined;
  }

  private dynamicPeer(remote: string): Peer | undefined {
    const range = this.options.ranges.find((r) => inRange(remote, r.prefix));
    if (!range) return undefined;
    const count = this.dynamicCount.get(range) ?? 0;
    if (count >= range.limit) {
      this.log.log('warn', 'bgp.dynamic.limit', { remote, range: range.prefix, limit: range.limit });
      return undefined;
    }
    const settings = range.settingsFor(remote);
    const peer = this.addPeer({ ...settings, key: remote, dynamic: true });
    this.dynamicCount.set(range, count + 1);
    this.log.log('info', 'bgp.dynamic.peer', { remote, range: range.prefix });
    peer.start();
    return peer;
  }

  /** Forget a dynamic peer whose session ended (called by the daemon on Idle). */
  releaseDynamic(peer: Peer): void {
    if (!peer.settings.dynamic) return;
    const range = this.options.ranges.find((r) => inRange(peer.settings.key, r.prefix));
    if (range) this.dynamicCount.set(range, Math.max(0, (this.dynamicCount.get(range) ?? 1) - 1));
    peer.destroy();
    this.peers.delete(peer.settings.key);
  }

  async close(): Promise<void> {
    for (const p of this.peers.values()) p.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
