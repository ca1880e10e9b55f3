/**
 * FibSync against a model kernel (a unit test; test/lab/kernel-fib.test.ts runs it against the real one):
 * the model applies the requests' netlink semantics (EXCL, REPLACE, delete by protocol) so the tests check
 * what tern asks for, not just that it asked.
 */
import { describe, expect, it } from 'vitest';
import { formatPrefixKey, prefixKeyFromText, type PrefixKey } from '../../src/common/prefix-key.js';
import { silentLogger } from '../../src/common/logger.js';
import { FibSync, routeSatisfies } from '../../src/kernel/fib.js';
import type { NetlinkBatch } from '../../src/kernel/netlink-batch.js';
import type { BatchResult, KernelMessage, RtnlSocket } from '../../src/kernel/netlink-socket.js';
import { parseRouteBody, routeBody, RTM_DELROUTE, RTM_NEWROUTE } from '../../src/kernel/route-message.js';
import type { FibTarget, KernelRoute } from '../../src/kernel/types.js';
import { manualClock } from '../../src/common/manual-clock.js';

const TARGET: FibTarget = { table: 254, protocol: 186, metric: 20 };
const EXCL = 0x200;

interface Entry { route: KernelRoute; protocol: number }

class ModelKernel implements RtnlSocket {
  readonly table = new Map<string, Entry>();
  readonly log: string[] = [];
  /** Keys whose next request fails with this errno. */
  readonly failNext = new Map<string, number>();
  uncertainNext = false;
  /** Keys whose next request is lost silently (neither applied nor answered). */
  readonly dropNext = new Set<string>();

  /** While set, batches wait here (the kernel is busy): `release()` lets them through in order. */
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  /** Batches handed over so far (some may still wait at the gate). */
  handedOver = 0;

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }

  release(): void {
    this.gate = undefined;
    this.open?.();
  }

  async batch(batch: NetlinkBatch): Promise<BatchResult> {
    this.handedOver++;
    const messages = [...batch.messages()];
    while (this.gate) await this.gate;
    const failures = new Map<number, number>();
    messages.forEach((r, i) => {
      const o = parseRouteBody(Buffer.from(r.body))!;
      const key = `${o.route.dst}/${o.route.dstLen}`;
      const op = r.type === RTM_DELROUTE ? 'delete' : r.flags & EXCL ? 'add' : 'replace';
      this.log.push(`${op} ${key}`);
      if (this.dropNext.delete(key)) return;
      const forced = this.failNext.get(key);
      if (forced !== undefined) {
        this.failNext.delete(key);
        failures.set(i, forced);
        return;
      }
      const cur = this.table.get(key);
      if (op === 'add' && cur) failures.set(i, 17);
      else if (op === 'delete' && cur?.protocol !== o.protocol) failures.set(i, 3);
      else if (op === 'delete') this.table.delete(key);
      else this.table.set(key, { route: o.route, protocol: o.protocol });
    });
    const uncertain = this.uncertainNext;
    this.uncertainNext = false;
    return { failures, uncertain };
  }

  async request(): Promise<void> {}

  async dump(): Promise<KernelMessage[]> {
    return [...this.table.values()].map((e) => ({ type: RTM_NEWROUTE, body: routeBody(e.route, { ...TARGET, protocol: e.protocol }, 'replace') }));
  }

  close(): void {}
}

function via(dst: string, ...gateways: string[]): KernelRoute {
  const [a, len] = dst.split('/');
  return { version: 4, dst: a!, dstLen: Number(len), type: 'unicast', nexthops: gateways.map((g) => ({ gateway: g, ifindex: 2, onlink: false })) };
}

/** The FIB's key of a prefix written as text. */
function k(prefix: string): PrefixKey {
  return prefixKeyFromText(prefix)!.key;
}

/** Wants `route` in the FIB (a KernelRoute is its own forwarding). */
function want(fib: FibSync, route: KernelRoute): void {
  fib.set(k(`${route.dst}/${route.dstLen}`), route);
}

async function setup(opts: { antiEntropyMs?: number } = {}) {
  const kernel = new ModelKernel();
  const clock = manualClock();
  const fib = new FibSync('ipv4-unicast', { target: TARGET, retryInitialMs: 1000, retryMaxMs: 8000, antiEntropyMs: opts.antiEntropyMs ?? 0 }, { socket: kernel, clock, logger: silentLogger });
  return { kernel, clock, fib };
}

