import { describe, expect, it } from 'vitest';
import {
  forEachIPv4, forEachPrefix, IPV4_UNICAST, IPV6_UNICAST, nlriColumns, nlriList, readNlri, scanNlri, type Family,
} from '../../../src/bgp/wire/index.js';

/** Random wire NLRI: lengths 0..max, address octets random (host bits set too: they must be ignored). */
function randomNlri(family: Family, addPath: boolean, count: number, seed: number): Uint8Array {
  let x = seed;
  const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) & 255;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (addPath) out.push(next(), next(), next(), next());
    const bits = next() % (family.maxBits + 1);
    out.push(bits);
    for (let k = 0; k < (bits + 7) >>> 3; k++) out.push(next());
  }
  return Uint8Array.from(out);
}

/** What forEachIPv4 / forEachPrefix say about a list, as [words..., length, pathId] rows. */
function visited(family: Family, data: Uint8Array, addPath: boolean, count: number): number[][] {
  const list = nlriList(family, addPath, data, count);
  const rows: number[][] = [];
  if (family === IPV4_UNICAST) forEachIPv4(list, (a, l, id) => rows.push([a, l, id]));
  else {
    forEachPrefix(list, (bytes, off, l, id) => {
      const full = new Uint8Array(16);
      full.set(bytes.subarray(off, off + ((l + 7) >>> 3)));
      for (let b = l; b < 128; b++) full[b >>> 3]! &= ~(0x80 >>> (b & 7));
      const dv = new DataView(full.buffer);
      rows.push([dv.getUint32(0), dv.getUint32(4), dv.getUint32(8), dv.getUint32(12), l, id]);
    });
  }
  return rows;
}

describe('readNlri (NLRI as columns for a batch lookup)', () => {
  for (const family of [IPV4_UNICAST, IPV6_UNICAST]) {
    for (const addPath of [false, true]) {
      it(`gives what the visitors give: ${family.name}${addPath ? ', add-path' : ''}, host bits cleared`, () => {
        const cols = nlriColumns(4); // small, so that it has to grow
        const width = family.addressBytes / 4;
        for (let seed = 1; seed <= 20; seed++) {
          const count = 1 + ((seed * 37) % 400);
          const data = randomNlri(family, addPath, count, seed);
          expect(scanNlri(data, family, addPath)).toBe(count);
          const n = readNlri(nlriList(family, addPath, data, count), cols);
          expect(n).toBe(count);
          const rows: number[][] = [];
          for (let i = 0; i < n; i++) rows.push([...cols.words.subarray(i * width, i * width + width), cols.lengths[i]!, cols.pathIds[i]!]);
          expect(rows).toEqual(visited(family, data, addPath, count));
        }
      });
    }
  }

  it('reads nothing from an empty list or an unknown family', () => {
    const cols = nlriColumns();
    expect(readNlri(nlriList(IPV4_UNICAST, false, new Uint8Array(0), 0), cols)).toBe(0);
    expect(readNlri({ afi: 25, safi: 65, family: undefined, addPath: false, data: Uint8Array.of(1, 2, 3), count: 0 }, cols)).toBe(0);
  });
});
