import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffConfig, isEmptyDiff } from '../../src/config/diff.js';
import { formatConfigError, loadConfigFile, parseConfig, suggest, type ConfigError } from '../../src/config/load.js';
import { resolvePeer } from '../../src/config/schema.js';
import { config, errors, HEAD, lines, report } from '../helpers/config-text.js';

const CONFIG_DIR = join(import.meta.dirname, '../../config');

describe('example configs', () => {
  const files = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

  it('has the worker, route reflector and lab examples', () => {
    expect(files).toEqual(expect.arrayContaining(['worker.yaml', 'route-reflector.yaml', 'lab-worker1.yaml']));
  });

  it.each(files)('%s loads cleanly', async (file) => {
    const r = await loadConfigFile(join(CONFIG_DIR, file));
    expect(r.ok ? [] : r.errors.map(formatConfigError)).toEqual([]);
  });

  it('lab-worker1.yaml is worker1 of the lab', async () => {
    const r = await loadConfigFile(join(CONFIG_DIR, 'lab-worker1.yaml'));
    if (!r.ok) throw new Error('lab config did not load');
    expect(r.config.routerId).toBe('192.168.210.21');
    expect(r.config.localAs).toBe(65002);
    expect(r.config.peers).toHaveLength(1);
    expect(r.config.peers[0]).toMatchObject({ address: '192.168.210.254', remoteAs: 65000, localAs: 65002, multihop: 1 });
  });

  it('route-reflector.yaml accepts the cluster from 10.0.0.0/8', async () => {
    const r = await loadConfigFile(join(CONFIG_DIR, 'route-reflector.yaml'));
    if (!r.ok) throw new Error('route reflector config did not load');
    expect(r.config.listenRanges[0]).toMatchObject({ prefix: '10.0.0.0/8', remoteAs: [65001], limit: 500 });
    expect(r.config.listenRanges[0]?.peer.routeReflectorClient).toBe(true);
  });

  it('worker.yaml peers eBGP with the leaf and iBGP with the route reflector', async () => {
    const r = await loadConfigFile(join(CONFIG_DIR, 'worker.yaml'));
    if (!r.ok) throw new Error('worker config did not load');
    const byAddress = new Map(r.config.peers.map((p) => [p.address, p]));
    expect(byAddress.get('10.0.1.1')).toMatchObject({ remoteAs: 65000, multihop: 1 });
    expect(byAddress.get('fe80::1%eth0')).toMatchObject({ remoteAs: 65000, families: ['ipv6-unicast'] });
    expect(byAddress.get('10.0.0.10')).toMatchObject({ remoteAs: 65001, multihop: 255 });
    expect(r.config.gracefulRestart.enabled).toBe(true);
    expect(r.config.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
  });
});

describe('defaults', () => {
  it('fills every global and peer default', () => {
    const c = config(lines('routerId: 192.0.2.1', 'localAs: 65002', 'peers:', '  - address: 192.0.2.254', '    remoteAs: 65000'));
    expect(c).toEqual({
      routerId: '192.0.2.1',
      localAs: 65002,
      listen: { address: '::', port: 179, enabled: true },
      holdTime: 90,
      connectRetryTime: 120,
      families: ['ipv4-unicast', 'ipv6-unicast'],
      gracefulRestart: { enabled: true, restartTime: 120, staleRoutesTime: 360 },
      peers: [
        {
          address: '192.0.2.254',
          remoteAs: 65000,
          localAs: 65002,
          port: 179,
          passive: false,
          shutdown: false,
          holdTime: 90,
          keepaliveTime: 30,
          connectRetryTime: 120,
          delayOpen: 0,
          families: ['ipv4-unicast', 'ipv6-unicast'],
          multihop: 1,
          addPath: {},
          addPathSend: 'all',
          extendedNextHop: false,
          advertisementInterval: 0,
          extendedMessage: true,
          requireCapabilities: [],
          routeReflectorClient: false,
          import: [],
          export: [],
          ebgpRequiresPolicy: true,
          softReconfiguration: { inbound: false },
        },
      ],
      listenRanges: [],
      staticRoutes: [],
      connectedRoutes: { interfaces: [], communities: [] },
      kernel: {
        enabled: false, table: 254, protocol: 186, metric: 20, blackholeOwned: true, antiEntropy: 30,
        overlay: { encapsulation: 'none', crossSubnet: true, ipip: { device: 'tunl0' }, vxlan: { device: 'vxlan.tern', vni: 4096, port: 4789 } },
      },
      decision: { maxPaths: 1, multipathRelax: false, alwaysCompareMed: false, missingMedAsWorst: false },
      ebgpRequiresPolicy: true,
      prefixSets: {},
      policies: {},
    });
    expect(c.keepaliveTime).toBeUndefined();
    expect(c.hostname).toBeUndefined();
  });

  it('needs no peers at all', () => {
    expect(config(HEAD).peers).toEqual([]);
  });

  it('fills partial nested mappings', () => {
    const c = config(HEAD + lines('listen: { port: 1179 }', 'gracefulRestart: { restartTime: 60 }'));
    expect(c.listen).toEqual({ address: '::', port: 1179, enabled: true });
    expect(c.gracefulRestart).toEqual({ enabled: true, restartTime: 60, staleRoutesTime: 360 });
  });

  it('peers inherit the global timers and families, and override them', () => {
    const c = config(
      HEAD +
        lines(
          'holdTime: 30',
          'keepaliveTime: 5',
          'connectRetryTime: 10',
          'families: [ipv6-unicast]',
          'peers:',
          '  - { address: 2001:db8::1, remoteAs: 65000 }',
          '  - address: 2001:db8::2',
          '    remoteAs: 65000',
          '    holdTime: 9',
          '    keepaliveTime: 3',
          '    connectRetryTime: 5',
          '    families: [ipv4-unicast, ipv6-unicast]',
          '  - { address: 2001:db8::3, remoteAs: 65000, holdTime: 0 }',
        ),
    );
    expect(c.peers[0]).toMatchObject({ holdTime: 30, keepaliveTime: 5, connectRetryTime: 10, families: ['ipv6-unicast'] });
    expect(c.peers[1]).toMatchObject({ holdTime: 9, keepaliveTime: 3, connectRetryTime: 5, families: ['ipv4-unicast', 'ipv6-unicast'] });
    // holdTime 0: no keepalives, whatever the global keepalive says.
    expect(c.peers[2]).toMatchObject({ holdTime: 0, keepaliveTime: 0 });
  });

  it('keepalive defaults to a third of the hold time, 0 with hold time 0', () => {
    const c = config(
      HEAD + lines('peers:', '  - { address: 192.0.2.3, remoteAs: 1, holdTime: 10 }', '  - { address: 192.0.2.4, remoteAs: 1, holdTime: 0 }'),
    );
    expect(c.peers.map((p) => p.keepaliveTime)).toEqual([3, 0]);
  });

  it('multihop is 1 for eBGP, 255 for iBGP (with the effective local AS), unless set', () => {
    const c = config(
      HEAD +
        lines(
          'peers:',
          '  - { address: 192.0.2.1, remoteAs: 65000 }',
          '  - { address: 192.0.2.2, remoteAs: 65002 }',
          '  - { address: 192.0.2.3, remoteAs: 65010, localAs: 65010 }',
          '  - { address: 192.0.2.4, remoteAs: 65000, multihop: 2 }',
        ),
    );
    expect(c.peers.map((p) => [p.localAs, p.multihop])).toEqual([
      [65002, 1],
      [65002, 255],
      [65010, 255],
      [65002, 2],
    ]);
  });

  it('keeps every peer setting given', () => {
    const c = config(
      HEAD +
        lines(
          'peers:',
          '  - address: 192.0.2.254',
          '    remoteAs: 65000',
          '    description: leaf',
          '    port: 1179',
          '    passive: true',
          '    shutdown: true',
          '    shutdownMessage: "maintenance, back at 14:00 ⏰"',
          '    delayOpen: 5',
          '    sourceAddress: 192.0.2.1',
          '    maxPrefix: { limit: 1000 }',
          '    advertisementInterval: 5',
          '    addPath: { ipv4-unicast: both, ipv6-unicast: receive }',
          '    addPathSend: 2',
          '    extendedNextHop: true',
          '    extendedMessage: false',
          '    requireCapabilities: [65, 69]',
          '    routeReflectorClient: true',
          '    softReconfiguration: { inbound: true }',
        ),
    );
    expect(c.peers[0]).toEqual({
      address: '192.0.2.254',
      remoteAs: 65000,
      localAs: 65002,
      description: 'leaf',
      port: 1179,
      passive: true,
      shutdown: true,
      shutdownMessage: 'maintenance, back at 14:00 ⏰',
      holdTime: 90,
      keepaliveTime: 30,
      connectRetryTime: 120,
      delayOpen: 5,
      families: ['ipv4-unicast', 'ipv6-unicast'],
      sourceAddress: '192.0.2.1',
      multihop: 1,
      maxPrefix: { limit: 1000, restartAfter: 0 },
      advertisementInterval: 5,
      addPath: { 'ipv4-unicast': 'both', 'ipv6-unicast': 'receive' },
      addPathSend: 2,
      extendedNextHop: true,
      extendedMessage: false,
      requireCapabilities: [65, 69],
      routeReflectorClient: true,
      import: [],
      export: [],
      ebgpRequiresPolicy: true,
      softReconfiguration: { inbound: true },
    });
  });

  it('writes addresses in canonical form (RFC 5952, IPv4-mapped unmapped, zone kept)', () => {
    const c = config(
      HEAD +
        lines(
          'peers:',
          '  - { address: "2001:DB8:0:0::1", remoteAs: 1 }',
          '  - { address: "::ffff:192.0.2.9", remoteAs: 1 }',
          '  - { address: "FE80::0:1%enp0s9", remoteAs: 1 }',
        ),
    );
    expect(c.peers.map((p) => p.address)).toEqual(['2001:db8::1', '192.0.2.9', 'fe80::1%enp0s9']);
  });

  it('fills listen range defaults and keeps the template as written', () => {
    const c = config(
      HEAD +
        lines(
          'listenRanges:',
          '  - { prefix: 10.0.0.0/8, remoteAs: 65001 }',
          '  - { prefix: "2001:db8::/32", remoteAs: [65001, 65003], limit: 5, peer: { holdTime: 30 } }',
          '  - { prefix: 172.16.0.0/12, remoteAs: any }',
        ),
    );
    expect(c.listenRanges).toEqual([
      { prefix: '10.0.0.0/8', remoteAs: [65001], limit: 100, peer: {} },
      { prefix: '2001:db8::/32', remoteAs: [65001, 65003], limit: 5, peer: { holdTime: 30 } },
      { prefix: '172.16.0.0/12', remoteAs: 'any', limit: 100, peer: {} },
    ]);
  });

  it('resolvePeer merges a dynamic peer with its range template and the global settings', () => {
    const c = config(
      HEAD +
        lines(
          'holdTime: 60',
          'families: [ipv4-unicast]',
          'softReconfiguration: { inbound: true }',
          'listenRanges:',
          '  - prefix: 10.0.0.0/8',
          '    remoteAs: any',
          '    peer: { routeReflectorClient: true, keepaliveTime: 10, localAs: 65001 }',
          '  - prefix: 192.168.0.0/16',
          '    remoteAs: any',
          '    peer: { softReconfiguration: { inbound: false } }',
        ),
    );
    const range = c.listenRanges[0];
    if (!range) throw new Error('no range');
    expect(resolvePeer(c, { address: '10.1.2.3', remoteAs: 65001 }, range.peer)).toEqual({
      address: '10.1.2.3',
      remoteAs: 65001,
      localAs: 65001,
      port: 179,
      passive: false,
      shutdown: false,
      holdTime: 60,
      keepaliveTime: 10,
      connectRetryTime: 120,
      delayOpen: 0,
      families: ['ipv4-unicast'],
      multihop: 255,
      addPath: {},
      addPathSend: 'all',
      extendedNextHop: false,
      advertisementInterval: 0,
      extendedMessage: true,
      requireCapabilities: [],
      routeReflectorClient: true,
      import: [],
      export: [],
      ebgpRequiresPolicy: true,
      softReconfiguration: { inbound: true },
    });
    // Soft reconfiguration: the template's beats the global one, the peer's own beats both.
    const off = c.listenRanges[1]!.peer;
    expect(resolvePeer(c, { address: '192.168.1.1', remoteAs: 65001 }, off).softReconfiguration).toEqual({ inbound: false });
    expect(resolvePeer(c, { address: '192.168.1.1', remoteAs: 65001, softReconfiguration: { inbound: true } }, off).softReconfiguration).toEqual({ inbound: true });
    // The peer's own settings beat the template's.
    expect(resolvePeer(c, { address: '10.1.2.4', remoteAs: 65009, keepaliveTime: 20 }, range.peer)).toMatchObject({
      keepaliveTime: 20,
      multihop: 1,
    });
  });

  it('allows a configured peer inside a listen range (the configured peer wins)', () => {
    const c = config(HEAD + lines('peers:', '  - { address: 10.1.2.3, remoteAs: 65001 }', 'listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: 65001 }'));
    expect(c.peers).toHaveLength(1);
    expect(c.listenRanges).toHaveLength(1);
  });

  it('accepts hold time 0 and the bounds of every range', () => {
    const c = config(
      lines(
        'routerId: 255.255.255.255',
        'localAs: 4294967295',
        'holdTime: 0',
        'keepaliveTime: 21845',
        'gracefulRestart: { restartTime: 4095 }',
        'listen: { address: 0.0.0.0, port: 0 }',
      ),
    );
    expect(c).toMatchObject({ localAs: 4294967295, holdTime: 0, keepaliveTime: 21845, listen: { address: '0.0.0.0', port: 0 } });
  });
});

describe('errors', () => {
  it('formats an error as file:line:column: path: message', () => {
    const e: ConfigError = { file: 'tern.yaml', line: 12, column: 5, path: 'peers[1].remoteAs', message: 'expected an AS number 1..4294967295, got "abc"' };
    expect(formatConfigError(e)).toBe('tern.yaml:12:5: peers[1].remoteAs: expected an AS number 1..4294967295, got "abc"');
    expect(formatConfigError({ ...e, path: '' })).toBe('tern.yaml:12:5: expected an AS number 1..4294967295, got "abc"');
    expect(formatConfigError({ ...e, line: 0, column: 0, path: '', message: 'cannot read' })).toBe('tern.yaml: cannot read');
  });

  it('names the file it was given', () => {
    const r = parseConfig(HEAD + 'holdTime: x\n', '/etc/tern/tern.yaml');
    expect(r.ok ? [] : r.errors.map(formatConfigError)).toEqual([
      '/etc/tern/tern.yaml:3:11: holdTime: expected a hold time of 0 or 3..65535 seconds, got "x"',
    ]);
  });

  it('reports an out-of-range or non-numeric AS number at its value', () => {
    const text = HEAD + lines('peers:', '  - address: 192.0.2.254', '    remoteAs: 65000', '  - address: 192.0.2.253', '    remoteAs: abc');
    expect(errors(text)).toEqual([
      { file: 'tern.yaml', line: 7, column: 15, path: 'peers[1].remoteAs', message: 'expected an AS number 1..4294967295, got "abc"' },
    ]);
    expect(report(lines('routerId: 192.0.2.1', 'localAs: 4294967296'))).toEqual(['2:10 localAs: expected an AS number 1..4294967295, got 4294967296']);
    expect(report(lines('routerId: 192.0.2.1', 'localAs: 0'))).toEqual(['2:10 localAs: expected an AS number 1..4294967295, got 0']);
    expect(report(lines('routerId: 192.0.2.1', 'localAs: 1.5'))).toEqual(['2:10 localAs: expected an AS number 1..4294967295, got 1.5']);
  });

  it('reports an unknown key at the key, with a suggestion when one is close', () => {
    expect(report(HEAD + lines('holdtime: 30'))).toEqual(['3:1 holdtime: unknown key "holdtime" (did you mean "holdTime"?)']);
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.254', '    remote_as: 65000'))).toEqual([
      '4:5 peers[0].remoteAs: missing required key "remoteAs"',
      '5:5 peers[0].remote_as: unknown key "remote_as" (did you mean "remoteAs"?)',
    ]);
    expect(report(HEAD + lines('listen: { adress: "::" }'))).toEqual(['3:11 listen.adress: unknown key "adress" (did you mean "address"?)']);
    expect(report(HEAD + lines('gracefulRestart:', '  restartTiem: 30'))).toEqual([
      '4:3 gracefulRestart.restartTiem: unknown key "restartTiem" (did you mean "restartTime"?)',
    ]);
    expect(report(HEAD + lines('listenRanges:', '  - prefix: 10.0.0.0/8', '    remoteAs: any', '    peer: { keepalive: 10 }'))).toEqual([
      '6:13 listenRanges[0].peer.keepalive: unknown key "keepalive" (did you mean "keepaliveTime"?)',
    ]);
    expect(report(HEAD + lines('peers:', '  - { address: 192.0.2.1, remoteAs: 1, addPath: { ipv4-unicst: both } }'))).toEqual([
      '4:51 peers[0].addPath.ipv4-unicst: unknown key "ipv4-unicst" (did you mean "ipv4-unicast"?)',
    ]);
  });

  it('lists the known keys when no key is close', () => {
    expect(report(HEAD + lines('gracefulRestart: { colour: blue }'))).toEqual([
      '3:20 gracefulRestart.colour: unknown key "colour" (known keys: enabled, restartTime, staleRoutesTime)',
    ]);
  });

  it('suggests keys despite case, separators, typos and truncation', () => {
    const known = ['routerId', 'localAs', 'holdTime', 'keepaliveTime', 'listenRanges'];
    expect(suggest('router-id', known)).toBe('routerId');
    expect(suggest('LOCAL_AS', known)).toBe('localAs');
    expect(suggest('hodlTime', known)).toBe('holdTime');
    expect(suggest('keepalive', known)).toBe('keepaliveTime');
    expect(suggest('colour', known)).toBeUndefined();
  });

  it('reports a wrong type', () => {
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.254', '    remoteAs: 65000', '    passive: yes'))).toEqual([
      '6:14 peers[0].passive: expected true or false, got "yes"',
    ]);
    expect(report(HEAD + lines('peers: { address: 192.0.2.254 }'))).toEqual(['3:8 peers: expected a list of peers, got a mapping']);
    expect(report(HEAD + lines('peers:', '  - 192.0.2.254'))).toEqual(['4:5 peers[0]: expected a mapping of peer settings, got "192.0.2.254"']);
    expect(report(HEAD + lines('listen: { port: "179" }'))).toEqual(['3:17 listen.port: expected a TCP port 0..65535 (0: any free port), got "179"']);
    expect(report(HEAD + lines('hostname: 7'))).toEqual(['3:11 hostname: expected a host name, got 7']);
    expect(report(lines('- routerId: 192.0.2.1'))).toEqual(['1:1 : expected a mapping of tern settings, got a list']);
    expect(report(HEAD + lines('softReconfiguration: true'))).toEqual(['3:22 softReconfiguration: expected a mapping with inbound: true or false, got true']);
    expect(report(HEAD + lines('peers:', '  - { address: 192.0.2.2, remoteAs: 1, softReconfiguration: { inbound: 1 } }'))).toEqual([
      '4:72 peers[0].softReconfiguration.inbound: expected true or false, got 1',
    ]);
  });

  it('reports a value out of range', () => {
    expect(report(HEAD + lines('holdTime: 2'))).toEqual(['3:11 holdTime: expected a hold time of 0 or 3..65535 seconds, got 2']);
    expect(report(HEAD + lines('keepaliveTime: 0'))).toEqual(['3:16 keepaliveTime: expected a keepalive time of 1..21845 seconds, got 0']);
    expect(report(HEAD + lines('gracefulRestart: { restartTime: 4096 }'))).toEqual([
      '3:33 gracefulRestart.restartTime: expected a restart time of 1..4095 seconds, got 4096',
    ]);
    expect(report(HEAD + lines('peers:', '  - { address: 192.0.2.1, remoteAs: 1, multihop: 256 }'))).toEqual([
      '4:50 peers[0].multihop: expected a TTL of 1..255, got 256',
    ]);
    expect(report(HEAD + lines('families: [ipv4-unicast, ipv4-flowspec]'))).toEqual([
      '3:26 families[1]: expected ipv4-unicast or ipv6-unicast, got "ipv4-flowspec"',
    ]);
    expect(report(HEAD + lines('families: [ipv4-unicast, ipv4-unicast]'))).toEqual(['3:26 families[1]: ipv4-unicast is listed twice']);
    expect(report(HEAD + lines('families: []'))).toEqual(['3:11 families: expected at least one family']);
  });

  it('reports a bad router ID', () => {
    expect(report(lines('routerId: 0.0.0.0', 'localAs: 1'))).toEqual(['1:11 routerId: the router ID must not be 0.0.0.0']);
    expect(report(lines('routerId: 2001:db8::1', 'localAs: 1'))).toEqual([
      '1:11 routerId: expected a router ID as an IPv4 dotted quad, got "2001:db8::1"',
    ]);
    expect(report(lines('routerId: 1', 'localAs: 1'))).toEqual(['1:11 routerId: expected a router ID as an IPv4 dotted quad, got 1']);
  });

  it('reports a bad address', () => {
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.300', '    remoteAs: 65000'))).toEqual([
      '4:14 peers[0].address: expected an IPv4 or IPv6 address, got "192.0.2.300"',
    ]);
    expect(report(HEAD + lines('peers:', '  - { address: 2001:db8::1%eth0, remoteAs: 1 }'))).toEqual([
      '4:16 peers[0].address: a zone (%eth0) is only allowed on a link-local IPv6 address (fe80::/10), got "2001:db8::1%eth0"',
    ]);
    expect(report(HEAD + lines('listen: { address: localhost }'))).toEqual([
      '3:20 listen.address: expected an IPv4 or IPv6 address, got "localhost"',
    ]);
  });

  it('requires a zone on a link-local address', () => {
    expect(report(HEAD + lines('peers:', '  - address: fe80::1', '    remoteAs: 65000'))).toEqual([
      '4:14 peers[0].address: link-local address fe80::1 needs a zone naming its interface, e.g. "fe80::1%eth0"',
    ]);
  });

  it('reports a missing required key at the mapping that lacks it', () => {
    expect(report(lines('localAs: 65002', 'holdTime: 30'))).toEqual(['1:1 routerId: missing required key "routerId"']);
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.254', '    description: leaf'))).toEqual([
      '4:5 peers[0].remoteAs: missing required key "remoteAs"',
    ]);
    expect(report(HEAD + lines('peers:', '  - { address: 192.0.2.1, remoteAs: 1, maxPrefix: { restartAfter: 5 } }'))).toEqual([
      '4:51 peers[0].maxPrefix.limit: missing required key "limit"',
    ]);
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.254', '    remoteAs:'))).toEqual([
      '5:5 peers[0].remoteAs: expected an AS number 1..4294967295, got an empty value',
    ]);
  });

  it('reports an empty file as missing keys', () => {
    expect(report('')).toEqual(['1:1 : expected a mapping of tern settings, got an empty value']);
    expect(report('# nothing yet\n')).toEqual(['1:1 : expected a mapping of tern settings, got an empty value']);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.254', '    remoteAs: [65000'))).toEqual([
      expect.stringMatching(/^6:1 : .*\]/),
    ]);
    expect(report(HEAD + lines('holdTime: 30', 'holdTime: 60'))).toEqual(['4:1 : Map keys must be unique']);
    expect(report(lines('routerId: 192.0.2.1', '  localAs: 1'))).toEqual([
      '1:11 : Nested mappings are not allowed in compact mappings',
      '1:11 : Implicit keys need to be on a single line',
    ]);
    // An unterminated quote is found at the end of the file.
    expect(report(lines('routerId: 192.0.2.1', 'localAs: "1'))).toEqual(['3:1 : Missing closing "quote']);
  });

  it('reports a duplicate peer at the second occurrence', () => {
    const text = HEAD + lines('peers:', '  - { address: 2001:db8::1, remoteAs: 65000 }', '  - { address: "2001:db8:0::1", remoteAs: 65001 }');
    expect(report(text)).toEqual(['5:16 peers[1].address: duplicate peer address 2001:db8::1 (already used by peers[0])']);
    // Different zones are different peers.
    expect(config(HEAD + lines('peers:', '  - { address: fe80::1%eth0, remoteAs: 1 }', '  - { address: fe80::1%eth1, remoteAs: 1 }')).peers).toHaveLength(2);
  });

  it('reports overlapping listen ranges', () => {
    const text =
      HEAD +
      lines('listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: 65001 }', '  - { prefix: 10.1.0.0/16, remoteAs: 65002 }', '  - { prefix: "2001:db8::/32", remoteAs: 65001 }');
    expect(report(text)).toEqual(['5:15 listenRanges[1].prefix: listen range 10.1.0.0/16 overlaps listenRanges[0] (10.0.0.0/8)']);
    expect(report(HEAD + lines('listenRanges:', '  - { prefix: 10.0.0.1/8, remoteAs: 1 }'))).toEqual([
      '4:15 listenRanges[0].prefix: host bits are set in "10.0.0.1/8" (did you mean 10.0.0.0/8?)',
    ]);
    expect(report(HEAD + lines('listenRanges:', '  - { prefix: 10.0.0.0/33, remoteAs: 1 }'))).toEqual([
      '4:15 listenRanges[0].prefix: prefix length 33 is longer than 32 in "10.0.0.0/33"',
    ]);
  });

  it('reports a bad listen range remote AS', () => {
    expect(report(HEAD + lines('listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: some }'))).toEqual([
      '4:37 listenRanges[0].remoteAs: expected an AS number 1..4294967295, a list of AS numbers, or "any", got "some"',
    ]);
    expect(report(HEAD + lines('listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: [1, 0] }'))).toEqual([
      '4:41 listenRanges[0].remoteAs[1]: expected an AS number 1..4294967295, got 0',
    ]);
    expect(report(HEAD + lines('listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: [] }'))).toEqual([
      '4:37 listenRanges[0].remoteAs: expected at least one AS number',
    ]);
  });

  it('reports a source address of the wrong family', () => {
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.254', '    remoteAs: 65000', '    sourceAddress: 2001:db8::1'))).toEqual([
      '6:20 peers[0].sourceAddress: sourceAddress 2001:db8::1 is IPv6 but the peer address 192.0.2.254 is IPv4',
    ]);
    expect(report(HEAD + lines('listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: any, peer: { sourceAddress: "2001:db8::1" } }'))).toEqual([
      '4:65 listenRanges[0].peer.sourceAddress: sourceAddress 2001:db8::1 is IPv6 but the listen range 10.0.0.0/8 is IPv4',
    ]);
  });

  it('reports a keepalive longer than a third of the hold time where it is set', () => {
    expect(report(HEAD + lines('holdTime: 30', 'keepaliveTime: 11'))).toEqual([
      '4:16 keepaliveTime: keepaliveTime 11 must be at most a third of holdTime 30, i.e. at most 10',
    ]);
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.254', '    remoteAs: 65000', '    holdTime: 9', '    keepaliveTime: 4'))).toEqual([
      '7:20 peers[0].keepaliveTime: keepaliveTime 4 must be at most a third of holdTime 9, i.e. at most 3',
    ]);
    // The global keepalive is inherited: the peer's own hold time is where it goes wrong.
    expect(report(HEAD + lines('keepaliveTime: 20', 'peers:', '  - address: 192.0.2.254', '    remoteAs: 65000', '    holdTime: 30'))).toEqual([
      '7:15 peers[0].holdTime: keepaliveTime 20 (global) must be at most a third of holdTime 30, i.e. at most 10',
    ]);
    expect(report(HEAD + lines('listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: any, peer: { keepaliveTime: 31 } }'))).toEqual([
      '4:65 listenRanges[0].peer.keepaliveTime: keepaliveTime 31 must be at most a third of holdTime 90 (global), i.e. at most 30',
    ]);
  });

  it('reports add-path for a family the peer does not negotiate', () => {
    expect(report(HEAD + lines('peers:', '  - { address: 192.0.2.1, remoteAs: 1, families: [ipv4-unicast], addPath: { ipv6-unicast: send } }'))).toEqual([
      '4:91 peers[0].addPath.ipv6-unicast: add-path for ipv6-unicast, which this peer does not negotiate (families: ipv4-unicast)',
    ]);
  });

  it('takes addPathSend as all or a number of paths, only beside add-path send', () => {
    const peer = (settings: string) => HEAD + lines('peers:', `  - { address: 192.0.2.1, remoteAs: 1, ${settings} }`);
    expect(config(peer('addPath: { ipv4-unicast: both }, addPathSend: 2')).peers[0]!.addPathSend).toBe(2);
    expect(config(peer('addPath: { ipv4-unicast: send }')).peers[0]!.addPathSend).toBe('all');
    expect(report(peer('addPath: { ipv4-unicast: send }, addPathSend: 300'))).toEqual([
      '4:86 peers[0].addPathSend: expected a number of paths 1..255, got 300',
    ]);
    expect(report(peer('addPath: { ipv4-unicast: send }, addPathSend: most'))).toEqual([
      '4:86 peers[0].addPathSend: expected all, or a number of paths 1..255, got "most"',
    ]);
    const without = 'addPathSend without add-path send: also set addPath: { <family>: send } (or both) for the families to send several paths in';
    expect(report(peer('addPath: { ipv4-unicast: receive }, addPathSend: all'))).toEqual([`4:89 peers[0].addPathSend: ${without}`]);
    expect(report(HEAD + lines('listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: any, peer: { addPathSend: 1 } }'))).toEqual([
      `4:63 listenRanges[0].peer.addPathSend: ${without}`,
    ]);
  });

  it('reports listen ranges and passive peers that need listening while listening is off', () => {
    expect(
      report(HEAD + lines('listen: { enabled: false }', 'peers:', '  - { address: 192.0.2.1, remoteAs: 1, passive: true }', 'listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: 1 }')),
    ).toEqual([
      '3:20 listen.enabled: listenRanges need the daemon to listen, but listen.enabled is false',
      '5:49 peers[0].passive: a passive peer can never connect while listen.enabled is false',
    ]);
  });

  it('reports a shutdown message longer than 255 octets', () => {
    expect(report(HEAD + lines('peers:', `  - { address: 192.0.2.1, remoteAs: 1, shutdownMessage: "${'é'.repeat(128)}" }`))).toEqual([
      '4:57 peers[0].shutdownMessage: shutdown message is 256 octets long, at most 255 are allowed',
    ]);
  });

  it('reports every error at once, in position order', () => {
    const text = lines(
      'routerId: 192.0.2.1', //                              1
      'localAs: 65002', //                                   2
      'holdTim: 30', //                                      3
      'peers:', //                                           4
      '  - address: 192.0.2.254', //                         5
      '    remoteAs: 65000', //                              6
      '    sourceAddress: 2001:db8::1', //                   7
      '  - address: 192.0.2.254', //                         8
      '    remoteAs: 99999999999', //                        9
      '  - address: fe80::2', //                             10
      '    remoteAs: 65000', //                              11
      'listenRanges:', //                                    12
      '  - { prefix: 10.0.0.0/8, remoteAs: 65001 }', //      13
      '  - { prefix: 10.0.0.0/16, remoteAs: 65001 }', //     14
    );
    const errs = errors(text);
    expect(errs.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual([
      '3:1 holdTim',
      '7:20 peers[0].sourceAddress',
      '8:14 peers[1].address',
      '9:15 peers[1].remoteAs',
      '10:14 peers[2].address',
      '14:15 listenRanges[1].prefix',
    ]);
    expect(errs.every((e) => e.file === 'tern.yaml')).toBe(true);
  });

  it('never throws, whatever the input', () => {
    const inputs = ['{', ']', '---\n---\n', '*x', 'a: &a [*a]', '!!binary x', 'peers: &p [*p]', '\u0000', 'routerId: [1, {a: 2}]'];
    for (const input of inputs) {
      const r = parseConfig(input, 'x.yaml');
      expect(r.ok).toBe(false);
      if (!r.ok) for (const e of r.errors) expect(e.line).toBeGreaterThanOrEqual(1);
    }
  });

  it('loadConfigFile reports a file it cannot read', async () => {
    const r = await loadConfigFile('/nonexistent/tern.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: '/nonexistent/tern.yaml', line: 0, column: 0, path: '' });
    expect(formatConfigError(r.errors[0]!)).toMatch(/^\/nonexistent\/tern\.yaml: cannot read the configuration file: .*ENOENT/);
  });
});

