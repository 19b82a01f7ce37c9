import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bernoulli,
  dropoutMask,
  heap,
  normal,
  Philox,
  philoxU32,
  ready,
  uniform,
  wasm,
} from '../src/index.js';

const MAX = 4096;
let buf = 0;
let buf2 = 0;

beforeAll(async () => {
  await ready();
  buf = heap().alloc(MAX * 4);
  buf2 = heap().alloc(MAX * 4);
});
afterAll(() => {
  heap().free(buf);
  heap().free(buf2);
});

const words = (p: number, n: number) =>
  Array.from(
    heap()
      .i32()
      .subarray(p / 4, p / 4 + n),
    (v) => v >>> 0,
  );
const floats = (p: number, n: number) =>
  Array.from(
    heap()
      .f32()
      .subarray(p / 4, p / 4 + n),
  );

// An independent Philox4x32-10 in BigInt, written from the paper's round function.
function philoxRef(ctr: number[], key: number[]): number[] {
  let [c0, c1, c2, c3] = ctr.map(BigInt);
  let [k0, k1] = key.map(BigInt);
  const mask = 0xffffffffn;
  for (let r = 0; r < 10; r++) {
    const p0 = 0xd2511f53n * c0;
    const p1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & mask, (p0 >> 32n) ^ c3 ^ k1, p0 & mask];
    k0 = (k0 + 0x9e3779b9n) & mask;
    k1 = (k1 + 0xbb67ae85n) & mask;
  }
  return [c0, c1, c2, c3].map(Number);
}

// Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter[4], key[2] -> result[4].
const KAT = [
  { ctr: [0, 0, 0, 0], key: [0, 0], out: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
  {
    ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    out: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  },
  {
    ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    out: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  },
];

describe('Philox4x32-10 known answers (Random123 kat_vectors)', () => {
  for (const { ctr, key, out } of KAT) {
    const name = ctr.map((c) => c.toString(16)).join(' ');
    it(`kernel: counter ${name}`, () => {
      wasm().philox_u32(buf, 4, key[0], key[1], ctr[0], ctr[1], ctr[2], ctr[3], 0);
      expect(words(buf, 4)).toEqual(out);
    });
    it(`BigInt reference: counter ${name}`, () => {
      expect(philoxRef(ctr, key)).toEqual(out);
    });
  }

  it('seed 0 at offset 0 is the all-zero vector', () => {
    philoxU32(new Philox(0), buf, 4);
    expect(words(buf, 4)).toEqual(KAT[0].out);
  });
});

describe('philox_u32 against the reference', () => {
  it('matches block by block through scalar head, SIMD body and tail, with counter carry', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff)),
        // Counters near 2^32 exercise the carry from word 0 into word 1, also inside a SIMD step.
        fc.oneof(fc.nat(0xffffffff), fc.integer({ min: 0xffffffff - 6, max: 0xffffffff })),
        fc.nat(0xffffffff),
        fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff)),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 70 }),
        (key, c0, c1, [c2, c3], first, n) => {
          wasm().philox_u32(buf, n, key[0], key[1], c0, c1, c2, c3, first);
          const got = words(buf, n);
          const want: number[] = [];
          for (let b = 0; want.length < n + first; b++) {
            const lo = (c0 + b) % 2 ** 32;
            const hi = (c1 + Math.floor((c0 + b) / 2 ** 32)) % 2 ** 32;
            want.push(...philoxRef([lo, hi, c2, c3], key));
          }
          expect(got).toEqual(want.slice(first, first + n));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the generator keys on the 64-bit seed (low word first) and counts counters from 0', () => {
    const seed = 0x0123456789abcdefn;
    const gen = new Philox(seed);
    philoxU32(gen, buf, 12);
    const want = [0, 1, 2].flatMap((c) => philoxRef([c, 0, 0, 0], [0x89abcdef, 0x01234567]));
    expect(words(buf, 12)).toEqual(want);
    expect(gen.offset).toBe(3);
  });
});

type Dist = (gen: Philox, out: number, n: number) => void;
const dists: Record<string, Dist> = {
  u32: philoxU32,
  uniform: (g, o, n) => uniform(g, o, n, -2, 3),
  normal: (g, o, n) => normal(g, o, n, 1, 2),
  dropout: (g, o, n) => dropoutMask(g, o, n, 0.3),
  bernoulli: (g, o, n) => bernoulli(g, o, n, 0.7),
};

