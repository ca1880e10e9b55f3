/**
 * The runner's handle on a benchmark tool (sender, receiver, fibwatch) running in a lab namespace: started
 * with lab.spawn (`node dist/bench/<tool>.js`), commanded over its Unix control socket, observed through the
 * JSON event lines it prints on stdout (see tool-kit.ts).
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess } from '../test/lab/harness/index.js';
import { waitFor } from '../test/lab/harness/index.js';

/** dist/bench, where the compiled tools live next to this file. */
export const BENCH_DIST = path.dirname(fileURLToPath(import.meta.url));

export interface ToolEvent {
  readonly ev: string;
  readonly t: number;
  readonly [key: string]: unknown;
}

export class Tool {
  private parsedChars = 0;
  private readonly parsed: ToolEvent[] = [];
  private sock: net.Socket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly name: string,
    readonly proc: LabProcess,
    private readonly ctlPath: string,
  ) {}

  /** Spawns `node dist/bench/<script>.js --ctl <sock> …args` in `ns` and connects to its control socket. */
  static async start(lab: Lab, ns: string, script: string, args: readonly string[], name = script): Promise<Tool> {
    const dir = await lab.tmpdir('ctl');
    const ctl = path.join(dir, 's.sock');
    const proc = lab.spawn(ns, process.execPath, [path.join(BENCH_DIST, `${script}.js`), '--ctl', ctl, ...args], {
      name,
      graceMs: 2_000,
    });
    const tool = new Tool(name, proc, ctl);
    try {
      // The socket file appears at bind(), a moment before listen(): retry a refused connect.
      await waitFor(async () => (existsSync(ctl) ? (await tool.connect(), true) : false), {
        what: `${name} control socket`,
        timeoutMs: 15_000,
        intervalMs: 20,
        failIf: () => tool.died(),
      });
    } catch (err) {
      await proc.stop();
      throw err;
    }
    return tool;
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.ctlPath);
      sock.setEncoding('utf8');
      let buf = '';
      sock.on('connect', () => {
        this.sock = sock;
        resolve();
      });
      sock.on('error', (err) => {
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      sock.on('close', () => {
        for (const p of this.pending.values()) p.reject(new Error(`${this.name}: control socket closed`));
        this.pending.clear();
      });
      sock.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const reply = JSON.parse(buf.slice(0, nl)) as { id: number; ok: boolean; error?: string } & Record<string, unknown>;
          buf = buf.slice(nl + 1);
          const p = this.pending.get(reply.id);
          if (!p) continue;
          this.pending.delete(reply.id);
          if (reply.ok) p.resolve(reply);
          else p.reject(new Error(`${this.name}: ${reply.error ?? 'failed'}`));
        }
      });
    });
  }

  /** Sends one command and resolves with the reply (rejects on `ok: false`, a dead tool or the timeout). */
  call(cmd: string, fields: Record<string, unknown> = {}, timeoutMs = 300_000): Promise<Record<string, unknown>> {
    const sock = this.sock;
    if (!sock) return Promise.reject(new Error(`${this.name}: not connected`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no reply to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      sock.write(`${JSON.stringify({ id, cmd, ...fields })}\n`);
    });
  }

  /** Every event printed so far. */
  events(): readonly ToolEvent[] {
    const out = this.proc.output();
    const end = out.lastIndexOf('\n') + 1;
    if (end > this.parsedChars) {
      for (const line of out.slice(this.parsedChars, end).split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const e = JSON.parse(line) as ToolEvent;
          if (typeof e.ev === 'string') this.parsed.push(e);
        } catch {
          // stderr interleaved into a line: not an event
        }
      }
      this.parsedChars = end;
    }
    return this.parsed;
  }

  /** The first event named `ev` (after index `from` of events()) matching `match`, if any yet. */
  find(ev: string, match: (e: ToolEvent) => boolean = () => true, from = 0): ToolEvent | undefined {
    return this.events().slice(from).find((e) => e.ev === ev && match(e));
  }

  /** Why the tool is unusable (exited, or reported fatal / a session down), or undefined. */
  died(): string | undefined {
    const fatal = this.events().find((e) => e.ev === 'fatal');
    if (fatal) return `${this.name} crashed: ${String(fatal.error)}`;
    const info = this.proc.exitInfo();
    if (info) return `${this.name} exited (code ${info.code}, signal ${info.signal}): ${this.proc.output().slice(-1500)}`;
    return undefined;
  }

  /** A session of this tool went down (the DUT closed it) or could not be established. */
  sessionTrouble(): string | undefined {
    const e = this.events().find((x) => x.ev === 'down' || x.ev === 'establish-failed' || x.ev === 'decode-error');
    if (!e) return undefined;
    return `${this.name}: ${e.ev} ${JSON.stringify({ ...e, ev: undefined, t: undefined })}`;
  }

  async stop(): Promise<void> {
    this.sock?.destroy();
    await this.proc.stop();
  }
}
