/**
 * The one logger the daemon passes around: structured events, one JSON object per line on stderr by default.
 * `child` adds fixed fields (e.g. the peer) to everything logged through it.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function jsonLogger(write: (line: string) => void, minLevel: LogLevel = 'info', base: LogFields = {}, now: () => number = Date.now): Logger {
  return {
    log(level, event, fields = {}) {
      if (RANK[level] < RANK[minLevel]) return;
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, event, ...base, ...fields }, jsonSafe) + '\n');
    },
    child(fields) {
      return jsonLogger(write, minLevel, { ...base, ...fields }, now);
    },
  };
}

export const silentLogger: Logger = { log() {}, child: () => silentLogger };
