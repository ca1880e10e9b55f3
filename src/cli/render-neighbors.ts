/** `bgpctl show neighbors` as a table for people (the JSON form is the control protocol's NeighborView). */
import type { NeighborView } from '../control/protocol.js';

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return d > 0 ? `${d}d${h}h${m}m` : `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

function reason(n: NeighborView): string {
  // A session that never came up has no lastDown: show why its attempts fail instead.
  const d = n.lastDown ?? n.lastError;
  if (!d) return '';
  const msg = d.received?.message ?? d.sent?.message;
  return `${d.code}${msg ? ` "${msg}"` : ''}`;
}

/**
 * The add-path directions negotiated (RFC 7911), e.g. `rx ipv4 tx ipv4 best 2`: rx, we receive path
 * identifiers; tx, we send several paths per prefix (all, or the best N).
 */
function addPath(n: NeighborView): string {
  const s = n.session;
  if (!s) return '';
  const families = (list: readonly string[]) => list.map((f) => f.replace(/-unicast$/, '')).join(',');
  const parts = [];
  if (s.addPathReceive.length) parts.push(`rx ${families(s.addPathReceive)}`);
  if (s.addPathSend.length) parts.push(`tx ${families(s.addPathSend)} ${s.addPathSendPaths === undefined || s.addPathSendPaths === 'all' ? 'all' : `best ${s.addPathSendPaths}`}`);
  return parts.join(' ');
}

export function renderNeighbors(neighbors: readonly NeighborView[]): string {
  // The add-path column only when some session negotiated add-path.
  const withAddPath = neighbors.some((n) => addPath(n) !== '');
  const rows = [['Neighbor', 'AS', 'State', 'Up', 'Prefixes', ...(withAddPath ? ['Add-path'] : []), 'Description', 'Last down']];
  for (const n of neighbors) {
    const as = n.session?.peerAs ?? (Array.isArray(n.remoteAs) ? n.remoteAs.join(',') : n.remoteAs);
    const state = n.adminDown ? 'Idle (Admin)' : n.state;
    rows.push([
      n.address, String(as), state, n.uptime !== undefined ? duration(n.uptime) : '-', String(n.prefixesReceived),
      ...(withAddPath ? [addPath(n) || '-'] : []), n.description ?? (n.dynamic ? '(dynamic)' : ''), reason(n),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
