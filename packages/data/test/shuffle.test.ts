import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mix32, permutation, Xoshiro128 } from '../src/shuffle.js';

interface Reference {
  state: [number, number, number, number];
  outputs: number[];
}
const reference: Reference[] = JSON.parse(
  readFileSync(new URL('./fixtures/xoshiro128.json', import.meta.url), 'utf8'),
);

const isPermutation = (p: Int32Array): boolean => {
  const seen = new Uint8Array(p.length);
  for (const v of p) {
    if (v < 0 || v >= p.length || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
};

describe('Xoshiro128', () => {
  it.each(reference)('matches the C reference implementation from state $state', ({ state, outputs }) => {
    const rng = new Xoshiro128(...state);
    expect(outputs.map(() => rng.nextUint32())).toEqual(outputs);
  });

  it('rejects the all-zero state, which would only ever output 0', () => {
    expect(() => new Xoshiro128(0, 0, 0, 0)).toThrow(/must not be all zero/);
  });

  it('gives equal sequences for equal (seed, stream) and different ones otherwise', () => {
    const draw = (seed: number, stream: number) => {
      const rng = Xoshiro128.fromSeed(seed, stream);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(42, 3)).toEqual(draw(42, 3));
    expect(draw(42, 3)).not.toEqual(draw(42, 4));
    expect(draw(42, 3)).not.toEqual(draw(43, 3));
    // Seeds differing only above bit 32 still give different streams.
    expect(draw(2 ** 40, 0)).not.toEqual(draw(0, 0));
    expect(draw(-1, 0)).not.toEqual(draw(2 ** 32 - 1, 0));
  });

  it('below(n) stays in range and validates n', () => {
    const rng = Xoshiro128.fromSeed(7);
    for (const n of [1, 2, 3, 10, 1000, 2 ** 31 + 1, 2 ** 32]) {
      for (let i = 0; i < 50; i++) {
        const v = rng.below(n);
        expect(Number.isInteger(v) && v >= 0 && v < n).toBe(true);
      }
    }
    expect(() => rng.below(0)).toThrow(/n must be an integer in \[1, 2\^32\], got 0/);
    expect(() => rng.below(1.5)).toThrow(/got 1.5/);
    expect(() => Xoshiro128.fromSeed(0.5)).toThrow(/seed must be a safe integer, got 0.5/);
  });

  it('mix32 is a bijection on a sample (no two inputs collide)', () => {
    const out = new Set<number>();
    for (let i = 0; i < 1 << 16; i++) out.add(mix32(i * 65537));
    expect(out.size).toBe(1 << 16);
  });
});

describe('permutation', () => {
  it('is a permutation of 0..n-1 for any n, seed and stream (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.maxSafeInteger(),
        fc.integer({ min: 0, max: 1000 }),
        (n, seed, stream) => isPermutation(permutation(n, seed, stream)),
      ),
    );
  });

  it('is deterministic given (seed, stream), and differs across streams', () => {
    expect(permutation(1000, 5, 2)).toEqual(permutation(1000, 5, 2));
    const epochs = Array.from({ length: 20 }, (_, e) => permutation(1000, 5, e).join());
    expect(new Set(epochs).size).toBe(20);
    expect(permutation(1000, 6, 2)).not.toEqual(permutation(1000, 5, 2));
  });

  it('draws all 24 orders of 4 items about equally often (chi-square over 24,000 streams)', () => {
    const counts = new Map<string, number>();
    const trials = 24000;
    for (let e = 0; e < trials; e++) {
      const key = permutation(4, 123, e).join();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const expected = trials / 24;
    let chi2 = 0;
    for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected;
    // 23 degrees of freedom: P(chi2 > 60) < 1e-4 for a uniform shuffle.
    expect(chi2).toBeLessThan(60);
  });

  it('handles n = 0 and n = 1 and rejects bad n', () => {
    expect(permutation(0, 1)).toEqual(new Int32Array(0));
    expect(permutation(1, 1)).toEqual(Int32Array.of(0));
    expect(() => permutation(-1, 0)).toThrow(/n must be an integer in \[0, 2\^31\), got -1/);
  });
});
