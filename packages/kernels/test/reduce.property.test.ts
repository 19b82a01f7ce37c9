import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { heap, type ReduceOp, ready, reduce, sumToShape } from '../src/index.js';

beforeAll(() => ready());

const blocks: number[] = [];
afterEach(() => {
  for (const p of blocks.splice(0)) heap().free(p);
});

function put(values: ArrayLike<number>): number {
  const p = heap().alloc(Math.max(1, values.length) * 4);
  blocks.push(p);
  heap()
    .f32()
    .set(values, p >>> 2);
  return p;
}

function get(p: number, n: number): Float32Array {
  return heap()
    .f32()
    .slice(p >>> 2, (p >>> 2) + n);
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Row-major multi-index of flat index i. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  return idx.reduce((acc, v, d) => acc * shape[d] + v, 0);
}

/** For every x element, the output slot it lands in when `x` (shape) is summed to `outShape`. */
function slots(shape: readonly number[], outShape: readonly number[]): number[] {
  const lead = shape.length - outShape.length;
  return Array.from({ length: prod(shape) }, (_, i) => {
    const idx = unravel(i, shape).slice(lead);
    return ravel(
      idx.map((v, d) => (outShape[d] === 1 ? 0 : v)),
      outShape,
    );
  });
}

// Rank 1-6, small dims, and at times one long axis so the SIMD bodies and tails both run.
const shapeArb = fc
  .record({
    dims: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 6 }),
    long: fc.option(fc.tuple(fc.nat(), fc.constantFrom(17, 33))),
  })
  .map(({ dims, long }) => (long ? dims.map((d, i) => (i === long[0] % dims.length ? long[1] : d)) : dims));

describe('reduce (property)', () => {
  it('matches a float64 reference over random shapes, axes and ops', () => {
    const arb = shapeArb.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axes: fc.subarray([...shape.keys()]),
        op: fc.constantFrom<ReduceOp>('sum', 'mean', 'max', 'min'),
        data: fc.float32Array({
          minLength: prod(shape),
          maxLength: prod(shape),
          noNaN: true,
          min: -100,
          max: 100,
        }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ shape, axes, op, data }) => {
        const outShape = shape.map((s, d) => (axes.includes(d) ? 1 : s));
        const m = prod(outShape);
        const where = slots(shape, outShape);
        const sum = new Float64Array(m);
        const abs = new Float64Array(m);
        const ext = new Float64Array(m).fill(op === 'max' ? -Infinity : Infinity);
        for (let i = 0; i < data.length; i++) {
          sum[where[i]] += data[i];
          abs[where[i]] += Math.abs(data[i]);
          ext[where[i]] = op === 'max' ? Math.max(ext[where[i]], data[i]) : Math.min(ext[where[i]], data[i]);
        }
        const out = put(new Float32Array(m));
        reduce(op, put(data), shape, axes, out);
        const got = get(out, m);
        const count = data.length / m;
        for (let o = 0; o < m; o++) {
          // + 0 folds -0 into 0: which zero max(-0, 0) keeps is unspecified (also in PyTorch).
          if (op === 'max' || op === 'min') expect(got[o] + 0).toBe(ext[o] + 0);
          else {
            const div = op === 'mean' ? count : 1;
            expect(Math.abs(got[o] - sum[o] / div)).toBeLessThanOrEqual((4e-6 * abs[o]) / div + 1e-30);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('sumToShape (property)', () => {
  // A base shape, and a shape it broadcasts to: extra leading dims, size-1 dims expanded.
  const broadcastArb = fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 })
    .chain((base) =>
      fc.record({
        base: fc.constant(base),
        lead: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 6 - base.length }),
        grow: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: base.length, maxLength: base.length }),
      }),
    )
    .map(({ base, lead, grow }) => ({
      base,
      shape: [...lead, ...base.map((s, d) => (s === 1 ? grow[d] : s))],
    }));

  it('sums the broadcast of b back to b times the broadcast factor, exactly', () => {
    fc.assert(
      fc.property(broadcastArb, fc.integer(), ({ base, shape }, seed) => {
        const m = prod(base);
        const b = Float32Array.from({ length: m }, (_, j) => ((seed + j * 7919) % 201) - 100);
        const where = slots(shape, base);
        const x = Float32Array.from(where, (j) => b[j]);
        const out = put(new Float32Array(m));
        sumToShape(put(x), shape, out, base);
        const factor = x.length / m;
        // Small integers times the factor are exact in f32, so any misplaced term shows.
        expect(Array.from(get(out, m))).toEqual(Array.from(b, (v) => v * factor));
      }),
      { numRuns: 300 },
    );
  });

  it('equals the direct float64 sum of random data, with leading 1s allowed in outShape', () => {
    fc.assert(
      fc.property(broadcastArb, fc.integer({ min: 0, max: 2 }), ({ base, shape }, ones) => {
        const data = Float32Array.from({ length: prod(shape) }, (_, i) => Math.sin(i * 1.3) * 10);
        const m = prod(base);
        const ref = new Float64Array(m);
        const abs = new Float64Array(m);
        slots(shape, base).forEach((j, i) => {
          ref[j] += data[i];
          abs[j] += Math.abs(data[i]);
        });
        const outShape = shape.length + ones <= 6 ? [...Array(ones).fill(1), ...base] : base;
        const out = put(new Float32Array(m));
        sumToShape(put(data), shape, out, outShape);
        const got = get(out, m);
        for (let j = 0; j < m; j++) expect(Math.abs(got[j] - ref[j])).toBeLessThanOrEqual(4e-6 * abs[j]);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects shapes that do not broadcast to each other', () => {
    const x = put(new Float32Array(12));
    const out = put(new Float32Array(4));
    expect(() => sumToShape(x, [4, 3], out, [2])).toThrow(
      /sumToShape: shape \[4,3\] cannot be summed to \[2\]/,
    );
    expect(() => sumToShape(x, [4, 3], out, [4])).toThrow(/cannot be summed to \[4\]/);
    expect(() => sumToShape(x, [4, 3], out, [2, 4, 3])).toThrow(/cannot be summed to \[2,4,3\]/);
    expect(() => sumToShape(x, [4, 3], out, [1, 1, 1, 1, 1, 1, 3])).toThrow(/rank 7, more than 6/);
    expect(() => sumToShape(x, [4, 3], put([0]), [4, 3])).toThrow(/out needs 48 bytes but its block holds/);
  });
});
