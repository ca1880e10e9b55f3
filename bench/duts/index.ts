/** The DUTs the benchmark knows, in table order. Add an implementation: one file here, one line below. */
import { bird } from './bird.js';
import { frr } from './frr.js';
import { gobgp } from './gobgp.js';
import { tern } from './tern.js';
import type { DutDriver } from './types.js';

export type { Capability, DutDriver, DutInstance, DutPeer, DutSetup } from './types.js';

/** tern first: every ratio is tern / peer. */
export const DUTS: readonly DutDriver[] = [tern, bird, frr, gobgp];
