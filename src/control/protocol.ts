/**
 * The control protocol between `bgpctl` and `ternd`: one JSON request per line on a Unix socket, one JSON
 * response per line back. Plain data only, so the CLI knows these types and nothing of the daemon.
 */
import type { RouteExplanation, RouteSummary } from '../rib/explain.js';
import type { SoftInResult } from '../rib/soft-reconfiguration.js';

export type {
  AdvertisedPathView, AttributesView, Candidate, ExportView, ImportView, PathView, PolicyTrace, RouteExplanation, RouteSummary,
} from '../rib/explain.js';
export type { PolicyDecision, TermStep } from '../rib/policy/explain.js';

export type ControlRequest =
  | { readonly op: 'show-neighbors' }
  | { readonly op: 'show-kernel' }
  /** The Loc-RIB's best routes, in prefix order, at most `limit` per family. */
  | { readonly op: 'show-routes'; readonly family?: 'ipv4-unicast' | 'ipv6-unicast'; readonly limit?: number }
  /** Every candidate path of one prefix (or of the longest match of an address) and why the best won. */
  | { readonly op: 'explain'; readonly prefix: string }
  | { readonly op: 'neighbor-shutdown'; readonly peer: string; readonly message?: string }
  | { readonly op: 'neighbor-enable'; readonly peer: string }
  | { readonly op: 'neighbor-reset'; readonly peer: string; readonly message?: string }
  /** in: ask the peer to send its routes again (ROUTE-REFRESH); out: send ours again. */
  | { readonly op: 'neighbor-refresh'; readonly peer: string; readonly direction: 'in' | 'out' }
  /**
   * Run the peer's import policy again over its routes as received (soft reconfiguration inbound); when they
   * are not kept, ask the peer for them with ROUTE-REFRESH instead. Answered with a SoftInView.
   */
  | { readonly op: 'neighbor-soft-in'; readonly peer: string };

/** Every request op, as a record so that a new op that is not listed here fails to compile. */
const OPS: Record<ControlRequest['op'], true> = {
  'show-neighbors': true, 'show-kernel': true, 'show-routes': true, 'explain': true, 'neighbor-shutdown': true, 'neighbor-enable': true, 'neighbor-reset': true, 'neighbor-refresh': true,
  'neighbor-soft-in': true,
};
export const CONTROL_OPS = Object.keys(OPS) as readonly ControlRequest['op'][];

export type ControlResponse<T = unknown> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: string };

export interface NotificationView {
  readonly code: number;
  readonly subcode: number;
  readonly codeName: string;
  readonly subcodeName: string;
  readonly message?: string;
}

export interface DownView {
  readonly code: string;
  readonly detail: string;
  readonly sent?: NotificationView;
  readonly received?: NotificationView;
}

export interface NeighborView {
  readonly address: string;
  readonly description?: string;
  readonly remoteAs: number | readonly number[] | 'any';
  readonly localAs: number;
  readonly state: string;
  readonly dynamic: boolean;
  readonly adminDown: boolean;
  /** Seconds since the session reached Established. */
  readonly uptime?: number;
  /** Why the last Established session ended (or the operator's shutdown). */
  readonly lastDown?: DownView;
  /** The most recent failed attempt when it differs from lastDown (a refused connect, an OPEN rejected). */
  readonly lastError?: DownView;
  readonly session?: {
    readonly peerAs: number;
    readonly routerId: string;
    readonly holdTime: number;
    readonly keepaliveTime: number;
    readonly families: readonly string[];
    readonly as4: boolean;
    readonly addPathReceive: readonly string[];
    readonly addPathSend: readonly string[];
    /** Paths per prefix in the addPathSend families: all, or the best N (present when there are any). */
    readonly addPathSendPaths?: 'all' | number;
    readonly extendedMessage: boolean;
    readonly enhancedRouteRefresh: boolean;
    readonly gracefulRestart?: { readonly restartTime: number; readonly restarting: boolean };
    readonly hostname?: string;
  };
  readonly messages: { readonly in: number; readonly out: number };
  readonly prefixesReceived: number;
}

export const DEFAULT_CONTROL_SOCKET = '/run/tern/ternd.sock';

/** `bgpctl show kernel`: FIB sync and overlay state. */
export interface KernelView {
  readonly enabled: boolean;
  readonly table?: number;
  readonly protocol?: number;
  readonly metric?: number;
  readonly encapsulation?: string;
  /** Why the tunnel device cannot be used (e.g. the kernel lacks the tunnel type). */
  readonly tunnelError?: string;
  readonly routes?: { readonly wanted: number; readonly installed: number; readonly failed: number; readonly unresolved: number; readonly adopted: number };
  readonly vxlanPeers?: number;
  /** Routes not in the kernel as wanted, at most 100. */
  readonly problems?: readonly { readonly prefix: string; readonly state: 'failed' | 'unresolved'; readonly error: string; readonly attempts?: number }[];
  readonly connected?: readonly string[];
}

export interface RoutesView {
  readonly routes: readonly RouteSummary[];
  /** Prefixes in the Loc-RIB per family (the list may be cut at the limit). */
  readonly totals: { readonly 'ipv4-unicast': number; readonly 'ipv6-unicast': number };
}

/** `bgpctl neighbor ADDR soft-in`. */
export interface SoftInView {
  readonly peer: string;
  /**
   * `soft-reconfiguration`: import policy ran again over the kept routes (`result` counts them);
   * `route-refresh`: the peer keeps no routes as received, so it was sent a ROUTE-REFRESH instead.
   */
  readonly method: 'soft-reconfiguration' | 'route-refresh';
  readonly result?: SoftInResult;
  /** The same for people. */
  readonly message: string;
}

export interface ExplainView {
  /** The prefix looked up (the longest match when an address was asked for). */
  readonly prefix: string;
  readonly explanation?: RouteExplanation;
  /** What the kernel holds for it, when FIB sync is on. */
  readonly kernel?: { readonly state: string; readonly error?: string; readonly nexthops?: readonly { readonly gateway?: string; readonly ifindex?: number; readonly onlink: boolean }[] };
}