describe('determinism', () => {
  for (const [name, dist] of Object.entries(dists)) {
    it(`${name}: n then m equals n + m, for any split`, () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 8 }),
          (seed, parts) => {
            const total = parts.reduce((a, b) => a + b, 0);
            dist(new Philox(seed), buf, total);
            const whole = words(buf, total);
            const gen = new Philox(seed);
            const pieces: number[] = [];
            for (const n of parts) {
              dist(gen, buf2, n);
              pieces.push(...words(buf2, n));
            }
            expect(pieces).toEqual(whole);
            expect(gen.offset * 4 + gen.lane).toBe(total);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('each value depends only on its stream position, whatever was drawn before', () => {
    const a = new Philox(7);
    uniform(a, buf, 13);
    normal(a, buf, 6);
    normal(new Philox(7), buf2, 30);
    expect(floats(buf, 6)).toEqual(floats(buf2, 30).slice(13, 19));
  });

  it('the same seed gives identical output, a different seed different output', () => {
    normal(new Philox(123), buf, 1000);
    normal(new Philox(123n), buf2, 1000);
    expect(words(buf, 1000)).toEqual(words(buf2, 1000));
    normal(new Philox(124), buf2, 1000);
    const same = words(buf, 1000).filter((v, i) => v === words(buf2, 1000)[i]).length;
    expect(same).toBeLessThan(5);
  });

  it('state() / setState() resume mid-counter, and survive JSON', () => {
    const gen = new Philox(2n ** 63n + 5n);
    uniform(gen, buf, 7);
    const saved = JSON.parse(JSON.stringify(gen.state()));
    expect(saved).toEqual({ seed: (2n ** 63n + 5n).toString(), offset: 1, lane: 3 });
    uniform(gen, buf, 9);
    const first = floats(buf, 9);
    const other = new Philox(2n ** 63n + 5n);
    other.setState(saved);
    uniform(other, buf2, 9);
    expect(floats(buf2, 9)).toEqual(first);
  });

  it('offset can be set to jump to a counter', () => {
    const gen = new Philox(9);
    gen.offset = 5;
    philoxU32(gen, buf, 4);
    philoxU32(new Philox(9), buf2, 24);
    expect(words(buf, 4)).toEqual(words(buf2, 24).slice(20, 24));
    expect(gen.offset).toBe(6);
    expect(gen.lane).toBe(0);
  });

  it('seeds are taken modulo 2^64', () => {
    expect(new Philox(-1).seed).toBe(2n ** 64n - 1n);
    expect(new Philox(2n ** 64n + 3n).seed).toBe(3n);
  });
});

describe('argument checks', () => {
  it('rejects bad seeds, states and parameters before running', () => {
    expect(() => new Philox(1.5)).toThrow(/Philox: seed must be a safe integer/);
    const gen = new Philox(1);
    expect(() => gen.setState({ seed: '2', offset: 0, lane: 0 })).toThrow(/seed 2.*seed 1/);
    expect(() => gen.setState({ seed: '1', offset: 0, lane: 4 })).toThrow(/lane must be 0..3/);
    expect(() => {
      gen.offset = -1;
    }).toThrow(/offset must be an integer/);
    expect(() => uniform(gen, buf, 4, 1, 1)).toThrow(/uniform: need finite float32 bounds with low < high/);
    expect(() => uniform(gen, buf, 4, 0, Number.POSITIVE_INFINITY)).toThrow(/uniform:/);
    expect(() => normal(gen, buf, 4, 0, -1)).toThrow(/normal: .*std >= 0/);
    expect(() => dropoutMask(gen, buf, 4, 1.5)).toThrow(/dropoutMask: p must be in \[0, 1\], got 1.5/);
    expect(() => bernoulli(gen, buf, 4, Number.NaN)).toThrow(/bernoulli: p must be in \[0, 1\]/);
    expect(() => uniform(gen, buf, MAX + 1)).toThrow(/uniform: out needs 16388 bytes/);
    expect(() => normal({} as Philox, buf, 4)).toThrow(/normal: gen must be a Philox generator/);
    expect(gen.offset * 4 + gen.lane).toBe(0); // nothing was consumed by the failed calls
  });
});