describe('FibSync', () => {
  it('installs, replaces and deletes in batches, first installs exclusive so no other route is overwritten', async () => {
    const { kernel, fib } = await setup();
    await fib.start();
    want(fib, via('10.1.0.0/24', '10.0.0.2'));
    want(fib, via('10.2.0.0/24', '10.0.0.2', '10.0.0.3'));
    await fib.whenIdle();
    expect(kernel.log).toEqual(['add 10.1.0.0/24', 'add 10.2.0.0/24']);
    expect(kernel.table.get('10.2.0.0/24')!.route.nexthops.map((n) => n.gateway)).toEqual(['10.0.0.2', '10.0.0.3']);
    want(fib, via('10.1.0.0/24', '10.0.0.3'));
    fib.remove(k('10.2.0.0/24'));
    await fib.whenIdle();
    expect(kernel.log.slice(2)).toEqual(['replace 10.1.0.0/24', 'delete 10.2.0.0/24']);
    expect([...kernel.table.keys()]).toEqual(['10.1.0.0/24']);
    expect(fib.status(k('10.1.0.0/24'))).toMatchObject({ state: 'installed' });
    // Setting the same route again asks the kernel nothing.
    want(fib, via('10.1.0.0/24', '10.0.0.3'));
    await fib.whenIdle();
    expect(kernel.log).toHaveLength(4);
  });

  it('marks a refused route failed with the kernel error, keeps the others, and retries with backoff', async () => {
    const { kernel, clock, fib } = await setup();
    await fib.start();
    kernel.table.set('10.9.0.0/24', { route: via('10.9.0.0/24', '10.0.0.9'), protocol: 4 }); // a static route
    kernel.failNext.set('10.1.0.0/24', 101);
    want(fib, via('10.1.0.0/24', '10.0.0.2'));
    want(fib, via('10.9.0.0/24', '10.0.0.2'));
    want(fib, via('10.3.0.0/24', '10.0.0.2'));
    await fib.whenIdle();
    expect(fib.status(k('10.1.0.0/24'))).toMatchObject({ state: 'failed', error: 'ENETUNREACH', attempts: 1 });
    expect(fib.status(k('10.9.0.0/24'))).toMatchObject({ state: 'failed', error: expect.stringMatching(/EEXIST.*another protocol/) });
    expect(fib.status(k('10.3.0.0/24'))).toMatchObject({ state: 'installed' });
    expect(kernel.table.get('10.9.0.0/24')!.protocol).toBe(4);
    // First retry after 1 s: 10.1 now succeeds; 10.9 fails again and waits 2 s.
    clock.advance(1000);
    await fib.whenIdle();
    expect(fib.status(k('10.1.0.0/24'))).toMatchObject({ state: 'installed' });
    expect(fib.status(k('10.9.0.0/24'))).toMatchObject({ state: 'failed', attempts: 2 });
    const tries = kernel.log.filter((l) => l.endsWith('10.9.0.0/24')).length;
    clock.advance(1999);
    await fib.whenIdle();
    expect(kernel.log.filter((l) => l.endsWith('10.9.0.0/24')).length).toBe(tries);
    // The other protocol's route goes away: the next retry installs tern's.
    kernel.table.delete('10.9.0.0/24');
    clock.advance(1);
    await fib.whenIdle();
    expect(fib.status(k('10.9.0.0/24'))).toMatchObject({ state: 'installed' });
    expect(kernel.table.get('10.9.0.0/24')!.protocol).toBe(186);
  });

  it('adopts its routes from before a restart and changes nothing until the RIB has converged', async () => {
    const { kernel, fib } = await setup();
    kernel.table.set('10.1.0.0/24', { route: via('10.1.0.0/24', '10.0.0.2', '10.0.0.3'), protocol: 186 });
    kernel.table.set('10.2.0.0/24', { route: via('10.2.0.0/24', '10.0.0.2'), protocol: 186 });
    kernel.table.set('10.7.0.0/24', { route: via('10.7.0.0/24', '10.0.0.7'), protocol: 4 }); // not ours
    expect(await fib.start()).toBe(2);
    // Half the ECMP set is back; 10.2 is not (yet).
    want(fib, via('10.1.0.0/24', '10.0.0.2'));
    want(fib, via('10.5.0.0/24', '10.0.0.2'));
    await fib.whenIdle();
    expect(kernel.log).toEqual(['add 10.5.0.0/24']);
    expect(kernel.table.get('10.1.0.0/24')!.route.nexthops).toHaveLength(2);
    // The other member comes back before convergence: nothing to do at all.
    want(fib, via('10.1.0.0/24', '10.0.0.3', '10.0.0.2'));
    fib.finishStartup();
    await fib.whenIdle();
    expect(kernel.log).toEqual(['add 10.5.0.0/24', 'delete 10.2.0.0/24']);
    expect([...kernel.table.keys()].sort()).toEqual(['10.1.0.0/24', '10.5.0.0/24', '10.7.0.0/24']);
    expect(fib.stats()).toMatchObject({ adopted: 0, installed: 2 });
  });

  it('puts back routes deleted or changed behind its back at the periodic re-read, and leaves other protocols alone', async () => {
    const { kernel, clock, fib } = await setup({ antiEntropyMs: 30_000 });
    await fib.start();
    want(fib, via('10.1.0.0/24', '10.0.0.2'));
    want(fib, via('10.2.0.0/24', '10.0.0.2'));
    await fib.whenIdle();
    kernel.table.delete('10.1.0.0/24');
    kernel.table.set('10.2.0.0/24', { route: via('10.2.0.0/24', '10.0.0.9'), protocol: 186 });
    kernel.table.set('10.3.0.0/24', { route: via('10.3.0.0/24', '10.0.0.9'), protocol: 4 });
    const before = kernel.log.length;
    clock.advance(29_999);
    await fib.whenIdle();
    expect(kernel.log.length).toBe(before);
    clock.advance(1);
    await new Promise((r) => setTimeout(r, 10));
    await fib.whenIdle();
    expect(kernel.log.slice(before).sort()).toEqual(['add 10.1.0.0/24', 'replace 10.2.0.0/24']);
    expect(kernel.table.get('10.2.0.0/24')!.route.nexthops[0]!.gateway).toBe('10.0.0.2');
    expect(kernel.table.get('10.3.0.0/24')!.protocol).toBe(4);
    fib.close();
  });

  it('re-reads the kernel when netlink answers were lost', async () => {
    const { kernel, fib } = await setup();
    await fib.start();
    // The request is lost with its answer (receive buffer overrun): the batch says so, tern re-reads the kernel,
    // finds the route missing and installs it.
    kernel.uncertainNext = true;
    kernel.dropNext.add('10.1.0.0/24');
    want(fib, via('10.1.0.0/24', '10.0.0.2'));
    await fib.whenIdle();
    expect(kernel.log).toEqual(['add 10.1.0.0/24', 'add 10.1.0.0/24']);
    expect(kernel.table.has('10.1.0.0/24')).toBe(true);
    expect(fib.status(k('10.1.0.0/24'))?.state).toBe('installed');
  });
});

