// Chains: term order, `next`, the default, RFC 8212, and what the evaluator remembers and allocates.
import { describe, expect, it } from 'vitest';
import { AttributeStore } from '../../../src/rib/attribute-store.js';
import { compileChain, SET_MED, SET_NEXT_HOP, type ChainOptions } from '../../../src/rib/policy/compile.js';
import { MEMO_LIMIT, PolicyEvaluator } from '../../../src/rib/policy/evaluate.js';
import { explainPolicy } from '../../../src/rib/policy/explain.js';
import type { Policy, PolicyContext, PolicyTerm } from '../../../src/rib/policy/types.js';
import { key, pathFixtures } from '../../helpers/paths.js';

const ctx: PolicyContext = { localAs: 65001, nextHopSelf: { 'ipv4-unicast': '198.51.100.1' } };
const IMPORT_EBGP: ChainOptions = { direction: 'import', ebgp: true, ebgpRequiresPolicy: true };
const EXPORT_EBGP: ChainOptions = { direction: 'export', ebgp: true, ebgpRequiresPolicy: true };
const C = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

function term(name: string, over: Partial<PolicyTerm>): PolicyTerm {
  return { name, match: {}, set: {}, action: 'next', ...over };
}

function policy(name: string, ...terms: PolicyTerm[]): Policy {
  return { name, terms };
}

const tenSlash8 = { family: 'ipv4-unicast' as const, prefix: key('10.0.0.0/8'), ge: 8, le: 32 };

function setup(policies: Policy[], options: ChainOptions = IMPORT_EBGP) {
  const store = new AttributeStore();
  const f = pathFixtures(store);
  const chain = compileChain(policies, options);
  const ev = new PolicyEvaluator(chain, ctx, store);
  return { ...f, chain, ev };
}

describe('term order', () => {
  it('the first term that accepts or rejects decides; later terms are not looked at', () => {
    const { ev, attrs, peer, path, chain } = setup([
      policy('p',
        term('bogons', { match: { prefix: [tenSlash8] }, action: 'reject' }),
        term('prefer', { match: { neighbor: { asn: [65000] } }, set: { localPref: 300 }, action: 'accept' }),
        term('never', { set: { localPref: 1 }, action: 'accept' })),
    ]);
    const leaf = peer('192.0.2.1', 65000);
    expect(ev.evaluate(path('10.1.0.0/16', attrs(), leaf))).toBeNull();
    expect(ev.evaluate(path('192.0.2.0/24', attrs(), leaf))?.localPref).toBe(300);
    expect(ev.evaluate(path('192.0.2.0/24', attrs(), peer('192.0.2.9', 65009)))?.localPref).toBe(1);
    const why = explainPolicy(chain, path('10.1.0.0/16', attrs(), leaf), ctx);
    expect(why).toMatchObject({ verdict: 'reject', decidedBy: { by: 'term', policy: 'p', term: 'bogons' } });
    expect(why.steps.map((s) => s.term)).toEqual(['bogons']);
  });

  it('a `next` term changes the route and the following terms see the change', () => {
    const { ev, attrs, peer, path } = setup([
      policy('tag', term('tag', { set: { communities: { add: [C(65001, 7)] } } })),
      policy('use', term('tagged', { match: { communities: { any: [{ value: C(65001, 7), mask: 0xffffffff }] } }, set: { med: 70 }, action: 'accept' })),
    ]);
    const out = ev.evaluate(path('192.0.2.0/24', attrs(), peer('192.0.2.1', 65000)));
    expect(out).toMatchObject({ communities: [C(65001, 7)], med: 70 });
  });

  it('policies run in the order listed: swapping them changes the outcome', () => {
    const accept = policy('accept-all', term('all', { action: 'accept' }));
    const reject = policy('reject-10', term('ten', { match: { prefix: [tenSlash8] }, action: 'reject' }));
    const a = setup([accept, reject]);
    const b = setup([reject, accept]);
    expect(a.ev.evaluate(a.path('10.1.0.0/16', a.attrs(), a.peer('192.0.2.1', 65000)))).not.toBeNull();
    expect(b.ev.evaluate(b.path('10.1.0.0/16', b.attrs(), b.peer('192.0.2.1', 65000)))).toBeNull();
  });
});

