/**
 * A scripted BGP session for the benchmark's load tools, on node:net and the project's wire codec: connect,
 * OPEN, KEEPALIVE, End-of-RIB, then hand every UPDATE to the caller and send KEEPALIVEs every hold/3. No FSM, no
 * collision detection, no ADD-PATH, no extended messages: the DUT is configured passive for these peers, so
 * we always connect and it always accepts. Faster to drive and far simpler than src/bgp's Peer, and
 * independent of the session code under development.
 */
import net from 'node:net';
import {
  buildOpen, decodeMessage, encodeMessage, endOfRibMessage, Framer, KEEPALIVE, makeContext, openCapabilities, CapabilityCode,
  type Capability, type CodecContext, type FamilyName,
} from '../src/bgp/wire/index.js';

export interface LiteOptions {
  readonly remote: string;
  readonly port?: number;
  /** Source address to bind (one of the namespace's addresses). */
  readonly local?: string;
  readonly asn: number;
  readonly routerId: string;
  /** Proposed hold time (seconds); keepalives go out every third of the negotiated one. */
  readonly holdTime: number;
  readonly family: FamilyName;
  readonly ebgp: boolean;
  /** Every UPDATE once established (framed message, header included). */
  readonly onUpdate?: (message: Uint8Array, session: LiteSession) => void;
  /** Called after a batch of socket data has been handed to onUpdate (one TCP read). */
  readonly afterData?: (session: LiteSession) => void;
  /** The established session went down. */
  readonly onDown?: (why: string, session: LiteSession) => void;
}

const AFI_SAFI: Record<FamilyName, { afi: number; safi: number }> = {
  'ipv4-unicast': { afi: 1, safi: 1 },
  'ipv6-unicast': { afi: 2, safi: 1 },
  'ipv4-multicast': { afi: 1, safi: 2 },
  'ipv6-multicast': { afi: 2, safi: 2 },
};

export class LiteSession {
  ctx: CodecContext;
  private sock: net.Socket | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private closedByUs = false;
  established = false;
  /** Connection attempts made so far. */
  attempts = 0;

  constructor(readonly opts: LiteOptions) {
    this.ctx = makeContext({ as4: true, ebgp: opts.ebgp });
  }

  /** Connects (retrying every `retryMs`) until established or `deadline` (wall ms) passes. */
  async establish(deadline: number, retryMs = 250): Promise<void> {
    let last = 'no attempt';
    while (Date.now() < deadline) {
      try {
        await this.attempt(Math.max(1000, deadline - Date.now()));
        return;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
        // Jittered, so that a thousand sessions refused together do not come back together.
        await new Promise((r) => setTimeout(r, retryMs * (0.5 + Math.random())));
      }
    }
    throw new Error(`session ${this.opts.local ?? ''} → ${this.opts.remote} not established: ${last}`);
  }