describe('FibSync of IPv6', () => {
  it('installs and deletes its family\'s routes and adopts only those of its family', async () => {
    const kernel = new ModelKernel();
    const hop = { gateway: 'fd77:2::2', ifindex: 4, onlink: false };
    const route6 = (dst: string, dstLen: number): KernelRoute => ({ version: 6, dst, dstLen, type: 'unicast', nexthops: [hop] });
    kernel.table.set('fd77:900::/48', { route: route6('fd77:900::', 48), protocol: 186 });
    kernel.table.set('10.1.0.0/24', { route: via('10.1.0.0/24', '10.0.0.2'), protocol: 186 });
    const fib = new FibSync('ipv6-unicast', { target: TARGET, retryInitialMs: 1000, retryMaxMs: 8000, antiEntropyMs: 0 }, { socket: kernel, clock: manualClock(), logger: silentLogger });
    expect(await fib.start()).toBe(1);
    want(fib, route6('fd77:200::', 48));
    want(fib, route6('fd77:1:fe00::', 39));
    want(fib, route6('fd77::1', 128));
    fib.finishStartup();
    await fib.whenIdle();
    expect(kernel.log.sort()).toEqual(['add fd77:1:fe00::/39', 'add fd77:200::/48', 'add fd77::1/128', 'delete fd77:900::/48']);
    expect(fib.status(k('fd77:200::/48'))).toEqual({ state: 'installed', route: route6('fd77:200::', 48) });
    fib.remove(k('fd77::1/128'));
    await fib.whenIdle();
    expect([...kernel.table.keys()].sort()).toEqual(['10.1.0.0/24', 'fd77:1:fe00::/39', 'fd77:200::/48']);
    expect([...fib.wantedKeys()].map(formatPrefixKey).sort()).toEqual(['fd77:1:fe00::/39', 'fd77:200::/48']);
  });
});