describe('default action', () => {
  it('rejects a route no term decided on, even one a `next` term changed', () => {
    const { ev, attrs, peer, path, chain } = setup([policy('p', term('mark', { set: { localPref: 200 } }))]);
    const p = path('192.0.2.0/24', attrs(), peer('192.0.2.1', 65000));
    expect(ev.evaluate(p)).toBeNull();
    expect(explainPolicy(chain, p, ctx)).toMatchObject({ verdict: 'reject', decidedBy: { by: 'default' } });
  });

  it('a peer without policy: iBGP and relaxed eBGP accept everything unchanged, eBGP rejects (RFC 8212)', () => {
    const store = new AttributeStore();
    const { attrs, peer, path } = pathFixtures(store);
    const p = path('192.0.2.0/24', attrs(), peer('192.0.2.1', 65000));
    const ibgp = new PolicyEvaluator(compileChain([], { ...IMPORT_EBGP, ebgp: false }), ctx, store);
    const relaxed = new PolicyEvaluator(compileChain([], { ...IMPORT_EBGP, ebgpRequiresPolicy: false }), ctx, store);
    const strict = compileChain([], IMPORT_EBGP);
    expect(ibgp.evaluate(p)).toBe(p.attrs);
    expect(ibgp.passesAll).toBe(true);
    expect(relaxed.evaluate(p)).toBe(p.attrs);
    expect(new PolicyEvaluator(strict, ctx, store).evaluate(p)).toBeNull();
    expect(explainPolicy(strict, p, ctx)).toMatchObject({ verdict: 'reject', decidedBy: { by: 'rfc8212' }, steps: [] });
    expect(explainPolicy(compileChain([], EXPORT_EBGP), p, ctx)).toMatchObject({ direction: 'export', decidedBy: { by: 'rfc8212' } });
  });
});

describe('no allocation for routes a policy does not change', () => {
  it('returns the very object that went in, and interns nothing', () => {
    const { ev, attrs, peer, path, store } = setup([
      policy('p',
        term('no-op', { match: { source: ['bgp'] }, set: { localPref: 100 } }),
        term('pass', { match: { prefix: [{ ...tenSlash8, prefix: key('0.0.0.0/0'), ge: 0 }] }, action: 'accept' })),
    ]);
    const a = attrs({ localPref: 100 });
    const size = store.size;
    for (let i = 0; i < 1000; i++) {
      const p = path(`10.${i >> 8}.${i & 255}.0/24`, a, peer('192.0.2.1', 65000));
      expect(ev.evaluate(p)).toBe(a);
    }
    expect(store.size).toBe(size);
  });

  it('gives every route with the same set and the same changes one interned result', () => {
    const { ev, attrs, peer, path, store } = setup([policy('p', term('lp', { set: { localPref: 300 }, action: 'accept' }))]);
    const leaf = peer('192.0.2.1', 65000);
    const a = attrs();
    const first = ev.evaluate(path('10.0.0.0/24', a, leaf));
    const second = ev.evaluate(path('10.0.1.0/24', a, leaf));
    expect(second).toBe(first);
    // The same content reached another way is the same interned object too.
    expect(store.internContent({ ...a, localPref: 300 })).toBe(first);
  });

  it('remembers outcomes per attribute set only when that is sound', () => {
    expect(setup([policy('p', term('lp', { set: { localPref: 300 }, action: 'accept' }))]).chain.memoizable).toBe(true);
    expect(setup([policy('p', term('n', { match: { neighbor: { asn: [1] } }, action: 'accept' }))]).chain.memoizable).toBe(true);
    expect(setup([policy('p', term('n', { match: { neighbor: { asn: [1] } }, action: 'accept' }))], EXPORT_EBGP).chain.memoizable).toBe(false);
    expect(setup([policy('p', term('pfx', { match: { prefix: [tenSlash8] }, action: 'accept' }))]).chain.memoizable).toBe(false);
  });

  it('a prefix-dependent chain still decides per prefix for routes sharing one set', () => {
    const { ev, attrs, peer, path } = setup([policy('p', term('ten', { match: { prefix: [tenSlash8] }, set: { med: 10 }, action: 'accept' }), term('rest', { action: 'accept' }))]);
    const a = attrs();
    const leaf = peer('192.0.2.1', 65000);
    expect(ev.evaluate(path('10.1.0.0/16', a, leaf))?.med).toBe(10);
    expect(ev.evaluate(path('11.1.0.0/16', a, leaf))).toBe(a);
    expect(ev.evaluate(path('10.2.0.0/16', a, leaf))?.med).toBe(10);
  });

  it('keeps IPv4 and IPv6 outcomes apart for one set', () => {
    const { ev, attrs, peer, path } = setup([policy('p', term('v6', { match: { family: ['ipv6-unicast'] }, action: 'reject' }), term('rest', { action: 'accept' }))]);
    const a = attrs({ nextHop: '2001:db8::2' });
    const rr = peer('2001:db8::2', 65000);
    expect(ev.evaluate(path('10.0.0.0/8', a, rr))).toBe(a);
    expect(ev.evaluate(path('2001:db8:5::/48', a, rr))).toBeNull();
    expect(ev.evaluate(path('10.0.0.0/8', a, rr))).toBe(a);
  });
});

