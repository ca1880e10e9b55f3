// The kernel's own IPv6 link-local addresses of lab interfaces. A veth that comes up gets one (from its MAC)
// that stays `tentative`, unusable as a source or next hop, until duplicate address detection is done
// (RFC 4862 §5.4; a second or so here, longer under load). Daemons that read the interface's link-local
// address at start (FRR for an IPv6 next hop, RFC 8950) or pick a source for a connection must not start
// before that.
import type { Lab } from './lab.js';
import { notYet, waitFor } from './wait.js';

interface AddrInfo {
  local: string;
  scope?: string;
  tentative?: boolean;
  dadfailed?: boolean;
  nodad?: boolean;
}

/**
 * Waits until each interface has a link-local address of the kernel's own (not one added with `nodad`) and
 * none of its link-local addresses is tentative any more.
 */
export async function linkLocalsReady(lab: Lab, links: readonly (readonly [ns: string, ifname: string])[], timeoutMs = 30_000): Promise<void> {
  for (const [ns, ifname] of links) {
    await waitFor(async () => {
      const out = JSON.parse(await lab.exec(ns, 'ip', ['-json', '-6', 'addr', 'show', 'dev', ifname, 'scope', 'link'])) as { addr_info?: AddrInfo[] }[];
      const addrs = out.flatMap((l) => l.addr_info ?? []);
      const own = addrs.some((a) => !a.nodad);
      return own && !addrs.some((a) => a.tentative || a.dadfailed) ? true : notYet(addrs);
    }, { what: `duplicate address detection done on the link-local addresses of ${ifname}`, timeoutMs });
  }
}