  private attempt(timeoutMs: number): Promise<void> {
    this.attempts++;
    return new Promise<void>((resolve, reject) => {
      const o = this.opts;
      const sock = net.connect({ host: o.remote, port: o.port ?? 179, ...(o.local !== undefined ? { localAddress: o.local } : {}) });
      sock.setNoDelay(true);
      const framer = new Framer(4096);
      let gotOpen = false;
      let settled = false;
      // Attempts that stall are retried with a fresh socket, faster than a BGP speaker would (RFC 4271's
      // OpenSent waits 4 minutes): a TCP connect not completed in 3 s, or no OPEN and KEEPALIVE 5 s after it.
      // When a burst of connects overflows a DUT's accept queue the kernel drops SYNs, or the final ACK of
      // the handshake (our side then believes it is connected while the DUT never accepts); the first socket's
      // retransmission backoff (1, 2, 4, 8… s) would otherwise dominate the figure.
      const connectTimer = setTimeout(() => fail('TCP connect not completed within 3 s'), Math.min(3000, timeoutMs));
      let timer = setTimeout(() => fail('timed out waiting for OPEN/KEEPALIVE'), timeoutMs);
      const fail = (why: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(connectTimer);
        sock.destroy();
        reject(new Error(why));
      };
      sock.on('connect', () => {
        clearTimeout(connectTimer);
        clearTimeout(timer);
        timer = setTimeout(() => fail('no OPEN and KEEPALIVE within 5 s of connecting'), Math.min(5000, timeoutMs));
        const { afi, safi } = AFI_SAFI[o.family];
        const capabilities: Capability[] = [
          { code: 1, name: 'multiprotocol', afi, safi, reserved: 0 },
          { code: 2, name: 'route-refresh' },
          { code: 65, name: 'four-octet-as', asn: o.asn },
          // Graceful-restart aware without preserving forwarding state (no AFI/SAFI, RFC 4724 §3): the DUT then
          // sends End-of-RIB once its initial update is done, which tells the runner the DUT has settled.
          { code: 64, name: 'graceful-restart', restartState: false, notification: false, flags: 0, restartTime: 120, families: [] },
        ];
        sock.write(encodeMessage(buildOpen({ asn: o.asn, holdTime: o.holdTime, routerId: o.routerId, capabilities }), this.ctx));
      });
      sock.on('data', (chunk: Buffer) => {
        const framed = framer.push(chunk);
        for (const m of framed.messages) {
          const type = m[18];
          if (type === 2) {
            if (this.established) o.onUpdate?.(m, this);
            continue;
          }
          const r = decodeMessage(m, this.ctx);
          const msg = r.message;
          if (msg?.type === 'OPEN') {
            const caps = openCapabilities(msg);
            this.ctx = makeContext({ as4: caps.some((c) => c.code === CapabilityCode.FOUR_OCTET_AS), ebgp: o.ebgp });
            gotOpen = true;
            const hold = Math.min(o.holdTime, msg.holdTime);
            sock.write(encodeMessage(KEEPALIVE, this.ctx));
            if (hold > 0) {
              this.keepalive = setInterval(() => sock.write(encodeMessage(KEEPALIVE, this.ctx)), (hold * 1000) / 3);
              this.keepalive.unref();
            }
          } else if (msg?.type === 'KEEPALIVE') {
            if (gotOpen && !this.established) {
              this.established = true;
              this.sock = sock;
              // Our initial update is empty: End-of-RIB right away, as a graceful-restart-aware speaker does.
              const { afi, safi } = AFI_SAFI[o.family];
              sock.write(encodeMessage(endOfRibMessage(afi, safi, this.ctx), this.ctx));
              settled = true;
              clearTimeout(timer);
              resolve();
            }
          } else if (msg?.type === 'NOTIFICATION') {
            const why = `NOTIFICATION ${msg.code}/${msg.subcode}`;
            if (this.established) this.down(why);
            else fail(why);
            return;
          }
        }
        if (framed.error) {
          const why = `framing error: ${framed.error.reason}`;
          if (this.established) this.down(why);
          else fail(why);
          return;
        }
        if (this.established) o.afterData?.(this);
      });
      sock.on('error', (err) => (this.established && this.sock === sock ? this.down(err.message) : fail(err.message)));
      sock.on('close', () => (this.established && this.sock === sock ? this.down('connection closed') : fail('connection closed')));
    });
  }

  private down(why: string): void {
    if (!this.established) return;
    this.established = false;
    clearInterval(this.keepalive);
    this.sock?.destroy();
    if (!this.closedByUs) this.opts.onDown?.(why, this);
  }

  /** Queues bytes on the socket; resolves once Node has handed them all to the kernel. */
  write(bytes: Uint8Array): Promise<void> {
    const sock = this.sock;
    if (!sock || !this.established) return Promise.reject(new Error('session is not established'));
    return new Promise((resolve, reject) => sock.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    this.closedByUs = true;
    clearInterval(this.keepalive);
    this.sock?.destroy();
    this.established = false;
  }
}
