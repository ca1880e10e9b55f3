/** `bgpctl show routes` and `bgpctl explain` for people (the JSON forms are RoutesView and ExplainView). */
import type { AttributesView, Candidate, ExplainView, ExportView, ImportView, PolicyTrace, RoutesView } from '../control/protocol.js';

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

const ATTRIBUTE_NAMES: Record<string, string> = {
  localPref: 'local-pref', med: 'MED', communities: 'communities', largeCommunities: 'large communities', asPath: 'AS path', nextHop: 'next hop',
};

/** Attributes as `birdc show route all` / FRR `show bgp ... detail` give them: a main line, then the rest. */
function attributeLines(a: AttributesView): string[] {
  const main = `next hop ${a.nextHop}${a.nextHopLinkLocal ? ` (${a.nextHopLinkLocal})` : ''}, AS path ${a.asPath || '(empty)'}, origin ${a.origin}`
    + `${a.localPref !== undefined ? `, local-pref ${a.localPref}` : ''}${a.med !== undefined ? `, MED ${a.med}` : ''}`;
  const extra = [
    a.communities.length ? `communities ${a.communities.join(' ')}` : '',
    a.largeCommunities.length ? `large communities ${a.largeCommunities.join(' ')}` : '',
    a.originatorId ? `originator ${a.originatorId}` : '',
    a.clusterList.length ? `cluster list ${a.clusterList.join(' ')}` : '',
  ].filter(Boolean);
  return extra.length ? [main, extra.join(', ')] : [main];
}

/** What decided a chain, e.g. `accepted by policy from-leaf term own-blocks`. */
function decision(t: PolicyTrace): string {
  const d = t.decidedBy;
  const verb = t.verdict === 'accept' ? 'accepted' : 'rejected';
  const changed = t.changed.length ? `; changed ${t.changed.map((n) => ATTRIBUTE_NAMES[n] ?? n).join(', ')}` : '';
  switch (d.by) {
    case 'term': return `${verb} by policy ${d.policy} term ${d.term}${changed}`;
    case 'default': return `rejected: no term of ${t.policies.join(', ')} decided (the implicit reject at the end)`;
    case 'no-policy': return `accepted unchanged: no ${t.direction} policy`;
    case 'rfc8212': return `rejected: eBGP session without ${t.direction} policy (RFC 8212)`;
  }
}

/** The terms a chain looked at, in order. */
function terms(t: PolicyTrace): string | undefined {
  if (t.steps.length === 0) return undefined;
  return t.steps.map((s) => {
    if (!s.matched) return `${s.policy}/${s.term} no match`;
    const set = s.changed.length ? ` set ${s.changed.map((n) => ATTRIBUTE_NAMES[n] ?? n).join(', ')}` : '';
    return `${s.policy}/${s.term} matched${set} -> ${s.action}`;
  }).join('; ');
}

function importLines(i: ImportView): string[] {
  if (!i.policy) return [`import: accepted${i.policies.length ? ` by ${i.policies.join(', ')}` : ''}; ${i.note ?? ''}`];
  const lines = [`import: ${decision(i.policy)}`];
  const tried = terms(i.policy);
  if (tried) lines.push(`  terms: ${tried}`);
  if (i.received) lines.push(...attributeLines(i.received).map((l, n) => (n === 0 ? `  as received: ${l}` : `               ${l}`)));
  return lines;
}

function exportLines(x: ExportView): string[] {
  const who = `to ${x.peer} (AS ${x.peerAs}${x.ibgp ? `, iBGP${x.rrClient ? ' RR client' : ''}` : ''})`;
  const lines = x.advertise && x.attributes
    ? attributeLines(x.attributes).map((l, n) => (n === 0 ? `${who}: advertised: ${l}` : `    ${l}`))
    : [`${who}: not advertised: ${x.reason ?? ''}`];
  if (x.policy) lines.push(`    export: ${decision(x.policy)}`);
  const tried = x.policy && terms(x.policy);
  if (tried) lines.push(`      terms: ${tried}`);
  if (x.addPath) lines.push(...addPathLines(x.addPath));
  return lines;
}

/** Add-path send: every path the peer holds, with our path identifier. */
function addPathLines(a: NonNullable<ExportView['addPath']>): string[] {
  const n = a.advertised.length;
  const lines = [`    add-path send (${a.paths === 'all' ? 'all paths' : `best ${a.paths}`}): ${n} path${n === 1 ? '' : 's'} advertised`];
  for (const p of a.advertised) {
    lines.push(...attributeLines(p.attributes).map((l, i) => (i === 0 ? `      path id ${p.pathId} from ${p.from}: ${l}` : `        ${l}`)));
  }
  return lines;
}

function candidateLines(c: Candidate): string[] {
  const mark = c.status === 'best' ? '*' : c.status === 'multipath' ? '=' : c.status === 'rejected' ? 'x' : ' ';
  const origin = `${c.source}${c.interface ? ` ${c.interface}` : ''}${c.peerAs !== undefined ? `, AS ${c.peerAs}${c.ibgp ? ' iBGP' : ''}` : ''}`;
  const lines = [`  ${mark} from ${c.from} (${origin}${c.pathId ? `, path id ${c.pathId}` : ''})${c.stale ? ' stale' : ''}: ${verdict(c)}`];
  const indent = (l: string) => `      ${l}`;
  lines.push(...attributeLines(c).map(indent));
  if (c.import) lines.push(...importLines(c.import).map(indent));
  return lines;
}

export function renderExplain(v: ExplainView): string {
  const lines = [`${v.prefix}`];
  const e = v.explanation;
  if (!e) lines.push('  not in the Loc-RIB');
  for (const c of e?.candidates ?? []) lines.push(...candidateLines(c));
  if (e?.exports) {
    lines.push(e.exports.length ? '  exports of the best path:' : '  exports of the best path: no Established peer');
    for (const x of e.exports) lines.push(...exportLines(x).map((l) => `    ${l}`));
  }
  if (v.kernel) {
    const hops = (v.kernel.nexthops ?? []).map((n) => `${n.gateway ?? 'blackhole'}${n.ifindex ? ` ifindex ${n.ifindex}` : ''}${n.onlink ? ' onlink' : ''}`).join(', ');
    lines.push(`  kernel: ${v.kernel.state}${hops ? ` via ${hops}` : ''}${v.kernel.error ? `: ${v.kernel.error}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
