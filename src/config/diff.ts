/**
 * What changed between two resolved configurations, for a live reload: peers (keyed by their canonical
 * address) added, removed or changed (with the names of the settings that differ), and the global settings
 * that differ. Peers are compared resolved, so a global change that a peer inherits shows up on that peer
 * too (a new global holdTime lists `holdTime` for every peer that does not set its own).
 */
import type { PeerConfig, TernConfig } from './schema.js';

export interface PeerChange {
  /** The peer's key: its canonical address. */
  readonly key: string;
  /** Top-level `PeerConfig` fields that differ, e.g. `holdTime`, `maxPrefix`, `families`. */
  readonly fields: string[];
}

export interface ConfigDiff {
  /** Keys of peers only in `next`, in `next`'s order. */
  readonly added: string[];
  /** Keys of peers only in `old`, in `old`'s order. */
  readonly removed: string[];
  /** Peers in both whose settings differ, in `next`'s order. */
  readonly changed: PeerChange[];
  /**
   * Global settings that differ: top-level keys (`routerId`, `holdTime`, `families`, `listenRanges`, ...),
   * with nested settings named by their path (`listen.port`, `gracefulRestart.restartTime`).
   */
  readonly globalChanged: string[];
}

/** True when nothing changed. */
export function isEmptyDiff(d: ConfigDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.changed.length === 0 && d.globalChanged.length === 0;
}

export function diffConfig(old: TernConfig, next: TernConfig): ConfigDiff {
  const oldPeers = new Map(old.peers.map((p) => [p.address, p]));
  const nextPeers = new Map(next.peers.map((p) => [p.address, p]));
  const added = next.peers.filter((p) => !oldPeers.has(p.address)).map((p) => p.address);
  const removed = old.peers.filter((p) => !nextPeers.has(p.address)).map((p) => p.address);
  const changed: PeerChange[] = [];
  for (const p of next.peers) {
    const before = oldPeers.get(p.address);
    if (!before) continue;
    const fields = changedKeys(before, p);
    if (fields.length > 0) changed.push({ key: p.address, fields });
  }
  return { added, removed, changed, globalChanged: globalChanges(old, next) };
}

const NESTED = new Set(['listen', 'gracefulRestart']);

function globalChanges(old: TernConfig, next: TernConfig): string[] {
  const out: string[] = [];
  const a = old as unknown as Record<string, unknown>;
  const b = next as unknown as Record<string, unknown>;
  for (const key of unionKeys(a, b)) {
    if (key === 'peers') continue;
    const x = a[key];
    const y = b[key];
    if (NESTED.has(key) && isRecord(x) && isRecord(y)) {
      for (const sub of changedKeys(x, y)) out.push(`${key}.${sub}`);
    } else if (!deepEqual(x, y)) {
      out.push(key);
    }
  }
  return out;
}

function changedKeys(a: PeerConfig | Record<string, unknown>, b: PeerConfig | Record<string, unknown>): string[] {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return unionKeys(x, y).filter((k) => !deepEqual(x[k], y[k]));
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = Object.keys(b);
  for (const k of Object.keys(a)) if (!keys.includes(k)) keys.push(k);
  return keys;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of plain data; a key holding `undefined` equals a missing key. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isRecord(a) && isRecord(b)) return unionKeys(a, b).every((k) => deepEqual(a[k], b[k]));
  return false;
}
