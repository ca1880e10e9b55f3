/**
 * The wire side of add-path send (RFC 7911): a multi-path Adj-RIB-Out's batches (rib/adj-rib-out-paths.ts)
 * packed into UPDATEs whose NLRI carry our path identifiers (§3), and written to the members they are for.
 *
 * Announcements go before withdrawals: a batch never holds one (prefix, path id) pair in both, and a path
 * that takes the place of another in a best-N cut is then in the peer's table before the other leaves it.
 */
import type { PathBatch, PathsOutput } from '../rib/adj-rib-out-paths.js';
import type { Family } from '../common/prefix-key.js';
import type { PathAttributes } from '../rib/types.js';
import { appendAnnouncements, appendWithdrawals, UpdateBuffer, type CodecContext, type PrefixBatch } from '../bgp/wire/index.js';
import { mpNextHop } from './rib-attributes.js';

export interface Chunk {
  readonly bytes: Uint8Array;
  readonly messages: number;
}

/** The part of a session this needs: where the bytes go. */
interface Receiver {
  readonly peer: { sendRaw(bytes: Uint8Array, messages: number): boolean };
}

/**
 * Pack a batch: `attributes` gives an exported set's encoding (made once per group), `prefixes` the packer's
 * view of slots with their path identifiers.
 */
export function encodePathBatch(
  b: PathBatch, family: Family, ctx: CodecContext, attributes: (a: PathAttributes) => Uint8Array,
  prefixes: (slots: readonly number[], ids: readonly number[]) => PrefixBatch,
): Chunk[] {
  // One buffer for all of it: one socket write per member (update-groups.ts does the same).
  const out = new UpdateBuffer();
  for (const [attrs, list] of b.announce) {
    const batch = prefixes(list.slots, list.ids);
    if (family === 'ipv4-unicast') appendAnnouncements(out, batch, attributes(attrs), ctx);
    else appendAnnouncements(out, batch, attributes(attrs), ctx, { nextHop: mpNextHop(attrs) });
  }
  if (b.withdraw.slots.length) appendWithdrawals(out, prefixes(b.withdraw.slots, b.withdraw.ids), ctx);
  return out.messages === 0 ? [] : [out.done()];
}

/** Write a group's output: shared batches to every member but the listed ones, the rest to one member each. */
export function sendPathsOutput<M extends Receiver>(members: readonly M[], out: PathsOutput<M>, encode: (b: PathBatch) => Chunk[]): boolean {
  let announced = false;
  for (const { except, batch } of out.shared.values()) {
    if (batch.announce.size) announced = true;
    const chunks = encode(batch);
    for (const m of members) if (!except.includes(m)) for (const c of chunks) m.peer.sendRaw(c.bytes, c.messages);
  }
  for (const [m, batch] of out.single) {
    if (batch.announce.size) announced = true;
    for (const c of encode(batch)) m.peer.sendRaw(c.bytes, c.messages);
  }
  return announced;
}
