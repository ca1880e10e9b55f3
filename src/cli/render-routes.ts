/** `bgpctl show routes` and `bgpctl explain` for people (the JSON forms are RoutesView and ExplainView). */
import type { Candidate, ExplainView, RoutesView } from '../control/protocol.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export function renderRoutes(v: RoutesView): string {
  const rows = [['Prefix', 'Next hop', 'From', 'AS path', 'Source', 'Paths']];
  for (const r of v.routes) {
    const b = r.best;
    rows.push([r.prefix, b.nextHop, b.from, b.asPath || '-', `${b.source}${b.stale ? ' (stale)' : ''}`, r.multipath > 1 ? `${r.paths} (${r.multipath} ECMP)` : String(r.paths)]);
  }
  const total = v.totals['ipv4-unicast'] + v.totals['ipv6-unicast'];
  const shown = v.routes.length < total ? ` (showing ${v.routes.length}; --limit N for more)` : '';
  return `${table(rows)}\n\n${v.totals['ipv4-unicast']} IPv4 and ${v.totals['ipv6-unicast']} IPv6 prefixes${shown}\n`;
}

function verdict(c: Candidate): string {
  switch (c.status) {
    case 'best': return `best (won at: ${c.decidedAt})`;
    case 'multipath': return 'ECMP (equal to the best up to the IGP cost)';
    case 'lost': return `lost at: ${c.lostAt}`;
    case 'ineligible': return `ineligible: ${c.reason}`;
    case 'rejected': return 'rejected on import (not in the Loc-RIB)';
  }
}

export function renderExplain(v: ExplainView): string {
  const lines = [`${v.prefix}`];
  const e = v.explanation;
  if (!e) lines.push('  not in the Loc-RIB');
  for (const c of e?.candidates ?? []) {
    lines.push(`  ${c.status === 'best' ? '*' : c.status === 'multipath' ? '=' : ' '} from ${c.from} (${c.source}${c.peerAs !== undefined ? `, AS ${c.peerAs}${c.ibgp ? ' iBGP' : ''}` : ''}${c.pathId ? `, path id ${c.pathId}` : ''})${c.stale ? ' stale' : ''}: ${verdict(c)}`);
    lines.push(`      next hop ${c.nextHop}${c.nextHopLinkLocal ? ` (${c.nextHopLinkLocal})` : ''}, AS path ${c.asPath || '(empty)'}, origin ${c.origin}`
      + `${c.localPref !== undefined ? `, local-pref ${c.localPref}` : ''}${c.med !== undefined ? `, MED ${c.med}` : ''}`);
    const extra = [
      c.communities.length ? `communities ${c.communities.join(' ')}` : '',
      c.largeCommunities.length ? `large communities ${c.largeCommunities.join(' ')}` : '',
      c.originatorId ? `originator ${c.originatorId}` : '',
      c.clusterList.length ? `cluster list ${c.clusterList.join(' ')}` : '',
    ].filter(Boolean);
    if (extra.length) lines.push(`      ${extra.join(', ')}`);
  }
  if (v.kernel) {
    const hops = (v.kernel.nexthops ?? []).map((n) => `${n.gateway ?? 'blackhole'}${n.ifindex ? ` ifindex ${n.ifindex}` : ''}${n.onlink ? ' onlink' : ''}`).join(', ');
    lines.push(`  kernel: ${v.kernel.state}${hops ? ` via ${hops}` : ''}${v.kernel.error ? `: ${v.kernel.error}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
