import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { argmax, argmin, dotF32, heap, type ReduceOp, ready, reduce, sumAll } from '../src/index.js';

beforeAll(() => ready());

const SIZES = [1, 3, 4, 5, 17, 33, 1000];
const OPS: ReduceOp[] = ['sum', 'mean', 'max', 'min'];

// Every block a test allocates is freed after it, so a failing test cannot leak into the next.
const blocks: number[] = [];
afterEach(() => {
  for (const p of blocks.splice(0)) heap().free(p);
});

function alloc(n: number): number {
  const p = heap().alloc(n * 4);
  blocks.push(p);
  return p;
}

function put(values: ArrayLike<number>): number {
  const p = alloc(values.length);
  heap()
    .f32()
    .set(values, p >>> 2);
  return p;
}

function getF32(p: number, n: number): Float32Array {
  return heap()
    .f32()
    .slice(p >>> 2, (p >>> 2) + n);
}

function getI32(p: number, n: number): Int32Array {
  return heap()
    .i32()
    .slice(p >>> 2, (p >>> 2) + n);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomData(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * 10);
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Float64 reference in keepDim layout: value, and Σ|x| per output for the sum tolerance. */
function reference(op: ReduceOp, x: ArrayLike<number>, shape: number[], axes: number[]) {
  const outShape = shape.map((s, d) => (axes.includes(d) ? 1 : s));
  const m = prod(outShape);
  const value = new Float64Array(m).fill(op === 'max' ? -Infinity : op === 'min' ? Infinity : 0);
  const abs = new Float64Array(m);
  const count = new Float64Array(m);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) o = o * outShape[d] + (axes.includes(d) ? 0 : idx[d]);
    const v = x[i];
    if (op === 'max')
      value[o] = Number.isNaN(v) || Number.isNaN(value[o]) ? Number.NaN : Math.max(value[o], v);
    else if (op === 'min')
      value[o] = Number.isNaN(v) || Number.isNaN(value[o]) ? Number.NaN : Math.min(value[o], v);
    else value[o] += v;
    abs[o] += Math.abs(v);
    count[o]++;
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  if (op === 'mean') for (let o = 0; o < m; o++) value[o] /= count[o];
  return { value, abs, count, outShape };
}

function expectReduce(op: ReduceOp, shape: number[], axes: number[], seed = 1): void {
  const n = prod(shape);
  const data = randomData(n, seed);
  const ref = reference(op, data, shape, axes);
  const m = ref.value.length;
  const out = alloc(m);
  reduce(op, put(data), shape, axes, out);
  const got = getF32(out, m);
  if (op === 'max' || op === 'min') {
    expect(Array.from(got)).toEqual(Array.from(ref.value));
    return;
  }
  // f32 partial sums of at most 64 terms, then f64: bounded by ~64 ulp of Σ|x|.
  for (let o = 0; o < m; o++) {
    const scale = op === 'mean' ? ref.count[o] : 1;
    const tol = (4e-6 * ref.abs[o]) / scale + 1e-7 * Math.abs(ref.value[o]);
    if (Math.abs(got[o] - ref.value[o]) > tol)
      throw new Error(
        `${op} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)} out[${o}]: ${got[o]} vs ${ref.value[o]}`,
      );
  }
}

function subsets(rank: number): number[][] {
  const all: number[][] = [];
  for (let mask = 0; mask < 1 << rank; mask++)
    all.push([...Array(rank).keys()].filter((d) => (mask >> d) & 1));
  return all;
}

