// Fills, copies, strided views, casts, affine, powScalar and clamp against plain-JS references.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  affine,
  castF32ToI32,
  castI32ToF32,
  clamp,
  clampBackward,
  copy32,
  fillF32,
  fillI32,
  powScalar,
  ready,
  stridedCopy32,
} from '../src/index.js';
import {
  f32Block,
  free,
  i32Block,
  outBlock,
  readF32,
  readI32,
  SIZES,
  ulpError,
  uniform,
} from './elementwise-helpers.js';

beforeAll(() => ready());

const fr = Math.fround;
const SENTINEL = -12345;

describe('fills and copies', () => {
  it('fillF32 / fillI32 write exactly n elements', () => {
    for (const n of SIZES) {
      const p = outBlock(n + 3);
      fillF32(p, n, 0.1);
      expect(Array.from(readF32(p, n + 3))).toEqual([
        ...new Array(n).fill(fr(0.1)),
        SENTINEL,
        SENTINEL,
        SENTINEL,
      ]);
      fillI32(p, n, -7);
      expect(Array.from(readI32(p, n))).toEqual(new Array(n).fill(-7));
      expect(readF32(p, n + 1)[n]).toBe(SENTINEL);
      free(p);
    }
  });

  it('copy32 copies the bits of n words, NaN payloads included', () => {
    for (const n of SIZES) {
      const words = Int32Array.from({ length: n }, (_, i) => (i * 2654435761) | 0);
      words[0] = 0x7fc01234; // a NaN with a payload, read as f32
      const src = i32Block(words);
      const dst = outBlock(n + 2);
      copy32(src, dst, n);
      expect(readI32(dst, n)).toEqual(words);
      expect(readF32(dst, n + 2)[n]).toBe(SENTINEL);
      free(src, dst);
    }
  });
});

/** Plain-JS gather of a strided view, row-major over shape. */
function gather(src: ArrayLike<number>, offset: number, shape: number[], strides: number[]): number[] {
  const n = shape.reduce((p, s) => p * s, 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let rest = i;
    let at = offset;
    for (let d = shape.length - 1; d >= 0; d--) {
      at += (rest % shape[d]) * strides[d];
      rest = Math.floor(rest / shape[d]);
    }
    out.push(src[at]);
  }
  return out;
}

function viewCopy(src: ArrayLike<number>, offset: number, shape: number[], strides: number[]): Int32Array {
  const n = shape.reduce((p, s) => p * s, 1);
  const s = i32Block(src);
  const d = outBlock(n + 1);
  stridedCopy32(s, offset, d, shape, strides);
  const got = readI32(d, n + 1);
  free(s, d);
  expect(got[n], 'nothing written past dst').toBe(new Int32Array(new Float32Array([SENTINEL]).buffer)[0]);
  return got.subarray(0, n);
}

