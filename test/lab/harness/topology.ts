// Shapes shared by the interop tests: a star with ternd in the middle, and errors that carry the lab's logs.
import type { Lab } from './lab.js';

/** Re-throws with every daemon's output attached, so a red test says why. */
export async function explained<T>(lab: Lab, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error) err.message += `\n\n=== lab diagnostics ===\n${lab.diagnostics().slice(-20_000)}`;
    throw err;
  }
}

export interface Star {
  readonly tern: string;
  /** Namespace of each spoke, by name. */
  readonly spokes: Readonly<Record<string, string>>;
}

/**
 * ternd's namespace `tern` linked to one namespace per spoke: spoke i (from 1) gets link 10.77.i.0/24 and
 * fd77:i::/64, ternd .1 / ::1 on interface `to-<name>`, the spoke .2 / ::2 on `eth0`.
 */
export async function star(lab: Lab, spokeNames: readonly string[]): Promise<Star> {
  const tern = await lab.namespace('tern');
  const spokes: Record<string, string> = {};
  for (const [i, name] of spokeNames.entries()) {
    const n = i + 1;
    const ns = await lab.namespace(name);
    spokes[name] = ns;
    await lab.connect(
      { ns: tern, ifname: `to-${name}`, addrs: [`10.77.${n}.1/24`, `fd77:${n}::1/64`] },
      { ns, ifname: 'eth0', addrs: [`10.77.${n}.2/24`, `fd77:${n}::2/64`] },
    );
  }
  return { tern, spokes };
}

export interface GatedStar {
  /** ternd's namespace: 10.77.99.1 on `to-router`, everything else of 10.77.0.0/16 via the router. */
  readonly tern: string;
  /** The router between ternd and the spokes; it forwards only while the gate is open. */
  readonly router: string;
  /** Namespace of each spoke, by name: spoke i (from 1) is 10.77.i.2 on `eth0`, routed back via 10.77.i.254. */
  readonly spokes: Readonly<Record<string, string>>;
  /**
   * Open or close the gate (IPv4 forwarding on the router). Closed, the router drops what it would forward
   * without an ICMP error (Linux with forwarding off is silent), so a SYN is lost and its sender keeps
   * retransmitting it: connection attempts can be held back and released at will.
   */
  gate(open: boolean): Promise<void>;
}

/**
 * ternd and the spokes on different subnets, joined by a router namespace whose forwarding starts off (the
 * gate is closed). Sessions across it are one hop away: BGP peers need multihop 2. IPv4 only.
 */
export async function gatedStar(lab: Lab, spokeNames: readonly string[]): Promise<GatedStar> {
  const tern = await lab.namespace('tern');
  const router = await lab.namespace('router');
  await lab.connect({ ns: tern, ifname: 'to-router', addrs: ['10.77.99.1/24'] }, { ns: router, ifname: 'to-tern', addrs: ['10.77.99.254/24'] });
  await lab.exec(tern, 'ip', ['route', 'add', '10.77.0.0/16', 'via', '10.77.99.254']);
  const spokes: Record<string, string> = {};
  for (const [i, name] of spokeNames.entries()) {
    const n = i + 1;
    const ns = await lab.namespace(name);
    spokes[name] = ns;
    await lab.connect({ ns: router, ifname: `to-${name}`, addrs: [`10.77.${n}.254/24`] }, { ns, ifname: 'eth0', addrs: [`10.77.${n}.2/24`] });
    await lab.exec(ns, 'ip', ['route', 'add', '10.77.99.0/24', 'via', `10.77.${n}.254`]);
  }
  const gate = async (open: boolean): Promise<void> => {
    await lab.exec(router, 'sysctl', ['-qw', `net.ipv4.ip_forward=${open ? 1 : 0}`]);
  };
  await gate(false);
  return { tern, router, spokes, gate };
}