describe('FibSync error reports', () => {
  it('reports a refusal that hits every route once, with a count and a sample, not once per route', async () => {
    const kernel = new ModelKernel();
    const lines: { event: string; fields: Record<string, unknown> }[] = [];
    const logger = { log: (_l: string, event: string, fields: Record<string, unknown> = {}) => lines.push({ event, fields }), child: () => logger };
    const clock = manualClock();
    const fib = new FibSync('ipv4-unicast', { target: TARGET, retryInitialMs: 1000, retryMaxMs: 8000, antiEntropyMs: 0 }, { socket: kernel, clock, logger });
    await fib.start();
    for (let i = 0; i < 300; i++) {
      const key = `10.${i >> 8}.${i & 255}.0/24`;
      kernel.failNext.set(key, 1);
      want(fib, via(key, '10.0.0.2'));
    }
    await fib.whenIdle();
    const reports = lines.filter((l) => l.event === 'kernel.fib.failed');
    expect(reports).toHaveLength(1);
    expect(reports[0]!.fields).toMatchObject({ error: expect.stringMatching(/^EPERM: ternd needs CAP_NET_ADMIN/), routes: 300 });
    expect(reports[0]!.fields.sample).toHaveLength(5);
    expect(fib.stats().failed).toBe(300);
    // One timer retries them all; this time the kernel accepts.
    expect(clock.pending()).toBe(1);
    clock.advance(1000);
    await fib.whenIdle();
    expect(fib.stats()).toMatchObject({ failed: 0, installed: 300 });
    expect(lines.filter((l) => l.event === 'kernel.fib.failed')).toHaveLength(1);
  });
});

describe('routeSatisfies', () => {
  it('accepts the output interface the kernel filled in and ignores next-hop order', () => {
    const want: KernelRoute = { version: 4, dst: '10.0.0.0', dstLen: 8, type: 'unicast', nexthops: [{ gateway: '1.1.1.1', onlink: false }, { gateway: '2.2.2.2', ifindex: 3, onlink: true }] };
    const have: KernelRoute = { ...want, nexthops: [{ gateway: '2.2.2.2', ifindex: 3, onlink: true }, { gateway: '1.1.1.1', ifindex: 7, onlink: false }] };
    expect(routeSatisfies(have, want)).toBe(true);
    expect(routeSatisfies(want, have)).toBe(false);
    expect(routeSatisfies({ ...have, nexthops: [have.nexthops[0]!, { gateway: '1.1.1.1', ifindex: 7, onlink: true }] }, want)).toBe(false);
    expect(routeSatisfies({ ...want, type: 'blackhole', nexthops: [] }, want)).toBe(false);
  });
});

