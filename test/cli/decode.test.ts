/**
 * `bgpctl decode` as operators run it: the built CLI in a child process, its JSON lines, stderr and exit status.
 * The messages are written out by hand (RFC formats) so the expected JSON can be too.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(root, 'dist', 'src', 'cli', 'bgpctl.js');

/** The newest modification time of the sources the CLI is built from (cli, the codec, version). */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'src', 'cli'));
  walk(join(root, 'src', 'bgp', 'wire'));
  newest = Math.max(newest, statSync(join(root, 'src', 'version.ts')).mtimeMs);
  return newest;
}

const stale = () => !existsSync(CLI) || statSync(CLI).mtimeMs < newestSource();

let tmp = '';

beforeAll(() => {
  if (stale()) {
    try {
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
    } catch (e) {
      // tsc still emits when files outside the CLI fail to compile; only a CLI that is still stale is fatal.
      if (stale()) {
        const out = e as { stdout?: Buffer; stderr?: Buffer };
        throw new Error(`npm run build failed:\n${out.stdout?.toString() ?? ''}${out.stderr?.toString() ?? ''}`);
      }
    }
  }
  tmp = mkdtempSync(join(tmpdir(), 'bgpctl-decode-'));
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly json: Record<string, unknown>[];
}

function bgpctl(args: readonly string[], input?: string): Run {
  const r = spawnSync(process.execPath, [CLI, 'decode', ...args], { cwd: root, input: input ?? '', encoding: 'utf8', timeout: 30_000 });
  const json = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

const MARKER = 'ff'.repeat(16);
const hex2 = (n: number) => n.toString(16).padStart(4, '0');

function updateHex(attrs: string, nlri = '', withdrawn = ''): string {
  const body = hex2(withdrawn.length / 2) + withdrawn + hex2(attrs.length / 2) + attrs + nlri;
  return MARKER + hex2(19 + body.length / 2) + '02' + body;
}

const KEEPALIVE = MARKER + '0013' + '04';
const V6_NH = '20010db8000000000000000000000001';

// OPEN: AS 65001, hold time 180, id 192.0.2.1; capabilities multiprotocol IPv4, route refresh, 4-octet AS,
// graceful restart (N bit, 120 s, IPv4 with F), FQDN r1.ln, unknown 200.
const OPEN = MARKER + '0040' + '01' + '04' + 'fde9' + '00b4' + 'c0000201' + '23' + '0221'
  + '0104' + '00010001' + '0200' + '4104' + '0000fde9' + '4006' + '4078' + '00010180' + '4906' + '027231' + '026c6e' + 'c801ff';

const UPDATE_ATTRS = '40010102' // ORIGIN incomplete
  + '40020e' + '0203' + '0000fde9' + 'fa56ea01' + '0000fdea' // AS_PATH 65001 4200000001 65002
  + '400304c0000201' // NEXT_HOP 192.0.2.1
  + '80040400000032' // MED 50
  + '40050400000064' // LOCAL_PREF 100
  + '400600' // ATOMIC_AGGREGATE
  + 'c00708' + '0000fde9' + 'c0000209' // AGGREGATOR 65001 192.0.2.9
  + 'c00808' + 'fde90064' + 'ffffff01' // COMMUNITIES 65001:100 NO_EXPORT
  + '800904c0000202' // ORIGINATOR_ID
  + '800a04c0000203' // CLUSTER_LIST
  + '800e1c' + '0002' + '01' + '10' + V6_NH + '00' + '30' + '20010db80001' // MP_REACH_NLRI
  + '800f0a' + '0002' + '01' + '30' + '20010db80002' // MP_UNREACH_NLRI
  + 'c01008' + '0002fde900000064' // EXTENDED_COMMUNITIES route target 65001:100
  + 'c0200c' + '0000fde9' + '00000001' + '00000002' // LARGE_COMMUNITIES 65001:1:2
  + 'c023040000fde9' // OTC 65001
  + 'c06302abcd' // unknown optional transitive 99
  + '80c80101'; // unknown optional non-transitive 200
const UPDATE = updateHex(UPDATE_ATTRS, '18c00002', '100a01');

const EOR_V6 = MARKER + '001d' + '02' + '0000' + '0006' + '800f03' + '0002' + '01';
const NOTIFICATION = MARKER + '001b' + '03' + '06' + '02' + '05' + '68656c6c6f';
const ROUTE_REFRESH = MARKER + '0017' + '05' + '0002' + '01' + '01';

/** NLRI without NEXT_HOP: treat-as-withdraw (RFC 7606 §3 (d)). */
const MISSING_NEXT_HOP = updateHex('40010100' + '400200', '18c00002');
/** ORIGIN whose length runs past the attributes: session reset (RFC 7606 §4). */
const OVERRUN = updateHex('40010500');

describe('bgpctl decode input', () => {
  it('decodes messages given as hex arguments, one JSON line each', () => {
    const r = bgpctl([KEEPALIVE, ROUTE_REFRESH]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toHaveLength(3);
    expect(r.json).toEqual([
      { type: 'KEEPALIVE', length: 19 },
      { type: 'ROUTE-REFRESH', length: 23, afi: 2, safi: 1, subtype: 1, subtypeName: 'borr' },
    ]);
  });

  it('accepts a leading 0x, spaces and colons inside the hex', () => {
    const spaced = KEEPALIVE.match(/../g)!.join(' ');
    const colons = '0x' + KEEPALIVE.match(/../g)!.join(':');
    const r = bgpctl([spaced, colons, KEEPALIVE.toUpperCase()]);
    expect(r.status).toBe(0);
    expect(r.json).toEqual([{ type: 'KEEPALIVE', length: 19 }, { type: 'KEEPALIVE', length: 19 }, { type: 'KEEPALIVE', length: 19 }]);
  });

  it('reads one message per line on stdin, skipping blank lines and # comments', () => {
    const r = bgpctl([], `# a capture\n\n${KEEPALIVE}\n   \n  # indented comment\n${NOTIFICATION}\r\n${ROUTE_REFRESH}\n`);
    expect(r.status).toBe(0);
    expect(r.json.map((j) => j.type)).toEqual(['KEEPALIVE', 'NOTIFICATION', 'ROUTE-REFRESH']);
  });

  it('reads --file the same way', () => {
    const file = join(tmp, 'capture.hex');
    writeFileSync(file, `# OPEN then UPDATE\n${OPEN}\n\n# an UPDATE\n${UPDATE}\n`);
    const r = bgpctl(['--file', file]);
    expect(r.status).toBe(0);
    expect(r.json.map((j) => [j.type, j.length])).toEqual([['OPEN', 64], ['UPDATE', UPDATE.length / 2]]);
  });

  it('decodes the sample capture shipped with the project', () => {
    const r = bgpctl(['--file', 'test/fixtures/sample-capture.hex']);
    expect(r.status).toBe(0);
    expect(r.json.length).toBeGreaterThan(0);
    for (const j of r.json) {
      expect(j.errors).toBeUndefined();
      expect(['OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH']).toContain(j.type);
    }
  });
});

describe('bgpctl decode session flags', () => {
  const as2Update = updateHex('40010100' + '400206' + '0202' + 'fde9' + 'fdea' + '400304c0000201' + 'c00706' + 'fde9' + 'c0000209', '18c00002');

  it('--as2 reads AS_PATH and AGGREGATOR with 2-octet AS numbers', () => {
    const r = bgpctl(['--as2', as2Update]);
    expect(r.status).toBe(0);
    expect(r.json).toEqual([{
      type: 'UPDATE', length: as2Update.length / 2, withdrawn: [], nlri: ['192.0.2.0/24'],
      attributes: {
        origin: 'igp', asPath: [{ type: 'sequence', asns: [65001, 65002] }], nextHop: '192.0.2.1',
        aggregator: { asn: 65001, address: '192.0.2.9' },
      },
    }]);
  });

  it('without --as2 the same octets are a malformed 4-octet AS_PATH (treat-as-withdraw, exit 0)', () => {
    const r = bgpctl([as2Update]);
    expect(r.status).toBe(0);
    const errors = r.json[0]!.errors as Record<string, unknown>[];
    expect(errors.map((e) => [e.action, e.code, e.subcode])).toEqual([
      ['treat-as-withdraw', 3, 11],
      ['attribute-discard', 3, 5],
    ]);
  });

  it('--as2 shows the path merged with AS4_PATH and the aggregator from AS4_AGGREGATOR', () => {
    const h = updateHex('40010100' + '400206' + '0202' + '5ba0' + 'fdea' + '400304c0000201' + 'c00706' + '5ba0' + 'c0000209'
      + 'c0110a' + '0202' + 'fa56ea01' + '0000fdea' + 'c01208' + 'fa56ea09' + 'c0000209', '18c00002');
    const r = bgpctl(['--as2', h]);
    expect(r.status).toBe(0);
    expect(r.json[0]!.attributes).toEqual({
      origin: 'igp', nextHop: '192.0.2.1',
      asPath: [{ type: 'sequence', asns: [4200000001, 65002] }],
      aggregator: { asn: 4200000009, address: '192.0.2.9' },
      as4Path: [{ type: 'sequence', asns: [4200000001, 65002] }],
      as4Aggregator: { asn: 4200000009, address: '192.0.2.9' },
    });
  });

  const addPathUpdate = updateHex(
    '800e20' + '0002' + '01' + '10' + V6_NH + '00' + '00000005' + '30' + '20010db80001' + '40010100' + '400200' + '400304c0000201',
    '00000001' + '18c00002' + '00000002' + '18c00002',
    '00000007' + '080a',
  );

  it('--add-path ipv4-unicast,ipv6-unicast turns NLRI into {prefix, pathId}', () => {
    const r = bgpctl(['--add-path', 'ipv4-unicast,ipv6-unicast', addPathUpdate]);
    expect(r.status).toBe(0);
    expect(r.json).toEqual([{
      type: 'UPDATE', length: addPathUpdate.length / 2,
      withdrawn: [{ prefix: '10.0.0.0/8', pathId: 7 }],
      nlri: [{ prefix: '192.0.2.0/24', pathId: 1 }, { prefix: '192.0.2.0/24', pathId: 2 }],
      attributes: {
        mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [{ prefix: '2001:db8:1::/48', pathId: 5 }] },
        origin: 'igp', asPath: [], nextHop: '192.0.2.1',
      },
    }]);
  });

  it('--add-path for one family leaves the other as plain prefixes', () => {
    const h = updateHex('800e1c' + '0002' + '01' + '10' + V6_NH + '00' + '30' + '20010db80001' + '40010100' + '400200' + '400304c0000201', '00000009' + '18c00002');
    const r = bgpctl(['--add-path', 'ipv4-unicast', h]);
    expect(r.status).toBe(0);
    expect(r.json[0]).toMatchObject({ nlri: [{ prefix: '192.0.2.0/24', pathId: 9 }], attributes: { mpReach: { nlri: ['2001:db8:1::/48'] } } });
  });

  it('without --add-path the path identifiers do not parse (session reset, exit 1)', () => {
    const r = bgpctl([addPathUpdate]);
    expect(r.status).toBe(1);
    const errors = r.json[0]!.errors as Record<string, unknown>[];
    expect(errors[0]).toEqual({ action: 'session-reset', code: 3, subcode: 10, reason: 'withdrawn routes: prefix of length 10 overruns the NLRI field' });
    expect(errors.every((e) => e.action === 'session-reset')).toBe(true);
  });

  // 990 /32s in the NLRI field after 27 octets of attributes: 19 + 4 + 27 + 990 × 5 = 5000 octets.
  const bigAttrs = '40010100' + '400206' + '0201' + '0000fde9' + '400304c0000201' + '80040400000000';
  const bigNlri = Array.from({ length: 990 }, (_, i) => '20' + '0a00' + (i >> 8).toString(16).padStart(2, '0') + (i & 255).toString(16).padStart(2, '0')).join('');
  const big = updateHex(bigAttrs, bigNlri);

  it('--ext-message decodes a 5000-octet UPDATE', () => {
    expect(big.length / 2).toBe(5000);
    const r = bgpctl(['--ext-message', big]);
    expect(r.status).toBe(0);
    const j = r.json[0]!;
    expect(j).toMatchObject({ type: 'UPDATE', length: 5000, withdrawn: [], attributes: { origin: 'igp', med: 0, nextHop: '192.0.2.1' } });
    const nlri = j.nlri as string[];
    expect(nlri).toHaveLength(990);
    expect(nlri[0]).toBe('10.0.0.0/32');
    expect(nlri[989]).toBe('10.0.3.221/32');
    expect(j.errors).toBeUndefined();
  });

  it('without --ext-message a 5000-octet UPDATE is Bad Message Length (1/2), exit 1', () => {
    const r = bgpctl([big]);
    expect(r.status).toBe(1);
    expect(r.json).toEqual([{
      type: null, length: 5000,
      errors: [{ action: 'session-reset', code: 1, subcode: 2, reason: expect.stringContaining('5000') as unknown, data: '1388' }],
    }]);
  });
});

describe('bgpctl decode JSON fields', () => {
  it('OPEN', () => {
    const r = bgpctl([OPEN]);
    expect(r.status).toBe(0);
    expect(r.json).toEqual([{
      type: 'OPEN', length: 64, version: 4, asn: 65001, myAs: 65001, holdTime: 180, routerId: '192.0.2.1',
      capabilities: [
        { code: 1, name: 'multiprotocol', afi: 1, reserved: 0, safi: 1 },
        { code: 2, name: 'route-refresh' },
        { code: 65, name: 'four-octet-as', asn: 65001 },
        { code: 64, name: 'graceful-restart', restartState: false, notification: true, flags: 4, restartTime: 120, families: [{ afi: 1, safi: 1, flags: 128, forwarding: true }] },
        { code: 73, name: 'fqdn', hostname: 'r1', domain: 'ln' },
        { code: 200, name: 'unknown', hex: 'ff' },
      ],
    }]);
  });

  it('OPEN from a 4-octet AS: asn from the capability, myAs AS_TRANS', () => {
    const h = MARKER + '0025' + '01' + '04' + '5ba0' + '005a' + '0a000001' + '08' + '0206' + '4104' + 'fa56ea01';
    expect(bgpctl([h]).json[0]).toMatchObject({ type: 'OPEN', asn: 4200000001, myAs: 23456, holdTime: 90, routerId: '10.0.0.1' });
  });

  it('UPDATE with every attribute', () => {
    const r = bgpctl([UPDATE]);
    expect(r.status).toBe(0);
    expect(r.json).toEqual([{
      type: 'UPDATE', length: UPDATE.length / 2,
      withdrawn: ['10.1.0.0/16'],
      nlri: ['192.0.2.0/24'],
      attributes: {
        origin: 'incomplete',
        asPath: [{ type: 'sequence', asns: [65001, 4200000001, 65002] }],
        nextHop: '192.0.2.1',
        med: 50,
        localPref: 100,
        atomicAggregate: true,
        aggregator: { asn: 65001, address: '192.0.2.9' },
        communities: ['65001:100', '65535:65281'],
        originatorId: '192.0.2.2',
        clusterList: ['192.0.2.3'],
        mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: ['2001:db8:1::/48'] },
        mpUnreach: { afi: 2, safi: 1, withdrawn: ['2001:db8:2::/48'] },
        extendedCommunities: [{ type: 0, subtype: 2, hex: '0002fde900000064', transitive: true, kind: 'route-target', asn: 65001, value: 100 }],
        largeCommunities: ['65001:1:2'],
        otc: 65001,
        unknown: [{ code: 99, flags: 0xc0, hex: 'abcd' }, { code: 200, flags: 0x80, hex: '01' }],
      },
    }]);
  });

  it('End-of-RIB for IPv4 and IPv6', () => {
    const r = bgpctl([MARKER + '0017' + '02' + '0000' + '0000', EOR_V6]);
    expect(r.status).toBe(0);
    expect(r.json).toEqual([
      { type: 'UPDATE', length: 23, withdrawn: [], nlri: [], attributes: {}, endOfRib: { afi: 1, safi: 1 } },
      { type: 'UPDATE', length: 29, withdrawn: [], nlri: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [] } }, endOfRib: { afi: 2, safi: 1 } },
    ]);
  });

  it('NOTIFICATION, with and without a shutdown communication', () => {
    const r = bgpctl([NOTIFICATION, MARKER + '0015' + '03' + '04' + '00']);
    expect(r.status).toBe(0);
    expect(r.json).toEqual([
      { type: 'NOTIFICATION', length: 27, code: 6, subcode: 2, codeName: 'Cease', subcodeName: 'Administrative Shutdown', data: '0568656c6c6f', shutdownMessage: 'hello' },
      { type: 'NOTIFICATION', length: 21, code: 4, subcode: 0, codeName: 'Hold Timer Expired', subcodeName: 'Unspecific', data: '' },
    ]);
  });

  it('ROUTE-REFRESH and KEEPALIVE', () => {
    const r = bgpctl([MARKER + '0017' + '05' + '0001' + '00' + '01', MARKER + '0017' + '05' + '0001' + '02' + '01', KEEPALIVE]);
    expect(r.json).toEqual([
      { type: 'ROUTE-REFRESH', length: 23, afi: 1, safi: 1, subtype: 0, subtypeName: 'normal' },
      { type: 'ROUTE-REFRESH', length: 23, afi: 1, safi: 1, subtype: 2, subtypeName: 'eorr' },
      { type: 'KEEPALIVE', length: 19 },
    ]);
  });
});

