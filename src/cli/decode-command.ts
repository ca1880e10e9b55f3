/**
 * `bgpctl decode`: decode BGP messages given as hex, offline (no daemon). One JSON object per message and
 * line on stdout. Exit 0, or 1 when any message requires a session reset, or 2 on input that is not hex.
 */
import { decodeMessage, FAMILIES, isFamilyName, makeContext, type CodecContext, type FamilyName } from '../bgp/wire/index.js';
import { renderDecoded } from './render-message.js';

export interface DecodeOptions {
  readonly as2?: boolean;
  readonly addPath?: string;
  readonly extMessage?: boolean;
}

export class InputError extends Error {
  override name = 'InputError';
}

export function contextFromOptions(o: DecodeOptions): CodecContext {
  const families = new Set<FamilyName>();
  for (const name of (o.addPath ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!isFamilyName(name)) throw new InputError(`--add-path: unknown family ${JSON.stringify(name)} (use ${FAMILIES.map((f) => f.name).join(", ")})`);
    families.add(name);
  }
  return makeContext({ as4: !o.as2, addPath: families, extendedMessage: Boolean(o.extMessage) });
}

/** Parse one message written as hex; spaces, colons and a leading 0x are allowed. */
export function parseHex(text: string, where: string): Uint8Array {
  const clean = text.trim().replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new InputError(`${where}: not a hex message: ${JSON.stringify(shown)}`);
  }
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** Input lines that hold a message: blank lines and # comments are skipped. */
export function messageLines(text: string): { line: string; number: number }[] {
  return text.split(/\r?\n/).map((line, i) => ({ line, number: i + 1 })).filter(({ line }) => line.trim() !== '' && !line.trim().startsWith('#'));
}

export interface DecodeOutcome {
  readonly lines: string[];
  readonly sessionReset: boolean;
}

export function decodeAll(messages: readonly Uint8Array[], ctx: CodecContext): DecodeOutcome {
  let sessionReset = false;
  const lines = messages.map((bytes) => {
    const result = decodeMessage(bytes, ctx);
    if (result.action === 'session-reset') sessionReset = true;
    return JSON.stringify(renderDecoded(result, bytes.length, ctx));
  });
  return { lines, sessionReset };
}