describe('FibSync batches in flight', () => {
  it('plans the next batch while the kernel works on one, and sends a route again only after its last request is answered', async () => {
    const { kernel, fib } = await setup();
    await fib.start();
    // A route of another protocol sits on 10.9.0.0/24: tern's add must fail, and must never become a replace.
    kernel.table.set('10.9.0.0/24', { route: via('10.9.0.0/24', '10.0.0.9'), protocol: 4 });
    kernel.hold();
    want(fib, via('10.9.0.0/24', '10.0.0.2'));
    await new Promise((r) => setImmediate(r));
    want(fib, via('10.1.0.0/24', '10.0.0.2'));
    want(fib, via('10.9.0.0/24', '10.0.0.3')); // changed while its add is with the kernel
    want(fib, via('10.2.0.0/24', '10.0.0.2'));
    await new Promise((r) => setImmediate(r));
    fib.remove(k('10.2.0.0/24')); // withdrawn while its add is with the kernel: it must be deleted after
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(kernel.handedOver).toBe(2); // the second batch went out behind the first
    kernel.release();
    await fib.whenIdle();
    expect(kernel.log.slice(0, 3)).toEqual(['add 10.9.0.0/24', 'add 10.1.0.0/24', 'add 10.2.0.0/24']);
    expect(kernel.log.slice(3).sort()).toEqual(['add 10.9.0.0/24', 'delete 10.2.0.0/24']);
    expect(kernel.table.has('10.2.0.0/24')).toBe(false);
    expect(kernel.table.get('10.9.0.0/24')!.protocol).toBe(4);
    expect(fib.status(k('10.9.0.0/24'))).toMatchObject({ state: 'failed', error: expect.stringMatching(/^EEXIST/) });
    expect(fib.status(k('10.1.0.0/24'))).toMatchObject({ state: 'installed' });
  });

  it('waits for the batches in flight before it re-reads the kernel', async () => {
    const { kernel, fib } = await setup();
    await fib.start();
    kernel.hold();
    want(fib, via('10.1.0.0/24', '10.0.0.2'));
    await new Promise((r) => setImmediate(r));
    const dumps: number[] = [];
    const dump = kernel.dump.bind(kernel);
    kernel.dump = async () => {
      dumps.push(kernel.log.length);
      return dump();
    };
    const resynced = fib.resync();
    await new Promise((r) => setTimeout(r, 10));
    expect(dumps).toEqual([]);
    kernel.release();
    await resynced;
    // The dump (of this FIB's family) came after the add; nothing was repaired or sent twice.
    expect(dumps).toEqual([1]);
    expect(kernel.log).toEqual(['add 10.1.0.0/24']);
    expect(fib.status(k('10.1.0.0/24'))).toMatchObject({ state: 'installed' });
  });
});

describe('FibSync at scale', () => {
  it('keeps the kernel equal to what is wanted through waves of adds, changes and removes (slots freed and reused)', async () => {
    const { kernel, fib } = await setup();
    await fib.start();
    const prefix = (i: number): string => `10.${(i >> 8) & 255}.${i & 255}.0/24`;
    const gw = ['10.0.0.2', '10.0.0.3'].map((g) => via('0.0.0.0/0', g)); // shared forwardings, as KernelSync hands them in
    const wanted = new Map<string, number>();
    for (let wave = 0; wave < 4; wave++) {
      for (let i = 0; i < 3000; i++) {
        const p = prefix(i + wave * 700);
        if ((i + wave) % 3 === 0) {
          fib.remove(k(p));
          wanted.delete(p);
        } else {
          const g = (i + wave) % 2;
          fib.set(k(p), gw[g]!);
          wanted.set(p, g);
        }
      }
      await fib.whenIdle();
      expect(new Set(kernel.table.keys())).toEqual(new Set(wanted.keys()));
      for (const [p, g] of wanted) expect(kernel.table.get(p)!.route.nexthops[0]!.gateway).toBe(g ? '10.0.0.3' : '10.0.0.2');
      expect(fib.stats()).toMatchObject({ wanted: wanted.size, installed: wanted.size, failed: 0 });
    }
    expect([...fib.wantedKeys()]).toHaveLength(wanted.size);
  });

  it('sends a hand-over larger than one batch in several, in order, and all of it', async () => {
    const { kernel, fib } = await setup();
    await fib.start();
    const hop = via('0.0.0.0/0', '10.0.0.2');
    for (let i = 0; i < 40_000; i++) fib.set(k(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`), hop);
    fib.flush();
    await fib.whenIdle();
    expect(kernel.handedOver).toBe(3); // 16,384 + 16,384 + 7,232
    expect(kernel.table.size).toBe(40_000);
    expect(kernel.log.slice(0, 2)).toEqual(['add 10.0.0.0/32', 'add 10.0.0.1/32']);
    expect(fib.stats()).toMatchObject({ wanted: 40_000, installed: 40_000 });
  });
});