describe('reduce', () => {
  for (const op of OPS) {
    it(`${op} of 1-D and 2-D tensors of every test size, over rows and over columns`, () => {
      for (const n of SIZES) {
        expectReduce(op, [n], [0], n);
        for (const other of [1, 3, 17]) {
          for (const shape of [
            [n, other],
            [other, n],
          ]) {
            for (const axes of subsets(2)) expectReduce(op, shape, axes, n * 31 + other);
          }
        }
      }
    });

    it(`${op} over every axis combination of rank 3, 4 and 6 tensors`, () => {
      const shapes = [
        [3, 4, 5],
        [5, 1, 17],
        [2, 33, 4],
        [2, 3, 4, 5],
        [4, 1, 3, 33],
        [17, 2, 1, 5],
        [2, 3, 1, 2, 5, 4],
      ];
      for (const shape of shapes) for (const axes of subsets(shape.length)) expectReduce(op, shape, axes);
    });
  }

  it('copies when nothing is reduced, including a rank-0 tensor', () => {
    const x = put([7.5]);
    const out = alloc(1);
    reduce('mean', x, [], [], out);
    expect(getF32(out, 1)[0]).toBe(7.5);
    const y = put([1, 2, 3, 4, 5, 6]);
    const o6 = alloc(6);
    reduce('sum', y, [2, 3], [], o6);
    expect(Array.from(getF32(o6, 6))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('sums 2^20 elements to f32 accuracy (a running f32 sum is ~100x off)', () => {
    const n = 1 << 20;
    const r = rng(7);
    const data = Float32Array.from({ length: n }, () => 0.1 + r() * 1e-3);
    let exact = 0;
    let naive = 0;
    for (const v of data) {
      exact += v;
      naive = Math.fround(naive + v);
    }
    const out = alloc(1);
    reduce('sum', put(data), [n], [0], out);
    const err = Math.abs(getF32(out, 1)[0] - exact) / exact;
    expect(err).toBeLessThan(2e-7);
    expect(Math.abs(naive - exact) / exact).toBeGreaterThan(1e-5);
  });

  it('sums 2^16 rows down each column to f32 accuracy (outer-axis path)', () => {
    const rows = 1 << 16;
    const cols = 21;
    const r = rng(8);
    const data = Float32Array.from({ length: rows * cols }, () => 0.1 + r() * 1e-3);
    const out = alloc(cols);
    reduce('sum', put(data), [rows, cols], [0], out);
    const got = getF32(out, cols);
    for (let j = 0; j < cols; j++) {
      let exact = 0;
      for (let i = 0; i < rows; i++) exact += data[i * cols + j];
      expect(Math.abs(got[j] - exact) / exact).toBeLessThan(2e-7);
    }
  });

  it('max and min propagate NaN from SIMD bodies and scalar tails on both paths', () => {
    // Rows of 43 = 16-wide body, 4-wide body, scalar tail; 21 columns likewise.
    for (const [shape, axes, nans] of [
      [[3, 43], [1], [5, 43 + 34, 3 * 43 - 1]],
      [[43, 21], [0], [5, 21 * 10 + 17, 43 * 21 - 1]],
      [[43, 3], [0], [4]],
      [[2, 43, 3], [0, 2], [3 * 20 + 1]],
    ] as [number[], number[], number[]][]) {
      const n = prod(shape);
      const data = randomData(n, 3);
      for (const i of nans) data[i] = Number.NaN;
      const m = n / prod(axes.map((a) => shape[a]));
      for (const op of OPS) {
        const ref = reference(op, data, shape, axes).value;
        const out = alloc(m);
        reduce(op, put(data), shape, axes, out);
        const got = getF32(out, m);
        const nanCount = got.filter(Number.isNaN).length;
        expect(nanCount).toBeGreaterThan(0);
        expect(nanCount).toBe(ref.filter(Number.isNaN).length);
        if (op === 'max' || op === 'min') expect(Array.from(got)).toEqual(Array.from(ref));
        else for (let o = 0; o < m; o++) expect(Number.isNaN(got[o])).toBe(Number.isNaN(ref[o]));
      }
    }
  });

  it('keeps infinities: max of -inf is -inf, sum of +inf and 1 is +inf', () => {
    const x = put([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
    const out = alloc(1);
    reduce('max', x, [5], [0], out);
    expect(getF32(out, 1)[0]).toBe(-Infinity);
    reduce('sum', put([1, Infinity, 1]), [3], [0], out);
    expect(getF32(out, 1)[0]).toBe(Infinity);
  });

  it('over an empty axis: sum is 0, mean is NaN, max throws', () => {
    const x = alloc(0);
    const out = alloc(3);
    reduce('sum', x, [3, 0], [1], out);
    expect(Array.from(getF32(out, 3))).toEqual([0, 0, 0]);
    reduce('mean', x, [0, 3], [0], out);
    expect(getF32(out, 3).every(Number.isNaN)).toBe(true);
    expect(() => reduce('max', x, [3, 0], [1], out)).toThrow(/reduce\(max\): max over an empty axis/);
  });

  it('rejects bad axes, ranks, shapes, ops and blocks before running', () => {
    const x = put(new Float32Array(24));
    const out = alloc(24);
    const shape = [2, 3, 4];
    expect(() => reduce('sum', x, shape, [1, 0], out)).toThrow(/axes \[1,0\] must be sorted, unique/);
    expect(() => reduce('sum', x, shape, [1, 1], out)).toThrow(/must be sorted, unique/);
    expect(() => reduce('sum', x, shape, [3], out)).toThrow(/in \[0, 3\) for shape \[2,3,4\]/);
    expect(() => reduce('sum', x, shape, [-1], out)).toThrow(/must be sorted, unique/);
    expect(() => reduce('sum', x, shape, [0.5], out)).toThrow(/must be sorted, unique/);
    expect(() => reduce('sum', x, [1, 1, 1, 1, 1, 1, 24], [0], out)).toThrow(/has rank 7, more than 6/);
    expect(() => reduce('sum', x, [2, -3, 4], [0], out)).toThrow(/non-negative integer sizes/);
    expect(() => reduce('prod' as ReduceOp, x, shape, [0], out)).toThrow(/reduce: unknown op 'prod'/);
    expect(() => reduce('sum', x, [2, 3, 5], [0], out)).toThrow(/reduce\(sum\): x needs 120 bytes/);
    const small = alloc(4);
    expect(() => reduce('mean', x, shape, [0], small)).toThrow(/out needs 48 bytes but its block holds 16/);
  });
});

function refArg(isMax: boolean, x: ArrayLike<number>, shape: number[], axis: number): Int32Array {
  const outer = prod(shape.slice(0, axis));
  const n = shape[axis];
  const inner = prod(shape.slice(axis + 1));
  const res = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let best = x[o * n * inner + j];
      let k = 0;
      for (let r = 1; r < n; r++) {
        const v = x[(o * n + r) * inner + j];
        const better = isMax ? v > best : v < best;
        if (better || (Number.isNaN(v) && !Number.isNaN(best))) {
          best = v;
          k = r;
        }
      }
      res[o * inner + j] = k;
    }
  }
  return res;
}

describe('argmax / argmin', () => {
  const shapes = [[1], [3], [4], [5], [17], [33], [1000], [3, 4, 5], [2, 17, 3], [5, 33], [33, 5], [4, 9, 8]];
  // Few distinct values force ties, so "first index" is checked across SIMD lanes and tails.
  const datasets: [string, (n: number, seed: number) => Float32Array][] = [
    ['random values', randomData],
    ['many ties', (n, seed) => randomData(n, seed).map((v) => Math.round(v / 8))],
    [
      'NaNs and ties',
      (n, seed) => {
        const r = rng(seed + 99);
        return randomData(n, seed).map((v) => (r() < 0.05 ? Number.NaN : Math.round(v / 8)));
      },
    ],
  ];
  for (const [label, make] of datasets) {
    it(`match the first-index reference on every axis (${label})`, () => {
      for (const shape of shapes) {
        const data = make(prod(shape), shape.length * 100 + shape[0]);
        const x = put(data);
        for (let axis = 0; axis < shape.length; axis++) {
          const m = prod(shape) / shape[axis];
          for (const isMax of [true, false]) {
            const out = alloc(m);
            (isMax ? argmax : argmin)(x, shape, axis, out);
            expect(Array.from(getI32(out, m))).toEqual(Array.from(refArg(isMax, data, shape, axis)));
          }
        }
      }
    });
  }

  it('picks the earliest of equal maxima even when a later lane is checked first', () => {
    const data = new Float32Array(12).fill(0);
    data[9] = 5; // lane 1
    data[6] = 5; // lane 2, earlier index
    const out = alloc(1);
    argmax(put(data), [12], 0, out);
    expect(getI32(out, 1)[0]).toBe(6);
  });

  it('rejects a bad axis, an empty axis and a small block', () => {
    const x = put(new Float32Array(6));
    const out = alloc(2);
    expect(() => argmax(x, [2, 3], 2, out)).toThrow(/argmax: axis 2 is not in \[0, 2\) for shape \[2,3\]/);
    expect(() => argmin(x, [2, 3], -1, out)).toThrow(/argmin: axis -1/);
    expect(() => argmax(x, [2, 0], 1, out)).toThrow(/argmax: axis 1 of shape \[2,0\] is empty/);
    expect(() => argmax(put(new Float32Array(30)), [5, 6], 0, out)).toThrow(
      /argmax: out needs 24 bytes but its block holds 16/,
    );
    expect(() => argmax(x, [1, 1, 1, 1, 1, 1, 6], 6, out)).toThrow(/rank 7, more than 6/);
  });
});

describe('sumAll / dotF32', () => {
  for (const n of [0, ...SIZES, 4099]) {
    it(`match the float64 reference for n = ${n}`, () => {
      const a = randomData(n, n + 1);
      const b = randomData(n, n + 2);
      let sum = 0;
      let abs = 0;
      let dot = 0;
      let dotAbs = 0;
      for (let i = 0; i < n; i++) {
        sum += a[i];
        abs += Math.abs(a[i]);
        dot += a[i] * b[i];
        dotAbs += Math.abs(a[i] * b[i]);
      }
      const pa = put(a);
      const pb = put(b);
      expect(Math.abs(sumAll(pa, n) - sum)).toBeLessThanOrEqual(4e-6 * abs + 1e-7 * Math.abs(sum));
      expect(Math.abs(dotF32(pa, pb, n) - dot)).toBeLessThanOrEqual(4e-6 * dotAbs + 1e-7 * Math.abs(dot));
    });
  }

  it('rejects a bad count and a small block', () => {
    const a = put([1, 2, 3]);
    expect(() => sumAll(a, -1)).toThrow(/sumAll: n must be a non-negative integer/);
    expect(() => dotF32(a, a, 5)).toThrow(/dotF32: a needs 20 bytes but its block holds 16/);
  });
});
