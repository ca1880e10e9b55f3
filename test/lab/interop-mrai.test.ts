// MRAI (RFC 4271 §9.2.1.1) against a real receiver: ternd with `advertisementInterval: 8` toward BIRD, GoBGP
// changing one prefix three times in a row and then withdrawing another. BIRD sees the burst as at most two
// updates (one at once when no interval was running, one with the final state when it ends), never three;
// the withdrawal, sent after the burst, reaches BIRD before the burst's final state does (withdrawals are not
// held back); and BIRD ends with the final state. Nothing here depends on how fast the machine is, as long as
// the four GoBGP commands take less than the interval.
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, notYet, star, startBird, startGobgp, startTernd, waitFor } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird', 'gobgp']);
const title = suite.title;

const P = '10.77.60.0/24';
const Q = '10.77.61.0/24';

/** One `show route all` snapshot of BIRD: the community of each prefix it has (empty: none). */
function snapshot(out: string): Map<string, string> {
  const routes = new Map<string, string>();
  let current: string | undefined;
  for (const line of out.split('\n')) {
    const head = /^(\d+\.\d+\.\d+\.\d+\/\d+)\s/.exec(line);
    if (head) routes.set((current = head[1]!), '');
    const comm = /BGP\.community:\s*(.*)$/.exec(line);
    if (comm && current) routes.set(current, comm[1]!.trim());
  }
  return routes;
}

/** Routes BIRD's `tern` channel has received (its import update counter). */
function importUpdates(protocols: string): number {
  const m = /Import updates:\s+(\d+)/.exec(protocols);
  if (!m) throw new Error(`no import update counter in: ${protocols}`);
  return Number(m[1]);
}

describe.skipIf(!suite.ok)(title('MRAI toward BIRD'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('sends a burst of changes to one prefix as its final state, and withdrawals at once', () => explained(lab, async () => {
    const { tern: t, spokes } = await star(lab, ['gobgp', 'bird']);
    await startTernd(lab, t, `
routerId: 10.77.0.1
localAs: 65001
ebgpRequiresPolicy: false   # routes over eBGP without policy (RFC 8212 relaxed): this test is about timing of UPDATEs
connectRetryTime: 1
families: [ipv4-unicast]
peers:
  - { address: 10.77.1.2, remoteAs: 65004 }
  - { address: 10.77.2.2, remoteAs: 65002, advertisementInterval: 8 }
`);
    const gobgp = await startGobgp(lab, spokes.gobgp!, { routerId: '10.77.0.4', asn: 65004, peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001 }] });
    const bird = await startBird(lab, spokes.bird!, { routerId: '10.77.0.2', asn: 65002, peers: [{ name: 'tern', address: '10.77.2.1', asn: 65001 }] });
    await gobgp.waitEstablished('10.77.1.1', 40_000);
    await bird.waitEstablished('tern', 40_000);
    const add = (prefix: string, community: string) => gobgp.gobgp(['global', 'rib', 'add', '-a', 'ipv4', prefix, 'community', community]);
    const routes = async () => snapshot(await bird.birdc('show route all'));

    await add(P, '65000:1');
    await add(Q, '65000:1');
    await waitFor(async () => {
      const r = await routes();
      return r.get(P) === '(65000,1)' && r.has(Q) ? r : notYet([...r]);
    }, { what: 'the first state of both prefixes in BIRD', timeoutMs: 40_000 });
    const before = importUpdates(await bird.birdc('show protocols all tern'));

    // The burst, then the withdrawal of the other prefix.
    for (const c of ['65000:2', '65000:3', '65000:4']) await add(P, c);
    await gobgp.gobgp(['global', 'rib', 'del', '-a', 'ipv4', Q]);

    // The withdrawal arrives while P still shows a state from before the end of the interval.
    const atWithdrawal = await waitFor(async () => {
      const r = await routes();
      return r.has(Q) ? notYet([...r]) : r;
    }, { what: `${Q} withdrawn in BIRD`, timeoutMs: 30_000 });
    expect(['(65000,1)', '(65000,2)']).toContain(atWithdrawal.get(P));

    // Then the final state, and no more than two updates for the three changes.
    await waitFor(async () => ((await routes()).get(P) === '(65000,4)' ? true : notYet([...(await routes())])),
      { what: `the final state of ${P} in BIRD`, timeoutMs: 40_000 });
    const burst = importUpdates(await bird.birdc('show protocols all tern')) - before;
    expect(burst).toBeGreaterThanOrEqual(1);
    expect(burst).toBeLessThanOrEqual(2);
  }), 120_000);
});
