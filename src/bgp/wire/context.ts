/**
 * The negotiated session context that decoding and encoding depend on. It is always an argument, never global
 * state: one session decodes with its receive context and encodes with its send context.
 */
import type { FamilyName } from './family.js';

export interface CodecContext {
  /** Both OPENs carried the 4-octet AS capability (RFC 6793): AS numbers in AS_PATH/AGGREGATOR are 4 octets. */
  readonly as4: boolean;
  /** Families whose NLRI carry a path identifier in this direction (RFC 7911). */
  readonly addPath: ReadonlySet<FamilyName>;
  /** RFC 8654 extended messages negotiated: UPDATE, NOTIFICATION and ROUTE-REFRESH may reach 65535 octets. */
  readonly extendedMessage: boolean;
  /**
   * Whether the peer is external. Some RFC 7606 rules depend on it (LOCAL_PREF from an external peer is
   * discarded, §7.5). Undefined when unknown (offline decoding): those rules are then not applied.
   */
  readonly ebgp?: boolean;
}

const NO_FAMILIES: ReadonlySet<FamilyName> = new Set();

/** A session with every modern option: 4-octet AS, no add-path, standard message size. */
export const DEFAULT_CONTEXT: CodecContext = { as4: true, addPath: NO_FAMILIES, extendedMessage: false };

export function makeContext(options: Partial<CodecContext> = {}): CodecContext {
  return { ...DEFAULT_CONTEXT, ...options };
}
