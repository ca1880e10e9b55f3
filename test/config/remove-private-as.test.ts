// The removePrivateAs option: forms, inheritance (peer, listen range template, global), errors with positions.
import { describe, expect, it } from 'vitest';
import { resolvePeer } from '../../src/config/schema.js';
import { config, HEAD, lines, report } from '../helpers/config-text.js';

describe('removePrivateAs', () => {
  it('is off unless set; true is the plain mode, a mapping adds all and replaceAs', () => {
    const c = config(HEAD + lines(
      'peers:',
      '  - { address: 192.0.2.10, remoteAs: 65000 }',
      '  - { address: 192.0.2.11, remoteAs: 65000, removePrivateAs: true }',
      '  - { address: 192.0.2.12, remoteAs: 65000, removePrivateAs: { all: true } }',
      '  - { address: 192.0.2.13, remoteAs: 65000, removePrivateAs: { all: true, replaceAs: true } }',
      '  - { address: 192.0.2.14, remoteAs: 65000, removePrivateAs: { replaceAs: true } }',
      '  - { address: 192.0.2.15, remoteAs: 65000, removePrivateAs: false }',
    ));
    expect(c.peers.map((p) => p.removePrivateAs)).toEqual([
      undefined,
      { all: false, replaceAs: false },
      { all: true, replaceAs: false },
      { all: true, replaceAs: true },
      { all: false, replaceAs: true },
      undefined,
    ]);
  });

  it('inherits from the global level; a peer can turn it off or change it', () => {
    const c = config(HEAD + lines(
      'removePrivateAs: { all: true }',
      'peers:',
      '  - { address: 192.0.2.10, remoteAs: 65000 }',
      '  - { address: 192.0.2.11, remoteAs: 65000, removePrivateAs: false }',
      '  - { address: 192.0.2.12, remoteAs: 65000, removePrivateAs: { replaceAs: true } }',
    ));
    expect(c.peers.map((p) => p.removePrivateAs)).toEqual([{ all: true, replaceAs: false }, undefined, { all: false, replaceAs: true }]);
  });

  it('comes from a listen range template for dynamic neighbours, over the global one', () => {
    const c = config(HEAD + lines(
      'removePrivateAs: true',
      'listenRanges:',
      '  - { prefix: 192.0.2.0/24, remoteAs: 65000, peer: { removePrivateAs: { all: true, replaceAs: true } } }',
      '  - { prefix: 198.51.100.0/24, remoteAs: 65000 }',
    ));
    expect(resolvePeer(c, { address: '192.0.2.9', remoteAs: 65000 }, c.listenRanges[0]!.peer).removePrivateAs).toEqual({ all: true, replaceAs: true });
    expect(resolvePeer(c, { address: '198.51.100.9', remoteAs: 65000 }, c.listenRanges[1]!.peer).removePrivateAs).toEqual({ all: false, replaceAs: false });
  });

  it('reports bad values with file:line:column', () => {
    expect(report(HEAD + lines('removePrivateAs: yes'))).toEqual([
      '3:18 removePrivateAs: expected true, false, or a mapping with all and replaceAs (true or false), got "yes"',
    ]);
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.10', '    remoteAs: 65000', '    removePrivateAs: 3'))).toEqual([
      '6:22 peers[0].removePrivateAs: expected true, false, or a mapping with all and replaceAs (true or false), got 3',
    ]);
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.10', '    remoteAs: 65000', '    removePrivateAs: { all: maybe }'))).toEqual([
      '6:29 peers[0].removePrivateAs.all: expected true or false, got "maybe"',
    ]);
    expect(report(HEAD + lines('peers:', '  - address: 192.0.2.10', '    remoteAs: 65000', '    removePrivateAs: { everything: true }'))).toEqual([
      '6:24 peers[0].removePrivateAs.everything: unknown key "everything" (known keys: all, replaceAs)',
    ]);
    expect(report(HEAD + lines('listenRanges:', '  - prefix: 192.0.2.0/24', '    remoteAs: 65000', '    peer: { removePrivateAs: [all] }'))).toEqual([
      '6:30 listenRanges[0].peer.removePrivateAs: expected true, false, or a mapping with all and replaceAs (true or false), got a list',
    ]);
  });
});
