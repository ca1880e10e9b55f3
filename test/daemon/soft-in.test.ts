/**
 * Soft reconfiguration inbound and explanations through the control socket of an in-process ternd, with
 * scripted peers over loopback (127.0.0.0/8 only): `neighbor-soft-in` re-runs import policy over the kept
 * routes without a ROUTE-REFRESH and without an UPDATE to anyone, falls back to ROUTE-REFRESH for a peer
 * that keeps nothing, and `explain` shows import terms and export verdicts from the live sessions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requestDaemon } from '../../src/cli/control-client.js';
import type { ExplainView, SoftInView } from '../../src/control/protocol.js';
import { buildUpdate, encodeMessage, makeContext, prefixStrings, type UpdateMessage } from '../../src/bgp/wire/index.js';
import { NOT_KEPT } from '../../src/rib/explain-verdicts.js';
import { inProcessDaemon } from '../helpers/daemon.js';
import { scriptedPeer, type Scripted } from '../helpers/scripted-peer.js';
import { until } from '../helpers/until.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tern-soft-in-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});


const ctx = makeContext({});
function announce(peer: Scripted, asn: number, nextHop: string, prefixes: string[]): void {
  const attributes = [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns: [asn] }] }, { type: 'next-hop', nextHop }] as const;
  peer.socket.write(encodeMessage(buildUpdate({ nlri: prefixes, attributes: [...attributes] }, ctx), ctx));
}
const updates = (p: Scripted, since = 0) => p.received.slice(since).filter((r) => r.message.type === 'UPDATE').map((r) => r.message as UpdateMessage);
const refreshes = (p: Scripted) => p.received.filter((r) => r.message.type === 'ROUTE-REFRESH').length;

const CONFIG = `
families: [ipv4-unicast]
prefixSets:
  blocked: [10.7.1.0/24]
policies:
  from-a:
    - { name: blocked, match: { prefix: [blocked] }, action: reject }
    - { name: prefer, match: { prefix: [10.7.0.0/24] }, set: { localPref: 250 }, action: accept }
    - { name: rest, action: accept }
  from-b:
    - { name: all, action: accept }
  to-b:
    - { name: hide, match: { prefix: [10.7.2.0/24] }, action: reject }
    - { name: rest, action: accept }
peers:
  - { address: 127.0.0.7, remoteAs: 65007, passive: true, import: [from-a], export: [to-b], softReconfiguration: { inbound: true } }
  - { address: 127.0.0.8, remoteAs: 65008, passive: true, import: [from-b], export: [to-b] }
  - { address: 127.0.0.9, remoteAs: 65009, passive: true }
`;

describe('soft-in and explain over the control socket', { timeout: 30_000 }, () => {
  it('explains import terms and export verdicts; soft-in re-applies import policy without asking the peer', async () => {
    const socket = path.join(dir, 'ternd.sock');
    const { daemon, port } = await inProcessDaemon(CONFIG, { controlSocket: socket });
    cleanups.push(() => daemon.stop({ graceful: false }));
    const a = await scriptedPeer('127.0.0.7', port, 65007, 90, [{ code: 2, name: 'route-refresh' }]);
    const b = await scriptedPeer('127.0.0.8', port, 65008, 90, [{ code: 2, name: 'route-refresh' }]);
    cleanups.push(() => void a.socket.destroy(), () => void b.socket.destroy());
    await until('both Established', () => ['127.0.0.7', '127.0.0.8'].every((k) => daemon.speaker.peer(k)?.state === 'Established'));
    announce(a, 65007, '127.0.0.7', ['10.7.0.0/24', '10.7.1.0/24', '10.7.2.0/24']);
    announce(b, 65008, '127.0.0.8', ['10.8.0.0/24']);
    await until('routes in the Loc-RIB', () => daemon.rib.size('ipv4-unicast') === 3);
    const toB = await until('b gets 10.7.0.0/24', () => updates(b).find((u) => prefixStrings(u.nlri).includes('10.7.0.0/24')));
    expect(prefixStrings(toB.nlri)).not.toContain('10.7.2.0/24');

    const explain = (prefix: string) => requestDaemon<ExplainView>(socket, { op: 'explain', prefix });
    const changed = (await explain('10.7.0.0/24')).explanation!;
    expect(changed.candidates[0]).toMatchObject({
      from: '127.0.0.7', status: 'best', localPref: 250,
      import: { verdict: 'accept', prePolicy: true, policy: { decidedBy: { by: 'term', policy: 'from-a', term: 'prefer' }, changed: ['localPref'] } },
    });
    expect(changed.candidates[0]!.import!.received!.localPref).toBeUndefined();
    expect(changed.exports).toEqual([
      { peer: '127.0.0.7', peerAs: 65007, ibgp: false, rrClient: false, advertise: false, reason: 'learned from this peer' },
      expect.objectContaining({ peer: '127.0.0.8', advertise: true, attributes: expect.objectContaining({ asPath: '65001 65007', nextHop: '127.0.0.1' }) }),
    ]);
    const rejected = (await explain('10.7.1.0/24')).explanation!;
    expect(rejected.candidates).toEqual([expect.objectContaining({ from: '127.0.0.7', status: 'rejected', import: expect.objectContaining({ policy: expect.objectContaining({ decidedBy: { by: 'term', policy: 'from-a', term: 'blocked' } }) }) })]);
    const hidden = (await explain('10.7.2.0/24')).explanation!;
    expect(hidden.exports![1]).toMatchObject({ peer: '127.0.0.8', advertise: false, reason: 'rejected by export policy', policy: { decidedBy: { by: 'term', policy: 'to-b', term: 'hide' } } });
    const notKept = (await explain('10.8.0.0/24')).explanation!;
    expect(notKept.candidates[0]!.import).toEqual({ verdict: 'accept', policies: ['from-b'], prePolicy: false, note: NOT_KEPT });

    // soft-in on the peer that keeps its routes: no ROUTE-REFRESH to it, no UPDATE to anyone.
    const beforeB = b.received.length;
    const soft = await requestDaemon<SoftInView>(socket, { op: 'neighbor-soft-in', peer: '127.0.0.7' });
    expect(soft).toMatchObject({ peer: '127.0.0.7', method: 'soft-reconfiguration', result: { routes: 3, accepted: 2, rejected: 1, changed: 0 } });
    // A route announced after it reaches b: had soft-in sent anything, it would have come first.
    announce(a, 65007, '127.0.0.7', ['10.7.9.0/24']);
    await until('b gets 10.7.9.0/24', () => updates(b, beforeB).some((u) => prefixStrings(u.nlri).includes('10.7.9.0/24')));
    expect(updates(b, beforeB).flatMap((u) => [...prefixStrings(u.nlri), ...prefixStrings(u.withdrawn)])).toEqual(['10.7.9.0/24']);
    expect(refreshes(a)).toBe(0);
    expect(daemon.rib.size('ipv4-unicast')).toBe(4);
    expect((await explain('10.7.0.0/24')).explanation!.candidates[0]).toMatchObject({ localPref: 250 });

    // soft-in on a peer that keeps nothing: ROUTE-REFRESH instead, and it says so.
    const fallback = await requestDaemon<SoftInView>(socket, { op: 'neighbor-soft-in', peer: '127.0.0.8' });
    expect(fallback).toMatchObject({ peer: '127.0.0.8', method: 'route-refresh' });
    expect(fallback.result).toBeUndefined();
    expect(fallback.message).toMatch(/softReconfiguration: \{ inbound: true \}/);
    await until('b gets a ROUTE-REFRESH', () => refreshes(b) === 1);
    await expect(requestDaemon(socket, { op: 'neighbor-soft-in', peer: '127.0.0.9' })).rejects.toThrow('127.0.0.9: no session');
  });
});