describe('evaluator memory', () => {
  it('gives back the references of the sets it interned on clear', () => {
    const { ev, attrs, peer, path, store } = setup([policy('p', term('lp', { set: { localPref: 300 }, action: 'accept' }))]);
    const a = attrs();
    const before = store.size;
    const out = ev.evaluate(path('10.0.0.0/24', a, peer('192.0.2.1', 65000)));
    expect(store.size).toBe(before + 1);
    ev.clear();
    expect(store.size).toBe(before);
    // After a clear the evaluator works as before (and interns again).
    expect(ev.evaluate(path('10.0.0.0/24', a, peer('192.0.2.1', 65000)))).toEqual(out);
  });
});

describe('evaluator memory bound', () => {
  it('starts over past its bound, so sets nobody uses any more do not pile up in the store', () => {
    const { ev, attrs, peer, path, store } = setup([policy('p', term('lp', { set: { localPref: 300 }, action: 'accept' }))]);
    const leaf = peer('192.0.2.1', 65000);
    const before = store.size;
    for (let i = 0; i < 3 * MEMO_LIMIT; i++) {
      const a = attrs({ med: i });
      expect(ev.evaluate(path('10.0.0.0/24', a, leaf))?.localPref).toBe(300);
      store.release(a); // the route is gone: only the evaluator still holds what it made
    }
    expect(store.size - before).toBeLessThanOrEqual(MEMO_LIMIT);
    ev.clear();
    expect(store.size).toBe(before);
  }, 30_000); // a hundred thousand evaluations: seconds on a loaded 2-core machine
});

describe('flags for the export rewrite', () => {
  it('reports a MED or an explicit next hop of the route\'s family set on the way', () => {
    const { ev, attrs, path } = setup([policy('p',
      term('med', { set: { med: 5 } }),
      term('hop', { match: { family: ['ipv4-unicast'] }, set: { nextHop: '192.0.2.200' } }),
      term('end', { action: 'accept' }))], EXPORT_EBGP);
    ev.evaluate(path('10.0.0.0/8', attrs(), undefined));
    expect(ev.flags).toBe(SET_MED | SET_NEXT_HOP);
    ev.evaluate(path('2001:db8::/32', attrs({ nextHop: '::' }), undefined));
    expect(ev.flags).toBe(SET_MED);
  });

  it('reports no next-hop flag for self (the eBGP rewrite puts ours in anyway)', () => {
    const { ev, attrs, path } = setup([policy('p', term('self', { set: { nextHop: 'self' }, action: 'accept' }))], EXPORT_EBGP);
    ev.evaluate(path('10.0.0.0/8', attrs(), undefined));
    expect(ev.flags).toBe(0);
  });
});

describe('explanations', () => {
  it('list every term looked at, whether it matched, what it changed, and who decided', () => {
    const { attrs, peer, path, chain } = setup([
      policy('from-leaf',
        term('bogons', { match: { prefix: [tenSlash8] }, action: 'reject' }),
        term('tag', { set: { communities: { add: [C(65001, 1)] }, localPref: 120 } })),
      policy('finally', term('prepend', { set: { prepend: { asn: 'own', times: 1 } }, action: 'accept' })),
    ]);
    const p = path('192.0.2.0/24', attrs(), peer('192.0.2.1', 65000));
    const why = explainPolicy(chain, p, ctx);
    expect(why).toEqual({
      direction: 'import',
      policies: ['from-leaf', 'finally'],
      verdict: 'accept',
      decidedBy: { by: 'term', policy: 'finally', term: 'prepend' },
      steps: [
        { policy: 'from-leaf', term: 'bogons', matched: false, changed: [], action: 'reject' },
        { policy: 'from-leaf', term: 'tag', matched: true, changed: ['localPref', 'communities'], action: 'next' },
        { policy: 'finally', term: 'prepend', matched: true, changed: ['asPath'], action: 'accept' },
      ],
      changed: ['localPref', 'communities', 'asPath'],
      attrs: expect.objectContaining({ localPref: 120, communities: [C(65001, 1)], asPath: [{ type: 'sequence', asns: [65001, 65002] }] }),
    });
    // Explaining interns nothing and leaves the path alone.
    expect(p.attrs.localPref).toBeUndefined();
  });
});
