/**
 * Builds the kernel side from the config: the netlink socket, the interface table (for connected routes
 * and the overlay), FIB sync with the overlay when `kernel.enabled`, and the bridge from the Loc-RIB.
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { Peer } from '../bgp/peer.js';
import { usesKernel, type TernConfig } from '../config/schema.js';
import { DEFAULT_FIB_OPTIONS } from '../kernel/fib.js';
import { InterfaceTable } from '../kernel/interfaces.js';
import { KernelSync, netlinkMonitor } from '../kernel/kernel-sync.js';
import type { RtnlSocket } from '../kernel/netlink-socket.js';
import { ThreadedRtnlSocket } from '../kernel/netlink-thread.js';
import type { RtnlMonitor } from '../kernel/netlink-monitor.js';
import type { LocRib } from '../rib/loc-rib.js';
import { ConnectedRoutes } from './connected-routes.js';
import { KernelRoutes } from './kernel-routes.js';
import type { RouteExchange } from './route-exchange.js';

export interface KernelParts {
  readonly interfaces: InterfaceTable;
  /** Present when `kernel.enabled`. */
  readonly sync?: KernelSync;
  readonly routes?: KernelRoutes;
  readonly connected?: ConnectedRoutes;
  close(): void;
}

export interface KernelWiringDeps {
  readonly rib: LocRib;
  readonly exchange: RouteExchange;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly configuredPeers: () => readonly Peer[];
  /** Tests may pass their own; the default is a real rtnetlink socket in the daemon's network namespace. */
  readonly socket?: RtnlSocket;
}

export async function startKernel(config: TernConfig, deps: KernelWiringDeps): Promise<KernelParts | undefined> {
  if (!usesKernel(config)) return undefined;
  const k = config.kernel;
  const wantConnected = config.connectedRoutes.interfaces.length > 0;
  const log = deps.logger.child({ part: 'kernel' });
  const socket = deps.socket ?? new ThreadedRtnlSocket(log);
  let sync: KernelSync | undefined;
  let routes: KernelRoutes | undefined;
  let interfaces: InterfaceTable;
  let monitor: RtnlMonitor | undefined;
  if (k.enabled) {
    sync = new KernelSync(
      { ...DEFAULT_FIB_OPTIONS, target: { table: k.table, protocol: k.protocol, metric: k.metric }, antiEntropyMs: k.antiEntropy * 1000 },
      { ...k.overlay, tunnelSource: k.overlay.tunnelSource ?? config.routerId },
      { socket, clock: deps.clock, logger: log, monitor: netlinkMonitor },
    );
    await sync.start();
    interfaces = sync.interfaces;
    routes = new KernelRoutes({
      rib: deps.rib, kernel: sync, config: k, clock: deps.clock, logger: log,
      sweepAfter: config.gracefulRestart.restartTime,
      peers: deps.configuredPeers,
      deferring: () => deps.exchange.deferring,
      zoneOf: (address) => {
        const zone = address.split('%')[1];
        if (zone) return zone;
        const onLink = sync!.interfaces.onLink(address);
        return onLink ? sync!.interfaces.link(onLink.ifindex)?.name : undefined;
      },
    });
  } else {
    interfaces = new InterfaceTable();
    monitor = netlinkMonitor({
      message: (m) => interfaces.apply(m),
      overrun: () => void interfaces.load(socket).catch(() => undefined),
    });
    await interfaces.load(socket);
  }
  let connected: ConnectedRoutes | undefined;
  if (wantConnected) {
    const c = new ConnectedRoutes(config.connectedRoutes, {
      table: interfaces, rib: deps.rib, store: deps.exchange.store, now: () => deps.clock.now(), changed: () => deps.exchange.flush(),
    });
    interfaces.onChange(() => c.refresh());
    c.refresh();
    connected = c;
  }
  // Routes originated so far (static blackholes): the kernel gets them now unless deferral holds the table.
  if (routes && !deps.exchange.deferring) routes.reset();
  return {
    interfaces,
    ...(sync ? { sync } : {}),
    ...(routes ? { routes } : {}),
    ...(connected ? { connected } : {}),
    close() {
      routes?.close();
      sync?.close();
      monitor?.close();
      socket.close();
    },
  };
}