describe('diffConfig', () => {
  const base = HEAD + lines('peers:', '  - { address: 192.0.2.254, remoteAs: 65000 }', '  - { address: 192.0.2.253, remoteAs: 65000 }');

  it('finds nothing between equal configs', () => {
    const d = diffConfig(config(base), config(base));
    expect(d).toEqual({ added: [], removed: [], changed: [], globalChanged: [] });
    expect(isEmptyDiff(d)).toBe(true);
  });

  it('finds added, removed and changed peers by address', () => {
    const next = HEAD + lines('peers:', '  - { address: 192.0.2.254, remoteAs: 65001, holdTime: 30 }', '  - { address: "2001:db8::1", remoteAs: 65000 }');
    expect(diffConfig(config(base), config(next))).toEqual({
      added: ['2001:db8::1'],
      removed: ['192.0.2.253'],
      changed: [{ key: '192.0.2.254', fields: ['remoteAs', 'holdTime', 'keepaliveTime'] }],
      globalChanged: [],
    });
  });

  it('keys peers by canonical address', () => {
    const a = HEAD + lines('peers:', '  - { address: "2001:db8::1", remoteAs: 1 }');
    const b = HEAD + lines('peers:', '  - { address: "2001:DB8:0::1", remoteAs: 1 }');
    expect(isEmptyDiff(diffConfig(config(a), config(b)))).toBe(true);
  });

  it('sees optional settings appear and disappear', () => {
    const next = HEAD + lines('peers:', '  - { address: 192.0.2.254, remoteAs: 65000, description: leaf, maxPrefix: { limit: 5 } }', '  - { address: 192.0.2.253, remoteAs: 65000 }');
    const d = diffConfig(config(base), config(next));
    expect(d.changed).toEqual([{ key: '192.0.2.254', fields: ['description', 'maxPrefix'] }]);
    expect(diffConfig(config(next), config(base)).changed).toEqual([{ key: '192.0.2.254', fields: ['description', 'maxPrefix'] }]);
  });

  it('reports global changes, and the peers that inherit them', () => {
    const next =
      HEAD.replace('192.0.2.1', '192.0.2.9') +
      lines('holdTime: 30', 'listen: { port: 1179 }', 'peers:', '  - { address: 192.0.2.254, remoteAs: 65000 }', '  - { address: 192.0.2.253, remoteAs: 65000, holdTime: 90 }');
    const d = diffConfig(config(base), config(next));
    expect(d.globalChanged).toEqual(['routerId', 'listen.port', 'holdTime']);
    expect(d.changed).toEqual([{ key: '192.0.2.254', fields: ['holdTime', 'keepaliveTime'] }]);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
  });

  it('reports changed listen ranges and optional globals', () => {
    const a = HEAD + lines('listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: 65001 }');
    const b = HEAD + lines('hostname: rr1', 'listenRanges:', '  - { prefix: 10.0.0.0/8, remoteAs: 65001, limit: 500 }');
    expect(diffConfig(config(a), config(b)).globalChanged).toEqual(['hostname', 'listenRanges']);
  });
});