describe('bgpctl decode errors and exit status', () => {
  it('prints errors beside the decoded fields; treat-as-withdraw only exits 0', () => {
    const r = bgpctl([MISSING_NEXT_HOP, KEEPALIVE]);
    expect(r.status).toBe(0);
    expect(r.json).toEqual([
      {
        type: 'UPDATE', length: MISSING_NEXT_HOP.length / 2, withdrawn: [], nlri: ['192.0.2.0/24'], attributes: { origin: 'igp', asPath: [] },
        errors: [{ action: 'treat-as-withdraw', code: 3, subcode: 3, reason: 'missing well-known attribute NEXT_HOP', data: '03' }],
      },
      { type: 'KEEPALIVE', length: 19 },
    ]);
  });

  it('attribute discard exits 0', () => {
    const h = updateHex('40010100' + '400200' + '400304c0000201' + 'c00708' + '00000000' + 'c0000209', '18c00002');
    const r = bgpctl([h]);
    expect(r.status).toBe(0);
    expect(r.json[0]).toMatchObject({ attributes: { origin: 'igp', asPath: [], nextHop: '192.0.2.1' }, errors: [{ action: 'attribute-discard', code: 3, subcode: 9 }] });
    expect((r.json[0]!.attributes as Record<string, unknown>).aggregator).toBeUndefined();
  });

  it('a message that needs a session reset exits 1, and every message is still printed', () => {
    const r = bgpctl([MISSING_NEXT_HOP, OVERRUN, KEEPALIVE]);
    expect(r.status).toBe(1);
    expect(r.json).toHaveLength(3);
    expect(r.json[1]).toEqual({
      type: 'UPDATE', length: OVERRUN.length / 2, withdrawn: [], nlri: [], attributes: {},
      errors: [{
        action: 'session-reset', code: 3, subcode: 5, data: '40010500',
        reason: expect.stringContaining('ORIGIN length 5 overruns the path attribute field') as unknown,
      }],
    });
    expect(r.json[2]).toEqual({ type: 'KEEPALIVE', length: 19 });
  });

  it('a header that does not decode prints type null and exits 1', () => {
    const r = bgpctl(['00'.repeat(16) + '0013' + '04']);
    expect(r.status).toBe(1);
    expect(r.json).toEqual([{ type: null, length: 19, errors: [{ action: 'session-reset', code: 1, subcode: 1, reason: 'marker is not all ones' }] }]);
  });

  it('non-hex input in an argument exits 2 naming the argument', () => {
    const r = bgpctl([KEEPALIVE, 'zz']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('bgpctl: argument 2: not a hex message: "zz"\n');
  });

  it('an odd number of hex digits exits 2 naming the argument', () => {
    const r = bgpctl([KEEPALIVE + 'f']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bgpctl: argument 1: not a hex message: /);
  });

  it('a bad line in --file exits 2 naming file:line', () => {
    const file = join(tmp, 'bad.hex');
    writeFileSync(file, `# comment\n${KEEPALIVE}\n\n${KEEPALIVE}0\n`);
    const r = bgpctl(['--file', file]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`bgpctl: ${file}:4: not a hex message`);
  });

  it('a bad line on stdin exits 2 naming stdin:line', () => {
    const r = bgpctl([], `${KEEPALIVE}\nnot hex\n`);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('bgpctl: stdin:2: not a hex message: "not hex"\n');
  });

  it('an unknown --add-path family exits 2 naming it', () => {
    const r = bgpctl(['--add-path', 'ipv4-unicast,ipv4-flowspec', KEEPALIVE]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--add-path: unknown family "ipv4-flowspec"');
  });

  it('a missing --file exits 2 naming the file', () => {
    const file = join(tmp, 'missing.hex');
    const r = bgpctl(['--file', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(file);
  });
});
