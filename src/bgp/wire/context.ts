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

/**
 * A context with every field present, in one order, `ebgp` undefined when not given: the codec's hot paths
 * read these fields for every message, and contexts of two shapes (this one spread from options, the
 * negotiated one written out) threw their compiled code away when a session came up after warm-up
 * ("wrong map" in `--log-deopt`). negotiate.ts builds its contexts with this too.
 */
export function makeContext(options: Partial<CodecContext> = {}): CodecContext {
  return {
    as4: options.as4 ?? true,
    addPath: options.addPath ?? NO_FAMILIES,
    extendedMessage: options.extendedMessage ?? false,
    ebgp: options.ebgp,
  };
}

/** A session with every modern option: 4-octet AS, no add-path, standard message size. */
export const DEFAULT_CONTEXT: CodecContext = makeContext();