describe('static routes', () => {
  it('load with defaults and report a bad community or prefix with its position', () => {
    const ok = parseConfig('routerId: 192.0.2.1\nlocalAs: 65001\nstaticRoutes:\n  - prefix: 10.1.0.0/24\n  - { prefix: "2001:db8::/48", communities: ["65001:7"] }\n', 'tern.yaml');
    expect(ok.ok && ok.config.staticRoutes).toEqual([
      { prefix: '10.1.0.0/24', communities: [] },
      { prefix: '2001:db8::/48', communities: ['65001:7'] },
    ]);
    const bad = parseConfig('routerId: 192.0.2.1\nlocalAs: 65001\nstaticRoutes:\n  - prefix: 10.1.0.0/33\n    communities: ["65001:70000"]\n', 'tern.yaml');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => [e.line, e.path])).toEqual([[4, 'staticRoutes[0].prefix'], [5, 'staticRoutes[0].communities[0]']]);
      expect(bad.errors[1]!.message).toContain('0..65535');
    }
  });
});

describe('kernel settings', () => {
  it('reads the overlay and reports a bad encapsulation with its position', () => {
    const c = config(lines('routerId: 192.0.2.1', 'localAs: 65002', 'kernel:', '  enabled: true', '  overlay: { encapsulation: vxlan, crossSubnet: false, vxlan: { vni: 100 } }'));
    expect(c.kernel).toMatchObject({ enabled: true, overlay: { encapsulation: 'vxlan', crossSubnet: false, vxlan: { vni: 100, port: 4789, device: 'vxlan.tern' } } });
    const bad = parseConfig(lines('routerId: 192.0.2.1', 'localAs: 65002', 'kernel:', '  overlay:', '    encapsulation: gre'), 'k.yaml');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]).toMatchObject({ line: 5, path: 'kernel.overlay.encapsulation', message: expect.stringMatching(/none, ipip or vxlan/) });
  });
});
