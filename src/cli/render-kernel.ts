/** `bgpctl show kernel` for people (the JSON form is the control protocol's KernelView). */
import type { KernelView } from '../control/protocol.js';

export function renderKernel(k: KernelView): string {
  const lines: string[] = [];
  if (!k.enabled) {
    lines.push('kernel FIB sync: off (kernel.enabled is false)');
  } else {
    const r = k.routes!;
    lines.push(`kernel FIB sync: table ${k.table}, protocol ${k.protocol}, metric ${k.metric}`);
    lines.push(`routes: ${r.wanted} wanted, ${r.installed} installed, ${r.failed} failed, ${r.unresolved} unresolved${r.adopted ? `, ${r.adopted} adopted from before the restart` : ''}`);
    lines.push(`overlay: ${k.encapsulation}${k.encapsulation === 'vxlan' ? `, ${k.vxlanPeers ?? 0} VXLAN peers` : ''}`);
    if (k.tunnelError) lines.push(`tunnel unavailable: ${k.tunnelError}`);
    for (const p of k.problems ?? []) lines.push(`  ${p.prefix.padEnd(20)} ${p.state.padEnd(10)} ${p.error}${p.attempts ? ` (${p.attempts} attempts)` : ''}`);
  }
  if (k.connected?.length) lines.push(`connected routes: ${k.connected.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
