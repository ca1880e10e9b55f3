/**
 * Loads the captured BGP messages: ../shared/vectors/messages.jsonl (BIRD and GoBGP, captured for the
 * project) and test/vectors/frr-messages.jsonl (FRR, captured by tools/capture-frr-vectors). Each line holds
 * the message hex, the negotiated session, and tshark's decoding.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeContext, type CodecContext, type FamilyName } from '../../src/bgp/wire/index.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TsharkAttr {
  type_code: number;
  name: string;
  flags: number;
  length: number;
  [key: string]: unknown;
}

export interface Vector {
  id: string;
  source: string;
  type_name: string;
  length: number;
  hex: string;
  session: { as4: boolean; addpath_tx: string[]; afs: string[]; extended_nexthop: boolean; extended_message: boolean };
  decoded: Record<string, unknown> & { path_attributes?: TsharkAttr[] };
  end_of_rib?: { afi: number; safi: number };
}

export const VECTOR_FILES = [
  process.env.TERN_VECTORS ?? join(repoRoot, '..', 'shared', 'vectors', 'messages.jsonl'),
  join(repoRoot, 'test', 'vectors', 'frr-messages.jsonl'),
];

export function loadVectors(file: string): Vector[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Vector);
}

export function availableVectorFiles(): string[] {
  const [shared, ...own] = VECTOR_FILES;
  if (!existsSync(shared!)) throw new Error(`missing ${shared}: the shared vectors must sit beside the checkout (or set TERN_VECTORS)`);
  return [shared!, ...own.filter((f) => existsSync(f))];
}

const FAMILY_BY_PAIR: Readonly<Record<string, FamilyName>> = { '1/1': 'ipv4-unicast', '2/1': 'ipv6-unicast' };

/** The decode context of the sender's session: its transmit add-path families are our receive ones. */
export function vectorContext(v: Vector): CodecContext {
  const addPath = new Set<FamilyName>(v.session.addpath_tx.map((p) => FAMILY_BY_PAIR[p]).filter((f): f is FamilyName => f !== undefined));
  return makeContext({ as4: v.session.as4, addPath, extendedMessage: v.session.extended_message });
}

export function fromHex(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