describe('stridedCopy32', () => {
  const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

  const cases: [string, number, number, number[], number[]][] = [
    ['transpose [2,3] -> [3,2]', 6, 0, [3, 2], [1, 3]],
    ['permute [2,3,4] by (2,0,1)', 24, 0, [4, 2, 3], [1, 12, 4]],
    ['slice rows 1..3, cols 2..5 of [5,6]', 30, 8, [2, 3], [6, 1]],
    ['expand [3] -> [4,3]', 3, 0, [4, 3], [0, 1]],
    ['expand a scalar to [5,5]', 1, 0, [5, 5], [0, 0]],
    ['flip [10]', 10, 9, [10], [-1]],
    ['flip both axes of [4,5]', 20, 19, [4, 5], [-5, -1]],
    ['every third element, odd offset', 100, 1, [33], [3]],
    ['rank 6', 720, 3, [2, 1, 3, 2, 2, 5], [300, 7, 90, 1, 40, 8]],
    ['empty', 4, 0, [3, 0], [1, 1]],
  ];
  for (const [name, size, offset, shape, strides] of cases) {
    it(name, () => {
      const src = iota(size);
      expect(Array.from(viewCopy(src, offset, shape, strides))).toEqual(gather(src, offset, shape, strides));
    });
  }

  it('runs its contiguous, broadcast and gather rows at every size', () => {
    for (const n of SIZES) {
      const src = iota(3 * n + 2);
      for (const [offset, stride] of [
        [0, 1],
        [2, 1],
        [1, 0],
        [1, 2],
        [2, 3],
      ]) {
        const got = viewCopy(src, offset, [n], [stride]);
        expect(Array.from(got)).toEqual(gather(src, offset, [n], [stride]));
      }
    }
  });

  it('matches the JS gather on random views up to rank 6 (property)', () => {
    const view = fc
      .array(fc.record({ size: fc.integer({ min: 1, max: 4 }), stride: fc.integer({ min: -7, max: 7 }) }), {
        minLength: 0,
        maxLength: 6,
      })
      .map((axes) => {
        const shape = axes.map((a) => a.size);
        const strides = axes.map((a) => a.stride);
        // The offset that puts the lowest element read at index 0, plus a little slack.
        const low = axes.reduce((s, a) => s + Math.min(0, (a.size - 1) * a.stride), 0);
        const high = axes.reduce((s, a) => s + Math.max(0, (a.size - 1) * a.stride), 0);
        return { shape, strides, offset: -low, size: high - low + 1 };
      });
    fc.assert(
      fc.property(view, ({ shape, strides, offset, size }) => {
        const src = Array.from({ length: size }, (_, i) => i * 7 + 1);
        expect(Array.from(viewCopy(src, offset, shape, strides))).toEqual(
          gather(src, offset, shape, strides),
        );
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('casts', () => {
  it('castI32ToF32 rounds to nearest f32 at every size', () => {
    for (const n of SIZES) {
      const ints = Int32Array.from({ length: n }, (_, i) => (i * 40503 * 65537) | 0);
      ints[0] = 16777217; // 2^24 + 1 rounds to even
      const src = i32Block(ints);
      const dst = outBlock(n + 1);
      castI32ToF32(src, dst, n);
      expect(Array.from(readF32(dst, n))).toEqual(Array.from(ints, fr));
      expect(readF32(dst, n + 1)[n]).toBe(SENTINEL);
      free(src, dst);
    }
  });

  it('castF32ToI32 truncates toward zero and saturates, NaN -> 0', () => {
    const special = [
      2.7,
      -2.7,
      0.5,
      -0.5,
      3e9,
      -3e9,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
    ];
    const trunc = (v: number) =>
      Number.isNaN(v) ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(fr(v)))) | 0;
    for (const values of [special, ...SIZES.map((n) => Array.from(uniform(n, -1e5, 1e5, n)))]) {
      const src = f32Block(values);
      const dst = outBlock(values.length);
      castF32ToI32(src, dst, values.length);
      expect(Array.from(readI32(dst, values.length))).toEqual(values.map(trunc));
      free(src, dst);
    }
  });
});

describe('affine, powScalar, clamp', () => {
  function map(
    fn: (x: number, out: number, n: number) => void,
    xs: ArrayLike<number>,
    extra = 0,
  ): Float32Array {
    const x = f32Block(xs);
    const out = outBlock(xs.length + extra);
    fn(x, out, xs.length);
    const got = readF32(out, xs.length + extra);
    free(x, out);
    return got;
  }

  it('affine: x·scale + shift, rounded after each step', () => {
    for (const n of SIZES) {
      const xs = uniform(n, -10, 10, n);
      const got = map((x, out, m) => affine(x, out, m, 0.3, -1.25), xs, 1);
      expect(Array.from(got.subarray(0, n))).toEqual(Array.from(xs, (v) => fr(fr(v * fr(0.3)) - 1.25)));
      expect(got[n]).toBe(SENTINEL);
    }
  });

  const exact: [number, (x: number) => number][] = [
    [2, (x) => fr(x * x)],
    [3, (x) => fr(fr(x * x) * x)],
    [0.5, (x) => fr(Math.sqrt(x))],
    [-0.5, (x) => fr(1 / fr(Math.sqrt(x)))],
    [-1, (x) => fr(1 / x)],
    [-2, (x) => fr(1 / fr(x * x))],
    [1, (x) => x],
  ];
  for (const [p, ref] of exact) {
    it(`powScalar(x, ${p}) uses its exact form at every size`, () => {
      for (const n of SIZES) {
        const xs = uniform(n, p === 0.5 || p === -0.5 ? 0 : -5, 5, n);
        const got = map((x, out, m) => powScalar(x, out, m, p), xs, 1);
        expect(Array.from(got.subarray(0, n))).toEqual(Array.from(xs, ref));
        expect(got[n]).toBe(SENTINEL);
      }
    });
  }

  it('powScalar with other exponents is within 3 ulp of Math.pow (negative bases need integers)', () => {
    for (const p of [1.7, -2.5, 0.25, 7, -3]) {
      for (const n of SIZES) {
        const xs = uniform(n, Number.isInteger(p) ? -3 : 0.05, 3, n + 1);
        const got = map((x, out, m) => powScalar(x, out, m, p), xs);
        xs.forEach((v, i) => {
          expect(ulpError(got[i], v ** p), `${v}^${p}`).toBeLessThanOrEqual(3);
        });
      }
    }
    expect(Array.from(map((x, out, m) => powScalar(x, out, m, 0), [Number.NaN, 0, -3]))).toEqual([1, 1, 1]);
    expect(map((x, out, m) => powScalar(x, out, m, 0.3), [-2])[0]).toBeNaN();
  });

  it('clamp: min(max(x, lo), hi) at every size; NaN stays, open sides, lo > hi gives hi', () => {
    for (const n of SIZES) {
      const xs = uniform(n, -3, 3, n);
      const got = map((x, out, m) => clamp(x, out, m, -1, 1.5), xs, 1);
      expect(Array.from(got.subarray(0, n))).toEqual(Array.from(xs, (v) => Math.min(Math.max(v, -1), 1.5)));
      expect(got[n]).toBe(SENTINEL);
    }
    const inf = Number.POSITIVE_INFINITY;
    const xs = [Number.NaN, -5, 5];
    const [nan] = map((x, out, m) => clamp(x, out, m, 0, 1), xs);
    expect(nan).toBeNaN();
    expect(Array.from(map((x, out, m) => clamp(x, out, m, 0, inf), xs).subarray(1))).toEqual([0, 5]);
    expect(Array.from(map((x, out, m) => clamp(x, out, m, -inf, 0), xs).subarray(1))).toEqual([-5, 0]);
    expect(Array.from(map((x, out, m) => clamp(x, out, m, 3, 2), xs).subarray(1))).toEqual([2, 2]);
  });

  it('clampBackward passes dy where lo <= x <= hi (bounds included), else 0', () => {
    for (const n of SIZES) {
      const xs = uniform(n, -3, 3, n).map((v) => Math.round(v * 2) / 2); // hits the bounds exactly
      const dys = uniform(n, -2, 2, n + 9);
      const [x, dy] = [xs, dys].map(f32Block);
      const dx = outBlock(n + 1);
      clampBackward(x, dy, dx, n, -1, 1.5);
      const got = readF32(dx, n + 1);
      free(x, dy, dx);
      expect(Array.from(got.subarray(0, n))).toEqual(
        Array.from(xs, (v, i) => (v >= -1 && v <= 1.5 ? dys[i] : 0)),
      );
      expect(got[n]).toBe(SENTINEL);
    }
  });
});
