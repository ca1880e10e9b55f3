/**
 * The device-under-test plug-in interface of the side-by-side benchmark. One file per implementation in
 * bench/duts/, registered in bench/duts/index.ts. A driver turns a daemon-neutral setup (our AS, router ID,
 * the peers the benchmark's tools will connect from, whether learned routes go to the kernel FIB) into that
 * daemon's configuration, starts it in the DUT namespace, says when it is ready to accept sessions, and
 * names the PIDs whose CPU time and peak RSS are the DUT's.
 */
import type { Lab } from '../../test/lab/harness/index.js';

/** What a scenario needs from the DUT beyond BGP sessions; a driver may not support some. */
export type Capability = 'bgp' | 'route-reflection' | 'kernel-fib' | 'ipam';

export interface DutPeer {
  /** An identifier (BIRD protocol name): letters, digits, underscore. */
  readonly name: string;
  /** The tool's address: IPv4 or IPv6; the session carries that family only. */
  readonly address: string;
  readonly asn: number;
  /** iBGP route-reflector client. */
  readonly rrClient?: boolean;
}

export interface DutSetup {
  readonly routerId: string;
  readonly asn: number;
  /** Every peer is passive on the DUT side: the benchmark's tools connect. */
  readonly peers: readonly DutPeer[];
  /** Install learned routes in the namespace's kernel FIB (the kernel scenario); off for the BGP ones. */
  readonly kernel: boolean;
}

export interface DutInstance {
  /** The configuration files as written, `name: text` (for the report). */
  readonly configs: Readonly<Record<string, string>>;
  /** Resolves once the DUT accepts BGP connections; rejects with a reason when it cannot start. */
  ready(): Promise<void>;
  /** PIDs whose CPU and peak RSS count as the DUT's (all of its processes). */
  pids(): number[];
  /** Why the DUT is not running any more, or undefined while it is. */
  died(): string | undefined;
  /** Last part of the daemon's output, for diagnostics. */
  output(): string;
  stop(): Promise<void>;
}

export interface DutDriver {
  /** Short id used on the command line (`--duts bird,frr`). */
  readonly id: string;
  /** Display name in tables. */
  readonly name: string;
  /**
   * Sends End-of-RIB to a graceful-restart-aware peer once its initial update is done. The runner then
   * waits for it on every receiver session before starting a clock (FRR, for one, holds its first update to
   * new peers for its update-group coalesce time, up to 10 s). Otherwise it waits a fixed 2 s.
   */
  readonly settlesWithEndOfRib: boolean;
  /** Debian packages to install when the binaries are missing. */
  readonly packages: readonly string[];
  /** Why the driver cannot run here (missing binaries, unbuilt dist), or undefined. */
  unavailable(): string | undefined;
  /** Version string for the machine section of the report. */
  version(): Promise<string>;
  /**
   * Why a capability is not supported: `not supported yet: …` for what is planned (tern), `n/a: …` for what
   * the implementation does not do at all; undefined when supported.
   */
  unsupported(capability: Capability): string | undefined;
  /** The configuration the driver would write for a setup (`file name → text`). */
  configure(setup: DutSetup): Record<string, string>;
  /** Writes the configuration and starts the daemon(s) in `ns`; `ready()` on the result waits for it. */
  start(lab: Lab, ns: string, setup: DutSetup): Promise<DutInstance>;
}
